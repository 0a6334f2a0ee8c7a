//! A project's records from its page: payments (到位资金) added and removed, follow-ups
//! (跟进记录) added, through `service::records` (the same checks of amounts and dates, the
//! same team rules and audit entries as the API). Back to the project's page, or the page with
//! the refusal beside the form.

use entity::enums::{ActivityKind, FundingKind};
use poem::http::StatusCode;
use poem::web::{Data, Form, Path};
use poem::{Request, Response, handler};
use serde::Deserialize;

use super::projects::{Refusals, show};
use super::session::Session;
use super::view::{Choice, choices, filled, parse_date, parse_wan, redirect, refusal};
use crate::domain::words::Words;
use crate::service::records::{ActivityInput, FundingInput, add_activity, add_funding, delete_funding};
use crate::service::{ServiceError, ServiceResult};
use crate::state::AppState;

const FUNDING_KINDS: [(FundingKind, &str, &str); 4] = [
    (FundingKind::FixedAsset, "fixed_asset", "固定资产投资"),
    (FundingKind::RegisteredCapital, "registered_capital", "注册资本实缴"),
    (FundingKind::WorkingCapital, "working_capital", "流动资金"),
    (FundingKind::Other, "other", "其他"),
];

const ACTIVITY_KINDS: [(ActivityKind, &str, &str); 6] = [
    (ActivityKind::VisitOut, "visit_out", "外出拜访"),
    (ActivityKind::VisitIn, "visit_in", "企业来访"),
    (ActivityKind::Negotiation, "negotiation", "洽谈"),
    (ActivityKind::Call, "call", "电话"),
    (ActivityKind::Event, "event", "活动/推介会"),
    (ActivityKind::Other, "other", "其他"),
];

pub fn funding_kind_name(kind: FundingKind) -> &'static str {
    FUNDING_KINDS
        .iter()
        .find(|(k, ..)| *k == kind)
        .map_or("其他", |(_, _, name)| name)
}

pub fn activity_kind_name(kind: ActivityKind) -> &'static str {
    ACTIVITY_KINDS
        .iter()
        .find(|(k, ..)| *k == kind)
        .map_or("其他", |(_, _, name)| name)
}

pub fn funding_choices() -> Vec<Choice> {
    choices(
        FUNDING_KINDS.iter().map(|(_, key, name)| (key.to_string(), *name)),
        "fixed_asset",
    )
}

pub fn activity_choices() -> Vec<Choice> {
    choices(
        ACTIVITY_KINDS.iter().map(|(_, key, name)| (key.to_string(), *name)),
        "visit_out",
    )
}

fn required<T>(field: &str, value: Option<T>, zh: &str) -> ServiceResult<T> {
    value.ok_or_else(|| ServiceError::invalid(field, Words::new(zh, format!("{field} is required"))))
}

#[derive(Debug, Deserialize)]
pub struct PaymentForm {
    csrf: Option<String>,
    arrived_on: Option<String>,
    amount: Option<String>,
    kind: Option<String>,
    /// A checkbox: present when ticked.
    counted: Option<String>,
    note: Option<String>,
}

fn payment_input(form: &PaymentForm) -> ServiceResult<FundingInput> {
    Ok(FundingInput {
        arrived_on: required(
            "arrived_on",
            parse_date("arrived_on", &form.arrived_on)?,
            "请填写到位日期",
        )?,
        amount: required("amount", parse_wan("amount", &form.amount)?, "请填写到位金额（万元）")?,
        kind: FUNDING_KINDS
            .iter()
            .find(|(_, key, _)| Some(*key) == form.kind.as_deref())
            .map_or(FundingKind::FixedAsset, |(k, ..)| *k),
        counted: form.counted.is_some(),
        note: filled(&form.note),
    })
}

/// Records a payment.
#[handler]
pub async fn add_payment(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i32>,
    Form(form): Form<PaymentForm>,
) -> Response {
    let session = match Session::form(req, &state, form.csrf.as_deref()).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let added = match payment_input(&form) {
        Ok(input) => add_funding(&state.db, &session.actor, id, input).await.map(|_| ()),
        Err(err) => Err(err),
    };
    after(req, &state, &session, id, added, |words| Refusals {
        payment: Some(words),
        ..Refusals::default()
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct Plain {
    csrf: Option<String>,
}

/// Removes a payment.
#[handler]
pub async fn remove_payment(
    req: &Request,
    state: Data<&AppState>,
    Path((id, payment)): Path<(i32, i32)>,
    Form(form): Form<Plain>,
) -> Response {
    let session = match Session::form(req, &state, form.csrf.as_deref()).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let removed = delete_funding(&state.db, &session.actor, id, payment).await;
    after(req, &state, &session, id, removed, |words| Refusals {
        payment: Some(words),
        ..Refusals::default()
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct FollowUpForm {
    csrf: Option<String>,
    occurred_on: Option<String>,
    kind: Option<String>,
    people: Option<String>,
    summary: Option<String>,
    next_step: Option<String>,
    due_on: Option<String>,
}

fn follow_up_input(form: &FollowUpForm) -> ServiceResult<ActivityInput> {
    Ok(ActivityInput {
        occurred_on: required(
            "occurred_on",
            parse_date("occurred_on", &form.occurred_on)?,
            "请填写跟进日期",
        )?,
        kind: ACTIVITY_KINDS
            .iter()
            .find(|(_, key, _)| Some(*key) == form.kind.as_deref())
            .map_or(ActivityKind::Other, |(k, ..)| *k),
        people: filled(&form.people),
        summary: filled(&form.summary).unwrap_or_default(),
        next_step: filled(&form.next_step),
        due_on: parse_date("due_on", &form.due_on)?,
        done_on: None,
    })
}

/// Records a follow-up.
#[handler]
pub async fn add_follow_up(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i32>,
    Form(form): Form<FollowUpForm>,
) -> Response {
    let session = match Session::form(req, &state, form.csrf.as_deref()).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let added = match follow_up_input(&form) {
        Ok(input) => add_activity(&state.db, id, input, &session.actor).await.map(|_| ()),
        Err(err) => Err(err),
    };
    after(req, &state, &session, id, added, |words| Refusals {
        follow_up: Some(words),
        ..Refusals::default()
    })
    .await
}

/// Back to the project's page, or the page with the refusal where `place` puts it.
async fn after(
    req: &Request,
    state: &AppState,
    session: &Session,
    id: i32,
    done: ServiceResult<()>,
    place: impl FnOnce(String) -> Refusals,
) -> Response {
    match done {
        Ok(()) => redirect(req, &format!("/projects/{id}")),
        Err(err) => {
            let (status, words) = refusal(err);
            let status = if status.is_success() {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                status
            };
            show(state, session, id, status, None, place(words)).await
        }
    }
}
