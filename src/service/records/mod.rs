//! What accumulates on a project: fund arrivals, follow-up activities and output reports.

use chrono::NaiveDate;
use entity::enums::{ActivityKind, FundingKind};
use entity::{activity, funding, output_report};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Alias, Expr, Func, IntoCondition, SimpleExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionSession,
    TransactionTrait,
};

use super::audit::{self, Change};

mod corrections;
mod due;

pub use self::due::{DueActivity, DueFilter, list_due_activities};
use super::projects::{readable_project, writable_project};
use super::{Actor, Problems, ServiceError, ServiceResult, Words, clean, now};
use crate::domain::{PastDate, money};

/// A payment as written by a client.
#[derive(Debug, Clone)]
pub struct FundingInput {
    pub arrived_on: NaiveDate,
    pub amount: Decimal,
    pub kind: FundingKind,
    pub counted: bool,
    pub note: Option<String>,
}

/// A follow-up activity as written by a client.
#[derive(Debug, Clone)]
pub struct ActivityInput {
    pub occurred_on: NaiveDate,
    pub kind: ActivityKind,
    pub people: Option<String>,
    pub summary: String,
    pub next_step: Option<String>,
    pub due_on: Option<NaiveDate>,
    /// When the next step was done.
    pub done_on: Option<NaiveDate>,
}

/// An output report as written by a client.
#[derive(Debug, Clone)]
pub struct OutputInput {
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub output_value: Decimal,
    pub tax: Decimal,
}

/// Records money that arrived for a signed project.
pub async fn add_funding<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    project_id: i32,
    input: FundingInput,
) -> ServiceResult<funding::Model> {
    let txn = crate::db::begin_write(db).await?;
    let project = writable_project(&txn, actor, project_id).await?;
    let (amount_yuan, arrived_on) = check_funding(&input)?;
    if project.signed_on.is_none() {
        return Err(ServiceError::invalid(
            "project",
            Words::new(
                format!("项目{project_id}尚未签约；到位资金只记在已签约的项目上"),
                format!("project {project_id} has not been signed; funds are recorded against signed projects"),
            ),
        ));
    }
    let created = funding::ActiveModel {
        project_id: Set(project_id),
        arrived_on: Set(arrived_on),
        amount_yuan: Set(amount_yuan),
        kind: Set(input.kind),
        counted: Set(input.counted),
        note: Set(clean(input.note)),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(&txn, actor, created_change("funding", created.id, project_id, &created)).await?;
    txn.commit().await?;
    Ok(created)
}

/// A payment's amount in yuan (more than zero) and its date (not in the future).
fn check_funding(input: &FundingInput) -> ServiceResult<(i64, NaiveDate)> {
    let mut problems = Problems::default();
    let amount_yuan = problems.check("amount", money::positive_wan_to_yuan(input.amount));
    let arrived_on = problems.check("arrived_on", PastDate::new(input.arrived_on));
    problems.finish()?;
    Ok((
        amount_yuan.expect("checked above"),
        arrived_on.expect("checked above").get(),
    ))
}

/// Corrects a payment: its amount, date, kind, whether it counts, its note.
pub async fn update_funding<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    project_id: i32,
    funding_id: i32,
    input: FundingInput,
) -> ServiceResult<funding::Model> {
    let txn = crate::db::begin_write(db).await?;
    writable_project(&txn, actor, project_id).await?;
    let existing = corrections::find::<funding::Entity>(&txn, project_id, funding_id).await?;
    let (amount_yuan, arrived_on) = check_funding(&input)?;
    let mut model: funding::ActiveModel = existing.clone().into();
    model.arrived_on = Set(arrived_on);
    model.amount_yuan = Set(amount_yuan);
    model.kind = Set(input.kind);
    model.counted = Set(input.counted);
    model.note = Set(clean(input.note));
    let updated = model.update(&txn).await?;
    corrections::record_update::<funding::Entity>(&txn, actor, project_id, funding_id, &existing, &updated).await?;
    txn.commit().await?;
    Ok(updated)
}

/// One payment of a project the actor may read.
pub async fn get_funding(
    db: &impl ConnectionTrait,
    actor: &Actor,
    project_id: i32,
    funding_id: i32,
) -> ServiceResult<funding::Model> {
    readable_project(db, actor, project_id).await?;
    corrections::find::<funding::Entity>(db, project_id, funding_id).await
}

fn created_change<'a, T: serde::Serialize>(
    entity: &'static str,
    id: i32,
    project_id: i32,
    after: &'a T,
) -> Change<'a, T> {
    Change {
        entity,
        entity_id: id,
        project_id: Some(project_id),
        action: "create",
        before: None,
        after: Some(after),
        reason: None,
    }
}

pub async fn list_fundings(
    db: &impl ConnectionTrait,
    actor: &Actor,
    project_id: i32,
) -> ServiceResult<Vec<funding::Model>> {
    readable_project(db, actor, project_id).await?;
    Ok(funding::Entity::find()
        .filter(funding::Column::ProjectId.eq(project_id))
        .order_by_asc(funding::Column::ArrivedOn)
        .order_by_asc(funding::Column::Id)
        .all(db)
        .await?)
}

