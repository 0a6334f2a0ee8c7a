//! `/api/v1/audit` and `/api/v1/projects/{id}/audit`: the trail of every change. Read-only:
//! nothing in the API edits or deletes it.

use chrono::{DateTime, Utc};
use entity::audit_entry;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::Any;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use super::auth::BearerAuth;
use super::error::ApiResult;
use super::error::status::*;
use super::investors::{default_page, default_per_page};
use super::text::{Line, TextRule};
use crate::domain::text;
use crate::service::PageRequest;
use crate::service::audit::{self as svc, AuditFilter};
use crate::state::AppState;

/// One change to one record.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AuditEntry {
    pub id: i32,
    pub recorded_at: DateTime<Utc>,
    /// Who made the change.
    pub user_id: Option<i32>,
    /// The kind of record: `project`, `contract`, `funding`, `activity`, `output_report`,
    /// `investor`, `team`, `cluster`, `park`, `user`, `api_token`.
    pub entity: String,
    pub entity_id: i32,
    /// The project the record belongs to, if any.
    pub project_id: Option<i32>,
    /// `create`, `update`, `delete`, `transition`, `revoke`, `set_password`.
    pub action: String,
    /// The fields that changed: `{field: {"before": …, "after": …}}`.
    pub changes: Any<serde_json::Value>,
    pub reason: Option<String>,
}

impl From<audit_entry::Model> for AuditEntry {
    fn from(m: audit_entry::Model) -> Self {
        Self {
            id: m.id,
            recorded_at: m.recorded_at,
            user_id: m.user_id,
            entity: m.entity,
            entity_id: m.entity_id,
            project_id: m.project_id,
            action: m.action,
            changes: Any(serde_json::from_str(&m.changes).unwrap_or_default()),
            reason: m.reason,
        }
    }
}

/// A page of the audit trail, newest first.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

pub struct AuditApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Audit")]
impl AuditApi {
    /// Read the audit trail
    ///
    /// Administrators and leaders. Newest first.
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/audit", method = "get", operation_id = "list_audit")]
    async fn list_audit(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        /// Only this kind of record, e.g. `project`.
        #[oai(validator(custom = "TextRule::default()"))]
        entity: Query<Option<Line<{ text::AUDIT_ENTITY }>>>,
        /// Only this record (with `entity`).
        entity_id: Query<Option<i32>>,
        /// Only changes by this user.
        user_id: Query<Option<i32>>,
        /// Only changes to this project and what belongs to it.
        project_id: Query<Option<i32>>,
        /// Only changes recorded at or after this time.
        from: Query<Option<DateTime<Utc>>>,
        /// Only changes recorded at or before this time.
        to: Query<Option<DateTime<Utc>>>,
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
    ) -> ApiResult<Json<AuditPage>, { SIGNED_IN | BAD_REQUEST | FORBIDDEN }> {
        let filter = AuditFilter {
            entity: entity.0.map(String::from),
            entity_id: entity_id.0,
            user_id: user_id.0,
            project_id: project_id.0,
            from: from.0,
            to: to.0,
        };
        let paging = PageRequest {
            page: page.0,
            per_page: per_page.0,
        };
        let (total, items) = svc::list(&state.reader, &auth.0, &filter, paging).await?;
        Ok(Json(AuditPage {
            items: items.into_iter().map(Into::into).collect(),
            total,
            page: page.0,
            per_page: per_page.0,
        }))
    }

    /// Read a project's audit trail
    ///
    /// Everyone who may read the project. Newest first.
    #[oai(path = "/projects/:id/audit", method = "get", operation_id = "list_project_audit")]
    async fn list_project_audit(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
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
    ) -> ApiResult<Json<AuditPage>, { SIGNED_IN | BAD_REQUEST | FORBIDDEN | NOT_FOUND }> {
        let paging = PageRequest {
            page: page.0,
            per_page: per_page.0,
        };
        let (total, items) = svc::list_of_project(&state.reader, &auth.0, id.0, paging).await?;
        Ok(Json(AuditPage {
            items: items.into_iter().map(Into::into).collect(),
            total,
            page: page.0,
            per_page: per_page.0,
        }))
    }
}
