//! The KPI rules, independent of SQL and HTTP: the bases each rate can be computed on, the
//! settings they read, exact rates, time-proportional progress (序时进度), the previous period
//! of a league table, composite league scores and ranks, and the red / yellow / green light of
//! a project.
//!
//! The aggregate queries in `service::kpi` implement the same definitions in SQL (they have to
//! run in the database); the functions here decide what the SQL cannot express (exact
//! division, ranking ties, the reasons behind a light) and are the reference the SQL is tested
//! against.

use chrono::{Datelike, Months, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};

mod comparison;
mod warnings;

pub use comparison::{Comparison, a_year_before};
pub use warnings::{FundsState, Light, Milestone, MilestoneState, WarningReason, funds_schedule, warning_light};

/// Decimals of every rate, completion and score the API reports.
pub const RATE_DECIMALS: u32 = 6;

/// How the sign rate (签约率) counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignBasis {
    /// Denominator: projects negotiating at some time in the period (negotiation began on or
    /// before `to`, neither signed nor terminated before `from`); numerator: those signed in
    /// the period.
    #[default]
    Period,
    /// Denominator: projects whose negotiation began in the period; numerator: those signed on
    /// or before `as_of`.
    Cohort,
    /// Numerator: projects signed in the period; denominator: the year's target.
    Target,
}

/// How the funds-arrival rate (资金到位率) counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FundsBasis {
    /// Projects signed in the period: their counted funds arrived on or before `as_of` ÷
    /// their contracted investment.
    #[default]
    Cohort,
    /// Counted funds arrived in the period for any signed project ÷ contracted investment of
    /// the projects signed in the period.
    Period,
    /// Counted funds arrived in the period ÷ the year's funds target.
    Target,
}

/// Which signed projects the production-effectiveness rate (投产达效率) looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProductionCohort {
    /// Every project signed on or before `as_of`.
    #[default]
    AllSigned,
    /// The projects signed in the period (and on or before `as_of`).
    SignedInPeriod,
}

/// How a KPI report is broken down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Team,
    Cluster,
    Park,
    /// By the month of the event that puts a project in each rate's denominator.
    Month,
    /// By the quarter of that event.
    Quarter,
}

impl GroupBy {
    /// Whether groups are periods of time (keys like `2025-03`) rather than reference records.
    pub fn is_time(self) -> bool {
        matches!(self, GroupBy::Month | GroupBy::Quarter)
    }
}

/// The five rates a KPI set holds, each of which can be drilled into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kpi {
    SignRate,
    FundsArrivalRate,
    ProductionEffectivenessRate,
    ProductionRate,
    EffectivenessRate,
}

/// The yearly target measures of a task force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    ProjectsSigned,
    ContractedInvestment,
    FundsArrived,
    ProjectsStarted,
    ProjectsProducing,
}

impl Measure {
    pub const ALL: [Measure; 5] = [
        Measure::ProjectsSigned,
        Measure::ContractedInvestment,
        Measure::FundsArrived,
        Measure::ProjectsStarted,
        Measure::ProjectsProducing,
    ];
}

/// The district-wide settings (stored in the `settings` table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Months from signing to the promised production start when the contract names none.
    pub default_production_months: i32,
    /// Months from production start to full production when the contract names no date.
    pub default_full_production_months: i32,
    /// A milestone overdue by more than this many days is red.
    pub warning_red_overdue_days: i32,
    /// A milestone overdue by up to `warning_red_overdue_days`, or due within this many days
    /// and not reached, is yellow.
    pub warning_due_soon_days: i32,
    /// Counted funds below this percentage of the time-proportional share of the contracted
    /// investment are red.
    pub warning_funds_percent: i32,
    pub weights: LeagueWeights,
}

/// Relative weights of the league table's components.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeagueWeights {
    pub sign_rate: i32,
    pub funds_arrival_rate: i32,
    pub production_effectiveness_rate: i32,
    pub target_completion: i32,
}

