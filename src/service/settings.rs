//! The district-wide settings row: read by every KPI, league and warning query, changed by
//! administrators only after validation.

use chrono::{DateTime, Utc};
use entity::setting;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set, TransactionSession, TransactionTrait};

use super::audit::{self, Change};
use super::{Actor, Problems, ServiceError, ServiceResult, Words, now};
use crate::domain::kpi::{LeagueWeights, Settings};

/// The headings of the bulletins: the unit issuing them and the title of each kind.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BulletinHeadings {
    pub issuer: String,
    pub title_monthly: String,
    pub title_quarterly: String,
    pub title_weekly: String,
}

/// The settings with who changed them last and when.
#[derive(Debug, Clone)]
pub struct StoredSettings {
    pub settings: Settings,
    pub bulletin: BulletinHeadings,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Option<i32>,
}

impl From<setting::Model> for StoredSettings {
    fn from(m: setting::Model) -> Self {
        Self {
            settings: Settings {
                default_production_months: m.default_production_months,
                default_full_production_months: m.default_full_production_months,
                warning_red_overdue_days: m.warning_red_overdue_days,
                warning_due_soon_days: m.warning_due_soon_days,
                warning_funds_percent: m.warning_funds_percent,
                weights: LeagueWeights {
                    sign_rate: m.league_weight_sign_rate,
                    funds_arrival_rate: m.league_weight_funds_arrival_rate,
                    production_effectiveness_rate: m.league_weight_production_effectiveness_rate,
                    target_completion: m.league_weight_target_completion,
                },
            },
            bulletin: BulletinHeadings {
                issuer: m.bulletin_issuer,
                title_monthly: m.bulletin_title_monthly,
                title_quarterly: m.bulletin_title_quarterly,
                title_weekly: m.bulletin_title_weekly,
            },
            updated_at: m.updated_at,
            updated_by: m.updated_by,
        }
    }
}

/// The one row of settings (seeded by the migration with the defaults, [`Settings::default`]).
pub async fn get_settings(db: &impl ConnectionTrait) -> ServiceResult<StoredSettings> {
    setting::Entity::find_by_id(1)
        .one(db)
        .await?
        .map(Into::into)
        .ok_or_else(|| ServiceError::not_found("settings", 1))
}

/// Replaces the settings after checking every value; a bad value is refused naming its field.
/// The bulletins' headings change only when given (their texts are checked by the API's types).
pub async fn update_settings<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    settings: Settings,
    bulletin: Option<BulletinHeadings>,
    actor: &Actor,
) -> ServiceResult<StoredSettings> {
    actor.principal().check_admin()?;
    let mut problems = Problems::default();
    for (field, message) in settings.problems() {
        problems.add(field, message);
    }
    if let Some(b) = &bulletin {
        for (field, text) in [
            ("bulletin.issuer", &b.issuer),
            ("bulletin.title_monthly", &b.title_monthly),
            ("bulletin.title_quarterly", &b.title_quarterly),
            ("bulletin.title_weekly", &b.title_weekly),
        ] {
            if text.trim().is_empty() {
                problems.add(field, Words::new("不能为空", "must not be blank"));
            }
        }
    }
    problems.finish()?;
    let heading = |pick: fn(&BulletinHeadings) -> &String| match &bulletin {
        Some(b) => Set(pick(b).trim().to_string()),
        None => sea_orm::ActiveValue::NotSet,
    };
    let w = settings.weights;
    let model = setting::ActiveModel {
        id: Set(1),
        default_production_months: Set(settings.default_production_months),
        default_full_production_months: Set(settings.default_full_production_months),
        warning_red_overdue_days: Set(settings.warning_red_overdue_days),
        warning_due_soon_days: Set(settings.warning_due_soon_days),
        warning_funds_percent: Set(settings.warning_funds_percent),
        league_weight_sign_rate: Set(w.sign_rate),
        league_weight_funds_arrival_rate: Set(w.funds_arrival_rate),
        league_weight_production_effectiveness_rate: Set(w.production_effectiveness_rate),
        league_weight_target_completion: Set(w.target_completion),
        bulletin_issuer: heading(|b| &b.issuer),
        bulletin_title_monthly: heading(|b| &b.title_monthly),
        bulletin_title_quarterly: heading(|b| &b.title_quarterly),
        bulletin_title_weekly: heading(|b| &b.title_weekly),
        updated_at: Set(now()),
        updated_by: Set(Some(actor.user_id)),
    };
    let txn = crate::db::begin_write(db).await?;
    let before = setting::Entity::find_by_id(1).one(&txn).await?;
    let saved = model.update(&txn).await?;
    audit::record(
        &txn,
        actor,
        Change {
            entity: "setting",
            entity_id: 1,
            project_id: None,
            action: "update",
            before: before.as_ref(),
            after: Some(&saved),
            reason: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(saved.into())
}
