//! 工作台, the home page: the three rates of the user's team this year against its targets
//! beside the year's elapsed share (序时进度), the team's overdue milestones and follow-ups due
//! this week, and its red and yellow projects. Users without a team see the district's. The
//! figures are `service::kpi`'s and `service::kpi::warnings`'s, as `GET /api/v1/kpis`
//! (`sign_basis=target&funds_basis=target`) and `GET /api/v1/warnings` give them.

use askama::Template;
use chrono::{Datelike, Days};
use poem::http::StatusCode;
use poem::web::Data;
use poem::{Request, Response, handler};

use super::session::Session;
use super::view::{Chrome, date, error_page, render, wan};
use crate::domain::kpi::{FundsBasis, Light, ProductionCohort, SignBasis, YearProgress};
use crate::domain::wording::percent;
use crate::service::kpi::warnings::{WarningParams, warnings};
use crate::service::kpi::{KpiParams, Rate, Scope, kpis};
use crate::service::records::{DueFilter, list_due_activities};
use crate::service::{PageRequest, ServiceResult};
use crate::state::AppState;

/// A rate as the page shows it.
pub struct RateLine {
    pub name: &'static str,
    pub percent: String,
    /// What it is of: "3个 / 目标10个".
    pub figures: String,
    /// Ahead of or behind the year's elapsed share, in words; empty when not against a target.
    pub against_time: String,
    pub behind: bool,
}

pub struct Overdue {
    pub project_id: i32,
    pub project: String,
    pub what: String,
}

pub struct Due {
    pub project_id: i32,
    pub project: String,
    pub due_on: String,
    pub next_step: String,
}

pub struct Flagged {
    pub project_id: i32,
    pub project: String,
    pub red: bool,
    pub light: &'static str,
    pub reasons: String,
}

#[derive(Template)]
#[template(path = "console/home.html")]
struct HomePage {
    chrome: Chrome,
    scope: String,
    year: i32,
    time_progress: String,
    rates: Vec<RateLine>,
    overdue: Vec<Overdue>,
    due: Vec<Due>,
    week_end: String,
    flagged: Vec<Flagged>,
}

fn rate_line(name: &'static str, rate: &Rate, figures: String, share: Option<rust_decimal::Decimal>) -> RateLine {
    let rounded = rate.rounded();
    let (against_time, behind) = match (share, rounded) {
        (Some(share), Some(r)) if r >= share => ("快于序时进度".to_owned(), false),
        (Some(_), Some(_)) => ("慢于序时进度".to_owned(), true),
        (Some(_), None) => ("未设目标".to_owned(), false),
        (None, _) => (String::new(), false),
    };
    RateLine {
        name,
        percent: percent(rounded),
        figures,
        against_time,
        behind,
    }
}

async fn home(state: &AppState, session: &Session) -> ServiceResult<HomePage> {
    let actor = &session.actor;
    let today = crate::domain::today();
    let (from, to) = crate::domain::date::period_or_year_to_date(None, None, None);
    let report = kpis(
        &state.reader,
        KpiParams {
            from,
            to,
            as_of: None,
            sign_basis: SignBasis::Target,
            funds_basis: FundsBasis::Target,
            production_cohort: ProductionCohort::default(),
            scale_targets: false,
            scope: Scope {
                team_id: actor.team_id,
                ..Scope::default()
            },
            group_by: None,
        },
    )
    .await?;
    let set = &report.overall;
    let year = from.year();
    let progress = YearProgress::at(year, report.query.as_of);
    let share = progress.share();
    let target = |den: i64, unit: &dyn Fn(i64) -> String| {
        if den > 0 {
            format!("目标{}", unit(den))
        } else {
            "未设目标".to_owned()
        }
    };
    let count = |n: i64| format!("{n}个");
    let rates = vec![
        rate_line(
            "签约率",
            &set.sign_rate,
            format!(
                "已签约{} / {}",
                count(set.sign_rate.numerator),
                target(set.sign_rate.denominator, &count)
            ),
            Some(share),
        ),
        rate_line(
            "资金到位率",
            &set.funds_arrival_rate,
            format!(
                "已到位{} / {}",
                wan(set.funds_arrival_rate.numerator),
                target(set.funds_arrival_rate.denominator, &wan)
            ),
            Some(share),
        ),
        rate_line(
            "投产达效率",
            &set.production_effectiveness_rate,
            format!(
                "投产达效{} / 应投产{}",
                count(set.production_effectiveness_rate.numerator),
                count(set.production_effectiveness_rate.denominator)
            ),
            None,
        ),
    ];

    let lit = warnings(
        &state.reader,
        actor,
        WarningParams {
            team_id: actor.team_id,
            flagged_only: true,
            ..WarningParams::default()
        },
        PageRequest { page: 1, per_page: 50 },
    )
    .await?;
    let mut overdue = Vec::new();
    let mut flagged = Vec::new();
    for item in &lit.items {
        for reason in &item.reasons {
            if let crate::domain::kpi::WarningReason::Milestone { days_overdue, .. } = reason
                && *days_overdue > 0
            {
                overdue.push(Overdue {
                    project_id: item.project_id,
                    project: item.name.clone(),
                    what: reason.describe(),
                });
            }
        }
        flagged.push(Flagged {
            project_id: item.project_id,
            project: item.name.clone(),
            red: item.light == Light::Red,
            light: super::view::light(item.light).0,
            reasons: item.reasons.iter().map(|r| r.describe()).collect::<Vec<_>>().join("；"),
        });
    }

    let week_end = today + Days::new(u64::from(6 - today.weekday().num_days_from_monday()));
    let (_, due_items) = list_due_activities(
        &state.reader,
        actor,
        &DueFilter {
            team_id: actor.team_id,
            due_before: Some(week_end),
        },
        PageRequest { page: 1, per_page: 50 },
    )
    .await?;
    let due = due_items
        .into_iter()
        .map(|d| Due {
            project_id: d.activity.project_id,
            project: d.project_name,
            due_on: date(d.activity.due_on),
            next_step: d.activity.next_step.unwrap_or_default(),
        })
        .collect();

    let scope = match actor.team_id {
        Some(id) => crate::service::reference::get::<entity::team::Entity>(&state.reader, id)
            .await
            .map(|t| t.name)
            .unwrap_or_else(|_| "本专班".to_owned()),
        None => "全区".to_owned(),
    };
    Ok(HomePage {
        chrome: session.chrome("工作台", "home"),
        scope,
        year,
        time_progress: percent(Some(share)),
        rates,
        overdue,
        due,
        week_end: date(Some(week_end)),
        flagged,
    })
}

/// 工作台.
#[handler]
pub async fn page(req: &Request, state: Data<&AppState>) -> Response {
    let session = match Session::page(req, &state).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    match home(&state, &session).await {
        Ok(page) => render(StatusCode::OK, &page),
        Err(err) => error_page(err, Some(session.chrome("工作台", "home"))),
    }
}