impl Default for Settings {
    /// The defaults the KPI definitions name (`src/domain/kpi.md`, "Settings"), which a fresh
    /// database is seeded with: `migration::defaults`, their one definition.
    fn default() -> Self {
        use migration::defaults as d;
        Self {
            default_production_months: d::DEFAULT_PRODUCTION_MONTHS,
            default_full_production_months: d::DEFAULT_FULL_PRODUCTION_MONTHS,
            warning_red_overdue_days: d::WARNING_RED_OVERDUE_DAYS,
            warning_due_soon_days: d::WARNING_DUE_SOON_DAYS,
            warning_funds_percent: d::WARNING_FUNDS_PERCENT,
            weights: LeagueWeights {
                sign_rate: d::LEAGUE_WEIGHT_SIGN_RATE,
                funds_arrival_rate: d::LEAGUE_WEIGHT_FUNDS_ARRIVAL_RATE,
                production_effectiveness_rate: d::LEAGUE_WEIGHT_PRODUCTION_EFFECTIVENESS_RATE,
                target_completion: d::LEAGUE_WEIGHT_TARGET_COMPLETION,
            },
        }
    }
}

impl Settings {
    /// What is wrong with each field, as (field, message); empty when the settings are usable.
    pub fn problems(&self) -> Vec<(&'static str, super::words::Words)> {
        use super::words::Words;
        let mut problems = Vec::new();
        let mut within = |field: &'static str, value: i32, min: i32, max: i32| {
            if !(min..=max).contains(&value) {
                problems.push((
                    field,
                    Words::new(
                        format!("应在{min}至{max}之间，而不是{value}"),
                        format!("must be between {min} and {max}, not {value}"),
                    ),
                ));
            }
        };
        within("default_production_months", self.default_production_months, 1, 240);
        within(
            "default_full_production_months",
            self.default_full_production_months,
            1,
            240,
        );
        within("warning_red_overdue_days", self.warning_red_overdue_days, 0, 3650);
        within("warning_due_soon_days", self.warning_due_soon_days, 0, 3650);
        within("warning_funds_percent", self.warning_funds_percent, 0, 100);
        let w = self.weights;
        within("league_weights.sign_rate", w.sign_rate, 0, 1000);
        within("league_weights.funds_arrival_rate", w.funds_arrival_rate, 0, 1000);
        within(
            "league_weights.production_effectiveness_rate",
            w.production_effectiveness_rate,
            0,
            1000,
        );
        within("league_weights.target_completion", w.target_completion, 0, 1000);
        let rates = [w.sign_rate, w.funds_arrival_rate, w.production_effectiveness_rate];
        if rates.iter().all(|v| *v == 0) && problems.is_empty() {
            problems.push((
                "league_weights",
                Words::new(
                    "三项比率中至少要有一项的权重大于零",
                    "at least one of the three rates must have a weight above zero",
                ),
            ));
        }
        problems
    }
}

/// A closed range of days, `from` to `to` inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// The period, or why not (`to` before `from`, or either end outside [`Period::YEARS`]).
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Self, super::words::Words> {
        use super::words::Words;
        if to < from {
            return Err(Words::new(
                format!("{to}早于开始日期（{from}）"),
                format!("{to} is earlier than from ({from})"),
            ));
        }
        if !Self::YEARS.contains(&from.year()) || !Self::YEARS.contains(&to.year()) {
            let (first, last) = (Self::YEARS.start(), Self::YEARS.end());
            return Err(Words::new(
                format!("{from}至{to}：期间须在{first}年至{last}年之内"),
                format!("{from} to {to}: a period lies within the years {first} to {last}"),
            ));
        }
        Ok(Self { from, to })
    }

    /// The years a period may touch: the district's records and targets, with room for the
    /// previous period a comparison needs (never before year 1).
    pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2100;

    /// Days in the period, both ends included.
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// Whole calendar months covered, when the period runs from a first to a last day of a
    /// month; `None` otherwise.
    fn whole_months(&self) -> Option<u32> {
        let last_of_month = self.to.succ_opt().is_none_or(|next| next.day() == 1);
        if self.from.day() != 1 || !last_of_month {
            return None;
        }
        let index = |d: NaiveDate| d.year() * 12 + d.month0() as i32;
        u32::try_from(index(self.to) - index(self.from) + 1).ok()
    }

    /// The period of the same length ending the day before `from`: the same number of calendar
    /// months when the period is whole months (a quarter → the previous quarter, a month → the
    /// previous month), the same number of days otherwise.
    pub fn previous(&self) -> Period {
        let to = self.from.pred_opt().unwrap_or(self.from);
        let from = match self.whole_months() {
            Some(months) => self.from.checked_sub_months(Months::new(months)),
            None => self.from.checked_sub_signed(chrono::Duration::days(self.days())),
        };
        Period {
            from: from.unwrap_or(NaiveDate::MIN),
            to,
        }
    }

    /// For each calendar year the period touches: (year, days of the period in it).
    pub fn days_per_year(&self) -> Vec<(i32, i64)> {
        (self.from.year()..=self.to.year())
            .map(|year| {
                let start = self.from.max(first_day(year));
                let end = self.to.min(last_day(year));
                (year, (end - start).num_days() + 1)
            })
            .collect()
    }
}

