//! `/api/v1/bulletins/{kind}` and `/api/v1/publications`: the district's bulletins as Word
//! documents — the monthly bulletin (月通报), the quarterly ranking (季亮晒) and the weekly
//! supervision list (周督查) — and the bulletins published, frozen as they were published.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Binary, Json};
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

use super::ApiTags;
use super::auth::BearerAuth;
use super::error::ApiResult;
use super::error::status::*;
use super::kpi::rate_number;
use super::text::{Line, Prose, TextRule};
use super::types::Date;
use crate::domain::text;
use crate::service::bulletin::{self as svc, BulletinParams};
use crate::service::publications::{self as published, PublishParams, changes};
use crate::state::AppState;

/// The media type of a DOCX document.
pub const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// The kind of bulletin: `monthly` (月通报), `quarterly` (季亮晒) or `weekly` (周督查).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum BulletinKind {
    Monthly,
    Quarterly,
    Weekly,
}

impl From<BulletinKind> for svc::BulletinKind {
    fn from(k: BulletinKind) -> Self {
        match k {
            BulletinKind::Monthly => Self::Monthly,
            BulletinKind::Quarterly => Self::Quarterly,
            BulletinKind::Weekly => Self::Weekly,
        }
    }
}

impl From<svc::BulletinKind> for BulletinKind {
    fn from(k: svc::BulletinKind) -> Self {
        match k {
            svc::BulletinKind::Monthly => Self::Monthly,
            svc::BulletinKind::Quarterly => Self::Quarterly,
            svc::BulletinKind::Weekly => Self::Weekly,
        }
    }
}

/// A DOCX download.
#[derive(Debug, ApiResponse)]
pub enum Document {
    /// The document (Word and WPS open it); its file name (in `Content-Disposition`) carries
    /// the kind and the period.
    #[oai(
        status = 200,
        content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )]
    Ok(Binary<Vec<u8>>, #[oai(header = "Content-Disposition")] String),
}

impl Document {
    fn named(bytes: Vec<u8>, kind: svc::BulletinKind, period_key: &str, suffix: &str) -> Self {
        let stem = format!("{}_{period_key}{suffix}.docx", kind.chinese());
        let utf8: String = stem
            .bytes()
            .map(|b| match b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                true => (b as char).to_string(),
                false => format!("%{b:02X}"),
            })
            .collect();
        Self::Ok(
            Binary(bytes),
            format!(
                "attachment; filename=\"bulletin-{}_{period_key}{suffix}.docx\"; filename*=UTF-8''{utf8}",
                kind.as_str()
            ),
        )
    }
}

/// A published bulletin, without its document.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Publication {
    pub id: i32,
    pub kind: BulletinKind,
    /// The period: `2026-11`, `2026-Q3`, or the ISO week `2026-W50` of a weekly list.
    pub period: String,
    /// 1, then 2, 3, … for reissues of the same period.
    pub version: i32,
    pub from: Date,
    pub to: Date,
    /// The date the figures were counted to.
    pub as_of: Date,
    pub title: String,
    /// Why it was reissued (none for version 1).
    pub reason: Option<String>,
    /// The document's size and SHA-256: a download is these bytes, whatever the data does
    /// after publication.
    pub document_bytes: i64,
    pub document_sha256: String,
    /// The administrator who published it (none once that user is deleted), and their
    /// username then.
    pub published_by: Option<i32>,
    pub published_by_name: String,
    pub published_at: DateTime<Utc>,
}

impl From<published::Publication> for Publication {
    fn from(p: published::Publication) -> Self {
        Self {
            id: p.id,
            kind: p.kind.into(),
            period: p.period_key,
            version: p.version,
            from: Date(p.period_from),
            to: Date(p.period_to),
            as_of: Date(p.as_of),
            title: p.title,
            reason: p.reason,
            document_bytes: p.document_bytes,
            document_sha256: p.document_sha256,
            published_by: p.published_by,
            published_by_name: p.published_by_name,
            published_at: p.published_at,
        }
    }
}

