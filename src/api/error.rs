//! The one error shape of the API: `{code, message, details}` with a stable snake_case code,
//! for the service's errors and the framework's (bad JSON, bad parameters, missing token,
//! unknown route) alike. Causes of 5xx are logged, never sent.
//!
//! Each operation documents the statuses it can answer with, and no others: its result type
//! names them, `ApiResult<Json<Project>, { SIGNED_IN | BAD_REQUEST | NOT_FOUND }>` (see
//! [`status`]), and the spec lists exactly those. Debug builds check every error an operation
//! returns against its list, so a test that meets an undocumented status fails; a caller must
//! not widen a list to silence that check without the operation really answering so.

use poem::http::StatusCode;
use poem::{Endpoint, IntoResponse, Request, Response};
use poem_openapi::payload::Json;
use poem_openapi::registry::{MetaResponses, Registry};
use poem_openapi::{ApiResponse, Object};

use super::explain::{self, Place, Sent};
use super::messages::{Message, Problem};
use crate::service::{ServiceError, Words};

/// The statuses an operation can answer with besides success, as a set of bits:
/// `{ SIGNED_IN | FORBIDDEN | NOT_FOUND }`.
pub mod status {
    /// 400: a parameter or the body could not be read.
    pub const BAD_REQUEST: u16 = 1 << 0;
    /// 401: no valid bearer token (or, signing in, a wrong password).
    pub const UNAUTHORIZED: u16 = 1 << 1;
    /// 403: the caller's role or team may not do this.
    pub const FORBIDDEN: u16 = 1 << 2;
    /// 404: the record the path names does not exist.
    pub const NOT_FOUND: u16 = 1 << 3;
    /// 409: a stale version or a duplicate unique value.
    pub const CONFLICT: u16 = 1 << 4;
    /// 413: the body is too large.
    pub const PAYLOAD_TOO_LARGE: u16 = 1 << 5;
    /// 415: the body is not of the operation's media type.
    pub const UNSUPPORTED_MEDIA_TYPE: u16 = 1 << 6;
    /// 422: the input breaks a rule.
    pub const INVALID: u16 = 1 << 7;
    /// 429: too many failed attempts.
    pub const TOO_MANY_REQUESTS: u16 = 1 << 8;
    /// 500: the server failed (the database, mostly).
    pub const INTERNAL: u16 = 1 << 9;
    /// 503: the service cannot serve now (its database does not answer).
    pub const UNAVAILABLE: u16 = 1 << 10;

    /// Every operation behind the bearer token: no valid token, a failure on the server, or a
    /// database busy with another write (checking the token reads it).
    pub const SIGNED_IN: u16 = UNAUTHORIZED | INTERNAL | UNAVAILABLE;
    /// Every operation reading a JSON body: unreadable, too large, or not JSON.
    pub const JSON_BODY: u16 = BAD_REQUEST | PAYLOAD_TOO_LARGE | UNSUPPORTED_MEDIA_TYPE;

    /// The bit of an HTTP status; 0 for a status no operation documents.
    pub const fn bit(code: u16) -> u16 {
        match code {
            400 => BAD_REQUEST,
            401 => UNAUTHORIZED,
            403 => FORBIDDEN,
            404 => NOT_FOUND,
            409 => CONFLICT,
            413 => PAYLOAD_TOO_LARGE,
            415 => UNSUPPORTED_MEDIA_TYPE,
            422 => INVALID,
            429 => TOO_MANY_REQUESTS,
            500 => INTERNAL,
            503 => UNAVAILABLE,
            _ => 0,
        }
    }
}

/// What was wrong with one field of the request.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ErrorDetail {
    /// The field (or parameter) at fault, e.g. `contract.signed_on`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// The body of every error response.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ErrorBody {
    /// Stable machine-readable code: `bad_request`, `unauthorized`, `forbidden`, `not_found`,
    /// `conflict`, `invalid`, `too_many_requests`, `internal`, `unavailable`.
    pub code: String,
    /// What went wrong, for a person.
    pub message: String,
    /// Field-level problems, when the error is about specific fields.
    pub details: Vec<ErrorDetail>,
}

impl ErrorBody {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_string(),
            message: message.into(),
            details: vec![],
        }
    }
}

