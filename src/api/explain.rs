//! Which field of a refused request is at fault, and what it should have been. poem-openapi
//! refuses a body or a parameter with a reason that names a type, not the field
//! (`Expected input type "integer_int32", found null`); this module reads the request again
//! against the spec the server serves (the operation at its method and path, its body's schema
//! and its parameters) and lists every field that breaks it: a JSON pointer (`/contract/signed_on`)
//! for a body's field, the name for a parameter, with a [`Problem`] that the catalogue
//! (`api::messages`) puts into words.
//!
//! It is only asked after poem-openapi has refused a request, so it costs nothing on the way of
//! a good one. A caller must not use it to accept a request: the spec's schema is what the
//! server checks, this only explains a refusal.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use poem::http::{HeaderMap, Method, Uri};
use serde_json::Value;

use super::messages::{Expected, Found, Pattern, Problem};
use crate::domain::text::{Lines, Rule};

/// What was sent: enough of the request to read it again after it was refused.
#[derive(Debug, Default)]
pub struct Sent {
    pub method: Method,
    pub uri: Uri,
    pub headers: HeaderMap,
    /// The body, when it was JSON.
    pub json: Option<bytes::Bytes>,
}

tokio::task_local! {
    static SENT: std::sync::Arc<Sent>;
}

/// Runs `serve` as the serving of the request `sent`, for [`with_sent`].
pub async fn serving<F: std::future::Future>(sent: std::sync::Arc<Sent>, serve: F) -> F::Output {
    SENT.scope(sent, serve).await
}

/// `read` of the request being served, for an error raised after the framework read it (a
/// merged patch); `None` outside of one.
pub fn with_sent<R>(read: impl FnOnce(&Sent) -> R) -> Option<R> {
    SENT.try_with(|sent| read(sent)).ok()
}

/// Where a parameter is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Query,
    Path,
    Header,
}

impl Place {
    fn name(self) -> &'static str {
        match self {
            Self::Query => "query",
            Self::Path => "path",
            Self::Header => "header",
        }
    }
}

/// The spec the server serves, read once.
fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| serde_json::from_str(&super::service().spec()).expect("the spec is JSON"))
}

/// The values of an operation's path parameters, by name, in the order of the path.
type PathValues = Vec<(String, String)>;

/// The operation at `method` and `path`, and the values of its path parameters. A literal
/// segment wins over a parameter (`/users/me` over `/users/{id}`).
fn operation<'s>(spec: &'s Value, method: &Method, path: &str) -> Option<(&'s Value, PathValues)> {
    let method = method.as_str().to_ascii_lowercase();
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let mut best: Option<(usize, &Value, PathValues)> = None;
    for (template, item) in spec["paths"].as_object()? {
        let Some(op) = item.get(&method) else { continue };
        let parts: Vec<&str> = template.split('/').collect();
        if parts.len() != segments.len() {
            continue;
        }
        let mut params = vec![];
        let mut literal = 0;
        let fits = parts.iter().zip(&segments).all(|(part, segment)| {
            match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                Some(name) => {
                    params.push((name.to_owned(), percent_decoded(segment)));
                    !segment.is_empty()
                }
                None => {
                    literal += 1;
                    part == segment
                }
            }
        });
        if fits && best.as_ref().is_none_or(|(most, ..)| literal > *most) {
            best = Some((literal, op, params));
        }
    }
    best.map(|(_, op, params)| (op, params))
}

fn percent_decoded(text: &str) -> String {
    let form: Vec<(String, String)> =
        serde_urlencoded::from_str(&format!("v={}", text.replace('+', "%2B"))).unwrap_or_default();
    form.into_iter().next().map_or_else(|| text.to_owned(), |(_, v)| v)
}

