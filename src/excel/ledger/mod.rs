//! The ledger (台账) reader: an .xlsx as task forces keep it in, typed rows out, with every
//! problem located by sheet, row, column and cell. Pure: no SQL, no HTTP. Matching the rows
//! to projects and writing them is the next step's job; [`Ledger`] is its input.
//!
//! The file is checked as a zip before calamine sees it (size, workbook part, declared and
//! actual unzipped size), then each worksheet is streamed cell by cell, so no sheet is ever
//! held whole in memory.

mod container;
mod error;
mod field;
mod merges;
mod sheet;
mod text;
mod value;

#[cfg(test)]
mod tests;

use std::io::Cursor;
use std::panic::AssertUnwindSafe;

use calamine::{Reader, SheetType, SheetVisible, Xlsx};
use chrono::NaiveDate;
use entity::enums::{AgreementType, Stage};
use rust_decimal::Decimal;
use serde::Serialize;

pub use error::{LedgerFileError, ReadLimits};
pub use field::{FieldSet, LedgerField, Unit};

/// The form names are compared in when matching ledger rows to stored records: full-width
/// characters made half-width, every space and invisible character removed. Borrowed when
/// `text` is already in that form.
pub fn normalise_name(text: &str) -> std::borrow::Cow<'_, str> {
    text::compact(text)
}

/// Reads an .xlsx ledger into typed rows.
///
/// Returns `Err` only when the whole file must be rejected (too large, not an .xlsx, a zip
/// bomb, too many rows, no ledger sheet). Problems with single cells and rows are collected
/// in [`Ledger::errors`]; a row with cell errors is still returned, without the values that
/// could not be read, so the caller can show everything at once and decide.
pub fn read_ledger(bytes: &[u8], limits: &ReadLimits) -> Result<Ledger, LedgerFileError> {
    read_ledger_as_of(bytes, limits, None)
}

/// [`read_ledger`] with the as-of date fixed by the caller (the import's `as_of` option): it
/// wins over the date the title lines state, and actual dates after it are cell errors.
pub fn read_ledger_as_of(
    bytes: &[u8],
    limits: &ReadLimits,
    as_of: Option<NaiveDate>,
) -> Result<Ledger, LedgerFileError> {
    // A malformed part can make the parsers underneath panic (calamine's cell-reference
    // arithmetic overflows on "C11111111111" in builds with overflow checks): that is a
    // damaged file, not a crash. Nothing read so far is kept.
    read_guarded(bytes, limits, as_of, None)
}

/// What [`read_ledger_streaming`] hands over while it reads.
#[derive(Debug)]
pub enum LedgerEvent {
    /// A sheet's header was found; its rows follow. The report's `as_of` is the date its own
    /// title lines state; its counts are not final.
    Sheet(SheetReport),
    /// Project rows read, in sheet and row order, and the cell errors found since the event
    /// before (in these rows and in rows not returned).
    Rows {
        rows: Vec<LedgerRow>,
        errors: Vec<CellError>,
    },
}

/// Project rows per [`LedgerEvent::Rows`].
pub(crate) const STREAMED_ROWS: usize = 1_000;

/// [`read_ledger_as_of`] that hands each sheet and its rows to `sink` as they are read, so the
/// caller can work on them while the rest of the file is parsed. The [`Ledger`] returned has
/// every sheet report, skipped row and cell error, and no rows: they all went to `sink`. When
/// `sink` returns `false` the reading stops early and the result is not to be used.
pub fn read_ledger_streaming(
    bytes: &[u8],
    limits: &ReadLimits,
    as_of: Option<NaiveDate>,
    sink: &mut dyn FnMut(LedgerEvent) -> bool,
) -> Result<Ledger, LedgerFileError> {
    let mut stream = RowStream {
        sink,
        errors_sent: 0,
        stopped: false,
    };
    read_guarded(bytes, limits, as_of, Some(&mut stream))
}

/// Where a streamed read hands its events.
pub(crate) struct RowStream<'s> {
    sink: &'s mut dyn FnMut(LedgerEvent) -> bool,
    /// Cell errors of the ledger already handed over.
    errors_sent: usize,
    /// The sink wanted no more.
    stopped: bool,
}

