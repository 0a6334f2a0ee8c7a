//! The words of the API's errors, in Chinese (the default) and in English (`Accept-Language:
//! en`): one catalogue, each message written here once per language and nowhere else. The
//! language of the request being served is set by [`in_language`] around the whole
//! application and read with [`current_lang`]; a caller builds a [`Message`] or a
//! [`Problem`] and asks for its text, and must not branch on the language itself. Codes
//! (`bad_request`, …) stay English and stable; only the words change. Times are in China time
//! (UTC+8), the calendar the service keeps.
//!
//! The service's own refusals of a rule (409, 422) carry both languages, written where the
//! rule refuses ([`crate::domain::words::Words`]); this module picks the one asked for. A
//! refusal of the access rules (403) is worded here.

use chrono::{DateTime, Utc};
use poem::{Endpoint, IntoResponse, Request, Response};

use crate::domain::access::Denied;
use crate::domain::text::TextError;

pub use crate::domain::words::Lang;
use crate::domain::words::record_kind;

tokio::task_local! {
    static LANG: Lang;
}

/// The language of the request being served ([`Lang::Zh`] outside of one).
pub fn current_lang() -> Lang {
    LANG.try_with(|lang| *lang).unwrap_or_default()
}

/// Serves a request in the language its `Accept-Language` asks for, and says which on an
/// error response (`Content-Language`).
pub async fn in_language<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    let lang = Lang::from_accept_language(req.header("accept-language"));
    let mut response = LANG
        .scope(
            lang,
            async move { next.call(req).await.map(IntoResponse::into_response) },
        )
        .await?;
    if response.status().as_u16() >= 400 {
        response
            .headers_mut()
            .insert("content-language", poem::http::HeaderValue::from_static(lang.tag()));
    }
    Ok(response)
}