/// Every problem of a JSON body the operation refused, by JSON pointer. Empty when the body
/// breaks nothing the spec states.
pub fn body(sent: &Sent) -> Vec<(String, Problem)> {
    let spec = spec();
    let Some((op, _)) = operation(spec, &sent.method, sent.uri.path()) else {
        return vec![];
    };
    let Some(schema) = op["requestBody"]["content"]
        .as_object()
        .and_then(|content| content.iter().find(|(media, _)| media.contains("json")))
        .map(|(_, media)| &media["schema"])
    else {
        return vec![];
    };
    let mut walk = Walk { spec, problems: vec![] };
    let bytes = sent.json.as_deref().unwrap_or_default();
    if bytes.iter().all(u8::is_ascii_whitespace) {
        walk.problems
            .push((String::new(), Problem::Missing(walk.expected(schema))));
        return walk.problems;
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Null) => walk
            .problems
            .push((String::new(), Problem::Missing(walk.expected(schema)))),
        Ok(value) => walk.check(String::new(), schema, &value),
        Err(err) => walk.problems.push((
            String::new(),
            Problem::NotJson {
                line: err.line(),
                column: err.column(),
            },
        )),
    }
    walk.problems
}

/// The path parameter poem-openapi calls `param<n>` (the n-th of the path, from 0): its name
/// in the spec and what is wrong with it.
pub fn path_parameter(sent: &Sent, numbered: &str) -> Option<(String, Option<Problem>)> {
    let (_, path_values) = operation(spec(), &sent.method, sent.uri.path())?;
    let name = match numbered.strip_prefix("param").and_then(|n| n.parse::<usize>().ok()) {
        Some(n) => path_values.get(n)?.0.clone(),
        None => numbered.to_owned(),
    };
    let problem = parameter(sent, &name, Place::Path);
    Some((name, problem))
}

/// What is wrong with the parameter `name` sent in `place`, if the spec says.
pub fn parameter(sent: &Sent, name: &str, place: Place) -> Option<Problem> {
    let spec = spec();
    let (op, path_values) = operation(spec, &sent.method, sent.uri.path())?;
    let declared = op["parameters"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == name && p["in"] == place.name())?;
    let schema = &declared["schema"];
    let mut walk = Walk { spec, problems: vec![] };
    let values: Vec<String> = match place {
        Place::Path => path_values
            .into_iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value)
            .collect(),
        Place::Header => sent
            .headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect(),
        Place::Query => serde_urlencoded::from_str::<Vec<(String, String)>>(sent.uri.query().unwrap_or_default())
            .unwrap_or_default()
            .into_iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value)
            .collect(),
    };
    if values.is_empty() {
        return (declared["required"] == true).then(|| Problem::Missing(walk.expected(schema)));
    }
    let schema_of_one = match walk.resolve(schema)["type"].as_str() {
        Some("array") => &walk.resolve(schema)["items"],
        _ => schema,
    };
    for text in &values {
        let value = match walk.resolve(schema_of_one)["type"].as_str() {
            Some("integer") => text.parse::<i64>().map(Value::from).ok(),
            Some("number") => text
                .parse::<f64>()
                .ok()
                .and_then(|n| serde_json::Number::from_f64(n).map(Value::Number)),
            Some("boolean") => text.parse::<bool>().map(Value::Bool).ok(),
            _ => Some(Value::String(text.clone())),
        };
        let Some(value) = value else {
            return Some(Problem::WrongType(walk.expected(schema_of_one), None));
        };
        walk.check(name.to_owned(), schema_of_one, &value);
        if let Some((_, problem)) = walk.problems.pop() {
            return Some(problem);
        }
    }
    None
}

/// A walk of a value through a schema, collecting what breaks it.
struct Walk<'s> {
    spec: &'s Value,
    problems: Vec<(String, Problem)>,
}

/// The most problems listed for one request.
const MOST_PROBLEMS: usize = 20;

