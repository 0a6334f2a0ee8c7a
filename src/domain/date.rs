//! Dates of recorded events: nothing that happened can be later than today in China. The rule
//! is a type, [`PastDate`], made only by [`PastDate::new`] (or [`PastDate::today`]), so an
//! input checked once cannot be unchecked again further on. Callers take a `PastDate` where
//! they need the rule and never compare a date with [`today`] themselves.

use std::fmt;

use chrono::{FixedOffset, NaiveDate, Utc};

/// Today in China (UTC+8), the calendar every ledger and deadline is kept in.
pub fn today() -> NaiveDate {
    let china = FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    Utc::now().with_timezone(&china).date_naive()
}

/// A date not later than today: when something was recorded, or the as-of date of a figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PastDate(NaiveDate);

/// A date later than today, refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{date} is later than today ({today})")]
pub struct FutureDate {
    pub date: NaiveDate,
    pub today: NaiveDate,
}

impl FutureDate {
    /// The refusal in Chinese, for ledgers and the console.
    pub fn chinese(&self) -> String {
        format!("{}晚于今天（{}）", self.date, self.today)
    }
}

impl PastDate {
    /// Takes `date` if it is not later than today in China.
    pub fn new(date: NaiveDate) -> Result<Self, FutureDate> {
        Self::not_after(date, today())
    }

    /// Takes `date` if it is not later than `today` (for a caller that has read the clock once
    /// for a whole batch).
    pub fn not_after(date: NaiveDate, today: NaiveDate) -> Result<Self, FutureDate> {
        if date > today {
            Err(FutureDate { date, today })
        } else {
            Ok(Self(date))
        }
    }

    /// Takes an optional date, passing `None` through.
    pub fn optional(date: Option<NaiveDate>) -> Result<Option<Self>, FutureDate> {
        date.map(Self::new).transpose()
    }

    /// Takes an optional date, today when there is none (an as-of date a caller may leave out).
    pub fn or_today(date: Option<NaiveDate>) -> Result<Self, FutureDate> {
        Ok(Self::optional(date)?.unwrap_or_else(Self::today))
    }

    /// Today in China.
    pub fn today() -> Self {
        Self(today())
    }

    /// The date itself.
    pub fn get(self) -> NaiveDate {
        self.0
    }
}

impl From<PastDate> for NaiveDate {
    fn from(date: PastDate) -> Self {
        date.0
    }
}

impl fmt::Display for PastDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_is_taken_and_tomorrow_is_not() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        assert_eq!(PastDate::not_after(today, today).unwrap().get(), today);
        let tomorrow = today.succ_opt().unwrap();
        let err = PastDate::not_after(tomorrow, today).unwrap_err();
        assert_eq!(err.to_string(), "2026-12-08 is later than today (2026-12-07)");
        assert_eq!(err.chinese(), "2026-12-08晚于今天（2026-12-07）");
    }

    #[test]
    fn none_passes_through() {
        assert_eq!(PastDate::optional(None), Ok(None));
    }
}
