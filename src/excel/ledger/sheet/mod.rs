//! One worksheet, streamed row by row: finding the header below the title lines (one or two
//! rows, merged group cells), reading the as-of date and unit from the title, classifying
//! each row (project, blank, subtotal, total, note, section heading) and typing its cells.
//! Only the first rows are buffered, to find the header; the rest flows through.

mod header;
mod table;

use std::io::{Read, Seek};

use calamine::{Dimensions, Xlsx, XlsxError};
use chrono::NaiveDate;
use entity::enums::Stage;

use super::field::{FieldKind, FieldSet, HeaderMeaning, LedgerField, Unit, names_field_alone, resolve_header};
use super::text::{compact, fold_lines, trim_text};
use super::value::{
    Problem, Raw, parse_date_text, read_agreement_type, read_amount, read_area, read_date, read_stage, read_text,
};
use super::{
    CellError, ColumnRef, IgnoredColumn, Ledger, LedgerFileError, LedgerRow, LedgerValues, ReadLimits, RowStream,
    STREAMED_ROWS, SheetReport, SkipReason, SkippedRow,
};
use crate::domain::text::{Lines, Rule, is_direction_override};

/// The header must be among the first rows of a sheet.
const HEADER_SCAN_ROWS: u32 = 20;

/// Longest value quoted in an error message, in characters.
const MAX_QUOTED_CHARS: usize = 100;

/// Streams the worksheet `name` into `ledger`, and on to `stream` when there is one.
#[allow(clippy::too_many_arguments)]
pub(crate) fn read_sheet<RS: Read + Seek>(
    workbook: &mut Xlsx<RS>,
    name: &str,
    merges: Option<Vec<Dimensions>>,
    limits: &ReadLimits,
    is_1904: bool,
    as_of_override: Option<NaiveDate>,
    ledger: &mut Ledger,
    mut stream: Option<&mut RowStream<'_>>,
) -> Result<(), LedgerFileError> {
    let damaged = |e: XlsxError| LedgerFileError::NotXlsx {
        reason: format!("工作表“{name}”无法解析（{e}）"),
    };
    let merges = match merges {
        Some(merges) => merges,
        None => workbook.merge_cells_by_sheet_name(name).map_err(damaged)?,
    };
    let mut cells = workbook.worksheet_cells_reader(name).map_err(damaged)?;
    let mut sheet = SheetReader::new(name, merges, limits, is_1904, ledger);
    sheet.as_of_override = as_of_override;

    let mut pending: Option<Row> = None;
    while let Some(cell) = cells.next_cell().map_err(damaged)? {
        let (row, col) = cell.get_position();
        let Some(raw) = Raw::from_cell(cell.get_value()) else {
            continue;
        };
        match &mut pending {
            Some(current) if current.index == row => current.cells.push((col, raw)),
            _ => {
                if let Some(done) = pending.replace(Row::new(row, col, raw)) {
                    let flow = sheet.push(done)?;
                    sheet.hand_over(&mut stream, STREAMED_ROWS);
                    if flow == Flow::Stop || stream.as_ref().is_some_and(|s| s.stopped()) {
                        pending = None;
                        break;
                    }
                }
            }
        }
    }
    if let Some(done) = pending {
        sheet.push(done)?;
    }
    sheet.decide()?;
    sheet.hand_over(&mut stream, 0);
    sheet.finish()
}

/// The non-empty cells of one row, sorted by column.
#[derive(Debug, Clone)]
struct Row<'s> {
    /// 0-based row index.
    index: u32,
    cells: Vec<(u32, Raw<'s>)>,
}

impl<'s> Row<'s> {
    fn new(index: u32, col: u32, raw: Raw<'s>) -> Self {
        Self {
            index,
            cells: vec![(col, raw)],
        }
    }

