//! Published bulletins, frozen: publishing a bulletin (administrators) writes it as it stands —
//! the document's bytes, the figures it stated, the settings and bases it used, its period,
//! as-of date, who published it and when — with its audit entry, in one transaction. A
//! publication is never changed: it downloads byte for byte as published whatever the data
//! does later. Publishing again for a period already published is refused unless a reason is
//! given; the reissue is then the next version, the earlier one kept.
//!
//! Beside the figures, a publication keeps each project's contribution to them, so that
//! `changes` can tell what was corrected since, project by project.
//!
//! Everyone signed in lists the publications; their figures and documents name every team's
//! projects, so only leaders and administrators read them (the bulletins a team member
//! generates list their own team's projects).

use chrono::{DateTime, NaiveDate, Utc};
use entity::publication;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionSession, TransactionTrait,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

pub mod changes;

use super::audit::{self, Change};
use super::bulletin::{BulletinKind, BulletinParams, StatedFigures, bulletin_figures, write};
use super::{Actor, ServiceError, ServiceResult, Words, now};
use crate::domain::access::Denied;
use crate::domain::today;

/// A publication asked for.
#[derive(Debug, Clone)]
pub struct PublishParams {
    pub bulletin: BulletinParams,
    /// Why a period already published is published again (required then).
    pub reason: Option<String>,
}

/// A publication without its document.
#[derive(Debug, Clone)]
pub struct Publication {
    pub id: i32,
    pub kind: BulletinKind,
    pub period_key: String,
    pub version: i32,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub as_of: NaiveDate,
    pub title: String,
    pub reason: Option<String>,
    pub document_bytes: i64,
    pub document_sha256: String,
    pub published_by: Option<i32>,
    pub published_by_name: String,
    pub published_at: DateTime<Utc>,
}

/// What the audit trail keeps of a publication (not the document).
#[derive(Serialize)]
struct Audited<'a> {
    kind: &'a str,
    period_key: &'a str,
    version: i32,
    as_of: NaiveDate,
    title: &'a str,
    document_sha256: &'a str,
}

fn summary(m: &publication::Model, document_bytes: i64) -> ServiceResult<Publication> {
    Ok(Publication {
        id: m.id,
        kind: BulletinKind::parse(&m.kind)
            .ok_or_else(|| ServiceError::Db(sea_orm::DbErr::Custom(format!("unknown bulletin kind {}", m.kind))))?,
        period_key: m.period_key.clone(),
        version: m.version,
        period_from: m.period_from,
        period_to: m.period_to,
        as_of: m.as_of,
        title: m.title.clone(),
        reason: m.reason.clone(),
        document_bytes,
        document_sha256: m.document_sha256.clone(),
        published_by: m.published_by,
        published_by_name: m.published_by_name.clone(),
        published_at: m.published_at,
    })
}

