//! Ledger import (台账导入): a task force's Excel ledger, read by `excel::ledger`, matched to
//! the stored projects, reconciled and written in one transaction, with every problem
//! reported by sheet, row and cell. Nothing of a file with an error is stored; a dry run does
//! the real import and rolls it back. Every run, dry or rejected too, is kept in
//! `import_runs` with its full report.
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
//! limit, a damaged part) still stores nothing; once an error shows, nothing more is written.

use foldhash::{HashMap, HashMapExt, HashSet};
use std::borrow::Cow;
use std::fmt::Write as _;
use std::hash::{BuildHasher, Hash};
use std::sync::Arc;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use entity::enums::{AgreementType, FundingKind, Role, Stage};
use entity::{audit_entry, cluster, contract, funding, import_run, investor, park, project, stage_history, team, user};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityName, EntityTrait, NotSet,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, Statement, TransactionSession, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;
use tokio_util::task::AbortOnDropHandle;

use super::audit;
use super::investors::{InvestorInput, check_credit_code, update_investor};
use super::lifecycle::{ContractInput, TransitionInput, put_contract, transition_in};
use super::projects::{ProjectInput, create_project, numbered_code, update_project};
use super::records::{FundingInput, add_funding, funds_yuan_where};
use super::reference::{self, ClusterInput, ParkInput, TeamInput};
use super::{Actor, PageRequest, ServiceError, ServiceResult, clean, now};
use crate::db::bulk;
use crate::db::columnar;
use crate::db::packed;
use crate::domain::stage::{
    ORDERED, StageDates, Transition, TransitionError, check_dates_in_order, chinese_name, plan_transition, rank,
};
use crate::domain::{money, today};
use crate::excel::ledger::{
    self, CellError, ColumnRef, Ledger, LedgerEvent, LedgerField, LedgerFileError, LedgerRow, LedgerValues, ReadLimits,
    SheetReport, SkipReason, normalise_name,
};

/// Ledgers parsed at the same time: each parse holds its file and calamine's buffers, so this
/// bounds the memory imports take whatever the number of uploads.
static PARSE_SLOTS: Semaphore = Semaphore::const_new(2);

/// Chunks of rows the reader may be ahead of the planner (a chunk is a thousand rows).
const CHUNKS_AHEAD: usize = 4;

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

/// How an import ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportStatus {
    /// Written and committed.
    Imported,
    /// Done and rolled back, as asked; nothing was wrong.
    DryRun,
    /// The file or some row had an error: nothing was stored.
    Rejected,
}

impl ImportStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Imported => "imported",
            Self::DryRun => "dry_run",
            Self::Rejected => "rejected",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "imported" => Self::Imported,
            "dry_run" => Self::DryRun,
            _ => Self::Rejected,
        }
    }
}

/// What an import did, or would do, or why it did nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportReport {
    /// The import run's id (the `#id` in history reasons and payment notes).
    pub id: i32,
    pub status: ImportStatus,
    pub dry_run: bool,
    pub file_name: String,
    pub file_bytes: u64,
    /// Who imported.
    pub username: String,
    /// The as-of date used: the `as_of` option, else the ledger's title lines, else today.
    pub as_of: Option<NaiveDate>,
    pub create_missing: bool,
    pub allow_backward: bool,
    /// Why the file was rejected, when it was: `invalid_rows`, a file error (`not_xlsx`,
    /// `too_large`, `unzipped_too_large`, `too_many_rows`, `no_ledger_sheet`),
    /// `as_of_in_future` or `write_failed`.
    pub code: Option<String>,
    /// One line for a person, in Chinese.
    pub message: String,
    /// Every sheet, read or skipped.
    pub sheets: Vec<SheetOutcome>,
    /// Rows read below the headers, over all sheets.
    pub rows_read: u32,
    /// Project rows found.
    pub projects: u32,
    pub created: u32,
    pub updated: u32,
    pub unchanged: u32,
    /// Rows deliberately not read, with the reason (the first [`REPORT_LIST_LIMIT`]).
    pub skipped: Vec<SkippedRowOutcome>,
    /// Problems that reject the file (the first [`REPORT_LIST_LIMIT`], in row order).
    pub errors: Vec<RowIssue>,
    /// What was assumed or left alone; never rejects the file (the first [`REPORT_LIST_LIMIT`]).
    pub warnings: Vec<RowIssue>,
    /// What each created or updated row changed (the first [`REPORT_LIST_LIMIT`] rows).
    pub changes: Vec<RowChange>,
    /// How many entries each list had before it was cut to [`REPORT_LIST_LIMIT`] (zero in
    /// reports stored before lists were cut: their lists are whole).
    #[serde(default)]
    pub totals: ListTotals,
    /// Teams, clusters and parks created (with `create_missing`).
    pub references_created: Vec<ReferenceCreated>,
    pub investors_created: u32,
    pub stage_moves: u32,
    pub payments_added: u32,
    /// Sum of the payments added, in yuan.
    pub payments_total_yuan: i64,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
}

/// The most entries a report lists of skipped rows, errors, warnings and changes; the rest are
/// counted in [`ImportReport::totals`]. A 100,000-row ledger would otherwise store a report
/// of tens of megabytes, and nobody reads past the first thousand lines of one.
pub const REPORT_LIST_LIMIT: usize = 1000;

/// The full counts behind a report's lists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListTotals {
    pub skipped: u32,
    pub errors: u32,
    pub warnings: u32,
    pub changes: u32,
}

impl ImportReport {
    /// The full counts of skipped rows, errors, warnings and changes, whether or not the
    /// lists were cut.
    pub fn list_totals(&self) -> ListTotals {
        let at_least = |total: u32, len: usize| total.max(u32::try_from(len).unwrap_or(u32::MAX));
        ListTotals {
            skipped: at_least(self.totals.skipped, self.skipped.len()),
            errors: at_least(self.totals.errors, self.errors.len()),
            warnings: at_least(self.totals.warnings, self.warnings.len()),
            changes: at_least(self.totals.changes, self.changes.len()),
        }
    }
}

/// What happened to one sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetOutcome {
    pub name: String,
    pub imported: bool,
    /// Why it was skipped, in Chinese.
    pub reason: Option<String>,
    /// Excel row number of the header (its upper row).
    pub header_row: Option<u32>,
    pub rows_read: u32,
    pub projects: u32,
}

/// A row not read, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedRowOutcome {
    pub sheet: String,
    pub row: u32,
    /// `blank`, `subtotal`, `total`, `note`, `section` or `repeated_header`.
    pub reason: String,
    /// "第12行: 空行".
    pub message: String,
}

/// One problem (error or warning), located as precisely as the ledger allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowIssue {
    pub sheet: String,
    /// Excel row number; 0 when about the file.
    pub row: u32,
    /// Column letter; empty when the ledger has no such column.
    pub column: String,
    /// The column's header, or the field's Chinese name.
    pub header: String,
    /// The value found, as text.
    pub value: String,
    /// Stable machine-readable code.
    pub code: String,
    /// "第12行 M列 签约时间: 无法识别的日期 '2025.13.01'".
    pub message: String,
}

/// What a row did to its project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowAction {
    Created,
    Updated,
}

/// The changes one row made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowChange {
    pub sheet: String,
    pub row: u32,
    pub action: RowAction,
    /// The project; absent for projects a dry run or a rejected run would have created.
    pub project_id: Option<i32>,
    pub project_code: Option<String>,
    pub project_name: String,
    /// Each change, in Chinese ("阶段: 签约 → 开工 (2025-11-05)").
    pub changes: Vec<String>,
}

/// A team, cluster or park created because the ledger named it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferenceCreated {
    /// `team`, `cluster` or `park`.
    pub kind: String,
    pub name: String,
}

impl ImportReport {
    fn new(options: &ImportOptions, actor: &Actor, file_bytes: usize) -> Self {
        let at = now();
        Self {
            id: 0,
            status: ImportStatus::Rejected,
            dry_run: options.dry_run,
            file_name: options.file_name.clone(),
            file_bytes: file_bytes as u64,
            username: actor.username.clone(),
            as_of: options.as_of,
            create_missing: options.create_missing,
            allow_backward: options.allow_backward,
            code: None,
            message: String::new(),
            sheets: Vec::new(),
            rows_read: 0,
            projects: 0,
            created: 0,
            updated: 0,
            unchanged: 0,
            skipped: Vec::new(),
            errors: Vec::new(),
            warnings: Vec::new(),
            changes: Vec::new(),
            totals: ListTotals::default(),
            references_created: Vec::new(),
            investors_created: 0,
            stage_moves: 0,
            payments_added: 0,
            payments_total_yuan: 0,
            started_at: at,
            finished_at: at,
        }
    }

    /// Counts every list and cuts it to [`REPORT_LIST_LIMIT`]; the counts are what messages
    /// and the run's history columns use. Lists only ever grow before this is called.
    fn cap_lists(&mut self) {
        self.totals = self.list_totals();
        self.skipped.truncate(REPORT_LIST_LIMIT);
        self.errors.truncate(REPORT_LIST_LIMIT);
        self.warnings.truncate(REPORT_LIST_LIMIT);
        self.changes.truncate(REPORT_LIST_LIMIT);
    }

    fn reject(&mut self, code: &str, message: String) {
        self.status = ImportStatus::Rejected;
        self.code = Some(code.to_owned());
        self.message = message;
    }

    fn take_ledger(&mut self, ledger: &Ledger) {
        self.sheets = ledger
            .sheets
            .iter()
            .map(|s| SheetOutcome {
                name: s.name.clone(),
                imported: s.imported,
                reason: s.reason.clone(),
                header_row: s.header_row,
                rows_read: s.rows_read,
                projects: s.projects,
            })
            .collect();
        self.rows_read = ledger.sheets.iter().map(|s| s.rows_read).sum();
        self.projects = ledger.sheets.iter().map(|s| s.projects).sum();
        self.skipped = ledger
            .skipped
            .iter()
            .map(|s| SkippedRowOutcome {
                sheet: s.sheet.clone(),
                row: s.row,
                reason: skip_code(s.reason).to_owned(),
                message: format!("第{}行: {}", s.row, skip_chinese(s.reason)),
            })
            .collect();
        self.errors = ledger
            .errors
            .iter()
            .map(|e| RowIssue {
                sheet: e.sheet.clone(),
                row: e.row,
                column: e.column.clone(),
                header: e.header.clone(),
                value: e.value.clone(),
                code: e.code.to_owned(),
                message: e.message.clone(),
            })
            .collect();
    }

    /// The report as lines a person reads in a terminal, in Chinese.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let kind = match self.status {
            ImportStatus::Imported => "已导入",
            ImportStatus::DryRun => "试运行，未保存",
            ImportStatus::Rejected if self.dry_run => "试运行，已拒绝",
            ImportStatus::Rejected => "已拒绝，未保存任何数据",
        };
        let _ = writeln!(out, "台账导入 #{}（{kind}）：{}", self.id, self.file_name);
        if let Some(as_of) = self.as_of {
            let _ = writeln!(out, "统计截至：{as_of}");
        }
        for sheet in &self.sheets {
            match (&sheet.reason, sheet.header_row) {
                (None, Some(header)) => {
                    let _ = writeln!(
                        out,
                        "工作表“{}”：表头在第{header}行，读取{}行，其中项目{}个",
                        sheet.name, sheet.rows_read, sheet.projects
                    );
                }
                (reason, _) => {
                    let _ = writeln!(
                        out,
                        "工作表“{}”：跳过（{}）",
                        sheet.name,
                        reason.as_deref().unwrap_or("未读取")
                    );
                }
            }
        }
        let _ = writeln!(
            out,
            "项目：新建{}个，更新{}个，未变{}个；跳过{}行",
            self.created, self.updated, self.unchanged, self.totals.skipped
        );
        if self.payments_added > 0 || self.stage_moves > 0 {
            let _ = writeln!(
                out,
                "阶段变更{}次；补记到位资金{}笔，共{}万元",
                self.stage_moves,
                self.payments_added,
                money::yuan_to_wan(self.payments_total_yuan)
            );
        }
        for created in &self.references_created {
            let kind = match created.kind.as_str() {
                "team" => "专班",
                "cluster" => "产业集群",
                _ => "园区",
            };
            let _ = writeln!(out, "新建{kind}：{}", created.name);
        }
        let more = |listed: usize, total: u32| {
            let total = usize::try_from(total).unwrap_or(usize::MAX);
            if total > listed {
                format!("（只列出前{listed}条）")
            } else {
                String::new()
            }
        };
        if usize::try_from(self.totals.changes).is_ok_and(|total| total > self.changes.len()) {
            let _ = writeln!(
                out,
                "变更{}行{}：",
                self.totals.changes,
                more(self.changes.len(), self.totals.changes)
            );
        }
        for change in &self.changes {
            let action = match change.action {
                RowAction::Created => "新建",
                RowAction::Updated => "更新",
            };
            let _ = writeln!(
                out,
                "  {} 第{}行 {action} {}{}：{}",
                change.sheet,
                change.row,
                change
                    .project_code
                    .as_deref()
                    .map(|c| format!("{c} "))
                    .unwrap_or_default(),
                change.project_name,
                change.changes.join("；")
            );
        }
        if !self.warnings.is_empty() {
            let _ = writeln!(
                out,
                "提示（{}条）{}：",
                self.totals.warnings,
                more(self.warnings.len(), self.totals.warnings)
            );
            for warning in &self.warnings {
                let _ = writeln!(out, "  {} {}", warning.sheet, warning.message);
            }
        }
        if !self.errors.is_empty() {
            let _ = writeln!(
                out,
                "错误（{}处）{}：",
                self.totals.errors,
                more(self.errors.len(), self.totals.errors)
            );
            for error in &self.errors {
                let _ = writeln!(out, "  {} {} [{}]", error.sheet, error.message, error.code);
            }
        }
        let _ = writeln!(out, "{}", self.message);
        out
    }
}

fn skip_code(reason: SkipReason) -> &'static str {
    match reason {
        SkipReason::Blank => "blank",
        SkipReason::Subtotal => "subtotal",
        SkipReason::Total => "total",
        SkipReason::Note => "note",
        SkipReason::Section => "section",
        SkipReason::RepeatedHeader => "repeated_header",
    }
}

