//! `/api/v1/kpis` and `/api/v1/kpis/{kpi}/projects`: the KPI engine's rates and the projects
//! behind them, with the bases and numbers the league table (`league`) and the warnings
//! (`warnings`) share. It converts; the definitions are `domain::kpi`'s.

use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::ApiTags;
use super::auth::BearerAuth;
use super::error::ApiResult;
use super::error::status::*;
use super::investors::{default_page, default_per_page};
use super::settings::Settings;
use super::types::{Date, Wan};
use crate::domain::kpi as rules;
use crate::domain::money::yuan_to_wan;
use crate::service::PageRequest;
use crate::service::kpi::{self as svc, drilldown};
use crate::state::AppState;

/// A rate, completion or score as a JSON number with six decimals.
pub fn rate_number(value: Decimal) -> f64 {
    rules::round_rate(value).to_f64().unwrap_or_default()
}

/// The basis (or cohort) asked for, else the domain's default: the API has no default of its
/// own.
pub(super) fn or_default<Asked: Into<Rule>, Rule: Default>(asked: Option<Asked>) -> Rule {
    asked.map(Into::into).unwrap_or_default()
}

/// An amount in yuan as 万元.
pub(super) fn wan(yuan: i64) -> Wan {
    Wan(yuan_to_wan(yuan))
}

/// The sign rate's basis: `period` (default: projects negotiating at some time in the period ÷
/// those signed in it), `cohort` (projects whose negotiation began in the period ÷ those signed
/// by `as_of`) or `target` (signed in the period ÷ the year's target).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum SignBasis {
    Period,
    Cohort,
    Target,
}

impl From<rules::SignBasis> for SignBasis {
    fn from(b: rules::SignBasis) -> Self {
        match b {
            rules::SignBasis::Period => Self::Period,
            rules::SignBasis::Cohort => Self::Cohort,
            rules::SignBasis::Target => Self::Target,
        }
    }
}

impl From<SignBasis> for rules::SignBasis {
    fn from(b: SignBasis) -> Self {
        match b {
            SignBasis::Period => Self::Period,
            SignBasis::Cohort => Self::Cohort,
            SignBasis::Target => Self::Target,
        }
    }
}

/// The funds-arrival rate's basis: `cohort` (default: projects signed in the period, their
/// counted funds by `as_of` ÷ their contracted investment), `period` (counted funds arrived in
/// the period for any signed project ÷ contracted investment signed in the period) or `target`
/// (counted funds arrived in the period ÷ the year's funds target).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum FundsBasis {
    Cohort,
    Period,
    Target,
}

impl From<rules::FundsBasis> for FundsBasis {
    fn from(b: rules::FundsBasis) -> Self {
        match b {
            rules::FundsBasis::Cohort => Self::Cohort,
            rules::FundsBasis::Period => Self::Period,
            rules::FundsBasis::Target => Self::Target,
        }
    }
}

impl From<FundsBasis> for rules::FundsBasis {
    fn from(b: FundsBasis) -> Self {
        match b {
            FundsBasis::Cohort => Self::Cohort,
            FundsBasis::Period => Self::Period,
            FundsBasis::Target => Self::Target,
        }
    }
}

/// Which signed projects the production rates look at: `all` (default: every project signed
/// on or before `as_of`) or `period` (those signed in the period).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ProductionCohort {
    All,
    Period,
}

impl From<rules::ProductionCohort> for ProductionCohort {
    fn from(c: rules::ProductionCohort) -> Self {
        match c {
            rules::ProductionCohort::AllSigned => Self::All,
            rules::ProductionCohort::SignedInPeriod => Self::Period,
        }
    }
}

impl From<ProductionCohort> for rules::ProductionCohort {
    fn from(c: ProductionCohort) -> Self {
        match c {
            ProductionCohort::All => Self::AllSigned,
            ProductionCohort::Period => Self::SignedInPeriod,
        }
    }
}

/// How to break a report down: by `team`, `cluster` or `park` of the project, or by the
/// `month` / `quarter` of the event that puts a project in each rate's denominator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum GroupBy {
    Team,
    Cluster,
    Park,
    Month,
    Quarter,
}

