//! `/api/v1/league`: the league table (赛马榜) of the task forces. The score and its weights
//! are `domain::kpi`'s; this module only converts.

use poem::web::Data;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi};
use rust_decimal::Decimal;

use super::ApiTags;
use super::auth::BearerAuth;
use super::error::ApiResult;
use super::error::status::*;
use super::kpi::{FundsBasis, SignBasis, or_default, rate_number};
use super::settings::Settings;
use super::types::Date;
use crate::domain::kpi as rules;
use crate::service::kpi::league;
use crate::state::AppState;

/// A component of a league score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum LeagueComponent {
    SignRate,
    FundsArrivalRate,
    ProductionEffectivenessRate,
    TargetCompletion,
}

impl From<rules::LeagueComponent> for LeagueComponent {
    fn from(c: rules::LeagueComponent) -> Self {
        match c {
            rules::LeagueComponent::SignRate => Self::SignRate,
            rules::LeagueComponent::FundsArrivalRate => Self::FundsArrivalRate,
            rules::LeagueComponent::ProductionEffectivenessRate => Self::ProductionEffectivenessRate,
            rules::LeagueComponent::TargetCompletion => Self::TargetCompletion,
        }
    }
}

/// A team's place in the league table.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct LeagueEntry {
    /// 1 is best; equal scores share a rank (1, 1, 3, …).
    pub rank: u32,
    pub team_id: i32,
    pub team_name: String,
    /// Σ weight × value ÷ Σ weight, six decimals.
    pub score: f64,
    pub sign_rate: Option<f64>,
    pub funds_arrival_rate: Option<f64>,
    pub production_effectiveness_rate: Option<f64>,
    /// Mean completion of the team's targeted measures against the period's share of its
    /// yearly targets; null without targets.
    pub target_completion: Option<f64>,
    /// Components without a value (a rate with a zero denominator, no targets while other
    /// teams have some), each counted as 0.
    pub missing: Vec<LeagueComponent>,
    /// Rank in the previous period.
    pub previous_rank: u32,
    pub previous_score: f64,
    /// previous_rank − rank: positive when the team moved up.
    pub rank_change: i64,
}

/// The league table (赛马榜) of the task forces for a period.
#[derive(Debug, Object)]
pub struct LeagueTable {
    pub from: Date,
    pub to: Date,
    pub as_of: Date,
    /// The previous period: as long as this one (in whole months when this one is whole
    /// months), ending the day before `from`.
    pub previous_from: Date,
    pub previous_to: Date,
    /// The previous table is as it stood at the earlier of `as_of` and `previous_to`.
    pub previous_as_of: Date,
    pub sign_basis: SignBasis,
    pub funds_basis: FundsBasis,
    /// Whether target completion is part of the score (some team has targets for the
    /// period).
    pub with_targets: bool,
    /// The settings (weights, default dates) used.
    pub settings: Settings,
    /// Every team not archived, best first.
    pub teams: Vec<LeagueEntry>,
}

pub struct LeagueApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::League")]
impl LeagueApi {
    /// Rank the task forces
    ///
    /// The league table (赛马榜) for the period: every team not archived, ranked on a
    /// composite score Σ weight × value ÷ Σ weight of its sign rate, funds-arrival rate,
    /// production-effectiveness rate (every project signed by `as_of`) and, when some team has
    /// targets for the period, its target completion (the mean, over the measures it has
    /// targets for, of the actual in the period ÷ the period's share of the yearly target).
    /// A missing value counts 0 and is listed in `missing`. Equal scores share a rank. The
    /// rank change compares with the previous period of the same length.
    #[oai(path = "/league", method = "get", operation_id = "get_league")]
    #[allow(clippy::too_many_arguments)]
    async fn get_league(
        &self,
        state: Data<&AppState>,
        _auth: BearerAuth,
        /// First day of the period; default 1 January of `to`'s year.
        from: Query<Option<Date>>,
        /// Last day of the period (inclusive); default the as-of date.
        to: Query<Option<Date>>,
        /// The date events are counted to; default today, never later.
        as_of: Query<Option<Date>>,
        /// The sign rate's basis (`period` or `cohort`); default `period`.
        sign_basis: Query<Option<SignBasis>>,
        /// The funds-arrival rate's basis (`cohort` or `period`); default `cohort`.
        funds_basis: Query<Option<FundsBasis>>,
    ) -> ApiResult<Json<LeagueTable>, { SIGNED_IN | BAD_REQUEST | INVALID }> {
        let period =
            crate::domain::date::period_or_year_to_date(from.0.map(|d| d.0), to.0.map(|d| d.0), as_of.0.map(|d| d.0));
        let sign_basis: rules::SignBasis = or_default(sign_basis.0);
        let funds_basis: rules::FundsBasis = or_default(funds_basis.0);
        let table = league::league(
            &state.reader,
            league::LeagueParams {
                from: period.0,
                to: period.1,
                as_of: as_of.0.map(|d| d.0),
                sign_basis,
                funds_basis,
            },
        )
        .await?;
        let opt = |v: Option<Decimal>| v.map(rate_number);
        Ok(Json(LeagueTable {
            from: Date(table.period.from),
            to: Date(table.period.to),
            as_of: Date(table.as_of),
            previous_from: Date(table.previous_period.from),
            previous_to: Date(table.previous_period.to),
            previous_as_of: Date(table.previous_as_of),
            sign_basis: sign_basis.into(),
            funds_basis: funds_basis.into(),
            with_targets: table.with_targets,
            settings: table.settings.into(),
            teams: table
                .entries
                .into_iter()
                .map(|e| LeagueEntry {
                    rank: e.current.rank,
                    team_id: e.team_id,
                    team_name: e.team_name,
                    score: rate_number(e.current.score),
                    sign_rate: opt(e.current.inputs.sign_rate),
                    funds_arrival_rate: opt(e.current.inputs.funds_arrival_rate),
                    production_effectiveness_rate: opt(e.current.inputs.production_effectiveness_rate),
                    target_completion: opt(e.current.inputs.target_completion),
                    missing: e.current.missing.into_iter().map(Into::into).collect(),
                    previous_rank: e.previous.rank,
                    previous_score: rate_number(e.previous.score),
                    rank_change: e.rank_change,
                })
                .collect(),
        }))
    }
}
