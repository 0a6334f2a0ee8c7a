//! One cell into one typed value: text, amounts in 万元, land in 亩, dates, stages and
//! agreement types, each tolerant of the ways teams write them, each failure a [`Problem`]
//! the sheet reader turns into a located `CellError`.

use std::borrow::Cow;
use std::str::FromStr;

use calamine::DataRef;
use chrono::{Datelike, Days, NaiveDate, NaiveDateTime};
use entity::enums::{AgreementType, Stage};
use rust_decimal::{Decimal, RoundingStrategy};

use super::field::Unit;
use super::text::{compact, half_width, is_empty_marker, trim_text};

/// A non-empty cell as read from the worksheet stream. Text from the workbook's shared strings
/// (how Excel stores nearly every text cell) is borrowed from them, not copied: only the
/// fields read out of a row own their text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Raw<'s> {
    Text(Cow<'s, str>),
    Int(i64),
    Float(f64),
    /// A cell formatted as a date: the date-time when it is one, and the serial number.
    DateTime(Option<NaiveDateTime>, f64),
    Bool(bool),
    /// A formula error such as "#N/A".
    Error(String),
}

impl<'s> Raw<'s> {
    /// The cell, or `None` when it is empty or only whitespace.
    pub(crate) fn from_cell(data: &DataRef<'s>) -> Option<Raw<'s>> {
        let raw = match data {
            DataRef::Empty => return None,
            DataRef::String(s) => Raw::Text(Cow::Owned(s.clone())),
            DataRef::SharedString(s) => Raw::Text(Cow::Borrowed(s)),
            DataRef::Int(i) => Raw::Int(*i),
            DataRef::Float(f) => Raw::Float(*f),
            DataRef::Bool(b) => Raw::Bool(*b),
            DataRef::DateTime(dt) if dt.is_duration() => Raw::Float(dt.as_f64()),
            DataRef::DateTime(dt) => Raw::DateTime(dt.as_datetime(), dt.as_f64()),
            DataRef::DateTimeIso(s) => match parse_iso(s) {
                Some(dt) => Raw::DateTime(Some(dt), 0.0),
                None => Raw::Text(Cow::Owned(s.clone())),
            },
            DataRef::DurationIso(s) => Raw::Text(Cow::Owned(s.clone())),
            DataRef::Error(e) => Raw::Error(e.to_string()),
        };
        match &raw {
            Raw::Text(s) if trim_text(s).is_empty() => None,
            _ => Some(raw),
        }
    }

    /// The cell as the user sees it, for messages and text fields.
    pub(crate) fn display(&self) -> String {
        match self {
            Raw::Text(s) => trim_text(s).to_owned(),
            Raw::Int(i) => i.to_string(),
            Raw::Float(f) => f.to_string(),
            Raw::DateTime(Some(dt), _) if dt.time() == chrono::NaiveTime::MIN => dt.date().to_string(),
            Raw::DateTime(Some(dt), _) => dt.format("%Y-%m-%d %H:%M:%S").to_string(),
            Raw::DateTime(None, serial) => serial.to_string(),
            Raw::Bool(true) => "TRUE".to_owned(),
            Raw::Bool(false) => "FALSE".to_owned(),
            Raw::Error(e) => e.clone(),
        }
    }

    /// Whether the cell is an empty marker ("-", "无", …) rather than a value.
    pub(crate) fn is_marker(&self) -> bool {
        matches!(self, Raw::Text(s) if is_empty_marker(s))
    }

    /// Length in characters of the text the cell holds (0 for numbers, dates, booleans).
    /// Whether the cell's text has more than `limit` characters.
    pub(crate) fn text_longer_than(&self, limit: usize) -> bool {
        // No more bytes than the limit, no more characters either: most cells are not counted.
        matches!(self, Raw::Text(s) if s.len() > limit && s.chars().nth(limit).is_some())
    }
}

fn parse_iso(text: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d")
                .ok()
                .map(|d| d.and_time(chrono::NaiveTime::MIN))
        })
}

/// Why a cell could not be read: a stable code and the Chinese description that goes before
/// the quoted value in the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub code: &'static str,
    pub what: String,
}

