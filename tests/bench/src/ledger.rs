//! The benchmark's ledger (台账): a district-wide ledger of any number of projects that looks
//! like `tests/fixtures/ledger_sample.xlsx` (the real one) at scale, generated from a fixed
//! seed so every run reads the same bytes.
//!
//! What the sample has, it has: a merged title row and a merged line with the reporting unit,
//! the as-of date and the unit; a two-row header with merged group headers (签约情况 over
//! 协议类型 / 签约时间 / 合同投资额, 资金到位情况 over 本年到位 / 累计到位); amounts in 万元 as
//! numbers and as text ("6056万元", "1.871E+5万元", "2.68亿", "约3亿", "12,345万元"); dates as
//! date cells, bare Excel serial numbers and text in every form teams write ("2025.3.15",
//! "2025/3/15", "2025年3月15日", "2025-03-15", "2025年3月", "2025-03", "202503"); the empty
//! markers "-", "/", "无", "暂无"; stage names in their variants; a blank row; a 合计 row and
//! a note under the table. At scale it also has what district ledgers have between a team's
//! blocks: the 招商专班 cell merged down each block and a 小计 row after it.
//!
//! Every row is consistent (dates in order and not after the as-of date, funds only for signed
//! projects, this year's funds within the cumulative ones), so the whole file imports without
//! an error or a warning.
//!
//! [`write_changed_ledger`] writes the same ledger a month later, with a tenth of its projects
//! changed (see [`changed`]).

mod changed;

pub use changed::{Changes, write_changed_ledger};

use std::collections::HashSet;
use std::path::Path;

use chrono::{Datelike, Days, Months, NaiveDate};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Format, FormatAlign, Workbook, Worksheet, XlsxError};
use sea_orm::{ConnectionTrait, Statement};

/// Bumped whenever the generator's output changes, so cached files are not reused.
pub const GENERATOR_VERSION: u32 = 1;

/// The as-of date the ledger states (统计截至).
pub fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 10, 31).expect("a date")
}

/// The reference data a ledger names: task forces with their cluster, and parks, as the
/// shipped migrations seed them.
pub struct Reference {
    pub teams: Vec<(String, String)>,
    pub parks: Vec<String>,
}

impl Reference {
    /// Reads the teams (with their clusters) and parks of a migrated database.
    pub async fn load(db: &impl ConnectionTrait) -> anyhow::Result<Self> {
        let backend = db.get_database_backend();
        let rows = db
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT t.name AS team, c.name AS cluster FROM teams t JOIN clusters c ON c.id = t.cluster_id ORDER BY t.id",
            ))
            .await?;
        let teams = rows
            .iter()
            .map(|r| Ok((r.try_get::<String>("", "team")?, r.try_get::<String>("", "cluster")?)))
            .collect::<Result<Vec<_>, sea_orm::DbErr>>()?;
        let rows = db
            .query_all_raw(Statement::from_string(backend, "SELECT name FROM parks ORDER BY id"))
            .await?;
        let parks = rows
            .iter()
            .map(|r| r.try_get::<String>("", "name"))
            .collect::<Result<Vec<_>, _>>()?;
        anyhow::ensure!(!teams.is_empty() && !parks.is_empty(), "no reference data to name");
        Ok(Self { teams, parks })
    }
}

/// The columns, as in the sample: (upper header, lower header under a group).
const HEADERS: [&str; 24] = [
    "序号",
    "项目编号",
    "项目名称",
    "投资方",
    "统一社会信用代码",
    "产业集群",
    "落地园区",
    "招商专班",
    "包保领导",
    "项目状态",
    "洽谈时间",
    "协议类型",
    "签约时间",
    "合同投资额",
    "本年到位",
    "累计到位",
    "约定开工时间",
    "实际开工时间",
    "约定投产时间",
    "实际投产时间",
    "达产时间",
    "约定年产值",
    "项目进展",
    "备注",
];

