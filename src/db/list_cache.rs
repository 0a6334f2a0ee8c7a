//! Answers of busy lists (the project list a task force and its leaders keep reopening), kept
//! until the database changes. On a SQLite file, a connection of its own asks SQLite's
//! `PRAGMA data_version`, which changes whenever any other connection (the server's writer,
//! or another process on the same file) has committed since it last asked; every change
//! begins a new generation and forgets every kept answer. Each request asks first, before it
//! looks anything up, so it is never answered from data older than what had been committed
//! when it arrived: a list is never stale, only sometimes not kept.
//!
//! Elsewhere nothing is kept: PostgreSQL has no cheap way to learn of other servers' commits,
//! and an in-memory SQLite database lives on its writer's one connection.
//!
//! For callers: key an answer by everything that shapes it (the user's scope, every filter,
//! the page), since a kept answer is returned to whoever asks with the same key. Keep only
//! answers that depend on the database alone, never on the clock or the caller beyond the key.

use std::future::Future;
use std::sync::Mutex;

use bytes::Bytes;
use foldhash::HashMap;
use sea_orm::DbErr;
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sea_orm::sqlx::{ConnectOptions, Row};

/// Bytes of answers kept at most (a page of 20 projects is about 20 KB); the next answer
/// after that starts afresh.
const MAX_BYTES: usize = 32 * 1024 * 1024;

/// See the module documentation.
#[derive(Default)]
pub struct ListCache {
    /// `None` where nothing is kept.
    probe: Option<tokio::sync::Mutex<Probe>>,
    kept: Mutex<Kept>,
}

struct Probe {
    /// Never replaced: `data_version` compares what one connection saw with what it sees now.
    connection: SqliteConnection,
    seen: Option<i64>,
    generation: u64,
}

#[derive(Default)]
struct Kept {
    generation: u64,
    answers: HashMap<String, Bytes>,
    bytes: usize,
}

impl ListCache {
    /// A cache for the database at `url`: one that keeps answers on a SQLite file, one that
    /// keeps nothing elsewhere.
    pub async fn open(url: &str) -> Result<Self, DbErr> {
        if !crate::db::is_sqlite_file(url) {
            return Ok(Self::default());
        }
        let options: SqliteConnectOptions = url
            .parse::<SqliteConnectOptions>()
            .map_err(|e| DbErr::Conn(sea_orm::RuntimeErr::Internal(e.to_string())))?
            .read_only(true)
            .create_if_missing(false);
        let connection = options
            .connect()
            .await
            .map_err(|e| DbErr::Conn(sea_orm::RuntimeErr::Internal(e.to_string())))?;
        Ok(Self {
            probe: Some(tokio::sync::Mutex::new(Probe {
                connection,
                seen: None,
                generation: 0,
            })),
            kept: Mutex::default(),
        })
    }

    /// Whether answers are kept at all.
    pub fn keeps(&self) -> bool {
        self.probe.is_some()
    }

    /// The answer to `key` kept from the database as it is now, or the one `answer` gives,
    /// kept for the next request with the same key.
    pub async fn answer<E, F>(&self, key: String, answer: F) -> Result<Bytes, E>
    where
        E: From<DbErr>,
        F: Future<Output = Result<Bytes, E>>,
    {
        let Some(generation) = self.generation().await? else {
            return answer.await;
        };
        {
            let kept = self.kept.lock().expect("list cache lock");
            if kept.generation == generation
                && let Some(body) = kept.answers.get(&key)
            {
                return Ok(body.clone());
            }
        }
        let body = answer.await?;
        let mut kept = self.kept.lock().expect("list cache lock");
        if kept.generation < generation || kept.bytes + key.len() + body.len() > MAX_BYTES {
            kept.answers.clear();
            kept.bytes = 0;
            kept.generation = kept.generation.max(generation);
        }
        // An answer read in an older generation than the kept ones may be older than they are.
        if kept.generation == generation {
            let (key_len, body_len) = (key.len(), body.len());
            kept.bytes += key_len + body_len;
            if let Some(replaced) = kept.answers.insert(key, body.clone()) {
                kept.bytes -= key_len + replaced.len();
            }
        }
        Ok(body)
    }

    /// The generation of the database now; `None` where nothing is kept.
    async fn generation(&self) -> Result<Option<u64>, DbErr> {
        let Some(probe) = &self.probe else {
            return Ok(None);
        };
        // Held across the ask and the comparison: a later ask must not be compared first.
        let mut probe = probe.lock().await;
        let version: i64 = sea_orm::sqlx::query("PRAGMA data_version")
            .fetch_one(&mut probe.connection)
            .await
            .and_then(|row| row.try_get(0))
            .map_err(|e| DbErr::Query(sea_orm::RuntimeErr::Internal(e.to_string())))?;
        if probe.seen != Some(version) {
            probe.seen = Some(version);
            probe.generation += 1;
        }
        Ok(Some(probe.generation))
    }
}
