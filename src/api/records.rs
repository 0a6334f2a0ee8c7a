//! `/api/v1/projects/{id}/fundings`, `/activities` and `/outputs`: what accumulates on a
//! project as it lives.

use chrono::{DateTime, Utc};
use entity::{activity, funding, output_report};
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::auth::BearerAuth;
use super::error::ApiResult;
use super::error::status::*;
use super::text::{Line, Prose, Statement, TextRule};
use super::types::{ActivityKind, Date, FundingKind, Wan};
use super::{ApiTags, Deleted};
use crate::domain::{money, text};
use crate::service::records as svc;
use crate::state::AppState;

/// A payment that arrived (到位资金).
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Funding {
    pub id: i32,
    pub project_id: i32,
    /// The date the money arrived.
    pub arrived_on: Date,
    /// 万元.
    pub amount: Wan,
    pub kind: FundingKind,
    /// Counts for assessment: only money from outside the district does.
    pub counted: bool,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<funding::Model> for Funding {
    fn from(f: funding::Model) -> Self {
        Self {
            id: f.id,
            project_id: f.project_id,
            arrived_on: Date(f.arrived_on),
            amount: Wan(money::yuan_to_wan(f.amount_yuan)),
            kind: f.kind.into(),
            counted: f.counted,
            note: f.note,
            created_at: f.created_at,
        }
    }
}

/// A payment as recorded.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct FundingInput {
    /// Not later than today, not before 1990.
    pub arrived_on: Date,
    /// 万元, more than zero, at most four decimals.
    pub amount: Wan,
    pub kind: FundingKind,
    /// Counts for assessment; defaults to true. Local or government money does not count.
    #[oai(nullable, default = "yes")]
    pub counted: bool,
    /// A note on the payment.
    #[oai(nullable, validator(custom = "TextRule::default()"))]
    pub note: Option<Prose<{ text::PROSE }>>,
}

fn yes() -> bool {
    true
}

/// A follow-up activity (跟进记录).
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Activity {
    pub id: i32,
    pub project_id: i32,
    pub occurred_on: Date,
    pub kind: ActivityKind,
    /// Who took part.
    pub people: Option<String>,
    pub summary: String,
    pub next_step: Option<String>,
    /// When the next step is due.
    pub due_on: Option<Date>,
    /// The user who recorded it.
    pub recorded_by: Option<i32>,
    pub created_at: DateTime<Utc>,
}

impl From<activity::Model> for Activity {
    fn from(a: activity::Model) -> Self {
        Self {
            id: a.id,
            project_id: a.project_id,
            occurred_on: Date(a.occurred_on),
            kind: a.kind.into(),
            people: a.people,
            summary: a.summary,
            next_step: a.next_step,
            due_on: a.due_on.map(Date),
            recorded_by: a.recorded_by,
            created_at: a.created_at,
        }
    }
}

/// A follow-up activity as recorded.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ActivityInput {
    /// Not later than today, not before 1990.
    pub occurred_on: Date,
    pub kind: ActivityKind,
    /// Who took part.
    #[oai(nullable, validator(custom = "TextRule::default()"))]
    pub people: Option<Line<{ text::PEOPLE }>>,
    /// What happened; not blank.
    #[oai(validator(custom = "TextRule::default()"))]
    pub summary: Statement<{ text::PROSE }>,
    /// What is to be done next.
    #[oai(nullable, validator(custom = "TextRule::default()"))]
    pub next_step: Option<Prose<{ text::PROSE }>>,
    /// Not before the activity.
    #[oai(nullable)]
    pub due_on: Option<Date>,
}

/// Output value and tax a producing project reported for a period (产值报送).
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct OutputReport {
    pub id: i32,
    pub project_id: i32,
    pub period_start: Date,
    pub period_end: Date,
    /// 万元.
    pub output_value: Wan,
    /// 万元.
    pub tax: Wan,
    pub created_at: DateTime<Utc>,
}

impl From<output_report::Model> for OutputReport {
    fn from(o: output_report::Model) -> Self {
        Self {
            id: o.id,
            project_id: o.project_id,
            period_start: Date(o.period_start),
            period_end: Date(o.period_end),
            output_value: Wan(money::yuan_to_wan(o.output_value_yuan)),
            tax: Wan(money::yuan_to_wan(o.tax_yuan)),
            created_at: o.created_at,
        }
    }
}

