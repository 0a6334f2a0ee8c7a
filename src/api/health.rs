//! `GET /health`: is the service up and its database reachable.

use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use sea_orm::ConnectionTrait;

use super::ApiTags;
use super::error::status::UNAVAILABLE;
use super::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The service's health.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Health {
    /// `ok` when the database answers.
    pub status: String,
    /// The running version.
    pub version: String,
}

pub struct HealthApi;

#[OpenApi(tag = "ApiTags::Health")]
impl HealthApi {
    /// Check health
    ///
    /// Answers without authentication; checks that the database answers a query, and answers
    /// 503 (code `unavailable`) when it does not.
    #[oai(path = "/health", method = "get", operation_id = "get_health")]
    async fn health(&self, state: poem::web::Data<&AppState>) -> ApiResult<Json<Health>, { UNAVAILABLE }> {
        state.reader.execute_unprepared("SELECT 1").await.map_err(|cause| {
            tracing::error!(error = %cause, "the database does not answer");
            ApiError::unavailable(super::messages::Message::DatabaseDown.text())
        })?;
        Ok(Json(Health {
            status: "ok".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        }))
    }
}
