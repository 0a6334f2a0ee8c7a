//! Applying rows to stored projects, once every row is planned and the new projects are in:
//! the indexes set aside for the load rebuilt, credit codes given to stored investors, then
//! the rows of stored projects. Planning checked each row as the services check it (the
//! stage rules through `plan_transition`, the fields, the funds), so a row is written as the
//! services would leave it — the project's fields replaced (`projects::replace_fields`), each
//! stage move with its history and contract, each payment, every step's audit entry as
//! `audit::record` writes it, the version bumped once per write — but in bulk: one UPDATE per
//! project (and its contract's, for new terms), and multi-row INSERTs of the history, contracts,
//! payments and trail. A row whose new terms move the signing date, or that signs a project
//! again over its stored contract, goes through the services themselves (`put_contract` checks
//! and moves the date), one savepoint each. A caller must not apply a row before the bulk
//! load's writer has ended, nor apply a plan twice.

use chrono::{DateTime, Utc};
use entity::enums::FundingKind;
use entity::{audit_entry, contract, funding, project, stage_history};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter,
    TransactionTrait,
};

use super::load::{Pending, Queued, db_write};
use super::lookups::{Created, Lookups};
use super::plan::{Fields, Payment, RowPlan, Step, Target};
use super::report::{RowIssue, write_failed};
use super::{Context, ImportProgress, ProgressFn};
use crate::db::{bulk, columnar};
use crate::domain::money;
use crate::service::audit::{self, Change};
use crate::service::investors::{InvestorInput, update_investor};
use crate::service::lifecycle::{ContractInput, TransitionInput, put_contract, transition_in};
use crate::service::projects::{NewProject, ProjectInput, StoredAmounts, replace_fields, set_stage, update_project};
use crate::service::records::{FundingInput, add_funding};
use crate::service::{ServiceError, ServiceResult, now};

/// Projects whose UPDATE is reported as progress at a time.
const PROGRESS_EVERY: u64 = 100;

/// What is written once every row is planned and the new projects are in: the indexes set
/// aside for them rebuilt, credit codes given to stored investors, and the rows of stored
/// projects.
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
    let stored: Vec<(&RowPlan, &project::Model)> = plans
        .filter(|p| p.writes())
        .filter_map(|p| match p.target {
            Target::Existing(at) => Some((p, &lookups.projects[at])),
            Target::New { .. } => None,
        })
        .collect();
    let (in_bulk, one_by_one): (Vec<_>, Vec<_>) = stored
        .into_iter()
        .map(|(plan, project)| (plan, project, lookups.contracts.get(&project.id)))
        .partition(|(plan, project, contract)| in_bulk(plan, project, *contract));
    let total = (in_bulk.len() + one_by_one.len()) as u64;
    let report = |done: u64| {
        if let Some(progress) = progress
            && (done.is_multiple_of(PROGRESS_EVERY) || done == total)
        {
            progress(ImportProgress::Writing { done, total });
        }
    };
    let written = write_in_bulk(db, ctx, &in_bulk, created, &report).await?;
    for (done, (plan, project, _)) in one_by_one.into_iter().enumerate() {
        write_row(db, ctx, plan, project.id, created)
            .await
            .map_err(|e| write_failed(&plan.sheet, plan.row, &e))?;
        report(written + done as u64 + 1);
    }
    Ok(())
}