fn first_day(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN)
}

fn last_day(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX)
}

/// Days in a calendar year (365 or 366).
pub fn days_in_year(year: i32) -> i64 {
    (last_day(year) - first_day(year)).num_days() + 1
}

/// Time-proportional progress (序时进度) of a year at `as_of`: the days elapsed including
/// `as_of` (0 before the year, all of them after it) out of the days in the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearProgress {
    pub days_elapsed: i64,
    pub days_in_year: i64,
}

impl YearProgress {
    pub fn at(year: i32, as_of: NaiveDate) -> Self {
        let days_in_year = days_in_year(year);
        let days_elapsed = ((as_of - first_day(year)).num_days() + 1).clamp(0, days_in_year);
        Self {
            days_elapsed,
            days_in_year,
        }
    }

    /// The elapsed share, exact as a fraction and rounded to [`RATE_DECIMALS`].
    pub fn share(&self) -> Decimal {
        round_rate(Decimal::from(self.days_elapsed) / Decimal::from(self.days_in_year))
    }

    /// Completion of `actual` against `target` (exact, rounded).
    pub fn completion(actual: Decimal, target: Decimal) -> Option<Decimal> {
        ratio(actual, target)
    }

    /// Ahead (+) or behind (−) progress: completion − elapsed share, computed as one exact
    /// fraction `(actual × days_in_year − target × days_elapsed) ÷ (target × days_in_year)`.
    pub fn ahead_behind(&self, actual: Decimal, target: Decimal) -> Option<Decimal> {
        let days_in_year = Decimal::from(self.days_in_year);
        ratio(
            actual * days_in_year - target * Decimal::from(self.days_elapsed),
            target * days_in_year,
        )
    }

    /// The rate of `actual` against the target scaled by the elapsed share:
    /// `actual × days_in_year ÷ (target × days_elapsed)`.
    pub fn scaled_rate(&self, actual: Decimal, target: Decimal) -> Option<Decimal> {
        ratio(
            actual * Decimal::from(self.days_in_year),
            target * Decimal::from(self.days_elapsed),
        )
    }
}

/// Rounds a rate half away from zero to [`RATE_DECIMALS`].
pub fn round_rate(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(RATE_DECIMALS, RoundingStrategy::MidpointAwayFromZero)
}

/// `numerator ÷ denominator`, rounded to [`RATE_DECIMALS`]; `None` when the denominator is zero.
pub fn ratio(numerator: Decimal, denominator: Decimal) -> Option<Decimal> {
    exact_ratio(numerator, denominator).map(round_rate)
}

/// `numerator ÷ denominator` unrounded (28 significant digits); `None` on a zero denominator.
pub fn exact_ratio(numerator: Decimal, denominator: Decimal) -> Option<Decimal> {
    if denominator.is_zero() {
        None
    } else {
        numerator.checked_div(denominator)
    }
}

/// The share of the yearly targets that falls in a period: Σ over the years it touches of
/// target × days of the period in that year ÷ days in that year. `None` when a year the period
/// touches has no target.
pub fn prorated_target(period: &Period, target_of_year: impl Fn(i32) -> Option<Decimal>) -> Option<Decimal> {
    period
        .days_per_year()
        .into_iter()
        .map(|(year, days)| target_of_year(year).map(|t| t * Decimal::from(days) / Decimal::from(days_in_year(year))))
        .sum()
}

/// A component of a league score that had no value (its rate's denominator was zero, or the
/// team has no targets while others do): it contributes 0 and is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeagueComponent {
    SignRate,
    FundsArrivalRate,
    ProductionEffectivenessRate,
    TargetCompletion,
}

/// The values a team's composite score is made of, unrounded.
#[derive(Debug, Clone, Copy, Default)]
pub struct LeagueInputs {
    pub sign_rate: Option<Decimal>,
    pub funds_arrival_rate: Option<Decimal>,
    pub production_effectiveness_rate: Option<Decimal>,
    /// The mean completion of the team's targeted measures; `None` when it has none.
    pub target_completion: Option<Decimal>,
}

