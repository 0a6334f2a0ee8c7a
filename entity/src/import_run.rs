//! 台账导入记录: one ledger import, dry run or rejected attempt, with its full report.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "import_runs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The user who imported; `None` once that user is deleted.
    pub user_id: Option<i32>,
    /// The team that user was in when the run started (who may read the run follows it).
    pub team_id: Option<i32>,
    /// The user's name at the time, kept when the user is gone.
    pub username: String,
    pub file_name: String,
    pub file_bytes: i64,
    pub dry_run: bool,
    /// `running` until it ends; then `imported`, `dry_run`, `rejected`, `failed` (the server
    /// failed), or `interrupted` (cut short: the process ended or the client went away).
    pub status: String,
    /// Why it did not import, when it did not: the rejection's code, `failed` or
    /// `interrupted`.
    pub code: Option<String>,
    /// How it ended, in one line, in Chinese (the report's message).
    pub message: Option<String>,
    /// The as-of date the import used.
    pub as_of: Option<Date>,
    pub create_missing: bool,
    pub allow_backward: bool,
    pub rows_read: i32,
    pub created: i32,
    pub updated: i32,
    pub unchanged: i32,
    pub skipped: i32,
    pub errors: i32,
    /// The import report as JSON.
    pub report: String,
    pub started_at: DateTimeUtc,
    pub finished_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id"
    )]
    User,
}

impl ActiveModelBehavior for ActiveModel {}
