//! 项目看板, the pipeline board: a column per stage, a card per project (name, investor,
//! contracted or planned amount, days in the stage, warning light), filtered by team, cluster,
//! park and text as the project list is (`service::projects::list_projects`, the same team
//! scoping), and a project's move to another stage (`service::lifecycle::transition`: the stage
//! rules, the contract terms with a move to signed, the version check, the audit entry). The
//! move's form is a page of its own, or a dialog over the board when htmx loads it; a refusal
//! comes back as the form with the rule's words.

use askama::Template;
use entity::enums::{AgreementType, Stage};
use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query};
use poem::{Request, Response, handler};
use sea_orm::Order;
use serde::Deserialize;

use super::session::Session;
use super::view::{
    Choice, Chrome, choices, date, error_page, filled, parse_date, parse_wan, redirect, refusal, render, stage,
    stage_key, stage_of, wan,
};
use crate::domain::stage::ORDERED;
use crate::domain::words::Words;
use crate::service::kpi::warnings::{WarningParams, warnings};
use crate::service::lifecycle::{ContractInput, TransitionInput, stage_dates, transition};
use crate::service::projects::{ProjectFilter, ProjectSort, ProjectView, get_project, list_projects};
use crate::service::{Actor, PageRequest, ServiceError, ServiceResult, reference};
use crate::state::AppState;

/// Cards shown in a column at most (the column says how many there are in all).
const CARDS_PER_COLUMN: u64 = 60;

/// The board's and the project list's filters, as the query string carries them.
#[derive(Debug, Default, Deserialize)]
pub struct Filters {
    pub team: Option<String>,
    pub cluster: Option<String>,
    pub park: Option<String>,
    pub q: Option<String>,
}

fn id(value: &Option<String>) -> Option<i32> {
    filled(value).and_then(|v| v.parse().ok())
}

impl Filters {
    pub fn project_filter(&self) -> ProjectFilter {
        ProjectFilter {
            team_id: id(&self.team),
            cluster_id: id(&self.cluster),
            park_id: id(&self.park),
            q: filled(&self.q),
            ..ProjectFilter::default()
        }
    }
}

/// The filters' `<select>`s: the teams (only for those who may read every team's rows), the
/// clusters and parks.
pub struct FilterChoices {
    pub teams: Vec<Choice>,
    pub clusters: Vec<Choice>,
    pub parks: Vec<Choice>,
    /// The stages, on the project list (the board has a column each).
    pub stages: Vec<Choice>,
    pub q: String,
}

pub async fn filter_choices(state: &AppState, actor: &Actor, filters: &Filters) -> ServiceResult<FilterChoices> {
    let chosen = |v: &Option<String>| filled(v).unwrap_or_default();
    let teams = if actor.principal().rows_of(None)?.is_none() {
        let teams = reference::list::<entity::team::Entity>(&state.reader, false).await?;
        choices(
            teams.iter().map(|t| (t.id.to_string(), t.name.as_str())),
            &chosen(&filters.team),
        )
    } else {
        Vec::new()
    };
    let clusters = reference::list::<entity::cluster::Entity>(&state.reader, false).await?;
    let parks = reference::list::<entity::park::Entity>(&state.reader, false).await?;
    Ok(FilterChoices {
        teams,
        clusters: choices(
            clusters.iter().map(|c| (c.id.to_string(), c.name.as_str())),
            &chosen(&filters.cluster),
        ),
        parks: choices(
            parks.iter().map(|p| (p.id.to_string(), p.name.as_str())),
            &chosen(&filters.park),
        ),
        stages: Vec::new(),
        q: chosen(&filters.q),
    })
}

pub struct Card {
    pub id: i32,
    pub name: String,
    pub investor: String,
    /// "合同 1200.00万元" or "计划 800.00万元"; empty without either.
    pub amount: String,
    pub days: String,
    pub light: Option<(&'static str, &'static str)>,
}

pub struct Column {
    pub key: &'static str,
    pub name: &'static str,
    pub total: u64,
    pub cards: Vec<Card>,
}

#[derive(Template)]
#[template(path = "console/board.html")]
struct BoardPage {
    chrome: Chrome,
    filters: FilterChoices,
    columns: Vec<Column>,
    /// Where a move's form goes back to: this board, filtered as it is, percent-encoded.
    back: String,
}

