//! The district's bulletins: the monthly bulletin (月通报), the quarterly ranking (季亮晒) and
//! the weekly supervision list (周督查). This module reads what a bulletin states from the KPI
//! engine — the period's rates and counts, the previous period's (环比) and last year's (同比),
//! the league table, the targets and time-proportional progress, the red and yellow projects,
//! the overdue milestones and follow-ups — into [`StatedFigures`], and `document` words them
//! into a Word document. Every figure is the engine's for the same parameters: nothing here
//! computes a rate.
//!
//! The figures are shared with every reader; the project lists hold the rows the reader may
//! see ([`Principal::rows_of`]), as the leadership report's do, and the document says so.
//! Publishing (`service::publications`) stores the figures and the document as they were.
//!
//! [`Principal::rows_of`]: crate::domain::access::Principal::rows_of

mod document;
mod supervision;

use chrono::{Datelike, Months, NaiveDate};
use rust_decimal::Decimal;
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};

use super::kpi::league::{LeagueParams, league};
use super::kpi::warnings::{WarningParams, warnings};
use super::kpi::{KpiParams, KpiSet, Rate, Scope, check_params, kpis};
use super::settings::{BulletinHeadings, get_settings};
use super::targets::target_progress;
use super::{Actor, PageRequest, ServiceError, ServiceResult, Words};
use crate::domain::kpi::{Comparison, FundsBasis, Light, Measure, Period, ProductionCohort, SignBasis};
use crate::domain::{PastDate, today};

pub use supervision::OverdueLine;

/// The kinds of bulletin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BulletinKind {
    /// 月通报: a month, against the previous month and the same month last year.
    Monthly,
    /// 季亮晒: a quarter's ranking, against the previous quarter and last year's.
    Quarterly,
    /// 周督查: the overdue milestones and follow-ups at the as-of date.
    Weekly,
}

impl BulletinKind {
    /// The kind as stored and sent: `monthly`, `quarterly`, `weekly`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Monthly => "monthly",
            Self::Quarterly => "quarterly",
            Self::Weekly => "weekly",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Monthly, Self::Quarterly, Self::Weekly]
            .into_iter()
            .find(|k| k.as_str() == text)
    }

    /// The kind in Chinese: 月通报, 季亮晒, 周督查.
    pub fn chinese(self) -> &'static str {
        match self {
            Self::Monthly => "月通报",
            Self::Quarterly => "季亮晒",
            Self::Weekly => "周督查",
        }
    }

    fn title(self, headings: &BulletinHeadings) -> &str {
        match self {
            Self::Monthly => &headings.title_monthly,
            Self::Quarterly => &headings.title_quarterly,
            Self::Weekly => &headings.title_weekly,
        }
    }
}

/// The period a bulletin covers, and its key (`2026-11`, `2026-Q3`, `2026-W50`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulletinPeriod {
    pub key: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// The period of a bulletin of `kind` named `period` (`2026-11` for a month, `2026-Q3` for a