/// A published bulletin with the figures it stated.
#[derive(Debug, Object)]
pub struct PublicationWithFigures {
    pub publication: Publication,
    /// Every figure the document states, as it stated it (amounts in yuan; rates as decimal
    /// strings with six decimals): the period's, the previous period's and last year's
    /// figures, the league, the targets, the red and yellow projects, the overdue items, and
    /// the settings and bases used.
    pub figures: serde_json::Value,
}

/// A rate as a bulletin states it.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct StatedRate {
    pub numerator: i64,
    pub denominator: i64,
    /// numerator ÷ denominator, six decimals; null when the denominator is zero.
    pub rate: Option<f64>,
}

impl From<svc::StatedRate> for StatedRate {
    fn from(r: svc::StatedRate) -> Self {
        Self {
            numerator: r.numerator,
            denominator: r.denominator,
            rate: r.rate.map(rate_number),
        }
    }
}

/// A period's figures as a bulletin states them; amounts in yuan, as in a publication's
/// figures.
#[derive(Debug, Object)]
pub struct StatedPeriodFigures {
    pub sign_rate: StatedRate,
    /// Yuan.
    pub funds_arrival_rate: StatedRate,
    pub production_effectiveness_rate: StatedRate,
    pub production_rate: StatedRate,
    pub effectiveness_rate: StatedRate,
    pub projects_signed: i64,
    pub contracted_investment_yuan: i64,
    pub funds_arrived_yuan: i64,
    pub projects_started: i64,
    pub projects_producing: i64,
}

impl From<svc::PeriodFigures> for StatedPeriodFigures {
    fn from(f: svc::PeriodFigures) -> Self {
        Self {
            sign_rate: f.sign_rate.into(),
            funds_arrival_rate: f.funds_arrival_rate.into(),
            production_effectiveness_rate: f.production_effectiveness_rate.into(),
            production_rate: f.production_rate.into(),
            effectiveness_rate: f.effectiveness_rate.into(),
            projects_signed: f.projects_signed,
            contracted_investment_yuan: f.contracted_investment_yuan,
            funds_arrived_yuan: f.funds_arrived_yuan,
            projects_started: f.projects_started,
            projects_producing: f.projects_producing,
        }
    }
}

/// Which of a bulletin's periods: the period itself, the previous period (环比), the same
/// period last year (同比), the year to the period's end (monthly bulletins).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum StatedPeriod {
    Current,
    Previous,
    LastYear,
    YearToDate,
}

impl From<changes::StatedPeriod> for StatedPeriod {
    fn from(p: changes::StatedPeriod) -> Self {
        match p {
            changes::StatedPeriod::Current => Self::Current,
            changes::StatedPeriod::Previous => Self::Previous,
            changes::StatedPeriod::LastYear => Self::LastYear,
            changes::StatedPeriod::YearToDate => Self::YearToDate,
        }
    }
}

/// A period's figures as published and as computed now.
#[derive(Debug, Object)]
pub struct PeriodChange {
    pub period: StatedPeriod,
    pub from: Date,
    pub to: Date,
    pub as_of: Date,
    pub then: StatedPeriodFigures,
    pub now: StatedPeriodFigures,
    /// The names of the figures (fields of `then` and `now`) that differ; empty when none.
    pub changed: Vec<String>,
}

/// A figure of the bulletin's period a project contributes to: 1 for a count it is in (a rate's
/// numerator or denominator, projects signed, started, producing), yuan for an amount
/// (`funds_arrival_rate_denominator`: its contracted investment; `_numerator`: its counted
/// funds by the as-of date; `contracted_investment`; `funds_arrived`: its counted funds in the
/// period).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ProjectFigure {
    SignRateDenominator,
    SignRateNumerator,
    FundsArrivalRateDenominator,
    FundsArrivalRateNumerator,
    ProductionEffectivenessRateDenominator,
    ProductionEffectivenessRateNumerator,
    ProductionRateDenominator,
    ProductionRateNumerator,
    EffectivenessRateDenominator,
    EffectivenessRateNumerator,
    ProjectsSigned,
    ContractedInvestment,
    FundsArrived,
    ProjectsStarted,
    ProjectsProducing,
}

