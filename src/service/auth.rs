//! Bearer tokens (issued once in plain text, stored as SHA-256 digests, checked per request,
//! revocable) and password sign-in (argon2 hashes, throttled after repeated failures).

use std::collections::HashMap;
use std::sync::Mutex;

use argon2::password_hash::SaltString;
use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use chrono::{DateTime, Duration, Utc};
use entity::{api_token, user};
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionSession,
    TransactionTrait,
};
use sha2::{Digest, Sha256};

use super::audit::{self, Change};
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
/// and archived users. Answers from `cache` when the token was checked in the last
/// [`TOKEN_CACHE_TTL`]; otherwise looks it up on `reader` and refreshes its `last_used_at`
/// (at most once a minute) on `db`.
pub async fn authenticate(
    cache: &TokenCache,
    reader: &impl ConnectionTrait,
    db: &impl ConnectionTrait,
    token: &str,
) -> ServiceResult<Option<Actor>> {
    if !token.starts_with(TOKEN_PREFIX) {
        return Ok(None);
    }
    let key = digest(token);
    let at = now();
    let generation = match cache.get(&key, at) {
        Ok(actor) => return Ok(Some(actor)),
        Err(generation) => generation,
    };
    let Some((stored, Some(owner))) = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(key.as_str()))
        .find_also_related(user::Entity)
        .one(reader)
        .await?
    else {
        return Ok(None);
    };
    if stored.revoked_at.is_some() || stored.expires_at.is_some_and(|e| e <= at) || owner.archived {
        return Ok(None);
    }
    let expires_at = stored.expires_at;
    if stored.last_used_at.is_none_or(|t| at - t > LAST_USED_GRANULARITY) {
        let mut touched: api_token::ActiveModel = stored.into();
        touched.last_used_at = Set(Some(at));
        touched.update(db).await?;
    }
    let actor = Actor {
        user_id: owner.id,
        username: owner.username,
        role: owner.role,
        team_id: owner.team_id,
    };
    cache.put(generation, key, actor.clone(), expires_at);
    Ok(Some(actor))
}

/// How long a checked token is trusted without asking the database again. Revoking a token,
/// changing a password and editing or archiving a user through this server clear the cache, so
/// they take effect at once; done elsewhere (the command line, another server on the same
/// database) they take effect within this time.
pub const TOKEN_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(5);

/// Tokens cached at most; past it the cache starts again empty.
const TOKEN_CACHE_MAX: usize = 10_000;

/// The tokens checked in the last [`TOKEN_CACHE_TTL`], by digest, with whom they stand for: a
/// request then costs no token query.
#[derive(Debug, Default)]
pub struct TokenCache {
    inner: Mutex<CachedTokens>,
}

#[derive(Debug, Default)]
struct CachedTokens {
    entries: HashMap<String, CachedToken>,
    /// Counts the clearings, so that a lookup begun before one does not cache what it found.
    generation: u64,
}

#[derive(Debug)]
struct CachedToken {
    actor: Actor,
    checked_at: std::time::Instant,
    expires_at: Option<DateTime<Utc>>,
}

impl TokenCache {
    /// The actor of a token checked lately, or the cache's generation to [`Self::put`] with.
    fn get(&self, digest: &str, at: DateTime<Utc>) -> Result<Actor, u64> {
        let inner = self.inner.lock().expect("token cache lock");
        inner
            .entries
            .get(digest)
            .filter(|e| e.checked_at.elapsed() < TOKEN_CACHE_TTL && e.expires_at.is_none_or(|x| x > at))
            .map(|e| e.actor.clone())
            .ok_or(inner.generation)
    }

    /// Remembers a token found valid, unless the cache was cleared since `generation`.
    fn put(&self, generation: u64, digest: String, actor: Actor, expires_at: Option<DateTime<Utc>>) {
        let mut inner = self.inner.lock().expect("token cache lock");
        if inner.generation != generation {
            return;
        }
        if inner.entries.len() >= TOKEN_CACHE_MAX {
            inner.entries.clear();
        }
        let checked_at = std::time::Instant::now();
        inner.entries.insert(
            digest,
            CachedToken {
                actor,
                checked_at,
                expires_at,
            },
        );
    }

