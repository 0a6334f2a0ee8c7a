//! 投资方: the company behind a project.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "investors")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
    /// 统一社会信用代码, 18 characters.
    #[sea_orm(unique)]
    pub credit_code: Option<String>,
    /// Where the investor comes from, e.g. 上海市 or 广东省深圳市.
    pub origin_region: Option<String>,
    /// Bumped by every update; an update names the version it read.
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
