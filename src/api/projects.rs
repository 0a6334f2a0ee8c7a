//! `/api/v1/projects`: logging, editing, finding and listing projects.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi};

use super::auth::BearerAuth;
use super::error::ApiResult;
use super::error::status::*;
use super::investors::{Investor, default_page, default_per_page};
use super::lifecycle::Contract;
use super::merge_patch::{MergePatch, Patchable};
use super::text::{Line, Name, Prose, TextRule};
use super::types::{Date, KeptJson, Mu, SortOrder, Stage, Text, Wan};
use super::{ApiTags, Deleted};
use crate::domain::{money, text};
use crate::service::projects::{self as svc, ProjectFilter, ProjectSort, ProjectView};
use crate::service::{PageRequest, ServiceError};
use crate::state::AppState;

/// A record referred to by id, with its name.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct NamedRef {
    pub id: i32,
    pub name: String,
}

/// The date each stage was reached; absent for stages not reached.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct StageDates {
    pub lead_on: Option<Date>,
    pub negotiating_on: Option<Date>,
    pub signed_on: Option<Date>,
    pub started_on: Option<Date>,
    pub producing_on: Option<Date>,
    pub effective_on: Option<Date>,
    pub terminated_on: Option<Date>,
}

/// A project (招商项目); `stage` is where it is now.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Project {
    pub id: i32,
    /// 项目编号, unique.
    pub code: String,
    /// 项目名称.
    pub name: String,
    pub investor: Option<Investor>,
    /// The task force (专班) responsible.
    pub team: NamedRef,
    pub cluster: Option<NamedRef>,
    pub park: Option<NamedRef>,
    /// The user in the task force who owns the project.
    pub owner_id: Option<i32>,
    /// 包保领导: the accountable district leader.
    pub sponsoring_leader: Option<String>,
    /// Where the lead came from: 以商招商, 驻外招商, 商会, 平台推介…
    pub source: Option<String>,
    /// Planned investment, 万元.
    pub planned_investment: Option<Wan>,
    /// Land needed, 亩.
    pub land_area: Option<Mu>,
    pub stage: Stage,
    pub stage_dates: StageDates,
    /// Company registration date (注册).
    pub registered_on: Option<Date>,
    /// Registered capital, 万元.
    pub registered_capital: Option<Wan>,
    /// Land supply date (供地).
    pub land_supplied_on: Option<Date>,
    /// 项目进展.
    pub progress: Option<String>,
    /// 存在问题.
    pub issues: Option<String>,
    /// 备注.
    pub notes: Option<String>,
    /// The contract terms, once recorded.
    pub contract: Option<Contract>,
    /// Every payment recorded, 万元.
    pub funds_arrived: Wan,
    /// Payments that count for assessment, 万元.
    pub funds_counted: Wan,
    /// Send it back with an update; a stale version is refused with 409.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ProjectView> for Project {
    fn from(v: ProjectView) -> Self {
        let p = v.project;
        let named = |id: Option<i32>, name: Option<String>| id.zip(name).map(|(id, name)| NamedRef { id, name });
        Self {
            id: p.id,
            code: p.code,
            name: p.name,
            investor: v.investor.map(Into::into),
            team: NamedRef {
                id: p.team_id,
                name: v.team_name.unwrap_or_default(),
            },
            cluster: named(p.cluster_id, v.cluster_name),
            park: named(p.park_id, v.park_name),
            owner_id: p.owner_id,
            sponsoring_leader: p.sponsoring_leader,
            source: p.source,
            planned_investment: p.planned_investment_yuan.map(|y| Wan(money::yuan_to_wan(y))),
            land_area: p.land_area_centimu.map(|c| Mu(money::centimu_to_mu(c))),
            stage: p.stage.into(),
            stage_dates: StageDates {
                lead_on: p.lead_on.map(Date),
                negotiating_on: p.negotiating_on.map(Date),
                signed_on: p.signed_on.map(Date),
                started_on: p.started_on.map(Date),
                producing_on: p.producing_on.map(Date),
                effective_on: p.effective_on.map(Date),
                terminated_on: p.terminated_on.map(Date),
            },
            registered_on: p.registered_on.map(Date),
            registered_capital: p.registered_capital_yuan.map(|y| Wan(money::yuan_to_wan(y))),
            land_supplied_on: p.land_supplied_on.map(Date),
            progress: p.progress,
            issues: p.issues,
            notes: p.notes,
            contract: v.contract.map(Into::into),
            funds_arrived: Wan(money::yuan_to_wan(v.funds_arrived_yuan)),
            funds_counted: Wan(money::yuan_to_wan(v.funds_counted_yuan)),
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// The editable fields of a project. The stage and its dates change only through
/// transitions.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ProjectFields {
    /// 项目编号: letters, digits, `-`, `_`, unique, at most 64. Generated on creation when
    /// absent (`P` + year + number); kept on update when absent.
    #[oai(
        nullable,
        validator(
            max_length = 64,
            pattern = "^[\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*[A-Za-z0-9_-]{0,64}[\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*$"
        )
    )]
    pub code: Option<Text>,
    /// 项目名称.
    #[oai(validator(custom = "TextRule::default()"))]
    pub name: Name<{ text::PROJECT_NAME }>,
    #[oai(nullable)]
    pub investor_id: Option<i32>,
    #[oai(nullable)]
    pub cluster_id: Option<i32>,
    #[oai(nullable)]
    pub park_id: Option<i32>,
    /// The responsible task force.
    pub team_id: i32,
    #[oai(nullable)]
    pub owner_id: Option<i32>,
    /// 包保领导.
    #[oai(nullable, validator(custom = "TextRule::default()"))]
    pub sponsoring_leader: Option<Line<{ text::PERSON_NAME }>>,
    /// Lead source: 以商招商, 驻外招商, 商会, 平台推介…
    #[oai(nullable, validator(custom = "TextRule::default()"))]
    pub source: Option<Line<{ text::SOURCE }>>,
    /// 万元, not negative.
    #[oai(nullable)]
    pub planned_investment: Option<Wan>,
    /// 亩, not negative.
    #[oai(nullable)]
    pub land_area: Option<Mu>,
    /// Not later than today, not before 1990.
    #[oai(nullable)]
    pub registered_on: Option<Date>,
    /// 万元, not negative.
    #[oai(nullable)]
    pub registered_capital: Option<Wan>,
    /// Not later than today, not before 1990.
    #[oai(nullable)]
    pub land_supplied_on: Option<Date>,
    /// 项目进展.
    #[oai(nullable, validator(custom = "TextRule::default()"))]
    pub progress: Option<Prose<{ text::PROSE }>>,
    /// 存在问题.
    #[oai(nullable, validator(custom = "TextRule::default()"))]
    pub issues: Option<Prose<{ text::PROSE }>>,
    /// 备注.
    #[oai(nullable, validator(custom = "TextRule::default()"))]
    pub notes: Option<Prose<{ text::PROSE }>>,
}

