//! sea-orm entities of zhaoshang: the tables and nothing else; the rules live in the service crate.
//!
//! Money columns hold exact integers in yuan (`*_yuan`); the API speaks 万元 with four
//! decimals, which is the same precision. Land areas are hundredths of a 亩.

pub mod activity;
pub mod api_token;
pub mod audit_entry;
pub mod cluster;
pub mod contract;
pub mod enums;
pub mod funding;
pub mod import_run;
pub mod investor;
pub mod output_report;
pub mod park;
pub mod project;
pub mod publication;
pub mod setting;
pub mod stage_history;
pub mod target;
pub mod team;
pub mod user;
