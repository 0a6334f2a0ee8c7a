//! `/api/v1/projects/{id}/transitions`, `/contract` and `/history`: moving a project through
//! its lifecycle and reading how it got where it is.

use chrono::{DateTime, Utc};
use entity::{contract, stage_history};
use poem::web::Data;
use poem_openapi::param::{Header, Path};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use super::auth::BearerAuth;
use super::error::ApiResult;
use super::error::status::*;
use super::merge_patch::{MergePatch, Patchable};
use super::projects::Project;
use super::text::{Prose, TextRule};
use super::types::{AgreementType, Date, Stage, Wan};
use crate::domain::{money, text};
use crate::service::lifecycle as svc;
use crate::state::AppState;

/// The terms of a signed agreement (合同条款).
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Contract {
    pub agreement_type: AgreementType,
    /// 签约时间: the date the agreement was signed, which is the date the project reached
    /// `signed`.
    pub signed_on: Date,
    /// 合同投资额, 万元.
    pub contracted_investment: Wan,
    /// 约定开工时间.
    pub promised_start_on: Option<Date>,
    /// 约定投产时间.
    pub promised_production_on: Option<Date>,
    /// 约定达产时间.
    pub promised_full_production_on: Option<Date>,
    /// 约定年产值, 万元.
    pub promised_output_value: Option<Wan>,
    /// 约定年税收, 万元.
    pub promised_tax: Option<Wan>,
    pub updated_at: DateTime<Utc>,
}

impl From<contract::Model> for Contract {
    fn from(c: contract::Model) -> Self {
        let wan = |y: i64| Wan(money::yuan_to_wan(y));
        Self {
            agreement_type: c.agreement_type.into(),
            signed_on: Date(c.signed_on),
            contracted_investment: wan(c.contracted_investment_yuan),
            promised_start_on: c.promised_start_on.map(Date),
            promised_production_on: c.promised_production_on.map(Date),
            promised_full_production_on: c.promised_full_production_on.map(Date),
            promised_output_value: c.promised_output_value_yuan.map(wan),
            promised_tax: c.promised_tax_yuan.map(wan),
            updated_at: c.updated_at,
        }
    }
}

/// Contract terms as recorded or corrected.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ContractInput {
    pub agreement_type: AgreementType,
    /// Not later than today, not before 1990.
    pub signed_on: Date,
    /// 万元, more than zero.
    pub contracted_investment: Wan,
    /// Not before the signing date.
    #[oai(nullable)]
    pub promised_start_on: Option<Date>,
    /// Not before the promised start.
    #[oai(nullable)]
    pub promised_production_on: Option<Date>,
    /// Not before the promised production start.
    #[oai(nullable)]
    pub promised_full_production_on: Option<Date>,
    /// 万元 a year.
    #[oai(nullable)]
    pub promised_output_value: Option<Wan>,
    /// 万元 a year.
    #[oai(nullable)]
    pub promised_tax: Option<Wan>,
}

impl From<ContractInput> for svc::ContractInput {
    fn from(c: ContractInput) -> Self {
        Self {
            agreement_type: c.agreement_type.into(),
            signed_on: c.signed_on.0,
            contracted_investment: c.contracted_investment.0,
            promised_start_on: c.promised_start_on.map(|d| d.0),
            promised_production_on: c.promised_production_on.map(|d| d.0),
            promised_full_production_on: c.promised_full_production_on.map(|d| d.0),
            promised_output_value: c.promised_output_value.map(|w| w.0),
            promised_tax: c.promised_tax.map(|w| w.0),
        }
    }
}

impl ContractInput {
    /// The terms as a full body would send them: what a patch merges onto.
    fn current(c: contract::Model) -> Self {
        let wan = |y: i64| Wan(money::yuan_to_wan(y));
        Self {
            agreement_type: c.agreement_type.into(),
            signed_on: Date(c.signed_on),
            contracted_investment: wan(c.contracted_investment_yuan),
            promised_start_on: c.promised_start_on.map(Date),
            promised_production_on: c.promised_production_on.map(Date),
            promised_full_production_on: c.promised_full_production_on.map(Date),
            promised_output_value: c.promised_output_value_yuan.map(wan),
            promised_tax: c.promised_tax_yuan.map(wan),
        }
    }
}

impl Patchable for ContractInput {}

/// A move of a project to a stage: `stage` is the stage to move to.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TransitionRequest {
    pub stage: Stage,
    /// The date the stage was reached (or the move took effect); not later than today and
    /// not before the current stage's date. Defaults to the contract's signing date for
    /// `signed`, to today otherwise.
    #[oai(nullable)]
    pub date: Option<Date>,
    /// Required to move backwards, to terminate, or to reopen a terminated project.
    #[oai(nullable, validator(custom = "TextRule::default()"))]
    pub reason: Option<Prose<{ text::PROSE }>>,
    /// Contract terms to record with a move to `signed` (needed unless already recorded).
    pub contract: Option<ContractInput>,
    /// The project version you read; when sent and stale, the move is refused with 409.
    #[oai(nullable)]
    pub version: Option<i32>,
}

