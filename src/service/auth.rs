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
use super::{Actor, ServiceError, ServiceResult, Words, now};

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
/// [`TOKEN_CACHE_TTL`]; otherwise looks it up on `reader`, and notes its use in `uses` (at
/// most once a minute a token), which [`write_token_uses`] writes later: checking a token
/// never waits for the writer, which a long ledger import may hold.
pub async fn authenticate(
    cache: &TokenCache,
    uses: &TokenUses,
    reader: &impl ConnectionTrait,
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
    if stored.last_used_at.is_none_or(|t| at - t > LAST_USED_GRANULARITY) {
        uses.note(stored.id, at);
    }
    let actor = Actor {
        user_id: owner.id,
        username: owner.username,
        role: owner.role,
        team_id: owner.team_id,
    };
    cache.put(generation, key, actor.clone(), stored.expires_at);
    Ok(Some(actor))
}

/// Tokens used since their `last_used_at` was last written, by token id, with the time of
/// their latest use: noted by [`authenticate`], written by [`write_token_uses`].
#[derive(Debug, Default)]
pub struct TokenUses {
    pending: Mutex<HashMap<i32, DateTime<Utc>>>,
}

impl TokenUses {
    fn note(&self, token_id: i32, at: DateTime<Utc>) {
        let mut pending = self.pending.lock().expect("token uses lock");
        let latest = pending.entry(token_id).or_insert(at);
        *latest = (*latest).max(at);
    }

    /// The latest use of `token` not written yet, over the one stored.
    pub fn latest(&self, token: &api_token::Model) -> Option<DateTime<Utc>> {
        let pending = self.pending.lock().expect("token uses lock").get(&token.id).copied();
        pending.max(token.last_used_at)
    }
}

/// How often a server writes the token uses it noted ([`write_token_uses`]).
pub const TOKEN_USES_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

/// Writes the token uses noted so far as their `last_used_at`, in one transaction; returns
/// how many. When the database is busy (or fails) they are kept for the next time.
pub async fn write_token_uses<C: ConnectionTrait + TransactionTrait>(db: &C, uses: &TokenUses) -> ServiceResult<usize> {
    let taken = std::mem::take(&mut *uses.pending.lock().expect("token uses lock"));
    if taken.is_empty() {
        return Ok(0);
    }
    let written = async {
        let txn = crate::db::begin_write(db).await?;
        for (&id, &at) in &taken {
            api_token::Entity::update_many()
                .col_expr(api_token::Column::LastUsedAt, sea_orm::sea_query::Expr::value(at))
                .filter(api_token::Column::Id.eq(id))
                .exec(&txn)
                .await?;
        }
        txn.commit().await
    }
    .await;
    match written {
        Ok(()) => Ok(taken.len()),
        Err(err) => {
            for (id, at) in taken {
                uses.note(id, at);
            }
            Err(err.into())
        }
    }
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
        return Err(ServiceError::invalid(
            "user",
            Words::new(format!("用户`{username}`已归档"), format!("`{username}` is archived")),
        ));
    }
    Ok(issue_token(db, owner.id, name, None).await?.0)
}

/// A user's tokens (never their secrets): the caller's own, or anyone's for an admin.
/// `uses` adds the uses noted but not written yet to `last_used_at`.
pub async fn list_tokens(
    db: &impl ConnectionTrait,
    uses: &TokenUses,
    actor: &Actor,
    user_id: Option<i32>,
) -> ServiceResult<Vec<api_token::Model>> {
    let user_id = user_id.unwrap_or(actor.user_id);
    if user_id != actor.user_id {
        actor.principal().check_admin()?;
    }
    let mut tokens = api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(user_id))
        .order_by_asc(api_token::Column::Id)
        .all(db)
        .await?;
    for token in &mut tokens {
        token.last_used_at = uses.latest(token);
    }
    Ok(tokens)
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
        return Err(ServiceError::invalid(
            "name",
            Words::new("应为1至100个字符", "must be 1 to 100 characters"),
        ));
    }
    if expires_at.is_some_and(|at| at <= now()) {
        return Err(ServiceError::invalid(
            "expires_at",
            Words::new("应晚于现在", "must be in the future"),
        ));
    }
    let txn = crate::db::begin_write(db).await?;
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
    let txn = crate::db::begin_write(db).await?;
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

/// Revokes the token a sign-in gave (the console's sign-out), by the token itself: a token
/// unknown, revoked or expired already is left as it is. The caller clears the token cache.
pub async fn sign_out<C: ConnectionTrait + TransactionTrait>(db: &C, actor: &Actor, token: &str) -> ServiceResult<()> {
    let found = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(digest(token)))
        .one(db)
        .await?;
    if let Some(found) = found.filter(|t| t.user_id == actor.user_id && t.revoked_at.is_none()) {
        revoke_token(db, actor, found.id).await?;
    }
    Ok(())
}

