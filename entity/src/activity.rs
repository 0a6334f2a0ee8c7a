//! 跟进记录: a visit, call, negotiation or event on a project.

use sea_orm::entity::prelude::*;

use crate::enums::ActivityKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "activities")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub project_id: i32,
    pub occurred_on: Date,
    pub kind: ActivityKind,
    pub people: Option<String>,
    pub summary: String,
    pub next_step: Option<String>,
    pub due_on: Option<Date>,
    /// When the next step was done; a follow-up done is no longer due.
    pub done_on: Option<Date>,
    pub recorded_by: Option<i32>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::project::Entity",
        from = "Column::ProjectId",
        to = "super::project::Column::Id"
    )]
    Project,
}

impl ActiveModelBehavior for ActiveModel {}