impl From<changes::ProjectFigure> for ProjectFigure {
    fn from(f: changes::ProjectFigure) -> Self {
        use changes::ProjectFigure as F;
        match f {
            F::SignRateDenominator => Self::SignRateDenominator,
            F::SignRateNumerator => Self::SignRateNumerator,
            F::FundsArrivalRateDenominator => Self::FundsArrivalRateDenominator,
            F::FundsArrivalRateNumerator => Self::FundsArrivalRateNumerator,
            F::ProductionEffectivenessRateDenominator => Self::ProductionEffectivenessRateDenominator,
            F::ProductionEffectivenessRateNumerator => Self::ProductionEffectivenessRateNumerator,
            F::ProductionRateDenominator => Self::ProductionRateDenominator,
            F::ProductionRateNumerator => Self::ProductionRateNumerator,
            F::EffectivenessRateDenominator => Self::EffectivenessRateDenominator,
            F::EffectivenessRateNumerator => Self::EffectivenessRateNumerator,
            F::ProjectsSigned => Self::ProjectsSigned,
            F::ContractedInvestment => Self::ContractedInvestment,
            F::FundsArrived => Self::FundsArrived,
            F::ProjectsStarted => Self::ProjectsStarted,
            F::ProjectsProducing => Self::ProjectsProducing,
        }
    }
}

/// One figure of a project.
#[derive(Debug, Object)]
pub struct ProjectFigureValue {
    pub figure: ProjectFigure,
    /// 1 for a count, yuan for an amount.
    pub value: i64,
}

/// A project and what it contributes to the bulletin's period figures.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ProjectContribution {
    pub project_id: i32,
    pub code: String,
    pub name: String,
    pub team_id: i32,
    pub team_name: Option<String>,
    /// Only the figures it is in.
    pub figures: Vec<ProjectFigureValue>,
}

impl From<changes::ProjectContribution> for ProjectContribution {
    fn from(p: changes::ProjectContribution) -> Self {
        Self {
            project_id: p.project_id,
            code: p.code,
            name: p.name,
            team_id: p.team_id,
            team_name: p.team_name,
            figures: p
                .figures
                .into_iter()
                .map(|(figure, value)| ProjectFigureValue {
                    figure: figure.into(),
                    value,
                })
                .collect(),
        }
    }
}

/// A figure of a project counted then and now that differs.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ProjectFigureChange {
    pub project_id: i32,
    /// The project's code, name and team as they are now.
    pub code: String,
    pub name: String,
    pub team_id: i32,
    pub team_name: Option<String>,
    pub figure: ProjectFigure,
    /// 0 when it was not in this figure then (1 for a count, yuan for an amount).
    pub then: i64,
    /// 0 when it is not in this figure now.
    pub now: i64,
}

/// A publication against today's data.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PublicationChanges {
    pub publication: Publication,
    /// Each period the bulletin states (none for a weekly list), as published and as computed
    /// now for the same period and as-of date, with the settings and bases it stored.
    pub periods: Vec<PeriodChange>,
    /// Whether the publication kept each project's contribution to its period's figures, so
    /// that the lists below can be given; false for publications made before they were kept
    /// and for weekly lists (then `note` says so and the lists are empty).
    pub project_detail: bool,
    /// Why there is no project detail, in Chinese.
    pub note: Option<String>,
    /// Projects counted then and now whose contribution to a figure differs, one line per
    /// figure, by project id.
    pub changed: Vec<ProjectFigureChange>,
    /// Projects counted in the period's figures then and in none now (as they were then).
    pub counted_then_only: Vec<ProjectContribution>,
    /// Projects counted now and in none then.
    pub counted_now_only: Vec<ProjectContribution>,
}

