//! `/api/v1/users`, `/api/v1/tokens` and `/api/v1/sessions`: who signs in, their bearer
//! tokens, and password sign-in for people using the Swagger UI.

use chrono::{DateTime, Utc};
use std::collections::HashMap;

use entity::{api_token, team, user};
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use sea_orm::ConnectionTrait;

use super::auth::BearerAuth;
use super::error::ApiResult;
use super::error::status::*;
use super::merge_patch::{MergePatch, Patchable};
use super::text::{Line, Name, TextRule};
use super::types::{Role, Text};
use super::{ApiTags, Deleted};
use crate::domain::text;
use crate::service::{ServiceResult, auth as auth_svc, reference, users as svc};
use crate::state::AppState;

/// A user.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct User {
    pub id: i32,
    /// Sign-in name: letters, digits, `_`, `-`, `.`.
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The role as people call it: 管理员, 领导, 专班负责人 or 专班成员.
    pub role_label: String,
    /// The task force of a team lead or member.
    pub team_id: Option<i32>,
    /// That task force's name.
    pub team_name: Option<String>,
    /// Archived users cannot sign in.
    pub archived: bool,
    /// Whether the user can sign in with a password.
    pub has_password: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Send it back when replacing; a stale one is refused with 409.
    pub version: i32,
}

impl User {
    /// Users as the API shows them, with their teams' names (read once for all of them).
    async fn shown(db: &impl ConnectionTrait, users: Vec<user::Model>) -> ServiceResult<Vec<Self>> {
        let teams: HashMap<i32, String> = if users.iter().any(|u| u.team_id.is_some()) {
            reference::list::<team::Entity>(db, true)
                .await?
                .into_iter()
                .map(|t| (t.id, t.name))
                .collect()
        } else {
            HashMap::new()
        };
        Ok(users
            .into_iter()
            .map(|m| {
                let team_name = m.team_id.and_then(|id| teams.get(&id).cloned());
                Self::from_model(m, team_name)
            })
            .collect())
    }

    /// One user as the API shows them.
    async fn shown_one(db: &impl ConnectionTrait, user: user::Model) -> ServiceResult<Self> {
        let team_name = match user.team_id {
            Some(id) => Some(reference::get::<team::Entity>(db, id).await?.name),
            None => None,
        };
        Ok(Self::from_model(user, team_name))
    }

    fn from_model(m: user::Model, team_name: Option<String>) -> Self {
        Self {
            version: m.version,
            id: m.id,
            username: m.username,
            display_name: m.display_name,
            role_label: crate::domain::access::role_label(m.role).to_owned(),
            role: m.role.into(),
            team_id: m.team_id,
            team_name,
            archived: m.archived,
            has_password: m.password_hash.is_some(),
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// A user as created or replaced.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct UserInput {
    /// 2 to 64 letters, digits, `_`, `-` or `.`; unique.
    #[oai(validator(
        max_length = 64,
        pattern = "^[\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*[A-Za-z0-9_.-]{2,64}[\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*$"
    ))]
    pub username: Text,
    /// Name shown in lists; defaults to the username.
    #[oai(nullable, default, validator(custom = "TextRule::default()"))]
    pub display_name: Line<{ text::DISPLAY_NAME }>,
    pub role: Role,
    /// Required for team leads and members, absent for admins and leaders.
    #[oai(nullable)]
    pub team_id: Option<i32>,
    #[oai(nullable, default)]
    pub archived: bool,
    /// Required when replacing: the version you read (or send it as `If-Match`); a stale one
    /// is refused with 409.
    #[oai(nullable)]
    pub version: Option<i32>,
}

impl From<UserInput> for svc::UserInput {
    fn from(i: UserInput) -> Self {
        Self {
            username: i.username.0,
            display_name: i.display_name.into_inner(),
            role: i.role.into(),
            team_id: i.team_id,
            archived: i.archived,
        }
    }
}

impl UserInput {
    /// The user as a full body would send it, without a version: what a patch merges onto.
    fn current(m: user::Model) -> Self {
        Self {
            username: Text(m.username),
            display_name: Line::stored(m.display_name),
            role: m.role.into(),
            team_id: m.team_id,
            archived: m.archived,
            version: None,
        }
    }
}

/// `archived` left out of a full body is false, so a patch cannot clear it; a cleared
/// `display_name` is the username again.
impl Patchable for UserInput {
    const NOT_CLEARABLE: &'static [&'static str] = &["archived"];
}

