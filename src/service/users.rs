//! Users of the service and what they may be.

use entity::enums::Role;
use entity::{team, user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
    TransactionSession, TransactionTrait,
};

use super::audit::{self, Change};
use super::versioned;
use super::{Actor, ServiceError, ServiceResult, Words, now};
use crate::domain::access;
use crate::domain::words::no_record;

/// A user as written by a client.
#[derive(Debug, Clone)]
pub struct UserInput {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub team_id: Option<i32>,
    pub archived: bool,
}

fn check_username(username: &str) -> ServiceResult<String> {
    let username = username.trim();
    let valid = (2..=64).contains(&username.len())
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if !valid {
        return Err(ServiceError::invalid(
            "username",
            Words::new(
                "只能由英文字母、数字、下划线（_）、点（.）和连字符（-）组成，2至64个字符，不能用汉字或空格",
                "must be 2 to 64 letters, digits, `_`, `-` or `.`",
            ),
        ));
    }
    Ok(username.to_string())
}

/// The refusal of a username someone else has.
fn username_taken(username: &str) -> ServiceError {
    ServiceError::conflict(
        "username",
        Words::new(
            format!("用户名`{username}`已被占用"),
            format!("the username `{username}` is taken"),
        ),
    )
}

async fn check_team(db: &impl ConnectionTrait, role: Role, team_id: Option<i32>) -> ServiceResult<()> {
    match (role, team_id) {
        (Role::Admin | Role::Leader, Some(_)) => Err(ServiceError::invalid(
            "team_id",
            Words::new("管理员和领导不属于任何专班", "admins and leaders belong to no team"),
        )),
        (Role::TeamLead | Role::Member, None) => Err(ServiceError::invalid(
            "team_id",
            Words::new(
                "专班负责人和成员必须属于一个专班",
                "team leads and members belong to a team",
            ),
        )),
        (_, Some(id)) if team::Entity::find_by_id(id).one(db).await?.is_none() => {
            Err(ServiceError::invalid("team_id", no_record("team", id)))
        }
        _ => Ok(()),
    }
}

pub async fn count_users(db: &impl ConnectionTrait) -> ServiceResult<u64> {
    Ok(user::Entity::find().count(db).await?)
}

/// Every user for an admin; a team lead's own team; nobody else may list users.
pub async fn list_users(db: &impl ConnectionTrait, actor: &Actor) -> ServiceResult<Vec<user::Model>> {
    let mut query = user::Entity::find().order_by_asc(user::Column::Id);
    match actor.role {
        Role::Admin => {}
        Role::TeamLead => query = query.filter(user::Column::TeamId.eq(actor.team_id)),
        _ => actor.principal().check_admin()?,
    }
    Ok(query.all(db).await?)
}

/// A user, as seen by themself, an admin, or their team lead.
pub async fn get_user(db: &impl ConnectionTrait, actor: &Actor, id: i32) -> ServiceResult<user::Model> {
    let found = find_user(db, id).await?;
    if found.id != actor.user_id {
        actor.principal().check_manage_user(found.role, found.team_id)?;
    }
    Ok(found)
}

pub async fn find_user(db: &impl ConnectionTrait, id: i32) -> ServiceResult<user::Model> {
    user::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::not_found("user", id))
}

pub async fn find_by_username(db: &impl ConnectionTrait, username: &str) -> ServiceResult<user::Model> {
    user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::not_found("user", username))
}

/// Creates the first administrator, on first start, before anyone can sign in.
pub async fn bootstrap_admin(db: &impl ConnectionTrait) -> ServiceResult<user::Model> {
    insert_user(
        db,
        UserInput {
            username: "admin".into(),
            display_name: "Administrator".into(),
            role: Role::Admin,
            team_id: None,
            archived: false,
        },
    )
    .await
}

/// Creates a user: admins any, team leads members of their own team.
pub async fn create_user<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    input: UserInput,
) -> ServiceResult<user::Model> {
    actor.principal().check_manage_user(input.role, input.team_id)?;
    let txn = crate::db::begin_write(db).await?;
    let created = insert_user(&txn, input).await?;
    audit::record(
        &txn,
        actor,
        Change {
            entity: "user",
            entity_id: created.id,
            project_id: None,
            action: "create",
            before: None,
            after: Some(&created),
            reason: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

async fn insert_user(db: &impl ConnectionTrait, input: UserInput) -> ServiceResult<user::Model> {
    let username = check_username(&input.username)?;
    check_team(db, input.role, input.team_id).await?;
    let display_name = input.display_name.trim();
    let at = now();
    user::ActiveModel {
        username: Set(username.clone()),
        display_name: Set(if display_name.is_empty() {
            username.clone()
        } else {
            display_name.to_string()
        }),
        role: Set(input.role),
        team_id: Set(input.team_id),
        archived: Set(input.archived),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| match ServiceError::from(e) {
        ServiceError::Conflict { .. } => username_taken(&username),
        other => other,
    })
}

fn standing(role: Role, team_id: Option<i32>, archived: bool) -> access::Standing {
    access::Standing {
        role,
        team_id,
        archived,
    }
}

/// Replaces a user: admins any, team leads members of their own team; nobody their own role,
/// team or archived flag.
pub async fn update_user<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    id: i32,
    input: UserInput,
    expected_version: i32,
) -> ServiceResult<user::Model> {
    actor.principal().check_manage_user(input.role, input.team_id)?;
    let txn = crate::db::begin_write(db).await?;
    let db = &txn;
    let existing = find_user(db, id).await?;
    actor.principal().check_manage_user(existing.role, existing.team_id)?;
    versioned::check("user", id, existing.version, expected_version)?;
    access::check_change_standing(
        actor.user_id,
        id,
        standing(existing.role, existing.team_id, existing.archived),
        standing(input.role, input.team_id, input.archived),
    )?;
    let before = existing.clone();
    let username = check_username(&input.username)?;
    check_team(db, input.role, input.team_id).await?;
    let mut model: user::ActiveModel = existing.into();
    model.username = Set(username.clone());
    model.display_name = Set(input.display_name.trim().to_string());
    model.role = Set(input.role);
    model.team_id = Set(input.team_id);
    model.archived = Set(input.archived);
    model.updated_at = Set(now());
    model.version = Set(expected_version + 1);
    let updated = versioned::save(
        db,
        "user",
        model,
        id,
        expected_version,
        user::Column::Id,
        user::Column::Version,
    )
    .await
    .map_err(|e| match e {
        e if e.is_duplicate() => username_taken(&username),
        other => other,
    })?;
    audit::record(
        db,
        actor,
        Change {
            entity: "user",
            entity_id: id,
            project_id: None,
            action: "update",
            before: Some(&before),
            after: Some(&updated),
            reason: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}