impl Problem {
    fn new(code: &'static str, what: impl Into<String>) -> Self {
        Self {
            code,
            what: what.into(),
        }
    }
}

type Parsed<T> = Result<Option<T>, Problem>;

fn formula_error() -> Problem {
    Problem::new("formula_error", "单元格是公式错误")
}

/// A text field: trimmed; numbers as written (no ".0"), dates as ISO dates.
pub(crate) fn read_text(raw: &Raw) -> Parsed<String> {
    match raw {
        Raw::Error(_) => Err(formula_error()),
        Raw::Text(s) if is_empty_marker(s) => Ok(None),
        other => Ok(Some(other.display())),
    }
}

// ---------------------------------------------------------------------------------------
// Amounts and areas

/// An amount in 万元, exactly, rounded half away from zero to 4 decimals (one yuan).
/// `unit` is the column's unit; a unit written in the cell ("1.2亿", "5000万元") wins.
pub(crate) fn read_amount(raw: &Raw, unit: Unit) -> Parsed<Decimal> {
    let invalid = || Problem::new("invalid_amount", "无法识别的金额");
    let (value, unit) = match raw {
        Raw::Text(s) if is_empty_marker(s) => return Ok(None),
        Raw::Text(s) => parse_quantity(s, unit, AMOUNT_UNITS).ok_or_else(invalid)?,
        Raw::Int(i) => (Decimal::from(*i), unit),
        Raw::Float(f) => (decimal_from_f64(*f).ok_or_else(invalid)?, unit),
        Raw::Error(_) => return Err(formula_error()),
        Raw::DateTime(..) | Raw::Bool(_) => return Err(invalid()),
    };
    if value.is_sign_negative() && !value.is_zero() {
        return Err(Problem::new("negative_amount", "金额不能为负数"));
    }
    let wan = match unit {
        Unit::Yi => value.checked_mul(Decimal::from(10_000)),
        Unit::Yuan => value.checked_div(Decimal::from(10_000)),
        _ => Some(value),
    }
    .ok_or_else(invalid)?;
    Ok(Some(round_to(wan, 4)))
}

/// A land area in 亩, rounded half away from zero to 2 decimals.
pub(crate) fn read_area(raw: &Raw, unit: Unit) -> Parsed<Decimal> {
    let invalid = || Problem::new("invalid_land_area", "无法识别的用地面积");
    let (value, unit) = match raw {
        Raw::Text(s) if is_empty_marker(s) => return Ok(None),
        Raw::Text(s) => parse_quantity(s, unit, AREA_UNITS).ok_or_else(invalid)?,
        Raw::Int(i) => (Decimal::from(*i), unit),
        Raw::Float(f) => (decimal_from_f64(*f).ok_or_else(invalid)?, unit),
        Raw::Error(_) => return Err(formula_error()),
        Raw::DateTime(..) | Raw::Bool(_) => return Err(invalid()),
    };
    if value.is_sign_negative() && !value.is_zero() {
        return Err(Problem::new("negative_land_area", "用地面积不能为负数"));
    }
    let mu = match unit {
        Unit::SquareMetre => value.checked_mul(Decimal::new(15, 4)),
        Unit::Hectare => value.checked_mul(Decimal::from(15)),
        _ => Some(value),
    }
    .ok_or_else(invalid)?;
    Ok(Some(round_to(mu, 2)))
}

/// Exactly `dp` decimals, half away from zero, never a negative zero.
fn round_to(value: Decimal, dp: u32) -> Decimal {
    let mut rounded = value.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero);
    if rounded.is_zero() {
        rounded = Decimal::ZERO;
    }
    rounded.rescale(dp);
    rounded
}

/// The shortest decimal that reads back as `f` (what Excel shows), not its binary expansion.
fn decimal_from_f64(f: f64) -> Option<Decimal> {
    if !f.is_finite() {
        return None;
    }
    Decimal::from_str(&f.to_string()).ok()
}

const AMOUNT_UNITS: &[(&str, Unit)] = &[
    ("亿元", Unit::Yi),
    ("亿", Unit::Yi),
    ("万元", Unit::Wan),
    ("万", Unit::Wan),
    ("元", Unit::Yuan),
];

