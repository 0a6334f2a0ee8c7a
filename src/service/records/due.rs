//! The follow-ups due: activities whose next step has a due date and is not done yet, across
//! the projects the actor may see (`domain::access`'s rule for project-level rows), soonest
//! first.

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::{activity, project};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::service::{Actor, PageRequest, ServiceResult};

/// Which follow-ups the list shows.
#[derive(Debug, Clone, Default)]
pub struct DueFilter {
    /// Only this team's projects (team roles: their own, the default).
    pub team_id: Option<i32>,
    /// Only those due on or before this date.
    pub due_before: Option<NaiveDate>,
}

/// A follow-up due, with the project it is on.
#[derive(Debug, Clone)]
pub struct DueActivity {
    pub activity: activity::Model,
    pub project_code: String,
    pub project_name: String,
    pub team_id: i32,
}

/// A page of the follow-ups due, soonest first, and how many there are in all.
pub async fn list_due_activities(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &DueFilter,
    page: PageRequest,
) -> ServiceResult<(u64, Vec<DueActivity>)> {
    let mut condition = Condition::all()
        .add(activity::Column::DueOn.is_not_null())
        .add(activity::Column::DoneOn.is_null());
    if let Some(date) = filter.due_before {
        condition = condition.add(activity::Column::DueOn.lte(date));
    }
    if let Some(team_id) = actor.principal().rows_of(filter.team_id)? {
        let teams_projects = project::Entity::find()
            .select_only()
            .column(project::Column::Id)
            .filter(project::Column::TeamId.eq(team_id));
        condition =
            condition.add(activity::Column::ProjectId.in_subquery(sea_orm::QueryTrait::into_query(teams_projects)));
    }
    let query = activity::Entity::find().filter(condition);
    let total = query.clone().count(db).await?;
    let items = query
        .order_by_asc(activity::Column::DueOn)
        .order_by_asc(activity::Column::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(db)
        .await?;
    let mut project_ids: Vec<i32> = items.iter().map(|a| a.project_id).collect();
    project_ids.sort_unstable();
    project_ids.dedup();
    let projects: HashMap<i32, project::Model> = project::Entity::find()
        .filter(project::Column::Id.is_in(project_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let due = items
        .into_iter()
        .filter_map(|activity| {
            let project = projects.get(&activity.project_id)?;
            Some(DueActivity {
                project_code: project.code.clone(),
                project_name: project.name.clone(),
                team_id: project.team_id,
                activity,
            })
        })
        .collect();
    Ok((total, due))
}