/// A message of the API's own, for an error's `message`.
#[derive(Debug, Clone)]
pub enum Message<'a> {
    /// 400: the request could not be read; the problems follow, each `field: problem`.
    Unreadable(&'a [(String, String)]),
    /// 401: no bearer token was sent.
    TokenRequired,
    /// 401: the token sent is not one the service knows.
    TokenUnknown,
    /// 401: signing in failed.
    WrongCredentials,
    /// 404: no operation at this path.
    NoSuchPath,
    /// 405: the path takes other methods.
    MethodNotAllowed,
    /// 413: the body is larger than `limit` bytes.
    TooLarge { limit: usize },
    /// 415: the body is not of a media type the operation takes.
    UnsupportedMediaType,
    /// 404: the record does not exist (`what` as the service names it, in English).
    NotFound { what: &'a str, id: &'a str },
    /// 403: the caller may not do this, and why.
    Denied(&'a Denied),
    /// 429: too many failed sign-ins; the next may come at `until`, in `seconds`.
    TooManySignIns {
        username: &'a str,
        until: DateTime<Utc>,
        seconds: u32,
    },
    /// 500: the cause is in the log.
    Internal,
    /// 503: another write holds the database.
    Busy,
    /// 503: the database does not answer.
    DatabaseDown,
}

impl Message<'_> {
    /// The message in the current request's language.
    pub fn text(&self) -> String {
        self.in_lang(current_lang())
    }

    pub fn in_lang(&self, lang: Lang) -> String {
        use Lang::{En, Zh};
        match (self, lang) {
            (Self::Unreadable(problems), Zh) => format!(
                "请求有误：{}",
                problems
                    .iter()
                    .map(|(f, p)| format!("{}：{p}", shown(f, lang)))
                    .collect::<Vec<_>>()
                    .join("；")
            ),
            (Self::Unreadable(problems), En) => format!(
                "the request could not be read: {}",
                problems
                    .iter()
                    .map(|(f, p)| format!("{}: {p}", shown(f, lang)))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            (Self::TokenRequired, Zh) => "需要有效的访问令牌：请在请求头中发送 `Authorization: Bearer <令牌>`".into(),
            (Self::TokenRequired, En) => {
                "a valid bearer token is required: send `Authorization: Bearer <token>`".into()
            }
            (Self::TokenUnknown, Zh) => "访问令牌无效、已吊销或已过期".into(),
            (Self::TokenUnknown, En) => "the bearer token is unknown, revoked or expired".into(),
            (Self::WrongCredentials, Zh) => "用户名或密码错误".into(),
            (Self::WrongCredentials, En) => "the username or password is wrong".into(),
            (Self::NoSuchPath, Zh) => "没有这个地址；接口列表见 /docs".into(),
            (Self::NoSuchPath, En) => "there is no such path; the operations are listed at /docs".into(),
            (Self::MethodNotAllowed, Zh) => "这个地址不接受此请求方法".into(),
            (Self::MethodNotAllowed, En) => "this path does not take this method".into(),
            (Self::TooLarge { limit }, Zh) => format!("请求体超过{limit}字节"),
            (Self::TooLarge { limit }, En) => format!("the request body is larger than {limit} bytes"),
            (Self::UnsupportedMediaType, Zh) => {
                "请求体的类型（Content-Type）不对：此接口接受的类型见 /docs，多数为 application/json".into()
            }
            (Self::UnsupportedMediaType, En) => {
                "the body's Content-Type is not one this operation takes (see /docs; mostly application/json)".into()
            }
            (Self::NotFound { what, id }, Zh) => match id.split_once(" of project ") {
                Some((id, project)) => format!("项目{project}的{}{id}不存在", record_kind(what)),
                None => format!("{}{id}不存在", record_kind(what)),
            },
            (Self::NotFound { what, id }, En) => format!("{what} {id} was not found"),
            (
                Self::TooManySignIns {
                    username,
                    until,
                    seconds,
                },
                Zh,
            ) => format!(
                "用户`{username}`登录失败次数过多，请于{seconds}秒后（北京时间{}之后）再试",
                china_time(*until)
            ),
            (
                Self::TooManySignIns {
                    username,
                    until,
                    seconds,
                },
                En,
            ) => format!(
                "too many failed sign-ins for `{username}`; try again in {seconds} seconds (after {} China time, UTC+8)",
                china_time(*until)
            ),
            (Self::Denied(denied), Zh) => denied_in_chinese(denied),
            (Self::Denied(denied), En) => denied.to_string(),
            (Self::Internal, Zh) => "服务器内部出错，已记入日志".into(),
            (Self::Internal, En) => "an internal error occurred; it has been logged".into(),
            (Self::Busy, Zh) => "数据库正忙于另一项写入，本次没有保存任何内容，请几秒后重试".into(),
            (Self::Busy, En) => {
                "the database is busy with another write; nothing was saved, try again in a few seconds".into()
            }
            (Self::DatabaseDown, Zh) => "数据库没有响应，原因已记入日志".into(),
            (Self::DatabaseDown, En) => "the database does not answer; the cause has been logged".into(),
        }
    }
}

/// Why something is not allowed, in Chinese (the English is `Denied`'s own).
fn denied_in_chinese(denied: &Denied) -> String {
    match denied {
        Denied::ReadOnly => "领导只能查看，不能修改数据".into(),
        Denied::AdminOnly => "只有管理员可以这样做".into(),
        Denied::OtherTeam(team) => format!("这个项目属于另一个专班（专班{team}）；你只能处理本专班的项目"),
        Denied::MoveToOtherTeam(team) => {
            format!("专班成员不能把项目移到另一个专班（专班{team}）；请找管理员")
        }
        Denied::OtherTeamsMembers => "专班负责人只能管理本专班的成员".into(),
        Denied::TeamLeadOnly => "只有本专班负责人或管理员可以这样做".into(),
        Denied::LeadsOnly => {
            "专班负责人只能删除误录的线索（处于线索阶段的项目）；已推进的项目请终止，或请管理员处理".into()
        }
        Denied::OwnStanding => "任何人都不能归档自己，也不能改自己的角色或专班；请找管理员".into(),
        Denied::LeadersDoNotImport => "领导只能查看，不能导入台账".into(),
        Denied::CreateMissingAdminOnly => "只有管理员可以新建专班、产业集群或园区（create_missing）".into(),
        Denied::OtherTeamsRows(team) => {
            format!("另一个专班（专班{team}）的项目只对领导和管理员可见；你可以查看本专班的项目")
        }
        Denied::PublishedBulletins => {
            "已发布的通报列有各专班的项目，只对领导和管理员可见；你生成的通报列出本专班的项目".into()
        }
        Denied::OtherTeamsImport(run) => {
            format!("导入记录{run}是本专班以外的人做的；你可以查看你或本专班做的导入")
        }
    }
}

/// A field as a message shows it: the body itself when the pointer is empty.
fn shown(field: &str, lang: Lang) -> &str {
    match (field, lang) {
        ("", Lang::Zh) => "请求体",
        ("", Lang::En) => "the body",
        (field, _) => field,
    }
}

/// `until` in China time, to the second.
fn china_time(until: DateTime<Utc>) -> String {
    crate::domain::date::china_time(until)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// What a value should have been.
#[derive(Debug, Clone, PartialEq)]
pub enum Expected {
    Integer,
    Number,
    Text,
    Boolean,
    Object,
    Array,
    /// `YYYY-MM-DD`.
    Date,
    /// RFC 3339.
    DateTime,
    /// An exact amount in 万元 as a string.
    Wan,
    /// An area in 亩 as a string.
    Mu,
    /// One of the values, each with its Chinese label when the spec gives one.
    OneOf(Vec<(String, Option<String>)>),
}

/// What a value sent was, by its JSON kind (never the value itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    Null,
    Boolean,
    Number,
    Text,
    Array,
    Object,
}

impl Found {
    pub fn of(value: &serde_json::Value) -> Self {
        use serde_json::Value as V;
        match value {
            V::Null => Self::Null,
            V::Bool(_) => Self::Boolean,
            V::Number(_) => Self::Number,
            V::String(_) => Self::Text,
            V::Array(_) => Self::Array,
            V::Object(_) => Self::Object,
        }
    }
}

/// A character pattern the spec states, in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// A text rule of `domain::text`, with what the text broke.
    Text(TextError),
    Username,
    ProjectCode,
    CreditCode,
    Wan,
    Mu,
}

