//! `/api/v1/projects/{id}/fundings`, `/activities` and `/outputs`: what accumulates on a
//! project as it lives.

use chrono::{DateTime, Utc};
use entity::{activity, funding, output_report};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::auth::BearerAuth;
use super::error::ApiResult;
use super::error::status::*;
use super::investors::{default_page, default_per_page};
use super::merge_patch::{MergePatch, Patchable};
use super::text::{Line, Prose, Statement, TextRule};
use super::types::{ActivityKind, Date, FundingKind, Wan};
use super::{ApiTags, Deleted};
use crate::domain::{money, text};
use crate::service::PageRequest;
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

impl From<FundingInput> for svc::FundingInput {
    fn from(f: FundingInput) -> Self {
        Self {
            arrived_on: f.arrived_on.0,
            amount: f.amount.0,
            kind: f.kind.into(),
            counted: f.counted,
            note: f.note.map(String::from),
        }
    }
}

impl FundingInput {
    /// The payment as a full body would send it: what a patch merges onto.
    fn current(f: funding::Model) -> Self {
        Self {
            arrived_on: Date(f.arrived_on),
            amount: Wan(money::yuan_to_wan(f.amount_yuan)),
            kind: f.kind.into(),
            counted: f.counted,
            note: f.note.map(Prose::stored),
        }
    }
}

/// `counted` left out of a full body is true, so a patch cannot clear it: it sends `true`
/// or `false`.
impl Patchable for FundingInput {
    const NOT_CLEARABLE: &'static [&'static str] = &["counted"];
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
    /// When the next step was done; a follow-up done is no longer due.
    pub done_on: Option<Date>,
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
            done_on: a.done_on.map(Date),
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
    /// When the next step was done (not before the activity, not later than today); a
    /// follow-up done is no longer listed as due.
    #[oai(nullable)]
    pub done_on: Option<Date>,
}

impl From<ActivityInput> for svc::ActivityInput {
    fn from(a: ActivityInput) -> Self {
        Self {
            occurred_on: a.occurred_on.0,
            kind: a.kind.into(),
            people: a.people.map(String::from),
            summary: a.summary.into_inner(),
            next_step: a.next_step.map(String::from),
            due_on: a.due_on.map(|d| d.0),
            done_on: a.done_on.map(|d| d.0),
        }
    }
}

impl ActivityInput {
    /// The activity as a full body would send it: what a patch merges onto.
    fn current(a: activity::Model) -> Self {
        Self {
            occurred_on: Date(a.occurred_on),
            kind: a.kind.into(),
            people: a.people.map(Line::stored),
            summary: Statement::stored(a.summary),
            next_step: a.next_step.map(Prose::stored),
            due_on: a.due_on.map(Date),
            done_on: a.done_on.map(Date),
        }
    }
}

impl Patchable for ActivityInput {}

/// A follow-up due, with the project it is on.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct DueActivity {
    #[oai(flatten)]
    pub activity: Activity,
    /// The project's code.
    pub project_code: String,
    /// The project's name.
    pub project_name: String,
    /// The project's task force.
    pub team_id: i32,
}

impl From<svc::DueActivity> for DueActivity {
    fn from(d: svc::DueActivity) -> Self {
        Self {
            activity: d.activity.into(),
            project_code: d.project_code,
            project_name: d.project_name,
            team_id: d.team_id,
        }
    }
}

/// A page of the follow-ups due.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct DueActivityPage {
    pub items: Vec<DueActivity>,
    /// How many follow-ups are due in all.
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
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

impl From<OutputInput> for svc::OutputInput {
    fn from(o: OutputInput) -> Self {
        Self {
            period_start: o.period_start.0,
            period_end: o.period_end.0,
            output_value: o.output_value.0,
            tax: o.tax.0,
        }
    }
}

impl OutputInput {
    /// The report as a full body would send it: what a patch merges onto.
    fn current(o: output_report::Model) -> Self {
        let wan = |y: i64| Wan(money::yuan_to_wan(y));
        Self {
            period_start: Date(o.period_start),
            period_end: Date(o.period_end),
            output_value: wan(o.output_value_yuan),
            tax: wan(o.tax_yuan),
        }
    }
}