/// quarter; a weekly list takes none: it is the ISO week of `as_of`, from its Monday to
/// `as_of`). Without one, a monthly bulletin covers the last month ended by `as_of` and a
/// quarterly one the last quarter ended by it.
pub fn period_of(kind: BulletinKind, period: Option<&str>, as_of: NaiveDate) -> ServiceResult<BulletinPeriod> {
    let invalid = |message: Words| ServiceError::invalid("period", message);
    let first = |year: i32, month: u32| NaiveDate::from_ymd_opt(year, month, 1);
    let (from, months) = match (kind, period) {
        (BulletinKind::Weekly, Some(_)) => {
            return Err(invalid(Words::new(
                "周督查清单没有期间：它列出截至 as_of 日期逾期的事项",
                "a weekly supervision list has no period: it lists what is overdue at `as_of`",
            )));
        }
        (BulletinKind::Weekly, None) => {
            let week = as_of.iso_week();
            let monday = as_of - chrono::Days::new(u64::from(as_of.weekday().num_days_from_monday()));
            return Ok(BulletinPeriod {
                key: format!("{}-W{:02}", week.year(), week.week()),
                from: monday,
                to: as_of,
            });
        }
        (BulletinKind::Monthly, Some(text)) => {
            let parsed = text
                .split_once('-')
                .and_then(|(y, m)| Some((y.parse::<i32>().ok()?, m.parse::<u32>().ok()?)))
                .filter(|(_, m)| text.len() == 7 && (1..=12).contains(m))
                .and_then(|(y, m)| first(y, m));
            (
                parsed.ok_or_else(|| {
                    invalid(Words::new(
                        format!("`{text}`不是月份，应形如2026-11"),
                        format!("`{text}` is not a month like 2026-11"),
                    ))
                })?,
                1,
            )
        }
        (BulletinKind::Quarterly, Some(text)) => {
            let parsed = text
                .split_once("-Q")
                .and_then(|(y, q)| Some((y.parse::<i32>().ok()?, q.parse::<u32>().ok()?)))
                .filter(|(_, q)| text.len() == 7 && (1..=4).contains(q))
                .and_then(|(y, q)| first(y, 3 * q - 2));
            (
                parsed.ok_or_else(|| {
                    invalid(Words::new(
                        format!("`{text}`不是季度，应形如2026-Q3"),
                        format!("`{text}` is not a quarter like 2026-Q3"),
                    ))
                })?,
                3,
            )
        }
        (BulletinKind::Monthly | BulletinKind::Quarterly, None) => {
            let months = if kind == BulletinKind::Monthly { 1 } else { 3 };
            // The last whole month or quarter ended on or before `as_of`.
            let next = as_of.succ_opt().unwrap_or(as_of);
            let start_of = |d: NaiveDate| first(d.year(), (d.month0() / months) * months + 1);
            let current = start_of(next).unwrap_or(next);
            (
                current.checked_sub_months(Months::new(months)).unwrap_or(current),
                months,
            )
        }
    };
    let to = from
        .checked_add_months(Months::new(months))
        .and_then(|next| next.pred_opt())
        .unwrap_or(from);
    if from > as_of {
        return Err(invalid(Words::new(
            format!("期间从{from}开始，晚于统计截止日{as_of}"),
            format!("the period begins on {from}, after the as-of date {as_of}"),
        )));
    }
    Period::new(from, to).map_err(invalid)?;
    let key = match kind {
        BulletinKind::Quarterly => format!("{}-Q{}", from.year(), from.month0() / 3 + 1),
        _ => format!("{}-{:02}", from.year(), from.month()),
    };
    Ok(BulletinPeriod { key, from, to })
}

/// A rate as a bulletin states it: numerator, denominator (counts, or yuan) and the rate
/// rounded as the API rounds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatedRate {
    pub numerator: i64,
    pub denominator: i64,
    pub rate: Option<Decimal>,
}

impl From<&Rate> for StatedRate {
    fn from(rate: &Rate) -> Self {
        Self {
            numerator: rate.numerator,
            denominator: rate.denominator,
            rate: rate.rounded(),
        }
    }
}

/// The figures of one period: the three rates with their parts, and the period's counts and
/// sums (amounts in yuan).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodFigures {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub as_of: NaiveDate,
    pub sign_rate: StatedRate,
    pub funds_arrival_rate: StatedRate,
    pub production_effectiveness_rate: StatedRate,
    pub production_rate: StatedRate,
    pub effectiveness_rate: StatedRate,
    pub projects_signed: i64,
    pub contracted_investment_yuan: i64,
    pub funds_arrived_yuan: i64,
    pub projects_started: i64,
    pub projects_producing: i64,
}

impl PeriodFigures {
    /// The figures of a KPI set computed for `from`–`to` as of `as_of`.
    pub fn of(from: NaiveDate, to: NaiveDate, as_of: NaiveDate, set: &KpiSet) -> Self {
        Self {
            from,
            to,
            as_of,
            sign_rate: (&set.sign_rate).into(),
            funds_arrival_rate: (&set.funds_arrival_rate).into(),
            production_effectiveness_rate: (&set.production_effectiveness_rate).into(),
            production_rate: (&set.production_rate).into(),
            effectiveness_rate: (&set.effectiveness_rate).into(),
            projects_signed: set.bulletin.projects_signed,
            contracted_investment_yuan: set.bulletin.contracted_investment_yuan,
            funds_arrived_yuan: set.bulletin.funds_arrived_yuan,
            projects_started: set.bulletin.projects_started,
            projects_producing: set.bulletin.projects_producing,
        }
    }
}

