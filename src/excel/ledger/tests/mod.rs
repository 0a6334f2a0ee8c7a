//! Tests of the whole reader: the real sample ledger, messy workbooks built in memory with
//! rust_xlsxwriter, and bad files.

mod bad;
mod messy;
mod messy_values;
mod sample;
mod streaming;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_xlsxwriter::{Format, Workbook, Worksheet};

use super::{Ledger, LedgerRow, ReadLimits, read_ledger};

/// Writes the non-empty strings of `cells` into `row`, from column A.
fn strings(sheet: &mut Worksheet, row: u32, cells: &[&str]) {
    for (col, text) in cells.iter().enumerate() {
        if !text.is_empty() {
            sheet.write_string(row, col as u16, *text).expect("cell written");
        }
    }
}

/// Merges a range and writes `text` into it.
fn merged(sheet: &mut Worksheet, rows: (u32, u32), cols: (u16, u16), text: &str) {
    sheet
        .merge_range(rows.0, cols.0, rows.1, cols.1, text, &Format::new())
        .expect("range merged");
}

fn save(workbook: &mut Workbook) -> Vec<u8> {
    workbook.save_to_buffer().expect("workbook saved")
}

fn read(bytes: &[u8]) -> Ledger {
    read_ledger(bytes, &ReadLimits::default()).expect("ledger reads")
}

fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn wan(text: &str) -> Option<Decimal> {
    Some(text.parse().expect("decimal literal"))
}

/// The row for project `name`.
fn row<'a>(ledger: &'a Ledger, name: &str) -> &'a LedgerRow {
    ledger
        .rows
        .iter()
        .find(|r| r.values.name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no row for {name}: {:#?}", ledger.rows))
}

/// (code, message) of every error, in order.
fn errors(ledger: &Ledger) -> Vec<(&'static str, String)> {
    ledger.errors.iter().map(|e| (e.code, e.message.clone())).collect()
}
