//! The KPI engine: sign rate, funds-arrival rate and production-effectiveness rate (with its
//! production and effectiveness parts) for a period, on a stated basis, as of a date, filtered
//! and grouped, computed by aggregate SQL in the database.
//!
//! Every figure is a sum over projects (or payments), so one `GROUP BY` query per family of
//! figures gives every group at once and the overall figures are the sums of the groups: a
//! request runs a fixed number of queries whatever the number of groups or projects.
//!
//! | family | rows | grouped by (month / quarter) |
//! |---|---|---|
//! | sign rate | projects in the denominator | period basis: the later of negotiation start and `from`; cohort: negotiation start |
//! | signed in the period | projects signed in the period: count and contracted investment | signing date |
//! | cohort funds | their counted payments arrived by `as_of` (funds cohort basis only) | signing date |
//! | funds arrived | counted payments arrived in the period | arrival date |
//! | started / producing | projects that started construction / production in the period | that date |
//! | production | signed projects due for production / for full production | the production / full-production due date |
//!
//! Definitions ([`crate::domain::kpi`], written out in `src/domain/kpi.md`): events after
//! `as_of` do not count, a project signed without a negotiation date negotiates from its
//! signing date, and terminated projects stay in every denominator they entered.

pub mod compare;
pub mod drilldown;
pub mod fragments;
pub mod league;
pub mod sql;
pub mod targets;
pub mod warnings;

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use entity::{cluster, park, team};
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, EntityTrait, QueryResult};

use self::fragments::{
    EFFECTIVE, PRODUCED, counted_funds_until, full_production_due, funds_window, in_period, production_cohort,
    production_counts, production_due, sign_conditions, signed_in_period,
};
use self::sql::{Query, group_key, group_label, int, opt_text, scope_filter, sum};
use self::targets::{TargetTotals, targets_by_team};
use super::settings::{StoredSettings, get_settings};
use super::{Problems, ServiceResult, Words};
use crate::domain::PastDate;
use crate::domain::kpi::{
    FundsBasis, GroupBy, Measure, Period, ProductionCohort, Settings, SignBasis, YearProgress, exact_ratio, ratio,
};

/// The projects a KPI looks at: all, or one team's, cluster's or park's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scope {
    pub team_id: Option<i32>,
    pub cluster_id: Option<i32>,
    pub park_id: Option<i32>,
}

/// A KPI request as a client sends it.
#[derive(Debug, Clone)]
pub struct KpiParams {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Default: today.
    pub as_of: Option<NaiveDate>,
    pub sign_basis: SignBasis,
    pub funds_basis: FundsBasis,
    pub production_cohort: ProductionCohort,
    /// On the target basis, scale the year's target by the elapsed share of the year at
    /// `as_of` (序时进度).
    pub scale_targets: bool,
    pub scope: Scope,
    pub group_by: Option<GroupBy>,
}

/// A checked KPI request.
#[derive(Debug, Clone)]
pub struct KpiQuery {
    pub period: Period,
    pub as_of: NaiveDate,
    pub sign_basis: SignBasis,
    pub funds_basis: FundsBasis,
    pub production_cohort: ProductionCohort,
    pub scale_targets: bool,
    pub scope: Scope,
    pub group_by: Option<GroupBy>,
}

impl KpiQuery {
    fn uses_targets(&self) -> bool {
        self.sign_basis == SignBasis::Target || self.funds_basis == FundsBasis::Target
    }
}

/// Checks a request: `to` not before `from`, `as_of` not later than today, and the target
/// basis only where targets exist (per team and year: overall or by team, within one year,
/// without a cluster or park filter).
pub fn check_params(params: KpiParams) -> ServiceResult<KpiQuery> {
    let mut problems = Problems::default();
    let period = problems.check("to", Period::new(params.from, params.to));
    let as_of = problems.check("as_of", PastDate::or_today(params.as_of));
    let targets = params.sign_basis == SignBasis::Target || params.funds_basis == FundsBasis::Target;
    if targets {
        let field = if params.sign_basis == SignBasis::Target {
            "sign_basis"
        } else {
            "funds_basis"
        };
        if params.from.year() != params.to.year() {
            problems.add(
                field,
                Words::new(
                    "按目标口径是与一年的目标相比：from 和 to 须在同一年内",
                    "the target basis compares with one year's targets: `from` and `to` must be in the same year",
                ),
            );
        }
        if params.group_by.is_some_and(|g| g != GroupBy::Team) {
            problems.add(
                field,
                Words::new(
                    "目标按专班和年度设定：按目标口径不能按产业集群、园区、月份或季度分组",
                    "targets are set per team and year: the target basis cannot be grouped by cluster, park, month or quarter",
                ),
            );
        }
        if params.scope.cluster_id.is_some() || params.scope.park_id.is_some() {
            problems.add(
                field,
                Words::new(
                    "目标按专班设定：按目标口径不能按产业集群或园区筛选",
                    "targets are set per team: the target basis cannot be filtered by cluster or park",
                ),
            );
        }
    }
    problems.finish()?;
    let period = period.expect("checked above");
    Ok(KpiQuery {
        period,
        as_of: as_of.expect("checked above").get(),
        sign_basis: params.sign_basis,
        funds_basis: params.funds_basis,
        production_cohort: params.production_cohort,
        scale_targets: params.scale_targets,
        scope: params.scope,
        group_by: params.group_by,
    })
}

