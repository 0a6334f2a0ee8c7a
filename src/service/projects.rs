//! Projects: creating, editing, finding and listing them, with the figures a list shows
//! beside each (names, contract terms, funds arrived) fetched in the same query.

mod new_project;

pub use self::new_project::{NewProject, StoredAmounts, replace_fields, set_stage};

use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};
use entity::enums::Stage;
use entity::{cluster, contract, investor, park, project, team, user};
use rust_decimal::Decimal;
use sea_orm::sea_query::SelectStatement;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, EntityTrait, IdenStatic, Order,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set, TransactionSession, TransactionTrait,
};
use serde::Deserialize;

use super::audit::{self, Change};
use super::investors::contains_pattern;
use super::{Actor, PageRequest, Problems, ServiceError, ServiceResult, Words, clean, now};
use crate::db::packed;
use crate::domain::stage::StageDates;
use crate::domain::words::no_record;
use crate::domain::{PastDate, money, project as rules};

/// A project's editable fields as written by a client.
#[derive(Debug, Clone, Default)]
pub struct ProjectInput {
    /// 项目编号; generated when absent on creation, kept when absent on update.
    pub code: Option<String>,
    pub name: String,
    pub investor_id: Option<i32>,
    pub cluster_id: Option<i32>,
    pub park_id: Option<i32>,
    pub team_id: i32,
    pub owner_id: Option<i32>,
    pub sponsoring_leader: Option<String>,
    pub source: Option<String>,
    pub planned_investment: Option<Decimal>,
    pub land_area: Option<Decimal>,
    pub registered_on: Option<NaiveDate>,
    pub registered_capital: Option<Decimal>,
    pub land_supplied_on: Option<NaiveDate>,
    pub progress: Option<String>,
    pub issues: Option<String>,
    pub notes: Option<String>,
}

/// The checked, storable form of [`ProjectInput`].
struct Checked {
    code: Option<String>,
    name: String,
    planned_investment_yuan: Option<i64>,
    land_area_centimu: Option<i64>,
    registered_capital_yuan: Option<i64>,
}

/// A project with what a reader wants beside it.
#[derive(Debug, Clone, Deserialize)]
pub struct ProjectView {
    pub project: project::Model,
    pub investor: Option<investor::Model>,
    pub team_name: Option<String>,
    pub cluster_name: Option<String>,
    pub park_name: Option<String>,
    pub contract: Option<contract::Model>,
    /// All funds arrived, in yuan.
    pub funds_arrived_yuan: i64,
    /// Funds arrived that count for assessment, in yuan.
    pub funds_counted_yuan: i64,
}

/// Which projects a list shows.
#[derive(Debug, Clone, Default)]
pub struct ProjectFilter {
    pub team_id: Option<i32>,
    pub cluster_id: Option<i32>,
    pub park_id: Option<i32>,
    pub stage: Option<Stage>,
    pub signed_from: Option<NaiveDate>,
    pub signed_to: Option<NaiveDate>,
    /// Text found in the project's or the investor's name, or the project code.
    pub q: Option<String>,
}

/// The orders a list can be sorted in; never free text pasted into SQL.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ProjectSort {
    #[default]
    CreatedAt,
    UpdatedAt,
    Code,
    Name,
    SignedOn,
    PlannedInvestment,
}

