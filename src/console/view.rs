//! What every console page shares: the chrome around it (who is signed in, the navigation,
//! the CSRF token), rendering a template as the whole page or, when htmx asks (`HX-Request`),
//! as the fragment it swaps in, redirects that work with and without htmx, the one place a
//! service's refusal becomes the user's words ([`refusal`]), and how figures are shown (money
//! in 万元 with its unit, dates `YYYY-MM-DD`) through the domain's own formatting. A page must
//! not format money or dates itself.

use askama::Template;
use chrono::NaiveDate;
use entity::enums::{Role, Stage};
use poem::http::StatusCode;
use poem::{Request, Response};

use crate::api::error::ApiError;
use crate::domain::words::Words;
use crate::service::ServiceError;

/// The page's frame: the title, the navigation, who is signed in.
pub struct Chrome {
    pub title: String,
    /// The navigation entry of this page: `home`, `board`, `projects`.
    pub here: &'static str,
    pub username: String,
    pub role: &'static str,
    pub csrf: String,
    /// The whole page, or only the fragment htmx asked for.
    pub full: bool,
}

/// A role's Chinese name.
pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Member => "专班成员",
        Role::TeamLead => "专班负责人",
        Role::Leader => "区领导",
        Role::Admin => "管理员",
    }
}

/// Whether htmx sent the request (and wants a fragment).
pub fn htmx(req: &Request) -> bool {
    req.header("hx-request").is_some_and(|v| v == "true")
}

/// A rendered template as an HTML response, never cached.
pub fn render<T: Template>(status: StatusCode, template: &T) -> Response {
    match template.render() {
        Ok(html) => Response::builder()
            .status(status)
            .content_type("text/html; charset=utf-8")
            .header("cache-control", "no-store")
            .body(html),
        Err(err) => {
            tracing::error!(error = %err, "a console template failed to render");
            Response::builder()
                .status(StatusCode::INTERNAL_SERVER_ERROR)
                .content_type("text/plain; charset=utf-8")
                .body("页面生成失败，请稍后再试")
        }
    }
}

/// Sends the browser to `to`: `303 See Other`, or for htmx `HX-Redirect` (htmx follows it
/// with a whole page load).
pub fn redirect(req: &Request, to: &str) -> Response {
    if htmx(req) {
        Response::builder().header("hx-redirect", to).body("")
    } else {
        Response::builder()
            .status(StatusCode::SEE_OTHER)
            .header("location", to)
            .body("")
    }
}

/// A service's refusal as the status to answer and the user's words: the API's own (its
/// catalogue in `api::messages`, Chinese on the console's requests), so that the console and
/// the API say the same thing. The one call site to change if the words move.
pub fn refusal(err: ServiceError) -> (StatusCode, String) {
    let error = ApiError::from(err);
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = match error {
        ApiError::BadRequest(b)
        | ApiError::Unauthorized(b)
        | ApiError::Forbidden(b)
        | ApiError::NotFound(b)
        | ApiError::Conflict(b)
        | ApiError::PayloadTooLarge(b)
        | ApiError::UnsupportedMediaType(b)
        | ApiError::Invalid(b)
        | ApiError::TooManyRequests(b, _)
        | ApiError::Internal(b)
        | ApiError::Unavailable(b, _) => b.0,
    };
    let mut words = body.message;
    if !body.details.is_empty() && !body.details.iter().all(|d| words.contains(&d.message)) {
        let details: Vec<String> = body
            .details
            .into_iter()
            .map(|d| format!("{}：{}", d.field, d.message))
            .collect();
        words = format!("{words}（{}）", details.join("；"));
    }
    (status, words)
}

/// The error page (or fragment) of a refusal that leaves nothing else to show.
#[derive(Template)]
#[template(path = "console/error.html")]
pub struct ErrorPage {
    pub chrome: Option<Chrome>,
    pub message: String,
}

/// A refusal as an error page.
pub fn error_page(err: ServiceError, chrome: Option<Chrome>) -> Response {
    let (status, message) = refusal(err);
    render(status, &ErrorPage { chrome, message })
}

/// Whole yuan in 万元 with the unit, as the reports write it: "1234.56万元".
pub fn wan(yuan: i64) -> String {
    crate::domain::wording::wan(yuan)
}

/// Whole yuan in 万元 with the API's four decimals, without the unit: a form's value.
pub fn wan_field(yuan: Option<i64>) -> String {
    yuan.map(|y| crate::domain::money::yuan_to_wan(y).normalize().to_string())
        .unwrap_or_default()
}

/// A date as `YYYY-MM-DD`; "—" without one.
pub fn date(date: Option<NaiveDate>) -> String {
    date.map_or_else(|| "—".to_owned(), |d| d.format("%Y-%m-%d").to_string())
}

/// A stage's Chinese name.
pub fn stage(stage: Stage) -> &'static str {
    crate::domain::stage::chinese_name(stage)
}

/// A stage as the forms and the URLs name it (`signed`).
pub fn stage_key(stage: Stage) -> &'static str {
    match stage {
        Stage::Lead => "lead",
        Stage::Negotiating => "negotiating",
        Stage::Signed => "signed",
        Stage::Started => "started",
        Stage::Producing => "producing",
        Stage::Effective => "effective",
        Stage::Terminated => "terminated",
    }
}

/// A stage from its form name.
pub fn stage_of(key: &str) -> Option<Stage> {
    crate::domain::stage::ORDERED
        .into_iter()
        .chain([Stage::Terminated])
        .find(|s| stage_key(*s) == key)
}

/// A form's optional text: `None` when blank.
pub fn filled(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// A form's date (`YYYY-MM-DD`, as `<input type="date">` sends it); `None` when blank.
pub fn parse_date(field: &str, value: &Option<String>) -> Result<Option<NaiveDate>, ServiceError> {
    match filled(value) {
        Some(text) => NaiveDate::parse_from_str(&text, "%Y-%m-%d").map(Some).map_err(|_| {
            ServiceError::invalid(
                field,
                Words::new(
                    format!("“{text}”不是日期，请按 YYYY-MM-DD 填写"),
                    format!("`{text}` is not a date (YYYY-MM-DD)"),
                ),
            )
        }),
        None => Ok(None),
    }
}

/// A form's amount in 万元 as the number written (the service checks and converts it);
/// `None` when blank.
pub fn parse_wan(field: &str, value: &Option<String>) -> Result<Option<rust_decimal::Decimal>, ServiceError> {
    match filled(value) {
        Some(text) => text
            .replace([',', '，'], "")
            .parse::<rust_decimal::Decimal>()
            .map(Some)
            .map_err(|_| {
                ServiceError::invalid(
                    field,
                    Words::new(
                        format!("“{text}”不是金额，请填写万元数，如 1250.5"),
                        format!("`{text}` is not an amount in 万元"),
                    ),
                )
            }),
        None => Ok(None),
    }
}

/// A choice of a `<select>`: its value, its words, whether chosen.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// Choices from `(value, label)` pairs, `chosen` selected.
pub fn choices<'a>(items: impl IntoIterator<Item = (String, &'a str)>, chosen: &str) -> Vec<Choice> {
    items
        .into_iter()
        .map(|(value, label)| Choice {
            selected: value == chosen,
            value,
            label: label.to_owned(),
        })
        .collect()
}

/// A light's Chinese name and its style class.
pub fn light(light: crate::domain::kpi::Light) -> (&'static str, &'static str) {
    use crate::domain::kpi::Light;
    match light {
        Light::Red => ("红灯", "red"),
        Light::Yellow => ("黄灯", "yellow"),
        Light::Green => ("绿灯", "green"),
    }
}
