//! Applying rows to stored projects, once every row is planned and the new projects are in:
//! the indexes set aside for the load rebuilt, credit codes given to stored investors, then
//! each row through the service functions (`update_project`, `put_contract`,
//! `transition_in`, `add_funding`), each a savepoint inside the import's transaction, so
//! their rules and their audit trail are the API's. A caller must not apply a row before the
//! bulk load's writer has ended.

use entity::enums::FundingKind;
use sea_orm::{ConnectionTrait, TransactionTrait};

use super::lookups::{Created, Lookups};
use super::plan::{Fields, RowPlan, Step, Target};
use super::report::{RowIssue, write_failed};
use super::{Context, ImportProgress, ProgressFn};
use crate::db::bulk;
use crate::domain::money;
use crate::service::investors::{InvestorInput, update_investor};
use crate::service::lifecycle::{TransitionInput, put_contract, transition_in};
use crate::service::projects::{ProjectInput, update_project};
use crate::service::records::{FundingInput, add_funding};
use crate::service::{ServiceError, ServiceResult};

/// What is written once every row is planned and the new projects are in: the indexes set
/// aside for them rebuilt, credit codes given to stored investors, and the rows of stored
/// projects, one by one through the service functions.
pub(super) async fn finish_writes<'p, C: ConnectionTrait + TransactionTrait>(
    db: &C,
    ctx: &Context<'_>,
    plans: impl Iterator<Item = &'p RowPlan>,
    lookups: &Lookups,
    created: &Created,
    set_aside: bulk::SetAside,
    progress: Option<&ProgressFn>,
) -> Result<(), Box<RowIssue>> {
    let fail = |e: ServiceError| write_failed("", 0, &e);
    let rebuild = std::time::Instant::now();
    let set_aside_tables = set_aside.tables().to_vec();
    set_aside.rebuild(db).await.map_err(|e| fail(e.into()))?;
    tracing::debug!(took = ?rebuild.elapsed(), tables = ?set_aside_tables, "ledger import: indexes and foreign keys rebuilt");

    for (id, code) in &lookups.investor_codes {
        let stored = lookups.investors.get(id).cloned();
        if let Some(stored) = stored {
            update_investor(
                db,
                ctx.actor,
                *id,
                InvestorInput {
                    name: stored.name,
                    credit_code: Some(code.clone()),
                    origin_region: stored.origin_region,
                },
                stored.version,
            )
            .await
            .map_err(fail)?;
        }
    }

    // Rows of new projects were loaded in bulk; only stored projects' rows are left.
    let stored: Vec<(&RowPlan, i32)> = plans
        .filter(|p| p.writes())
        .filter_map(|p| match p.target {
            Target::Existing(at) => Some((p, lookups.projects[at].id)),
            Target::New { .. } => None,
        })
        .collect();
    let total = stored.len() as u64;
    for (done, (plan, id)) in stored.into_iter().enumerate() {
        write_row(db, ctx, plan, id, created)
            .await
            .map_err(|e| write_failed(&plan.sheet, plan.row, &e))?;
        let done = done as u64 + 1;
        if let Some(progress) = progress
            && (done.is_multiple_of(100) || done == total)
        {
            progress(ImportProgress::Writing { done, total });
        }
    }
    Ok(())
}

/// The service's input for a project's fields as a plan leaves them, references to what this
/// import created resolved to their ids.
pub(super) fn project_input(fields: &Fields, code: Option<String>, created: &Created) -> ProjectInput {
    ProjectInput {
        code,
        name: fields.name.clone(),
        investor_id: fields.investor.map(|r| Created::id(&created.investors, r)),
        cluster_id: fields.cluster.map(|r| Created::id(&created.clusters, r)),
        park_id: fields.park.map(|r| Created::id(&created.parks, r)),
        team_id: Created::id(&created.teams, fields.team),
        owner_id: fields.owner_id,
        sponsoring_leader: fields.sponsoring_leader.clone(),
        source: fields.source.clone(),
        planned_investment: fields.planned_investment,
        land_area: fields.land_area,
        registered_on: fields.registered_on,
        registered_capital: fields.registered_capital,
        land_supplied_on: fields.land_supplied_on,
        progress: fields.progress.clone(),
        issues: fields.issues.clone(),
        notes: fields.notes.clone(),
    }
}

/// Writes one row of the stored project `id` through the service functions (each a savepoint
/// inside the import's transaction).
async fn write_row<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    ctx: &Context<'_>,
    plan: &RowPlan,
    id: i32,
    created: &Created,
) -> ServiceResult<()> {
    if let Some(fields) = &plan.fields {
        update_project(db, ctx.actor, id, project_input(fields, None, created), None).await?;
    }
    if let Some(terms) = &plan.contract_update {
        put_contract(db, ctx.actor, id, (**terms).clone()).await?;
    }
    for step in &plan.steps {
        move_stage(db, ctx, id, step).await?;
    }
    for payment in &plan.payments {
        add_funding(
            db,
            ctx.actor,
            id,
            FundingInput {
                arrived_on: payment.arrived_on,
                amount: money::yuan_to_wan(payment.amount_yuan),
                kind: FundingKind::Other,
                counted: true,
                note: Some(ctx.reason()),
            },
        )
        .await?;
    }
    if let Some(step) = &plan.terminate {
        move_stage(db, ctx, id, step).await?;
    }
    Ok(())
}

/// Moves a stored project one step, as planned, through `lifecycle::transition_in`.
async fn move_stage(db: &impl ConnectionTrait, ctx: &Context<'_>, id: i32, step: &Step) -> ServiceResult<()> {
    transition_in(
        db,
        id,
        TransitionInput {
            to: step.to,
            on: Some(step.on),
            reason: Some(step.reason.clone()),
            contract: step.contract.clone(),
            expected_version: None,
        },
        ctx.actor,
    )
    .await?;
    Ok(())
}
