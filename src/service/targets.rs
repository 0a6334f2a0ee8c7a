//! Yearly targets per task force (目标任务): setting and listing them, and the progress
//! report that sets each team's actuals against its targets and the elapsed share of the year
//! (序时进度). The targets as the KPI engine reads them (per team and year) are in
//! `service::kpi::targets`; this module writes them and builds on the engine, never the other
//! way round.

use chrono::NaiveDate;
use entity::{target, team};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionSession,
    TransactionTrait, TryIntoModel,
};

use super::audit::{self, Change};
use super::kpi::targets::targets_by_team;
use super::kpi::{KpiQuery, Scope, bulletin_figures};
use super::{Actor, Problems, ServiceResult, Words, now};
use crate::domain::kpi::{FundsBasis, GroupBy, Measure, Period, ProductionCohort, SignBasis, YearProgress};
use crate::domain::{PastDate, money};

/// The years targets can be set for.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// A team's targets for a year as written by a client; a measure left out has no target.
#[derive(Debug, Clone, Default)]
pub struct TargetInput {
    pub projects_signed: Option<i64>,
    /// 万元.
    pub contracted_investment: Option<Decimal>,
    /// 万元.
    pub funds_arrived: Option<Decimal>,
    pub projects_started: Option<i64>,
    pub projects_producing: Option<i64>,
}

fn check_year(problems: &mut Problems, year: i32) {
    if !YEARS.contains(&year) {
        problems.add(
            "year",
            Words::new(
                format!("应在{}至{}之间，而不是{year}", YEARS.start(), YEARS.end()),
                format!("must be between {} and {}, not {year}", YEARS.start(), YEARS.end()),
            ),
        );
    }
}

