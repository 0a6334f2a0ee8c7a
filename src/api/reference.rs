//! `/api/v1/teams`, `/api/v1/clusters`, `/api/v1/parks`: the district's reference data.

use chrono::{DateTime, Utc};
use entity::{cluster, park, team};
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::auth::BearerAuth;
use super::error::ApiResult;
use super::error::status::*;
use super::merge_patch::{MergePatch, Patchable};
use super::text::{Line, Name, TextRule};
use super::{ApiTags, Deleted};
use crate::domain::text;
use crate::service::reference as svc;
use crate::state::AppState;

/// A task force (专班).
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Team {
    pub id: i32,
    /// e.g. 智能电梯专班.
    pub name: String,
    /// The industry cluster it chases investors in.
    pub cluster_id: Option<i32>,
    /// The district leader heading it (牵头区领导).
    pub lead_official: Option<String>,
    /// Archived teams are hidden from lists unless asked for.
    pub archived: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Send it back when replacing; a stale one is refused with 409.
    pub version: i32,
}

impl From<team::Model> for Team {
    fn from(m: team::Model) -> Self {
        Self {
            version: m.version,
            id: m.id,
            name: m.name,
            cluster_id: m.cluster_id,
            lead_official: m.lead_official,
            archived: m.archived,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// A task force as created or replaced.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TeamInput {
    /// Unique name.
    #[oai(validator(custom = "TextRule::default()"))]
    pub name: Name<{ text::REFERENCE_NAME }>,
    #[oai(nullable)]
    pub cluster_id: Option<i32>,
    /// The district official who leads the task force.
    #[oai(nullable, validator(custom = "TextRule::default()"))]
    pub lead_official: Option<Line<{ text::PERSON_NAME }>>,
    /// Defaults to false.
    #[oai(nullable, default)]
    pub archived: bool,
    /// Required when replacing: the version you read (or send it as `If-Match`); a stale one
    /// is refused with 409.
    #[oai(nullable)]
    pub version: Option<i32>,
}

impl From<TeamInput> for svc::TeamInput {
    fn from(i: TeamInput) -> Self {
        Self {
            name: i.name.into_inner(),
            cluster_id: i.cluster_id,
            lead_official: i.lead_official.map(String::from),
            archived: i.archived,
        }
    }
}

/// An industry cluster (产业集群).
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Cluster {
    pub id: i32,
    /// e.g. 智能电梯及特种设备.
    pub name: String,
    /// e.g. 主导产业, 特色产业, 新兴产业.
    pub category: Option<String>,
    pub archived: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Send it back when replacing; a stale one is refused with 409.
    pub version: i32,
}

impl From<cluster::Model> for Cluster {
    fn from(m: cluster::Model) -> Self {
        Self {
            version: m.version,
            id: m.id,
            name: m.name,
            category: m.category,
            archived: m.archived,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// An industry cluster as created or replaced.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ClusterInput {
    /// Unique name.
    #[oai(validator(custom = "TextRule::default()"))]
    pub name: Name<{ text::REFERENCE_NAME }>,
    /// e.g. 主导产业, 特色产业, 新兴产业.
    #[oai(nullable, validator(custom = "TextRule::default()"))]
    pub category: Option<Line<{ text::CATEGORY }>>,
    #[oai(nullable, default)]
    pub archived: bool,
    /// Required when replacing: the version you read (or send it as `If-Match`); a stale one
    /// is refused with 409.
    #[oai(nullable)]
    pub version: Option<i32>,
}

impl From<ClusterInput> for svc::ClusterInput {
    fn from(i: ClusterInput) -> Self {
        Self {
            name: i.name.into_inner(),
            category: i.category.map(String::from),
            archived: i.archived,
        }
    }
}

/// A park (园区) where projects land.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Park {
    pub id: i32,
    /// e.g. 大足高新区.
    pub name: String,
    pub archived: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Send it back when replacing; a stale one is refused with 409.
    pub version: i32,
}

impl From<park::Model> for Park {
    fn from(m: park::Model) -> Self {
        Self {
            version: m.version,
            id: m.id,
            name: m.name,
            archived: m.archived,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// A park as created or replaced.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ParkInput {
    /// Unique name.
    #[oai(validator(custom = "TextRule::default()"))]
    pub name: Name<{ text::REFERENCE_NAME }>,
    #[oai(nullable, default)]
    pub archived: bool,
    /// Required when replacing: the version you read (or send it as `If-Match`); a stale one
    /// is refused with 409.
    #[oai(nullable)]
    pub version: Option<i32>,
}

impl From<ParkInput> for svc::ParkInput {
    fn from(i: ParkInput) -> Self {
        Self {
            name: i.name.into_inner(),
            archived: i.archived,
        }
    }
}

impl TeamInput {
    /// The team as a full body would send it, without a version: what a patch merges onto.
    fn current(m: team::Model) -> Self {
        Self {
            name: Name::stored(m.name),
            cluster_id: m.cluster_id,
            lead_official: m.lead_official.map(Line::stored),
            archived: m.archived,
            version: None,
        }
    }
}

impl ClusterInput {
    /// The cluster as a full body would send it, without a version: what a patch merges onto.
    fn current(m: cluster::Model) -> Self {
        Self {
            name: Name::stored(m.name),
            category: m.category.map(Line::stored),
            archived: m.archived,
            version: None,
        }
    }
}

impl ParkInput {
    /// The park as a full body would send it, without a version: what a patch merges onto.
    fn current(m: park::Model) -> Self {
        Self {
            name: Name::stored(m.name),
            archived: m.archived,
            version: None,
        }
    }
}

/// `archived` left out of a full body is false, so a patch cannot clear it: it sends
/// `true` or `false`.
impl Patchable for TeamInput {
    const NOT_CLEARABLE: &'static [&'static str] = &["archived"];
}

impl Patchable for ClusterInput {
    const NOT_CLEARABLE: &'static [&'static str] = &["archived"];
}

impl Patchable for ParkInput {
    const NOT_CLEARABLE: &'static [&'static str] = &["archived"];
}

pub struct ReferenceApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Reference")]
impl ReferenceApi {
    /// List task forces
    #[oai(path = "/teams", method = "get", operation_id = "list_teams")]
    async fn list_teams(
        &self,
        state: Data<&AppState>,
        _auth: BearerAuth,
        /// Include archived teams.
        #[oai(default)]
        include_archived: Query<bool>,
    ) -> ApiResult<Json<Vec<Team>>, { SIGNED_IN | BAD_REQUEST }> {
        Ok(Json(
            svc::list::<team::Entity>(&state.reader, include_archived.0)
                .await?
                .into_iter()
                .map(Into::into)
                .collect(),
        ))
    }

    /// Create a task force
    ///
    /// Administrators only.
    #[oai(path = "/teams", method = "post", operation_id = "create_team")]
    async fn create_team(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        body: Json<TeamInput>,
    ) -> ApiResult<Json<Team>, { SIGNED_IN | JSON_BODY | FORBIDDEN | CONFLICT | INVALID }> {
        Ok(Json(
            svc::create::<team::Entity, _>(&state.db, &auth.0, body.0.into())
                .await?
                .into(),
        ))
    }

    /// Get a task force
    #[oai(path = "/teams/:id", method = "get", operation_id = "get_team")]
    async fn get_team(
        &self,
        state: Data<&AppState>,
        _auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<Json<Team>, { SIGNED_IN | BAD_REQUEST | NOT_FOUND }> {
        Ok(Json(svc::get::<team::Entity>(&state.reader, id.0).await?.into()))
    }

    /// Replace a task force
    ///
    /// Administrators only. Every field is replaced: a field left out is cleared (`archived`
    /// becomes false); to change some fields only, send a patch (`patch_team`). Archive a team
    /// rather than delete it once it has projects.
    #[oai(path = "/teams/:id", method = "put", operation_id = "update_team")]
    async fn update_team(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
        /// The version read, e.g. `"3"` (an alternative to the body's `version`).
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Json<TeamInput>,
    ) -> ApiResult<Json<Team>, { SIGNED_IN | JSON_BODY | FORBIDDEN | NOT_FOUND | CONFLICT | INVALID }> {
        let version = super::required_version(body.0.version, if_match.0.as_deref())?;
        let updated = svc::update::<team::Entity, _>(&state.db, &auth.0, id.0, body.0.into(), version).await?;
        Ok(Json(updated.into()))
    }

    /// Change some of a task force's fields
    ///
    /// A JSON Merge Patch (RFC 7396), as `patch_project` describes: a field left out stays as
    /// it is, `null` clears it; the `version` you read in the body or as `If-Match`.
    /// Administrators only.
    #[oai(path = "/teams/:id", method = "patch", operation_id = "patch_team")]
    async fn patch_team(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
        /// The version read, e.g. `"3"` (an alternative to the body's `version`).
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: MergePatch<TeamInput>,
    ) -> ApiResult<Json<Team>, { SIGNED_IN | JSON_BODY | FORBIDDEN | NOT_FOUND | CONFLICT | INVALID }> {
        let current = svc::get::<team::Entity>(&state.db, id.0).await?;
        let body = body.apply(&TeamInput::current(current))?;
        self.update_team(state, auth, id, if_match, Json(body)).await
    }

    /// Delete a task force
    ///
    /// Administrators only; refused with 409 while projects or users refer to it.
    #[oai(path = "/teams/:id", method = "delete", operation_id = "delete_team")]
    async fn delete_team(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<Deleted, { SIGNED_IN | BAD_REQUEST | FORBIDDEN | NOT_FOUND | CONFLICT }> {
        svc::delete::<team::Entity, _>(&state.db, &auth.0, id.0).await?;
        Ok(Deleted::NoContent)
    }

    /// List industry clusters
    #[oai(path = "/clusters", method = "get", operation_id = "list_clusters")]
    async fn list_clusters(
        &self,
        state: Data<&AppState>,
        _auth: BearerAuth,
        /// Include archived clusters.
        #[oai(default)]
        include_archived: Query<bool>,
    ) -> ApiResult<Json<Vec<Cluster>>, { SIGNED_IN | BAD_REQUEST }> {
        Ok(Json(
            svc::list::<cluster::Entity>(&state.reader, include_archived.0)
                .await?
                .into_iter()
                .map(Into::into)
                .collect(),
        ))
    }

    /// Create an industry cluster
    ///
    /// Administrators only.
    #[oai(path = "/clusters", method = "post", operation_id = "create_cluster")]
    async fn create_cluster(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        body: Json<ClusterInput>,
    ) -> ApiResult<Json<Cluster>, { SIGNED_IN | JSON_BODY | FORBIDDEN | CONFLICT | INVALID }> {
        Ok(Json(
            svc::create::<cluster::Entity, _>(&state.db, &auth.0, body.0.into())
                .await?
                .into(),
        ))
    }

    /// Get an industry cluster
    #[oai(path = "/clusters/:id", method = "get", operation_id = "get_cluster")]
    async fn get_cluster(
        &self,
        state: Data<&AppState>,
        _auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<Json<Cluster>, { SIGNED_IN | BAD_REQUEST | NOT_FOUND }> {
        Ok(Json(svc::get::<cluster::Entity>(&state.reader, id.0).await?.into()))
    }

    /// Replace an industry cluster
    ///
    /// Administrators only. Every field is replaced: a field left out is cleared (`archived`
    /// becomes false); to change some fields only, send a patch (`patch_cluster`).
    #[oai(path = "/clusters/:id", method = "put", operation_id = "update_cluster")]
    async fn update_cluster(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
        /// The version read, e.g. `"3"` (an alternative to the body's `version`).
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Json<ClusterInput>,
    ) -> ApiResult<Json<Cluster>, { SIGNED_IN | JSON_BODY | FORBIDDEN | NOT_FOUND | CONFLICT | INVALID }> {
        let version = super::required_version(body.0.version, if_match.0.as_deref())?;
        let updated = svc::update::<cluster::Entity, _>(&state.db, &auth.0, id.0, body.0.into(), version).await?;
        Ok(Json(updated.into()))
    }

    /// Change some of an industry cluster's fields
    ///
    /// A JSON Merge Patch (RFC 7396), as `patch_project` describes: a field left out stays as
    /// it is, `null` clears it; the `version` you read in the body or as `If-Match`.
    /// Administrators only.
    #[oai(path = "/clusters/:id", method = "patch", operation_id = "patch_cluster")]
    async fn patch_cluster(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
        /// The version read, e.g. `"3"` (an alternative to the body's `version`).
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: MergePatch<ClusterInput>,
    ) -> ApiResult<Json<Cluster>, { SIGNED_IN | JSON_BODY | FORBIDDEN | NOT_FOUND | CONFLICT | INVALID }> {
        let current = svc::get::<cluster::Entity>(&state.db, id.0).await?;
        let body = body.apply(&ClusterInput::current(current))?;
        self.update_cluster(state, auth, id, if_match, Json(body)).await
    }

    /// Delete an industry cluster
    ///
    /// Administrators only; refused with 409 while teams or projects refer to it.
    #[oai(path = "/clusters/:id", method = "delete", operation_id = "delete_cluster")]
    async fn delete_cluster(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<Deleted, { SIGNED_IN | BAD_REQUEST | FORBIDDEN | NOT_FOUND | CONFLICT }> {
        svc::delete::<cluster::Entity, _>(&state.db, &auth.0, id.0).await?;
        Ok(Deleted::NoContent)
    }

    /// List parks
    #[oai(path = "/parks", method = "get", operation_id = "list_parks")]
    async fn list_parks(
        &self,
        state: Data<&AppState>,
        _auth: BearerAuth,
        /// Include archived parks.
        #[oai(default)]
        include_archived: Query<bool>,
    ) -> ApiResult<Json<Vec<Park>>, { SIGNED_IN | BAD_REQUEST }> {
        Ok(Json(
            svc::list::<park::Entity>(&state.reader, include_archived.0)
                .await?
                .into_iter()
                .map(Into::into)
                .collect(),
        ))
    }

    /// Create a park
    ///
    /// Administrators only.
    #[oai(path = "/parks", method = "post", operation_id = "create_park")]
    async fn create_park(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        body: Json<ParkInput>,
    ) -> ApiResult<Json<Park>, { SIGNED_IN | JSON_BODY | FORBIDDEN | CONFLICT | INVALID }> {
        Ok(Json(
            svc::create::<park::Entity, _>(&state.db, &auth.0, body.0.into())
                .await?
                .into(),
        ))
    }

    /// Get a park
    #[oai(path = "/parks/:id", method = "get", operation_id = "get_park")]
    async fn get_park(
        &self,
        state: Data<&AppState>,
        _auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<Json<Park>, { SIGNED_IN | BAD_REQUEST | NOT_FOUND }> {
        Ok(Json(svc::get::<park::Entity>(&state.reader, id.0).await?.into()))
    }

    /// Replace a park
    ///
    /// Administrators only. Every field is replaced: a field left out is cleared (`archived`
    /// becomes false); to change some fields only, send a patch (`patch_park`).
    #[oai(path = "/parks/:id", method = "put", operation_id = "update_park")]
    async fn update_park(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
        /// The version read, e.g. `"3"` (an alternative to the body's `version`).
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Json<ParkInput>,
    ) -> ApiResult<Json<Park>, { SIGNED_IN | JSON_BODY | FORBIDDEN | NOT_FOUND | CONFLICT | INVALID }> {
        let version = super::required_version(body.0.version, if_match.0.as_deref())?;
        let updated = svc::update::<park::Entity, _>(&state.db, &auth.0, id.0, body.0.into(), version).await?;
        Ok(Json(updated.into()))
    }

    /// Change some of a park's fields
    ///
    /// A JSON Merge Patch (RFC 7396), as `patch_project` describes: a field left out stays as
    /// it is, `null` clears it; the `version` you read in the body or as `If-Match`.
    /// Administrators only.
    #[oai(path = "/parks/:id", method = "patch", operation_id = "patch_park")]
    async fn patch_park(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
        /// The version read, e.g. `"3"` (an alternative to the body's `version`).
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: MergePatch<ParkInput>,
    ) -> ApiResult<Json<Park>, { SIGNED_IN | JSON_BODY | FORBIDDEN | NOT_FOUND | CONFLICT | INVALID }> {
        let current = svc::get::<park::Entity>(&state.db, id.0).await?;
        let body = body.apply(&ParkInput::current(current))?;
        self.update_park(state, auth, id, if_match, Json(body)).await
    }

    /// Delete a park
    ///
    /// Administrators only; refused with 409 while projects refer to it.
    #[oai(path = "/parks/:id", method = "delete", operation_id = "delete_park")]
    async fn delete_park(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<Deleted, { SIGNED_IN | BAD_REQUEST | FORBIDDEN | NOT_FOUND | CONFLICT }> {
        svc::delete::<park::Entity, _>(&state.db, &auth.0, id.0).await?;
        Ok(Deleted::NoContent)
    }
}
