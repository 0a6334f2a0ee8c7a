//! The limits a ledger upload is read under, and the errors that reject a whole file.

use serde::Serialize;

/// How much a ledger file may cost to read. Every limit is checked before the work it guards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ReadLimits {
    /// Largest accepted .xlsx file, in bytes (the upload itself).
    pub max_file_bytes: usize,
    /// Largest total size of the decompressed zip parts, in bytes, declared or actual.
    pub max_unzipped_bytes: u64,
    /// Most rows read below the header, over all imported sheets together.
    pub max_rows: usize,
    /// Longest text accepted in one cell, in characters: by default the longest any text field
    /// takes (`domain::text::PROSE`); each field's own limit is checked after.
    pub max_cell_chars: usize,
}

impl ReadLimits {
    /// The default largest file: 20 MiB.
    pub const DEFAULT_MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
}

impl Default for ReadLimits {
    /// 20 MiB file, 200 MiB unzipped, 200,000 rows, 4,000 characters per cell.
    fn default() -> Self {
        Self {
            max_file_bytes: Self::DEFAULT_MAX_FILE_BYTES,
            max_unzipped_bytes: 200 * 1024 * 1024,
            max_rows: 200_000,
            max_cell_chars: crate::domain::text::PROSE,
        }
    }
}

/// Why a whole ledger file was rejected; nothing of such a file may be stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerFileError {
    /// The upload is larger than [`ReadLimits::max_file_bytes`].
    #[error("文件过大：{}，上限为 {}", human_bytes(*size as u64), human_bytes(*limit as u64))]
    TooLarge {
        /// Size of the upload in bytes.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// Not an .xlsx workbook: CSV renamed, truncated download, old .xls, random bytes, or a
    /// workbook whose parts cannot be parsed.
    #[error("文件不是有效的 Excel 工作簿（.xlsx）：{reason}")]
    NotXlsx {
        /// What is wrong with it, in Chinese.
        reason: String,
    },
    /// The zip parts declare, or actually decompress to, more than
    /// [`ReadLimits::max_unzipped_bytes`].
    #[error("文件解压后超过 {}，已拒绝读取", human_bytes(*limit))]
    UnzippedTooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// More rows below the header than [`ReadLimits::max_rows`].
    #[error("数据行数超过上限 {limit} 行（工作表“{sheet}”）")]
    TooManyRows {
        /// The limit.
        limit: usize,
        /// The sheet being read when the limit was passed.
        sheet: String,
    },
    /// No sheet has a header row with 项目名称 and at least two other known columns.
    #[error("没有找到台账工作表：工作表 {} 中都没有可识别的表头（需包含“项目名称”及至少另外两个已知列）", sheet_list(.sheets))]
    NoLedgerSheet {
        /// Names of the sheets that were looked at.
        sheets: Vec<String>,
    },
}

impl LedgerFileError {
    /// Stable snake_case code, for API error bodies and tests.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "too_large",
            Self::NotXlsx { .. } => "not_xlsx",
            Self::UnzippedTooLarge { .. } => "unzipped_too_large",
            Self::TooManyRows { .. } => "too_many_rows",
            Self::NoLedgerSheet { .. } => "no_ledger_sheet",
        }
    }

    /// The message for the user, in Chinese.
    pub fn message(&self) -> String {
        self.to_string()
    }
}

fn human_bytes(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MB", bytes / MIB)
    } else if bytes >= MIB {
        format!("{:.1} MB", bytes as f64 / MIB as f64)
    } else {
        format!("{bytes} 字节")
    }
}

fn sheet_list(sheets: &[String]) -> String {
    if sheets.is_empty() {
        "（无）".to_owned()
    } else {
        sheets.iter().map(|s| format!("“{s}”")).collect::<Vec<_>>().join("、")
    }
}
