//! The table body of a sheet: each row below the header classified (project, blank,
//! subtotal, total, note, section heading) and its cells typed into ledger values, with every
//! cell error located by sheet, row and column. Callers hand rows in order, once each.

use super::*;

// ---------------------------------------------------------------------------------------
// The table body

pub(super) struct Column {
    pub(super) col: u32,
    pub(super) field: LedgerField,
    pub(super) cref: ColumnRef,
}

pub(super) struct Table<'s> {
    pub(super) sheet: String,
    pub(super) report: SheetReport,
    pub(super) columns: Vec<Column>,
    pub(super) name_col: u32,
    /// Totals, notes and headings are looked for in columns up to this one.
    pub(super) lead_last_col: u32,
    pub(super) data_start: u32,
    /// The next row index not yet accounted for, to report blank rows in between.
    pub(super) next_row: u32,
    /// Dates after this (except promised ones) are errors.
    pub(super) as_of: Option<NaiveDate>,
    pub(super) in_notes: bool,
    /// Merges spanning several data rows: their top-left value fills the rows below.
    pub(super) fills: Vec<Dimensions>,
    pub(super) next_fill: usize,
    pub(super) active_fills: Vec<(Dimensions, Option<Raw<'s>>)>,
    pub(super) rows_before: usize,
}

impl<'s> Table<'s> {
    pub(super) fn new(
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

    pub(super) fn process(
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

    pub(super) fn skip(&self, ledger: &mut Ledger, index: u32, reason: SkipReason) {
        ledger.skipped.push(SkippedRow {
            sheet: self.sheet.clone(),
            row: index.saturating_add(1),
            reason,
        });
    }

    /// Values of merged cells that started in an earlier data row and cover this one.
    pub(super) fn inherited(&mut self, row: &Row<'s>) -> Vec<(u32, Raw<'s>)> {
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

    pub(super) fn skip_reason(&self, row: &Row) -> Option<SkipReason> {
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

    pub(super) fn read_project(
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
pub(super) fn read_value(
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
            let value = read_text(raw)?
                .map(|text| one_value(text, field.text_rule()))
                .transpose()?;
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

/// A text cell's value by the rule of its field (`domain::text`), as the API takes the same
/// field: a one-line field's tabs and line breaks (a name wrapped in its cell) become spaces;
/// any other control character, a direction override in a one-line field, or a text longer
/// than the field holds is an error.
fn one_value(text: String, rule: Rule) -> Result<String, Problem> {
    let text = match rule.lines {
        Lines::One => fold_lines(text),
        Lines::Many => text,
    };
    match rule.check(&text) {
        Ok(()) => Ok(text),
        Err(refused) => Err(Problem {
            code: refused.code(),
            what: refused.chinese(),
        }),
    }
}

pub(super) fn cell_error(sheet: &str, row: u32, column: &ColumnRef, raw: &Raw, problem: Problem) -> CellError {
    // Control and direction characters are quoted as U+FFFD, so the message shows where they are.
    let mut value: String = raw
        .display()
        .chars()
        .take(MAX_QUOTED_CHARS)
        .map(|c| {
            if c.is_control() || is_direction_override(c) {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect();
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
pub(super) fn total_kind(text: &str) -> Option<SkipReason> {
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
pub(super) fn is_note_start(text: &str) -> bool {
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
pub(super) fn is_section_heading(text: &str) -> bool {
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
