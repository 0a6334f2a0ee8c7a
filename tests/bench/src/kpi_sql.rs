//! The KPI baseline: one hand-written SQL query per rate, grouped by team, written from the
//! definitions in `src/domain/kpi.md` with the API's default bases — sign rate on the period
//! basis, funds-arrival rate on the cohort basis, production-effectiveness rate over every
//! project signed by the as-of date (its query also gives the production and effectiveness
//! rates reported beside it). The benchmark times them on the same database as
//! `GET /api/v1/kpis` and checks that both give the same numbers.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, QueryResult, Statement, Value};
use serde::{Deserialize, Serialize};

/// The period and as-of date of the KPI measurements.
pub fn period() -> (NaiveDate, NaiveDate, NaiveDate) {
    let from = NaiveDate::from_ymd_opt(2025, 1, 1).expect("a date");
    let to = NaiveDate::from_ymd_opt(2025, 10, 31).expect("a date");
    (from, to, to)
}

/// The request the benchmark sends.
pub fn api_path() -> String {
    let (from, to, as_of) = period();
    format!(
        "/api/v1/kpis?from={from}&to={to}&as_of={as_of}&sign_basis=period&funds_basis=cohort\
         &production_cohort=all&group_by=team"
    )
}

/// The settings' defaults (`src/domain/kpi.md`): production is due 24 months after signing when no date
/// was promised, full production 12 months after production started.
const DEFAULT_PRODUCTION_MONTHS: u32 = 24;
const DEFAULT_FULL_PRODUCTION_MONTHS: u32 = 12;

/// Numerator and denominator of each rate, per team.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamFigures {
    /// Signed in the period ÷ negotiating in the period.
    pub sign: (i64, i64),
    /// Counted funds arrived by the as-of date ÷ contracted investment, of the projects
    /// signed in the period, in 万元.
    pub funds_wan: (Decimal, Decimal),
    /// Producing (and effective when due for full production) ÷ due for production.
    pub production_effectiveness: (i64, i64),
    /// Started production ÷ due for production.
    pub production: (i64, i64),
    /// Effective ÷ due for full production.
    pub effectiveness: (i64, i64),
}

/// The figures of every team, by team id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    pub teams: BTreeMap<i32, TeamFigures>,
}

impl Figures {
    /// The teams whose figures differ (a team missing on one side counts as all zeros).
    pub fn differences(&self, other: &Figures) -> Vec<String> {
        let ids: std::collections::BTreeSet<i32> = self.teams.keys().chain(other.teams.keys()).copied().collect();
        ids.into_iter()
            .filter_map(|id| {
                let a = self.teams.get(&id).copied().unwrap_or_default();
                let b = other.teams.get(&id).copied().unwrap_or_default();
                (a != b).then(|| format!("team {id}: {a:?} vs {b:?}"))
            })
            .collect()
    }
}

fn int(row: &QueryResult, column: &str) -> Result<i64, sea_orm::DbErr> {
    row.try_get::<i64>("", column)
}

fn date_plus_months(backend: DatabaseBackend, date: &str, months: u32) -> String {
    match backend {
        DatabaseBackend::Postgres => format!("CAST({date} + INTERVAL '{months} months' AS DATE)"),
        // 'floor': the last day of a shorter month, as PostgreSQL's interval arithmetic does.
        _ => format!("date({date}, '+{months} months', 'floor')"),
    }
}

async fn query(db: &DatabaseConnection, sql: String, values: Vec<Value>) -> Result<Vec<QueryResult>, sea_orm::DbErr> {
    let backend = db.get_database_backend();
    db.query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await
}

