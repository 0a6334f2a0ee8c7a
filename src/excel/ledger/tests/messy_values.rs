//! Messy cell values as teams really type them, in workbooks built in memory: amounts with
//! units in headers and cells, the title's unit, every date form and empty marker, every stage
//! word and agreement type.

use entity::enums::{AgreementType, Stage};
use rust_xlsxwriter::Workbook;

use super::super::{LedgerField, SkipReason, Unit};
use super::*;

#[test]
fn amounts_with_units_in_headers_and_cells() {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    strings(ws, 0, &["统计截至：2025年10月31日  单位：万元"]);
    strings(
        ws,
        1,
        &[
            "项目名称",
            "合同投资额(亿元)",
            "计划投资额（万元）",
            "本年到位资金(元)",
            "累计到位资金",
        ],
    );
    strings(ws, 2, &["一号"]);
    ws.write_number(2, 1, 1.2345678).unwrap();
    strings(ws, 2, &["", "", "1.2亿"]);
    ws.write_number(2, 3, 12345678).unwrap();
    strings(ws, 2, &["", "", "", "", "5000万元"]);
    strings(ws, 3, &["二号", "约2亿", "1,234.5", "12345678元", "１２３４．５"]);
    strings(ws, 4, &["三号", "5000万元", "约为3亿元"]);
    ws.write_number(4, 3, 0.5).unwrap();
    strings(ws, 4, &["", "", "", "", "大约1，000万"]);
    strings(ws, 5, &["四号"]);
    ws.write_number(5, 1, 0.000000005).unwrap();
    ws.write_number(5, 2, 1.23456789).unwrap();
    strings(ws, 5, &["", "", "", "1.0196E+5", "0.00005"]);
    strings(ws, 6, &["五号", "-5", "五千万", "12亿美元", "-0.1万元"]);

    let ledger = read(&save(&mut book));
    let units: Vec<Unit> = ledger.sheets[0].columns.iter().map(|c| c.unit).collect();
    assert_eq!(
        units,
        vec![Unit::NotApplicable, Unit::Yi, Unit::Wan, Unit::Yuan, Unit::Wan]
    );
    let amounts = |name: &str| {
        let v = &row(&ledger, name).values;
        [
            v.contracted_investment,
            v.planned_investment,
            v.funds_this_year,
            v.funds_cumulative,
        ]
        .map(|d| d.map(|d| d.to_string()).unwrap_or_default())
    };
    assert_eq!(amounts("一号"), ["12345.6780", "12000.0000", "1234.5678", "5000.0000"]);
    assert_eq!(amounts("二号"), ["20000.0000", "1234.5000", "1234.5678", "1234.5000"]);
    assert_eq!(amounts("三号"), ["5000.0000", "30000.0000", "0.0001", "1000.0000"]);
    assert_eq!(amounts("四号"), ["0.0001", "1.2346", "10.1960", "0.0001"]);
    assert_eq!(amounts("五号"), ["", "", "", ""]);
    assert_eq!(
        errors(&ledger),
        vec![
            (
                "negative_amount",
                "第7行 B列 合同投资额(亿元): 金额不能为负数 '-5'".into()
            ),
            (
                "invalid_amount",
                "第7行 C列 计划投资额(万元): 无法识别的金额 '五千万'".into()
            ),
            (
                "invalid_amount",
                "第7行 D列 本年到位资金(元): 无法识别的金额 '12亿美元'".into()
            ),
            (
                "negative_amount",
                "第7行 E列 累计到位资金: 金额不能为负数 '-0.1万元'".into()
            ),
        ]
    );
}

