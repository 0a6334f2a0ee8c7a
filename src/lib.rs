//! zhaoshang: the investment-promotion CRM of a district's task forces.
//!
//! [`app`] builds the whole HTTP application exactly as `main` serves it, so tests run the
//! real thing; [`db::connect_and_migrate`] opens and migrates the database.

pub mod api;
pub mod db;
pub mod domain;
pub mod excel;
pub mod service;

use poem::http::StatusCode;
use poem::middleware::Tracing;
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response, Route};
use sea_orm::DatabaseConnection;

/// What every request handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
}

/// The largest JSON body the API accepts.
const MAX_BODY_BYTES: usize = 1024 * 1024;

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
        .with(Tracing)
        .data(state)
}

/// The OpenAPI document the server serves, as pretty JSON (what `openapi/openapi.json` holds).
pub fn openapi_json() -> String {
    api::service().spec()
}

/// Refuses request bodies over [`MAX_BODY_BYTES`] with 413, whether or not they declare their
/// length (poem's `SizeLimit` insists on a `Content-Length`, even for a GET).
async fn limit_body<E: Endpoint>(next: E, mut req: Request) -> poem::Result<Response> {
    let declared = req.header("content-length").and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > MAX_BODY_BYTES) {
        return Err(poem::Error::from_string(
            format!("the request body is larger than {MAX_BODY_BYTES} bytes"),
            StatusCode::PAYLOAD_TOO_LARGE,
        ));
    }
    let body = req.take_body().into_bytes_limit(MAX_BODY_BYTES).await.map_err(|_| {
        poem::Error::from_string(
            format!("the request body is larger than {MAX_BODY_BYTES} bytes"),
            StatusCode::PAYLOAD_TOO_LARGE,
        )
    })?;
    req.set_body(body);
    Ok(next.call(req).await?.into_response())
}
