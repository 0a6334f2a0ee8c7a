//! The leadership report: a workbook a district leader opens and prints — a cover with the
//! three headline rates stated in words, the league table with red/yellow/green shading, the
//! monthly trend with native charts, the warnings, and the drill-down of each rate. Pure:
//! it writes what it is given; the figures come from the KPI engine.

use super::cell::{Cuts, Written, add_cut_notes, cut_summary, merge_text, write_text};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{
    Chart, ChartType, ConditionalFormatCell, ConditionalFormatCellRule, Format, FormatAlign, FormatBorder, Workbook,
    Worksheet, XlsxError,
};

/// One headline rate on the cover.
#[derive(Debug, Clone)]
pub struct Headline {
    /// e.g. 项目签约率
    pub name: String,
    /// The basis in words, e.g. "期间口径：期间内在谈项目中，期间内签约的比例".
    pub basis: String,
    /// e.g. "签约项目数" / "合同投资额（万元）"
    pub numerator_label: String,
    /// Whether the numerator and denominator are amounts in 万元 (else counts).
    pub amounts: bool,
    pub numerator: Decimal,
    pub denominator_label: String,
    pub denominator: Decimal,
    /// `None` when the denominator is zero.
    pub rate: Option<Decimal>,
}

/// One team's row in the league table.
#[derive(Debug, Clone)]
pub struct LeagueRow {
    pub rank: u32,
    /// Positive = moved up since the previous period; `None` when it was not ranked then.
    pub rank_change: Option<i32>,
    pub team: String,
    pub score: Decimal,
    pub sign_rate: Option<Decimal>,
    pub funds_arrival_rate: Option<Decimal>,
    pub production_effectiveness_rate: Option<Decimal>,
    /// Yearly target of contracted investment, 万元.
    pub target: Option<Decimal>,
    /// Actual ÷ target.
    pub completion: Option<Decimal>,
    /// Time-proportional progress (序时进度).
    pub progress: Option<Decimal>,
    /// Completion − progress (超/欠进度).
    pub ahead: Option<Decimal>,
}

/// One month of the trend.
#[derive(Debug, Clone)]
pub struct MonthRow {
    /// e.g. 2025-03
    pub month: String,
    /// Contracted investment signed in the month, 万元.
    pub contracted_signed: Decimal,
    /// Counted funds arrived in the month, 万元.
    pub funds_arrived: Decimal,
}

/// One red or yellow project.
#[derive(Debug, Clone)]
pub struct WarningRow {
    /// 红 or 黄
    pub light: String,
    pub code: String,
    pub name: String,
    pub team: String,
    pub reasons: String,
}

/// One project behind a rate.
#[derive(Debug, Clone)]
pub struct DrillRow {
    pub code: String,
    pub name: String,
    pub team: String,
    pub counts: bool,
    /// The figures that decided it, in words.
    pub detail: String,
}

/// The drill-down of one rate.
#[derive(Debug, Clone)]
pub struct DrillDown {
    /// Sheet name, e.g. 签约率明细
    pub sheet: String,
    pub rows: Vec<DrillRow>,
}

/// Everything the report shows.
#[derive(Debug, Clone)]
pub struct ReportData {
    /// e.g. 大足区招商引资工作月度通报
    pub title: String,
    /// The headline figures in sentences, as a bulletin states them, for the cover.
    pub summary: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub as_of: NaiveDate,
    pub headlines: Vec<Headline>,
    pub league: Vec<LeagueRow>,
    pub months: Vec<MonthRow>,
    pub warnings: Vec<WarningRow>,
    pub drill_downs: Vec<DrillDown>,
    /// Why the warning and drill-down sheets hold fewer teams' projects than the figures
    /// cover, when they do: on the cover, and atop every printed page of those sheets.
    pub rows_note: Option<String>,
}

struct Formats {
    title: Format,
    big: Format,
    big_label: Format,
    summary: Format,
    header: Format,
    text: Format,
    money: Format,
    count: Format,
    percent: Format,
    number: Format,
    red: Format,
    yellow: Format,
    green: Format,
    note: Format,
}