/// What a rate is computed on, as reported beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateBasis {
    Period,
    Cohort,
    Target,
    /// Production rates over every project signed on or before `as_of`.
    AllSigned,
    /// Production rates over the projects signed in the period.
    SignedInPeriod,
}

impl RateBasis {
    /// The basis of the production rates, from the cohort they look at.
    pub fn of_production(cohort: ProductionCohort) -> Self {
        match cohort {
            ProductionCohort::AllSigned => Self::AllSigned,
            ProductionCohort::SignedInPeriod => Self::SignedInPeriod,
        }
    }
}

/// A rate: numerator ÷ denominator (counts, or amounts in yuan), on a basis. On a scaled
/// target basis the denominator is the target and `target_scale` the elapsed share it is
/// multiplied by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub basis: RateBasis,
    pub numerator: i64,
    pub denominator: i64,
    pub target_scale: Option<YearProgress>,
}

impl Rate {
    fn new(basis: RateBasis, numerator: i64, denominator: i64) -> Self {
        Self {
            basis,
            numerator,
            denominator,
            target_scale: None,
        }
    }

    /// The rate rounded to six decimals; `None` when the (scaled) denominator is zero.
    pub fn rounded(&self) -> Option<Decimal> {
        let (num, den) = (Decimal::from(self.numerator), Decimal::from(self.denominator));
        match self.target_scale {
            Some(scale) => scale.scaled_rate(num, den),
            None => ratio(num, den),
        }
    }

    /// The rate unrounded, for scores built from it.
    pub fn exact(&self) -> Option<Decimal> {
        let (num, den) = (Decimal::from(self.numerator), Decimal::from(self.denominator));
        match self.target_scale {
            Some(scale) => exact_ratio(
                num * Decimal::from(scale.days_in_year),
                den * Decimal::from(scale.days_elapsed),
            ),
            None => exact_ratio(num, den),
        }
    }
}

/// The additive figures behind a KPI set, for one group (or overall).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Figures {
    pub sign_denominator: i64,
    pub sign_numerator: i64,
    /// Projects signed in the period (on or before `as_of`).
    pub projects_signed: i64,
    /// Their contracted investment, yuan.
    pub contracted_yuan: i64,
    /// Their counted funds arrived on or before `as_of`, yuan (funds cohort basis).
    pub cohort_funds_yuan: i64,
    /// Counted funds arrived in the period for signed projects, yuan.
    pub period_funds_yuan: i64,
    pub projects_started: i64,
    pub projects_producing: i64,
    /// Production: due, started production, counted (producing and effective when due).
    pub production_due: i64,
    pub production_started: i64,
    pub production_counted: i64,
    /// Due for full production, and effective.
    pub full_production_due: i64,
    pub effective: i64,
}

impl Figures {
    /// The actual of a target measure in the period (a count, or yuan).
    pub fn actual(&self, measure: Measure) -> i64 {
        match measure {
            Measure::ProjectsSigned => self.projects_signed,
            Measure::ContractedInvestment => self.contracted_yuan,
            Measure::FundsArrived => self.period_funds_yuan,
            Measure::ProjectsStarted => self.projects_started,
            Measure::ProjectsProducing => self.projects_producing,
        }
    }
}