mod col {
    pub const SEQ: u16 = 0;
    pub const CODE: u16 = 1;
    pub const NAME: u16 = 2;
    pub const INVESTOR: u16 = 3;
    pub const CREDIT_CODE: u16 = 4;
    pub const CLUSTER: u16 = 5;
    pub const PARK: u16 = 6;
    pub const TEAM: u16 = 7;
    pub const LEADER: u16 = 8;
    pub const STAGE: u16 = 9;
    pub const NEGOTIATING: u16 = 10;
    pub const AGREEMENT: u16 = 11;
    pub const SIGNED: u16 = 12;
    pub const CONTRACTED: u16 = 13;
    pub const FUNDS_THIS_YEAR: u16 = 14;
    pub const FUNDS_CUMULATIVE: u16 = 15;
    pub const PROMISED_START: u16 = 16;
    pub const ACTUAL_START: u16 = 17;
    pub const PROMISED_PRODUCTION: u16 = 18;
    pub const ACTUAL_PRODUCTION: u16 = 19;
    pub const EFFECTIVE: u16 = 20;
    pub const OUTPUT: u16 = 21;
    pub const PROGRESS: u16 = 22;
    pub const NOTES: u16 = 23;
    pub const LAST: u16 = 23;
}

const CITIES: [&str; 16] = [
    "上海", "苏州", "四川", "江苏", "成都", "浙江", "深圳", "广东", "重庆", "杭州", "宁波", "武汉", "西安", "长沙",
    "厦门", "无锡",
];
const NAME_CHARS: [&str; 40] = [
    "智", "航", "博", "远", "星", "河", "佳", "禾", "凯", "盛", "润", "泽", "宏", "达", "鼎", "力", "海", "纳", "嘉",
    "陵", "鑫", "源", "恒", "信", "长", "风", "锐", "驰", "启", "明", "华", "创", "巴", "渝", "远", "景", "天", "成",
    "新", "宇",
];
const KINDS: [&str; 8] = ["科技", "集团", "实业", "新材料股份", "智能装备", "电子", "机械", "食品"];
const PRODUCTS: [&str; 28] = [
    "预制菜",
    "精密五金件",
    "电梯部件",
    "智能电梯整机",
    "高分子复合材料",
    "中药配方颗粒",
    "储能电池Pack",
    "再生铝深加工",
    "再生铜杆",
    "软件外包基地",
    "数据中心",
    "工业互联网平台",
    "分布式光伏",
    "起重设备",
    "片式电容",
    "通航维修基地",
    "智能锁具",
    "中药饮片",
    "调味品",
    "压力容器",
    "医药中间体",
    "LED封装",
    "氢能装备",
    "汽车轻量化部件",
    "储能变流器",
    "刀具刃具",
    "无人机整机",
    "工业机器人",
];
const LEADERS: [&str; 8] = ["张明", "吴亚莉", "邓茂强", "周海峰", "雷科", "杨桦", "罗晓春", "陈立"];
const PROGRESS: [&str; 6] = [
    "正在洽谈供地",
    "已试生产",
    "正在办理环评手续",
    "设备安装调试",
    "厂房主体施工中",
    "项目前期手续办理中",
];
const NOTES: [&str; 3] = ["市级重点项目", "区领导交办", "重点项目"];
const MARKERS: [&str; 4] = ["-", "/", "无", "暂无"];
/// Characters of a unified social credit code: digits and capitals but I, O, Z, S, V.
const CREDIT_CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// One cell as it is written.
enum Cell {
    Text(String),
    Number(f64),
    /// A real date cell.
    Date(NaiveDate),
}

/// The stage a project has reached, and how the ledger words it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    Lead,
    Negotiating,
    Signed,
    Started,
    Producing,
    Effective,
    Terminated,
}

impl Stage {
    fn words(self) -> &'static [&'static str] {
        match self {
            Self::Lead => &["线索", "储备"],
            Self::Negotiating => &["在谈", "洽谈中", "洽谈", "在洽谈"],
            Self::Signed => &["签约", "已签约", "签约落地"],
            Self::Started => &["已开工", "开工建设", "在建", "建设中"],
            Self::Producing => &["已投产", "投产", "试生产"],
            Self::Effective => &["达产", "已达产", "达产达效"],
            Self::Terminated => &["终止", "退库", "已终止"],
        }
    }
}

/// An investor of the pool the projects draw from.
struct Investor {
    name: String,
    short: String,
    credit_code: Option<String>,
}

