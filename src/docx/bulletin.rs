//! A bulletin in the layout of a district government's bulletin (GB/T 9704 in spirit): a red
//! banner with the bulletin's name, its issue, the issuing unit and the date above a red rule;
//! a title; sections headed 一、二、… in 黑体 with paragraphs in 仿宋 at a fixed 28-point
//! line; tables with a shaded header row and shaded red / yellow cells; notes on the bases at
//! the end; page numbers "— 1 —" at the foot. A4 portrait, or landscape for wide lists.

use docx_rs::{
    AlignmentType, BorderType, Docx, Footer, HeightRule, LineSpacing, LineSpacingType, PageMargin, PageNum,
    PageOrientationType, Paragraph, ParagraphBorder, ParagraphBorderPosition, ParagraphBorders, Run, RunFonts, Shading,
    SpecialIndentType, Table, TableAlignmentType, TableCell, TableLayoutType, TableRow, VAlignType, WidthType,
};

/// One paragraph, table or sub-heading of a section.
#[derive(Debug, Clone)]
pub enum Block {
    /// A paragraph of body text, indented two characters.
    Text(String),
    /// A sub-heading: "（一）签约情况" in 楷体.
    Subheading(String),
    /// A table.
    Table(Grid),
}

/// A table: its columns (header, relative width) and rows of cells.
#[derive(Debug, Clone)]
pub struct Grid {
    pub columns: Vec<(String, u32)>,
    pub rows: Vec<Vec<Cell>>,
}

/// A cell's shading, for the light it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shade {
    None,
    Red,
    Yellow,
    Green,
}

/// A table cell.
#[derive(Debug, Clone)]
pub struct Cell {
    pub text: String,
    pub shade: Shade,
    /// Figures are centred; texts start at the left.
    pub centred: bool,
}

impl Cell {
    /// A figure (or a short label), centred.
    pub fn figure(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            shade: Shade::None,
            centred: true,
        }
    }

    /// A text, from the left.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            shade: Shade::None,
            centred: false,
        }
    }

    pub fn shaded(mut self, shade: Shade) -> Self {
        self.shade = shade;
        self
    }
}

/// A section: "一、总体情况" and what follows it.
#[derive(Debug, Clone)]
pub struct Section {
    pub heading: String,
    pub blocks: Vec<Block>,
}

/// Everything a bulletin shows.
#[derive(Debug, Clone)]
pub struct Bulletin {
    /// The bulletin's name in the red banner (a setting), e.g. 全区招商引资工作情况通报.
    pub banner: String,
    /// The issue line under it, e.g. 2026年第11期.
    pub issue: String,
    /// The issuing unit (a setting).
    pub issuer: String,
    /// The date of issue in words, e.g. 2026年12月7日.
    pub issued_on: String,
    /// The title above the body, e.g. 2026年11月全区招商引资工作情况.
    pub title: String,
    /// A line under the title, e.g. the period and as-of date.
    pub subtitle: Option<String>,
    pub sections: Vec<Section>,
    /// Notes at the end (the bases of the rates, who may see which projects).
    pub notes: Vec<String>,
    /// Landscape pages, for wide lists.
    pub landscape: bool,
}

const RED: &str = "C00000";
/// Half-points: 小初 36 pt for the banner, 二号 22 pt for the title, 三号 16 pt for the body,
/// 五号 10.5 pt in tables.
const BANNER_SIZE: usize = 72;
const TITLE_SIZE: usize = 44;
const BODY_SIZE: usize = 32;
const TABLE_SIZE: usize = 21;
/// The body's fixed line: 28 points, in twentieths of a point.
const BODY_LINE: i32 = 560;
/// The least height of a table's header row (twips), which also marks it for
/// [`repeat_header_rows`]: docx-rs writes no `w:tblHeader`.
const HEADER_ROW_HEIGHT: f32 = 397.0;
const HEADER_ROW_MARK: &str = r#"<w:trHeight w:val="397" w:hRule="atLeast" />"#;

fn fonts(east_asia: &str) -> RunFonts {
    RunFonts::new()
        .east_asia(east_asia)
        .ascii("Times New Roman")
        .hi_ansi("Times New Roman")
}

fn title_fonts() -> RunFonts {
    fonts("方正小标宋简体")
}

fn body_fonts() -> RunFonts {
    fonts("仿宋_GB2312")
}

fn heading_fonts() -> RunFonts {
    fonts("黑体")
}

fn subheading_fonts() -> RunFonts {
    fonts("楷体_GB2312")
}

/// The banner on one line: 小初 for a short name, smaller for a longer one (a portrait
/// line holds about fifteen characters of 28 points).
fn banner_size(banner: &str) -> usize {
    match banner.chars().count() {
        0..=12 => BANNER_SIZE,
        13..=15 => 56,
        _ => 48,
    }
}

fn run(text: &str, size: usize, fonts: RunFonts) -> Run {
    Run::new().add_text(text).size(size).fonts(fonts)
}

