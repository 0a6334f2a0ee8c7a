//! The rules of the domain, independent of HTTP and SQL: money, dates, project codes and names,
//! the limits of every text, stages and transitions, access, the KPI definitions, and the
//! two languages refusals are worded in.

pub mod access;
pub mod date;
pub mod duplicates;
#[doc = include_str!("kpi.md")]
pub mod kpi;
pub mod money;
pub mod project;
pub mod stage;
pub mod text;
pub mod wording;
pub mod words;

pub use date::{PastDate, today};
