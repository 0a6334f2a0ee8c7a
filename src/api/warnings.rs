//! `/api/v1/warnings`: the red / yellow / green warning lights (红黄绿预警) of signed projects
//! and their reasons. The lights are decided in `domain::kpi`; this module only converts.

use poem::web::Data;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi};
use rust_decimal::{Decimal, RoundingStrategy};

use super::ApiTags;
use super::auth::BearerAuth;
use super::error::ApiResult;
use super::error::status::*;
use super::investors::{default_page, default_per_page};
use super::kpi::{rate_number, wan};
use super::settings::Settings;
use super::types::{Date, Stage, Wan};
use crate::domain::kpi as rules;
use crate::service::PageRequest;
use crate::service::kpi::warnings;
use crate::state::AppState;

/// The colour of a warning light.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum Colour {
    Red,
    Yellow,
    Green,
}

impl From<rules::Light> for Colour {
    fn from(l: rules::Light) -> Self {
        match l {
            rules::Light::Red => Self::Red,
            rules::Light::Yellow => Self::Yellow,
            rules::Light::Green => Self::Green,
        }
    }
}

impl From<Colour> for rules::Light {
    fn from(c: Colour) -> Self {
        match c {
            Colour::Red => Self::Red,
            Colour::Yellow => Self::Yellow,
            Colour::Green => Self::Green,
        }
    }
}

/// A promised milestone: `construction_start` 开工, `production_start` 投产, `full_production`
/// 达产.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum Milestone {
    ConstructionStart,
    ProductionStart,
    FullProduction,
}

impl From<rules::Milestone> for Milestone {
    fn from(m: rules::Milestone) -> Self {
        match m {
            rules::Milestone::ConstructionStart => Self::ConstructionStart,
            rules::Milestone::ProductionStart => Self::ProductionStart,
            rules::Milestone::FullProduction => Self::FullProduction,
        }
    }
}

/// What a reason is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ReasonKind {
    Milestone,
    Funds,
}

/// Why a project is red or yellow; `milestone` names the milestone of `milestone` reasons.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct WarningReason {
    pub kind: ReasonKind,
    pub colour: Colour,
    pub milestone: Option<Milestone>,
    /// Its due date.
    pub due_on: Option<Date>,
    /// Whether the due date is the settings' default rather than promised.
    pub due_is_default: Option<bool>,
    /// Days overdue (0 when due on `as_of`); absent when not yet due.
    pub days_overdue: Option<i64>,
    /// Days until due, when not yet due.
    pub days_until_due: Option<i64>,
    /// Funds: counted funds arrived by `as_of`, 万元.
    pub counted_funds: Option<Wan>,
    /// Funds: contracted investment, 万元.
    pub contracted_investment: Option<Wan>,
    /// Funds: elapsed share of the schedule from signing to the promised production date,
    /// capped at 1, six decimals.
    pub schedule_share: Option<f64>,
    /// Funds: the line below which funds are red (percent × share × contracted investment),
    /// 万元 rounded to the yuan.
    pub threshold: Option<Wan>,
    /// Funds: threshold − counted funds, 万元.
    pub shortfall: Option<Wan>,
    /// The reason in words, e.g. `投产逾期120天（约定2025-03-01）`.
    pub message: String,
}

fn yuan_decimal_to_wan(yuan: Decimal) -> Wan {
    Wan((yuan / Decimal::from(10_000)).round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero))
}

impl From<rules::WarningReason> for WarningReason {
    fn from(r: rules::WarningReason) -> Self {
        let colour = r.light().into();
        let r_message = r.describe();
        match r {
            rules::WarningReason::Milestone {
                milestone,
                due_on,
                due_is_default,
                days_overdue,
                ..
            } => {
                let message = r_message;
                Self {
                    kind: ReasonKind::Milestone,
                    colour,
                    milestone: Some(milestone.into()),
                    due_on: Some(Date(due_on)),
                    due_is_default: Some(due_is_default),
                    days_overdue: (days_overdue >= 0).then_some(days_overdue),
                    days_until_due: (days_overdue < 0).then_some(-days_overdue),
                    counted_funds: None,
                    contracted_investment: None,
                    schedule_share: None,
                    threshold: None,
                    shortfall: None,
                    message,
                }
            }
            rules::WarningReason::Funds {
                counted_funds_yuan,
                contracted_investment_yuan,
                schedule_share,
                threshold_yuan,
            } => {
                let threshold = yuan_decimal_to_wan(threshold_yuan);
                let shortfall = yuan_decimal_to_wan(threshold_yuan - Decimal::from(counted_funds_yuan));
                let counted = wan(counted_funds_yuan);
                Self {
                    kind: ReasonKind::Funds,
                    colour,
                    milestone: None,
                    due_on: None,
                    due_is_default: None,
                    days_overdue: None,
                    days_until_due: None,
                    message: r_message,
                    counted_funds: Some(counted),
                    contracted_investment: Some(wan(contracted_investment_yuan)),
                    schedule_share: Some(rate_number(schedule_share)),
                    threshold: Some(threshold),
                    shortfall: Some(shortfall),
                }
            }
        }
    }
}

