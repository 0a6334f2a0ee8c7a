//! One worksheet, streamed row by row: finding the header below the title lines (one or two
//! rows, merged group cells), reading the as-of date and unit from the title, classifying
//! each row (project, blank, subtotal, total, note, section heading) and typing its cells.
//! Only the first rows are buffered, to find the header; the rest flows through.

use std::io::{Read, Seek};

use calamine::{Dimensions, Xlsx, XlsxError};
use chrono::NaiveDate;
use entity::enums::Stage;

use super::field::{FieldKind, FieldSet, HeaderMeaning, LedgerField, Unit, names_field_alone, resolve_header};
use super::text::{compact, trim_text};
use super::value::{
    Problem, Raw, parse_date_text, read_agreement_type, read_amount, read_area, read_date, read_stage, read_text,
};
use super::{
    CellError, ColumnRef, IgnoredColumn, Ledger, LedgerFileError, LedgerRow, LedgerValues, ReadLimits, RowStream,
    STREAMED_ROWS, SheetReport, SkipReason, SkippedRow,
};

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

// ---------------------------------------------------------------------------------------
// The header

struct HeaderColumn {
    col: u32,
    meaning: Option<HeaderMeaning>,
    header: String,
    label: String,
}

struct HeaderLayout {
    /// 0-based index of the (upper) header row.
    top: u32,
    height: u32,
    /// First data row, 0-based (below every header merge).
    data_start: u32,
    columns: Vec<HeaderColumn>,
}

impl HeaderLayout {
    fn fields(&self) -> Vec<LedgerField> {
        let mut fields: Vec<LedgerField> = self
            .columns
            .iter()
            .filter_map(|c| match c.meaning {
                Some(HeaderMeaning::Field(f, _)) => Some(f),
                _ => None,
            })
            .collect();
        fields.sort();
        fields.dedup();
        fields
    }

    fn score(&self) -> usize {
        self.fields().len()
    }

    fn is_ledger_header(&self) -> bool {
        let fields = self.fields();
        fields.len() >= 3 && fields.contains(&LedgerField::Name)
    }

    /// Non-empty sub-header cells that mean nothing (a data row is full of them).
    fn unresolved(&self) -> usize {
        self.columns.iter().filter(|c| c.meaning.is_none()).count()
    }
}

/// The row (or pair of rows) among the buffered ones that names the most fields, with
/// 项目名称 and at least three fields in all; ties go to the upper row.
fn detect_header(rows: &[Row], merges: &[Dimensions]) -> Option<HeaderLayout> {
    let mut best: Option<HeaderLayout> = None;
    let mut singles: Vec<HeaderLayout> = rows.iter().map(|r| one_row_header(r, merges)).collect();
    let single_scores: Vec<usize> = singles.iter().map(HeaderLayout::score).collect();
    for (at, row) in rows.iter().enumerate().rev() {
        let below = rows
            .get(at + 1)
            .filter(|next| next.index == row.index.saturating_add(1));
        let two = two_row_header(row, below, merges);
        // The upper row must add something to what the lower row says alone: a title line
        // above a one-row header is not a group row.
        let below_alone = below.map_or(0, |_| single_scores[at + 1]);
        let Some(one) = singles.pop() else { break };
        let spans_two = merges.iter().any(|m| m.start.0 == row.index && m.end.0 > row.index);
        let gain = two.score().saturating_sub(one.score());
        let unresolved = two.unresolved();
        let chosen = if two.score() <= below_alone {
            one
        } else if (gain > 0 && unresolved < gain) || (spans_two && gain == 0 && unresolved == 0 && two.score() > 0) {
            two
        } else {
            one
        };
        // Walking upwards, ties go to the upper row.
        if chosen.is_ledger_header() && best.as_ref().is_none_or(|b| chosen.score() >= b.score()) {
            best = Some(chosen);
        }
    }
    best
}

fn one_row_header(row: &Row, merges: &[Dimensions]) -> HeaderLayout {
    let columns = row
        .cells
        .iter()
        .filter_map(|(col, raw)| match raw {
            Raw::Text(text) => {
                let text = trim_text(text);
                Some(HeaderColumn {
                    col: *col,
                    meaning: resolve_header(None, text),
                    header: text.to_owned(),
                    label: compact(text).into_owned(),
                })
            }
            _ => None,
        })
        .collect();
    HeaderLayout {
        top: row.index,
        height: 1,
        data_start: data_start(row.index, 1, merges),
        columns,
    }
}

