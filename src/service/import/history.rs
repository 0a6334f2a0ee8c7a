//! The history of imports (`import_runs`): every run, dry, rejected, failed or cut short too,
//! with its full report. A run is recorded as `running` in a short write of its own, committed
//! before the import's transaction begins (on SQLite's single writer it must be: the
//! transaction holds the writer until it ends), so a run that never ends still has its line.
//! It is updated to how it ended: inside the import's transaction when that commits, so the
//! data and the line saying it was imported commit together; after the rollback otherwise; by
//! a task of its own when the import is dropped half-way ([`Unfinished`]); and a run still
//! `running` when the server starts again was cut short by the process's end
//! ([`mark_interrupted`]).
//!
//! Who reads which runs is `domain::access`'s rule ([`Principal::import_runs`]). A caller must
//! not list runs with their reports (they can be megabytes): [`list_imports`] leaves them out.
//!
//! [`Principal::import_runs`]: crate::domain::access::Principal::import_runs

use entity::import_run;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, NotSet, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use super::report::{ImportReport, ImportStatus, failure_in_words};
use crate::domain::access::ImportRuns;
use crate::service::{Actor, PageRequest, ServiceError, ServiceResult, now};

/// What the history says of a run that never ended.
const INTERRUPTED: &str = "导入中断（服务停止或退出、或客户端断开），未保存任何数据";

/// Records the start of a run (`running`), committed on its own; returns its id.
pub(super) async fn start_run(db: &impl ConnectionTrait, report: &ImportReport, actor: &Actor) -> ServiceResult<i32> {
    let mut model = run_model(report);
    model.user_id = Set(Some(actor.user_id));
    model.team_id = Set(actor.team_id);
    Ok(model.insert(db).await?.id)
}

/// The columns a run's report decides (not who ran it).
fn run_model(report: &ImportReport) -> import_run::ActiveModel {
    let small = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
    import_run::ActiveModel {
        id: NotSet,
        user_id: NotSet,
        team_id: NotSet,
        username: Set(report.username.chars().take(64).collect()),
        file_name: Set(report.file_name.chars().take(255).collect()),
        file_bytes: Set(i64::try_from(report.file_bytes).unwrap_or(i64::MAX)),
        dry_run: Set(report.dry_run),
        status: Set(report.status.as_str().to_owned()),
        code: Set(report.code.clone()),
        message: Set(Some(report.message.clone())),
        as_of: Set(report.as_of),
        create_missing: Set(report.create_missing),
        allow_backward: Set(report.allow_backward),
        rows_read: Set(small(report.rows_read)),
        created: Set(small(report.created)),
        updated: Set(small(report.updated)),
        unchanged: Set(small(report.unchanged)),
        skipped: Set(small(report.list_totals().skipped)),
        errors: Set(small(report.list_totals().errors)),
        report: Set(serde_json::to_string(report).unwrap_or_else(|_| "{}".into())),
        started_at: Set(report.started_at),
        finished_at: Set(report.finished_at),
    }
}

/// Writes how the run ended (whatever the history said of it meanwhile: a run the server's
/// start took for cut short, while another process ran it, gets its real end).
pub(super) async fn update_run(db: &impl ConnectionTrait, report: &ImportReport) -> ServiceResult<()> {
    let mut model = run_model(report);
    model.id = Set(report.id);
    model.update(db).await?;
    Ok(())
}

/// Ends a run whose transaction was rolled back (or never began).
pub(super) async fn finish_after_rollback(
    db: &impl ConnectionTrait,
    mut report: ImportReport,
) -> ServiceResult<ImportReport> {
    report.cap_lists();
    report.finished_at = now();
    update_run(db, &report).await?;
    Ok(report)
}

/// Ends a run the server's failure `err` stopped (`started` is its report as it began):
/// `failed`, with the failure in words.
pub(super) async fn record_failure(
    db: &impl ConnectionTrait,
    mut started: ImportReport,
    err: &ServiceError,
) -> ServiceResult<()> {
    started.status = ImportStatus::Failed;
    started.code = Some("failed".into());
    started.message = format!("导入失败，未保存任何数据：{}", failure_in_words(err));
    started.finished_at = now();
    end_if_running(db, &started).await
}

/// Writes `report`'s end on its run unless the run has ended already.
async fn end_if_running(db: &impl ConnectionTrait, report: &ImportReport) -> ServiceResult<()> {
    import_run::Entity::update_many()
        .set(run_model(report))
        .filter(import_run::Column::Id.eq(report.id))
        .filter(import_run::Column::Status.eq(ImportStatus::Running.as_str()))
        .exec(db)
        .await?;
    Ok(())
}

