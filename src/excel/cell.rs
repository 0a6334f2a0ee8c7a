//! Text into cells. Excel holds at most 32,767 characters (UTF-16 units) in a cell and
//! rust_xlsxwriter refuses a longer string, which would fail the whole workbook: every string
//! `excel` writes goes through [`write_text`], which cuts a longer one with a visible mark
//! ([`CUT_MARK`]) and keeps note of it in [`Cuts`]; [`add_cut_notes`] then tells the reader
//! on a sheet of its own. A caller must not write text with rust_xlsxwriter's own
//! `write_string*` or `merge_range` (a test looks for them).
//!
//! The service's own limits (`domain::text`) keep every text far below Excel's; a longer one
//! comes from data stored before them.

use std::borrow::Cow;

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError, utility::row_col_to_cell};

/// The most UTF-16 units Excel holds in a cell.
pub const EXCEL_CELL_UNITS: usize = 32_767;

/// What ends a text cut to fit a cell.
pub const CUT_MARK: &str = "…（已截断）";

/// The name of the sheet [`add_cut_notes`] adds.
pub const CUT_NOTES_SHEET: &str = "截断说明";

/// One cell whose text was cut.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CutCell {
    pub sheet: String,
    pub row: u32,
    pub col: u16,
    /// Characters of the whole text.
    pub chars: usize,
}

/// The cells of a workbook whose text was cut.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cuts(pub Vec<CutCell>);

impl Cuts {
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Takes in the cuts of another sheet (written on a thread of its own).
    pub fn extend(&mut self, other: Cuts) {
        self.0.extend(other.0);
    }
}

/// A workbook written, and how many of its cells had a text too long for Excel (cut with a
/// mark, and listed on a sheet of notes).
#[derive(Debug)]
pub struct Written {
    pub bytes: Vec<u8>,
    pub cut_cells: usize,
}

/// `text` as it fits a cell: itself, or its beginning with [`CUT_MARK`] after it.
pub fn fitted(text: &str) -> Cow<'_, str> {
    if text.len() <= EXCEL_CELL_UNITS || utf16_units(text) <= EXCEL_CELL_UNITS {
        return Cow::Borrowed(text);
    }
    let room = EXCEL_CELL_UNITS - utf16_units(CUT_MARK);
    let mut units = 0;
    let end = text
        .char_indices()
        .find(|(_, c)| {
            units += c.len_utf16();
            units > room
        })
        .map_or(text.len(), |(at, _)| at);
    Cow::Owned(format!("{}{CUT_MARK}", &text[..end]))
}

impl Cuts {
    /// `text` as it fits the cell at `row`, `col` of `sheet`, noted here when it was cut.
    fn fit<'t>(&mut self, sheet: &Worksheet, row: u32, col: u16, text: &'t str) -> Cow<'t, str> {
        let fitted = fitted(text);
        if let Cow::Owned(_) = fitted {
            self.0.push(CutCell {
                sheet: sheet.name(),
                row,
                col,
                chars: text.chars().count(),
            });
        }
        fitted
    }
}

fn utf16_units(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}

/// Writes `text` into a cell (with `format`, when given), cut to fit and noted in `cuts` when
/// it is too long for Excel.
pub fn write_text(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    text: &str,
    format: Option<&Format>,
    cuts: &mut Cuts,
) -> Result<(), XlsxError> {
    let fitted = cuts.fit(sheet, row, col, text);
    match format {
        Some(format) => sheet.write_string_with_format(row, col, fitted.as_ref(), format)?,
        None => sheet.write_string(row, col, fitted.as_ref())?,
    };
    Ok(())
}

/// Merges a range of one row and writes `text` into it, as [`write_text`] does.
pub fn merge_text(
    sheet: &mut Worksheet,
    row: u32,
    (first_col, last_col): (u16, u16),
    text: &str,
    format: &Format,
    cuts: &mut Cuts,
) -> Result<(), XlsxError> {
    let fitted = cuts.fit(sheet, row, first_col, text);
    sheet.merge_range(row, first_col, row, last_col, fitted.as_ref(), format)?;
    Ok(())
}

/// What the first line of the notes says: how many cells were cut and how to find them.
pub fn cut_summary(cuts: &Cuts) -> String {
    format!(
        "注意：{}个单元格的文字超过Excel单元格的上限（{EXCEL_CELL_UNITS}个字符），已截断，截断处以“{CUT_MARK}”标出；完整内容请在系统中查看。",
        cuts.len()
    )
}

/// Adds a sheet listing the cut cells (where, and how long the whole text is), and opens the
/// workbook on it, so whoever opens the file sees it first. Nothing when nothing was cut.
pub fn add_cut_notes(workbook: &mut Workbook, cuts: &Cuts) -> Result<(), XlsxError> {
    if cuts.is_empty() {
        return Ok(());
    }
    let bold = Format::new().set_bold();
    let sheet = workbook.add_worksheet();
    sheet.set_name(CUT_NOTES_SHEET)?;
    sheet.set_column_width(0, 28)?;
    sheet.set_column_width(1, 16)?;
    // The notes are the service's own text, short: they never need cutting themselves.
    sheet.write_string_with_format(0, 0, cut_summary(cuts), &bold)?;
    sheet.write_string_with_format(2, 0, "单元格", &bold)?;
    sheet.write_string_with_format(2, 1, "原有字符数", &bold)?;
    for (at, cut) in cuts.0.iter().enumerate() {
        let row = 3 + at as u32;
        sheet.write_string(row, 0, format!("{}!{}", cut.sheet, row_col_to_cell(cut.row, cut.col)))?;
        sheet.write_number(row, 1, cut.chars as f64)?;
    }
    sheet.set_active(true);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_kept_and_long_text_cut_to_fit() {
        assert!(matches!(fitted("备注"), Cow::Borrowed("备注")));
        let exact = "备".repeat(EXCEL_CELL_UNITS);
        assert!(matches!(fitted(&exact), Cow::Borrowed(_)));
        let long = "备".repeat(EXCEL_CELL_UNITS + 1);
        let cut = fitted(&long);
        assert!(cut.ends_with(CUT_MARK));
        assert_eq!(utf16_units(&cut), EXCEL_CELL_UNITS);
        // Characters outside the BMP take two units and are never split.
        let wide = "𠀀".repeat(EXCEL_CELL_UNITS);
        let cut = fitted(&wide);
        assert!(cut.ends_with(CUT_MARK) && utf16_units(&cut) <= EXCEL_CELL_UNITS);
    }

    #[test]
    fn a_cut_is_noted_and_the_workbook_opens_on_the_notes() {
        let mut workbook = Workbook::new();
        let mut cuts = Cuts::default();
        let sheet = workbook.add_worksheet();
        sheet.set_name("台账").unwrap();
        write_text(sheet, 3, 2, &"x".repeat(40_000), None, &mut cuts).unwrap();
        write_text(sheet, 4, 2, "short", None, &mut cuts).unwrap();
        assert_eq!(
            cuts.0,
            [CutCell {
                sheet: "台账".into(),
                row: 3,
                col: 2,
                chars: 40_000
            }]
        );
        add_cut_notes(&mut workbook, &cuts).unwrap();
        assert!(workbook.save_to_buffer().is_ok());
    }
}