/// Reads `row` as group cells over the sub-header cells of `below`. A group cell is either
/// merged across its sub-columns or written once, left of them, over empty cells.
fn two_row_header(row: &Row, below: Option<&Row>, merges: &[Dimensions]) -> HeaderLayout {
    let top = row.index;
    // Merges that start in this row: horizontal ones spread a group, vertical ones cover
    // the sub-header cell below.
    let group_of = |col: u32| -> Option<&str> {
        if let Some(text) = row.text(col) {
            return Some(text);
        }
        merges
            .iter()
            .find(|m| m.start.0 == top && m.start.1 < col && col <= m.end.1)
            .and_then(|m| row.text(m.start.1))
    };
    let covered = |col: u32| {
        merges
            .iter()
            .any(|m| m.start.0 == top && m.end.0 > top && m.start.1 <= col && col <= m.end.1)
    };
    let sub_of = |col: u32| -> Option<&Raw> {
        if covered(col) {
            None
        } else {
            below.and_then(|b| b.get(col))
        }
    };

    let mut cols: Vec<u32> = row.cells.iter().map(|(c, _)| *c).collect();
    if let Some(below) = below {
        cols.extend(below.cells.iter().map(|(c, _)| *c));
    }
    cols.sort_unstable();
    cols.dedup();

    let mut columns = Vec::new();
    for &col in &cols {
        let group = group_of(col).or_else(|| {
            // A group written once over several sub-headers, without a merge.
            let left = cols.iter().rev().find(|&&c| c < col && row.text(c).is_some())?;
            (sub_of(*left).is_some() && !covered(*left))
                .then(|| row.text(*left))
                .flatten()
        });
        match sub_of(col) {
            Some(Raw::Text(sub)) => {
                let sub = trim_text(sub);
                let (header, label) = match group {
                    Some(group) if group_of(col).is_some() || !names_field_alone(sub) => {
                        let header = format!("{group}/{sub}");
                        let label = if names_field_alone(sub) {
                            compact(sub).into_owned()
                        } else {
                            compact(&header).into_owned()
                        };
                        (header, label)
                    }
                    _ => (sub.to_owned(), compact(sub).into_owned()),
                };
                columns.push(HeaderColumn {
                    col,
                    meaning: resolve_header(group, sub),
                    header,
                    label,
                });
            }
            Some(other) => columns.push(HeaderColumn {
                col,
                meaning: None,
                header: other.display(),
                label: other.display(),
            }),
            None => {
                if let Some(text) = row.text(col) {
                    columns.push(HeaderColumn {
                        col,
                        meaning: resolve_header(None, text),
                        header: text.to_owned(),
                        label: compact(text).into_owned(),
                    });
                }
            }
        }
    }
    // A group cell over sub-headers is not itself a column.
    columns.retain(|c| c.meaning.is_some() || sub_of(c.col).is_some() || !is_group_cell(row, c.col, merges));
    HeaderLayout {
        top,
        height: 2,
        data_start: data_start(top, 2, merges),
        columns,
    }
}

fn is_group_cell(row: &Row, col: u32, merges: &[Dimensions]) -> bool {
    merges
        .iter()
        .any(|m| m.start == (row.index, col) && m.end.1 > col && m.end.0 == row.index)
}

/// The first row below the header and below every merge that starts in its top row.
fn data_start(top: u32, height: u32, merges: &[Dimensions]) -> u32 {
    merges
        .iter()
        .filter(|m| m.start.0 == top && m.end.0 < top + 3)
        .map(|m| m.end.0 + 1)
        .fold(top + height, u32::max)
}

// ---------------------------------------------------------------------------------------
// The title lines

const AS_OF_KEYS: [&str; 2] = ["截至", "截止"];

/// The as-of date and the amount unit stated in the title lines above the header.
fn title_facts(rows: &[&Row], is_1904: bool) -> (Option<NaiveDate>, Option<Unit>) {
    let mut as_of = None;
    let mut unit = None;
    for row in rows {
        for (at, (_, raw)) in row.cells.iter().enumerate() {
            let Raw::Text(text) = raw else { continue };
            let text = compact(text);
            if as_of.is_none() {
                as_of = as_of_in(&text).or_else(|| {
                    // "统计截至：" in one cell, the date in the next.
                    let label = text.trim_end_matches(':');
                    let ends_with_key = AS_OF_KEYS
                        .iter()
                        .any(|k| label.ends_with(k) || label.ends_with(&format!("{k}日期")));
                    if !ends_with_key {
                        return None;
                    }
                    let (_, next) = row.cells.get(at + 1)?;
                    read_date(next, is_1904).ok().flatten()
                });
            }
            if unit.is_none() {
                unit = amount_unit_in(&text);
            }
        }
    }
    (as_of, unit)
}

