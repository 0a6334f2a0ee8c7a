//! Moving projects through their lifecycle: stage transitions (through the domain's rules),
//! contract terms and the stage history, each change in one transaction.

use chrono::NaiveDate;
use entity::enums::{AgreementType, Stage};
use entity::{contract, project, stage_history};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionSession,
    TransactionTrait, TryIntoModel,
};

use super::audit::{self, Change};
use super::projects::{ProjectView, check_version, get_project, readable_project, save_versioned, writable_project};
use super::{Actor, Problems, ServiceError, ServiceResult, Words, clean, now};
use crate::domain::stage::{StageDates, Transition, TransitionError, check_dates_in_order, plan_transition};
use crate::domain::{PastDate, money, today};

/// Contract terms as written by a client.
#[derive(Debug, Clone)]
pub struct ContractInput {
    pub agreement_type: AgreementType,
    pub signed_on: NaiveDate,
    pub contracted_investment: Decimal,
    pub promised_start_on: Option<NaiveDate>,
    pub promised_production_on: Option<NaiveDate>,
    pub promised_full_production_on: Option<NaiveDate>,
    pub promised_output_value: Option<Decimal>,
    pub promised_tax: Option<Decimal>,
}

/// A requested stage move.
#[derive(Debug, Clone)]
pub struct TransitionInput {
    pub to: Stage,
    /// Defaults to the contract's signing date for `signed`, to today otherwise.
    pub on: Option<NaiveDate>,
    pub reason: Option<String>,
    /// Contract terms to record with a move to `signed`.
    pub contract: Option<ContractInput>,
    pub expected_version: Option<i32>,
}

pub fn stage_dates(p: &project::Model) -> StageDates {
    StageDates {
        lead_on: p.lead_on,
        negotiating_on: p.negotiating_on,
        signed_on: p.signed_on,
        started_on: p.started_on,
        producing_on: p.producing_on,
        effective_on: p.effective_on,
        terminated_on: p.terminated_on,
    }
}

fn set_stage_dates(model: &mut project::ActiveModel, dates: StageDates) {
    model.lead_on = Set(dates.lead_on);
    model.negotiating_on = Set(dates.negotiating_on);
    model.signed_on = Set(dates.signed_on);
    model.started_on = Set(dates.started_on);
    model.producing_on = Set(dates.producing_on);
    model.effective_on = Set(dates.effective_on);
    model.terminated_on = Set(dates.terminated_on);
}

/// Why a move was refused, as a 422 naming the field at fault.
fn refused(err: TransitionError) -> ServiceError {
    let field = match err {
        TransitionError::DateInFuture { .. }
        | TransitionError::DateTooEarly { .. }
        | TransitionError::DateBeforePrevious { .. } => "date",
        TransitionError::ReasonRequired => "reason",
        TransitionError::ContractRequired | TransitionError::SignedDateMismatch { .. } => "contract",
        TransitionError::AlreadyThere(_) | TransitionError::SkipsStage { .. } => "stage",
    };
    ServiceError::refused(field, &err)
}

struct CheckedContract {
    input: ContractInput,
    signed_on: PastDate,
    contracted_investment_yuan: i64,
    promised_output_value_yuan: Option<i64>,
    promised_tax_yuan: Option<i64>,
}