/// A new password.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PasswordInput {
    /// 10 to 200 characters, no control characters; stored only as an argon2 hash.
    #[oai(validator(min_length = 10, custom = "TextRule::default()"), write_only)]
    pub password: Line<{ text::PASSWORD }>,
}

/// A request for a new bearer token.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TokenRequest {
    /// What the token is for, e.g. `excel-sync`.
    #[oai(validator(custom = "TextRule::default()"))]
    pub name: Name<{ text::TOKEN_NAME }>,
    /// The user the token acts as; defaults to the caller. Only administrators may issue
    /// tokens for others.
    #[oai(nullable)]
    pub user_id: Option<i32>,
    /// When the token stops working; never when absent.
    #[oai(nullable)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// A bearer token as listed: never its secret.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Token {
    pub id: i32,
    pub user_id: i32,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    /// Updated at most once a minute.
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<api_token::Model> for Token {
    fn from(m: api_token::Model) -> Self {
        Self {
            id: m.id,
            user_id: m.user_id,
            name: m.name,
            created_at: m.created_at,
            expires_at: m.expires_at,
            last_used_at: m.last_used_at,
            revoked_at: m.revoked_at,
        }
    }
}

/// A newly issued token. The secret is shown once and never stored in plain text.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct IssuedToken {
    /// The bearer token; send it as `Authorization: Bearer <token>`.
    pub token: String,
    #[oai(flatten)]
    pub details: Token,
}

impl IssuedToken {
    fn new(token: String, m: api_token::Model) -> Self {
        Self {
            token,
            details: m.into(),
        }
    }
}

/// Password sign-in.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SessionRequest {
    #[oai(validator(custom = "TextRule::default()"))]
    pub username: Line<{ text::USERNAME }>,
    #[oai(write_only, validator(custom = "TextRule::default()"))]
    pub password: Line<{ text::PASSWORD }>,
}

pub struct UsersApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Users")]
impl UsersApi {
    /// List users
    ///
    /// Administrators see everyone; team leads their own team.
    #[oai(path = "/users", method = "get", operation_id = "list_users")]
    async fn list_users(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
    ) -> ApiResult<Json<Vec<User>>, { SIGNED_IN | FORBIDDEN }> {
        let users = svc::list_users(&state.db, &auth.0).await?;
        Ok(Json(User::shown(&state.reader, users).await?))
    }

    /// Create a user
    ///
    /// Administrators create anyone; team leads create members of their own team. Issue
    /// the user a token with `create_token`, or set a password.
    #[oai(path = "/users", method = "post", operation_id = "create_user")]
    async fn create_user(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        body: Json<UserInput>,
    ) -> ApiResult<Json<User>, { SIGNED_IN | JSON_BODY | FORBIDDEN | CONFLICT | INVALID }> {
        let created = svc::create_user(&state.db, &auth.0, body.0.into()).await?;
        Ok(Json(User::shown_one(&state.db, created).await?))
    }

    /// Get the signed-in user
    #[oai(path = "/users/me", method = "get", operation_id = "get_current_user")]
    async fn get_current_user(&self, state: Data<&AppState>, auth: BearerAuth) -> ApiResult<Json<User>, { SIGNED_IN }> {
        let user = svc::get_user(&state.reader, &auth.0, auth.0.user_id).await?;
        Ok(Json(User::shown_one(&state.reader, user).await?))
    }

