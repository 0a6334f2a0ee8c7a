//! `/api/v1/imports`: importing a task force's Excel ledger (台账), as a multipart upload or
//! as a raw body (for client generators that refuse multipart), and the history of imports.

use chrono::{DateTime, Utc};
use entity::import_run;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Binary, Json};
use poem_openapi::types::multipart::Upload;
use poem_openapi::{ApiResponse, Enum, Multipart, Object, OpenApi};

use super::ApiTags;
use super::auth::BearerAuth;
use super::error::status::*;
use super::error::{ApiError, ApiResult, ErrorBody, ErrorDetail};
use super::investors::{default_page, default_per_page};
use super::messages::{Message, Pattern, Problem};
use super::text::{Line, TextRule};
use super::types::{Date, Wan};
use crate::domain::money;
use crate::domain::text::{self, Rule};
use crate::service::PageRequest;
use crate::service::import::{self as svc, ImportOptions};
use crate::state::AppState;

/// Where an import is, or how it ended. An import answers with `imported`, `dry_run` or
/// `rejected`; the history also shows runs still `running`, and those that never got to an
/// answer: `failed` (the server failed) and `interrupted` (the server stopped or the client
/// went away half-way). Nothing is stored by a run that did not end `imported`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ImportStatus {
    /// Started, not ended yet.
    Running,
    /// Written and committed.
    Imported,
    /// Done and rolled back, as asked: nothing was stored.
    DryRun,
    /// The file or a row had an error: nothing was stored.
    Rejected,
    /// The server failed and the import stopped: nothing was stored.
    Failed,
    /// Cut short before it ended: nothing was stored.
    Interrupted,
}

impl From<svc::ImportStatus> for ImportStatus {
    fn from(s: svc::ImportStatus) -> Self {
        match s {
            svc::ImportStatus::Running => Self::Running,
            svc::ImportStatus::Imported => Self::Imported,
            svc::ImportStatus::DryRun => Self::DryRun,
            svc::ImportStatus::Rejected => Self::Rejected,
            svc::ImportStatus::Failed => Self::Failed,
            svc::ImportStatus::Interrupted => Self::Interrupted,
        }
    }
}

/// What one sheet of the workbook gave.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SheetOutcome {
    /// The sheet's name.
    pub name: String,
    /// Whether its rows were read.
    pub imported: bool,
    /// Why it was skipped, in Chinese.
    pub reason: Option<String>,
    /// Excel row number of its header (the upper row of a two-row header).
    pub header_row: Option<u32>,
    /// Rows read below the header.
    pub rows_read: u32,
    /// Project rows found.
    pub projects: u32,
}

/// A row deliberately not read.
#[derive(Debug, Object)]
pub struct SkippedRow {
    pub sheet: String,
    /// Excel row number.
    pub row: u32,
    /// `blank`, `subtotal`, `total`, `note`, `section` or `repeated_header`.
    pub reason: String,
    /// The same in Chinese, e.g. "第36行: 合计行".
    pub message: String,
}

/// One problem of the file, located by sheet, row and cell.
#[derive(Debug, Object)]
pub struct ImportIssue {
    pub sheet: String,
    /// Excel row number as Excel shows it; 0 when about the whole file.
    pub row: u32,
    /// Column letter, e.g. `M`; empty when the ledger has no such column.
    pub column: String,
    /// The column's header, e.g. 签约时间.
    pub header: String,
    /// The value found, as text.
    pub value: String,
    /// Stable machine-readable code, e.g. `invalid_date`, `unknown_team`, `backward_move`,
    /// `funds_below_recorded`, `missing_date`.
    pub code: String,
    /// For the user, in Chinese: "第12行 M列 签约时间: 无法识别的日期 '2025.13.01'".
    pub message: String,
}

/// What a row did to its project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum RowAction {
    Created,
    Updated,
}

/// The changes one row made (or would make, in a dry run).
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct RowChange {
    pub sheet: String,
    pub row: u32,
    pub action: RowAction,
    /// The project; absent for projects a dry run or rejected import would have created.
    pub project_id: Option<i32>,
    pub project_code: Option<String>,
    pub project_name: String,
    /// Each change, in Chinese, e.g. "阶段: 签约 → 开工 (2025-11-05)".
    pub changes: Vec<String>,
}