/// The ledger's facts for one project; the cells are written from these.
struct Project {
    stage: Stage,
    negotiating: Option<NaiveDate>,
    signed: Option<NaiveDate>,
    started: Option<NaiveDate>,
    producing: Option<NaiveDate>,
    effective: Option<NaiveDate>,
    contracted: Option<Decimal>,
    funds_this_year: Option<Decimal>,
    funds_cumulative: Option<Decimal>,
    promised_start: Option<NaiveDate>,
    promised_production: Option<NaiveDate>,
    output: Option<Decimal>,
}

/// What the generator wrote, for the benchmark to check the import against.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct LedgerStats {
    pub projects: usize,
    pub sheet_rows: u32,
}

/// Writes a ledger of `projects` project rows to `path`.
pub fn write_ledger(path: &Path, projects: usize, reference: &Reference) -> anyhow::Result<LedgerStats> {
    write(path, projects, reference, None)
}

/// Writes the ledger, or with `next_month` the same ledger a month later: the main generator
/// draws exactly as it does for the first, so every row that does not change is the same.
fn write(
    path: &Path,
    projects: usize,
    reference: &Reference,
    mut next_month: Option<&mut changed::NextMonth>,
) -> anyhow::Result<LedgerStats> {
    let mut rng = ChaCha8Rng::seed_from_u64(0x5a48_414f_5348_414e);
    let investors = investor_pool(&mut rng, (projects / 3).max(1));
    let mut workbook = Workbook::new();
    let formats = Formats::new();
    let sheet = workbook.add_worksheet_with_low_memory()?;
    sheet.set_name("招商项目台账")?;
    let stated_as_of = if next_month.is_some() {
        changed::as_of()
    } else {
        as_of()
    };
    write_heading(sheet, &formats, stated_as_of)?;

    let mut row: u32 = 4;
    let mut written = 0usize;
    let mut since_blank = 0usize;
    while written < projects {
        let (team, cluster) = reference.teams.choose(&mut rng).expect("teams");
        let block = rng.random_range(3..=40).min(projects - written);
        let first = row;
        let (mut contracted, mut this_year, mut cumulative) = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
        // The team cell merged down its block, written first: a constant-memory sheet writes
        // rows in order (the merge fills the rows below ahead of them).
        let last = first + block as u32 - 1;
        if last > first {
            sheet.merge_range(first, col::TEAM, last, col::TEAM, team, &formats.merged)?;
        } else {
            sheet.write_string(first, col::TEAM, team)?;
        }
        for _ in 0..block {
            written += 1;
            let investor = investors.choose(&mut rng).expect("investors");
            let mut project = project(&mut rng);
            let park = reference.parks.choose(&mut rng).expect("parks");
            let mut cells = project_cells(&mut rng, written, investor, cluster, park, &project);
            if let Some(month) = next_month.as_mut() {
                month.change(written, &mut project, &mut cells);
            }
            contracted += project.contracted.unwrap_or_default();
            this_year += project.funds_this_year.unwrap_or_default();
            cumulative += project.funds_cumulative.unwrap_or_default();
            write_cells(sheet, &formats, row, cells)?;
            row += 1;
        }
        // The block's subtotal: count and sums, as teams add them.
        sheet.write_string(row, col::SEQ, "小计")?;
        sheet.write_string(row, col::NAME, format!("{block}个项目"))?;
        sheet.write_number(row, col::CONTRACTED, number(contracted))?;
        sheet.write_number(row, col::FUNDS_THIS_YEAR, number(this_year))?;
        sheet.write_number(row, col::FUNDS_CUMULATIVE, number(cumulative))?;
        row += 1;
        since_blank += block;
        if since_blank > 300 {
            row += 1; // a blank row, as the sample has one
            since_blank = 0;
        }
    }
    sheet.write_string(row, col::SEQ, "合计")?;
    sheet.write_string(row, col::NAME, format!("{projects}个项目"))?;
    row += 2;
    sheet.write_string(row, col::SEQ, "注：1.资金单位为万元；2.项目状态以最新调度为准。")?;
    workbook.save(path)?;
    Ok(LedgerStats {
        projects,
        sheet_rows: row + 1,
    })
}

