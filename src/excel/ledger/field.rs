//! The ledger's columns: which field each is, its Chinese and English header, its unit, and
//! the synonym table that recognises the headers teams actually write (brackets of either
//! width, line breaks, units inside the header, two-row group headers).

use entity::enums::Stage;
use serde::Serialize;

use super::text::{half_width, is_invisible};
use crate::domain::text::{self, Rule};

/// One column of the ledger, in ledger column order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LedgerField {
    /// 项目编号
    Code,
    /// 项目名称
    Name,
    /// 投资方
    Investor,
    /// 统一社会信用代码
    CreditCode,
    /// 产业集群
    Cluster,
    /// 落地园区
    Park,
    /// 招商专班
    Team,
    /// 包保领导
    SponsoringLeader,
    /// 责任人
    Owner,
    /// 项目来源
    Source,
    /// 项目阶段
    Stage,
    /// 计划投资额 (万元)
    PlannedInvestment,
    /// 用地面积 (亩)
    LandArea,
    /// 洽谈时间
    NegotiatingSince,
    /// 协议类型
    AgreementType,
    /// 签约时间
    SignedOn,
    /// 合同投资额 (万元)
    ContractedInvestment,
    /// 本年到位资金 (万元)
    FundsThisYear,
    /// 累计到位资金 (万元)
    FundsCumulative,
    /// 约定开工时间
    PromisedStart,
    /// 实际开工时间
    ActualStart,
    /// 约定投产时间
    PromisedProduction,
    /// 实际投产时间
    ActualProduction,
    /// 约定达产时间
    PromisedFullProduction,
    /// 实际达产时间
    EffectiveOn,
    /// 约定年产值 (万元)
    PromisedOutput,
    /// 约定年税收 (万元)
    PromisedTax,
    /// 项目进展
    Progress,
    /// 存在问题
    Issues,
    /// 备注
    Notes,
}

/// How a field's cells are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldKind {
    Text,
    Stage,
    AgreementType,
    /// A date; `promised` dates are commitments and may lie after the as-of date.
    Date {
        promised: bool,
    },
    /// Money, converted to 万元.
    Amount,
    /// Land, converted to 亩.
    Area,
}

/// A set of fields, one bit each: which cells of a row held a value. A row's cells are its
/// sheet's columns, so the set is all a row needs to say where its values came from (see
/// [`super::Ledger::column_of`]); a map per row cost about 600 bytes of 100,000 rows' memory.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FieldSet(u32);

const _: () = assert!(
    LedgerField::ALL.len() <= u32::BITS as usize,
    "a field set has one bit per field"
);

impl FieldSet {
    fn bit(field: LedgerField) -> u32 {
        1 << (field as u32)
    }

    pub fn insert(&mut self, field: LedgerField) {
        self.0 |= Self::bit(field);
    }

    pub fn contains(self, field: LedgerField) -> bool {
        self.0 & Self::bit(field) != 0
    }

    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The fields in ledger column order.
    pub fn iter(self) -> impl Iterator<Item = LedgerField> {
        LedgerField::ALL.into_iter().filter(move |f| self.contains(*f))
    }
}

impl Serialize for FieldSet {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl LedgerField {
    /// The column that holds the date `stage` was reached ([`super::LedgerValues::stated_date`]
    /// reads it); 项目阶段 itself for a stage without a date column (线索, 终止).
    pub fn date_of(stage: Stage) -> Self {
        match stage {
            Stage::Negotiating => Self::NegotiatingSince,
            Stage::Signed => Self::SignedOn,
            Stage::Started => Self::ActualStart,
            Stage::Producing => Self::ActualProduction,
            Stage::Effective => Self::EffectiveOn,
            Stage::Lead | Stage::Terminated => Self::Stage,
        }
    }

    /// Every field, in ledger column order (the order the exporter writes them).
    pub const ALL: [LedgerField; 30] = [
        Self::Code,
        Self::Name,
        Self::Investor,
        Self::CreditCode,
        Self::Cluster,
        Self::Park,
        Self::Team,
        Self::SponsoringLeader,
        Self::Owner,
        Self::Source,
        Self::Stage,
        Self::PlannedInvestment,
        Self::LandArea,
        Self::NegotiatingSince,
        Self::AgreementType,
        Self::SignedOn,
        Self::ContractedInvestment,
        Self::FundsThisYear,
        Self::FundsCumulative,
        Self::PromisedStart,
        Self::ActualStart,
        Self::PromisedProduction,
        Self::ActualProduction,
        Self::PromisedFullProduction,
        Self::EffectiveOn,
        Self::PromisedOutput,
        Self::PromisedTax,
        Self::Progress,
        Self::Issues,
        Self::Notes,
    ];

