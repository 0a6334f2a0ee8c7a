//! What text the service takes: how long each text may be, and which characters it may hold.
//! The API's text types (`api::types::Line`, `Name`, `Prose`, `Statement`), the spec's
//! `maxLength` and `pattern`, and the ledger import all read their limits and rules from here;
//! none of them writes a number or a character class again.
//!
//! Lengths count characters (Unicode scalar values), as PostgreSQL's `varchar(n)` and the
//! spec's `maxLength` do, never bytes; each limit is at most what its column holds. A text is
//! measured as sent: the surrounding blanks the services trim count too.
//!
//! The characters:
//! - no control character anywhere inside a text (NUL and the rest of Unicode's `Cc`): a
//!   one-line text has no tab or line break either, a text of several lines ([`Lines::Many`])
//!   may hold tabs, line feeds and carriage returns. Blanks around a text are trimmed by the
//!   services, so the whitespace among them (a trailing line break, say) is not refused;
//! - no text-direction override or isolate (U+202A–U+202E, U+2066–U+2069) in a one-line text,
//!   which names and codes are: they make a name read differently from what it holds;
//! - a required text shows something: it is not only blanks and invisible characters
//!   (zero-width spaces and joiners, soft hyphens, fillers, …).
//!
//! Limits chosen (characters): project and investor names 200, names of teams, clusters and
//! parks 100, people's names 50 (包保领导, 专班负责领导), display names, lead sources and
//! regions 100, categories 50, usernames 64, token names 100, file names 255, passwords 200,
//! a search 200, an audit filter 32, who took part in an activity 500, and free text (项目进展,
//! 存在问题, 备注, a payment's note, an activity's summary and next step, a stage move's reason)
//! 4,000 — a long page of text, far below Excel's 32,767 characters per cell.

/// The longest project name (项目名称): the column's `varchar(200)`.
pub const PROJECT_NAME: usize = 200;
/// The longest investor name (投资方): the column's `varchar(200)`.
pub const INVESTOR_NAME: usize = 200;
/// The longest name of a team, cluster or park: their columns' `varchar(100)`.
pub const REFERENCE_NAME: usize = 100;
/// The longest name of a person: 包保领导 of a project, the lead official of a team
/// (`varchar(50)`).
pub const PERSON_NAME: usize = 50;
/// The longest lead source (项目来源, `varchar(100)`).
pub const SOURCE: usize = 100;
/// The longest investor's region of origin (`varchar(100)`).
pub const ORIGIN_REGION: usize = 100;
/// The longest category of a cluster (`varchar(50)`).
pub const CATEGORY: usize = 50;
/// The longest display name of a user (`varchar(100)`).
pub const DISPLAY_NAME: usize = 100;
/// The longest username (`varchar(64)`).
pub const USERNAME: usize = 64;
/// The longest password.
pub const PASSWORD: usize = 200;
/// The shortest new password.
pub const PASSWORD_MIN: usize = 10;
/// The longest token name (`varchar(100)`).
pub const TOKEN_NAME: usize = 100;
/// The longest file name of an import (`varchar(255)`).
pub const FILE_NAME: usize = 255;
/// The longest search text (`q`).
pub const SEARCH: usize = 200;
/// The longest kind of record an audit filter names (`varchar(32)`).
pub const AUDIT_ENTITY: usize = 32;
/// The longest list of people who took part in an activity.
pub const PEOPLE: usize = 500;
/// The longest free text: 项目进展, 存在问题, 备注, a payment's note, an activity's summary and
/// next step, the reason of a stage move.
pub const PROSE: usize = 4_000;
/// The longest 项目编号 (ASCII letters, digits, `-`, `_`; `varchar(64)`).
pub const CODE: usize = 64;
/// The longest title of a bulletin, or name of the unit issuing it (`varchar(100)`).
pub const BULLETIN_HEADING: usize = 100;
/// The length of a 统一社会信用代码.
pub const CREDIT_CODE: usize = 18;

/// How many lines a text may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    /// Names, codes, labels, searches: no tab, no line break, no direction override.
    One,
    /// Free text: tabs, line feeds and carriage returns allowed.
    Many,
}

/// The rule of one text field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The most characters, as sent.
    pub max_chars: usize,
    pub lines: Lines,
    /// Must show at least one visible character.
    pub required: bool,
}

impl Rule {
    /// A one-line text that may be blank (a label, a search).
    pub const fn line(max_chars: usize) -> Self {
        Self {
            max_chars,
            lines: Lines::One,
            required: false,
        }
    }

    /// A one-line text that shows something (a name).
    pub const fn name(max_chars: usize) -> Self {
        Self {
            required: true,
            ..Self::line(max_chars)
        }
    }