    /// Forgets every token, after a change to tokens or users.
    pub fn clear(&self) {
        let mut inner = self.inner.lock().expect("token cache lock");
        inner.entries.clear();
        inner.generation += 1;
    }
}

/// Issues a token for a user named on the command line.
pub async fn issue_token_for(db: &impl ConnectionTrait, username: &str, name: &str) -> ServiceResult<String> {
    let owner = super::users::find_by_username(db, username).await?;
    if owner.archived {
        return Err(ServiceError::invalid("user", format!("`{username}` is archived")));
    }
    Ok(issue_token(db, owner.id, name, None).await?.0)
}

/// A user's tokens (never their secrets): the caller's own, or anyone's for an admin.
pub async fn list_tokens(
    db: &impl ConnectionTrait,
    actor: &Actor,
    user_id: Option<i32>,
) -> ServiceResult<Vec<api_token::Model>> {
    let user_id = user_id.unwrap_or(actor.user_id);
    if user_id != actor.user_id {
        actor.principal().check_admin()?;
    }
    Ok(api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(user_id))
        .order_by_asc(api_token::Column::Id)
        .all(db)
        .await?)
}

/// Issues a token for the caller, or (admins) for another user, and records it in the trail.
pub async fn create_token<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    user_id: Option<i32>,
    name: &str,
    expires_at: Option<DateTime<Utc>>,
) -> ServiceResult<(String, api_token::Model)> {
    let user_id = user_id.unwrap_or(actor.user_id);
    if user_id != actor.user_id {
        actor.principal().check_admin()?;
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ServiceError::invalid("name", "must be 1 to 100 characters"));
    }
    if expires_at.is_some_and(|at| at <= now()) {
        return Err(ServiceError::invalid("expires_at", "must be in the future"));
    }
    let txn = db.begin().await?;
    super::users::find_user(&txn, user_id).await?;
    let (token, model) = issue_token(&txn, user_id, name, expires_at).await?;
    audit::record(
        &txn,
        actor,
        Change {
            entity: "api_token",
            entity_id: model.id,
            project_id: None,
            action: "create",
            before: None,
            after: Some(&model),
            reason: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok((token, model))
}

/// Revokes a token: its owner or an admin. Revoking twice is harmless.
pub async fn revoke_token<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    token_id: i32,
) -> ServiceResult<api_token::Model> {
    let txn = db.begin().await?;
    let existing = api_token::Entity::find_by_id(token_id)
        .one(&txn)
        .await?
        .ok_or_else(|| ServiceError::not_found("token", token_id))?;
    if existing.user_id != actor.user_id {
        actor.principal().check_admin()?;
    }
    if existing.revoked_at.is_some() {
        return Ok(existing);
    }
    let before = existing.clone();
    let mut model: api_token::ActiveModel = existing.into();
    model.revoked_at = Set(Some(now()));
    let revoked = model.update(&txn).await?;
    audit::record(
        &txn,
        actor,
        Change {
            entity: "api_token",
            entity_id: token_id,
            project_id: None,
            action: "revoke",
            before: Some(&before),
            after: Some(&revoked),
            reason: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(revoked)
}

/// Sets a user's password (themself or an admin); stored as an argon2 hash only.
pub async fn set_password<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    user_id: i32,
    password: &str,
) -> ServiceResult<()> {
    if user_id != actor.user_id {
        actor.principal().check_admin()?;
    }
    if !(10..=200).contains(&password.chars().count()) {
        return Err(ServiceError::invalid("password", "must be 10 to 200 characters"));
    }
    let hash = Argon2::default()
        .hash_password(
            password.as_bytes(),
            &SaltString::generate(&mut argon2::password_hash::rand_core::OsRng),
        )
        .map_err(|e| ServiceError::invalid("password", e.to_string()))?
        .to_string();
    let txn = db.begin().await?;
    let existing = super::users::find_user(&txn, user_id).await?;
    let mut model: user::ActiveModel = existing.into();
    model.password_hash = Set(Some(hash));
    model.updated_at = Set(now());
    model.update(&txn).await?;
    let changed = serde_json::json!({"password": "changed"});
    audit::record(
        &txn,
        actor,
        Change {
            entity: "user",
            entity_id: user_id,
            project_id: None,
            action: "set_password",
            before: None,
            after: Some(&changed),
            reason: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Slows down password guessing: after `MAX_FAILURES` (5) failed logins for a username within
/// `FAILURE_WINDOW` (15 minutes), further attempts are refused until the window has passed.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, (u32, DateTime<Utc>)>>,
}

const MAX_FAILURES: u32 = 5;
const FAILURE_WINDOW: Duration = Duration::minutes(15);

impl LoginThrottle {
    fn locked_until(&self, username: &str, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let failures = self.failures.lock().expect("throttle lock");
        failures
            .get(username)
            .filter(|(count, last)| *count >= MAX_FAILURES && at - *last < FAILURE_WINDOW)
            .map(|(_, last)| *last + FAILURE_WINDOW)
    }

    fn fail(&self, username: &str, at: DateTime<Utc>) {
        let mut failures = self.failures.lock().expect("throttle lock");
        let entry = failures.entry(username.to_string()).or_insert((0, at));
        if at - entry.1 >= FAILURE_WINDOW {
            *entry = (0, at);
        }
        *entry = (entry.0 + 1, at);
    }

    fn succeed(&self, username: &str) {
        self.failures.lock().expect("throttle lock").remove(username);
    }
}

/// Signs in with a password and returns a new token valid for [`SESSION_LENGTH`].
pub async fn login(
    db: &impl ConnectionTrait,
    throttle: &LoginThrottle,
    username: &str,
    password: &str,
) -> ServiceResult<(String, api_token::Model)> {
    let at = now();
    if let Some(until) = throttle.locked_until(username, at) {
        return Err(ServiceError::TooManyAttempts(format!(
            "too many failed sign-ins for `{username}`; try again after {}",
            until.format("%H:%M UTC")
        )));
    }
    let found = user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(db)
        .await?;
    let verified = found
        .as_ref()
        .filter(|u| !u.archived)
        .and_then(|u| u.password_hash.as_deref())
        .is_some_and(|hash| {
            PasswordHash::new(hash)
                .is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        });
    match found {
        Some(owner) if verified => {
            throttle.succeed(username);
            issue_token(db, owner.id, "password sign-in", Some(at + SESSION_LENGTH)).await
        }
        _ => {
            throttle.fail(username, at);
            Err(ServiceError::Unauthenticated(
                "the username or password is wrong".into(),
            ))
        }
    }
}

/// How long a token from a password sign-in lasts.
pub const SESSION_LENGTH: Duration = Duration::hours(12);

#[cfg(test)]
mod tests {
    use super::*;

    fn actor() -> Actor {
        Actor {
            user_id: 7,
            username: "li".into(),
            role: entity::enums::Role::Leader,
            team_id: None,
        }
    }

    #[test]
    fn the_token_cache_keeps_what_it_found_until_cleared() {
        let cache = TokenCache::default();
        let at = now();
        let generation = cache.get("d", at).unwrap_err();
        cache.put(generation, "d".into(), actor(), None);
        assert_eq!(cache.get("d", at), Ok(actor()));
        cache.clear();
        assert!(cache.get("d", at).is_err());
    }

    #[test]
    fn a_lookup_begun_before_a_clearing_is_not_cached() {
        let cache = TokenCache::default();
        let at = now();
        let generation = cache.get("d", at).unwrap_err();
        cache.clear(); // a token revoked while the lookup was reading the database
        cache.put(generation, "d".into(), actor(), None);
        assert!(cache.get("d", at).is_err());
    }

    #[test]
    fn an_expired_token_is_not_answered_from_the_cache() {
        let cache = TokenCache::default();
        let at = now();
        let generation = cache.get("d", at).unwrap_err();
        cache.put(generation, "d".into(), actor(), Some(at + Duration::seconds(1)));
        assert!(cache.get("d", at).is_ok());
        assert!(cache.get("d", at + Duration::seconds(2)).is_err());
    }
}