/// One stage move in a project's history, from `from_stage` (absent for the entry that
/// logged the project) to `to_stage`.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct HistoryEntry {
    pub id: i32,
    pub from_stage: Option<Stage>,
    pub to_stage: Stage,
    /// The date the move took effect.
    pub effective_on: Date,
    /// Who made the move.
    pub user_id: Option<i32>,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    pub reason: Option<String>,
}

impl From<stage_history::Model> for HistoryEntry {
    fn from(h: stage_history::Model) -> Self {
        Self {
            id: h.id,
            from_stage: h.from_stage.map(Into::into),
            to_stage: h.to_stage.into(),
            effective_on: Date(h.effective_on),
            user_id: h.user_id,
            recorded_at: h.recorded_at,
            reason: h.reason,
        }
    }
}

/// The project after a move, and the history entry the move appended.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TransitionResult {
    pub project: Project,
    pub history_entry: HistoryEntry,
}

pub struct LifecycleApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Lifecycle")]
impl LifecycleApi {
    /// Move a project to a stage
    ///
    /// Forward moves record the date the stage was reached. Reaching `signed` needs contract
    /// terms (send them here or record them first). Moving backwards, terminating and
    /// reopening need a reason. A refused move answers 422 saying why.
    #[oai(
        path = "/projects/:id/transitions",
        method = "post",
        operation_id = "transition_project"
    )]
    async fn transition_project(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
        /// The project version read (an alternative to the body's `version`).
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Json<TransitionRequest>,
    ) -> ApiResult<Json<TransitionResult>, { SIGNED_IN | JSON_BODY | FORBIDDEN | NOT_FOUND | CONFLICT | INVALID }> {
        let body = body.0;
        let expected_version = super::version_sent(body.version, if_match.0.as_deref())?;
        let input = svc::TransitionInput {
            to: body.stage.into(),
            on: body.date.map(|d| d.0),
            reason: body.reason.map(String::from),
            contract: body.contract.map(Into::into),
            expected_version,
        };
        let (project, entry) = svc::transition(&state.db, id.0, input, &auth.0).await?;
        Ok(Json(TransitionResult {
            project: project.into(),
            history_entry: entry.into(),
        }))
    }

    /// Get a project's contract terms
    #[oai(path = "/projects/:id/contract", method = "get", operation_id = "get_contract")]
    async fn get_contract(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<Json<Contract>, { SIGNED_IN | BAD_REQUEST | FORBIDDEN | NOT_FOUND }> {
        Ok(Json(svc::get_contract(&state.db, &auth.0, id.0).await?.into()))
    }

    /// Record or correct a project's contract terms
    ///
    /// Every term is replaced: a term left out is cleared. To change some terms only, send a
    /// patch (`patch_contract`). On a signed project a changed signing date moves the
    /// project's signing date with it, as long as the stage dates stay in order.
    #[oai(path = "/projects/:id/contract", method = "put", operation_id = "put_contract")]
    async fn put_contract(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
        body: Json<ContractInput>,
    ) -> ApiResult<Json<Contract>, { SIGNED_IN | JSON_BODY | FORBIDDEN | NOT_FOUND | CONFLICT | INVALID }> {
        Ok(Json(
            svc::put_contract(&state.db, &auth.0, id.0, body.0.into()).await?.into(),
        ))
    }

    /// Correct some of a project's contract terms
    ///
    /// A JSON Merge Patch (RFC 7396) of the recorded terms, as `patch_project` describes: a
    /// term left out stays as it is, `null` clears it. Checked and written as `put_contract`
    /// would; a project without terms answers 404 (record them with `put_contract`).
    #[oai(path = "/projects/:id/contract", method = "patch", operation_id = "patch_contract")]
    async fn patch_contract(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
        body: MergePatch<ContractInput>,
    ) -> ApiResult<Json<Contract>, { SIGNED_IN | JSON_BODY | FORBIDDEN | NOT_FOUND | CONFLICT | INVALID }> {
        let current = svc::get_contract(&state.db, &auth.0, id.0).await?;
        let body = body.apply(&ContractInput::current(current))?;
        self.put_contract(state, auth, id, Json(body)).await
    }

    /// Read a project's stage history
    ///
    /// Every move, oldest first, with who made it, when and why.
    #[oai(
        path = "/projects/:id/history",
        method = "get",
        operation_id = "list_project_history"
    )]
    async fn list_project_history(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<Json<Vec<HistoryEntry>>, { SIGNED_IN | BAD_REQUEST | FORBIDDEN | NOT_FOUND }> {
        Ok(Json(
            svc::history(&state.db, &auth.0, id.0)
                .await?
                .into_iter()
                .map(Into::into)
                .collect(),
        ))
    }
}