    /// The canonical Chinese header, as the exporter writes it.
    pub fn chinese(self) -> &'static str {
        self.synonyms()[0]
    }

    /// The snake_case English name, as used in the API and accepted as a header.
    pub fn english(self) -> &'static str {
        match self {
            Self::Code => "code",
            Self::Name => "name",
            Self::Investor => "investor",
            Self::CreditCode => "credit_code",
            Self::Cluster => "cluster",
            Self::Park => "park",
            Self::Team => "team",
            Self::SponsoringLeader => "sponsoring_leader",
            Self::Owner => "owner",
            Self::Source => "source",
            Self::Stage => "stage",
            Self::PlannedInvestment => "planned_investment",
            Self::LandArea => "land_area",
            Self::NegotiatingSince => "negotiating_since",
            Self::AgreementType => "agreement_type",
            Self::SignedOn => "signed_on",
            Self::ContractedInvestment => "contracted_investment",
            Self::FundsThisYear => "funds_this_year",
            Self::FundsCumulative => "funds_cumulative",
            Self::PromisedStart => "promised_start",
            Self::ActualStart => "actual_start",
            Self::PromisedProduction => "promised_production",
            Self::ActualProduction => "actual_production",
            Self::PromisedFullProduction => "promised_full_production",
            Self::EffectiveOn => "effective_on",
            Self::PromisedOutput => "promised_output",
            Self::PromisedTax => "promised_tax",
            Self::Progress => "progress",
            Self::Issues => "issues",
            Self::Notes => "notes",
        }
    }

    /// Headers recognised for this field (normalised: half-width, no spaces, no units);
    /// the first is the canonical one.
    fn synonyms(self) -> &'static [&'static str] {
        match self {
            Self::Code => &["项目编号", "编号", "项目代码"],
            Self::Name => &["项目名称", "项目名"],
            Self::Investor => &["投资方", "投资主体", "投资企业", "签约企业", "投资商"],
            Self::CreditCode => &["统一社会信用代码", "信用代码", "社会信用代码"],
            Self::Cluster => &["产业集群", "所属产业", "产业类别", "所属集群"],
            Self::Park => &["落地园区", "园区", "落地地点", "所在园区"],
            Self::Team => &["招商专班", "专班", "责任专班"],
            Self::SponsoringLeader => &["包保领导", "联系领导", "包保区领导"],
            Self::Owner => &["责任人", "项目负责人"],
            Self::Source => &["项目来源", "信息来源"],
            Self::Stage => &["项目阶段", "项目状态", "进展阶段", "当前阶段"],
            Self::PlannedInvestment => &["计划投资额", "拟投资额", "投资额", "计划总投资", "计划投资"],
            Self::LandArea => &["用地面积", "用地", "供地面积", "用地需求"],
            Self::NegotiatingSince => &["洽谈时间", "接洽时间", "首次洽谈时间"],
            Self::AgreementType => &["协议类型", "签约类型"],
            Self::SignedOn => &["签约时间", "签约日期"],
            Self::ContractedInvestment => &["合同投资额", "协议投资额", "签约金额"],
            Self::FundsThisYear => &["本年到位资金", "本年到位", "今年到位"],
            Self::FundsCumulative => &["累计到位资金", "累计到位"],
            Self::PromisedStart => &["约定开工时间", "计划开工时间"],
            Self::ActualStart => &["实际开工时间", "开工时间"],
            Self::PromisedProduction => &["约定投产时间", "计划投产时间"],
            Self::ActualProduction => &["实际投产时间", "投产时间"],
            Self::PromisedFullProduction => &["约定达产时间", "计划达产时间"],
            Self::EffectiveOn => &["实际达产时间", "达产时间"],
            Self::PromisedOutput => &["约定年产值", "预计年产值", "达产年产值"],
            Self::PromisedTax => &["约定年税收", "预计年税收"],
            Self::Progress => &["项目进展", "进展情况"],
            Self::Issues => &["存在问题", "问题"],
            Self::Notes => &["备注"],
        }
    }

    pub(crate) fn kind(self) -> FieldKind {
        match self {
            Self::Stage => FieldKind::Stage,
            Self::AgreementType => FieldKind::AgreementType,
            Self::NegotiatingSince
            | Self::SignedOn
            | Self::ActualStart
            | Self::ActualProduction
            | Self::EffectiveOn => FieldKind::Date { promised: false },
            Self::PromisedStart | Self::PromisedProduction | Self::PromisedFullProduction => {
                FieldKind::Date { promised: true }
            }
            Self::PlannedInvestment
            | Self::ContractedInvestment
            | Self::FundsThisYear
            | Self::FundsCumulative
            | Self::PromisedOutput
            | Self::PromisedTax => FieldKind::Amount,
            Self::LandArea => FieldKind::Area,
            _ => FieldKind::Text,
        }
    }

    /// The rule a text field's values must pass, the API's rule for the same field
    /// (`domain::text`); only meaningful for fields of [`FieldKind::Text`].
    pub(crate) fn text_rule(self) -> Rule {
        match self {
            Self::Code => Rule::line(text::CODE),
            Self::CreditCode => Rule::line(text::CREDIT_CODE),
            Self::Name => Rule::name(text::PROJECT_NAME),
            Self::Investor => Rule::name(text::INVESTOR_NAME),
            Self::Cluster | Self::Park | Self::Team => Rule::name(text::REFERENCE_NAME),
            Self::SponsoringLeader => Rule::line(text::PERSON_NAME),
            Self::Owner => Rule::line(text::DISPLAY_NAME),
            Self::Source => Rule::line(text::SOURCE),
            _ => Rule::prose(text::PROSE),
        }
    }

    /// The unit a column of this field has when neither its header nor the title says.
    pub(crate) fn default_unit(self, amount_unit: Unit) -> Unit {
        match self.kind() {
            FieldKind::Amount => amount_unit,
            FieldKind::Area => Unit::Mu,
            _ => Unit::NotApplicable,
        }
    }
}

