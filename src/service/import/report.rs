//! What an import did, or would do, or why it did nothing: the report kept with every run
//! ([`ImportReport`] and its parts, serialised into `import_runs.report`), and the tally that
//! counts the planned rows into it. A caller must not add fields without `#[serde(default)]`:
//! reports of earlier runs are read back from the history as they were stored.

use std::fmt::Write as _;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::ImportOptions;
use super::lookups::Lookups;
use super::plan::{RowPlan, Target};
use crate::domain::money;
use crate::excel::ledger::Ledger;
use crate::service::{Actor, ServiceError, now};

/// Where an import is, or how it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportStatus {
    /// Started and not ended yet (the run is recorded before the file is read).
    Running,
    /// Written and committed.
    Imported,
    /// Done and rolled back, as asked; nothing was wrong.
    DryRun,
    /// The file or some row had an error: nothing was stored.
    Rejected,
    /// The server failed (the database, mostly) and the import stopped: nothing was stored.
    Failed,
    /// The import was cut short (the server stopped or died, or the client went away) and
    /// never ended: nothing was stored.
    Interrupted,
}

impl ImportStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Imported => "imported",
            Self::DryRun => "dry_run",
            Self::Rejected => "rejected",
            Self::Failed => "failed",
            Self::Interrupted => "interrupted",
        }
    }

    pub(super) fn parse(text: &str) -> Self {
        match text {
            "running" => Self::Running,
            "imported" => Self::Imported,
            "dry_run" => Self::DryRun,
            "failed" => Self::Failed,
            "interrupted" => Self::Interrupted,
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
    /// `as_of_in_future`, `as_of_too_early` or `write_failed`.
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
    pub(super) fn new(options: &ImportOptions, actor: &Actor, file_bytes: usize) -> Self {
        let at = now();
        Self {
            id: 0,
            status: ImportStatus::Running,
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
    pub(super) fn cap_lists(&mut self) {
        self.totals = self.list_totals();
        self.skipped.truncate(REPORT_LIST_LIMIT);
        self.errors.truncate(REPORT_LIST_LIMIT);
        self.warnings.truncate(REPORT_LIST_LIMIT);
        self.changes.truncate(REPORT_LIST_LIMIT);
    }

    pub(super) fn reject(&mut self, code: &str, message: String) {
        self.status = ImportStatus::Rejected;
        self.code = Some(code.to_owned());
        self.message = message;
    }

    pub(super) fn take_ledger(&mut self, ledger: &Ledger) {
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
                reason: s.reason.code().to_owned(),
                message: format!("第{}行: {}", s.row, s.reason.chinese()),
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

    /// Warns that the ledger stated no as-of date, so the import took `today`.
    pub(super) fn assume_as_of(&mut self, today: NaiveDate) {
        self.warnings.push(RowIssue {
            sheet: String::new(),
            row: 0,
            column: String::new(),
            header: "统计截至".into(),
            value: today.to_string(),
            code: "as_of_assumed".into(),
            message: format!("台账未写明统计截至日期，按今天（{today}）导入"),
        });
    }

    /// Takes the planner's errors and warnings (the errors then in row order, after the
    /// reader's), and the failures of writes that stopped the load.
    pub(super) fn take_problems(
        &mut self,
        errors: Vec<RowIssue>,
        warnings: Vec<RowIssue>,
        failed: impl IntoIterator<Item = Option<Box<RowIssue>>>,
    ) {
        self.errors.extend(errors);
        self.warnings.extend(warnings);
        self.errors.sort_by(|a, b| (&a.sheet, a.row).cmp(&(&b.sheet, b.row)));
        for failed in failed.into_iter().flatten() {
            self.errors.push(*failed);
        }
    }

    /// The report as lines a person reads in a terminal, in Chinese.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let kind = match self.status {
            ImportStatus::Imported => "已导入",
            ImportStatus::DryRun => "试运行，未保存",
            ImportStatus::Rejected if self.dry_run => "试运行，已拒绝",
            ImportStatus::Rejected => "已拒绝，未保存任何数据",
            ImportStatus::Running => "进行中",
            ImportStatus::Failed => "失败，未保存任何数据",
            ImportStatus::Interrupted => "中断，未保存任何数据",
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
        if !self.skipped.is_empty() {
            let _ = writeln!(
                out,
                "跳过的行（{}行）{}：",
                self.totals.skipped,
                more(self.skipped.len(), self.totals.skipped)
            );
            for skipped in &self.skipped {
                let _ = writeln!(out, "  {} {}", skipped.sheet, skipped.message);
            }
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

/// Ids of projects created by a run that was rolled back point at nothing.
pub(super) fn forget_new_ids(report: &mut ImportReport) {
    for change in &mut report.changes {
        if change.action == RowAction::Created {
            change.project_id = None;
        }
    }
}

/// Counts what `plans` do into the report, and lists the first changes.
pub(super) fn tally(report: &mut ImportReport, plans: &[RowPlan], lookups: &Lookups) {
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
pub(super) fn tally_created(report: &mut ImportReport, lookups: &Lookups) {
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

/// A failure of the server in words a user reads: the database's own words stay in the log.
pub(super) fn failure_in_words(err: &ServiceError) -> String {
    match err {
        ServiceError::Db(_) => "数据库错误（已记录日志）".to_owned(),
        other => other.to_string(),
    }
}

pub(super) fn write_failed(sheet: &str, row: u32, err: &ServiceError) -> Box<RowIssue> {
    if let ServiceError::Db(cause) = err {
        tracing::error!(error = %cause, "ledger import write failed");
    }
    let what = failure_in_words(err);
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