impl std::ops::AddAssign for Figures {
    fn add_assign(&mut self, o: Self) {
        self.sign_denominator += o.sign_denominator;
        self.sign_numerator += o.sign_numerator;
        self.projects_signed += o.projects_signed;
        self.contracted_yuan += o.contracted_yuan;
        self.cohort_funds_yuan += o.cohort_funds_yuan;
        self.period_funds_yuan += o.period_funds_yuan;
        self.projects_started += o.projects_started;
        self.projects_producing += o.projects_producing;
        self.production_due += o.production_due;
        self.production_started += o.production_started;
        self.production_counted += o.production_counted;
        self.full_production_due += o.full_production_due;
        self.effective += o.effective;
    }
}

/// The counts and sums of the period a bulletin (月通报) quotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bulletin {
    pub projects_signed: i64,
    pub contracted_investment_yuan: i64,
    /// Counted funds arrived in the period.
    pub funds_arrived_yuan: i64,
    pub projects_started: i64,
    pub projects_producing: i64,
}

/// The rates of one group (or overall).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KpiSet {
    pub sign_rate: Rate,
    /// Amounts in yuan.
    pub funds_arrival_rate: Rate,
    pub production_effectiveness_rate: Rate,
    pub production_rate: Rate,
    pub effectiveness_rate: Rate,
    /// On the sign target basis: contracted investment signed ÷ the contracted-amount target.
    pub contracted_investment_completion: Option<Rate>,
    pub bulletin: Bulletin,
}

/// One group of a grouped report.
#[derive(Debug, Clone)]
pub struct KpiGroup {
    /// The team, cluster or park id, or the month (`2025-03`) or quarter (`2025-Q1`); `none`
    /// for projects without a cluster or park.
    pub key: String,
    pub id: Option<i32>,
    pub name: Option<String>,
    pub set: KpiSet,
}

/// A KPI report: what it was asked, the settings it used, the overall set and the groups.
#[derive(Debug, Clone)]
pub struct KpiReport {
    pub query: KpiQuery,
    pub settings: StoredSettings,
    pub overall: KpiSet,
    pub groups: Vec<KpiGroup>,
}

/// Builds the set of a group from its figures and (on a target basis) its targets.
fn kpi_set(query: &KpiQuery, figures: &Figures, targets: Option<&TargetTotals>) -> KpiSet {
    let scale = query
        .scale_targets
        .then(|| YearProgress::at(query.period.from.year(), query.as_of));
    let target_rate = |numerator: i64, target: Option<i64>| Rate {
        basis: RateBasis::Target,
        numerator,
        denominator: target.unwrap_or(0),
        target_scale: scale,
    };
    let targets = targets.copied().unwrap_or_default();
    let sign_rate = match query.sign_basis {
        SignBasis::Period => Rate::new(RateBasis::Period, figures.sign_numerator, figures.sign_denominator),
        SignBasis::Cohort => Rate::new(RateBasis::Cohort, figures.sign_numerator, figures.sign_denominator),
        SignBasis::Target => target_rate(figures.projects_signed, targets.projects_signed),
    };
    let contracted_investment_completion = (query.sign_basis == SignBasis::Target)
        .then(|| target_rate(figures.contracted_yuan, targets.contracted_investment_yuan));
    let funds_arrival_rate = match query.funds_basis {
        FundsBasis::Cohort => Rate::new(RateBasis::Cohort, figures.cohort_funds_yuan, figures.contracted_yuan),
        FundsBasis::Period => Rate::new(RateBasis::Period, figures.period_funds_yuan, figures.contracted_yuan),
        FundsBasis::Target => target_rate(figures.period_funds_yuan, targets.funds_arrived_yuan),
    };
    let production_basis = RateBasis::of_production(query.production_cohort);
    KpiSet {
        sign_rate,
        funds_arrival_rate,
        production_effectiveness_rate: Rate::new(production_basis, figures.production_counted, figures.production_due),
        production_rate: Rate::new(production_basis, figures.production_started, figures.production_due),
        effectiveness_rate: Rate::new(production_basis, figures.effective, figures.full_production_due),
        contracted_investment_completion,
        bulletin: Bulletin {
            projects_signed: figures.projects_signed,
            contracted_investment_yuan: figures.contracted_yuan,
            funds_arrived_yuan: figures.period_funds_yuan,
            projects_started: figures.projects_started,
            projects_producing: figures.projects_producing,
        },
    }
}

/// Computes a KPI report.
pub async fn kpis(db: &impl ConnectionTrait, params: KpiParams) -> ServiceResult<KpiReport> {
    report(db, check_params(params)?).await
}

