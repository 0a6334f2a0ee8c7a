//! The connections requests that only read go through ([`Readers`]). On a SQLite file: a few
//! read-only connections of their own, each lent for one statement at a time and back at
//! once. sqlx's pool, which sea-orm's connection is, pings every connection handed back (a
//! round trip to the connection's own thread, as sqlx runs each SQLite connection on a thread
//! of its own) from a task spawned for it; for a read as short as one project's, that doubled
//! the hand-offs between threads. A SQLite connection to a file is a file handle: there is
//! nothing a ping would find. Elsewhere (PostgreSQL, an in-memory SQLite database) they are the
//! writer's pool itself.
//!
//! For callers: send only statements that read; the SQLite connections are opened read-only
//! and a write fails. [`Readers`] implements sea-orm's `ConnectionTrait` by hand, so that the
//! services take it as any connection: `sea-query-sqlx` and `async-trait` are pinned in
//! `Cargo.toml` to the versions sea-orm uses, and upgrading sea-orm means upgrading them with
//! it. A transaction is not offered: writes go through the writer.

use std::sync::{Arc, Mutex};

use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sea_orm::sqlx::{self, ConnectOptions as _};
use sea_orm::{
    ConnAcquireErr, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, ExecResult, QueryResult, RuntimeErr,
    Statement,
};
use sea_query_sqlx::SqlxValues;
use tokio::sync::{Semaphore, SemaphorePermit};

/// Where requests that only read read; see the module documentation.
#[derive(Clone)]
pub enum Readers {
    /// The writer's own connections.
    Writer(DatabaseConnection),
    /// Read-only connections to a SQLite file beside the writer.
    Sqlite(Arc<SqliteReaders>),
}

impl Readers {
    /// A connection of its own for a long read that must see one state of the database
    /// throughout, in a transaction (a dry-run import): on a SQLite file a new read-only one,
    /// which holds no lock a writer waits for and leaves the readers free; `None` where the
    /// readers are the writer's pool (use it: on PostgreSQL a read takes no lock either).
    pub async fn snapshot(&self) -> Result<Option<DatabaseConnection>, DbErr> {
        match self {
            Self::Writer(_) => Ok(None),
            Self::Sqlite(readers) => {
                let pool = sqlx::sqlite::SqlitePoolOptions::new()
                    .max_connections(1)
                    .connect_with(readers.options.clone())
                    .await
                    .map_err(conn_err)?;
                Ok(Some(sea_orm::SqlxSqliteConnector::from_sqlx_sqlite_pool(pool)))
            }
        }
    }
}

impl From<DatabaseConnection> for Readers {
    fn from(db: DatabaseConnection) -> Self {
        Self::Writer(db)
    }
}

/// Up to a fixed number of read-only connections to one SQLite file, opened as first needed.
pub struct SqliteReaders {
    options: SqliteConnectOptions,
    /// Connections not lent now.
    idle: Mutex<Vec<SqliteConnection>>,
    /// One permit per connection that may be lent: held while it is.
    lendable: Semaphore,
}

/// A connection lent by [`SqliteReaders`]; back among the idle ones when dropped, unless it
/// was found broken.
struct Lent<'a> {
    connection: Option<SqliteConnection>,
    readers: &'a SqliteReaders,
    _permit: SemaphorePermit<'a>,
}

impl SqliteReaders {
    /// Up to `most` connections with `options` (read-only ones), the first opened now, so that
    /// a database that cannot be read is found at start.
    pub async fn open(options: SqliteConnectOptions, most: usize) -> Result<Self, DbErr> {
        let first = options.connect().await.map_err(conn_err)?;
        Ok(Self {
            options,
            idle: Mutex::new(vec![first]),
            lendable: Semaphore::new(most.max(1)),
        })
    }

    async fn lend(&self) -> Result<Lent<'_>, DbErr> {
        let permit = tokio::time::timeout(super::DATABASE_WAIT, self.lendable.acquire())
            .await
            .map_err(|_| DbErr::ConnectionAcquire(ConnAcquireErr::Timeout))?
            .map_err(|_| DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed))?;
        let idle = self.idle.lock().expect("readers lock").pop();
        let connection = match idle {
            Some(connection) => connection,
            None => self.options.connect().await.map_err(conn_err)?,
        };
        Ok(Lent {
            connection: Some(connection),
            readers: self,
            _permit: permit,
        })
    }

    /// Runs `run` on a lent connection. A connection whose thread is gone, or whose file
    /// failed, is closed rather than lent again; the next lending opens another.
    async fn with<T>(
        &self,
        run: impl AsyncFnOnce(&mut SqliteConnection) -> Result<T, sqlx::Error>,
        err: fn(sqlx::Error) -> DbErr,
    ) -> Result<T, DbErr> {
        let mut lent = self.lend().await?;
        let connection = lent.connection.as_mut().expect("a lent connection");
        match run(connection).await {
            Ok(done) => Ok(done),
            Err(e) => {
                if matches!(e, sqlx::Error::WorkerCrashed | sqlx::Error::Io(_)) {
                    lent.connection = None;
                }
                Err(err(e))
            }
        }
    }
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        // Back before the permit is, so that whoever the permit goes to finds it.
        if let Some(connection) = self.connection.take() {
            self.readers.idle.lock().expect("readers lock").push(connection);
        }
    }
}

/// `statement` as sqlx's query, its values bound.
fn query(statement: Statement) -> sqlx::query::Query<'static, sqlx::Sqlite, SqlxValues> {
    let values = statement.values.unwrap_or(sea_orm::Values(Vec::new()));
    sqlx::query_with(sqlx::AssertSqlSafe(statement.sql), SqlxValues(values))
}

fn query_err(e: sqlx::Error) -> DbErr {
    DbErr::Query(RuntimeErr::SqlxError(Arc::new(e)))
}

