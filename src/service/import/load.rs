//! Loading new projects in bulk: as the rows are planned, new projects (after the teams,
//! clusters, parks and investors they name) with their history, contracts, payments and
//! trail are built into multi-row INSERTs a statement's worth at a time, and a writer task of
//! their own runs them in the import's transaction while the next are built. A caller must
//! not write to the transaction between two statements of the writer, and must wait for the
//! writer to end before the transaction is used again.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::Stage;
use entity::{audit_entry, cluster, contract, funding, investor, park, project, stage_history, team};
use foldhash::HashSet;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseBackend, EntityName, NotSet, Set, Statement, TransactionTrait,
};

use super::Context;
use super::apply::{new_contract, new_payment, project_input, stored_amounts};
use super::lookups::{Created, Lookups};
use super::plan::{Planner, RowPlan, Target};
use super::report::{ImportReport, RowIssue, tally, write_failed};
use crate::db::{bulk, columnar};
use crate::service::projects::{NewProject, numbered_code};
use crate::service::reference::{self, ClusterInput, ParkInput, TeamInput};
use crate::service::{ServiceError, ServiceResult, now};

/// administrator's import creates, new investors), built into INSERTs a statement's worth at a
/// time as the rows are planned, and queued for the writer.
pub(super) struct NewProjects {
    pub(super) backend: DatabaseBackend,
    /// One time for the whole load: the projects' creation, their history and their trail.
    pub(super) at: DateTime<Utc>,
    pub(super) per_statement: usize,
    pub(super) created: Created,
    pub(super) project_ids: columnar::NewIds,
    pub(super) investor_ids: columnar::NewIds,
    pub(super) codes: TakenCodes,
    pub(super) records: NewRecords,
    /// Plans of stored projects, taken from the planner once the plans before them were
    /// built and tallied; they are written when every row is planned.
    pub(super) stored: Vec<RowPlan>,
    /// Nothing more is built: the file has an error, or the writer stopped at one.
    pub(super) stopped: bool,
}

impl NewProjects {
    pub(super) async fn start(db: &impl ConnectionTrait) -> ServiceResult<Self> {
        let backend = db.get_database_backend();
        Ok(Self {
            backend,
            at: now(),
            per_statement: columnar::rows_per_statement::<project::Entity>(backend),
            created: Created::default(),
            project_ids: columnar::NewIds::start::<project::Entity>(db).await?,
            investor_ids: columnar::NewIds::start::<investor::Entity>(db).await?,
            codes: TakenCodes::default(),
            records: NewRecords::default(),
            stored: Vec::new(),
            stopped: false,
        })
    }

    /// Queues the new projects planned since the last call, a statement's worth at a time, and
    /// when `last` all that are left, with their history, contracts, payments and trail, after
    /// the teams, clusters, parks and investors they name. The plans before the first one left
    /// waiting are then tallied into `report`, in file order, and leave the planner: a new
    /// project's plan is done with, a stored one's kept for later. `stop` ends the building
    /// for good, and the plans stay with the planner.
    ///
    /// New ids are taken through `outside`, a connection outside the load's transaction `db`,
    /// so that taking them never waits behind the statement the writer is running there (on
    /// PostgreSQL a query; a sequence is not transactional, so the ids are the same).
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn feed(
        &mut self,
        db: &(impl ConnectionTrait + TransactionTrait),
        outside: &impl ConnectionTrait,
        ctx: &Context<'_>,
        planner: &mut Planner<'_>,
        queue: &tokio::sync::mpsc::Sender<Queued>,
        report: &mut ImportReport,
        stop: bool,
        last: bool,
    ) -> Result<(), Box<RowIssue>> {
        self.stopped |= stop;
        if self.stopped {
            return Ok(());
        }
        // The planner holds only plans not yet tallied: the new projects among them not built
        // yet (no id), and what was planned after the first of those.
        let plans = &planner.plans;
        let waiting: Vec<usize> = (0..plans.len())
            .filter(|&at| matches!(plans[at].target, Target::New { .. }) && plans[at].id.is_none())
            .collect();
        let built = if last {
            waiting.len()
        } else {
            waiting.len() - waiting.len() % self.per_statement
        };
        for batch in waiting[..built].chunks(self.per_statement) {
            if self.stopped {
                break;
            }
            self.create_references(db, outside, ctx, &planner.lookups, queue)
                .await?;
            let ids = self
                .project_ids
                .take(outside, batch.len())
                .await
                .map_err(|e| write_failed("", 0, &e.into()))?;
            for (&at, id) in batch.iter().zip(ids) {
                planner.plans[at].id = Some(id);
            }
            let plans: Vec<&RowPlan> = batch.iter().map(|&at| &planner.plans[at]).collect();
            let reason = ctx.reason();
            let mut trail = Vec::with_capacity(plans.len());
            let projects = Queued {
                statement: project_rows(
                    self.backend,
                    self.at,
                    ctx,
                    &reason,
                    &plans,
                    &self.created,
                    &planner.lookups,
                    &mut self.codes,
                    &mut trail,
                )?,
                table: project::Entity.table_name(),
                rows: plans.len(),
                at: Some((plans[0].sheet.clone(), plans[0].row)),
            };
            let records = record_rows(self.backend, self.at, ctx, &reason, &plans, trail, &mut self.records);
            for statement in std::iter::once(projects).chain(records) {
                self.send(queue, statement).await;
            }
        }
        if last && !self.stopped {
            // The stored projects' rows, written after the load, may name new ones too.
            self.create_references(db, outside, ctx, &planner.lookups, queue)
                .await?;
            for statement in self.records.rest(self.backend) {
                self.send(queue, statement).await;
            }
        }
        if !self.stopped {
            let done = waiting.get(built).copied().unwrap_or(planner.plans.len());
            tally(report, &planner.plans[..done], &planner.lookups);
            let stored = planner
                .plans
                .drain(..done)
                .filter(|p| matches!(p.target, Target::Existing(_)));
            self.stored.extend(stored);
        }
        Ok(())
    }