/// What is wrong with one field or parameter, for its `details[].message`.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// Absent (or null) where required.
    Missing(Expected),
    /// Of another JSON kind than expected (`None`: a parameter's text that does not read as one).
    WrongType(Expected, Option<Found>),
    /// A value outside an enumeration.
    NotOneOf(Expected),
    /// More characters than allowed.
    TooLong(usize),
    /// Fewer characters than allowed.
    TooShort(usize),
    /// A number below the least allowed.
    Below(String),
    /// A number above the most allowed.
    Above(String),
    /// A text breaking its pattern.
    Pattern(Pattern),
    /// A string that is not a calendar date.
    NotADate,
    /// A string that is not a time.
    NotATime,
    /// `null` in a merge patch for a field that cannot be cleared.
    NotClearable,
    /// The body is not JSON; where the reader stopped.
    NotJson { line: usize, column: usize },
    /// The framework's own reason, when nothing above fits.
    Other(String),
}

impl Problem {
    /// The problem in the current request's language.
    pub fn text(&self) -> String {
        self.in_lang(current_lang())
    }

    pub fn in_lang(&self, lang: Lang) -> String {
        use Lang::{En, Zh};
        match (self, lang) {
            (Self::Missing(expected), Zh) => format!("必填，应为{}", expected.in_lang(lang)),
            (Self::Missing(expected), En) => format!("required: {}", expected.in_lang(lang)),
            (Self::WrongType(expected, Some(found)), Zh) => {
                format!("应为{}，收到的是{}", expected.in_lang(lang), found.in_lang(lang))
            }
            (Self::WrongType(expected, Some(found)), En) => {
                format!("expected {}, found {}", expected.in_lang(lang), found.in_lang(lang))
            }
            (Self::WrongType(expected, None), Zh) => format!("应为{}", expected.in_lang(lang)),
            (Self::WrongType(expected, None), En) => format!("expected {}", expected.in_lang(lang)),
            (Self::NotOneOf(expected), Zh) => format!("不是允许的值，应为{}", expected.in_lang(lang)),
            (Self::NotOneOf(expected), En) => format!("is not allowed; expected {}", expected.in_lang(lang)),
            (Self::TooLong(max), _) => Pattern::Text(TextError::TooLong(*max)).in_lang(lang),
            (Self::TooShort(min), Zh) => format!("至少{min}个字符"),
            (Self::TooShort(min), En) => format!("must be at least {min} characters"),
            (Self::Below(min), Zh) => format!("不能小于{min}"),
            (Self::Below(min), En) => format!("must be at least {min}"),
            (Self::Above(max), Zh) => format!("不能大于{max}"),
            (Self::Above(max), En) => format!("must be at most {max}"),
            (Self::Pattern(pattern), _) => pattern.in_lang(lang),
            (Self::NotADate, Zh) => "不是有效的日期，应为 YYYY-MM-DD，如\"2025-03-15\"".into(),
            (Self::NotADate, En) => "is not a date; expected YYYY-MM-DD, e.g. \"2025-03-15\"".into(),
            (Self::NotATime, Zh) => "不是有效的时间，应为 RFC 3339 格式，如\"2025-03-15T09:30:00+08:00\"".into(),
            (Self::NotATime, En) => "is not a time; expected RFC 3339, e.g. \"2025-03-15T09:30:00+08:00\"".into(),
            (Self::NotJson { line, column }, Zh) => format!("不是有效的 JSON（第{line}行第{column}列附近）"),
            (Self::NotJson { line, column }, En) => {
                format!("is not valid JSON (near line {line}, column {column})")
            }
            (Self::NotClearable, Zh) => "不能清空：请填写一个值，或不发送这个字段以保留原值".into(),
            (Self::NotClearable, En) => "cannot be cleared: send a value, or leave the field out to keep it".into(),
            (Self::Other(reason), Zh) => format!("无法读取：{reason}"),
            (Self::Other(reason), En) => format!("could not be read: {reason}"),
        }
    }
}

