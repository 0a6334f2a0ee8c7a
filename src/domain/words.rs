//! The two languages users read the product's refusals in: Chinese, the default, and English
//! for callers that ask for it (the API's `Accept-Language: en`). A rule that refuses
//! something says why in both, where it refuses ([`Words`]); the reader picks the language
//! ([`Words::in_lang`]) and must not translate the English itself. The domain's refusals
//! ([`Refusal`]) keep their English as `Display` and give their Chinese beside it.

use std::fmt;

/// The language of a message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Lang {
    /// Simplified Chinese, the default.
    #[default]
    Zh,
    /// English, for `Accept-Language: en`.
    En,
}

impl Lang {
    /// The language an `Accept-Language` header prefers among the two the product speaks: the
    /// first of `zh` or `en` by quality; Chinese when it names neither.
    pub fn from_accept_language(header: Option<&str>) -> Self {
        let Some(header) = header else {
            return Self::Zh;
        };
        let mut ranges: Vec<(f32, Self)> = header
            .split(',')
            .filter_map(|range| {
                let mut parts = range.split(';');
                let tag = parts.next()?.trim().to_ascii_lowercase();
                let quality = parts
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .unwrap_or(1.0);
                let lang = match tag.split('-').next()? {
                    "en" => Self::En,
                    "zh" => Self::Zh,
                    _ => return None,
                };
                (quality > 0.0).then_some((quality, lang))
            })
            .collect();
        // A stable sort keeps the header's order among equal qualities.
        ranges.sort_by(|a, b| b.0.total_cmp(&a.0));
        ranges.first().map_or(Self::Zh, |&(_, lang)| lang)
    }

    /// The language's tag, for `Content-Language`.
    pub fn tag(self) -> &'static str {
        match self {
            Self::Zh => "zh-CN",
            Self::En => "en",
        }
    }
}

/// A message in both languages. `Display` shows the Chinese.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Words {
    zh: String,
    en: String,
}

impl Words {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// A refusal of the domain's, in both its languages.
    pub fn of(refusal: &impl Refusal) -> Self {
        Self::new(refusal.chinese(), refusal.to_string())
    }

    pub fn in_lang(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }

    /// Messages joined into one, each language with its own separator.
    pub fn join<'a>(parts: impl IntoIterator<Item = &'a Words>) -> Self {
        let (zh, en): (Vec<&str>, Vec<&str>) = parts.into_iter().map(|w| (w.zh.as_str(), w.en.as_str())).unzip();
        Self::new(zh.join("；"), en.join("; "))
    }

    /// `field: message`, in each language.
    pub fn about(&self, field: &str) -> Self {
        Self::new(format!("{field}：{}", self.zh), format!("{field}: {}", self.en))
    }
}

impl fmt::Display for Words {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.zh)
    }
}

/// The Chinese of a record's kind as the services name it in English (`project`, `team`, …).
pub fn record_kind(what: &str) -> String {
    let zh = match what {
        "project" => "项目",
        "investor" => "投资方",
        "team" => "专班",
        "cluster" => "产业集群",
        "park" => "园区",
        "user" => "用户",
        "token" => "令牌",
        "funding" => "到位资金记录",
        "activity" => "跟进记录",
        "output_report" => "产值报告",
        "import" => "导入记录",
        "contract of project" => "合同：项目",
        "contract" => "合同",
        "settings" => "设置",
        "target" => "目标",
        "publication" => "已发布通报",
        "record" => "记录",
        other => return format!("{other} "),
    };
    zh.to_owned()
}

/// The refusal of a reference to a record that does not exist: "no team has id 9".
pub fn no_record(what: &str, id: impl fmt::Display) -> Words {
    Words::new(
        format!("没有编号为{id}的{}", record_kind(what).trim_end()),
        format!("no {what} has id {id}"),
    )
}

/// A refusal of the domain's: English as its `Display`, Chinese beside it.
pub trait Refusal: fmt::Display {
    fn chinese(&self) -> String;
}

impl Refusal for super::text::TextError {
    fn chinese(&self) -> String {
        super::text::TextError::chinese(*self)
    }
}

impl Refusal for super::date::DateRefused {
    fn chinese(&self) -> String {
        super::date::DateRefused::chinese(self)
    }
}

impl Refusal for super::stage::TransitionError {
    fn chinese(&self) -> String {
        super::stage::TransitionError::chinese(self)
    }
}

impl Refusal for super::money::AmountError {
    fn chinese(&self) -> String {
        use super::money::AmountError;
        match self {
            AmountError::Negative => "不能为负数".to_owned(),
            AmountError::TooPrecise(decimals) => format!("最多{decimals}位小数"),
            AmountError::TooLarge => "数额过大".to_owned(),
            AmountError::Zero => "必须大于零".to_owned(),
        }
    }
}

impl Refusal for Words {
    fn chinese(&self) -> String {
        self.zh.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_follows_accept_language() {
        assert_eq!(Lang::from_accept_language(None), Lang::Zh);
        assert_eq!(Lang::from_accept_language(Some("en")), Lang::En);
        assert_eq!(Lang::from_accept_language(Some("en-GB,en;q=0.9")), Lang::En);
        assert_eq!(Lang::from_accept_language(Some("zh-CN,zh;q=0.9,en;q=0.8")), Lang::Zh);
        assert_eq!(Lang::from_accept_language(Some("fr, en;q=0.5")), Lang::En);
        assert_eq!(Lang::from_accept_language(Some("de")), Lang::Zh);
        assert_eq!(Lang::from_accept_language(Some("en;q=0, zh")), Lang::Zh);
    }

    #[test]
    fn a_refusal_keeps_both_languages() {
        let words = Words::of(&super::super::money::AmountError::Negative);
        assert_eq!(words.in_lang(Lang::Zh), "不能为负数");
        assert_eq!(words.in_lang(Lang::En), "must not be negative");
        let joined = Words::join([&words.about("amount"), &Words::new("甲", "a").about("tax")]);
        assert_eq!(joined.in_lang(Lang::Zh), "amount：不能为负数；tax：甲");
        assert_eq!(joined.in_lang(Lang::En), "amount: must not be negative; tax: a");
    }
}
