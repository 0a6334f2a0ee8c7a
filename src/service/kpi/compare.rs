//! A KPI report beside the periods it is compared with: the previous period (环比) and the same
//! period last year (同比), computed by the same engine on the same bases, scope and grouping,
//! each as of its own date (`domain::kpi::Comparison`, the one rule). A caller must not build
//! comparison periods itself.

use std::collections::BTreeMap;

use chrono::Datelike;
use sea_orm::ConnectionTrait;

use super::{Figures, KpiReport, KpiSet, kpi_set, report};
use crate::domain::kpi::{Comparison, Period};
use crate::domain::words::Lang;
use crate::service::{ServiceError, ServiceResult, Words};

/// One comparison: its period and as-of date, the overall figures, and each of the current
/// report's groups' counterpart, by the current group's key.
#[derive(Debug, Clone)]
pub struct Compared {
    pub comparison: Comparison,
    pub overall: KpiSet,
    pub groups: BTreeMap<String, KpiSet>,
}

/// The previous period's (环比) and last year's (同比) figures beside `current`.
pub async fn comparisons(db: &impl ConnectionTrait, current: &KpiReport) -> ServiceResult<(Compared, Compared)> {
    let (period, as_of) = (current.query.period, current.query.as_of);
    let previous = compared(
        db,
        current,
        Comparison::previous(period, as_of),
        ("环比", "the previous period"),
    );
    let last_year = compared(
        db,
        current,
        Comparison::last_year(period, as_of),
        ("同比", "the same period last year"),
    );
    tokio::try_join!(previous, last_year)
}

async fn compared(
    db: &impl ConnectionTrait,
    current: &KpiReport,
    comparison: Comparison,
    (name, name_en): (&str, &str),
) -> ServiceResult<Compared> {
    let (from, to) = (comparison.period.from, comparison.period.to);
    let refused = |why: Words| {
        ServiceError::invalid(
            "compare",
            Words::new(
                format!("无法计算{name}：比较期间 {from} 至 {to} {}", why.in_lang(Lang::Zh)),
                format!(
                    "cannot compare with {name_en}: the period {from} to {to} {}",
                    why.in_lang(Lang::En)
                ),
            ),
        )
    };
    let (first, last) = (Period::YEARS.start(), Period::YEARS.end());
    Period::new(from, to).map_err(|_| {
        refused(Words::new(
            format!("超出 {first} 至 {last} 年的范围"),
            format!("lies outside the years {first} to {last}"),
        ))
    })?;
    if current.query.uses_targets() && from.year() != to.year() {
        return Err(refused(Words::new(
            "跨越两个年度，目标口径只能与一个年度的目标比较",
            "spans two years; the target basis compares with one year's targets",
        )));
    }
    let query = super::KpiQuery {
        period: comparison.period,
        as_of: comparison.as_of,
        ..current.query.clone()
    };
    let group_by = query.group_by;
    let report = report(db, query).await?;
    let mut by_key: BTreeMap<&str, &KpiSet> = report.groups.iter().map(|g| (g.key.as_str(), &g.set)).collect();
    let groups = match group_by {
        None => BTreeMap::new(),
        Some(group_by) => current
            .groups
            .iter()
            .map(|g| {
                let set = comparison
                    .group_key(current.query.period, group_by, &g.key)
                    .and_then(|key| by_key.remove(key.as_str()))
                    .cloned()
                    // A group without figures in the comparison period: its zeros.
                    .unwrap_or_else(|| kpi_set(&report.query, &Figures::default(), Some(&Default::default())));
                (g.key.clone(), set)
            })
            .collect(),
    };
    Ok(Compared {
        comparison,
        overall: report.overall,
        groups,
    })
}
