//! Ledger export: the projects as a ledger (台账) in the import's column layout, laid out
//! like the ledgers teams keep (title row, as-of line, frozen header) and readable back by
//! [`super::ledger::read_ledger`] unchanged. Rows stream through a constant-memory worksheet.
//! A text longer than a cell holds is cut with a mark and listed on a sheet of notes
//! ([`super::cell`]); it never fails the export.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use super::cell::{Cuts, add_cut_notes, merge_text, write_text};
use super::ledger::{LedgerField, LedgerValues};
use crate::domain::stage::chinese_name;
use entity::enums::{AgreementType, Stage};

/// Which header names to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HeaderLanguage {
    /// 项目编号, 项目名称, … (what teams write)
    #[default]
    Chinese,
    /// code, name, … (what other systems read)
    English,
}

/// What the title lines say.
#[derive(Debug, Clone)]
pub struct LedgerHeading {
    /// e.g. 大足区招商引资项目台账
    pub title: String,
    /// e.g. 区投资促进中心
    pub reporting_unit: String,
    pub as_of: NaiveDate,
    pub language: HeaderLanguage,
}

/// The row the header is on (0-based): title, as-of line, then the header.
pub const HEADER_ROW: u32 = 2;

/// The Chinese name of an agreement type, as ledgers write it.
pub fn agreement_chinese(kind: AgreementType) -> &'static str {
    match kind {
        AgreementType::Framework => "框架协议",
        AgreementType::Formal => "正式合同",
        AgreementType::Supplementary => "补充协议",
    }
}

/// The formats of a ledger sheet.
pub struct LedgerFormats {
    pub title: Format,
    pub subtitle: Format,
    pub header: Format,
    pub text: Format,
    pub money: Format,
    pub area: Format,
    pub date: Format,
}

impl LedgerFormats {
    pub fn new() -> Self {
        let border = |f: Format| f.set_border(FormatBorder::Thin);
        Self {
            title: Format::new()
                .set_bold()
                .set_font_size(16)
                .set_align(FormatAlign::Center),
            subtitle: Format::new().set_font_size(10),
            header: border(
                Format::new()
                    .set_bold()
                    .set_text_wrap()
                    .set_align(FormatAlign::Center)
                    .set_background_color("#DDEBF7"),
            ),
            text: border(Format::new()),
            money: border(Format::new().set_num_format("#,##0.00##")),
            area: border(Format::new().set_num_format("#,##0.00")),
            date: border(Format::new().set_num_format("yyyy-mm-dd")),
        }
    }
}

impl Default for LedgerFormats {
    fn default() -> Self {
        Self::new()
    }
}

/// A sensible width for a column, in characters.
fn width(field: LedgerField) -> f64 {
    match field {
        LedgerField::Name
        | LedgerField::Investor
        | LedgerField::Progress
        | LedgerField::Issues
        | LedgerField::Notes => 28.0,
        LedgerField::CreditCode => 21.0,
        LedgerField::Cluster | LedgerField::Team | LedgerField::Park => 16.0,
        _ => 13.0,
    }
}

/// Writes the title lines and the header, sets widths and freezes the panes: everything above
/// the first data row.
pub fn write_heading(
    sheet: &mut Worksheet,
    heading: &LedgerHeading,
    formats: &LedgerFormats,
    cuts: &mut Cuts,
) -> Result<(), XlsxError> {
    let last_col = (LedgerField::ALL.len() - 1) as u16;
    for (col, field) in LedgerField::ALL.iter().enumerate() {
        sheet.set_column_width(col as u16, width(*field))?;
    }
    sheet.set_row_height(0, 28)?;
    merge_text(sheet, 0, (0, last_col), &heading.title, &formats.title, cuts)?;
    let as_of = heading.as_of;
    let line = format!(
        "填报单位：{}　　　统计截至：{}年{}月{}日　　　单位：万元",
        heading.reporting_unit,
        as_of.year(),
        as_of.month(),
        as_of.day()
    );
    merge_text(sheet, 1, (0, last_col), &line, &formats.subtitle, cuts)?;
    for (col, field) in LedgerField::ALL.iter().enumerate() {
        let name = match heading.language {
            HeaderLanguage::Chinese => header_with_unit(*field),
            HeaderLanguage::English => field.english().to_string(),
        };
        write_text(sheet, HEADER_ROW, col as u16, &name, Some(&formats.header), cuts)?;
    }
    sheet.set_freeze_panes(HEADER_ROW + 1, 2)?;
    Ok(())
}