/// A team, cluster or park the import created (`create_missing`).
#[derive(Debug, Object)]
pub struct ReferenceCreated {
    /// `team`, `cluster` or `park`.
    pub kind: String,
    pub name: String,
}

/// What an import did, would do (dry run), or why it did nothing (rejected).
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ImportReport {
    /// The import's id: history entries it wrote say "ledger import #id".
    pub id: i32,
    pub status: ImportStatus,
    pub dry_run: bool,
    pub file_name: String,
    /// Size of the uploaded file in bytes.
    pub file_bytes: u64,
    /// Who imported.
    pub username: String,
    /// The as-of date used: the `as_of` parameter, else the ledger's 统计截至 line, else today.
    pub as_of: Option<Date>,
    pub create_missing: bool,
    pub allow_backward: bool,
    /// Why the file was rejected: `invalid_rows`, `not_xlsx`, `too_large`,
    /// `unzipped_too_large`, `too_many_rows`, `no_ledger_sheet`, `as_of_in_future`,
    /// `as_of_too_early` or `write_failed`; in the history also `failed` and `interrupted`;
    /// absent when it was not.
    pub code: Option<String>,
    /// A one-line summary in Chinese.
    pub message: String,
    /// Every sheet, read or skipped.
    pub sheets: Vec<SheetOutcome>,
    /// Rows read below the headers, over all sheets.
    pub rows_read: u32,
    /// Project rows found.
    pub projects: u32,
    /// Projects created.
    pub created: u32,
    /// Projects changed.
    pub updated: u32,
    /// Projects the ledger matched and left as they were.
    pub unchanged: u32,
    /// Rows not read: blank, subtotal, total, notes, section headings (the first 1,000;
    /// `skipped_total` counts them all).
    pub skipped: Vec<SkippedRow>,
    pub skipped_total: u32,
    /// The errors, in row order (the first 1,000; `errors_total` counts them all); any error
    /// rejects the whole file.
    pub errors: Vec<ImportIssue>,
    pub errors_total: u32,
    /// What was assumed or left alone; warnings do not reject the file (the first 1,000;
    /// `warnings_total` counts them all).
    pub warnings: Vec<ImportIssue>,
    pub warnings_total: u32,
    /// What each created or updated row changed (the first 1,000 rows; `changes_total`
    /// counts them all).
    pub changes: Vec<RowChange>,
    pub changes_total: u32,
    /// Teams, clusters and parks created.
    pub references_created: Vec<ReferenceCreated>,
    /// Investors created.
    pub investors_created: u32,
    /// Stage moves written to the history.
    pub stage_moves: u32,
    /// Payments added to reconcile the funds arrived.
    pub payments_added: u32,
    /// Their sum, 万元.
    pub payments_total: Wan,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
}

fn issue(i: svc::RowIssue) -> ImportIssue {
    ImportIssue {
        sheet: i.sheet,
        row: i.row,
        column: i.column,
        header: i.header,
        value: i.value,
        code: i.code,
        message: i.message,
    }
}

