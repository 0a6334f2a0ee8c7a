//! `/api/v1/exports/*` and `/api/v1/reports/kpi`: workbooks for people who live in Excel — the
//! ledger of the projects a filter selects, a fill-in template, and the leadership report.

use poem::web::Data;
use poem_openapi::param::Query;
use poem_openapi::payload::Binary;
use poem_openapi::{ApiResponse, Enum, OpenApi};

use super::ApiTags;
use super::auth::BearerAuth;
use super::error::ApiResult;
use super::error::status::*;
use super::text::{Line, TextRule};
use super::types::{Date, Stage};
use crate::domain::{PastDate, text, today};
use crate::excel::cell::Written;
use crate::excel::export::{HeaderLanguage, LedgerHeading};
use crate::service::ServiceError;
use crate::service::export as svc;
use crate::service::kpi::Scope;
use crate::service::projects::ProjectFilter;
use crate::service::report::{self, ReportParams};
use crate::state::AppState;

/// The media type of an xlsx workbook.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A workbook download.
#[derive(Debug, ApiResponse)]
pub enum Workbook {
    /// The workbook; its file name (in `Content-Disposition`) carries the as-of date. A text
    /// longer than an Excel cell holds (32,767 characters) is cut, ending with "…（已截断）";
    /// the workbook then opens on a sheet (截断说明) listing those cells.
    #[oai(
        status = 200,
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )]
    Ok(
        Binary<Vec<u8>>,
        #[oai(header = "Content-Disposition")] String,
        /// How many cells had their text cut to fit Excel; absent when none.
        #[oai(header = "X-Truncated-Cells")]
        Option<u64>,
    ),
}

impl Workbook {
    /// A download named `<stem>_<as_of>.xlsx` (RFC 6266 with a UTF-8 name for Chinese stems).
    pub fn named(written: Written, stem: &str, ascii_stem: &str, as_of: chrono::NaiveDate) -> Self {
        let Written { bytes, cut_cells } = written;
        let utf8: String = format!("{stem}_{as_of}.xlsx")
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        Self::Ok(
            Binary(bytes),
            format!("attachment; filename=\"{ascii_stem}_{as_of}.xlsx\"; filename*=UTF-8''{utf8}"),
            (cut_cells > 0).then_some(cut_cells as u64),
        )
    }
}

/// Header names of an exported ledger.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum HeaderLang {
    /// 项目编号, 项目名称, …
    #[default]
    Zh,
    /// code, name, …
    En,
}

/// The as-of date asked for, not later than today; today when none is asked for.
pub fn as_of_or_today(as_of: Option<Date>) -> Result<chrono::NaiveDate, ServiceError> {
    let as_of = PastDate::optional(as_of.map(|d| d.0)).map_err(|future| ServiceError::refused("as_of", &future))?;
    Ok(as_of.unwrap_or_else(PastDate::today).get())
}

fn heading(as_of: chrono::NaiveDate, language: HeaderLanguage) -> LedgerHeading {
    LedgerHeading {
        title: "招商引资项目台账".into(),
        reporting_unit: "招商专班".into(),
        as_of,
        language,
    }
}