fn centred(text: &str, size: usize, fonts: RunFonts) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, size, fonts))
        .align(AlignmentType::Center)
}

fn body_spacing() -> LineSpacing {
    LineSpacing::new().line_rule(LineSpacingType::Exact).line(BODY_LINE)
}

fn body(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, BODY_SIZE, body_fonts()))
        .align(AlignmentType::Both)
        .indent(None, Some(SpecialIndentType::FirstLine(640)), None, None)
        .line_spacing(body_spacing())
}

fn heading(text: &str, fonts: RunFonts) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, BODY_SIZE, fonts))
        .indent(None, Some(SpecialIndentType::FirstLine(640)), None, None)
        .line_spacing(body_spacing())
        .keep_next(true)
}

fn shade_fill(shade: Shade) -> Option<&'static str> {
    match shade {
        Shade::None => None,
        Shade::Red => Some("F8CBAD"),
        Shade::Yellow => Some("FFE699"),
        Shade::Green => Some("C6EFCE"),
    }
}

fn table_cell(cell: &Cell, width: usize, header: bool) -> TableCell {
    let fonts = if header { heading_fonts() } else { body_fonts() };
    let mut paragraph = Paragraph::new()
        .add_run(run(&cell.text, TABLE_SIZE, fonts))
        .line_spacing(LineSpacing::new().before(20).after(20));
    if cell.centred || header {
        paragraph = paragraph.align(AlignmentType::Center);
    }
    let mut table_cell = TableCell::new()
        .add_paragraph(paragraph)
        .width(width, WidthType::Dxa)
        .vertical_align(VAlignType::Center);
    let fill = if header { Some("D9E2F3") } else { shade_fill(cell.shade) };
    if let Some(fill) = fill {
        table_cell = table_cell.shading(Shading::new().fill(fill).color("auto"));
    }
    table_cell
}

fn grid_table(grid: &Grid, text_width: usize) -> Table {
    let total: u32 = grid.columns.iter().map(|(_, w)| *w).sum::<u32>().max(1);
    let widths: Vec<usize> = grid
        .columns
        .iter()
        .map(|(_, w)| text_width * *w as usize / total as usize)
        .collect();
    let header = TableRow::new(
        grid.columns
            .iter()
            .zip(&widths)
            .map(|((name, _), width)| table_cell(&Cell::figure(name.clone()), *width, true))
            .collect(),
    )
    .cant_split()
    .row_height(HEADER_ROW_HEIGHT)
    .height_rule(HeightRule::AtLeast);
    let mut rows = vec![header];
    for row in &grid.rows {
        rows.push(
            TableRow::new(
                row.iter()
                    .zip(&widths)
                    .map(|(cell, width)| table_cell(cell, *width, false))
                    .collect(),
            )
            .cant_split(),
        );
    }
    Table::new(rows)
        .set_grid(widths)
        .layout(TableLayoutType::Fixed)
        .align(TableAlignmentType::Center)
        .width(text_width, WidthType::Dxa)
}