impl Formats {
    fn new() -> Self {
        let cell = || Format::new().set_border(FormatBorder::Thin);
        Self {
            title: Format::new().set_bold().set_font_size(16),
            big: Format::new()
                .set_bold()
                .set_font_size(28)
                .set_font_color("#C00000")
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            big_label: Format::new()
                .set_font_size(12)
                .set_align(FormatAlign::Center)
                .set_text_wrap(),
            summary: Format::new()
                .set_font_size(12)
                .set_text_wrap()
                .set_align(FormatAlign::Top),
            header: cell()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_background_color("#DDEBF7"),
            text: cell().set_text_wrap(),
            // 万元 with the reports' two decimals (`domain::money::REPORT_DECIMALS`), the
            // values rounded to them by the caller.
            money: cell().set_num_format("#,##0.00"),
            count: cell().set_num_format("0"),
            percent: cell().set_num_format("0.00%"),
            number: cell().set_num_format("0.0000"),
            red: Format::new().set_background_color("#F8CBAD"),
            yellow: Format::new().set_background_color("#FFE699"),
            green: Format::new().set_background_color("#C6EFCE"),
            note: Format::new().set_bold().set_font_color("#C00000"),
        }
    }
}

fn number(value: Decimal) -> f64 {
    value.to_f64().unwrap_or_default()
}

/// A figure for a label: a count as an integer, an amount with the reports' two decimals.
fn plain(value: Decimal, amount: bool) -> String {
    if amount {
        format!("{:.2}", value)
    } else {
        format!("{:.0}", value)
    }
}

/// How many lines `text` takes wrapped in a column `width` characters wide (a Chinese
/// character is two of them), at least one.
fn wrapped_lines(text: &str, width: f64) -> u32 {
    let per_line = (width - 1.0).max(2.0);
    text.split('\n')
        .map(|line| {
            let units: f64 = line.chars().map(|c| if c.is_ascii() { 1.0 } else { 2.0 }).sum();
            (units / per_line).ceil().max(1.0) as u32
        })
        .sum::<u32>()
        .max(1)
}

/// Text across the merged cells `first..=last` of `row` (one cell when they are the same).
fn merged_text(
    sheet: &mut Worksheet,
    row: u32,
    first: u16,
    last: u16,
    text: &str,
    format: &Format,
    cuts: &mut Cuts,
) -> Result<(), XlsxError> {
    match first == last {
        true => write_text(sheet, row, first, text, Some(format), cuts),
        false => merge_text(sheet, row, (first, last), text, format, cuts),
    }
}

/// Print setup shared by every sheet: A4 landscape, one page wide, header rows repeated, a
/// footer with the page number and the as-of date.
fn print_setup(sheet: &mut Worksheet, header_rows: (u32, u32), as_of: NaiveDate) -> Result<(), XlsxError> {
    sheet.set_paper_size(9);
    sheet.set_landscape();
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(header_rows.0, header_rows.1)?;
    sheet.set_footer(format!("&L统计截至 {as_of}&R第 &P 页，共 &N 页"));
    Ok(())
}

fn write_optional(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    value: Option<Decimal>,
    format: &Format,
    text: &Format,
    cuts: &mut Cuts,
) -> Result<(), XlsxError> {
    match value {
        Some(v) => {
            sheet.write_number_with_format(row, col, number(v), format)?;
        }
        None => write_text(sheet, row, col, "—", Some(text), cuts)?,
    };
    Ok(())
}