struct Formats {
    title: Format,
    plain: Format,
    header: Format,
    merged: Format,
    date: Format,
}

impl Formats {
    fn new() -> Self {
        Self {
            title: Format::new()
                .set_bold()
                .set_font_size(16)
                .set_align(FormatAlign::Center),
            plain: Format::new(),
            header: Format::new().set_bold().set_align(FormatAlign::Center),
            merged: Format::new().set_align(FormatAlign::VerticalCenter),
            date: Format::new().set_num_format("yyyy-mm-dd h:mm:ss"),
        }
    }
}

/// The title, the as-of line and the two-row header, merged as in the sample.
fn write_heading(sheet: &mut Worksheet, f: &Formats, as_of: NaiveDate) -> Result<(), XlsxError> {
    sheet.merge_range(0, 0, 0, col::LAST, "大足区2025年招商引资项目台账", &f.title)?;
    let line = format!(
        "填报单位：区投资促进中心　　　统计截至：{}年{}月{}日　　　单位：万元",
        as_of.year(),
        as_of.month(),
        as_of.day()
    );
    sheet.merge_range(1, 0, 1, col::LAST, &line, &f.plain)?;
    for (c, header) in HEADERS.iter().enumerate() {
        let c = c as u16;
        match c {
            col::AGREEMENT => {
                sheet.merge_range(2, col::AGREEMENT, 2, col::CONTRACTED, "签约情况", &f.header)?;
            }
            col::FUNDS_THIS_YEAR => {
                sheet.merge_range(
                    2,
                    col::FUNDS_THIS_YEAR,
                    2,
                    col::FUNDS_CUMULATIVE,
                    "资金到位情况",
                    &f.header,
                )?;
            }
            col::SIGNED | col::CONTRACTED | col::FUNDS_CUMULATIVE => {}
            _ => {
                sheet.merge_range(2, c, 3, c, header, &f.header)?;
            }
        }
    }
    for c in col::AGREEMENT..=col::FUNDS_CUMULATIVE {
        sheet.write_string_with_format(3, c, HEADERS[usize::from(c)], &f.header)?;
    }
    Ok(())
}

fn investor_pool(rng: &mut ChaCha8Rng, size: usize) -> Vec<Investor> {
    let mut seen = HashSet::new();
    let mut pool = Vec::with_capacity(size);
    let mut serial: u64 = 0;
    while pool.len() < size {
        let short = format!(
            "{}{}{}{}",
            CITIES.choose(rng).expect("cities"),
            NAME_CHARS.choose(rng).expect("chars"),
            NAME_CHARS.choose(rng).expect("chars"),
            KINDS.choose(rng).expect("kinds")
        );
        if !seen.insert(short.clone()) {
            // Past some thousands the two-character names run out: a third character.
            if seen.len() * 2 < CITIES.len() * NAME_CHARS.len() * NAME_CHARS.len() * KINDS.len() {
                continue;
            }
            let longer = format!("{}{}", NAME_CHARS.choose(rng).expect("chars"), short);
            if !seen.insert(longer.clone()) {
                continue;
            }
            pool.push(investor(rng, longer, &mut serial));
            continue;
        }
        pool.push(investor(rng, short, &mut serial));
    }
    pool
}

fn investor(rng: &mut ChaCha8Rng, short: String, serial: &mut u64) -> Investor {
    *serial += 1;
    // 85% have a credit code: 91500111, four random characters, and the serial in base 31
    // (so no two investors share one).
    let credit_code = rng.random_bool(0.85).then(|| {
        let mut code = String::from("91500111");
        for _ in 0..4 {
            code.push(char::from(*CREDIT_CHARS.choose(rng).expect("chars")));
        }
        let mut n = *serial;
        let mut tail = [b'0'; 6];
        for slot in tail.iter_mut().rev() {
            *slot = CREDIT_CHARS[(n % 31) as usize];
            n /= 31;
        }
        code.push_str(std::str::from_utf8(&tail).expect("ascii"));
        code
    });
    Investor {
        name: format!("{short}有限公司"),
        short,
        credit_code,
    }
}

