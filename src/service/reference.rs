//! Reference data: task forces (专班), industry clusters and parks. 大足's are seeded by a
//! migration; all of it is editable. The three kinds are listed, read, created, replaced and
//! deleted by the same rules ([`Reference`]); each kind only says how its input fills a row.

use entity::{cluster, park, team};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
    TransactionSession, TransactionTrait, Value,
};

use super::audit::{self, Change};
use super::versioned;
use super::{Actor, ServiceError, ServiceResult, Words, clean, now};
use crate::domain::project;
use crate::domain::words::{no_record, record_kind};

/// A task force as written by a client.
#[derive(Debug, Clone)]
pub struct TeamInput {
    pub name: String,
    pub cluster_id: Option<i32>,
    pub lead_official: Option<String>,
    pub archived: bool,
}

/// A cluster as written by a client.
#[derive(Debug, Clone)]
pub struct ClusterInput {
    pub name: String,
    pub category: Option<String>,
    pub archived: bool,
}

/// A park as written by a client.
#[derive(Debug, Clone)]
pub struct ParkInput {
    pub name: String,
    pub archived: bool,
}

/// Records a change of reference data in the trail.
async fn trail<T: serde::Serialize>(
    db: &impl ConnectionTrait,
    actor: &Actor,
    entity: &'static str,
    entity_id: i32,
    action: &'static str,
    before: Option<&T>,
    after: Option<&T>,
) -> ServiceResult<()> {
    audit::record(
        db,
        actor,
        Change {
            entity,
            entity_id,
            project_id: None,
            action,
            before,
            after,
            reason: None,
        },
    )
    .await
}

fn required_name(name: &str) -> ServiceResult<String> {
    project::reference_name(name)
        .map(str::to_string)
        .map_err(|e| ServiceError::refused("name", &e))
}

/// A unique-name violation (not a stale version) as a 409 naming the field.
fn duplicate_name(err: ServiceError, what: &str, name: &str) -> ServiceError {
    match err {
        err if err.is_duplicate() => ServiceError::conflict(
            "name",
            Words::new(
                format!("名为`{name}`的{}已存在", record_kind(what)),
                format!("a {what} named `{name}` already exists"),
            ),
        ),
        other => other,
    }
}

fn still_used(err: ServiceError, what: &str) -> ServiceError {
    match err {
        ServiceError::Invalid { details, .. } if details.is_empty() => ServiceError::Conflict {
            message: Words::new(
                format!("这个{}仍被其他记录引用，不能删除；请改为归档", record_kind(what)),
                format!("this {what} is still referred to by other records; archive it instead"),
            ),
            details: vec![],
        },
        other => other,
    }
}

/// A kind of reference data: rows with an id, a unique name, an archived flag, a version and
/// timestamps, which administrators edit and everyone reads.
pub trait Reference:
    EntityTrait<Model: IntoActiveModel<Self::ActiveModel> + serde::Serialize + Clone + Send + Sync, ActiveModel: Send>
{
    /// The kind's name in messages and in the audit trail.
    const NOUN: &'static str;
    /// What a client writes.
    type Input: Send;
    const ID: Self::Column;
    const NAME: Self::Column;
    const ARCHIVED: Self::Column;
    const VERSION: Self::Column;
    const CREATED_AT: Self::Column;
    const UPDATED_AT: Self::Column;

    fn name(input: &Self::Input) -> &str;
    fn id(model: &Self::Model) -> i32;
    fn version(model: &Self::Model) -> i32;
    /// The cluster the input refers to, checked to exist before writing.
    fn cluster_of(_input: &Self::Input) -> Option<i32> {
        None
    }
    /// Sets the kind's own fields from `input`, besides the name and the bookkeeping.
    fn fill(model: &mut Self::ActiveModel, input: Self::Input);
}

impl Reference for team::Entity {
    const NOUN: &'static str = "team";
    type Input = TeamInput;
    const ID: team::Column = team::Column::Id;
    const NAME: team::Column = team::Column::Name;
    const ARCHIVED: team::Column = team::Column::Archived;
    const VERSION: team::Column = team::Column::Version;
    const CREATED_AT: team::Column = team::Column::CreatedAt;
    const UPDATED_AT: team::Column = team::Column::UpdatedAt;

    fn name(input: &TeamInput) -> &str {
        &input.name
    }
    fn id(model: &team::Model) -> i32 {
        model.id
    }
    fn version(model: &team::Model) -> i32 {
        model.version
    }
    fn cluster_of(input: &TeamInput) -> Option<i32> {
        input.cluster_id
    }
    fn fill(model: &mut team::ActiveModel, input: TeamInput) {
        model.cluster_id = Set(input.cluster_id);
        model.lead_official = Set(clean(input.lead_official));
        model.archived = Set(input.archived);
    }
}

impl Reference for cluster::Entity {
    const NOUN: &'static str = "cluster";
    type Input = ClusterInput;
    const ID: cluster::Column = cluster::Column::Id;
    const NAME: cluster::Column = cluster::Column::Name;
    const ARCHIVED: cluster::Column = cluster::Column::Archived;
    const VERSION: cluster::Column = cluster::Column::Version;
    const CREATED_AT: cluster::Column = cluster::Column::CreatedAt;
    const UPDATED_AT: cluster::Column = cluster::Column::UpdatedAt;