/// Publishes a bulletin: writes it as the data stands and stores it, frozen.
pub async fn publish<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    params: PublishParams,
) -> ServiceResult<Publication> {
    actor.principal().check_admin()?;
    let reason = params.reason.map(|r| r.trim().to_string()).filter(|r| !r.is_empty());
    let figures = bulletin_figures(db, actor, &params.bulletin).await?;
    let written = write(&figures, today())?;
    let figures_json = serde_json::to_string(&written.figures)
        .map_err(|e| ServiceError::Db(sea_orm::DbErr::Custom(format!("the bulletin's figures as JSON: {e}"))))?;
    let contributions = match changes::contributions(db, &figures).await? {
        Some(found) => Some(serde_json::to_string(&found).map_err(|e| {
            ServiceError::Db(sea_orm::DbErr::Custom(format!(
                "the bulletin's contributions as JSON: {e}"
            )))
        })?),
        None => None,
    };
    let sha256 = hex::encode(Sha256::digest(&written.document));
    let kind = figures.kind.as_str();

    let txn = crate::db::begin_write(db).await?;
    let latest = publication::Entity::find()
        .filter(publication::Column::Kind.eq(kind))
        .filter(publication::Column::PeriodKey.eq(&figures.period.key))
        .order_by_desc(publication::Column::Version)
        .one(&txn)
        .await?;
    let version = match (&latest, &reason) {
        (None, _) => 1,
        (Some(earlier), Some(_)) => earlier.version + 1,
        (Some(earlier), None) => {
            let (published, next) = (earlier.published_at.format("%Y-%m-%d"), earlier.version + 1);
            return Err(ServiceError::conflict(
                "reason",
                Words::new(
                    format!(
                        "{}（{}）已于{published}发布（第{}版），发布后不再改动；如需更正，请说明原因重新发布，将作为第{next}版发布，原版本保留",
                        figures.kind.chinese(),
                        figures.period.key,
                        earlier.version,
                    ),
                    format!(
                        "the {} bulletin for {} was published on {published} (version {}) and is not changed once published; to correct it, publish again with a reason: it becomes version {next}, the earlier one kept",
                        figures.kind.as_str(),
                        figures.period.key,
                        earlier.version,
                    ),
                ),
            ));
        }
    };
    let bytes = written.document.len() as i64;
    let saved = publication::ActiveModel {
        kind: Set(kind.to_string()),
        period_key: Set(figures.period.key.clone()),
        version: Set(version),
        period_from: Set(figures.period.from),
        period_to: Set(figures.period.to),
        as_of: Set(figures.as_of),
        title: Set(written.title.clone()),
        reason: Set(reason.clone()),
        figures: Set(figures_json),
        contributions: Set(contributions),
        document: Set(written.document),
        document_sha256: Set(sha256),
        published_by: Set(Some(actor.user_id)),
        published_by_name: Set(actor.username.clone()),
        published_at: Set(now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let audited = Audited {
        kind,
        period_key: &saved.period_key,
        version,
        as_of: saved.as_of,
        title: &saved.title,
        document_sha256: &saved.document_sha256,
    };
    audit::record(
        &txn,
        actor,
        Change {
            entity: "publication",
            entity_id: saved.id,
            project_id: None,
            action: "publish",
            before: None,
            after: Some(&audited),
            reason: reason.as_deref(),
        },
    )
    .await?;
    txn.commit().await?;
    summary(&saved, bytes)
}

/// Every publication, newest first, optionally of one kind; without documents or figures.
pub async fn list_publications(
    db: &impl ConnectionTrait,
    kind: Option<BulletinKind>,
) -> ServiceResult<Vec<Publication>> {
    let mut query = publication::Entity::find()
        .select_only()
        .columns([
            publication::Column::Id,
            publication::Column::Kind,
            publication::Column::PeriodKey,
            publication::Column::Version,
            publication::Column::PeriodFrom,
            publication::Column::PeriodTo,
            publication::Column::AsOf,
            publication::Column::Title,
            publication::Column::Reason,
            publication::Column::DocumentSha256,
            publication::Column::PublishedBy,
            publication::Column::PublishedByName,
            publication::Column::PublishedAt,
        ])
        .expr_as(
            sea_orm::sea_query::Expr::cust("CAST(LENGTH(document) AS BIGINT)"),
            "document_bytes",
        )
        .order_by_desc(publication::Column::PublishedAt)
        .order_by_desc(publication::Column::Id);
    if let Some(kind) = kind {
        query = query.filter(publication::Column::Kind.eq(kind.as_str()));
    }
    let rows = query.into_model::<Listed>().all(db).await?;
    rows.into_iter()
        .map(|row| {
            let bytes = row.document_bytes;
            summary(&row.into_model(), bytes)
        })
        .collect()
}

/// A publication's columns as listed: everything but the document and the figures.
#[derive(Debug, sea_orm::FromQueryResult)]
struct Listed {
    id: i32,
    kind: String,
    period_key: String,
    version: i32,
    period_from: NaiveDate,
    period_to: NaiveDate,
    as_of: NaiveDate,
    title: String,
    reason: Option<String>,
    document_sha256: String,
    published_by: Option<i32>,
    published_by_name: String,
    published_at: DateTime<Utc>,
    document_bytes: i64,
}

impl Listed {
    fn into_model(self) -> publication::Model {
        publication::Model {
            id: self.id,
            kind: self.kind,
            period_key: self.period_key,
            version: self.version,
            period_from: self.period_from,
            period_to: self.period_to,
            as_of: self.as_of,
            title: self.title,
            reason: self.reason,
            figures: String::new(),
            contributions: None,
            document: Vec::new(),
            document_sha256: self.document_sha256,
            published_by: self.published_by,
            published_by_name: self.published_by_name,
            published_at: self.published_at,
        }
    }
}

/// Leaders and administrators read published figures and documents: they name every team's
/// projects.
fn check_read(actor: &Actor) -> ServiceResult<()> {
    match actor.principal().row_scope() {
        None => Ok(()),
        Some(_) => Err(Denied::PublishedBulletins.into()),
    }
}

async fn find(db: &impl ConnectionTrait, id: i32) -> ServiceResult<publication::Model> {
    publication::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::not_found("publication", id))
}

/// A publication with the figures it stated.
pub async fn get_publication(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i32,
) -> ServiceResult<(Publication, StatedFigures)> {
    check_read(actor)?;
    let found = find(db, id).await?;
    let figures: StatedFigures = serde_json::from_str(&found.figures)
        .map_err(|e| ServiceError::Db(sea_orm::DbErr::Custom(format!("publication {id}'s figures: {e}"))))?;
    Ok((summary(&found, found.document.len() as i64)?, figures))
}

/// A publication's document, byte for byte as published.
pub async fn publication_document(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i32,
) -> ServiceResult<(Publication, Vec<u8>)> {
    check_read(actor)?;
    let mut found = find(db, id).await?;
    let document = std::mem::take(&mut found.document);
    Ok((summary(&found, document.len() as i64)?, document))
}

/// A publication against today's data: its figures recomputed now (same periods, as-of
/// dates, settings and bases), and the projects whose contributions changed.
pub async fn publication_changes(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i32,
) -> ServiceResult<(Publication, changes::Changes)> {
    let (publication, stated) = get_publication(db, actor, id).await?;
    let stored = publication::Entity::find_by_id(id)
        .select_only()
        .column(publication::Column::Contributions)
        .into_tuple::<Option<String>>()
        .one(db)
        .await?
        .flatten();
    let then =
        match stored {
            Some(json) => Some(serde_json::from_str(&json).map_err(|e| {
                ServiceError::Db(sea_orm::DbErr::Custom(format!("publication {id}'s contributions: {e}")))
            })?),
            None => None,
        };
    let found = changes::changes(db, &stated, then).await?;
    Ok((publication, found))
}