    /// Free text that may be blank.
    pub const fn prose(max_chars: usize) -> Self {
        Self {
            max_chars,
            lines: Lines::Many,
            required: false,
        }
    }

    /// Free text that shows something (an activity's summary).
    pub const fn statement(max_chars: usize) -> Self {
        Self {
            required: true,
            ..Self::prose(max_chars)
        }
    }

    /// Checks `text` as sent (before any trimming).
    pub fn check(self, text: &str) -> Result<(), TextError> {
        if text.chars().nth(self.max_chars).is_some() {
            return Err(TextError::TooLong(self.max_chars));
        }
        let inner = text.trim();
        for c in inner.chars() {
            if is_control(c) && !(self.lines == Lines::Many && matches!(c, '\t' | '\n' | '\r')) {
                return Err(TextError::Control(self.lines));
            }
            if self.lines == Lines::One && is_direction_override(c) {
                return Err(TextError::DirectionOverride);
            }
        }
        if self.required && !inner.chars().any(is_visible) {
            return Err(TextError::Blank);
        }
        Ok(())
    }

    /// The rule as a regular expression, for the spec's `pattern`: it matches exactly the
    /// texts [`Rule::check`] takes, length aside, read the way JSON Schema (ECMA-262), Rust's
    /// `regex` and Python's `re` all read it.
    pub fn pattern(self) -> String {
        let refused = match self.lines {
            Lines::One => format!("{CONTROLS}{DIRECTION_OVERRIDES}"),
            Lines::Many => CONTROLS_BUT_LINES.to_owned(),
        };
        let body = if self.required {
            format!("[^{refused}]*[^{refused}{BLANKS}{INVISIBLES}][^{refused}]*")
        } else {
            format!("[^{refused}]*")
        };
        format!("^[{BLANKS}]*{body}[{BLANKS}]*$")
    }
}

/// Why a text was refused. The messages never repeat the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("must be at most {0} characters")]
    TooLong(usize),
    #[error("{}", match .0 {
        Lines::One => "must not contain control characters, tabs or line breaks",
        Lines::Many => "must not contain control characters other than tabs and line breaks",
    })]
    Control(Lines),
    #[error("must not contain text-direction override characters (U+202A to U+202E, U+2066 to U+2069)")]
    DirectionOverride,
    #[error("must not be blank or only invisible characters")]
    Blank,
}

impl TextError {
    /// The refusal's stable code, as an import report gives it.
    pub fn code(self) -> &'static str {
        match self {
            Self::TooLong(_) => "text_too_long",
            Self::Control(_) => "control_character",
            Self::DirectionOverride => "direction_override",
            Self::Blank => "blank_text",
        }
    }

    /// The refusal in Chinese, for ledgers and the console.
    pub fn chinese(self) -> String {
        match self {
            Self::TooLong(max) => format!("不能超过{max}个字符"),
            Self::Control(Lines::One) => "不能含有控制字符、制表符或换行符".to_owned(),
            Self::Control(Lines::Many) => "不能含有控制字符（制表符和换行符除外）".to_owned(),
            Self::DirectionOverride => "不能含有文字方向控制字符（U+202A至U+202E、U+2066至U+2069）".to_owned(),
            Self::Blank => "不能为空，也不能只有不可见字符".to_owned(),
        }
    }
}

/// Blanks as Rust's `str::trim` sees them (Unicode's `White_Space`), in a character class.
const BLANKS: &str = "\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
/// Unicode's control characters (`Cc`).
const CONTROLS: &str = "\\x00-\\x1f\\x7f-\\x9f";
/// Control characters but tab, line feed and carriage return.
const CONTROLS_BUT_LINES: &str = "\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f";
/// Direction overrides, embeddings and isolates.
const DIRECTION_OVERRIDES: &str = "\\u202a-\\u202e\\u2066-\\u2069";
/// Characters that show nothing: soft hyphen, joiners, zero-width spaces and marks, fillers,
/// variation selectors, the byte-order mark.
const INVISIBLES: &str = "\\xad\\u034f\\u061c\\u115f\\u1160\\u17b4\\u17b5\\u180b-\\u180f\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u206f\\u3164\\ufe00-\\ufe0f\\ufeff\\uffa0";

fn is_control(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}')
}