impl From<svc::ImportReport> for ImportReport {
    fn from(r: svc::ImportReport) -> Self {
        let totals = r.list_totals();
        Self {
            id: r.id,
            status: r.status.into(),
            dry_run: r.dry_run,
            file_name: r.file_name,
            file_bytes: r.file_bytes,
            username: r.username,
            as_of: r.as_of.map(Date),
            create_missing: r.create_missing,
            allow_backward: r.allow_backward,
            code: r.code,
            message: r.message,
            sheets: r
                .sheets
                .into_iter()
                .map(|s| SheetOutcome {
                    name: s.name,
                    imported: s.imported,
                    reason: s.reason,
                    header_row: s.header_row,
                    rows_read: s.rows_read,
                    projects: s.projects,
                })
                .collect(),
            rows_read: r.rows_read,
            projects: r.projects,
            created: r.created,
            updated: r.updated,
            unchanged: r.unchanged,
            skipped: r
                .skipped
                .into_iter()
                .map(|s| SkippedRow {
                    sheet: s.sheet,
                    row: s.row,
                    reason: s.reason,
                    message: s.message,
                })
                .collect(),
            skipped_total: totals.skipped,
            errors: r.errors.into_iter().map(issue).collect(),
            errors_total: totals.errors,
            warnings: r.warnings.into_iter().map(issue).collect(),
            warnings_total: totals.warnings,
            changes_total: totals.changes,
            changes: r
                .changes
                .into_iter()
                .map(|c| RowChange {
                    sheet: c.sheet,
                    row: c.row,
                    action: match c.action {
                        svc::RowAction::Created => RowAction::Created,
                        svc::RowAction::Updated => RowAction::Updated,
                    },
                    project_id: c.project_id,
                    project_code: c.project_code,
                    project_name: c.project_name,
                    changes: c.changes,
                })
                .collect(),
            references_created: r
                .references_created
                .into_iter()
                .map(|c| ReferenceCreated {
                    kind: c.kind,
                    name: c.name,
                })
                .collect(),
            investors_created: r.investors_created,
            stage_moves: r.stage_moves,
            payments_added: r.payments_added,
            payments_total: Wan(money::yuan_to_wan(r.payments_total_yuan)),
            started_at: r.started_at,
            finished_at: r.finished_at,
        }
    }
}

/// One import in the history.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ImportRunSummary {
    pub id: i32,
    /// Who imported (kept when the user is deleted).
    pub username: String,
    pub user_id: Option<i32>,
    /// The team the user was in when the import started; absent for administrators.
    pub team_id: Option<i32>,
    pub file_name: String,
    pub file_bytes: i64,
    pub dry_run: bool,
    pub status: ImportStatus,
    /// Why it did not import, when it ended otherwise: the rejection's code (as in the
    /// report), `failed` or `interrupted`.
    pub code: Option<String>,
    /// How it ended, in one line, in Chinese (the report's message); for `failed`, the
    /// failure.
    pub message: Option<String>,
    pub as_of: Option<Date>,
    pub create_missing: bool,
    pub allow_backward: bool,
    pub rows_read: i32,
    pub created: i32,
    pub updated: i32,
    pub unchanged: i32,
    pub skipped: i32,
    /// How many errors the import found.
    pub errors: i32,
    pub started_at: DateTime<Utc>,
    /// When it ended; absent while it runs and when it was cut short.
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<import_run::Model> for ImportRunSummary {
    fn from(m: import_run::Model) -> Self {
        let status = svc::run_status(&m);
        let ended = !matches!(status, svc::ImportStatus::Running | svc::ImportStatus::Interrupted);
        Self {
            status: status.into(),
            id: m.id,
            username: m.username,
            user_id: m.user_id,
            team_id: m.team_id,
            file_name: m.file_name,
            file_bytes: m.file_bytes,
            dry_run: m.dry_run,
            code: m.code,
            message: m.message.filter(|message| !message.is_empty()),
            as_of: m.as_of.map(Date),
            create_missing: m.create_missing,
            allow_backward: m.allow_backward,
            rows_read: m.rows_read,
            created: m.created,
            updated: m.updated,
            unchanged: m.unchanged,
            skipped: m.skipped,
            errors: m.errors,
            started_at: m.started_at,
            finished_at: ended.then_some(m.finished_at),
        }
    }
}

