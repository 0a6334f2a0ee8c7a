//! The KPI definitions as SQL fragments, each written once: an event in the period, an event
//! reached by `as_of`, when negotiation began, the sign rate's conditions, a project's counted
//! funds, the funds window, and the production cohort with its milestones. Every KPI query,
//! drill-down and warning is built from these, so a definition changes here or nowhere.
//!
//! Fragments take placeholders already bound in a [`Query`] (`$1`, …) or bind their own; a
//! caller pastes them into SQL and must not rewrite them: the KPI benchmark on 1,000,000
//! projects depends on their exact shape (SQLite's `+` before an unindexed column, the order
//! of a join, the columns the covering indexes hold).

use chrono::NaiveDate;

use super::KpiQuery;
use super::sql::{Query, scope_filter};
use crate::domain::kpi::{Period, ProductionCohort, Settings, SignBasis};

/// The date negotiation began: a project signed without a recorded negotiation date
/// negotiates from its signing date.
pub const NEGOTIATION_BEGAN: &str = "COALESCE(p.negotiating_on, p.signed_on)";

/// A project of the production cohort started production by `as_of`.
pub const PRODUCED: &str = "producing_on IS NOT NULL";

/// A project of the production cohort reached full production (达产达效) by `as_of`.
pub const EFFECTIVE: &str = "effective_on IS NOT NULL";

/// `date` (an SQL date expression) falls in the period `from`–`to` and on or before `as_of`
/// (bound placeholders): events after `as_of` do not count.
pub fn in_period(date: &str, from: &str, to: &str, as_of: &str) -> String {
    format!("{date} >= {from} AND {date} <= {to} AND {date} <= {as_of}")
}

/// `date` if it was reached on or before `as_of` (a bound placeholder), NULL otherwise.
pub fn reached_by(date: &str, as_of: &str) -> String {
    format!("CASE WHEN {date} <= {as_of} THEN {date} END")
}

/// Project `p` was signed on or before `as_of` (a bound placeholder).
pub fn signed_by(as_of: &str) -> String {
    format!("p.signed_on <= {as_of}")
}

/// The sign rate's conditions on `projects p`, with parameters bound in `q`.
pub struct SignSql {
    /// In the denominator.
    pub denominator: String,
    /// In the numerator (given the denominator).
    pub numerator: String,
    /// The date that puts a project in the denominator, for month / quarter grouping.
    pub event: String,
}

/// The sign rate's denominator and numerator on the period or cohort basis. Dates after
/// `as_of` are treated as not (yet) reached.
pub fn sign_conditions(q: &mut Query, basis: SignBasis, period: &Period, as_of: NaiveDate) -> SignSql {
    let (from, to, as_of) = (q.date(period.from), q.date(period.to), q.date(as_of));
    let began = NEGOTIATION_BEGAN;
    match basis {
        SignBasis::Cohort => SignSql {
            denominator: in_period(began, &from, &to, &as_of),
            numerator: signed_by(&as_of),
            event: began.to_string(),
        },
        // The target basis counts signings (see `figures`); its drill-down lists them as the
        // period basis' numerator.
        SignBasis::Period | SignBasis::Target => SignSql {
            // Negotiation began by the period's end: nearly every project, so no index.
            denominator: format!(
                "{unindexed} <= {to} AND {unindexed} <= {as_of} \
                 AND (p.signed_on IS NULL OR p.signed_on >= {from} OR p.signed_on > {as_of}) \
                 AND (p.terminated_on IS NULL OR p.terminated_on >= {from} OR p.terminated_on > {as_of})",
                unindexed = q.dialect.unindexed(began),
            ),
            numerator: in_period("p.signed_on", &from, &to, &as_of),
            event: q.dialect.later_of(began, &from),
        },
    }
}

/// Projects (`p`) signed in the period, on or before `as_of`.
pub fn signed_in_period(q: &mut Query, period: &Period, as_of: NaiveDate) -> String {
    let (from, to, as_of) = (q.date(period.from), q.date(period.to), q.date(as_of));
    in_period("p.signed_on", &from, &to, &as_of)
}

/// Counted payments of `fundings f` (joined to `projects p`) that arrived in the period, on
/// or before `as_of`, for a project signed on or before `as_of`.
pub fn funds_window(q: &mut Query, period: &Period, as_of: NaiveDate) -> String {
    let (from, to, as_of) = (q.date(period.from), q.date(period.to), q.date(as_of));
    format!(
        "f.counted AND {arrived} AND {signed}",
        arrived = in_period("f.arrived_on", &from, &to, &as_of),
        signed = signed_by(&as_of),
    )
}