    pub(super) async fn send(&mut self, queue: &tokio::sync::mpsc::Sender<Queued>, statement: Queued) {
        // Fails only when the writer stopped at an error, which it reports.
        if queue.send(statement).await.is_err() {
            self.stopped = true;
        }
        // On a runtime of one thread the writer starts the statement now, not after the next
        // batch is built.
        tokio::task::yield_now().await;
    }

    /// Creates the teams, clusters and parks planned since the last call, one by one through
    /// the service, and queues the INSERT of the new investors, in bulk, their ids taken
    /// through `outside` as in [`NewProjects::feed`].
    pub(super) async fn create_references(
        &mut self,
        db: &(impl ConnectionTrait + TransactionTrait),
        outside: &impl ConnectionTrait,
        ctx: &Context<'_>,
        lookups: &Lookups,
        queue: &tokio::sync::mpsc::Sender<Queued>,
    ) -> Result<(), Box<RowIssue>> {
        let created = &mut self.created;
        let fail = |e: ServiceError| write_failed("", 0, &e);
        for name in &lookups.new_clusters[created.clusters.len()..] {
            let input = ClusterInput {
                name: name.clone(),
                category: None,
                archived: false,
            };
            let c = reference::create::<cluster::Entity, _>(db, ctx.actor, input)
                .await
                .map_err(fail)?;
            created.clusters.push(c.id);
        }
        for name in &lookups.new_parks[created.parks.len()..] {
            let input = ParkInput {
                name: name.clone(),
                archived: false,
            };
            let p = reference::create::<park::Entity, _>(db, ctx.actor, input)
                .await
                .map_err(fail)?;
            created.parks.push(p.id);
        }
        for t in &lookups.new_teams[created.teams.len()..] {
            let input = TeamInput {
                name: t.name.clone(),
                cluster_id: t.cluster.map(|r| Created::id(&created.clusters, r)),
                lead_official: None,
                archived: false,
            };
            let team = reference::create::<team::Entity, _>(db, ctx.actor, input)
                .await
                .map_err(fail)?;
            created.teams.push(team.id);
        }
        let new = &lookups.new_investors[created.investors.len()..];
        let ids = self
            .investor_ids
            .take(outside, new.len())
            .await
            .map_err(|e| fail(e.into()))?;
        let per_statement = columnar::rows_per_statement::<investor::Entity>(self.backend);
        let mut statements = Vec::new();
        for (investors, ids) in new.chunks(per_statement).zip(ids.chunks(per_statement)) {
            let models = investors.iter().zip(ids).map(|(i, &id)| investor::ActiveModel {
                id: Set(id),
                name: Set(i.name.clone()),
                credit_code: Set(i.credit_code.clone()),
                origin_region: Set(None),
                created_at: Set(self.at),
                updated_at: Set(self.at),
                ..Default::default()
            });
            statements.push(Queued {
                statement: columnar::insert(self.backend, models.collect(), &[]),
                table: investor::Entity.table_name(),
                rows: investors.len(),
                at: None,
            });
        }
        created.investors.extend(ids);
        for statement in statements {
            self.send(queue, statement).await;
        }
        Ok(())
    }
}