/// Computes the KPI report of a checked request.
async fn report(db: &impl ConnectionTrait, query: KpiQuery) -> ServiceResult<KpiReport> {
    let settings = get_settings(db).await?;
    let by_group = figures(db, &query, &settings.settings).await?;
    let targets = if query.uses_targets() {
        Some(targets_by_team(db, query.period.from.year(), query.scope.team_id).await?)
    } else {
        None
    };
    let mut overall_figures = Figures::default();
    for f in by_group.values() {
        overall_figures += *f;
    }
    let overall_targets = targets.as_ref().map(|t| t.values().copied().sum::<TargetTotals>());
    let overall = kpi_set(&query, &overall_figures, overall_targets.as_ref());

    let mut groups = Vec::new();
    if let Some(group_by) = query.group_by {
        let mut keys: Vec<Option<String>> = by_group.keys().cloned().collect();
        if let Some(targets) = &targets {
            keys.extend(targets.keys().map(|id| Some(id.to_string())));
        }
        let names = group_names(db, group_by).await?;
        let mut seen = std::collections::HashSet::new();
        for key in keys {
            if !seen.insert(key.clone()) {
                continue;
            }
            let figures = by_group.get(&key).copied().unwrap_or_default();
            let id = if group_by.is_time() {
                None
            } else {
                key.as_deref().and_then(|k| k.parse::<i32>().ok())
            };
            let group_targets = targets
                .as_ref()
                .map(|t| id.and_then(|id| t.get(&id).copied()).unwrap_or_default());
            let name = match (group_by.is_time(), id) {
                (true, _) => key.clone(),
                (false, Some(id)) => names.get(&id).cloned(),
                (false, None) => None,
            };
            groups.push(KpiGroup {
                key: key.unwrap_or_else(|| "none".to_string()),
                id,
                name,
                set: kpi_set(&query, &figures, group_targets.as_ref()),
            });
        }
        groups.sort_by(|a, b| match (a.id, b.id) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => (a.key == "none").cmp(&(b.key == "none")).then(a.key.cmp(&b.key)),
        });
    }
    Ok(KpiReport {
        query,
        settings,
        overall,
        groups,
    })
}

/// The overall KPI set of a checked, ungrouped request computed with `settings` (not
/// necessarily those in force: a publication recomputes with its own).
pub async fn overall_with(db: &impl ConnectionTrait, query: &KpiQuery, settings: &Settings) -> ServiceResult<KpiSet> {
    let mut total = Figures::default();
    for f in figures(db, query, settings).await?.values() {
        total += *f;
    }
    Ok(kpi_set(query, &total, None))
}

/// The names of the teams, clusters or parks (one small query).
async fn group_names(db: &impl ConnectionTrait, group_by: GroupBy) -> ServiceResult<BTreeMap<i32, String>> {
    Ok(match group_by {
        GroupBy::Team => team::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.id, m.name))
            .collect(),
        GroupBy::Cluster => cluster::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.id, m.name))
            .collect(),
        GroupBy::Park => park::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.id, m.name))
            .collect(),
        GroupBy::Month | GroupBy::Quarter => BTreeMap::new(),
    })
}

/// The figures of every group, from one aggregate query per family (at most five).
pub async fn figures(
    db: &impl ConnectionTrait,
    query: &KpiQuery,
    settings: &Settings,
) -> ServiceResult<BTreeMap<Option<String>, Figures>> {
    figures_of(db, query, Some(settings)).await
}

/// Only the bulletin's counts and sums of every group (signed, contracted, funds arrived,
/// started, producing): three aggregate queries.
pub async fn bulletin_figures(
    db: &impl ConnectionTrait,
    query: &KpiQuery,
) -> ServiceResult<BTreeMap<Option<String>, Figures>> {
    figures_of(db, query, None).await
}