impl<'s> Walk<'s> {
    /// `schema` with its `$ref`s followed.
    fn resolve(&self, mut schema: &'s Value) -> &'s Value {
        for _ in 0..16 {
            let Some(target) = schema["$ref"]
                .as_str()
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            else {
                break;
            };
            schema = &self.spec["components"]["schemas"][target];
        }
        schema
    }

    fn found(&mut self, pointer: &str, problem: Problem) {
        if self.problems.len() < MOST_PROBLEMS {
            self.problems.push((pointer.to_owned(), problem));
        }
    }

    /// What a value of `schema` is, for a person.
    fn expected(&self, schema: &'s Value) -> Expected {
        let schema = self.resolve(schema);
        if let Some(first) = schema["allOf"].as_array().and_then(|all| all.first()) {
            return self.expected(first);
        }
        if let Some(values) = schema["enum"].as_array() {
            let description = schema["description"].as_str().unwrap_or_default();
            return Expected::OneOf(
                values
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|v| (v.to_owned(), label(description, v)))
                    .collect(),
            );
        }
        match (schema["type"].as_str(), schema["format"].as_str()) {
            (Some("string"), Some("date")) => Expected::Date,
            (Some("string"), Some("date-time")) => Expected::DateTime,
            (Some("string"), _) => match schema["pattern"].as_str() {
                Some(super::types::WAN_PATTERN) => Expected::Wan,
                Some(super::types::MU_PATTERN) => Expected::Mu,
                _ => Expected::Text,
            },
            (Some("integer"), _) => Expected::Integer,
            (Some("number"), _) => Expected::Number,
            (Some("boolean"), _) => Expected::Boolean,
            (Some("array"), _) => Expected::Array,
            _ => Expected::Object,
        }
    }

    /// Checks `value` (not null) at `pointer` against `schema`.
    fn check(&mut self, pointer: String, schema: &'s Value, value: &Value) {
        let schema = self.resolve(schema);
        if let Some(all) = schema["allOf"].as_array() {
            for part in all {
                self.check(pointer.clone(), part, value);
            }
        }
        let Some(kind) = schema["type"].as_str() else { return };
        let fits = match kind {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            _ => true,
        };
        if !fits {
            let expected = self.expected(schema);
            self.found(&pointer, Problem::WrongType(expected, Some(Found::of(value))));
            return;
        }
        match value {
            Value::Object(fields) => self.check_object(&pointer, schema, fields),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if !item.is_null() {
                        self.check(format!("{pointer}/{i}"), &schema["items"], item);
                    }
                }
            }
            Value::String(text) => {
                if let Some(problem) = self.check_text(schema, text) {
                    self.found(&pointer, problem);
                }
            }
            Value::Number(number) => {
                if let Some(problem) = check_number(schema, number) {
                    self.found(&pointer, problem);
                }
            }
            _ => {}
        }
    }

    fn check_object(&mut self, pointer: &str, schema: &'s Value, fields: &serde_json::Map<String, Value>) {
        let properties = schema["properties"].as_object();
        for required in schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if fields.get(required).is_none_or(Value::is_null) {
                let expected = properties
                    .and_then(|p| p.get(required))
                    .map_or(Expected::Text, |s| self.expected(s));
                self.found(&format!("{pointer}/{}", escaped(required)), Problem::Missing(expected));
            }
        }
        for (name, value) in fields {
            if value.is_null() {
                continue;
            }
            let property = properties
                .and_then(|p| p.get(name))
                .or_else(|| schema.get("additionalProperties").filter(|extra| extra.is_object()));
            if let Some(property) = property {
                self.check(format!("{pointer}/{}", escaped(name)), property, value);
            }
        }
    }

    fn check_text(&self, schema: &'s Value, text: &str) -> Option<Problem> {
        if let Some(values) = schema["enum"].as_array()
            && !values.iter().any(|v| v == text)
        {
            return Some(Problem::NotOneOf(self.expected(schema)));
        }
        let chars = text.chars().count();
        if let Some(max) = schema["maxLength"].as_u64()
            && chars as u64 > max
        {
            return Some(Problem::TooLong(max as usize));
        }
        if let Some(min) = schema["minLength"].as_u64()
            && (chars as u64) < min
        {
            return Some(Problem::TooShort(min as usize));
        }
        if let Some(pattern) = schema["pattern"].as_str()
            && !matches(pattern, text)
        {
            return Some(describe_pattern(pattern, text));
        }
        match schema["format"].as_str() {
            Some("date") => text.parse::<super::types::Date>().is_err().then_some(Problem::NotADate),
            Some("date-time") => chrono::DateTime::parse_from_rfc3339(text)
                .is_err()
                .then_some(Problem::NotATime),
            _ => None,
        }
    }
}