/// A team's line in the league table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeagueLine {
    pub rank: u32,
    pub rank_change: i64,
    pub team_id: i32,
    pub team_name: String,
    pub score: Decimal,
    pub sign_rate: Option<Decimal>,
    pub funds_arrival_rate: Option<Decimal>,
    pub production_effectiveness_rate: Option<Decimal>,
}

/// A team's targets and actuals of the year to the as-of date: per measure (in the order of
/// [`Measure::ALL`]) actual, target, completion and ahead / behind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetLine {
    pub team_id: i32,
    pub team_name: String,
    pub measures: Vec<MeasureLine>,
}

/// One measure of a [`TargetLine`] (counts, or yuan for amounts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeasureLine {
    pub actual: i64,
    pub target: Option<i64>,
    pub completion: Option<Decimal>,
    pub ahead_behind: Option<Decimal>,
}

/// A red or yellow project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarningLine {
    pub red: bool,
    pub project_id: i32,
    pub code: String,
    pub name: String,
    pub team_id: i32,
    pub team_name: String,
    pub reasons: Vec<String>,
}

/// Everything a bulletin states, as it stated it: what a publication stores beside the
/// document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatedFigures {
    pub kind: BulletinKind,
    pub period: BulletinPeriod,
    pub as_of: NaiveDate,
    /// The headings and thresholds in force.
    pub headings: BulletinHeadings,
    pub warning_red_overdue_days: i32,
    pub warning_due_soon_days: i32,
    pub warning_funds_percent: i32,
    pub default_production_months: i32,
    pub default_full_production_months: i32,
    /// The bases: sign `period`, funds `cohort`, production `all` (the KPI API's defaults).
    pub bases: String,
    /// The team whose projects the lists hold, when the reader sees one team's only.
    pub rows_of_team: Option<i32>,
    /// The period's figures, the previous period's (环比) and last year's (同比); none for a
    /// weekly list.
    pub current: Option<PeriodFigures>,
    pub previous: Option<PeriodFigures>,
    pub last_year: Option<PeriodFigures>,
    /// The year to the period's end (a monthly bulletin: 1—11月).
    pub year_to_date: Option<PeriodFigures>,
    pub league: Vec<LeagueLine>,
    /// Whether target completion entered the league's scores.
    pub league_with_targets: bool,
    /// The elapsed share of the year at `as_of` (序时进度), six decimals.
    pub time_progress: Option<Decimal>,
    pub targets: Vec<TargetLine>,
    pub warnings: Vec<WarningLine>,
    /// Red and yellow projects counted (of the rows listed).
    pub red: u64,
    pub yellow: u64,
    pub overdue: Vec<OverdueLine>,
}

/// A bulletin asked for.
#[derive(Debug, Clone)]
pub struct BulletinParams {
    pub kind: BulletinKind,
    /// `2026-11`, `2026-Q3`; none for the last whole month or quarter (and for a weekly list).
    pub period: Option<String>,
    /// Default: today.
    pub as_of: Option<NaiveDate>,
}

/// A bulletin written: what it stated, its title and the document.
#[derive(Debug, Clone)]
pub struct Written {
    pub figures: StatedFigures,
    pub title: String,
    pub document: Vec<u8>,
}

/// A page size that reads every row.
const ALL_ROWS: u64 = u64::MAX / 2;

/// The figures of a period as of a date: the KPI engine's defaults, district-wide.
async fn period_figures(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    to: NaiveDate,
    as_of: NaiveDate,
) -> ServiceResult<PeriodFigures> {
    let report = kpis(
        db,
        KpiParams {
            from,
            to,
            as_of: Some(as_of),
            sign_basis: SignBasis::Period,
            funds_basis: FundsBasis::Cohort,
            production_cohort: ProductionCohort::AllSigned,
            scale_targets: false,
            scope: Scope::default(),
            group_by: None,
        },
    )
    .await?;
    Ok(PeriodFigures::of(from, to, as_of, &report.overall))
}

