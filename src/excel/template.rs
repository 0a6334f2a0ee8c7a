//! The fill-in template: a blank ledger with the export's headers, drop-down lists drawn from
//! the live reference data, date and number formats on the input columns, and an
//! instructions sheet (说明) explaining each column, its unit and the accepted date forms.

use rust_xlsxwriter::{DataValidation, DataValidationErrorStyle, Format, Formula, Workbook, XlsxError};

use super::cell::{Cuts, add_cut_notes, write_text};
use super::export::{HEADER_ROW, LedgerFormats, LedgerHeading, agreement_chinese, write_heading};
use super::ledger::LedgerField;
use crate::domain::stage::{ORDERED, chinese_name};
use entity::enums::{AgreementType, Stage};

/// The live reference data the drop-downs offer.
#[derive(Debug, Clone, Default)]
pub struct Choices {
    pub teams: Vec<String>,
    pub clusters: Vec<String>,
    pub parks: Vec<String>,
}

/// How many rows of the template carry the drop-downs and formats.
const INPUT_ROWS: u32 = 2000;

fn column(field: LedgerField) -> u16 {
    LedgerField::ALL
        .iter()
        .position(|f| *f == field)
        .expect("every field is a column") as u16
}

/// What each column means, for the 说明 sheet.
fn explanation(field: LedgerField) -> &'static str {
    use LedgerField as F;
    match field {
        F::Code => "项目唯一编号；再次导入时按编号匹配项目，请勿修改已有编号。新项目可留空，系统自动编号。",
        F::Name => "项目名称，必填。",
        F::Investor => "投资方企业全称。",
        F::CreditCode => "投资方统一社会信用代码，18位。",
        F::Cluster => "所属产业集群，从下拉列表选择。",
        F::Park => "落地园区，从下拉列表选择。",
        F::Team => "负责的招商专班，从下拉列表选择，必填。",
        F::SponsoringLeader => "包保区领导姓名。",
        F::Owner => "专班内项目责任人姓名；系统中有重名的，填写其用户名。",
        F::Source => "项目来源：以商招商、驻外招商、商会推介、平台推介等。",
        F::Stage => "当前阶段，从下拉列表选择：线索、在谈、签约、开工、投产、达产达效、终止。",
        F::PlannedInvestment => "计划投资额，单位万元，可写数字或“1.2亿”“5000万元”。",
        F::LandArea => "用地面积，单位亩。",
        F::NegotiatingSince => "开始洽谈的日期。",
        F::AgreementType => "协议类型：框架协议、正式合同、补充协议。",
        F::SignedOn => "签约日期；签约及以后阶段必填。",
        F::ContractedInvestment => "合同约定投资额，单位万元；签约及以后阶段必填。",
        F::FundsThisYear => "本年累计到位资金（只计区外资金），单位万元。",
        F::FundsCumulative => "自签约以来累计到位资金（只计区外资金），单位万元；不得低于系统已记录数。",
        F::PromisedStart => "合同约定开工日期。",
        F::ActualStart => "实际开工日期；开工及以后阶段必填。",
        F::PromisedProduction => "合同约定投产日期；未约定时按签约后24个月考核。",
        F::ActualProduction => "实际投产日期；投产及以后阶段必填。",
        F::PromisedFullProduction => "合同约定达产日期；未约定时按投产后12个月考核。",
        F::EffectiveOn => "实际达产达效日期。",
        F::PromisedOutput => "达产后约定年产值，单位万元。",
        F::PromisedTax => "达产后约定年税收，单位万元。",
        F::Progress => "项目最新进展。",
        F::Issues => "存在的问题和需要协调的事项。",
        F::Notes => "备注。",
    }
}

