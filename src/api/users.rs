//! `/api/v1/users` and `/api/v1/tokens`: who signs in, and their bearer tokens.

use chrono::{DateTime, Utc};
use entity::{api_token, user};
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use super::auth::BearerAuth;
use super::error::{ApiError, ApiResult};
use super::types::Role;
use crate::AppState;
use crate::service::{auth as auth_svc, users as svc};

/// A user.
#[derive(Debug, Object)]
pub struct User {
    pub id: i32,
    /// Sign-in name: letters, digits, `_`, `-`, `.`.
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The task force of a team lead or member.
    pub team_id: Option<i32>,
    /// Archived users cannot sign in.
    pub archived: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<user::Model> for User {
    fn from(m: user::Model) -> Self {
        Self {
            id: m.id,
            username: m.username,
            display_name: m.display_name,
            role: m.role.into(),
            team_id: m.team_id,
            archived: m.archived,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// A user as created or replaced.
#[derive(Debug, Object)]
pub struct UserInput {
    /// 2 to 64 letters, digits, `_`, `-` or `.`; unique.
    pub username: String,
    /// Name shown in lists; defaults to the username.
    #[oai(default)]
    pub display_name: String,
    pub role: Role,
    /// Required for team leads and members, absent for admins and leaders.
    pub team_id: Option<i32>,
    #[oai(default)]
    pub archived: bool,
}

impl From<UserInput> for svc::UserInput {
    fn from(i: UserInput) -> Self {
        Self {
            username: i.username,
            display_name: i.display_name,
            role: i.role.into(),
            team_id: i.team_id,
            archived: i.archived,
        }
    }
}

/// A request for a new bearer token.
#[derive(Debug, Object)]
pub struct TokenRequest {
    /// What the token is for, e.g. `excel-sync`.
    pub name: String,
    /// The user the token acts as; defaults to the caller. Only administrators may issue
    /// tokens for others.
    pub user_id: Option<i32>,
    /// When the token stops working; never when absent.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A newly issued token. The secret is shown once and never stored in plain text.
#[derive(Debug, Object)]
pub struct IssuedToken {
    pub id: i32,
    pub user_id: i32,
    pub name: String,
    /// The bearer token; send it as `Authorization: Bearer <token>`.
    pub token: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

impl IssuedToken {
    fn new(token: String, m: api_token::Model) -> Self {
        Self {
            id: m.id,
            user_id: m.user_id,
            name: m.name,
            token,
            created_at: m.created_at,
            expires_at: m.expires_at,
        }
    }
}

pub struct UsersApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Users")]
impl UsersApi {
    /// List users
    ///
    /// Administrators only.
    #[oai(path = "/users", method = "get", operation_id = "list_users")]
    async fn list_users(&self, state: Data<&AppState>, auth: BearerAuth) -> ApiResult<Json<Vec<User>>> {
        auth.require_admin()?;
        Ok(Json(
            svc::list_users(&state.db).await?.into_iter().map(Into::into).collect(),
        ))
    }

    /// Create a user
    ///
    /// Administrators only. Issue the user a token with `create_token`.
    #[oai(path = "/users", method = "post", operation_id = "create_user")]
    async fn create_user(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        body: Json<UserInput>,
    ) -> ApiResult<Json<User>> {
        auth.require_admin()?;
        Ok(Json(svc::create_user(&state.db, body.0.into()).await?.into()))
    }

    /// Get the signed-in user
    #[oai(path = "/users/me", method = "get", operation_id = "get_current_user")]
    async fn get_current_user(&self, state: Data<&AppState>, auth: BearerAuth) -> ApiResult<Json<User>> {
        Ok(Json(svc::get_user(&state.db, auth.0.user_id).await?.into()))
    }

    /// Get a user
    ///
    /// Administrators, or the user themself.
    #[oai(path = "/users/:id", method = "get", operation_id = "get_user")]
    async fn get_user(&self, state: Data<&AppState>, auth: BearerAuth, id: Path<i32>) -> ApiResult<Json<User>> {
        if auth.0.user_id != id.0 {
            auth.require_admin()?;
        }
        Ok(Json(svc::get_user(&state.db, id.0).await?.into()))
    }

    /// Replace a user
    ///
    /// Administrators only. Archive a user to stop them signing in.
    #[oai(path = "/users/:id", method = "put", operation_id = "update_user")]
    async fn update_user(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
        body: Json<UserInput>,
    ) -> ApiResult<Json<User>> {
        auth.require_admin()?;
        Ok(Json(svc::update_user(&state.db, id.0, body.0.into()).await?.into()))
    }

    /// Issue a bearer token
    ///
    /// For the caller, or (administrators) for another user. The token is in the response
    /// and nowhere else.
    #[oai(path = "/tokens", method = "post", operation_id = "create_token")]
    async fn create_token(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        body: Json<TokenRequest>,
    ) -> ApiResult<Json<IssuedToken>> {
        let user_id = body.0.user_id.unwrap_or(auth.0.user_id);
        if user_id != auth.0.user_id {
            auth.require_admin()?;
        }
        let name = body.0.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(crate::service::ServiceError::invalid("name", "must be 1 to 100 characters").into());
        }
        let owner = svc::get_user(&state.db, user_id).await.map_err(ApiError::from)?;
        let (token, model) = auth_svc::issue_token(&state.db, owner.id, name, body.0.expires_at).await?;
        Ok(Json(IssuedToken::new(token, model)))
    }
}
