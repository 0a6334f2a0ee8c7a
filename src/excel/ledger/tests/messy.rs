//! Messy workbook layouts as teams really send them, built in memory: title rows, two-row
//! merged headers, every synonym family, English headers, subtotal/total/note rows, merged cells
//! in the body, sheets that are not ledgers. Messy values are in `messy_values`.

use entity::enums::{AgreementType, Stage};
use rust_xlsxwriter::{Chart, ChartType, Formula, Workbook};

use super::super::{LedgerField, SkipReason, Unit};
use super::*;

#[test]
fn title_lines_and_two_row_merged_header() {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("五金专班").unwrap();
    merged(ws, (0, 0), (0, 11), "大足区2025年招商引资项目台账");
    merged(
        ws,
        (1, 1),
        (1, 11),
        "填报单位：五金专班\u{3000}\u{3000}截止日期：2025-10-31\u{3000}\u{3000}单位：亿元",
    );
    merged(ws, (2, 3), (0, 0), "序号");
    merged(ws, (2, 3), (1, 1), "项目名称");
    merged(ws, (2, 3), (2, 2), "投资主体");
    merged(ws, (2, 2), (3, 5), "签约情况");
    strings(ws, 3, &["", "", "", "协议类型", "签约时间", "合同投资额（万元）"]);
    merged(ws, (2, 2), (6, 7), "资金到位");
    strings(ws, 3, &["", "", "", "", "", "", "本年", "累计"]);
    merged(ws, (2, 2), (8, 9), "开工时间");
    strings(ws, 3, &["", "", "", "", "", "", "", "", "约定", "实际"]);
    merged(ws, (2, 3), (10, 10), "项目\n阶段");
    merged(ws, (2, 3), (11, 11), "备 注");

    ws.write_number(4, 0, 1).unwrap();
    strings(ws, 4, &["", "甲项目", "甲公司", "框架协议", "2025.3.15", "5000"]);
    ws.write_number(4, 6, 1.5).unwrap();
    strings(ws, 4, &["", "", "", "", "", "", "", "2亿", "2025.6", "2025年7月1日"]);
    ws.write_number(5, 0, 2).unwrap();
    strings(ws, 5, &["", "乙项目", "乙公司", "正式协议", "2024/12/9", "1.2亿"]);
    strings(
        ws,
        5,
        &["", "", "", "", "", "", "300万", "9000万元", "", "", "签约", "重点"],
    );

    let ledger = read(&save(&mut book));
    assert_eq!(ledger.errors, vec![]);
    assert_eq!(ledger.as_of, ymd(2025, 10, 31));
    let sheet = &ledger.sheets[0];
    assert_eq!(
        (sheet.header_row, sheet.header_rows, sheet.amount_unit),
        (Some(3), 2, Unit::Yi)
    );
    let columns: Vec<(&str, &str, &str, LedgerField, Unit)> = sheet
        .columns
        .iter()
        .map(|c| (c.letter.as_str(), c.header.as_str(), c.label.as_str(), c.field, c.unit))
        .collect();
    use LedgerField as F;
    let na = Unit::NotApplicable;
    assert_eq!(
        columns,
        vec![
            ("B", "项目名称", "项目名称", F::Name, na),
            ("C", "投资主体", "投资主体", F::Investor, na),
            ("D", "签约情况/协议类型", "协议类型", F::AgreementType, na),
            ("E", "签约情况/签约时间", "签约时间", F::SignedOn, na),
            (
                "F",
                "签约情况/合同投资额（万元）",
                "合同投资额(万元)",
                F::ContractedInvestment,
                Unit::Wan
            ),
            ("G", "资金到位/本年", "资金到位/本年", F::FundsThisYear, Unit::Yi),
            ("H", "资金到位/累计", "资金到位/累计", F::FundsCumulative, Unit::Yi),
            ("I", "开工时间/约定", "开工时间/约定", F::PromisedStart, na),
            ("J", "开工时间/实际", "开工时间/实际", F::ActualStart, na),
            ("K", "项目\n阶段", "项目阶段", F::Stage, na),
            ("L", "备 注", "备注", F::Notes, na),
        ]
    );

    let first = &row(&ledger, "甲项目").values;
    assert_eq!(first.investor.as_deref(), Some("甲公司"));
    assert_eq!(first.agreement_type, Some(AgreementType::Framework));
    assert_eq!(first.signed_on, ymd(2025, 3, 15));
    assert_eq!(first.contracted_investment, wan("5000.0000"));
    assert_eq!(first.funds_this_year, wan("15000.0000"));
    assert_eq!(first.funds_cumulative, wan("20000.0000"));
    assert_eq!(first.promised_start, ymd(2025, 6, 1));
    assert_eq!(first.actual_start, ymd(2025, 7, 1));
    assert_eq!((first.stage, first.stage_inferred), (Some(Stage::Started), true));

    let second = &row(&ledger, "乙项目").values;
    assert_eq!(second.agreement_type, Some(AgreementType::Formal));
    assert_eq!(second.contracted_investment, wan("12000.0000"));
    assert_eq!(second.funds_this_year, wan("300.0000"));
    assert_eq!(second.funds_cumulative, wan("9000.0000"));
    assert_eq!((second.stage, second.stage_inferred), (Some(Stage::Signed), false));
    assert_eq!(second.notes.as_deref(), Some("重点"));
    assert_eq!(ledger.rows[1].row, 6);
}

