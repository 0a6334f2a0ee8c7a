//! The league table (赛马榜): every task force ranked on a composite score of its three rates
//! and its target completions, with its rank change against the previous period.
//!
//! - Rates: the KPI engine's sign, funds-arrival and production-effectiveness rates of the
//!   team for the period (the bases are parameters; not the target basis, since targets enter
//!   through their own component).
//! - Target completion: for each measure the team has a target for in every year the period
//!   touches, the actual in the period ÷ the share of the yearly target that falls in the
//!   period (target × days of the period in the year ÷ days in the year); the component is the
//!   mean of those completions. It enters the score only when some team has targets for the
//!   period; a team without any then scores 0 on it, flagged.
//! - Score: Σ weight × value ÷ Σ weight (weights are settings); a missing rate (zero
//!   denominator) contributes 0 and is flagged. Equal scores (to six decimals) share a rank.
//! - Previous period: the period of the same length ending the day before `from` (the same
//!   number of calendar months when the period is whole months), as it stood at the earlier of
//!   `as_of` and the end of that period.
//!
//! Queries: settings, teams, targets, and the KPI figures grouped by team for both periods.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use entity::team;
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::targets::{TargetTotals, targets_of_years};
use super::{Figures, KpiParams, KpiQuery, KpiSet, Scope, check_params, figures, kpi_set};
use crate::domain::kpi::{
    Comparison, FundsBasis, GroupBy, LeagueComponent, LeagueInputs, Measure, Period, ProductionCohort, Settings,
    SignBasis, competition_ranks, exact_ratio, league_score, prorated_target,
};
use crate::service::settings::{StoredSettings, get_settings};
use crate::service::{Problems, ServiceResult, Words};

/// A league request.
#[derive(Debug, Clone)]
pub struct LeagueParams {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub as_of: Option<NaiveDate>,
    pub sign_basis: SignBasis,
    pub funds_basis: FundsBasis,
}

/// A team's standing in one period.
#[derive(Debug, Clone)]
pub struct Standing {
    pub rank: u32,
    /// Six decimals.
    pub score: Decimal,
    /// The unrounded rates and completion the score was made of.
    pub inputs: LeagueInputs,
    /// Components with no value, counted as 0.
    pub missing: Vec<LeagueComponent>,
}

/// One row of the league table.
#[derive(Debug, Clone)]
pub struct LeagueEntry {
    pub team_id: i32,
    pub team_name: String,
    pub current: Standing,
    pub previous: Standing,
    /// previous rank − rank: positive when the team moved up.
    pub rank_change: i64,
}

/// The league table of a period.
#[derive(Debug, Clone)]
pub struct League {
    pub period: Period,
    pub as_of: NaiveDate,
    pub previous_period: Period,
    pub previous_as_of: NaiveDate,
    pub sign_basis: SignBasis,
    pub funds_basis: FundsBasis,
    /// Whether target completion entered the score (some team has targets for the period).
    pub with_targets: bool,
    pub previous_with_targets: bool,
    pub settings: StoredSettings,
    /// Best first; ties by team id.
    pub entries: Vec<LeagueEntry>,
    /// The rates of the whole district for the period: the teams' figures summed, those of
    /// archived teams and of projects without a team included (what `kpis` gives ungrouped).
    pub overall: KpiSet,
}