fn skip_chinese(reason: SkipReason) -> &'static str {
    match reason {
        SkipReason::Blank => "空行",
        SkipReason::Subtotal => "小计行",
        SkipReason::Total => "合计行",
        SkipReason::Note => "表下说明",
        SkipReason::Section => "分类标题行",
        SkipReason::RepeatedHeader => "重复的表头",
    }
}

// ---------------------------------------------------------------------------------------
// The entry point

/// Imports a ledger file on behalf of `actor`: reads it (on a blocking thread), matches and
/// checks every row, writes everything in one transaction unless something is wrong or
/// `dry_run` is set, and records the run. Returns the report whether the file was imported
/// or rejected; `Err` only for a caller who may not import, or a database failure.
///
/// Leaders may not import; `create_missing` (which creates reference data) is for
/// administrators.
pub async fn import_ledger<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    bytes: Vec<u8>,
    options: ImportOptions,
    actor: &Actor,
    progress: Option<&ProgressFn>,
) -> ServiceResult<ImportReport>
where
    C::Transaction: Sync + 'static,
{
    if actor.role == Role::Leader {
        return Err(ServiceError::Forbidden("leaders read but do not import ledgers".into()));
    }
    if options.create_missing && actor.role != Role::Admin {
        return Err(ServiceError::Forbidden(
            "only an administrator may create teams, clusters or parks (create_missing)".into(),
        ));
    }
    let mut report = ImportReport::new(&options, actor, bytes.len());
    let today = today();
    if let Some(as_of) = options.as_of.filter(|d| *d > today) {
        report.reject(
            "as_of_in_future",
            format!("统计截至日期 {as_of} 晚于今天（{today}），未导入"),
        );
        return record_after_rollback(db, report, actor).await;
    }

    if let Some(progress) = progress {
        progress(ImportProgress::Reading);
    }
    // The file is parsed on a blocking thread that hands its rows over a thousand at a time,
    // while the import's transaction begins and loads what matching needs; then the rows are
    // planned, and new projects written, while the rest of the file is still being parsed.
    // The parse slot is taken first: waiting for one must not hold the database's write lock.
    let slot = PARSE_SLOTS.acquire().await.expect("the parse slots are never closed");
    let phase = std::time::Instant::now();
    let (sender, mut events) = tokio::sync::mpsc::channel::<LedgerEvent>(CHUNKS_AHEAD);
    let mut reading = Some(read_streaming(bytes, options.limits, options.as_of, slot, sender));
    // What the reader hands over while the lookups load is kept: a district's lookups take a
    // second to load, and the reader would otherwise wait for room.
    let mut intake = Intake {
        as_of: options.as_of,
        ..Intake::default()
    };
    let loaded = {
        let load = async {
            let txn = db.begin().await?;
            let id = insert_run(&txn, &report, actor, None).await?;
            let lookups = Lookups::load(&txn).await?;
            Ok::<_, ServiceError>((txn, id, lookups))
        };
        tokio::pin!(load);
        loop {
            tokio::select! {
                biased;
                loaded = &mut load => break loaded,
                event = events.recv(), if !intake.closed => intake.take(event),
            }
        }
    };
    let (txn, run_id, mut lookups) = loaded?;
    report.id = run_id;
    tracing::debug!(took = ?phase.elapsed(), projects = lookups.projects.len(), "ledger import: lookups loaded");

    // Rows wait until the as-of date they are checked against is known: the caller's, or the
    // first a sheet's title lines state, or today once the whole file is read without one.
    while intake.as_of.is_none() && !intake.closed {
        intake.take(events.recv().await);
    }
    let Intake {
        sheets,
        waiting,
        as_of,
        closed,
    } = intake;
    let read = if closed {
        Some(finish_reading(reading.take()).await)
    } else {
        None
    };
    let read = match read {
        Some(Err(err)) => {
            txn.rollback().await?;
            report.reject(err.code(), err.message());
            return record_after_rollback(db, report, actor).await;
        }
        other => other,
    };
    let as_of_assumed = as_of.is_none();
    let as_of = as_of.unwrap_or(today);
    report.as_of = Some(as_of);
    if as_of > today {
        txn.rollback().await?;
        report.reject(
            "as_of_in_future",
            format!("台账的统计截至日期 {as_of} 晚于今天（{today}），未导入"),
        );
        return record_after_rollback(db, report, actor).await;
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
    let phase = std::time::Instant::now();
    let mut planner = Planner::new(&ctx, lookups);
    for sheet in &sheets {
        planner.add_sheet(sheet);
    }
    let mut new = NewProjects::start(&txn).await?;
    let (queue, queued) = tokio::sync::mpsc::channel::<Queued>(STATEMENTS_AHEAD);
    let txn = Arc::new(txn);
    // Aborted should the import be dropped half-way (a client that went away), rather than
    // left to run what it has queued in a transaction that will roll back.
    let writer = AbortOnDropHandle::new(tokio::spawn(write_queued(
        Arc::clone(&txn),
        queued,
        bulk::Loading::new(&BULK_TABLES),
    )));
    let tallied = &mut report;
    let built = async {
        // Owned here, so that when planning ends the writer sees the queue close, and the
        // reader, should planning end early, its receiver gone (else it would wait for room).
        let queue = queue;
        let mut events = events;
        let txn = &*txn;
        let mut planned: u64 = 0;
        let mut faulty = false;
        // Planned a slice at a time, giving way in between: on a runtime of one thread the
        // writer starts its next INSERT only when this task waits.
        let mut chunk = async |planner: &mut Planner<'_>, rows: Vec<LedgerRow>, errors: Vec<CellError>| {
            planned += rows.len() as u64;
            faulty |= !errors.is_empty();
            for slice in rows.chunks(PLANNED_AT_ONCE) {
                planner.plan_rows(slice, &errors);
                tokio::task::yield_now().await;
            }
            if let Some(progress) = progress {
                progress(ImportProgress::Checking { done: planned });
            }
            // A file with an error is not stored: nothing more is written once one shows.
            faulty || !planner.errors.is_empty()
        };
        for (rows, errors) in waiting {
            let stop = chunk(&mut planner, rows, errors).await;
            new.feed(txn, db, &ctx, &mut planner, &queue, tallied, stop, false)
                .await?;
        }
        while let Some(event) = events.recv().await {
            let stop = match event {
                LedgerEvent::Sheet(sheet) => {
                    planner.add_sheet(&sheet);
                    continue;
                }
                LedgerEvent::Rows { rows, errors } => chunk(&mut planner, rows, errors).await,
            };
            new.feed(txn, db, &ctx, &mut planner, &queue, tallied, stop, false)
                .await?;
        }
        let stop = faulty || !planner.errors.is_empty();
        new.feed(txn, db, &ctx, &mut planner, &queue, tallied, stop, true).await
    }
    .await;
    let (loads, wrote) = match writer.await {
        Ok(ended) => ended,
        Err(stopped) if stopped.is_panic() => std::panic::resume_unwind(stopped.into_panic()),
        Err(stopped) => {
            return Err(ServiceError::Db(DbErr::Custom(format!(
                "the import's writer stopped: {stopped}"
            ))));
        }
    };
    let txn = Arc::into_inner(txn).expect("the writer has ended, and with it its share of the transaction");
    let read = match read {
        Some(read) => read,
        None => finish_reading(reading.take()).await,
    };
    let ledger = match read {
        Ok(ledger) => ledger,
        Err(err) => {
            txn.rollback().await?;
            report.reject(err.code(), err.message());
            return record_after_rollback(db, report, actor).await;
        }
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
        report.warnings.push(RowIssue {
            sheet: String::new(),
            row: 0,
            column: String::new(),
            header: "统计截至".into(),
            value: today.to_string(),
            code: "as_of_assumed".into(),
            message: format!("台账未写明统计截至日期，按今天（{today}）导入"),
        });
    }
    drop(ledger);
    report.unchanged = unchanged;
    report.errors.extend(errors);
    report.warnings.extend(warnings);
    report.errors.sort_by(|a, b| (&a.sheet, a.row).cmp(&(&b.sheet, b.row)));
    for failed in [built.err(), wrote.err()].into_iter().flatten() {
        report.errors.push(*failed);
    }
    if report.errors.is_empty() {
        let phase = std::time::Instant::now();
        let stored = new.stored.iter().chain(&plans);
        let written = finish_writes(&txn, &ctx, stored, &lookups, &new.created, loads.finish(), progress).await;
        if let Err(issue) = written {
            report.errors.push(*issue);
        }
        tracing::debug!(took = ?phase.elapsed(), "ledger import: indexes rebuilt, stored projects written");
    }

    report.cap_lists();
    report.finished_at = now();
    if !report.errors.is_empty() {
        txn.rollback().await?;
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
        return record_after_rollback(db, report, actor).await;
    }
    if options.dry_run {
        txn.rollback().await?;
        report.status = ImportStatus::DryRun;
        report.message = format!(
            "试运行完成，未保存：将新建{}个项目，更新{}个，未变{}个，跳过{}行",
            report.created, report.updated, report.unchanged, report.totals.skipped
        );
        forget_new_ids(&mut report);
        return record_after_rollback(db, report, actor).await;
    }
    report.status = ImportStatus::Imported;
    report.message = format!(
        "导入完成：新建{}个项目，更新{}个，未变{}个，跳过{}行",
        report.created, report.updated, report.unchanged, report.totals.skipped
    );
    let phase = std::time::Instant::now();
    update_run(&txn, &report).await?;
    tracing::debug!(took = ?phase.elapsed(), "ledger import: run recorded");
    let phase = std::time::Instant::now();
    txn.commit().await?;
    tracing::debug!(took = ?phase.elapsed(), "ledger import: committed");
    Ok(report)
}

/// Ids of projects created by a run that was rolled back point at nothing.
fn forget_new_ids(report: &mut ImportReport) {
    for change in &mut report.changes {
        if change.action == RowAction::Created {
            change.project_id = None;
        }
    }
}

/// What the reader handed over before the rows could be planned.
#[derive(Default)]
struct Intake {
    /// The sheets announced, with their columns.
    sheets: Vec<SheetReport>,
    /// Chunks of rows, with their cell errors.
    waiting: Vec<(Vec<LedgerRow>, Vec<CellError>)>,
    /// The as-of date: the caller's, else the first a sheet states.
    as_of: Option<NaiveDate>,
    /// The reader has handed over everything.
    closed: bool,
}

impl Intake {
    fn take(&mut self, event: Option<LedgerEvent>) {
        match event {
            Some(LedgerEvent::Sheet(sheet)) => {
                self.as_of = self.as_of.or(sheet.as_of);
                self.sheets.push(sheet);
            }
            Some(LedgerEvent::Rows { rows, errors }) => self.waiting.push((rows, errors)),
            None => self.closed = true,
        }
    }
}

/// Starts reading `bytes` on a blocking thread, which holds `slot` until it ends and hands
/// each sheet and chunk of rows to `sender` (it stops early when the receiver is gone).
fn read_streaming(
    bytes: Vec<u8>,
    limits: ReadLimits,
    as_of: Option<NaiveDate>,
    slot: tokio::sync::SemaphorePermit<'static>,
    sender: tokio::sync::mpsc::Sender<LedgerEvent>,
) -> tokio::task::JoinHandle<Result<Ledger, LedgerFileError>> {
    tokio::task::spawn_blocking(move || {
        let _slot = slot;
        let phase = std::time::Instant::now();
        // How long the reader waited for the planner to take its rows: the time the rest of the
        // import is behind the file.
        let mut waited = std::time::Duration::ZERO;
        let read = ledger::read_ledger_streaming(&bytes, &limits, as_of, &mut |event| {
            let sending = std::time::Instant::now();
            let sent = sender.blocking_send(event).is_ok();
            waited += sending.elapsed();
            sent
        });
        tracing::debug!(took = ?phase.elapsed(), ?waited, "ledger import: file read");
        read
    })
}

/// What the reader ended with, once it has handed over everything.
async fn finish_reading(
    reading: Option<tokio::task::JoinHandle<Result<Ledger, LedgerFileError>>>,
) -> Result<Ledger, LedgerFileError> {
    let reading = reading.expect("the reader is waited for once");
    reading.await.unwrap_or_else(|e| {
        tracing::error!(error = %e, "the ledger reader failed");
        Err(LedgerFileError::NotXlsx {
            reason: "工作簿无法读取".into(),
        })
    })
}

// ---------------------------------------------------------------------------------------
// The history

async fn insert_run(
    db: &impl ConnectionTrait,
    report: &ImportReport,
    actor: &Actor,
    id: Option<i32>,
) -> ServiceResult<i32> {
    let model = run_model(report, Some(actor.user_id), id);
    Ok(model.insert(db).await?.id)
}

fn run_model(report: &ImportReport, user_id: Option<i32>, id: Option<i32>) -> import_run::ActiveModel {
    let small = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
    import_run::ActiveModel {
        id: id.map_or(NotSet, Set),
        user_id: user_id.map_or(NotSet, |id| Set(Some(id))),
        username: Set(report.username.chars().take(64).collect()),
        file_name: Set(report.file_name.chars().take(255).collect()),
        file_bytes: Set(i64::try_from(report.file_bytes).unwrap_or(i64::MAX)),
        dry_run: Set(report.dry_run),
        status: Set(report.status.as_str().to_owned()),
        as_of: Set(report.as_of),
        create_missing: Set(report.create_missing),
        allow_backward: Set(report.allow_backward),
        rows_read: Set(small(report.rows_read)),
        created: Set(small(report.created)),
        updated: Set(small(report.updated)),
        unchanged: Set(small(report.unchanged)),
        skipped: Set(small(report.list_totals().skipped)),
        errors: Set(small(report.list_totals().errors)),
        report: Set(serde_json::to_string(report).unwrap_or_else(|_| "{}".into())),
        started_at: Set(report.started_at),
        finished_at: Set(report.finished_at),
    }
}

