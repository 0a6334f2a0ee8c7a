//! Bulk loads: the secondary indexes of the tables a load fills are set aside while its rows
//! go in and rebuilt afterwards, in the same transaction. Building an index from its rows in
//! one sorted pass costs a fraction of inserting each row into it one at a time, which is what
//! a first ledger import of a district (100,000 projects and their history, payments and
//! trail into tables with twenty indexes) spent most of its time on. The advice of both
//! databases for loading a table (PostgreSQL's "Populating a Database", SQLite's CREATE INDEX).
//!
//! A table's indexes are set aside only when the load at least doubles it, and adds at least
//! [`MIN_ROWS`]: rebuilding a large table's indexes for a few rows costs more than it saves.
//! A load whose size shows only as it goes ([`Loading`], a ledger import written while the
//! file is still read) sets a table aside once the rows it has put in get there.
//! Only non-unique indexes are set aside: unique ones and primary keys still check every row
//! as it goes in. The definitions are read back from the database's own catalog, so the
//! migrations stay the one place that says which indexes exist. If the transaction rolls
//! back, so do the drops. The rebuilt tables are analysed again, as dropping an index drops
//! the query planner's statistics of it.
//!
//! On PostgreSQL the foreign keys of those tables are set aside as well and added back after
//! the rows: PostgreSQL checks a foreign key row by row with a query of its own, which was
//! three fifths of the server's time in a first import, and adding the key back checks every
//! row in one join. (SQLite checks a row with one lookup of the parent's key; setting its
//! checks aside gained nothing.) Dropping a foreign key also locks the table it references
//! (users, teams, investors, projects) until the load commits, so on a district's first import
//! other requests wait for it, as they already wait for the tables whose indexes are rebuilt.
//!
//! For callers (the ledger import's load is the one today): call it only inside a
//! transaction, and only for a load that may lock the tables it fills until it commits. Call
//! [`SetAside::rebuild`] (or [`Loading::finish`] then `rebuild`) before committing: a
//! transaction committed without it leaves the tables without their indexes and foreign keys.
//! Never use it for a request's ordinary writes.

use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr, Statement};

/// Indexes (and on PostgreSQL foreign keys) dropped for a load; [`SetAside::rebuild`] creates
/// them again.
#[must_use = "the indexes must be rebuilt before the transaction commits"]
pub struct SetAside {
    tables: Vec<String>,
    definitions: Vec<String>,
    /// PostgreSQL's foreign keys of the tables: (table, constraint, definition), quoted.
    foreign_keys: Vec<(String, String, String)>,
}

/// Rows a load must add to a table before its indexes are set aside.
pub const MIN_ROWS: usize = 1_000;

/// Drops the non-unique secondary indexes of the tables of `loads` that the load at least
/// doubles (each with the number of rows about to go in), and on PostgreSQL their foreign
/// keys, and returns their definitions. Call it inside the load's transaction: on PostgreSQL
/// the drops lock the tables, and those the foreign keys reference, until it ends.
pub async fn set_aside_for_load(db: &impl ConnectionTrait, loads: &[(&str, usize)]) -> Result<SetAside, DbErr> {
    let loads: Vec<(&str, usize, usize)> = loads.iter().map(|&(table, adding)| (table, adding, 0)).collect();
    set_aside(db, &loads).await
}

