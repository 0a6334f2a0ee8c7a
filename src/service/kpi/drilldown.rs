//! The projects behind a rate: those in its denominator (or, where the numerator is not a part
//! of the denominator, those that make it up), each marked whether it is in the numerator, with
//! the figures that decided it. Paged in SQL: a page, packed into one value (see
//! `db::packed`), and a count when the page does not tell it.

use chrono::NaiveDate;
use sea_orm::ConnectionTrait;
use serde::Deserialize;

use super::fragments::{
    EFFECTIVE, NEGOTIATION_BEGAN, PRODUCED, counted_funds_until, full_production_due, funds_window, in_period,
    production_cohort, production_counts, production_due, project_funds, reached_by, sign_conditions,
};
use super::sql::{Query, int, scope_filter};
use super::{KpiParams, KpiQuery, RateBasis, check_params};
use crate::domain::kpi::{FundsBasis, Kpi, SignBasis};
use crate::service::settings::{StoredSettings, get_settings};
use crate::service::{Actor, PageRequest, ServiceResult};

/// One project behind a rate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KpiProject {
    pub project_id: i32,
    pub code: String,
    pub name: String,
    pub team_id: i32,
    pub team_name: Option<String>,
    /// In the rate's denominator (false on the target basis, whose denominator is a target,
    /// and for payments to projects outside the funds period basis' denominator).
    pub in_denominator: bool,
    pub in_numerator: bool,
    /// Sign rate: when negotiation began, and whether that is the signing date for want of a
    /// recorded negotiation date.
    pub negotiation_began_on: Option<NaiveDate>,
    pub negotiation_began_at_signing: Option<bool>,
    /// Events reached by `as_of`.
    pub signed_on: Option<NaiveDate>,
    pub terminated_on: Option<NaiveDate>,
    /// Funds rate: contracted investment and the counted funds in the window (up to `as_of` on
    /// the cohort basis, in the period otherwise), yuan.
    pub contracted_investment_yuan: Option<i64>,
    pub counted_funds_yuan: Option<i64>,
    /// Production rates: the due dates used and whether they are the settings' defaults.
    pub production_due_on: Option<NaiveDate>,
    pub production_due_is_default: Option<bool>,
    pub producing_on: Option<NaiveDate>,
    pub full_production_due_on: Option<NaiveDate>,
    pub full_production_due_is_default: Option<bool>,
    pub effective_on: Option<NaiveDate>,
}

/// A page of the projects behind a rate.
#[derive(Debug, Clone)]
pub struct KpiProjectPage {
    pub kpi: Kpi,
    pub basis: RateBasis,
    pub query: KpiQuery,
    pub settings: StoredSettings,
    pub total: u64,
    pub items: Vec<KpiProject>,
}

/// What a drill-down selects: the `FROM … WHERE …` of its rows (projects aliased `p`, with
/// `team_name`) and the columns beyond the common ones.
struct Selection {
    rows: String,
    columns: String,
    kind: Kind,
}

#[derive(Clone, Copy)]
enum Kind {
    Sign,
    Funds,
    Production,
}

/// The columns of every page row.
const COMMON_COLUMNS: [&str; 8] = [
    "id",
    "code",
    "name",
    "team_id",
    "team_name",
    "in_den",
    "signed_on",
    "terminated_on",
];

/// The columns a page row has beside [`COMMON_COLUMNS`] of one kind or another, in the order
/// of [`DrillRow`]'s fields: the sign rate's first, then the production rates' (which share
/// `in_num` with it), then the funds rate's.
const KIND_COLUMNS: [&str; 11] = [
    "negotiation_began_on",
    "began_at_signing",
    "in_num",
    "due_on",
    "due_is_default",
    "producing_on",
    "full_due_on",
    "full_due_is_default",
    "effective_on",
    "counted_funds",
    "contracted",
];

impl Kind {
    /// The columns of a page's rows beside [`COMMON_COLUMNS`].
    fn columns(self) -> &'static [&'static str] {
        match self {
            Self::Sign => &KIND_COLUMNS[..3],
            Self::Production => &KIND_COLUMNS[2..9],
            Self::Funds => &KIND_COLUMNS[9..],
        }
    }

    /// What a packed page row holds: every column of [`DrillRow`], NULL where this kind has
    /// none.
    fn packed_values(self) -> Vec<String> {
        let own = self.columns();
        COMMON_COLUMNS
            .iter()
            .map(|c| format!("r.{c}"))
            .chain(KIND_COLUMNS.iter().map(|c| match own.contains(c) {
                true => format!("r.{c}"),
                false => "NULL".to_string(),
            }))
            .collect()
    }
}

/// A page row as the database packs it: [`COMMON_COLUMNS`] then [`KIND_COLUMNS`], in order.
#[derive(Deserialize)]
struct DrillRow {
    id: i32,
    code: String,
    name: String,
    team_id: i32,
    team_name: Option<String>,
    in_den: i64,
    signed_on: Option<NaiveDate>,
    terminated_on: Option<NaiveDate>,
    negotiation_began_on: Option<NaiveDate>,
    began_at_signing: Option<i64>,
    in_num: Option<i64>,
    due_on: Option<NaiveDate>,
    due_is_default: Option<i64>,
    producing_on: Option<NaiveDate>,
    full_due_on: Option<NaiveDate>,
    full_due_is_default: Option<i64>,
    effective_on: Option<NaiveDate>,
    counted_funds: Option<i64>,
    contracted: Option<i64>,
}

