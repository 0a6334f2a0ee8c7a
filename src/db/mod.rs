//! Storage machinery: opening the database (SQLite with WAL and foreign keys by default,
//! PostgreSQL in production) and the modules that exist for speed, each of which says at its
//! top what a caller must and must not do. Rules live in `domain`, queries of an aggregate in
//! `service`; nothing here knows what a project is beyond its tables.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::ConnectOptions as _;
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, DbErr, RuntimeErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

pub mod bulk;
pub mod columnar;
pub mod list_cache;
pub mod packed;
mod readers;
mod sqlite_memory;

pub use readers::{Readers, SqliteReaders};

/// How long a request waits for the database before it gives up with "busy" (503 with
/// `Retry-After`, never a 500): for a free connection of the pool (on SQLite the one writer,
/// which a ledger import holds while it writes), and on SQLite for another process's write
/// lock (`busy_timeout`).
pub const DATABASE_WAIT: Duration = Duration::from_secs(10);

/// Connects to `url` (`sqlite://…` or `postgres://…`), creating a SQLite file if missing.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url);
    options.sqlx_logging(false).acquire_timeout(DATABASE_WAIT);
    if url.starts_with("sqlite") {
        sqlite_memory::configure();
        // One connection: SQLite serialises writers anyway, and a single connection keeps
        // `sqlite::memory:` one database and avoids busy errors between writers.
        // No ping before each use: a SQLite connection is a file handle that cannot drop,
        // and sqlx answers a ping on the connection's own thread, a round trip per query
        // (measured: GET /api/v1/projects/{id} 9,600 → 11,300 req/s).
        options.max_connections(1).min_connections(1).test_before_acquire(false);
        options.map_sqlx_sqlite_opts(|opts| {
            opts.create_if_missing(true)
                .foreign_keys(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(DATABASE_WAIT)
                // A 16 MiB page cache (the default is 2 MiB) and statement journals in
                // memory: a ledger import writes 100,000 projects in one transaction, which
                // with the default spilled to disk page by page. Since a first load sets the
                // indexes aside (db::bulk), 32 MiB was no faster for a fresh import or a
                // re-import and cost 15 MiB more at the peak (measured, three runs each).
                .pragma("cache_size", "-16384")
                .pragma("temp_store", "memory")
                // Checkpoints run in the background (see `checkpoint_in_background`), not at
                // the commit that grows the WAL past 1,000 pages; this is only the backstop.
                .pragma("wal_autocheckpoint", WAL_BACKSTOP_PAGES)
        });
        let db = Database::connect(options).await?;
        if is_sqlite_file(url) {
            checkpoint_in_background(db.clone());
        }
        return Ok(db);
    }
    connect_postgres(url).await.map_err(|err| explain_postgres(url, err))
}

async fn connect_postgres(url: &str) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url);
    options
        .sqlx_logging(false)
        .acquire_timeout(DATABASE_WAIT)
        .max_connections(16);
    // A statement waiting longer than that for a row or table lock gives up (55P03, "busy").
    let lock_timeout = format!("{}ms", DATABASE_WAIT.as_millis());
    options.map_sqlx_postgres_opts(move |opts| opts.options([("lock_timeout", lock_timeout.as_str())]));
    Database::connect(options).await
}

/// Whether PostgreSQL refused the connection because the database does not exist (3D000).
fn is_missing_database(err: &DbErr) -> bool {
    match err {
        DbErr::Conn(RuntimeErr::SqlxError(e)) => match &**e {
            sea_orm::sqlx::Error::Database(db) => db.code().as_deref() == Some("3D000"),
            _ => false,
        },
        _ => false,
    }
}

/// The database a PostgreSQL URL names (`zhaoshang` when it names none).
fn database_name(url: &str) -> &str {
    url.split('?')
        .next()
        .and_then(|u| u.rsplit('/').next())
        .filter(|n| !n.is_empty() && !n.contains('@'))
        .unwrap_or("zhaoshang")
}