/// `password`'s argon2 hash, with a fresh salt: all that is ever stored of a password.
fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Ok(Argon2::default().hash_password(password.as_bytes(), &salt)?.to_string())
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
        return Err(ServiceError::invalid(
            "password",
            Words::new("应为10至200个字符", "must be 10 to 200 characters"),
        ));
    }
    let hash = hash_password(password).map_err(|e| {
        ServiceError::invalid(
            "password",
            Words::new(format!("无法设置这个密码：{e}"), format!("cannot be set: {e}")),
        )
    })?;
    let txn = crate::db::begin_write(db).await?;
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

/// Slows password guessing down without letting anyone lock a user out. Failures count per
/// username and client address: from the fifth in a row, that client waits before its next
/// attempt for that username, 15 s doubling with each failure up to 15 minutes. A username
/// guessed from many addresses (the twentieth failure in a row over all of them) makes every
/// client wait the same way except the ones that signed in as that user before (since the
/// server started): the right password from a known client always gets through. A success
/// clears its client's count. An administrator locked out anyway signs in with a token from
/// the command line (`zhaoshang token create --user admin`).
#[derive(Debug, Default)]
pub struct LoginThrottle {
    state: Mutex<Throttled>,
}

#[derive(Debug, Default)]
struct Throttled {
    /// Failures in a row per (username, client), and the time of the last.
    by_client: HashMap<(String, String), (u32, DateTime<Utc>)>,
    /// Failures in a row per username over every client, and the time of the last.
    by_user: HashMap<String, (u32, DateTime<Utc>)>,
    /// The clients that signed in as each username.
    known: HashMap<String, std::collections::HashSet<String>>,
}

/// Failures in a row from one client before it has to wait.
const MAX_FAILURES: u32 = 5;
/// Failures in a row over all clients before unknown clients have to wait.
const MAX_FAILURES_ANYWHERE: u32 = 20;
/// The first wait, doubled with every further failure.
const FIRST_WAIT: Duration = Duration::seconds(15);
/// The longest wait; failures older than this are forgotten.
const LONGEST_WAIT: Duration = Duration::minutes(15);
/// Entries kept at most in each table; past it the oldest half is forgotten.
const THROTTLE_MAX: usize = 100_000;

/// How long a run of `failures` ending at `last` makes a client wait, counted from `at`.
fn wait_after((failures, last): (u32, DateTime<Utc>), allowed: u32, at: DateTime<Utc>) -> Option<Duration> {
    if failures < allowed {
        return None;
    }
    let doublings = (failures - allowed).min(10);
    let wait = (FIRST_WAIT * 2_i32.pow(doublings)).min(LONGEST_WAIT);
    let left = last + wait - at;
    (left > Duration::zero()).then_some(left)
}

impl LoginThrottle {
    /// How long `client` must still wait before trying `username` again, if at all.
    fn wait(&self, username: &str, client: &str, at: DateTime<Utc>) -> Option<Duration> {
        let state = self.state.lock().expect("throttle lock");
        let key = (username.to_owned(), client.to_owned());
        let own = state
            .by_client
            .get(&key)
            .and_then(|&run| wait_after(run, MAX_FAILURES, at));
        let known = state
            .known
            .get(username)
            .is_some_and(|clients| clients.contains(client));
        let anywhere = (!known)
            .then(|| state.by_user.get(username))
            .flatten()
            .and_then(|&run| wait_after(run, MAX_FAILURES_ANYWHERE, at));
        own.max(anywhere)
    }

    fn fail(&self, username: &str, client: &str, at: DateTime<Utc>) {
        let mut state = self.state.lock().expect("throttle lock");
        let count = |run: &mut (u32, DateTime<Utc>)| {
            if at - run.1 >= LONGEST_WAIT {
                run.0 = 0;
            }
            *run = (run.0 + 1, at);
        };
        forget_oldest(&mut state.by_client);
        forget_oldest(&mut state.by_user);
        count(
            state
                .by_client
                .entry((username.to_owned(), client.to_owned()))
                .or_insert((0, at)),
        );
        count(state.by_user.entry(username.to_owned()).or_insert((0, at)));
    }

    fn succeed(&self, username: &str, client: &str) {
        let mut state = self.state.lock().expect("throttle lock");
        state.by_client.remove(&(username.to_owned(), client.to_owned()));
        state.by_user.remove(username);
        if state.known.len() >= THROTTLE_MAX {
            state.known.clear();
        }
        state
            .known
            .entry(username.to_owned())
            .or_default()
            .insert(client.to_owned());
    }
}

/// Keeps a table of failures under [`THROTTLE_MAX`] entries, forgetting the older half.
fn forget_oldest<K: Clone + Eq + std::hash::Hash>(table: &mut HashMap<K, (u32, DateTime<Utc>)>) {
    if table.len() < THROTTLE_MAX {
        return;
    }
    let mut times: Vec<DateTime<Utc>> = table.values().map(|&(_, last)| last).collect();
    let (_, &mut middle, _) = times.select_nth_unstable(THROTTLE_MAX / 2);
    table.retain(|_, &mut (_, last)| last > middle);
}