/// Reads what a bulletin states.
pub async fn bulletin_figures(
    db: &impl ConnectionTrait,
    actor: &Actor,
    params: &BulletinParams,
) -> ServiceResult<StatedFigures> {
    let as_of = PastDate::or_today(params.as_of)
        .map_err(|refused| ServiceError::refused("as_of", &refused))?
        .get();
    let period = period_of(params.kind, params.period.as_deref(), as_of)?;
    // The period's own end bounds nothing: a month still running is counted to `as_of`.
    check_params(KpiParams {
        from: period.from,
        to: period.to,
        as_of: Some(as_of),
        sign_basis: SignBasis::Period,
        funds_basis: FundsBasis::Cohort,
        production_cohort: ProductionCohort::AllSigned,
        scale_targets: false,
        scope: Scope::default(),
        group_by: None,
    })?;
    let rows_of_team = actor.principal().rows_of(None)?;
    let stored = get_settings(db).await?;
    let settings = stored.settings;
    let everything = PageRequest {
        page: 1,
        per_page: ALL_ROWS,
    };
    let mut figures = StatedFigures {
        kind: params.kind,
        period: period.clone(),
        as_of,
        headings: stored.bulletin.clone(),
        warning_red_overdue_days: settings.warning_red_overdue_days,
        warning_due_soon_days: settings.warning_due_soon_days,
        warning_funds_percent: settings.warning_funds_percent,
        default_production_months: settings.default_production_months,
        default_full_production_months: settings.default_full_production_months,
        bases: "sign_basis=period, funds_basis=cohort, production_cohort=all".into(),
        rows_of_team,
        current: None,
        previous: None,
        last_year: None,
        year_to_date: None,
        league: Vec::new(),
        league_with_targets: false,
        time_progress: None,
        targets: Vec::new(),
        warnings: Vec::new(),
        red: 0,
        yellow: 0,
        overdue: Vec::new(),
    };
    if params.kind == BulletinKind::Weekly {
        figures.overdue = supervision::overdue(db, actor, as_of, rows_of_team).await?;
        return Ok(figures);
    }

    // 环比 and 同比 by the KPI API's one rule.
    let stated = Period {
        from: period.from,
        to: period.to,
    };
    let (previous, last_year) = (
        Comparison::previous(stated, as_of),
        Comparison::last_year(stated, as_of),
    );
    let year_start = NaiveDate::from_ymd_opt(period.to.year(), 1, 1).unwrap_or(period.from);
    let year_to_date = async {
        match params.kind == BulletinKind::Monthly && year_start < period.from {
            true => period_figures(db, year_start, period.to, as_of).await.map(Some),
            false => Ok(None),
        }
    };
    let (table, previous_figures, last_year, year_to_date, progress, lights) = tokio::try_join!(
        league(
            db,
            LeagueParams {
                from: period.from,
                to: period.to,
                as_of: Some(as_of),
                sign_basis: SignBasis::Period,
                funds_basis: FundsBasis::Cohort,
            },
        ),
        period_figures(db, previous.period.from, previous.period.to, previous.as_of),
        period_figures(db, last_year.period.from, last_year.period.to, last_year.as_of),
        year_to_date,
        target_progress(db, period.to.year(), Some(as_of)),
        warnings(
            db,
            actor,
            WarningParams {
                as_of: Some(as_of),
                team_id: None,
                light: None,
                flagged_only: true,
            },
            everything,
        ),
    )?;
    // The league's district figures are the KPI engine's ungrouped ones (`League::overall`).
    figures.current = Some(PeriodFigures::of(period.from, period.to, as_of, &table.overall));
    figures.previous = Some(previous_figures);
    figures.last_year = Some(last_year);
    figures.year_to_date = year_to_date;
    figures.league = table
        .entries
        .iter()
        .map(|e| LeagueLine {
            rank: e.current.rank,
            rank_change: e.rank_change,
            team_id: e.team_id,
            team_name: e.team_name.clone(),
            score: e.current.score,
            sign_rate: e.current.inputs.sign_rate.map(crate::domain::kpi::round_rate),
            funds_arrival_rate: e.current.inputs.funds_arrival_rate.map(crate::domain::kpi::round_rate),
            production_effectiveness_rate: e
                .current
                .inputs
                .production_effectiveness_rate
                .map(crate::domain::kpi::round_rate),
        })
        .collect();
    figures.league_with_targets = table.with_targets;
    figures.time_progress = Some(progress.time_progress.share());
    figures.targets = progress
        .teams
        .iter()
        .filter(|t| t.measures.iter().any(|m| m.target.is_some()))
        .map(|t| TargetLine {
            team_id: t.team_id,
            team_name: t.team_name.clone(),
            measures: Measure::ALL
                .iter()
                .map(|m| {
                    let p = t.of(*m);
                    MeasureLine {
                        actual: p.actual,
                        target: p.target,
                        completion: p.completion,
                        ahead_behind: p.ahead_behind,
                    }
                })
                .collect(),
        })
        .collect();
    figures.red = lights.red;
    figures.yellow = lights.yellow;
    figures.warnings = lights
        .items
        .into_iter()
        .filter(|w| w.light != Light::Green)
        .map(|w| WarningLine {
            red: w.light == Light::Red,
            project_id: w.project_id,
            code: w.code,
            name: w.name,
            team_id: w.team_id,
            team_name: w.team_name.unwrap_or_default(),
            reasons: w.reasons.iter().map(|r| r.describe()).collect(),
        })
        .collect();
    Ok(figures)
}

