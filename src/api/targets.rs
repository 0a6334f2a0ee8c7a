//! `/api/v1/targets`: yearly targets per task force (administrators set them), and the progress
//! report setting each team's actuals against its targets and the elapsed share of the year.

use chrono::{DateTime, Utc};
use entity::target;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use super::auth::BearerAuth;
use super::error::ApiResult;
use super::error::status::*;
use super::kpi::rate_number;
use super::types::{Date, Wan};
use crate::domain::kpi::Measure;
use crate::domain::money::yuan_to_wan;
use crate::service::targets::{self as svc, MeasureProgress};
use crate::state::AppState;

/// A team's targets for a year; a measure without a value has no target.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Target {
    pub year: i32,
    pub team_id: i32,
    /// 签约项目数.
    pub projects_signed: Option<i64>,
    /// 签约金额 (contracted investment), 万元.
    pub contracted_investment: Option<Wan>,
    /// 到位资金 (counted funds arrived), 万元.
    pub funds_arrived: Option<Wan>,
    /// 开工项目数.
    pub projects_started: Option<i64>,
    /// 投产项目数.
    pub projects_producing: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<target::Model> for Target {
    fn from(m: target::Model) -> Self {
        Self {
            year: m.year,
            team_id: m.team_id,
            projects_signed: m.projects_signed.map(i64::from),
            contracted_investment: m.contracted_investment_yuan.map(|y| Wan(yuan_to_wan(y))),
            funds_arrived: m.funds_arrived_yuan.map(|y| Wan(yuan_to_wan(y))),
            projects_started: m.projects_started.map(i64::from),
            projects_producing: m.projects_producing.map(i64::from),
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// A team's targets for a year, replacing any set before; leave a measure out for no target.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TargetInput {
    /// More than zero.
    #[oai(nullable, validator(minimum(value = "1"), maximum(value = "2147483647")))]
    pub projects_signed: Option<i64>,
    /// 万元, more than zero.
    #[oai(nullable)]
    pub contracted_investment: Option<Wan>,
    /// 万元, more than zero.
    #[oai(nullable)]
    pub funds_arrived: Option<Wan>,
    /// More than zero.
    #[oai(nullable, validator(minimum(value = "1"), maximum(value = "2147483647")))]
    pub projects_started: Option<i64>,
    /// More than zero.
    #[oai(nullable, validator(minimum(value = "1"), maximum(value = "2147483647")))]
    pub projects_producing: Option<i64>,
}

/// Progress on a counted measure.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CountProgress {
    /// Done in the year up to `as_of`.
    pub actual: i64,
    pub target: Option<i64>,
    /// actual ÷ target (six decimals); null without a target.
    pub completion: Option<f64>,
    /// Elapsed share of the year (序时进度), six decimals.
    pub time_progress: f64,
    /// completion − time_progress (超/欠进度): positive ahead, negative behind.
    pub ahead_behind: Option<f64>,
}

/// Progress on an amount.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AmountProgress {
    /// 万元 in the year up to `as_of`.
    pub actual: Wan,
    /// 万元.
    pub target: Option<Wan>,
    /// actual ÷ target (six decimals); null without a target.
    pub completion: Option<f64>,
    /// Elapsed share of the year (序时进度), six decimals.
    pub time_progress: f64,
    /// completion − time_progress: positive ahead, negative behind.
    pub ahead_behind: Option<f64>,
}

/// A team's actuals against its targets.
#[derive(Debug, Object)]
pub struct TeamProgress {
    pub team_id: i32,
    pub team_name: String,
    /// Projects signed in the year.
    pub projects_signed: CountProgress,
    /// Contracted investment of the projects signed in the year.
    pub contracted_investment: AmountProgress,
    /// Counted funds arrived in the year (for signed projects).
    pub funds_arrived: AmountProgress,
    /// Projects that started construction in the year.
    pub projects_started: CountProgress,
    /// Projects that started production in the year.
    pub projects_producing: CountProgress,
}

/// Every team's progress on its targets for a year.
#[derive(Debug, Object)]
pub struct TargetProgress {
    pub year: i32,
    pub as_of: Date,
    /// Days of the year elapsed at `as_of`, `as_of` included (0 before the year).
    pub days_elapsed: i64,
    pub days_in_year: i64,
    /// days_elapsed ÷ days_in_year (序时进度), six decimals.
    pub time_progress: f64,
    /// Teams not archived, and archived teams with targets, by id.
    pub teams: Vec<TeamProgress>,
}