impl RowStream<'_> {
    /// Hands over the sheet `announce` (when given), then the rows read so far once there are
    /// `at_least` of them, with the errors found since the last hand-over.
    pub(crate) fn flush(&mut self, ledger: &mut Ledger, announce: Option<&SheetReport>, at_least: usize) {
        if self.stopped {
            ledger.rows.clear();
            return;
        }
        if let Some(report) = announce {
            self.send(LedgerEvent::Sheet(report.clone()));
        }
        let new_errors = ledger.errors.len() > self.errors_sent;
        if ledger.rows.len() >= at_least.max(1) || (at_least == 0 && new_errors) {
            let rows = std::mem::take(&mut ledger.rows);
            let errors = ledger.errors[self.errors_sent..].to_vec();
            self.errors_sent = ledger.errors.len();
            self.send(LedgerEvent::Rows { rows, errors });
        }
    }

    fn send(&mut self, event: LedgerEvent) {
        if !self.stopped && !(self.sink)(event) {
            self.stopped = true;
        }
    }

    pub(crate) fn stopped(&self) -> bool {
        self.stopped
    }
}

fn read_guarded(
    bytes: &[u8],
    limits: &ReadLimits,
    as_of: Option<NaiveDate>,
    mut stream: Option<&mut RowStream<'_>>,
) -> Result<Ledger, LedgerFileError> {
    std::panic::catch_unwind(AssertUnwindSafe(|| {
        read_workbook(bytes, limits, as_of, stream.as_deref_mut())
    }))
    .unwrap_or_else(|_| {
        Err(LedgerFileError::NotXlsx {
            reason: "工作簿内容已损坏，无法解析".to_owned(),
        })
    })
}

fn read_workbook(
    bytes: &[u8],
    limits: &ReadLimits,
    as_of: Option<NaiveDate>,
    mut stream: Option<&mut RowStream<'_>>,
) -> Result<Ledger, LedgerFileError> {
    if bytes.len() > limits.max_file_bytes {
        return Err(LedgerFileError::TooLarge {
            size: bytes.len(),
            limit: limits.max_file_bytes,
        });
    }
    let phase = std::time::Instant::now();
    let mut merges = container::check_container(bytes, limits)?;
    tracing::debug!(took = ?phase.elapsed(), "ledger file: container checked");

    let mut workbook = Xlsx::new(Cursor::new(bytes)).map_err(|e| LedgerFileError::NotXlsx {
        reason: format!("工作簿内容无法解析（{e}）"),
    })?;
    let is_1904 = workbook.has_1904_epoch();
    let sheets = workbook.sheets_metadata().to_vec();

    let mut ledger = Ledger {
        as_of,
        ..Ledger::default()
    };
    for sheet in &sheets {
        if stream.as_ref().is_some_and(|s| s.stopped()) {
            return Ok(ledger);
        }
        let skip_reason = match (sheet.typ, sheet.visible) {
            (SheetType::ChartSheet, _) => Some("图表工作表，不含数据"),
            (SheetType::WorkSheet, SheetVisible::Visible) => None,
            (SheetType::WorkSheet, _) => Some("隐藏的工作表，未导入（如需导入请取消隐藏）"),
            _ => Some("不是普通工作表（宏表或对话框表）"),
        };
        match skip_reason {
            Some(reason) => ledger.sheets.push(SheetReport::skipped(&sheet.name, reason)),
            None => sheet::read_sheet(
                &mut workbook,
                &sheet.name,
                merges.remove(&sheet.name),
                limits,
                is_1904,
                as_of,
                &mut ledger,
                stream.as_deref_mut(),
            )?,
        }
    }

    if !ledger.sheets.iter().any(|s| s.imported) {
        return Err(LedgerFileError::NoLedgerSheet {
            sheets: sheets.into_iter().map(|s| s.name).collect(),
        });
    }
    Ok(ledger)
}

/// Everything read from one ledger file.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Ledger {
    /// The as-of date (统计截至) from the title lines of the first sheet that states one.
    pub as_of: Option<NaiveDate>,
    /// One report per sheet, in workbook order, imported or not.
    pub sheets: Vec<SheetReport>,
    /// The project rows, in sheet and row order.
    pub rows: Vec<LedgerRow>,
    /// Rows deliberately not read: blank, subtotal, total, notes, section headings.
    pub skipped: Vec<SkippedRow>,
    /// Every cell that could not be read, and every row with data but no project name.
    pub errors: Vec<CellError>,
}

impl Ledger {
    /// The column `row`'s value of `field` came from, when its cell held one.
    pub fn column_of(&self, row: &LedgerRow, field: LedgerField) -> Option<&ColumnRef> {
        if !row.present.contains(field) {
            return None;
        }
        self.sheets
            .iter()
            .find(|s| s.name == row.sheet)
            .and_then(|s| s.columns.iter().find(|c| c.field == field))
    }
}