/// A milestone checked for a light.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MilestoneCheck {
    pub milestone: Milestone,
    pub due_on: Date,
    pub due_is_default: bool,
    /// When it was reached, if on or before `as_of`.
    pub reached_on: Option<Date>,
}

/// A signed project's light; `stage` is where the project is now.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ProjectWarning {
    pub project_id: i32,
    pub code: String,
    pub name: String,
    pub team_id: i32,
    pub team_name: Option<String>,
    pub stage: Stage,
    pub signed_on: Date,
    pub colour: Colour,
    /// Worst first; empty when green.
    pub reasons: Vec<WarningReason>,
    /// Every milestone checked (construction start only when promised; full production once
    /// promised or once production started).
    pub milestones: Vec<MilestoneCheck>,
    /// 万元.
    pub contracted_investment: Wan,
    /// Counted funds arrived by `as_of`, 万元.
    pub counted_funds: Wan,
}

/// A page of warnings.
#[derive(Debug, Object)]
pub struct WarningPage {
    pub as_of: Date,
    /// The thresholds and defaults used.
    pub settings: Settings,
    /// Projects with each light (within the team filter, or the reader's own team for team
    /// leads and members; whatever the colour filter).
    pub red: u64,
    pub yellow: u64,
    pub green: u64,
    /// Red first, then yellow, then green; within a colour the most overdue milestone first.
    pub items: Vec<ProjectWarning>,
    /// Projects matching the filters.
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

pub struct WarningsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Warnings")]
impl WarningsApi {
    /// List the warning lights
    ///
    /// Every project signed on or before `as_of` and not terminated by then, with its red /
    /// yellow / green light and the reasons. Red: a promised milestone (construction start,
    /// production start, full production) not reached and overdue by more than
    /// `warning_red_overdue_days`, or counted funds arrived below `warning_funds_percent` % of
    /// the contracted investment × the elapsed share of the schedule (days from signing to
    /// `as_of` ÷ days from signing to the promised production date, capped at 1). Yellow: a
    /// milestone overdue by up to `warning_red_overdue_days`, or due within
    /// `warning_due_soon_days` and not reached. Green otherwise. Production is due on the
    /// promised date or signing + the default months; full production on the promised date or
    /// production start + the default months. Worst first, paged.
    ///
    /// The lights name projects: team leads and members see their own team's (asking for
    /// another team's is refused with 403); leaders and administrators every team's.
    #[oai(path = "/warnings", method = "get", operation_id = "list_warnings")]
    #[allow(clippy::too_many_arguments)]
    async fn list_warnings(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        /// The date the lights are for; default today, never later.
        as_of: Query<Option<Date>>,
        /// Only this team's projects (for team leads and members: their own team, the
        /// default).
        team_id: Query<Option<i32>>,
        /// Only projects with this light.
        colour: Query<Option<Colour>>,
        /// Page number, from 1.
        #[oai(
            default = "default_page",
            validator(minimum(value = "1"), maximum(value = "1000000"))
        )]
        page: Query<u64>,
        /// Items per page, 1 to 200.
        #[oai(
            default = "default_per_page",
            validator(minimum(value = "1"), maximum(value = "200"))
        )]
        per_page: Query<u64>,
    ) -> ApiResult<Json<WarningPage>, { SIGNED_IN | BAD_REQUEST | FORBIDDEN | INVALID }> {
        let result = warnings::warnings(
            &state.reader,
            &auth.0,
            warnings::WarningParams {
                as_of: as_of.0.map(|d| d.0),
                team_id: team_id.0,
                light: colour.0.map(Into::into),
                flagged_only: false,
            },
            PageRequest {
                page: page.0,
                per_page: per_page.0,
            },
        )
        .await?;
        Ok(Json(WarningPage {
            as_of: Date(result.as_of),
            settings: result.settings.into(),
            red: result.red,
            yellow: result.yellow,
            green: result.green,
            items: result
                .items
                .into_iter()
                .map(|w| ProjectWarning {
                    project_id: w.project_id,
                    code: w.code,
                    name: w.name,
                    team_id: w.team_id,
                    team_name: w.team_name,
                    stage: w.stage.into(),
                    signed_on: Date(w.signed_on),
                    colour: w.light.into(),
                    reasons: w.reasons.into_iter().map(Into::into).collect(),
                    milestones: w
                        .milestones
                        .into_iter()
                        .map(|m| MilestoneCheck {
                            milestone: m.milestone.into(),
                            due_on: Date(m.due_on),
                            due_is_default: m.due_is_default,
                            reached_on: m.reached_on.map(Date),
                        })
                        .collect(),
                    contracted_investment: wan(w.contracted_investment_yuan),
                    counted_funds: wan(w.counted_funds_yuan),
                })
                .collect(),
            total: result.total,
            page: page.0,
            per_page: per_page.0,
        }))
    }
}
