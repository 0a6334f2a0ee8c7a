//! Bearer tokens: issued once in plain text, stored as SHA-256 digests, checked per request.

use chrono::{DateTime, Duration, Utc};
use entity::{api_token, user};
use rand::RngCore;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};

use super::{Actor, ServiceError, ServiceResult, now};

/// Every token starts with this, so a leaked one is recognisable in logs and scanners.
const TOKEN_PREFIX: &str = "zs_";

/// How stale `last_used_at` may get before a request refreshes it (saves a write per request).
const LAST_USED_GRANULARITY: Duration = Duration::minutes(1);

fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Issues a new token for a user and returns it in plain text; only its digest is kept.
pub async fn issue_token(
    db: &impl ConnectionTrait,
    user_id: i32,
    name: &str,
    expires_at: Option<DateTime<Utc>>,
) -> ServiceResult<(String, api_token::Model)> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = format!("{TOKEN_PREFIX}{}", hex::encode(bytes));
    let model = api_token::ActiveModel {
        user_id: Set(user_id),
        name: Set(name.to_string()),
        token_hash: Set(digest(&token)),
        created_at: Set(now()),
        expires_at: Set(expires_at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((token, model))
}

/// Finds the active user a token belongs to; `None` for unknown, revoked or expired tokens
/// and archived users.
pub async fn authenticate(db: &impl ConnectionTrait, token: &str) -> ServiceResult<Option<Actor>> {
    if !token.starts_with(TOKEN_PREFIX) {
        return Ok(None);
    }
    let Some((stored, Some(owner))) = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(digest(token)))
        .find_also_related(user::Entity)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let at = now();
    if stored.revoked_at.is_some() || stored.expires_at.is_some_and(|e| e <= at) || owner.archived {
        return Ok(None);
    }
    if stored.last_used_at.is_none_or(|t| at - t > LAST_USED_GRANULARITY) {
        let mut touched: api_token::ActiveModel = stored.into();
        touched.last_used_at = Set(Some(at));
        touched.update(db).await?;
    }
    Ok(Some(Actor {
        user_id: owner.id,
        username: owner.username,
        role: owner.role,
        team_id: owner.team_id,
    }))
}

/// Issues a token for a user named on the command line.
pub async fn issue_token_for(db: &impl ConnectionTrait, username: &str, name: &str) -> ServiceResult<String> {
    let owner = super::users::find_by_username(db, username).await?;
    if owner.archived {
        return Err(ServiceError::invalid("user", format!("`{username}` is archived")));
    }
    Ok(issue_token(db, owner.id, name, None).await?.0)
}