/// Writes a bulletin: reads its figures and words them into a document.
pub async fn bulletin(db: &impl ConnectionTrait, actor: &Actor, params: &BulletinParams) -> ServiceResult<Written> {
    let figures = bulletin_figures(db, actor, params).await?;
    let written = write(&figures, today())?;
    Ok(written)
}

/// Words `figures` into the document, issued on `issued_on`.
pub fn write(figures: &StatedFigures, issued_on: NaiveDate) -> ServiceResult<Written> {
    let bulletin = document::compose(figures, issued_on);
    let bytes =
        crate::docx::bulletin::write_bulletin(&bulletin).map_err(|e| ServiceError::Db(sea_orm::DbErr::Custom(e)))?;
    Ok(Written {
        title: format!("{}（{}）", figures.kind.title(&figures.headings), figures.period.key),
        figures: figures.clone(),
        document: bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn periods_by_name_and_by_default() {
        let as_of = d("2026-12-07");
        let month = period_of(BulletinKind::Monthly, Some("2026-11"), as_of).unwrap();
        assert_eq!(
            (month.key.as_str(), month.from, month.to),
            ("2026-11", d("2026-11-01"), d("2026-11-30"))
        );
        let quarter = period_of(BulletinKind::Quarterly, Some("2026-Q3"), as_of).unwrap();
        assert_eq!(
            (quarter.key.as_str(), quarter.from, quarter.to),
            ("2026-Q3", d("2026-07-01"), d("2026-09-30"))
        );
        // By default: the last month / quarter ended by the as-of date.
        assert_eq!(period_of(BulletinKind::Monthly, None, as_of).unwrap().key, "2026-11");
        assert_eq!(
            period_of(BulletinKind::Monthly, None, d("2026-11-30")).unwrap().key,
            "2026-11"
        );
        assert_eq!(period_of(BulletinKind::Quarterly, None, as_of).unwrap().key, "2026-Q3");
        assert_eq!(
            period_of(BulletinKind::Quarterly, None, d("2026-01-05")).unwrap().key,
            "2025-Q4"
        );
        let week = period_of(BulletinKind::Weekly, None, as_of).unwrap();
        assert_eq!(
            (week.key.as_str(), week.from, week.to),
            ("2026-W50", d("2026-12-07"), as_of)
        );
        for bad in ["2026-13", "2026-1", "26-11", "2026-Q5", "x"] {
            assert!(period_of(BulletinKind::Monthly, Some(bad), as_of).is_err(), "{bad}");
        }
        assert!(period_of(BulletinKind::Quarterly, Some("2026-11"), as_of).is_err());
        assert!(period_of(BulletinKind::Monthly, Some("2027-01"), as_of).is_err());
        assert!(period_of(BulletinKind::Weekly, Some("2026-11"), as_of).is_err());
    }
}
