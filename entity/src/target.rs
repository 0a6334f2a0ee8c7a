//! 目标任务: a task force's yearly targets; a measure left empty has no target.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "targets")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub year: i32,
    pub team_id: i32,
    /// Projects to sign in the year (签约项目数).
    pub projects_signed: Option<i32>,
    /// Contracted investment to sign in the year (签约金额), whole yuan.
    pub contracted_investment_yuan: Option<i64>,
    /// Counted funds to arrive in the year (到位资金), whole yuan.
    pub funds_arrived_yuan: Option<i64>,
    /// Projects to start construction in the year (开工项目数).
    pub projects_started: Option<i32>,
    /// Projects to start production in the year (投产项目数).
    pub projects_producing: Option<i32>,
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
