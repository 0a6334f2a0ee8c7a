//! The one error shape of the API: `{code, message, details}` with a stable snake_case code,
//! for the service's errors and the framework's (bad JSON, bad parameters, missing token,
//! unknown route) alike. Causes of 5xx are logged, never sent.

use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};

use crate::service::ServiceError;

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
    /// `conflict`, `invalid`, `too_many_requests`, `internal`.
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

/// The errors an operation can answer with.
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
    TooManyRequests(Json<ErrorBody>),
    /// Something failed on the server; the cause is in its log.
    #[oai(status = 500)]
    Internal(Json<ErrorBody>),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden(Json(ErrorBody::new("forbidden", message)))
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::Unauthorized(Json(ErrorBody::new("unauthorized", message)))
    }
}

impl From<ServiceError> for ApiError {
    fn from(err: ServiceError) -> Self {
        let with_details = |code: &str, message: String, details: Vec<crate::service::FieldError>| ErrorBody {
            code: code.to_string(),
            message,
            details: details
                .into_iter()
                .map(|d| ErrorDetail {
                    field: d.field,
                    message: d.message,
                })
                .collect(),
        };
        match err {
            ServiceError::NotFound { .. } => Self::NotFound(Json(ErrorBody::new("not_found", err.to_string()))),
            ServiceError::Conflict { message, details } => {
                Self::Conflict(Json(with_details("conflict", message, details)))
            }
            ServiceError::Invalid { message, details } => {
                Self::Invalid(Json(with_details("invalid", message, details)))
            }
            ServiceError::Forbidden(message) => Self::forbidden(message),
            ServiceError::Unauthenticated(message) => Self::unauthorized(message),
            ServiceError::TooManyAttempts(message) => {
                Self::TooManyRequests(Json(ErrorBody::new("too_many_requests", message)))
            }
            ServiceError::Db(cause) => {
                tracing::error!(error = %cause, "database error");
                Self::Internal(Json(ErrorBody::new(
                    "internal",
                    "an internal error occurred; it has been logged",
                )))
            }
        }
    }
}

/// Gives every error that did not come from an operation (the framework's parse errors,
/// missing tokens, unknown routes, wrong methods) the API's JSON shape.
pub async fn render_framework_error(err: poem::Error) -> Response {
    let status = err.status();
    let mut body = ErrorBody::new(code_for(status), err.to_string());
    if let Some(param) = err.downcast_ref::<poem_openapi::error::ParseParamError>() {
        body.details.push(ErrorDetail {
            field: param.name.to_string(),
            message: param.reason.clone(),
        });
    }
    if status == StatusCode::UNAUTHORIZED {
        body.message = "a valid bearer token is required: send `Authorization: Bearer <token>`".into();
    }
    if status.is_server_error() {
        tracing::error!(error = %err, "request failed");
        body.message = "an internal error occurred; it has been logged".into();
    }
    let response = err.into_response();
    if response
        .content_type()
        .is_some_and(|t| t.starts_with("application/json"))
    {
        return response;
    }
    (status, poem::web::Json(serde_json::json!({
        "code": body.code,
        "message": body.message,
        "details": body.details.iter().map(|d| serde_json::json!({"field": d.field, "message": d.message})).collect::<Vec<_>>(),
    })))
        .into_response()
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
        s if s.is_server_error() => "internal",
        _ => "error",
    }
}