impl From<ProjectFields> for svc::ProjectInput {
    fn from(f: ProjectFields) -> Self {
        Self {
            code: f.code.map(String::from),
            name: f.name.into_inner(),
            investor_id: f.investor_id,
            cluster_id: f.cluster_id,
            park_id: f.park_id,
            team_id: f.team_id,
            owner_id: f.owner_id,
            sponsoring_leader: f.sponsoring_leader.map(String::from),
            source: f.source.map(String::from),
            planned_investment: f.planned_investment.map(|w| w.0),
            land_area: f.land_area.map(|m| m.0),
            registered_on: f.registered_on.map(|d| d.0),
            registered_capital: f.registered_capital.map(|w| w.0),
            land_supplied_on: f.land_supplied_on.map(|d| d.0),
            progress: f.progress.map(String::from),
            issues: f.issues.map(String::from),
            notes: f.notes.map(String::from),
        }
    }
}

/// A new project, logged as a lead.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ProjectCreate {
    #[oai(flatten)]
    pub fields: ProjectFields,
    /// When the lead was logged; defaults to today, not later than today, not before 1990.
    #[oai(nullable)]
    pub lead_on: Option<Date>,
}

/// A project's editable fields, replaced.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ProjectUpdate {
    #[oai(flatten)]
    pub fields: ProjectFields,
    /// The version you read (or send it as `If-Match`); a stale one is refused with 409.
    #[oai(nullable)]
    pub version: Option<i32>,
}