/// How a card states its amount: the contract's, else the planned investment.
pub fn amount(view: &ProjectView) -> String {
    match (&view.contract, view.project.planned_investment_yuan) {
        (Some(contract), _) => format!("合同 {}", wan(contract.contracted_investment_yuan)),
        (None, Some(planned)) => format!("计划 {}", wan(planned)),
        (None, None) => String::new(),
    }
}

async fn board(state: &AppState, session: &Session, filters: &Filters, query: String) -> ServiceResult<BoardPage> {
    let actor = &session.actor;
    let filter = filters.project_filter();
    let lit = warnings(
        &state.reader,
        actor,
        WarningParams {
            team_id: filter.team_id,
            ..WarningParams::default()
        },
        PageRequest {
            page: 1,
            per_page: 2000,
        },
    )
    .await?;
    let lights: std::collections::HashMap<i32, crate::domain::kpi::Light> =
        lit.items.iter().map(|w| (w.project_id, w.light)).collect();
    let today = crate::domain::today();
    let mut columns = Vec::new();
    for stage_now in ORDERED.into_iter().chain([Stage::Terminated]) {
        let (total, views) = list_projects(
            &state.reader,
            actor,
            &ProjectFilter {
                stage: Some(stage_now),
                ..filter.clone()
            },
            ProjectSort::UpdatedAt,
            Order::Desc,
            PageRequest {
                page: 1,
                per_page: CARDS_PER_COLUMN,
            },
        )
        .await?;
        let cards = views
            .iter()
            .map(|v| Card {
                id: v.project.id,
                name: v.project.name.clone(),
                investor: v.investor.as_ref().map(|i| i.name.clone()).unwrap_or_default(),
                amount: amount(v),
                days: stage_dates(&v.project)
                    .get(stage_now)
                    .map(|since| format!("本阶段{}天", (today - since).num_days().max(0)))
                    .unwrap_or_default(),
                light: lights.get(&v.project.id).map(|l| super::view::light(*l)),
            })
            .collect();
        columns.push(Column {
            key: stage_key(stage_now),
            name: stage(stage_now),
            total,
            cards,
        });
    }
    Ok(BoardPage {
        chrome: session.chrome("项目看板", "board"),
        filters: filter_choices(state, actor, filters).await?,
        columns,
        back: super::session::percent_encode(&format!("/board?{query}")),
    })
}

/// 项目看板.
#[handler]
pub async fn page(req: &Request, state: Data<&AppState>, Query(filters): Query<Filters>) -> Response {
    let session = match Session::page(req, &state).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let query = req.uri().query().unwrap_or_default().to_owned();
    match board(&state, &session, &filters, query).await {
        Ok(page) => render(StatusCode::OK, &page),
        Err(err) => error_page(err, Some(session.chrome("项目看板", "board"))),
    }
}

/// The move form's fields, as sent and as shown again after a refusal.
#[derive(Debug, Default, Deserialize)]
pub struct MoveForm {
    pub csrf: Option<String>,
    pub to: Option<String>,
    pub on: Option<String>,
    pub reason: Option<String>,
    pub version: Option<i32>,
    pub agreement_type: Option<String>,
    pub contracted_investment: Option<String>,
    pub promised_start_on: Option<String>,
    pub promised_production_on: Option<String>,
    pub back: Option<String>,
}

#[derive(Template)]
#[template(path = "console/move.html")]
struct MovePage {
    chrome: Chrome,
    id: i32,
    name: String,
    current: &'static str,
    version: i32,
    stages: Vec<Choice>,
    agreements: Vec<Choice>,
    form: MoveForm,
    back: String,
    error: Option<String>,
}

const AGREEMENTS: [(AgreementType, &str); 3] = [
    (AgreementType::Formal, "正式合同"),
    (AgreementType::Framework, "框架协议"),
    (AgreementType::Supplementary, "补充协议"),
];

fn agreement_key(kind: AgreementType) -> &'static str {
    match kind {
        AgreementType::Formal => "formal",
        AgreementType::Framework => "framework",
        AgreementType::Supplementary => "supplementary",
    }
}