pub struct ExportsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Exports")]
impl ExportsApi {
    /// Download the ledger
    ///
    /// One row per project in the import's column layout (so the file can be edited and
    /// imported back), with the same filters as `list_projects`. Fund figures (本年, 累计)
    /// count assessed funds up to `as_of`. Team members get their own team's projects.
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/exports/ledger", method = "get", operation_id = "export_ledger")]
    async fn export_ledger(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        /// Only this task force's projects.
        team_id: Query<Option<i32>>,
        /// Only this cluster's projects.
        cluster_id: Query<Option<i32>>,
        /// Only this park's projects.
        park_id: Query<Option<i32>>,
        /// Only projects currently at this stage.
        stage: Query<Option<Stage>>,
        /// Only projects signed on or after this date.
        signed_from: Query<Option<Date>>,
        /// Only projects signed on or before this date.
        signed_to: Query<Option<Date>>,
        /// Text in the project name, project code or investor name.
        #[oai(validator(custom = "TextRule::default()"))]
        q: Query<Option<Line<{ text::SEARCH }>>>,
        /// The date the fund figures are counted to; defaults to today.
        as_of: Query<Option<Date>>,
        /// Header language; default Chinese.
        lang: Query<Option<HeaderLang>>,
    ) -> ApiResult<Workbook, { SIGNED_IN | BAD_REQUEST | FORBIDDEN | INVALID }> {
        let as_of = as_of_or_today(as_of.0)?;
        let filter = ProjectFilter {
            team_id: team_id.0,
            cluster_id: cluster_id.0,
            park_id: park_id.0,
            stage: stage.0.map(Into::into),
            signed_from: signed_from.0.map(|d| d.0),
            signed_to: signed_to.0.map(|d| d.0),
            q: q.0.map(String::from),
        };
        let language = match lang.0.unwrap_or_default() {
            HeaderLang::Zh => HeaderLanguage::Chinese,
            HeaderLang::En => HeaderLanguage::English,
        };
        let written = svc::ledger(&state.db, &auth.0, &filter, &heading(as_of, language)).await?;
        Ok(Workbook::named(written, "招商项目台账", "ledger", as_of))
    }

    /// Download the leadership report
    ///
    /// A printable workbook for district leaders: a cover with the three headline rates, their
    /// numerators, denominators and basis in words; the league table with targets, completion,
    /// time-proportional progress, ahead/behind, rank change and red/yellow/green shading; the
    /// monthly trend with charts; the red and yellow warnings; and the projects behind each
    /// rate. The figures are the KPI endpoints' for the same parameters (default bases).
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/reports/kpi", method = "get", operation_id = "export_kpi_report")]
    async fn export_kpi_report(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        /// First day of the period; default 1 January of `to`'s year.
        from: Query<Option<Date>>,
        /// Last day of the period (inclusive); default the as-of date.
        to: Query<Option<Date>>,
        /// The date the figures are counted to; defaults to today.
        as_of: Query<Option<Date>>,
        /// Only this task force.
        team_id: Query<Option<i32>>,
        /// Only this cluster.
        cluster_id: Query<Option<i32>>,
        /// Only this park.
        park_id: Query<Option<i32>>,
    ) -> ApiResult<Workbook, { SIGNED_IN | BAD_REQUEST | INVALID }> {
        let period =
            crate::domain::date::period_or_year_to_date(from.0.map(|d| d.0), to.0.map(|d| d.0), as_of.0.map(|d| d.0));
        let params = ReportParams {
            from: period.0,
            to: period.1,
            as_of: as_of.0.map(|d| d.0),
            scope: Scope {
                team_id: team_id.0,
                cluster_id: cluster_id.0,
                park_id: park_id.0,
            },
        };
        let (as_of, written) = report::kpi_report(&state.reader, &auth.0, params).await?;
        Ok(Workbook::named(written, "招商引资通报", "kpi-report", as_of))
    }

    /// Download the fill-in template
    ///
    /// A blank ledger with the headers, drop-down lists of stages, agreement types, teams,
    /// clusters and parks (from the live reference data), date and number formats on the
    /// input columns, and an instructions sheet (说明).
    #[oai(path = "/exports/template", method = "get", operation_id = "export_template")]
    async fn export_template(&self, state: Data<&AppState>, _auth: BearerAuth) -> ApiResult<Workbook, { SIGNED_IN }> {
        let as_of = today();
        let bytes = svc::template(&state.db, &heading(as_of, HeaderLanguage::Chinese)).await?;
        let written = Written { bytes, cut_cells: 0 };
        Ok(Workbook::named(written, "招商项目台账模板", "ledger-template", as_of))
    }
}