/// [`set_aside_for_load`] for loads of `(table, adding, already)`: `already` of the `adding`
/// rows are in the table.
async fn set_aside(db: &impl ConnectionTrait, loads: &[(&str, usize, usize)]) -> Result<SetAside, DbErr> {
    let backend = db.get_database_backend();
    let mut tables = Vec::new();
    for &(table, adding, already) in loads {
        if adding < MIN_ROWS {
            continue;
        }
        // Counts no further than `adding` stored rows, however large the table.
        let sql = format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM (SELECT 1 FROM {} LIMIT {}) AS stored",
            quoted(table),
            adding + already
        );
        let counted: i64 = match db.query_one_raw(Statement::from_string(backend, sql)).await? {
            Some(row) => row.try_get("", "n")?,
            None => 0,
        };
        let stored = usize::try_from(counted).unwrap_or(usize::MAX).saturating_sub(already);
        if stored < adding {
            tables.push(table);
        }
    }
    if tables.is_empty() {
        return Ok(SetAside {
            tables: Vec::new(),
            definitions: Vec::new(),
            foreign_keys: Vec::new(),
        });
    }
    let list = tables
        .iter()
        .map(|t| format!("'{}'", t.replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = match backend {
        // `sql` is NULL for the indexes behind UNIQUE and PRIMARY KEY constraints.
        DatabaseBackend::Sqlite => format!(
            "SELECT name, sql AS definition FROM sqlite_master \
             WHERE type = 'index' AND tbl_name IN ({list}) AND sql IS NOT NULL \
             AND sql NOT LIKE 'CREATE UNIQUE%' ORDER BY name"
        ),
        DatabaseBackend::Postgres => format!(
            "SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS definition \
             FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
             JOIN pg_class t ON t.oid = i.indrelid \
             WHERE t.relname IN ({list}) AND t.relnamespace = current_schema()::regnamespace \
             AND NOT i.indisunique AND NOT i.indisprimary ORDER BY c.relname"
        ),
        other => return Err(DbErr::Custom(format!("bulk loads are not supported on {other:?}"))),
    };
    let rows = db.query_all_raw(Statement::from_string(backend, sql)).await?;
    let mut definitions = Vec::with_capacity(rows.len());
    for row in rows {
        let name: String = row.try_get("", "name")?;
        definitions.push(row.try_get("", "definition")?);
        db.execute_unprepared(&format!("DROP INDEX {}", quoted(&name))).await?;
    }
    let mut foreign_keys = Vec::new();
    if backend == DatabaseBackend::Postgres {
        let sql = format!(
            "SELECT t.relname AS table_name, c.conname AS name, pg_get_constraintdef(c.oid) AS definition \
             FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid \
             WHERE c.contype = 'f' AND t.relname IN ({list}) \
             AND t.relnamespace = current_schema()::regnamespace ORDER BY t.relname, c.conname"
        );
        for row in db.query_all_raw(Statement::from_string(backend, sql)).await? {
            let table = quoted(&row.try_get::<String>("", "table_name")?);
            let name = quoted(&row.try_get::<String>("", "name")?);
            db.execute_unprepared(&format!("ALTER TABLE {table} DROP CONSTRAINT {name}"))
                .await?;
            foreign_keys.push((table, name, row.try_get("", "definition")?));
        }
    }
    Ok(SetAside {
        tables: tables.iter().map(|t| quoted(t)).collect(),
        definitions,
        foreign_keys,
    })
}

/// A load whose size shows only as it goes (a ledger's rows written while the rest of the file
/// is still read): a table's indexes are set aside before the statement with which the load
/// comes to at least double what it held, looked at from [`MIN_ROWS`] on and each time the
/// count doubles. The rows in before that went through the live indexes: at most half the
/// load, none when its first statement already doubles the table.
pub struct Loading {
    tables: Vec<Watched>,
    set_aside: SetAside,
}

struct Watched {
    table: &'static str,
    loaded: usize,
    next_check: usize,
    set_aside: bool,
}

impl Loading {
    /// Watches the loads into `tables`.
    pub fn new(tables: &[&'static str]) -> Self {
        Self {
            tables: tables
                .iter()
                .map(|&table| Watched {
                    table,
                    loaded: 0,
                    next_check: MIN_ROWS,
                    set_aside: false,
                })
                .collect(),
            set_aside: SetAside {
                tables: Vec::new(),
                definitions: Vec::new(),
                foreign_keys: Vec::new(),
            },
        }
    }

    /// Counts `rows` about to be inserted into `table` in the load's transaction, and first
    /// sets the table's indexes aside when with them the load comes to at least double it.
    /// Tables not watched are ignored.
    pub async fn inserting(&mut self, db: &impl ConnectionTrait, table: &str, rows: usize) -> Result<(), DbErr> {
        let Some(watched) = self.tables.iter_mut().find(|w| w.table == table) else {
            return Ok(());
        };
        let adding = watched.loaded + rows;
        if !watched.set_aside && adding >= watched.next_check {
            let more = set_aside(db, &[(watched.table, adding, watched.loaded)]).await?;
            watched.set_aside = !more.tables.is_empty();
            watched.next_check = adding.saturating_mul(2);
            self.set_aside.tables.extend(more.tables);
            self.set_aside.definitions.extend(more.definitions);
            self.set_aside.foreign_keys.extend(more.foreign_keys);
        }
        watched.loaded = adding;
        Ok(())
    }

    /// The tables set aside so far, quoted.
    pub fn set_aside_tables(&self) -> &[String] {
        self.set_aside.tables()
    }

    /// What was set aside, to rebuild before the transaction commits.
    pub fn finish(self) -> SetAside {
        self.set_aside
    }
}

impl SetAside {
    /// The tables whose indexes were set aside, quoted.
    pub fn tables(&self) -> &[String] {
        &self.tables
    }

    /// Creates the indexes again from the rows now in their tables, adds the foreign keys back
    /// (which checks every row), and analyses the tables; nothing when nothing was set aside.
    /// On SQLite the indexes are built with a 64 MiB page cache (`SQLITE_REBUILD_CACHE_KIB`),
    /// set back afterwards.
    pub async fn rebuild(self, db: &impl ConnectionTrait) -> Result<(), DbErr> {
        let cache = if db.get_database_backend() == DatabaseBackend::Sqlite && !self.definitions.is_empty() {
            sqlite_cache_at_least(db, SQLITE_REBUILD_CACHE_KIB).await?
        } else {
            None
        };
        let added_back = self.add_back(db).await;
        if let Some(cache) = cache {
            db.execute_unprepared(&format!("PRAGMA cache_size = {cache}")).await?;
        }
        added_back?;
        if self.tables.is_empty() {
            return Ok(());
        }
        // A quick sample bridges the time until the databases' own upkeep looks again. SQLite
        // reads 1,000 entries of each index, as `PRAGMA optimize` does, instead of all of them.
        // PostgreSQL samples 3,000 rows a table instead of 30,000: its autovacuum analyses a
        // table again in full once a tenth of it has changed, which a load that at least doubled
        // it has, within a minute of the commit.
        let (coarse, restore) = match db.get_database_backend() {
            DatabaseBackend::Sqlite => ("PRAGMA analysis_limit = 1000", "PRAGMA analysis_limit = 0"),
            _ => (
                "SET LOCAL default_statistics_target = 10",
                "SET LOCAL default_statistics_target TO DEFAULT",
            ),
        };
        db.execute_unprepared(coarse).await?;
        for table in &self.tables {
            let started = std::time::Instant::now();
            db.execute_unprepared(&format!("ANALYZE {table}")).await?;
            tracing::trace!(took = ?started.elapsed(), table, "bulk load: table analysed");
        }
        db.execute_unprepared(restore).await?;
        Ok(())
    }

    /// Creates the set-aside indexes and adds the foreign keys back.
    async fn add_back(&self, db: &impl ConnectionTrait) -> Result<(), DbErr> {
        let added_back = self
            .foreign_keys
            .iter()
            .map(|(table, name, definition)| format!("ALTER TABLE {table} ADD CONSTRAINT {name} {definition}"));
        for statement in self.definitions.iter().cloned().chain(added_back) {
            let started = std::time::Instant::now();
            db.execute_unprepared(&statement).await?;
            tracing::trace!(took = ?started.elapsed(), statement, "bulk load: set-aside index or key added back");
        }
        Ok(())
    }
}

/// SQLite's page cache while set-aside indexes are built, in KiB. Each index is built from a
/// full read of its table, and a first import of 100,000 projects leaves 23 MiB of projects,
/// with eleven indexes, and 42 MiB of trail, with four: in a cache that holds them, every read
/// but the first comes from memory instead of from the WAL. Measured alternately, four runs
/// each: rebuilt in 1.04-1.09 s instead of 1.14-1.64 s with the usual 16 MiB, for 60 ms more
/// at the commit (more pages are dirty) and 20-25 MiB more at the peak; 128 MiB was slower
/// again.
const SQLITE_REBUILD_CACHE_KIB: i64 = 65_536;

/// Raises the connection's page cache to `kib` KiB when it is smaller, and returns its
/// `cache_size` to set back afterwards; `None` when it is large enough.
async fn sqlite_cache_at_least(db: &impl ConnectionTrait, kib: i64) -> Result<Option<i64>, DbErr> {
    let current = sqlite_pragma(db, "cache_size").await?;
    // A negative cache size is in KiB, a positive one in pages.
    let bytes = if current < 0 {
        current.saturating_mul(-1024)
    } else {
        current.saturating_mul(sqlite_pragma(db, "page_size").await?)
    };
    if bytes >= kib.saturating_mul(1024) {
        return Ok(None);
    }
    db.execute_unprepared(&format!("PRAGMA cache_size = -{kib}")).await?;
    Ok(Some(current))
}

/// The value `PRAGMA name` reads.
async fn sqlite_pragma(db: &impl ConnectionTrait, name: &str) -> Result<i64, DbErr> {
    let statement = Statement::from_string(DatabaseBackend::Sqlite, format!("PRAGMA {name}"));
    db.query_one_raw(statement)
        .await?
        .ok_or_else(|| DbErr::Custom(format!("PRAGMA {name} read nothing")))?
        .try_get_by_index(0)
}

/// `name` as an SQL identifier, quoted.
pub(crate) fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