const AREA_UNITS: &[(&str, Unit)] = &[
    ("亩", Unit::Mu),
    ("平方米", Unit::SquareMetre),
    ("平米", Unit::SquareMetre),
    ("㎡", Unit::SquareMetre),
    ("m2", Unit::SquareMetre),
    ("m²", Unit::SquareMetre),
    ("公顷", Unit::Hectare),
];

/// "约1,234.5万元" → (1234.5, 万元): approximation words, thousands separators of either
/// width, full-width digits and a trailing unit are accepted.
fn parse_quantity(text: &str, column_unit: Unit, units: &[(&str, Unit)]) -> Option<(Decimal, Unit)> {
    let cleaned: String = compact(text).chars().filter(|c| *c != ',').collect();
    let mut rest = cleaned.as_str();
    for prefix in ["约为", "大约", "约"] {
        if let Some(stripped) = rest.strip_prefix(prefix) {
            rest = stripped;
            break;
        }
    }
    rest = rest.strip_suffix("左右").unwrap_or(rest);
    let mut unit = column_unit;
    for (suffix, named) in units {
        if let Some(stripped) = rest.strip_suffix(suffix) {
            rest = stripped;
            unit = *named;
            break;
        }
    }
    parse_decimal(rest).map(|d| (d, unit))
}

/// A plain decimal number, optionally signed, optionally with an exponent ("1.0196E+5").
fn parse_decimal(text: &str) -> Option<Decimal> {
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    let digits = mantissa.strip_prefix(['+', '-']).unwrap_or(mantissa);
    let mut dots = 0;
    let mut seen_digit = false;
    for c in digits.chars() {
        match c {
            '0'..='9' => seen_digit = true,
            '.' => dots += 1,
            _ => return None,
        }
    }
    if !seen_digit || dots > 1 {
        return None;
    }
    let mantissa = Decimal::from_str(mantissa.strip_prefix('+').unwrap_or(mantissa)).ok()?;
    let Some(exponent) = exponent else {
        return Some(mantissa);
    };
    let unsigned = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
    if unsigned.is_empty() || unsigned.len() > 2 || !unsigned.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Decimal::from_scientific(&format!("{mantissa}e{exponent}")).ok()
}

// ---------------------------------------------------------------------------------------
// Dates

fn invalid_date() -> Problem {
    Problem::new("invalid_date", "无法识别的日期")
}

/// A date from a date cell, an Excel serial number, or text in any of the forms teams use
/// ("2025.3.15", "2025/3/15", "2025-03-15", "2025年3月15日", "2025年3月", "2025.3",
/// "2025-03", "202503", "20250315"); a month without a day means its first day.
pub(crate) fn read_date(raw: &Raw, is_1904: bool) -> Parsed<NaiveDate> {
    match raw {
        Raw::Text(s) if is_empty_marker(s) => Ok(None),
        Raw::Text(s) => parse_date_text(s).map(Some).ok_or_else(invalid_date),
        Raw::DateTime(Some(dt), _) => plausible(dt.date()).map(Some).ok_or_else(invalid_date),
        Raw::DateTime(None, serial) => date_from_number(*serial, is_1904).map(Some),
        Raw::Int(i) => date_from_number(*i as f64, is_1904).map(Some),
        Raw::Float(f) => date_from_number(*f, is_1904).map(Some),
        Raw::Error(_) => Err(formula_error()),
        Raw::Bool(_) => Err(invalid_date()),
    }
}

/// Ledger dates lie between 1950 and 2099; anything else is a misread number.
fn plausible(date: NaiveDate) -> Option<NaiveDate> {
    (1950..=2099).contains(&date.year()).then_some(date)
}