/// A started run, marked `interrupted` should the import be dropped before it ends (its
/// client went away, the server is shutting down): the import's future is gone then, so a
/// task of its own writes the mark once the import's transaction has let go.
pub(super) struct Unfinished<C: ConnectionTrait + Clone + Send + Sync + 'static> {
    db: C,
    started: Option<ImportReport>,
}

impl<C: ConnectionTrait + Clone + Send + Sync + 'static> Unfinished<C> {
    pub(super) fn new(db: &C, started: &ImportReport) -> Self {
        Self {
            db: db.clone(),
            started: Some(started.clone()),
        }
    }

    /// The run ended and says how: nothing to mark.
    pub(super) fn ended(mut self) {
        self.started = None;
    }
}

impl<C: ConnectionTrait + Clone + Send + Sync + 'static> Drop for Unfinished<C> {
    fn drop(&mut self) {
        let Some(mut report) = self.started.take() else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let db = self.db.clone();
        runtime.spawn(async move {
            report.status = ImportStatus::Interrupted;
            report.code = Some("interrupted".into());
            report.message = INTERRUPTED.into();
            report.finished_at = now();
            if let Err(err) = end_if_running(&db, &report).await {
                tracing::warn!(run = report.id, error = %err, "the dropped import's run could not be marked interrupted");
            }
        });
    }
}

/// Marks every run still `running` as `interrupted`: called as the server starts, when no
/// import of its own runs, for the runs its previous process was cut short in. Returns how
/// many there were.
pub async fn mark_interrupted(db: &impl ConnectionTrait) -> ServiceResult<u64> {
    let marked = import_run::Entity::update_many()
        .col_expr(
            import_run::Column::Status,
            Expr::val(ImportStatus::Interrupted.as_str()),
        )
        .col_expr(import_run::Column::Code, Expr::val("interrupted"))
        .col_expr(import_run::Column::Message, Expr::val(INTERRUPTED))
        .filter(import_run::Column::Status.eq(ImportStatus::Running.as_str()))
        .exec(db)
        .await?;
    Ok(marked.rows_affected)
}

/// The condition selecting the runs `actor` may read.
fn readable(actor: &Actor) -> Condition {
    match actor.principal().import_runs(actor.user_id) {
        ImportRuns::Every => Condition::all(),
        ImportRuns::OwnAndTeams { user_id, team_id } => Condition::any()
            .add(import_run::Column::UserId.eq(user_id))
            .add(import_run::Column::TeamId.eq(team_id)),
    }
}

/// The history of imports the actor may read, newest first.
pub async fn list_imports(
    db: &impl ConnectionTrait,
    actor: &Actor,
    page: PageRequest,
) -> ServiceResult<(u64, Vec<import_run::Model>)> {
    let query = import_run::Entity::find().filter(readable(actor));
    let total = query.clone().count(db).await?;
    let runs = query
        .select_only()
        .columns([
            import_run::Column::Id,
            import_run::Column::UserId,
            import_run::Column::TeamId,
            import_run::Column::Username,
            import_run::Column::FileName,
            import_run::Column::FileBytes,
            import_run::Column::DryRun,
            import_run::Column::Status,
            import_run::Column::Code,
            import_run::Column::Message,
            import_run::Column::AsOf,
            import_run::Column::CreateMissing,
            import_run::Column::AllowBackward,
            import_run::Column::RowsRead,
            import_run::Column::Created,
            import_run::Column::Updated,
            import_run::Column::Unchanged,
            import_run::Column::Skipped,
            import_run::Column::Errors,
            import_run::Column::StartedAt,
            import_run::Column::FinishedAt,
        ])
        // The report can be megabytes: a list leaves it out.
        .column_as(Expr::val(""), "report")
        .order_by_desc(import_run::Column::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(db)
        .await?;
    Ok((total, runs))
}

/// One import run with its full report, if the actor may read it. The report says how the run
/// stands as the history does (a run cut short never wrote its end into its report).
pub async fn get_import(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i32,
) -> ServiceResult<(import_run::Model, ImportReport)> {
    let run = import_run::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::not_found("import", id))?;
    actor
        .principal()
        .check_read_import(actor.user_id, run.id, run.user_id, run.team_id)?;
    let mut report: ImportReport = serde_json::from_str(&run.report).map_err(|e| {
        ServiceError::Db(sea_orm::DbErr::Custom(format!(
            "the report of import {id} cannot be read: {e}"
        )))
    })?;
    report.status = run_status(&run);
    if run.code.is_some() {
        report.code.clone_from(&run.code);
    }
    if let Some(message) = &run.message {
        report.message.clone_from(message);
    }
    Ok((run, report))
}

/// The status stored on a run.
pub fn run_status(run: &import_run::Model) -> ImportStatus {
    ImportStatus::parse(&run.status)
}