/// The composite score: Σ weight × value ÷ Σ weight over the three rates, plus the target
/// completion when `with_targets` (some team has targets for the period). A missing value
/// contributes 0 and is listed. Rounded to [`RATE_DECIMALS`].
pub fn league_score(
    inputs: &LeagueInputs,
    weights: &LeagueWeights,
    with_targets: bool,
) -> (Decimal, Vec<LeagueComponent>) {
    let mut parts = vec![
        (LeagueComponent::SignRate, weights.sign_rate, inputs.sign_rate),
        (
            LeagueComponent::FundsArrivalRate,
            weights.funds_arrival_rate,
            inputs.funds_arrival_rate,
        ),
        (
            LeagueComponent::ProductionEffectivenessRate,
            weights.production_effectiveness_rate,
            inputs.production_effectiveness_rate,
        ),
    ];
    if with_targets {
        parts.push((
            LeagueComponent::TargetCompletion,
            weights.target_completion,
            inputs.target_completion,
        ));
    }
    let total_weight: i64 = parts.iter().map(|(_, w, _)| i64::from(*w)).sum();
    let weighted: Decimal = parts
        .iter()
        .map(|(_, w, value)| Decimal::from(*w) * value.unwrap_or_default())
        .sum();
    let missing = parts
        .iter()
        .filter(|(_, _, value)| value.is_none())
        .map(|(component, _, _)| *component)
        .collect();
    let score = exact_ratio(weighted, Decimal::from(total_weight)).map_or(Decimal::ZERO, round_rate);
    (score, missing)
}

/// Competition ranks (1, 1, 3, …) of scores, highest first; equal scores share a rank.
pub fn competition_ranks(scores: &[Decimal]) -> Vec<u32> {
    scores
        .iter()
        .map(|score| 1 + scores.iter().filter(|other| *other > score).count() as u32)
        .collect()
}

