//! Bad files and bad cells: each rejected or reported with its stable code and exact Chinese
//! message, and nothing panics.

use std::io::{Cursor, Write};

use rust_xlsxwriter::{Formula, Workbook};
use zip::write::SimpleFileOptions;

use super::super::{LedgerFileError, ReadLimits, read_ledger};
use super::*;

fn sample_bytes() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/ledger_sample.xlsx"
    ))
    .expect("sample ledger")
}

fn rejected(bytes: &[u8], limits: &ReadLimits) -> LedgerFileError {
    read_ledger(bytes, limits).expect_err("the file is rejected")
}

fn not_xlsx_reason(bytes: &[u8]) -> String {
    match rejected(bytes, &ReadLimits::default()) {
        LedgerFileError::NotXlsx { reason } => reason,
        other => panic!("expected not_xlsx, got {other:?}"),
    }
}

/// A zip with the given parts, deflated.
fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, content) in parts {
        writer.start_file(*name, options).expect("part started");
        writer.write_all(content).expect("part written");
    }
    writer.finish().expect("zip finished").into_inner()
}

/// Deterministic noise (a linear congruential generator), so failures reproduce.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed;
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 56) as u8
        })
        .collect()
}

#[test]
fn every_file_error_has_a_code_and_a_chinese_message() {
    let cases = [
        (
            LedgerFileError::TooLarge {
                size: 25 * 1024 * 1024,
                limit: 20 * 1024 * 1024,
            },
            "too_large",
            "文件过大：25 MB，上限为 20 MB",
        ),
        (
            LedgerFileError::NotXlsx {
                reason: "文件为空".into(),
            },
            "not_xlsx",
            "文件不是有效的 Excel 工作簿（.xlsx）：文件为空",
        ),
        (
            LedgerFileError::UnzippedTooLarge {
                limit: 200 * 1024 * 1024,
            },
            "unzipped_too_large",
            "文件解压后超过 200 MB，已拒绝读取",
        ),
        (
            LedgerFileError::TooManyRows {
                limit: 200_000,
                sheet: "台账".into(),
            },
            "too_many_rows",
            "数据行数超过上限 200000 行（工作表“台账”）",
        ),
        (
            LedgerFileError::NoLedgerSheet {
                sheets: vec!["说明".into(), "图表".into()],
            },
            "no_ledger_sheet",
            "没有找到台账工作表：工作表 “说明”、“图表” 中都没有可识别的表头（需包含“项目名称”及至少另外两个已知列）",
        ),
    ];
    for (error, code, message) in cases {
        assert_eq!(error.code(), code);
        assert_eq!(error.message(), message);
    }
}

#[test]
fn too_large_is_rejected_before_anything_is_parsed() {
    let limits = ReadLimits {
        max_file_bytes: 1024,
        ..ReadLimits::default()
    };
    let error = rejected(&noise(2048, 1), &limits);
    assert_eq!(
        error,
        LedgerFileError::TooLarge {
            size: 2048,
            limit: 1024
        }
    );
    assert_eq!(error.message(), "文件过大：2048 字节，上限为 1024 字节");
}

#[test]
fn files_that_are_not_xlsx() {
    assert_eq!(not_xlsx_reason(&noise(4096, 7)), "无法识别的文件格式");
    assert_eq!(not_xlsx_reason(b""), "文件为空");
    let csv = "项目名称,投资方,合同投资额\r\n甲项目,甲公司,100\r\n".as_bytes();
    assert_eq!(
        not_xlsx_reason(csv),
        "这是文本文件（可能是改了扩展名的 CSV），请用 Excel 另存为 .xlsx"
    );
    // The same CSV as Excel on Chinese Windows saves it, in GBK.
    let gbk: &[u8] = &[0xCF, 0xEE, 0xC4, 0xBF, 0xC3, 0xFB, 0xB3, 0xC6, b',', b'1', b'\r', b'\n'];
    assert!(not_xlsx_reason(gbk).contains("CSV"));
    let mut xls = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    xls.extend(noise(1024, 3));
    assert_eq!(
        not_xlsx_reason(&xls),
        "这是旧版 Excel 97-2003 工作簿（.xls），请另存为 .xlsx"
    );
    let error = rejected(csv, &ReadLimits::default());
    assert_eq!(error.code(), "not_xlsx");
}

#[test]
fn truncated_downloads_are_not_xlsx_at_every_length() {
    let sample = sample_bytes();
    assert_eq!(
        not_xlsx_reason(&sample[..sample.len() / 2]),
        "压缩包不完整，可能下载或上传中断"
    );
    for len in (0..sample.len()).step_by(97) {
        let error = rejected(&sample[..len], &ReadLimits::default());
        assert_eq!(error.code(), "not_xlsx", "cut at {len}");
    }
}

#[test]
fn zips_that_are_not_workbooks() {
    let plain = zip_of(&[("hello.txt", b"hello")]);
    assert_eq!(not_xlsx_reason(&plain), "压缩包中没有 xl/workbook.xml");
    let xlsb = zip_of(&[("xl/workbook.bin", b"\x00\x01")]);
    assert_eq!(not_xlsx_reason(&xlsb), "这是二进制工作簿（.xlsb），请另存为 .xlsx");
    let garbage = zip_of(&[("xl/workbook.xml", b"<not a workbook")]);
    assert!(not_xlsx_reason(&garbage).starts_with("工作簿内容无法解析"));
}