/// The user a PostgreSQL URL connects as, if it names one.
fn user_name(url: &str) -> Option<&str> {
    let (_, rest) = url.split_once("://")?;
    let (credentials, _) = rest.split_once('@')?;
    Some(credentials.split(':').next().unwrap_or(credentials)).filter(|u| !u.is_empty())
}

/// Opens and migrates the database as [`connect_and_migrate`] does, but on PostgreSQL creates
/// a database that does not exist yet first, when the server lets this user (`CREATE
/// DATABASE`, from the server's `postgres` maintenance database); when it does not, the error
/// says in one line what to run. Returns the name of the database it created, if it did.
/// `serve` opens its database so; the other commands do not create one.
pub async fn connect_and_migrate_creating(url: &str) -> Result<(DatabaseConnection, Option<String>), DbErr> {
    if !url.starts_with("postgres") {
        return Ok((connect_and_migrate(url).await?, None));
    }
    match connect_postgres(url).await {
        Ok(db) => Ok((migrate(db).await?, None)),
        Err(err) if is_missing_database(&err) => {
            let name = database_name(url);
            create_postgres_database(url, name).await?;
            Ok((connect_and_migrate(url).await?, Some(name.to_owned())))
        }
        Err(err) => Err(explain_postgres(url, err)),
    }
}

/// What PostgreSQL said, without sqlx's wrapping nor the server's source line.
fn server_says(err: &DbErr) -> String {
    match err {
        DbErr::Conn(RuntimeErr::SqlxError(e)) | DbErr::Exec(RuntimeErr::SqlxError(e)) => match &**e {
            sea_orm::sqlx::Error::Database(db) => db.message().to_owned(),
            other => other.to_string(),
        },
        other => other.to_string(),
    }
}

/// `CREATE DATABASE name` on the server `url` names, from its `postgres` database.
async fn create_postgres_database(url: &str, name: &str) -> Result<(), DbErr> {
    let refused = |why: &DbErr| {
        let why = server_says(why);
        let owner = user_name(url).map(|u| format!(" -O {u}")).unwrap_or_default();
        DbErr::Custom(format!(
            "the PostgreSQL database `{name}` does not exist and could not be created ({why}); have it created with `createdb{owner} {name}` as a user who may, then run this again"
        ))
    };
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
    let maintenance = match query {
        Some(query) => format!("{server}/postgres?{query}"),
        None => format!("{server}/postgres"),
    };
    let mut options = ConnectOptions::new(maintenance);
    options
        .sqlx_logging(false)
        .max_connections(1)
        .acquire_timeout(DATABASE_WAIT);
    let admin = Database::connect(options).await.map_err(|e| refused(&e))?;
    let quoted = format!("\"{}\"", name.replace('"', "\"\""));
    let created = admin.execute_unprepared(&format!("CREATE DATABASE {quoted}")).await;
    admin.close().await.ok();
    match created {
        Ok(_) => Ok(()),
        // Created meanwhile by another process: as good.
        Err(e) if server_says(&e).contains("already exists") => Ok(()),
        Err(e) => Err(refused(&e)),
    }
}

/// A PostgreSQL connection error in words an operator can act on, where there are some: the
/// server's own message for a database that does not exist ends in "at line 948" of its source.
fn explain_postgres(url: &str, err: DbErr) -> DbErr {
    if !is_missing_database(&err) {
        return err;
    }
    let name = database_name(url);
    DbErr::Custom(format!(
        "the PostgreSQL database `{name}` does not exist on that server; create it first (`createdb {name}`, or `CREATE DATABASE {name};` in psql), then run this again: zhaoshang creates its tables itself"
    ))
}

/// Pages the SQLite writer lets its WAL reach before it checkpoints at a commit itself (about
/// 400 MiB): only when the background checkpoints cannot keep up.
const WAL_BACKSTOP_PAGES: &str = "100000";