impl ProjectUpdate {
    /// The project as a full body would send it, without a version: what a patch merges onto.
    fn current(v: ProjectView) -> Self {
        let p = v.project;
        let wan = |y: i64| Wan(money::yuan_to_wan(y));
        Self {
            fields: ProjectFields {
                code: Some(Text(p.code)),
                name: Name::stored(p.name),
                investor_id: p.investor_id,
                cluster_id: p.cluster_id,
                park_id: p.park_id,
                team_id: p.team_id,
                owner_id: p.owner_id,
                sponsoring_leader: p.sponsoring_leader.map(Line::stored),
                source: p.source.map(Line::stored),
                planned_investment: p.planned_investment_yuan.map(wan),
                land_area: p.land_area_centimu.map(|c| Mu(money::centimu_to_mu(c))),
                registered_on: p.registered_on.map(Date),
                registered_capital: p.registered_capital_yuan.map(wan),
                land_supplied_on: p.land_supplied_on.map(Date),
                progress: p.progress.map(Prose::stored),
                issues: p.issues.map(Prose::stored),
                notes: p.notes.map(Prose::stored),
            },
            version: None,
        }
    }
}

/// A project's code is kept when left out of a full body, so a patch cannot clear it.
impl Patchable for ProjectUpdate {
    const NOT_CLEARABLE: &'static [&'static str] = &["code"];
}

/// Replaces a project's editable fields: `update_project`, and `patch_project` once merged.
async fn replace_project(
    state: &AppState,
    auth: &BearerAuth,
    id: i32,
    if_match: Option<&str>,
    body: ProjectUpdate,
) -> ApiResult<Json<Project>, { SIGNED_IN | JSON_BODY | FORBIDDEN | NOT_FOUND | CONFLICT | INVALID }> {
    let version = super::required_version(body.version, if_match)?;
    let updated = svc::update_project(&state.db, &auth.0, id, body.fields.into(), Some(version)).await?;
    Ok(Json(updated.into()))
}

/// A page of projects.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ProjectPage {
    pub items: Vec<Project>,
    /// How many projects match in all.
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

/// What a project list is sorted by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ProjectSortKey {
    #[default]
    CreatedAt,
    UpdatedAt,
    Code,
    Name,
    SignedOn,
    PlannedInvestment,
}

impl From<ProjectSortKey> for ProjectSort {
    fn from(key: ProjectSortKey) -> Self {
        match key {
            ProjectSortKey::CreatedAt => Self::CreatedAt,
            ProjectSortKey::UpdatedAt => Self::UpdatedAt,
            ProjectSortKey::Code => Self::Code,
            ProjectSortKey::Name => Self::Name,
            ProjectSortKey::SignedOn => Self::SignedOn,
            ProjectSortKey::PlannedInvestment => Self::PlannedInvestment,
        }
    }
}

pub struct ProjectsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Projects")]
impl ProjectsApi {
    /// List projects
    ///
    /// Filter by team, cluster, park, stage, signing-date range and text in the project
    /// name, code or investor name; sort; page.
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/projects", method = "get", operation_id = "list_projects")]
    async fn list_projects(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        /// Only this task force's projects.
        team_id: Query<Option<i32>>,
        /// Only this cluster's projects.
        cluster_id: Query<Option<i32>>,
        /// Only this park's projects.
        park_id: Query<Option<i32>>,
        /// Only projects currently at this stage.
        stage: Query<Option<Stage>>,
        /// Only projects signed on or after this date.
        signed_from: Query<Option<Date>>,
        /// Only projects signed on or before this date.
        signed_to: Query<Option<Date>>,
        /// Text in the project name, project code or investor name.
        #[oai(validator(custom = "TextRule::default()"))]
        q: Query<Option<Line<{ text::SEARCH }>>>,
        /// Sort key; default `created_at`.
        sort: Query<Option<ProjectSortKey>>,
        /// Sort direction; default `desc`.
        order: Query<Option<SortOrder>>,
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
    ) -> ApiResult<KeptJson<ProjectPage>, { SIGNED_IN | BAD_REQUEST | FORBIDDEN }> {
        let filter = ProjectFilter {
            team_id: team_id.0,
            cluster_id: cluster_id.0,
            park_id: park_id.0,
            stage: stage.0.map(Into::into),
            signed_from: signed_from.0.map(|d| d.0),
            signed_to: signed_to.0.map(|d| d.0),
            q: q.0.map(String::from),
        };
        let paging = PageRequest {
            page: page.0,
            per_page: per_page.0,
        };
        let sort: ProjectSort = sort.0.unwrap_or_default().into();
        let order: sea_orm::Order = order.0.unwrap_or_default().into();
        // Everything the answer depends on: who asks (what they may see) and what they ask.
        let key = format!("{:?}|{filter:?}|{sort:?}|{order:?}|{paging:?}", auth.0);
        let body = state
            .lists
            .answer(key, async {
                let (total, items) = svc::list_projects(&state.reader, &auth.0, &filter, sort, order, paging).await?;
                Ok::<_, ServiceError>(KeptJson::serialize(&ProjectPage {
                    items: items.into_iter().map(Into::into).collect(),
                    total,
                    page: page.0,
                    per_page: per_page.0,
                }))
            })
            .await?;
        Ok(KeptJson::new(body))
    }