/// Writes the report workbook. A text too long for a cell (a name stored before the limits)
/// is cut with a mark; the cover says so and a sheet of notes lists them.
pub fn write_report(data: &ReportData) -> Result<Written, XlsxError> {
    let mut workbook = Workbook::new();
    let f = Formats::new();
    let mut cut = Cuts::default();
    let cuts = &mut cut;
    let period = format!("{} 至 {}", data.from, data.to);

    // Cover: the title, the headline figures in sentences, the three rates large, then each
    // rate's numerator, denominator and basis in words.
    let cover = workbook.add_worksheet();
    cover.set_name("概览")?;
    let widths = [14.0, 12.0, 20.0, 16.0, 20.0, 16.0, 48.0];
    for (col, width) in widths.iter().enumerate() {
        cover.set_column_width(col as u16, *width)?;
    }
    let last_col = (widths.len() - 1) as u16;
    let title = Format::new()
        .set_bold()
        .set_font_size(20)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    merged_text(cover, 0, 0, last_col, &data.title, &title, cuts)?;
    cover.set_row_height(0, 36)?;
    let centered = Format::new().set_align(FormatAlign::Center);
    merged_text(
        cover,
        1,
        0,
        last_col,
        &format!("统计期间：{period}　　统计截至：{}　　金额单位：万元", data.as_of),
        &centered,
        cuts,
    )?;
    let mut row = 2;
    if let Some(note) = &data.rows_note {
        merged_text(cover, row, 0, last_col, note, &f.note.clone().set_text_wrap(), cuts)?;
        cover.set_row_height(row, 15.0 * wrapped_lines(note, widths.iter().sum()) as f64)?;
        row += 1;
    }
    merged_text(cover, row, 0, last_col, &data.summary, &f.summary, cuts)?;
    cover.set_row_height(
        row,
        16.0 * wrapped_lines(&data.summary, widths.iter().sum()) as f64 + 4.0,
    )?;
    row += 2;
    // The three rates large, side by side: columns A–B, C–D, E–G.
    let blocks: [(u16, u16); 3] = [(0, 1), (2, 3), (4, last_col)];
    for (h, (first, last)) in data.headlines.iter().take(3).zip(blocks) {
        let label = format!(
            "{}\n{} {} / {} {}",
            h.name,
            h.numerator_label,
            plain(h.numerator, h.amounts),
            h.denominator_label,
            plain(h.denominator, h.amounts)
        );
        merged_text(cover, row, first, last, &label, &f.big_label, cuts)?;
        let rate = h
            .rate
            .map_or("—".to_string(), |r| crate::domain::wording::percent(Some(r)));
        merged_text(cover, row + 1, first, last, &rate, &f.big, cuts)?;
    }
    cover.set_row_height(row, 32)?;
    cover.set_row_height(row + 1, 44)?;
    row += 3;
    let header_row = row;
    let headers = ["指标", "比率", "分子", "分子数值", "分母", "分母数值", "口径"];
    for (col, header) in headers.iter().enumerate() {
        write_text(cover, header_row, col as u16, header, Some(&f.header), cuts)?;
    }
    for (i, h) in data.headlines.iter().enumerate() {
        let row = header_row + 1 + i as u32;
        let figure = if h.amounts { &f.money } else { &f.count };
        write_text(cover, row, 0, &h.name, Some(&f.text), cuts)?;
        write_optional(cover, row, 1, h.rate, &f.percent, &f.text, cuts)?;
        write_text(cover, row, 2, &h.numerator_label, Some(&f.text), cuts)?;
        cover.write_number_with_format(row, 3, number(h.numerator), figure)?;
        write_text(cover, row, 4, &h.denominator_label, Some(&f.text), cuts)?;
        cover.write_number_with_format(row, 5, number(h.denominator), figure)?;
        write_text(cover, row, 6, &h.basis, Some(&f.text), cuts)?;
        // Wrapped, and the row as tall as the longest text needs: Excel does not grow a row
        // for wrapped text written by a program.
        let lines = [
            wrapped_lines(&h.basis, widths[6]),
            wrapped_lines(&h.numerator_label, widths[2]),
            wrapped_lines(&h.denominator_label, widths[4]),
        ]
        .into_iter()
        .max()
        .unwrap_or(1);
        cover.set_row_height(row, 15.0 * lines as f64 + 2.0)?;
    }
    let cover_notes_row = header_row + 2 + data.headlines.len() as u32;
    print_setup(cover, (header_row, header_row), data.as_of)?;

    // League table with shading on ahead/behind.
    let league = workbook.add_worksheet();
    league.set_name("赛马榜")?;
    let headers = [
        "排名",
        "名次变化",
        "专班",
        "综合得分",
        "签约率",
        "资金到位率",
        "投产达效率",
        "年度目标(万元)",
        "完成率",
        "序时进度",
        "超/欠进度",
    ];
    write_text(
        league,
        0,
        0,
        &format!("{}　赛马榜（{period}）", data.title),
        Some(&f.title),
        cuts,
    )?;
    for (col, header) in headers.iter().enumerate() {
        write_text(league, 1, col as u16, header, Some(&f.header), cuts)?;
        league.set_column_width(col as u16, if col == 2 { 22 } else { 12 })?;
    }
    for (i, r) in data.league.iter().enumerate() {
        let row = 2 + i as u32;
        league.write_number_with_format(row, 0, f64::from(r.rank), &f.count)?;
        match r.rank_change {
            Some(change) => {
                league.write_number_with_format(row, 1, f64::from(change), &f.count)?;
            }
            None => write_text(league, row, 1, "—", Some(&f.text), cuts)?,
        };
        write_text(league, row, 2, &r.team, Some(&f.text), cuts)?;
        league.write_number_with_format(row, 3, number(r.score), &f.number)?;
        write_optional(league, row, 4, r.sign_rate, &f.percent, &f.text, cuts)?;
        write_optional(league, row, 5, r.funds_arrival_rate, &f.percent, &f.text, cuts)?;
        write_optional(
            league,
            row,
            6,
            r.production_effectiveness_rate,
            &f.percent,
            &f.text,
            cuts,
        )?;
        write_optional(league, row, 7, r.target, &f.money, &f.text, cuts)?;
        write_optional(league, row, 8, r.completion, &f.percent, &f.text, cuts)?;
        write_optional(league, row, 9, r.progress, &f.percent, &f.text, cuts)?;
        write_optional(league, row, 10, r.ahead, &f.percent, &f.text, cuts)?;
    }
    let last = 1 + data.league.len().max(1) as u32;
    // Red when more than 10 points behind time-proportional progress, yellow when behind,
    // green when on or ahead of it.
    league.add_conditional_format(
        2,
        10,
        last,
        10,
        &ConditionalFormatCell::new()
            .set_rule(ConditionalFormatCellRule::LessThan(-0.1))
            .set_format(&f.red),
    )?;
    league.add_conditional_format(
        2,
        10,
        last,
        10,
        &ConditionalFormatCell::new()
            .set_rule(ConditionalFormatCellRule::Between(-0.1, -0.000001))
            .set_format(&f.yellow),
    )?;
    league.add_conditional_format(
        2,
        10,
        last,
        10,
        &ConditionalFormatCell::new()
            .set_rule(ConditionalFormatCellRule::GreaterThanOrEqualTo(0))
            .set_format(&f.green),
    )?;
    if !data.league.is_empty() {
        let mut chart = Chart::new(ChartType::Column);
        chart.title().set_name("各专班三率对比");
        for (col, name) in [(4u16, "签约率"), (5, "资金到位率"), (6, "投产达效率")] {
            chart
                .add_series()
                .set_name(name)
                .set_categories(("赛马榜", 2, 2, last, 2))
                .set_values(("赛马榜", 2, col, last, col));
        }
        chart.y_axis().set_num_format("0%");
        league.insert_chart(last + 2, 0, &chart)?;
    }
    print_setup(league, (1, 1), data.as_of)?;

    // Monthly trend with a line chart.
    let trend = workbook.add_worksheet();
    trend.set_name("月度趋势")?;
    write_text(trend, 0, 0, "月度签约与资金到位（万元）", Some(&f.title), cuts)?;
    for (col, header) in ["月份", "签约合同投资额", "到位资金"].iter().enumerate() {
        write_text(trend, 1, col as u16, header, Some(&f.header), cuts)?;
        trend.set_column_width(col as u16, 18)?;
    }
    for (i, m) in data.months.iter().enumerate() {
        let row = 2 + i as u32;
        write_text(trend, row, 0, &m.month, Some(&f.text), cuts)?;
        trend.write_number_with_format(row, 1, number(m.contracted_signed), &f.money)?;
        trend.write_number_with_format(row, 2, number(m.funds_arrived), &f.money)?;
    }
    if !data.months.is_empty() {
        let last = 1 + data.months.len() as u32;
        let mut chart = Chart::new(ChartType::Line);
        chart.title().set_name("月度签约与资金到位");
        for (col, name) in [(1u16, "签约合同投资额"), (2, "到位资金")] {
            chart
                .add_series()
                .set_name(name)
                .set_categories(("月度趋势", 2, 0, last, 0))
                .set_values(("月度趋势", 2, col, last, col));
        }
        trend.insert_chart(1, 4, &chart)?;
    }
    print_setup(trend, (1, 1), data.as_of)?;

    // The long sheets, warnings (most severe first: the caller sorts) and the drill-down of
    // each rate, stream their rows to disk as written (constant memory), as the ledger export
    // does, and are written side by side, each on a thread of its own. Their formats are
    // registered first, so their order in the workbook does not depend on the threads'.
    for format in [&f.header, &f.text, &f.red, &f.yellow] {
        workbook.register_format(format);
    }
    let first_long = workbook.worksheets().len();
    for name in std::iter::once("预警项目").chain(data.drill_downs.iter().map(|d| d.sheet.as_str())) {
        workbook.add_worksheet_with_constant_memory()?.set_name(name)?;
    }
    let (warnings, drills) = workbook.worksheets_mut()[first_long..]
        .split_first_mut()
        .expect("the warnings sheet was just added");
    let long_cuts = std::thread::scope(|scope| {
        if let Some(note) = &data.rows_note {
            // A page header holds text up to 255 characters, `&` doubled.
            let header = format!("&L{}", note.replace('&', "&&").chars().take(250).collect::<String>());
            warnings.set_header(&header);
            for sheet in drills.iter_mut() {
                sheet.set_header(&header);
            }
        }
        let mut threads = vec![scope.spawn(|| write_warnings(warnings, &data.warnings, &f, data.as_of))];
        for (sheet, drill) in drills.iter_mut().zip(&data.drill_downs) {
            threads.push(scope.spawn(|| write_drill_down(sheet, drill, &f, data.as_of)));
        }
        threads
            .into_iter()
            .map(|thread| thread.join().expect("a report sheet's thread panicked"))
            .collect::<Result<Vec<Cuts>, XlsxError>>()
    })?;
    for sheet_cuts in long_cuts {
        cut.extend(sheet_cuts);
    }
    if !cut.is_empty() {
        // Below the headlines, where a reader of the cover (printed, often) sees it.
        let row = cover_notes_row;
        let cover = workbook.worksheet_from_index(0)?;
        write_text(cover, row, 0, &cut_summary(&cut), Some(&f.note), &mut Cuts::default())?;
    }
    add_cut_notes(&mut workbook, &cut)?;
    Ok(Written {
        bytes: workbook.save_to_buffer()?,
        cut_cells: cut.len(),
    })
}