    fn name(input: &ClusterInput) -> &str {
        &input.name
    }
    fn id(model: &cluster::Model) -> i32 {
        model.id
    }
    fn version(model: &cluster::Model) -> i32 {
        model.version
    }
    fn fill(model: &mut cluster::ActiveModel, input: ClusterInput) {
        model.category = Set(clean(input.category));
        model.archived = Set(input.archived);
    }
}

impl Reference for park::Entity {
    const NOUN: &'static str = "park";
    type Input = ParkInput;
    const ID: park::Column = park::Column::Id;
    const NAME: park::Column = park::Column::Name;
    const ARCHIVED: park::Column = park::Column::Archived;
    const VERSION: park::Column = park::Column::Version;
    const CREATED_AT: park::Column = park::Column::CreatedAt;
    const UPDATED_AT: park::Column = park::Column::UpdatedAt;

    fn name(input: &ParkInput) -> &str {
        &input.name
    }
    fn id(model: &park::Model) -> i32 {
        model.id
    }
    fn version(model: &park::Model) -> i32 {
        model.version
    }
    fn fill(model: &mut park::ActiveModel, input: ParkInput) {
        model.archived = Set(input.archived);
    }
}

/// The rows of one kind by id, the archived ones only when asked for.
pub async fn list<R: Reference>(db: &impl ConnectionTrait, include_archived: bool) -> ServiceResult<Vec<R::Model>> {
    let mut query = R::find().order_by_asc(R::ID);
    if !include_archived {
        query = query.filter(R::ARCHIVED.eq(false));
    }
    Ok(query.all(db).await?)
}

pub async fn get<R: Reference>(db: &impl ConnectionTrait, id: i32) -> ServiceResult<R::Model> {
    R::find()
        .filter(R::ID.eq(id))
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::not_found(R::NOUN, id))
}

async fn check_cluster_ref(db: &impl ConnectionTrait, cluster_id: Option<i32>) -> ServiceResult<()> {
    if let Some(id) = cluster_id
        && cluster::Entity::find_by_id(id).one(db).await?.is_none()
    {
        return Err(ServiceError::invalid("cluster_id", no_record("cluster", id)));
    }
    Ok(())
}

/// Creates a row of one kind; administrators only.
pub async fn create<R: Reference, C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    input: R::Input,
) -> ServiceResult<R::Model> {
    actor.principal().check_admin()?;
    let name = required_name(R::name(&input))?;
    let txn = crate::db::begin_write(db).await?;
    check_cluster_ref(&txn, R::cluster_of(&input)).await?;
    let at = Value::from(now());
    let mut model = R::ActiveModel::default();
    model.set(R::NAME, Value::from(name.clone()));
    model.set(R::CREATED_AT, at.clone());
    model.set(R::UPDATED_AT, at);
    R::fill(&mut model, input);
    let created = model
        .insert(&txn)
        .await
        .map_err(|e| duplicate_name(e.into(), R::NOUN, &name))?;
    trail(&txn, actor, R::NOUN, R::id(&created), "create", None, Some(&created)).await?;
    txn.commit().await?;
    Ok(created)
}

/// Replaces a row of one kind, if it is still at `expected_version`; administrators only.
pub async fn update<R: Reference, C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    id: i32,
    input: R::Input,
    expected_version: i32,
) -> ServiceResult<R::Model> {
    actor.principal().check_admin()?;
    let name = required_name(R::name(&input))?;
    let txn = crate::db::begin_write(db).await?;
    let existing = get::<R>(&txn, id).await?;
    versioned::check(R::NOUN, id, R::version(&existing), expected_version)?;
    check_cluster_ref(&txn, R::cluster_of(&input)).await?;
    let mut model = existing.clone().into_active_model();
    model.set(R::NAME, Value::from(name.clone()));
    model.set(R::UPDATED_AT, Value::from(now()));
    model.set(R::VERSION, Value::from(expected_version + 1));
    R::fill(&mut model, input);
    let updated = versioned::save(&txn, R::NOUN, model, id, expected_version, R::ID, R::VERSION)
        .await
        .map_err(|e| duplicate_name(e, R::NOUN, &name))?;
    trail(&txn, actor, R::NOUN, id, "update", Some(&existing), Some(&updated)).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Deletes a row of one kind nothing refers to; administrators only.
pub async fn delete<R: Reference, C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    id: i32,
) -> ServiceResult<()> {
    actor.principal().check_admin()?;
    let txn = crate::db::begin_write(db).await?;
    let existing = get::<R>(&txn, id).await?;
    R::delete_many()
        .filter(R::ID.eq(id))
        .exec(&txn)
        .await
        .map_err(|e| still_used(e.into(), R::NOUN))?;
    trail(&txn, actor, R::NOUN, id, "delete", Some(&existing), None).await?;
    txn.commit().await?;
    Ok(())
}
