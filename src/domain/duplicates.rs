//! Whether two projects are the same investment entered twice (by two task forces, or once by
//! hand and again from a ledger under another spelling), two phases of one investment, or
//! unrelated. Pure: given what is known of each project, it scores and says why; finding the
//! pairs worth scoring among many projects is the caller's (the service groups them by
//! [`Prepared::keys`]), and deciding what to do with a pair is the user's.
//!
//! The evidence, strongest first:
//! - the investor: the same unified social credit code, or the same name once normalised
//!   ([`investor_core`]: full-width made half-width, brackets, a leading region and the
//!   company form — 有限公司, 股份有限公司, 集团… — taken off); two different credit codes, or
//!   two different investor names, rule a pair out;
//! - the project name's core ([`name_core`]): without the investor's name, 项目, 建设, the
//!   capacity phrase (年产50万套…), brackets and the phase; compared by shared character pairs;
//! - the phase ([`phase`]: 一期, 二期, 三期, 扩建, 增资…): two different phases of one core are
//!   phases of one investment, linked and never merged; a phase on one side only is no
//!   evidence either way;
//! - amounts within a tenth of each other and lead dates within 90 days, as support.
//!
//! A caller must not treat a score as a decision: pairs at or above [`CANDIDATE_SCORE`] are
//! candidates for a person to look at.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::Serialize;

use super::text::compact;

/// The least score at which a pair is proposed as the same project.
pub const CANDIDATE_SCORE: f64 = 0.6;

/// What is known of a project for the comparison.
#[derive(Debug, Clone, Default)]
pub struct Facts<'a> {
    pub name: &'a str,
    pub investor: Option<&'a str>,
    pub credit_code: Option<&'a str>,
    /// The contracted investment, else the planned one, in yuan.
    pub amount_yuan: Option<i64>,
    pub lead_on: Option<NaiveDate>,
}

/// A project's facts in the form they are compared in, computed once per project.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    investor: Option<String>,
    credit_code: Option<String>,
    core: String,
    phase: Option<Phase>,
    pairs: BTreeSet<(char, char)>,
    amount_yuan: Option<i64>,
    lead_on: Option<NaiveDate>,
}

/// A phase marker of a project name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// 一期, 二期, … (the number).
    Numbered(u8),
    /// 扩建, 技改, 改扩建.
    Expansion,
    /// 增资, 追加投资.
    Reinvestment,
}

/// What two projects are to each other.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "relation", rename_all = "snake_case")]
pub enum Relation {
    /// Likely the same project: the score (0 to 1) and why.
    Same { score: f64, evidence: Vec<Evidence> },
    /// Phases of one investment (一期 and 二期): linked, counted each, never merged.
    Phases { evidence: Vec<Evidence> },
    /// Nothing says they are the same.
    Unrelated,
}

/// One piece of evidence for a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Evidence {
    /// The same unified social credit code.
    SameCreditCode,
    /// The investors' names are the same once normalised.
    SameInvestor,
    /// The project names' cores are the same.
    SameNameCore,
    /// The project names' cores are alike (most character pairs shared).
    SimilarNameCore,
    /// The amounts are within a tenth of each other.
    CloseAmounts,
    /// The lead dates are within 90 days.
    CloseDates,
    /// Different phases of one investment (一期 and 二期).
    DifferentPhases,
}

impl Evidence {
    /// The evidence in Chinese, for the console and the reports.
    pub fn chinese(self) -> &'static str {
        match self {
            Self::SameCreditCode => "统一社会信用代码相同",
            Self::SameInvestor => "投资方名称相同（去掉地区、括号和公司类型后）",
            Self::SameNameCore => "项目名称主体相同",
            Self::SimilarNameCore => "项目名称主体相近",
            Self::CloseAmounts => "投资额相差不到一成",
            Self::CloseDates => "线索日期相差不到90天",
            Self::DifferentPhases => "同一投资的不同期次",
        }
    }
}

impl Facts<'_> {
    pub fn prepare(&self) -> Prepared {
        let investor = self.investor.map(investor_core).filter(|i| !i.is_empty());
        let core = name_core(self.name, self.investor);
        Prepared {
            credit_code: self
                .credit_code
                .map(|c| compact(c).to_ascii_uppercase())
                .filter(|c| !c.is_empty()),
            phase: phase(self.name),
            pairs: char_pairs(&core),
            core,
            investor,
            amount_yuan: self.amount_yuan,
            lead_on: self.lead_on,
        }
    }
}