impl From<GroupBy> for rules::GroupBy {
    fn from(g: GroupBy) -> Self {
        match g {
            GroupBy::Team => Self::Team,
            GroupBy::Cluster => Self::Cluster,
            GroupBy::Park => Self::Park,
            GroupBy::Month => Self::Month,
            GroupBy::Quarter => Self::Quarter,
        }
    }
}

/// A rate that can be drilled into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum KpiName {
    SignRate,
    FundsArrivalRate,
    ProductionEffectivenessRate,
    ProductionRate,
    EffectivenessRate,
}

impl From<KpiName> for rules::Kpi {
    fn from(k: KpiName) -> Self {
        match k {
            KpiName::SignRate => Self::SignRate,
            KpiName::FundsArrivalRate => Self::FundsArrivalRate,
            KpiName::ProductionEffectivenessRate => Self::ProductionEffectivenessRate,
            KpiName::ProductionRate => Self::ProductionRate,
            KpiName::EffectivenessRate => Self::EffectivenessRate,
        }
    }
}

/// What a rate was computed on: `period`, `cohort`, `target`, or for the production rates
/// `all_signed` (every project signed by `as_of`) / `signed_in_period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum RateBasis {
    Period,
    Cohort,
    Target,
    AllSigned,
    SignedInPeriod,
}

impl From<svc::RateBasis> for RateBasis {
    fn from(b: svc::RateBasis) -> Self {
        match b {
            svc::RateBasis::Period => Self::Period,
            svc::RateBasis::Cohort => Self::Cohort,
            svc::RateBasis::Target => Self::Target,
            svc::RateBasis::AllSigned => Self::AllSigned,
            svc::RateBasis::SignedInPeriod => Self::SignedInPeriod,
        }
    }
}

/// A rate over project counts.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CountRate {
    pub basis: RateBasis,
    pub numerator: i64,
    /// A count of projects, or on the target basis the year's target.
    pub denominator: i64,
    /// On a scaled target basis: the elapsed share of the year (序时进度) the target is
    /// multiplied by, six decimals.
    pub target_scale: Option<f64>,
    /// numerator ÷ denominator (× target_scale), computed exactly and rounded to six decimals;
    /// null when the denominator is zero.
    pub rate: Option<f64>,
}

impl From<svc::Rate> for CountRate {
    fn from(r: svc::Rate) -> Self {
        Self {
            basis: r.basis.into(),
            numerator: r.numerator,
            denominator: r.denominator,
            target_scale: r.target_scale.map(|s| rate_number(s.share())),
            rate: r.rounded().map(rate_number),
        }
    }
}

/// A rate over amounts in 万元.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AmountRate {
    pub basis: RateBasis,
    /// 万元.
    pub numerator: Wan,
    /// 万元; on the target basis the year's target.
    pub denominator: Wan,
    /// On a scaled target basis: the elapsed share of the year the target is multiplied by.
    pub target_scale: Option<f64>,
    /// numerator ÷ denominator (× target_scale), six decimals; null when the denominator is
    /// zero.
    pub rate: Option<f64>,
}

impl From<svc::Rate> for AmountRate {
    fn from(r: svc::Rate) -> Self {
        Self {
            basis: r.basis.into(),
            numerator: wan(r.numerator),
            denominator: wan(r.denominator),
            target_scale: r.target_scale.map(|s| rate_number(s.share())),
            rate: r.rounded().map(rate_number),
        }
    }
}

/// The period's counts and sums a bulletin (月通报) quotes; events after `as_of` do not count.
#[derive(Debug, Object)]
pub struct Bulletin {
    /// Projects signed in the period.
    pub projects_signed: i64,
    /// Their contracted investment, 万元.
    pub contracted_investment_signed: Wan,
    /// Counted funds arrived in the period (for signed projects), 万元.
    pub funds_arrived: Wan,
    /// Projects that started construction in the period.
    pub projects_started: i64,
    /// Projects that started production in the period.
    pub projects_producing: i64,
}

