//! 项目: the project list (sortable, filtered, paged: `service::projects::list_projects`, the
//! same team scoping as the API), a new project (`create_project`, its investor found by name
//! or created through `service::investors`), and a project's page: its details, contract,
//! payments, follow-ups, output reports, stage timeline and audit trail, each read through the
//! service the API uses, and its editing (`update_project` with the version the page showed:
//! a change made by someone else first is said in plain words, nothing overwritten). The
//! records' forms are in [`super::records`].

use askama::Template;
use entity::enums::Stage;
use entity::{activity, audit_entry, funding, output_report, stage_history};
use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query};
use poem::{Request, Response, handler};
use sea_orm::Order;
use serde::Deserialize;

use super::board::{FilterChoices, Filters, amount, filter_choices};
use super::session::{Session, percent_encode};
use super::view::{
    Choice, Chrome, choices, date, error_page, filled, parse_date, parse_wan, redirect, refusal, render, stage,
    stage_key, stage_of, wan, wan_field,
};
use crate::domain::money::centimu_to_mu;
use crate::domain::stage::ORDERED;
use crate::service::investors::{InvestorInput, create_investor, list_investors};
use crate::service::projects::{
    ProjectFilter, ProjectInput, ProjectSort, ProjectView, create_project, get_project, list_projects, update_project,
};
use crate::service::{PageRequest, ServiceError, ServiceResult, audit, lifecycle, records};
use crate::state::AppState;

const PER_PAGE: u64 = 20;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(flatten)]
    pub filters: Filters,
    pub stage: Option<String>,
    pub sort: Option<String>,
    pub order: Option<String>,
    pub page: Option<u64>,
}

const SORTS: [(&str, ProjectSort); 5] = [
    ("updated", ProjectSort::UpdatedAt),
    ("code", ProjectSort::Code),
    ("name", ProjectSort::Name),
    ("signed", ProjectSort::SignedOn),
    ("planned", ProjectSort::PlannedInvestment),
];

pub struct Row {
    pub id: i32,
    pub code: String,
    pub name: String,
    pub investor: String,
    pub team: String,
    pub stage: &'static str,
    pub amount: String,
    pub signed_on: String,
}

/// A sortable column's header: its link sorts by it, the other way when it is the sort.
pub struct Header {
    pub label: &'static str,
    pub href: String,
    /// `ascending`, `descending` or `none`, for `aria-sort`.
    pub sorted: &'static str,
}

#[derive(Template)]
#[template(path = "console/projects.html")]
struct ListPage {
    chrome: Chrome,
    filters: FilterChoices,
    headers: Vec<Header>,
    rows: Vec<Row>,
    total: u64,
    page: u64,
    pages: u64,
    previous: Option<String>,
    next: Option<String>,
}

fn row(v: &ProjectView) -> Row {
    Row {
        id: v.project.id,
        code: v.project.code.clone(),
        name: v.project.name.clone(),
        investor: v.investor.as_ref().map(|i| i.name.clone()).unwrap_or_default(),
        team: v.team_name.clone().unwrap_or_default(),
        stage: stage(v.project.stage),
        amount: amount(v),
        signed_on: date(v.project.signed_on),
    }
}