#[test]
fn title_unit_applies_to_amount_columns_without_one() {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    merged(ws, (0, 0), (0, 3), "2025年重点项目台账（单位：亿元）");
    strings(
        ws,
        1,
        &["项目名称", "合同投资额", "累计到位（万元）", "用地面积(平方米)"],
    );
    strings(ws, 2, &["一号", "1.5", "300", "6667"]);
    let ledger = read(&save(&mut book));
    let v = &row(&ledger, "一号").values;
    assert_eq!(v.contracted_investment, wan("15000.0000"));
    assert_eq!(v.funds_cumulative, wan("300.0000"));
    assert_eq!(v.land_area, wan("10.00"));
    assert_eq!(ledger.sheets[0].amount_unit, Unit::Yi);
}

#[test]
fn every_date_form() {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    strings(ws, 0, &["统计截至：2025年12月31日"]);
    strings(ws, 1, &["项目名称", "洽谈时间", "约定投产时间", "签约日期"]);
    let date_format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    let forms: [(&str, Option<chrono::NaiveDate>); 13] = [
        ("2025.3.15", ymd(2025, 3, 15)),
        ("2025/3/15", ymd(2025, 3, 15)),
        ("2025-03-15", ymd(2025, 3, 15)),
        ("2025年3月15日", ymd(2025, 3, 15)),
        ("2025年3月", ymd(2025, 3, 1)),
        ("2025.3", ymd(2025, 3, 1)),
        ("2025-03", ymd(2025, 3, 1)),
        ("202503", ymd(2025, 3, 1)),
        ("20250315", ymd(2025, 3, 15)),
        ("２０２５．３．１５", ymd(2025, 3, 15)),
        (" 2025 年 3 月 15 日 ", ymd(2025, 3, 15)),
        ("2025/03/15 00:00:00", ymd(2025, 3, 15)),
        ("2025年3月15号", ymd(2025, 3, 15)),
    ];
    let mut r = 2;
    for (text, _) in &forms {
        strings(ws, r, &[&format!("文本{r}"), text]);
        r += 1;
    }
    // A real date cell, a date cell without a date format (a serial), serials typed as
    // numbers, and numbers typed as yyyymmdd, yyyymm and yyyy.m.
    let day = chrono::NaiveDate::from_ymd_opt(2025, 7, 2).unwrap();
    ws.write_string(r, 0, "日期单元格").unwrap();
    ws.write_datetime_with_format(r, 1, day, &date_format).unwrap();
    ws.write_string(r + 1, 0, "无格式日期").unwrap();
    ws.write_datetime(r + 1, 1, day).unwrap();
    ws.write_string(r + 2, 0, "序列号").unwrap();
    ws.write_number(r + 2, 1, 45840).unwrap();
    ws.write_string(r + 3, 0, "八位数").unwrap();
    ws.write_number(r + 3, 1, 20250702).unwrap();
    ws.write_string(r + 4, 0, "六位数").unwrap();
    ws.write_number(r + 4, 1, 202507).unwrap();
    ws.write_string(r + 5, 0, "年点月").unwrap();
    ws.write_number(r + 5, 1, 2025.7).unwrap();
    // Promised dates may lie after the as-of date; actual ones may not.
    strings(ws, r + 6, &["未来", "2026.1.1", "2027.6.1", "2026-01-05"]);
    strings(ws, r + 7, &["错误", "2025.13.01", "明年", "2025.2.30"]);

    let ledger = read(&save(&mut book));
    for (i, (text, expected)) in forms.iter().enumerate() {
        let v = &row(&ledger, &format!("文本{}", i + 2)).values;
        assert_eq!(v.negotiating_since, *expected, "{text}");
    }
    for name in ["日期单元格", "无格式日期", "序列号", "八位数"] {
        assert_eq!(row(&ledger, name).values.negotiating_since, ymd(2025, 7, 2), "{name}");
    }
    for name in ["六位数", "年点月"] {
        assert_eq!(row(&ledger, name).values.negotiating_since, ymd(2025, 7, 1), "{name}");
    }
    let future = &row(&ledger, "未来").values;
    assert_eq!(future.negotiating_since, None);
    assert_eq!(future.promised_production, ymd(2027, 6, 1));
    assert_eq!(future.signed_on, None);
    assert_eq!(future.stage, Some(Stage::Lead));
    let fr = r + 7;
    let er = r + 8;
    assert_eq!(
        errors(&ledger),
        vec![
            (
                "date_after_as_of",
                format!("第{fr}行 B列 洽谈时间: 日期晚于台账截至日期2025-12-31 '2026.1.1'")
            ),
            (
                "date_after_as_of",
                format!("第{fr}行 D列 签约日期: 日期晚于台账截至日期2025-12-31 '2026-01-05'")
            ),
            (
                "invalid_date",
                format!("第{er}行 B列 洽谈时间: 无法识别的日期 '2025.13.01'")
            ),
            (
                "invalid_date",
                format!("第{er}行 C列 约定投产时间: 无法识别的日期 '明年'")
            ),
            (
                "invalid_date",
                format!("第{er}行 D列 签约日期: 无法识别的日期 '2025.2.30'")
            ),
        ]
    );
}

