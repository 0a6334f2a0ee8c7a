//! The periods a figure is compared with: the previous period (环比) and the same period a
//! year earlier (同比), each counted as of its own date. One rule for the KPI API's
//! comparisons, the league's rank change and the bulletins' sentences; a caller must not work
//! out a comparison period or its as-of date by itself.

use chrono::{Datelike, Months, NaiveDate};

use super::{GroupBy, Period};

/// A period compared with, and the date its figures are counted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Comparison {
    pub period: Period,
    pub as_of: NaiveDate,
}

/// The same day a year earlier (29 February → 28 February).
pub fn a_year_before(date: NaiveDate) -> NaiveDate {
    date.checked_sub_months(Months::new(12)).unwrap_or(date)
}

impl Comparison {
    /// 环比: the period of the same length ending the day before `from` ([`Period::previous`]:
    /// a month → the previous month, a quarter → the previous quarter, other spans the same
    /// number of days), counted as of the earlier of `as_of` and its own last day.
    pub fn previous(period: Period, as_of: NaiveDate) -> Self {
        let previous = period.previous();
        Self {
            period: previous,
            as_of: as_of.min(previous.to),
        }
    }

    /// 同比: the same days a year earlier (a month → the same month last year, the year to
    /// date → the same span of the previous year), counted as of the same day a year earlier,
    /// or the period's last day if that is earlier.
    pub fn last_year(period: Period, as_of: NaiveDate) -> Self {
        let last = Period {
            from: a_year_before(period.from),
            to: a_year_before(period.to),
        };
        Self {
            period: last,
            as_of: a_year_before(as_of).min(last.to),
        }
    }

    /// The key, in the comparison's report, of the group `key` of the report on `period`:
    /// teams, clusters and parks keep theirs; a month or quarter is the one at the same place
    /// in the comparison period (环比 of a month: the month before; 同比: the same month a
    /// year earlier). `None` when the key is not a month or quarter that can be moved.
    pub fn group_key(&self, period: Period, group_by: GroupBy, key: &str) -> Option<String> {
        let months = |d: NaiveDate| d.year() * 12 + d.month0() as i32;
        match group_by {
            GroupBy::Team | GroupBy::Cluster | GroupBy::Park => Some(key.to_string()),
            GroupBy::Month => {
                let (year, month) = key.split_once('-')?;
                let index = year.parse::<i32>().ok()? * 12 + month.parse::<i32>().ok()? - 1;
                let moved = index + months(self.period.from) - months(period.from);
                Some(format!("{:04}-{:02}", moved.div_euclid(12), moved.rem_euclid(12) + 1))
            }
            GroupBy::Quarter => {
                let (year, quarter) = key.split_once("-Q")?;
                let index = year.parse::<i32>().ok()? * 4 + quarter.parse::<i32>().ok()? - 1;
                let quarters = |d: NaiveDate| months(d).div_euclid(3);
                let moved = index + quarters(self.period.from) - quarters(period.from);
                Some(format!("{:04}-Q{}", moved.div_euclid(4), moved.rem_euclid(4) + 1))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn period(from: &str, to: &str) -> Period {
        Period::new(d(from), d(to)).unwrap()
    }

    #[test]
    fn previous_and_last_year_of_months_quarters_and_the_year_to_date() {
        let month = period("2026-11-01", "2026-11-30");
        let previous = Comparison::previous(month, d("2026-12-07"));
        assert_eq!(previous.period, period("2026-10-01", "2026-10-31"));
        assert_eq!(previous.as_of, d("2026-10-31"));
        let last = Comparison::last_year(month, d("2026-12-07"));
        assert_eq!(last.period, period("2025-11-01", "2025-11-30"));
        assert_eq!(last.as_of, d("2025-11-30"));
        // A month still running: counted to the same day.
        let running = Comparison::last_year(period("2026-12-01", "2026-12-31"), d("2026-12-07"));
        assert_eq!(running.as_of, d("2025-12-07"));

        let quarter = period("2026-07-01", "2026-09-30");
        assert_eq!(
            Comparison::previous(quarter, d("2026-12-07")).period,
            period("2026-04-01", "2026-06-30")
        );
        let ytd = period("2024-01-01", "2024-02-29");
        let last = Comparison::last_year(ytd, d("2024-02-29"));
        assert_eq!(last.period, period("2023-01-01", "2023-02-28"));
        assert_eq!(last.as_of, d("2023-02-28"));
        let days = period("2026-01-01", "2026-01-10");
        assert_eq!(
            Comparison::previous(days, d("2026-01-10")).period,
            period("2025-12-22", "2025-12-31")
        );
    }

    #[test]
    fn groups_move_with_the_period() {
        let quarter = period("2026-01-01", "2026-03-31");
        let previous = Comparison::previous(quarter, d("2026-12-07"));
        assert_eq!(
            previous.group_key(quarter, GroupBy::Month, "2026-02").as_deref(),
            Some("2025-11")
        );
        assert_eq!(
            previous.group_key(quarter, GroupBy::Quarter, "2026-Q1").as_deref(),
            Some("2025-Q4")
        );
        let last = Comparison::last_year(quarter, d("2026-12-07"));
        assert_eq!(
            last.group_key(quarter, GroupBy::Month, "2026-01").as_deref(),
            Some("2025-01")
        );
        assert_eq!(last.group_key(quarter, GroupBy::Team, "7").as_deref(), Some("7"));
        assert_eq!(last.group_key(quarter, GroupBy::Month, "none"), None);
    }
}
