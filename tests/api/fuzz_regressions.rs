//! What fuzzing the ledger reader (tests/fuzz) found, read again on every `cargo test`: each
//! input under tests/fixtures/fuzz/ must end in a file error or a ledger, quickly, and the
//! inputs built here must keep their cost linear in their size.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use zhaoshang::excel::ledger::{ReadLimits, read_ledger};
use zip::write::SimpleFileOptions;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/fuzz");
const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/ledger_sample.xlsx");

/// The sample ledger with its worksheet part replaced by `sheet`, every part deflated.
fn sample_with_sheet(sheet: &[u8]) -> Vec<u8> {
    let sample = std::fs::read(SAMPLE).expect("sample ledger");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(sample)).expect("sample is a zip");
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).expect("sample part");
        let name = entry.name().to_owned();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).expect("sample part inflates");
        writer.start_file(name.as_str(), options).expect("part started");
        if name == "xl/worksheets/sheet1.xml" {
            writer.write_all(sheet).expect("sheet written");
        } else {
            writer.write_all(&content).expect("part written");
        }
    }
    writer.finish().expect("zip written").into_inner()
}

fn sample_sheet() -> String {
    let sample = std::fs::read(SAMPLE).expect("sample ledger");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(sample)).expect("sample is a zip");
    let mut sheet = String::new();
    archive
        .by_name("xl/worksheets/sheet1.xml")
        .expect("sample sheet")
        .read_to_string(&mut sheet)
        .expect("sheet is text");
    sheet
}

#[test]
fn every_fuzz_finding_reads_to_an_error_or_a_ledger() {
    let mut files: Vec<_> = std::fs::read_dir(FIXTURES)
        .expect("tests/fixtures/fuzz")
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fuzz fixtures");
    for path in files {
        let bytes = std::fs::read(&path).expect("fixture");
        let started = Instant::now();
        let outcome = read_ledger(&bytes, &ReadLimits::default());
        let took = started.elapsed();
        match &outcome {
            Ok(ledger) => assert!(ledger.sheets.iter().any(|s| s.imported), "{}", path.display()),
            Err(error) => assert!(!error.message().is_empty(), "{}", path.display()),
        }
        assert!(took < Duration::from_secs(10), "{} took {took:.2?}", path.display());
    }
}

/// The merged-range scan kept everything after a "mergeCell " that no `>` followed yet, and
/// searched it all again on every write: a part with a long attribute there (or a broken
/// part) took time quadratic in its size, minutes for a few MB.
#[test]
fn a_long_tag_after_mergecell_is_scanned_in_linear_time() {
    let sheet = sample_sheet();
    let filler = "a".repeat(16 * 1024 * 1024);
    let bloated = sheet.replacen(
        "<pageMargins",
        &format!("<extLst><ext uri=\"mergeCell {filler}\"/></extLst><pageMargins"),
        1,
    );
    assert_ne!(bloated, sheet, "the sample sheet has page margins");
    let bytes = sample_with_sheet(bloated.as_bytes());

    let started = Instant::now();
    let ledger = read_ledger(&bytes, &ReadLimits::default()).expect("the ledger reads");
    let took = started.elapsed();
    assert_eq!(ledger.rows.len(), 30);
    assert!(took < Duration::from_secs(30), "reading took {took:.2?}");
}