/// The rates of one group, or of everything.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct KpiSet {
    /// 签约率.
    pub sign_rate: CountRate,
    /// 资金到位率.
    pub funds_arrival_rate: AmountRate,
    /// 投产达效率: due projects that produce (and are effective once their full-production
    /// date has passed) ÷ due projects.
    pub production_effectiveness_rate: CountRate,
    /// 投产率: due projects that started production ÷ due projects.
    pub production_rate: CountRate,
    /// 达效率: effective ÷ projects due for full production.
    pub effectiveness_rate: CountRate,
    /// On the sign target basis: contracted investment signed in the period ÷ the year's
    /// contracted-amount target.
    pub contracted_investment_completion: Option<AmountRate>,
    pub bulletin: Bulletin,
}

impl From<svc::KpiSet> for KpiSet {
    fn from(s: svc::KpiSet) -> Self {
        Self {
            sign_rate: s.sign_rate.into(),
            funds_arrival_rate: s.funds_arrival_rate.into(),
            production_effectiveness_rate: s.production_effectiveness_rate.into(),
            production_rate: s.production_rate.into(),
            effectiveness_rate: s.effectiveness_rate.into(),
            contracted_investment_completion: s.contracted_investment_completion.map(Into::into),
            bulletin: Bulletin {
                projects_signed: s.bulletin.projects_signed,
                contracted_investment_signed: wan(s.bulletin.contracted_investment_yuan),
                funds_arrived: wan(s.bulletin.funds_arrived_yuan),
                projects_started: s.bulletin.projects_started,
                projects_producing: s.bulletin.projects_producing,
            },
        }
    }
}

/// The rates of one group.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct KpiGroup {
    /// The team, cluster or park id as text (`none` for projects without a cluster or park),
    /// or the month (`2025-03`) or quarter (`2025-Q1`).
    pub key: String,
    /// The team, cluster or park id.
    pub id: Option<i32>,
    /// The team, cluster or park name, or the month / quarter key.
    pub name: Option<String>,
    pub kpis: KpiSet,
    /// With `compare=true`: the same group in the previous period (环比) — the same team,
    /// cluster or park; for a month or quarter the one at the same place in the previous
    /// period (a month → the month before). All zeros when it had no figures there.
    pub previous: Option<KpiSet>,
    /// With `compare=true`: the same group in the same period last year (同比) — for a month or
    /// quarter the same month or quarter a year earlier.
    pub last_year: Option<KpiSet>,
}

/// A period the report is compared with, and its figures: exactly what `get_kpis` answers
/// for `from`, `to` and `as_of` below with the same other parameters.
#[derive(Debug, Object)]
pub struct KpiComparison {
    pub from: Date,
    pub to: Date,
    /// The comparison's figures are counted to this date.
    pub as_of: Date,
    pub overall: KpiSet,
}

impl KpiComparison {
    fn of(compared: &svc::compare::Compared) -> Self {
        Self {
            from: Date(compared.comparison.period.from),
            to: Date(compared.comparison.period.to),
            as_of: Date(compared.comparison.as_of),
            overall: compared.overall.clone().into(),
        }
    }
}

/// A KPI report: what was asked, the settings used, the overall rates and each group's.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct KpiReport {
    pub from: Date,
    pub to: Date,
    pub as_of: Date,
    pub sign_basis: SignBasis,
    pub funds_basis: FundsBasis,
    pub production_cohort: ProductionCohort,
    pub scale_targets: bool,
    pub team_id: Option<i32>,
    pub cluster_id: Option<i32>,
    pub park_id: Option<i32>,
    pub group_by: Option<GroupBy>,
    /// The settings the figures were computed with.
    pub settings: Settings,
    pub overall: KpiSet,
    /// One per group when grouped (teams, clusters and parks by id, `none` last; months and
    /// quarters in order); empty otherwise.
    pub groups: Vec<KpiGroup>,
    /// With `compare=true`: the previous period (环比), as long as this one and ending the day
    /// before `from` (a month → the previous month, a quarter → the previous quarter, other
    /// spans the same number of days), as of the earlier of `as_of` and its last day.
    pub previous: Option<KpiComparison>,
    /// With `compare=true`: the same period last year (同比; the year to date → the same span
    /// of the previous year), as of the same day a year earlier or its last day if earlier.
    pub last_year: Option<KpiComparison>,
}

