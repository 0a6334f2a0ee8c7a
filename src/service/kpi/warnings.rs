//! Red / yellow / green warnings (红黄绿预警): every project signed on or before `as_of` and not
//! terminated by then gets a light from its promised milestones and its funds. Queries read
//! such projects' due dates (the contract's, or the settings' defaults), the dates they reached
//! them and their counted funds, packed, a chunk of projects at a time; [`warning_light`], the
//! rule of record, lights every one; they are counted, filtered, ordered by severity and paged
//! here, keeping no more than the page needs.
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

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use chrono::NaiveDate;
use entity::enums::Stage;
use sea_orm::ConnectionTrait;
use serde::Deserialize;

use super::fragments::{counted_funds_until, production_milestones, reached_by, signed_by};
use super::sql::Query;
use crate::domain::PastDate;
use crate::domain::kpi::{FundsState, Light, Milestone, MilestoneState, Settings, WarningReason, warning_light};
use crate::service::settings::{StoredSettings, get_settings};
use crate::service::{Actor, PageRequest, Problems, ServiceResult};

/// A warnings request.
#[derive(Debug, Clone, Default)]
pub struct WarningParams {
    /// Default: today.
    pub as_of: Option<NaiveDate>,
    pub team_id: Option<i32>,
    /// Only projects with this light.
    pub light: Option<Light>,
    /// Only red and yellow projects (when `light` is not given).
    pub flagged_only: bool,
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

/// A signed project as the warnings query packs it: its milestones' dates, due and reached by
/// `as_of`, and its funds; the fields in the order of [`WarningRow::COLUMNS`].
#[derive(Deserialize)]
struct WarningRow {
    id: i32,
    code: String,
    name: String,
    team_id: i32,
    team_name: Option<String>,
    stage: Stage,
    signed_on: NaiveDate,
    start_due: Option<NaiveDate>,
    started_on: Option<NaiveDate>,
    due_on: NaiveDate,
    due_is_default: i64,
    producing_on: Option<NaiveDate>,
    full_due_on: Option<NaiveDate>,
    full_due_is_default: i64,
    effective_on: Option<NaiveDate>,
    contracted: i64,
    funds: i64,
}

impl WarningRow {
    const COLUMNS: &[&str] = &[
        "id",
        "code",
        "name",
        "team_id",
        "team_name",
        "stage",
        "signed_on",
        "start_due",
        "started_on",
        "due_on",
        "due_is_default",
        "producing_on",
        "full_due_on",
        "full_due_is_default",
        "effective_on",
        "contracted",
        "funds",
    ];

    /// The project's light at `as_of`, by the rule of record.
    fn lit(self, settings: &Settings, as_of: NaiveDate) -> Lit {
        let mut milestones = Vec::with_capacity(3);
        if let Some(due_on) = self.start_due {
            milestones.push(MilestoneState {
                milestone: Milestone::ConstructionStart,
                due_on,
                due_is_default: false,
                reached_on: self.started_on,
            });
        }
        milestones.push(MilestoneState {
            milestone: Milestone::ProductionStart,
            due_on: self.due_on,
            due_is_default: self.due_is_default != 0,
            reached_on: self.producing_on,
        });
        if let Some(due_on) = self.full_due_on {
            milestones.push(MilestoneState {
                milestone: Milestone::FullProduction,
                due_on,
                due_is_default: self.full_due_is_default != 0,
                reached_on: self.effective_on,
            });
        }
        let funds = FundsState {
            signed_on: self.signed_on,
            production_due_on: self.due_on,
            contracted_investment_yuan: self.contracted,
            counted_funds_yuan: self.funds,
        };
        let (light, reasons) = warning_light(&milestones, &funds, settings, as_of);
        let worst_late = milestones
            .iter()
            .filter(|m| m.reached_on.is_none())
            .map(|m| (as_of - m.due_on).num_days())
            .max()
            .unwrap_or(i64::MIN);
        Lit {
            row: self,
            light,
            reasons,
            milestones,
            worst_late,
        }
    }
}

/// A project with its light, and how late its most overdue milestone is (the order within a
/// light); ordered by [`Lit::rank`], the first of the list the least.
struct Lit {
    row: WarningRow,
    light: Light,
    reasons: Vec<WarningReason>,
    milestones: Vec<MilestoneState>,
    worst_late: i64,
}

impl PartialEq for Lit {
    fn eq(&self, other: &Self) -> bool {
        self.rank() == other.rank()
    }
}

impl Eq for Lit {}

impl PartialOrd for Lit {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Lit {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.rank().cmp(&other.rank())
    }
}

impl Lit {
    /// The order of the list: red, yellow, green, then the most overdue milestone first, then
    /// by project id.
    fn rank(&self) -> (Reverse<Light>, Reverse<i64>, i32) {
        (Reverse(self.light), Reverse(self.worst_late), self.row.id)
    }