#[test]
fn every_empty_marker_in_every_kind_of_column() {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    let header = [
        "项目名称",
        "投资方",
        "项目阶段",
        "协议类型",
        "签约时间",
        "约定开工时间",
        "合同投资额",
        "用地面积",
        "存在问题",
    ];
    strings(ws, 0, &header);
    let markers = ["-", "—", "/", "无", "暂无", "空", " ", "－", "——", "／"];
    for (i, marker) in markers.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, format!("项目{r}")).unwrap();
        for col in 1..header.len() {
            ws.write_string(r, col as u16, *marker).unwrap();
        }
    }
    // Markers everywhere, the name included: a blank row.
    let last = markers.len() as u32 + 1;
    for col in 0..header.len() {
        ws.write_string(last, col as u16, "-").unwrap();
    }
    ws.write_string(last + 1, 0, "收尾项目").unwrap();

    let ledger = read(&save(&mut book));
    assert_eq!(ledger.errors, vec![]);
    assert_eq!(ledger.rows.len(), markers.len() + 1);
    for found in &ledger.rows {
        let expected = super::super::LedgerValues {
            name: found.values.name.clone(),
            stage: Some(Stage::Lead),
            stage_inferred: true,
            ..Default::default()
        };
        assert_eq!(*found.values, expected, "row {}", found.row);
        assert_eq!(found.present.iter().collect::<Vec<_>>(), vec![LedgerField::Name]);
    }
    assert_eq!(ledger.skipped.len(), 1);
    assert_eq!(
        (ledger.skipped[0].row, ledger.skipped[0].reason),
        (last + 1, SkipReason::Blank)
    );
}

