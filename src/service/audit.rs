//! The audit trail: every write records who, when, which record, the fields that changed
//! (before and after) and the reason, in the write's own transaction. Read-only afterwards.

use chrono::{DateTime, Utc};
use entity::audit_entry;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::{Actor, PageRequest, ServiceResult, now};

mod fields;

/// Fields that change on every write and say nothing about what changed.
const NOISE: [&str; 2] = ["updated_at", "version"];

/// One change to record.
pub struct Change<'a, T: Serialize> {
    pub entity: &'static str,
    pub entity_id: i32,
    pub project_id: Option<i32>,
    pub action: &'static str,
    pub before: Option<&'a T>,
    pub after: Option<&'a T>,
    pub reason: Option<&'a str>,
}

/// `{field: {"before": …, "after": …}}` for every field whose value differs.
pub fn diff(before: Option<Value>, after: Option<Value>) -> Map<String, Value> {
    let as_map = |v: Option<Value>| match v {
        Some(Value::Object(map)) => map,
        _ => Map::new(),
    };
    let (before, after) = (as_map(before), as_map(after));
    let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| !NOISE.contains(&k.as_str()))
        .filter_map(|k| {
            let (b, a) = (
                before.get(k).cloned().unwrap_or(Value::Null),
                after.get(k).cloned().unwrap_or(Value::Null),
            );
            (b != a).then(|| (k.clone(), json!({"before": b, "after": a})))
        })
        .collect()
}

/// Appends a change to the trail; an update that changed nothing is not recorded.
pub async fn record<T: Serialize>(
    db: &impl ConnectionTrait,
    actor: &Actor,
    change: Change<'_, T>,
) -> ServiceResult<()> {
    if let Some(entry) = entry(now(), actor, change) {
        entry.insert(db).await?;
    }
    Ok(())
}

/// The trail's entry for a change recorded at `at`, as [`record`] writes it; `None` for an
/// update that changed nothing. For a caller that writes many entries in one statement.
pub fn entry<T: Serialize>(
    at: DateTime<Utc>,
    actor: &Actor,
    change: Change<'_, T>,
) -> Option<audit_entry::ActiveModel> {
    let to_value = |v: Option<&T>| v.and_then(|v| serde_json::to_value(v).ok());
    let changes = diff(to_value(change.before), to_value(change.after));
    if changes.is_empty() && change.action == "update" {
        return None;
    }
    Some(audit_entry::ActiveModel {
        recorded_at: Set(at),
        user_id: Set(Some(actor.user_id)),
        entity: Set(change.entity.to_string()),
        entity_id: Set(change.entity_id),
        project_id: Set(change.project_id),
        action: Set(change.action.to_string()),
        changes: Set(Value::Object(changes).to_string()),
        reason: Set(change.reason.map(str::to_string)),
        ..Default::default()
    })
}

/// The `create` entry of a record whose whole content is new (a new project, created by hand
/// or by the ledger import's bulk load): `created` becomes
/// `{field: {"before": null, "after": value}}`, as [`diff`] writes it, recorded at `at`.
pub fn created_entry(
    at: DateTime<Utc>,
    actor: &Actor,
    entity: &str,
    entity_id: i32,
    project_id: Option<i32>,
    created: &impl Serialize,
    reason: Option<&str>,
) -> audit_entry::ActiveModel {
    audit_entry::ActiveModel {
        recorded_at: Set(at),
        user_id: Set(Some(actor.user_id)),
        entity: Set(entity.to_string()),
        entity_id: Set(entity_id),
        project_id: Set(project_id),
        action: Set("create".to_owned()),
        changes: Set(created_changes(created)),
        reason: Set(reason.map(str::to_string)),
        ..Default::default()
    }
}

