//! The history of imports (`import_runs`): every run, dry or rejected too, with its full
//! report. A run is inserted inside the import's transaction and updated there when it
//! commits; a run that rolls back is recorded again afterwards. A caller must not list runs
//! with their reports (they can be megabytes): [`list_imports`] leaves them out.

use entity::import_run;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, NotSet, PaginatorTrait, QueryOrder, QuerySelect, Set};

use super::report::{ImportReport, ImportStatus};
use crate::service::{Actor, PageRequest, ServiceError, ServiceResult, now};

pub(super) async fn insert_run(
    db: &impl ConnectionTrait,
    report: &ImportReport,
    actor: &Actor,
    id: Option<i32>,
) -> ServiceResult<i32> {
    let model = run_model(report, Some(actor.user_id), id);
    Ok(model.insert(db).await?.id)
}

pub(super) fn run_model(report: &ImportReport, user_id: Option<i32>, id: Option<i32>) -> import_run::ActiveModel {
    let small = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
    import_run::ActiveModel {
        id: id.map_or(NotSet, Set),
        user_id: user_id.map_or(NotSet, |id| Set(Some(id))),
        username: Set(report.username.chars().take(64).collect()),
        file_name: Set(report.file_name.chars().take(255).collect()),
        file_bytes: Set(i64::try_from(report.file_bytes).unwrap_or(i64::MAX)),
        dry_run: Set(report.dry_run),
        status: Set(report.status.as_str().to_owned()),
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

pub(super) async fn update_run(db: &impl ConnectionTrait, report: &ImportReport) -> ServiceResult<()> {
    run_model(report, None, Some(report.id)).update(db).await?;
    Ok(())
}

/// Records a run whose transaction was rolled back (or never began): under the id the
/// rolled-back run had when it had one, so the `#id` in its report stays true; under a new
/// one when that id was taken in the meantime.
pub(super) async fn record_after_rollback(
    db: &impl ConnectionTrait,
    mut report: ImportReport,
    actor: &Actor,
) -> ServiceResult<ImportReport> {
    report.cap_lists();
    report.finished_at = now();
    if report.id > 0 && insert_run(db, &report, actor, Some(report.id)).await.is_ok() {
        return Ok(report);
    }
    report.id = insert_run(db, &report, actor, None).await?;
    update_run(db, &report).await?;
    Ok(report)
}

/// The history of imports, newest first.
pub async fn list_imports(
    db: &impl ConnectionTrait,
    page: PageRequest,
) -> ServiceResult<(u64, Vec<import_run::Model>)> {
    let query = import_run::Entity::find();
    let total = query.clone().count(db).await?;
    let runs = query
        .select_only()
        .columns([
            import_run::Column::Id,
            import_run::Column::UserId,
            import_run::Column::Username,
            import_run::Column::FileName,
            import_run::Column::FileBytes,
            import_run::Column::DryRun,
            import_run::Column::Status,
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

/// One import run with its full report.
pub async fn get_import(db: &impl ConnectionTrait, id: i32) -> ServiceResult<(import_run::Model, ImportReport)> {
    let run = import_run::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::not_found("import", id))?;
    let report: ImportReport = serde_json::from_str(&run.report).map_err(|e| {
        ServiceError::Db(sea_orm::DbErr::Custom(format!(
            "the report of import {id} cannot be read: {e}"
        )))
    })?;
    Ok((run, report))
}

/// The status stored on a run.
pub fn run_status(run: &import_run::Model) -> ImportStatus {
    ImportStatus::parse(&run.status)
}
