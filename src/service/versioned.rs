//! Optimistic locking: every editable record carries a `version`; an update names the version
//! it read and is written only if the record is still at it (one conditional `UPDATE`), so two
//! people editing at once can never silently overwrite each other.

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::{FieldError, ServiceError, ServiceResult, Words};
use crate::domain::words::record_kind;

/// Refuses an update made from a stale read, naming the current version.
pub fn check(what: &str, id: i32, current: i32, expected: i32) -> ServiceResult<()> {
    if current == expected {
        return Ok(());
    }
    Err(ServiceError::Conflict {
        message: Words::new(
            format!(
                "{}{id}在你读取之后已被他人修改（你提交的是第{expected}版，现在是第{current}版）；请重新载入后再改",
                record_kind(what)
            ),
            format!(
                "{what} {id} was changed since you read it (you sent version {expected}, it is now at version {current}); reload and retry"
            ),
        ),
        details: vec![FieldError::new(
            "version",
            Words::new(format!("现在是第{current}版"), format!("current version is {current}")),
        )],
    })
}

/// Writes `model` (whose `version` the caller has set to `expected + 1`) only if the row is
/// still at `expected`, and returns the stored row.
pub async fn save<E, A>(
    db: &impl ConnectionTrait,
    what: &str,
    model: A,
    id: i32,
    expected: i32,
    id_column: E::Column,
    version_column: E::Column,
) -> ServiceResult<E::Model>
where
    E: EntityTrait,
    A: ActiveModelTrait<Entity = E> + Send,
{
    let result = E::update_many()
        .set(model)
        .filter(id_column.eq(id))
        .filter(version_column.eq(expected))
        .exec(db)
        .await?;
    if result.rows_affected == 0 {
        return Err(ServiceError::Conflict {
            message: Words::new(
                format!("{}{id}刚刚被他人同时修改；请重新载入后再改", record_kind(what)),
                format!("{what} {id} was changed by someone else at the same time; reload and retry"),
            ),
            details: vec![FieldError::new("version", Words::new("已过期", "stale"))],
        });
    }
    E::find()
        .filter(id_column.eq(id))
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::not_found("record", id))
}