/// An argon2 hash of no one's password, verified against when the username is unknown (or
/// has no password), so that the answer takes as long as for a real user and does not tell
/// which usernames exist.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let mut secret = [0u8; 16];
        rand::rng().fill_bytes(&mut secret);
        hash_password(&hex::encode(secret)).expect("hashing a random password")
    })
}

/// Signs in with a password from `client` (its address) and returns a new token valid for
/// [`SESSION_LENGTH`]; [`LoginThrottle`] says when a client has to wait.
pub async fn login(
    db: &impl ConnectionTrait,
    throttle: &LoginThrottle,
    client: &str,
    username: &str,
    password: &str,
) -> ServiceResult<(String, api_token::Model)> {
    let at = now();
    if let Some(wait) = throttle.wait(username, client, at) {
        let seconds = wait.num_seconds().max(1);
        return Err(ServiceError::TooManyAttempts {
            username: username.to_owned(),
            until: at + Duration::seconds(seconds),
            retry_after: u32::try_from(seconds).unwrap_or(u32::MAX),
        });
    }
    let found = user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(db)
        .await?;
    let hash = found
        .as_ref()
        .filter(|u| !u.archived)
        .and_then(|u| u.password_hash.clone());
    let (hash, real) = match hash {
        Some(hash) => (hash, true),
        None => (dummy_hash().to_owned(), false),
    };
    let password = password.to_owned();
    // argon2 takes tens of milliseconds: off the runtime's threads.
    let verified = tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await
    .unwrap_or(false)
        && real;
    match found {
        Some(owner) if verified => {
            throttle.succeed(username, client);
            issue_token(db, owner.id, "password sign-in", Some(at + SESSION_LENGTH)).await
        }
        _ => {
            throttle.fail(username, client, at);
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

    fn minutes(n: i64) -> Duration {
        Duration::minutes(n)
    }

    #[test]
    fn five_failures_make_that_client_wait_doubling_each_time_but_nobody_else() {
        let throttle = LoginThrottle::default();
        let at = now();
        for _ in 0..4 {
            throttle.fail("admin", "10.0.0.9", at);
        }
        assert_eq!(
            throttle.wait("admin", "10.0.0.9", at),
            None,
            "four failures cost nothing"
        );
        throttle.fail("admin", "10.0.0.9", at);
        assert_eq!(throttle.wait("admin", "10.0.0.9", at), Some(Duration::seconds(15)));
        throttle.fail("admin", "10.0.0.9", at);
        assert_eq!(throttle.wait("admin", "10.0.0.9", at), Some(Duration::seconds(30)));
        assert_eq!(
            throttle.wait("admin", "10.0.0.1", at),
            None,
            "another address is not held up"
        );
        assert_eq!(throttle.wait("zhang", "10.0.0.9", at), None, "nor another username");
        for _ in 0..20 {
            throttle.fail("admin", "10.0.0.9", at);
        }
        assert_eq!(
            throttle.wait("admin", "10.0.0.9", at),
            Some(LONGEST_WAIT),
            "at most 15 minutes"
        );
        assert_eq!(
            throttle.wait("admin", "10.0.0.9", at + LONGEST_WAIT),
            None,
            "and then it is over"
        );
    }

    #[test]
    fn guessing_from_many_addresses_holds_up_strangers_but_never_a_known_client() {
        let throttle = LoginThrottle::default();
        let at = now();
        throttle.succeed("admin", "10.0.0.1");
        for attacker in 0..MAX_FAILURES_ANYWHERE {
            throttle.fail("admin", &format!("203.0.113.{attacker}"), at);
        }
        assert_eq!(
            throttle.wait("admin", "198.51.100.7", at),
            Some(Duration::seconds(15)),
            "a stranger waits"
        );
        assert_eq!(
            throttle.wait("admin", "10.0.0.1", at),
            None,
            "the administrator's own machine does not"
        );
        assert_eq!(throttle.wait("admin", "10.0.0.1", at + minutes(1)), None);
        throttle.succeed("admin", "10.0.0.1");
        assert_eq!(
            throttle.wait("admin", "198.51.100.7", at),
            None,
            "a success ends the run"
        );
    }

    #[test]
    fn failures_long_ago_start_the_count_again() {
        let throttle = LoginThrottle::default();
        let at = now();
        for _ in 0..4 {
            throttle.fail("admin", "10.0.0.9", at);
        }
        let later = at + LONGEST_WAIT;
        throttle.fail("admin", "10.0.0.9", later);
        assert_eq!(
            throttle.wait("admin", "10.0.0.9", later),
            None,
            "one failure in the new run"
        );
    }

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