/// A number in a date column: 20250315 and 202503 as typed, 2025.3 as typed (a month),
/// otherwise an Excel serial date (45840 = 2025-07-02).
fn date_from_number(number: f64, is_1904: bool) -> Result<NaiveDate, Problem> {
    if !number.is_finite() || number <= 0.0 {
        return Err(invalid_date());
    }
    if number.fract() != 0.0 && (1900.0..2100.0).contains(&number) {
        // "2025.3" typed into a cell is the number 2025.3; "2025.10" became 2025.1 and
        // cannot be told from January.
        let written = number.to_string();
        if written.ends_with(".1") {
            return Err(Problem::new(
                "invalid_date",
                "日期有歧义（可能是1月或10月），请写成文本或日期",
            ));
        }
        return parse_date_text(&written).ok_or_else(invalid_date);
    }
    let whole = number.trunc();
    if (19_000_101.0..=20_991_231.0).contains(&whole) {
        return parse_date_text(&format!("{whole}")).ok_or_else(invalid_date);
    }
    if (190_001.0..=209_912.0).contains(&whole) {
        return parse_date_text(&format!("{whole}")).ok_or_else(invalid_date);
    }
    serial_to_date(whole as u64, is_1904)
        .and_then(plausible)
        .ok_or_else(invalid_date)
}

fn serial_to_date(serial: u64, is_1904: bool) -> Option<NaiveDate> {
    if is_1904 {
        return NaiveDate::from_ymd_opt(1904, 1, 1)?.checked_add_days(Days::new(serial));
    }
    // Serials after 60 count the 1900-02-29 that Excel believes existed.
    let epoch = if serial > 60 {
        NaiveDate::from_ymd_opt(1899, 12, 30)?
    } else {
        NaiveDate::from_ymd_opt(1899, 12, 31)?
    };
    epoch.checked_add_days(Days::new(serial))
}

/// Parses a written date; see [`read_date`] for the forms.
pub(crate) fn parse_date_text(text: &str) -> Option<NaiveDate> {
    iso_like_date(trim_text(text)).unwrap_or_else(|| parse_written_date(text))
}

/// [`parse_date_text`] for every form.
fn parse_written_date(text: &str) -> Option<NaiveDate> {
    let text: String = trim_text(text).chars().map(half_width).collect();
    // A time after the date ("2025-03-15 00:00:00", "2025-03-15T08:00") is dropped.
    let date_part = match text.find([' ', 'T']) {
        Some(at)
            if text[at + 1..]
                .trim()
                .chars()
                .all(|c| c.is_ascii_digit() || c == ':' || c == '.') =>
        {
            &text[..at]
        }
        _ => text.as_str(),
    };
    let date_part: String = date_part.chars().filter(|c| !c.is_whitespace()).collect();

    let mut numbers: Vec<&str> = Vec::new();
    let mut separators: Vec<char> = Vec::new();
    let mut start = None;
    for (at, c) in date_part.char_indices() {
        if c.is_ascii_digit() {
            start.get_or_insert(at);
        } else {
            if let Some(s) = start.take() {
                numbers.push(&date_part[s..at]);
            } else if at == 0 || separators.len() >= numbers.len() {
                return None; // starts with, or repeats, a separator
            }
            separators.push(c);
        }
    }
    if let Some(s) = start {
        numbers.push(&date_part[s..]);
    }
    // Separators between numbers, and what may trail the last number.
    let between = &separators[..separators.len().min(numbers.len().saturating_sub(1))];
    let trailing: String = separators[between.len()..].iter().collect();
    let chinese = between.first() == Some(&'年');
    let consistent = match between {
        [] => true,
        ['年'] => true,
        ['年', '月'] => true,
        [a] => matches!(a, '.' | '/' | '-'),
        [a, b] => a == b && matches!(a, '.' | '/' | '-'),
        _ => false,
    };
    let trailing_ok = match (numbers.len(), chinese) {
        (2, true) => trailing == "月",
        (3, true) => matches!(trailing.as_str(), "日" | "号" | ""),
        (1, _) => trailing.is_empty(),
        (_, false) => trailing.is_empty(),
        _ => false,
    };
    if !consistent || !trailing_ok {
        return None;
    }
    let number = |s: &str| s.parse::<u32>().ok();
    let (year, month, day) = match numbers.as_slice() {
        [compact] if compact.len() == 8 => (number(&compact[..4])?, number(&compact[4..6])?, number(&compact[6..])?),
        [compact] if compact.len() == 6 => (number(&compact[..4])?, number(&compact[4..])?, 1),
        [y, m] if y.len() == 4 && m.len() <= 2 => (number(y)?, number(m)?, 1),
        [y, m, d] if y.len() == 4 && m.len() <= 2 && d.len() <= 2 => (number(y)?, number(m)?, number(d)?),
        _ => return None,
    };
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day).and_then(plausible)
}