fn check_contract(input: ContractInput) -> ServiceResult<CheckedContract> {
    let mut problems = Problems::default();
    let contracted_investment_yuan = problems.check(
        "contract.contracted_investment",
        money::positive_wan_to_yuan(input.contracted_investment),
    );
    let promised_output_value_yuan = input
        .promised_output_value
        .and_then(|a| problems.check("contract.promised_output_value", money::wan_to_yuan(a)));
    let promised_tax_yuan = input
        .promised_tax
        .and_then(|a| problems.check("contract.promised_tax", money::wan_to_yuan(a)));
    let signed_on = problems.check("contract.signed_on", PastDate::new(input.signed_on));
    let promised = [
        ("contract.promised_start_on", input.promised_start_on),
        ("contract.promised_production_on", input.promised_production_on),
        (
            "contract.promised_full_production_on",
            input.promised_full_production_on,
        ),
    ];
    let mut previous = ("contract.signed_on", Some(input.signed_on));
    for (field, date) in promised {
        if let (Some(date), (prev_field, Some(prev))) = (date, previous)
            && date < prev
        {
            problems.add(
                field,
                Words::new(
                    format!("{date}早于{prev_field}（{prev}）"),
                    format!("{date} is earlier than {prev_field} ({prev})"),
                ),
            );
        }
        if date.is_some() {
            previous = (field, date);
        }
    }
    problems.finish()?;
    Ok(CheckedContract {
        signed_on: signed_on.expect("checked above"),
        contracted_investment_yuan: contracted_investment_yuan.unwrap_or_default(),
        promised_output_value_yuan,
        promised_tax_yuan,
        input,
    })
}

/// Inserts or replaces the contract of a project.
async fn write_contract(
    db: &impl ConnectionTrait,
    actor: &Actor,
    project_id: i32,
    checked: CheckedContract,
) -> ServiceResult<contract::Model> {
    let existing = contract::Entity::find()
        .filter(contract::Column::ProjectId.eq(project_id))
        .one(db)
        .await?;
    let before = existing.clone();
    let at = now();
    let c = checked.input;
    let mut model = match existing {
        Some(existing) => existing.into(),
        None => contract::ActiveModel {
            project_id: Set(project_id),
            created_at: Set(at),
            ..Default::default()
        },
    };
    model.agreement_type = Set(c.agreement_type);
    model.signed_on = Set(checked.signed_on.get());
    model.contracted_investment_yuan = Set(checked.contracted_investment_yuan);
    model.promised_start_on = Set(c.promised_start_on);
    model.promised_production_on = Set(c.promised_production_on);
    model.promised_full_production_on = Set(c.promised_full_production_on);
    model.promised_output_value_yuan = Set(checked.promised_output_value_yuan);
    model.promised_tax_yuan = Set(checked.promised_tax_yuan);
    model.updated_at = Set(at);
    let saved = model.save(db).await?.try_into_model()?;
    let action = if before.is_some() { "update" } else { "create" };
    audit::record(
        db,
        actor,
        Change {
            entity: "contract",
            entity_id: saved.id,
            project_id: Some(project_id),
            action,
            before: before.as_ref(),
            after: Some(&saved),
            reason: None,
        },
    )
    .await?;
    Ok(saved)
}

pub async fn find_contract(db: &impl ConnectionTrait, project_id: i32) -> ServiceResult<Option<contract::Model>> {
    Ok(contract::Entity::find()
        .filter(contract::Column::ProjectId.eq(project_id))
        .one(db)
        .await?)
}

/// Moves a project to a stage, appending the move to its history, in one transaction.
pub async fn transition<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    project_id: i32,
    input: TransitionInput,
    actor: &Actor,
) -> ServiceResult<(ProjectView, stage_history::Model)> {
    let txn = crate::db::begin_write(db).await?;
    let entry = transition_in(&txn, project_id, input, actor).await?;
    txn.commit().await?;
    Ok((get_project(db, actor, project_id).await?, entry))
}