/// A packed 0/1 column.
fn flag(value: Option<i64>) -> bool {
    value.is_some_and(|v| v != 0)
}

impl DrillRow {
    fn project(self, kind: Kind) -> KpiProject {
        let mut item = KpiProject {
            project_id: self.id,
            code: self.code,
            name: self.name,
            team_id: self.team_id,
            team_name: self.team_name,
            in_denominator: self.in_den != 0,
            signed_on: self.signed_on,
            terminated_on: self.terminated_on,
            ..KpiProject::default()
        };
        match kind {
            Kind::Sign => {
                item.in_numerator = flag(self.in_num);
                item.negotiation_began_on = self.negotiation_began_on;
                item.negotiation_began_at_signing = Some(flag(self.began_at_signing));
            }
            Kind::Funds => {
                let funds = self.counted_funds.unwrap_or(0);
                item.in_numerator = funds > 0;
                item.counted_funds_yuan = Some(funds);
                item.contracted_investment_yuan = self.contracted;
            }
            Kind::Production => {
                item.in_numerator = flag(self.in_num);
                item.production_due_on = self.due_on;
                item.production_due_is_default = Some(flag(self.due_is_default));
                item.producing_on = self.producing_on;
                item.full_production_due_on = self.full_due_on;
                item.full_production_due_is_default = Some(flag(self.full_due_is_default));
                item.effective_on = self.effective_on;
            }
        }
        item
    }
}

/// Lists the projects behind `kpi` for a KPI request, one page at a time, ordered by id.
pub async fn kpi_projects(
    db: &impl ConnectionTrait,
    actor: &Actor,
    kpi: Kpi,
    params: KpiParams,
    paging: PageRequest,
) -> ServiceResult<KpiProjectPage> {
    let mut params = params;
    // The rates are public inside the government; the projects behind them are rows, which
    // team members and leads see of their own team only.
    params.scope.team_id = actor.principal().rows_of(params.scope.team_id)?;
    // A drill-down lists projects, not groups.
    params.group_by = None;
    let query = check_params(params)?;
    let settings = get_settings(db).await?;
    let (basis, items, total) = projects_behind(db, kpi, &query, &settings, paging).await?;
    Ok(KpiProjectPage {
        kpi,
        basis,
        query,
        settings,
        total,
        items,
    })
}

/// The projects behind `kpi` for a checked request computed with `settings` (not
/// necessarily those in force: a publication recomputes with its own), one page of them, and
/// how many in all. No access check: the caller has made it.
pub async fn projects_behind(
    db: &impl ConnectionTrait,
    kpi: Kpi,
    query: &KpiQuery,
    settings: &StoredSettings,
    paging: PageRequest,
) -> ServiceResult<(RateBasis, Vec<KpiProject>, u64)> {
    let mut q = Query::new(db.get_database_backend());
    let (selection, basis) = selection(&mut q, kpi, query, settings);
    let limit = q.bind(paging.per_page as i64);
    let offset = q.bind(paging.offset() as i64);
    let page_sql = format!(
        "SELECT CAST(p.id AS BIGINT) AS id, p.code, p.name, CAST(p.team_id AS BIGINT) AS team_id, \
           t.name AS team_name, {columns} {rows} ORDER BY p.id LIMIT {limit} OFFSET {offset}",
        columns = selection.columns,
        rows = selection.rows,
    );
    let rows: Vec<DrillRow> = q.packed(db, &page_sql, &selection.kind.packed_values(), "r.id").await?;
    // The count is another pass over the rate's rows: needed only when the page is full or
    // empty (a report reads every project behind a rate in one page and skips it).
    let read = rows.len() as u64;
    let total = if (read > 0 || paging.offset() == 0) && read < paging.per_page {
        paging.offset() + read
    } else {
        let count_sql = format!("SELECT CAST(COUNT(*) AS BIGINT) AS n {}", selection.rows);
        match q.all(db, count_sql).await?.first() {
            Some(row) => int(row, "n")?.max(0) as u64,
            None => 0,
        }
    };
    let items = rows.into_iter().map(|row| row.project(selection.kind)).collect();
    Ok((basis, items, total))
}