async fn list_page(state: &AppState, session: &Session, q: &ListQuery) -> ServiceResult<ListPage> {
    let sort_key = filled(&q.sort).unwrap_or_else(|| "updated".to_owned());
    let sort = SORTS
        .iter()
        .find(|(k, _)| *k == sort_key)
        .map_or(ProjectSort::UpdatedAt, |(_, s)| *s);
    let ascending = q.order.as_deref() == Some("asc");
    let stage_filter = filled(&q.stage).and_then(|k| stage_of(&k));
    let filter = ProjectFilter {
        stage: stage_filter,
        ..q.filters.project_filter()
    };
    let page = q.page.unwrap_or(1).max(1);
    let (total, views) = list_projects(
        &state.reader,
        &session.actor,
        &filter,
        sort,
        if ascending { Order::Asc } else { Order::Desc },
        PageRequest {
            page,
            per_page: PER_PAGE,
        },
    )
    .await?;
    let pages = total.div_ceil(PER_PAGE).max(1);
    // The query string of this list with some parameters replaced.
    let link = |sort: &str, order: &str, page: u64| {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        for (key, value) in [
            ("team", &q.filters.team),
            ("cluster", &q.filters.cluster),
            ("park", &q.filters.park),
            ("q", &q.filters.q),
            ("stage", &q.stage),
        ] {
            if let Some(v) = filled(value) {
                pairs.push((key, v));
            }
        }
        pairs.push(("sort", sort.to_owned()));
        pairs.push(("order", order.to_owned()));
        pairs.push(("page", page.to_string()));
        let query: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", percent_encode(v)))
            .collect();
        format!("/projects?{}", query.join("&"))
    };
    let order = if ascending { "asc" } else { "desc" };
    let headers = [
        ("code", "编号"),
        ("name", "项目名称"),
        ("planned", "计划投资"),
        ("signed", "签约日期"),
        ("updated", "最近修改"),
    ]
    .into_iter()
    .map(|(key, label)| {
        let current = key == sort_key;
        Header {
            label,
            href: link(key, if current && !ascending { "asc" } else { "desc" }, 1),
            sorted: match (current, ascending) {
                (false, _) => "none",
                (true, true) => "ascending",
                (true, false) => "descending",
            },
        }
    })
    .collect();
    let stage_choices = ORDERED
        .into_iter()
        .chain([Stage::Terminated])
        .map(|s| (stage_key(s).to_owned(), stage(s)));
    Ok(ListPage {
        chrome: session.chrome("项目", "projects"),
        filters: FilterChoices {
            stages: choices(stage_choices, &filled(&q.stage).unwrap_or_default()),
            ..filter_choices(state, &session.actor, &q.filters).await?
        },
        headers,
        rows: views.iter().map(row).collect(),
        total,
        page,
        pages,
        previous: (page > 1).then(|| link(&sort_key, order, page - 1)),
        next: (page < pages).then(|| link(&sort_key, order, page + 1)),
    })
}

/// The project list.
#[handler]
pub async fn list(req: &Request, state: Data<&AppState>, Query(q): Query<ListQuery>) -> Response {
    let session = match Session::page(req, &state).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    match list_page(&state, &session, &q).await {
        Ok(page) => render(StatusCode::OK, &page),
        Err(err) => error_page(err, Some(session.chrome("项目", "projects"))),
    }
}

/// A new project's form, as sent and as shown again after a refusal.
#[derive(Debug, Default, Deserialize)]
pub struct NewForm {
    pub csrf: Option<String>,
    pub name: Option<String>,
    pub investor: Option<String>,
    pub team: Option<String>,
    pub lead_on: Option<String>,
    pub planned_investment: Option<String>,
}

#[derive(Template)]
#[template(path = "console/project_new.html")]
struct NewPage {
    chrome: Chrome,
    teams: Vec<Choice>,
    form: NewForm,
    error: Option<String>,
}

async fn new_page(state: &AppState, session: &Session, form: NewForm, error: Option<String>) -> ServiceResult<NewPage> {
    let teams = crate::service::reference::list::<entity::team::Entity>(&state.reader, false).await?;
    let chosen = filled(&form.team)
        .or(session.actor.team_id.map(|t| t.to_string()))
        .unwrap_or_default();
    // A team member logs projects of their own team only (the service refuses others).
    let teams = teams
        .iter()
        .filter(|t| session.actor.team_id.is_none_or(|own| own == t.id))
        .map(|t| (t.id.to_string(), t.name.as_str()));
    Ok(NewPage {
        chrome: session.chrome("新建项目", "projects"),
        teams: choices(teams, &chosen),
        form: NewForm {
            lead_on: form
                .lead_on
                .clone()
                .or_else(|| Some(date(Some(crate::domain::today())))),
            ..form
        },
        error,
    })
}

/// The new project's form.
#[handler]
pub async fn new_form(req: &Request, state: Data<&AppState>) -> Response {
    let session = match Session::page(req, &state).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    match new_page(&state, &session, NewForm::default(), None).await {
        Ok(page) => render(StatusCode::OK, &page),
        Err(err) => error_page(err, Some(session.chrome("新建项目", "projects"))),
    }
}

