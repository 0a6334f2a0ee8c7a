//! Ledger import (台账导入): a task force's Excel ledger, read by `excel::ledger`, matched to
//! the stored projects, reconciled and written in one transaction, with every problem
//! reported by sheet, row and cell. Nothing of a file with an error is stored; a dry run reads
//! and plans every row as the import does and writes nothing, on a snapshot of its own where
//! the caller gives one (so it never holds the writer). Every run, dry or rejected too, is kept in
//! `import_runs` with its full report: recorded as running before it begins, and then how it
//! ended, failed or cut short too (see `history`).
//!
//! How a row is taken:
//! - it is matched by 项目编号 when the row has one; else by 统一社会信用代码 + normalised
//!   project name, falling back to normalised name + investor name for projects whose
//!   investor has no credit code; else by normalised name + investor name. Two rows of one
//!   file matching the same project are an error;
//! - project fields the row states replace different stored ones; an empty cell never erases
//!   a stored value;
//! - the stage moves forward stage by stage through the domain's rules (`plan_transition`,
//!   checked in memory first, written through `lifecycle::transition_in`), each with the
//!   date the row states; after signing every stage needs its date. A project stated as 在谈
//!   without 洽谈时间 is taken to be negotiating on the as-of date (with a warning). A
//!   terminated row moves as far as its dates show, then terminates on the as-of date;
//! - moving back (or reopening a terminated project) is an error unless `allow_backward`;
//! - 责任人 names a user by username, or by display name when only one user not archived has
//!   it; a name nobody has, or two share, is a warning, and the owner stays as it was;
//! - funds are reconciled: when 累计到位 exceeds the counted funds recorded up to the as-of
//!   date, one payment (two when 本年到位 shows money of earlier years) makes up the
//!   difference; below them is an error.
//!
//! Lookups (projects, investors, teams, clusters, parks, contracts, fund sums, users) are
//! loaded in a few queries up front, so unchanged rows cost no query at all.
//!
//! The import is a pipeline: the file is parsed on a blocking thread that hands its rows over
//! a thousand at a time (`ledger::read_ledger_streaming`); they are planned as they come, and
//! new projects (with their history, contracts, payments and trail) are built into bulk
//! INSERTs a statement's worth at a time, which a task of their own runs on the database
//! while the next are built and the rest of the file is still parsed. Rows of stored projects
//! are written through the service functions once every row is planned. Everything happens
//! in the one transaction, so a file that turns out bad further on (a cell error, a read
//!
//! The modules, one concern each: `reading` the file on its thread, `lookups` loaded up
//! front, `plan` (matching, fields, contract, stages, funds) in memory, `load` of new
//! projects in bulk by a writer task, `apply` of rows to stored projects through the
//! services, the `report` and its tally, and the run `history`. This file only puts them
//! in order. A caller outside must go through [`import_ledger`]: no step is safe alone (the
//! load drops indexes inside the transaction, planning assumes the lookups are loaded).

mod apply;
mod history;
mod load;
mod lookups;
mod plan;
mod reading;
mod report;

pub use history::{get_import, list_imports, mark_interrupted, run_status};
pub use report::{
    ImportReport, ImportStatus, ListTotals, REPORT_LIST_LIMIT, ReferenceCreated, RowAction, RowChange, RowIssue,
    SheetOutcome, SkippedRowOutcome,
};

use std::sync::Arc;
use std::time::Instant;

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, TransactionSession, TransactionTrait};
use tokio::sync::mpsc;
use tokio::task::JoinError;
use tokio_util::task::AbortOnDropHandle;

use self::apply::finish_writes;
use self::history::{Unfinished, finish_after_rollback, record_failure, start_run, update_run};
use self::load::{NewProjects, Queued, write_queued};
use self::lookups::Lookups;
use self::plan::Planner;
use self::reading::{Intake, Reading, finish_reading};
use self::report::{forget_new_ids, tally, tally_created};
use super::{Actor, ServiceError, ServiceResult, now};
use crate::db::bulk;
use crate::domain::date::{DateRefused, EARLIEST, PastDate, today};
use crate::excel::ledger::{CellError, LedgerEvent, LedgerFileError, LedgerRow, ReadLimits};

/// Rows planned between two looks at whether the writer can start its next statement.
const PLANNED_AT_ONCE: usize = 100;

/// Statements the builder of new projects may be ahead of the database: about two batches'
/// worth on PostgreSQL (a batch of 10,000 new projects is some eight statements with their
/// investors, history, contracts, payments and trail). With room for only a few, the builder
/// waited for most of a batch to be written before planning the next rows, and the database
/// then waited for it; the statements queued take some 30 MiB at most.
const STATEMENTS_AHEAD: usize = 16;