/// The sum of project `project_id`'s payments (`fundings f`) that meet `condition`, 0 when
/// none does (a correlated subquery on the covering `fundings (project_id, arrived_on,
/// counted, amount_yuan)` index).
pub fn project_funds(project_id: &str, condition: &str) -> String {
    format!(
        "(SELECT COALESCE(SUM(f.amount_yuan), 0) FROM fundings f \
          WHERE f.project_id = {project_id} AND {condition})"
    )
}

/// The counted funds of project `project_id` arrived on or before `as_of`.
pub fn counted_funds_until(project_id: &str, as_of: &str) -> String {
    project_funds(project_id, &format!("f.counted AND f.arrived_on <= {as_of}"))
}

/// The production cohort with each project's due dates and the events reached by `as_of`:
/// columns id, code, name, team_id, cluster_id, park_id, signed_on, terminated_on, due_on,
/// due_is_default, producing_on, full_due_on, full_due_is_default, effective_on.
pub fn production_cohort(q: &mut Query, query: &KpiQuery, settings: &Settings) -> String {
    let as_of = q.date(query.as_of);
    let milestones = production_milestones(q, &as_of, settings);
    let in_period = match query.production_cohort {
        ProductionCohort::AllSigned => String::new(),
        ProductionCohort::SignedInPeriod => {
            let (from, to) = (q.date(query.period.from), q.date(query.period.to));
            format!(" AND p.signed_on >= {from} AND p.signed_on <= {to}")
        }
    };
    let scope = scope_filter(q, &query.scope, "p.");
    format!(
        "SELECT p.id, p.code, p.name, p.team_id, p.cluster_id, p.park_id, p.signed_on, \
           {terminated} AS terminated_on, \
           {milestones} \
         FROM projects p LEFT JOIN contracts c ON c.project_id = p.id \
         WHERE {signed}{in_period}{scope}",
        terminated = reached_by("p.terminated_on", &as_of),
        signed = signed_by(&as_of),
    )
}

/// The columns of a signed project's production milestones at `as_of` (a bound date), from
/// the project `p` and its contract `c`: `due_on`, the promised production date, by default
/// signing + the settings' months, and `due_is_default`; `producing_on` if reached by
/// `as_of`; `full_due_on`, the promised full production, by default production start + the
/// settings' months (NULL before production starts when none was promised), and
/// `full_due_is_default`; `effective_on` if reached by `as_of`.
pub fn production_milestones(q: &mut Query, as_of: &str, settings: &Settings) -> String {
    let production_months = q.bind(i64::from(settings.default_production_months));
    let full_months = q.bind(i64::from(settings.default_full_production_months));
    let d = q.dialect;
    let producing = reached_by("p.producing_on", as_of);
    format!(
        "COALESCE(c.promised_production_on, {default_due}) AS due_on, \
         CASE WHEN c.promised_production_on IS NULL THEN 1 ELSE 0 END AS due_is_default, \
         {producing} AS producing_on, \
         COALESCE(c.promised_full_production_on, {default_full}) AS full_due_on, \
         CASE WHEN c.promised_full_production_on IS NULL THEN 1 ELSE 0 END AS full_due_is_default, \
         {effective} AS effective_on",
        default_due = d.add_months("p.signed_on", &production_months),
        default_full = d.add_months(&producing, &full_months),
        effective = reached_by("p.effective_on", as_of),
    )
}

/// A project of the production cohort (its columns prefixed `alias`: `p.` or empty) is due
/// for production by `as_of`.
pub fn production_due(alias: &str, as_of: &str) -> String {
    format!("{alias}due_on <= {as_of}")
}

/// A project of the production cohort (its columns prefixed `alias`) is due for full
/// production by `as_of`.
pub fn full_production_due(alias: &str, as_of: &str) -> String {
    format!("{alias}full_due_on <= {as_of}")
}

/// A due project of the production cohort counts: it started production by `as_of` and, if
/// its full-production date has passed, it is effective by then.
pub fn production_counts(as_of: &str) -> String {
    format!("{PRODUCED} AND (full_due_on IS NULL OR full_due_on > {as_of} OR {EFFECTIVE})")
}
