//! zhaoshang: the investment-promotion CRM of a district's task forces (专班). Projects from
//! lead to production, their contracts, payments and follow-ups, the KPIs leadership asks for,
//! and Excel ledgers (台账) in and out, behind a documented HTTP API.
//!
//! [`app`] builds the whole HTTP application exactly as `main` serves it, so tests run the
//! real thing; [`db::connect_and_migrate`] opens and migrates the database. How to run,
//! configure and deploy the service is in the README; this page is for the people who change
//! it.
//!
//! # Layers
//!
//! ```text
//! api ──▶ service ──▶ domain          the rules, pure: no HTTP, no SQL
//!            │  ├────▶ excel          workbooks in and out: no HTTP, no SQL
//!            │  └────▶ docx           Word documents out (the bulletins): no HTTP, no SQL
//!            └───────▶ db, entity     connections, storage machinery, the tables
//! migration                           the schema, one file per step, and the reference data
//! console ──▶ service                 the web console's pages, over the services as api
//! ```
//!
//! - [`api`]: HTTP only. One file per resource, each an `#[OpenApi]` impl whose operations
//!   have an `operation_id`, a tag and documented fields. It turns JSON into domain values and
//!   results into JSON, and hands off to `service`; it never decides. [`api::error`] gives
//!   every error, the framework's too, the one `{code, message, details}` shape.
//! - [`console`]: the web console at `/` (工作台, 项目看板, 项目): askama pages in Chinese over
//!   the services the API calls, with the same actor, so no rule is written for the browser;
//!   a session is a password sign-in's token in an HttpOnly cookie, every form carries a CSRF
//!   token, and its pages have a policy of their own (nothing inline). Tests:
//!   `tests/api/console.rs`, and `tests/console/run` in headless Chromium.
//! - [`service`]: queries and transactions, one module per aggregate (projects, lifecycle,
//!   records, investors, users, auth, the KPIs, targets, settings, the import, exports,
//!   the report, the audit trail). Every function takes a connection or a transaction and an
//!   `Actor`, checks access, applies the domain's rules, writes and records the audit entry in
//!   one transaction. Errors are [`service::ServiceError`], never HTTP statuses.
//! - [`domain`]: the rules, independent of HTTP and SQL, each written once (see below).
//! - [`excel`]: reading ledgers (calamine) and writing workbooks (rust_xlsxwriter), given and
//!   returning plain values. Every text goes into a cell through [`excel::cell`], which cuts
//!   what Excel cannot hold instead of failing the workbook.
//! - [`docx`]: the bulletins (月通报, 季亮晒, 周督查) as Word documents (docx-rs), given texts
//!   already worded and figures already computed.
//! - [`db`]: opening the database (SQLite with WAL by default, PostgreSQL in production) and
//!   the modules that exist for speed (bulk loads, columnar INSERTs, packed rows, read-only
//!   SQLite connections, the project-list cache, SQLite's allocator), each opening with what a
//!   caller must and must not do. Only `db::sqlite_memory` may use `unsafe`.
//! - The `entity` crate holds the sea-orm entities only, without behaviour; the `migration`
//!   crate the schema steps and 大足's reference data.
//!
//! # A request's way through
//!
//! `PUT /api/v1/projects/{id}`, for example: [`app`] gives the request an id (the
//! `x-request-id` header and every log line of it), refuses an oversized body, and routes it to
//! the operation in `api::projects`. poem-openapi parses the path, the headers and the JSON
//! into the DTO, checking what the spec states (types, lengths, patterns; every text by its
//! rule in [`domain::text`]); a failure is a 400 in the API's error shape naming the field.
//! The bearer token is checked by `api::auth` (a token seen in the last five seconds is
//! trusted from a cache) and becomes the `Actor`. The handler turns the
//! DTO into the service's input and calls `service::projects`, which checks the actor's rights
//! ([`domain::access`]) and the values by the domain's rules (amounts into whole yuan through
//! [`domain::money`], dates, codes and names), opens a transaction, checks that the project is
//! still at the version the client read ([`service::versioned`]), writes the change with its
//! audit entry ([`service::audit`]), and commits. The handler turns the result into the
//! response DTO, or the `ServiceError` into 403, 404, 409 or 422. Requests that only read go
//! through `AppState::reader`, the read-only SQLite connections beside the single writer.
//!
//! # Where each rule lives
//!
//! | rule | where |
//! |---|---|
//! | who may do what | [`domain::access`], applied by the services; `tests/api/access.rs` checks every operation of the spec against it |
//! | which teams' rows a list shows (figures are everyone's, project rows and import runs of other teams only leaders' and admins') | [`domain::access`] (`Principal::rows_of`, `Principal::import_runs`); `tests/api/scope.rs` checks what each role sees of another team |
//! | the security headers, and the Content-Security-Policy fitted to the Swagger UI | [`api::security`] |
//! | the console's session cookie, its CSRF tokens and its own Content-Security-Policy | [`console::cookies`], [`console::csrf`], [`console::POLICY`] |
//! | stages, their order and which moves are allowed | [`domain::stage`], for the API and the import alike |
//! | money: 万元 with four decimals in, whole yuan stored | [`domain::money`] |
//! | dates: no recorded event later than today (China time), none before 1990 | [`domain::date`] |
//! | how long each text may be and which characters it may hold | [`domain::text`]; stated in the spec and checked by [`api::text`]'s types, checked by the import cell by cell |
//! | project codes, names and the names of investors and reference records | [`domain::project`] |
//! | the periods compared with: the previous period (环比) and the same period last year (同比), each as of its own date, for the KPI API, the league's rank change and the bulletins | [`domain::kpi::Comparison`] |
//! | the KPI definitions, league score and warning lights | [`domain::kpi`] (the definitions in words: `src/domain/kpi.md`); their SQL in `service::kpi` |
//! | optimistic locking of editable records | [`service::versioned`] |
//! | partial updates: a `PATCH` merged onto the full body, then read and written as it | [`api::merge_patch`] |
//! | the audit trail | [`service::audit`] |
//! | a text longer than an Excel cell holds: cut with a mark, and said so | [`excel::cell`] |
//! | how reports and bulletins state figures in words (period names, 40.4%, 万元 to two decimals, 环比 and 同比) | [`domain::wording`], [`domain::money::REPORT_DECIMALS`] |
//! | what a bulletin states, and a published bulletin frozen (refused a second time without a reason, then versioned) | `service::bulletin`, `service::publications` |
//! | a database's refusal (duplicate, missing reference) as the field at fault | `service::error` |
//! | header words, units and value forms of a ledger | `excel::ledger` |
//! | how the import matches rows to projects and reconciles funds | `service::import` |
//! | connections, pools, WAL, storage tricks | [`db`] |
//!
//! # How to add …
//!
//! **An endpoint**: the service function first (`service/<aggregate>.rs`, taking a connection
//! and an `Actor`, checking access through [`domain::access`], recording the audit entry in the
//! write's transaction), then the operation in `api/<resource>.rs` with its
//! `operation_id = "<verb>_<resource>"`, tag, `///` summary and a response type listing only
//! the statuses it can return (a new `#[OpenApi]` impl also goes into `api::Api` and
//! [`api::service`]). Name its rule in `tests/api/access.rs` (the test fails for an operation
//! without one), test it through `TestApp` in `tests/api/`, and rewrite the committed spec with
//! `UPDATE_OPENAPI=1 cargo test --test api spec`.
//!
//! **A migration**: a new file `migration/src/m<YYYYMMDD>_<NNNNNN>_<what>.rs` with `up` and
//! `down`, listed last in `Migrator::migrations` (`migration/src/lib.rs`); never edit a
//! migration that has shipped. Change the entity in `entity/src/` to match. Both databases run
//! it (`cargo test`, and `TEST_DATABASE_URL=… cargo test --test api` for PostgreSQL); servers
//! apply it when they start.
//!
//! **A ledger header word**: add it to the field's synonyms in `LedgerField::synonyms`
//! (`src/excel/ledger/field.rs`), normalised as the list is (half-width, no spaces, no unit;
//! the first word is the one the export writes). Words that only mean something under a group
//! header ("本年" under "资金到位") go into `in_group` in the same file. Its tests show the
//! forms a header may take.
//!
//! **A KPI basis**: the variant on [`domain::kpi::SignBasis`] or [`domain::kpi::FundsBasis`]
//! with its definition; its denominator and numerator in `service::kpi` (the family of
//! figures it needs, and `service::kpi::RateBasis`) and in the drill-down
//! (`service::kpi::drilldown`), so the projects behind the rate are the ones it counts; the
//! query parameter's enum in `api::kpi`; the definition in words in `src/domain/kpi.md`; a test
//! in `tests/api/kpi.rs` that checks its figures case by case; and the spec rewritten.

pub mod api;
pub mod console;
pub mod db;
pub mod docx;
pub mod domain;
pub mod excel;
pub mod service;
mod state;

pub use state::AppState;

use poem::http::StatusCode;
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response};

/// The largest JSON body the API accepts.
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The largest ledger upload (`/api/v1/imports`): the reader's file limit plus room for the
/// multipart framing around the file.
const MAX_IMPORT_BODY_BYTES: usize = excel::ledger::ReadLimits::DEFAULT_MAX_FILE_BYTES + 64 * 1024;

/// The HTTP application: the API, `/health`, the Swagger UI at `/docs`, the spec at
/// `/openapi.json` and the web console at `/` ([`console`]), with every error in the API's JSON shape and the security headers
/// ([`api::security`]) on every response.
pub fn app(state: AppState) -> impl Endpoint {
    let service = api::service();
    let docs = service.swagger_ui();
    let spec = service.spec_endpoint();
    console::mount(service)
        .nest("/docs", docs)
        .at("/openapi.json", spec)
        .around(api::error::answer_errors)
        .around(limit_body)
        .around(tag_request)
        .around(api::messages::in_language)
        .with(api::security::headers())
        .around(console::around)
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
            "message": api::messages::Message::TooLarge { limit }.text(),
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
