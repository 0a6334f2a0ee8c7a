//! The yearly targets as the KPI engine reads them: the target basis' denominators and the
//! league's target completion, per team and year, amounts in yuan. Writing targets and the
//! progress report are `service::targets`, which builds on this engine; nothing here may call
//! back into it.

use std::collections::BTreeMap;

use entity::target;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::domain::kpi::Measure;
use crate::service::ServiceResult;

/// The targets of one team (or the sum over teams) for a year, amounts in yuan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TargetTotals {
    pub projects_signed: Option<i64>,
    pub contracted_investment_yuan: Option<i64>,
    pub funds_arrived_yuan: Option<i64>,
    pub projects_started: Option<i64>,
    pub projects_producing: Option<i64>,
}

impl TargetTotals {
    /// The target of a measure (a count, or yuan).
    pub fn get(&self, measure: Measure) -> Option<i64> {
        match measure {
            Measure::ProjectsSigned => self.projects_signed,
            Measure::ContractedInvestment => self.contracted_investment_yuan,
            Measure::FundsArrived => self.funds_arrived_yuan,
            Measure::ProjectsStarted => self.projects_started,
            Measure::ProjectsProducing => self.projects_producing,
        }
    }
}

impl From<&target::Model> for TargetTotals {
    fn from(m: &target::Model) -> Self {
        Self {
            projects_signed: m.projects_signed.map(i64::from),
            contracted_investment_yuan: m.contracted_investment_yuan,
            funds_arrived_yuan: m.funds_arrived_yuan,
            projects_started: m.projects_started.map(i64::from),
            projects_producing: m.projects_producing.map(i64::from),
        }
    }
}

impl std::iter::Sum for TargetTotals {
    /// Sums each measure over the teams that have a target for it; `None` when none has.
    fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
        let add = |a: Option<i64>, b: Option<i64>| match (a, b) {
            (Some(x), Some(y)) => Some(x + y),
            (x, None) => x,
            (None, y) => y,
        };
        iter.fold(Self::default(), |acc, t| Self {
            projects_signed: add(acc.projects_signed, t.projects_signed),
            contracted_investment_yuan: add(acc.contracted_investment_yuan, t.contracted_investment_yuan),
            funds_arrived_yuan: add(acc.funds_arrived_yuan, t.funds_arrived_yuan),
            projects_started: add(acc.projects_started, t.projects_started),
            projects_producing: add(acc.projects_producing, t.projects_producing),
        })
    }
}

/// The targets of a year by team (one query), optionally of one team only.
pub async fn targets_by_team(
    db: &impl ConnectionTrait,
    year: i32,
    team_id: Option<i32>,
) -> ServiceResult<BTreeMap<i32, TargetTotals>> {
    let mut query = target::Entity::find().filter(target::Column::Year.eq(year));
    if let Some(team_id) = team_id {
        query = query.filter(target::Column::TeamId.eq(team_id));
    }
    Ok(query
        .all(db)
        .await?
        .iter()
        .map(|t| (t.team_id, TargetTotals::from(t)))
        .collect())
}

/// The targets of several years by (year, team) (one query).
pub async fn targets_of_years(
    db: &impl ConnectionTrait,
    years: std::ops::RangeInclusive<i32>,
) -> ServiceResult<BTreeMap<(i32, i32), TargetTotals>> {
    Ok(target::Entity::find()
        .filter(target::Column::Year.between(*years.start(), *years.end()))
        .all(db)
        .await?
        .iter()
        .map(|t| ((t.year, t.team_id), TargetTotals::from(t)))
        .collect())
}