#[test]
fn every_stage_word_and_inference_from_dates() {
    let words: [(&str, Stage); 35] = [
        ("线索", Stage::Lead),
        ("信息", Stage::Lead),
        ("储备", Stage::Lead),
        ("在谈", Stage::Negotiating),
        ("洽谈", Stage::Negotiating),
        ("洽谈中", Stage::Negotiating),
        ("在洽谈", Stage::Negotiating),
        ("接洽", Stage::Negotiating),
        ("签约", Stage::Signed),
        ("已签约", Stage::Signed),
        ("签约落地", Stage::Signed),
        ("开工", Stage::Started),
        ("已开工", Stage::Started),
        ("开工建设", Stage::Started),
        ("在建", Stage::Started),
        ("建设中", Stage::Started),
        ("动工", Stage::Started),
        ("投产", Stage::Producing),
        ("已投产", Stage::Producing),
        ("试生产", Stage::Producing),
        ("部分投产", Stage::Producing),
        ("达产", Stage::Effective),
        ("达产达效", Stage::Effective),
        ("已达产", Stage::Effective),
        ("终止", Stage::Terminated),
        ("退库", Stage::Terminated),
        ("已终止", Stage::Terminated),
        ("放弃", Stage::Terminated),
        ("已退库", Stage::Terminated),
        (" 在 谈 ", Stage::Negotiating),
        ("签约（框架协议）", Stage::Signed),
        ("signed", Stage::Signed),
        ("Producing", Stage::Producing),
        ("effective", Stage::Effective),
        ("terminated", Stage::Terminated),
    ];
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    strings(
        ws,
        0,
        &[
            "项目名称",
            "项目状态",
            "洽谈时间",
            "签约时间",
            "实际开工时间",
            "实际投产时间",
            "达产时间",
        ],
    );
    for (i, (word, _)) in words.iter().enumerate() {
        strings(ws, i as u32 + 1, &[&format!("阶段{i}"), word]);
    }
    let base = words.len() as u32 + 1;
    let inferred: [(&str, &[&str], Stage); 6] = [
        (
            "推达产",
            &["", "", "2024.1.1", "2024.2.1", "2024.3.1", "2024.4.1", "2025.1.1"],
            Stage::Effective,
        ),
        (
            "推投产",
            &["", "", "2024.1.1", "2024.2.1", "2024.3.1", "2024.4.1", "-"],
            Stage::Producing,
        ),
        ("推开工", &["", "", "2024.1.1", "2024.2.1", "2024.3.1"], Stage::Started),
        ("推签约", &["", "", "2024.1.1", "2024.2.1", "无"], Stage::Signed),
        ("推在谈", &["", "/", "2024.1.1"], Stage::Negotiating),
        ("推线索", &["", "暂无"], Stage::Lead),
    ];
    for (i, (name, cells, _)) in inferred.iter().enumerate() {
        let r = base + i as u32;
        strings(ws, r, cells);
        ws.write_string(r, 0, *name).unwrap();
    }
    strings(ws, base + 6, &["不明", "搁置"]);

    let ledger = read(&save(&mut book));
    for (i, (word, stage)) in words.iter().enumerate() {
        let v = &row(&ledger, &format!("阶段{i}")).values;
        assert_eq!(v.stage, Some(*stage), "{word}");
        assert!(!v.stage_inferred);
        assert_eq!(v.terminated, *stage == Stage::Terminated, "{word}");
    }
    for (name, _, stage) in inferred {
        let v = &row(&ledger, name).values;
        assert_eq!((v.stage, v.stage_inferred), (Some(stage), true), "{name}");
    }
    let unknown = &row(&ledger, "不明").values;
    assert_eq!((unknown.stage, unknown.stage_inferred), (None, false));
    assert_eq!(
        errors(&ledger),
        vec![(
            "unknown_stage",
            format!("第{}行 B列 项目状态: 无法识别的项目阶段 '搁置'", base + 7)
        )]
    );
}

#[test]
fn agreement_type_words() {
    let words = [
        ("框架协议", AgreementType::Framework),
        ("框架", AgreementType::Framework),
        ("正式合同", AgreementType::Formal),
        ("正式协议", AgreementType::Formal),
        ("投资协议", AgreementType::Formal),
        ("合同", AgreementType::Formal),
        ("补充协议", AgreementType::Supplementary),
        ("formal", AgreementType::Formal),
    ];
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    strings(ws, 0, &["项目名称", "签约类型", "签约日期"]);
    for (i, (word, _)) in words.iter().enumerate() {
        strings(ws, i as u32 + 1, &[&format!("协议{i}"), word]);
    }
    strings(ws, 20, &["意向", "意向书"]);
    let ledger = read(&save(&mut book));
    for (i, (word, kind)) in words.iter().enumerate() {
        assert_eq!(
            row(&ledger, &format!("协议{i}")).values.agreement_type,
            Some(*kind),
            "{word}"
        );
    }
    assert_eq!(
        errors(&ledger),
        vec![(
            "unknown_agreement_type",
            "第21行 B列 签约类型: 无法识别的协议类型 '意向书'".into()
        )]
    );
}
