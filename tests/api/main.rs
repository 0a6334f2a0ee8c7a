//! The integration tests: the real app on a fresh database per test, SQLite by default and
//! PostgreSQL when `TEST_DATABASE_URL` names a server.

mod errors;
mod helpers;
mod imports;
mod lifecycle;
mod projects;
mod reference;
mod smoke;
mod spec;