/// The tables a first import fills, whose indexes are set aside once it at least doubles them.
const BULK_TABLES: [&str; 6] = [
    "investors",
    "projects",
    "stage_history",
    "contracts",
    "fundings",
    "audit_log",
];

/// What the user chose for one import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The uploaded file's name, for the history.
    pub file_name: String,
    /// Do everything, report it, store nothing (but the history entry).
    pub dry_run: bool,
    /// The as-of date; wins over the one the title lines state.
    pub as_of: Option<NaiveDate>,
    /// Create teams, clusters and parks the ledger names but the system does not know.
    pub create_missing: bool,
    /// Allow stage moves backwards (and reopening terminated projects).
    pub allow_backward: bool,
    /// What the file may cost to read.
    pub limits: ReadLimits,
}

impl ImportOptions {
    /// A real import of `file_name` with default limits and no options set.
    pub fn new(file_name: impl Into<String>) -> Self {
        Self {
            file_name: file_name.into(),
            dry_run: false,
            as_of: None,
            create_missing: false,
            allow_backward: false,
            limits: ReadLimits::default(),
        }
    }
}

/// Where a running import is, for progress bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportProgress {
    /// Parsing the workbook.
    Reading,
    /// `done` project rows read, matched and checked, and new projects among them written
    /// (how many the file holds shows only once it is read).
    Checking { done: u64 },
    /// `done` of `total` rows of stored projects that need writes written.
    Writing { done: u64, total: u64 },
}

/// Receives [`ImportProgress`] reports.
pub type ProgressFn = dyn Fn(ImportProgress) + Send + Sync;

/// What is known before the first row is planned.
struct Context<'a> {
    import_id: i32,
    /// Not later than `today` (checked as a [`PastDate`]).
    as_of: NaiveDate,
    today: NaiveDate,
    options: &'a ImportOptions,
    actor: &'a Actor,
}

impl Context<'_> {
    /// The reason written on the history, payments and trail this import records.
    fn reason(&self) -> String {
        format!("ledger import #{}", self.import_id)
    }
}

// ---------------------------------------------------------------------------------------
// The entry point

/// Imports a ledger file on behalf of `actor`: records the run as started, reads the file (on
/// a blocking thread), matches and checks every row, writes everything in one transaction
/// unless something is wrong or `dry_run` is set, and records how the run ended. Returns the
/// report whether the file was imported or rejected; `Err` only for a caller who may not
/// import, or a failure of the server (the run is then recorded as `failed`; dropped
/// half-way, as `interrupted`).
///
/// Leaders may not import; `create_missing` (which creates reference data) is for
/// administrators.
pub async fn import_ledger<C: ConnectionTrait + TransactionTrait + Clone + Send + Sync + 'static>(
    db: &C,
    bytes: Vec<u8>,
    options: ImportOptions,
    actor: &Actor,
    progress: Option<&ProgressFn>,
) -> ServiceResult<ImportReport>
where
    C::Transaction: Sync + 'static,
{
    import_ledger_with(db, None, bytes, options, actor, progress).await
}

/// [`import_ledger`], with a dry run reading on `snapshot` when given: a connection of its own
/// (`db::Readers::snapshot`), so that the dry run, which writes nothing, never holds the
/// writer (on SQLite the one connection every write goes through) while it reads and plans.
pub async fn import_ledger_with<C: ConnectionTrait + TransactionTrait + Clone + Send + Sync + 'static>(
    db: &C,
    snapshot: Option<&DatabaseConnection>,
    bytes: Vec<u8>,
    options: ImportOptions,
    actor: &Actor,
    progress: Option<&ProgressFn>,
) -> ServiceResult<ImportReport>
where
    C::Transaction: Sync + 'static,
{
    actor.principal().check_import(options.create_missing)?;
    let mut report = ImportReport::new(&options, actor, bytes.len());
    // The run's line, committed before the import's transaction begins: the transaction
    // holds SQLite's one writer until it ends.
    report.id = start_run(db, &report, actor).await?;
    let unfinished = Unfinished::new(db, &report);
    let started = report.clone();
    let ended = match snapshot.filter(|_| options.dry_run) {
        Some(snapshot) => run(db, snapshot, bytes, options, actor, progress, report).await,
        None => run(db, db, bytes, options, actor, progress, report).await,
    };
    unfinished.ended();
    if let Err(err) = &ended
        && let Err(unrecorded) = record_failure(db, started, err).await
    {
        tracing::error!(error = %unrecorded, "the failed import's run could not be recorded");
    }
    ended
}

