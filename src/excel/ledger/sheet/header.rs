//! The header of a sheet: where it is among the first rows (one or two rows, merged group
//! cells), which field each column feeds, and the as-of date and amount unit the title lines
//! above it state. Reads only the buffered first rows; callers never look at columns here.

use super::*;

// ---------------------------------------------------------------------------------------
// The header

pub(super) struct HeaderColumn {
    pub(super) col: u32,
    pub(super) meaning: Option<HeaderMeaning>,
    pub(super) header: String,
    pub(super) label: String,
}

pub(super) struct HeaderLayout {
    /// 0-based index of the (upper) header row.
    pub(super) top: u32,
    pub(super) height: u32,
    /// First data row, 0-based (below every header merge).
    pub(super) data_start: u32,
    pub(super) columns: Vec<HeaderColumn>,
}

impl HeaderLayout {
    pub(super) fn fields(&self) -> Vec<LedgerField> {
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

    pub(super) fn score(&self) -> usize {
        self.fields().len()
    }

    pub(super) fn is_ledger_header(&self) -> bool {
        let fields = self.fields();
        fields.len() >= 3 && fields.contains(&LedgerField::Name)
    }

    /// Non-empty sub-header cells that mean nothing (a data row is full of them).
    pub(super) fn unresolved(&self) -> usize {
        self.columns.iter().filter(|c| c.meaning.is_none()).count()
    }
}

/// The row (or pair of rows) among the buffered ones that names the most fields, with
/// 项目名称 and at least three fields in all; ties go to the upper row.
pub(super) fn detect_header(rows: &[Row], merges: &[Dimensions]) -> Option<HeaderLayout> {
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

pub(super) fn one_row_header(row: &Row, merges: &[Dimensions]) -> HeaderLayout {
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
pub(super) fn two_row_header(row: &Row, below: Option<&Row>, merges: &[Dimensions]) -> HeaderLayout {
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

pub(super) fn is_group_cell(row: &Row, col: u32, merges: &[Dimensions]) -> bool {
    merges
        .iter()
        .any(|m| m.start == (row.index, col) && m.end.1 > col && m.end.0 == row.index)
}

/// The first row below the header and below every merge that starts in its top row.
pub(super) fn data_start(top: u32, height: u32, merges: &[Dimensions]) -> u32 {
    merges
        .iter()
        .filter(|m| m.start.0 == top && m.end.0 < top + 3)
        .map(|m| m.end.0 + 1)
        .fold(top + height, u32::max)
}

// ---------------------------------------------------------------------------------------
// The title lines

pub(super) const AS_OF_KEYS: [&str; 2] = ["截至", "截止"];

/// The as-of date and the amount unit stated in the title lines above the header.
pub(super) fn title_facts(rows: &[&Row], is_1904: bool) -> (Option<NaiveDate>, Option<Unit>) {
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
pub(super) fn as_of_in(text: &str) -> Option<NaiveDate> {
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
pub(super) fn amount_unit_in(text: &str) -> Option<Unit> {
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