/// The unit of a column's numbers, from its header (or the title's "单位：…").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// 万元
    Wan,
    /// 亿元 (= 10,000 万元)
    Yi,
    /// 元 (= 0.0001 万元)
    Yuan,
    /// 亩
    Mu,
    /// 平方米 (= 0.0015 亩)
    SquareMetre,
    /// 公顷 (= 15 亩)
    Hectare,
    /// Text, date, stage and agreement columns.
    NotApplicable,
}

impl Unit {
    /// Finds a money or land unit named in `text` ("亿元", "（万元）", "单位：亩"…).
    pub(crate) fn named_in(text: &str) -> Option<Unit> {
        if text.contains('亿') {
            Some(Unit::Yi)
        } else if text.contains('万') {
            Some(Unit::Wan)
        } else if ["平方米", "平米", "㎡", "m2", "m²"].iter().any(|u| text.contains(u)) {
            Some(Unit::SquareMetre)
        } else if text.contains("公顷") {
            Some(Unit::Hectare)
        } else if text.contains('亩') {
            Some(Unit::Mu)
        } else if text.contains('元') {
            Some(Unit::Yuan)
        } else {
            None
        }
    }

    fn fits(self, field: LedgerField) -> bool {
        match field.kind() {
            FieldKind::Amount => matches!(self, Unit::Wan | Unit::Yi | Unit::Yuan),
            FieldKind::Area => matches!(self, Unit::Mu | Unit::SquareMetre | Unit::Hectare),
            _ => false,
        }
    }
}

/// What a header cell (or a group cell over a sub-header cell) means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeaderMeaning {
    /// A ledger field, with the unit the header names, if any.
    Field(LedgerField, Option<Unit>),
    /// A column that is recognised and deliberately not read (序号).
    Ignored,
}

/// Resolves a header: `text` alone, or `text` as a sub-header under the group cell `group`
/// ("资金到位" over "本年"). A single cell written "资金到位/本年" is split the same way.
pub(crate) fn resolve_header(group: Option<&str>, text: &str) -> Option<HeaderMeaning> {
    let (name, unit) = split_unit(&normalise_header(text));
    if name.is_empty() {
        return None;
    }
    if is_ignored_header(&name) {
        return Some(HeaderMeaning::Ignored);
    }
    if let Some((field, suffix_unit)) = lookup(&name) {
        return Some(field_with_unit(field, unit.or(suffix_unit)));
    }
    match group {
        Some(group) => {
            let (group_name, group_unit) = split_unit(&normalise_header(group));
            let unit = unit.or(group_unit);
            let combined = [format!("{group_name}{name}"), format!("{name}{group_name}")];
            for candidate in &combined {
                if let Some((field, suffix_unit)) = lookup(candidate) {
                    return Some(field_with_unit(field, unit.or(suffix_unit)));
                }
            }
            in_group(&group_name, &name).map(|field| field_with_unit(field, unit))
        }
        None => {
            let (left, right) = name.split_once(['/', '-', '—', '|', '\\'])?;
            if left.is_empty() || right.is_empty() {
                return None;
            }
            match resolve_header(Some(left), right)? {
                HeaderMeaning::Field(field, inner) => Some(field_with_unit(field, inner.or(unit))),
                HeaderMeaning::Ignored => None,
            }
        }
    }
}

