//! `/api/v1/kpis`, `/api/v1/kpis/{kpi}/projects`, `/api/v1/league` and `/api/v1/warnings`: the
//! KPI engine's rates with the projects behind them, the league table of the task forces, and
//! the red / yellow / green warnings of signed projects.

use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

use super::ApiTags;
use super::auth::BearerAuth;
use super::error::ApiResult;
use super::investors::{default_page, default_per_page};
use super::settings::Settings;
use super::types::{Date, Stage, Wan};
use crate::state::AppState;
use crate::domain::kpi as rules;
use crate::domain::money::yuan_to_wan;
use crate::service::PageRequest;
use crate::service::kpi::{self as svc, drilldown, league, warnings};

/// A rate, completion or score as a JSON number with six decimals.
pub fn rate_number(value: Decimal) -> f64 {
    rules::round_rate(value).to_f64().unwrap_or_default()
}

fn wan(yuan: i64) -> Wan {
    Wan(yuan_to_wan(yuan))
}

/// The sign rate's basis: `period` (default: projects negotiating at some time in the period ÷
/// those signed in it), `cohort` (projects whose negotiation began in the period ÷ those signed
/// by `as_of`) or `target` (signed in the period ÷ the year's target).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum SignBasis {
    #[default]
    Period,
    Cohort,
    Target,
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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum FundsBasis {
    #[default]
    Cohort,
    Period,
    Target,
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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ProductionCohort {
    #[default]
    All,
    Period,
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

/// A component of a league score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum LeagueComponent {
    SignRate,
    FundsArrivalRate,
    ProductionEffectivenessRate,
    TargetCompletion,
}

impl From<rules::LeagueComponent> for LeagueComponent {
    fn from(c: rules::LeagueComponent) -> Self {
        match c {
            rules::LeagueComponent::SignRate => Self::SignRate,
            rules::LeagueComponent::FundsArrivalRate => Self::FundsArrivalRate,
            rules::LeagueComponent::ProductionEffectivenessRate => Self::ProductionEffectivenessRate,
            rules::LeagueComponent::TargetCompletion => Self::TargetCompletion,
        }
    }
}

/// A team's place in the league table.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct LeagueEntry {
    /// 1 is best; equal scores share a rank (1, 1, 3, …).
    pub rank: u32,
    pub team_id: i32,
    pub team_name: String,
    /// Σ weight × value ÷ Σ weight, six decimals.
    pub score: f64,
    pub sign_rate: Option<f64>,
    pub funds_arrival_rate: Option<f64>,
    pub production_effectiveness_rate: Option<f64>,
    /// Mean completion of the team's targeted measures against the period's share of its
    /// yearly targets; null without targets.
    pub target_completion: Option<f64>,
    /// Components without a value (a rate with a zero denominator, no targets while other
    /// teams have some), each counted as 0.
    pub missing: Vec<LeagueComponent>,
    /// Rank in the previous period.
    pub previous_rank: u32,
    pub previous_score: f64,
    /// previous_rank − rank: positive when the team moved up.
    pub rank_change: i64,
}

/// The league table (赛马榜) of the task forces for a period.
#[derive(Debug, Object)]
pub struct LeagueTable {
    pub from: Date,
    pub to: Date,
    pub as_of: Date,
    /// The previous period: as long as this one (in whole months when this one is whole
    /// months), ending the day before `from`.
    pub previous_from: Date,
    pub previous_to: Date,
    /// The previous table is as it stood at the earlier of `as_of` and `previous_to`.
    pub previous_as_of: Date,
    pub sign_basis: SignBasis,
    pub funds_basis: FundsBasis,
    /// Whether target completion is part of the score (some team has targets for the
    /// period).
    pub with_targets: bool,
    /// The settings (weights, default dates) used.
    pub settings: Settings,
    /// Every team not archived, best first.
    pub teams: Vec<LeagueEntry>,
}

/// The colour of a warning light.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum Colour {
    Red,
    Yellow,
    Green,
}

impl From<rules::Light> for Colour {
    fn from(l: rules::Light) -> Self {
        match l {
            rules::Light::Red => Self::Red,
            rules::Light::Yellow => Self::Yellow,
            rules::Light::Green => Self::Green,
        }
    }
}

impl From<Colour> for rules::Light {
    fn from(c: Colour) -> Self {
        match c {
            Colour::Red => Self::Red,
            Colour::Yellow => Self::Yellow,
            Colour::Green => Self::Green,
        }
    }
}

/// A promised milestone: `construction_start` 开工, `production_start` 投产, `full_production`
/// 达产.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum Milestone {
    ConstructionStart,
    ProductionStart,
    FullProduction,
}