/// The Chinese header with its unit where it has one, e.g. 合同投资额(万元).
pub fn header_with_unit(field: LedgerField) -> String {
    match field {
        LedgerField::PlannedInvestment
        | LedgerField::ContractedInvestment
        | LedgerField::FundsThisYear
        | LedgerField::FundsCumulative
        | LedgerField::PromisedOutput
        | LedgerField::PromisedTax => format!("{}(万元)", field.chinese()),
        LedgerField::LandArea => format!("{}(亩)", field.chinese()),
        _ => field.chinese().to_string(),
    }
}

/// Writes one project as a ledger row at `row` (0-based); a text too long for a cell is cut
/// and noted in `cuts`.
pub fn write_row(
    sheet: &mut Worksheet,
    row: u32,
    values: &LedgerValues,
    formats: &LedgerFormats,
    cuts: &mut Cuts,
) -> Result<(), XlsxError> {
    for (col, field) in LedgerField::ALL.iter().enumerate() {
        let col = col as u16;
        match cell(values, *field) {
            Cell::Text(Some(text)) => {
                write_text(sheet, row, col, text, Some(&formats.text), cuts)?;
            }
            Cell::Money(Some(amount)) => {
                sheet.write_number_with_format(row, col, to_f64(amount), &formats.money)?;
            }
            Cell::Area(Some(area)) => {
                sheet.write_number_with_format(row, col, to_f64(area), &formats.area)?;
            }
            Cell::Date(Some(date)) => {
                sheet.write_datetime_with_format(row, col, date, &formats.date)?;
            }
            _ => {
                sheet.write_blank(row, col, &formats.text)?;
            }
        }
    }
    Ok(())
}

/// A decimal with at most 4 decimals as the f64 Excel stores; exact enough that reading it
/// back through its shortest representation gives the same decimal (15 significant digits).
fn to_f64(value: Decimal) -> f64 {
    value.to_f64().unwrap_or_default()
}

enum Cell<'a> {
    Text(Option<&'a str>),
    Money(Option<Decimal>),
    Area(Option<Decimal>),
    Date(Option<NaiveDate>),
}

fn stage_text(values: &LedgerValues) -> Option<&'static str> {
    if values.terminated {
        return Some(chinese_name(Stage::Terminated));
    }
    values.stage.map(chinese_name)
}

fn cell(v: &LedgerValues, field: LedgerField) -> Cell<'_> {
    use LedgerField as F;
    match field {
        F::Code => Cell::Text(v.code.as_deref()),
        F::Name => Cell::Text(v.name.as_deref()),
        F::Investor => Cell::Text(v.investor.as_deref()),
        F::CreditCode => Cell::Text(v.credit_code.as_deref()),
        F::Cluster => Cell::Text(v.cluster.as_deref()),
        F::Park => Cell::Text(v.park.as_deref()),
        F::Team => Cell::Text(v.team.as_deref()),
        F::SponsoringLeader => Cell::Text(v.sponsoring_leader.as_deref()),
        F::Owner => Cell::Text(v.owner.as_deref()),
        F::Source => Cell::Text(v.source.as_deref()),
        F::Stage => Cell::Text(stage_text(v)),
        F::PlannedInvestment => Cell::Money(v.planned_investment),
        F::LandArea => Cell::Area(v.land_area),
        F::NegotiatingSince => Cell::Date(v.negotiating_since),
        F::AgreementType => Cell::Text(v.agreement_type.map(agreement_chinese)),
        F::SignedOn => Cell::Date(v.signed_on),
        F::ContractedInvestment => Cell::Money(v.contracted_investment),
        F::FundsThisYear => Cell::Money(v.funds_this_year),
        F::FundsCumulative => Cell::Money(v.funds_cumulative),
        F::PromisedStart => Cell::Date(v.promised_start),
        F::ActualStart => Cell::Date(v.actual_start),
        F::PromisedProduction => Cell::Date(v.promised_production),
        F::ActualProduction => Cell::Date(v.actual_production),
        F::PromisedFullProduction => Cell::Date(v.promised_full_production),
        F::EffectiveOn => Cell::Date(v.effective_on),
        F::PromisedOutput => Cell::Money(v.promised_output),
        F::PromisedTax => Cell::Money(v.promised_tax),
        F::Progress => Cell::Text(v.progress.as_deref()),
        F::Issues => Cell::Text(v.issues.as_deref()),
        F::Notes => Cell::Text(v.notes.as_deref()),
    }
}

/// The name of the ledger's sheet.
pub const LEDGER_SHEET: &str = "招商项目台账";

