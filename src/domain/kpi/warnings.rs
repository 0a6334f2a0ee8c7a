//! The red / yellow / green light of a signed project (红黄绿预警): its milestones (construction
//! start, production start, full production) against their promised or default dates, and its
//! counted funds against the time-proportional share of its contracted investment. The rule of
//! record; `service::kpi::warnings` reads the figures and lights every project through
//! [`warning_light`], never deciding a light itself.

use chrono::NaiveDate;

use rust_decimal::{Decimal, RoundingStrategy};

use super::{Settings, round_rate};

/// The colour of a warning light, from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Light {
    Green,
    Yellow,
    Red,
}

/// A promised milestone of a signed project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Milestone {
    /// 开工: promised start (no default: unchecked when the contract names no date).
    ConstructionStart,
    /// 投产: promised production start (default: signing + the default production months).
    ProductionStart,
    /// 达产: promised full production (default: production start + the default
    /// full-production months; unchecked before production starts when no date was promised).
    FullProduction,
}

/// A milestone's due date and whether (and when) it was reached by `as_of`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MilestoneState {
    pub milestone: Milestone,
    pub due_on: NaiveDate,
    /// The due date is the settings' default, not a date in the contract.
    pub due_is_default: bool,
    /// When it was reached, if on or before `as_of`.
    pub reached_on: Option<NaiveDate>,
}

/// What the funds check of a light looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FundsState {
    pub signed_on: NaiveDate,
    /// The promised (or default) production date: the end of the time-proportional schedule.
    pub production_due_on: NaiveDate,
    pub contracted_investment_yuan: i64,
    /// Counted funds arrived on or before `as_of`.
    pub counted_funds_yuan: i64,
}

/// Why a project is not green.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WarningReason {
    /// A milestone not reached: overdue (`days_overdue` > 0), due today (0) or due soon (< 0:
    /// due in `-days_overdue` days).
    Milestone {
        light: Light,
        milestone: Milestone,
        due_on: NaiveDate,
        due_is_default: bool,
        days_overdue: i64,
    },
    /// Counted funds below the threshold share of the time-proportional schedule.
    Funds {
        counted_funds_yuan: i64,
        contracted_investment_yuan: i64,
        /// Elapsed share of the schedule from signing to production, capped at 1.
        schedule_share: Decimal,
        /// percent × share × contracted investment, in yuan (may have decimals).
        threshold_yuan: Decimal,
    },
}

impl Milestone {
    /// The milestone's Chinese name, as warnings and reports write it.
    pub fn chinese(self) -> &'static str {
        match self {
            Milestone::ConstructionStart => "开工",
            Milestone::ProductionStart => "投产",
            Milestone::FullProduction => "达产",
        }
    }
}

impl WarningReason {
    /// The reason in words, as the API, the leadership report and the bulletins show it:
    /// which milestone and how many days, or the funds shortfall (万元 to two decimals and the
    /// elapsed share as a percentage, as people read figures: `domain::wording`).
    pub fn describe(&self) -> String {
        let wan = |yuan: Decimal| {
            (yuan / Decimal::from(10_000)).round_dp_with_strategy(
                crate::domain::money::REPORT_DECIMALS,
                RoundingStrategy::MidpointAwayFromZero,
            )
        };
        match *self {
            WarningReason::Milestone {
                milestone,
                due_on,
                due_is_default,
                days_overdue,
                ..
            } => {
                let name = milestone.chinese();
                let default = if due_is_default { "，默认期限" } else { "" };
                match days_overdue {
                    d if d > 0 => format!("{name}逾期{d}天（约定{due_on}{default}）"),
                    0 => format!("{name}今日到期（约定{due_on}{default}）"),
                    d => format!("{name}将于{}天后到期（约定{due_on}{default}）", -d),
                }
            }
            WarningReason::Funds {
                counted_funds_yuan,
                contracted_investment_yuan,
                schedule_share,
                threshold_yuan,
            } => {
                let counted = wan(Decimal::from(counted_funds_yuan));
                let threshold = wan(threshold_yuan);
                let shortfall = wan(threshold_yuan - Decimal::from(counted_funds_yuan));
                format!(
                    "到位资金{counted}万元，低于序时要求{threshold}万元，差{shortfall}万元（合同投资{}万元，序时进度{}）",
                    wan(Decimal::from(contracted_investment_yuan)),
                    crate::domain::wording::percent(Some(round_rate(schedule_share)))
                )
            }
        }
    }

    pub fn light(&self) -> Light {
        match self {
            WarningReason::Milestone { light, .. } => *light,
            WarningReason::Funds { .. } => Light::Red,
        }
    }
}

/// The time-proportional share of the funds schedule at `as_of`, as (elapsed days, schedule
/// days) with elapsed capped to the schedule: days from signing to `as_of` (not below 0, not
/// above the schedule) out of days from signing to the promised production date. A schedule of
/// zero days (production promised on the signing day) counts as fully elapsed: (1, 1).
pub fn funds_schedule(funds: &FundsState, as_of: NaiveDate) -> (i64, i64) {
    let total = (funds.production_due_on - funds.signed_on).num_days();
    if total <= 0 {
        return (1, 1);
    }
    let elapsed = (as_of - funds.signed_on).num_days().clamp(0, total);
    (elapsed, total)
}