    fn into_warning(self) -> ProjectWarning {
        let row = self.row;
        ProjectWarning {
            project_id: row.id,
            code: row.code,
            name: row.name,
            team_id: row.team_id,
            team_name: row.team_name,
            stage: row.stage,
            signed_on: row.signed_on,
            light: self.light,
            reasons: self.reasons,
            milestones: self.milestones,
            contracted_investment_yuan: row.contracted,
            counted_funds_yuan: row.funds,
        }
    }
}

/// Signed projects read at a time: a few megabytes of packed rows.
const CHUNK: usize = 2_000;

/// Up to [`CHUNK`] projects signed on or before `as_of` and not terminated by then (of one
/// team, if given), after the project id `after`, in id order, each with its milestones' due
/// dates (the contract's, or the settings' defaults), the dates it reached them by `as_of`, and
/// its counted funds.
async fn signed_projects(
    db: &impl ConnectionTrait,
    settings: &Settings,
    as_of: NaiveDate,
    team_id: Option<i32>,
    after: i32,
) -> ServiceResult<Vec<WarningRow>> {
    let mut q = Query::new(db.get_database_backend());
    let as_of_p = q.date(as_of);
    let milestones = production_milestones(&mut q, &as_of_p, settings);
    let team = match team_id {
        Some(team_id) => format!(" AND p.team_id = {}", q.bind(team_id)),
        None => String::new(),
    };
    let after = q.bind(after);
    let limit = q.bind(CHUNK as i64);
    let sql = format!(
        "SELECT p.id, p.code, p.name, p.team_id, t.name AS team_name, p.stage, p.signed_on, \
           c.promised_start_on AS start_due, \
           {started} AS started_on, \
           {milestones}, \
           CAST(COALESCE(c.contracted_investment_yuan, 0) AS BIGINT) AS contracted, \
           CAST({counted} AS BIGINT) AS funds \
         FROM projects p LEFT JOIN contracts c ON c.project_id = p.id LEFT JOIN teams t ON t.id = p.team_id \
         WHERE {signed} AND (p.terminated_on IS NULL OR p.terminated_on > {as_of_p}){team} \
           AND p.id > {after} \
         ORDER BY p.id LIMIT {limit}",
        started = reached_by("p.started_on", &as_of_p),
        counted = counted_funds_until("p.id", &as_of_p),
        signed = signed_by(&as_of_p),
    );
    let columns: Vec<String> = WarningRow::COLUMNS.iter().map(|c| format!("r.{c}")).collect();
    q.packed(db, &sql, &columns, "r.id").await
}

/// Lists the lights of signed, not terminated projects, worst first: red, yellow, green, then
/// the most overdue milestone first, then by project id.
///
/// Warnings are project-level rows: a team member or lead sees their own team's, and a
/// `team_id` naming another team is refused ([`Principal::rows_of`]).
///
/// [`Principal::rows_of`]: crate::domain::access::Principal::rows_of
pub async fn warnings(
    db: &impl ConnectionTrait,
    actor: &Actor,
    params: WarningParams,
    paging: PageRequest,
) -> ServiceResult<WarningPage> {
    let team_id = actor.principal().rows_of(params.team_id)?;
    let mut problems = Problems::default();
    let as_of = problems.check("as_of", PastDate::or_today(params.as_of));
    problems.finish()?;
    let as_of = as_of.expect("checked above").get();
    let stored = get_settings(db).await?;
    let settings = stored.settings;

    // Every signed project is lit, a chunk at a time; only the best `keep` of those the filter
    // wants are kept, so a page of a province's warnings holds a page, not the province.
    let keep = paging.offset().saturating_add(paging.per_page);
    let mut ranked = BinaryHeap::new();
    let (mut red, mut yellow, mut green) = (0, 0, 0);
    let mut after = 0;
    loop {
        let rows = signed_projects(db, &settings, as_of, team_id, after).await?;
        let last_chunk = rows.len() < CHUNK;
        after = rows.last().map_or(after, |r| r.id);
        for row in rows {
            let lit = row.lit(&settings, as_of);
            match lit.light {
                Light::Red => red += 1,
                Light::Yellow => yellow += 1,
                Light::Green => green += 1,
            }
            let wanted = match params.light {
                Some(light) => lit.light == light,
                None => !params.flagged_only || lit.light != Light::Green,
            };
            if wanted {
                ranked.push(lit);
                if ranked.len() as u64 > keep {
                    ranked.pop();
                }
            }
        }
        if last_chunk {
            break;
        }
    }
    let total = match params.light {
        Some(Light::Red) => red,
        Some(Light::Yellow) => yellow,
        Some(Light::Green) => green,
        None if params.flagged_only => red + yellow,
        None => red + yellow + green,
    };
    let items = ranked
        .into_sorted_vec()
        .into_iter()
        .skip(usize::try_from(paging.offset()).unwrap_or(usize::MAX))
        .map(Lit::into_warning)
        .collect();
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