/// The figures; the rates' own families (sign rate, cohort funds, production) only with
/// `settings`.
async fn figures_of(
    db: &impl ConnectionTrait,
    query: &KpiQuery,
    settings: Option<&Settings>,
) -> ServiceResult<BTreeMap<Option<String>, Figures>> {
    let backend = db.get_database_backend();
    let label = group_label(query.group_by, "k");
    // The families are independent queries: run side by side, each on a connection of its
    // own where the pool has several (PostgreSQL, SQLite's readers), the answer waits for the
    // slowest instead of their sum.
    let sign = async {
        if settings.is_none() || query.sign_basis == SignBasis::Target {
            return Ok(Vec::new());
        }
        let mut q = Query::new(backend);
        let sign = sign_conditions(&mut q, query.sign_basis, &query.period, query.as_of);
        let scope = scope_filter(&mut q, &query.scope, "p.");
        let key = group_key(q.dialect, query.group_by, "p.", &sign.event);
        let sql = format!(
            "SELECT {label} AS g, CAST(COUNT(*) AS BIGINT) AS den, {num} AS num FROM (\
               SELECT {key} AS k, CASE WHEN {numerator} THEN 1 ELSE 0 END AS in_num \
               FROM projects p WHERE {denominator}{scope}\
             ) t GROUP BY k",
            num = sum("in_num"),
            numerator = sign.numerator,
            denominator = sign.denominator,
        );
        grouped_figures(db, &q, sql, |row| {
            Ok(Figures {
                sign_denominator: int(row, "den")?,
                sign_numerator: int(row, "num")?,
                ..Figures::default()
            })
        })
        .await
    };

    let signed = async {
        // The projects signed in the period, their contracted investment and — on the cohort
        // basis — their counted funds arrived by `as_of`, in one pass: a correlated sum on the
        // covering `fundings (project_id, arrived_on, counted, amount_yuan)` index.
        let mut q = Query::new(backend);
        let signed = signed_in_period(&mut q, &query.period, query.as_of);
        let cohort_funds = if settings.is_some() && query.funds_basis == FundsBasis::Cohort {
            let as_of = q.date(query.as_of);
            counted_funds_until("p.id", &as_of)
        } else {
            "0".to_string()
        };
        let scope = scope_filter(&mut q, &query.scope, "p.");
        let key = group_key(q.dialect, query.group_by, "p.", "p.signed_on");
        let sql = format!(
            "SELECT {label} AS g, CAST(COUNT(*) AS BIGINT) AS signed, {contracted} AS contracted, {funds} AS funds FROM (\
               SELECT {key} AS k, COALESCE(c.contracted_investment_yuan, 0) AS contracted, \
                      {cohort_funds} AS funds \
               FROM projects p LEFT JOIN contracts c ON c.project_id = p.id WHERE {signed}{scope}\
             ) t GROUP BY k",
            contracted = sum("contracted"),
            funds = sum("funds"),
        );
        grouped_figures(db, &q, sql, |row| {
            Ok(Figures {
                projects_signed: int(row, "signed")?,
                contracted_yuan: int(row, "contracted")?,
                cohort_funds_yuan: int(row, "funds")?,
                ..Figures::default()
            })
        })
        .await
    };

    let period_funds = async {
        let mut q = Query::new(backend);
        let window = funds_window(&mut q, &query.period, query.as_of);
        let scope = scope_filter(&mut q, &query.scope, "p.");
        let key = group_key(q.dialect, query.group_by, "p.", "f.arrived_on");
        let sql = format!(
            "SELECT {label} AS g, {funds} AS funds FROM (\
               SELECT {key} AS k, f.amount_yuan AS amount \
               FROM projects p {join} fundings f ON f.project_id = p.id \
               WHERE {window}{scope}\
             ) t GROUP BY k",
            funds = sum("amount"),
            join = q.dialect.join_in_order(),
        );
        grouped_figures(db, &q, sql, |row| {
            Ok(Figures {
                period_funds_yuan: int(row, "funds")?,
                ..Figures::default()
            })
        })
        .await
    };

    let started = async {
        let mut q = Query::new(backend);
        let (from, to, as_of) = (q.date(query.period.from), q.date(query.period.to), q.date(query.as_of));
        let scope = scope_filter(&mut q, &query.scope, "p.");
        let branch = |column: &str, started: u8| {
            format!(
                "SELECT {key} AS k, {started} AS started, {producing} AS producing FROM projects p \
                 WHERE {reached}{scope}",
                key = group_key(q.dialect, query.group_by, "p.", &format!("p.{column}")),
                producing = 1 - started,
                reached = in_period(&format!("p.{column}"), &from, &to, &as_of),
            )
        };
        let sql = format!(
            "SELECT {label} AS g, {started} AS started, {producing} AS producing FROM ({} UNION ALL {}) t GROUP BY k",
            branch("started_on", 1),
            branch("producing_on", 0),
            started = sum("started"),
            producing = sum("producing"),
        );
        grouped_figures(db, &q, sql, |row| {
            Ok(Figures {
                projects_started: int(row, "started")?,
                projects_producing: int(row, "producing")?,
                ..Figures::default()
            })
        })
        .await
    };

    let production = async {
        let Some(settings) = settings else {
            return Ok(Vec::new());
        };
        let mut q = Query::new(backend);
        let cohort = production_cohort(&mut q, query, settings);
        let as_of = q.date(query.as_of);
        let counts = production_counts(&as_of);
        let (due, full_due) = (production_due("", &as_of), full_production_due("", &as_of));
        let sql = if query.group_by.is_some_and(GroupBy::is_time) {
            // Each rate by the month / quarter of its own due date, but never after the period:
            // a project falling due after `to` (by a later `as_of`) counts in its last month, so
            // that no group follows the period's end and the overall figures stay the groups'
            // sum. Two sets of rows.
            let to = q.date(query.period.to);
            let by_end = |column: &str| q.dialect.earlier_of(column, &to);
            let due_key = group_key(q.dialect, query.group_by, "", &by_end("due_on"));
            let full_key = group_key(q.dialect, query.group_by, "", &by_end("full_due_on"));
            format!(
                "WITH cohort AS ({cohort}) \
                 SELECT {label} AS g, {due_n} AS due, {produced} AS produced, {counted} AS counted, \
                        {full_due_n} AS full_due, {effective} AS effective FROM (\
                   SELECT {due_key} AS k, 1 AS due, \
                          CASE WHEN {PRODUCED} THEN 1 ELSE 0 END AS produced, \
                          CASE WHEN {counts} THEN 1 ELSE 0 END AS counted, \
                          0 AS full_due, 0 AS effective \
                   FROM cohort WHERE {due} \
                   UNION ALL \
                   SELECT {full_key} AS k, 0, 0, 0, 1, CASE WHEN {EFFECTIVE} THEN 1 ELSE 0 END \
                   FROM cohort WHERE {full_due}\
                 ) t GROUP BY k",
                due_n = sum("due"),
                produced = sum("produced"),
                counted = sum("counted"),
                full_due_n = sum("full_due"),
                effective = sum("effective"),
            )
        } else {
            // One pass over the cohort.
            let key = group_key(q.dialect, query.group_by, "", "due_on");
            format!(
                "SELECT {label} AS g, {due_n} AS due, {produced} AS produced, {counted} AS counted, \
                        {full_due_n} AS full_due, {effective} AS effective FROM (\
                   SELECT {key} AS k, \
                          CASE WHEN {due} THEN 1 ELSE 0 END AS due, \
                          CASE WHEN {due} AND {PRODUCED} THEN 1 ELSE 0 END AS produced, \
                          CASE WHEN {due} AND {counts} THEN 1 ELSE 0 END AS counted, \
                          CASE WHEN {full_due} THEN 1 ELSE 0 END AS full_due, \
                          CASE WHEN {full_due} AND {EFFECTIVE} THEN 1 ELSE 0 END AS effective \
                   FROM ({cohort}) cohort WHERE {due} OR {full_due}\
                 ) t GROUP BY k",
                due_n = sum("due"),
                produced = sum("produced"),
                counted = sum("counted"),
                full_due_n = sum("full_due"),
                effective = sum("effective"),
            )
        };
        grouped_figures(db, &q, sql, |row| {
            Ok(Figures {
                production_due: int(row, "due")?,
                production_started: int(row, "produced")?,
                production_counted: int(row, "counted")?,
                full_production_due: int(row, "full_due")?,
                effective: int(row, "effective")?,
                ..Figures::default()
            })
        })
        .await
    };

    let (sign, signed, period_funds, started, production) =
        tokio::try_join!(sign, signed, period_funds, started, production)?;
    let mut by_group: BTreeMap<Option<String>, Figures> = BTreeMap::new();
    for (key, figures) in [sign, signed, period_funds, started, production].into_iter().flatten() {
        *by_group.entry(key).or_default() += figures;
    }
    Ok(by_group)
}

/// One family's figures per group: runs `sql`, whose rows carry the group's label as `g`, and
/// reads each row's figures with `read`.
async fn grouped_figures(
    db: &impl ConnectionTrait,
    q: &Query,
    sql: String,
    read: impl Fn(&QueryResult) -> ServiceResult<Figures>,
) -> ServiceResult<Vec<(Option<String>, Figures)>> {
    q.all(db, sql)
        .await?
        .iter()
        .map(|row| Ok((opt_text(row, "g")?, read(row)?)))
        .collect()
}