    /// Log a project
    ///
    /// The project starts as a lead (线索); move it on with `transition_project`.
    #[oai(path = "/projects", method = "post", operation_id = "create_project")]
    async fn create_project(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        body: Json<ProjectCreate>,
    ) -> ApiResult<Json<Project>, { SIGNED_IN | JSON_BODY | FORBIDDEN | CONFLICT | INVALID }> {
        let body = body.0;
        Ok(Json(
            svc::create_project(&state.db, body.fields.into(), body.lead_on.map(|d| d.0), &auth.0)
                .await?
                .into(),
        ))
    }

    /// Get a project
    #[oai(path = "/projects/:id", method = "get", operation_id = "get_project")]
    async fn get_project(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<Json<Project>, { SIGNED_IN | BAD_REQUEST | FORBIDDEN | NOT_FOUND }> {
        Ok(Json(svc::get_project(&state.reader, &auth.0, id.0).await?.into()))
    }

    /// Replace a project's fields
    ///
    /// Every editable field is replaced: a field left out is cleared, as `null` would clear
    /// it (only `code` is kept when left out). To change some fields only, send a patch
    /// (`patch_project`). Send the `version` you read, in the body or as `If-Match`; when
    /// someone changed the project since, the update is refused with 409 and the current
    /// version.
    #[oai(path = "/projects/:id", method = "put", operation_id = "update_project")]
    async fn update_project(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
        /// The version read, e.g. `"3"` (an alternative to the body's `version`).
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Json<ProjectUpdate>,
    ) -> ApiResult<Json<Project>, { SIGNED_IN | JSON_BODY | FORBIDDEN | NOT_FOUND | CONFLICT | INVALID }> {
        replace_project(&state, &auth, id.0, if_match.0.as_deref(), body.0).await
    }

    /// Change some of a project's fields
    ///
    /// A JSON Merge Patch (RFC 7396, `application/merge-patch+json`; `application/json` is
    /// taken too): send only the fields to change. A field left out stays as it is, `null`
    /// clears it (a required field cannot be cleared). Send the `version` you read, in the
    /// body or as `If-Match`; a stale one is refused with 409. The result is checked and
    /// written as `update_project` would write it, and the audit trail records what changed.
    #[oai(path = "/projects/:id", method = "patch", operation_id = "patch_project")]
    async fn patch_project(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
        /// The version read, e.g. `"3"` (an alternative to the body's `version`).
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: MergePatch<ProjectUpdate>,
    ) -> ApiResult<Json<Project>, { SIGNED_IN | JSON_BODY | FORBIDDEN | NOT_FOUND | CONFLICT | INVALID }> {
        let current = svc::get_project(&state.db, &auth.0, id.0).await?;
        let body = body.apply(&ProjectUpdate::current(current))?;
        replace_project(&state, &auth, id.0, if_match.0.as_deref(), body).await
    }

    /// Delete a project
    ///
    /// For projects logged by mistake: administrators any project, a team lead a lead (a
    /// project at the `lead` stage) of their own team. Its contract, payments, activities,
    /// outputs and history go with it; the audit trail keeps what it held. Terminate real
    /// projects instead.
    #[oai(path = "/projects/:id", method = "delete", operation_id = "delete_project")]
    async fn delete_project(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<Deleted, { SIGNED_IN | BAD_REQUEST | FORBIDDEN | NOT_FOUND }> {
        svc::delete_project(&state.db, &auth.0, id.0).await?;
        Ok(Deleted::NoContent)
    }
}