/// What happened to one sheet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SheetReport {
    /// The sheet's name.
    pub name: String,
    /// Whether its rows were read.
    pub imported: bool,
    /// Why it was not imported, in Chinese.
    pub reason: Option<String>,
    /// Excel row number (1-based) of the header; of its upper row when it has two.
    pub header_row: Option<u32>,
    /// How many rows the header takes (1 or 2; 0 when no header was found).
    pub header_rows: u32,
    /// Rows read below the header, including skipped and faulty ones.
    pub rows_read: u32,
    /// Project rows returned from this sheet.
    pub projects: u32,
    /// The as-of date its title lines state.
    pub as_of: Option<NaiveDate>,
    /// The unit of amount columns whose header names none ("单位：亿元" in the title, else 万元).
    pub amount_unit: Unit,
    /// The recognised columns, left to right.
    pub columns: Vec<ColumnRef>,
    /// Header cells that were not read, and why.
    pub ignored_columns: Vec<IgnoredColumn>,
}

impl SheetReport {
    pub(crate) fn skipped(name: &str, reason: &str) -> Self {
        Self {
            name: name.to_owned(),
            imported: false,
            reason: Some(reason.to_owned()),
            header_row: None,
            header_rows: 0,
            rows_read: 0,
            projects: 0,
            as_of: None,
            amount_unit: Unit::Wan,
            columns: Vec::new(),
            ignored_columns: Vec::new(),
        }
    }
}

/// A recognised column: where it is, what its header says, what it means.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ColumnRef {
    /// Column letter, e.g. "M".
    pub letter: String,
    /// The header text as in the file; a two-row header as "group/sub", e.g. "签约情况/签约时间".
    pub header: String,
    /// Short header used in messages: the sub-header when it names the field alone
    /// ("签约时间"), else "group/sub" ("资金到位情况/本年"); without spaces or line breaks.
    pub label: String,
    /// The field the column holds.
    pub field: LedgerField,
    /// Unit of its numbers: from the header, else the sheet's amount unit (amounts) or 亩
    /// (land); [`Unit::NotApplicable`] for other columns.
    pub unit: Unit,
}

/// A header cell that was not read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IgnoredColumn {
    /// Column letter.
    pub letter: String,
    /// The header text as in the file.
    pub header: String,
    /// Why, in Chinese: unknown header, 序号, or a second column for a field already read.
    pub reason: String,
}

/// A row deliberately not read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedRow {
    /// Sheet name.
    pub sheet: String,
    /// Excel row number, 1-based.
    pub row: u32,
    /// Why.
    pub reason: SkipReason,
}

/// Why a row was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// No value in any recognised column (a 序号 alone counts as blank).
    Blank,
    /// A subtotal row (小计).
    Subtotal,
    /// A total row (合计, 总计).
    Total,
    /// A note under the table ("注：…", "说明：…", "填表说明", "填表人：…") or its continuation.
    Note,
    /// A section heading inside the table ("一、签约项目", "（二）在谈项目").
    Section,
    /// The header repeated inside the table.
    RepeatedHeader,
}

impl SkipReason {
    /// The stable code an import report gives the reason.
    pub fn code(self) -> &'static str {
        match self {
            Self::Blank => "blank",
            Self::Subtotal => "subtotal",
            Self::Total => "total",
            Self::Note => "note",
            Self::Section => "section",
            Self::RepeatedHeader => "repeated_header",
        }
    }

    /// The reason in Chinese, as a person reads it in a report ("第12行: 空行").
    pub fn chinese(self) -> &'static str {
        match self {
            Self::Blank => "空行",
            Self::Subtotal => "小计行",
            Self::Total => "合计行",
            Self::Note => "表下说明",
            Self::Section => "分类标题行",
            Self::RepeatedHeader => "重复的表头",
        }
    }
}

/// One cell that could not be read, or a row without a project name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CellError {
    /// Sheet name.
    pub sheet: String,
    /// Excel row number, 1-based.
    pub row: u32,
    /// Column letter.
    pub column: String,
    /// The column's label (see [`ColumnRef::label`]).
    pub header: String,
    /// The cell as the user sees it (cut to 100 characters).
    pub value: String,
    /// Stable code: `invalid_date`, `date_after_as_of`, `invalid_amount`, `negative_amount`,
    /// `invalid_land_area`, `negative_land_area`, `unknown_stage`, `unknown_agreement_type`,
    /// `cell_too_long`, `formula_error`, `missing_project_name`.
    pub code: &'static str,
    /// "第{row}行 {column}列 {header}: {what} '{value}'", in Chinese.
    pub message: String,
}