fn selection(q: &mut Query, kpi: Kpi, query: &KpiQuery, settings: &StoredSettings) -> (Selection, RateBasis) {
    let as_of = q.date(query.as_of);
    let (from, to) = (q.date(query.period.from), q.date(query.period.to));
    let scope = scope_filter(q, &query.scope, "p.");
    let reached = |column: &str| format!("{} AS {column}", reached_by(&format!("p.{column}"), &as_of));
    let signed_in_period = in_period("p.signed_on", &from, &to, &as_of);
    match kpi {
        Kpi::SignRate => {
            let sign = sign_conditions(q, query.sign_basis, &query.period, query.as_of);
            let (where_, in_den, in_num, basis) = match query.sign_basis {
                SignBasis::Period => (sign.denominator, "1", sign.numerator, RateBasis::Period),
                SignBasis::Cohort => (sign.denominator, "1", sign.numerator, RateBasis::Cohort),
                SignBasis::Target => (sign.numerator.clone(), "0", sign.numerator, RateBasis::Target),
            };
            (
                Selection {
                    rows: format!("FROM projects p LEFT JOIN teams t ON t.id = p.team_id WHERE {where_}{scope}"),
                    columns: format!(
                        "CAST({in_den} AS BIGINT) AS in_den, \
                         CAST(CASE WHEN {in_num} THEN 1 ELSE 0 END AS BIGINT) AS in_num, \
                         {began} AS negotiation_began_on, \
                         CAST(CASE WHEN p.negotiating_on IS NULL THEN 1 ELSE 0 END AS BIGINT) AS began_at_signing, \
                         {signed}, {terminated}",
                        began = reached_by(NEGOTIATION_BEGAN, &as_of),
                        signed = reached("signed_on"),
                        terminated = reached("terminated_on"),
                    ),
                    kind: Kind::Sign,
                },
                basis,
            )
        }
        Kpi::FundsArrivalRate => {
            let window = funds_window(q, &query.period, query.as_of);
            let paid_in_window = format!(
                "SELECT f.project_id FROM fundings f JOIN projects p ON p.id = f.project_id WHERE {window}{scope}"
            );
            let funds_in_window = project_funds("p.id", &window);
            let (where_, in_den, funds, basis) = match query.funds_basis {
                FundsBasis::Cohort => (
                    format!("{signed_in_period}{scope}"),
                    "1".to_string(),
                    counted_funds_until("p.id", &as_of),
                    RateBasis::Cohort,
                ),
                FundsBasis::Period => (
                    format!(
                        "p.id IN (SELECT p.id FROM projects p WHERE {signed_in_period}{scope} \
                         UNION {paid_in_window})"
                    ),
                    format!("CASE WHEN {signed_in_period} THEN 1 ELSE 0 END"),
                    funds_in_window,
                    RateBasis::Period,
                ),
                FundsBasis::Target => (
                    format!("p.id IN ({paid_in_window})"),
                    "0".to_string(),
                    funds_in_window,
                    RateBasis::Target,
                ),
            };
            (
                Selection {
                    rows: format!(
                        "FROM projects p LEFT JOIN contracts c ON c.project_id = p.id \
                         LEFT JOIN teams t ON t.id = p.team_id WHERE {where_}"
                    ),
                    columns: format!(
                        "CAST({in_den} AS BIGINT) AS in_den, CAST({funds} AS BIGINT) AS counted_funds, \
                         CAST(c.contracted_investment_yuan AS BIGINT) AS contracted, {signed}, {terminated}",
                        signed = reached("signed_on"),
                        terminated = reached("terminated_on"),
                    ),
                    kind: Kind::Funds,
                },
                basis,
            )
        }
        Kpi::ProductionEffectivenessRate | Kpi::ProductionRate | Kpi::EffectivenessRate => {
            let cohort = production_cohort(q, query, &settings.settings);
            let (where_, in_num) = match kpi {
                Kpi::ProductionEffectivenessRate => (production_due("p.", &as_of), production_counts(&as_of)),
                Kpi::ProductionRate => (production_due("p.", &as_of), PRODUCED.to_string()),
                _ => (full_production_due("p.", &as_of), EFFECTIVE.to_string()),
            };
            let basis = RateBasis::of_production(query.production_cohort);
            (
                Selection {
                    rows: format!("FROM ({cohort}) p LEFT JOIN teams t ON t.id = p.team_id WHERE {where_}"),
                    columns: format!(
                        "CAST(1 AS BIGINT) AS in_den, CAST(CASE WHEN {in_num} THEN 1 ELSE 0 END AS BIGINT) AS in_num, \
                         p.signed_on, p.terminated_on, p.due_on, CAST(p.due_is_default AS BIGINT) AS due_is_default, \
                         p.producing_on, p.full_due_on, \
                         CAST(p.full_due_is_default AS BIGINT) AS full_due_is_default, p.effective_on"
                    ),
                    kind: Kind::Production,
                },
                basis,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_packs_its_own_columns_and_nulls_for_the_others() {
        for kind in [Kind::Sign, Kind::Funds, Kind::Production] {
            let values = kind.packed_values();
            assert_eq!(values.len(), COMMON_COLUMNS.len() + KIND_COLUMNS.len());
            for column in kind.columns() {
                let at = KIND_COLUMNS.iter().position(|c| c == column).expect("a known column");
                assert_eq!(values[COMMON_COLUMNS.len() + at], format!("r.{column}"));
            }
            let nulls = values.iter().filter(|v| *v == "NULL").count();
            assert_eq!(nulls, KIND_COLUMNS.len() - kind.columns().len());
        }
    }
}