/// A page of the import history, newest first.
#[derive(Debug, Object)]
pub struct ImportRunPage {
    pub items: Vec<ImportRunSummary>,
    /// How many imports there are in all.
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

/// One import with its full report.
#[derive(Debug, Object)]
pub struct ImportRun {
    #[oai(flatten)]
    pub summary: ImportRunSummary,
    pub report: ImportReport,
}

/// The ledger upload.
#[derive(Debug, Multipart)]
pub struct LedgerUpload {
    /// The ledger workbook (.xlsx), at most 20 MiB.
    pub file: Upload,
}

/// A rejected ledger: the API's error shape (`code`, `message`, `details`) plus the whole
/// import report, as the import history keeps it.
#[derive(Debug, Object)]
pub struct ImportRejected {
    /// Why the ledger was rejected: the report's code (`invalid_rows`, `not_xlsx`,
    /// `no_ledger_sheet`, …).
    pub code: String,
    /// What went wrong, for a person.
    pub message: String,
    /// One per faulty cell (`field` is `sheet!A12`, or the sheet's name for a problem with a
    /// whole sheet).
    pub details: Vec<ErrorDetail>,
    /// The whole import report.
    pub report: Box<ImportReport>,
}

/// The answers of an import.
#[derive(Debug, ApiResponse)]
pub enum ImportResponse {
    /// The ledger was imported, or the dry run found nothing wrong; the report says what was
    /// (or would be) done.
    #[oai(status = 200)]
    Done(Json<Box<ImportReport>>),
    /// The request could not be read: a malformed parameter or a missing `file` part.
    #[oai(status = 400)]
    BadRequest(Json<ErrorBody>),
    /// No valid bearer token was sent.
    #[oai(status = 401)]
    Unauthorized(Json<ErrorBody>),
    /// Leaders may not import; `create_missing` is for administrators.
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// The file is larger than the upload limit (code `too_large`).
    #[oai(status = 413)]
    TooLarge(Json<ErrorBody>),
    /// The body is not of the operation's media type (or has no `Content-Type`).
    #[oai(status = 415)]
    UnsupportedMediaType(Json<ErrorBody>),
    /// The file was rejected and nothing was stored: `code` and `message` say why, `details`
    /// name every faulty cell, and `report` is the whole import report.
    #[oai(status = 422)]
    Rejected(Json<ImportRejected>),
    /// Something failed on the server; the cause is in its log.
    #[oai(status = 500)]
    Internal(Json<ErrorBody>),
    /// The database is busy with another write (another import, mostly): nothing was
    /// imported; try again after `Retry-After` seconds.
    #[oai(status = 503)]
    Unavailable(
        Json<ErrorBody>,
        /// Seconds to wait before trying again.
        #[oai(header = "Retry-After")]
        u32,
    ),
}

impl From<ApiError> for ImportResponse {
    fn from(err: ApiError) -> Self {
        match err {
            ApiError::BadRequest(body) => Self::BadRequest(body),
            ApiError::Unauthorized(body) => Self::Unauthorized(body),
            ApiError::Forbidden(body) => Self::Forbidden(body),
            ApiError::Internal(body) => Self::Internal(body),
            ApiError::PayloadTooLarge(body) => Self::TooLarge(body),
            ApiError::UnsupportedMediaType(body) => Self::UnsupportedMediaType(body),
            ApiError::Unavailable(body, retry_after) => Self::Unavailable(body, retry_after),
            // An import reports its problems; nothing else reaches here.
            ApiError::NotFound(body)
            | ApiError::Conflict(body)
            | ApiError::Invalid(body)
            | ApiError::TooManyRequests(body, _) => {
                tracing::error!(code = %body.0.code, message = %body.0.message, "unexpected import error");
                Self::Internal(Json(ErrorBody::new(
                    "internal",
                    "an internal error occurred; it has been logged",
                )))
            }
        }
    }
}

pub struct ImportsApi;

struct ImportParams {
    dry_run: bool,
    as_of: Option<Date>,
    create_missing: bool,
    allow_backward: bool,
}

async fn run_import(
    state: &AppState,
    auth: &BearerAuth,
    file_name: String,
    bytes: Vec<u8>,
    params: ImportParams,
) -> ImportResponse {
    // Leaders read and do not write; what else a user may import is decided row by row.
    if let Err(denied) = auth.0.principal().check_write_shared() {
        return ApiError::from(crate::service::ServiceError::from(denied)).into();
    }
    let actor = &auth.0;
    let options = ImportOptions {
        dry_run: params.dry_run,
        as_of: params.as_of.map(|d| d.0),
        create_missing: params.create_missing,
        allow_backward: params.allow_backward,
        ..ImportOptions::new(file_name)
    };
    // A dry run reads on a connection of its own, leaving the writer to others.
    let snapshot = match options.dry_run {
        true => state.reader.snapshot().await,
        false => Ok(None),
    };
    let snapshot = match snapshot {
        Ok(snapshot) => snapshot,
        Err(err) => return ApiError::from(crate::service::ServiceError::from(err)).into(),
    };
    let imported = svc::import_ledger_with(&state.db, snapshot.as_ref(), bytes, options, actor, None).await;
    if let Some(snapshot) = snapshot {
        snapshot.close().await.ok();
    }
    let report = match imported {
        Ok(report) => report,
        Err(err) => return ApiError::from(err).into(),
    };
    match (report.status, report.code.as_deref()) {
        (svc::ImportStatus::Rejected, Some("too_large")) => ImportResponse::too_large(report.message),
        (svc::ImportStatus::Rejected, _) => ImportResponse::rejected(report.into()),
        _ => ImportResponse::Done(Json(Box::new(report.into()))),
    }
}

impl ImportResponse {
    fn too_large(message: String) -> Self {
        Self::TooLarge(Json(ErrorBody::new("too_large", message)))
    }

