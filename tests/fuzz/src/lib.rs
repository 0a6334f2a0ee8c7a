//! What the fuzz targets do with an input: read it as a ledger under the default limits and
//! check the promises the reader documents (a clean error or a ledger whose rows, errors and
//! amounts keep to their contracts), and the zip-aware mutator that lets libFuzzer change
//! the XML parts of an .xlsx rather than its compressed bytes.

use std::collections::HashSet;
use std::io::{Cursor, Read, Write};
use std::sync::{Mutex, Once};

use chrono::NaiveDate;
use zhaoshang::excel::ledger::{Ledger, ReadLimits, read_ledger_as_of};
use zip::write::SimpleFileOptions;

/// The as-of date some inputs are read with (the import's `as_of` option).
fn as_of_option(data: &[u8]) -> Option<NaiveDate> {
    // A third of the inputs, chosen by their length so the choice is reproducible.
    (data.len() % 3 == 0).then(|| NaiveDate::from_ymd_opt(2025, 6, 30).expect("valid date"))
}

/// Where a panic is the parser's, which the reader turns into a file error
/// (`read_ledger_as_of` catches it): calamine and the XML parser it drives.
const PARSERS: [&str; 2] = ["/calamine-", "/quick-xml-"];

/// Lets panics raised inside [`PARSERS`] unwind to the reader, noting each place once; any
/// other panic is a bug of ours and goes to libFuzzer's hook, which aborts.
fn let_parser_panics_unwind() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let fuzzer_hook = std::panic::take_hook();
        let seen = Mutex::new(HashSet::new());
        std::panic::set_hook(Box::new(move |info| {
            let place = info.location().map(|l| (l.file().to_owned(), l.line()));
            match place {
                Some((file, line)) if PARSERS.iter().any(|p| file.contains(p)) => {
                    if seen.lock().is_ok_and(|mut seen| seen.insert((file.clone(), line))) {
                        eprintln!("parser panic, read as a damaged file: {info}");
                    }
                }
                _ => fuzzer_hook(info),
            }
        }));
    });
}

/// Reads `data` as a ledger and panics when the outcome breaks a documented promise.
pub fn read_and_check(data: &[u8]) {
    let_parser_panics_unwind();
    let limits = ReadLimits::default();
    let as_of = as_of_option(data);
    match read_ledger_as_of(data, &limits, as_of) {
        Ok(ledger) => check_ledger(&ledger, &limits, as_of),
        Err(error) => {
            assert!(!error.code().is_empty());
            assert!(!error.message().is_empty());
        }
    }
}

fn check_ledger(ledger: &Ledger, limits: &ReadLimits, as_of: Option<NaiveDate>) {
    assert!(ledger.sheets.iter().any(|s| s.imported), "Ok without an imported sheet");
    assert!(ledger.rows.len() <= limits.max_rows, "more rows than the limit");
    let read: usize = ledger.sheets.iter().map(|s| s.rows_read as usize).sum();
    assert!(read <= limits.max_rows, "rows read past the limit: {read}");
    let projects: usize = ledger.sheets.iter().map(|s| s.projects as usize).sum();
    assert_eq!(
        projects,
        ledger.rows.len(),
        "sheet project counts disagree with the rows"
    );
    if as_of.is_some() {
        assert_eq!(ledger.as_of, as_of, "the caller's as-of date wins");
    }
    for row in &ledger.rows {
        let values = &row.values;
        let name = values.name.as_deref().expect("a returned row has a project name");
        assert!(!name.trim().is_empty(), "row {} has a blank project name", row.row);
        assert!(row.row >= 1, "rows are 1-based");
        assert!(values.stage.is_some() || ledger.errors.iter().any(|e| e.row == row.row && e.sheet == row.sheet));
        for text in [
            &values.code,
            &values.name,
            &values.investor,
            &values.credit_code,
            &values.cluster,
            &values.park,
            &values.team,
            &values.sponsoring_leader,
            &values.owner,
            &values.source,
            &values.progress,
            &values.issues,
            &values.notes,
        ]
        .into_iter()
        .flatten()
        {
            assert!(
                text.chars().count() <= limits.max_cell_chars,
                "a text past the cell limit"
            );
        }
        for amount in [
            values.planned_investment,
            values.contracted_investment,
            values.funds_this_year,
            values.funds_cumulative,
            values.promised_output,
            values.promised_tax,
        ]
        .into_iter()
        .flatten()
        {
            assert!(amount.scale() <= 4, "amount {amount} has more than 4 decimals");
            assert!(
                amount.is_sign_positive() || amount.is_zero(),
                "negative amount {amount}"
            );
        }
        if let Some(area) = values.land_area {
            assert!(area.scale() <= 2, "land area {area} has more than 2 decimals");
            assert!(area.is_sign_positive() || area.is_zero(), "negative land area {area}");
        }
        if let Some(as_of) = as_of {
            for actual in [
                values.negotiating_since,
                values.signed_on,
                values.actual_start,
                values.actual_production,
                values.effective_on,
            ]
            .into_iter()
            .flatten()
            {
                assert!(actual <= as_of, "actual date {actual} after the as-of date {as_of}");
            }
        }
    }
    for error in &ledger.errors {
        assert!(!error.message.is_empty());
        assert!(error.row >= 1, "rows are 1-based");
        // Quoted values are cut to 100 characters, plus the ellipsis.
        assert!(
            error.value.chars().count() <= 101,
            "{} quotes {} characters",
            error.code,
            error.value.chars().count()
        );
    }
}