/// Writes the template workbook.
pub fn write_template(heading: &LedgerHeading, choices: &Choices) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let formats = LedgerFormats::new();
    let mut cuts = Cuts::default();

    // The lists behind the drop-downs live on a hidden sheet: an inline list is limited to
    // 255 characters, which 24 team names exceed.
    let stages: Vec<&str> = ORDERED
        .iter()
        .chain([Stage::Terminated].iter())
        .map(|s| chinese_name(*s))
        .collect();
    let agreements: Vec<&str> = [
        AgreementType::Framework,
        AgreementType::Formal,
        AgreementType::Supplementary,
    ]
    .into_iter()
    .map(agreement_chinese)
    .collect();
    let lists: [(&str, Vec<&str>); 5] = [
        ("阶段", stages),
        ("协议类型", agreements),
        ("招商专班", choices.teams.iter().map(String::as_str).collect()),
        ("产业集群", choices.clusters.iter().map(String::as_str).collect()),
        ("落地园区", choices.parks.iter().map(String::as_str).collect()),
    ];

    let sheet = workbook.add_worksheet();
    sheet.set_name("招商项目台账")?;
    write_heading(sheet, heading, &formats, &mut cuts)?;
    let first = HEADER_ROW + 1;
    let last = HEADER_ROW + INPUT_ROWS;
    let input_formats = [
        (
            Format::new().set_num_format("yyyy-mm-dd"),
            vec![
                LedgerField::NegotiatingSince,
                LedgerField::SignedOn,
                LedgerField::PromisedStart,
                LedgerField::ActualStart,
                LedgerField::PromisedProduction,
                LedgerField::ActualProduction,
                LedgerField::PromisedFullProduction,
                LedgerField::EffectiveOn,
            ],
        ),
        (
            Format::new().set_num_format("#,##0.00##"),
            vec![
                LedgerField::PlannedInvestment,
                LedgerField::ContractedInvestment,
                LedgerField::FundsThisYear,
                LedgerField::FundsCumulative,
                LedgerField::PromisedOutput,
                LedgerField::PromisedTax,
            ],
        ),
        (
            Format::new().set_num_format("@"),
            vec![LedgerField::Code, LedgerField::CreditCode],
        ),
    ];
    for (format, fields) in &input_formats {
        for field in fields {
            let col = column(*field);
            sheet.set_column_format(col, format)?;
        }
    }
    let validated = [
        (LedgerField::Stage, 0usize),
        (LedgerField::AgreementType, 1),
        (LedgerField::Team, 2),
        (LedgerField::Cluster, 3),
        (LedgerField::Park, 4),
    ];
    for (field, list) in validated {
        let (title, items) = &lists[list];
        if items.is_empty() {
            continue;
        }
        let letter = (b'A' + list as u8) as char;
        let range = format!("=选项!${letter}$2:${letter}${}", items.len() + 1);
        let validation = DataValidation::new()
            .allow_list_formula(Formula::new(range))
            .set_error_style(DataValidationErrorStyle::Stop)
            .set_error_title(format!("无效的{title}"))?
            .set_error_message(format!("请从下拉列表中选择{title}。"))?;
        let col = column(field);
        sheet.add_data_validation(first, col, last, col, &validation)?;
    }

    let options = workbook.add_worksheet();
    options.set_name("选项")?;
    for (col, (title, items)) in lists.iter().enumerate() {
        write_text(options, 0, col as u16, title, None, &mut cuts)?;
        for (row, item) in items.iter().enumerate() {
            write_text(options, row as u32 + 1, col as u16, item, None, &mut cuts)?;
        }
    }
    options.set_hidden(true);

    let help = workbook.add_worksheet();
    help.set_name("说明")?;
    let bold = Format::new().set_bold();
    help.set_column_width(0, 20)?;
    help.set_column_width(1, 12)?;
    help.set_column_width(2, 90)?;
    let lines = [
        "金额单位均为万元（可写“1.2亿”“5000万元”等，导入时自动换算）；面积单位为亩。",
        "日期可写为日期单元格，或“2025-03-15”“2025/3/15”“2025.3.15”“2025年3月15日”“2025年3月”“202503”；只写到月份时按当月1日计。",
        "空白或“-”“/”“无”“暂无”表示没有数据。小计、合计行和表下注释行导入时自动跳过。",
    ];
    write_text(help, 0, 0, "填表说明", Some(&bold), &mut cuts)?;
    for (row, line) in (1..).zip(lines) {
        write_text(help, row, 0, line, None, &mut cuts)?;
    }
    for (col, text) in ["列名", "英文列名", "说明"].iter().enumerate() {
        write_text(help, 5, col as u16, text, Some(&bold), &mut cuts)?;
    }
    for (i, field) in LedgerField::ALL.iter().enumerate() {
        let row = 6 + i as u32;
        write_text(help, row, 0, &super::export::header_with_unit(*field), None, &mut cuts)?;
        write_text(help, row, 1, field.english(), None, &mut cuts)?;
        write_text(help, row, 2, explanation(*field), None, &mut cuts)?;
    }
    add_cut_notes(&mut workbook, &cuts)?;
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::excel::ledger::{ReadLimits, read_ledger};

    #[test]
    fn the_template_is_a_readable_empty_ledger_with_drop_downs() {
        let heading = LedgerHeading {
            title: "大足区招商引资项目台账".into(),
            reporting_unit: "区投资促进中心".into(),
            as_of: "2025-10-31".parse().unwrap(),
            language: super::super::export::HeaderLanguage::Chinese,
        };
        let choices = Choices {
            teams: vec!["氢能专班".into()],
            clusters: vec!["数字产业".into()],
            parks: vec!["大足高新区".into()],
        };
        let bytes = write_template(&heading, &choices).unwrap();
        let ledger = read_ledger(&bytes, &ReadLimits::default()).unwrap();
        assert!(ledger.rows.is_empty() && ledger.errors.is_empty());
        assert!(ledger.sheets.iter().any(|s| s.name == "招商项目台账" && s.imported));
        assert!(ledger.sheets.iter().any(|s| s.name == "说明" && !s.imported));
        // The drop-downs are in the sheet's XML, pointing at the list sheet.
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(), &mut xml).unwrap();
        assert_eq!(xml.matches("<dataValidation ").count(), 5, "{xml}");
        assert!(xml.contains("选项!$C$2:$C$2"));
    }
}
