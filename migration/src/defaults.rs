//! The district-wide settings a fresh database starts with: the settings migration seeds its
//! one row from these, and the main crate's `domain::kpi::Settings::default()` is built from
//! them, so the defaults are written here only.
//!
//! A caller must not change a value lightly: a migration that has run is not run again, so a
//! changed default reaches fresh databases only, and existing ones keep the row they were
//! seeded with (change those through the settings API).

/// Months from signing to the promised production start when the contract names none.
pub const DEFAULT_PRODUCTION_MONTHS: i32 = 24;
/// Months from production start to full production when the contract names no date.
pub const DEFAULT_FULL_PRODUCTION_MONTHS: i32 = 12;
/// A milestone overdue by more than this many days is red.
pub const WARNING_RED_OVERDUE_DAYS: i32 = 90;
/// A milestone due within this many days (and not reached) is yellow.
pub const WARNING_DUE_SOON_DAYS: i32 = 30;
/// Counted funds below this percentage of the time-proportional share of the contracted
/// investment are red.
pub const WARNING_FUNDS_PERCENT: i32 = 50;
/// The league table's weights, equal: sign rate, funds-arrival rate, production-effectiveness
/// rate, target completion.
pub const LEAGUE_WEIGHT_SIGN_RATE: i32 = 1;
pub const LEAGUE_WEIGHT_FUNDS_ARRIVAL_RATE: i32 = 1;
pub const LEAGUE_WEIGHT_PRODUCTION_EFFECTIVENESS_RATE: i32 = 1;
pub const LEAGUE_WEIGHT_TARGET_COMPLETION: i32 = 1;
/// The unit that issues the district's bulletins, printed under each title.
pub const BULLETIN_ISSUER: &str = "大足区招商引资工作领导小组办公室";
/// The titles of the monthly bulletin, the quarterly ranking and the weekly supervision list.
pub const BULLETIN_TITLE_MONTHLY: &str = "全区招商引资工作情况通报";
pub const BULLETIN_TITLE_QUARTERLY: &str = "全区招商引资“赛马比拼”季度亮晒";
pub const BULLETIN_TITLE_WEEKLY: &str = "全区招商引资项目周督查清单";