/// [`transition`] inside a caller's transaction (the ledger import moves many projects in one).
pub async fn transition_in(
    db: &impl ConnectionTrait,
    project_id: i32,
    input: TransitionInput,
    actor: &Actor,
) -> ServiceResult<stage_history::Model> {
    let project = writable_project(db, actor, project_id).await?;
    check_version(&project, input.expected_version)?;
    let contract_signed_on = match input.contract {
        Some(terms) => {
            if input.to != Stage::Signed {
                return Err(ServiceError::invalid(
                    "contract",
                    Words::new(
                        "合同条款只能随“签约”这一阶段变更一起提交",
                        "contract terms go with a move to `signed` only",
                    ),
                ));
            }
            let checked = check_contract(terms)?;
            Some(write_contract(db, actor, project_id, checked).await?.signed_on)
        }
        None => find_contract(db, project_id).await?.map(|c| c.signed_on),
    };
    let on = match (input.on, input.to) {
        (Some(on), _) => on,
        (None, Stage::Signed) => contract_signed_on.ok_or_else(|| refused(TransitionError::ContractRequired))?,
        (None, _) => PastDate::today().get(),
    };
    let reason = clean(input.reason);
    let plan = plan_transition(
        project.stage,
        &stage_dates(&project),
        &Transition {
            to: input.to,
            on,
            reason: reason.clone(),
            contract_signed_on,
        },
        today(),
    )
    .map_err(refused)?;
    let version = project.version;
    let before = project.clone();
    let mut model: project::ActiveModel = project.into();
    model.stage = Set(plan.to);
    set_stage_dates(&mut model, plan.dates);
    let after = save_versioned(db, model, version).await?;
    audit::record(
        db,
        actor,
        Change {
            entity: "project",
            entity_id: project_id,
            project_id: Some(project_id),
            action: "transition",
            before: Some(&before),
            after: Some(&after),
            reason: reason.as_deref(),
        },
    )
    .await?;
    Ok(stage_history::ActiveModel {
        project_id: Set(project_id),
        from_stage: Set(Some(plan.from)),
        to_stage: Set(plan.to),
        effective_on: Set(on),
        user_id: Set(Some(actor.user_id)),
        recorded_at: Set(now()),
        reason: Set(reason),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Records or corrects a project's contract terms. On a signed project a new signing date
/// moves the stage date with it, provided the dates stay in lifecycle order.
pub async fn put_contract<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    project_id: i32,
    input: ContractInput,
) -> ServiceResult<contract::Model> {
    let txn = crate::db::begin_write(db).await?;
    let project = writable_project(&txn, actor, project_id).await?;
    let checked = check_contract(input)?;
    if project.signed_on.is_some_and(|d| d != checked.signed_on.get()) {
        let dates = StageDates {
            signed_on: Some(checked.signed_on.get()),
            ..stage_dates(&project)
        };
        check_dates_in_order(&dates, today()).map_err(|e| {
            ServiceError::invalid(
                "signed_on",
                Words::new(
                    format!("新的签约时间打乱了各阶段的先后顺序：{}", e.chinese()),
                    format!("the new signing date breaks the stage order: {e}"),
                ),
            )
        })?;
        let version = project.version;
        let before = project.clone();
        let mut model: project::ActiveModel = project.into();
        model.signed_on = Set(dates.signed_on);
        let after = save_versioned(&txn, model, version).await?;
        audit::record(
            &txn,
            actor,
            Change {
                entity: "project",
                entity_id: project_id,
                project_id: Some(project_id),
                action: "update",
                before: Some(&before),
                after: Some(&after),
                reason: Some("contract signing date corrected"),
            },
        )
        .await?;
    }
    let saved = write_contract(&txn, actor, project_id, checked).await?;
    txn.commit().await?;
    Ok(saved)
}

pub async fn get_contract(db: &impl ConnectionTrait, actor: &Actor, project_id: i32) -> ServiceResult<contract::Model> {
    readable_project(db, actor, project_id).await?;
    find_contract(db, project_id)
        .await?
        .ok_or_else(|| ServiceError::not_found("contract of project", project_id))
}

/// The stage history of a project, oldest first.
pub async fn history(
    db: &impl ConnectionTrait,
    actor: &Actor,
    project_id: i32,
) -> ServiceResult<Vec<stage_history::Model>> {
    readable_project(db, actor, project_id).await?;
    Ok(stage_history::Entity::find()
        .filter(stage_history::Column::ProjectId.eq(project_id))
        .order_by_asc(stage_history::Column::Id)
        .all(db)
        .await?)
}
