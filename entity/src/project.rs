//! 招商项目: one project, with the date each stage was reached.

use sea_orm::entity::prelude::*;

use crate::enums::Stage;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "projects")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub code: String,
    pub name: String,
    pub investor_id: Option<i32>,
    pub cluster_id: Option<i32>,
    pub park_id: Option<i32>,
    pub team_id: i32,
    pub owner_id: Option<i32>,
    pub sponsoring_leader: Option<String>,
    pub source: Option<String>,
    pub planned_investment_yuan: Option<i64>,
    pub land_area_centimu: Option<i64>,
    pub stage: Stage,
    pub lead_on: Option<Date>,
    pub negotiating_on: Option<Date>,
    pub signed_on: Option<Date>,
    pub started_on: Option<Date>,
    pub producing_on: Option<Date>,
    pub effective_on: Option<Date>,
    pub terminated_on: Option<Date>,
    pub registered_on: Option<Date>,
    pub registered_capital_yuan: Option<i64>,
    pub land_supplied_on: Option<Date>,
    pub progress: Option<String>,
    pub issues: Option<String>,
    pub notes: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::investor::Entity",
        from = "Column::InvestorId",
        to = "super::investor::Column::Id"
    )]
    Investor,
    #[sea_orm(
        belongs_to = "super::cluster::Entity",
        from = "Column::ClusterId",
        to = "super::cluster::Column::Id"
    )]
    Cluster,
    #[sea_orm(
        belongs_to = "super::park::Entity",
        from = "Column::ParkId",
        to = "super::park::Column::Id"
    )]
    Park,
    #[sea_orm(
        belongs_to = "super::team::Entity",
        from = "Column::TeamId",
        to = "super::team::Column::Id"
    )]
    Team,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::OwnerId",
        to = "super::user::Column::Id"
    )]
    Owner,
    #[sea_orm(has_one = "super::contract::Entity")]
    Contract,
}

impl Related<super::investor::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Investor.def()
    }
}

impl Related<super::contract::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Contract.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
