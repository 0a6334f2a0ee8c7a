//! The zip container of an .xlsx, checked before any XML parser sees it: that it is a zip,
//! that it holds a workbook, and that its parts stay under the unzipped-size limit both as
//! declared in the central directory and as actually decompressed (a zip bomb lies in its
//! declared sizes).

use std::collections::HashMap;
use std::io::{self, Cursor, Read};

use calamine::Dimensions;

use super::error::{LedgerFileError, ReadLimits};
use super::merges;

/// The merged ranges of each worksheet, by sheet name, found while checking; a sheet missing
/// here is left to calamine.
pub(crate) type SheetMerges = HashMap<String, Vec<Dimensions>>;

/// Checks `bytes` as an .xlsx container under `limits`; decompresses every part once, never
/// holding more than a small buffer, and collects the worksheets' merged ranges on the way.
pub(crate) fn check_container(bytes: &[u8], limits: &ReadLimits) -> Result<SheetMerges, LedgerFileError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| not_xlsx(bytes))?;

    let has_workbook = archive
        .file_names()
        .any(|name| name.replace('\\', "/").eq_ignore_ascii_case("xl/workbook.xml"));
    if !has_workbook {
        let reason = if archive
            .file_names()
            .any(|name| name.eq_ignore_ascii_case("xl/workbook.bin"))
        {
            "这是二进制工作簿（.xlsb），请另存为 .xlsx"
        } else {
            "压缩包中没有 xl/workbook.xml"
        };
        return Err(LedgerFileError::NotXlsx {
            reason: reason.to_owned(),
        });
    }

    let too_large = LedgerFileError::UnzippedTooLarge {
        limit: limits.max_unzipped_bytes,
    };

    // Declared sizes first: cheap, and rejects an honest bomb without inflating anything.
    let mut declared: u64 = 0;
    for index in 0..archive.len() {
        let entry = archive.by_index_raw(index).map_err(|e| damaged(&e))?;
        declared = declared.saturating_add(entry.size());
        if declared > limits.max_unzipped_bytes {
            return Err(too_large);
        }
    }

    // Sheet parts by path, to collect their merged ranges while inflating them.
    let sheets_by_part: HashMap<String, String> = merges::sheet_parts(&mut archive)
        .unwrap_or_default()
        .into_iter()
        .map(|(name, part)| (part, name))
        .collect();
    let mut found = SheetMerges::new();

    // Then what the parts really inflate to, stopping one byte past the limit.
    let mut actual: u64 = 0;
    for index in 0..archive.len() {
        let entry = archive.by_index(index).map_err(|e| damaged(&e))?;
        if entry.is_dir() {
            continue;
        }
        let sheet = sheets_by_part.get(entry.name()).cloned();
        let allowance = limits.max_unzipped_bytes - actual;
        let corrupt = |e: io::Error| LedgerFileError::NotXlsx {
            reason: format!("压缩包已损坏（{e}）"),
        };
        let inflated = match sheet {
            Some(name) => {
                let mut scanner = merges::MergeScanner::default();
                let inflated = io::copy(&mut entry.take(allowance + 1), &mut scanner).map_err(corrupt)?;
                found.insert(name, scanner.found);
                inflated
            }
            None => io::copy(&mut entry.take(allowance + 1), &mut io::sink()).map_err(corrupt)?,
        };
        actual += inflated;
        if actual > limits.max_unzipped_bytes {
            return Err(too_large);
        }
    }
    Ok(found)
}

fn damaged(error: &zip::result::ZipError) -> LedgerFileError {
    LedgerFileError::NotXlsx {
        reason: format!("压缩包已损坏（{error}）"),
    }
}

/// Names the likely cause of a file that is not a zip at all.
fn not_xlsx(bytes: &[u8]) -> LedgerFileError {
    const OLE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    let reason = if bytes.is_empty() {
        "文件为空"
    } else if bytes.starts_with(&OLE) {
        "这是旧版 Excel 97-2003 工作簿（.xls），请另存为 .xlsx"
    } else if bytes.starts_with(b"PK") {
        "压缩包不完整，可能下载或上传中断"
    } else if looks_like_text(bytes) {
        "这是文本文件（可能是改了扩展名的 CSV），请用 Excel 另存为 .xlsx"
    } else {
        "无法识别的文件格式"
    };
    LedgerFileError::NotXlsx {
        reason: reason.to_owned(),
    }
}

/// Text files (UTF-8 or GBK CSV alike) have no control bytes other than tab and line breaks.
fn looks_like_text(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .take(4096)
        .all(|&b| b >= 0x20 || matches!(b, b'\t' | b'\n' | b'\r' | 0x0C))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_detection_accepts_utf8_and_gbk_csv() {
        let mut utf8 = "项目名称,投资方\r\n".repeat(400).into_bytes();
        utf8.truncate(4096 + 10);
        assert!(looks_like_text(&utf8));
        // "项目名称" in GBK.
        assert!(looks_like_text(&[0xCF, 0xEE, 0xC4, 0xBF, 0xC3, 0xFB, 0xB3, 0xC6, b',']));
        assert!(!looks_like_text(&[0xFF, 0x00, 0x13, 0x88]));
    }
}