const MIB: usize = 1024 * 1024;

fn small_unzip_limit() -> ReadLimits {
    ReadLimits {
        max_unzipped_bytes: MIB as u64,
        ..ReadLimits::default()
    }
}

#[test]
fn a_zip_bomb_that_declares_its_size_is_rejected_from_the_directory() {
    let zeros = vec![0u8; 2 * MIB];
    let bomb = zip_of(&[
        ("xl/workbook.xml", b"<workbook/>"),
        ("xl/worksheets/sheet1.xml", &zeros),
    ]);
    assert!(bomb.len() < 20 * 1024, "2 MiB of zeros deflate to a few KiB");
    let error = rejected(&bomb, &small_unzip_limit());
    assert_eq!(error, LedgerFileError::UnzippedTooLarge { limit: MIB as u64 });
    assert_eq!(error.message(), "文件解压后超过 1 MB，已拒绝读取");
}

/// Sets the declared uncompressed size of every entry, in the local headers and the central
/// directory, to `size`: the lie a zip bomb tells.
fn lie_about_sizes(zip: &mut [u8], size: u32) {
    let mut at = 0;
    while at + 4 <= zip.len() {
        let field = match &zip[at..at + 4] {
            b"PK\x03\x04" => Some(at + 22),
            b"PK\x01\x02" => Some(at + 24),
            _ => None,
        };
        if let Some(field) = field {
            zip[field..field + 4].copy_from_slice(&size.to_le_bytes());
        }
        at += 1;
    }
}

#[test]
fn a_zip_bomb_that_lies_about_its_size_is_stopped_while_inflating() {
    let zeros = vec![0u8; 3 * MIB];
    let mut bomb = zip_of(&[
        ("xl/workbook.xml", b"<workbook/>"),
        ("xl/worksheets/sheet1.xml", &zeros),
    ]);
    lie_about_sizes(&mut bomb, 100);
    // The directory now claims 200 bytes in all.
    let mut archive = zip::ZipArchive::new(Cursor::new(&bomb[..])).unwrap();
    let declared: u64 = (0..archive.len())
        .map(|i| archive.by_index_raw(i).unwrap().size())
        .sum();
    assert_eq!(declared, 200);
    assert_eq!(
        rejected(&bomb, &small_unzip_limit()),
        LedgerFileError::UnzippedTooLarge { limit: MIB as u64 }
    );
}

#[test]
fn the_unzip_limit_counts_all_parts_together() {
    let half = vec![b'x'; MIB / 2 + 1];
    let parts = zip_of(&[
        ("xl/workbook.xml", b"<workbook/>"),
        ("xl/a.xml", &half),
        ("xl/b.xml", &half),
    ]);
    assert_eq!(rejected(&parts, &small_unzip_limit()).code(), "unzipped_too_large");
    // The real sample passes under a limit just above its own size.
    let sample = sample_bytes();
    let limits = ReadLimits {
        max_unzipped_bytes: 200 * 1024,
        ..ReadLimits::default()
    };
    assert!(read_ledger(&sample, &limits).is_ok());
}

fn ledger_with_rows(rows: u32) -> Vec<u8> {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("台账").unwrap();
    strings(ws, 0, &["项目名称", "投资方", "合同投资额"]);
    for r in 1..=rows {
        strings(ws, r, &[&format!("项目{r}"), "某公司", "100"]);
    }
    save(&mut book)
}

#[test]
fn too_many_rows() {
    let limits = ReadLimits {
        max_rows: 10,
        ..ReadLimits::default()
    };
    assert_eq!(read_ledger(&ledger_with_rows(10), &limits).unwrap().rows.len(), 10);
    let error = rejected(&ledger_with_rows(11), &limits);
    assert_eq!(
        error,
        LedgerFileError::TooManyRows {
            limit: 10,
            sheet: "台账".into()
        }
    );

    // Blank rows count: one stray cell a million rows down is too many under the default.
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    strings(ws, 0, &["项目名称", "投资方", "合同投资额"]);
    strings(ws, 1, &["甲", "甲公司", "1"]);
    ws.write_string(1_000_000, 0, "迷路的单元格").unwrap();
    assert_eq!(
        rejected(&save(&mut book), &ReadLimits::default()).code(),
        "too_many_rows"
    );

    // The limit is for the whole file, over all sheets.
    let mut book = Workbook::new();
    for name in ["一", "二"] {
        let ws = book.add_worksheet();
        ws.set_name(name).unwrap();
        strings(ws, 0, &["项目名称", "投资方", "合同投资额"]);
        for r in 1..=6 {
            strings(ws, r, &[&format!("{name}{r}"), "某公司", "1"]);
        }
    }
    assert_eq!(
        rejected(&save(&mut book), &limits),
        LedgerFileError::TooManyRows {
            limit: 10,
            sheet: "二".into()
        }
    );
}