impl Patchable for OutputInput {}

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
        Ok(Json(
            svc::add_funding(&state.db, &auth.0, id.0, body.0.into()).await?.into(),
        ))
    }

    /// Correct a fund arrival
    ///
    /// A JSON Merge Patch (RFC 7396) of the payment, as `patch_project` describes: its
    /// amount, date, kind, whether it counts, its note; a field left out stays as it is.
    /// Checked as `create_funding` checks; the audit trail records what changed.
    #[oai(
        path = "/projects/:id/fundings/:funding_id",
        method = "patch",
        operation_id = "patch_funding"
    )]
    async fn patch_funding(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
        funding_id: Path<i32>,
        body: MergePatch<FundingInput>,
    ) -> ApiResult<Json<Funding>, { SIGNED_IN | JSON_BODY | FORBIDDEN | NOT_FOUND | INVALID }> {
        let current = svc::get_funding(&state.db, &auth.0, id.0, funding_id.0).await?;
        let body = body.apply(&FundingInput::current(current))?;
        let updated = svc::update_funding(&state.db, &auth.0, id.0, funding_id.0, body.into()).await?;
        Ok(Json(updated.into()))
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
        Ok(Json(
            svc::add_activity(&state.db, id.0, body.0.into(), &auth.0).await?.into(),
        ))
    }

    /// Correct a follow-up activity, or mark it done
    ///
    /// A JSON Merge Patch (RFC 7396) of the activity, as `patch_project` describes: a field
    /// left out stays as it is, `null` clears it. Send `done_on` when the next step is done.
    /// Checked as `create_activity` checks; the audit trail records what changed.
    #[oai(
        path = "/projects/:id/activities/:activity_id",
        method = "patch",
        operation_id = "patch_activity"
    )]
    async fn patch_activity(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
        activity_id: Path<i32>,
        body: MergePatch<ActivityInput>,
    ) -> ApiResult<Json<Activity>, { SIGNED_IN | JSON_BODY | FORBIDDEN | NOT_FOUND | INVALID }> {
        let current = svc::get_activity(&state.db, &auth.0, id.0, activity_id.0).await?;
        let body = body.apply(&ActivityInput::current(current))?;
        let updated = svc::update_activity(&state.db, &auth.0, id.0, activity_id.0, body.into()).await?;
        Ok(Json(updated.into()))
    }

    /// Delete a follow-up activity recorded by mistake
    ///
    /// The audit trail keeps what it held.
    #[oai(
        path = "/projects/:id/activities/:activity_id",
        method = "delete",
        operation_id = "delete_activity"
    )]
    async fn delete_activity(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
        activity_id: Path<i32>,
    ) -> ApiResult<Deleted, { SIGNED_IN | BAD_REQUEST | FORBIDDEN | NOT_FOUND }> {
        svc::delete_activity(&state.db, &auth.0, id.0, activity_id.0).await?;
        Ok(Deleted::NoContent)
    }

    /// List the follow-ups due
    ///
    /// Follow-ups whose next step has a due date and is not done (`done_on`), across the
    /// projects the caller may see (team leads and members: their own team's), soonest
    /// first; `due_before` keeps those due on or before a date (this week's: the coming
    /// Sunday).
    #[oai(path = "/activities", method = "get", operation_id = "list_due_activities")]
    async fn list_due_activities(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        /// Only follow-ups due on or before this date (overdue ones included).
        due_before: Query<Option<Date>>,
        /// Only this task force's projects.
        team_id: Query<Option<i32>>,
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
    ) -> ApiResult<Json<DueActivityPage>, { SIGNED_IN | BAD_REQUEST | FORBIDDEN }> {
        let filter = svc::DueFilter {
            team_id: team_id.0,
            due_before: due_before.0.map(|d| d.0),
        };
        let paging = PageRequest {
            page: page.0,
            per_page: per_page.0,
        };
        let (total, items) = svc::list_due_activities(&state.reader, &auth.0, &filter, paging).await?;
        Ok(Json(DueActivityPage {
            items: items.into_iter().map(Into::into).collect(),
            total,
            page: page.0,
            per_page: per_page.0,
        }))
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
        Ok(Json(
            svc::add_output(&state.db, &auth.0, id.0, body.0.into()).await?.into(),
        ))
    }

    /// Correct an output report
    ///
    /// A JSON Merge Patch (RFC 7396) of the report, as `patch_project` describes: a field left
    /// out stays as it is. Checked as `create_output` checks; the audit trail records what
    /// changed.
    #[oai(
        path = "/projects/:id/outputs/:output_id",
        method = "patch",
        operation_id = "patch_output"
    )]
    async fn patch_output(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
        output_id: Path<i32>,
        body: MergePatch<OutputInput>,
    ) -> ApiResult<Json<OutputReport>, { SIGNED_IN | JSON_BODY | FORBIDDEN | NOT_FOUND | INVALID }> {
        let current = svc::get_output(&state.db, &auth.0, id.0, output_id.0).await?;
        let body = body.apply(&OutputInput::current(current))?;
        let updated = svc::update_output(&state.db, &auth.0, id.0, output_id.0, body.into()).await?;
        Ok(Json(updated.into()))
    }

    /// Delete an output report recorded by mistake
    ///
    /// The audit trail keeps what it held.
    #[oai(
        path = "/projects/:id/outputs/:output_id",
        method = "delete",
        operation_id = "delete_output"
    )]
    async fn delete_output(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
        output_id: Path<i32>,
    ) -> ApiResult<Deleted, { SIGNED_IN | BAD_REQUEST | FORBIDDEN | NOT_FOUND }> {
        svc::delete_output(&state.db, &auth.0, id.0, output_id.0).await?;
        Ok(Deleted::NoContent)
    }
}
