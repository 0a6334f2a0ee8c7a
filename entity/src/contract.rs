//! 合同条款: the terms of the agreement a project was signed on.

use sea_orm::entity::prelude::*;

use crate::enums::AgreementType;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "contracts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub project_id: i32,
    pub agreement_type: AgreementType,
    pub signed_on: Date,
    pub contracted_investment_yuan: i64,
    pub promised_start_on: Option<Date>,
    pub promised_production_on: Option<Date>,
    pub promised_full_production_on: Option<Date>,
    pub promised_output_value_yuan: Option<i64>,
    pub promised_tax_yuan: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
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

impl Related<super::project::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Project.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