/// "统计截至：2025年10月31日", "截至2025年10月31日", "截止日期：2025-10-31".
fn as_of_in(text: &str) -> Option<NaiveDate> {
    for key in AS_OF_KEYS {
        for (at, _) in text.match_indices(key) {
            let mut rest = &text[at + key.len()..];
            for filler in ["日期", "时间", "到", "至", ":"] {
                rest = rest.strip_prefix(filler).unwrap_or(rest);
            }
            let end = rest
                .char_indices()
                .find(|(_, c)| !(c.is_ascii_digit() || "年月日号./-".contains(*c)))
                .map_or(rest.len(), |(i, _)| i);
            if let Some(date) = parse_date_text(&rest[..end]) {
                return Some(date);
            }
        }
    }
    None
}

/// "单位：万元" or "金额单位：亿元", not "填报单位：…".
fn amount_unit_in(text: &str) -> Option<Unit> {
    for (at, _) in text.match_indices("单位:") {
        let before = &text[..at];
        if ["填报", "报送", "责任", "牵头", "申报", "承办"]
            .iter()
            .any(|k| before.ends_with(k))
        {
            continue;
        }
        let after: String = text[at + "单位:".len()..].chars().take(2).collect();
        if let Some(unit @ (Unit::Yi | Unit::Wan | Unit::Yuan)) = Unit::named_in(&after) {
            return Some(unit);
        }
    }
    None
}

// ---------------------------------------------------------------------------------------
// The table body

struct Column {
    col: u32,
    field: LedgerField,
    cref: ColumnRef,
}

struct Table<'s> {
    sheet: String,
    report: SheetReport,
    columns: Vec<Column>,
    name_col: u32,
    /// Totals, notes and headings are looked for in columns up to this one.
    lead_last_col: u32,
    data_start: u32,
    /// The next row index not yet accounted for, to report blank rows in between.
    next_row: u32,
    /// Dates after this (except promised ones) are errors.
    as_of: Option<NaiveDate>,
    in_notes: bool,
    /// Merges spanning several data rows: their top-left value fills the rows below.
    fills: Vec<Dimensions>,
    next_fill: usize,
    active_fills: Vec<(Dimensions, Option<Raw<'s>>)>,
    rows_before: usize,
}

impl<'s> Table<'s> {
    fn new(
        sheet: &str,
        layout: HeaderLayout,
        title_as_of: Option<NaiveDate>,
        title_unit: Option<Unit>,
        merges: Vec<Dimensions>,
        ledger: &Ledger,
    ) -> Self {
        let amount_unit = title_unit.unwrap_or(Unit::Wan);
        let mut columns: Vec<Column> = Vec::new();
        let mut ignored = Vec::new();
        for hc in &layout.columns {
            let letter = column_letter(hc.col);
            let reason = match hc.meaning {
                Some(HeaderMeaning::Field(field, unit)) => match columns.iter().find(|c| c.field == field) {
                    Some(first) => format!("与{}列重复（{}），未读取", first.cref.letter, field.chinese()),
                    None => {
                        columns.push(Column {
                            col: hc.col,
                            field,
                            cref: ColumnRef {
                                letter,
                                header: hc.header.clone(),
                                label: hc.label.clone(),
                                field,
                                unit: unit.unwrap_or(field.default_unit(amount_unit)),
                            },
                        });
                        continue;
                    }
                },
                Some(HeaderMeaning::Ignored) => "序号列，不读取".to_owned(),
                None => "未识别的表头，未读取".to_owned(),
            };
            ignored.push(IgnoredColumn {
                letter,
                header: hc.header.clone(),
                reason,
            });
        }
        columns.sort_by_key(|c| c.col);
        let name_col = columns
            .iter()
            .find(|c| c.field == LedgerField::Name)
            .map_or(0, |c| c.col);
        let third_col = layout.columns.iter().map(|c| c.col).nth(2).unwrap_or(0);
        let mut fills: Vec<Dimensions> = merges
            .into_iter()
            .filter(|m| m.start.0 >= layout.data_start && m.end.0 > m.start.0)
            .collect();
        fills.sort_by_key(|m| m.start.0);

        let report = SheetReport {
            name: sheet.to_owned(),
            imported: true,
            reason: None,
            header_row: Some(layout.top + 1),
            header_rows: layout.height,
            rows_read: 0,
            projects: 0,
            as_of: title_as_of,
            amount_unit,
            columns: columns.iter().map(|c| c.cref.clone()).collect(),
            ignored_columns: ignored,
        };
        Self {
            sheet: sheet.to_owned(),
            report,
            columns,
            name_col,
            lead_last_col: name_col.max(third_col),
            data_start: layout.data_start,
            next_row: layout.data_start,
            as_of: title_as_of.or(ledger.as_of),
            in_notes: false,
            fills,
            next_fill: 0,
            active_fills: Vec::new(),
            rows_before: ledger.sheets.iter().map(|s| s.rows_read as usize).sum(),
        }
    }