#[test]
fn group_header_written_once_without_a_merge() {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    strings(ws, 0, &["项目名称", "投资方", "资金到位情况（万元）", "", "签约情况"]);
    strings(ws, 1, &["", "", "本年", "累计", "时间"]);
    strings(ws, 2, &["丙项目", "丙公司", "10", "20", "2025.1.2"]);
    let ledger = read(&save(&mut book));
    assert_eq!(ledger.errors, vec![]);
    assert_eq!(ledger.sheets[0].header_rows, 2);
    let fields: Vec<LedgerField> = ledger.sheets[0].columns.iter().map(|c| c.field).collect();
    assert_eq!(
        fields,
        vec![
            LedgerField::Name,
            LedgerField::Investor,
            LedgerField::FundsThisYear,
            LedgerField::FundsCumulative,
            LedgerField::SignedOn
        ]
    );
    let values = &row(&ledger, "丙项目").values;
    assert_eq!(values.funds_this_year, wan("10"));
    assert_eq!(values.funds_cumulative, wan("20"));
    assert_eq!(values.signed_on, ymd(2025, 1, 2));
}

/// The header synonyms of the brief, one family per field, canonical first.
const SYNONYMS: [(LedgerField, &[&str]); 30] = [
    (LedgerField::Code, &["项目编号", "编号"]),
    (LedgerField::Name, &["项目名称"]),
    (LedgerField::Investor, &["投资方", "投资主体", "投资企业", "签约企业"]),
    (LedgerField::CreditCode, &["统一社会信用代码", "信用代码"]),
    (LedgerField::Cluster, &["产业集群", "所属产业", "产业类别"]),
    (LedgerField::Park, &["落地园区", "园区", "落地地点"]),
    (LedgerField::Team, &["招商专班", "专班", "责任专班"]),
    (LedgerField::SponsoringLeader, &["包保领导", "联系领导"]),
    (LedgerField::Owner, &["责任人", "项目负责人"]),
    (LedgerField::Source, &["项目来源", "信息来源"]),
    (LedgerField::Stage, &["项目阶段", "项目状态", "进展阶段"]),
    (
        LedgerField::PlannedInvestment,
        &["计划投资额", "拟投资额", "投资额", "计划总投资"],
    ),
    (LedgerField::LandArea, &["用地面积", "用地(亩)", "供地面积"]),
    (LedgerField::NegotiatingSince, &["洽谈时间", "接洽时间", "首次洽谈时间"]),
    (LedgerField::AgreementType, &["协议类型", "签约类型"]),
    (LedgerField::SignedOn, &["签约时间", "签约日期"]),
    (
        LedgerField::ContractedInvestment,
        &["合同投资额", "协议投资额", "签约金额"],
    ),
    (LedgerField::FundsThisYear, &["本年到位", "本年到位资金", "今年到位"]),
    (LedgerField::FundsCumulative, &["累计到位", "累计到位资金"]),
    (LedgerField::PromisedStart, &["约定开工时间", "计划开工时间"]),
    (LedgerField::ActualStart, &["实际开工时间", "开工时间"]),
    (LedgerField::PromisedProduction, &["约定投产时间", "计划投产时间"]),
    (LedgerField::ActualProduction, &["实际投产时间", "投产时间"]),
    (LedgerField::PromisedFullProduction, &["约定达产时间"]),
    (LedgerField::EffectiveOn, &["达产时间", "实际达产时间"]),
    (LedgerField::PromisedOutput, &["约定年产值", "预计年产值", "达产年产值"]),
    (LedgerField::PromisedTax, &["约定年税收", "预计年税收"]),
    (LedgerField::Progress, &["项目进展", "进展情况"]),
    (LedgerField::Issues, &["存在问题", "问题"]),
    (LedgerField::Notes, &["备注"]),
];