/// The import of a run recorded as started, its transaction on `source` (the writer `db`, or
/// for a dry run a snapshot of its own); the run's end is recorded on `db`.
async fn run<C: ConnectionTrait + TransactionTrait, S: ConnectionTrait + TransactionTrait>(
    db: &C,
    source: &S,
    bytes: Vec<u8>,
    options: ImportOptions,
    actor: &Actor,
    progress: Option<&ProgressFn>,
    mut report: ImportReport,
) -> ServiceResult<ImportReport>
where
    S::Transaction: Sync + 'static,
{
    let today = today();
    if let Some(Err(refused)) = options.as_of.map(|as_of| PastDate::not_after(as_of, today)) {
        reject_as_of(&mut report, refused, "统计截至日期");
        return finish_after_rollback(db, report).await;
    }
    if let Some(progress) = progress {
        progress(ImportProgress::Reading);
    }

    // The file is parsed on a blocking thread that hands its rows over a thousand at a time,
    // while the import's transaction begins and loads what matching needs.
    let mut reading = Reading::start(bytes, options.limits, options.as_of).await;
    let phase = Instant::now();
    let (txn, mut lookups) = reading.meanwhile(begin(source, options.dry_run)).await?;
    tracing::debug!(took = ?phase.elapsed(), projects = lookups.projects.len(), "ledger import: lookups loaded");

    // Rows wait until the as-of date they are checked against is known.
    reading.until_as_of().await;
    let Reading {
        events,
        mut reader,
        intake: Intake {
            sheets,
            waiting,
            as_of,
            closed,
        },
    } = reading;
    let read = if closed {
        Some(finish_reading(reader.take()).await)
    } else {
        None
    };
    let read = match read {
        Some(Err(err)) => return reject_file(db, txn, report, &err).await,
        other => other,
    };
    let as_of_assumed = as_of.is_none();
    let as_of = as_of.unwrap_or(today);
    report.as_of = Some(as_of);
    if let Err(refused) = PastDate::not_after(as_of, today) {
        reject_as_of(&mut report, refused, "台账的统计截至日期");
        return rolled_back(db, txn, report).await;
    }
    lookups.count_funds(&txn, as_of).await?;
    let ctx = Context {
        import_id: report.id,
        as_of,
        today,
        options: &options,
        actor,
    };

    // The rows are planned, and the new projects' INSERTs built, on this task; a task of its
    // own runs them (on SQLite in sqlx's thread of the connection, on PostgreSQL in the
    // server), so that building the next statement, which can take a tenth of a second, never
    // keeps the database waiting for the one before to be sent.
    let phase = Instant::now();
    let mut planner = Planner::new(&ctx, lookups);
    for sheet in &sheets {
        planner.add_sheet(sheet);
    }
    let mut new = NewProjects::start(&txn).await?;
    // A dry run plans every row and writes nothing: what it would create and change is
    // counted from the plans, as for a file with an error.
    new.stopped = options.dry_run;
    let (queue, queued) = mpsc::channel::<Queued>(STATEMENTS_AHEAD);
    let txn = Arc::new(txn);
    // Aborted should the import be dropped half-way (a client that went away), rather than
    // left to run what it has queued in a transaction that will roll back.
    let writer = AbortOnDropHandle::new(tokio::spawn(write_queued(
        Arc::clone(&txn),
        queued,
        bulk::Loading::new(&BULK_TABLES),
    )));
    let pipeline = Pipeline {
        txn: &*txn,
        outside: source,
        ctx: &ctx,
        planner: &mut planner,
        new: &mut new,
        queue,
        report: &mut report,
        progress,
        planned: 0,
        faulty: false,
    };
    let built = pipeline.run(waiting, events).await;
    let (loads, wrote) = writer_ended(writer.await)?;
    let txn = Arc::into_inner(txn).expect("the writer has ended, and with it its share of the transaction");

    // The file read to its end; what planning found goes into the report.
    let read = match read {
        Some(read) => read,
        None => finish_reading(reader.take()).await,
    };
    let ledger = match read {
        Ok(ledger) => ledger,
        Err(err) => return reject_file(db, txn, report, &err).await,
    };
    let Planner {
        plans,
        unchanged,
        errors,
        warnings,
        lookups,
        ..
    } = planner;
    // The plans the load did not get to (all of them when the file has an error).
    tally(&mut report, &plans, &lookups);
    tally_created(&mut report, &lookups);
    tracing::debug!(took = ?phase.elapsed(), rows = ledger.sheets.iter().map(|s| s.projects).sum::<u32>(), "ledger import: file read, rows planned, new projects inserted");
    report.take_ledger(&ledger);
    if as_of_assumed {
        report.assume_as_of(today);
    }
    drop(ledger);
    report.unchanged = unchanged;
    report.take_problems(errors, warnings, [built.err(), wrote.err()]);

    // Rows of stored projects are written once every row is planned, and only when no row
    // has an error (and it is not a dry run).
    if report.errors.is_empty() && !options.dry_run {
        let phase = Instant::now();
        let stored = new.stored.iter().chain(&plans);
        let written = finish_writes(&txn, &ctx, stored, &lookups, &new.created, loads.finish(), progress).await;
        if let Err(issue) = written {
            report.errors.push(*issue);
        }
        tracing::debug!(took = ?phase.elapsed(), "ledger import: indexes rebuilt, stored projects written");
    }
    conclude(db, txn, report, options.dry_run).await
}