/// A random day in `[from, to]`.
fn day_between(rng: &mut ChaCha8Rng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let span = (to - from).num_days().max(0) as u64;
    from + Days::new(rng.random_range(0..=span))
}

fn days_before(date: NaiveDate, rng: &mut ChaCha8Rng, min: u64, max: u64) -> NaiveDate {
    date - Days::new(rng.random_range(min..=max))
}

/// An amount in 万元 with 0, 1 or 2 decimals.
fn wan(rng: &mut ChaCha8Rng, value: f64) -> Decimal {
    let decimals = *[0u32, 0, 0, 0, 0, 0, 0, 1, 1, 2].choose(rng).expect("choices");
    Decimal::from_f64_retain(value)
        .unwrap_or_default()
        .round_dp(decimals)
        .normalize()
}

fn project(rng: &mut ChaCha8Rng) -> Project {
    let as_of = as_of();
    let stage = match rng.random_range(0..100) {
        0..2 => Stage::Lead,
        2..37 => Stage::Negotiating,
        37..57 => Stage::Signed,
        57..75 => Stage::Started,
        75..86 => Stage::Producing,
        86..92 => Stage::Effective,
        _ => Stage::Terminated,
    };
    // A terminated project stopped after negotiating (most) or after signing.
    let reached = match stage {
        Stage::Terminated if rng.random_bool(0.75) => Stage::Negotiating,
        Stage::Terminated => Stage::Signed,
        other => other,
    };
    let mut p = Project {
        stage,
        negotiating: None,
        signed: None,
        started: None,
        producing: None,
        effective: None,
        contracted: None,
        funds_this_year: None,
        funds_cumulative: None,
        promised_start: None,
        promised_production: None,
        output: None,
    };
    if reached == Stage::Lead {
        return p;
    }
    // The last event first, then each earlier one before it: every date is on or before the
    // as-of date and they come in order.
    let earliest = NaiveDate::from_ymd_opt(2021, 1, 1).expect("a date");
    let last = day_between(rng, earliest + Days::new(900), as_of);
    let mut cursor = last;
    if reached == Stage::Effective {
        p.effective = Some(cursor);
        cursor = days_before(cursor, rng, 60, 400);
    }
    if matches!(reached, Stage::Producing | Stage::Effective) {
        p.producing = Some(cursor);
        cursor = days_before(cursor, rng, 90, 400);
    }
    if matches!(reached, Stage::Started | Stage::Producing | Stage::Effective) {
        p.started = Some(cursor);
        cursor = days_before(cursor, rng, 20, 240);
    }
    if reached != Stage::Negotiating {
        p.signed = Some(cursor);
        cursor = days_before(cursor, rng, 15, 400);
    }
    p.negotiating = Some(cursor);

    if let Some(signed) = p.signed {
        let size = 10f64.powf(rng.random_range(2.5..5.7));
        let contracted = wan(rng, size);
        let contracted = if contracted.is_zero() { Decimal::ONE } else { contracted };
        p.contracted = Some(contracted);
        p.promised_start = Some(signed + Days::new(rng.random_range(30..=300)));
        p.promised_production = p.promised_start.map(|d| d + Days::new(rng.random_range(180..=720)));
        let output = contracted.to_f64().unwrap_or(1.0) * rng.random_range(0.6..2.0);
        p.output = Some(wan(rng, output));
        if rng.random_bool(0.85) {
            let share = Decimal::from_f64_retain(rng.random_range(0.0..1.0)).unwrap_or_default();
            let cumulative = (contracted * share).round_dp(2).normalize();
            let this_year = if signed.year() == as_of.year() {
                cumulative
            } else {
                let part = Decimal::from_f64_retain(rng.random_range(0.0..1.0)).unwrap_or_default();
                (cumulative * part).round_dp(2).normalize()
            };
            p.funds_cumulative = Some(cumulative);
            p.funds_this_year = Some(this_year);
        }
    }
    p
}

fn number(value: Decimal) -> f64 {
    value.to_f64().unwrap_or_default()
}

/// An empty cell as teams leave it: nothing (half the time) or a marker.
fn nothing(rng: &mut ChaCha8Rng) -> Option<Cell> {
    rng.random_bool(0.5)
        .then(|| Cell::Text(MARKERS.choose(rng).expect("markers").to_string()))
}