/// A long sheet's first row: its column headers, with the columns' widths.
fn write_header(sheet: &mut Worksheet, columns: &[(&str, f64)], f: &Formats, cuts: &mut Cuts) -> Result<(), XlsxError> {
    for (col, (header, width)) in columns.iter().enumerate() {
        write_text(sheet, 0, col as u16, header, Some(&f.header), cuts)?;
        sheet.set_column_width(col as u16, *width)?;
    }
    Ok(())
}

/// The warnings sheet: one row per red or yellow project; returns the cells cut.
fn write_warnings(
    sheet: &mut Worksheet,
    rows: &[WarningRow],
    f: &Formats,
    as_of: NaiveDate,
) -> Result<Cuts, XlsxError> {
    let mut cut = Cuts::default();
    let cuts = &mut cut;
    write_header(
        sheet,
        &[
            ("预警", 8.0),
            ("项目编号", 14.0),
            ("项目名称", 30.0),
            ("专班", 20.0),
            ("原因", 70.0),
        ],
        f,
        cuts,
    )?;
    for (i, w) in rows.iter().enumerate() {
        let row = 1 + i as u32;
        let light = if w.light == "红" { &f.red } else { &f.yellow };
        write_text(sheet, row, 0, &w.light, Some(light), cuts)?;
        write_text(sheet, row, 1, &w.code, Some(&f.text), cuts)?;
        write_text(sheet, row, 2, &w.name, Some(&f.text), cuts)?;
        write_text(sheet, row, 3, &w.team, Some(&f.text), cuts)?;
        write_text(sheet, row, 4, &w.reasons, Some(&f.text), cuts)?;
    }
    print_setup(sheet, (0, 0), as_of)?;
    Ok(cut)
}