fn exec_err(e: sqlx::Error) -> DbErr {
    DbErr::Exec(RuntimeErr::SqlxError(Arc::new(e)))
}

fn conn_err(e: sqlx::Error) -> DbErr {
    DbErr::Conn(RuntimeErr::SqlxError(Arc::new(e)))
}

#[async_trait::async_trait]
impl ConnectionTrait for Readers {
    fn get_database_backend(&self) -> DatabaseBackend {
        match self {
            Self::Writer(db) => db.get_database_backend(),
            Self::Sqlite(_) => DatabaseBackend::Sqlite,
        }
    }

    async fn execute_raw(&self, statement: Statement) -> Result<ExecResult, DbErr> {
        match self {
            Self::Writer(db) => db.execute_raw(statement).await,
            Self::Sqlite(readers) => {
                let query = query(statement);
                readers
                    .with(async |c| query.execute(c).await.map(Into::into), exec_err)
                    .await
            }
        }
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        match self {
            Self::Writer(db) => db.execute_unprepared(sql).await,
            Self::Sqlite(readers) => {
                let sql = sqlx::AssertSqlSafe(sql.to_owned());
                readers
                    .with(
                        async |c| sqlx::Executor::execute(c, sql).await.map(Into::into),
                        exec_err,
                    )
                    .await
            }
        }
    }

    async fn query_one_raw(&self, statement: Statement) -> Result<Option<QueryResult>, DbErr> {
        match self {
            Self::Writer(db) => db.query_one_raw(statement).await,
            Self::Sqlite(readers) => {
                let query = query(statement);
                readers
                    .with(
                        async |c| query.fetch_optional(c).await.map(|row| row.map(Into::into)),
                        query_err,
                    )
                    .await
            }
        }
    }

    async fn query_all_raw(&self, statement: Statement) -> Result<Vec<QueryResult>, DbErr> {
        match self {
            Self::Writer(db) => db.query_all_raw(statement).await,
            Self::Sqlite(readers) => {
                let query = query(statement);
                readers
                    .with(
                        async |c| {
                            query
                                .fetch_all(c)
                                .await
                                .map(|rows| rows.into_iter().map(Into::into).collect())
                        },
                        query_err,
                    )
                    .await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use sea_orm::sqlx::sqlite::SqliteConnectOptions;
    use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr, Statement};

    use super::{Readers, SqliteReaders};

    /// A fresh database file with a table `t` of `rows` numbers, its writer, and readers that
    /// lend at most `most` connections.
    async fn database(rows: i64, most: usize) -> (std::path::PathBuf, sea_orm::DatabaseConnection, Readers) {
        let dir = std::env::temp_dir().join(format!("zs-readers-{:016x}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("r.db");
        let url = format!("sqlite://{}?mode=rwc", file.display());
        let db = crate::db::connect(&url).await.unwrap();
        db.execute_unprepared("CREATE TABLE t (n INTEGER PRIMARY KEY)")
            .await
            .unwrap();
        db.execute_unprepared(&format!(
            "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {rows}) INSERT INTO t SELECT n FROM s"
        ))
        .await
        .unwrap();
        let options = SqliteConnectOptions::new().filename(&file).read_only(true);
        let readers = Readers::Sqlite(SqliteReaders::open(options, most).await.unwrap().into());
        (dir, db, readers)
    }

    async fn count(readers: &Readers) -> Result<i64, DbErr> {
        let statement = Statement::from_sql_and_values(
            DatabaseBackend::Sqlite,
            "SELECT COUNT(*) FROM t WHERE n > ?",
            [0i64.into()],
        );
        let row = readers.query_one_raw(statement).await?.expect("a row");
        row.try_get_by_index(0)
    }

    #[tokio::test]
    async fn readers_lend_their_connections_to_more_readers_than_they_have_in_turn() {
        let (dir, db, readers) = database(1000, 2).await;
        let mut reads = tokio::task::JoinSet::new();
        for _ in 0..16 {
            let readers = readers.clone();
            reads.spawn(async move { count(&readers).await });
        }
        for counted in reads.join_all().await {
            assert_eq!(counted.unwrap(), 1000);
        }

        // Every statement sees what was committed before it began.
        db.execute_unprepared("INSERT INTO t VALUES (1001)").await.unwrap();
        assert_eq!(count(&readers).await.unwrap(), 1001);
        let Readers::Sqlite(sqlite) = &readers else {
            unreachable!()
        };
        let idle = sqlite.idle.lock().unwrap().len();
        assert!(
            (1..=2).contains(&idle),
            "each lent connection came back, no more than allowed: {idle}"
        );
        std::fs::remove_dir_all(dir).ok();
    }

    #[tokio::test]
    async fn a_refused_write_or_an_abandoned_read_leaves_the_readers_usable() {
        let (dir, _db, readers) = database(200_000, 1).await;
        let refused = readers.execute_unprepared("INSERT INTO t VALUES (0)").await;
        assert!(refused.is_err(), "the readers are read-only");

        // A read given up while its statement runs: its connection comes back and serves on.
        let slow = Statement::from_string(
            DatabaseBackend::Sqlite,
            "SELECT SUM(a.n % 7) FROM t a, t b WHERE b.n < 50",
        );
        let abandoned = tokio::time::timeout(Duration::from_millis(1), readers.query_one_raw(slow)).await;
        assert!(abandoned.is_err(), "the read was given up");
        let Readers::Sqlite(sqlite) = &readers else {
            unreachable!()
        };
        assert_eq!(sqlite.idle.lock().unwrap().len(), 1, "its connection came back");
        assert_eq!(count(&readers).await.unwrap(), 200_000);
        std::fs::remove_dir_all(dir).ok();
    }
}