/// The Excel serial number of a date (1900 date system).
fn serial(date: NaiveDate) -> f64 {
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30).expect("a date");
    (date - epoch).num_days() as f64
}

/// A date as teams write it. `month_only` allows "2025年3月", "2025-03" and "202503", which
/// read as the first of the month: only where the date was chosen as a first of a month.
fn date_cell(rng: &mut ChaCha8Rng, date: NaiveDate, month_only: bool) -> Cell {
    let (y, m, d) = (date.year(), date.month(), date.day());
    if month_only && d == 1 && rng.random_bool(0.5) {
        return Cell::Text(match rng.random_range(0..3) {
            0 => format!("{y}年{m}月"),
            1 => format!("{y}-{m:02}"),
            _ => format!("{y}{m:02}"),
        });
    }
    match rng.random_range(0..100) {
        0..18 => Cell::Date(date),
        18..30 => Cell::Number(serial(date)),
        30..50 => Cell::Text(format!("{y}-{m:02}-{d:02}")),
        50..66 => Cell::Text(format!("{y}/{m}/{d}")),
        66..82 => Cell::Text(format!("{y}.{m}.{d}")),
        _ => Cell::Text(format!("{y}年{m}月{d}日")),
    }
}

/// An amount in 万元 as teams write it: a number, or text with its unit.
fn amount_cell(rng: &mut ChaCha8Rng, wan: Decimal) -> Cell {
    let integer = wan.fract().is_zero();
    let roll = rng.random_range(0..100);
    if integer && wan >= Decimal::from(10_000) && roll < 12 {
        let yi = (wan / Decimal::from(10_000)).normalize();
        // "2.68亿" needs at most four decimals of 亿 (one 万元); "约3亿" a whole number.
        if yi.fract().is_zero() && roll < 4 {
            return Cell::Text(format!("约{yi}亿"));
        }
        if yi.scale() <= 4 {
            return Cell::Text(format!("{yi}亿"));
        }
    }
    if integer && roll < 16 {
        // Scientific notation, as Excel shows a long number pasted as text: exact only when
        // the digits after the fourth are zeros.
        let digits = wan.to_string();
        let significant = digits.trim_end_matches('0');
        if digits.len() >= 5 && significant.len() <= 4 {
            let mantissa = Decimal::from_str_exact(&format!(
                "{}.{}",
                &significant[..1],
                if significant.len() > 1 { &significant[1..] } else { "0" }
            ))
            .unwrap_or_default()
            .normalize();
            return Cell::Text(format!("{mantissa}E+{}万元", digits.len() - 1));
        }
    }
    match roll {
        0..50 => Cell::Number(number(wan)),
        50..58 if integer && wan >= Decimal::from(1000) => Cell::Text(format!("{}万元", thousands(wan))),
        _ => Cell::Text(format!("{wan}万元")),
    }
}