/// Runs the queued INSERTs in turn until the queue closes or one fails, first setting aside
/// the indexes of a table the load comes to at least double; returns what it set aside.
pub(super) async fn write_queued<T: ConnectionTrait>(
    txn: Arc<T>,
    mut queued: tokio::sync::mpsc::Receiver<Queued>,
    mut loads: bulk::Loading,
) -> (bulk::Loading, Result<(), Box<RowIssue>>) {
    let mut idle_since = std::time::Instant::now();
    while let Some(Queued {
        statement,
        table,
        rows,
        at,
    }) = queued.recv().await
    {
        let started = std::time::Instant::now();
        if let Err(e) = loads.inserting(&*txn, table, rows).await {
            return (loads, Err(write_failed("", 0, &e.into())));
        }
        if let Err(failed) = db_write(&*txn, statement, at).await {
            return (loads, Err(failed));
        }
        tracing::trace!(table, rows, took = ?started.elapsed(), waited = ?(started - idle_since), "ledger import: rows inserted");
        idle_since = std::time::Instant::now();
    }
    (loads, Ok(()))
}

/// Runs one queued INSERT; a failure is reported at the row of its first project.
pub(super) async fn db_write(
    db: &impl ConnectionTrait,
    statement: Statement,
    at: Option<(String, u32)>,
) -> Result<(), Box<RowIssue>> {
    db.execute_raw(statement).await.map(|_| ()).map_err(|e| {
        let (sheet, row) = at.unwrap_or_default();
        write_failed(&sheet, row, &e.into())
    })
}

/// The INSERT of a batch of new projects as their plans leave them, with their reserved ids,
/// built as `create_project` builds one ([`NewProject`]); each one's audit entry goes to
/// `trail`. Projects without a code are numbered from their id, as `create_project` does.
#[allow(clippy::too_many_arguments)]
pub(super) fn project_rows(
    backend: DatabaseBackend,
    at: DateTime<Utc>,
    ctx: &Context<'_>,
    reason: &str,
    batch: &[&RowPlan],
    created: &Created,
    lookups: &Lookups,
    codes: &mut TakenCodes,
    trail: &mut Vec<audit_entry::ActiveModel>,
) -> Result<Statement, Box<RowIssue>> {
    let mut rows = Vec::with_capacity(batch.len());
    for plan in batch {
        let (Some(id), Target::New { code, lead_on }) = (plan.id, &plan.target) else {
            continue;
        };
        let fields = plan.fields.as_ref().expect("a new project has its fields");
        let input = project_input(fields, None, created);
        let code = code.clone().unwrap_or_else(|| numbered_code(*lead_on, id));
        if !codes.take(lookups, &code) {
            let taken = crate::service::projects::code_taken(&code);
            return Err(write_failed(&plan.sheet, plan.row, &taken));
        }
        let amounts = stored_amounts(&input);
        let project = NewProject {
            code,
            input,
            amounts,
            stage: plan.outcome.stage,
            dates: plan.outcome.dates,
            moves: plan.steps.len() + usize::from(plan.terminate.is_some()),
            at,
        }
        .stored(id);
        trail.push(NewProject::audit_entry(&project, ctx.actor, Some(reason)));
        rows.push(project::ActiveModel::from(project));
    }
    Ok(columnar::insert(backend, rows, &[]))
}