async fn check(db: &impl ConnectionTrait, input: &ProjectInput) -> ServiceResult<Checked> {
    let mut problems = Problems::default();
    let code = input
        .code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .and_then(|c| problems.check("code", rules::project_code(c)))
        .map(str::to_string);
    let name = problems.check("name", rules::name(&input.name)).map(str::to_string);
    let planned_investment_yuan = input
        .planned_investment
        .and_then(|a| problems.check("planned_investment", money::wan_to_yuan(a)));
    let registered_capital_yuan = input
        .registered_capital
        .and_then(|a| problems.check("registered_capital", money::wan_to_yuan(a)));
    let land_area_centimu = input
        .land_area
        .and_then(|a| problems.check("land_area", money::mu_to_centimu(a)));
    problems.check("registered_on", PastDate::optional(input.registered_on));
    problems.check("land_supplied_on", PastDate::optional(input.land_supplied_on));

    if team::Entity::find_by_id(input.team_id).one(db).await?.is_none() {
        problems.add("team_id", no_record("team", input.team_id));
    }
    if let Some(id) = input.investor_id
        && investor::Entity::find_by_id(id).one(db).await?.is_none()
    {
        problems.add("investor_id", no_record("investor", id));
    }
    if let Some(id) = input.cluster_id
        && cluster::Entity::find_by_id(id).one(db).await?.is_none()
    {
        problems.add("cluster_id", no_record("cluster", id));
    }
    if let Some(id) = input.park_id
        && park::Entity::find_by_id(id).one(db).await?.is_none()
    {
        problems.add("park_id", no_record("park", id));
    }
    if let Some(id) = input.owner_id
        && user::Entity::find_by_id(id).one(db).await?.is_none()
    {
        problems.add("owner_id", no_record("user", id));
    }
    problems.finish()?;
    Ok(Checked {
        code,
        name: name.expect("checked above"),
        planned_investment_yuan,
        land_area_centimu,
        registered_capital_yuan,
    })
}

fn duplicate_code(err: sea_orm::DbErr, code: &str) -> ServiceError {
    match ServiceError::from(err) {
        ServiceError::Conflict { .. } => code_taken(code),
        other => other,
    }
}

/// The refusal of a 项目编号 another project has.
pub fn code_taken(code: &str) -> ServiceError {
    ServiceError::conflict(
        "code",
        Words::new(
            format!("已有项目编号为`{code}`的项目"),
            format!("a project with code `{code}` exists"),
        ),
    )
}

/// Logs a new project as a lead (reached on `lead_on`, default today), with its first
/// history entry, in one transaction.
pub async fn create_project<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    input: ProjectInput,
    lead_on: Option<NaiveDate>,
    actor: &Actor,
) -> ServiceResult<ProjectView> {
    actor.principal().check_assign_team(input.team_id)?;
    let lead_on = PastDate::optional(lead_on)
        .map_err(|e| ServiceError::refused("lead_on", &e))?
        .unwrap_or_else(PastDate::today)
        .get();
    let txn = crate::db::begin_write(db).await?;
    let checked = check(&txn, &input).await?;
    let at = now();
    // Without a code, insert under a provisional one and then number it from its id.
    let provisional = checked
        .code
        .clone()
        .unwrap_or_else(|| format!("new-{}", at.timestamp_nanos_opt().unwrap_or_default()));
    let new = NewProject {
        code: provisional.clone(),
        input: ProjectInput {
            name: checked.name,
            ..input
        },
        amounts: StoredAmounts {
            planned_investment_yuan: checked.planned_investment_yuan,
            land_area_centimu: checked.land_area_centimu,
            registered_capital_yuan: checked.registered_capital_yuan,
        },
        stage: Stage::Lead,
        dates: StageDates {
            lead_on: Some(lead_on),
            ..StageDates::default()
        },
        moves: 0,
        at,
    };
    let model = new
        .row()
        .insert(&txn)
        .await
        .map_err(|e| duplicate_code(e, &provisional))?;
    let model = if checked.code.is_none() {
        let code = numbered_code(lead_on, model.id);
        let mut numbered: project::ActiveModel = model.into();
        numbered.code = Set(code.clone());
        numbered.update(&txn).await.map_err(|e| duplicate_code(e, &code))?
    } else {
        model
    };
    NewProject::history_entry(model.id, None, Stage::Lead, lead_on, actor, at, None)
        .insert(&txn)
        .await?;
    NewProject::audit_entry(&model, actor, None).insert(&txn).await?;
    txn.commit().await?;
    get_project(db, actor, model.id).await
}

/// Fails with 409 unless the client read the current version.
pub fn check_version(current: &project::Model, expected: Option<i32>) -> ServiceResult<()> {
    match expected {
        Some(expected) => super::versioned::check("project", current.id, current.version, expected),
        None => Ok(()),
    }
}

