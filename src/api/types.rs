//! Scalar types of the API that poem-openapi does not describe well on its own: calendar
//! dates (`format: date`) and exact decimals (strings with a pattern, never JSON numbers),
//! so that generated clients and fuzzers see exactly what the server accepts.

use std::borrow::Cow;
use std::str::FromStr;

use chrono::NaiveDate;
use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{ParseError, ParseFromJSON, ParseFromParameter, ParseResult, ToJSON, Type};
use rust_decimal::Decimal;
use serde_json::Value;

/// Implements the poem-openapi traits for a newtype that travels as a JSON string.
macro_rules! string_scalar {
    ($ty:ident, $name:literal, $format:expr, $pattern:expr, $description:literal, $example:literal) => {
        impl Type for $ty {
            const IS_REQUIRED: bool = true;
            type RawValueType = Self;
            type RawElementValueType = Self;

            fn name() -> Cow<'static, str> {
                $name.into()
            }

            fn schema_ref() -> MetaSchemaRef {
                let mut schema = MetaSchema::new("string");
                schema.format = $format;
                schema.pattern = $pattern.map(str::to_string);
                schema.description = Some($description);
                schema.example = Some(Value::String($example.to_string()));
                MetaSchemaRef::Inline(Box::new(schema))
            }

            fn as_raw_value(&self) -> Option<&Self::RawValueType> {
                Some(self)
            }

            fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
                Box::new(self.as_raw_value().into_iter())
            }
        }

        impl ParseFromJSON for $ty {
            fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
                match value {
                    Some(Value::String(text)) => <$ty>::from_str(&text).map_err(ParseError::custom),
                    other => Err(ParseError::expected_type(other.unwrap_or_default())),
                }
            }
        }

        impl ParseFromParameter for $ty {
            fn parse_from_parameter(value: &str) -> ParseResult<Self> {
                <$ty>::from_str(value).map_err(ParseError::custom)
            }
        }

        impl ToJSON for $ty {
            fn to_json(&self) -> Option<Value> {
                Some(Value::String(self.to_string()))
            }
        }
    };
}

/// A calendar date, `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub NaiveDate);

impl FromStr for Date {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .filter(|_| text.len() == 10)
            .map(Date)
            .ok_or_else(|| format!("`{text}` is not a date of the form YYYY-MM-DD"))
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

impl From<NaiveDate> for Date {
    fn from(date: NaiveDate) -> Self {
        Date(date)
    }
}

string_scalar!(
    Date,
    "Date",
    Some("date"),
    None::<&str>,
    "A calendar date, YYYY-MM-DD (China time).",
    "2025-03-15"
);

/// An amount of money in 万元 (10,000 yuan), exact, with at most four decimals (to the yuan).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Wan(pub Decimal);

impl FromStr for Wan {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        parse_decimal(text, 4).map(Wan)
    }
}

impl std::fmt::Display for Wan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut value = self.0;
        value.rescale(4);
        write!(f, "{value}")
    }
}

/// The spec's pattern of [`Wan`]: up to 15 digits and 4 decimals.
pub const WAN_PATTERN: &str = r"^-?[0-9]{1,15}(\.[0-9]{1,4})?$";
/// The spec's pattern of [`Mu`]: up to 12 digits and 2 decimals.
pub const MU_PATTERN: &str = r"^-?[0-9]{1,12}(\.[0-9]{1,2})?$";

string_scalar!(
    Wan,
    "Wan",
    None::<&'static str>,
    Some(WAN_PATTERN),
    "An exact amount in 万元 (10,000 yuan) with at most four decimals, as a string; responses always carry four decimals.",
    "6056.0000"
);

/// An area in 亩 (about 666.7 m²), exact, with at most two decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Mu(pub Decimal);

impl FromStr for Mu {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        parse_decimal(text, 2).map(Mu)
    }
}

impl std::fmt::Display for Mu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut value = self.0;
        value.rescale(2);
        write!(f, "{value}")
    }
}

string_scalar!(
    Mu,
    "Mu",
    None::<&'static str>,
    Some(MU_PATTERN),
    "An area in 亩 with at most two decimals, as a string.",
    "120.50"
);

/// Reads a plain decimal (digits, an optional sign and point, no exponent) with at most
/// `decimals` decimals.
fn parse_decimal(text: &str, decimals: usize) -> Result<Decimal, String> {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let plain = !whole.is_empty()
        && whole.len() <= 15
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
        && unsigned.contains('.') != fraction.is_empty();
    if !plain {
        return Err(format!("`{text}` is not a decimal number such as 1234.5"));
    }
    if fraction.len() > decimals {
        return Err(format!("`{text}` has more than {decimals} decimals"));
    }
    Decimal::from_str(text).map_err(|e| format!("`{text}`: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wan_parses_exactly_and_prints_four_decimals() {
        assert_eq!(Wan::from_str("302.8").unwrap().to_string(), "302.8000");
        assert_eq!(Wan::from_str("100").unwrap().to_string(), "100.0000");
        assert!(Wan::from_str("1e5").is_err());
        assert!(Wan::from_str("1.00001").is_err());
        assert!(Wan::from_str("").is_err());
        assert!(Wan::from_str("1.").is_err());
        assert_eq!(Wan::from_str("-5").unwrap().0, Decimal::from(-5));
    }

    #[test]
    fn dates_are_strict() {
        assert!(Date::from_str("2025-03-15").is_ok());
        assert!(Date::from_str("2025-3-15").is_err());
        assert!(Date::from_str("2025-13-01").is_err());
    }
}

/// Text from a client: a JSON string and nothing else. poem-openapi's `String` also takes
/// numbers and booleans and turns them into text, which the spec does not allow.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text(pub String);

impl Type for Text {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        "string".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema::new("string")))
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ParseFromJSON for Text {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value {
            Some(Value::String(text)) => Ok(Text(text)),
            other => Err(ParseError::expected_type(other.unwrap_or_default())),
        }
    }
}