/// Every error an operation can answer with; an operation's result type
/// ([`OperationError`]) documents the ones it can.
#[derive(Debug, ApiResponse)]
pub enum ApiError {
    /// The request could not be read: malformed JSON, a value of the wrong type, a missing
    /// or malformed parameter.
    #[oai(status = 400)]
    BadRequest(Json<ErrorBody>),
    /// No valid bearer token was sent.
    #[oai(status = 401)]
    Unauthorized(Json<ErrorBody>),
    /// The token's user may not do this.
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// The addressed record does not exist.
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
    /// The change collides with existing data: a duplicate code, a stale version.
    #[oai(status = 409)]
    Conflict(Json<ErrorBody>),
    /// The request body is larger than the service accepts.
    #[oai(status = 413)]
    PayloadTooLarge(Json<ErrorBody>),
    /// The request body is not of a media type the operation accepts (JSON, mostly).
    #[oai(status = 415)]
    UnsupportedMediaType(Json<ErrorBody>),
    /// The request is well-formed but breaks a rule; `details` names the fields.
    #[oai(status = 422)]
    Invalid(Json<ErrorBody>),
    /// Too many failed attempts; try again later.
    #[oai(status = 429)]
    TooManyRequests(
        Json<ErrorBody>,
        /// Seconds to wait before trying again.
        #[oai(header = "Retry-After")]
        u32,
    ),
    /// Something failed on the server; the cause is in its log.
    #[oai(status = 500)]
    Internal(Json<ErrorBody>),
    /// The service cannot serve now: its database is busy with another write (a long ledger
    /// import, mostly) or does not answer. Nothing was saved; `Retry-After` says in how many
    /// seconds to try again.
    #[oai(status = 503)]
    Unavailable(
        Json<ErrorBody>,
        /// Seconds to wait before trying again.
        #[oai(header = "Retry-After")]
        u32,
    ),
}

/// The seconds a client is asked to wait when the database was busy.
pub const RETRY_AFTER_SECONDS: u32 = 5;

/// What an operation answers: `T`, or an error with one of the statuses in `STATUSES`.
pub type ApiResult<T, const STATUSES: u16> = Result<T, OperationError<STATUSES>>;

/// An error of an operation that documents the statuses in `STATUSES` (bits of [`status`]):
/// the spec lists those and no others.
#[derive(Debug)]
pub struct OperationError<const STATUSES: u16>(ApiError);

impl<const STATUSES: u16> From<ApiError> for OperationError<STATUSES> {
    fn from(err: ApiError) -> Self {
        debug_assert!(
            STATUSES & status::bit(err.status()) != 0,
            "an operation answered {} ({:?}), a status its result type does not document",
            err.status(),
            err,
        );
        Self(err)
    }
}

impl<const STATUSES: u16> From<ServiceError> for OperationError<STATUSES> {
    fn from(err: ServiceError) -> Self {
        ApiError::from(err).into()
    }
}

impl<const STATUSES: u16> ApiResponse for OperationError<STATUSES> {
    fn meta() -> MetaResponses {
        let mut meta = ApiError::meta();
        meta.responses
            .retain(|response| response.status.is_some_and(|code| STATUSES & status::bit(code) != 0));
        meta
    }

    fn register(registry: &mut Registry) {
        ApiError::register(registry);
    }
}

impl<const STATUSES: u16> IntoResponse for OperationError<STATUSES> {
    fn into_response(self) -> Response {
        self.0.into_response()
    }
}

impl<const STATUSES: u16> From<OperationError<STATUSES>> for poem::Error {
    fn from(err: OperationError<STATUSES>) -> Self {
        err.0.into()
    }
}