async fn update_run(db: &impl ConnectionTrait, report: &ImportReport) -> ServiceResult<()> {
    run_model(report, None, Some(report.id)).update(db).await?;
    Ok(())
}

/// Records a run whose transaction was rolled back (or never began): under the id the
/// rolled-back run had when it had one, so the `#id` in its report stays true; under a new
/// one when that id was taken in the meantime.
async fn record_after_rollback(
    db: &impl ConnectionTrait,
    mut report: ImportReport,
    actor: &Actor,
) -> ServiceResult<ImportReport> {
    report.cap_lists();
    report.finished_at = now();
    if report.id > 0 && insert_run(db, &report, actor, Some(report.id)).await.is_ok() {
        return Ok(report);
    }
    report.id = insert_run(db, &report, actor, None).await?;
    update_run(db, &report).await?;
    Ok(report)
}

/// The history of imports, newest first.
pub async fn list_imports(
    db: &impl ConnectionTrait,
    page: PageRequest,
) -> ServiceResult<(u64, Vec<import_run::Model>)> {
    let query = import_run::Entity::find();
    let total = query.clone().count(db).await?;
    let runs = query
        .select_only()
        .columns([
            import_run::Column::Id,
            import_run::Column::UserId,
            import_run::Column::Username,
            import_run::Column::FileName,
            import_run::Column::FileBytes,
            import_run::Column::DryRun,
            import_run::Column::Status,
            import_run::Column::AsOf,
            import_run::Column::CreateMissing,
            import_run::Column::AllowBackward,
            import_run::Column::RowsRead,
            import_run::Column::Created,
            import_run::Column::Updated,
            import_run::Column::Unchanged,
            import_run::Column::Skipped,
            import_run::Column::Errors,
            import_run::Column::StartedAt,
            import_run::Column::FinishedAt,
        ])
        // The report can be megabytes: a list leaves it out.
        .column_as(Expr::val(""), "report")
        .order_by_desc(import_run::Column::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(db)
        .await?;
    Ok((total, runs))
}

/// One import run with its full report.
pub async fn get_import(db: &impl ConnectionTrait, id: i32) -> ServiceResult<(import_run::Model, ImportReport)> {
    let run = import_run::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::not_found("import", id))?;
    let report: ImportReport = serde_json::from_str(&run.report).map_err(|e| {
        ServiceError::Db(sea_orm::DbErr::Custom(format!(
            "the report of import {id} cannot be read: {e}"
        )))
    })?;
    Ok((run, report))
}

/// The status stored on a run.
pub fn run_status(run: &import_run::Model) -> ImportStatus {
    ImportStatus::parse(&run.status)
}

// ---------------------------------------------------------------------------------------
// What is known before the first row

struct Context<'a> {
    import_id: i32,
    as_of: NaiveDate,
    today: NaiveDate,
    options: &'a ImportOptions,
    actor: &'a Actor,
}

impl Context<'_> {
    fn reason(&self) -> String {
        format!("ledger import #{}", self.import_id)
    }
}

/// A team, cluster, park or investor: stored, or to be created by this import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ref {
    Id(i32),
    New(usize),
}

#[derive(Debug, Clone)]
struct NewInvestor {
    name: String,
    credit_code: Option<String>,
}

#[derive(Debug, Clone)]
struct NewTeam {
    name: String,
    cluster: Option<Ref>,
}

/// Everything matching needs, loaded in a few queries.
struct Lookups {
    teams: HashMap<String, Ref>,
    team_cluster: HashMap<i32, Option<i32>>,
    team_names: HashMap<i32, String>,
    clusters: HashMap<String, Ref>,
    cluster_names: HashMap<i32, String>,
    parks: HashMap<String, Ref>,
    park_names: HashMap<i32, String>,
    new_teams: Vec<NewTeam>,
    new_clusters: Vec<String>,
    new_parks: Vec<String>,

    investors: HashMap<i32, investor::Model>,
    investor_by_code: HashMap<String, Ref>,
    investor_by_name: HashMap<String, Ref>,
    new_investors: Vec<NewInvestor>,
    /// Stored investors without a credit code that the ledger gives one.
    investor_codes: Vec<(i32, String)>,

    projects: Vec<project::Model>,
    project_by_code: KeyIndex,
    project_by_credit_name: KeyIndex,
    project_by_name_investor: KeyIndex,
    /// Which row matched each stored project, and the keys of projects rows will create.
    claimed: HashMap<usize, u32>,
    planned: HashMap<String, u32>,

    contracts: HashMap<i32, contract::Model>,
    /// Counted funds arrived on or before the as-of date, per project, in yuan.
    counted: HashMap<i32, i64>,
    /// Counted funds arrived before 1 January of the as-of year.
    counted_before_year: HashMap<i32, i64>,
    /// Users by normalised username, and by normalised display name among those not archived;
    /// `None` for a display name two of them share, which names nobody in particular.
    users: HashMap<String, Option<i32>>,
}

impl Lookups {
    /// Everything but the fund sums, which depend on the as-of date the file gives.
    async fn load(db: &impl ConnectionTrait) -> ServiceResult<Self> {
        let teams = team::Entity::find().all(db).await?;
        let clusters = cluster::Entity::find().all(db).await?;
        let parks = park::Entity::find().all(db).await?;
        let phase = std::time::Instant::now();
        let investors: HashMap<i32, investor::Model> = packed::all_rows::<investor::Entity>(db, |i| i.id)
            .await?
            .into_iter()
            .map(|i| (i.id, i))
            .collect();
        let projects = packed::all_rows::<project::Entity>(db, |p| p.id).await?;
        let contracts = packed::all_rows::<contract::Entity>(db, |c| c.id)
            .await?
            .into_iter()
            .map(|c| (c.project_id, c))
            .collect();
        tracing::debug!(took = ?phase.elapsed(), "ledger import: investors, projects and contracts read");
        let all_users = user::Entity::find().all(db).await?;
        let mut users: HashMap<String, Option<i32>> = HashMap::new();
        for u in all_users.iter().filter(|u| !u.archived) {
            users
                .entry(normalise_name(&u.display_name).into_owned())
                .and_modify(|id| *id = id.filter(|id| *id == u.id))
                .or_insert(Some(u.id));
        }
        // A username is unique: it names its user whatever display names say.
        for u in &all_users {
            users.insert(normalise_name(&u.username).into_owned(), Some(u.id));
        }

        let mut investor_by_code = HashMap::new();
        let mut investor_by_name = HashMap::new();
        let mut sorted: Vec<&investor::Model> = investors.values().collect();
        sorted.sort_by_key(|i| i.id);
        for i in sorted {
            if let Some(code) = &i.credit_code {
                investor_by_code.insert(code.clone(), Ref::Id(i.id));
            }
            investor_by_name
                .entry(normalise_name(&i.name).into_owned())
                .or_insert(Ref::Id(i.id));
        }

        let mut by_code = Vec::with_capacity(projects.len());
        let mut by_credit_name = Vec::new();
        let mut by_name_investor = Vec::with_capacity(projects.len());
        for (at, p) in projects.iter().enumerate() {
            let keys = StoredKeys::of(p, &investors);
            by_code.push((key_hash(&p.code.as_str()), at));
            if let Some(credit) = keys.credit_code {
                by_credit_name.push((key_hash(&(credit, keys.name.as_ref())), at));
            }
            by_name_investor.push((key_hash(&(keys.name.as_ref(), keys.investor.as_ref())), at));
        }

        Ok(Self {
            teams: teams
                .iter()
                .map(|t| (normalise_name(&t.name).into_owned(), Ref::Id(t.id)))
                .collect(),
            team_cluster: teams.iter().map(|t| (t.id, t.cluster_id)).collect(),
            team_names: teams.iter().map(|t| (t.id, t.name.clone())).collect(),
            clusters: clusters
                .iter()
                .map(|c| (normalise_name(&c.name).into_owned(), Ref::Id(c.id)))
                .collect(),
            cluster_names: clusters.iter().map(|c| (c.id, c.name.clone())).collect(),
            parks: parks
                .iter()
                .map(|p| (normalise_name(&p.name).into_owned(), Ref::Id(p.id)))
                .collect(),
            park_names: parks.iter().map(|p| (p.id, p.name.clone())).collect(),
            new_teams: Vec::new(),
            new_clusters: Vec::new(),
            new_parks: Vec::new(),
            investors,
            investor_by_code,
            investor_by_name,
            new_investors: Vec::new(),
            investor_codes: Vec::new(),
            projects,
            project_by_code: KeyIndex::new(by_code),
            project_by_credit_name: KeyIndex::new(by_credit_name),
            project_by_name_investor: KeyIndex::new(by_name_investor),
            claimed: HashMap::new(),
            planned: HashMap::new(),
            contracts,
            counted: HashMap::new(),
            counted_before_year: HashMap::new(),
            users,
        })
    }

    /// The counted funds of every project up to `as_of` and before its year.
    async fn count_funds(&mut self, db: &impl ConnectionTrait, as_of: NaiveDate) -> ServiceResult<()> {
        let phase = std::time::Instant::now();
        let year_start = NaiveDate::from_ymd_opt(as_of.year(), 1, 1).unwrap_or(as_of);
        (self.counted, self.counted_before_year) = counted_sums(db, as_of, year_start).await?;
        tracing::debug!(took = ?phase.elapsed(), "ledger import: counted funds summed");
        Ok(())
    }

    fn ref_name(&self, kind: RefKind, r: Ref) -> String {
        match (kind, r) {
            (RefKind::Team, Ref::Id(id)) => self.team_names.get(&id).cloned(),
            (RefKind::Team, Ref::New(at)) => self.new_teams.get(at).map(|t| t.name.clone()),
            (RefKind::Cluster, Ref::Id(id)) => self.cluster_names.get(&id).cloned(),
            (RefKind::Cluster, Ref::New(at)) => self.new_clusters.get(at).cloned(),
            (RefKind::Park, Ref::Id(id)) => self.park_names.get(&id).cloned(),
            (RefKind::Park, Ref::New(at)) => self.new_parks.get(at).cloned(),
            (RefKind::Investor, Ref::Id(id)) => self.investors.get(&id).map(|i| i.name.clone()),
            (RefKind::Investor, Ref::New(at)) => self.new_investors.get(at).map(|i| i.name.clone()),
        }
        .unwrap_or_default()
    }
}

/// Stored projects found by a key through the key's hash alone, sorted: each candidate is
/// confirmed against the project itself ([`StoredKeys`]), so the index keeps no copy of the
/// projects' codes and names (three maps of them held about 40 MB at 100,000 projects).
struct KeyIndex(Vec<(u64, usize)>);

impl KeyIndex {
    fn new(mut entries: Vec<(u64, usize)>) -> Self {
        entries.sort_unstable();
        Self(entries)
    }

    /// The projects whose key hashes as `key` does, in the order they were stored.
    fn candidates<K: Hash>(&self, key: &K) -> impl Iterator<Item = usize> + '_ {
        let hash = key_hash(key);
        let from = self.0.partition_point(|(h, _)| *h < hash);
        self.0[from..]
            .iter()
            .take_while(move |(h, _)| *h == hash)
            .map(|(_, at)| *at)
    }
}

/// The hash of a matching key; keys are `&str` or tuples of them on both sides.
fn key_hash<K: Hash>(key: &K) -> u64 {
    foldhash::fast::FixedState::default().hash_one(key)
}

/// What a stored project is matched by besides its code: its normalised name, its investor's
/// credit code, and its investor's normalised name ("" without an investor).
struct StoredKeys<'a> {
    name: Cow<'a, str>,
    credit_code: Option<&'a str>,
    investor: Cow<'a, str>,
}