/// Removes a payment recorded by mistake.
pub async fn delete_funding<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    project_id: i32,
    funding_id: i32,
) -> ServiceResult<()> {
    corrections::delete::<funding::Entity, _>(db, actor, project_id, funding_id).await
}

/// Records a visit, call, negotiation or event.
pub async fn add_activity<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    project_id: i32,
    input: ActivityInput,
    actor: &Actor,
) -> ServiceResult<activity::Model> {
    let txn = crate::db::begin_write(db).await?;
    writable_project(&txn, actor, project_id).await?;
    let (occurred_on, summary) = check_activity(&input)?;
    let created = activity::ActiveModel {
        project_id: Set(project_id),
        occurred_on: Set(occurred_on),
        kind: Set(input.kind),
        people: Set(clean(input.people)),
        summary: Set(summary),
        next_step: Set(clean(input.next_step)),
        due_on: Set(input.due_on),
        done_on: Set(input.done_on),
        recorded_by: Set(Some(actor.user_id)),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        actor,
        created_change("activity", created.id, project_id, &created),
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// An activity's date (not in the future) and summary (not blank), its due and done dates
/// not before it.
fn check_activity(input: &ActivityInput) -> ServiceResult<(NaiveDate, String)> {
    let mut problems = Problems::default();
    let occurred_on = problems.check("occurred_on", PastDate::new(input.occurred_on));
    let summary = input.summary.trim().to_string();
    if summary.is_empty() {
        problems.add("summary", Words::new("不能为空", "must not be blank"));
    }
    if let Some(due) = input.due_on
        && due < input.occurred_on
    {
        problems.add(
            "due_on",
            Words::new(
                format!("{due}早于这次跟进的日期（{}）", input.occurred_on),
                format!("{due} is earlier than the activity ({})", input.occurred_on),
            ),
        );
    }
    if let Some(done) = input.done_on {
        problems.check("done_on", PastDate::new(done));
        if done < input.occurred_on {
            problems.add(
                "done_on",
                Words::new(
                    format!("{done}早于这次跟进的日期（{}）", input.occurred_on),
                    format!("{done} is earlier than the activity ({})", input.occurred_on),
                ),
            );
        }
    }
    problems.finish()?;
    Ok((occurred_on.expect("checked above").get(), summary))
}

/// Corrects a follow-up activity, or marks its next step done.
pub async fn update_activity<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    project_id: i32,
    activity_id: i32,
    input: ActivityInput,
) -> ServiceResult<activity::Model> {
    let txn = crate::db::begin_write(db).await?;
    writable_project(&txn, actor, project_id).await?;
    let existing = corrections::find::<activity::Entity>(&txn, project_id, activity_id).await?;
    let (occurred_on, summary) = check_activity(&input)?;
    let mut model: activity::ActiveModel = existing.clone().into();
    model.occurred_on = Set(occurred_on);
    model.kind = Set(input.kind);
    model.people = Set(clean(input.people));
    model.summary = Set(summary);
    model.next_step = Set(clean(input.next_step));
    model.due_on = Set(input.due_on);
    model.done_on = Set(input.done_on);
    let updated = model.update(&txn).await?;
    corrections::record_update::<activity::Entity>(&txn, actor, project_id, activity_id, &existing, &updated).await?;
    txn.commit().await?;
    Ok(updated)
}

/// One follow-up activity of a project the actor may read.
pub async fn get_activity(
    db: &impl ConnectionTrait,
    actor: &Actor,
    project_id: i32,
    activity_id: i32,
) -> ServiceResult<activity::Model> {
    readable_project(db, actor, project_id).await?;
    corrections::find::<activity::Entity>(db, project_id, activity_id).await
}

/// Removes a follow-up activity recorded by mistake.
pub async fn delete_activity<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    project_id: i32,
    activity_id: i32,
) -> ServiceResult<()> {
    corrections::delete::<activity::Entity, _>(db, actor, project_id, activity_id).await
}

pub async fn list_activities(
    db: &impl ConnectionTrait,
    actor: &Actor,
    project_id: i32,
) -> ServiceResult<Vec<activity::Model>> {
    readable_project(db, actor, project_id).await?;
    Ok(activity::Entity::find()
        .filter(activity::Column::ProjectId.eq(project_id))
        .order_by_desc(activity::Column::OccurredOn)
        .order_by_desc(activity::Column::Id)
        .all(db)
        .await?)
}