/// "2025-03-15", "2025/03/15" or "2025.03.15" read without allocating, as most dates written as
/// text are; `None` for any other form, which [`parse_date_text`] reads the long way.
fn iso_like_date(text: &str) -> Option<Option<NaiveDate>> {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| b[range].iter().all(u8::is_ascii_digit);
    let well_formed = b.len() == 10
        && matches!(b[4], b'-' | b'/' | b'.')
        && b[7] == b[4]
        && digits(0..4)
        && digits(5..7)
        && digits(8..10);
    if !well_formed {
        return None;
    }
    let number = |range: std::ops::Range<usize>| b[range].iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
    let year = i32::try_from(number(0..4)).ok()?;
    Some(NaiveDate::from_ymd_opt(year, number(5..7), number(8..10)).and_then(plausible))
}

// ---------------------------------------------------------------------------------------
// Stages and agreement types

/// Strips bracketed remarks ("签约（框架）") and spaces, half-width, lower-case.
fn vocabulary_key(text: &str) -> String {
    let mut key = String::new();
    let mut depth = 0usize;
    for c in compact(text).chars() {
        match c {
            '(' | '[' | '【' => depth += 1,
            ')' | ']' | '】' => depth = depth.saturating_sub(1),
            _ if depth == 0 => key.extend(c.to_lowercase()),
            _ => {}
        }
    }
    key
}

/// The project's stage from the words teams use for it.
pub(crate) fn read_stage(raw: &Raw) -> Parsed<Stage> {
    let unknown = || Problem::new("unknown_stage", "无法识别的项目阶段");
    let text = match raw {
        Raw::Text(s) if is_empty_marker(s) => return Ok(None),
        Raw::Text(s) => s,
        Raw::Error(_) => return Err(formula_error()),
        _ => return Err(unknown()),
    };
    let stage = match vocabulary_key(text).as_str() {
        "线索" | "信息" | "储备" | "lead" => Stage::Lead,
        "在谈" | "洽谈" | "洽谈中" | "在洽谈" | "接洽" | "negotiating" => Stage::Negotiating,
        "签约" | "已签约" | "签约落地" | "signed" => Stage::Signed,
        "开工" | "已开工" | "开工建设" | "在建" | "建设中" | "动工" | "started" => Stage::Started,
        "投产" | "已投产" | "试生产" | "部分投产" | "producing" => Stage::Producing,
        "达产" | "达产达效" | "已达产" | "effective" => Stage::Effective,
        "终止" | "退库" | "已终止" | "放弃" | "已退库" | "terminated" => Stage::Terminated,
        _ => return Err(unknown()),
    };
    Ok(Some(stage))
}

