//! `/api/v1/settings`: the district-wide settings the KPIs, the league table and the warnings
//! read; everyone signed in reads them, administrators change them.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use super::auth::BearerAuth;
use super::error::ApiResult;
use super::error::status::*;
use super::merge_patch::{MergePatch, Patchable};
use super::text::{Name, TextRule};
use crate::domain::{kpi, text};
use crate::service::settings::{self as svc, StoredSettings};
use crate::state::AppState;

/// Relative weights of the league table's components (non-negative whole numbers; the score
/// is Σ weight × value ÷ Σ weight). Equal by default.
#[derive(Debug, Clone, Object)]
pub struct LeagueWeights {
    /// 0 to 1000.
    #[oai(validator(minimum(value = "0"), maximum(value = "1000")))]
    pub sign_rate: i32,
    /// 0 to 1000.
    #[oai(validator(minimum(value = "0"), maximum(value = "1000")))]
    pub funds_arrival_rate: i32,
    /// 0 to 1000.
    #[oai(validator(minimum(value = "0"), maximum(value = "1000")))]
    pub production_effectiveness_rate: i32,
    /// 0 to 1000; applies when some team has targets for the period.
    #[oai(validator(minimum(value = "0"), maximum(value = "1000")))]
    pub target_completion: i32,
}

/// The headings of the bulletins (月通报, 季亮晒, 周督查): the unit issuing them and the title
/// of each kind.
#[derive(Debug, Clone, Object)]
pub struct BulletinHeadings {
    /// The issuing unit, printed under each title, e.g. 大足区招商引资工作领导小组办公室.
    pub issuer: String,
    /// The title of the monthly bulletin (月通报).
    pub title_monthly: String,
    /// The title of the quarterly ranking (季亮晒).
    pub title_quarterly: String,
    /// The title of the weekly supervision list (周督查).
    pub title_weekly: String,
}

impl From<svc::BulletinHeadings> for BulletinHeadings {
    fn from(b: svc::BulletinHeadings) -> Self {
        Self {
            issuer: b.issuer,
            title_monthly: b.title_monthly,
            title_quarterly: b.title_quarterly,
            title_weekly: b.title_weekly,
        }
    }
}

/// New headings of the bulletins; every one is required.
#[derive(Debug, Clone, Object)]
pub struct BulletinHeadingsInput {
    /// The issuing unit, printed under each title.
    #[oai(validator(custom = "TextRule::default()"))]
    pub issuer: Name<{ text::BULLETIN_HEADING }>,
    /// The title of the monthly bulletin (月通报).
    #[oai(validator(custom = "TextRule::default()"))]
    pub title_monthly: Name<{ text::BULLETIN_HEADING }>,
    /// The title of the quarterly ranking (季亮晒).
    #[oai(validator(custom = "TextRule::default()"))]
    pub title_quarterly: Name<{ text::BULLETIN_HEADING }>,
    /// The title of the weekly supervision list (周督查).
    #[oai(validator(custom = "TextRule::default()"))]
    pub title_weekly: Name<{ text::BULLETIN_HEADING }>,
}

impl From<BulletinHeadingsInput> for svc::BulletinHeadings {
    fn from(b: BulletinHeadingsInput) -> Self {
        Self {
            issuer: b.issuer.into_inner(),
            title_monthly: b.title_monthly.into_inner(),
            title_quarterly: b.title_quarterly.into_inner(),
            title_weekly: b.title_weekly.into_inner(),
        }
    }
}

/// The settings in force.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Settings {
    /// Months from signing to the promised production start when the contract names no date
    /// (default 24).
    pub default_production_months: i32,
    /// Months from production start to full production when the contract names no date
    /// (default 12).
    pub default_full_production_months: i32,
    /// A promised milestone overdue by more than this many days is red (default 90).
    pub warning_red_overdue_days: i32,
    /// A milestone not reached and due within this many days is yellow (default 30).
    pub warning_due_soon_days: i32,
    /// Counted funds below this percentage of the time-proportional share of the contracted
    /// investment are red (default 50).
    pub warning_funds_percent: i32,
    pub league_weights: LeagueWeights,
    /// The bulletins' issuing unit and titles.
    pub bulletin: BulletinHeadings,
    pub updated_at: DateTime<Utc>,
    /// The administrator who changed them last; absent for the shipped defaults.
    pub updated_by: Option<i32>,
}

impl From<StoredSettings> for Settings {
    fn from(s: StoredSettings) -> Self {
        let v = s.settings;
        Self {
            default_production_months: v.default_production_months,
            default_full_production_months: v.default_full_production_months,
            warning_red_overdue_days: v.warning_red_overdue_days,
            warning_due_soon_days: v.warning_due_soon_days,
            warning_funds_percent: v.warning_funds_percent,
            league_weights: LeagueWeights {
                sign_rate: v.weights.sign_rate,
                funds_arrival_rate: v.weights.funds_arrival_rate,
                production_effectiveness_rate: v.weights.production_effectiveness_rate,
                target_completion: v.weights.target_completion,
            },
            bulletin: s.bulletin.into(),
            updated_at: s.updated_at,
            updated_by: s.updated_by,
        }
    }
}