/// Only a path of this server is somewhere to go back to.
fn back_to(back: &Option<String>) -> String {
    match filled(back) {
        Some(path) if path.starts_with('/') && !path.starts_with("//") => path,
        _ => "/board".to_owned(),
    }
}

fn move_page(session: &Session, view: &ProjectView, form: MoveForm, error: Option<String>) -> MovePage {
    let project = &view.project;
    let to = form.to.clone().unwrap_or_default();
    let stages = ORDERED
        .into_iter()
        .chain([Stage::Terminated])
        .filter(|s| *s != project.stage)
        .map(|s| (stage_key(s).to_owned(), stage(s)));
    let agreement = form.agreement_type.clone().unwrap_or_else(|| "formal".to_owned());
    MovePage {
        chrome: session.chrome(format!("变更阶段 · {}", project.name), "board"),
        id: project.id,
        name: project.name.clone(),
        current: stage(project.stage),
        version: form.version.unwrap_or(project.version),
        stages: choices(stages, &to),
        agreements: choices(
            AGREEMENTS.map(|(k, label)| (agreement_key(k).to_owned(), label)),
            &agreement,
        ),
        back: back_to(&form.back),
        form: MoveForm {
            on: form.on.clone().or_else(|| Some(date(Some(crate::domain::today())))),
            ..form
        },
        error,
    }
}

/// The move's form: a page, or the dialog htmx puts over the board.
#[handler]
pub async fn move_form(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i32>,
    Query(form): Query<MoveForm>,
) -> Response {
    let session = match Session::page(req, &state).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    match get_project(&state.reader, &session.actor, id).await {
        Ok(view) => render(StatusCode::OK, &move_page(&session, &view, form, None)),
        Err(err) => error_page(err, Some(session.chrome("变更阶段", "board"))),
    }
}

fn transition_input(form: &MoveForm) -> Result<TransitionInput, ServiceError> {
    let to = filled(&form.to).and_then(|k| stage_of(&k)).ok_or_else(|| {
        ServiceError::invalid(
            "stage",
            Words::new("请选择要变更到的阶段", "choose the stage to move to"),
        )
    })?;
    let on = parse_date("date", &form.on)?;
    let contract = if to == Stage::Signed {
        let amount = parse_wan("contract.contracted_investment", &form.contracted_investment)?;
        match (amount, on) {
            (Some(contracted_investment), Some(signed_on)) => Some(ContractInput {
                agreement_type: AGREEMENTS
                    .iter()
                    .map(|(k, _)| *k)
                    .find(|k| Some(agreement_key(*k)) == form.agreement_type.as_deref())
                    .unwrap_or(AgreementType::Formal),
                signed_on,
                contracted_investment,
                promised_start_on: parse_date("contract.promised_start_on", &form.promised_start_on)?,
                promised_production_on: parse_date("contract.promised_production_on", &form.promised_production_on)?,
                promised_full_production_on: None,
                promised_output_value: None,
                promised_tax: None,
            }),
            // Without terms the service says what a move to signed needs.
            _ => None,
        }
    } else {
        None
    };
    Ok(TransitionInput {
        to,
        // With contract terms, the stage's date is the contract's signing date.
        on: if contract.is_some() { None } else { on },
        reason: filled(&form.reason),
        contract,
        expected_version: form.version,
    })
}

/// Moves a project: back to the board (or where the form came from), or the form again with
/// the refusal.
#[handler]
pub async fn move_project(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i32>,
    Form(form): Form<MoveForm>,
) -> Response {
    let session = match Session::form(req, &state, form.csrf.as_deref()).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let moved = match transition_input(&form) {
        Ok(input) => transition(&state.db, id, input, &session.actor).await.map(|_| ()),
        Err(err) => Err(err),
    };
    match moved {
        Ok(()) => redirect(req, &back_to(&form.back)),
        Err(err) => {
            let (status, words) = refusal(err);
            match get_project(&state.reader, &session.actor, id).await {
                // Shown again at the version now stored, the refusal saying what changed.
                Ok(view) => render(
                    status,
                    &move_page(&session, &view, MoveForm { version: None, ..form }, Some(words)),
                ),
                Err(err) => error_page(err, Some(session.chrome("变更阶段", "board"))),
            }
        }
    }
}