#[test]
fn no_ledger_sheet() {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("说明").unwrap();
    strings(ws, 0, &["填表说明"]);
    strings(ws, 1, &["项目名称", "备注"]);
    let error = rejected(&save(&mut book), &ReadLimits::default());
    assert_eq!(
        error,
        LedgerFileError::NoLedgerSheet {
            sheets: vec!["说明".into()]
        }
    );
}

#[test]
fn the_brief_example_message() {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    let mut header = vec![""; 13];
    header[0] = "序号";
    header[1] = "项目名称";
    header[2] = "投资方";
    header[12] = "签约时间";
    strings(ws, 0, &header);
    for r in 1..11 {
        strings(ws, r, &["", &format!("项目{r}"), "某公司"]);
    }
    let mut bad = vec![""; 13];
    bad[1] = "坏日期项目";
    bad[12] = "2025.13.01";
    strings(ws, 11, &bad);
    let ledger = read(&save(&mut book));
    assert_eq!(ledger.errors.len(), 1);
    let error = &ledger.errors[0];
    assert_eq!(error.message, "第12行 M列 签约时间: 无法识别的日期 '2025.13.01'");
    assert_eq!(
        (
            error.code,
            error.row,
            error.column.as_str(),
            error.header.as_str(),
            error.value.as_str()
        ),
        ("invalid_date", 12, "M", "签约时间", "2025.13.01")
    );
    assert_eq!(error.sheet, "Sheet1");
    // The row is still returned, without the unreadable date.
    assert_eq!(row(&ledger, "坏日期项目").values.signed_on, None);
}

#[test]
fn too_long_cells_formula_errors_and_other_bad_cells() {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    strings(
        ws,
        0,
        &[
            "项目名称",
            "投资方",
            "合同投资额",
            "项目阶段",
            "协议类型",
            "用地面积",
            "签约时间",
        ],
    );
    let long_name = "长".repeat(5000);
    strings(ws, 1, &[&long_name, "甲公司"]);
    strings(
        ws,
        2,
        &[
            "乙",
            &"很长的投资方名称".repeat(2),
            "1亿美元",
            "搁置",
            "意向书",
            "-3亩",
            "昨天",
        ],
    );
    strings(ws, 3, &["丙"]);
    ws.write_formula(3, 2, Formula::new("=1/0").set_result("#DIV/0!"))
        .unwrap();
    ws.write_boolean(3, 6, true).unwrap();

    let limits = ReadLimits {
        max_cell_chars: 10,
        ..ReadLimits::default()
    };
    let ledger = read_ledger(&save(&mut book), &limits).unwrap();
    let cut = format!("{}…", "长".repeat(100));
    assert_eq!(
        errors(&ledger),
        vec![
            ("cell_too_long", format!("第2行 A列 项目名称: 内容超过10个字符 '{cut}'")),
            (
                "cell_too_long",
                format!("第3行 B列 投资方: 内容超过10个字符 '{}'", "很长的投资方名称".repeat(2))
            ),
            (
                "invalid_amount",
                "第3行 C列 合同投资额: 无法识别的金额 '1亿美元'".into()
            ),
            ("unknown_stage", "第3行 D列 项目阶段: 无法识别的项目阶段 '搁置'".into()),
            (
                "unknown_agreement_type",
                "第3行 E列 协议类型: 无法识别的协议类型 '意向书'".into()
            ),
            (
                "negative_land_area",
                "第3行 F列 用地面积: 用地面积不能为负数 '-3亩'".into()
            ),
            ("invalid_date", "第3行 G列 签约时间: 无法识别的日期 '昨天'".into()),
            (
                "formula_error",
                "第4行 C列 合同投资额: 单元格是公式错误 '#DIV/0!'".into()
            ),
            ("invalid_date", "第4行 G列 签约时间: 无法识别的日期 'TRUE'".into()),
        ]
    );
    assert_eq!(ledger.errors[0].value.chars().count(), 101);
    // A name too long to read leaves no row; the others are returned with what could be read.
    let names: Vec<&str> = ledger.rows.iter().filter_map(|r| r.values.name.as_deref()).collect();
    assert_eq!(names, vec!["乙", "丙"]);
    assert_eq!(row(&ledger, "乙").values.investor, None);
    assert_eq!(row(&ledger, "乙").values.stage, None);
}

#[test]
fn damaged_files_never_panic() {
    let sample = sample_bytes();
    for seed in 0..300u64 {
        let mut bytes = sample.clone();
        let flips = noise(8, seed);
        for pair in flips.chunks(2) {
            let at = (usize::from(pair[0]) << 8 | usize::from(pair[1])) * 7 % bytes.len();
            bytes[at] ^= pair[1] | 1;
        }
        // Either outcome is fine; a panic fails the test.
        let _ = read_ledger(&bytes, &ReadLimits::default());
    }
    for seed in 0..50u64 {
        let _ = read_ledger(&noise(3000, seed), &ReadLimits::default());
        let mut prefixed = b"PK\x03\x04".to_vec();
        prefixed.extend(noise(3000, seed));
        let _ = read_ledger(&prefixed, &ReadLimits::default());
    }
}