/// Ranks the teams (not archived) for a period.
pub async fn league(db: &impl ConnectionTrait, params: LeagueParams) -> ServiceResult<League> {
    let mut problems = Problems::default();
    if params.sign_basis == SignBasis::Target {
        problems.add(
            "sign_basis",
            Words::new(
                "赛马榜通过目标完成率计分：签约率请用期间口径或批次口径",
                "the league scores targets through target completion: use the period or cohort basis",
            ),
        );
    }
    if params.funds_basis == FundsBasis::Target {
        problems.add(
            "funds_basis",
            Words::new(
                "赛马榜通过目标完成率计分：资金到位率请用批次口径或期间口径",
                "the league scores targets through target completion: use the cohort or period basis",
            ),
        );
    }
    problems.finish()?;
    let query = check_params(KpiParams {
        from: params.from,
        to: params.to,
        as_of: params.as_of,
        sign_basis: params.sign_basis,
        funds_basis: params.funds_basis,
        production_cohort: ProductionCohort::AllSigned,
        scale_targets: false,
        scope: Scope::default(),
        group_by: Some(GroupBy::Team),
    })?;
    let previous = Comparison::previous(query.period, query.as_of);
    let previous_period = previous.period;
    let previous_query = KpiQuery {
        period: previous_period,
        as_of: previous.as_of,
        ..query.clone()
    };
    let settings = get_settings(db).await?;
    let teams = team::Entity::find()
        .filter(team::Column::Archived.eq(false))
        .order_by_asc(team::Column::Id)
        .all(db)
        .await?;
    let targets = targets_of_years(db, previous_period.from.year()..=query.period.to.year()).await?;
    let current_figures = figures(db, &query, &settings.settings).await?;
    let previous_figures = figures(db, &previous_query, &settings.settings).await?;

    let mut total = Figures::default();
    for f in current_figures.values() {
        total += *f;
    }
    let overall = kpi_set(&query, &total, None);
    let team_ids: Vec<i32> = teams.iter().map(|t| t.id).collect();
    let (current, with_targets) = standings(&query, &settings.settings, &team_ids, &current_figures, &targets);
    let (previous, previous_with_targets) = standings(
        &previous_query,
        &settings.settings,
        &team_ids,
        &previous_figures,
        &targets,
    );
    let mut entries: Vec<LeagueEntry> = teams
        .into_iter()
        .zip(current.into_iter().zip(previous))
        .map(|(team, (current, previous))| LeagueEntry {
            team_id: team.id,
            team_name: team.name,
            rank_change: i64::from(previous.rank) - i64::from(current.rank),
            current,
            previous,
        })
        .collect();
    entries.sort_by_key(|e| (e.current.rank, e.team_id));
    Ok(League {
        period: query.period,
        as_of: query.as_of,
        previous_period,
        previous_as_of: previous_query.as_of,
        sign_basis: query.sign_basis,
        funds_basis: query.funds_basis,
        with_targets,
        previous_with_targets,
        settings,
        entries,
        overall,
    })
}

/// The standing of each team (in `team_ids` order) in one period, and whether targets entered.
fn standings(
    query: &KpiQuery,
    settings: &Settings,
    team_ids: &[i32],
    by_team: &BTreeMap<Option<String>, Figures>,
    targets: &BTreeMap<(i32, i32), TargetTotals>,
) -> (Vec<Standing>, bool) {
    let inputs: Vec<LeagueInputs> = team_ids
        .iter()
        .map(|id| {
            let figures = by_team.get(&Some(id.to_string())).copied().unwrap_or_default();
            let set = kpi_set(query, &figures, None);
            LeagueInputs {
                sign_rate: set.sign_rate.exact(),
                funds_arrival_rate: set.funds_arrival_rate.exact(),
                production_effectiveness_rate: set.production_effectiveness_rate.exact(),
                target_completion: target_completion(&query.period, *id, &figures, targets),
            }
        })
        .collect();
    let with_targets = inputs.iter().any(|i| i.target_completion.is_some());
    let scored: Vec<(Decimal, Vec<LeagueComponent>)> = inputs
        .iter()
        .map(|i| league_score(i, &settings.weights, with_targets))
        .collect();
    let ranks = competition_ranks(&scored.iter().map(|(score, _)| *score).collect::<Vec<_>>());
    let standings = inputs
        .into_iter()
        .zip(scored)
        .zip(ranks)
        .map(|((i, (score, missing)), rank)| Standing {
            rank,
            score,
            inputs: i,
            missing,
        })
        .collect();
    (standings, with_targets)
}

/// The mean completion of the measures the team has targets for in every year the period
/// touches, each against the period's prorated share of the targets.
fn target_completion(
    period: &Period,
    team_id: i32,
    figures: &Figures,
    targets: &BTreeMap<(i32, i32), TargetTotals>,
) -> Option<Decimal> {
    let completions: Vec<Decimal> = Measure::ALL
        .iter()
        .filter_map(|&measure| {
            let actual = figures.actual(measure);
            let share = prorated_target(period, |year| {
                targets
                    .get(&(year, team_id))
                    .and_then(|t| t.get(measure))
                    .map(Decimal::from)
            })?;
            exact_ratio(Decimal::from(actual), share)
        })
        .collect();
    if completions.is_empty() {
        return None;
    }
    let count = Decimal::from(completions.len() as i64);
    Some(completions.into_iter().sum::<Decimal>() / count)
}