/// Mutates one part of the .xlsx in `data[..size]` with libFuzzer's own mutator and writes
/// the container back (stored, uncompressed); returns the new size. Inputs that are not a
/// zip, or that would not fit in `max_size`, get libFuzzer's byte-level mutation instead.
pub fn mutate_part(data: &mut [u8], size: usize, max_size: usize, seed: u32) -> usize {
    match mutated_container(&data[..size], max_size, seed) {
        Some(container) => {
            data[..container.len()].copy_from_slice(&container);
            container.len()
        }
        None => libfuzzer_sys::fuzzer_mutate(data, size, max_size),
    }
}

fn mutated_container(input: &[u8], max_size: usize, seed: u32) -> Option<Vec<u8>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(input)).ok()?;
    let mut parts = Vec::with_capacity(archive.len());
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).ok()?;
        let mut content = Vec::new();
        entry.by_ref().take(max_size as u64).read_to_end(&mut content).ok()?;
        parts.push((entry.name().to_owned(), content));
    }
    if parts.is_empty() {
        return None;
    }
    let chosen = choose_part(&parts, seed);
    let content = &mut parts[chosen].1;
    let len = content.len();
    let room = max_size.saturating_sub(input.len()).max(64);
    content.resize(len + room, 0);
    let new_len = libfuzzer_sys::fuzzer_mutate(content, len, len + room);
    content.truncate(new_len);

    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::with_capacity(max_size)));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, content) in &parts {
        writer.start_file(name.as_str(), options).ok()?;
        writer.write_all(content).ok()?;
    }
    let container = writer.finish().ok()?.into_inner();
    (container.len() <= max_size).then_some(container)
}

/// Worksheets half of the time, the other parts the reader looks at (shared strings,
/// workbook, relationships, styles) most of the rest.
fn choose_part(parts: &[(String, Vec<u8>)], seed: u32) -> usize {
    let of = |pred: &dyn Fn(&str) -> bool| -> Vec<usize> {
        parts
            .iter()
            .enumerate()
            .filter(|(_, (name, _))| pred(name))
            .map(|(i, _)| i)
            .collect()
    };
    let sheets = of(&|n| n.starts_with("xl/worksheets/") && n.ends_with(".xml"));
    let read = of(&|n| {
        matches!(
            n,
            "xl/sharedStrings.xml" | "xl/workbook.xml" | "xl/_rels/workbook.xml.rels" | "xl/styles.xml"
        )
    });
    let all: Vec<usize> = (0..parts.len()).collect();
    let pool = match seed % 8 {
        0..=3 if !sheets.is_empty() => &sheets,
        4..=6 if !read.is_empty() => &read,
        _ => &all,
    };
    pool[(seed as usize / 8) % pool.len()]
}