/// New settings; every value is required.
#[derive(Debug, Object)]
pub struct SettingsInput {
    /// 1 to 240.
    #[oai(validator(minimum(value = "1"), maximum(value = "240")))]
    pub default_production_months: i32,
    /// 1 to 240.
    #[oai(validator(minimum(value = "1"), maximum(value = "240")))]
    pub default_full_production_months: i32,
    /// 0 to 3650.
    #[oai(validator(minimum(value = "0"), maximum(value = "3650")))]
    pub warning_red_overdue_days: i32,
    /// 0 to 3650.
    #[oai(validator(minimum(value = "0"), maximum(value = "3650")))]
    pub warning_due_soon_days: i32,
    /// 0 to 100.
    #[oai(validator(minimum(value = "0"), maximum(value = "100")))]
    pub warning_funds_percent: i32,
    /// At least one of the three rates must weigh more than zero.
    pub league_weights: LeagueWeights,
    /// The bulletins' issuing unit and titles; unchanged when absent.
    pub bulletin: Option<BulletinHeadingsInput>,
}

impl From<SettingsInput> for kpi::Settings {
    fn from(i: SettingsInput) -> Self {
        Self {
            default_production_months: i.default_production_months,
            default_full_production_months: i.default_full_production_months,
            warning_red_overdue_days: i.warning_red_overdue_days,
            warning_due_soon_days: i.warning_due_soon_days,
            warning_funds_percent: i.warning_funds_percent,
            weights: kpi::LeagueWeights {
                sign_rate: i.league_weights.sign_rate,
                funds_arrival_rate: i.league_weights.funds_arrival_rate,
                production_effectiveness_rate: i.league_weights.production_effectiveness_rate,
                target_completion: i.league_weights.target_completion,
            },
        }
    }
}

impl SettingsInput {
    /// The settings in force as a full body would send them: what a patch merges onto.
    fn current(s: StoredSettings) -> Self {
        let v = s.settings;
        Self {
            default_production_months: v.default_production_months,
            default_full_production_months: v.default_full_production_months,
            warning_red_overdue_days: v.warning_red_overdue_days,
            warning_due_soon_days: v.warning_due_soon_days,
            warning_funds_percent: v.warning_funds_percent,
            league_weights: LeagueWeights {
                sign_rate: v.weights.sign_rate,
                funds_arrival_rate: v.weights.funds_arrival_rate,
                production_effectiveness_rate: v.weights.production_effectiveness_rate,
                target_completion: v.weights.target_completion,
            },
            bulletin: Some(BulletinHeadingsInput {
                issuer: Name::stored(s.bulletin.issuer),
                title_monthly: Name::stored(s.bulletin.title_monthly),
                title_quarterly: Name::stored(s.bulletin.title_quarterly),
                title_weekly: Name::stored(s.bulletin.title_weekly),
            }),
        }
    }
}

impl Patchable for SettingsInput {
    /// `null` keeps the headings as they are.
    const NOT_CLEARABLE: &'static [&'static str] = &["bulletin"];
}

pub struct SettingsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Settings")]
impl SettingsApi {
    /// Read the settings
    ///
    /// The defaults and thresholds the KPIs, the league table and the warnings use.
    #[oai(path = "/settings", method = "get", operation_id = "get_settings")]
    async fn get_settings(
        &self,
        state: Data<&AppState>,
        _auth: BearerAuth,
    ) -> ApiResult<Json<Settings>, { SIGNED_IN }> {
        Ok(Json(svc::get_settings(&state.db).await?.into()))
    }

    /// Change the settings
    ///
    /// Administrators only. Every value is required and checked; a value out of range is
    /// refused with 422 naming its field, and nothing is changed. To change some values only,
    /// send a patch (`patch_settings`).
    #[oai(path = "/settings", method = "put", operation_id = "update_settings")]
    async fn update_settings(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        body: Json<SettingsInput>,
    ) -> ApiResult<Json<Settings>, { SIGNED_IN | JSON_BODY | FORBIDDEN | INVALID }> {
        let actor = &auth.0;
        let mut input = body.0;
        let bulletin = input.bulletin.take().map(Into::into);
        Ok(Json(
            svc::update_settings(&state.db, input.into(), bulletin, actor)
                .await?
                .into(),
        ))
    }

    /// Change some of the settings
    ///
    /// A JSON Merge Patch (RFC 7396) of the settings in force: a value left out stays as it
    /// is (`league_weights` merges weight by weight); no value can be cleared. Administrators
    /// only; checked as `update_settings` checks.
    #[oai(path = "/settings", method = "patch", operation_id = "patch_settings")]
    async fn patch_settings(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        body: MergePatch<SettingsInput>,
    ) -> ApiResult<Json<Settings>, { SIGNED_IN | JSON_BODY | FORBIDDEN | INVALID }> {
        let current = svc::get_settings(&state.db).await?;
        let body = body.apply(&SettingsInput::current(current))?;
        self.update_settings(state, auth, Json(body)).await
    }
}