/// Replaces a project's editable fields; the stage and its dates change only by transitions.
pub async fn update_project<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    id: i32,
    input: ProjectInput,
    expected_version: Option<i32>,
) -> ServiceResult<ProjectView> {
    let txn = crate::db::begin_write(db).await?;
    let existing = writable_project(&txn, actor, id).await?;
    if input.team_id != existing.team_id {
        actor.principal().check_assign_team(input.team_id)?;
    }
    check_version(&existing, expected_version)?;
    let before = existing.clone();
    let checked = check(&txn, &input).await?;
    let code = checked.code.unwrap_or_else(|| existing.code.clone());
    let version = existing.version;
    let mut model: project::ActiveModel = existing.into();
    model.code = Set(code.clone());
    model.name = Set(checked.name);
    model.investor_id = Set(input.investor_id);
    model.cluster_id = Set(input.cluster_id);
    model.park_id = Set(input.park_id);
    model.team_id = Set(input.team_id);
    model.owner_id = Set(input.owner_id);
    model.sponsoring_leader = Set(clean(input.sponsoring_leader));
    model.source = Set(clean(input.source));
    model.planned_investment_yuan = Set(checked.planned_investment_yuan);
    model.land_area_centimu = Set(checked.land_area_centimu);
    model.registered_on = Set(input.registered_on);
    model.registered_capital_yuan = Set(checked.registered_capital_yuan);
    model.land_supplied_on = Set(input.land_supplied_on);
    model.progress = Set(clean(input.progress));
    model.issues = Set(clean(input.issues));
    model.notes = Set(clean(input.notes));
    let updated = save_versioned(&txn, model, version).await.map_err(|e| match e {
        ServiceError::Conflict { details, .. } if details.is_empty() => code_taken(&code),
        other => other,
    })?;
    audit::record(
        &txn,
        actor,
        Change {
            entity: "project",
            entity_id: id,
            project_id: Some(id),
            action: "update",
            before: Some(&before),
            after: Some(&updated),
            reason: None,
        },
    )
    .await?;
    txn.commit().await?;
    get_project(db, actor, id).await
}

/// Writes a changed project only if nobody else changed it since it was read at `version`,
/// bumping the version and the update time.
pub async fn save_versioned(
    db: &impl ConnectionTrait,
    mut model: project::ActiveModel,
    version: i32,
) -> ServiceResult<project::Model> {
    let id = *model.id.as_ref();
    model.version = Set(version + 1);
    model.updated_at = Set(now());
    super::versioned::save(
        db,
        "project",
        model,
        id,
        version,
        project::Column::Id,
        project::Column::Version,
    )
    .await
}

