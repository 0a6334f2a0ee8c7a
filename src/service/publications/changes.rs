//! A publication against today's data: its figures recomputed now for the same periods, as-of
//! dates, settings and bases as it stored, and — project by project — what each project
//! contributed to the period's figures then and now. Publishing stores the contributions
//! ([`contributions`]); a publication made before they were kept compares its figures only.
//! Nothing here changes a publication.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use entity::{project, team};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};

use crate::domain::kpi::{FundsBasis, GroupBy, Kpi, ProductionCohort, Settings, SignBasis};
use crate::service::bulletin::{PeriodFigures, StatedFigures};
use crate::service::kpi::drilldown::{KpiProject, projects_behind};
use crate::service::kpi::{KpiParams, KpiQuery, Scope, check_params, overall_with};
use crate::service::settings::{StoredSettings, get_settings};
use crate::service::{PageRequest, ServiceResult};

/// A figure of the period a project contributes to: 1 for a count it is in, yuan for an amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectFigure {
    SignRateDenominator,
    SignRateNumerator,
    /// Its contracted investment, yuan.
    FundsArrivalRateDenominator,
    /// Its counted funds arrived by the as-of date, yuan.
    FundsArrivalRateNumerator,
    ProductionEffectivenessRateDenominator,
    ProductionEffectivenessRateNumerator,
    ProductionRateDenominator,
    ProductionRateNumerator,
    EffectivenessRateDenominator,
    EffectivenessRateNumerator,
    ProjectsSigned,
    /// Yuan.
    ContractedInvestment,
    /// Its counted funds arrived in the period, yuan.
    FundsArrived,
    ProjectsStarted,
    ProjectsProducing,
}

/// One project's contributions (only the figures it is in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectContribution {
    pub project_id: i32,
    pub code: String,
    pub name: String,
    pub team_id: i32,
    pub team_name: Option<String>,
    pub figures: BTreeMap<ProjectFigure, i64>,
}

/// Every project's contributions to a period's figures, by project id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contributions {
    pub projects: Vec<ProjectContribution>,
}

/// The settings a publication computed with: the stored ones for what it states, the league's
/// weights (which it does not recompute) as they are now.
async fn settings_of(db: &impl ConnectionTrait, stated: &StatedFigures) -> ServiceResult<StoredSettings> {
    let mut stored = get_settings(db).await?;
    stored.settings = Settings {
        default_production_months: stated.default_production_months,
        default_full_production_months: stated.default_full_production_months,
        warning_red_overdue_days: stated.warning_red_overdue_days,
        warning_due_soon_days: stated.warning_due_soon_days,
        warning_funds_percent: stated.warning_funds_percent,
        weights: stored.settings.weights,
    };
    Ok(stored)
}

/// The bulletin's query for a period: the KPI API's default bases, district-wide.
fn query_of(from: NaiveDate, to: NaiveDate, as_of: NaiveDate, funds_basis: FundsBasis) -> ServiceResult<KpiQuery> {
    check_params(KpiParams {
        from,
        to,
        as_of: Some(as_of),
        sign_basis: SignBasis::Period,
        funds_basis,
        production_cohort: ProductionCohort::AllSigned,
        scale_targets: false,
        scope: Scope::default(),
        group_by: None::<GroupBy>,
    })
}

