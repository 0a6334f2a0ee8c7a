//! Correcting what was recorded on a project: finding one payment, activity or output report
//! of a project, removing it, and recording a correction in the audit trail, the same way for
//! each. The checks of the values stay with each record's own service function; a caller
//! must have checked that the actor may write the project (or, to read, read it).

use entity::{activity, funding, output_report};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PrimaryKeyTrait, QueryFilter, TransactionSession, TransactionTrait,
};
use serde::Serialize;

use crate::service::audit::{self, Change};
use crate::service::projects::writable_project;
use crate::service::{Actor, ServiceError, ServiceResult};

/// A record kept on a project, by the `project_id` it belongs to.
pub trait Correctable: EntityTrait<PrimaryKey: PrimaryKeyTrait<ValueType = i32>, Model: Serialize> {
    /// Its name in errors and the audit trail.
    const NAME: &'static str;
    /// Its column naming the project.
    fn project_column() -> Self::Column;
}

impl Correctable for funding::Entity {
    const NAME: &'static str = "funding";
    fn project_column() -> Self::Column {
        funding::Column::ProjectId
    }
}

impl Correctable for activity::Entity {
    const NAME: &'static str = "activity";
    fn project_column() -> Self::Column {
        activity::Column::ProjectId
    }
}

impl Correctable for output_report::Entity {
    const NAME: &'static str = "output_report";
    fn project_column() -> Self::Column {
        output_report::Column::ProjectId
    }
}

/// Record `id` of project `project_id`; 404 when it is not one of that project's.
pub async fn find<E: Correctable>(db: &impl ConnectionTrait, project_id: i32, id: i32) -> ServiceResult<E::Model> {
    E::find_by_id(id)
        .filter(E::project_column().eq(project_id))
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::not_found(E::NAME, format!("{id} of project {project_id}")))
}

/// Removes record `id` of project `project_id` if the actor may write the project, with its
/// audit entry (which keeps what it held), in one transaction.
pub async fn delete<E: Correctable, C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    project_id: i32,
    id: i32,
) -> ServiceResult<()> {
    let txn = crate::db::begin_write(db).await?;
    writable_project(&txn, actor, project_id).await?;
    let existing = find::<E>(&txn, project_id, id).await?;
    E::delete_by_id(id).exec(&txn).await?;
    let change = Change {
        entity: E::NAME,
        entity_id: id,
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

/// The audit entry of a correction of record `id`: the fields that changed.
pub async fn record_update<E: Correctable>(
    db: &impl ConnectionTrait,
    actor: &Actor,
    project_id: i32,
    id: i32,
    before: &E::Model,
    after: &E::Model,
) -> ServiceResult<()> {
    let change = Change {
        entity: E::NAME,
        entity_id: id,
        project_id: Some(project_id),
        action: "update",
        before: Some(before),
        after: Some(after),
        reason: None,
    };
    audit::record(db, actor, change).await
}
