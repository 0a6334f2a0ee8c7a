//! Reference data: task forces (专班), industry clusters and parks. 大足's are seeded by a
//! migration; all of it is editable.

use entity::{cluster, park, team};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionSession,
    TransactionTrait,
};

use super::audit::{self, Change};
use super::versioned;
use super::{Actor, ServiceError, ServiceResult, clean, now};

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
    let name = name.trim();
    if name.is_empty() {
        return Err(ServiceError::invalid("name", "must not be blank"));
    }
    if name.chars().count() > 100 {
        return Err(ServiceError::invalid("name", "must be at most 100 characters"));
    }
    Ok(name.to_string())
}

/// A unique-name violation (a conflict without field details) as a 409 naming the field.
fn duplicate_name(err: ServiceError, what: &str, name: &str) -> ServiceError {
    match err {
        ServiceError::Conflict { details, .. } if details.is_empty() => {
            ServiceError::conflict("name", format!("a {what} named `{name}` already exists"))
        }
        other => other,
    }
}

fn still_used(err: ServiceError, what: &str) -> ServiceError {
    match err {
        ServiceError::Invalid { details, .. } if details.is_empty() => ServiceError::Conflict {
            message: format!("this {what} is still referred to by other records; archive it instead"),
            details: vec![],
        },
        other => other,
    }
}

pub async fn list_teams(db: &impl ConnectionTrait, include_archived: bool) -> ServiceResult<Vec<team::Model>> {
    let mut query = team::Entity::find().order_by_asc(team::Column::Id);
    if !include_archived {
        query = query.filter(team::Column::Archived.eq(false));
    }
    Ok(query.all(db).await?)
}

pub async fn get_team(db: &impl ConnectionTrait, id: i32) -> ServiceResult<team::Model> {
    team::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::not_found("team", id))
}

async fn check_cluster_ref(db: &impl ConnectionTrait, cluster_id: Option<i32>) -> ServiceResult<()> {
    if let Some(id) = cluster_id
        && cluster::Entity::find_by_id(id).one(db).await?.is_none()
    {
        return Err(ServiceError::invalid("cluster_id", format!("no cluster has id {id}")));
    }
    Ok(())
}

pub async fn create_team<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    input: TeamInput,
) -> ServiceResult<team::Model> {
    actor.principal().check_admin()?;
    let name = required_name(&input.name)?;
    let txn = db.begin().await?;
    check_cluster_ref(&txn, input.cluster_id).await?;
    let at = now();
    let created = team::ActiveModel {
        name: Set(name.clone()),
        cluster_id: Set(input.cluster_id),
        lead_official: Set(clean(input.lead_official)),
        archived: Set(input.archived),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| duplicate_name(e.into(), "team", &name))?;
    trail(&txn, actor, "team", created.id, "create", None, Some(&created)).await?;
    txn.commit().await?;
    Ok(created)
}

pub async fn update_team<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    id: i32,
    input: TeamInput,
    expected_version: i32,
) -> ServiceResult<team::Model> {
    actor.principal().check_admin()?;
    let name = required_name(&input.name)?;
    let txn = db.begin().await?;
    let existing = get_team(&txn, id).await?;
    versioned::check("team", id, existing.version, expected_version)?;
    check_cluster_ref(&txn, input.cluster_id).await?;
    let mut model: team::ActiveModel = existing.clone().into();
    model.name = Set(name.clone());
    model.cluster_id = Set(input.cluster_id);
    model.lead_official = Set(clean(input.lead_official));
    model.archived = Set(input.archived);
    model.updated_at = Set(now());
    model.version = Set(expected_version + 1);
    let updated = versioned::save(
        &txn,
        "team",
        model,
        id,
        expected_version,
        team::Column::Id,
        team::Column::Version,
    )
    .await
    .map_err(|e| duplicate_name(e, "team", &name))?;
    trail(&txn, actor, "team", id, "update", Some(&existing), Some(&updated)).await?;
    txn.commit().await?;
    Ok(updated)
}

pub async fn delete_team<C: ConnectionTrait + TransactionTrait>(db: &C, actor: &Actor, id: i32) -> ServiceResult<()> {
    actor.principal().check_admin()?;
    let txn = db.begin().await?;
    let existing = get_team(&txn, id).await?;
    team::Entity::delete_by_id(id)
        .exec(&txn)
        .await
        .map_err(|e| still_used(e.into(), "team"))?;
    trail(&txn, actor, "team", id, "delete", Some(&existing), None).await?;
    txn.commit().await?;
    Ok(())
}

pub async fn list_clusters(db: &impl ConnectionTrait, include_archived: bool) -> ServiceResult<Vec<cluster::Model>> {
    let mut query = cluster::Entity::find().order_by_asc(cluster::Column::Id);
    if !include_archived {
        query = query.filter(cluster::Column::Archived.eq(false));
    }
    Ok(query.all(db).await?)
}