/// A key under which a possible twin is found.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    CreditCode(String),
    Investor(String),
    /// The name's core. Two projects of two named investors are never the same whatever their
    /// names, so among the projects sharing only this key, a pair is worth scoring only when
    /// one of them names no investor ([`Prepared::names_investor`]).
    NameCore(String),
}

impl Prepared {
    /// The keys under which a possible twin would be found: the credit code, the investor's
    /// core name, the name's core. Two projects sharing no key are never the same.
    pub fn keys(&self) -> Vec<Key> {
        let mut keys = Vec::with_capacity(3);
        if let Some(code) = &self.credit_code {
            keys.push(Key::CreditCode(code.clone()));
        }
        if let Some(investor) = &self.investor {
            keys.push(Key::Investor(investor.clone()));
        }
        if !self.core.is_empty() {
            keys.push(Key::NameCore(self.core.clone()));
        }
        keys
    }

    /// Whether the project names its investor (by name or credit code).
    pub fn names_investor(&self) -> bool {
        self.investor.is_some() || self.credit_code.is_some()
    }
}

/// What `a` and `b` are to each other.
pub fn compare(a: &Prepared, b: &Prepared) -> Relation {
    let mut evidence = Vec::new();
    let mut score: f64 = 0.0;
    // The investor: the same one is strong evidence, a different one rules the pair out.
    match (&a.credit_code, &b.credit_code) {
        (Some(x), Some(y)) if x == y => {
            evidence.push(Evidence::SameCreditCode);
            score += 0.35;
        }
        (Some(_), Some(_)) => return Relation::Unrelated,
        _ => {}
    }
    match (&a.investor, &b.investor) {
        (Some(x), Some(y)) if x == y => {
            evidence.push(Evidence::SameInvestor);
            if !evidence.contains(&Evidence::SameCreditCode) {
                score += 0.3;
            }
        }
        (Some(_), Some(_)) if !evidence.contains(&Evidence::SameCreditCode) => return Relation::Unrelated,
        _ => {}
    }
    // The name: without a like core, one investor's two projects are two projects.
    let similarity = if a.core == b.core && !a.core.is_empty() {
        evidence.push(Evidence::SameNameCore);
        1.0
    } else {
        let s = dice(&a.pairs, &b.pairs);
        if s >= 0.6 {
            evidence.push(Evidence::SimilarNameCore);
        }
        s
    };
    if similarity < 0.6 {
        return Relation::Unrelated;
    }
    score += 0.5 * similarity;
    if let (Some(x), Some(y)) = (a.phase, b.phase)
        && x != y
    {
        evidence.push(Evidence::DifferentPhases);
        return Relation::Phases { evidence };
    }
    if let (Some(x), Some(y)) = (a.amount_yuan, b.amount_yuan)
        && x > 0
        && y > 0
        && (x - y).abs() * 10 <= x.max(y)
    {
        evidence.push(Evidence::CloseAmounts);
        score += 0.1;
    }
    if let (Some(x), Some(y)) = (a.lead_on, b.lead_on)
        && (x - y).num_days().abs() <= 90
    {
        evidence.push(Evidence::CloseDates);
        score += 0.05;
    }
    let score = score.min(1.0);
    if score >= CANDIDATE_SCORE {
        Relation::Same { score, evidence }
    } else {
        Relation::Unrelated
    }
}

/// Company forms, longest first, taken off the end of an investor's name.
const COMPANY_FORMS: &[&str] = &[
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "集团股份有限公司",
    "有限公司",
    "集团公司",
    "分公司",
    "总公司",
    "公司",
    "集团",
    "厂",
];

/// Province-level names that open a name without 省 or 市.
const REGIONS: &[&str] = &[
    "北京",
    "天津",
    "上海",
    "重庆",
    "河北",
    "山西",
    "辽宁",
    "吉林",
    "黑龙江",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "海南",
    "四川",
    "贵州",
    "云南",
    "陕西",
    "甘肃",
    "青海",
    "台湾",
    "内蒙古",
    "广西",
    "西藏",
    "宁夏",
    "新疆",
    "香港",
    "澳门",
];

