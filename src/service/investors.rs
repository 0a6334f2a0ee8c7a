//! Investors: the companies behind projects, identified by their unified social credit code.

use entity::investor;
use sea_orm::sea_query::LikeExpr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionSession, TransactionTrait,
};

use super::audit::{self, Change};
use super::versioned;
use super::{Actor, PageRequest, Problems, ServiceError, ServiceResult, Words, clean, now};
use crate::domain::project;

/// An investor as written by a client.
#[derive(Debug, Clone)]
pub struct InvestorInput {
    pub name: String,
    pub credit_code: Option<String>,
    pub origin_region: Option<String>,
}

/// A `LIKE` pattern matching `text` anywhere, with `%` and `_` in it taken literally.
pub fn contains_pattern(text: &str) -> LikeExpr {
    let escaped = text
        .trim()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}

/// A unified social credit code (统一社会信用代码): 18 characters of digits and capital letters
/// other than I, O, Z, S and V.
pub fn check_credit_code(code: &str) -> Result<String, Words> {
    let code = code.trim().to_ascii_uppercase();
    let valid = code.len() == 18
        && code
            .chars()
            .all(|c| c.is_ascii_digit() || (c.is_ascii_uppercase() && !"IOZSV".contains(c)));
    if valid {
        Ok(code)
    } else {
        Err(Words::new(
            format!("`{code}`不是18位统一社会信用代码"),
            format!("`{code}` is not an 18-character unified social credit code"),
        ))
    }
}

fn check(input: InvestorInput) -> ServiceResult<InvestorInput> {
    let mut problems = Problems::default();
    let name = problems
        .check("name", project::investor_name(&input.name))
        .map(str::to_string);
    let credit_code = clean(input.credit_code).and_then(|c| problems.check("credit_code", check_credit_code(&c)));
    problems.finish()?;
    Ok(InvestorInput {
        name: name.expect("checked above"),
        credit_code,
        origin_region: clean(input.origin_region),
    })
}

fn duplicate_code(err: sea_orm::DbErr, code: &Option<String>) -> ServiceError {
    match ServiceError::from(err) {
        ServiceError::Conflict { .. } => credit_code_taken(code),
        other => other,
    }
}

/// The refusal of a credit code another investor has.
fn credit_code_taken(code: &Option<String>) -> ServiceError {
    let code = code.as_deref().unwrap_or_default();
    ServiceError::conflict(
        "credit_code",
        Words::new(
            format!("统一社会信用代码为`{code}`的投资方已存在"),
            format!("an investor with credit code `{code}` exists"),
        ),
    )
}

pub async fn list_investors(
    db: &impl ConnectionTrait,
    q: Option<&str>,
    page: PageRequest,
) -> ServiceResult<(u64, Vec<investor::Model>)> {
    let mut query = investor::Entity::find();
    if let Some(q) = q.filter(|q| !q.trim().is_empty()) {
        query = query.filter(
            Condition::any()
                .add(investor::Column::Name.like(contains_pattern(q)))
                .add(investor::Column::CreditCode.like(contains_pattern(q))),
        );
    }
    let total = query.clone().count(db).await?;
    let items = query
        .order_by_asc(investor::Column::Name)
        .order_by_asc(investor::Column::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(db)
        .await?;
    Ok((total, items))
}

pub async fn get_investor(db: &impl ConnectionTrait, id: i32) -> ServiceResult<investor::Model> {
    investor::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::not_found("investor", id))
}

pub async fn create_investor<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    input: InvestorInput,
) -> ServiceResult<investor::Model> {
    actor.principal().check_write_shared()?;
    let input = check(input)?;
    let at = now();
    let txn = crate::db::begin_write(db).await?;
    let created = investor::ActiveModel {
        name: Set(input.name),
        credit_code: Set(input.credit_code.clone()),
        origin_region: Set(input.origin_region),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| duplicate_code(e, &input.credit_code))?;
    audit::record(&txn, actor, change(created.id, "create", None, Some(&created))).await?;
    txn.commit().await?;
    Ok(created)
}

fn change<'a>(
    id: i32,
    action: &'static str,
    before: Option<&'a investor::Model>,
    after: Option<&'a investor::Model>,
) -> Change<'a, investor::Model> {
    Change {
        entity: "investor",
        entity_id: id,
        project_id: None,
        action,
        before,
        after,
        reason: None,
    }
}

pub async fn update_investor<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    id: i32,
    input: InvestorInput,
    expected_version: i32,
) -> ServiceResult<investor::Model> {
    actor.principal().check_write_shared()?;
    let input = check(input)?;
    let txn = crate::db::begin_write(db).await?;
    let existing = get_investor(&txn, id).await?;
    versioned::check("investor", id, existing.version, expected_version)?;
    let mut model: investor::ActiveModel = existing.clone().into();
    model.name = Set(input.name);
    model.credit_code = Set(input.credit_code.clone());
    model.origin_region = Set(input.origin_region);
    model.updated_at = Set(now());
    model.version = Set(expected_version + 1);
    let updated = versioned::save(
        &txn,
        "investor",
        model,
        id,
        expected_version,
        investor::Column::Id,
        investor::Column::Version,
    )
    .await
    .map_err(|e| match e {
        e if e.is_duplicate() => credit_code_taken(&input.credit_code),
        other => other,
    })?;
    audit::record(&txn, actor, change(id, "update", Some(&existing), Some(&updated))).await?;
    txn.commit().await?;
    Ok(updated)
}

pub async fn delete_investor<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    id: i32,
) -> ServiceResult<()> {
    actor.principal().check_admin()?;
    let txn = crate::db::begin_write(db).await?;
    let existing = get_investor(&txn, id).await?;
    investor::Entity::delete_by_id(id)
        .exec(&txn)
        .await
        .map_err(|e| match ServiceError::from(e) {
            ServiceError::Invalid { .. } => ServiceError::Conflict {
                message: Words::new(
                    "这个投资方还有项目；请先删除这些项目或改到其他投资方名下",
                    "this investor still has projects; delete or reassign them first",
                ),
                details: vec![],
            },
            other => other,
        })?;
    audit::record(&txn, actor, change(id, "delete", Some(&existing), None)).await?;
    txn.commit().await?;
    Ok(())
}
