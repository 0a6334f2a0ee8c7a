//! What every request handler can reach: the database connections and the caches shared by
//! all requests. Built once by `main` (or a test) and attached to the app by [`crate::app`];
//! handlers read it, they do not replace its parts.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::{db, service};

/// What every request handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// Writes, and reads inside them.
    pub db: DatabaseConnection,
    /// Requests that only read ([`db::connect_reader`]); the writer itself where the database
    /// has no separate readers.
    pub reader: db::Readers,
    /// Failed password sign-ins, to slow guessing down.
    pub login_throttle: Arc<service::auth::LoginThrottle>,
    /// Tokens checked a moment ago; cleared by every change to tokens and users.
    pub tokens: Arc<service::auth::TokenCache>,
    /// Tokens used since their last use was written ([`AppState::write_token_uses_every`]).
    pub token_uses: Arc<service::auth::TokenUses>,
    /// Project lists kept until the database changes; keeps nothing unless given one that
    /// does ([`AppState::with_lists`]).
    pub lists: Arc<db::list_cache::ListCache>,
}

impl AppState {
    /// State whose reads share the writer's connections.
    pub fn new(db: DatabaseConnection) -> Self {
        Self::with_reader(db.clone(), db.into())
    }

    /// State with read-only requests served by `reader`.
    pub fn with_reader(db: DatabaseConnection, reader: db::Readers) -> Self {
        Self {
            db,
            reader,
            login_throttle: Default::default(),
            tokens: Default::default(),
            token_uses: Default::default(),
            lists: Default::default(),
        }
    }

    /// The same state, keeping lists in `lists` (see `db::list_cache`).
    pub fn with_lists(mut self, lists: db::list_cache::ListCache) -> Self {
        self.lists = Arc::new(lists);
        self
    }

    /// Writes the tokens' uses every [`service::auth::TOKEN_USES_EVERY`], off the requests'
    /// path, until the returned task is aborted; call [`AppState::write_token_uses`] once more
    /// when the server stops.
    pub fn write_token_uses_every(&self) -> tokio::task::JoinHandle<()> {
        let state = self.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(service::auth::TOKEN_USES_EVERY);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                state.write_token_uses().await;
            }
        })
    }

    /// Writes the tokens' uses noted so far; a failure is logged, and they wait for the next time.
    pub async fn write_token_uses(&self) {
        if let Err(err) = service::auth::write_token_uses(&self.db, &self.token_uses).await {
            tracing::warn!(error = %err, "the tokens' last use could not be written yet");
        }
    }
}
