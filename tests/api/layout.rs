//! The codebase's shape, checked: no source file over 800 lines, `unsafe` code only in the one
//! module that configures SQLite through its C API, and the rules that must be written once
//! (a date not later than today, the project code, a workbook cell's text) written once.

use std::fs;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// Every `.rs` file under `src/`, with its path relative to the crate and its text.
fn sources() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = fs::read_to_string(&path).expect("a source file is UTF-8");
            let name = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
            (name, text)
        })
        .collect()
}

/// The lines of `text` that are code, not comments.
fn code_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().filter(|line| !line.trim_start().starts_with("//"))
}

#[test]
fn no_source_file_is_over_800_lines() {
    let long: Vec<String> = sources()
        .into_iter()
        .filter(|(_, text)| text.lines().count() > 800)
        .map(|(name, text)| format!("{name}: {} lines", text.lines().count()))
        .collect();
    assert!(long.is_empty(), "split these by concern: {long:?}");
}

#[test]
fn unsafe_code_lives_in_one_module() {
    const ALLOWED: &str = "src/db/sqlite_memory.rs";
    let elsewhere: Vec<String> = sources()
        .into_iter()
        .filter(|(name, text)| {
            name != ALLOWED && code_lines(text).any(|l| l.contains("unsafe ") || l.contains("unsafe_code"))
        })
        .map(|(name, _)| name)
        .collect();
    assert!(elsewhere.is_empty(), "unsafe code outside {ALLOWED}: {elsewhere:?}");
    let manifest = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    assert!(
        manifest.contains("unsafe_code = \"deny\""),
        "the workspace denies unsafe code"
    );
}

#[test]
fn the_future_date_rule_is_written_once() {
    let holders: Vec<String> = sources()
        .into_iter()
        .filter(|(_, text)| code_lines(text).any(|l| l.contains("> today") || l.contains("later than today")))
        .map(|(name, _)| name)
        .collect();
    assert_eq!(
        holders,
        ["src/domain/date.rs"],
        "compare with today only through domain::date::PastDate"
    );
}

#[test]
fn the_project_code_rule_is_written_once() {
    let holders: Vec<String> = sources()
        .into_iter()
        .filter(|(_, text)| code_lines(text).any(|l| l.contains("is_ascii_alphanumeric() || matches!(c, '-' | '_')")))
        .map(|(name, _)| name)
        .collect();
    assert_eq!(
        holders,
        ["src/domain/project.rs"],
        "check codes only through domain::project"
    );
}

#[test]
fn every_workbook_text_goes_through_the_cell_helper() {
    // Excel's limit on a cell's text is handled once, in excel::cell; the ledger reader's tests
    // build workbooks of their own.
    let raw: Vec<String> = sources()
        .into_iter()
        .filter(|(name, _)| {
            name.starts_with("src/excel/")
                && name != "src/excel/cell.rs"
                && !name.starts_with("src/excel/ledger/tests/")
        })
        .filter(|(_, text)| {
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            code_lines(code).any(|l| l.contains(".write_string") || l.contains(".merge_range("))
        })
        .map(|(name, _)| name)
        .collect();
    assert!(raw.is_empty(), "write text through excel::cell::write_text: {raw:?}");
}
