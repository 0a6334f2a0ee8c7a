//! A person who signs in: task-force members and leads, leadership, administrators.

use sea_orm::entity::prelude::*;

use crate::enums::Role;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub team_id: Option<i32>,
    pub archived: bool,
    /// argon2 PHC string; only for users who sign in with a password.
    #[serde(skip)]
    pub password_hash: Option<String>,
    /// Bumped by every update; an update names the version it read.
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::team::Entity",
        from = "Column::TeamId",
        to = "super::team::Column::Id"
    )]
    Team,
}

impl ActiveModelBehavior for ActiveModel {}