impl From<rules::Milestone> for Milestone {
    fn from(m: rules::Milestone) -> Self {
        match m {
            rules::Milestone::ConstructionStart => Self::ConstructionStart,
            rules::Milestone::ProductionStart => Self::ProductionStart,
            rules::Milestone::FullProduction => Self::FullProduction,
        }
    }
}

/// What a reason is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ReasonKind {
    Milestone,
    Funds,
}

/// Why a project is red or yellow; `milestone` names the milestone of `milestone` reasons.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct WarningReason {
    pub kind: ReasonKind,
    pub colour: Colour,
    pub milestone: Option<Milestone>,
    /// Its due date.
    pub due_on: Option<Date>,
    /// Whether the due date is the settings' default rather than promised.
    pub due_is_default: Option<bool>,
    /// Days overdue (0 when due on `as_of`); absent when not yet due.
    pub days_overdue: Option<i64>,
    /// Days until due, when not yet due.
    pub days_until_due: Option<i64>,
    /// Funds: counted funds arrived by `as_of`, 万元.
    pub counted_funds: Option<Wan>,
    /// Funds: contracted investment, 万元.
    pub contracted_investment: Option<Wan>,
    /// Funds: elapsed share of the schedule from signing to the promised production date,
    /// capped at 1, six decimals.
    pub schedule_share: Option<f64>,
    /// Funds: the line below which funds are red (percent × share × contracted investment),
    /// 万元 rounded to the yuan.
    pub threshold: Option<Wan>,
    /// Funds: threshold − counted funds, 万元.
    pub shortfall: Option<Wan>,
    /// The reason in words, e.g. `投产逾期120天（约定2025-03-01）`.
    pub message: String,
}

fn yuan_decimal_to_wan(yuan: Decimal) -> Wan {
    Wan((yuan / Decimal::from(10_000)).round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero))
}

impl From<rules::WarningReason> for WarningReason {
    fn from(r: rules::WarningReason) -> Self {
        let colour = r.light().into();
        let r_message = r.describe();
        match r {
            rules::WarningReason::Milestone {
                milestone,
                due_on,
                due_is_default,
                days_overdue,
                ..
            } => {
                let message = r_message;
                Self {
                    kind: ReasonKind::Milestone,
                    colour,
                    milestone: Some(milestone.into()),
                    due_on: Some(Date(due_on)),
                    due_is_default: Some(due_is_default),
                    days_overdue: (days_overdue >= 0).then_some(days_overdue),
                    days_until_due: (days_overdue < 0).then_some(-days_overdue),
                    counted_funds: None,
                    contracted_investment: None,
                    schedule_share: None,
                    threshold: None,
                    shortfall: None,
                    message,
                }
            }
            rules::WarningReason::Funds {
                counted_funds_yuan,
                contracted_investment_yuan,
                schedule_share,
                threshold_yuan,
            } => {
                let threshold = yuan_decimal_to_wan(threshold_yuan);
                let shortfall = yuan_decimal_to_wan(threshold_yuan - Decimal::from(counted_funds_yuan));
                let counted = wan(counted_funds_yuan);
                Self {
                    kind: ReasonKind::Funds,
                    colour,
                    milestone: None,
                    due_on: None,
                    due_is_default: None,
                    days_overdue: None,
                    days_until_due: None,
                    message: r_message,
                    counted_funds: Some(counted),
                    contracted_investment: Some(wan(contracted_investment_yuan)),
                    schedule_share: Some(rate_number(schedule_share)),
                    threshold: Some(threshold),
                    shortfall: Some(shortfall),
                }
            }
        }
    }
}

/// A milestone checked for a light.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MilestoneCheck {
    pub milestone: Milestone,
    pub due_on: Date,
    pub due_is_default: bool,
    /// When it was reached, if on or before `as_of`.
    pub reached_on: Option<Date>,
}

/// A signed project's light; `stage` is where the project is now.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ProjectWarning {
    pub project_id: i32,
    pub code: String,
    pub name: String,
    pub team_id: i32,
    pub team_name: Option<String>,
    pub stage: Stage,
    pub signed_on: Date,
    pub colour: Colour,
    /// Worst first; empty when green.
    pub reasons: Vec<WarningReason>,
    /// Every milestone checked (construction start only when promised; full production once
    /// promised or once production started).
    pub milestones: Vec<MilestoneCheck>,
    /// 万元.
    pub contracted_investment: Wan,
    /// Counted funds arrived by `as_of`, 万元.
    pub counted_funds: Wan,
}