    fn get(&self, col: u32) -> Option<&Raw<'s>> {
        self.cells
            .binary_search_by_key(&col, |(c, _)| *c)
            .ok()
            .map(|at| &self.cells[at].1)
    }

    fn text(&self, col: u32) -> Option<&str> {
        match self.get(col)? {
            Raw::Text(s) => Some(trim_text(s)),
            _ => None,
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Flow {
    Continue,
    Stop,
}

enum Phase<'s> {
    /// Buffering the first rows until the header can be decided.
    Scanning(Vec<Row<'s>>),
    Reading(Box<Table<'s>>),
    /// No header: the rest of the sheet is not read.
    Skipped,
}

struct SheetReader<'a, 's> {
    name: String,
    limits: &'a ReadLimits,
    is_1904: bool,
    ledger: &'a mut Ledger,
    merges: Vec<Dimensions>,
    phase: Phase<'s>,
    /// The as-of date the caller fixed, which wins over the title lines'.
    as_of_override: Option<NaiveDate>,
    /// The sheet's report went to the stream.
    announced: bool,
}

impl<'a, 's> SheetReader<'a, 's> {
    fn new(name: &str, merges: Vec<Dimensions>, limits: &'a ReadLimits, is_1904: bool, ledger: &'a mut Ledger) -> Self {
        Self {
            name: name.to_owned(),
            limits,
            is_1904,
            ledger,
            merges,
            phase: Phase::Scanning(Vec::new()),
            as_of_override: None,
            announced: false,
        }
    }

    /// Hands the sheet (once its header is known) and its rows read so far to `stream`, once
    /// there are `at_least` of them.
    fn hand_over(&mut self, stream: &mut Option<&mut RowStream<'_>>, at_least: usize) {
        let Some(stream) = stream.as_deref_mut() else {
            return;
        };
        let announce = match &self.phase {
            Phase::Reading(table) if !self.announced => {
                self.announced = true;
                Some(&table.report)
            }
            _ => None,
        };
        stream.flush(self.ledger, announce, at_least);
    }

    fn push(&mut self, mut row: Row<'s>) -> Result<Flow, LedgerFileError> {
        row.cells.sort_by_key(|(c, _)| *c);
        if let Phase::Scanning(buffer) = &mut self.phase {
            if row.index < HEADER_SCAN_ROWS {
                buffer.push(row);
                return Ok(Flow::Continue);
            }
            self.decide()?;
        }
        match &mut self.phase {
            Phase::Reading(table) => {
                table.process(row, self.ledger, self.limits, self.is_1904)?;
                Ok(Flow::Continue)
            }
            // decide() has left the scanning phase: no header, nothing more to read.
            Phase::Skipped | Phase::Scanning(_) => Ok(Flow::Stop),
        }
    }

    /// Finds the header in the buffered rows, then reads the buffered rows below it.
    fn decide(&mut self) -> Result<(), LedgerFileError> {
        if !matches!(self.phase, Phase::Scanning(_)) {
            return Ok(());
        }
        let Phase::Scanning(buffer) = std::mem::replace(&mut self.phase, Phase::Skipped) else {
            return Ok(());
        };
        // Only merges that start among the scanned rows can shape the header.
        let header_merges: Vec<Dimensions> = self
            .merges
            .iter()
            .filter(|m| m.start.0 < HEADER_SCAN_ROWS)
            .copied()
            .collect();
        let Some(layout) = detect_header(&buffer, &header_merges) else {
            let reason = if buffer.is_empty() {
                "空白工作表".to_owned()
            } else {
                format!("没有可识别的表头（前{HEADER_SCAN_ROWS}行中没有一行包含“项目名称”及至少另外两个已知列）")
            };
            self.ledger.sheets.push(SheetReport::skipped(&self.name, &reason));
            return Ok(());
        };
        let title_rows: Vec<&Row> = buffer.iter().filter(|r| r.index < layout.top).collect();
        let (title_as_of, title_unit) = title_facts(&title_rows, self.is_1904);
        let mut table = Table::new(
            &self.name,
            layout,
            title_as_of,
            title_unit,
            std::mem::take(&mut self.merges),
            self.ledger,
        );
        table.as_of = self.as_of_override.or(table.as_of);
        for row in buffer {
            table.process(row, self.ledger, self.limits, self.is_1904)?;
        }
        self.phase = Phase::Reading(Box::new(table));
        Ok(())
    }

    fn finish(mut self) -> Result<(), LedgerFileError> {
        self.decide()?;
        if let Phase::Reading(table) = self.phase {
            let report = table.report;
            if self.ledger.as_of.is_none() {
                self.ledger.as_of = report.as_of;
            }
            self.ledger.sheets.push(report);
        }
        Ok(())
    }
}

use header::*;
use table::*;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(12), "M");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }

    #[test]
    fn title_lines() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day);
        let line = compact("填报单位：区投资促进中心\u{3000}\u{3000}统计截至：2025年10月31日\u{3000}单位：万元");
        assert_eq!(as_of_in(&line), d(2025, 10, 31));
        assert_eq!(amount_unit_in(&line), Some(Unit::Wan));
        assert_eq!(as_of_in(&compact("（截至2025年10月31日止）")), d(2025, 10, 31));
        assert_eq!(as_of_in(&compact("截止日期：2025-10-31")), d(2025, 10, 31));
        assert_eq!(as_of_in(&compact("截止到 2025.9.30")), d(2025, 9, 30));
        assert_eq!(as_of_in("大足区招商台账"), None);
        assert_eq!(amount_unit_in(&compact("金额单位：亿元")), Some(Unit::Yi));
        assert_eq!(amount_unit_in(&compact("填报单位：万盛经开区")), None);
    }

    #[test]
    fn row_markers() {
        assert_eq!(total_kind("合计"), Some(SkipReason::Total));
        assert_eq!(total_kind("全区总计"), Some(SkipReason::Total));
        assert_eq!(total_kind("五金专班小计"), Some(SkipReason::Subtotal));
        assert_eq!(total_kind("合计:30个"), Some(SkipReason::Total));
        assert_eq!(total_kind("小计(5个)"), Some(SkipReason::Subtotal));
        assert_eq!(total_kind("合计产值测算平台项目建设"), None);
        assert!(is_note_start("注:1.资金单位为万元"));
        assert!(is_note_start("注1.以最新调度为准"));
        assert!(is_note_start("填表说明"));
        assert!(!is_note_start("注册资本"));
        assert!(is_section_heading("一、签约项目"));
        assert!(is_section_heading("(十二)在谈项目"));
        assert!(!is_section_heading("一汽配套项目"));
        assert!(!is_section_heading("上海项目"));
    }
}