pub struct TargetsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Targets")]
impl TargetsApi {
    /// List yearly targets
    ///
    /// By year, then team.
    #[oai(path = "/targets", method = "get", operation_id = "list_targets")]
    async fn list_targets(
        &self,
        state: Data<&AppState>,
        _auth: BearerAuth,
        /// Only this year's targets.
        #[oai(validator(minimum(value = "2000"), maximum(value = "2100")))]
        year: Query<Option<i32>>,
    ) -> ApiResult<Json<Vec<Target>>, { SIGNED_IN | BAD_REQUEST }> {
        Ok(Json(
            svc::list_targets(&state.reader, year.0)
                .await?
                .into_iter()
                .map(Into::into)
                .collect(),
        ))
    }

    /// Set a team's targets for a year
    ///
    /// Administrators only. Replaces the team's targets for the year; a measure left out has
    /// no target. Values must be more than zero; a bad value is refused with 422 naming it.
    #[oai(path = "/targets/:year/:team_id", method = "put", operation_id = "put_target")]
    async fn put_target(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        /// 2000 to 2100.
        #[oai(validator(minimum(value = "2000"), maximum(value = "2100")))]
        year: Path<i32>,
        team_id: Path<i32>,
        body: Json<TargetInput>,
    ) -> ApiResult<Json<Target>, { SIGNED_IN | JSON_BODY | FORBIDDEN | CONFLICT | INVALID }> {
        let b = body.0;
        let input = svc::TargetInput {
            projects_signed: b.projects_signed,
            contracted_investment: b.contracted_investment.map(|w| w.0),
            funds_arrived: b.funds_arrived.map(|w| w.0),
            projects_started: b.projects_started,
            projects_producing: b.projects_producing,
        };
        Ok(Json(
            svc::put_target(&state.db, &auth.0, year.0, team_id.0, input)
                .await?
                .into(),
        ))
    }

    /// Progress on the year's targets
    ///
    /// Per team and measure: the actual in the year up to `as_of`, the target, completion
    /// (actual ÷ target), time-proportional progress (序时进度: days elapsed including
    /// `as_of` ÷ days in the year) and ahead/behind (completion − progress). The actuals are
    /// those of the KPI bulletin: projects signed and their contracted investment, counted
    /// funds arrived for signed projects, projects that started construction or production.
    #[oai(path = "/targets/progress", method = "get", operation_id = "get_target_progress")]
    async fn get_target_progress(
        &self,
        state: Data<&AppState>,
        _auth: BearerAuth,
        /// The year, 2000 to 2100; default the year of `as_of` (this year).
        #[oai(validator(minimum(value = "2000"), maximum(value = "2100")))]
        year: Query<Option<i32>>,
        /// The date the actuals are counted to; default today, never later.
        as_of: Query<Option<Date>>,
    ) -> ApiResult<Json<TargetProgress>, { SIGNED_IN | BAD_REQUEST | INVALID }> {
        let as_of = as_of.0.map(|d| d.0);
        let year = year.0.unwrap_or_else(|| crate::domain::date::year_of(as_of));
        let report = svc::target_progress(&state.reader, year, as_of).await?;
        let time_progress = rate_number(report.time_progress.share());
        let count = |m: &MeasureProgress| CountProgress {
            actual: m.actual,
            target: m.target,
            completion: m.completion.map(rate_number),
            time_progress,
            ahead_behind: m.ahead_behind.map(rate_number),
        };
        let amount = |m: &MeasureProgress| AmountProgress {
            actual: Wan(yuan_to_wan(m.actual)),
            target: m.target.map(|y| Wan(yuan_to_wan(y))),
            completion: m.completion.map(rate_number),
            time_progress,
            ahead_behind: m.ahead_behind.map(rate_number),
        };
        let teams = report
            .teams
            .iter()
            .map(|t| TeamProgress {
                team_id: t.team_id,
                team_name: t.team_name.clone(),
                projects_signed: count(t.of(Measure::ProjectsSigned)),
                contracted_investment: amount(t.of(Measure::ContractedInvestment)),
                funds_arrived: amount(t.of(Measure::FundsArrived)),
                projects_started: count(t.of(Measure::ProjectsStarted)),
                projects_producing: count(t.of(Measure::ProjectsProducing)),
            })
            .collect();
        Ok(Json(TargetProgress {
            year: report.year,
            as_of: Date(report.as_of),
            days_elapsed: report.time_progress.days_elapsed,
            days_in_year: report.time_progress.days_in_year,
            time_progress,
            teams,
        }))
    }
}