/// Writes a whole ledger workbook from rows in order, in constant memory; a text too long for
/// a cell is cut, and a sheet of notes says which.
pub fn write_ledger(
    heading: &LedgerHeading,
    rows: impl IntoIterator<Item = LedgerValues>,
) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let formats = LedgerFormats::new();
    let mut cuts = Cuts::default();
    let sheet = workbook.add_worksheet_with_constant_memory()?;
    sheet.set_name(LEDGER_SHEET)?;
    write_heading(sheet, heading, &formats, &mut cuts)?;
    for (row, values) in (HEADER_ROW + 1..).zip(rows) {
        write_row(sheet, row, &values, &formats, &mut cuts)?;
    }
    add_cut_notes(&mut workbook, &cuts)?;
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;
    use crate::excel::ledger::{ReadLimits, read_ledger};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn wan(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn full_row() -> LedgerValues {
        LedgerValues {
            code: Some("DZ20250001".into()),
            name: Some("上海智航科技预制菜项目".into()),
            investor: Some("上海智航科技有限公司".into()),
            credit_code: Some("91500111J1XG612DD2".into()),
            cluster: Some("食品及农产品加工".into()),
            park: Some("大足高新区".into()),
            team: Some("食品加工专班".into()),
            sponsoring_leader: Some("张明".into()),
            owner: Some("王芳".into()),
            source: Some("以商招商".into()),
            stage: Some(Stage::Producing),
            planned_investment: Some(wan("123456789.0123")),
            land_area: Some(wan("85.50")),
            negotiating_since: Some(d("2025-01-02")),
            agreement_type: Some(AgreementType::Formal),
            signed_on: Some(d("2025-03-15")),
            contracted_investment: Some(wan("26759.9001")),
            funds_this_year: Some(wan("0.0001")),
            funds_cumulative: Some(wan("3029.0000")),
            promised_start: Some(d("2025-06-01")),
            actual_start: Some(d("2025-06-10")),
            promised_production: Some(d("2026-03-01")),
            actual_production: Some(d("2025-10-01")),
            promised_full_production: Some(d("2027-03-01")),
            effective_on: None,
            promised_output: Some(wan("32111.88")),
            promised_tax: Some(wan("1200")),
            progress: Some("已试生产".into()),
            issues: Some("供电扩容".into()),
            notes: Some("市级重点".into()),
            ..Default::default()
        }
    }

    #[test]
    fn what_is_written_reads_back_the_same_in_both_languages() {
        let terminated = LedgerValues {
            code: Some("DZ20250002".into()),
            name: Some("终止的项目".into()),
            stage: Some(Stage::Terminated),
            terminated: true,
            negotiating_since: Some(d("2024-05-01")),
            ..Default::default()
        };
        for language in [HeaderLanguage::Chinese, HeaderLanguage::English] {
            let heading = LedgerHeading {
                title: "大足区招商引资项目台账".into(),
                reporting_unit: "区投资促进中心".into(),
                as_of: d("2025-10-31"),
                language,
            };
            let bytes = write_ledger(&heading, [full_row(), terminated.clone()]).unwrap();
            let ledger = read_ledger(&bytes, &ReadLimits::default()).unwrap();
            assert!(ledger.errors.is_empty(), "{:?}", ledger.errors);
            assert_eq!(ledger.as_of, Some(d("2025-10-31")));
            assert_eq!(ledger.rows.len(), 2);
            assert_eq!(*ledger.rows[0].values, full_row(), "{language:?}");
            assert_eq!(*ledger.rows[1].values, terminated, "{language:?}");
            assert_eq!(ledger.rows[0].row, HEADER_ROW + 2, "Excel row numbers are 1-based");
        }
    }

    #[test]
    fn a_text_too_long_for_a_cell_is_cut_and_the_notes_say_so() {
        use calamine::{Reader, Xlsx};

        use crate::excel::cell::{CUT_MARK, CUT_NOTES_SHEET};

        let heading = LedgerHeading {
            title: "台账".into(),
            reporting_unit: "区投资促进中心".into(),
            as_of: d("2025-10-31"),
            language: HeaderLanguage::Chinese,
        };
        let long = LedgerValues {
            notes: Some("备".repeat(32_768)),
            ..full_row()
        };
        let bytes = write_ledger(&heading, [full_row(), long]).unwrap();
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), [LEDGER_SHEET, CUT_NOTES_SHEET]);
        let sheet = book.worksheet_range(LEDGER_SHEET).unwrap();
        let notes_col = LedgerField::ALL.iter().position(|f| *f == LedgerField::Notes).unwrap() as u32;
        let cell = sheet.get_value((HEADER_ROW + 2, notes_col)).unwrap().to_string();
        assert!(cell.ends_with(CUT_MARK), "{}", &cell[cell.len() - 40..]);
        let notes = book.worksheet_range(CUT_NOTES_SHEET).unwrap();
        assert!(notes.get_value((0, 0)).unwrap().to_string().contains("1个单元格"));
        assert_eq!(notes.get_value((3, 1)).unwrap().to_string(), "32768");
    }
}