/// Rejects the import for its as-of date (`what` says whose): later than today, or earlier
/// than any record may be.
fn reject_as_of(report: &mut ImportReport, refused: DateRefused, what: &str) {
    match refused {
        DateRefused::Future { date, today } => {
            report.reject("as_of_in_future", format!("{what} {date} 晚于今天（{today}），未导入"))
        }
        DateRefused::TooEarly { date } => {
            report.reject("as_of_too_early", format!("{what} {date} 早于{EARLIEST}，未导入"))
        }
    }
}

/// Begins the import's transaction, waits for any import before it (a real one: a dry run
/// writes nothing), and loads what matching needs.
async fn begin<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    dry_run: bool,
) -> ServiceResult<(C::Transaction, Lookups)> {
    // A dry run only reads: its transaction is a snapshot, and takes no write lock.
    let txn = if dry_run {
        db.begin().await?
    } else {
        let txn = crate::db::begin_write(db).await?;
        serialise_imports(&txn).await?;
        txn
    };
    let lookups = Lookups::load(&txn).await?;
    Ok((txn, lookups))
}

/// The advisory lock imports take on PostgreSQL: a class of the service's own, and the schema
/// (two services sharing a database in two schemas do not wait for each other).
const IMPORT_LOCK_CLASS: i32 = 0x7a73;

/// Makes imports wait for each other: each runs as if alone, from matching to commit, so the
/// same ledger imported eight times at once creates its projects once and finds them after
/// (instead of eight transactions inserting the same investors, all but one then refused by
/// the unique credit code). On PostgreSQL an advisory lock held to the end of the import's
/// transaction; SQLite's single writer serialises imports already. An import waits for the
/// one before as any write waits for the database ([`crate::db::DATABASE_WAIT`], PostgreSQL's
/// `lock_timeout`), then answers busy, on either database.
async fn serialise_imports(txn: &impl ConnectionTrait) -> ServiceResult<()> {
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        txn.execute_unprepared(&format!(
            "SELECT pg_advisory_xact_lock({IMPORT_LOCK_CLASS}, hashtext(current_schema()))"
        ))
        .await?;
    }
    Ok(())
}

/// The rows on their way from the reader, through the planner, to the bulk load's writer:
/// planned a chunk at a time as the reader hands them over, the new projects among them
/// built into INSERTs and queued after each chunk.
struct Pipeline<'p, 'c, T, D> {
    /// The import's transaction, which the writer shares.
    txn: &'p T,
    /// A connection outside it, for new ids ([`NewProjects::feed`] says why).
    outside: &'p D,
    ctx: &'p Context<'c>,
    planner: &'p mut Planner<'c>,
    new: &'p mut NewProjects,
    /// Owned here, so that when planning ends the writer sees the queue close.
    queue: mpsc::Sender<Queued>,
    report: &'p mut ImportReport,
    progress: Option<&'p ProgressFn>,
    /// Rows planned so far.
    planned: u64,
    /// A cell of the file could not be read.
    faulty: bool,
}

impl<T: ConnectionTrait + TransactionTrait, D: ConnectionTrait> Pipeline<'_, '_, T, D> {
    /// Plans the rows handed over before planning could start, then the rest as they come,
    /// and loads the new projects among them. `events` is owned here so that the reader,
    /// should planning end early, sees its receiver gone (else it would wait for room).
    async fn run(
        mut self,
        waiting: Vec<(Vec<LedgerRow>, Vec<CellError>)>,
        mut events: mpsc::Receiver<LedgerEvent>,
    ) -> Result<(), Box<RowIssue>> {
        for (rows, errors) in waiting {
            let stop = self.plan_chunk(rows, errors).await;
            self.load(stop, false).await?;
        }
        while let Some(event) = events.recv().await {
            let stop = match event {
                LedgerEvent::Sheet(sheet) => {
                    self.planner.add_sheet(&sheet);
                    continue;
                }
                LedgerEvent::Rows { rows, errors } => self.plan_chunk(rows, errors).await,
            };
            self.load(stop, false).await?;
        }
        let stop = self.faulty || !self.planner.errors.is_empty();
        self.load(stop, true).await
    }