/// Whether `text` alone (no group) names a field; used to label columns in messages.
pub(crate) fn names_field_alone(text: &str) -> bool {
    let (name, _) = split_unit(&normalise_header(text));
    lookup(&name).is_some()
}

fn field_with_unit(field: LedgerField, unit: Option<Unit>) -> HeaderMeaning {
    HeaderMeaning::Field(field, unit.filter(|u| u.fits(field)))
}

fn is_ignored_header(name: &str) -> bool {
    matches!(name, "序号" | "序" | "no" | "no." | "#")
}

/// Half-width, lower-case, without spaces, line breaks, required-marks or a trailing colon.
fn normalise_header(text: &str) -> String {
    let mut out: String = text
        .chars()
        .map(half_width)
        .filter(|c| !c.is_whitespace() && !is_invisible(*c) && !matches!(c, '*' | '★' | '※'))
        .flat_map(char::to_lowercase)
        .collect();
    while out.ends_with(':') {
        out.pop();
    }
    out
}

/// Removes bracketed parts ("(亿元)", "【万元】", "(yyyy-mm-dd)") and returns the unit they name.
fn split_unit(text: &str) -> (String, Option<Unit>) {
    let mut name = String::with_capacity(text.len());
    let mut unit = None;
    let mut inside: Option<(char, String)> = None;
    for c in text.chars() {
        match &mut inside {
            Some((close, content)) => {
                if c == *close {
                    unit = unit.or(Unit::named_in(content));
                    inside = None;
                } else {
                    content.push(c);
                }
            }
            None => match closing_bracket(c) {
                Some(close) => inside = Some((close, String::new())),
                None => name.push(c),
            },
        }
    }
    if let Some((_, content)) = inside {
        // An unclosed bracket: keep what it held as part of the unit search only.
        unit = unit.or(Unit::named_in(&content));
    }
    (name, unit)
}

fn closing_bracket(open: char) -> Option<char> {
    match open {
        '(' => Some(')'),
        '[' => Some(']'),
        '【' => Some('】'),
        '〔' => Some('〕'),
        '<' => Some('>'),
        '《' => Some('》'),
        _ => None,
    }
}

/// Looks a normalised header up, also with a unit written without brackets at its end
/// ("合同投资额万元"); returns the field and that unit.
fn lookup(name: &str) -> Option<(LedgerField, Option<Unit>)> {
    if let Some(field) = lookup_exact(name) {
        return Some((field, None));
    }
    for suffix in ["亿元", "万元", "元", "亩", "平方米", "公顷"] {
        if let Some(stem) = name.strip_suffix(suffix) {
            let stem = stem.trim_end_matches(['/', ':', ',']);
            if let Some(field) = lookup_exact(stem) {
                return Some((field, Unit::named_in(suffix)));
            }
        }
    }
    None
}

fn lookup_exact(name: &str) -> Option<LedgerField> {
    if name.is_empty() {
        return None;
    }
    let ascii_key = name.replace(['_', '-', '.'], "");
    LedgerField::ALL
        .into_iter()
        .find(|field| field.synonyms().contains(&name) || field.english().replace('_', "") == ascii_key)
}