async fn create(state: &AppState, session: &Session, form: &NewForm) -> ServiceResult<i32> {
    let actor = &session.actor;
    let team_id = filled(&form.team)
        .and_then(|t| t.parse().ok())
        .or(actor.team_id)
        .ok_or_else(|| {
            ServiceError::invalid(
                "team_id",
                crate::domain::words::Words::new("请选择专班", "choose a team"),
            )
        })?;
    let lead_on = parse_date("lead_on", &form.lead_on)?;
    let planned_investment = parse_wan("planned_investment", &form.planned_investment)?;
    let investor_id = match filled(&form.investor) {
        Some(name) => {
            let (_, found) = list_investors(&state.db, Some(&name), PageRequest { page: 1, per_page: 20 }).await?;
            match found.into_iter().find(|i| i.name == name) {
                Some(existing) => Some(existing.id),
                None => Some(
                    create_investor(
                        &state.db,
                        actor,
                        InvestorInput {
                            name,
                            credit_code: None,
                            origin_region: None,
                        },
                    )
                    .await?
                    .id,
                ),
            }
        }
        None => None,
    };
    let input = ProjectInput {
        name: filled(&form.name).unwrap_or_default(),
        investor_id,
        team_id,
        planned_investment,
        ..ProjectInput::default()
    };
    Ok(create_project(&state.db, input, lead_on, actor).await?.project.id)
}

/// Logs a new project (a lead) and shows its page.
#[handler]
pub async fn create_new(req: &Request, state: Data<&AppState>, Form(form): Form<NewForm>) -> Response {
    let session = match Session::form(req, &state, form.csrf.as_deref()).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    match create(&state, &session, &form).await {
        Ok(id) => redirect(req, &format!("/projects/{id}")),
        Err(err) => {
            let (status, words) = refusal(err);
            match new_page(&state, &session, form, Some(words)).await {
                Ok(page) => render(status, &page),
                Err(err) => error_page(err, Some(session.chrome("新建项目", "projects"))),
            }
        }
    }
}

pub struct Payment {
    pub id: i32,
    pub arrived_on: String,
    pub amount: String,
    pub kind: &'static str,
    pub counted: bool,
    pub note: String,
}

pub struct FollowUp {
    pub occurred_on: String,
    pub kind: &'static str,
    pub summary: String,
    pub next_step: String,
    pub due_on: String,
}

pub struct Output {
    pub period: String,
    pub output_value: String,
    pub tax: String,
}

pub struct Step {
    pub on: String,
    pub from: &'static str,
    pub to: &'static str,
    pub reason: String,
}

pub struct Trail {
    pub at: String,
    pub who: String,
    pub what: String,
    pub fields: String,
    pub reason: String,
}

/// Where a refusal of one of the page's forms is shown: beside that form.
#[derive(Default)]
pub struct Refusals {
    pub edit: Option<String>,
    pub payment: Option<String>,
    pub follow_up: Option<String>,
}