/// A bulletin to publish.
#[derive(Debug, Object)]
pub struct PublishInput {
    pub kind: BulletinKind,
    /// `2026-11` (monthly) or `2026-Q3` (quarterly); none for the last month or quarter
    /// ended by `as_of`, and none for a weekly list.
    #[oai(nullable, validator(custom = "TextRule::default()"))]
    pub period: Option<Line<16>>,
    /// The date the figures are counted to; default today.
    #[oai(nullable)]
    pub as_of: Option<Date>,
    /// Required to publish a period again: the reissue is the next version, the earlier kept.
    #[oai(nullable, validator(custom = "TextRule::default()"))]
    pub reason: Option<Prose<{ text::PROSE }>>,
}

pub struct BulletinsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Bulletins")]
impl BulletinsApi {
    /// Download a bulletin
    ///
    /// The monthly bulletin (月通报), the quarterly ranking (季亮晒) or the weekly supervision
    /// list (周督查) as a Word document in the style of a government bulletin: title, issuing
    /// unit and date (settings), 总体情况 in sentences with the change against the previous
    /// period (环比) and the same period last year (同比), the league table with rank changes,
    /// each team's targets against time-proportional progress, the red and yellow projects by
    /// team with their reasons; the weekly list: every overdue milestone and follow-up by team
    /// with its 包保领导, days overdue and the last follow-up. The figures are the KPI
    /// endpoints' for the same period (default bases) and every reader's; the project lists
    /// hold the projects the reader may see, as the leadership report's do.
    #[oai(path = "/bulletins/:kind", method = "get", operation_id = "export_bulletin")]
    async fn export_bulletin(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        kind: Path<BulletinKind>,
        /// `2026-11` (monthly) or `2026-Q3` (quarterly); default the last month or quarter
        /// ended by `as_of`. A weekly list takes none: it lists what is overdue at `as_of`.
        #[oai(validator(custom = "TextRule::default()"))]
        period: Query<Option<Line<16>>>,
        /// The date the figures are counted to; default today.
        as_of: Query<Option<Date>>,
    ) -> ApiResult<Document, { SIGNED_IN | BAD_REQUEST | INVALID }> {
        let params = BulletinParams {
            kind: kind.0.into(),
            period: period.0.map(String::from),
            as_of: as_of.0.map(|d| d.0),
        };
        let written = svc::bulletin(&state.reader, &auth.0, &params).await?;
        let key = written.figures.period.key.clone();
        Ok(Document::named(written.document, params.kind, &key, ""))
    }

    /// Publish a bulletin
    ///
    /// Administrators only. Writes the bulletin as the data stands and stores it frozen: the
    /// document, the figures it states, the settings and bases it used, the as-of date, who
    /// published it and when (and an audit entry). Later downloads return the same bytes
    /// whatever the data does. A period already published is refused with 409 unless a
    /// `reason` is given; the reissue is then the next version, the earlier kept.
    #[oai(path = "/publications", method = "post", operation_id = "publish_bulletin")]
    async fn publish_bulletin(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        body: Json<PublishInput>,
    ) -> ApiResult<Json<Publication>, { SIGNED_IN | JSON_BODY | FORBIDDEN | CONFLICT | INVALID }> {
        let input = body.0;
        let params = PublishParams {
            bulletin: BulletinParams {
                kind: input.kind.into(),
                period: input.period.map(String::from),
                as_of: input.as_of.map(|d| d.0),
            },
            reason: input.reason.map(String::from),
        };
        Ok(Json(published::publish(&state.db, &auth.0, params).await?.into()))
    }