/// Records the output value and tax a project reported for a period.
pub async fn add_output<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    project_id: i32,
    input: OutputInput,
) -> ServiceResult<output_report::Model> {
    let txn = crate::db::begin_write(db).await?;
    let project = writable_project(&txn, actor, project_id).await?;
    let checked = check_output(&input)?;
    if project.producing_on.is_none() {
        return Err(ServiceError::invalid(
            "project",
            Words::new(
                format!("项目{project_id}尚未投产；产值只由已投产的项目填报"),
                format!("project {project_id} has not started production; output is reported by producing projects"),
            ),
        ));
    }
    let created = output_report::ActiveModel {
        project_id: Set(project_id),
        period_start: Set(checked.period_start),
        period_end: Set(input.period_end),
        output_value_yuan: Set(checked.output_value_yuan),
        tax_yuan: Set(checked.tax_yuan),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        actor,
        created_change("output_report", created.id, project_id, &created),
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// An output report's checked values.
struct CheckedOutput {
    period_start: NaiveDate,
    output_value_yuan: i64,
    tax_yuan: i64,
}

/// The amounts in yuan, the period starting not in the future and ending not before it starts.
fn check_output(input: &OutputInput) -> ServiceResult<CheckedOutput> {
    let mut problems = Problems::default();
    let output_value_yuan = problems.check("output_value", money::wan_to_yuan(input.output_value));
    let tax_yuan = problems.check("tax", money::wan_to_yuan(input.tax));
    if input.period_end < input.period_start {
        problems.add(
            "period_end",
            Words::new(
                format!("{}早于报告期开始日期（{}）", input.period_end, input.period_start),
                format!(
                    "{} is earlier than period_start ({})",
                    input.period_end, input.period_start
                ),
            ),
        );
    }
    let period_start = problems.check("period_start", PastDate::new(input.period_start));
    problems.finish()?;
    Ok(CheckedOutput {
        period_start: period_start.expect("checked above").get(),
        output_value_yuan: output_value_yuan.expect("checked above"),
        tax_yuan: tax_yuan.expect("checked above"),
    })
}

/// Corrects an output report.
pub async fn update_output<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    project_id: i32,
    output_id: i32,
    input: OutputInput,
) -> ServiceResult<output_report::Model> {
    let txn = crate::db::begin_write(db).await?;
    writable_project(&txn, actor, project_id).await?;
    let existing = corrections::find::<output_report::Entity>(&txn, project_id, output_id).await?;
    let checked = check_output(&input)?;
    let mut model: output_report::ActiveModel = existing.clone().into();
    model.period_start = Set(checked.period_start);
    model.period_end = Set(input.period_end);
    model.output_value_yuan = Set(checked.output_value_yuan);
    model.tax_yuan = Set(checked.tax_yuan);
    let updated = model.update(&txn).await?;
    corrections::record_update::<output_report::Entity>(&txn, actor, project_id, output_id, &existing, &updated)
        .await?;
    txn.commit().await?;
    Ok(updated)
}

/// One output report of a project the actor may read.
pub async fn get_output(
    db: &impl ConnectionTrait,
    actor: &Actor,
    project_id: i32,
    output_id: i32,
) -> ServiceResult<output_report::Model> {
    readable_project(db, actor, project_id).await?;
    corrections::find::<output_report::Entity>(db, project_id, output_id).await
}

/// Removes an output report recorded by mistake.
pub async fn delete_output<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    project_id: i32,
    output_id: i32,
) -> ServiceResult<()> {
    corrections::delete::<output_report::Entity, _>(db, actor, project_id, output_id).await
}

pub async fn list_outputs(
    db: &impl ConnectionTrait,
    actor: &Actor,
    project_id: i32,
) -> ServiceResult<Vec<output_report::Model>> {
    readable_project(db, actor, project_id).await?;
    Ok(output_report::Entity::find()
        .filter(output_report::Column::ProjectId.eq(project_id))
        .order_by_asc(output_report::Column::PeriodStart)
        .order_by_asc(output_report::Column::Id)
        .all(db)
        .await?)
}

/// The yuan of the fund arrivals `condition` keeps, summed per group: 0 when there are none,
/// a BIGINT on every backend. Built from expressions rather than SQL text so that each
/// backend binds the values its own way (SQLite has no `$1` placeholders).
pub fn funds_yuan_where(condition: impl IntoCondition) -> SimpleExpr {
    let amount: SimpleExpr = Expr::case(condition, Expr::col(funding::Column::AmountYuan)).into();
    let sum: SimpleExpr = Func::sum(amount).into();
    Func::cast_as(Func::coalesce([sum, Expr::val(0)]), Alias::new("BIGINT")).into()
}

#[cfg(test)]
mod tests {
    use sea_orm::{DatabaseBackend, EntityTrait, QuerySelect, QueryTrait};

    use super::*;

    #[test]
    fn fund_sums_bind_their_dates_on_every_backend() {
        let from = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        let query = funding::Entity::find()
            .select_only()
            .column_as(funds_yuan_where(funding::Column::ArrivedOn.gte(from)), "this_year");
        for backend in [DatabaseBackend::Sqlite, DatabaseBackend::Postgres] {
            let statement = query.clone().build(backend);
            assert!(
                !statement.sql.contains("$1") || backend == DatabaseBackend::Postgres,
                "{}",
                statement.sql
            );
            let values = statement.values.expect("bound values").0;
            assert_eq!(values.len(), 2, "the date and the zero are bound: {}", statement.sql);
            assert!(values.contains(&from.into()), "{}", statement.sql);
        }
    }
}