/// An investor's name as investors are compared: half-width, without brackets, a leading
/// region or the company form. "重庆市某某科技有限公司" and "某某科技（重庆）有限公司" are both
/// "某某科技".
pub fn investor_core(name: &str) -> String {
    let mut core = without_brackets(&compact(name).to_lowercase());
    loop {
        let before = core.len();
        for form in COMPANY_FORMS {
            if let Some(rest) = core.strip_suffix(form)
                && !rest.is_empty()
            {
                core = rest.to_owned();
                break;
            }
        }
        if core.len() == before {
            break;
        }
    }
    strip_region(&core).to_owned()
}

/// A leading region: a province's name (重庆, 四川省), then a city, district or county ending
/// in 市, 区 or 县 within a few characters (州 opens too many company names: 昌州, 杭州…).
fn strip_region(name: &str) -> &str {
    let mut rest = name;
    for region in REGIONS {
        if let Some(after) = rest.strip_prefix(region) {
            rest = after
                .strip_prefix('省')
                .or_else(|| after.strip_prefix('市'))
                .or_else(|| after.strip_prefix("自治区"))
                .unwrap_or(after);
            break;
        }
    }
    // A city or district: at most four characters ending in one of the markers.
    for _ in 0..2 {
        let cut = rest
            .char_indices()
            .take(5)
            .find(|(_, c)| matches!(c, '市' | '区' | '县'))
            .map(|(i, c)| i + c.len_utf8());
        match cut {
            Some(cut) if cut < rest.len() && rest[cut..].chars().count() >= 2 => rest = &rest[cut..],
            _ => break,
        }
    }
    if rest.chars().count() >= 2 { rest } else { name }
}