/// 12345 → "12,345".
fn thousands(value: Decimal) -> String {
    let digits = value.trunc().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The first of the month after `date`'s, or `date` itself when it is a first.
fn month_start_on_or_after(date: NaiveDate) -> NaiveDate {
    if date.day() == 1 {
        return date;
    }
    let first = date.with_day(1).expect("day 1");
    first + Months::new(1)
}

/// The cells of one project's row, column by column, as teams write them.
fn project_cells(
    rng: &mut ChaCha8Rng,
    seq: usize,
    investor: &Investor,
    cluster: &str,
    park: &str,
    p: &Project,
) -> Vec<(u16, Cell)> {
    let mut cells: Vec<(u16, Cell)> = Vec::with_capacity(24);
    let year = p.negotiating.map_or(2025, |d| d.year());
    cells.push((col::SEQ, Cell::Number(seq as f64)));
    cells.push((col::CODE, Cell::Text(format!("DZ{year}{seq:06}"))));
    let product = PRODUCTS.choose(rng).expect("products");
    cells.push((col::NAME, Cell::Text(format!("{}{product}项目", investor.short))));
    cells.push((col::INVESTOR, Cell::Text(investor.name.clone())));
    match &investor.credit_code {
        Some(code) => cells.push((col::CREDIT_CODE, Cell::Text(code.clone()))),
        None => cells.extend(nothing(rng).map(|c| (col::CREDIT_CODE, c))),
    }
    cells.push((col::CLUSTER, Cell::Text(cluster.to_string())));
    cells.push((col::PARK, Cell::Text(park.to_string())));
    cells.push((
        col::LEADER,
        Cell::Text(LEADERS.choose(rng).expect("leaders").to_string()),
    ));
    cells.push((
        col::STAGE,
        Cell::Text(p.stage.words().choose(rng).expect("words").to_string()),
    ));
    let dated = |rng: &mut ChaCha8Rng, column: u16, date: Option<NaiveDate>, cells: &mut Vec<(u16, Cell)>| match date {
        Some(date) => cells.push((column, date_cell(rng, date, false))),
        None => cells.extend(nothing(rng).map(|c| (column, c))),
    };
    // The negotiation date is the first of the chain: a month without a day (its first) may
    // stand for it as long as the day it reads as is not later than the real one.
    match p.negotiating {
        Some(date) if rng.random_bool(0.06) => {
            let first = date.with_day(1).expect("day 1");
            cells.push((col::NEGOTIATING, date_cell(rng, first, true)));
        }
        other => dated(rng, col::NEGOTIATING, other, &mut cells),
    }
    match p.signed {
        Some(_) => {
            let kind = ["框架协议", "正式合同", "正式合同", "补充协议", "投资协议"]
                .choose(rng)
                .expect("kinds");
            cells.push((col::AGREEMENT, Cell::Text(kind.to_string())));
        }
        None => cells.extend(nothing(rng).map(|c| (col::AGREEMENT, c))),
    }
    dated(rng, col::SIGNED, p.signed, &mut cells);
    for (column, amount) in [
        (col::CONTRACTED, p.contracted),
        (col::FUNDS_THIS_YEAR, p.funds_this_year),
        (col::FUNDS_CUMULATIVE, p.funds_cumulative),
        (col::OUTPUT, p.output),
    ] {
        match amount {
            Some(wan) => cells.push((column, amount_cell(rng, wan))),
            None => cells.extend(nothing(rng).map(|c| (column, c))),
        }
    }
    // Promised dates may be months ("2026年3月"): then the first of a month on or after the
    // chosen day, so they stay in order.
    let promised_start = p.promised_start.map(|d| {
        if rng.random_bool(0.1) {
            month_start_on_or_after(d)
        } else {
            d
        }
    });
    let promised_production = p
        .promised_production
        .map(|d| d.max(promised_start.unwrap_or(d)))
        .map(|d| {
            if rng.random_bool(0.1) {
                month_start_on_or_after(d)
            } else {
                d
            }
        });
    for (column, date) in [
        (col::PROMISED_START, promised_start),
        (col::PROMISED_PRODUCTION, promised_production),
    ] {
        match date {
            Some(date) => cells.push((column, date_cell(rng, date, true))),
            None => cells.extend(nothing(rng).map(|c| (column, c))),
        }
    }
    dated(rng, col::ACTUAL_START, p.started, &mut cells);
    dated(rng, col::ACTUAL_PRODUCTION, p.producing, &mut cells);
    dated(rng, col::EFFECTIVE, p.effective, &mut cells);
    if rng.random_bool(0.8) {
        cells.push((
            col::PROGRESS,
            Cell::Text(PROGRESS.choose(rng).expect("progress").to_string()),
        ));
    }
    if rng.random_bool(0.4) {
        cells.push((col::NOTES, Cell::Text(NOTES.choose(rng).expect("notes").to_string())));
    }
    cells
}

/// Writes one row's cells, in column order.
fn write_cells(sheet: &mut Worksheet, f: &Formats, row: u32, mut cells: Vec<(u16, Cell)>) -> Result<(), XlsxError> {
    cells.sort_by_key(|(c, _)| *c);
    for (column, cell) in cells {
        match cell {
            Cell::Text(text) => sheet.write_string(row, column, text)?,
            Cell::Number(n) => sheet.write_number(row, column, n)?,
            Cell::Date(d) => sheet.write_datetime_with_format(row, column, d, &f.date)?,
        };
    }
    Ok(())
}
