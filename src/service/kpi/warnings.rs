//! Red / yellow / green warnings (红黄绿预警): every project signed on or before `as_of` and not
//! terminated by then gets a light from its promised milestones and its funds, computed in SQL
//! so lights can be filtered, counted, sorted by severity and paged in the database (two
//! queries per request: the settings, and one statement that counts the lights and reads a
//! page). The reasons of the page's projects are then worked out by [`warning_light`], the
//! rule of record, from the same figures.
//!
//! - construction start: the contract's promised start (unchecked when none was promised),
//!   against `started_on`;
//! - production start: the promised production date, default signing + the default months,
//!   against `producing_on`;
//! - full production: the promised full-production date, default production start + the
//!   default months (unchecked before production starts when none was promised), against
//!   `effective_on`;
//! - funds: counted funds arrived on or before `as_of` against `warning_funds_percent` % of
//!   the contracted investment × the elapsed share of the schedule from signing to the promised
//!   (or default) production date, in days, capped at 1 (a schedule of zero days counts as fully
//!   elapsed).

use chrono::NaiveDate;
use entity::enums::Stage;
use sea_orm::{ActiveEnum, ConnectionTrait};

use super::counted_funds_until;
use super::sql::{Query, int, opt_date, opt_int, opt_text, sum, text};
use crate::domain::kpi::{FundsState, Light, Milestone, MilestoneState, WarningReason, warning_light};
use crate::domain::today;
use crate::service::settings::{StoredSettings, get_settings};
use crate::service::{PageRequest, Problems, ServiceError, ServiceResult};

/// A warnings request.
#[derive(Debug, Clone, Default)]
pub struct WarningParams {
    /// Default: today.
    pub as_of: Option<NaiveDate>,
    pub team_id: Option<i32>,
    /// Only projects with this light.
    pub light: Option<Light>,
}

/// A project's light, the reasons behind it and the figures they come from.
#[derive(Debug, Clone)]
pub struct ProjectWarning {
    pub project_id: i32,
    pub code: String,
    pub name: String,
    pub team_id: i32,
    pub team_name: Option<String>,
    pub stage: Stage,
    pub signed_on: NaiveDate,
    pub light: Light,
    /// The worst first; empty when green.
    pub reasons: Vec<WarningReason>,
    /// Every milestone checked, reached or not.
    pub milestones: Vec<MilestoneState>,
    pub contracted_investment_yuan: i64,
    pub counted_funds_yuan: i64,
}

/// A page of warnings with the count of each light.
#[derive(Debug, Clone)]
pub struct WarningPage {
    pub as_of: NaiveDate,
    pub settings: StoredSettings,
    pub red: u64,
    pub yellow: u64,
    pub green: u64,
    /// Projects matching the light filter.
    pub total: u64,
    pub items: Vec<ProjectWarning>,
}

fn severity(light: Light) -> i64 {
    match light {
        Light::Green => 1,
        Light::Yellow => 2,
        Light::Red => 3,
    }
}