/// Whether `c` overrides or isolates the direction of text (U+202A–U+202E, U+2066–U+2069).
pub fn is_direction_override(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Whether `c` shows something: not a blank, not invisible, not a control or direction
/// character.
fn is_visible(c: char) -> bool {
    !(c.is_whitespace()
        || is_control(c)
        || is_direction_override(c)
        || matches!(c,
            '\u{ad}' | '\u{34f}' | '\u{61c}' | '\u{115f}' | '\u{1160}' | '\u{17b4}' | '\u{17b5}'
            | '\u{180b}'..='\u{180f}' | '\u{200b}'..='\u{200f}' | '\u{2060}'..='\u{206f}'
            | '\u{3164}' | '\u{fe00}'..='\u{fe0f}' | '\u{feff}' | '\u{ffa0}'))
}

// The form names are compared in (the ledger's matching, the duplicate candidates).

/// Maps full-width ASCII (Ａ１，（ …) to half-width and the ideographic space to a space.
pub fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Zero-width characters that some systems paste into cells.
pub fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

/// Trims whitespace of every width and invisible characters from both ends.
pub fn trim_text(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_whitespace() || is_invisible(c))
}

/// Half-width, without any whitespace or invisible characters: the form compared against
/// vocabularies (stages, agreement types, markers) and names matched. Borrowed when `text` is
/// already in that form, as most cells are: only the others are copied.
pub fn compact(text: &str) -> std::borrow::Cow<'_, str> {
    let changed = |c: char| half_width(c) != c || c.is_whitespace() || is_invisible(c);
    if !text.chars().any(changed) {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(
        text.chars()
            .map(half_width)
            .filter(|c| !c.is_whitespace() && !is_invisible(*c))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAME: Rule = Rule::name(5);
    const PROSE_RULE: Rule = Rule::prose(5);

    #[test]
    fn lengths_count_characters() {
        assert_eq!(NAME.check("大足五金园"), Ok(()));
        assert_eq!(NAME.check("大足五金园区"), Err(TextError::TooLong(5)));
        assert_eq!(Rule::line(3).check("abcd"), Err(TextError::TooLong(3)));
        assert_eq!(Rule::line(3).check(""), Ok(()));
    }

    #[test]
    fn control_characters() {
        assert_eq!(NAME.check("a\0b"), Err(TextError::Control(Lines::One)));
        assert_eq!(NAME.check("a\nb"), Err(TextError::Control(Lines::One)));
        assert_eq!(NAME.check("a\u{85}b"), Err(TextError::Control(Lines::One)));
        // Blanks around the text are trimmed by the services, so they pass.
        assert_eq!(NAME.check("ab\n"), Ok(()));
        assert_eq!(PROSE_RULE.check("a\r\n\tb"), Ok(()));
        assert_eq!(PROSE_RULE.check("a\0"), Err(TextError::Control(Lines::Many)));
        assert_eq!(PROSE_RULE.check("a\u{1b}[m"), Err(TextError::Control(Lines::Many)));
    }

    #[test]
    fn direction_overrides_and_invisible_names() {
        assert_eq!(NAME.check("ab\u{202e}c"), Err(TextError::DirectionOverride));
        assert_eq!(Rule::line(5).check("\u{2066}x"), Err(TextError::DirectionOverride));
        assert_eq!(PROSE_RULE.check("ab\u{202e}c"), Ok(()));
        assert_eq!(NAME.check("\u{200b}\u{200d}"), Err(TextError::Blank));
        assert_eq!(NAME.check(" \u{3000}"), Err(TextError::Blank));
        assert_eq!(NAME.check("\u{feff}a"), Ok(()));
        assert_eq!(Rule::line(5).check("\u{200b}"), Ok(()));
        assert_eq!(Rule::statement(5).check("\u{200b}\n"), Err(TextError::Blank));
    }

    /// The pattern the spec states takes exactly the texts the rule takes, on strings drawn from
    /// the characters each part of the rule is about.
    #[test]
    fn the_pattern_states_the_rule() {
        let alphabet = [
            'a', '大', ' ', '\u{3000}', '\t', '\n', '\r', '\u{0}', '\u{1f}', '\u{7f}', '\u{85}', '\u{a0}', '\u{ad}',
            '\u{200b}', '\u{200e}', '\u{202e}', '\u{2028}', '\u{2066}', '\u{feff}', '\u{b}',
        ];
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |bound: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % bound as u64) as usize
        };
        for rule in [Rule::line(99), Rule::name(99), Rule::prose(99), Rule::statement(99)] {
            let pattern = regex::Regex::new(&rule.pattern()).expect("the pattern compiles");
            for _ in 0..20_000 {
                let len = next(6);
                let text: String = (0..len).map(|_| alphabet[next(alphabet.len())]).collect();
                assert_eq!(pattern.is_match(&text), rule.check(&text).is_ok(), "{rule:?} {text:?}");
            }
        }
    }

    #[test]
    fn messages_never_repeat_the_text() {
        assert_eq!(TextError::TooLong(100).to_string(), "must be at most 100 characters");
        assert_eq!(TextError::TooLong(100).chinese(), "不能超过100个字符");
        assert_eq!(TextError::Blank.code(), "blank_text");
    }
}