/// An output report as recorded.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct OutputInput {
    /// Not later than today, not before 1990.
    pub period_start: Date,
    /// Not before the start.
    pub period_end: Date,
    /// 万元.
    pub output_value: Wan,
    /// 万元.
    pub tax: Wan,
}

pub struct RecordsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Records")]
impl RecordsApi {
    /// List a project's fund arrivals
    ///
    /// Oldest first.
    #[oai(path = "/projects/:id/fundings", method = "get", operation_id = "list_fundings")]
    async fn list_fundings(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<Json<Vec<Funding>>, { SIGNED_IN | BAD_REQUEST | FORBIDDEN | NOT_FOUND }> {
        Ok(Json(
            svc::list_fundings(&state.reader, &auth.0, id.0)
                .await?
                .into_iter()
                .map(Into::into)
                .collect(),
        ))
    }

    /// Record a fund arrival
    ///
    /// For signed projects; the amount is exact to the yuan.
    #[oai(path = "/projects/:id/fundings", method = "post", operation_id = "create_funding")]
    async fn create_funding(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
        body: Json<FundingInput>,
    ) -> ApiResult<Json<Funding>, { SIGNED_IN | JSON_BODY | FORBIDDEN | NOT_FOUND | INVALID }> {
        let f = body.0;
        let input = svc::FundingInput {
            arrived_on: f.arrived_on.0,
            amount: f.amount.0,
            kind: f.kind.into(),
            counted: f.counted,
            note: f.note.map(String::from),
        };
        Ok(Json(svc::add_funding(&state.db, &auth.0, id.0, input).await?.into()))
    }

    /// Delete a fund arrival recorded by mistake
    #[oai(
        path = "/projects/:id/fundings/:funding_id",
        method = "delete",
        operation_id = "delete_funding"
    )]
    async fn delete_funding(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
        funding_id: Path<i32>,
    ) -> ApiResult<Deleted, { SIGNED_IN | BAD_REQUEST | FORBIDDEN | NOT_FOUND }> {
        svc::delete_funding(&state.db, &auth.0, id.0, funding_id.0).await?;
        Ok(Deleted::NoContent)
    }

    /// List a project's follow-up activities
    ///
    /// Newest first.
    #[oai(path = "/projects/:id/activities", method = "get", operation_id = "list_activities")]
    async fn list_activities(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<Json<Vec<Activity>>, { SIGNED_IN | BAD_REQUEST | FORBIDDEN | NOT_FOUND }> {
        Ok(Json(
            svc::list_activities(&state.reader, &auth.0, id.0)
                .await?
                .into_iter()
                .map(Into::into)
                .collect(),
        ))
    }

    /// Record a follow-up activity
    #[oai(path = "/projects/:id/activities", method = "post", operation_id = "create_activity")]
    async fn create_activity(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
        body: Json<ActivityInput>,
    ) -> ApiResult<Json<Activity>, { SIGNED_IN | JSON_BODY | FORBIDDEN | NOT_FOUND | INVALID }> {
        let a = body.0;
        let input = svc::ActivityInput {
            occurred_on: a.occurred_on.0,
            kind: a.kind.into(),
            people: a.people.map(String::from),
            summary: a.summary.into_inner(),
            next_step: a.next_step.map(String::from),
            due_on: a.due_on.map(|d| d.0),
        };
        Ok(Json(svc::add_activity(&state.db, id.0, input, &auth.0).await?.into()))
    }

    /// List a project's output reports
    ///
    /// Oldest period first.
    #[oai(path = "/projects/:id/outputs", method = "get", operation_id = "list_outputs")]
    async fn list_outputs(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<Json<Vec<OutputReport>>, { SIGNED_IN | BAD_REQUEST | FORBIDDEN | NOT_FOUND }> {
        Ok(Json(
            svc::list_outputs(&state.reader, &auth.0, id.0)
                .await?
                .into_iter()
                .map(Into::into)
                .collect(),
        ))
    }

    /// Record an output report
    ///
    /// For projects that have started production.
    #[oai(path = "/projects/:id/outputs", method = "post", operation_id = "create_output")]
    async fn create_output(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
        body: Json<OutputInput>,
    ) -> ApiResult<Json<OutputReport>, { SIGNED_IN | JSON_BODY | FORBIDDEN | NOT_FOUND | INVALID }> {
        let o = body.0;
        let input = svc::OutputInput {
            period_start: o.period_start.0,
            period_end: o.period_end.0,
            output_value: o.output_value.0,
            tax: o.tax.0,
        };
        Ok(Json(svc::add_output(&state.db, &auth.0, id.0, input).await?.into()))
    }
}
