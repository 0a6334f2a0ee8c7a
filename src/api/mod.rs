//! The HTTP API under `/api/v1`: DTOs, tags, authentication, one file per resource. It
//! converts between JSON and domain values and hands off to `service`; it never decides.

pub mod audit;
pub mod auth;
pub mod bulletins;
pub mod duplicates;
pub mod error;
pub mod explain;
pub mod exports;
pub mod health;
pub mod imports;
pub mod investors;
pub mod kpi;
pub mod league;
pub mod lifecycle;
pub mod merge_patch;
pub mod messages;
pub mod projects;
pub mod records;
pub mod reference;
pub mod security;
pub mod settings;
pub mod targets;
pub mod text;
pub mod types;
pub mod users;
pub mod warnings;

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
    /// The trail of every change: who, when, what, why.
    Audit,
    /// Workbooks: the ledger and the fill-in template.
    Exports,
    /// Bulletins as Word documents (月通报, 季亮晒, 周督查), and those published, frozen.
    Bulletins,
    /// KPIs: sign, funds-arrival and production-effectiveness rates, and the projects behind them.
    Kpis,
    /// The league table (赛马榜) of the task forces.
    League,
    /// Red / yellow / green warnings (红黄绿预警) of signed projects.
    Warnings,
    /// Yearly targets per task force and progress against them (序时进度).
    Targets,
    /// District-wide settings: default promised dates, warning thresholds, league weights.
    Settings,
    /// Ledger (台账) imports and their history.
    Imports,
}

/// Every operation of the API, as one OpenAPI service.
pub type Api = (
    health::HealthApi,
    reference::ReferenceApi,
    users::UsersApi,
    investors::InvestorsApi,
    // poem-openapi implements `OpenApi` for tuples of up to 16: the projects' two share one.
    (duplicates::DuplicatesApi, projects::ProjectsApi),
    lifecycle::LifecycleApi,
    records::RecordsApi,
    audit::AuditApi,
    exports::ExportsApi,
    bulletins::BulletinsApi,
    kpi::KpiApi,
    league::LeagueApi,
    warnings::WarningsApi,
    targets::TargetsApi,
    settings::SettingsApi,
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
            // poem-openapi implements `OpenApi` for tuples of up to 16: the projects' two share one.
            (duplicates::DuplicatesApi, projects::ProjectsApi),
            lifecycle::LifecycleApi,
            records::RecordsApi,
            audit::AuditApi,
            exports::ExportsApi,
            bulletins::BulletinsApi,
            kpi::KpiApi,
            league::LeagueApi,
            warnings::WarningsApi,
            targets::TargetsApi,
            settings::SettingsApi,
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

/// The version a client read, from the body or an `If-Match` header (`3`, `"3"` or `W/"3"`).
pub fn version_sent(body: Option<i32>, if_match: Option<&str>) -> Result<Option<i32>, crate::service::ServiceError> {
    match (body, if_match.filter(|tag| !tag.trim().is_empty())) {
        (Some(version), _) => Ok(Some(version)),
        (None, Some(tag)) => tag
            .trim()
            .trim_start_matches("W/")
            .trim_matches('"')
            .parse()
            .map(Some)
            .map_err(|_| {
                crate::service::ServiceError::invalid(
                    "If-Match",
                    crate::service::Words::new(format!("`{tag}`不是版本号"), format!("`{tag}` is not a version")),
                )
            }),
        (None, None) => Ok(None),
    }
}

pub fn required_version(body: Option<i32>, if_match: Option<&str>) -> Result<i32, crate::service::ServiceError> {
    version_sent(body, if_match)?.ok_or_else(|| {
        crate::service::ServiceError::invalid(
            "version",
            crate::service::Words::new(
                "必填：请在请求体或 If-Match 请求头中发送你读取时的版本号",
                "required: send the version you read, in the body or as If-Match",
            ),
        )
    })
}