/// One data row, in [`LedgerField::ALL`] order.
const DATA: [&str; 30] = [
    "DZ-001",
    "测试项目",
    "测试公司",
    "91500111MA5U000000",
    "现代五金",
    "大足高新区",
    "五金专班",
    "张明",
    "李四",
    "以商招商",
    "已开工",
    "3亿",
    "120",
    "2024.5.6",
    "正式合同",
    "2024年8月8日",
    "28000",
    "1,200.5",
    "3400万元",
    "2024-10",
    "2024/11/2",
    "2026.6",
    "-",
    "2027年6月",
    "/",
    "约5亿",
    "2000万",
    "主体施工",
    "无",
    "重点项目",
];

fn assert_data_row(ledger: &super::super::Ledger, sheet: &str) {
    let found = ledger
        .rows
        .iter()
        .find(|r| r.sheet == sheet)
        .unwrap_or_else(|| panic!("no row from {sheet}"));
    let v = &*found.values;
    let expected = super::super::LedgerValues {
        code: Some("DZ-001".into()),
        name: Some("测试项目".into()),
        investor: Some("测试公司".into()),
        credit_code: Some("91500111MA5U000000".into()),
        cluster: Some("现代五金".into()),
        park: Some("大足高新区".into()),
        team: Some("五金专班".into()),
        sponsoring_leader: Some("张明".into()),
        owner: Some("李四".into()),
        source: Some("以商招商".into()),
        stage: Some(Stage::Started),
        stage_inferred: false,
        terminated: false,
        planned_investment: wan("30000.0000"),
        land_area: wan("120.00"),
        negotiating_since: ymd(2024, 5, 6),
        agreement_type: Some(AgreementType::Formal),
        signed_on: ymd(2024, 8, 8),
        contracted_investment: wan("28000.0000"),
        funds_this_year: wan("1200.5000"),
        funds_cumulative: wan("3400.0000"),
        promised_start: ymd(2024, 10, 1),
        actual_start: ymd(2024, 11, 2),
        promised_production: ymd(2026, 6, 1),
        actual_production: None,
        promised_full_production: ymd(2027, 6, 1),
        effective_on: None,
        promised_output: wan("50000.0000"),
        promised_tax: wan("2000.0000"),
        progress: Some("主体施工".into()),
        issues: None,
        notes: Some("重点项目".into()),
    };
    assert_eq!(v, &expected, "sheet {sheet}");
    // Exactly 4 decimals for money, 2 for land.
    assert_eq!(v.funds_this_year.map(|d| d.to_string()), Some("1200.5000".into()));
    assert_eq!(v.land_area.map(|d| d.to_string()), Some("120.00".into()));
    assert_eq!(found.present.len(), 27, "sheet {sheet}: 27 cells hold a value");
}