/// Writes the bulletin as a DOCX document.
pub fn write_bulletin(bulletin: &Bulletin) -> Result<Vec<u8>, String> {
    // A4 in twips, with the margins of GB/T 9704 (top 37 mm, bottom 35 mm, left 28 mm, right
    // 26 mm); landscape turns the page.
    let (short, long) = (11_906u32, 16_838u32);
    let (page_width, page_height) = if bulletin.landscape {
        (long, short)
    } else {
        (short, long)
    };
    let (left, right) = (1_587, 1_474);
    let text_width = (page_width as i32 - left - right) as usize;
    let mut docx = Docx::new()
        .page_size(page_width, page_height)
        .page_margin(
            PageMargin::new()
                .top(if bulletin.landscape { 1_417 } else { 2_098 })
                .bottom(if bulletin.landscape { 1_417 } else { 1_984 })
                .left(left)
                .right(right)
                .header(851)
                .footer(992),
        )
        .default_fonts(body_fonts())
        .default_size(BODY_SIZE);
    if bulletin.landscape {
        docx = docx.page_orient(PageOrientationType::Landscape);
    }
    let footer = Footer::new().add_paragraph(
        Paragraph::new()
            .add_run(run("— ", 28, body_fonts()))
            .add_page_num(PageNum::new())
            .add_run(run(" —", 28, body_fonts()))
            .align(AlignmentType::Center),
    );
    docx = docx.footer(footer);

    // The red banner, the issue, the issuing unit and date, and the red rule.
    docx = docx.add_paragraph(
        Paragraph::new()
            .add_run(run(&bulletin.banner, banner_size(&bulletin.banner), title_fonts()).color(RED))
            .align(AlignmentType::Center)
            .line_spacing(LineSpacing::new().before(0).after(240)),
    );
    docx = docx.add_paragraph(centred(&bulletin.issue, BODY_SIZE, body_fonts()));
    let rule = ParagraphBorders::with_empty().set(
        ParagraphBorder::new(ParagraphBorderPosition::Bottom)
            .val(BorderType::Single)
            .size(24)
            .space(4)
            .color(RED),
    );
    docx = docx.add_paragraph(
        Paragraph::new()
            .add_run(run(&bulletin.issuer, BODY_SIZE, body_fonts()))
            .add_run(Run::new().add_tab())
            .add_run(run(&bulletin.issued_on, BODY_SIZE, body_fonts()))
            .add_tab(docx_rs::Tab::new().val(docx_rs::TabValueType::Right).pos(text_width))
            .set_borders(rule)
            .line_spacing(LineSpacing::new().after(480)),
    );
    docx = docx.add_paragraph(
        centred(&bulletin.title, TITLE_SIZE, title_fonts()).line_spacing(LineSpacing::new().before(240).after(240)),
    );
    if let Some(subtitle) = &bulletin.subtitle {
        docx = docx.add_paragraph(
            centred(subtitle, BODY_SIZE, subheading_fonts()).line_spacing(LineSpacing::new().after(240)),
        );
    }

    for section in &bulletin.sections {
        docx = docx.add_paragraph(heading(&section.heading, heading_fonts()));
        for block in &section.blocks {
            docx = match block {
                Block::Text(text) => docx.add_paragraph(body(text)),
                Block::Subheading(text) => docx.add_paragraph(heading(text, subheading_fonts())),
                Block::Table(grid) => docx
                    .add_table(grid_table(grid, text_width))
                    .add_paragraph(Paragraph::new().line_spacing(LineSpacing::new().after(120))),
            };
        }
    }
    if !bulletin.notes.is_empty() {
        docx = docx.add_paragraph(heading("附注", heading_fonts()));
        for note in &bulletin.notes {
            docx = docx.add_paragraph(body(note));
        }
    }

    let mut bytes = std::io::Cursor::new(Vec::new());
    docx.build()
        .pack(&mut bytes)
        .map_err(|e| format!("writing the bulletin document: {e}"))?;
    repeat_header_rows(bytes.into_inner()).map_err(|e| format!("writing the bulletin document: {e}"))
}

/// Marks every table's header row (the rows [`HEADER_ROW_MARK`] marks) to repeat atop each
/// page the table runs onto, as a printed bulletin's tables do: the package copied part by
/// part, `word/document.xml` with `w:tblHeader` added.
fn repeat_header_rows(docx: Vec<u8>) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    use std::io::{Read, Write};
    let mut package = zip::ZipArchive::new(std::io::Cursor::new(docx))?;
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for index in 0..package.len() {
        let mut part = package.by_index(index)?;
        let name = part.name().to_string();
        let mut content = Vec::new();
        part.read_to_end(&mut content)?;
        if name == "word/document.xml" {
            let xml = String::from_utf8(content)?;
            content = xml
                .replace(HEADER_ROW_MARK, &format!("{HEADER_ROW_MARK}<w:tblHeader />"))
                .into_bytes();
        }
        out.start_file(name, options)?;
        out.write_all(&content)?;
    }
    Ok(out.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    #[test]
    fn the_bulletin_holds_its_banner_title_sections_tables_and_page_numbers() {
        let bulletin = Bulletin {
            banner: "全区招商引资工作情况通报".into(),
            issue: "2026年第11期".into(),
            issuer: "大足区招商引资工作领导小组办公室".into(),
            issued_on: "2026年12月7日".into(),
            title: "2026年11月全区招商引资工作情况".into(),
            subtitle: None,
            sections: vec![Section {
                heading: "一、总体情况".into(),
                blocks: vec![
                    Block::Text("1—11月，全区新签约项目92个，签约率40.4%。".into()),
                    Block::Table(Grid {
                        columns: vec![("排名".into(), 1), ("专班".into(), 3)],
                        rows: vec![vec![Cell::figure("1"), Cell::text("氢能专班").shaded(Shade::Red)]],
                    }),
                ],
            }],
            notes: vec!["签约率：期间口径。".into()],
            landscape: false,
        };
        let bytes = write_bulletin(&bulletin).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut document = String::new();
        zip.by_name("word/document.xml")
            .unwrap()
            .read_to_string(&mut document)
            .unwrap();
        for text in [
            "全区招商引资工作情况通报",
            "大足区招商引资工作领导小组办公室",
            "一、总体情况",
            "签约率40.4%",
            "氢能专班",
            "F8CBAD",
            "附注",
        ] {
            assert!(document.contains(text), "{text}");
        }
        assert_eq!(document.matches("<w:tblHeader />").count(), 1, "the header row repeats");
        let footers: Vec<String> = zip
            .file_names()
            .filter(|n| n.starts_with("word/footer"))
            .map(str::to_string)
            .collect();
        assert!(!footers.is_empty());
        let mut footer = String::new();
        zip.by_name(&footers[0]).unwrap().read_to_string(&mut footer).unwrap();
        assert!(footer.contains("PAGE"), "{footer}");
    }
}