    fn process(
        &mut self,
        row: Row<'s>,
        ledger: &mut Ledger,
        limits: &ReadLimits,
        is_1904: bool,
    ) -> Result<(), LedgerFileError> {
        if row.index < self.data_start {
            return Ok(());
        }
        let read_here = (row.index - self.data_start) as usize + 1;
        if self.rows_before.saturating_add(read_here) > limits.max_rows {
            return Err(LedgerFileError::TooManyRows {
                limit: limits.max_rows,
                sheet: self.sheet.clone(),
            });
        }
        for blank in self.next_row..row.index {
            self.skip(ledger, blank, SkipReason::Blank);
        }
        self.next_row = self.next_row.max(row.index.saturating_add(1));
        self.report.rows_read = self.next_row - self.data_start;

        let inherited = self.inherited(&row);
        if let Some(reason) = self.skip_reason(&row) {
            if reason == SkipReason::Note {
                self.in_notes = true;
            }
            self.skip(ledger, row.index, reason);
            return Ok(());
        }
        self.read_project(&row, &inherited, ledger, limits, is_1904);
        Ok(())
    }

    fn skip(&self, ledger: &mut Ledger, index: u32, reason: SkipReason) {
        ledger.skipped.push(SkippedRow {
            sheet: self.sheet.clone(),
            row: index.saturating_add(1),
            reason,
        });
    }

    /// Values of merged cells that started in an earlier data row and cover this one.
    fn inherited(&mut self, row: &Row<'s>) -> Vec<(u32, Raw<'s>)> {
        while let Some(m) = self.fills.get(self.next_fill) {
            if m.start.0 > row.index {
                break;
            }
            let value = if m.start.0 == row.index {
                row.get(m.start.1).cloned()
            } else {
                None
            };
            self.active_fills.push((*m, value));
            self.next_fill += 1;
        }
        self.active_fills.retain(|(m, _)| m.end.0 >= row.index);
        self.active_fills
            .iter()
            .filter(|(m, _)| m.start.0 < row.index)
            .filter_map(|(m, value)| Some((m.start.1, value.clone()?)))
            .collect()
    }

    fn skip_reason(&self, row: &Row) -> Option<SkipReason> {
        let lead_texts = row
            .cells
            .iter()
            .filter(|(c, _)| *c <= self.lead_last_col)
            .filter_map(|(_, raw)| match raw {
                // Every total's mark (小计, 合计, 总计) has 计: other cells are not compacted.
                Raw::Text(s) if s.contains('计') => Some(compact(s)),
                _ => None,
            });
        for text in lead_texts {
            if let Some(reason) = total_kind(&text) {
                return Some(reason);
            }
        }
        let (first_col, first) = row.cells.first()?;
        let first_text = match first {
            Raw::Text(s) => Some(compact(s)),
            _ => None,
        };
        let in_lead = *first_col <= self.lead_last_col;
        if in_lead && first_text.as_deref().is_some_and(is_note_start) {
            return Some(SkipReason::Note);
        }
        let own_name = row.get(self.name_col).is_some_and(|raw| !raw.is_marker());
        if self.in_notes
            && !own_name
            && (row.cells.len() == 1 || row.cells.iter().all(|(c, _)| *c <= self.lead_last_col))
        {
            return Some(SkipReason::Note);
        }
        if row.text(self.name_col).is_some_and(|t| {
            // Cheap test first: every header of the name column says 名 or "name".
            let may_be_header =
                t.len() <= 64 && (t.contains('名') || t.as_bytes().windows(4).any(|w| w.eq_ignore_ascii_case(b"name")));
            may_be_header
                && matches!(
                    resolve_header(None, t),
                    Some(HeaderMeaning::Field(LedgerField::Name, _))
                )
        }) {
            return Some(SkipReason::RepeatedHeader);
        }
        if row.cells.len() == 1 && first_text.as_deref().is_some_and(is_section_heading) {
            return Some(SkipReason::Section);
        }
        let has_data = self
            .columns
            .iter()
            .any(|c| row.get(c.col).is_some_and(|raw| !raw.is_marker()));
        (!has_data).then_some(SkipReason::Blank)
    }