#[derive(Template)]
#[template(path = "console/project.html")]
pub struct ProjectPage {
    pub chrome: Chrome,
    pub id: i32,
    pub version: i32,
    pub details: Vec<(&'static str, String)>,
    pub edit: EditForm,
    pub contract: Vec<(&'static str, String)>,
    pub payments: Vec<Payment>,
    pub follow_ups: Vec<FollowUp>,
    pub outputs: Vec<Output>,
    pub timeline: Vec<Step>,
    pub trail: Vec<Trail>,
    pub refusals: Refusals,
    pub today: String,
    pub funding_kinds: Vec<Choice>,
    pub activity_kinds: Vec<Choice>,
}

/// The editable fields of a project, as the form shows and sends them.
#[derive(Debug, Default, Deserialize)]
pub struct EditForm {
    pub csrf: Option<String>,
    pub version: Option<i32>,
    pub name: Option<String>,
    pub planned_investment: Option<String>,
    pub sponsoring_leader: Option<String>,
    pub source: Option<String>,
    pub progress: Option<String>,
    pub issues: Option<String>,
    pub notes: Option<String>,
}

fn edit_form(v: &ProjectView) -> EditForm {
    let p = &v.project;
    EditForm {
        csrf: None,
        version: Some(p.version),
        name: Some(p.name.clone()),
        planned_investment: Some(wan_field(p.planned_investment_yuan)),
        sponsoring_leader: p.sponsoring_leader.clone(),
        source: p.source.clone(),
        progress: p.progress.clone(),
        issues: p.issues.clone(),
        notes: p.notes.clone(),
    }
}

fn text(value: &Option<String>) -> String {
    value.clone().unwrap_or_else(|| "—".to_owned())
}

fn change_words(entity: &str, action: &str) -> String {
    let what = match entity {
        "project" => "项目",
        "contract" => "合同",
        "funding" => "到位资金",
        "activity" => "跟进记录",
        "output_report" => "产值税收",
        "investor" => "投资方",
        other => other,
    };
    let did = match action {
        "create" => "新建",
        "update" => "修改",
        "delete" => "删除",
        "transition" => "变更阶段",
        other => other,
    };
    format!("{did}{what}")
}

/// A project's page, with `refusals` beside the forms they answer.
pub async fn project_page(
    state: &AppState,
    session: &Session,
    id: i32,
    edit: Option<EditForm>,
    refusals: Refusals,
) -> ServiceResult<ProjectPage> {
    let actor = &session.actor;
    let db = &state.reader;
    let v = get_project(db, actor, id).await?;
    let p = &v.project;
    let fundings: Vec<funding::Model> = records::list_fundings(db, actor, id).await?;
    let activities: Vec<activity::Model> = records::list_activities(db, actor, id).await?;
    let outputs: Vec<output_report::Model> = records::list_outputs(db, actor, id).await?;
    let history: Vec<stage_history::Model> = lifecycle::history(db, actor, id).await?;
    let (_, entries): (u64, Vec<audit_entry::Model>) =
        audit::list_of_project(db, actor, id, PageRequest { page: 1, per_page: 50 }).await?;
    let details = vec![
        ("项目编号", p.code.clone()),
        ("项目名称", p.name.clone()),
        (
            "投资方",
            v.investor.as_ref().map_or_else(|| "—".to_owned(), |i| i.name.clone()),
        ),
        ("专班", text(&v.team_name)),
        ("产业集群", text(&v.cluster_name)),
        ("园区", text(&v.park_name)),
        ("阶段", stage(p.stage).to_owned()),
        (
            "计划投资",
            p.planned_investment_yuan.map_or_else(|| "—".to_owned(), wan),
        ),
        (
            "用地",
            p.land_area_centimu
                .map_or_else(|| "—".to_owned(), |c| format!("{}亩", centimu_to_mu(c))),
        ),
        ("到位资金（计入考核）", wan(v.funds_counted_yuan)),
        ("到位资金（全部）", wan(v.funds_arrived_yuan)),
        ("版本", p.version.to_string()),
    ];
    let contract = v
        .contract
        .as_ref()
        .map(|c| {
            vec![
                ("签约日期", date(Some(c.signed_on))),
                ("合同投资额", wan(c.contracted_investment_yuan)),
                ("约定开工", date(c.promised_start_on)),
                ("约定投产", date(c.promised_production_on)),
                ("约定达产", date(c.promised_full_production_on)),
            ]
        })
        .unwrap_or_default();
    Ok(ProjectPage {
        chrome: session.chrome(p.name.clone(), "projects"),
        id,
        version: p.version,
        details,
        edit: edit.unwrap_or_else(|| edit_form(&v)),
        contract,
        payments: fundings
            .iter()
            .map(|f| Payment {
                id: f.id,
                arrived_on: date(Some(f.arrived_on)),
                amount: wan(f.amount_yuan),
                kind: super::records::funding_kind_name(f.kind),
                counted: f.counted,
                note: f.note.clone().unwrap_or_default(),
            })
            .collect(),
        follow_ups: activities
            .iter()
            .map(|a| FollowUp {
                occurred_on: date(Some(a.occurred_on)),
                kind: super::records::activity_kind_name(a.kind),
                summary: a.summary.clone(),
                next_step: a.next_step.clone().unwrap_or_default(),
                due_on: a.due_on.map(|d| date(Some(d))).unwrap_or_default(),
            })
            .collect(),
        outputs: outputs
            .iter()
            .map(|o| Output {
                period: format!("{} 至 {}", date(Some(o.period_start)), date(Some(o.period_end))),
                output_value: wan(o.output_value_yuan),
                tax: wan(o.tax_yuan),
            })
            .collect(),
        timeline: history
            .iter()
            .map(|h| Step {
                on: date(Some(h.effective_on)),
                from: h.from_stage.map_or("—", stage),
                to: stage(h.to_stage),
                reason: h.reason.clone().unwrap_or_default(),
            })
            .collect(),
        trail: entries
            .iter()
            .map(|e| Trail {
                at: crate::domain::date::china_time(e.recorded_at)
                    .format("%Y-%m-%d %H:%M")
                    .to_string(),
                who: e.user_id.map_or_else(|| "系统".to_owned(), |u| format!("用户#{u}")),
                what: change_words(&e.entity, &e.action),
                fields: serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&e.changes)
                    .map(|m| m.keys().cloned().collect::<Vec<_>>().join("、"))
                    .unwrap_or_default(),
                reason: e.reason.clone().unwrap_or_default(),
            })
            .collect(),
        refusals,
        today: date(Some(crate::domain::today())),
        funding_kinds: super::records::funding_choices(),
        activity_kinds: super::records::activity_choices(),
    })
}

/// Shows a project's page, or the refusal (another team's project, one that does not exist).
pub async fn show(
    state: &AppState,
    session: &Session,
    id: i32,
    status: StatusCode,
    edit: Option<EditForm>,
    refusals: Refusals,
) -> Response {
    match project_page(state, session, id, edit, refusals).await {
        Ok(page) => render(status, &page),
        Err(err) => error_page(err, Some(session.chrome("项目", "projects"))),
    }
}

/// A project's page.
#[handler]
pub async fn project(req: &Request, state: Data<&AppState>, Path(id): Path<i32>) -> Response {
    let session = match Session::page(req, &state).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    show(&state, &session, id, StatusCode::OK, None, Refusals::default()).await
}

async fn save(state: &AppState, session: &Session, id: i32, form: &EditForm) -> ServiceResult<()> {
    let current = get_project(&state.db, &session.actor, id).await?;
    let p = current.project;
    let input = ProjectInput {
        code: Some(p.code),
        name: filled(&form.name).unwrap_or_default(),
        investor_id: p.investor_id,
        cluster_id: p.cluster_id,
        park_id: p.park_id,
        team_id: p.team_id,
        owner_id: p.owner_id,
        sponsoring_leader: filled(&form.sponsoring_leader),
        source: filled(&form.source),
        planned_investment: parse_wan("planned_investment", &form.planned_investment)?,
        land_area: p.land_area_centimu.map(centimu_to_mu),
        registered_on: p.registered_on,
        registered_capital: p.registered_capital_yuan.map(crate::domain::money::yuan_to_wan),
        land_supplied_on: p.land_supplied_on,
        progress: filled(&form.progress),
        issues: filled(&form.issues),
        notes: filled(&form.notes),
    };
    update_project(&state.db, &session.actor, id, input, form.version).await?;
    Ok(())
}

/// Saves a project's edited fields at the version the page showed.
#[handler]
pub async fn save_edit(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i32>,
    Form(form): Form<EditForm>,
) -> Response {
    let session = match Session::form(req, &state, form.csrf.as_deref()).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    match save(&state, &session, id, &form).await {
        Ok(()) => redirect(req, &format!("/projects/{id}")),
        Err(err) => {
            let stale =
                matches!(&err, ServiceError::Conflict { details, .. } if details.iter().any(|d| d.field == "version"));
            let (status, words) = refusal(err);
            if stale {
                // Someone else saved first: the page shows what is stored now.
                let words = format!(
                    "在你打开此页之后，已有其他人修改了这个项目，你的修改没有保存。下面是最新内容，请核对后再改。（{words}）"
                );
                let refusals = Refusals {
                    edit: Some(words),
                    ..Refusals::default()
                };
                show(&state, &session, id, status, None, refusals).await
            } else {
                let refusals = Refusals {
                    edit: Some(words),
                    ..Refusals::default()
                };
                show(
                    &state,
                    &session,
                    id,
                    status,
                    Some(EditForm { csrf: None, ..form }),
                    refusals,
                )
                .await
            }
        }
    }
}