/// Lists the lights of signed, not terminated projects, worst first: red, yellow, green, then
/// the most overdue milestone first, then by project id.
pub async fn warnings(
    db: &impl ConnectionTrait,
    params: WarningParams,
    paging: PageRequest,
) -> ServiceResult<WarningPage> {
    let today = today();
    let as_of = params.as_of.unwrap_or(today);
    let mut problems = Problems::default();
    if as_of > today {
        problems.add("as_of", format!("{as_of} is later than today ({today})"));
    }
    problems.finish()?;
    let stored = get_settings(db).await?;
    let settings = stored.settings;

    let mut q = Query::new(db.get_database_backend());
    let d = q.dialect;
    let as_of_p = q.date(as_of);
    let production_months = q.bind(i64::from(settings.default_production_months));
    let full_months = q.bind(i64::from(settings.default_full_production_months));
    let red_days = q.bind(i64::from(settings.warning_red_overdue_days));
    let soon_days = q.bind(-i64::from(settings.warning_due_soon_days));
    let percent = q.bind(i64::from(settings.warning_funds_percent));
    let team = match params.team_id {
        Some(team_id) => format!(" AND p.team_id = {}", q.bind(team_id)),
        None => String::new(),
    };
    let producing = format!("CASE WHEN p.producing_on <= {as_of_p} THEN p.producing_on END");
    let funds = d.exact("funds");
    let contracted = d.exact("contracted");
    let late = |due: &str| format!("COALESCE({due}, -1000000)");
    let base = format!(
        "WITH w AS (\
           SELECT p.id, p.code, p.name, p.team_id, p.stage, p.signed_on, \
             c.promised_start_on AS start_due, \
             CASE WHEN p.started_on <= {as_of_p} THEN p.started_on END AS started_on, \
             COALESCE(c.promised_production_on, {default_due}) AS production_due, \
             CASE WHEN c.promised_production_on IS NULL THEN 1 ELSE 0 END AS production_due_default, \
             {producing} AS producing_on, \
             COALESCE(c.promised_full_production_on, {default_full}) AS full_due, \
             CASE WHEN c.promised_full_production_on IS NULL THEN 1 ELSE 0 END AS full_due_default, \
             CASE WHEN p.effective_on <= {as_of_p} THEN p.effective_on END AS effective_on, \
             COALESCE(c.contracted_investment_yuan, 0) AS contracted, \
             {counted} AS funds \
           FROM projects p LEFT JOIN contracts c ON c.project_id = p.id \
           WHERE p.signed_on <= {as_of_p} AND (p.terminated_on IS NULL OR p.terminated_on > {as_of_p}){team}\
         ), d AS (\
           SELECT w.*, \
             CASE WHEN started_on IS NULL THEN {start_late} END AS start_late, \
             CASE WHEN producing_on IS NULL THEN {production_late} END AS production_late, \
             CASE WHEN effective_on IS NULL THEN {full_late} END AS full_late, \
             {schedule} AS schedule_days, {elapsed} AS elapsed_days \
           FROM w\
         ), s AS MATERIALIZED (\
           SELECT d.*, \
             CASE WHEN start_late > {red_days} OR production_late > {red_days} OR full_late > {red_days} \
                    OR (CASE WHEN schedule_days <= 0 THEN {funds} * 100 < {percent} * {contracted} \
                             ELSE {funds} * 100 * schedule_days < {percent} * {contracted} * \
                                  (CASE WHEN elapsed_days < 0 THEN 0 \
                                        WHEN elapsed_days > schedule_days THEN schedule_days \
                                        ELSE elapsed_days END) END) THEN 3 \
                  WHEN start_late >= {soon_days} OR production_late >= {soon_days} OR full_late >= {soon_days} THEN 2 \
                  ELSE 1 END AS severity, \
             {worst} AS worst_late \
           FROM d\
         ) ",
        default_due = d.add_months("p.signed_on", &production_months),
        default_full = d.add_months(&producing, &full_months),
        counted = counted_funds_until("p.id", &as_of_p),
        start_late = d.days_between(&as_of_p, "start_due"),
        production_late = d.days_between(&as_of_p, "production_due"),
        full_late = d.days_between(&as_of_p, "full_due"),
        schedule = d.days_between("production_due", "signed_on"),
        elapsed = d.days_between(&as_of_p, "signed_on"),
        worst = d.greatest(&[late("start_late"), late("production_late"), late("full_late")]),
    );

    let filter = match params.light {
        Some(light) => format!("WHERE s.severity = {}", q.bind(severity(light))),
        None => String::new(),
    };
    let limit = q.bind(paging.per_page as i64);
    let offset = q.bind(paging.offset() as i64);
    // One statement: `s` is computed once (MATERIALIZED), counted by light, and paged; the
    // counts come back on every row, and on a single row of NULLs when the page is empty.
    let page_sql = format!(
        "{base}, c AS (\
           SELECT {red} AS red, {yellow} AS yellow, {green} AS green FROM s\
         ), pg AS (\
           SELECT s.*, t.name AS team_name FROM s LEFT JOIN teams t ON t.id = s.team_id {filter} \
           ORDER BY s.severity DESC, s.worst_late DESC, s.id LIMIT {limit} OFFSET {offset}\
         ) \
         SELECT c.red, c.yellow, c.green, CAST(pg.id AS BIGINT) AS id, pg.code, pg.name, \
           CAST(pg.team_id AS BIGINT) AS team_id, pg.team_name, pg.stage, pg.signed_on, pg.start_due, \
           pg.started_on, pg.production_due, CAST(pg.production_due_default AS BIGINT) AS production_due_default, \
           pg.producing_on, pg.full_due, CAST(pg.full_due_default AS BIGINT) AS full_due_default, \
           pg.effective_on, CAST(pg.contracted AS BIGINT) AS contracted, CAST(pg.funds AS BIGINT) AS funds, \
           CAST(pg.severity AS BIGINT) AS severity \
         FROM c LEFT JOIN pg ON 1 = 1 ORDER BY pg.severity DESC, pg.worst_late DESC, pg.id",
        red = sum("CASE WHEN severity = 3 THEN 1 ELSE 0 END"),
        yellow = sum("CASE WHEN severity = 2 THEN 1 ELSE 0 END"),
        green = sum("CASE WHEN severity = 1 THEN 1 ELSE 0 END"),
    );
    let rows = q.all(db, page_sql).await?;
    let count = |column: &str| -> ServiceResult<u64> {
        Ok(match rows.first() {
            Some(row) => int(row, column)?.max(0) as u64,
            None => 0,
        })
    };
    let (red, yellow, green) = (count("red")?, count("yellow")?, count("green")?);
    let total = match params.light {
        Some(Light::Red) => red,
        Some(Light::Yellow) => yellow,
        Some(Light::Green) => green,
        None => red + yellow + green,
    };
    let mut items = Vec::new();
    for row in &rows {
        if opt_int(row, "id")?.is_none() {
            continue;
        }
        let signed_on = opt_date(row, "signed_on")?
            .ok_or_else(|| ServiceError::Db(sea_orm::DbErr::Custom("a listed project has no signing date".into())))?;
        let production_due = opt_date(row, "production_due")?.ok_or_else(|| {
            ServiceError::Db(sea_orm::DbErr::Custom("a listed project has no production date".into()))
        })?;
        let mut milestones = Vec::new();
        if let Some(due_on) = opt_date(row, "start_due")? {
            milestones.push(MilestoneState {
                milestone: Milestone::ConstructionStart,
                due_on,
                due_is_default: false,
                reached_on: opt_date(row, "started_on")?,
            });
        }
        milestones.push(MilestoneState {
            milestone: Milestone::ProductionStart,
            due_on: production_due,
            due_is_default: int(row, "production_due_default")? != 0,
            reached_on: opt_date(row, "producing_on")?,
        });
        if let Some(due_on) = opt_date(row, "full_due")? {
            milestones.push(MilestoneState {
                milestone: Milestone::FullProduction,
                due_on,
                due_is_default: int(row, "full_due_default")? != 0,
                reached_on: opt_date(row, "effective_on")?,
            });
        }
        let funds = FundsState {
            signed_on,
            production_due_on: production_due,
            contracted_investment_yuan: int(row, "contracted")?,
            counted_funds_yuan: int(row, "funds")?,
        };
        let (light, reasons) = warning_light(&milestones, &funds, &settings, as_of);
        debug_assert_eq!(
            severity(light),
            int(row, "severity")?,
            "the SQL light differs from the rule's for {:?}",
            (&milestones, &funds)
        );
        let stage_text = text(row, "stage")?;
        let stage = Stage::try_from_value(&stage_text).map_err(ServiceError::Db)?;
        items.push(ProjectWarning {
            project_id: int(row, "id")? as i32,
            code: text(row, "code")?,
            name: text(row, "name")?,
            team_id: int(row, "team_id")? as i32,
            team_name: opt_text(row, "team_name")?,
            stage,
            signed_on,
            light,
            reasons,
            milestones,
            contracted_investment_yuan: funds.contracted_investment_yuan,
            counted_funds_yuan: funds.counted_funds_yuan,
        });
    }
    Ok(WarningPage {
        as_of,
        settings: stored,
        red,
        yellow,
        green,
        total,
        items,
    })
}