/// Deletes a project logged by mistake, with everything recorded on it (administrators; a
/// team lead a lead of their team): the audit entry keeps what it held.
pub async fn delete_project<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    id: i32,
) -> ServiceResult<()> {
    let txn = crate::db::begin_write(db).await?;
    let existing = find_project(&txn, id).await?;
    actor
        .principal()
        .check_delete_project(existing.team_id, existing.stage)?;
    project::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        actor,
        Change {
            entity: "project",
            entity_id: id,
            project_id: Some(id),
            action: "delete",
            before: Some(&existing),
            after: None,
            reason: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The project, if the actor may read it.
pub async fn readable_project(db: &impl ConnectionTrait, actor: &Actor, id: i32) -> ServiceResult<project::Model> {
    let found = find_project(db, id).await?;
    actor.principal().check_read_project(found.team_id)?;
    Ok(found)
}

/// The project, if the actor may change it.
pub async fn writable_project(db: &impl ConnectionTrait, actor: &Actor, id: i32) -> ServiceResult<project::Model> {
    let found = find_project(db, id).await?;
    actor.principal().check_write_project(found.team_id)?;
    Ok(found)
}

/// The bare project row.
pub async fn find_project(db: &impl ConnectionTrait, id: i32) -> ServiceResult<project::Model> {
    project::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::not_found("project", id))
}

/// One project with its names, contract and funds.
pub async fn get_project(db: &impl ConnectionTrait, actor: &Actor, id: i32) -> ServiceResult<ProjectView> {
    let sql = one_view_sql(db.get_database_backend())?;
    let view: ProjectView = packed::read_one(db, sql.to_owned(), sea_orm::sea_query::Values(vec![id.into()]))
        .await?
        .ok_or_else(|| ServiceError::not_found("project", id))?;
    actor.principal().check_read_project(view.project.team_id)?;
    Ok(view)
}

/// The condition selecting the projects a filter names that the actor may read
/// ([`Principal::rows_of`](crate::domain::access::Principal::rows_of)): team roles see their
/// own team's only, and asking for another team's is refused.
pub fn filter_condition(actor: &Actor, filter: &ProjectFilter) -> ServiceResult<Condition> {
    let mut condition = Condition::all();
    if let Some(id) = actor.principal().rows_of(filter.team_id)? {
        condition = condition.add(project::Column::TeamId.eq(id));
    }
    if let Some(id) = filter.cluster_id {
        condition = condition.add(project::Column::ClusterId.eq(id));
    }
    if let Some(id) = filter.park_id {
        condition = condition.add(project::Column::ParkId.eq(id));
    }
    if let Some(stage) = filter.stage {
        condition = condition.add(project::Column::Stage.eq(stage));
    }
    if let Some(from) = filter.signed_from {
        condition = condition.add(project::Column::SignedOn.gte(from));
    }
    if let Some(to) = filter.signed_to {
        condition = condition.add(project::Column::SignedOn.lte(to));
    }
    if let Some(q) = filter.q.as_deref().filter(|q| !q.trim().is_empty()) {
        let investors = investor::Entity::find()
            .select_only()
            .column(investor::Column::Id)
            .filter(investor::Column::Name.like(contains_pattern(q)))
            .into_query();
        condition = condition.add(
            Condition::any()
                .add(project::Column::Name.like(contains_pattern(q)))
                .add(project::Column::Code.like(contains_pattern(q)))
                .add(project::Column::InvestorId.in_subquery(investors)),
        );
    }
    Ok(condition)
}

/// A page of projects matching a filter, and how many match in all.
pub async fn list_projects(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &ProjectFilter,
    sort: ProjectSort,
    order: Order,
    page: PageRequest,
) -> ServiceResult<(u64, Vec<ProjectView>)> {
    let condition = filter_condition(actor, filter)?;
    let query = project::Entity::find().filter(condition);
    let total = query.clone().count(db).await?;
    let column = match sort {
        ProjectSort::CreatedAt => project::Column::CreatedAt,
        ProjectSort::UpdatedAt => project::Column::UpdatedAt,
        ProjectSort::Code => project::Column::Code,
        ProjectSort::Name => project::Column::Name,
        ProjectSort::SignedOn => project::Column::SignedOn,
        ProjectSort::PlannedInvestment => project::Column::PlannedInvestmentYuan,
    };
    // The page's ids, then the page read with everything beside it: the joins and the fund
    // sums run for its rows only, not for every matching row the sort goes through.
    let page_ids = query
        .select_only()
        .column(project::Column::Id)
        .order_by(column, order.clone())
        .order_by(project::Column::Id, order.clone())
        .offset(page.offset())
        .limit(page.per_page)
        .into_query();
    Ok((total, views(db, page_ids, column, order).await?))
}

/// The SQL of one project's packed view: the same text for every read, so it is built once
/// per backend (every project read and list page would otherwise format it again).
fn view_row(backend: DatabaseBackend) -> ServiceResult<&'static str> {
    static SQLITE: OnceLock<String> = OnceLock::new();
    static POSTGRES: OnceLock<String> = OnceLock::new();
    let cell = match backend {
        DatabaseBackend::Sqlite => &SQLITE,
        DatabaseBackend::Postgres => &POSTGRES,
        other => return Err(packed::unsupported(other).into()),
    };
    if let Some(row) = cell.get() {
        return Ok(row);
    }
    let funds = |amount: &str| {
        format!("(SELECT CAST(COALESCE(SUM({amount}), 0) AS BIGINT) FROM fundings f WHERE f.project_id = p.id)")
    };
    let row = packed::object(
        backend,
        &[
            ("project", packed::object_of::<project::Entity>(backend, "p")?),
            ("investor", packed::object_of::<investor::Entity>(backend, "i")?),
            ("contract", packed::object_of::<contract::Entity>(backend, "c")?),
            ("team_name", "t.name".into()),
            ("cluster_name", "cl.name".into()),
            ("park_name", "pk.name".into()),
            ("funds_arrived_yuan", funds("f.amount_yuan")),
            (
                "funds_counted_yuan",
                funds("CASE WHEN f.counted THEN f.amount_yuan ELSE 0 END"),
            ),
        ],
    )?;
    Ok(cell.get_or_init(|| row))
}