/// A project behind a rate, with the figures that decided where it counts.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct KpiProject {
    pub project_id: i32,
    pub code: String,
    pub name: String,
    pub team_id: i32,
    pub team_name: Option<String>,
    /// In the rate's denominator. False on the target basis (the denominator is a target) and,
    /// on the funds period basis, for projects signed outside the period whose payments in the
    /// period count in the numerator.
    pub in_denominator: bool,
    /// In the numerator (for funds: counted funds in the window are more than zero).
    pub in_numerator: bool,
    /// Sign rate: the date negotiation began.
    pub negotiation_began_on: Option<Date>,
    /// Sign rate: no negotiation date was recorded, so negotiation counts from signing.
    pub negotiation_began_at_signing: Option<bool>,
    /// Signing date, if on or before `as_of`.
    pub signed_on: Option<Date>,
    /// Termination date, if on or before `as_of`.
    pub terminated_on: Option<Date>,
    /// Funds rate: contracted investment, 万元.
    pub contracted_investment: Option<Wan>,
    /// Funds rate: counted funds in the window (by `as_of` on the cohort basis, in the period
    /// on the period and target bases), 万元.
    pub counted_funds: Option<Wan>,
    /// Production rates: the production date used.
    pub production_due_on: Option<Date>,
    /// Whether it is the default (signing + the default months) rather than promised.
    pub production_due_is_default: Option<bool>,
    /// Production start, if on or before `as_of`.
    pub producing_on: Option<Date>,
    /// The full-production date used (absent when none was promised and production has not
    /// started).
    pub full_production_due_on: Option<Date>,
    /// Whether it is the default (production start + the default months).
    pub full_production_due_is_default: Option<bool>,
    /// Full production (达产达效), if on or before `as_of`.
    pub effective_on: Option<Date>,
}

impl From<drilldown::KpiProject> for KpiProject {
    fn from(p: drilldown::KpiProject) -> Self {
        Self {
            project_id: p.project_id,
            code: p.code,
            name: p.name,
            team_id: p.team_id,
            team_name: p.team_name,
            in_denominator: p.in_denominator,
            in_numerator: p.in_numerator,
            negotiation_began_on: p.negotiation_began_on.map(Date),
            negotiation_began_at_signing: p.negotiation_began_at_signing,
            signed_on: p.signed_on.map(Date),
            terminated_on: p.terminated_on.map(Date),
            contracted_investment: p.contracted_investment_yuan.map(wan),
            counted_funds: p.counted_funds_yuan.map(wan),
            production_due_on: p.production_due_on.map(Date),
            production_due_is_default: p.production_due_is_default,
            producing_on: p.producing_on.map(Date),
            full_production_due_on: p.full_production_due_on.map(Date),
            full_production_due_is_default: p.full_production_due_is_default,
            effective_on: p.effective_on.map(Date),
        }
    }
}