pub async fn get_cluster(db: &impl ConnectionTrait, id: i32) -> ServiceResult<cluster::Model> {
    cluster::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::not_found("cluster", id))
}

pub async fn create_cluster<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    input: ClusterInput,
) -> ServiceResult<cluster::Model> {
    actor.principal().check_admin()?;
    let name = required_name(&input.name)?;
    let txn = db.begin().await?;
    let at = now();
    let created = cluster::ActiveModel {
        name: Set(name.clone()),
        category: Set(clean(input.category)),
        archived: Set(input.archived),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| duplicate_name(e.into(), "cluster", &name))?;
    trail(&txn, actor, "cluster", created.id, "create", None, Some(&created)).await?;
    txn.commit().await?;
    Ok(created)
}

pub async fn update_cluster<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    id: i32,
    input: ClusterInput,
    expected_version: i32,
) -> ServiceResult<cluster::Model> {
    actor.principal().check_admin()?;
    let name = required_name(&input.name)?;
    let txn = db.begin().await?;
    let existing = get_cluster(&txn, id).await?;
    versioned::check("cluster", id, existing.version, expected_version)?;
    let mut model: cluster::ActiveModel = existing.clone().into();
    model.name = Set(name.clone());
    model.category = Set(clean(input.category));
    model.archived = Set(input.archived);
    model.updated_at = Set(now());
    model.version = Set(expected_version + 1);
    let updated = versioned::save(
        &txn,
        "cluster",
        model,
        id,
        expected_version,
        cluster::Column::Id,
        cluster::Column::Version,
    )
    .await
    .map_err(|e| duplicate_name(e, "cluster", &name))?;
    trail(&txn, actor, "cluster", id, "update", Some(&existing), Some(&updated)).await?;
    txn.commit().await?;
    Ok(updated)
}

pub async fn delete_cluster<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    id: i32,
) -> ServiceResult<()> {
    actor.principal().check_admin()?;
    let txn = db.begin().await?;
    let existing = get_cluster(&txn, id).await?;
    cluster::Entity::delete_by_id(id)
        .exec(&txn)
        .await
        .map_err(|e| still_used(e.into(), "cluster"))?;
    trail(&txn, actor, "cluster", id, "delete", Some(&existing), None).await?;
    txn.commit().await?;
    Ok(())
}

pub async fn list_parks(db: &impl ConnectionTrait, include_archived: bool) -> ServiceResult<Vec<park::Model>> {
    let mut query = park::Entity::find().order_by_asc(park::Column::Id);
    if !include_archived {
        query = query.filter(park::Column::Archived.eq(false));
    }
    Ok(query.all(db).await?)
}

pub async fn get_park(db: &impl ConnectionTrait, id: i32) -> ServiceResult<park::Model> {
    park::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::not_found("park", id))
}

pub async fn create_park<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    input: ParkInput,
) -> ServiceResult<park::Model> {
    actor.principal().check_admin()?;
    let name = required_name(&input.name)?;
    let txn = db.begin().await?;
    let at = now();
    let created = park::ActiveModel {
        name: Set(name.clone()),
        archived: Set(input.archived),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| duplicate_name(e.into(), "park", &name))?;
    trail(&txn, actor, "park", created.id, "create", None, Some(&created)).await?;
    txn.commit().await?;
    Ok(created)
}

pub async fn update_park<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    id: i32,
    input: ParkInput,
    expected_version: i32,
) -> ServiceResult<park::Model> {
    actor.principal().check_admin()?;
    let name = required_name(&input.name)?;
    let txn = db.begin().await?;
    let existing = get_park(&txn, id).await?;
    versioned::check("park", id, existing.version, expected_version)?;
    let mut model: park::ActiveModel = existing.clone().into();
    model.name = Set(name.clone());
    model.archived = Set(input.archived);
    model.updated_at = Set(now());
    model.version = Set(expected_version + 1);
    let updated = versioned::save(
        &txn,
        "park",
        model,
        id,
        expected_version,
        park::Column::Id,
        park::Column::Version,
    )
    .await
    .map_err(|e| duplicate_name(e, "park", &name))?;
    trail(&txn, actor, "park", id, "update", Some(&existing), Some(&updated)).await?;
    txn.commit().await?;
    Ok(updated)
}

pub async fn delete_park<C: ConnectionTrait + TransactionTrait>(db: &C, actor: &Actor, id: i32) -> ServiceResult<()> {
    actor.principal().check_admin()?;
    let txn = db.begin().await?;
    let existing = get_park(&txn, id).await?;
    park::Entity::delete_by_id(id)
        .exec(&txn)
        .await
        .map_err(|e| still_used(e.into(), "park"))?;
    trail(&txn, actor, "park", id, "delete", Some(&existing), None).await?;
    txn.commit().await?;
    Ok(())
}