/// Each project's contributions to the figures of the period `stated` states (none for a
/// weekly list), computed with its settings.
pub async fn contributions(db: &impl ConnectionTrait, stated: &StatedFigures) -> ServiceResult<Option<Contributions>> {
    let Some(current) = stated.current else {
        return Ok(None);
    };
    let settings = settings_of(db, stated).await?;
    let (from, to, as_of) = (current.from, current.to, current.as_of);
    let cohort = query_of(from, to, as_of, FundsBasis::Cohort)?;
    let period = query_of(from, to, as_of, FundsBasis::Period)?;
    let every = PageRequest {
        page: 1,
        per_page: u64::MAX / 4,
    };
    let behind = |kpi: Kpi, query: &KpiQuery| {
        let (settings, query) = (&settings, query.clone());
        async move {
            projects_behind(db, kpi, &query, settings, every)
                .await
                .map(|(_, items, _)| items)
        }
    };
    let (sign, funds, period_funds, effectiveness, production, effective, started) = tokio::try_join!(
        behind(Kpi::SignRate, &cohort),
        behind(Kpi::FundsArrivalRate, &cohort),
        behind(Kpi::FundsArrivalRate, &period),
        behind(Kpi::ProductionEffectivenessRate, &cohort),
        behind(Kpi::ProductionRate, &cohort),
        behind(Kpi::EffectivenessRate, &cohort),
        started_and_producing(db, from, to.min(as_of)),
    )?;
    let mut by_id: BTreeMap<i32, ProjectContribution> = BTreeMap::new();
    let mut add = |p: &KpiProject, figure: ProjectFigure, value: i64| {
        if value != 0 {
            by_id
                .entry(p.project_id)
                .or_insert_with(|| ProjectContribution {
                    project_id: p.project_id,
                    code: p.code.clone(),
                    name: p.name.clone(),
                    team_id: p.team_id,
                    team_name: p.team_name.clone(),
                    figures: BTreeMap::new(),
                })
                .figures
                .insert(figure, value);
        }
    };
    let one = |yes: bool| i64::from(yes);
    use ProjectFigure as F;
    for p in &sign {
        add(p, F::SignRateDenominator, one(p.in_denominator));
        add(p, F::SignRateNumerator, one(p.in_numerator));
    }
    for p in funds.iter().filter(|p| p.in_denominator) {
        let contracted = p.contracted_investment_yuan.unwrap_or(0);
        add(p, F::FundsArrivalRateDenominator, contracted);
        add(p, F::FundsArrivalRateNumerator, p.counted_funds_yuan.unwrap_or(0));
        add(p, F::ProjectsSigned, 1);
        add(p, F::ContractedInvestment, contracted);
    }
    for p in &period_funds {
        add(p, F::FundsArrived, p.counted_funds_yuan.unwrap_or(0));
    }
    for (rate, den, num) in [
        (
            &effectiveness,
            F::ProductionEffectivenessRateDenominator,
            F::ProductionEffectivenessRateNumerator,
        ),
        (&production, F::ProductionRateDenominator, F::ProductionRateNumerator),
        (
            &effective,
            F::EffectivenessRateDenominator,
            F::EffectivenessRateNumerator,
        ),
    ] {
        for p in rate {
            add(p, den, one(p.in_denominator));
            add(p, num, one(p.in_numerator));
        }
    }
    for (p, started, producing) in &started {
        add(p, F::ProjectsStarted, one(*started));
        add(p, F::ProjectsProducing, one(*producing));
    }
    Ok(Some(Contributions {
        projects: by_id.into_values().collect(),
    }))
}

/// The projects that started construction or production from `from` to `last` (the engine's
/// `started` family), each with whether it started either.
async fn started_and_producing(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    last: NaiveDate,
) -> ServiceResult<Vec<(KpiProject, bool, bool)>> {
    let within = |d: Option<NaiveDate>| d.is_some_and(|d| d >= from && d <= last);
    let found = project::Entity::find()
        .filter(
            Condition::any()
                .add(project::Column::StartedOn.between(from, last))
                .add(project::Column::ProducingOn.between(from, last)),
        )
        .all(db)
        .await?;
    let teams: BTreeMap<i32, String> = team::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    Ok(found
        .into_iter()
        .map(|p| {
            let (started, producing) = (within(p.started_on), within(p.producing_on));
            let item = KpiProject {
                project_id: p.id,
                team_name: teams.get(&p.team_id).cloned(),
                code: p.code,
                name: p.name,
                team_id: p.team_id,
                ..KpiProject::default()
            };
            (item, started, producing)
        })
        .collect())
}

/// Which of a bulletin's period figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatedPeriod {
    Current,
    Previous,
    LastYear,
    YearToDate,
}

/// A period's figures as published and as they are now, with the names of those that differ.
#[derive(Debug, Clone)]
pub struct PeriodChange {
    pub period: StatedPeriod,
    pub then: PeriodFigures,
    pub now: PeriodFigures,
    pub changed: Vec<&'static str>,
}