/// The light of a signed, not terminated project at `as_of`, with every reason behind it, the
/// worst first.
///
/// - red: a milestone not reached is overdue by more than `warning_red_overdue_days`, or the
///   counted funds arrived are below `warning_funds_percent` % of the time-proportional share
///   of the contracted investment (see [`funds_schedule`]);
/// - yellow: a milestone not reached is overdue by up to `warning_red_overdue_days` days, due
///   today, or due within `warning_due_soon_days` days;
/// - green: otherwise. Milestones reached (even late) raise nothing.
pub fn warning_light(
    milestones: &[MilestoneState],
    funds: &FundsState,
    settings: &Settings,
    as_of: NaiveDate,
) -> (Light, Vec<WarningReason>) {
    let red_days = i64::from(settings.warning_red_overdue_days);
    let soon_days = i64::from(settings.warning_due_soon_days);
    let mut reasons = Vec::new();
    for m in milestones.iter().filter(|m| m.reached_on.is_none()) {
        let days_overdue = (as_of - m.due_on).num_days();
        let light = if days_overdue > red_days {
            Light::Red
        } else if days_overdue >= -soon_days {
            Light::Yellow
        } else {
            continue;
        };
        reasons.push(WarningReason::Milestone {
            light,
            milestone: m.milestone,
            due_on: m.due_on,
            due_is_default: m.due_is_default,
            days_overdue,
        });
    }
    let (elapsed, total) = funds_schedule(funds, as_of);
    let percent = i128::from(settings.warning_funds_percent);
    let counted = i128::from(funds.counted_funds_yuan);
    let contracted = i128::from(funds.contracted_investment_yuan);
    // counted < percent/100 × elapsed/total × contracted, in integers.
    if counted * 100 * i128::from(total) < percent * contracted * i128::from(elapsed) {
        let share = Decimal::from(elapsed) / Decimal::from(total);
        reasons.push(WarningReason::Funds {
            counted_funds_yuan: funds.counted_funds_yuan,
            contracted_investment_yuan: funds.contracted_investment_yuan,
            schedule_share: round_rate(share),
            threshold_yuan: Decimal::from(funds.contracted_investment_yuan)
                * Decimal::from(settings.warning_funds_percent)
                * Decimal::from(elapsed)
                / Decimal::from(100 * total),
        });
    }
    reasons.sort_by_key(|r| std::cmp::Reverse(r.light()));
    let light = reasons.first().map_or(Light::Green, WarningReason::light);
    (light, reasons)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn dec(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    fn funds(counted: i64) -> FundsState {
        FundsState {
            signed_on: d("2025-01-01"),
            production_due_on: d("2025-11-28"), // 331 days later
            contracted_investment_yuan: 1_000_000,
            counted_funds_yuan: counted,
        }
    }

    #[test]
    fn lights_follow_milestones_and_funds() {
        let settings = Settings::default();
        let start = |due: &str, reached: Option<&str>| MilestoneState {
            milestone: Milestone::ConstructionStart,
            due_on: d(due),
            due_is_default: false,
            reached_on: reached.map(d),
        };
        let as_of = d("2025-06-30");
        // Funds: 180 of 331 days elapsed → threshold 50% × 180/331 × 1 000 000 = 271 903.32…
        assert_eq!(funds_schedule(&funds(0), as_of), (180, 331));
        let (light, reasons) = warning_light(&[], &funds(271_904), &settings, as_of);
        assert_eq!((light, reasons.len()), (Light::Green, 0));
        let (light, reasons) = warning_light(&[], &funds(271_903), &settings, as_of);
        assert_eq!(light, Light::Red);
        match &reasons[0] {
            WarningReason::Funds {
                threshold_yuan,
                schedule_share,
                ..
            } => {
                assert_eq!(round_rate(*threshold_yuan), dec("271903.323263"));
                assert_eq!(*schedule_share, dec("0.543807"));
            }
            other => panic!("{other:?}"),
        }
        let ok = funds(1_000_000);
        // 91 days overdue → red; exactly 90 → yellow; due in 30 → yellow; in 31 → green.
        assert_eq!(
            warning_light(&[start("2025-03-31", None)], &ok, &settings, as_of).0,
            Light::Red
        );
        assert_eq!(
            warning_light(&[start("2025-04-01", None)], &ok, &settings, as_of).0,
            Light::Yellow
        );
        assert_eq!(
            warning_light(&[start("2025-07-30", None)], &ok, &settings, as_of).0,
            Light::Yellow
        );
        assert_eq!(
            warning_light(&[start("2025-07-31", None)], &ok, &settings, as_of).0,
            Light::Green
        );
        // Reached, even late, raises nothing.
        let reached = [start("2025-01-31", Some("2025-06-01"))];
        assert_eq!(warning_light(&reached, &ok, &settings, as_of).0, Light::Green);
        // Production promised on the signing day: the whole contracted share is due.
        let same_day = FundsState {
            production_due_on: d("2025-01-01"),
            ..funds(499_999)
        };
        assert_eq!(funds_schedule(&same_day, as_of), (1, 1));
        assert_eq!(warning_light(&[], &same_day, &settings, as_of).0, Light::Red);
    }
}