impl ToJSON for Text {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(self.0.clone()))
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<Text> for String {
    fn from(text: Text) -> Self {
        text.0
    }
}

/// Mirrors a closed vocabulary of the domain as an API enum, converting both ways.
macro_rules! api_enum {
    ($(#[$meta:meta])* $api:ident <=> $domain:path { $($variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, poem_openapi::Enum)]
        #[oai(rename_all = "snake_case")]
        pub enum $api {
            $($variant),+
        }

        impl From<$domain> for $api {
            fn from(value: $domain) -> Self {
                use $domain as D;
                match value {
                    $(D::$variant => Self::$variant),+
                }
            }
        }

        impl From<$api> for $domain {
            fn from(value: $api) -> Self {
                use $domain as D;
                match value {
                    $($api::$variant => D::$variant),+
                }
            }
        }
    };
}

api_enum!(
    /// Where a project is: `lead` 线索, `negotiating` 在谈, `signed` 签约, `started` 开工,
    /// `producing` 投产, `effective` 达产达效, `terminated` 终止.
    Stage <=> entity::enums::Stage { Lead, Negotiating, Signed, Started, Producing, Effective, Terminated }
);

api_enum!(
    /// The kind of agreement: `framework` 框架协议, `formal` 正式合同, `supplementary` 补充协议.
    AgreementType <=> entity::enums::AgreementType { Framework, Formal, Supplementary }
);

api_enum!(
    /// The kind of money that arrived: `fixed_asset` 固定资产投资, `registered_capital`
    /// 注册资本实缴, `working_capital` 流动资金, `other` 其他.
    FundingKind <=> entity::enums::FundingKind { FixedAsset, RegisteredCapital, WorkingCapital, Other }
);

api_enum!(
    /// The kind of follow-up: `visit_out` 外出拜访, `visit_in` 企业来访, `negotiation` 洽谈,
    /// `call` 电话, `event` 活动, `other` 其他.
    ActivityKind <=> entity::enums::ActivityKind { VisitOut, VisitIn, Negotiation, Call, Event, Other }
);

api_enum!(
    /// What a user may do: `admin` everything; `leader` reads everything, writes nothing;
    /// `team_lead` and `member` work on their team's projects.
    Role <=> entity::enums::Role { Admin, Leader, TeamLead, Member }
);

/// The direction of a sort.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, poem_openapi::Enum)]
#[oai(rename_all = "snake_case")]
pub enum SortOrder {
    Asc,
    #[default]
    Desc,
}

impl From<SortOrder> for sea_orm::Order {
    fn from(order: SortOrder) -> Self {
        match order {
            SortOrder::Asc => sea_orm::Order::Asc,
            SortOrder::Desc => sea_orm::Order::Desc,
        }
    }
}

/// A JSON answer already serialized (kept by `db::list_cache`), documented as the `T` it
/// holds: the spec is the same as for `Json<T>`.
pub struct KeptJson<T> {
    body: bytes::Bytes,
    of: std::marker::PhantomData<fn() -> T>,
}

impl<T: ToJSON> KeptJson<T> {
    /// `value` serialized, to be kept and sent as it is.
    pub fn serialize(value: &T) -> bytes::Bytes {
        value.to_json_string().into()
    }

    pub fn new(body: bytes::Bytes) -> Self {
        Self {
            body,
            of: std::marker::PhantomData,
        }
    }
}

impl<T: Type> poem_openapi::payload::Payload for KeptJson<T> {
    const CONTENT_TYPE: &'static str = <poem_openapi::payload::Json<T> as poem_openapi::payload::Payload>::CONTENT_TYPE;

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut poem_openapi::registry::Registry) {
        T::register(registry);
    }
}

impl<T: ToJSON> poem::IntoResponse for KeptJson<T> {
    fn into_response(self) -> poem::Response {
        poem::Response::builder()
            .content_type("application/json; charset=utf-8")
            .body(self.body)
    }
}

impl<T: ToJSON> poem_openapi::ApiResponse for KeptJson<T> {
    fn meta() -> poem_openapi::registry::MetaResponses {
        <poem_openapi::payload::Json<T> as poem_openapi::ApiResponse>::meta()
    }

    fn register(registry: &mut poem_openapi::registry::Registry) {
        T::register(registry);
    }
}