/// The history, contracts and payments of a batch of new projects, and their audit `trail`,
/// into `records`; returns the INSERTs that filled.
pub(super) fn record_rows(
    backend: DatabaseBackend,
    at: DateTime<Utc>,
    ctx: &Context<'_>,
    reason: &str,
    new: &[&RowPlan],
    trail: Vec<audit_entry::ActiveModel>,
    records: &mut NewRecords,
) -> Vec<Queued> {
    let mut history = Vec::new();
    let mut contracts = Vec::new();
    let mut fundings = Vec::new();
    for plan in new {
        let (Some(id), Target::New { lead_on, .. }) = (plan.id, &plan.target) else {
            continue;
        };
        let entry = |from: Option<Stage>, to: Stage, on: NaiveDate, reason: &str| {
            NewProject::history_entry(id, from, to, on, ctx.actor, at, Some(reason.to_owned()))
        };
        history.push(entry(None, Stage::Lead, *lead_on, reason));
        for step in plan.steps.iter().chain(plan.terminate.as_deref()) {
            history.push(entry(Some(step.from), step.to, step.on, &step.reason));
            if let Some(c) = &step.contract {
                let mut row: contract::ActiveModel = new_contract(0, id, c, at).into();
                row.id = NotSet;
                contracts.push(row);
            }
        }
        for payment in &plan.payments {
            let mut row: funding::ActiveModel = new_payment(0, id, payment, ctx, at).into();
            row.id = NotSet;
            fundings.push(row);
        }
    }
    let mut full = records.history.push(backend, history);
    full.extend(records.contracts.push(backend, contracts));
    full.extend(records.fundings.push(backend, fundings));
    full.extend(records.trail.push(backend, trail));
    full
}

/// The rows of new projects' records waiting for their INSERT.
#[derive(Default)]
pub(super) struct NewRecords {
    pub(super) history: Pending<stage_history::ActiveModel>,
    pub(super) contracts: Pending<contract::ActiveModel>,
    pub(super) fundings: Pending<funding::ActiveModel>,
    pub(super) trail: Pending<audit_entry::ActiveModel>,
}

impl NewRecords {
    /// The INSERTs of the rows left over.
    pub(super) fn rest(&mut self, backend: DatabaseBackend) -> Vec<Queued> {
        [
            self.history.rest(backend),
            self.contracts.rest(backend),
            self.fundings.rest(backend),
            self.trail.rest(backend),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

/// Rows of one table waiting for a multi-row INSERT. Every statement but the last holds the
/// same number of rows, so SQLite prepares it once instead of once per length (a statement of
/// 30,000 parameters takes milliseconds to prepare).
pub(super) struct Pending<A> {
    pub(super) rows: Vec<A>,
}

impl<A> Default for Pending<A> {
    fn default() -> Self {
        Self { rows: Vec::new() }
    }
}

impl<A: ActiveModelTrait> Pending<A> {
    /// Adds `rows`; returns the INSERT of every full statement's worth.
    pub(super) fn push(&mut self, backend: DatabaseBackend, rows: Vec<A>) -> Vec<Queued> {
        self.rows.extend(rows);
        let full = columnar::rows_per_statement::<A::Entity>(backend);
        let mut statements = Vec::new();
        while self.rows.len() >= full {
            let statement: Vec<A> = self.rows.drain(..full).collect();
            statements.push(Self::insert(backend, statement));
        }
        statements
    }

    /// The INSERT of what is left, if anything is.
    pub(super) fn rest(&mut self, backend: DatabaseBackend) -> Option<Queued> {
        (!self.rows.is_empty()).then(|| Self::insert(backend, std::mem::take(&mut self.rows)))
    }

    pub(super) fn insert(backend: DatabaseBackend, rows: Vec<A>) -> Queued {
        Queued {
            table: <A::Entity as Default>::default().table_name(),
            rows: rows.len(),
            statement: columnar::insert(backend, rows, &[]),
            at: None,
        }
    }
}

/// A statement on its way from the bulk load's builder to its writer.
pub(super) struct Queued {
    pub(super) statement: Statement,
    /// The table it inserts into, and how many rows.
    pub(super) table: &'static str,
    pub(super) rows: usize,
    /// The sheet and row of the first project a statement of new projects inserts.
    pub(super) at: Option<(String, u32)>,
}

/// The project codes a new project cannot take: those stored, and those the load's new
/// projects took before it, as the ledger states them or numbered from their ids. Gathered at
/// the first new project.
#[derive(Default)]
pub(super) struct TakenCodes(Option<HashSet<String>>);

impl TakenCodes {
    /// Takes `code` for a new project; `false` when it is taken.
    pub(super) fn take(&mut self, lookups: &Lookups, code: &str) -> bool {
        let taken = self
            .0
            .get_or_insert_with(|| lookups.projects.iter().map(|p| p.code.clone()).collect());
        taken.insert(code.to_owned())
    }
}
