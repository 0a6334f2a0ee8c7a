//! The integration tests: the real app on a fresh database per test, SQLite by default and
//! PostgreSQL when `TEST_DATABASE_URL` names a server.

mod access;
mod audit;
mod bad_requests;
mod bulletins;
mod busy;
mod cli;
mod console;
mod corrections;
mod crash;
mod duplicates;
mod errors;
mod exports;
mod fuzz_regressions;
mod headers;
mod helpers;
mod import_apply;
mod import_runs;
mod imports;
mod kpi;
mod kpi_compare;
mod layout;
mod league;
mod lifecycle;
mod limits;
mod patch;
mod projects;
mod publication_changes;
mod reference;
mod report;
mod roundtrip;
mod scope;
mod smoke;
mod spec;
mod warnings;