/// `date` plus whole months, clamped to the end of a shorter month (2024-02-29 + 12 months =
/// 2025-02-28), as PostgreSQL's `interval` and SQLite's `'floor'` modifier do.
pub fn add_months(date: NaiveDate, months: i32) -> NaiveDate {
    let shifted = if months >= 0 {
        date.checked_add_months(Months::new(months.unsigned_abs()))
    } else {
        date.checked_sub_months(Months::new(months.unsigned_abs()))
    };
    shifted.unwrap_or(date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn dec(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    #[test]
    fn rates_round_half_away_from_zero_to_six_places() {
        assert_eq!(ratio(dec("1"), dec("3")), Some(dec("0.333333")));
        assert_eq!(ratio(dec("2"), dec("3")), Some(dec("0.666667")));
        // 1/8 000 000 = 0.000000125 → 0.000000 (half below), 5/8 000 000 = 0.000000625 → 0.000001
        assert_eq!(ratio(dec("1"), dec("8000000")), Some(dec("0")));
        assert_eq!(ratio(dec("5"), dec("8000000")), Some(dec("0.000001")));
        // 0.0000005 exactly rounds up, not to even.
        assert_eq!(ratio(dec("1"), dec("2000000")), Some(dec("0.000001")));
        assert_eq!(ratio(dec("5"), dec("0")), None);
    }

    #[test]
    fn year_progress_counts_as_of_itself() {
        // 2025-03-31 is day 31 + 28 + 31 = 90 of 365.
        let p = YearProgress::at(2025, d("2025-03-31"));
        assert_eq!((p.days_elapsed, p.days_in_year), (90, 365));
        assert_eq!(p.share(), dec("0.246575"));
        // 2024 is a leap year: 2024-12-31 is day 366 of 366.
        assert_eq!(YearProgress::at(2024, d("2024-12-31")).share(), dec("1"));
        assert_eq!(YearProgress::at(2024, d("2024-01-01")).days_elapsed, 1);
        assert_eq!(YearProgress::at(2025, d("2024-12-31")).days_elapsed, 0);
        assert_eq!(YearProgress::at(2024, d("2025-06-01")).days_elapsed, 366);
        // 10 of 40 done at 90/365 elapsed: 0.25 − 0.246575… = (10×365 − 40×90)/(40×365) = 50/14600
        assert_eq!(p.ahead_behind(dec("10"), dec("40")), Some(dec("0.003425")));
        // 10 ÷ (40 × 90/365) = 3650/3600
        assert_eq!(p.scaled_rate(dec("10"), dec("40")), Some(dec("1.013889")));
    }

    #[test]
    fn previous_period_is_whole_months_or_days() {
        let q2 = Period::new(d("2025-04-01"), d("2025-06-30")).unwrap();
        assert_eq!(q2.previous(), Period::new(d("2025-01-01"), d("2025-03-31")).unwrap());
        let q1 = Period::new(d("2025-01-01"), d("2025-03-31")).unwrap();
        assert_eq!(q1.previous(), Period::new(d("2024-10-01"), d("2024-12-31")).unwrap());
        let march = Period::new(d("2025-03-01"), d("2025-03-31")).unwrap();
        assert_eq!(march.previous(), Period::new(d("2025-02-01"), d("2025-02-28")).unwrap());
        // Ten days → the ten days before.
        assert!(Period::new(d("2025-03-15"), d("6192-04-08")).is_err());
        assert!(Period::new(d("1899-12-31"), d("2025-03-20")).is_err());
        let days = Period::new(d("2025-03-11"), d("2025-03-20")).unwrap();
        assert_eq!(days.previous(), Period::new(d("2025-03-01"), d("2025-03-10")).unwrap());
        assert!(Period::new(d("2025-03-02"), d("2025-03-01")).is_err());
    }

    #[test]
    fn targets_are_prorated_over_the_years_a_period_touches() {
        let q1 = Period::new(d("2025-01-01"), d("2025-03-31")).unwrap();
        // 40 × 90/365
        assert_eq!(
            prorated_target(&q1, |_| Some(dec("40"))).map(round_rate),
            Some(dec("9.863014"))
        );
        let across = Period::new(d("2024-12-01"), d("2025-01-31")).unwrap();
        // 366 × 31/366 + 365 × 31/365 = 62
        let target = |y: i32| Some(Decimal::from(days_in_year(y)));
        assert_eq!(prorated_target(&across, target), Some(dec("62")));
        assert_eq!(prorated_target(&across, |y| (y == 2025).then(|| dec("1"))), None);
    }

    #[test]
    fn league_scores_weigh_and_flag_missing_parts() {
        let weights = Settings::default().weights;
        let inputs = LeagueInputs {
            sign_rate: Some(dec("0.5")),
            funds_arrival_rate: None,
            production_effectiveness_rate: Some(dec("1")),
            target_completion: Some(dec("0.25")),
        };
        // (0.5 + 0 + 1) / 3 without targets
        let (score, missing) = league_score(&inputs, &weights, false);
        assert_eq!(score, dec("0.5"));
        assert_eq!(missing, vec![LeagueComponent::FundsArrivalRate]);
        // (0.5 + 0 + 1 + 0.25) / 4
        assert_eq!(league_score(&inputs, &weights, true).0, dec("0.4375"));
        let heavy = LeagueWeights {
            sign_rate: 2,
            ..weights
        };
        // (2×0.5 + 0 + 1) / 4
        assert_eq!(league_score(&inputs, &heavy, false).0, dec("0.5"));
        assert_eq!(
            competition_ranks(&[dec("0.5"), dec("0.9"), dec("0.5"), dec("0.1")]),
            vec![2, 1, 2, 4]
        );
    }

    #[test]
    fn month_arithmetic_clamps_to_the_end_of_the_month() {
        assert_eq!(add_months(d("2024-02-29"), 12), d("2025-02-28"));
        assert_eq!(add_months(d("2023-08-31"), 18), d("2025-02-28"));
        assert_eq!(add_months(d("2025-03-15"), 24), d("2027-03-15"));
    }

    #[test]
    fn the_defaults_are_what_the_settings_migration_has_always_seeded() {
        // A migration that has run is not run again: these are the values of the row every
        // existing database was seeded with, and a fresh one must get the same.
        let seeded = Settings {
            default_production_months: 24,
            default_full_production_months: 12,
            warning_red_overdue_days: 90,
            warning_due_soon_days: 30,
            warning_funds_percent: 50,
            weights: LeagueWeights {
                sign_rate: 1,
                funds_arrival_rate: 1,
                production_effectiveness_rate: 1,
                target_completion: 1,
            },
        };
        assert_eq!(Settings::default(), seeded);
    }

    #[test]
    fn settings_name_the_bad_field() {
        let mut s = Settings::default();
        assert!(s.problems().is_empty());
        s.warning_funds_percent = 101;
        assert_eq!(s.problems()[0].0, "warning_funds_percent");
        let s = Settings {
            weights: LeagueWeights {
                sign_rate: 0,
                funds_arrival_rate: 0,
                production_effectiveness_rate: 0,
                target_completion: 3,
            },
            ..Settings::default()
        };
        assert_eq!(s.problems()[0].0, "league_weights");
    }
}
