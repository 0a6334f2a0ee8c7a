//! sea-orm entities of zhaoshang: the tables and nothing else; the rules live in the service crate.

pub mod enums;