#[test]
fn every_synonym_family_in_every_spelling() {
    let mut book = Workbook::new();
    for variant in 0..4 {
        let ws = book.add_worksheet();
        ws.set_name(format!("变体{variant}")).unwrap();
        for (col, (field, names)) in SYNONYMS.iter().enumerate() {
            assert_eq!(*field, LedgerField::ALL[col]);
            let name = names[variant % names.len()];
            let amount = matches!(
                field,
                LedgerField::PlannedInvestment
                    | LedgerField::ContractedInvestment
                    | LedgerField::FundsThisYear
                    | LedgerField::FundsCumulative
                    | LedgerField::PromisedOutput
                    | LedgerField::PromisedTax
            );
            // Plain; full-width brackets and spaces; a line break; square brackets and a
            // full-width space.
            let header = match (variant, amount) {
                (0, _) => name.to_owned(),
                (1, true) => format!(" {name}（万元）"),
                (1, false) => name.chars().map(|c| format!("{c} ")).collect(),
                (2, true) => format!("{name}\n(万元)"),
                (2, false) => format!("{name}\r\n"),
                (_, true) => format!("\u{3000}{name}【万元】"),
                (_, false) => format!("\u{3000}{name}"),
            };
            ws.write_string(0, col as u16, header).unwrap();
            ws.write_string(1, col as u16, DATA[col]).unwrap();
        }
    }
    let ledger = read(&save(&mut book));
    assert_eq!(ledger.errors, vec![]);
    for variant in 0..4 {
        let name = format!("变体{variant}");
        let sheet = ledger.sheets.iter().find(|s| s.name == name).unwrap();
        let fields: Vec<LedgerField> = sheet.columns.iter().map(|c| c.field).collect();
        assert_eq!(fields, LedgerField::ALL.to_vec(), "{name}");
        assert_eq!(sheet.ignored_columns, vec![], "{name}");
        assert_data_row(&ledger, &name);
    }
}

#[test]
fn english_and_canonical_chinese_headers() {
    let mut book = Workbook::new();
    let english = book.add_worksheet();
    english.set_name("english").unwrap();
    for (col, field) in LedgerField::ALL.iter().enumerate() {
        english.write_string(0, col as u16, field.english()).unwrap();
        english.write_string(1, col as u16, DATA[col]).unwrap();
    }
    let chinese = book.add_worksheet();
    chinese.set_name("chinese").unwrap();
    for (col, field) in LedgerField::ALL.iter().enumerate() {
        chinese.write_string(0, col as u16, field.chinese()).unwrap();
        chinese.write_string(1, col as u16, DATA[col]).unwrap();
    }
    let ledger = read(&save(&mut book));
    assert_eq!(ledger.errors, vec![]);
    assert_data_row(&ledger, "english");
    assert_data_row(&ledger, "chinese");
    let headers: Vec<&str> = ledger.sheets[0].columns.iter().map(|c| c.header.as_str()).collect();
    assert_eq!(headers[16], "contracted_investment");
}