/// Whether a row of the stored `project` is written in bulk: all but those that move its
/// signing date with new contract terms (`put_contract` checks and moves it) or sign it again
/// over a contract it has.
fn in_bulk(plan: &RowPlan, project: &project::Model, contract: Option<&contract::Model>) -> bool {
    let moves_signing = plan
        .contract_update
        .as_ref()
        .is_some_and(|terms| Some(terms.signed_on) != project.signed_on);
    let signs_again = contract.is_some() && plan.steps.iter().any(|s| s.contract.is_some());
    !moves_signing && !signs_again
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

/// The input's amounts in their stored units. Checked while the row was planned: the
/// conversions cannot fail.
pub(super) fn stored_amounts(input: &ProjectInput) -> StoredAmounts {
    let yuan = |d: Option<Decimal>| d.and_then(|d| money::wan_to_yuan(d).ok());
    StoredAmounts {
        planned_investment_yuan: yuan(input.planned_investment),
        land_area_centimu: input.land_area.and_then(|a| money::mu_to_centimu(a).ok()),
        registered_capital_yuan: yuan(input.registered_capital),
    }
}

/// A contract as `lifecycle` stores one on signing, from terms checked while planning.
pub(super) fn new_contract(id: i32, project_id: i32, c: &ContractInput, at: DateTime<Utc>) -> contract::Model {
    let yuan = |d: Decimal| money::wan_to_yuan(d).ok();
    contract::Model {
        id,
        project_id,
        agreement_type: c.agreement_type,
        signed_on: c.signed_on,
        contracted_investment_yuan: yuan(c.contracted_investment).unwrap_or_default(),
        promised_start_on: c.promised_start_on,
        promised_production_on: c.promised_production_on,
        promised_full_production_on: c.promised_full_production_on,
        promised_output_value_yuan: c.promised_output_value.and_then(yuan),
        promised_tax_yuan: c.promised_tax.and_then(yuan),
        created_at: at,
        updated_at: at,
    }
}

/// A payment the ledger's funds figures call for, as `records::add_funding` stores one.
pub(super) fn new_payment(
    id: i32,
    project_id: i32,
    payment: &Payment,
    ctx: &Context<'_>,
    at: DateTime<Utc>,
) -> funding::Model {
    funding::Model {
        id,
        project_id,
        arrived_on: payment.arrived_on,
        amount_yuan: payment.amount_yuan,
        kind: FundingKind::Other,
        counted: true,
        note: Some(ctx.reason()),
        created_at: at,
    }
}

/// The rows [`in_bulk`] takes, written in bulk; returns how many.
async fn write_in_bulk(
    db: &impl ConnectionTrait,
    ctx: &Context<'_>,
    rows: &[(&RowPlan, &project::Model, Option<&contract::Model>)],
    created: &Created,
    report: &impl Fn(u64),
) -> Result<u64, Box<RowIssue>> {
    if rows.is_empty() {
        return Ok(0);
    }
    let backend = db.get_database_backend();
    let fail = |e: ServiceError| write_failed("", 0, &e);
    let contracts = rows
        .iter()
        .flat_map(|(plan, _, _)| plan.steps.iter().chain(plan.terminate.as_deref()))
        .filter(|s| s.contract.is_some())
        .count();
    let payments = rows.iter().map(|(plan, _, _)| plan.payments.len()).sum();
    let mut contract_ids = columnar::NewIds::start::<contract::Entity>(db)
        .await
        .map_err(|e| fail(e.into()))?;
    let contract_ids = contract_ids.take(db, contracts).await.map_err(|e| fail(e.into()))?;
    let mut funding_ids = columnar::NewIds::start::<funding::Entity>(db)
        .await
        .map_err(|e| fail(e.into()))?;
    let funding_ids = funding_ids.take(db, payments).await.map_err(|e| fail(e.into()))?;
    let mut records = Records {
        at: now(),
        contract_ids: contract_ids.into_iter(),
        funding_ids: funding_ids.into_iter(),
        history: Pending::default(),
        contracts: Pending::default(),
        fundings: Pending::default(),
        trail: Pending::default(),
        queued: Vec::new(),
        contract_update: None,
    };
    for (done, (plan, stored, contract)) in rows.iter().enumerate() {
        let written = records
            .project(backend, ctx, plan, stored, *contract, created)
            .map_err(|e| write_failed(&plan.sheet, plan.row, &e))?;
        // Every column set (a model converts to "unchanged" values, which an UPDATE leaves out).
        let mut row = project::ActiveModel::from(written).reset_all();
        row.id = NotSet;
        let updated = project::Entity::update_many()
            .set(row)
            .filter(project::Column::Id.eq(stored.id))
            .filter(project::Column::Version.eq(stored.version))
            .exec(db)
            .await
            .map_err(|e| write_failed(&plan.sheet, plan.row, &e.into()))?;
        if updated.rows_affected != 1 {
            let changed = ServiceError::conflict(
                "version",
                crate::service::Words::new(
                    format!("项目{}在导入期间已被他人修改", stored.id),
                    format!("project {} was changed meanwhile", stored.id),
                ),
            );
            return Err(write_failed(&plan.sheet, plan.row, &changed));
        }
        if let Some(terms) = records.contract_update.take() {
            let mut row = contract::ActiveModel::from(terms).reset_all();
            let id = std::mem::replace(&mut row.id, NotSet).unwrap();
            contract::Entity::update_many()
                .set(row)
                .filter(contract::Column::Id.eq(id))
                .exec(db)
                .await
                .map_err(|e| write_failed(&plan.sheet, plan.row, &e.into()))?;
        }
        for statement in records.queued.drain(..) {
            db_write(db, statement.statement, statement.at).await?;
        }
        report(done as u64 + 1);
    }
    for statement in records.rest(backend) {
        db_write(db, statement.statement, statement.at).await?;
    }
    Ok(rows.len() as u64)
}

/// The history, contracts, payments and trail of the rows written in bulk, on their way to
/// multi-row INSERTs, with the ids their audit entries name.
struct Records {
    at: DateTime<Utc>,
    contract_ids: std::vec::IntoIter<i32>,
    funding_ids: std::vec::IntoIter<i32>,
    history: Pending<stage_history::ActiveModel>,
    contracts: Pending<contract::ActiveModel>,
    fundings: Pending<funding::ActiveModel>,
    trail: Pending<audit_entry::ActiveModel>,
    /// INSERTs that filled, to run once the project's UPDATE has.
    queued: Vec<Queued>,
    /// The stored contract as the row's new terms leave it, to UPDATE.
    contract_update: Option<contract::Model>,
}

impl Records {
    /// Everything one row writes to `stored` but the project's row, which it returns as the
    /// row leaves it: the steps the services would take — the fields replaced, each stage
    /// move (its contract first), the payments, the termination — each its own version and
    /// audit entry.
    fn project(
        &mut self,
        backend: DatabaseBackend,
        ctx: &Context<'_>,
        plan: &RowPlan,
        stored: &project::Model,
        contract: Option<&contract::Model>,
        created: &Created,
    ) -> ServiceResult<project::Model> {
        let id = stored.id;
        let principal = ctx.actor.principal();
        principal.check_write_project(stored.team_id)?;
        let mut current = stored.clone();
        let mut trail = Vec::new();
        if let Some(fields) = &plan.fields {
            let input = project_input(fields, None, created);
            if input.team_id != stored.team_id {
                principal.check_assign_team(input.team_id)?;
            }
            let amounts = stored_amounts(&input);
            let mut next = current.clone();
            replace_fields(&mut next, input, amounts);
            trail.extend(self.bumped(ctx, "update", &mut current, next, None));
        }
        if let (Some(terms), Some(before)) = (&plan.contract_update, contract) {
            // As `put_contract` corrects terms with the signing date they had.
            let after = contract::Model {
                created_at: before.created_at,
                ..new_contract(before.id, id, terms, self.at)
            };
            let change = Change {
                entity: "contract",
                entity_id: before.id,
                project_id: Some(id),
                action: "update",
                before: Some(before),
                after: Some(&after),
                reason: None,
            };
            trail.extend(audit::entry(self.at, ctx.actor, change));
            self.contract_update = Some(after);
        }
        let mut contracts = Vec::new();
        let mut history = Vec::new();
        for step in &plan.steps {
            self.step(ctx, &mut current, step, &mut contracts, &mut history, &mut trail);
        }
        let mut fundings = Vec::new();
        for payment in &plan.payments {
            let funding_id = self.funding_ids.next().expect("an id was taken for every payment");
            let created = new_payment(funding_id, id, payment, ctx, self.at);
            trail.extend(self.created("funding", funding_id, id, &created, ctx));
            fundings.push(created);
        }
        if let Some(step) = &plan.terminate {
            self.step(ctx, &mut current, step, &mut contracts, &mut history, &mut trail);
        }
        self.queued.extend(self.history.push(backend, history));
        self.queued.extend(
            self.contracts
                .push(backend, contracts.into_iter().map(Into::into).collect()),
        );
        self.queued.extend(
            self.fundings
                .push(backend, fundings.into_iter().map(Into::into).collect()),
        );
        self.queued.extend(self.trail.push(backend, trail));
        Ok(current)
    }

    /// One stage move of `current`, as `lifecycle::transition_in` writes it.
    fn step(
        &mut self,
        ctx: &Context<'_>,
        current: &mut project::Model,
        step: &Step,
        contracts: &mut Vec<contract::Model>,
        history: &mut Vec<stage_history::ActiveModel>,
        trail: &mut Vec<audit_entry::ActiveModel>,
    ) {
        let id = current.id;
        if let Some(terms) = &step.contract {
            let contract_id = self.contract_ids.next().expect("an id was taken for every contract");
            let contract = new_contract(contract_id, id, terms, self.at);
            trail.extend(self.created("contract", contract_id, id, &contract, ctx));
            contracts.push(contract);
        }
        let mut next = current.clone();
        set_stage(&mut next, step.to, step.after);
        trail.extend(self.bumped(ctx, "transition", current, next, Some(&step.reason)));
        history.push(NewProject::history_entry(
            id,
            Some(step.from),
            step.to,
            step.on,
            ctx.actor,
            self.at,
            Some(step.reason.clone()),
        ));
    }

    /// `next` becomes `current`, one version on, with the audit entry of the change.
    fn bumped(
        &self,
        ctx: &Context<'_>,
        action: &'static str,
        current: &mut project::Model,
        mut next: project::Model,
        reason: Option<&str>,
    ) -> Option<audit_entry::ActiveModel> {
        next.version = current.version + 1;
        next.updated_at = self.at;
        let change = Change {
            entity: "project",
            entity_id: current.id,
            project_id: Some(current.id),
            action,
            before: Some(&*current),
            after: Some(&next),
            reason,
        };
        let entry = audit::entry(self.at, ctx.actor, change);
        *current = next;
        entry
    }

    /// The `create` entry of a record a row adds to project `project_id`, as the services write it.
    fn created<T: serde::Serialize>(
        &self,
        entity: &'static str,
        id: i32,
        project_id: i32,
        created: &T,
        ctx: &Context<'_>,
    ) -> Option<audit_entry::ActiveModel> {
        let change = Change {
            entity,
            entity_id: id,
            project_id: Some(project_id),
            action: "create",
            before: None,
            after: Some(created),
            reason: None,
        };
        audit::entry(self.at, ctx.actor, change)
    }

    /// The INSERTs of the rows left over.
    fn rest(&mut self, backend: DatabaseBackend) -> Vec<Queued> {
        let mut rest = std::mem::take(&mut self.queued);
        rest.extend(
            [
                self.history.rest(backend),
                self.contracts.rest(backend),
                self.fundings.rest(backend),
                self.trail.rest(backend),
            ]
            .into_iter()
            .flatten(),
        );
        rest
    }
}

/// Writes one row of the stored project `id` through the service functions (each a savepoint
/// inside the import's transaction): the rows that correct a stored contract.
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
