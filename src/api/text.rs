//! Text a client sends, by the rules of `domain::text`: [`Line`], [`Name`], [`Prose`] and
//! [`Statement`], each with its most characters as a parameter (`Name<{ text::PROJECT_NAME }>`).
//! Their schema states the rule (`maxLength` and a `pattern`), so generated clients and
//! fuzzers see exactly what is taken; a text breaking it is a 400 naming the field.
//!
//! Every field or parameter of these types carries `#[oai(validator(custom =
//! "TextRule::default()"))]`: the check runs as poem-openapi reads the field, whose name its
//! message then gives ("field `name` verification failed. must be at most 200 characters"). A
//! type's own parsing cannot name the field, hence the validator; a field without it is
//! caught in debug builds when its text is taken out.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;

use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{ParseError, ParseFromJSON, ParseFromParameter, ParseResult, ToJSON, Type};
use poem_openapi::validation::Validator;
use serde_json::Value;

use crate::domain::text::{Lines, Rule, TextError};

/// A text of at most `MAX` characters, of several lines when `MANY`, showing something when
/// `REQUIRED`: see the aliases.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checked<const MAX: usize, const MANY: bool, const REQUIRED: bool>(String);

/// One line that may be blank: a label, a person's name, a search.
pub type Line<const MAX: usize> = Checked<MAX, false, false>;
/// One line that shows something: the name of a project, an investor, a team, a token.
pub type Name<const MAX: usize> = Checked<MAX, false, true>;
/// Free text of several lines that may be blank: progress, notes, a reason.
pub type Prose<const MAX: usize> = Checked<MAX, true, false>;
/// Free text of several lines that shows something: an activity's summary.
pub type Statement<const MAX: usize> = Checked<MAX, true, true>;

impl<const MAX: usize, const MANY: bool, const REQUIRED: bool> Checked<MAX, MANY, REQUIRED> {
    /// The rule of `domain::text` this type stands for.
    pub const RULE: Rule = Rule {
        max_chars: MAX,
        lines: if MANY { Lines::Many } else { Lines::One },
        required: REQUIRED,
    };

    /// A stored text, written back into a body (the current record a patch merges onto);
    /// its rule is checked when that body is read.
    pub fn stored(text: String) -> Self {
        Self(text)
    }

    /// The text as sent (surrounding blanks are the service's to trim).
    pub fn into_inner(self) -> String {
        self.debug_check();
        self.0
    }

    /// The text as sent.
    pub fn as_str(&self) -> &str {
        self.debug_check();
        &self.0
    }

    fn debug_check(&self) {
        debug_assert!(
            Self::RULE.check(&self.0).is_ok(),
            "a text field without `validator(custom = \"TextRule::default()\")` let through a text its rule refuses"
        );
    }
}

impl<const MAX: usize, const MANY: bool, const REQUIRED: bool> From<Checked<MAX, MANY, REQUIRED>> for String {
    fn from(text: Checked<MAX, MANY, REQUIRED>) -> Self {
        text.into_inner()
    }
}

impl<const MAX: usize, const MANY: bool, const REQUIRED: bool> AsRef<str> for Checked<MAX, MANY, REQUIRED> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl<const MAX: usize, const MANY: bool, const REQUIRED: bool> Type for Checked<MAX, MANY, REQUIRED> {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        "string".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        let mut schema = MetaSchema::new("string");
        schema.max_length = Some(MAX);
        schema.pattern = Some(Self::RULE.pattern());
        MetaSchemaRef::Inline(Box::new(schema))
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

/// A JSON string and nothing else (poem-openapi's `String` also takes numbers and booleans).
/// The rule is checked by [`TextRule`].
impl<const MAX: usize, const MANY: bool, const REQUIRED: bool> ParseFromJSON for Checked<MAX, MANY, REQUIRED> {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value {
            Some(Value::String(text)) => Ok(Self(text)),
            other => Err(ParseError::expected_type(other.unwrap_or_default())),
        }
    }
}

impl<const MAX: usize, const MANY: bool, const REQUIRED: bool> ParseFromParameter for Checked<MAX, MANY, REQUIRED> {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        Ok(Self(value.to_owned()))
    }
}

impl<const MAX: usize, const MANY: bool, const REQUIRED: bool> ToJSON for Checked<MAX, MANY, REQUIRED> {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(self.0.clone()))
    }
}

/// The validator of every [`Checked`] field and parameter. It keeps what it found, so that
/// the message poem-openapi builds from it says what was wrong.
#[derive(Debug, Default)]
pub struct TextRule(Cell<Option<TextError>>);

impl<const MAX: usize, const MANY: bool, const REQUIRED: bool> Validator<Checked<MAX, MANY, REQUIRED>> for TextRule {
    fn check(&self, value: &Checked<MAX, MANY, REQUIRED>) -> bool {
        match Checked::<MAX, MANY, REQUIRED>::RULE.check(&value.0) {
            Ok(()) => true,
            Err(refused) => {
                self.0.set(Some(refused));
                false
            }
        }
    }
}

impl fmt::Display for TextRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.get() {
            Some(refused) => f.write_str(&super::messages::text_refused(refused)),
            None => f.write_str("breaks the rule of its text"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_states_the_rule() {
        let MetaSchemaRef::Inline(schema) = Name::<100>::schema_ref() else {
            panic!("an inline schema")
        };
        assert_eq!(schema.max_length, Some(100));
        assert_eq!(schema.pattern, Some(Rule::name(100).pattern()));
    }

    #[test]
    fn the_validator_says_what_was_wrong() {
        let rule = TextRule::default();
        assert!(Validator::check(
            &rule,
            &Line::<3>::parse_from_parameter("abc").unwrap()
        ));
        assert!(!Validator::check(
            &rule,
            &Line::<3>::parse_from_parameter("abcd").unwrap()
        ));
        // In the request's language: Chinese unless it asked for English.
        assert_eq!(rule.to_string(), "不能超过3个字符");
        let rule = TextRule::default();
        assert!(!Validator::check(
            &rule,
            &Name::<9>::parse_from_parameter("a\u{0}b").unwrap()
        ));
        assert_eq!(rule.to_string(), "不能含有控制字符、制表符或换行符");
    }
}
