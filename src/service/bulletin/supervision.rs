//! The weekly supervision list (周督查): every overdue milestone (from the warning lights,
//! `service::kpi::warnings`, whose rule decides what is overdue) and every overdue follow-up
//! (the follow-ups due, `service::records::due`, whose next step was due before `as_of` and
//! is not done), each with the project's 包保领导, the days overdue and the last follow-up by
//! `as_of`. Only the rows the reader may see: `rows_of_team` is the caller's
//! [`Principal::rows_of`].
//!
//! [`Principal::rows_of`]: crate::domain::access::Principal::rows_of

use std::collections::BTreeMap;

use chrono::NaiveDate;
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};

use crate::domain::kpi::WarningReason;
use crate::service::kpi::sql::Query;
use crate::service::kpi::warnings::{WarningParams, warnings};
use crate::service::records::{DueFilter, list_due_activities};
use crate::service::{Actor, PageRequest, ServiceResult};

/// One overdue item of a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverdueLine {
    pub project_id: i32,
    pub code: String,
    pub name: String,
    pub team_id: i32,
    pub team_name: String,
    /// 包保领导.
    pub sponsoring_leader: Option<String>,
    /// A follow-up's next step (else a promised milestone).
    pub follow_up: bool,
    /// The milestone (开工, 投产, 达产) or the next step, in words.
    pub item: String,
    pub due_on: NaiveDate,
    pub days_overdue: i64,
    pub last_follow_up_on: Option<NaiveDate>,
    pub last_follow_up: Option<String>,
}

/// A project's 包保领导 and latest follow-up by `as_of`.
struct ProjectLine {
    code: String,
    name: String,
    team_id: i32,
    team_name: String,
    sponsoring_leader: Option<String>,
    occurred_on: Option<NaiveDate>,
    summary: Option<String>,
}

/// The projects `ids` with their latest follow-up by `as_of`.
async fn project_lines(
    db: &impl ConnectionTrait,
    as_of: NaiveDate,
    ids: &[i32],
) -> ServiceResult<BTreeMap<i32, ProjectLine>> {
    let mut lines = BTreeMap::new();
    for chunk in ids.chunks(500) {
        lines.extend(project_chunk(db, as_of, chunk).await?);
    }
    Ok(lines)
}

async fn project_chunk(
    db: &impl ConnectionTrait,
    as_of: NaiveDate,
    ids: &[i32],
) -> ServiceResult<BTreeMap<i32, ProjectLine>> {
    let mut q = Query::new(db.get_database_backend());
    let as_of = q.date(as_of);
    let list: Vec<String> = ids.iter().map(|id| q.bind(*id)).collect();
    let condition = format!("p.id IN ({})", list.join(", "));
    let sql = format!(
        "SELECT p.id, p.code, p.name, p.team_id, t.name AS team_name, p.sponsoring_leader, \
                a.occurred_on, a.summary \
         FROM projects p JOIN teams t ON t.id = p.team_id \
         LEFT JOIN activities a ON a.id = (\
           SELECT a2.id FROM activities a2 WHERE a2.project_id = p.id AND a2.occurred_on <= {as_of} \
           ORDER BY a2.occurred_on DESC, a2.id DESC LIMIT 1) \
         WHERE {condition}"
    );
    let mut lines = BTreeMap::new();
    for row in q.all(db, sql).await? {
        lines.insert(
            row.try_get::<i32>("", "id")?,
            ProjectLine {
                code: row.try_get("", "code")?,
                name: row.try_get("", "name")?,
                team_id: row.try_get("", "team_id")?,
                team_name: row.try_get("", "team_name")?,
                sponsoring_leader: row.try_get("", "sponsoring_leader")?,
                occurred_on: row.try_get("", "occurred_on")?,
                summary: row.try_get("", "summary")?,
            },
        );
    }
    Ok(lines)
}

/// Every overdue milestone and follow-up at `as_of`, by team, the most overdue first.
pub async fn overdue(
    db: &impl ConnectionTrait,
    actor: &Actor,
    as_of: NaiveDate,
    rows_of_team: Option<i32>,
) -> ServiceResult<Vec<OverdueLine>> {
    let lights = warnings(
        db,
        actor,
        WarningParams {
            as_of: Some(as_of),
            team_id: rows_of_team,
            light: None,
            flagged_only: true,
        },
        PageRequest {
            page: 1,
            per_page: u64::MAX / 2,
        },
    )
    .await?;
    // Milestones overdue (not those only due soon).
    let mut milestones = Vec::new();
    for w in &lights.items {
        for reason in &w.reasons {
            if let WarningReason::Milestone {
                milestone,
                due_on,
                days_overdue,
                ..
            } = reason
                && *days_overdue > 0
            {
                milestones.push((w.project_id, milestone.chinese(), *due_on, *days_overdue));
            }
        }
    }
    // Follow-ups whose next step was due before `as_of` and is not done.
    let (_, due) = list_due_activities(
        db,
        actor,
        &DueFilter {
            team_id: rows_of_team,
            due_before: as_of.pred_opt(),
        },
        PageRequest {
            page: 1,
            per_page: u64::MAX / 2,
        },
    )
    .await?;
    // The 包保领导 and last follow-up of every project listed.
    let mut ids: Vec<i32> = milestones
        .iter()
        .map(|m| m.0)
        .chain(due.iter().map(|d| d.activity.project_id))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let details = project_lines(db, as_of, &ids).await?;

    let line = |id: i32, p: &ProjectLine, follow_up: bool, item: String, due_on: NaiveDate, days: i64| OverdueLine {
        project_id: id,
        code: p.code.clone(),
        name: p.name.clone(),
        team_id: p.team_id,
        team_name: p.team_name.clone(),
        sponsoring_leader: p.sponsoring_leader.clone(),
        follow_up,
        item,
        due_on,
        days_overdue: days,
        last_follow_up_on: p.occurred_on,
        last_follow_up: p.summary.clone(),
    };
    let mut lines = Vec::new();
    for (id, milestone, due_on, days) in milestones {
        if let Some(p) = details.get(&id) {
            lines.push(line(id, p, false, format!("{milestone}节点"), due_on, days));
        }
    }
    for d in &due {
        let (id, a) = (d.activity.project_id, &d.activity);
        if let (Some(p), Some(due_on)) = (details.get(&id), a.due_on) {
            let step = a.next_step.clone().unwrap_or_else(|| a.summary.clone());
            lines.push(line(id, p, true, step, due_on, (as_of - due_on).num_days()));
        }
    }
    lines.sort_by(|a, b| {
        (a.team_id, std::cmp::Reverse(a.days_overdue), a.project_id, a.follow_up).cmp(&(
            b.team_id,
            std::cmp::Reverse(b.days_overdue),
            b.project_id,
            b.follow_up,
        ))
    });
    Ok(lines)
}
