//! The HTTP API under `/api/v1`: DTOs, tags, authentication, one file per resource. It
//! converts between JSON and domain values and hands off to `service`; it never decides.

pub mod auth;
pub mod error;
pub mod health;
pub mod imports;
pub mod investors;
pub mod lifecycle;
pub mod projects;
pub mod records;
pub mod reference;
pub mod types;
pub mod users;

use poem_openapi::{OpenApiService, Tags};

/// The groups operations are listed under in the docs.
#[derive(Tags)]
pub enum ApiTags {
    /// Liveness of the service.
    Health,
    /// Task forces (专班), industry clusters and parks.
    Reference,
    /// Users and their bearer tokens.
    Users,
    /// Investors (投资方).
    Investors,
    /// Projects (招商项目).
    Projects,
    /// Stage moves, contract terms and history of a project.
    Lifecycle,
    /// Fund arrivals, follow-up activities and output reports of a project.
    Records,
    /// Ledger (台账) imports and their history.
    Imports,
}

/// Every operation of the API, as one OpenAPI service.
pub type Api = (
    health::HealthApi,
    reference::ReferenceApi,
    users::UsersApi,
    investors::InvestorsApi,
    projects::ProjectsApi,
    lifecycle::LifecycleApi,
    records::RecordsApi,
    imports::ImportsApi,
);

/// The documented service; the spec it produces is committed at `openapi/openapi.json`.
pub fn service() -> OpenApiService<Api, ()> {
    OpenApiService::new(
        (
            health::HealthApi,
            reference::ReferenceApi,
            users::UsersApi,
            investors::InvestorsApi,
            projects::ProjectsApi,
            lifecycle::LifecycleApi,
            records::RecordsApi,
            imports::ImportsApi,
        ),
        "zhaoshang",
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "Investment-promotion CRM (招商引资) of a district's task forces: projects from lead to \
         production, contracts, fund arrivals and follow-ups.\n\nMoney is in 万元 (10,000 yuan) as \
         exact decimal strings with at most four decimals; dates are `YYYY-MM-DD` in China time. \
         Every error has the shape `{code, message, details}`. Authenticate with \
         `Authorization: Bearer <token>`.",
    )
}

/// Paging parameters shared by list endpoints.
pub const DEFAULT_PER_PAGE: u64 = 20;

/// A write that leaves nothing to return.
#[derive(Debug, poem_openapi::ApiResponse)]
pub enum Deleted {
    /// Done.
    #[oai(status = 204)]
    NoContent,
}