/// A figure of one project that differs.
#[derive(Debug, Clone)]
pub struct ProjectFigureChange {
    /// The project as it is now.
    pub project: ProjectContribution,
    pub figure: ProjectFigure,
    pub then: i64,
    pub now: i64,
}

/// A publication against today's data.
#[derive(Debug, Clone)]
pub struct Changes {
    pub periods: Vec<PeriodChange>,
    /// Whether the publication kept its projects' contributions (none before they were kept,
    /// and none for a weekly list).
    pub project_detail: bool,
    pub changed: Vec<ProjectFigureChange>,
    pub counted_then_only: Vec<ProjectContribution>,
    pub counted_now_only: Vec<ProjectContribution>,
}

/// The names of the figures that differ between `then` and `now`.
fn differences(then: &PeriodFigures, now: &PeriodFigures) -> Vec<&'static str> {
    let mut names = Vec::new();
    let mut check = |name: &'static str, differ: bool| {
        if differ {
            names.push(name);
        }
    };
    check("sign_rate", then.sign_rate != now.sign_rate);
    check("funds_arrival_rate", then.funds_arrival_rate != now.funds_arrival_rate);
    check(
        "production_effectiveness_rate",
        then.production_effectiveness_rate != now.production_effectiveness_rate,
    );
    check("production_rate", then.production_rate != now.production_rate);
    check("effectiveness_rate", then.effectiveness_rate != now.effectiveness_rate);
    check("projects_signed", then.projects_signed != now.projects_signed);
    check(
        "contracted_investment_yuan",
        then.contracted_investment_yuan != now.contracted_investment_yuan,
    );
    check("funds_arrived_yuan", then.funds_arrived_yuan != now.funds_arrived_yuan);
    check("projects_started", then.projects_started != now.projects_started);
    check("projects_producing", then.projects_producing != now.projects_producing);
    names
}

/// Recomputes what `stated` states now and compares; `then` holds the contributions it
/// stored (none when it predates them).
pub async fn changes(
    db: &impl ConnectionTrait,
    stated: &StatedFigures,
    then: Option<Contributions>,
) -> ServiceResult<Changes> {
    let settings = settings_of(db, stated).await?;
    let mut periods = Vec::new();
    for (period, figures) in [
        (StatedPeriod::Current, stated.current),
        (StatedPeriod::Previous, stated.previous),
        (StatedPeriod::LastYear, stated.last_year),
        (StatedPeriod::YearToDate, stated.year_to_date),
    ] {
        let Some(then) = figures else { continue };
        let query = query_of(then.from, then.to, then.as_of, FundsBasis::Cohort)?;
        let set = overall_with(db, &query, &settings.settings).await?;
        let now = PeriodFigures::of(then.from, then.to, then.as_of, &set);
        periods.push(PeriodChange {
            period,
            changed: differences(&then, &now),
            then,
            now,
        });
    }
    let mut found = Changes {
        periods,
        project_detail: then.is_some(),
        changed: Vec::new(),
        counted_then_only: Vec::new(),
        counted_now_only: Vec::new(),
    };
    let (Some(then), Some(now)) = (then, contributions(db, stated).await?) else {
        return Ok(found);
    };
    let mut then: BTreeMap<i32, ProjectContribution> = then.projects.into_iter().map(|p| (p.project_id, p)).collect();
    for project in now.projects {
        let Some(earlier) = then.remove(&project.project_id) else {
            found.counted_now_only.push(project);
            continue;
        };
        let figures: BTreeSet<ProjectFigure> = earlier.figures.keys().chain(project.figures.keys()).copied().collect();
        for figure in figures {
            let value = |p: &ProjectContribution| p.figures.get(&figure).copied().unwrap_or(0);
            if value(&earlier) != value(&project) {
                found.changed.push(ProjectFigureChange {
                    project: project.clone(),
                    figure,
                    then: value(&earlier),
                    now: value(&project),
                });
            }
        }
    }
    found.counted_then_only = then.into_values().collect();
    Ok(found)
}