    fn read_project(
        &mut self,
        row: &Row<'s>,
        inherited: &[(u32, Raw<'s>)],
        ledger: &mut Ledger,
        limits: &ReadLimits,
        is_1904: bool,
    ) {
        let excel_row = row.index.saturating_add(1);
        let mut values = LedgerValues::default();
        let mut present = FieldSet::default();
        let mut failed: Vec<LedgerField> = Vec::new();

        for column in &self.columns {
            let raw = row
                .get(column.col)
                .or_else(|| inherited.iter().find(|(c, _)| *c == column.col).map(|(_, raw)| raw));
            let Some(raw) = raw else { continue };
            let outcome = if raw.text_longer_than(limits.max_cell_chars) {
                Err(Problem {
                    code: "cell_too_long",
                    what: format!("内容超过{}个字符", limits.max_cell_chars),
                })
            } else {
                read_value(&mut values, column, raw, self.as_of, is_1904)
            };
            match outcome {
                Ok(true) => {
                    present.insert(column.field);
                }
                Ok(false) => {}
                Err(problem) => {
                    failed.push(column.field);
                    ledger
                        .errors
                        .push(cell_error(&self.sheet, excel_row, &column.cref, raw, problem));
                }
            }
        }

        if values.name.is_none() {
            if !failed.contains(&LedgerField::Name) {
                let (letter, label) = self
                    .columns
                    .iter()
                    .find(|c| c.field == LedgerField::Name)
                    .map(|c| (c.cref.letter.clone(), c.cref.label.clone()))
                    .unwrap_or_else(|| (column_letter(self.name_col), "项目名称".to_owned()));
                let value = row.get(self.name_col).map(Raw::display).unwrap_or_default();
                ledger.errors.push(CellError {
                    message: format!("第{excel_row}行 {letter}列 {label}: 有数据但缺少项目名称 '{value}'"),
                    sheet: self.sheet.clone(),
                    row: excel_row,
                    column: letter,
                    header: label,
                    value,
                    code: "missing_project_name",
                });
            }
            return;
        }

        if values.stage.is_none() && !failed.contains(&LedgerField::Stage) {
            values.stage = Some(values.inferred_stage());
            values.stage_inferred = true;
        }
        values.terminated = values.stage == Some(Stage::Terminated);
        self.report.projects = self.report.projects.saturating_add(1);
        ledger.rows.push(LedgerRow {
            sheet: self.sheet.clone(),
            row: excel_row,
            values: Box::new(values),
            present,
        });
    }
}

/// Reads `raw` into the field of `column`; `Ok(true)` when a value was set.
fn read_value(
    values: &mut LedgerValues,
    column: &Column,
    raw: &Raw,
    as_of: Option<NaiveDate>,
    is_1904: bool,
) -> Result<bool, Problem> {
    use LedgerField as F;
    let field = column.field;
    match field.kind() {
        FieldKind::Text => {
            let value = read_text(raw)?;
            let set = value.is_some();
            let slot = match field {
                F::Code => &mut values.code,
                F::Name => &mut values.name,
                F::Investor => &mut values.investor,
                F::CreditCode => &mut values.credit_code,
                F::Cluster => &mut values.cluster,
                F::Park => &mut values.park,
                F::Team => &mut values.team,
                F::SponsoringLeader => &mut values.sponsoring_leader,
                F::Owner => &mut values.owner,
                F::Source => &mut values.source,
                F::Progress => &mut values.progress,
                F::Issues => &mut values.issues,
                _ => &mut values.notes,
            };
            *slot = value;
            Ok(set)
        }
        FieldKind::Stage => {
            values.stage = read_stage(raw)?;
            Ok(values.stage.is_some())
        }
        FieldKind::AgreementType => {
            values.agreement_type = read_agreement_type(raw)?;
            Ok(values.agreement_type.is_some())
        }
        FieldKind::Date { promised } => {
            let date = read_date(raw, is_1904)?;
            if let (Some(date), Some(as_of), false) = (date, as_of, promised)
                && date > as_of
            {
                return Err(Problem {
                    code: "date_after_as_of",
                    what: format!("日期晚于台账截至日期{as_of}"),
                });
            }
            let slot = match field {
                F::NegotiatingSince => &mut values.negotiating_since,
                F::SignedOn => &mut values.signed_on,
                F::PromisedStart => &mut values.promised_start,
                F::ActualStart => &mut values.actual_start,
                F::PromisedProduction => &mut values.promised_production,
                F::ActualProduction => &mut values.actual_production,
                F::PromisedFullProduction => &mut values.promised_full_production,
                _ => &mut values.effective_on,
            };
            *slot = date;
            Ok(date.is_some())
        }
        FieldKind::Amount => {
            let amount = read_amount(raw, column.cref.unit)?;
            let slot = match field {
                F::PlannedInvestment => &mut values.planned_investment,
                F::ContractedInvestment => &mut values.contracted_investment,
                F::FundsThisYear => &mut values.funds_this_year,
                F::FundsCumulative => &mut values.funds_cumulative,
                F::PromisedOutput => &mut values.promised_output,
                _ => &mut values.promised_tax,
            };
            *slot = amount;
            Ok(amount.is_some())
        }
        FieldKind::Area => {
            values.land_area = read_area(raw, column.cref.unit)?;
            Ok(values.land_area.is_some())
        }
    }
}

fn cell_error(sheet: &str, row: u32, column: &ColumnRef, raw: &Raw, problem: Problem) -> CellError {
    let mut value: String = raw.display().chars().take(MAX_QUOTED_CHARS).collect();
    if raw.display().chars().count() > MAX_QUOTED_CHARS {
        value.push('…');
    }
    CellError {
        message: format!(
            "第{row}行 {}列 {}: {} '{value}'",
            column.letter, column.label, problem.what
        ),
        sheet: sheet.to_owned(),
        row,
        column: column.letter.clone(),
        header: column.label.clone(),
        value,
        code: problem.code,
    }
}

/// 小计 / 合计 / 总计 alone, ending a short cell ("全区合计", "五金专班小计") or starting it
/// before a colon, bracket or number ("合计：", "合计(30个)"); not "合计产值…".
fn total_kind(text: &str) -> Option<SkipReason> {
    let text = text.trim_end_matches(':');
    if text.chars().count() > 20 {
        return None;
    }
    let marks = |key: &str| {
        text.ends_with(key)
            || text
                .strip_prefix(key)
                .and_then(|rest| rest.chars().next())
                .is_some_and(|c| !('\u{4E00}'..='\u{9FFF}').contains(&c))
    };
    if marks("小计") {
        Some(SkipReason::Subtotal)
    } else if marks("合计") || marks("总计") {
        Some(SkipReason::Total)
    } else {
        None
    }
}

/// "注：…", "注1.…", "说明：…", "填表说明", "填表人：…" and the like.
fn is_note_start(text: &str) -> bool {
    const MARKERS: [&str; 12] = [
        "说明:",
        "填表说明",
        "填报说明",
        "备注:",
        "附注",
        "填表人",
        "填报人",
        "制表人",
        "审核人",
        "联系人",
        "联系电话",
        "数据来源:",
    ];
    if MARKERS.iter().any(|m| text.starts_with(m)) {
        return true;
    }
    let mut chars = text.chars();
    chars.next() == Some('注')
        && chars
            .next()
            .is_none_or(|c| c == ':' || c == '、' || c == '.' || c.is_ascii_digit())
}

/// "一、签约项目", "（二）在谈项目", "十一.其他".
fn is_section_heading(text: &str) -> bool {
    const NUMERALS: &str = "一二三四五六七八九十";
    let rest = text.strip_prefix('(').unwrap_or(text);
    let after: &str = rest.trim_start_matches(|c| NUMERALS.contains(c));
    if after.len() == rest.len() {
        return false;
    }
    if rest.len() == text.len() {
        after.starts_with(['、', '.'])
    } else {
        after.starts_with(')')
    }
}

/// 0 → "A", 25 → "Z", 26 → "AA".
pub(crate) fn column_letter(col: u32) -> String {
    let mut n = u64::from(col) + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

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