    /// Plans a chunk a slice at a time, giving way in between: on a runtime of one thread
    /// the writer starts its next INSERT only when this task waits. Returns whether the file
    /// has an error by now: a file with an error is not stored, so nothing more is written.
    async fn plan_chunk(&mut self, rows: Vec<LedgerRow>, errors: Vec<CellError>) -> bool {
        self.planned += rows.len() as u64;
        self.faulty |= !errors.is_empty();
        for slice in rows.chunks(PLANNED_AT_ONCE) {
            self.planner.plan_rows(slice, &errors);
            tokio::task::yield_now().await;
        }
        if let Some(progress) = self.progress {
            progress(ImportProgress::Checking { done: self.planned });
        }
        self.faulty || !self.planner.errors.is_empty()
    }

    /// Queues the new projects planned so far ([`NewProjects::feed`]).
    async fn load(&mut self, stop: bool, last: bool) -> Result<(), Box<RowIssue>> {
        self.new
            .feed(
                self.txn,
                self.outside,
                self.ctx,
                self.planner,
                &self.queue,
                self.report,
                stop,
                last,
            )
            .await
    }
}

/// What the bulk load's writer ended with: the indexes it set aside, and its first failure.
fn writer_ended(
    ended: Result<(bulk::Loading, Result<(), Box<RowIssue>>), JoinError>,
) -> ServiceResult<(bulk::Loading, Result<(), Box<RowIssue>>)> {
    match ended {
        Ok(ended) => Ok(ended),
        Err(stopped) if stopped.is_panic() => std::panic::resume_unwind(stopped.into_panic()),
        Err(stopped) => Err(ServiceError::Db(DbErr::Custom(format!(
            "the import's writer stopped: {stopped}"
        )))),
    }
}

/// Rejects the file for what is wrong with it as a whole (not an .xlsx, too large, no
/// ledger sheet, …): nothing is stored.
async fn reject_file<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    txn: impl TransactionSession,
    mut report: ImportReport,
    err: &LedgerFileError,
) -> ServiceResult<ImportReport> {
    report.reject(err.code(), err.message());
    rolled_back(db, txn, report).await
}

/// Rolls the import's transaction back and records the run's end outside it.
async fn rolled_back<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    txn: impl TransactionSession,
    report: ImportReport,
) -> ServiceResult<ImportReport> {
    txn.rollback().await?;
    finish_after_rollback(db, report).await
}

/// Ends the import: rolled back when a row has an error or it is a dry run, else committed,
/// and the run recorded either way.
async fn conclude<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    txn: impl TransactionSession + ConnectionTrait,
    mut report: ImportReport,
    dry_run: bool,
) -> ServiceResult<ImportReport> {
    report.cap_lists();
    report.finished_at = now();
    if !report.errors.is_empty() {
        let count = report.totals.errors;
        if report.code.is_none() {
            let code = if report.errors.iter().any(|e| e.code == "write_failed") {
                "write_failed"
            } else {
                "invalid_rows"
            };
            report.reject(code, format!("发现{count}处错误，整个文件未导入，未保存任何数据"));
        }
        forget_new_ids(&mut report);
        return rolled_back(db, txn, report).await;
    }
    if dry_run {
        report.status = ImportStatus::DryRun;
        report.message = format!(
            "试运行完成，未保存：将新建{}个项目，更新{}个，未变{}个，跳过{}行",
            report.created, report.updated, report.unchanged, report.totals.skipped
        );
        forget_new_ids(&mut report);
        return rolled_back(db, txn, report).await;
    }
    report.status = ImportStatus::Imported;
    report.message = format!(
        "导入完成：新建{}个项目，更新{}个，未变{}个，跳过{}行",
        report.created, report.updated, report.unchanged, report.totals.skipped
    );
    let phase = Instant::now();
    update_run(&txn, &report).await?;
    tracing::debug!(took = ?phase.elapsed(), "ledger import: run recorded");
    let phase = Instant::now();
    txn.commit().await?;
    tracing::debug!(took = ?phase.elapsed(), "ledger import: committed");
    Ok(report)
}