/// A page of the projects behind a rate.
#[derive(Debug, Object)]
pub struct KpiProjectPage {
    pub kpi: KpiName,
    pub basis: RateBasis,
    pub from: Date,
    pub to: Date,
    pub as_of: Date,
    pub settings: Settings,
    /// By project id.
    pub items: Vec<KpiProject>,
    /// How many projects in all.
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

pub struct KpiApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Kpis")]
impl KpiApi {
    /// Compute the KPIs
    ///
    /// Sign rate, funds-arrival rate and production-effectiveness rate (with its production and
    /// effectiveness parts) for the period `from`–`to` (inclusive) as of `as_of`, each on its
    /// stated basis, overall and per group, with the bulletin's counts and sums. Events after
    /// `as_of` do not count; a project signed without a negotiation date negotiates from its
    /// signing date; terminated projects stay in every denominator they entered.
    ///
    /// With `group_by=month` or `quarter` each rate is grouped by the month of the event that
    /// puts a project in its denominator: sign rate (period basis) the later of negotiation
    /// start and `from`, (cohort) negotiation start; funds cohort basis and the signed counts
    /// the signing date; funds period basis numerator the arrival date and denominator the
    /// signing date; production and production-effectiveness rates the production due date;
    /// effectiveness rate the full-production due date; started / producing counts their
    /// dates.
    ///
    /// The target basis compares with the teams' targets for the year of `from` (the period
    /// must lie in one year; overall or grouped by team; no cluster or park filter). Overall,
    /// the denominator is the sum of the targets set for the teams in scope. With
    /// `scale_targets` the target is multiplied by the elapsed share of the year at `as_of`
    /// (days elapsed including `as_of` ÷ days in the year).
    ///
    /// With `compare=true` the answer also holds the previous period's figures (环比) and the
    /// same period's last year (同比), overall (`previous`, `last_year`, with their periods and
    /// as-of dates) and for each group, each exactly what this operation answers when asked for
    /// that period and as-of date directly. On the target basis a comparison period spanning
    /// two years is refused (422 on `compare`).
    ///
    /// The figures are shared: every signed-in user reads every team's, with any filter or
    /// grouping. The projects behind them (`list_kpi_projects`) are not.
    #[oai(path = "/kpis", method = "get", operation_id = "get_kpis")]
    #[allow(clippy::too_many_arguments)]
    async fn get_kpis(
        &self,
        state: Data<&AppState>,
        _auth: BearerAuth,
        /// First day of the period; default 1 January of `to`'s year.
        from: Query<Option<Date>>,
        /// Last day of the period (inclusive), not before `from`; default the as-of date.
        to: Query<Option<Date>>,
        /// The date events are counted to; default today, never later.
        as_of: Query<Option<Date>>,
        /// The sign rate's basis; default `period`.
        sign_basis: Query<Option<SignBasis>>,
        /// The funds-arrival rate's basis; default `cohort`.
        funds_basis: Query<Option<FundsBasis>>,
        /// The production rates' cohort; default `all`.
        production_cohort: Query<Option<ProductionCohort>>,
        /// On the target basis, scale the year's target by the elapsed share of the year.
        #[oai(default)]
        scale_targets: Query<bool>,
        /// Only this team's projects.
        team_id: Query<Option<i32>>,
        /// Only projects of this industry cluster.
        cluster_id: Query<Option<i32>>,
        /// Only projects in this park.
        park_id: Query<Option<i32>>,
        /// Break the figures down.
        group_by: Query<Option<GroupBy>>,
        /// Add the previous period's (环比) and last year's (同比) figures beside the current
        /// ones, overall and per group.
        #[oai(default)]
        compare: Query<bool>,
    ) -> ApiResult<Json<KpiReport>, { SIGNED_IN | BAD_REQUEST | INVALID }> {
        let period =
            crate::domain::date::period_or_year_to_date(from.0.map(|d| d.0), to.0.map(|d| d.0), as_of.0.map(|d| d.0));
        let sign_basis: rules::SignBasis = or_default(sign_basis.0);
        let funds_basis: rules::FundsBasis = or_default(funds_basis.0);
        let production_cohort: rules::ProductionCohort = or_default(production_cohort.0);
        let params = svc::KpiParams {
            from: period.0,
            to: period.1,
            as_of: as_of.0.map(|d| d.0),
            sign_basis,
            funds_basis,
            production_cohort,
            scale_targets: scale_targets.0,
            scope: svc::Scope {
                team_id: team_id.0,
                cluster_id: cluster_id.0,
                park_id: park_id.0,
            },
            group_by: group_by.0.map(Into::into),
        };
        let report = svc::kpis(&state.reader, params).await?;
        let compared = match compare.0 {
            true => Some(svc::compare::comparisons(&state.reader, &report).await?),
            false => None,
        };
        let group_of = |which: fn(&(svc::compare::Compared, svc::compare::Compared)) -> &svc::compare::Compared,
                        key: &str| {
            compared
                .as_ref()
                .and_then(|c| which(c).groups.get(key).cloned())
                .map(KpiSet::from)
        };
        let q = &report.query;
        Ok(Json(KpiReport {
            from: Date(q.period.from),
            to: Date(q.period.to),
            as_of: Date(q.as_of),
            sign_basis: sign_basis.into(),
            funds_basis: funds_basis.into(),
            production_cohort: production_cohort.into(),
            scale_targets: q.scale_targets,
            team_id: q.scope.team_id,
            cluster_id: q.scope.cluster_id,
            park_id: q.scope.park_id,
            group_by: group_by.0,
            settings: report.settings.into(),
            overall: report.overall.into(),
            groups: report
                .groups
                .into_iter()
                .map(|g| KpiGroup {
                    previous: group_of(|c| &c.0, &g.key),
                    last_year: group_of(|c| &c.1, &g.key),
                    key: g.key,
                    id: g.id,
                    name: g.name,
                    kpis: g.set.into(),
                })
                .collect(),
            previous: compared.as_ref().map(|c| KpiComparison::of(&c.0)),
            last_year: compared.as_ref().map(|c| KpiComparison::of(&c.1)),
        }))
    }

