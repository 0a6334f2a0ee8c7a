//! 已发布通报: a bulletin as it was published, frozen — its document's bytes, the figures it
//! stated, its period and as-of date, who published it and when. Never updated; a corrected
//! bulletin for the same period is a new version.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "publications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// `monthly` (月通报), `quarterly` (季亮晒) or `weekly` (周督查).
    pub kind: String,
    /// The period it covers: `2026-11`, `2026-Q3`, or the ISO week `2026-W50`.
    pub period_key: String,
    /// 1 for the first publication of the period, then 2, 3, … for corrected reissues.
    pub version: i32,
    pub period_from: Date,
    pub period_to: Date,
    pub as_of: Date,
    pub title: String,
    /// Why a reissue was published (none for version 1).
    pub reason: Option<String>,
    /// The figures the document states, as JSON.
    pub figures: String,
    /// Each project's contribution to the period's figures as published, as JSON
    /// (`service::publications::changes`); `None` for publications made before it was kept.
    pub contributions: Option<String>,
    /// The DOCX document as published.
    pub document: Vec<u8>,
    /// SHA-256 of `document`, hex.
    pub document_sha256: String,
    /// The user who published it; `None` once that user is deleted.
    pub published_by: Option<i32>,
    /// Their username at the time.
    pub published_by_name: String,
    pub published_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::PublishedBy",
        to = "super::user::Column::Id"
    )]
    User,
}

impl ActiveModelBehavior for ActiveModel {}