/// The text without bracketed parts: (…), （…）, 【…】, […].
fn without_brackets(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut depth = 0u32;
    for c in text.chars() {
        match c {
            '(' | '（' | '【' | '[' => depth += 1,
            ')' | '）' | '】' | ']' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// Words that say nothing of which project it is.
const FILLERS: &[&str] = &["建设项目", "项目", "建设", "工程", "新建"];

/// A project name's core: half-width, without the investor's name (in full or as its core),
/// brackets, the capacity phrase (年产…), the phase and the filler words.
/// "重庆某某科技有限公司年产50万套电机项目" and "某某科技电机项目（一期）" are both "电机".
pub fn name_core(name: &str, investor: Option<&str>) -> String {
    let mut core = compact(name).to_lowercase();
    if let Some(investor) = investor {
        let full = compact(investor).to_lowercase();
        let short = investor_core(investor);
        for part in [full.as_str(), without_brackets(&full).as_str(), short.as_str()] {
            if part.chars().count() >= 2 {
                core = core.replace(part, "");
            }
        }
    }
    let mut core = without_brackets(&core);
    for marker in PHASE_WORDS {
        core = core.replace(marker.0, "");
    }
    core = without_capacity(&core);
    for filler in FILLERS {
        core = core.replace(filler, "");
    }
    core
}

/// "年产50万套" and "年产值10亿元", "年处理3万吨": the capacity phrase, up to its unit.
fn without_capacity(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("年") {
        let after = &rest[at + "年".len()..];
        let verb: String = after.chars().take_while(|c| !c.is_ascii_digit() && *c != '.').collect();
        let digits_at = verb.len();
        let tail = &after[digits_at..];
        let number_len: usize = tail
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .map(char::len_utf8)
            .sum();
        if number_len == 0 || verb.chars().count() > 3 {
            out.push_str(&rest[..at + "年".len()]);
            rest = after;
            continue;
        }
        out.push_str(&rest[..at]);
        // The unit: 万、亿、千 and one measure word (套, 台, 吨, 件, 辆, 元, 平方米…).
        let mut unit = tail[number_len..].chars();
        let mut skipped = number_len;
        for c in unit.by_ref() {
            skipped += c.len_utf8();
            if !matches!(c, '万' | '亿' | '千' | '百') {
                if c == '平' || c == '立' {
                    // 平方米, 立方米: two more characters.
                    skipped += tail[skipped..].chars().take(2).map(char::len_utf8).sum::<usize>();
                }
                break;
            }
        }
        rest = &tail[skipped.min(tail.len())..];
    }
    out.push_str(rest);
    out
}

/// The phase markers, with what they mean.
const PHASE_WORDS: &[(&str, Phase)] = &[
    ("一期", Phase::Numbered(1)),
    ("二期", Phase::Numbered(2)),
    ("三期", Phase::Numbered(3)),
    ("四期", Phase::Numbered(4)),
    ("五期", Phase::Numbered(5)),
    ("1期", Phase::Numbered(1)),
    ("2期", Phase::Numbered(2)),
    ("3期", Phase::Numbered(3)),
    ("改扩建", Phase::Expansion),
    ("扩建", Phase::Expansion),
    ("扩能", Phase::Expansion),
    ("技改", Phase::Expansion),
    ("增资扩股", Phase::Reinvestment),
    ("增资", Phase::Reinvestment),
    ("追加投资", Phase::Reinvestment),
];

/// The phase a project name states, if any.
pub fn phase(name: &str) -> Option<Phase> {
    let name = compact(name);
    PHASE_WORDS
        .iter()
        .find(|(word, _)| name.contains(word))
        .map(|&(_, phase)| phase)
}

/// The pairs of neighbouring characters of a text (the text itself when it has one).
fn char_pairs(text: &str) -> BTreeSet<(char, char)> {
    let chars: Vec<char> = text.chars().collect();
    match chars.as_slice() {
        [] => BTreeSet::new(),
        [only] => BTreeSet::from([(*only, *only)]),
        _ => chars.windows(2).map(|w| (w[0], w[1])).collect(),
    }
}

/// The Sørensen–Dice coefficient of two sets of character pairs.
fn dice(a: &BTreeSet<(char, char)>, b: &BTreeSet<(char, char)>) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let shared = a.intersection(b).count();
    2.0 * shared as f64 / (a.len() + b.len()) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts<'a>(name: &'a str, investor: Option<&'a str>) -> Prepared {
        Facts {
            name,
            investor,
            ..Facts::default()
        }
        .prepare()
    }

    #[test]
    fn investors_are_compared_without_region_brackets_and_company_form() {
        for name in [
            "重庆某某科技有限公司",
            "重庆市某某科技股份有限公司",
            "某某科技（重庆）有限公司",
            "某某科技集团",
            "ＣＱ某某科技有限公司",
        ] {
            let core = investor_core(name);
            assert!(core == "某某科技" || core == "cq某某科技", "{name}: {core}");
        }
        assert_eq!(investor_core("四川省成都市某某电子有限责任公司"), "某某电子");
        assert_eq!(investor_core("大足区某某五金厂"), "某某五金");
    }

    #[test]
    fn the_issue_s_two_names_are_one_project() {
        let a = facts("重庆某某科技有限公司年产50万套电机项目", Some("重庆某某科技有限公司"));
        let b = facts("某某科技电机项目（一期）", Some("重庆某某科技有限公司"));
        assert_eq!(a.core, "电机");
        assert_eq!(b.core, "电机");
        assert!(
            matches!(compare(&a, &b), Relation::Same { .. }),
            "{:?}",
            compare(&a, &b)
        );
    }

    #[test]
    fn phases_are_linked_not_merged_and_other_products_are_unrelated() {
        let one = facts("某某科技电机项目一期", Some("某某科技有限公司"));
        let two = facts("某某科技电机项目二期", Some("某某科技有限公司"));
        assert!(matches!(compare(&one, &two), Relation::Phases { .. }));
        let gears = facts("某某科技齿轮项目", Some("某某科技有限公司"));
        assert_eq!(compare(&one, &gears), Relation::Unrelated);
        let other = facts("电机项目", Some("另一家电机有限公司"));
        assert_eq!(compare(&one, &other), Relation::Unrelated);
    }

    #[test]
    fn capacity_phrases_go() {
        assert_eq!(without_capacity("年产50万套电机"), "电机");
        assert_eq!(without_capacity("年处理3万吨废旧电池回收"), "废旧电池回收");
        assert_eq!(without_capacity("年产值10亿元新材料"), "新材料");
        assert_eq!(without_capacity("2025年度项目"), "2025年度项目");
    }

    /// Pairs generated from ten investors and ten products under the spellings teams use:
    /// the same project (positives), phases of one investment, one investor's other product
    /// and another investor's same product (negatives). Precision and recall are printed.
    #[test]
    #[allow(clippy::needless_range_loop)] // The indices choose the spellings too.
    fn precision_and_recall_on_generated_pairs() {
        const INVESTORS: [&str; 10] = [
            "某某科技",
            "恒达精工",
            "川渝新材",
            "巴渝动力",
            "石刻电子",
            "龙水五金",
            "宝顶智造",
            "棠香食品",
            "海棠医药",
            "昌州航空",
        ];
        const PRODUCTS: [&str; 10] = [
            "电机",
            "齿轮箱",
            "锂电池隔膜",
            "光伏组件",
            "智能电梯",
            "无人机整机",
            "中药饮片",
            "五金工具",
            "摩托车发动机",
            "压力传感器",
        ];
        let investor_spelling = |i: usize, v: usize| match v % 3 {
            0 => format!("重庆{}有限公司", INVESTORS[i]),
            1 => format!("{}（重庆）有限公司", INVESTORS[i]),
            _ => format!("重庆市{}股份有限公司", INVESTORS[i]),
        };
        let name_spelling = |i: usize, p: usize, v: usize| match v % 5 {
            0 => format!("{}年产{}万套{}项目", investor_spelling(i, v), 10 + p, PRODUCTS[p]),
            1 => format!("{}{}项目", INVESTORS[i], PRODUCTS[p]),
            2 => format!("{}{}项目（一期）", INVESTORS[i], PRODUCTS[p]),
            3 => format!("{}项目", PRODUCTS[p]),
            _ => format!("{} {} 建设项目", INVESTORS[i], PRODUCTS[p]),
        };
        let prepare = |name: &str, investor: &str| facts(name, Some(investor));
        let (mut tp, mut fp, mut fn_, mut tn) = (0u32, 0u32, 0u32, 0u32);
        let mut tally = |expected_same: bool, relation: Relation, what: &str| {
            let found = matches!(relation, Relation::Same { .. });
            match (expected_same, found) {
                (true, true) => tp += 1,
                (true, false) => {
                    fn_ += 1;
                    eprintln!("missed: {what}");
                }
                (false, true) => {
                    fp += 1;
                    eprintln!("wrongly proposed: {what}");
                }
                (false, false) => tn += 1,
            }
        };
        for i in 0..10 {
            for p in 0..10 {
                // The same project, two spellings of its name and of its investor.
                let (v, w) = (i + p, i + p + 1 + (p % 3));
                let (na, ia) = (name_spelling(i, p, v), investor_spelling(i, v));
                let (nb, ib) = (name_spelling(i, p, w), investor_spelling(i, w));
                tally(
                    true,
                    compare(&prepare(&na, &ia), &prepare(&nb, &ib)),
                    &format!("{na} / {nb}"),
                );
                // Phases of it: never the same project.
                let one = format!("{}{}项目一期", INVESTORS[i], PRODUCTS[p]);
                let two = format!("{}{}二期项目", INVESTORS[i], PRODUCTS[p]);
                let relation = compare(&prepare(&one, &ia), &prepare(&two, &ib));
                assert!(
                    matches!(relation, Relation::Phases { .. }),
                    "{one} / {two}: {relation:?}"
                );
                tally(false, relation, &format!("{one} / {two}"));
                // The investor's other product.
                let q = (p + 3) % 10;
                let other = name_spelling(i, q, w);
                tally(
                    false,
                    compare(&prepare(&na, &ia), &prepare(&other, &ib)),
                    &format!("{na} / {other}"),
                );
                // Another investor's same product.
                let j = (i + 1) % 10;
                let theirs = name_spelling(j, p, w);
                tally(
                    false,
                    compare(&prepare(&na, &ia), &prepare(&theirs, &investor_spelling(j, w))),
                    &format!("{na} / {theirs}"),
                );
            }
        }
        let precision = f64::from(tp) / f64::from(tp + fp);
        let recall = f64::from(tp) / f64::from(tp + fn_);
        eprintln!(
            "duplicate candidates on {} generated pairs: precision {precision:.3}, recall {recall:.3} \
             ({tp} found, {fp} wrongly proposed, {fn_} missed, {tn} rightly left)",
            tp + fp + fn_ + tn
        );
        assert!(tp + fp + fn_ + tn >= 100);
        assert!(
            precision >= 0.9 && recall >= 0.9,
            "precision {precision}, recall {recall}"
        );
    }
}
