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
            lists: Default::default(),
        }
    }

    /// The same state, keeping lists in `lists` (see `db::list_cache`).
    pub fn with_lists(mut self, lists: db::list_cache::ListCache) -> Self {
        self.lists = Arc::new(lists);
        self
    }
}