/// How often the background task copies what the WAL holds into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

/// Copies the WAL's committed pages into the database file every [`CHECKPOINT_EVERY`] on the
/// writer connection, until the writer is closed. SQLite's own automatic checkpoint runs inside
/// the commit that crosses its threshold, so a ledger import of 100,000 projects spent 0.3 s of
/// its answer copying its 160 MiB there; here it happens after the answer. A commit is no less
/// durable: with `synchronous = NORMAL` the WAL is synced at each checkpoint, which now comes
/// within a second of it (a process that crashes loses nothing either way).
fn checkpoint_in_background(db: DatabaseConnection) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(CHECKPOINT_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if db.get_sqlite_connection_pool().is_closed() {
                break;
            }
            // PASSIVE: copies what no reader still needs, waits for nobody; the rest next time.
            if let Err(err) = db.execute_unprepared("PRAGMA wal_checkpoint(PASSIVE)").await {
                tracing::warn!(error = %err, "background WAL checkpoint failed");
            }
        }
    });
}

/// The connections for requests that only read, beside the writer `db` opened on the same
/// `url` (see [`Readers`]). On a SQLite file they are read-only connections of their own: the
/// writer is a single connection (see [`connect`]), and in WAL mode readers run beside it and
/// beside each other, each statement seeing every transaction committed before it began. An
/// in-memory SQLite database exists only on its one connection, and PostgreSQL pools already,
/// so there they are the writer's.
pub async fn connect_reader(url: &str, db: &DatabaseConnection) -> Result<Readers, DbErr> {
    if db.get_database_backend() != DatabaseBackend::Sqlite || !is_sqlite_file(url) {
        return Ok(Readers::Writer(db.clone()));
    }
    let most = std::thread::available_parallelism().map_or(4, |n| n.get() * 2);
    let options = url
        .parse::<SqliteConnectOptions>()
        .map_err(|e| DbErr::Conn(RuntimeErr::SqlxError(e.into())))?
        .read_only(true)
        .create_if_missing(false)
        .busy_timeout(DATABASE_WAIT)
        .disable_statement_logging()
        .pragma("cache_size", "-8192")
        // Pages read straight from the operating system's cache, which all readers share,
        // instead of copied into each connection's own cache.
        .pragma("mmap_size", "1073741824");
    Ok(Readers::Sqlite(SqliteReaders::open(options, most).await?.into()))
}

/// Whether `url` names a SQLite file, which other connections of this process can open beside
/// the writer (an in-memory database exists only on its one connection).
pub fn is_sqlite_file(url: &str) -> bool {
    url.starts_with("sqlite") && !url.contains(":memory:") && !url.contains("mode=memory")
}

/// Begins a transaction that writes: on SQLite `BEGIN IMMEDIATE`, which takes the write lock
/// at once, waiting up to [`DATABASE_WAIT`] for another process to let it go. A plain
/// (deferred) `BEGIN` takes it at the first write, and a transaction that has read by then is
/// answered "busy" at once, without waiting. On PostgreSQL the same as `begin`. Every service
/// that writes begins its transaction here.
pub async fn begin_write<C: TransactionTrait>(db: &C) -> Result<C::Transaction, DbErr> {
    let immediate = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    };
    db.begin_with_options(immediate).await
}

/// Connects and applies every pending migration.
pub async fn connect_and_migrate(url: &str) -> Result<DatabaseConnection, DbErr> {
    migrate(connect(url).await?).await
}

async fn migrate(db: DatabaseConnection) -> Result<DatabaseConnection, DbErr> {
    Migrator::up(&db, None).await?;
    if db.get_database_backend() == DatabaseBackend::Sqlite {
        // Keeps the query planner's statistics fresh, so the KPI queries pick their indexes.
        db.execute_unprepared("PRAGMA optimize").await?;
    }
    Ok(db)
}