/// Sets (creates or replaces) a team's targets for a year, in one transaction.
pub async fn put_target<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    year: i32,
    team_id: i32,
    input: TargetInput,
) -> ServiceResult<target::Model> {
    actor.principal().check_manage_targets(team_id)?;
    let mut problems = Problems::default();
    check_year(&mut problems, year);
    let mut count = |field: &str, value: Option<i64>| -> Option<i32> {
        let value = value?;
        match i32::try_from(value) {
            Ok(v) if v > 0 => Some(v),
            _ => {
                problems.add(
                    field,
                    Words::new(
                        format!("应为1至{}之间的整数，而不是{value}", i32::MAX),
                        format!("must be a whole number from 1 to {}, not {value}", i32::MAX),
                    ),
                );
                None
            }
        }
    };
    let projects_signed = count("projects_signed", input.projects_signed);
    let projects_started = count("projects_started", input.projects_started);
    let projects_producing = count("projects_producing", input.projects_producing);
    let mut amount = |field: &str, value: Option<Decimal>| -> Option<i64> {
        problems.check(field, money::positive_wan_to_yuan(value?))
    };
    let contracted_investment_yuan = amount("contracted_investment", input.contracted_investment);
    let funds_arrived_yuan = amount("funds_arrived", input.funds_arrived);
    let txn = crate::db::begin_write(db).await?;
    if team::Entity::find_by_id(team_id).one(&txn).await?.is_none() {
        problems.add("team_id", crate::domain::words::no_record("team", team_id));
    }
    problems.finish()?;
    let existing = target::Entity::find()
        .filter(target::Column::Year.eq(year))
        .filter(target::Column::TeamId.eq(team_id))
        .one(&txn)
        .await?;
    let before = existing.clone();
    let at = now();
    let mut model: target::ActiveModel = match existing {
        Some(existing) => existing.into(),
        None => target::ActiveModel {
            year: Set(year),
            team_id: Set(team_id),
            created_at: Set(at),
            ..Default::default()
        },
    };
    model.projects_signed = Set(projects_signed);
    model.contracted_investment_yuan = Set(contracted_investment_yuan);
    model.funds_arrived_yuan = Set(funds_arrived_yuan);
    model.projects_started = Set(projects_started);
    model.projects_producing = Set(projects_producing);
    model.updated_at = Set(at);
    let saved = model.save(&txn).await?.try_into_model()?;
    let action = if before.is_some() { "update" } else { "create" };
    audit::record(
        &txn,
        actor,
        Change {
            entity: "target",
            entity_id: saved.id,
            project_id: None,
            action,
            before: before.as_ref(),
            after: Some(&saved),
            reason: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// The targets of a year (or of every year), by year then team.
pub async fn list_targets(db: &impl ConnectionTrait, year: Option<i32>) -> ServiceResult<Vec<target::Model>> {
    let mut query = target::Entity::find()
        .order_by_asc(target::Column::Year)
        .order_by_asc(target::Column::TeamId);
    if let Some(year) = year {
        query = query.filter(target::Column::Year.eq(year));
    }
    Ok(query.all(db).await?)
}

/// A measure of a team: actual (count or yuan) against target, completion, and ahead /
/// behind the elapsed share of the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeasureProgress {
    pub measure: Measure,
    pub actual: i64,
    pub target: Option<i64>,
    /// actual ÷ target, six decimals.
    pub completion: Option<Decimal>,
    /// completion − elapsed share, six decimals (computed exactly, then rounded).
    pub ahead_behind: Option<Decimal>,
}

/// A team's progress on every measure.
#[derive(Debug, Clone)]
pub struct TeamProgress {
    pub team_id: i32,
    pub team_name: String,
    /// In the order of [`Measure::ALL`].
    pub measures: [MeasureProgress; 5],
}

impl TeamProgress {
    /// The progress on one measure.
    pub fn of(&self, measure: Measure) -> &MeasureProgress {
        &self.measures[measure as usize]
    }
}

/// The progress report of a year at a date.
#[derive(Debug, Clone)]
pub struct ProgressReport {
    pub year: i32,
    pub as_of: NaiveDate,
    pub time_progress: YearProgress,
    pub teams: Vec<TeamProgress>,
}

/// Every team with a target for the year (and every other team not archived): its actuals in
/// the year up to `as_of` against its targets. The actuals are the KPI engine's bulletin figures
/// for the year grouped by team: five queries in all (three aggregates, targets, teams).
pub async fn target_progress(
    db: &impl ConnectionTrait,
    year: i32,
    as_of: Option<NaiveDate>,
) -> ServiceResult<ProgressReport> {
    let mut problems = Problems::default();
    check_year(&mut problems, year);
    let as_of = problems.check("as_of", PastDate::or_today(as_of));
    problems.finish()?;
    let as_of = as_of.expect("checked above").get();
    let period = Period::new(
        NaiveDate::from_ymd_opt(year, 1, 1).expect("checked year"),
        NaiveDate::from_ymd_opt(year, 12, 31).expect("checked year"),
    )
    .expect("a year is a period");
    let query = KpiQuery {
        period,
        as_of,
        // The targets' measures are the bulletin's counts and sums; the bases do not matter.
        sign_basis: SignBasis::Target,
        funds_basis: FundsBasis::Period,
        production_cohort: ProductionCohort::SignedInPeriod,
        scale_targets: false,
        scope: Scope::default(),
        group_by: Some(GroupBy::Team),
    };
    let by_team = bulletin_figures(db, &query).await?;
    let targets = targets_by_team(db, year, None).await?;
    let progress = YearProgress::at(year, as_of);
    let teams = team::Entity::find().order_by_asc(team::Column::Id).all(db).await?;
    let mut report = Vec::new();
    for team in teams {
        let target = targets.get(&team.id).copied();
        if team.archived && target.is_none() {
            continue;
        }
        let f = by_team.get(&Some(team.id.to_string())).copied().unwrap_or_default();
        let target = target.unwrap_or_default();
        let measures = Measure::ALL.map(|measure| {
            let actual = f.actual(measure);
            let goal = target.get(measure);
            let (a, t) = (Decimal::from(actual), goal.map(Decimal::from));
            MeasureProgress {
                measure,
                actual,
                target: goal,
                completion: t.and_then(|t| YearProgress::completion(a, t)),
                ahead_behind: t.and_then(|t| progress.ahead_behind(a, t)),
            }
        });
        report.push(TeamProgress {
            team_id: team.id,
            team_name: team.name,
            measures,
        });
    }
    Ok(ProgressReport {
        year,
        as_of,
        time_progress: progress,
        teams: report,
    })
}