/// The agreement type from the words teams use for it.
pub(crate) fn read_agreement_type(raw: &Raw) -> Parsed<AgreementType> {
    let unknown = || Problem::new("unknown_agreement_type", "无法识别的协议类型");
    let text = match raw {
        Raw::Text(s) if is_empty_marker(s) => return Ok(None),
        Raw::Text(s) => s,
        Raw::Error(_) => return Err(formula_error()),
        _ => return Err(unknown()),
    };
    let kind = match vocabulary_key(text).as_str() {
        "框架协议" | "框架" | "framework" => AgreementType::Framework,
        "正式合同" | "正式协议" | "投资协议" | "合同" | "formal" => AgreementType::Formal,
        "补充协议" | "supplementary" => AgreementType::Supplementary,
        _ => return Err(unknown()),
    };
    Ok(Some(kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Raw<'_> {
        Raw::Text(s.into())
    }

    fn wan(raw: Raw<'_>, unit: Unit) -> String {
        read_amount(&raw, unit).unwrap().unwrap().to_string()
    }

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn amounts_in_every_written_form() {
        assert_eq!(wan(text("1.2亿"), Unit::Wan), "12000.0000");
        assert_eq!(wan(text("5000万元"), Unit::Yi), "5000.0000");
        assert_eq!(wan(text("约2亿"), Unit::Wan), "20000.0000");
        assert_eq!(wan(text("约为3亿元"), Unit::Wan), "30000.0000");
        assert_eq!(wan(text("大约 300 万"), Unit::Wan), "300.0000");
        assert_eq!(wan(text("1,234.5"), Unit::Wan), "1234.5000");
        assert_eq!(wan(text("１，２３４．５"), Unit::Wan), "1234.5000");
        assert_eq!(wan(text("12345678元"), Unit::Wan), "1234.5678");
        assert_eq!(wan(text("1.0196E+5万元"), Unit::Wan), "101960.0000");
        assert_eq!(wan(text("2.5"), Unit::Yi), "25000.0000");
        assert_eq!(wan(Raw::Int(6056), Unit::Wan), "6056.0000");
        assert_eq!(wan(Raw::Float(302.8), Unit::Wan), "302.8000");
        assert_eq!(wan(Raw::Float(0.1 + 0.2), Unit::Wan), "0.3000");
        // f64 in 亿元 rounded to the yuan, half away from zero, never truncated.
        assert_eq!(wan(Raw::Float(1.2345678), Unit::Yi), "12345.6780");
        assert_eq!(wan(Raw::Float(1.234567891), Unit::Yi), "12345.6789");
        assert_eq!(wan(Raw::Float(1.234567896), Unit::Yi), "12345.6790");
        assert_eq!(wan(Raw::Float(0.000000005), Unit::Yi), "0.0001");
        assert_eq!(wan(text("0.5元"), Unit::Wan), "0.0001");
        assert_eq!(wan(text("0"), Unit::Wan), "0.0000");
        assert_eq!(wan(text("-0"), Unit::Wan), "0.0000");
        for marker in ["-", "—", "/", "无", "暂无", "空", " "] {
            assert_eq!(read_amount(&text(marker), Unit::Wan), Ok(None));
        }
    }

    #[test]
    fn bad_amounts() {
        let code = |raw: Raw| read_amount(&raw, Unit::Wan).unwrap_err().code;
        assert_eq!(code(text("-5")), "negative_amount");
        assert_eq!(code(text("－5万元")), "negative_amount");
        assert_eq!(code(Raw::Float(-0.5)), "negative_amount");
        for bad in ["12亿美元", "abc", "1.2.3", "五千万", "1e400", "1,2,3,元元", "e5", "."] {
            assert_eq!(code(text(bad)), "invalid_amount", "{bad}");
        }
        assert_eq!(code(Raw::Float(1e300)), "invalid_amount");
        assert_eq!(code(Raw::Bool(true)), "invalid_amount");
        assert_eq!(code(Raw::Error("#N/A".into())), "formula_error");
    }

    #[test]
    fn areas() {
        let mu = |raw: Raw, unit| read_area(&raw, unit).unwrap().unwrap().to_string();
        assert_eq!(mu(text("120亩"), Unit::Mu), "120.00");
        assert_eq!(mu(Raw::Float(80.555), Unit::Mu), "80.56");
        assert_eq!(mu(text("10000平方米"), Unit::Mu), "15.00");
        assert_eq!(mu(Raw::Int(2), Unit::Hectare), "30.00");
        assert_eq!(read_area(&text("-3"), Unit::Mu).unwrap_err().code, "negative_land_area");
        assert_eq!(
            read_area(&text("很大"), Unit::Mu).unwrap_err().code,
            "invalid_land_area"
        );
    }

    #[test]
    fn dates_in_every_written_form() {
        let day = |s: &str| read_date(&text(s), false).unwrap().unwrap();
        for s in [
            "2025.3.15",
            "2025/3/15",
            "2025-03-15",
            "2025年3月15日",
            "2025年03月15号",
            "20250315",
            "２０２５．３．１５",
            "2025-03-15 00:00:00",
            " 2025 年 3 月 15 日 ",
            "2025年3月15",
        ] {
            assert_eq!(day(s), ymd(2025, 3, 15), "{s}");
        }
        for s in ["2025年3月", "2025.3", "2025-03", "2025/03", "202503"] {
            assert_eq!(day(s), ymd(2025, 3, 1), "{s}");
        }
        let number = |raw: Raw| read_date(&raw, false).unwrap().unwrap();
        assert_eq!(number(Raw::Int(45840)), ymd(2025, 7, 2));
        assert_eq!(number(Raw::Float(45840.0)), ymd(2025, 7, 2));
        assert_eq!(number(Raw::Float(45840.75)), ymd(2025, 7, 2));
        assert_eq!(number(Raw::Int(20250315)), ymd(2025, 3, 15));
        assert_eq!(number(Raw::Int(202503)), ymd(2025, 3, 1));
        assert_eq!(number(Raw::Float(2025.3)), ymd(2025, 3, 1));
        assert_eq!(number(Raw::Float(2025.12)), ymd(2025, 12, 1));
        assert_eq!(read_date(&Raw::Int(44378), true).unwrap().unwrap(), ymd(2025, 7, 2));
        for marker in ["-", "—", "/", "无", "暂无", "空"] {
            assert_eq!(read_date(&text(marker), false), Ok(None));
        }
    }

    #[test]
    fn the_short_way_reads_dates_as_the_long_way_does() {
        let written = [
            "2025-03-15",
            "2025/03/15",
            "2025.03.15",
            "2025-02-29",
            "2024-02-29",
            "2025-13-01",
            "2025-00-10",
            "1949-12-31",
            "1950-01-01",
            "2099-12-31",
            "2100-01-01",
            "0000-01-01",
        ];
        for text in written {
            assert_eq!(iso_like_date(text), Some(parse_written_date(text)), "{text}");
        }
        for other in [
            "2025-3-15",
            "2025-03/15",
            "2025年03月15日",
            "２０２５-03-15",
            "2025-03-15 0",
            "20250315",
        ] {
            assert_eq!(iso_like_date(other), None, "{other}");
        }
        assert_eq!(parse_date_text(" 2025-03-15\u{200b}"), Some(ymd(2025, 3, 15)));
    }

    #[test]
    fn bad_dates() {
        let code = |raw: Raw| read_date(&raw, false).unwrap_err().code;
        for bad in [
            "2025.13.01",
            "2025.2.30",
            "2025年13月",
            "2025",
            "2025年",
            "25.3.15",
            "2025.3/15",
            "2025..3",
            "下月",
            "2025年3月15日日",
            "1850.1.1",
            "20251301",
            "3.15",
        ] {
            assert_eq!(code(text(bad)), "invalid_date", "{bad}");
        }
        assert_eq!(code(Raw::Float(2025.1)), "invalid_date");
        assert_eq!(code(Raw::Int(12)), "invalid_date");
        assert_eq!(code(Raw::Int(-3)), "invalid_date");
        assert_eq!(code(Raw::Bool(false)), "invalid_date");
    }

    #[test]
    fn stage_and_agreement_words() {
        let stage = |s: &str| read_stage(&text(s)).unwrap().unwrap();
        assert_eq!(stage(" 洽谈中 "), Stage::Negotiating);
        assert_eq!(stage("签约（框架）"), Stage::Signed);
        assert_eq!(stage("Terminated"), Stage::Terminated);
        assert_eq!(read_stage(&text("搁置")).unwrap_err().code, "unknown_stage");
        assert_eq!(read_stage(&Raw::Int(3)).unwrap_err().code, "unknown_stage");
        let kind = |s: &str| read_agreement_type(&text(s)).unwrap().unwrap();
        assert_eq!(kind("框架"), AgreementType::Framework);
        assert_eq!(kind("投资协议"), AgreementType::Formal);
        assert_eq!(kind("补充协议"), AgreementType::Supplementary);
        assert_eq!(
            read_agreement_type(&text("意向书")).unwrap_err().code,
            "unknown_agreement_type"
        );
    }
}
