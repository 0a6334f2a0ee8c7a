//! 审计记录: one change to one record, who made it, when and why. Appended in the change's
//! own transaction; nothing edits or deletes it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub recorded_at: DateTimeUtc,
    /// The user who made the change; `None` for the system (migrations, first start).
    pub user_id: Option<i32>,
    /// The kind of record: `project`, `contract`, `funding`, `team`, `user`…
    pub entity: String,
    pub entity_id: i32,
    /// The project the record belongs to, for a project's own trail.
    pub project_id: Option<i32>,
    /// `create`, `update`, `delete`, `transition`, `revoke`…
    pub action: String,
    /// JSON object `{field: {"before": …, "after": …}}` of the fields that changed.
    pub changes: String,
    pub reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
