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
use super::projects::{readable_project, writable_project};
use super::{Actor, Problems, ServiceError, ServiceResult, clean, now};
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
    let mut problems = Problems::default();
    let amount_yuan = problems.check("amount", money::positive_wan_to_yuan(input.amount));
    let arrived_on = problems.check("arrived_on", PastDate::new(input.arrived_on));
    problems.finish()?;
    let arrived_on = arrived_on.expect("checked above");
    if project.signed_on.is_none() {
        return Err(ServiceError::invalid(
            "project",
            format!("project {project_id} has not been signed; funds are recorded against signed projects"),
        ));
    }
    let created = funding::ActiveModel {
        project_id: Set(project_id),
        arrived_on: Set(arrived_on.get()),
        amount_yuan: Set(amount_yuan.unwrap_or_default()),
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
    let txn = crate::db::begin_write(db).await?;
    writable_project(&txn, actor, project_id).await?;
    let existing = funding::Entity::find_by_id(funding_id)
        .filter(funding::Column::ProjectId.eq(project_id))
        .one(&txn)
        .await?
        .ok_or_else(|| ServiceError::not_found("funding", format!("{funding_id} of project {project_id}")))?;
    funding::Entity::delete_by_id(funding_id).exec(&txn).await?;
    let change = Change {
        entity: "funding",
        entity_id: funding_id,
        project_id: Some(project_id),
        action: "delete",
        before: Some(&existing),
        after: None,
        reason: None,
    };
    audit::record(&txn, actor, change).await?;
    txn.commit().await?;
    Ok(())
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
    let mut problems = Problems::default();
    let occurred_on = problems.check("occurred_on", PastDate::new(input.occurred_on));
    let summary = input.summary.trim().to_string();
    if summary.is_empty() {
        problems.add("summary", "must not be blank");
    }
    if let Some(due) = input.due_on
        && due < input.occurred_on
    {
        problems.add(
            "due_on",
            format!("{due} is earlier than the activity ({})", input.occurred_on),
        );
    }
    problems.finish()?;
    let occurred_on = occurred_on.expect("checked above");
    let created = activity::ActiveModel {
        project_id: Set(project_id),
        occurred_on: Set(occurred_on.get()),
        kind: Set(input.kind),
        people: Set(clean(input.people)),
        summary: Set(summary),
        next_step: Set(clean(input.next_step)),
        due_on: Set(input.due_on),
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
    let mut problems = Problems::default();
    let output_value_yuan = problems.check("output_value", money::wan_to_yuan(input.output_value));
    let tax_yuan = problems.check("tax", money::wan_to_yuan(input.tax));
    if input.period_end < input.period_start {
        problems.add(
            "period_end",
            format!(
                "{} is earlier than period_start ({})",
                input.period_end, input.period_start
            ),
        );
    }
    let period_start = problems.check("period_start", PastDate::new(input.period_start));
    problems.finish()?;
    let period_start = period_start.expect("checked above");
    if project.producing_on.is_none() {
        return Err(ServiceError::invalid(
            "project",
            format!("project {project_id} has not started production; output is reported by producing projects"),
        ));
    }
    let created = output_report::ActiveModel {
        project_id: Set(project_id),
        period_start: Set(period_start.get()),
        period_end: Set(input.period_end),
        output_value_yuan: Set(output_value_yuan.unwrap_or_default()),
        tax_yuan: Set(tax_yuan.unwrap_or_default()),
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