#[test]
fn subtotal_total_note_section_and_blank_rows() {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("台账").unwrap();
    strings(ws, 0, &["序号", "项目名称", "投资方", "合同投资额"]);
    strings(ws, 1, &["一、签约项目"]);
    ws.write_number(2, 0, 1).unwrap();
    strings(ws, 2, &["", "甲", "甲公司", "100"]);
    ws.write_number(3, 0, 2).unwrap();
    strings(ws, 3, &["", "乙", "乙公司", "200"]);
    strings(ws, 4, &["小计", "", "", "300"]);
    // Row 6 left blank.
    strings(ws, 6, &["（二）在谈项目"]);
    ws.write_number(7, 0, 3).unwrap();
    strings(ws, 7, &["", "丙", "丙公司"]);
    ws.write_number(8, 0, 4).unwrap(); // a numbered row with nothing else
    strings(ws, 9, &["", "五金专班小计", "", "0"]);
    strings(ws, 10, &["序号", "项目名称", "投资方", "合同投资额"]);
    strings(ws, 11, &["合 计", "3个项目", "", "300"]);
    strings(ws, 12, &["总计：", "", "", "300"]);
    merged(ws, (13, 13), (0, 3), "注：1.金额单位为万元；");
    strings(ws, 14, &["2.项目状态以最新调度为准。"]);
    strings(ws, 15, &["填表人：张三", "", "审核人：李四"]);
    strings(ws, 16, &["说明：本表每月更新"]);

    let ledger = read(&save(&mut book));
    assert_eq!(ledger.errors, vec![]);
    let names: Vec<&str> = ledger.rows.iter().filter_map(|r| r.values.name.as_deref()).collect();
    assert_eq!(names, vec!["甲", "乙", "丙"]);
    let skipped: Vec<(u32, SkipReason)> = ledger.skipped.iter().map(|s| (s.row, s.reason)).collect();
    use SkipReason::*;
    assert_eq!(
        skipped,
        vec![
            (2, Section),
            (5, Subtotal),
            (6, Blank),
            (7, Section),
            (9, Blank),
            (10, Subtotal),
            (11, RepeatedHeader),
            (12, Total),
            (13, Total),
            (14, Note),
            (15, Note),
            (16, Note),
            (17, Note),
        ]
    );
    assert_eq!(ledger.sheets[0].rows_read, 16);
    assert_eq!(ledger.sheets[0].projects, 3);
}

#[test]
fn data_without_a_project_name_is_an_error() {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    strings(ws, 0, &["序号", "项目名称", "投资方", "合同投资额"]);
    strings(ws, 1, &["1", "甲", "甲公司", "100"]);
    strings(ws, 2, &["2", "", "乙公司", "200"]);
    strings(ws, 3, &["3", "暂无", "丙公司", "abc"]);
    let ledger = read(&save(&mut book));
    assert_eq!(ledger.rows.len(), 1);
    assert_eq!(
        errors(&ledger),
        vec![
            (
                "missing_project_name",
                "第3行 B列 项目名称: 有数据但缺少项目名称 ''".into()
            ),
            ("invalid_amount", "第4行 D列 合同投资额: 无法识别的金额 'abc'".into()),
            (
                "missing_project_name",
                "第4行 B列 项目名称: 有数据但缺少项目名称 '暂无'".into()
            ),
        ]
    );
}

#[test]
fn merged_cells_in_the_body_fill_down() {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    strings(ws, 0, &["项目名称", "招商专班", "包保领导"]);
    strings(ws, 1, &["甲"]);
    strings(ws, 2, &["乙"]);
    strings(ws, 3, &["丙"]);
    merged(ws, (1, 3), (1, 1), "五金专班");
    merged(ws, (1, 2), (2, 2), "张明");
    strings(ws, 4, &["丁", "电梯专班"]);
    // A merge reaching into an otherwise empty row does not make it a project.
    merged(ws, (5, 6), (1, 1), "空专班");
    strings(ws, 5, &["戊"]);
    strings(ws, 6, &["", "", "", "备用"]);
    strings(ws, 7, &["己"]);
    let ledger = read(&save(&mut book));
    assert_eq!(ledger.errors, vec![]);
    let team = |name: &str| row(&ledger, name).values.team.clone();
    let leader = |name: &str| row(&ledger, name).values.sponsoring_leader.clone();
    assert_eq!(team("甲").as_deref(), Some("五金专班"));
    assert_eq!(team("乙").as_deref(), Some("五金专班"));
    assert_eq!(team("丙").as_deref(), Some("五金专班"));
    assert_eq!(team("丁").as_deref(), Some("电梯专班"));
    assert_eq!(team("戊").as_deref(), Some("空专班"));
    assert_eq!(leader("乙").as_deref(), Some("张明"));
    assert_eq!(leader("丙"), None);
    assert_eq!(team("己"), None);
    assert_eq!(
        ledger
            .column_of(row(&ledger, "乙"), LedgerField::Team)
            .map(|c| c.letter.as_str()),
        Some("B")
    );
    let skipped: Vec<(u32, SkipReason)> = ledger.skipped.iter().map(|s| (s.row, s.reason)).collect();
    assert_eq!(skipped, vec![(7, SkipReason::Blank)]);
}

