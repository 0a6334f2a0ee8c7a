//! zhaoshang: the investment-promotion CRM of a district's task forces.
//!
//! [`app`] builds the whole HTTP application exactly as `main` serves it, so tests run the
//! real thing; [`db::connect_and_migrate`] opens and migrates the database.

pub mod api;
pub mod db;
pub mod domain;
pub mod excel;
pub mod service;
mod state;

pub use state::AppState;

use poem::http::StatusCode;
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response, Route};

/// The largest JSON body the API accepts.
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The largest ledger upload (`/api/v1/imports`): the reader's file limit plus room for the
/// multipart framing around the file.
const MAX_IMPORT_BODY_BYTES: usize = excel::ledger::ReadLimits::DEFAULT_MAX_FILE_BYTES + 64 * 1024;

/// The HTTP application: the API, `/health`, the Swagger UI at `/docs` and the spec at
/// `/openapi.json`, with every error in the API's JSON shape.
pub fn app(state: AppState) -> impl Endpoint {
    let service = api::service();
    let docs = service.swagger_ui();
    let spec = service.spec_endpoint();
    Route::new()
        .nest("/", service)
        .nest("/docs", docs)
        .at("/openapi.json", spec)
        .around(limit_body)
        .catch_all_error(api::error::render_framework_error)
        .around(tag_request)
        .data(state)
}

/// The OpenAPI document the server serves, as pretty JSON (what `openapi/openapi.json` holds).
pub fn openapi_json() -> String {
    api::service().spec()
}

/// Gives every request an id, carried by the response (`x-request-id`) and by every log line
/// written while serving it, so a user's report of an error can be found in the log.
async fn tag_request<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    use tracing::Instrument;
    let request_id = format!("{:016x}", rand::random::<u64>());
    let span = tracing::info_span!("request", id = %request_id, method = %req.method(), path = %req.uri().path());
    async move {
        let mut response = next.call(req).await?.into_response();
        tracing::info!(status = response.status().as_u16(), "served");
        if let Ok(value) = request_id.parse() {
            response.headers_mut().insert("x-request-id", value);
        }
        Ok(response)
    }
    .instrument(span)
    .await
}

/// Refuses request bodies over [`MAX_BODY_BYTES`] (ledger uploads: [`MAX_IMPORT_BODY_BYTES`])
/// with 413 and the code `too_large`, whether or not they declare their length (poem's
/// `SizeLimit` insists on a `Content-Length`, even for a GET).
async fn limit_body<E: Endpoint>(next: E, mut req: Request) -> poem::Result<Response> {
    let limit = if req.method() == poem::http::Method::POST && req.uri().path().starts_with("/api/v1/imports") {
        MAX_IMPORT_BODY_BYTES
    } else {
        MAX_BODY_BYTES
    };
    let too_large = || {
        let body = serde_json::json!({
            "code": "too_large",
            "message": format!("the request body is larger than {limit} bytes"),
            "details": [],
        });
        (StatusCode::PAYLOAD_TOO_LARGE, poem::web::Json(body)).into_response()
    };
    let declared = req.header("content-length").and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Ok(too_large());
    }
    let Ok(body) = req.take_body().into_bytes_limit(limit).await else {
        return Ok(too_large());
    };
    req.set_body(body);
    Ok(next.call(req).await?.into_response())
}