/// Sub-headers that only mean something under their group: "本年" under "资金到位",
/// "约定" under "开工时间", "时间" under "签约情况".
fn in_group(group: &str, sub: &str) -> Option<LedgerField> {
    let has = |text: &str, keys: &[&str]| keys.iter().any(|k| text.contains(k));
    if has(group, &["到位", "资金"]) {
        if has(sub, &["本年", "今年", "当年"]) {
            return Some(LedgerField::FundsThisYear);
        }
        if has(sub, &["累计"]) {
            return Some(LedgerField::FundsCumulative);
        }
    }
    if has(group, &["签约", "协议", "合同"]) {
        if has(sub, &["类型"]) {
            return Some(LedgerField::AgreementType);
        }
        if has(sub, &["时间", "日期"]) {
            return Some(LedgerField::SignedOn);
        }
        if has(sub, &["金额", "投资"]) {
            return Some(LedgerField::ContractedInvestment);
        }
    }
    if has(group, &["投资"]) {
        if has(sub, &["计划", "拟"]) {
            return Some(LedgerField::PlannedInvestment);
        }
        if has(sub, &["合同", "协议", "签约"]) {
            return Some(LedgerField::ContractedInvestment);
        }
    }
    let both = format!("{group}{sub}");
    let promised = has(&both, &["约定", "计划", "承诺"]);
    let actual = has(&both, &["实际"]);
    if promised == actual {
        return None;
    }
    if has(&both, &["达产"]) {
        Some(if promised {
            LedgerField::PromisedFullProduction
        } else {
            LedgerField::EffectiveOn
        })
    } else if has(&both, &["投产"]) {
        Some(if promised {
            LedgerField::PromisedProduction
        } else {
            LedgerField::ActualProduction
        })
    } else if has(&both, &["开工"]) {
        Some(if promised {
            LedgerField::PromisedStart
        } else {
            LedgerField::ActualStart
        })
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(group: Option<&str>, text: &str) -> Option<(LedgerField, Option<Unit>)> {
        match resolve_header(group, text)? {
            HeaderMeaning::Field(f, u) => Some((f, u)),
            HeaderMeaning::Ignored => None,
        }
    }

    #[test]
    fn every_field_resolves_from_its_chinese_and_english_header() {
        for f in LedgerField::ALL {
            assert_eq!(field(None, f.chinese()).map(|m| m.0), Some(f), "{}", f.chinese());
            assert_eq!(field(None, f.english()).map(|m| m.0), Some(f), "{}", f.english());
            assert_eq!(
                field(None, &f.english().to_uppercase().replace('_', " ")).map(|m| m.0),
                Some(f)
            );
        }
        let mut names: Vec<_> = LedgerField::ALL.iter().map(|f| f.chinese()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), LedgerField::ALL.len());
    }

    #[test]
    fn brackets_spaces_breaks_and_units() {
        use LedgerField::*;
        assert_eq!(
            field(None, "合同投资额(亿元)"),
            Some((ContractedInvestment, Some(Unit::Yi)))
        );
        assert_eq!(
            field(None, "合同投资额（万元）"),
            Some((ContractedInvestment, Some(Unit::Wan)))
        );
        assert_eq!(
            field(None, "合同投资额\n（亿元）"),
            Some((ContractedInvestment, Some(Unit::Yi)))
        );
        assert_eq!(field(None, " 合同 投资额 "), Some((ContractedInvestment, None)));
        assert_eq!(
            field(None, "合同投资额【亿元】"),
            Some((ContractedInvestment, Some(Unit::Yi)))
        );
        assert_eq!(
            field(None, "合同投资额万元"),
            Some((ContractedInvestment, Some(Unit::Wan)))
        );
        assert_eq!(field(None, "用地(亩)"), Some((LandArea, Some(Unit::Mu))));
        assert_eq!(
            field(None, "用地面积（平方米）"),
            Some((LandArea, Some(Unit::SquareMetre)))
        );
        assert_eq!(field(None, "签约时间(年月日)"), Some((SignedOn, None)));
        assert_eq!(field(None, "*项目名称："), Some((Name, None)));
        // A unit that does not fit the field is dropped.
        assert_eq!(field(None, "签约时间（万元）"), Some((SignedOn, None)));
    }

    #[test]
    fn group_and_sub_headers() {
        use LedgerField::*;
        assert_eq!(field(Some("资金到位"), "本年"), Some((FundsThisYear, None)));
        assert_eq!(
            field(Some("资金到位情况（亿元）"), "累计"),
            Some((FundsCumulative, Some(Unit::Yi)))
        );
        assert_eq!(field(Some("签约情况"), "签约时间"), Some((SignedOn, None)));
        assert_eq!(field(Some("签约情况"), "时间"), Some((SignedOn, None)));
        assert_eq!(field(Some("签约情况"), "类型"), Some((AgreementType, None)));
        assert_eq!(
            field(Some("签约情况"), "金额(亿元)"),
            Some((ContractedInvestment, Some(Unit::Yi)))
        );
        assert_eq!(field(Some("开工时间"), "约定"), Some((PromisedStart, None)));
        assert_eq!(field(Some("开工时间"), "实际"), Some((ActualStart, None)));
        assert_eq!(field(Some("约定时间"), "达产"), Some((PromisedFullProduction, None)));
        assert_eq!(field(Some("实际"), "投产"), Some((ActualProduction, None)));
        assert_eq!(field(None, "资金到位/本年"), Some((FundsThisYear, None)));
        assert_eq!(field(None, "签约情况/签约时间"), Some((SignedOn, None)));
        assert_eq!(field(Some("资金到位"), "上海智航科技预制菜项目"), None);
        assert_eq!(resolve_header(None, "序号"), Some(HeaderMeaning::Ignored));
        assert_eq!(resolve_header(None, "签约情况"), None);
    }
}