impl Expected {
    fn in_lang(&self, lang: Lang) -> String {
        use Lang::{En, Zh};
        match (self, lang) {
            (Self::Integer, Zh) => "整数".into(),
            (Self::Integer, En) => "an integer".into(),
            (Self::Number, Zh) => "数字".into(),
            (Self::Number, En) => "a number".into(),
            (Self::Text, Zh) => "字符串".into(),
            (Self::Text, En) => "a string".into(),
            (Self::Boolean, Zh) => "true 或 false".into(),
            (Self::Boolean, En) => "true or false".into(),
            (Self::Object, Zh) => "JSON 对象".into(),
            (Self::Object, En) => "a JSON object".into(),
            (Self::Array, Zh) => "数组".into(),
            (Self::Array, En) => "an array".into(),
            (Self::Date, Zh) => "日期字符串 YYYY-MM-DD，如\"2025-03-15\"".into(),
            (Self::Date, En) => "a date string YYYY-MM-DD, e.g. \"2025-03-15\"".into(),
            (Self::DateTime, Zh) => "RFC 3339 格式的时间字符串，如\"2025-03-15T09:30:00+08:00\"".into(),
            (Self::DateTime, En) => "a time string in RFC 3339, e.g. \"2025-03-15T09:30:00+08:00\"".into(),
            (Self::Wan, Zh) => "字符串形式的金额（万元，最多四位小数），如\"6056.0000\"".into(),
            (Self::Wan, En) => "an amount in 万元 as a string with at most four decimals, e.g. \"6056.0000\"".into(),
            (Self::Mu, Zh) => "字符串形式的面积（亩，最多两位小数），如\"120.50\"".into(),
            (Self::Mu, En) => "an area in 亩 as a string with at most two decimals, e.g. \"120.50\"".into(),
            (Self::OneOf(values), Zh) => format!(
                "以下之一：{}",
                values
                    .iter()
                    .map(|(value, label)| match label {
                        Some(label) => format!("{value}（{label}）"),
                        None => value.clone(),
                    })
                    .collect::<Vec<_>>()
                    .join("、")
            ),
            (Self::OneOf(values), En) => format!(
                "one of: {}",
                values
                    .iter()
                    .map(|(value, label)| match label {
                        Some(label) => format!("{value} ({label})"),
                        None => value.clone(),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

impl Found {
    fn in_lang(self, lang: Lang) -> &'static str {
        use Lang::{En, Zh};
        match (self, lang) {
            (Self::Null, Zh) => "null",
            (Self::Null, En) => "null",
            (Self::Boolean, Zh) => "布尔值",
            (Self::Boolean, En) => "a boolean",
            (Self::Number, Zh) => "数字",
            (Self::Number, En) => "a number",
            (Self::Text, Zh) => "字符串",
            (Self::Text, En) => "a string",
            (Self::Array, Zh) => "数组",
            (Self::Array, En) => "an array",
            (Self::Object, Zh) => "对象",
            (Self::Object, En) => "an object",
        }
    }
}

impl Pattern {
    fn in_lang(self, lang: Lang) -> String {
        use Lang::{En, Zh};
        match (self, lang) {
            (Self::Text(refused), Zh) => refused.chinese(),
            (Self::Text(refused), En) => refused.to_string(),
            (Self::Username, Zh) => {
                "只能由英文字母、数字、下划线（_）、点（.）和连字符（-）组成，2至64个字符，不能用汉字或空格".into()
            }
            (Self::Username, En) => {
                "may hold only ASCII letters, digits, `_`, `.` and `-`, 2 to 64 of them (no Chinese characters, no spaces)".into()
            }
            (Self::ProjectCode, Zh) => "只能由英文字母、数字、下划线（_）和连字符（-）组成，最多64个字符".into(),
            (Self::ProjectCode, En) => "may hold only ASCII letters, digits, `_` and `-`, at most 64 of them".into(),
            (Self::CreditCode, Zh) => {
                "应为18位统一社会信用代码（数字和字母，不含 I、O、S、V、Z），或者留空".into()
            }
            (Self::CreditCode, En) => {
                "must be an 18-character unified social credit code (digits and letters but I, O, S, V, Z), or empty".into()
            }
            (Self::Wan, Zh) => "应为金额（万元）：最多15位整数、4位小数，如\"6056.0000\"，不用千位分隔符或科学计数法".into(),
            (Self::Wan, En) => {
                "must be an amount in 万元: at most 15 digits and 4 decimals, e.g. \"6056.0000\", without separators or exponents".into()
            }
            (Self::Mu, Zh) => "应为面积（亩）：最多12位整数、2位小数，如\"120.50\"".into(),
            (Self::Mu, En) => "must be an area in 亩: at most 12 digits and 2 decimals, e.g. \"120.50\"".into(),
        }
    }
}

/// The words of a text rule's refusal, for the validator of the API's text types.
pub fn text_refused(refused: TextError) -> String {
    Pattern::Text(refused).in_lang(current_lang())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_enumeration_lists_its_values_with_their_labels() {
        let expected = Expected::OneOf(vec![
            ("framework".into(), Some("框架协议".into())),
            ("formal".into(), Some("正式合同".into())),
        ]);
        assert_eq!(
            Problem::NotOneOf(expected.clone()).in_lang(Lang::Zh),
            "不是允许的值，应为以下之一：framework（框架协议）、formal（正式合同）"
        );
        assert_eq!(
            Problem::NotOneOf(expected).in_lang(Lang::En),
            "is not allowed; expected one of: framework (框架协议), formal (正式合同)"
        );
    }

    #[test]
    fn a_lockout_ends_in_china_time() {
        let until = DateTime::parse_from_rfc3339("2026-12-07T20:15:00Z").unwrap().to_utc();
        let lockout = Message::TooManySignIns {
            username: "admin",
            until,
            seconds: 15,
        };
        let zh = lockout.in_lang(Lang::Zh);
        assert!(zh.contains("15秒后（北京时间2026-12-08 04:15:00之后）"), "{zh}");
        let en = lockout.in_lang(Lang::En);
        assert!(
            en.contains("in 15 seconds (after 2026-12-08 04:15:00 China time"),
            "{en}"
        );
    }
}