/// The tables a project's view is read from: the project as `p`, its investor, contract,
/// team, cluster and park.
const VIEW_TABLES: &str = "projects p \
     LEFT JOIN investors i ON i.id = p.investor_id \
     LEFT JOIN contracts c ON c.project_id = p.id \
     LEFT JOIN teams t ON t.id = p.team_id \
     LEFT JOIN clusters cl ON cl.id = p.cluster_id \
     LEFT JOIN parks pk ON pk.id = p.park_id";

/// The query of one project's view (its id the one bound value), built once per backend: the
/// most frequent read, so neither built again nor packed into an array for each request.
fn one_view_sql(backend: DatabaseBackend) -> ServiceResult<&'static str> {
    static SQLITE: OnceLock<String> = OnceLock::new();
    static POSTGRES: OnceLock<String> = OnceLock::new();
    let (cell, id) = match backend {
        DatabaseBackend::Sqlite => (&SQLITE, "?"),
        DatabaseBackend::Postgres => (&POSTGRES, "$1"),
        other => return Err(packed::unsupported(other).into()),
    };
    if let Some(sql) = cell.get() {
        return Ok(sql);
    }
    let row = packed::as_text(backend, view_row(backend)?)?;
    Ok(cell.get_or_init(|| format!("SELECT {row} FROM {VIEW_TABLES} WHERE p.id = {id}")))
}

/// The projects whose ids `ids` selects, in the order of `sort`, each with its investor,
/// contract, names and funds: one query whatever the number of projects (a page of a list),
/// its rows packed into one value (see `packed`); one project is read by [`get_project`].
async fn views(
    db: &impl ConnectionTrait,
    ids: SelectStatement,
    sort: project::Column,
    order: Order,
) -> ServiceResult<Vec<ProjectView>> {
    let backend = db.get_database_backend();
    let row = view_row(backend)?;
    let direction = match order {
        Order::Desc => "DESC",
        _ => "ASC",
    };
    let order_by = format!("p.\"{}\" {direction}, p.id {direction}", sort.as_str());
    let ids = backend.build(&ids);
    let sql = format!(
        "SELECT {rows} FROM {VIEW_TABLES} WHERE p.id IN ({ids})",
        rows = packed::array_of(backend, row, &order_by)?,
        ids = ids.sql,
    );
    Ok(packed::read(db, sql, ids.values).await?)
}

/// The code of a project created without one: `P`, the year of its lead, its id.
pub fn numbered_code(lead_on: NaiveDate, id: i32) -> String {
    match lead_on.year() {
        // What `%Y` writes for these years, without parsing a format for every project.
        year @ 0..=9999 => format!("P{year:04}{id:05}"),
        _ => format!("P{}{id:05}", lead_on.format("%Y")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_codes_write_the_year_as_chrono_does() {
        let date = |y| NaiveDate::from_ymd_opt(y, 3, 1).expect("a date");
        assert_eq!(numbered_code(date(2025), 42), "P202500042");
        assert_eq!(numbered_code(date(2025), 1_234_567), "P20251234567");
        for year in [0, 7, 999, 9999, 10_000, -1] {
            let expected = format!("P{}{:05}", date(year).format("%Y"), 42);
            assert_eq!(numbered_code(date(year), 42), expected, "{year}");
        }
    }
}