    /// List the projects behind a rate
    ///
    /// The projects in the rate's denominator (same parameters as `get_kpis`), each marked
    /// whether it is in the numerator, with the dates and figures that decided it. On the
    /// target basis (whose denominator is a target) the projects making up the numerator; on
    /// the funds period basis also the projects signed outside the period whose payments in
    /// the period count. By project id, paged.
    ///
    /// The rates are open to every signed-in user, the projects behind them are not: team
    /// leads and members see their own team's (without `team_id` too), and asking for another
    /// team's is refused with 403.
    #[oai(path = "/kpis/:kpi/projects", method = "get", operation_id = "list_kpi_projects")]
    #[allow(clippy::too_many_arguments)]
    async fn list_kpi_projects(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        /// The rate.
        kpi: Path<KpiName>,
        /// First day of the period; default 1 January of `to`'s year.
        from: Query<Option<Date>>,
        /// Last day of the period (inclusive); default the as-of date.
        to: Query<Option<Date>>,
        /// The date events are counted to; default today, never later.
        as_of: Query<Option<Date>>,
        /// The sign rate's basis; default `period`.
        sign_basis: Query<Option<SignBasis>>,
        /// The funds-arrival rate's basis; default `cohort`.
        funds_basis: Query<Option<FundsBasis>>,
        /// The production rates' cohort; default `all`.
        production_cohort: Query<Option<ProductionCohort>>,
        /// Only this team's projects.
        team_id: Query<Option<i32>>,
        /// Only projects of this industry cluster.
        cluster_id: Query<Option<i32>>,
        /// Only projects in this park.
        park_id: Query<Option<i32>>,
        /// Page number, from 1.
        #[oai(
            default = "default_page",
            validator(minimum(value = "1"), maximum(value = "1000000"))
        )]
        page: Query<u64>,
        /// Items per page, 1 to 200.
        #[oai(
            default = "default_per_page",
            validator(minimum(value = "1"), maximum(value = "200"))
        )]
        per_page: Query<u64>,
    ) -> ApiResult<Json<KpiProjectPage>, { SIGNED_IN | BAD_REQUEST | FORBIDDEN | INVALID }> {
        let period =
            crate::domain::date::period_or_year_to_date(from.0.map(|d| d.0), to.0.map(|d| d.0), as_of.0.map(|d| d.0));
        let sign_basis: rules::SignBasis = or_default(sign_basis.0);
        let funds_basis: rules::FundsBasis = or_default(funds_basis.0);
        let production_cohort: rules::ProductionCohort = or_default(production_cohort.0);
        let params = svc::KpiParams {
            from: period.0,
            to: period.1,
            as_of: as_of.0.map(|d| d.0),
            sign_basis,
            funds_basis,
            production_cohort,
            scale_targets: false,
            scope: svc::Scope {
                team_id: team_id.0,
                cluster_id: cluster_id.0,
                park_id: park_id.0,
            },
            group_by: None,
        };
        let paging = PageRequest {
            page: page.0,
            per_page: per_page.0,
        };
        let result = drilldown::kpi_projects(&state.reader, &auth.0, kpi.0.into(), params, paging).await?;
        Ok(Json(KpiProjectPage {
            kpi: kpi.0,
            basis: result.basis.into(),
            from: Date(result.query.period.from),
            to: Date(result.query.period.to),
            as_of: Date(result.query.as_of),
            settings: result.settings.into(),
            items: result.items.into_iter().map(Into::into).collect(),
            total: result.total,
            page: page.0,
            per_page: per_page.0,
        }))
    }
}