/// `diff(None, Some(created))` written straight out for a struct (see [`fields`]): each field
/// but the nulls and the noise, as `{"after": value, "before": null}`, in the struct's order
/// rather than `diff`'s sorted one (the same JSON object: the trail is read back parsed).
/// Anything else goes through `diff`.
fn created_changes(created: &impl Serialize) -> String {
    let Ok(record) = fields::Fields::of(created) else {
        return Value::Object(diff(None, serde_json::to_value(created).ok())).to_string();
    };
    let mut changes = Vec::with_capacity(record.json.len() + 32 * record.fields.len());
    changes.push(b'{');
    for (field, value) in &record.fields {
        let value = &record.json[value.clone()];
        if value == b"null" || NOISE.contains(field) {
            continue;
        }
        if changes.len() > 1 {
            changes.push(b',');
        }
        // A field's name is a Rust identifier: nothing in it to escape.
        changes.push(b'"');
        changes.extend_from_slice(field.as_bytes());
        changes.extend_from_slice(br#"":{"after":"#);
        changes.extend_from_slice(value);
        changes.extend_from_slice(br#","before":null}"#);
    }
    changes.push(b'}');
    String::from_utf8(changes).expect("serde_json writes UTF-8")
}

/// Which entries to read.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub entity_id: Option<i32>,
    pub user_id: Option<i32>,
    pub project_id: Option<i32>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// A page of the trail of everything, newest first, and how many entries match: for
/// administrators and leaders.
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &AuditFilter,
    page: PageRequest,
) -> ServiceResult<(u64, Vec<audit_entry::Model>)> {
    actor.principal().check_read_audit()?;
    entries(db, filter, page).await
}

/// A page of one project's trail (the project and what belongs to it), newest first: for
/// everyone who may read the project.
pub async fn list_of_project(
    db: &impl ConnectionTrait,
    actor: &Actor,
    project_id: i32,
    page: PageRequest,
) -> ServiceResult<(u64, Vec<audit_entry::Model>)> {
    super::projects::readable_project(db, actor, project_id).await?;
    let filter = AuditFilter {
        project_id: Some(project_id),
        ..AuditFilter::default()
    };
    entries(db, &filter, page).await
}

async fn entries(
    db: &impl ConnectionTrait,
    filter: &AuditFilter,
    page: PageRequest,
) -> ServiceResult<(u64, Vec<audit_entry::Model>)> {
    let mut query = audit_entry::Entity::find();
    if let Some(entity) = &filter.entity {
        query = query.filter(audit_entry::Column::Entity.eq(entity.as_str()));
    }
    if let Some(id) = filter.entity_id {
        query = query.filter(audit_entry::Column::EntityId.eq(id));
    }
    if let Some(id) = filter.user_id {
        query = query.filter(audit_entry::Column::UserId.eq(id));
    }
    if let Some(id) = filter.project_id {
        query = query.filter(audit_entry::Column::ProjectId.eq(id));
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_entry::Column::RecordedAt.gte(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(audit_entry::Column::RecordedAt.lte(to));
    }
    let total = query.clone().count(db).await?;
    let items = query
        .order_by_desc(audit_entry::Column::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(db)
        .await?;
    Ok((total, items))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_names_only_the_changed_fields() {
        let before = json!({"name": "a", "stage": "lead", "version": 1, "updated_at": "x"});
        let after = json!({"name": "a", "stage": "negotiating", "version": 2, "updated_at": "y"});
        let changes = diff(Some(before), Some(after));
        assert_eq!(
            Value::Object(changes),
            json!({"stage": {"before": "lead", "after": "negotiating"}})
        );
        let created = diff(None, Some(json!({"name": "b"})));
        assert_eq!(Value::Object(created), json!({"name": {"before": null, "after": "b"}}));
    }

    #[test]
    fn a_creation_is_written_as_the_diff_from_nothing() {
        #[derive(Serialize)]
        struct Created {
            stage: &'static str,
            name: &'static str,
            signed_on: &'static str,
            terminated_on: Option<&'static str>,
            payments_yuan: Vec<i64>,
            version: i32,
            updated_at: &'static str,
            at: chrono::DateTime<Utc>,
        }
        let created = Created {
            stage: "signed",
            name: "年产\"5万吨\"新材料项目",
            signed_on: "2025-03-01",
            terminated_on: None,
            payments_yuan: vec![1_000_000, 2_500_000],
            version: 3,
            updated_at: "x",
            at: Utc::now(),
        };
        let written = created_changes(&created);
        let expected = Value::Object(diff(None, serde_json::to_value(&created).ok()));
        assert_eq!(serde_json::from_str::<Value>(&written).unwrap(), expected, "{written}");
        assert!(
            !written.contains("version") && !written.contains("terminated_on"),
            "{written}"
        );
        // Not a struct: through diff, as before.
        let map = json!({"b": 1, "a": null});
        assert_eq!(created_changes(&map), r#"{"b":{"after":1,"before":null}}"#);
        assert_eq!(created_changes(&json!({})), "{}");
        assert_eq!(created_changes(&json!([1])), "{}", "not an object: nothing, as diff");
    }
}