impl<'a> StoredKeys<'a> {
    fn of(p: &'a project::Model, investors: &'a HashMap<i32, investor::Model>) -> Self {
        let investor = p.investor_id.and_then(|id| investors.get(&id));
        Self {
            name: normalise_name(&p.name),
            credit_code: investor.and_then(|i| i.credit_code.as_deref()),
            investor: investor.map(|i| normalise_name(&i.name)).unwrap_or_default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RefKind {
    Team,
    Cluster,
    Park,
    Investor,
}

/// Counted funds per project among the payments `filter` keeps, in yuan.
async fn counted_sums(
    db: &impl ConnectionTrait,
    as_of: NaiveDate,
    year_start: NaiveDate,
) -> ServiceResult<(HashMap<i32, i64>, HashMap<i32, i64>)> {
    #[derive(Deserialize)]
    struct Sums {
        project_id: i32,
        upto: i64,
        before: i64,
    }
    let sums = funding::Entity::find()
        .select_only()
        .column(funding::Column::ProjectId)
        .column_as(funds_yuan_where(funding::Column::ArrivedOn.lte(as_of)), "upto")
        .column_as(funds_yuan_where(funding::Column::ArrivedOn.lt(year_start)), "before")
        .filter(funding::Column::Counted.eq(true))
        .group_by(funding::Column::ProjectId);
    let columns = ["project_id", "upto", "before"].map(String::from);
    let rows = packed::rows_as::<Sums>(db, sums, &columns).await?;
    let upto = rows.iter().map(|s| (s.project_id, s.upto)).collect();
    let before = rows.iter().map(|s| (s.project_id, s.before)).collect();
    Ok((upto, before))
}

// ---------------------------------------------------------------------------------------
// Planning: one row into what must be written, checked in memory

/// The project a row is about.
#[derive(Debug, Clone)]
enum Target {
    /// Index into `Lookups::projects`.
    Existing(usize),
    New {
        code: Option<String>,
        lead_on: NaiveDate,
    },
}

/// The editable fields a row wants its project to have.
#[derive(Debug, Clone)]
struct Fields {
    name: String,
    investor: Option<Ref>,
    team: Ref,
    cluster: Option<Ref>,
    park: Option<Ref>,
    owner_id: Option<i32>,
    sponsoring_leader: Option<String>,
    source: Option<String>,
    planned_investment: Option<Decimal>,
    land_area: Option<Decimal>,
    registered_on: Option<NaiveDate>,
    registered_capital: Option<Decimal>,
    land_supplied_on: Option<NaiveDate>,
    progress: Option<String>,
    issues: Option<String>,
    notes: Option<String>,
}

#[derive(Debug, Clone)]
struct Step {
    /// Filled in when the move is checked.
    from: Stage,
    to: Stage,
    on: NaiveDate,
    reason: String,
    contract: Option<ContractInput>,
}

#[derive(Debug, Clone)]
struct Payment {
    arrived_on: NaiveDate,
    amount_yuan: i64,
}

/// Everything one row writes.
#[derive(Debug, Clone)]
struct RowPlan {
    sheet: String,
    row: u32,
    target: Target,
    /// A new project's id, reserved when its INSERT is built.
    id: Option<i32>,
    /// New fields when they differ (always for a new project). This and the other parts most
    /// rows do not have are boxed: every writing row's plan is kept until the writes.
    fields: Option<Box<Fields>>,
    contract_update: Option<Box<ContractInput>>,
    steps: Vec<Step>,
    payments: Vec<Payment>,
    terminate: Option<Box<Step>>,
    /// Where the project stands after all of it.
    outcome: StageState,
    changes: Vec<String>,
}

impl RowPlan {
    fn writes(&self) -> bool {
        self.fields.is_some()
            || self.contract_update.is_some()
            || !self.steps.is_empty()
            || !self.payments.is_empty()
            || self.terminate.is_some()
    }
}

/// Where the stage stands while a row's moves are simulated.
#[derive(Debug, Clone, Copy)]
struct StageState {
    stage: Stage,
    dates: StageDates,
    contract_signed_on: Option<NaiveDate>,
}

struct Planner<'a> {
    ctx: &'a Context<'a>,
    /// The recognised columns of each sheet, to name a column even when its cell is empty.
    columns: HashMap<String, HashMap<LedgerField, ColumnRef>>,
    lookups: Lookups,
    /// The rows that write something.
    plans: Vec<RowPlan>,
    /// Rows matching a stored project that they leave unchanged.
    unchanged: u32,
    errors: Vec<RowIssue>,
    warnings: Vec<RowIssue>,
}

/// Errors of one row, collected while it is planned.
type RowResult<T> = Result<T, ()>;

impl<'a> Planner<'a> {
    fn new(ctx: &'a Context<'a>, lookups: Lookups) -> Self {
        Self {
            ctx,
            columns: HashMap::new(),
            lookups,
            plans: Vec::new(),
            unchanged: 0,
            errors: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// Takes the columns of a sheet whose rows follow.
    fn add_sheet(&mut self, sheet: &SheetReport) {
        let columns = sheet.columns.iter().map(|c| (c.field, c.clone())).collect();
        self.columns.insert(sheet.name.clone(), columns);
    }

    /// Plans the rows of a chunk the reader handed over, but those with a cell that could not
    /// be read: the file will be rejected, and their other values are checked no further.
    fn plan_rows(&mut self, rows: &[LedgerRow], errors: &[CellError]) {
        let faulty: HashSet<(&str, u32)> = errors.iter().map(|e| (e.sheet.as_str(), e.row)).collect();
        for row in rows {
            if !faulty.contains(&(row.sheet.as_str(), row.row)) {
                self.plan_row(row);
            }
        }
    }

    /// The sheet's column of `field` (a row's values all come from its sheet's columns).
    fn column<'b>(&'b self, row: &'b LedgerRow, field: LedgerField) -> Option<&'b ColumnRef> {
        self.columns.get(&row.sheet).and_then(|c| c.get(&field))
    }

    fn issue(&self, row: &LedgerRow, field: LedgerField, value: &str, code: &str, what: &str) -> RowIssue {
        let quoted = if value.is_empty() {
            String::new()
        } else {
            format!(" '{value}'")
        };
        let (column, header, message) = match self.column(row, field) {
            Some(c) => (
                c.letter.clone(),
                c.label.clone(),
                format!("第{}行 {}列 {}: {what}{quoted}", row.row, c.letter, c.label),
            ),
            None => (
                String::new(),
                field.chinese().to_owned(),
                format!("第{}行 {}: {what}{quoted}", row.row, field.chinese()),
            ),
        };
        RowIssue {
            sheet: row.sheet.clone(),
            row: row.row,
            column,
            header,
            value: value.to_owned(),
            code: code.to_owned(),
            message,
        }
    }

    fn error(&mut self, row: &LedgerRow, field: LedgerField, value: &str, code: &str, what: &str) {
        let issue = self.issue(row, field, value, code, what);
        self.errors.push(issue);
    }

    fn warn(&mut self, row: &LedgerRow, field: LedgerField, value: &str, code: &str, what: &str) {
        let issue = self.issue(row, field, value, code, what);
        self.warnings.push(issue);
    }

    fn plan_row(&mut self, row: &LedgerRow) {
        let errors_before = self.errors.len();
        if let Ok(plan) = self.try_plan(row)
            && self.errors.len() == errors_before
        {
            // A stored project the row leaves as it is needs only counting.
            if matches!(plan.target, Target::Existing(_)) && !plan.writes() {
                self.unchanged += 1;
            } else {
                self.plans.push(plan);
            }
        }
    }

    fn try_plan(&mut self, row: &LedgerRow) -> RowResult<RowPlan> {
        let v = &row.values;
        let name = v.name.clone().unwrap_or_default();
        if name.chars().count() > 200 {
            self.error(
                row,
                LedgerField::Name,
                &name,
                "name_too_long",
                "项目名称不能超过200个字符",
            );
            return Err(());
        }
        let credit_code = match v.credit_code.as_deref() {
            Some(code) => match check_credit_code(code) {
                Ok(code) => Some(code),
                Err(_) => {
                    self.error(
                        row,
                        LedgerField::CreditCode,
                        code,
                        "invalid_credit_code",
                        "不是18位统一社会信用代码",
                    );
                    return Err(());
                }
            },
            None => None,
        };
        let code = match v.code.as_deref().map(str::trim) {
            Some(code) if valid_project_code(code) => Some(code.to_owned()),
            Some(code) => {
                self.error(
                    row,
                    LedgerField::Code,
                    code,
                    "invalid_code",
                    "项目编号只能由字母、数字、-、_ 组成，不超过64个字符",
                );
                return Err(());
            }
            None => None,
        };
        let matched = self.match_project(row, &name, code.as_deref(), credit_code.as_deref())?;
        let investor = self.resolve_investor(row, credit_code.as_deref())?;
        let team = self.resolve_reference(row, LedgerField::Team);
        let cluster = self.resolve_reference(row, LedgerField::Cluster);
        let park = self.resolve_reference(row, LedgerField::Park);
        let (team, cluster, park) = (team?, cluster?, park?);
        let owner_id = match v.owner.as_deref() {
            Some(owner) => match self.lookups.users.get(normalise_name(owner).as_ref()) {
                Some(Some(id)) => Some(*id),
                Some(None) => {
                    self.warn(
                        row,
                        LedgerField::Owner,
                        owner,
                        "ambiguous_owner",
                        "系统中有多个用户叫这个名字，责任人未导入：请填写其用户名",
                    );
                    None
                }
                None => {
                    self.warn(
                        row,
                        LedgerField::Owner,
                        owner,
                        "unknown_owner",
                        "系统中没有这个用户，责任人未导入",
                    );
                    None
                }
            },
            None => None,
        };

        // Who may import what: the same rules as the API, reported on the row.
        let principal = self.ctx.actor.principal();
        let team_name = v.team.clone().unwrap_or_default();
        if let Some(at) = matched
            && let Err(denied) = principal.check_write_project(self.lookups.projects[at].team_id)
        {
            let value = v.code.clone().unwrap_or_else(|| name.clone());
            self.error(
                row,
                LedgerField::Code,
                &value,
                "forbidden",
                &format!("无权修改该项目：{denied}"),
            );
            return Err(());
        }
        let moves_team = match (matched, team) {
            (Some(at), Some(Ref::Id(id))) => id != self.lookups.projects[at].team_id,
            (None, Some(_)) => true,
            (_, Some(Ref::New(_))) => true,
            _ => false,
        };
        if moves_team {
            let denied = match team {
                Some(Ref::Id(id)) => principal.check_assign_team(id).err(),
                Some(Ref::New(_)) => principal.check_admin().err(),
                None => None,
            };
            if let Some(denied) = denied {
                self.error(
                    row,
                    LedgerField::Team,
                    &team_name,
                    "forbidden",
                    &format!("无权为该专班导入项目：{denied}"),
                );
                return Err(());
            }
        }

        let mut changes = Vec::new();
        let (target, existing) = match matched {
            Some(at) => (Target::Existing(at), Some(self.lookups.projects[at].clone())),
            None => {
                if team.is_none() {
                    self.error(row, LedgerField::Team, "", "missing_team", "新项目必须填写招商专班");
                    return Err(());
                }
                let lead_on = [
                    v.negotiating_since,
                    v.signed_on,
                    v.actual_start,
                    v.actual_production,
                    v.effective_on,
                ]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(self.ctx.as_of)
                .min(self.ctx.as_of);
                (
                    Target::New {
                        code: code.clone(),
                        lead_on,
                    },
                    None,
                )
            }
        };

        // The fields.
        let fields = self.plan_fields(
            row,
            existing.as_ref(),
            investor,
            team,
            cluster,
            park,
            owner_id,
            &mut changes,
        )?;

        // The stage, the contract and the funds.
        let state = match &existing {
            Some(p) => StageState {
                stage: p.stage,
                dates: super::lifecycle::stage_dates(p),
                contract_signed_on: self.lookups.contracts.get(&p.id).map(|c| c.signed_on),
            },
            None => {
                let Target::New { lead_on, .. } = target else {
                    unreachable!("a new target without a project")
                };
                StageState {
                    stage: Stage::Lead,
                    dates: StageDates {
                        lead_on: Some(lead_on),
                        ..StageDates::default()
                    },
                    contract_signed_on: None,
                }
            }
        };
        let existing_contract = existing
            .as_ref()
            .and_then(|p| self.lookups.contracts.get(&p.id))
            .cloned();
        let (state, contract_update) =
            self.plan_contract_update(row, state, existing_contract.as_ref(), &mut changes)?;
        let (state, steps) = self.plan_moves(row, state, existing_contract.as_ref(), &mut changes)?;
        let payments = self.plan_funds(row, existing.as_ref().map(|p| p.id), &state, &mut changes)?;
        let (outcome, terminate) = self.plan_termination(row, state, &mut changes)?;

        let mut plan = RowPlan {
            sheet: row.sheet.clone(),
            row: row.row,
            target,
            id: None,
            fields: fields.map(Box::new),
            contract_update: contract_update.map(Box::new),
            steps,
            payments,
            terminate: terminate.map(Box::new),
            outcome,
            changes,
        };
        if existing.is_some() && !plan.writes() {
            plan.changes.clear();
        }
        Ok(plan)
    }

    // -- matching -----------------------------------------------------------------------

    fn match_project(
        &mut self,
        row: &LedgerRow,
        name: &str,
        code: Option<&str>,
        credit_code: Option<&str>,
    ) -> RowResult<Option<usize>> {
        let v = &row.values;
        let norm_name = normalise_name(name);
        let investor_name = v.investor.as_deref().map(normalise_name).unwrap_or_default();
        let l = &self.lookups;
        let (found, field): (Option<usize>, LedgerField) = if let Some(code) = code {
            (
                l.project_by_code
                    .candidates(&code)
                    .find(|at| l.projects[*at].code == code),
                LedgerField::Code,
            )
        } else {
            let one = |found: Vec<usize>| match found.as_slice() {
                [] => Ok(None),
                [one] => Ok(Some(*one)),
                _ => Err(()),
            };
            let by_name_investor = || -> Result<Option<usize>, ()> {
                let key = (norm_name.as_ref(), investor_name.as_ref());
                one(l
                    .project_by_name_investor
                    .candidates(&key)
                    .filter(|at| {
                        let stored = StoredKeys::of(&l.projects[*at], &l.investors);
                        // With a credit code, only projects whose investor has none (or the
                        // same) are the same project.
                        (stored.name.as_ref(), stored.investor.as_ref()) == key
                            && credit_code.is_none_or(|code| stored.credit_code.is_none_or(|c| c == code))
                    })
                    .collect())
            };
            let found = match credit_code {
                Some(credit) => {
                    let found: Vec<usize> = l
                        .project_by_credit_name
                        .candidates(&(credit, norm_name.as_ref()))
                        .filter(|at| {
                            let stored = StoredKeys::of(&l.projects[*at], &l.investors);
                            stored.credit_code == Some(credit) && stored.name == norm_name
                        })
                        .collect();
                    if found.is_empty() {
                        by_name_investor()
                    } else {
                        one(found)
                    }
                }
                None => by_name_investor(),
            };
            let Ok(found) = found else {
                self.error(
                    row,
                    LedgerField::Name,
                    name,
                    "ambiguous_match",
                    "系统中有多个同名且同投资方的项目，无法确定是哪一个；请填写项目编号",
                );
                return Err(());
            };
            (found, LedgerField::Name)
        };
        if let Some(at) = found {
            if let Some(first) = self.lookups.claimed.get(&at).copied() {
                let shown = code.unwrap_or(name).to_owned();
                self.error(
                    row,
                    field,
                    &shown,
                    "duplicate_row",
                    &format!("与第{first}行是同一个项目"),
                );
                return Err(());
            }
            self.lookups.claimed.insert(at, row.row);
            return Ok(Some(at));
        }
        // A new project: the keys that would make a later row the same one.
        let keys = match code {
            Some(code) => vec![format!("code:{code}")],
            None => {
                let mut keys = vec![format!("name:{norm_name}|{investor_name}")];
                if let Some(credit) = credit_code {
                    keys.push(format!("credit:{credit}|{norm_name}"));
                }
                keys
            }
        };
        if let Some(first) = keys.iter().find_map(|k| self.lookups.planned.get(k).copied()) {
            let shown = code.unwrap_or(name).to_owned();
            self.error(
                row,
                field,
                &shown,
                "duplicate_row",
                &format!("与第{first}行是同一个项目"),
            );
            return Err(());
        }
        for key in keys {
            self.lookups.planned.insert(key, row.row);
        }
        Ok(None)
    }

    fn resolve_investor(&mut self, row: &LedgerRow, credit_code: Option<&str>) -> RowResult<Option<Ref>> {
        let name = row.values.investor.as_deref().map(str::trim).filter(|n| !n.is_empty());
        if let Some(name) = name
            && name.chars().count() > 200
        {
            self.error(
                row,
                LedgerField::Investor,
                name,
                "name_too_long",
                "投资方名称不能超过200个字符",
            );
            return Err(());
        }
        let l = &mut self.lookups;
        if let Some(code) = credit_code {
            if let Some(found) = l.investor_by_code.get(code) {
                return Ok(Some(*found));
            }
            let by_name = name.and_then(|n| l.investor_by_name.get(normalise_name(n).as_ref()).copied());
            match by_name {
                Some(Ref::Id(id)) if l.investors.get(&id).is_some_and(|i| i.credit_code.is_none()) => {
                    l.investor_codes.push((id, code.to_owned()));
                    if let Some(i) = l.investors.get_mut(&id) {
                        i.credit_code = Some(code.to_owned());
                    }
                    l.investor_by_code.insert(code.to_owned(), Ref::Id(id));
                    return Ok(Some(Ref::Id(id)));
                }
                Some(Ref::New(at)) if l.new_investors[at].credit_code.is_none() => {
                    l.new_investors[at].credit_code = Some(code.to_owned());
                    l.investor_by_code.insert(code.to_owned(), Ref::New(at));
                    return Ok(Some(Ref::New(at)));
                }
                _ => {}
            }
            let Some(name) = name else {
                self.error(
                    row,
                    LedgerField::Investor,
                    "",
                    "missing_investor",
                    &format!("系统中没有统一社会信用代码为 {code} 的投资方，请填写投资方名称"),
                );
                return Err(());
            };
            let new = Ref::New(l.new_investors.len());
            l.new_investors.push(NewInvestor {
                name: name.to_owned(),
                credit_code: Some(code.to_owned()),
            });
            l.investor_by_code.insert(code.to_owned(), new);
            l.investor_by_name
                .entry(normalise_name(name).into_owned())
                .or_insert(new);
            return Ok(Some(new));
        }
        let Some(name) = name else { return Ok(None) };
        let key = normalise_name(name);
        if let Some(found) = l.investor_by_name.get(key.as_ref()) {
            return Ok(Some(*found));
        }
        let new = Ref::New(l.new_investors.len());
        l.new_investors.push(NewInvestor {
            name: name.to_owned(),
            credit_code: None,
        });
        l.investor_by_name.insert(key.into_owned(), new);
        Ok(Some(new))
    }

    /// The team, cluster or park a row names: found, created (with `create_missing`), or an
    /// error.
    fn resolve_reference(&mut self, row: &LedgerRow, field: LedgerField) -> RowResult<Option<Ref>> {
        let value = match field {
            LedgerField::Team => row.values.team.as_deref(),
            LedgerField::Cluster => row.values.cluster.as_deref(),
            _ => row.values.park.as_deref(),
        };
        let Some(name) = value.map(str::trim).filter(|n| !n.is_empty()) else {
            return Ok(None);
        };
        let key = normalise_name(name);
        let (found, what) = match field {
            LedgerField::Team => (self.lookups.teams.get(key.as_ref()), "专班"),
            LedgerField::Cluster => (self.lookups.clusters.get(key.as_ref()), "产业集群"),
            _ => (self.lookups.parks.get(key.as_ref()), "园区"),
        };
        if let Some(found) = found {
            return Ok(Some(*found));
        }
        if !self.ctx.options.create_missing {
            self.error(
                row,
                field,
                name,
                match field {
                    LedgerField::Team => "unknown_team",
                    LedgerField::Cluster => "unknown_cluster",
                    _ => "unknown_park",
                },
                &format!("系统中没有这个{what}（请先在系统中添加，或使用 create_missing 选项自动创建）"),
            );
            return Err(());
        }
        if name.chars().count() > 100 {
            self.error(
                row,
                field,
                name,
                "name_too_long",
                &format!("{what}名称不能超过100个字符"),
            );
            return Err(());
        }
        let l = &mut self.lookups;
        let created = match field {
            LedgerField::Team => {
                // The team's cluster: the one the row names, when it names one.
                let cluster = row
                    .values
                    .cluster
                    .as_deref()
                    .and_then(|c| l.clusters.get(normalise_name(c).as_ref()).copied());
                l.new_teams.push(NewTeam {
                    name: name.to_owned(),
                    cluster,
                });
                let r = Ref::New(l.new_teams.len() - 1);
                l.teams.insert(key.into_owned(), r);
                r
            }
            LedgerField::Cluster => {
                l.new_clusters.push(name.to_owned());
                let r = Ref::New(l.new_clusters.len() - 1);
                l.clusters.insert(key.into_owned(), r);
                r
            }
            _ => {
                l.new_parks.push(name.to_owned());
                let r = Ref::New(l.new_parks.len() - 1);
                l.parks.insert(key.into_owned(), r);
                r
            }
        };
        Ok(Some(created))
    }

    // -- fields -------------------------------------------------------------------------

    #[allow(clippy::too_many_arguments)]
    fn plan_fields(
        &mut self,
        row: &LedgerRow,
        existing: Option<&project::Model>,
        investor: Option<Ref>,
        team: Option<Ref>,
        cluster: Option<Ref>,
        park: Option<Ref>,
        owner_id: Option<i32>,
        changes: &mut Vec<String>,
    ) -> RowResult<Option<Fields>> {
        let v = &row.values;
        let planned_investment = self.amount(row, LedgerField::PlannedInvestment, v.planned_investment)?;
        let land_area = match v.land_area {
            Some(area) => match money::mu_to_centimu(area) {
                Ok(_) => Some(area),
                Err(_) => {
                    self.error(
                        row,
                        LedgerField::LandArea,
                        &area.to_string(),
                        "invalid_land_area",
                        "用地面积过大",
                    );
                    return Err(());
                }
            },
            None => None,
        };
        let name = v.name.clone().unwrap_or_default().trim().to_owned();
        let Some(p) = existing else {
            let team = team.expect("a new project has a team (checked by the caller)");
            let cluster = cluster.or_else(|| match team {
                Ref::Id(id) => self.lookups.team_cluster.get(&id).copied().flatten().map(Ref::Id),
                Ref::New(at) => self.lookups.new_teams[at].cluster,
            });
            changes.push("新建项目".to_owned());
            return Ok(Some(Fields {
                name,
                investor,
                team,
                cluster,
                park,
                owner_id,
                sponsoring_leader: v.sponsoring_leader.clone(),
                source: v.source.clone(),
                planned_investment: planned_investment.map(|(d, _)| d),
                land_area,
                registered_on: None,
                registered_capital: None,
                land_supplied_on: None,
                progress: v.progress.clone(),
                issues: v.issues.clone(),
                notes: v.notes.clone(),
            }));
        };

        let l = &self.lookups;
        let mut changed = false;
        let mut note = |label: &str, old: String, new: String| {
            changed = true;
            changes.push(format!(
                "{label}: {} → {new}",
                if old.is_empty() { "（空）".into() } else { old }
            ));
        };
        if name != p.name {
            note("项目名称", p.name.clone(), name.clone());
        }
        let refs = [
            ("投资方", RefKind::Investor, investor, p.investor_id),
            ("招商专班", RefKind::Team, team, Some(p.team_id)),
            ("产业集群", RefKind::Cluster, cluster, p.cluster_id),
            ("落地园区", RefKind::Park, park, p.park_id),
        ];
        for (label, kind, wanted, stored) in refs {
            if let Some(wanted) = wanted
                && Some(wanted) != stored.map(Ref::Id)
            {
                let old = stored.map(|id| l.ref_name(kind, Ref::Id(id))).unwrap_or_default();
                note(label, old, l.ref_name(kind, wanted));
            }
        }
        if let Some(owner) = owner_id
            && Some(owner) != p.owner_id
        {
            note("责任人", String::new(), v.owner.clone().unwrap_or_default());
        }
        let texts = [
            ("包保领导", &v.sponsoring_leader, &p.sponsoring_leader),
            ("项目来源", &v.source, &p.source),
            ("项目进展", &v.progress, &p.progress),
            ("存在问题", &v.issues, &p.issues),
            ("备注", &v.notes, &p.notes),
        ];
        for (label, wanted, stored) in texts {
            if let Some(wanted) = wanted
                && Some(wanted.trim()) != stored.as_deref()
            {
                note(label, stored.clone().unwrap_or_default(), wanted.clone());
            }
        }
        if let Some((wan, yuan)) = planned_investment
            && Some(yuan) != p.planned_investment_yuan
        {
            note(
                "计划投资额",
                p.planned_investment_yuan
                    .map(|y| money::yuan_to_wan(y).to_string())
                    .unwrap_or_default(),
                wan.to_string(),
            );
        }
        if let Some(area) = land_area
            && money::mu_to_centimu(area).ok() != p.land_area_centimu
        {
            note(
                "用地面积",
                p.land_area_centimu
                    .map(|c| money::centimu_to_mu(c).to_string())
                    .unwrap_or_default(),
                area.to_string(),
            );
        }
        if !changed {
            return Ok(None);
        }
        Ok(Some(Fields {
            name,
            investor: investor.or(p.investor_id.map(Ref::Id)),
            team: team.unwrap_or(Ref::Id(p.team_id)),
            cluster: cluster.or(p.cluster_id.map(Ref::Id)),
            park: park.or(p.park_id.map(Ref::Id)),
            owner_id: owner_id.or(p.owner_id),
            sponsoring_leader: v.sponsoring_leader.clone().or_else(|| p.sponsoring_leader.clone()),
            source: v.source.clone().or_else(|| p.source.clone()),
            planned_investment: planned_investment
                .map(|(d, _)| d)
                .or(p.planned_investment_yuan.map(money::yuan_to_wan)),
            land_area: land_area.or(p.land_area_centimu.map(money::centimu_to_mu)),
            registered_on: p.registered_on,
            registered_capital: p.registered_capital_yuan.map(money::yuan_to_wan),
            land_supplied_on: p.land_supplied_on,
            progress: v.progress.clone().or_else(|| p.progress.clone()),
            issues: v.issues.clone().or_else(|| p.issues.clone()),
            notes: v.notes.clone().or_else(|| p.notes.clone()),
        }))
    }

    /// An amount of the row in 万元 and in yuan, or an error when it cannot be stored.
    fn amount(
        &mut self,
        row: &LedgerRow,
        field: LedgerField,
        value: Option<Decimal>,
    ) -> RowResult<Option<(Decimal, i64)>> {
        match value {
            None => Ok(None),
            Some(wan) => match money::wan_to_yuan(wan) {
                Ok(yuan) => Ok(Some((wan, yuan))),
                Err(_) => {
                    self.error(row, field, &wan.to_string(), "amount_too_large", "金额过大");
                    Err(())
                }
            },
        }
    }

    // -- contract -----------------------------------------------------------------------

    /// The contract terms the row states, on top of `base` (the stored terms), checked.
    fn contract_terms(
        &mut self,
        row: &LedgerRow,
        signed_on: NaiveDate,
        base: Option<&contract::Model>,
    ) -> RowResult<ContractInput> {
        let v = &row.values;
        let contracted = self.amount(row, LedgerField::ContractedInvestment, v.contracted_investment)?;
        let output = self.amount(row, LedgerField::PromisedOutput, v.promised_output)?;
        let tax = self.amount(row, LedgerField::PromisedTax, v.promised_tax)?;
        let contracted_investment = match (contracted, base) {
            (Some((wan, _)), _) => wan,
            (None, Some(c)) => money::yuan_to_wan(c.contracted_investment_yuan),
            (None, None) => {
                self.error(
                    row,
                    LedgerField::ContractedInvestment,
                    "",
                    "missing_contract_terms",
                    "已签约的项目必须填写合同投资额",
                );
                return Err(());
            }
        };
        if contracted_investment.is_zero() {
            self.error(
                row,
                LedgerField::ContractedInvestment,
                &contracted_investment.to_string(),
                "invalid_contract",
                "合同投资额必须大于零",
            );
            return Err(());
        }
        let agreement_type = match (v.agreement_type, base) {
            (Some(t), _) => t,
            (None, Some(c)) => c.agreement_type,
            (None, None) => {
                self.warn(
                    row,
                    LedgerField::AgreementType,
                    "",
                    "agreement_type_assumed",
                    "未填写协议类型，按正式合同导入",
                );
                AgreementType::Formal
            }
        };
        let terms = ContractInput {
            agreement_type,
            signed_on,
            contracted_investment,
            promised_start_on: v.promised_start.or(base.and_then(|c| c.promised_start_on)),
            promised_production_on: v.promised_production.or(base.and_then(|c| c.promised_production_on)),
            promised_full_production_on: v
                .promised_full_production
                .or(base.and_then(|c| c.promised_full_production_on)),
            promised_output_value: output
                .map(|(d, _)| d)
                .or(base.and_then(|c| c.promised_output_value_yuan.map(money::yuan_to_wan))),
            promised_tax: tax
                .map(|(d, _)| d)
                .or(base.and_then(|c| c.promised_tax_yuan.map(money::yuan_to_wan))),
        };
        // Promised dates in order, as the contract rules require.
        let promised = [
            (LedgerField::PromisedStart, terms.promised_start_on),
            (LedgerField::PromisedProduction, terms.promised_production_on),
            (LedgerField::PromisedFullProduction, terms.promised_full_production_on),
        ];
        let mut previous = (LedgerField::SignedOn, signed_on);
        let mut failed = false;
        for (field, date) in promised {
            let Some(date) = date else { continue };
            if date < previous.1 {
                let what = format!("日期早于{}（{}）", previous.0.chinese(), previous.1);
                self.error(row, field, &date.to_string(), "date_out_of_order", &what);
                failed = true;
            }
            previous = (field, date);
        }
        if failed { Err(()) } else { Ok(terms) }
    }

    /// Updates the terms of a project signed before this import when the row states others.
    fn plan_contract_update(
        &mut self,
        row: &LedgerRow,
        mut state: StageState,
        existing: Option<&contract::Model>,
        changes: &mut Vec<String>,
    ) -> RowResult<(StageState, Option<ContractInput>)> {
        let v = &row.values;
        let (Some(stored), Some(_)) = (existing, state.dates.signed_on) else {
            return Ok((state, None));
        };
        // Going back before signing: the terms are left as they are.
        let target = v.stage.unwrap_or(Stage::Lead);
        if target != Stage::Terminated && rank(target) < rank(Stage::Signed) {
            return Ok((state, None));
        }
        let states_terms = v.signed_on.is_some()
            || v.contracted_investment.is_some()
            || v.agreement_type.is_some()
            || v.promised_start.is_some()
            || v.promised_production.is_some()
            || v.promised_full_production.is_some()
            || v.promised_output.is_some()
            || v.promised_tax.is_some();
        if !states_terms {
            return Ok((state, None));
        }
        let signed_on = v.signed_on.unwrap_or(stored.signed_on);
        let terms = self.contract_terms(row, signed_on, Some(stored))?;
        let yuan = |d: Decimal| money::wan_to_yuan(d).ok();
        let same = terms.agreement_type == stored.agreement_type
            && terms.signed_on == stored.signed_on
            && yuan(terms.contracted_investment) == Some(stored.contracted_investment_yuan)
            && terms.promised_start_on == stored.promised_start_on
            && terms.promised_production_on == stored.promised_production_on
            && terms.promised_full_production_on == stored.promised_full_production_on
            && terms.promised_output_value.and_then(yuan) == stored.promised_output_value_yuan
            && terms.promised_tax.and_then(yuan) == stored.promised_tax_yuan;
        if same {
            return Ok((state, None));
        }
        if signed_on != stored.signed_on {
            let dates = StageDates {
                signed_on: Some(signed_on),
                ..state.dates
            };
            if let Err(e) = check_dates_in_order(&dates, self.ctx.today) {
                let what = transition_problem(&e).1;
                self.error(
                    row,
                    LedgerField::SignedOn,
                    &signed_on.to_string(),
                    "date_out_of_order",
                    &format!("新的签约时间打乱了阶段日期顺序：{what}"),
                );
                return Err(());
            }
            changes.push(format!("签约时间: {} → {signed_on}", stored.signed_on));
            state.dates.signed_on = Some(signed_on);
        }
        state.contract_signed_on = Some(signed_on);
        changes.push("合同条款".to_owned());
        Ok((state, Some(terms)))
    }

    // -- stages -------------------------------------------------------------------------

    fn plan_moves(
        &mut self,
        row: &LedgerRow,
        mut state: StageState,
        existing_contract: Option<&contract::Model>,
        changes: &mut Vec<String>,
    ) -> RowResult<(StageState, Vec<Step>)> {
        let v = &row.values;
        let target = v.stage.unwrap_or(Stage::Lead);
        let terminated = target == Stage::Terminated;
        let as_of = self.ctx.as_of;
        let reason = self.ctx.reason();
        // How far the row's dates go: what a terminated row reached before it stopped.
        let ordered_target = if terminated {
            ORDERED
                .iter()
                .rev()
                .copied()
                .find(|s| stated_date(v, *s).is_some())
                .unwrap_or(Stage::Lead)
        } else {
            target
        };
        let mut steps = Vec::new();
        if terminated && state.stage == Stage::Terminated {
            self.warn_dates(row, &state);
            return Ok((state, steps));
        }

        let standing = |s: &StageState| {
            if s.stage == Stage::Terminated {
                s.dates.furthest_reached()
            } else {
                Some(s.stage)
            }
        };
        let rank_of = |s: Option<Stage>| s.and_then(rank);
        let backward = !terminated && (state.stage == Stage::Terminated || rank_of(standing(&state)) > rank(target));
        if backward {
            if !self.ctx.options.allow_backward {
                let what = if state.stage == Stage::Terminated {
                    format!(
                        "系统中该项目已终止，台账为{}；重新启动项目需使用 allow_backward 选项",
                        chinese_name(target)
                    )
                } else {
                    format!(
                        "阶段倒退：系统中为{}，台账为{}；如确需倒退请使用 allow_backward 选项",
                        chinese_name(state.stage),
                        chinese_name(target)
                    )
                };
                self.error(row, LedgerField::Stage, chinese_name(target), "backward_move", &what);
                return Err(());
            }
            if rank_of(standing(&state)) >= rank(target) {
                let on = if state.dates.get(target).is_some() {
                    as_of
                } else {
                    stated_date(v, target).unwrap_or(as_of)
                };
                let step = Step {
                    from: Stage::Lead,
                    to: target,
                    on,
                    reason: reason.clone(),
                    contract: None,
                };
                state = self.simulate(row, state, step, LedgerField::Stage, &mut steps, changes)?;
            }
        }

        let from = rank_of(standing(&state));
        let upto = rank(ordered_target).unwrap_or(0);
        for stage in ORDERED {
            let Some(r) = rank(stage) else { continue };
            if from.is_some_and(|f| r <= f) || r > upto || stage == Stage::Lead {
                continue;
            }
            let field = date_field(stage);
            let step = match stage {
                Stage::Negotiating => match v.negotiating_since {
                    Some(on) => Step {
                        from: Stage::Lead,
                        to: stage,
                        on,
                        reason: reason.clone(),
                        contract: None,
                    },
                    None if ordered_target == Stage::Negotiating && !terminated => {
                        self.warn(
                            row,
                            field,
                            "",
                            "date_assumed",
                            &format!("项目在谈但未填写洽谈时间，按统计截至日期{as_of}记为开始洽谈"),
                        );
                        Step {
                            from: Stage::Lead,
                            to: stage,
                            on: as_of,
                            reason: reason.clone(),
                            contract: None,
                        }
                    }
                    None => continue,
                },
                Stage::Signed => {
                    let Some(signed_on) = v.signed_on else {
                        self.missing_date(row, stage, ordered_target);
                        return Err(());
                    };
                    let terms = self.contract_terms(row, signed_on, existing_contract)?;
                    Step {
                        from: Stage::Lead,
                        to: stage,
                        on: signed_on,
                        reason: reason.clone(),
                        contract: Some(terms),
                    }
                }
                _ => {
                    let Some(on) = stated_date(v, stage) else {
                        self.missing_date(row, stage, ordered_target);
                        return Err(());
                    };
                    Step {
                        from: Stage::Lead,
                        to: stage,
                        on,
                        reason: reason.clone(),
                        contract: None,
                    }
                }
            };
            state = self.simulate(row, state, step, field, &mut steps, changes)?;
        }
        self.warn_dates(row, &state);
        Ok((state, steps))
    }

    fn missing_date(&mut self, row: &LedgerRow, stage: Stage, target: Stage) {
        let field = date_field(stage);
        let what = format!(
            "项目阶段为{}，缺少{}（签约后的每个阶段都需要日期）",
            chinese_name(if row.values.terminated {
                Stage::Terminated
            } else {
                target
            }),
            field.chinese()
        );
        self.error(row, field, "", "missing_date", &what);
    }

    /// Checks one move against the stage rules, as `transition_in` will.
    fn simulate(
        &mut self,
        row: &LedgerRow,
        state: StageState,
        mut step: Step,
        field: LedgerField,
        steps: &mut Vec<Step>,
        changes: &mut Vec<String>,
    ) -> RowResult<StageState> {
        let contract_signed_on = step.contract.as_ref().map(|c| c.signed_on).or(state.contract_signed_on);
        let transition = Transition {
            to: step.to,
            on: step.on,
            reason: Some(step.reason.clone()),
            contract_signed_on,
        };
        match plan_transition(state.stage, &state.dates, &transition, self.ctx.today) {
            Ok(plan) => {
                changes.push(format!(
                    "阶段: {} → {} ({})",
                    chinese_name(plan.from),
                    chinese_name(plan.to),
                    step.on
                ));
                step.from = plan.from;
                steps.push(step);
                Ok(StageState {
                    stage: plan.to,
                    dates: plan.dates,
                    contract_signed_on,
                })
            }
            Err(e) => {
                let (code, what) = transition_problem(&e);
                self.error(row, field, &step.on.to_string(), code, &what);
                Err(())
            }
        }
    }

    /// Warns about stated dates the import leaves alone: stages reached before with another
    /// date, or beyond the stage the row states.
    fn warn_dates(&mut self, row: &LedgerRow, state: &StageState) {
        for stage in [Stage::Negotiating, Stage::Started, Stage::Producing, Stage::Effective] {
            let Some(stated) = stated_date(&row.values, stage) else {
                continue;
            };
            match state.dates.get(stage) {
                Some(stored) if stored == stated => {}
                Some(stored) => self.warn(
                    row,
                    date_field(stage),
                    &stated.to_string(),
                    "date_differs",
                    &format!("与系统记录的日期{stored}不同，未修改（阶段日期只随阶段变更写入）"),
                ),
                None => self.warn(
                    row,
                    date_field(stage),
                    &stated.to_string(),
                    "date_ignored",
                    &format!(
                        "项目当前阶段为{}，此日期未导入",
                        chinese_name(row.values.stage.unwrap_or(state.stage))
                    ),
                ),
            }
        }
    }

    fn plan_termination(
        &mut self,
        row: &LedgerRow,
        state: StageState,
        changes: &mut Vec<String>,
    ) -> RowResult<(StageState, Option<Step>)> {
        if !row.values.terminated || state.stage == Stage::Terminated {
            return Ok((state, None));
        }
        let step = Step {
            from: Stage::Lead,
            to: Stage::Terminated,
            on: self.ctx.as_of,
            reason: format!("{}: 终止", self.ctx.reason()),
            contract: None,
        };
        let mut steps = Vec::new();
        let state = self.simulate(row, state, step, LedgerField::Stage, &mut steps, changes)?;
        Ok((state, steps.pop()))
    }

    // -- funds --------------------------------------------------------------------------

    fn plan_funds(
        &mut self,
        row: &LedgerRow,
        project_id: Option<i32>,
        state: &StageState,
        changes: &mut Vec<String>,
    ) -> RowResult<Vec<Payment>> {
        let v = &row.values;
        let cumulative = self.amount(row, LedgerField::FundsCumulative, v.funds_cumulative)?;
        let this_year = self.amount(row, LedgerField::FundsThisYear, v.funds_this_year)?;
        let recorded = project_id
            .and_then(|id| self.lookups.counted.get(&id))
            .copied()
            .unwrap_or(0);
        let before_year = project_id
            .and_then(|id| self.lookups.counted_before_year.get(&id))
            .copied()
            .unwrap_or(0);
        let as_of = self.ctx.as_of;
        let year_end = NaiveDate::from_ymd_opt(as_of.year() - 1, 12, 31).unwrap_or(as_of);
        let mut payments = Vec::new();
        match (cumulative, this_year) {
            (Some((wan, total)), this_year) => {
                if total < recorded {
                    self.error(
                        row,
                        LedgerField::FundsCumulative,
                        &wan.to_string(),
                        "funds_below_recorded",
                        &format!(
                            "累计到位资金低于系统已记录的计入考核到位资金（截至{as_of}共{}万元）",
                            money::yuan_to_wan(recorded)
                        ),
                    );
                    return Err(());
                }
                if let Some((year_wan, year)) = this_year
                    && year > total
                {
                    self.error(
                        row,
                        LedgerField::FundsThisYear,
                        &year_wan.to_string(),
                        "funds_this_year_exceeds_cumulative",
                        &format!("本年到位资金大于累计到位资金（{wan}万元）"),
                    );
                    return Err(());
                }
                let missing = total - recorded;
                if missing > 0 {
                    let earlier_missing = match this_year {
                        Some((_, year)) => (total - year - before_year).clamp(0, missing),
                        None => 0,
                    };
                    if earlier_missing > 0 {
                        payments.push(Payment {
                            arrived_on: year_end,
                            amount_yuan: earlier_missing,
                        });
                    }
                    if missing > earlier_missing {
                        payments.push(Payment {
                            arrived_on: as_of,
                            amount_yuan: missing - earlier_missing,
                        });
                    }
                }
            }
            (None, Some((wan, year))) => {
                let recorded_this_year = recorded - before_year;
                if year < recorded_this_year {
                    self.error(
                        row,
                        LedgerField::FundsThisYear,
                        &wan.to_string(),
                        "funds_below_recorded",
                        &format!(
                            "本年到位资金低于系统已记录的本年计入考核到位资金（{}万元）",
                            money::yuan_to_wan(recorded_this_year)
                        ),
                    );
                    return Err(());
                }
                if year > recorded_this_year {
                    payments.push(Payment {
                        arrived_on: as_of,
                        amount_yuan: year - recorded_this_year,
                    });
                }
            }
            (None, None) => {}
        }
        if !payments.is_empty() && state.dates.signed_on.is_none() {
            let (field, value) = match cumulative {
                Some((wan, _)) => (LedgerField::FundsCumulative, wan),
                None => (
                    LedgerField::FundsThisYear,
                    this_year.map(|(w, _)| w).unwrap_or_default(),
                ),
            };
            self.error(
                row,
                field,
                &value.to_string(),
                "funds_without_signing",
                "项目未签约，不能登记到位资金",
            );
            return Err(());
        }
        for p in &payments {
            changes.push(format!(
                "到位资金: +{}万元 ({})",
                money::yuan_to_wan(p.amount_yuan),
                p.arrived_on
            ));
        }
        Ok(payments)
    }
}

/// The date a row states for reaching `stage`.
fn stated_date(v: &LedgerValues, stage: Stage) -> Option<NaiveDate> {
    match stage {
        Stage::Negotiating => v.negotiating_since,
        Stage::Signed => v.signed_on,
        Stage::Started => v.actual_start,
        Stage::Producing => v.actual_production,
        Stage::Effective => v.effective_on,
        Stage::Lead | Stage::Terminated => None,
    }
}

/// The ledger column that holds the date of `stage`.
fn date_field(stage: Stage) -> LedgerField {
    match stage {
        Stage::Negotiating => LedgerField::NegotiatingSince,
        Stage::Signed => LedgerField::SignedOn,
        Stage::Started => LedgerField::ActualStart,
        Stage::Producing => LedgerField::ActualProduction,
        Stage::Effective => LedgerField::EffectiveOn,
        Stage::Lead | Stage::Terminated => LedgerField::Stage,
    }
}

/// A refused move, as a code and a Chinese explanation.
fn transition_problem(err: &TransitionError) -> (&'static str, String) {
    match err {
        TransitionError::DateBeforePrevious { previous, stage, .. } => (
            "date_out_of_order",
            format!("日期早于{}的日期（{previous}）", chinese_name(*stage)),
        ),
        TransitionError::DateInFuture { today, .. } => ("date_in_future", format!("日期晚于今天（{today}）")),
        TransitionError::SkipsStage { from, to } => (
            "skips_stage",
            format!(
                "不能从{}直接到{}：签约后各阶段须依次经过",
                chinese_name(*from),
                chinese_name(*to)
            ),
        ),
        TransitionError::ContractRequired => ("missing_contract_terms", "签约需要合同条款".to_owned()),
        TransitionError::SignedDateMismatch { contract, .. } => {
            ("signed_date_mismatch", format!("与合同的签约时间（{contract}）不一致"))
        }
        TransitionError::ReasonRequired => ("reason_required", "此阶段变更需要原因".to_owned()),
        TransitionError::AlreadyThere(stage) => ("already_there", format!("项目已处于{}阶段", chinese_name(*stage))),
    }
}

/// What `projects::check_code` accepts.
fn valid_project_code(code: &str) -> bool {
    (1..=64).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
}

/// Counts what `plans` do into the report, and lists the first changes.
fn tally(report: &mut ImportReport, plans: &[RowPlan], lookups: &Lookups) {
    for plan in plans {
        let (action, project_id, code) = match &plan.target {
            Target::Existing(at) => {
                let p = &lookups.projects[*at];
                (RowAction::Updated, Some(p.id), Some(p.code.clone()))
            }
            Target::New { code, .. } => (RowAction::Created, plan.id, code.clone()),
        };
        // Rows that leave a stored project unchanged were counted by the planner, not kept.
        debug_assert!(
            plan.writes() || action == RowAction::Created,
            "an unchanged row kept as a plan"
        );
        match action {
            RowAction::Created => report.created += 1,
            RowAction::Updated => report.updated += 1,
        }
        report.stage_moves += u32::try_from(plan.steps.len() + usize::from(plan.terminate.is_some())).unwrap_or(0);
        report.payments_added += u32::try_from(plan.payments.len()).unwrap_or(0);
        report.payments_total_yuan += plan.payments.iter().map(|p| p.amount_yuan).sum::<i64>();
        report.totals.changes += 1;
        if report.changes.len() >= REPORT_LIST_LIMIT {
            continue;
        }
        report.changes.push(RowChange {
            sheet: plan.sheet.clone(),
            row: plan.row,
            action,
            project_id,
            project_code: code,
            project_name: plan
                .fields
                .as_ref()
                .map(|f| f.name.clone())
                .unwrap_or_else(|| match &plan.target {
                    Target::Existing(at) => lookups.projects[*at].name.clone(),
                    Target::New { .. } => String::new(),
                }),
            changes: plan.changes.clone(),
        });
    }
}

/// Counts into `report` the investors, teams, clusters and parks the import creates.
fn tally_created(report: &mut ImportReport, lookups: &Lookups) {
    report.investors_created = u32::try_from(lookups.new_investors.len()).unwrap_or(u32::MAX);
    let refs = [
        ("cluster", lookups.new_clusters.clone()),
        ("park", lookups.new_parks.clone()),
        ("team", lookups.new_teams.iter().map(|t| t.name.clone()).collect()),
    ];
    for (kind, names) in refs {
        for name in names {
            report.references_created.push(ReferenceCreated {
                kind: kind.to_owned(),
                name,
            });
        }
    }
}

// ---------------------------------------------------------------------------------------
// Writing

/// Ids given to the records this import creates, in the order of `Lookups::new_*`.
#[derive(Default)]
struct Created {
    teams: Vec<i32>,
    clusters: Vec<i32>,
    parks: Vec<i32>,
    investors: Vec<i32>,
}

impl Created {
    fn id(list: &[i32], r: Ref) -> i32 {
        match r {
            Ref::Id(id) => id,
            Ref::New(at) => list[at],
        }
    }
}

fn write_failed(sheet: &str, row: u32, err: &ServiceError) -> Box<RowIssue> {
    if let ServiceError::Db(cause) = err {
        tracing::error!(error = %cause, "ledger import write failed");
    }
    let what = match err {
        ServiceError::Db(_) => "数据库错误（已记录日志）".to_owned(),
        other => other.to_string(),
    };
    Box::new(RowIssue {
        sheet: sheet.to_owned(),
        row,
        column: String::new(),
        header: String::new(),
        value: String::new(),
        code: "write_failed".to_owned(),
        message: if row == 0 {
            format!("写入失败：{what}")
        } else {
            format!("第{row}行: 写入失败：{what}")
        },
    })
}

/// The new projects of a load and what they need first (teams, clusters and parks an
/// administrator's import creates, new investors), built into INSERTs a statement's worth at a
/// time as the rows are planned, and queued for the writer.
struct NewProjects {
    backend: DatabaseBackend,
    /// One time for the whole load: the projects' creation, their history and their trail.
    at: DateTime<Utc>,
    per_statement: usize,
    created: Created,
    project_ids: columnar::NewIds,
    investor_ids: columnar::NewIds,
    codes: TakenCodes,
    records: NewRecords,
    /// Plans of stored projects, taken from the planner once the plans before them were
    /// built and tallied; they are written when every row is planned.
    stored: Vec<RowPlan>,
    /// Nothing more is built: the file has an error, or the writer stopped at one.
    stopped: bool,
}

impl NewProjects {
    async fn start(db: &impl ConnectionTrait) -> ServiceResult<Self> {
        let backend = db.get_database_backend();
        Ok(Self {
            backend,
            at: now(),
            per_statement: columnar::rows_per_statement::<project::Entity>(backend),
            created: Created::default(),
            project_ids: columnar::NewIds::start::<project::Entity>(db).await?,
            investor_ids: columnar::NewIds::start::<investor::Entity>(db).await?,
            codes: TakenCodes::default(),
            records: NewRecords::default(),
            stored: Vec::new(),
            stopped: false,
        })
    }

    /// Queues the new projects planned since the last call, a statement's worth at a time, and
    /// when `last` all that are left, with their history, contracts, payments and trail, after
    /// the teams, clusters, parks and investors they name. The plans before the first one left
    /// waiting are then tallied into `report`, in file order, and leave the planner: a new
    /// project's plan is done with, a stored one's kept for later. `stop` ends the building
    /// for good, and the plans stay with the planner.
    ///
    /// New ids are taken through `outside`, a connection outside the load's transaction `db`,
    /// so that taking them never waits behind the statement the writer is running there (on
    /// PostgreSQL a query; a sequence is not transactional, so the ids are the same).
    #[allow(clippy::too_many_arguments)]
    async fn feed(
        &mut self,
        db: &(impl ConnectionTrait + TransactionTrait),
        outside: &impl ConnectionTrait,
        ctx: &Context<'_>,
        planner: &mut Planner<'_>,
        queue: &tokio::sync::mpsc::Sender<Queued>,
        report: &mut ImportReport,
        stop: bool,
        last: bool,
    ) -> Result<(), Box<RowIssue>> {
        self.stopped |= stop;
        if self.stopped {
            return Ok(());
        }
        // The planner holds only plans not yet tallied: the new projects among them not built
        // yet (no id), and what was planned after the first of those.
        let plans = &planner.plans;
        let waiting: Vec<usize> = (0..plans.len())
            .filter(|&at| matches!(plans[at].target, Target::New { .. }) && plans[at].id.is_none())
            .collect();
        let built = if last {
            waiting.len()
        } else {
            waiting.len() - waiting.len() % self.per_statement
        };
        for batch in waiting[..built].chunks(self.per_statement) {
            if self.stopped {
                break;
            }
            self.create_references(db, outside, ctx, &planner.lookups, queue)
                .await?;
            let ids = self
                .project_ids
                .take(outside, batch.len())
                .await
                .map_err(|e| write_failed("", 0, &e.into()))?;
            for (&at, id) in batch.iter().zip(ids) {
                planner.plans[at].id = Some(id);
            }
            let plans: Vec<&RowPlan> = batch.iter().map(|&at| &planner.plans[at]).collect();
            let projects = Queued {
                statement: project_rows(
                    self.backend,
                    self.at,
                    &plans,
                    &self.created,
                    &planner.lookups,
                    &mut self.codes,
                )?,
                table: project::Entity.table_name(),
                rows: plans.len(),
                at: Some((plans[0].sheet.clone(), plans[0].row)),
            };
            let records = record_rows(self.backend, self.at, ctx, &plans, &mut self.records);
            for statement in std::iter::once(projects).chain(records) {
                self.send(queue, statement).await;
            }
        }
        if last && !self.stopped {
            // The stored projects' rows, written after the load, may name new ones too.
            self.create_references(db, outside, ctx, &planner.lookups, queue)
                .await?;
            for statement in self.records.rest(self.backend) {
                self.send(queue, statement).await;
            }
        }
        if !self.stopped {
            let done = waiting.get(built).copied().unwrap_or(planner.plans.len());
            tally(report, &planner.plans[..done], &planner.lookups);
            let stored = planner
                .plans
                .drain(..done)
                .filter(|p| matches!(p.target, Target::Existing(_)));
            self.stored.extend(stored);
        }
        Ok(())
    }

    async fn send(&mut self, queue: &tokio::sync::mpsc::Sender<Queued>, statement: Queued) {
        // Fails only when the writer stopped at an error, which it reports.
        if queue.send(statement).await.is_err() {
            self.stopped = true;
        }
        // On a runtime of one thread the writer starts the statement now, not after the next
        // batch is built.
        tokio::task::yield_now().await;
    }

    /// Creates the teams, clusters and parks planned since the last call, one by one through
    /// the service, and queues the INSERT of the new investors, in bulk, their ids taken
    /// through `outside` as in [`NewProjects::feed`].
    async fn create_references(
        &mut self,
        db: &(impl ConnectionTrait + TransactionTrait),
        outside: &impl ConnectionTrait,
        ctx: &Context<'_>,
        lookups: &Lookups,
        queue: &tokio::sync::mpsc::Sender<Queued>,
    ) -> Result<(), Box<RowIssue>> {
        let created = &mut self.created;
        let fail = |e: ServiceError| write_failed("", 0, &e);
        for name in &lookups.new_clusters[created.clusters.len()..] {
            let input = ClusterInput {
                name: name.clone(),
                category: None,
                archived: false,
            };
            let c = reference::create::<cluster::Entity, _>(db, ctx.actor, input)
                .await
                .map_err(fail)?;
            created.clusters.push(c.id);
        }
        for name in &lookups.new_parks[created.parks.len()..] {
            let input = ParkInput {
                name: name.clone(),
                archived: false,
            };
            let p = reference::create::<park::Entity, _>(db, ctx.actor, input)
                .await
                .map_err(fail)?;
            created.parks.push(p.id);
        }
        for t in &lookups.new_teams[created.teams.len()..] {
            let input = TeamInput {
                name: t.name.clone(),
                cluster_id: t.cluster.map(|r| Created::id(&created.clusters, r)),
                lead_official: None,
                archived: false,
            };
            let team = reference::create::<team::Entity, _>(db, ctx.actor, input)
                .await
                .map_err(fail)?;
            created.teams.push(team.id);
        }
        let new = &lookups.new_investors[created.investors.len()..];
        let ids = self
            .investor_ids
            .take(outside, new.len())
            .await
            .map_err(|e| fail(e.into()))?;
        let per_statement = columnar::rows_per_statement::<investor::Entity>(self.backend);
        let mut statements = Vec::new();
        for (investors, ids) in new.chunks(per_statement).zip(ids.chunks(per_statement)) {
            let models = investors.iter().zip(ids).map(|(i, &id)| investor::ActiveModel {
                id: Set(id),
                name: Set(i.name.clone()),
                credit_code: Set(i.credit_code.clone()),
                origin_region: Set(None),
                created_at: Set(self.at),
                updated_at: Set(self.at),
                ..Default::default()
            });
            statements.push(Queued {
                statement: columnar::insert(self.backend, models.collect(), &[]),
                table: investor::Entity.table_name(),
                rows: investors.len(),
                at: None,
            });
        }
        created.investors.extend(ids);
        for statement in statements {
            self.send(queue, statement).await;
        }
        Ok(())
    }
}

/// Runs the queued INSERTs in turn until the queue closes or one fails, first setting aside
/// the indexes of a table the load comes to at least double; returns what it set aside.
async fn write_queued<T: ConnectionTrait>(
    txn: Arc<T>,
    mut queued: tokio::sync::mpsc::Receiver<Queued>,
    mut loads: bulk::Loading,
) -> (bulk::Loading, Result<(), Box<RowIssue>>) {
    let mut idle_since = std::time::Instant::now();
    while let Some(Queued {
        statement,
        table,
        rows,
        at,
    }) = queued.recv().await
    {
        let started = std::time::Instant::now();
        if let Err(e) = loads.inserting(&*txn, table, rows).await {
            return (loads, Err(write_failed("", 0, &e.into())));
        }
        if let Err(failed) = db_write(&*txn, statement, at).await {
            return (loads, Err(failed));
        }
        tracing::trace!(table, rows, took = ?started.elapsed(), waited = ?(started - idle_since), "ledger import: rows inserted");
        idle_since = std::time::Instant::now();
    }
    (loads, Ok(()))
}

/// Runs one queued INSERT; a failure is reported at the row of its first project.
async fn db_write(
    db: &impl ConnectionTrait,
    statement: Statement,
    at: Option<(String, u32)>,
) -> Result<(), Box<RowIssue>> {
    db.execute_raw(statement).await.map(|_| ()).map_err(|e| {
        let (sheet, row) = at.unwrap_or_default();
        write_failed(&sheet, row, &e.into())
    })
}

/// What is written once every row is planned and the new projects are in: the indexes set
/// aside for them rebuilt, credit codes given to stored investors, and the rows of stored
/// projects, one by one through the service functions.
async fn finish_writes<'p, C: ConnectionTrait + TransactionTrait>(
    db: &C,
    ctx: &Context<'_>,
    plans: impl Iterator<Item = &'p RowPlan>,
    lookups: &Lookups,
    created: &Created,
    set_aside: bulk::SetAside,
    progress: Option<&ProgressFn>,
) -> Result<(), Box<RowIssue>> {
    let fail = |e: ServiceError| write_failed("", 0, &e);
    let rebuild = std::time::Instant::now();
    let set_aside_tables = set_aside.tables().to_vec();
    set_aside.rebuild(db).await.map_err(|e| fail(e.into()))?;
    tracing::debug!(took = ?rebuild.elapsed(), tables = ?set_aside_tables, "ledger import: indexes and foreign keys rebuilt");

    for (id, code) in &lookups.investor_codes {
        let stored = lookups.investors.get(id).cloned();
        if let Some(stored) = stored {
            update_investor(
                db,
                ctx.actor,
                *id,
                InvestorInput {
                    name: stored.name,
                    credit_code: Some(code.clone()),
                    origin_region: stored.origin_region,
                },
                stored.version,
            )
            .await
            .map_err(fail)?;
        }
    }

    let stored: Vec<&RowPlan> = plans
        .filter(|p| p.writes() && matches!(p.target, Target::Existing(_)))
        .collect();
    let total = stored.len() as u64;
    for (done, plan) in stored.into_iter().enumerate() {
        write_row(db, ctx, plan, lookups, created)
            .await
            .map_err(|e| write_failed(&plan.sheet, plan.row, &e))?;
        let done = done as u64 + 1;
        if let Some(progress) = progress
            && (done.is_multiple_of(100) || done == total)
        {
            progress(ImportProgress::Writing { done, total });
        }
    }
    Ok(())
}

/// The INSERT of a batch of new projects as their plans leave them, with their reserved ids.
/// Projects without a code are numbered from their id, as `create_project` does.
fn project_rows(
    backend: DatabaseBackend,
    at: DateTime<Utc>,
    batch: &[&RowPlan],
    created: &Created,
    lookups: &Lookups,
    codes: &mut TakenCodes,
) -> Result<Statement, Box<RowIssue>> {
    let mut models = Vec::with_capacity(batch.len());
    for plan in batch {
        let (Some(id), Target::New { code, lead_on }) = (plan.id, &plan.target) else {
            continue;
        };
        let fields = plan.fields.as_ref().expect("a new project has its fields");
        let input = project_input(fields, None, created);
        let code = code.clone().unwrap_or_else(|| numbered_code(*lead_on, id));
        if !codes.take(lookups, &code) {
            let taken = ServiceError::conflict("code", format!("a project with code `{code}` exists"));
            return Err(write_failed(&plan.sheet, plan.row, &taken));
        }
        let dates = plan.outcome.dates;
        let yuan = |d: Option<Decimal>| d.and_then(|d| money::wan_to_yuan(d).ok());
        let moves = plan.steps.len() + usize::from(plan.terminate.is_some());
        models.push(project::ActiveModel {
            id: Set(id),
            code: Set(code),
            name: Set(input.name),
            investor_id: Set(input.investor_id),
            cluster_id: Set(input.cluster_id),
            park_id: Set(input.park_id),
            team_id: Set(input.team_id),
            owner_id: Set(input.owner_id),
            sponsoring_leader: Set(clean(input.sponsoring_leader)),
            source: Set(clean(input.source)),
            planned_investment_yuan: Set(yuan(input.planned_investment)),
            land_area_centimu: Set(input.land_area.and_then(|a| money::mu_to_centimu(a).ok())),
            stage: Set(plan.outcome.stage),
            lead_on: Set(dates.lead_on),
            negotiating_on: Set(dates.negotiating_on),
            signed_on: Set(dates.signed_on),
            started_on: Set(dates.started_on),
            producing_on: Set(dates.producing_on),
            effective_on: Set(dates.effective_on),
            terminated_on: Set(dates.terminated_on),
            registered_on: Set(None),
            registered_capital_yuan: Set(None),
            land_supplied_on: Set(None),
            progress: Set(clean(input.progress)),
            issues: Set(clean(input.issues)),
            notes: Set(clean(input.notes)),
            version: Set(1 + i32::try_from(moves).unwrap_or(0)),
            created_at: Set(at),
            updated_at: Set(at),
        });
    }
    Ok(columnar::insert(backend, models, &[]))
}

/// The history, contracts, payments and audit trail of a batch of new projects, into
/// `records`; returns the INSERTs that filled.
fn record_rows(
    backend: DatabaseBackend,
    at: DateTime<Utc>,
    ctx: &Context<'_>,
    new: &[&RowPlan],
    records: &mut NewRecords,
) -> Vec<Queued> {
    let mut history = Vec::new();
    let mut contracts = Vec::new();
    let mut fundings = Vec::new();
    // The trail of the projects created in bulk: one entry each, with what the ledger said.
    let mut trail = Vec::new();
    let reason = ctx.reason();
    for plan in new {
        let (Some(id), Target::New { lead_on, .. }) = (plan.id, &plan.target) else {
            continue;
        };
        let entry = |from: Option<Stage>, to: Stage, on: NaiveDate, reason: &str| stage_history::ActiveModel {
            project_id: Set(id),
            from_stage: Set(from),
            to_stage: Set(to),
            effective_on: Set(on),
            user_id: Set(Some(ctx.actor.user_id)),
            recorded_at: Set(at),
            reason: Set(Some(reason.to_owned())),
            ..Default::default()
        };
        history.push(entry(None, Stage::Lead, *lead_on, &reason));
        let dates = plan.outcome.dates;
        let mut created = serde_json::json!({
            "stage": plan.outcome.stage,
            "lead_on": dates.lead_on,
            "negotiating_on": dates.negotiating_on,
            "signed_on": dates.signed_on,
            "started_on": dates.started_on,
            "producing_on": dates.producing_on,
            "effective_on": dates.effective_on,
            "terminated_on": dates.terminated_on,
            "payments_yuan": plan.payments.iter().map(|p| p.amount_yuan).collect::<Vec<_>>(),
        });
        if let Some(fields) = &plan.fields {
            created["name"] = serde_json::json!(fields.name);
        }
        trail.push(audit::bulk_entry(
            at,
            ctx.actor,
            "project",
            id,
            Some(id),
            &created,
            Some(&reason),
        ));
        for step in plan.steps.iter().chain(plan.terminate.as_deref()) {
            history.push(entry(Some(step.from), step.to, step.on, &step.reason));
            if let Some(c) = &step.contract {
                let yuan = |d: Decimal| money::wan_to_yuan(d).ok();
                contracts.push(contract::ActiveModel {
                    project_id: Set(id),
                    agreement_type: Set(c.agreement_type),
                    signed_on: Set(c.signed_on),
                    contracted_investment_yuan: Set(yuan(c.contracted_investment).unwrap_or_default()),
                    promised_start_on: Set(c.promised_start_on),
                    promised_production_on: Set(c.promised_production_on),
                    promised_full_production_on: Set(c.promised_full_production_on),
                    promised_output_value_yuan: Set(c.promised_output_value.and_then(yuan)),
                    promised_tax_yuan: Set(c.promised_tax.and_then(yuan)),
                    created_at: Set(at),
                    updated_at: Set(at),
                    ..Default::default()
                });
            }
        }
        for payment in &plan.payments {
            fundings.push(funding::ActiveModel {
                project_id: Set(id),
                arrived_on: Set(payment.arrived_on),
                amount_yuan: Set(payment.amount_yuan),
                kind: Set(FundingKind::Other),
                counted: Set(true),
                note: Set(Some(reason.clone())),
                created_at: Set(at),
                ..Default::default()
            });
        }
    }
    let mut full = records.history.push(backend, history);
    full.extend(records.contracts.push(backend, contracts));
    full.extend(records.fundings.push(backend, fundings));
    full.extend(records.trail.push(backend, trail));
    full
}

/// The rows of new projects' records waiting for their INSERT.
#[derive(Default)]
struct NewRecords {
    history: Pending<stage_history::ActiveModel>,
    contracts: Pending<contract::ActiveModel>,
    fundings: Pending<funding::ActiveModel>,
    trail: Pending<audit_entry::ActiveModel>,
}

impl NewRecords {
    /// The INSERTs of the rows left over.
    fn rest(&mut self, backend: DatabaseBackend) -> Vec<Queued> {
        [
            self.history.rest(backend),
            self.contracts.rest(backend),
            self.fundings.rest(backend),
            self.trail.rest(backend),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

/// Rows of one table waiting for a multi-row INSERT. Every statement but the last holds the
/// same number of rows, so SQLite prepares it once instead of once per length (a statement of
/// 30,000 parameters takes milliseconds to prepare).
struct Pending<A> {
    rows: Vec<A>,
}

impl<A> Default for Pending<A> {
    fn default() -> Self {
        Self { rows: Vec::new() }
    }
}

impl<A: ActiveModelTrait> Pending<A> {
    /// Adds `rows`; returns the INSERT of every full statement's worth.
    fn push(&mut self, backend: DatabaseBackend, rows: Vec<A>) -> Vec<Queued> {
        self.rows.extend(rows);
        let full = columnar::rows_per_statement::<A::Entity>(backend);
        let mut statements = Vec::new();
        while self.rows.len() >= full {
            let statement: Vec<A> = self.rows.drain(..full).collect();
            statements.push(Self::insert(backend, statement));
        }
        statements
    }

    /// The INSERT of what is left, if anything is.
    fn rest(&mut self, backend: DatabaseBackend) -> Option<Queued> {
        (!self.rows.is_empty()).then(|| Self::insert(backend, std::mem::take(&mut self.rows)))
    }

    fn insert(backend: DatabaseBackend, rows: Vec<A>) -> Queued {
        Queued {
            table: <A::Entity as Default>::default().table_name(),
            rows: rows.len(),
            statement: columnar::insert(backend, rows, &[]),
            at: None,
        }
    }
}

/// A statement on its way from the bulk load's builder to its writer.
struct Queued {
    statement: Statement,
    /// The table it inserts into, and how many rows.
    table: &'static str,
    rows: usize,
    /// The sheet and row of the first project a statement of new projects inserts.
    at: Option<(String, u32)>,
}

/// The project codes a new project cannot take: those stored, and those the load's new
/// projects took before it, as the ledger states them or numbered from their ids. Gathered at
/// the first new project.
#[derive(Default)]
struct TakenCodes(Option<HashSet<String>>);

impl TakenCodes {
    /// Takes `code` for a new project; `false` when it is taken.
    fn take(&mut self, lookups: &Lookups, code: &str) -> bool {
        let taken = self
            .0
            .get_or_insert_with(|| lookups.projects.iter().map(|p| p.code.clone()).collect());
        taken.insert(code.to_owned())
    }
}

fn project_input(fields: &Fields, code: Option<String>, created: &Created) -> ProjectInput {
    ProjectInput {
        code,
        name: fields.name.clone(),
        investor_id: fields.investor.map(|r| Created::id(&created.investors, r)),
        cluster_id: fields.cluster.map(|r| Created::id(&created.clusters, r)),
        park_id: fields.park.map(|r| Created::id(&created.parks, r)),
        team_id: Created::id(&created.teams, fields.team),
        owner_id: fields.owner_id,
        sponsoring_leader: fields.sponsoring_leader.clone(),
        source: fields.source.clone(),
        planned_investment: fields.planned_investment,
        land_area: fields.land_area,
        registered_on: fields.registered_on,
        registered_capital: fields.registered_capital,
        land_supplied_on: fields.land_supplied_on,
        progress: fields.progress.clone(),
        issues: fields.issues.clone(),
        notes: fields.notes.clone(),
    }
}

/// Writes one row through the service functions (each a savepoint inside the import's
/// transaction); returns the project's id.
async fn write_row<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    ctx: &Context<'_>,
    plan: &RowPlan,
    lookups: &Lookups,
    created: &Created,
) -> ServiceResult<i32> {
    let id = match &plan.target {
        Target::Existing(at) => {
            let p = &lookups.projects[*at];
            if let Some(fields) = &plan.fields {
                update_project(db, ctx.actor, p.id, project_input(fields, None, created), None).await?;
            }
            p.id
        }
        Target::New { code, lead_on } => {
            let fields = plan.fields.as_ref().expect("a new project has its fields");
            let view = create_project(
                db,
                project_input(fields, code.clone(), created),
                Some(*lead_on),
                ctx.actor,
            )
            .await?;
            let id = view.project.id;
            stage_history::Entity::update_many()
                .col_expr(stage_history::Column::Reason, Expr::value(ctx.reason()))
                .filter(stage_history::Column::ProjectId.eq(id))
                .exec(db)
                .await?;
            id
        }
    };
    if let Some(terms) = &plan.contract_update {
        put_contract(db, ctx.actor, id, (**terms).clone()).await?;
    }
    for step in &plan.steps {
        move_stage(db, ctx, id, step).await?;
    }
    for payment in &plan.payments {
        add_funding(
            db,
            ctx.actor,
            id,
            FundingInput {
                arrived_on: payment.arrived_on,
                amount: money::yuan_to_wan(payment.amount_yuan),
                kind: FundingKind::Other,
                counted: true,
                note: Some(ctx.reason()),
            },
        )
        .await?;
    }
    if let Some(step) = &plan.terminate {
        move_stage(db, ctx, id, step).await?;
    }
    Ok(id)
}

async fn move_stage(db: &impl ConnectionTrait, ctx: &Context<'_>, id: i32, step: &Step) -> ServiceResult<()> {
    transition_in(
        db,
        id,
        TransitionInput {
            to: step.to,
            on: Some(step.on),
            reason: Some(step.reason.clone()),
            contract: step.contract.clone(),
            expected_version: None,
        },
        ctx.actor,
    )
    .await?;
    Ok(())
}