    /// Get a user
    ///
    /// The user themself, an administrator, or their team lead.
    #[oai(path = "/users/:id", method = "get", operation_id = "get_user")]
    async fn get_user(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<Json<User>, { SIGNED_IN | BAD_REQUEST | FORBIDDEN | NOT_FOUND }> {
        let user = svc::get_user(&state.reader, &auth.0, id.0).await?;
        Ok(Json(User::shown_one(&state.reader, user).await?))
    }

    /// Replace a user
    ///
    /// Administrators, or a team lead for their own team's members. Every field is
    /// replaced: a field left out is cleared (`team_id` none, `archived` false, the display
    /// name the username); to change some fields only, send a patch (`patch_user`). Archive a
    /// user to stop them signing in.
    #[oai(path = "/users/:id", method = "put", operation_id = "update_user")]
    async fn update_user(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
        /// The version read, e.g. `"3"` (an alternative to the body's `version`).
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Json<UserInput>,
    ) -> ApiResult<Json<User>, { SIGNED_IN | JSON_BODY | FORBIDDEN | NOT_FOUND | CONFLICT | INVALID }> {
        let version = super::required_version(body.0.version, if_match.0.as_deref())?;
        let updated = svc::update_user(&state.db, &auth.0, id.0, body.0.into(), version).await?;
        state.tokens.clear();
        Ok(Json(User::shown_one(&state.db, updated).await?))
    }

    /// Change some of a user's fields
    ///
    /// A JSON Merge Patch (RFC 7396), as `patch_project` describes: a field left out stays as
    /// it is, `null` clears it; the `version` you read in the body or as `If-Match`. Who may
    /// is as for `update_user`.
    #[oai(path = "/users/:id", method = "patch", operation_id = "patch_user")]
    async fn patch_user(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
        /// The version read, e.g. `"3"` (an alternative to the body's `version`).
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: MergePatch<UserInput>,
    ) -> ApiResult<Json<User>, { SIGNED_IN | JSON_BODY | FORBIDDEN | NOT_FOUND | CONFLICT | INVALID }> {
        let current = svc::get_user(&state.db, &auth.0, id.0).await?;
        let body = body.apply(&UserInput::current(current))?;
        self.update_user(state, auth, id, if_match, Json(body)).await
    }

    /// Set a user's password
    ///
    /// The user themself or an administrator.
    #[oai(path = "/users/:id/password", method = "put", operation_id = "set_password")]
    async fn set_password(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
        body: Json<PasswordInput>,
    ) -> ApiResult<Deleted, { SIGNED_IN | JSON_BODY | FORBIDDEN | NOT_FOUND | INVALID }> {
        auth_svc::set_password(&state.db, &auth.0, id.0, body.0.password.as_str()).await?;
        state.tokens.clear();
        Ok(Deleted::NoContent)
    }

    /// List bearer tokens
    ///
    /// The caller's own, or (administrators) another user's; never the secrets.
    #[oai(path = "/tokens", method = "get", operation_id = "list_tokens")]
    async fn list_tokens(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        /// Whose tokens; defaults to the caller.
        user_id: Query<Option<i32>>,
    ) -> ApiResult<Json<Vec<Token>>, { SIGNED_IN | BAD_REQUEST | FORBIDDEN }> {
        Ok(Json(
            auth_svc::list_tokens(&state.reader, &state.token_uses, &auth.0, user_id.0)
                .await?
                .into_iter()
                .map(Into::into)
                .collect(),
        ))
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
    ) -> ApiResult<Json<IssuedToken>, { SIGNED_IN | JSON_BODY | FORBIDDEN | NOT_FOUND | INVALID }> {
        let body = body.0;
        let (token, model) =
            auth_svc::create_token(&state.db, &auth.0, body.user_id, body.name.as_str(), body.expires_at).await?;
        Ok(Json(IssuedToken::new(token, model)))
    }

    /// Revoke a bearer token
    ///
    /// Its owner or an administrator; it stops working at once.
    #[oai(path = "/tokens/:id", method = "delete", operation_id = "revoke_token")]
    async fn revoke_token(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<Json<Token>, { SIGNED_IN | BAD_REQUEST | FORBIDDEN | NOT_FOUND }> {
        let revoked = auth_svc::revoke_token(&state.db, &auth.0, id.0).await?;
        state.tokens.clear();
        Ok(Json(revoked.into()))
    }

    /// Sign in with a password
    ///
    /// Returns a bearer token valid for 12 hours. After five failed attempts in a row for a
    /// username from one address, that address waits before its next attempt (429 with
    /// `Retry-After`): 15 seconds, doubling with each failure, at most 15 minutes. Addresses
    /// that signed in as the user before are never held up by failures from elsewhere.
    #[oai(path = "/sessions", method = "post", operation_id = "create_session")]
    async fn create_session(
        &self,
        state: Data<&AppState>,
        remote: &poem::web::RemoteAddr,
        body: Json<SessionRequest>,
    ) -> ApiResult<Json<IssuedToken>, { JSON_BODY | UNAUTHORIZED | TOO_MANY_REQUESTS | INTERNAL | UNAVAILABLE }> {
        let client = remote
            .as_socket_addr()
            .map_or_else(|| remote.to_string(), |addr| addr.ip().to_string());
        let (token, model) = auth_svc::login(
            &state.db,
            &state.login_throttle,
            &client,
            body.0.username.as_str(),
            body.0.password.as_str(),
        )
        .await?;
        Ok(Json(IssuedToken::new(token, model)))
    }
}
