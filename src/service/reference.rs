//! Reference data: task forces (专班), industry clusters and parks. 大足's are seeded by a
//! migration; all of it is editable.

use entity::{cluster, park, team};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use super::{ServiceError, ServiceResult, clean, now};

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

fn duplicate_name(err: ServiceError, what: &str, name: &str) -> ServiceError {
    match err {
        ServiceError::Conflict { .. } => {
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

pub async fn create_team(db: &impl ConnectionTrait, input: TeamInput) -> ServiceResult<team::Model> {
    let name = required_name(&input.name)?;
    check_cluster_ref(db, input.cluster_id).await?;
    let at = now();
    team::ActiveModel {
        name: Set(name.clone()),
        cluster_id: Set(input.cluster_id),
        lead_official: Set(clean(input.lead_official)),
        archived: Set(input.archived),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| duplicate_name(e.into(), "team", &name))
}

pub async fn update_team(db: &impl ConnectionTrait, id: i32, input: TeamInput) -> ServiceResult<team::Model> {
    let existing = get_team(db, id).await?;
    let name = required_name(&input.name)?;
    check_cluster_ref(db, input.cluster_id).await?;
    let mut model: team::ActiveModel = existing.into();
    model.name = Set(name.clone());
    model.cluster_id = Set(input.cluster_id);
    model.lead_official = Set(clean(input.lead_official));
    model.archived = Set(input.archived);
    model.updated_at = Set(now());
    model
        .update(db)
        .await
        .map_err(|e| duplicate_name(e.into(), "team", &name))
}

pub async fn delete_team(db: &impl ConnectionTrait, id: i32) -> ServiceResult<()> {
    get_team(db, id).await?;
    team::Entity::delete_by_id(id)
        .exec(db)
        .await
        .map_err(|e| still_used(e.into(), "team"))?;
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

pub async fn create_cluster(db: &impl ConnectionTrait, input: ClusterInput) -> ServiceResult<cluster::Model> {
    let name = required_name(&input.name)?;
    let at = now();
    cluster::ActiveModel {
        name: Set(name.clone()),
        category: Set(clean(input.category)),
        archived: Set(input.archived),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| duplicate_name(e.into(), "cluster", &name))
}

pub async fn update_cluster(db: &impl ConnectionTrait, id: i32, input: ClusterInput) -> ServiceResult<cluster::Model> {
    let existing = get_cluster(db, id).await?;
    let name = required_name(&input.name)?;
    let mut model: cluster::ActiveModel = existing.into();
    model.name = Set(name.clone());
    model.category = Set(clean(input.category));
    model.archived = Set(input.archived);
    model.updated_at = Set(now());
    model
        .update(db)
        .await
        .map_err(|e| duplicate_name(e.into(), "cluster", &name))
}

pub async fn delete_cluster(db: &impl ConnectionTrait, id: i32) -> ServiceResult<()> {
    get_cluster(db, id).await?;
    cluster::Entity::delete_by_id(id)
        .exec(db)
        .await
        .map_err(|e| still_used(e.into(), "cluster"))?;
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

pub async fn create_park(db: &impl ConnectionTrait, input: ParkInput) -> ServiceResult<park::Model> {
    let name = required_name(&input.name)?;
    let at = now();
    park::ActiveModel {
        name: Set(name.clone()),
        archived: Set(input.archived),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| duplicate_name(e.into(), "park", &name))
}

pub async fn update_park(db: &impl ConnectionTrait, id: i32, input: ParkInput) -> ServiceResult<park::Model> {
    let existing = get_park(db, id).await?;
    let name = required_name(&input.name)?;
    let mut model: park::ActiveModel = existing.into();
    model.name = Set(name.clone());
    model.archived = Set(input.archived);
    model.updated_at = Set(now());
    model
        .update(db)
        .await
        .map_err(|e| duplicate_name(e.into(), "park", &name))
}

pub async fn delete_park(db: &impl ConnectionTrait, id: i32) -> ServiceResult<()> {
    get_park(db, id).await?;
    park::Entity::delete_by_id(id)
        .exec(db)
        .await
        .map_err(|e| still_used(e.into(), "park"))?;
    Ok(())
}
