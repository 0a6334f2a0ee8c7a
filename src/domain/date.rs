//! Dates of recorded events: nothing that happened can be later than today in China, nor
//! earlier than 1990, before any project a district's ledgers follow (a year-0000 payment is a
//! typing error, not history). The rule is a type, [`PastDate`], made only by
//! [`PastDate::new`] (or [`PastDate::today`]), so an input checked once cannot be unchecked
//! again further on. Callers take a `PastDate` where they need the rule and never compare a
//! date with [`today`] or [`EARLIEST`] themselves.

use std::fmt;

use chrono::Datelike as _;
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// Today in China (UTC+8), the calendar every ledger and deadline is kept in.
pub fn today() -> NaiveDate {
    china_time(Utc::now()).date_naive()
}

/// A moment in China time (UTC+8), as every time a person reads is given.
pub fn china_time(at: DateTime<Utc>) -> DateTime<FixedOffset> {
    let china = FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    at.with_timezone(&china)
}

/// The earliest date a record may carry: 1 January 1990.
pub const EARLIEST: NaiveDate = match NaiveDate::from_ymd_opt(1990, 1, 1) {
    Some(date) => date,
    None => panic!("1990-01-01 is a date"),
};

/// A date from [`EARLIEST`] to today: when something was recorded, or the as-of date of a
/// figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PastDate(NaiveDate);

/// The year figures are for when the user names none: the as-of date's (itself today when not
/// given).
pub fn year_of(as_of: Option<NaiveDate>) -> i32 {
    as_of.unwrap_or_else(today).year()
}

/// The period figures cover when the user names none: this year to date. `to` defaults to the
/// as-of date (itself today when not given), `from` to 1 January of `to`'s year.
pub fn period_or_year_to_date(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    as_of: Option<NaiveDate>,
) -> (NaiveDate, NaiveDate) {
    let to = to.or(as_of).unwrap_or_else(today);
    let from = from.unwrap_or_else(|| to.with_ordinal(1).expect("every year has a first day"));
    (from, to)
}

/// A date refused: later than today, or earlier than [`EARLIEST`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DateRefused {
    #[error("{date} is later than today ({today})")]
    Future { date: NaiveDate, today: NaiveDate },
    #[error("{date} is earlier than {}", EARLIEST)]
    TooEarly { date: NaiveDate },
}

impl DateRefused {
    /// The date refused.
    pub fn date(&self) -> NaiveDate {
        match *self {
            Self::Future { date, .. } | Self::TooEarly { date } => date,
        }
    }

    /// The refusal in Chinese, for ledgers and the console.
    pub fn chinese(&self) -> String {
        match self {
            Self::Future { date, today } => format!("{date}晚于今天（{today}）"),
            Self::TooEarly { date } => format!("{date}早于{EARLIEST}"),
        }
    }
}

impl PastDate {
    /// Takes `date` if it is from [`EARLIEST`] to today in China.
    pub fn new(date: NaiveDate) -> Result<Self, DateRefused> {
        Self::not_after(date, today())
    }

    /// Takes `date` if it is from [`EARLIEST`] to `today` (for a caller that has read the
    /// clock once for a whole batch).
    pub fn not_after(date: NaiveDate, today: NaiveDate) -> Result<Self, DateRefused> {
        if date > today {
            Err(DateRefused::Future { date, today })
        } else if date < EARLIEST {
            Err(DateRefused::TooEarly { date })
        } else {
            Ok(Self(date))
        }
    }

    /// Takes an optional date, passing `None` through.
    pub fn optional(date: Option<NaiveDate>) -> Result<Option<Self>, DateRefused> {
        date.map(Self::new).transpose()
    }

    /// Takes an optional date, today when there is none (an as-of date a caller may leave out).
    pub fn or_today(date: Option<NaiveDate>) -> Result<Self, DateRefused> {
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
    fn nothing_before_1990() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        assert!(PastDate::not_after(EARLIEST, today).is_ok());
        let year_zero = NaiveDate::from_ymd_opt(0, 1, 1).unwrap();
        let err = PastDate::not_after(year_zero, today).unwrap_err();
        assert_eq!(err, DateRefused::TooEarly { date: year_zero });
        assert_eq!(err.to_string(), "0000-01-01 is earlier than 1990-01-01");
        assert_eq!(err.chinese(), "0000-01-01早于1990-01-01");
    }

    #[test]
    fn none_passes_through() {
        assert_eq!(PastDate::optional(None), Ok(None));
    }
}