fn check_number(schema: &Value, number: &serde_json::Number) -> Option<Problem> {
    let value = number.as_f64()?;
    let (least, most) = match schema["format"].as_str() {
        Some("int32") => (Some(f64::from(i32::MIN)), Some(f64::from(i32::MAX))),
        Some("uint32") => (Some(0.0), Some(f64::from(u32::MAX))),
        Some("uint64") => (Some(0.0), None),
        _ => (None, None),
    };
    let least = schema["minimum"].as_f64().or(least);
    let most = schema["maximum"].as_f64().or(most);
    if let Some(least) = least.filter(|&least| value < least) {
        return Some(Problem::Below(plain(least)));
    }
    if let Some(most) = most.filter(|&most| value > most) {
        return Some(Problem::Above(plain(most)));
    }
    None
}

/// A bound as written: `1`, not `1.0`.
fn plain(bound: f64) -> String {
    if bound.fract() == 0.0 && bound.abs() < 1e15 {
        format!("{}", bound as i64)
    } else {
        bound.to_string()
    }
}

/// A property name as a JSON pointer's token (RFC 6901).
fn escaped(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// The label an enumeration's description gives `value`: "`formal` 正式合同, …" gives 正式合同.
fn label(description: &str, value: &str) -> Option<String> {
    let (_, after) = description.split_once(&format!("`{value}` "))?;
    let label: String = after
        .chars()
        .take_while(|c| !matches!(c, ',' | '.' | ';' | ':' | '，' | '。' | '；' | '`' | '\n' | '(' | '（'))
        .collect();
    let label = label.trim();
    (!label.is_empty() && !label.is_ascii()).then(|| label.to_owned())
}

/// Whether `text` matches the spec's `pattern` (compiled once per pattern).
fn matches(pattern: &str, text: &str) -> bool {
    static COMPILED: OnceLock<Mutex<HashMap<String, Option<regex::Regex>>>> = OnceLock::new();
    let mut compiled = COMPILED.get_or_init(Default::default).lock().expect("pattern cache");
    let regex = compiled
        .entry(pattern.to_owned())
        .or_insert_with(|| regex::Regex::new(pattern).ok());
    regex.as_ref().is_none_or(|regex| regex.is_match(text))
}

/// A pattern of the spec, in words; for a text rule of `domain::text`, what `text` broke.
fn describe_pattern(pattern: &str, text: &str) -> Problem {
    for lines in [Lines::One, Lines::Many] {
        for required in [false, true] {
            let rule = Rule {
                max_chars: usize::MAX,
                lines,
                required,
            };
            if rule.pattern() == pattern {
                return match rule.check(text) {
                    Err(refused) => Problem::Pattern(Pattern::Text(refused)),
                    Ok(()) => Problem::Other(format!("does not match the pattern {pattern}")),
                };
            }
        }
    }
    match known_pattern(pattern) {
        Some(kind) => Problem::Pattern(kind),
        None => Problem::Other(format!("does not match the pattern {pattern}")),
    }
}

/// The patterns other than text rules that the spec states, by what they take.
fn known_pattern(pattern: &str) -> Option<Pattern> {
    Some(match pattern {
        super::types::WAN_PATTERN => Pattern::Wan,
        super::types::MU_PATTERN => Pattern::Mu,
        p if p.contains("[A-Za-z0-9_.-]{2,64}") => Pattern::Username,
        p if p.contains("[A-Za-z0-9_-]{0,64}") => Pattern::ProjectCode,
        p if p.contains("[0-9A-HJ-NP-RTUW-Ya-hj-np-rtuw-y]{18}") => Pattern::CreditCode,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::messages::Lang;

    fn sent(method: Method, uri: &str, body: &str) -> Sent {
        Sent {
            method,
            uri: uri.parse().unwrap(),
            headers: HeaderMap::new(),
            json: Some(bytes::Bytes::copy_from_slice(body.as_bytes())),
        }
    }

    #[test]
    fn every_pattern_of_the_spec_has_words() {
        let mut patterns = vec![];
        fn collect<'a>(value: &'a Value, into: &mut Vec<&'a str>) {
            match value {
                Value::Object(map) => {
                    if let Some(p) = map.get("pattern").and_then(Value::as_str) {
                        into.push(p);
                    }
                    map.values().for_each(|v| collect(v, into));
                }
                Value::Array(items) => items.iter().for_each(|v| collect(v, into)),
                _ => {}
            }
        }
        collect(spec(), &mut patterns);
        assert!(!patterns.is_empty());
        for pattern in patterns {
            let text_rule = [Lines::One, Lines::Many].iter().any(|&lines| {
                [false, true].iter().any(|&required| {
                    Rule {
                        max_chars: 1,
                        lines,
                        required,
                    }
                    .pattern()
                        == pattern
                })
            });
            assert!(text_rule || known_pattern(pattern).is_some(), "no words for {pattern}");
        }
    }

    #[test]
    fn a_missing_field_and_a_wrong_type_are_named_by_pointer() {
        let problems = body(&sent(
            Method::POST,
            "/api/v1/projects",
            r#"{"name": "x", "planned_investment": 12.5}"#,
        ));
        let fields: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["/team_id", "/planned_investment"], "{problems:?}");
        assert_eq!(problems[0].1.in_lang(Lang::Zh), "必填，应为整数");
        assert_eq!(
            problems[1].1.in_lang(Lang::En),
            "expected an amount in 万元 as a string with at most four decimals, e.g. \"6056.0000\", found a number"
        );
    }

    #[test]
    fn a_nested_enumeration_lists_its_values() {
        let problems = body(&sent(
            Method::POST,
            "/api/v1/projects/7/transitions",
            r#"{"stage": "signed", "contract": {"agreement_type": "正式合同", "signed_on": "2025-02-30", "contracted_investment": "1"}}"#,
        ));
        let fields: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            ["/contract/agreement_type", "/contract/signed_on"],
            "{problems:?}"
        );
        assert_eq!(
            problems[0].1.in_lang(Lang::Zh),
            "不是允许的值，应为以下之一：framework（框架协议）、formal（正式合同）、supplementary（补充协议）"
        );
        assert_eq!(problems[1].1, Problem::NotADate);
    }

    #[test]
    fn parameters_are_read_as_their_schema_says() {
        let query = sent(Method::GET, "/api/v1/projects?per_page=abc&stage=finished", "");
        assert_eq!(
            parameter(&query, "per_page", Place::Query),
            Some(Problem::WrongType(Expected::Integer, None))
        );
        assert!(matches!(
            parameter(&query, "stage", Place::Query),
            Some(Problem::NotOneOf(_))
        ));
        let path = sent(Method::GET, "/api/v1/projects/abc", "");
        assert_eq!(
            path_parameter(&path, "param0"),
            Some(("id".to_owned(), Some(Problem::WrongType(Expected::Integer, None))))
        );
    }

    #[test]
    fn labels_come_from_the_description() {
        let description = "Where a project is: `lead` 线索, `negotiating` 在谈, `signed` 签约.";
        assert_eq!(label(description, "negotiating").as_deref(), Some("在谈"));
        assert_eq!(label("`admin` everything; `leader` reads", "admin"), None);
        assert_eq!(label(description, "started"), None);
    }
}