/// The drill-down sheet of one rate: every project behind it; returns the cells cut.
fn write_drill_down(
    sheet: &mut Worksheet,
    drill: &DrillDown,
    f: &Formats,
    as_of: NaiveDate,
) -> Result<Cuts, XlsxError> {
    let mut cut = Cuts::default();
    let cuts = &mut cut;
    write_header(
        sheet,
        &[
            ("项目编号", 14.0),
            ("项目名称", 30.0),
            ("专班", 20.0),
            ("计入分子", 10.0),
            ("依据", 70.0),
        ],
        f,
        cuts,
    )?;
    for (i, r) in drill.rows.iter().enumerate() {
        let row = 1 + i as u32;
        write_text(sheet, row, 0, &r.code, Some(&f.text), cuts)?;
        write_text(sheet, row, 1, &r.name, Some(&f.text), cuts)?;
        write_text(sheet, row, 2, &r.team, Some(&f.text), cuts)?;
        write_text(sheet, row, 3, if r.counts { "是" } else { "否" }, Some(&f.text), cuts)?;
        write_text(sheet, row, 4, &r.detail, Some(&f.text), cuts)?;
    }
    print_setup(sheet, (0, 0), as_of)?;
    Ok(cut)
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use calamine::{DataType, Reader, Xlsx};

    use super::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn sample() -> ReportData {
        ReportData {
            title: "大足区招商引资工作通报".into(),
            summary: "2025年1—10月，全区在谈项目25个，其中签约9个，签约率36.0%。".into(),
            from: "2025-01-01".parse().unwrap(),
            to: "2025-10-31".parse().unwrap(),
            as_of: "2025-10-31".parse().unwrap(),
            headlines: vec![Headline {
                name: "项目签约率".into(),
                basis: "期间口径".into(),
                numerator_label: "签约项目数".into(),
                amounts: false,
                numerator: dec("9"),
                denominator_label: "在谈项目数".into(),
                denominator: dec("25"),
                rate: Some(dec("0.36")),
            }],
            league: vec![LeagueRow {
                rank: 1,
                rank_change: Some(2),
                team: "氢能专班".into(),
                score: dec("0.5"),
                sign_rate: Some(dec("0.5")),
                funds_arrival_rate: None,
                production_effectiveness_rate: Some(dec("1")),
                target: Some(dec("100000")),
                completion: Some(dec("0.6")),
                progress: Some(dec("0.83")),
                ahead: Some(dec("-0.23")),
            }],
            months: vec![MonthRow {
                month: "2025-01".into(),
                contracted_signed: dec("100.5"),
                funds_arrived: dec("20"),
            }],
            warnings: vec![WarningRow {
                light: "红".into(),
                code: "DZ1".into(),
                name: "项目".into(),
                team: "氢能专班".into(),
                reasons: "约定开工逾期120天".into(),
            }],
            drill_downs: vec![DrillDown {
                sheet: "签约率明细".into(),
                rows: vec![DrillRow {
                    code: "DZ1".into(),
                    name: "项目".into(),
                    team: "氢能专班".into(),
                    counts: true,
                    detail: "2025-03-01签约".into(),
                }],
            }],
            rows_note: None,
        }
    }

    #[test]
    fn the_report_has_its_sheets_figures_charts_and_print_setup() {
        let bytes = write_report(&sample()).unwrap().bytes;
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.clone())).unwrap();
        assert_eq!(
            book.sheet_names(),
            ["概览", "赛马榜", "月度趋势", "预警项目", "签约率明细"]
        );
        let cover = book.worksheet_range("概览").unwrap();
        let row = (0..20u32)
            .find(|r| cover.get_value((*r, 0)).map(|v| v.to_string()) == Some("项目签约率".into()))
            .expect("the cover lists the sign rate");
        assert_eq!(cover.get_value((row, 1)).unwrap().as_f64(), Some(0.36));
        assert_eq!(cover.get_value((row, 3)).unwrap().as_f64(), Some(9.0));
        assert_eq!(cover.get_value((2, 0)).unwrap().to_string(), sample().summary);
        // The rate stated large above the table.
        assert!(
            (0..row).any(|r| (0..7u32).any(|c| cover.get_value((r, c)).map(|v| v.to_string()) == Some("36.0%".into())))
        );
        let league = book.worksheet_range("赛马榜").unwrap();
        assert_eq!(league.get_value((2, 5)).unwrap().to_string(), "—");

        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let names: Vec<String> = zip.file_names().map(str::to_string).collect();
        assert!(
            names.iter().any(|n| n == "xl/charts/chart1.xml") && names.iter().any(|n| n == "xl/charts/chart2.xml"),
            "{names:?}"
        );
        let mut sheet2 = String::new();
        zip.by_name("xl/worksheets/sheet2.xml")
            .unwrap()
            .read_to_string(&mut sheet2)
            .unwrap();
        assert_eq!(sheet2.matches("<cfRule").count(), 3);
        assert!(sheet2.contains(r#"orientation="landscape""#) && sheet2.contains(r#"paperSize="9""#));
        assert!(sheet2.contains("fitToWidth") || sheet2.contains("fitToPage"));
        assert!(sheet2.contains("&amp;P"), "the footer numbers pages");
    }
}