#[test]
fn sheets_that_are_not_ledgers_are_reported_and_skipped() {
    let mut book = Workbook::new();
    let help = book.add_worksheet();
    help.set_name("说明").unwrap();
    strings(help, 0, &["填表说明"]);
    strings(help, 1, &["1. 项目名称必填；"]);
    strings(help, 2, &["2. 金额单位为万元，日期写成2025.3.15。"]);
    let ledger_sheet = book.add_worksheet();
    ledger_sheet.set_name("台账").unwrap();
    strings(ledger_sheet, 0, &["大足区招商项目台账（截至2025年9月30日）"]);
    strings(ledger_sheet, 1, &["项目名称", "投资方", "合同投资额", "签约时间"]);
    strings(ledger_sheet, 2, &["甲", "甲公司", "100", "2025.9.1"]);
    ledger_sheet
        .write_formula(3, 2, Formula::new("=C3*2").set_result("200"))
        .unwrap();
    strings(ledger_sheet, 3, &["乙", "乙公司"]);
    let hidden = book.add_worksheet();
    hidden.set_name("旧台账").unwrap();
    strings(hidden, 0, &["项目名称", "投资方", "合同投资额"]);
    strings(hidden, 1, &["旧", "旧公司", "1"]);
    hidden.set_hidden(true);
    let blank = book.add_worksheet();
    blank.set_name("空表").unwrap();
    let second = book.add_worksheet();
    second.set_name("续表").unwrap();
    strings(second, 0, &["项目名称", "投资方", "实际开工时间"]);
    strings(second, 1, &["丙", "丙公司", "2025.10.1"]);
    let mut chart = Chart::new(ChartType::Column);
    chart.add_series().set_values("台账!$C$3:$C$4");
    let chart_sheet = book.add_chartsheet();
    chart_sheet.set_name("图表").unwrap();
    chart_sheet.insert_chart(0, 0, &chart).unwrap();

    let ledger = read(&save(&mut book));
    let reports: Vec<(&str, bool, Option<&str>)> = ledger
        .sheets
        .iter()
        .map(|s| (s.name.as_str(), s.imported, s.reason.as_deref()))
        .collect();
    assert_eq!(
        reports,
        vec![
            (
                "说明",
                false,
                Some("没有可识别的表头（前20行中没有一行包含“项目名称”及至少另外两个已知列）")
            ),
            ("台账", true, None),
            ("旧台账", false, Some("隐藏的工作表，未导入（如需导入请取消隐藏）")),
            ("空表", false, Some("空白工作表")),
            ("续表", true, None),
            ("图表", false, Some("图表工作表，不含数据")),
        ]
    );
    assert_eq!(ledger.as_of, ymd(2025, 9, 30));
    let names: Vec<(&str, &str)> = ledger
        .rows
        .iter()
        .map(|r| (r.sheet.as_str(), r.values.name.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(names, vec![("台账", "甲"), ("台账", "乙"), ("续表", "丙")]);
    // A formula's cached result is read like a typed value.
    assert_eq!(row(&ledger, "乙").values.contracted_investment, wan("200.0000"));
    // The second sheet has no title: the ledger's as-of date still bounds its dates.
    assert_eq!(
        errors(&ledger),
        vec![(
            "date_after_as_of",
            "第2行 C列 实际开工时间: 日期晚于台账截至日期2025-09-30 '2025.10.1'".into()
        )]
    );
}