    /// A rejection: the API's error shape, carrying the report.
    fn rejected(report: ImportReport) -> Self {
        let details = report
            .errors
            .iter()
            .map(|issue| ErrorDetail {
                field: if issue.row == 0 {
                    issue.sheet.clone()
                } else {
                    format!("{}!{}{}", issue.sheet, issue.column, issue.row)
                },
                message: issue.message.clone(),
            })
            .collect();
        Self::Rejected(Json(ImportRejected {
            code: report.code.clone().unwrap_or_else(|| "invalid".into()),
            message: report.message.clone(),
            details,
            report: Box::new(report),
        }))
    }
}

/// The upload's file name, without any directory a browser may send, cut to the longest a
/// file name may be.
fn clean_file_name(name: Option<&str>) -> String {
    let name = name
        .and_then(|n| n.rsplit(['/', '\\']).next())
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or("ledger.xlsx");
    name.chars().take(text::FILE_NAME).collect()
}

/// A multipart upload's file name by the rule of file names (the binary upload's `file_name`
/// is checked as its parameter is read): a 400 naming `file` when it breaks it.
fn check_file_name(file_name: &str) -> Result<(), ImportResponse> {
    Rule::line(text::FILE_NAME).check(file_name).map_err(|refused| {
        let problem = Problem::Pattern(Pattern::Text(refused)).text();
        let problems = [("file".to_owned(), problem.clone())];
        ImportResponse::BadRequest(Json(ErrorBody {
            code: "bad_request".into(),
            message: Message::Unreadable(&problems).text(),
            details: vec![ErrorDetail {
                field: "file".into(),
                message: problem,
            }],
        }))
    })
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Imports")]
impl ImportsApi {
    /// Import a ledger (台账) workbook
    ///
    /// Reads every sheet with a recognisable header, matches each row to a project (by
    /// 项目编号, else credit code + name, else name + investor), and creates or updates the
    /// projects: fields, stage moves through the lifecycle rules (history reason
    /// "ledger import #id"), contract terms, and payments that reconcile 累计到位. Everything
    /// happens in one transaction: if any row has an error, nothing is stored and the answer
    /// is 422 with the report naming every faulty cell. `dry_run` does the same and stores
    /// nothing. Every attempt is kept in the import history.
    #[oai(path = "/imports", method = "post", operation_id = "import_ledger")]
    #[allow(clippy::too_many_arguments)]
    async fn import_ledger(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        /// Check and report everything, store nothing.
        #[oai(default)]
        dry_run: Query<bool>,
        /// The as-of date (统计截至) to use instead of the one in the ledger's title lines.
        as_of: Query<Option<Date>>,
        /// Create teams, clusters and parks the ledger names but the system does not know
        /// (administrators only); otherwise they are errors.
        #[oai(default)]
        create_missing: Query<bool>,
        /// Allow stage moves backwards and reopening terminated projects; otherwise they are
        /// errors.
        #[oai(default)]
        allow_backward: Query<bool>,
        upload: LedgerUpload,
    ) -> ImportResponse {
        let file_name = clean_file_name(upload.file.file_name());
        if let Err(refused) = check_file_name(&file_name) {
            return refused;
        }
        let bytes = match upload.file.into_vec().await {
            Ok(bytes) => bytes,
            Err(err) => {
                let problems = [("file".to_owned(), Problem::Other(err.to_string()).text())];
                return ImportResponse::BadRequest(Json(ErrorBody::new(
                    "bad_request",
                    Message::Unreadable(&problems).text(),
                )));
            }
        };
        let params = ImportParams {
            dry_run: dry_run.0,
            as_of: as_of.0,
            create_missing: create_missing.0,
            allow_backward: allow_backward.0,
        };
        run_import(&state, &auth, file_name, bytes, params).await
    }

    /// Import a ledger sent as the raw request body
    ///
    /// The same as `import_ledger`, for clients that cannot send multipart: the body is the
    /// .xlsx file itself (`application/octet-stream`), its name in `file_name`.
    #[oai(path = "/imports/binary", method = "post", operation_id = "import_ledger_binary")]
    #[allow(clippy::too_many_arguments)]
    async fn import_ledger_binary(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        /// The file's name, for the history.
        #[oai(validator(custom = "TextRule::default()"))]
        file_name: Query<Option<Line<{ text::FILE_NAME }>>>,
        /// Check and report everything, store nothing.
        #[oai(default)]
        dry_run: Query<bool>,
        /// The as-of date (统计截至) to use instead of the one in the ledger's title lines.
        as_of: Query<Option<Date>>,
        /// Create unknown teams, clusters and parks (administrators only).
        #[oai(default)]
        create_missing: Query<bool>,
        /// Allow stage moves backwards and reopening terminated projects.
        #[oai(default)]
        allow_backward: Query<bool>,
        body: Binary<Vec<u8>>,
    ) -> ImportResponse {
        let params = ImportParams {
            dry_run: dry_run.0,
            as_of: as_of.0,
            create_missing: create_missing.0,
            allow_backward: allow_backward.0,
        };
        let file_name = file_name.0.map(String::from);
        run_import(&state, &auth, clean_file_name(file_name.as_deref()), body.0, params).await
    }

    /// List ledger imports
    ///
    /// The history of imports, newest first: who, when, which file, dry run or not, how it
    /// stands or ended and its counts. Rejected attempts, dry runs, imports still running and
    /// those that failed or were cut short are listed too. Leaders and administrators see
    /// every import; team leads and members those they ran and those run by a member of
    /// their team.
    #[oai(path = "/imports", method = "get", operation_id = "list_imports")]
    async fn list_imports(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        /// Page number, from 1.
        #[oai(
            default = "default_page",
            validator(minimum(value = "1"), maximum(value = "1000000"))
        )]
        page: Query<u64>,
        /// Items per page, 1 to 200.
        #[oai(
            default = "default_per_page",
            validator(minimum(value = "1"), maximum(value = "200"))
        )]
        per_page: Query<u64>,
    ) -> ApiResult<Json<ImportRunPage>, { SIGNED_IN | BAD_REQUEST }> {
        let request = PageRequest {
            page: page.0,
            per_page: per_page.0,
        };
        let (total, runs) = svc::list_imports(&state.reader, &auth.0, request).await?;
        Ok(Json(ImportRunPage {
            items: runs.into_iter().map(Into::into).collect(),
            total,
            page: page.0,
            per_page: per_page.0,
        }))
    }

    /// Get a ledger import
    ///
    /// One import of the history with its full report: every sheet, skipped row, error,
    /// warning and change. Who may read it is as for `list_imports` (403 otherwise).
    #[oai(path = "/imports/:id", method = "get", operation_id = "get_import")]
    async fn get_import(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<Json<ImportRun>, { SIGNED_IN | BAD_REQUEST | FORBIDDEN | NOT_FOUND }> {
        let (run, report) = svc::get_import(&state.reader, &auth.0, id.0).await?;
        Ok(Json(ImportRun {
            summary: run.into(),
            report: report.into(),
        }))
    }
}