impl ApiError {
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden(Json(ErrorBody::new("forbidden", message)))
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::Unauthorized(Json(ErrorBody::new("unauthorized", message)))
    }

    /// 503: the database is busy or does not answer, with `message` and a `Retry-After`.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::Unavailable(Json(ErrorBody::new("unavailable", message)), RETRY_AFTER_SECONDS)
    }

    /// 400 for a body that could not be read, written as the framework's own are (see
    /// [`answer_errors`]): for a body read after the framework, a merged patch.
    pub fn unreadable_body(err: poem_openapi::error::ParseRequestPayloadError) -> Self {
        let problems = explain::with_sent(|sent| body_problems(sent, &err.reason))
            .unwrap_or_else(|| body_problems(&Sent::default(), &err.reason));
        Self::BadRequest(Json(ErrorBody {
            code: "bad_request".into(),
            message: Message::Unreadable(&problems).text(),
            details: problems
                .into_iter()
                .map(|(field, message)| ErrorDetail { field, message })
                .collect(),
        }))
    }

    /// The status this error answers with.
    pub fn status(&self) -> u16 {
        match self {
            Self::BadRequest(_) => 400,
            Self::Unauthorized(_) => 401,
            Self::Forbidden(_) => 403,
            Self::NotFound(_) => 404,
            Self::Conflict(_) => 409,
            Self::PayloadTooLarge(_) => 413,
            Self::UnsupportedMediaType(_) => 415,
            Self::Invalid(_) => 422,
            Self::TooManyRequests(..) => 429,
            Self::Internal(_) => 500,
            Self::Unavailable(..) => 503,
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(err: ServiceError) -> Self {
        let lang = super::messages::current_lang();
        let with_details = |code: &str, message: Words, details: Vec<crate::service::FieldError>| ErrorBody {
            code: code.to_string(),
            message: message.in_lang(lang).to_owned(),
            details: details
                .into_iter()
                .map(|d| ErrorDetail {
                    field: d.field,
                    message: d.message.in_lang(lang).to_owned(),
                })
                .collect(),
        };
        match err {
            ServiceError::NotFound { what, id } => Self::NotFound(Json(ErrorBody::new(
                "not_found",
                Message::NotFound { what, id: &id }.text(),
            ))),
            ServiceError::Conflict { message, details } => {
                Self::Conflict(Json(with_details("conflict", message, details)))
            }
            ServiceError::Invalid { message, details } => {
                Self::Invalid(Json(with_details("invalid", message, details)))
            }
            ServiceError::Forbidden(denied) => Self::forbidden(Message::Denied(&denied).text()),
            ServiceError::Unauthenticated(_) => Self::unauthorized(Message::WrongCredentials.text()),
            ServiceError::TooManyAttempts {
                username,
                until,
                retry_after,
            } => Self::TooManyRequests(
                Json(ErrorBody::new(
                    "too_many_requests",
                    Message::TooManySignIns {
                        username: &username,
                        until,
                        seconds: retry_after,
                    }
                    .text(),
                )),
                retry_after,
            ),
            ServiceError::Busy => Self::unavailable(Message::Busy.text()),
            ServiceError::Db(cause) => {
                tracing::error!(error = %cause, "database error");
                Self::Internal(Json(ErrorBody::new("internal", Message::Internal.text())))
            }
        }
    }
}

/// Gives every error that did not come from an operation's own answer (the framework's parse
/// errors, missing tokens, unknown routes, wrong methods) the API's JSON shape, in the
/// request's language; a refused body or parameter is read again against the spec
/// ([`explain`]) so that each field at fault is named with what it should have been.
pub async fn answer_errors<E: Endpoint>(next: E, mut req: Request) -> poem::Result<Response> {
    // `application/json`, and the `…+json` of a merge patch.
    let json = req.content_type().is_some_and(|t| t.contains("json"));
    let body = if json {
        let bytes = req.take_body().into_bytes().await.unwrap_or_default();
        req.set_body(bytes.clone());
        Some(bytes)
    } else {
        None
    };
    let sent = std::sync::Arc::new(Sent {
        method: req.method().clone(),
        uri: req.uri().clone(),
        headers: req.headers().clone(),
        json: body,
    });
    match explain::serving(sent.clone(), next.call(req)).await {
        Ok(response) => Ok(response.into_response()),
        Err(err) => Ok(render(err, &sent)),
    }
}

/// The response of an error the framework raised.
fn render(err: poem::Error, sent: &Sent) -> Response {
    let status = err.status();
    let mut problems: Vec<(String, String)> = vec![];
    let mut named = |field: String, problem: Problem| problems.push((field, problem.text()));
    if let Some(param) = err.downcast_ref::<poem_openapi::error::ParseParamError>() {
        let problem = explain::parameter(sent, param.name, Place::Query)
            .or_else(|| explain::parameter(sent, param.name, Place::Header))
            .unwrap_or_else(|| fallback(&param.reason));
        named(param.name.to_owned(), problem);
    } else if let Some(param) = err.downcast_ref::<poem_openapi::error::ParsePathError>() {
        let (name, problem) = explain::path_parameter(sent, param.name).unwrap_or((param.name.to_owned(), None));
        named(name, problem.unwrap_or_else(|| fallback(&param.reason)));
    } else if let Some(payload) = err.downcast_ref::<poem_openapi::error::ParseRequestPayloadError>() {
        problems = body_problems(sent, &payload.reason);
    } else if let Some(form) = err.downcast_ref::<poem_openapi::error::ParseMultipartError>() {
        match failed_field(&form.reason) {
            Some(detail) => named(detail.field, Problem::Other(detail.message)),
            None => named(String::new(), fallback(&form.reason)),
        }
    }
    let message = match status {
        StatusCode::BAD_REQUEST if problems.is_empty() => {
            Message::Unreadable(&[(String::new(), fallback(&err.to_string()).text())]).text()
        }
        StatusCode::BAD_REQUEST => Message::Unreadable(&problems).text(),
        StatusCode::UNAUTHORIZED => Message::TokenRequired.text(),
        StatusCode::NOT_FOUND => Message::NoSuchPath.text(),
        StatusCode::METHOD_NOT_ALLOWED => Message::MethodNotAllowed.text(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => Message::UnsupportedMediaType.text(),
        StatusCode::PAYLOAD_TOO_LARGE => Message::TooLarge {
            limit: crate::MAX_BODY_BYTES,
        }
        .text(),
        s if s.is_server_error() => {
            tracing::error!(error = %err, "request failed");
            Message::Internal.text()
        }
        _ => err.to_string(),
    };
    let response = err.into_response();
    if response
        .content_type()
        .is_some_and(|t| t.starts_with("application/json"))
    {
        return response;
    }
    let body = ErrorBody {
        code: code_for(status).to_owned(),
        message,
        details: problems
            .into_iter()
            .map(|(field, message)| ErrorDetail { field, message })
            .collect(),
    };
    (status, poem::web::Json(serde_json::json!({
        "code": body.code,
        "message": body.message,
        "details": body.details.iter().map(|d| serde_json::json!({"field": d.field, "message": d.message})).collect::<Vec<_>>(),
    })))
        .into_response()
}

/// What is wrong with a refused JSON body, by JSON pointer, in words: read against the
/// operation's schema, else from the framework's `reason`.
fn body_problems(sent: &Sent, reason: &str) -> Vec<(String, String)> {
    let found = explain::body(sent);
    if found.is_empty() {
        let (field, problem) = match failed_field(reason) {
            Some(detail) => (format!("/{}", detail.field), Problem::Other(detail.message)),
            None => (String::new(), fallback(reason)),
        };
        return vec![(field, problem.text())];
    }
    found
        .into_iter()
        .map(|(field, problem)| (field, problem.text()))
        .collect()
}

/// The framework's reason, as the problem when the spec says nothing more: a field's refusal
/// ("verification failed. …") without its field, or the reason as it is.
fn fallback(reason: &str) -> Problem {
    let reason = reason.split(" (occurred while parsing").next().unwrap_or(reason);
    let reason = reason
        .split_once("verification failed. ")
        .map_or(reason, |(_, why)| why);
    Problem::Other(reason.trim_end_matches('.').to_owned())
}

/// The field a validator refused, from poem-openapi's message for it ("field `name`
/// verification failed. must be at most 200 characters", with " (occurred while parsing
/// …)" after it when the field is in a nested or flattened object).
fn failed_field(reason: &str) -> Option<ErrorDetail> {
    let (_, rest) = reason.split_once("field `")?;
    let (field, rest) = rest.split_once("` verification failed. ")?;
    let message = rest.split(" (occurred while parsing").next().unwrap_or(rest);
    Some(ErrorDetail {
        field: field.to_owned(),
        message: message.to_owned(),
    })
}

fn code_for(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::CONFLICT => "conflict",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid",
        StatusCode::TOO_MANY_REQUESTS => "too_many_requests",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        s if s.is_server_error() => "internal",
        _ => "error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn not_found() -> ApiError {
        ApiError::NotFound(Json(ErrorBody::new("not_found", "no such record")))
    }

    #[test]
    fn the_spec_lists_only_the_documented_statuses() {
        let documented: Vec<Option<u16>> = <OperationError<{ status::SIGNED_IN | status::NOT_FOUND }>>::meta()
            .responses
            .iter()
            .map(|response| response.status)
            .collect();
        assert_eq!(documented, [Some(401), Some(404), Some(500), Some(503)]);
    }

    #[test]
    fn a_refused_field_of_a_body_is_named() {
        let detail = failed_field(
            "failed to parse \"ProjectCreate\": field `name` verification failed. must be at most 200 characters (occurred while parsing \"ProjectCreate\")",
        )
        .expect("a field");
        assert_eq!(detail.field, "name");
        assert_eq!(detail.message, "must be at most 200 characters");
        assert!(failed_field("expected type \"string\"").is_none());
    }

    #[test]
    fn a_documented_status_passes_through() {
        let err: OperationError<{ status::SIGNED_IN | status::NOT_FOUND }> = not_found().into();
        assert_eq!(err.into_response().status(), StatusCode::NOT_FOUND);
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "a status its result type does not document")]
    fn an_undocumented_status_fails_a_debug_build() {
        let _: OperationError<{ status::SIGNED_IN }> = not_found().into();
    }
}