/// One project row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LedgerRow {
    /// Sheet name.
    pub sheet: String,
    /// Excel row number, 1-based.
    pub row: u32,
    /// The values read (boxed: a row is planned and then dropped, and its values go with it).
    pub values: Box<LedgerValues>,
    /// The fields whose cell held a value; [`Ledger::column_of`] names each one's column.
    pub present: FieldSet,
}

/// The typed values of one row; `None` where the cell is absent, empty, an empty marker
/// ("-", "/", "无", "暂无", …) or unreadable (then a [`CellError`] says why).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LedgerValues {
    /// 项目编号
    pub code: Option<String>,
    /// 项目名称 (always present in a returned row)
    pub name: Option<String>,
    /// 投资方
    pub investor: Option<String>,
    /// 统一社会信用代码
    pub credit_code: Option<String>,
    /// 产业集群
    pub cluster: Option<String>,
    /// 落地园区
    pub park: Option<String>,
    /// 招商专班
    pub team: Option<String>,
    /// 包保领导
    pub sponsoring_leader: Option<String>,
    /// 责任人
    pub owner: Option<String>,
    /// 项目来源
    pub source: Option<String>,
    /// 项目阶段: as written, or inferred from the dates when the cell is empty.
    pub stage: Option<Stage>,
    /// Whether `stage` was inferred rather than read.
    pub stage_inferred: bool,
    /// Whether the stage is 终止/退库.
    pub terminated: bool,
    /// 计划投资额, 万元, 4 decimals.
    pub planned_investment: Option<Decimal>,
    /// 用地面积, 亩, 2 decimals.
    pub land_area: Option<Decimal>,
    /// 洽谈时间
    pub negotiating_since: Option<NaiveDate>,
    /// 协议类型
    pub agreement_type: Option<AgreementType>,
    /// 签约时间
    pub signed_on: Option<NaiveDate>,
    /// 合同投资额, 万元, 4 decimals.
    pub contracted_investment: Option<Decimal>,
    /// 本年到位资金, 万元, 4 decimals.
    pub funds_this_year: Option<Decimal>,
    /// 累计到位资金, 万元, 4 decimals.
    pub funds_cumulative: Option<Decimal>,
    /// 约定开工时间
    pub promised_start: Option<NaiveDate>,
    /// 实际开工时间
    pub actual_start: Option<NaiveDate>,
    /// 约定投产时间
    pub promised_production: Option<NaiveDate>,
    /// 实际投产时间
    pub actual_production: Option<NaiveDate>,
    /// 约定达产时间
    pub promised_full_production: Option<NaiveDate>,
    /// 实际达产时间
    pub effective_on: Option<NaiveDate>,
    /// 约定年产值, 万元, 4 decimals.
    pub promised_output: Option<Decimal>,
    /// 约定年税收, 万元, 4 decimals.
    pub promised_tax: Option<Decimal>,
    /// 项目进展
    pub progress: Option<String>,
    /// 存在问题
    pub issues: Option<String>,
    /// 备注
    pub notes: Option<String>,
}

impl LedgerValues {
    /// The date the row states for reaching `stage` (the column [`LedgerField::date_of`]
    /// names); `None` for a stage without a date column (线索, 终止).
    pub fn stated_date(&self, stage: Stage) -> Option<NaiveDate> {
        match stage {
            Stage::Negotiating => self.negotiating_since,
            Stage::Signed => self.signed_on,
            Stage::Started => self.actual_start,
            Stage::Producing => self.actual_production,
            Stage::Effective => self.effective_on,
            Stage::Lead | Stage::Terminated => None,
        }
    }

    /// The stage the dates show when the stage cell is empty: the furthest milestone reached.
    pub fn inferred_stage(&self) -> Stage {
        if self.effective_on.is_some() {
            Stage::Effective
        } else if self.actual_production.is_some() {
            Stage::Producing
        } else if self.actual_start.is_some() {
            Stage::Started
        } else if self.signed_on.is_some() {
            Stage::Signed
        } else if self.negotiating_since.is_some() {
            Stage::Negotiating
        } else {
            Stage::Lead
        }
    }
}
