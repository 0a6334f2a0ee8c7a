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
use super::text::{Line, Prose, TextRule};
use super::types::Date;
use crate::domain::text;
use crate::service::bulletin::{self as svc, BulletinParams};
use crate::service::publications::{self as published, PublishParams};
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