/// A page of warnings.
#[derive(Debug, Object)]
pub struct WarningPage {
    pub as_of: Date,
    /// The thresholds and defaults used.
    pub settings: Settings,
    /// Projects with each light (within the team filter, whatever the colour filter).
    pub red: u64,
    pub yellow: u64,
    pub green: u64,
    /// Red first, then yellow, then green; within a colour the most overdue milestone first.
    pub items: Vec<ProjectWarning>,
    /// Projects matching the filters.
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
    #[oai(path = "/kpis", method = "get", operation_id = "get_kpis")]
    #[allow(clippy::too_many_arguments)]
    async fn get_kpis(
        &self,
        state: Data<&AppState>,
        _auth: BearerAuth,
        /// First day of the period.
        from: Query<Date>,
        /// Last day of the period (inclusive), not before `from`.
        to: Query<Date>,
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
    ) -> ApiResult<Json<KpiReport>> {
        let params = svc::KpiParams {
            from: from.0.0,
            to: to.0.0,
            as_of: as_of.0.map(|d| d.0),
            sign_basis: sign_basis.0.unwrap_or_default().into(),
            funds_basis: funds_basis.0.unwrap_or_default().into(),
            production_cohort: production_cohort.0.unwrap_or_default().into(),
            scale_targets: scale_targets.0,
            scope: svc::Scope {
                team_id: team_id.0,
                cluster_id: cluster_id.0,
                park_id: park_id.0,
            },
            group_by: group_by.0.map(Into::into),
        };
        let report = svc::kpis(&state.reader, params).await?;
        let q = &report.query;
        Ok(Json(KpiReport {
            from: Date(q.period.from),
            to: Date(q.period.to),
            as_of: Date(q.as_of),
            sign_basis: sign_basis.0.unwrap_or_default(),
            funds_basis: funds_basis.0.unwrap_or_default(),
            production_cohort: production_cohort.0.unwrap_or_default(),
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
                    key: g.key,
                    id: g.id,
                    name: g.name,
                    kpis: g.set.into(),
                })
                .collect(),
        }))
    }

    /// List the projects behind a rate
    ///
    /// The projects in the rate's denominator (same parameters as `get_kpis`), each marked
    /// whether it is in the numerator, with the dates and figures that decided it. On the
    /// target basis (whose denominator is a target) the projects making up the numerator; on
    /// the funds period basis also the projects signed outside the period whose payments in
    /// the period count. By project id, paged.
    #[oai(path = "/kpis/:kpi/projects", method = "get", operation_id = "list_kpi_projects")]
    #[allow(clippy::too_many_arguments)]
    async fn list_kpi_projects(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        /// The rate.
        kpi: Path<KpiName>,
        /// First day of the period.
        from: Query<Date>,
        /// Last day of the period (inclusive).
        to: Query<Date>,
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
    ) -> ApiResult<Json<KpiProjectPage>> {
        let params = svc::KpiParams {
            from: from.0.0,
            to: to.0.0,
            as_of: as_of.0.map(|d| d.0),
            sign_basis: sign_basis.0.unwrap_or_default().into(),
            funds_basis: funds_basis.0.unwrap_or_default().into(),
            production_cohort: production_cohort.0.unwrap_or_default().into(),
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

pub struct LeagueApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::League")]
impl LeagueApi {
    /// Rank the task forces
    ///
    /// The league table (赛马榜) for the period: every team not archived, ranked on a
    /// composite score Σ weight × value ÷ Σ weight of its sign rate, funds-arrival rate,
    /// production-effectiveness rate (every project signed by `as_of`) and, when some team has
    /// targets for the period, its target completion (the mean, over the measures it has
    /// targets for, of the actual in the period ÷ the period's share of the yearly target).
    /// A missing value counts 0 and is listed in `missing`. Equal scores share a rank. The
    /// rank change compares with the previous period of the same length.
    #[oai(path = "/league", method = "get", operation_id = "get_league")]
    #[allow(clippy::too_many_arguments)]
    async fn get_league(
        &self,
        state: Data<&AppState>,
        _auth: BearerAuth,
        /// First day of the period.
        from: Query<Date>,
        /// Last day of the period (inclusive).
        to: Query<Date>,
        /// The date events are counted to; default today, never later.
        as_of: Query<Option<Date>>,
        /// The sign rate's basis (`period` or `cohort`); default `period`.
        sign_basis: Query<Option<SignBasis>>,
        /// The funds-arrival rate's basis (`cohort` or `period`); default `cohort`.
        funds_basis: Query<Option<FundsBasis>>,
    ) -> ApiResult<Json<LeagueTable>> {
        let table = league::league(
            &state.reader,
            league::LeagueParams {
                from: from.0.0,
                to: to.0.0,
                as_of: as_of.0.map(|d| d.0),
                sign_basis: sign_basis.0.unwrap_or_default().into(),
                funds_basis: funds_basis.0.unwrap_or_default().into(),
            },
        )
        .await?;
        let opt = |v: Option<Decimal>| v.map(rate_number);
        Ok(Json(LeagueTable {
            from: Date(table.period.from),
            to: Date(table.period.to),
            as_of: Date(table.as_of),
            previous_from: Date(table.previous_period.from),
            previous_to: Date(table.previous_period.to),
            previous_as_of: Date(table.previous_as_of),
            sign_basis: sign_basis.0.unwrap_or_default(),
            funds_basis: funds_basis.0.unwrap_or_default(),
            with_targets: table.with_targets,
            settings: table.settings.into(),
            teams: table
                .entries
                .into_iter()
                .map(|e| LeagueEntry {
                    rank: e.current.rank,
                    team_id: e.team_id,
                    team_name: e.team_name,
                    score: rate_number(e.current.score),
                    sign_rate: opt(e.current.inputs.sign_rate),
                    funds_arrival_rate: opt(e.current.inputs.funds_arrival_rate),
                    production_effectiveness_rate: opt(e.current.inputs.production_effectiveness_rate),
                    target_completion: opt(e.current.inputs.target_completion),
                    missing: e.current.missing.into_iter().map(Into::into).collect(),
                    previous_rank: e.previous.rank,
                    previous_score: rate_number(e.previous.score),
                    rank_change: e.rank_change,
                })
                .collect(),
        }))
    }
}

pub struct WarningsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Warnings")]
impl WarningsApi {
    /// List the warning lights
    ///
    /// Every project signed on or before `as_of` and not terminated by then, with its red /
    /// yellow / green light and the reasons. Red: a promised milestone (construction start,
    /// production start, full production) not reached and overdue by more than
    /// `warning_red_overdue_days`, or counted funds arrived below `warning_funds_percent` % of
    /// the contracted investment × the elapsed share of the schedule (days from signing to
    /// `as_of` ÷ days from signing to the promised production date, capped at 1). Yellow: a
    /// milestone overdue by up to `warning_red_overdue_days`, or due within
    /// `warning_due_soon_days` and not reached. Green otherwise. Production is due on the
    /// promised date or signing + the default months; full production on the promised date or
    /// production start + the default months. Worst first, paged.
    #[oai(path = "/warnings", method = "get", operation_id = "list_warnings")]
    #[allow(clippy::too_many_arguments)]
    async fn list_warnings(
        &self,
        state: Data<&AppState>,
        _auth: BearerAuth,
        /// The date the lights are for; default today, never later.
        as_of: Query<Option<Date>>,
        /// Only this team's projects.
        team_id: Query<Option<i32>>,
        /// Only projects with this light.
        colour: Query<Option<Colour>>,
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
    ) -> ApiResult<Json<WarningPage>> {
        let result = warnings::warnings(
            &state.reader,
            warnings::WarningParams {
                as_of: as_of.0.map(|d| d.0),
                team_id: team_id.0,
                light: colour.0.map(Into::into),
                flagged_only: false,
            },
            PageRequest {
                page: page.0,
                per_page: per_page.0,
            },
        )
        .await?;
        Ok(Json(WarningPage {
            as_of: Date(result.as_of),
            settings: result.settings.into(),
            red: result.red,
            yellow: result.yellow,
            green: result.green,
            items: result
                .items
                .into_iter()
                .map(|w| ProjectWarning {
                    project_id: w.project_id,
                    code: w.code,
                    name: w.name,
                    team_id: w.team_id,
                    team_name: w.team_name,
                    stage: w.stage.into(),
                    signed_on: Date(w.signed_on),
                    colour: w.light.into(),
                    reasons: w.reasons.into_iter().map(Into::into).collect(),
                    milestones: w
                        .milestones
                        .into_iter()
                        .map(|m| MilestoneCheck {
                            milestone: m.milestone.into(),
                            due_on: Date(m.due_on),
                            due_is_default: m.due_is_default,
                            reached_on: m.reached_on.map(Date),
                        })
                        .collect(),
                    contracted_investment: wan(w.contracted_investment_yuan),
                    counted_funds: wan(w.counted_funds_yuan),
                })
                .collect(),
            total: result.total,
            page: page.0,
            per_page: per_page.0,
        }))
    }
}
