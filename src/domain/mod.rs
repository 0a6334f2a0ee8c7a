//! The rules of the domain, independent of HTTP and SQL: money, dates, stages and transitions.

pub mod access;
pub mod kpi;
pub mod money;
pub mod stage;

use chrono::{FixedOffset, NaiveDate, Utc};

/// Today in China (UTC+8), the calendar every ledger and deadline is kept in.
pub fn today() -> NaiveDate {
    let china = FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    Utc::now().with_timezone(&china).date_naive()
}
