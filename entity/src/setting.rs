//! 参数设置: the one row of district-wide settings the KPI engine, the league table and the
//! warnings read (default promised dates, warning thresholds, league weights).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "settings")]
pub struct Model {
    /// Always 1: there is one row.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    /// Months from signing to the promised production start when the contract names none.
    pub default_production_months: i32,
    /// Months from production start to full production when the contract names no date.
    pub default_full_production_months: i32,
    /// A milestone overdue by more than this many days is red.
    pub warning_red_overdue_days: i32,
    /// A milestone due within this many days (and not reached) is yellow.
    pub warning_due_soon_days: i32,
    /// Counted funds below this percentage of the time-proportional share of the contracted
    /// investment are red.
    pub warning_funds_percent: i32,
    /// League weights (relative, non-negative integers).
    pub league_weight_sign_rate: i32,
    pub league_weight_funds_arrival_rate: i32,
    pub league_weight_production_effectiveness_rate: i32,
    pub league_weight_target_completion: i32,
    /// The unit issuing the bulletins (printed under their titles).
    pub bulletin_issuer: String,
    /// The titles of the monthly bulletin (月通报), the quarterly ranking (季亮晒) and the
    /// weekly supervision list (周督查).
    pub bulletin_title_monthly: String,
    pub bulletin_title_quarterly: String,
    pub bulletin_title_weekly: String,
    pub updated_at: DateTimeUtc,
    pub updated_by: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
