//! The streamed read hands over exactly what the whole read returns: every sheet before its
//! rows, the rows in order and in chunks, each chunk with the cell errors found since the one
//! before; and it stops when the receiver wants no more.

use rust_xlsxwriter::Workbook;

use super::super::{LedgerEvent, STREAMED_ROWS, read_ledger_streaming};
use super::{ReadLimits, read, save, strings};

/// A ledger of two sheets: the first without a date in its title and with `rows` projects,
/// one of them with a date that cannot be read and one without a name; the second stating its
/// as-of date, with three projects.
fn two_sheets(rows: u32) -> Vec<u8> {
    let mut book = Workbook::new();
    let first = book.add_worksheet();
    first.set_name("一专班").unwrap();
    strings(first, 0, &["项目名称", "投资方", "合同投资额", "签约时间"]);
    for r in 1..=rows {
        let signed = if r == 1500 { "去年" } else { "2025-05-01" };
        let name = if r == 2200 { String::new() } else { format!("项目{r}") };
        strings(first, r, &[&name, "某公司", "100", signed]);
    }
    let second = book.add_worksheet();
    second.set_name("二专班").unwrap();
    strings(second, 0, &["招商项目台账（截至2025年10月31日）"]);
    strings(second, 1, &["项目名称", "投资方", "合同投资额", "签约时间"]);
    for r in 2..5 {
        strings(second, r, &[&format!("二专班项目{r}"), "某公司", "100", "2025-06-01"]);
    }
    save(&mut book)
}

#[test]
fn a_streamed_read_hands_over_what_the_whole_read_returns() {
    let bytes = two_sheets(2_500);
    let whole = read(&bytes);
    assert_eq!(whole.rows.len(), 2_502, "2,499 + 3 projects");
    assert_eq!(whole.errors.len(), 2, "{:?}", whole.errors);

    let mut events = Vec::new();
    let streamed = read_ledger_streaming(&bytes, &ReadLimits::default(), None, &mut |event| {
        events.push(event);
        true
    })
    .expect("the ledger reads");
    assert!(streamed.rows.is_empty(), "the rows all went to the sink");
    assert_eq!(streamed.sheets, whole.sheets);
    assert_eq!(streamed.errors, whole.errors);
    assert_eq!(streamed.skipped, whole.skipped);
    assert_eq!(streamed.as_of, whole.as_of);

    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut announced = Vec::new();
    for event in events {
        match event {
            LedgerEvent::Sheet(sheet) => announced.push(sheet),
            LedgerEvent::Rows {
                rows: chunk,
                errors: found,
            } => {
                assert!(chunk.len() <= STREAMED_ROWS);
                for row in &chunk {
                    assert_eq!(
                        announced.last().map(|s| s.name.as_str()),
                        Some(row.sheet.as_str()),
                        "a sheet is announced before its rows"
                    );
                }
                // A returned row's errors come in the chunk that brings the row.
                for error in &found {
                    let returned = whole
                        .rows
                        .iter()
                        .any(|r| (&r.sheet, r.row) == (&error.sheet, error.row));
                    let here = chunk.iter().any(|r| (&r.sheet, r.row) == (&error.sheet, error.row));
                    assert_eq!(returned, here, "{error:?}");
                }
                rows.extend(chunk);
                errors.extend(found);
            }
        }
    }
    assert_eq!(rows, whole.rows);
    assert_eq!(errors, whole.errors);
    let names: Vec<&str> = announced.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["一专班", "二专班"]);
    assert_eq!(announced[0].as_of, None);
    assert_eq!(announced[1].as_of, chrono::NaiveDate::from_ymd_opt(2025, 10, 31));
    assert_eq!(
        announced[0].columns, whole.sheets[0].columns,
        "a sheet is announced with its columns"
    );
}

#[test]
fn a_streamed_read_stops_when_the_receiver_wants_no_more() {
    let bytes = two_sheets(5_000);
    let mut chunks = 0;
    read_ledger_streaming(&bytes, &ReadLimits::default(), None, &mut |event| {
        if matches!(event, LedgerEvent::Rows { .. }) {
            chunks += 1;
        }
        chunks < 2
    })
    .expect("stopping early is not an error");
    assert_eq!(chunks, 2, "nothing is handed over after the sink said stop");
}