/// Runs the three queries and collects their figures.
pub async fn figures(db: &DatabaseConnection) -> anyhow::Result<Figures> {
    let backend = db.get_database_backend();
    let (from, to, as_of) = period();
    let mut figures = Figures::default();

    // Sign rate: negotiating at some time in the period (negotiation began — at signing when
    // no negotiation date was recorded — by the end of the period, and neither signed nor
    // terminated before it), and of those the ones signed in the period.
    let sign = query(
        db,
        "SELECT team_id, CAST(COUNT(*) AS BIGINT) AS negotiating, \
                CAST(SUM(CASE WHEN signed_on >= $1 AND signed_on <= $2 AND signed_on <= $3 THEN 1 ELSE 0 END) AS BIGINT) AS signed \
         FROM projects \
         WHERE COALESCE(negotiating_on, signed_on) <= $2 AND COALESCE(negotiating_on, signed_on) <= $3 \
           AND (signed_on IS NULL OR signed_on >= $1 OR signed_on > $3) \
           AND (terminated_on IS NULL OR terminated_on >= $1 OR terminated_on > $3) \
         GROUP BY team_id"
            .into(),
        vec![from.into(), to.into(), as_of.into()],
    )
    .await?;
    for row in sign {
        let team: i32 = row.try_get("", "team_id")?;
        figures.teams.entry(team).or_default().sign = (int(&row, "signed")?, int(&row, "negotiating")?);
    }

    // Funds-arrival rate: the projects signed in the period, their contracted investment and
    // their counted payments arrived by the as-of date.
    let funds = query(
        db,
        "SELECT p.team_id, \
                CAST(SUM(COALESCE(c.contracted_investment_yuan, 0)) AS BIGINT) AS contracted, \
                CAST(SUM((SELECT COALESCE(SUM(f.amount_yuan), 0) FROM fundings f \
                          WHERE f.project_id = p.id AND f.counted AND f.arrived_on <= $3)) AS BIGINT) AS arrived \
         FROM projects p LEFT JOIN contracts c ON c.project_id = p.id \
         WHERE p.signed_on >= $1 AND p.signed_on <= $2 AND p.signed_on <= $3 \
         GROUP BY p.team_id"
            .into(),
        vec![from.into(), to.into(), as_of.into()],
    )
    .await?;
    for row in funds {
        let team: i32 = row.try_get("", "team_id")?;
        let wan = |yuan: i64| Decimal::new(yuan, 4);
        figures.teams.entry(team).or_default().funds_wan = (wan(int(&row, "arrived")?), wan(int(&row, "contracted")?));
    }

    // Production-effectiveness rate over every project signed by the as-of date: due when the
    // promised (or default) production date has come; counted when producing by then and, if
    // full production was due too, effective by then.
    let producing = "CASE WHEN p.producing_on <= $1 THEN p.producing_on END";
    let production = query(
        db,
        format!(
            "SELECT team_id, \
                CAST(SUM(CASE WHEN due_on <= $1 THEN 1 ELSE 0 END) AS BIGINT) AS due, \
                CAST(SUM(CASE WHEN due_on <= $1 AND producing_on IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS producing, \
                CAST(SUM(CASE WHEN due_on <= $1 AND producing_on IS NOT NULL \
                              AND (full_due_on IS NULL OR full_due_on > $1 OR effective_on IS NOT NULL) \
                         THEN 1 ELSE 0 END) AS BIGINT) AS counted, \
                CAST(SUM(CASE WHEN full_due_on <= $1 THEN 1 ELSE 0 END) AS BIGINT) AS full_due, \
                CAST(SUM(CASE WHEN full_due_on <= $1 AND effective_on IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS effective \
             FROM ( \
               SELECT p.team_id, \
                      COALESCE(c.promised_production_on, {default_due}) AS due_on, \
                      {producing} AS producing_on, \
                      COALESCE(c.promised_full_production_on, {default_full_due}) AS full_due_on, \
                      CASE WHEN p.effective_on <= $1 THEN p.effective_on END AS effective_on \
               FROM projects p LEFT JOIN contracts c ON c.project_id = p.id \
               WHERE p.signed_on <= $1 \
             ) cohort GROUP BY team_id",
            default_due = date_plus_months(backend, "p.signed_on", DEFAULT_PRODUCTION_MONTHS),
            default_full_due = date_plus_months(backend, producing, DEFAULT_FULL_PRODUCTION_MONTHS),
        ),
        vec![as_of.into()],
    )
    .await?;
    for row in production {
        let team: i32 = row.try_get("", "team_id")?;
        let entry = figures.teams.entry(team).or_default();
        let due = int(&row, "due")?;
        entry.production_effectiveness = (int(&row, "counted")?, due);
        entry.production = (int(&row, "producing")?, due);
        entry.effectiveness = (int(&row, "effective")?, int(&row, "full_due")?);
    }
    Ok(figures)
}