    /// List the published bulletins
    ///
    /// Every publication, newest first, without its document or figures; every signed-in
    /// user reads the list.
    #[oai(path = "/publications", method = "get", operation_id = "list_publications")]
    async fn list_publications(
        &self,
        state: Data<&AppState>,
        _auth: BearerAuth,
        /// Only this kind.
        kind: Query<Option<BulletinKind>>,
    ) -> ApiResult<Json<Vec<Publication>>, { SIGNED_IN | BAD_REQUEST }> {
        let found = published::list_publications(&state.reader, kind.0.map(Into::into)).await?;
        Ok(Json(found.into_iter().map(Into::into).collect()))
    }

    /// Read a published bulletin
    ///
    /// The publication and every figure it stated. Leaders and administrators only: a
    /// published bulletin names every team's projects.
    #[oai(path = "/publications/:id", method = "get", operation_id = "get_publication")]
    async fn get_publication(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<Json<PublicationWithFigures>, { SIGNED_IN | BAD_REQUEST | FORBIDDEN | NOT_FOUND }> {
        let (publication, figures) = published::get_publication(&state.reader, &auth.0, id.0).await?;
        Ok(Json(PublicationWithFigures {
            publication: publication.into(),
            figures: serde_json::to_value(&figures).unwrap_or_default(),
        }))
    }

    /// Compare a published bulletin with today's data
    ///
    /// What was corrected since publication: the bulletin's figures recomputed now for the
    /// same periods, as-of dates, settings and bases as published, each beside the published
    /// one; and, project by project, the projects whose contribution to the period's figures
    /// changed (which figure, then and now), those counted then and not now, and those counted
    /// now and not then. A publication made before project detail was kept compares its
    /// figures only (`project_detail` false). The publication itself never changes. Leaders
    /// and administrators only.
    #[oai(
        path = "/publications/:id/changes",
        method = "get",
        operation_id = "get_publication_changes"
    )]
    async fn get_publication_changes(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<Json<PublicationChanges>, { SIGNED_IN | BAD_REQUEST | FORBIDDEN | NOT_FOUND }> {
        let (publication, found) = published::publication_changes(&state.reader, &auth.0, id.0).await?;
        let note = match (found.project_detail, publication.kind) {
            (true, _) => None,
            (false, svc::BulletinKind::Weekly) => Some("周督查清单没有总体数字，不作逐项目比较".to_string()),
            (false, _) => Some("该通报发布时尚未保存逐项目明细，只能比较总体数字".to_string()),
        };
        Ok(Json(PublicationChanges {
            publication: publication.into(),
            periods: found
                .periods
                .into_iter()
                .map(|p| PeriodChange {
                    period: p.period.into(),
                    from: Date(p.then.from),
                    to: Date(p.then.to),
                    as_of: Date(p.then.as_of),
                    changed: p.changed.iter().map(|n| n.to_string()).collect(),
                    then: p.then.into(),
                    now: p.now.into(),
                })
                .collect(),
            project_detail: found.project_detail,
            note,
            changed: found
                .changed
                .into_iter()
                .map(|c| ProjectFigureChange {
                    project_id: c.project.project_id,
                    code: c.project.code,
                    name: c.project.name,
                    team_id: c.project.team_id,
                    team_name: c.project.team_name,
                    figure: c.figure.into(),
                    then: c.then,
                    now: c.now,
                })
                .collect(),
            counted_then_only: found.counted_then_only.into_iter().map(Into::into).collect(),
            counted_now_only: found.counted_now_only.into_iter().map(Into::into).collect(),
        }))
    }

    /// Download a published bulletin
    ///
    /// The document byte for byte as it was published. Leaders and administrators only.
    #[oai(
        path = "/publications/:id/document",
        method = "get",
        operation_id = "download_publication"
    )]
    async fn download_publication(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<Document, { SIGNED_IN | BAD_REQUEST | FORBIDDEN | NOT_FOUND }> {
        let (publication, document) = published::publication_document(&state.reader, &auth.0, id.0).await?;
        let suffix = format!("_v{}", publication.version);
        Ok(Document::named(
            document,
            publication.kind,
            &publication.period_key,
            &suffix,
        ))
    }
}
