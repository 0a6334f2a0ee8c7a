//! The SQL the KPI queries share: bound parameters, the one place where SQLite and
//! PostgreSQL differ (date arithmetic, day differences, month and quarter keys, exact
//! arithmetic), the scope filter and the grouping key.
//!
//! Every value a user sends is bound as a parameter (`$1`, `$2`, …, understood by both
//! backends through sqlx); the SQL text itself is built only from constants of this module.

use chrono::NaiveDate;
use sea_orm::sea_query::Values;
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement, Value};
use serde::de::DeserializeOwned;

use super::Scope;
use crate::db::packed;
use crate::domain::kpi::GroupBy;
use crate::service::ServiceResult;

/// A statement being built: its parameters so far, and the backend's dialect.
pub struct Query {
    pub dialect: Dialect,
    values: Vec<Value>,
}

impl Query {
    pub fn new(backend: DbBackend) -> Self {
        Self {
            dialect: Dialect(backend),
            values: Vec::new(),
        }
    }

    /// Binds a value and returns its placeholder, to be used as often as needed.
    pub fn bind(&mut self, value: impl Into<Value>) -> String {
        self.values.push(value.into());
        format!("${}", self.values.len())
    }

    /// Binds a date.
    pub fn date(&mut self, date: NaiveDate) -> String {
        self.bind(date)
    }

    /// The statement, with the parameters bound so far.
    pub fn statement(&self, sql: impl Into<String>) -> Statement {
        Statement::from_sql_and_values(self.dialect.0, sql.into(), self.values.clone())
    }

    /// Runs `sql` and returns its rows; its time is logged at debug level.
    pub async fn all(&self, db: &impl ConnectionTrait, sql: impl Into<String>) -> ServiceResult<Vec<QueryResult>> {
        let started = std::time::Instant::now();
        let statement = self.statement(sql);
        let rows = db.query_all_raw(statement.clone()).await?;
        tracing::debug!(
            ms = started.elapsed().as_secs_f64() * 1000.0,
            rows = rows.len(),
            sql = %statement.sql,
            "KPI query"
        );
        Ok(rows)
    }

    /// Runs `sql` and reads its rows into `T`, packed by the database into one value (see
    /// `db::packed`) in the order `order_by` (over `r`, the rows of `sql`): each row as
    /// the array of `values` (SQL over `r`), which `T`, a struct, reads in the order of its
    /// fields. Thousands of rows read this way take a fraction of the time they take one by one,
    /// and arrays a fraction of the room of objects naming every value. Its time is logged at
    /// debug level.
    pub async fn packed<T: DeserializeOwned>(
        &self,
        db: &impl ConnectionTrait,
        sql: &str,
        values: &[String],
        order_by: &str,
    ) -> ServiceResult<Vec<T>> {
        let started = std::time::Instant::now();
        let backend = self.dialect.0;
        let rows = packed::array_of(backend, &packed::tuple(backend, values)?, order_by)?;
        let sql = format!("SELECT {rows} FROM ({sql}) r");
        let read: Vec<T> = packed::read(db, sql.clone(), Some(Values(self.values.clone()))).await?;
        tracing::debug!(
            ms = started.elapsed().as_secs_f64() * 1000.0,
            rows = read.len(),
            sql = %sql,
            "KPI query, packed"
        );
        Ok(read)
    }
}

/// What differs between SQLite and PostgreSQL, kept in one place.
#[derive(Debug, Clone, Copy)]
pub struct Dialect(pub DbBackend);

impl Dialect {
    fn postgres(self) -> bool {
        self.0 == DbBackend::Postgres
    }

    /// `date + months`, clamped to the end of a shorter month on both backends (SQLite's
    /// `'floor'` modifier does what PostgreSQL's interval arithmetic does). NULL stays NULL.
    pub fn add_months(self, date: &str, months: &str) -> String {
        if self.postgres() {
            format!("CAST({date} + make_interval(months => CAST({months} AS INTEGER)) AS DATE)")
        } else {
            format!("date({date}, '+' || {months} || ' months', 'floor')")
        }
    }

    /// Whole days from `earlier` to `later` (negative when `later` is earlier), as BIGINT.
    pub fn days_between(self, later: &str, earlier: &str) -> String {
        if self.postgres() {
            format!("CAST(({later} - {earlier}) AS BIGINT)")
        } else {
            format!("CAST(julianday({later}) - julianday({earlier}) AS INTEGER)")
        }
    }

    /// An inner join whose left table stays the outer loop. SQLite's planner would otherwise
    /// start a join of `fundings` and `projects` from the index on `arrived_on` and look up
    /// every payment's row and its project's (13.8 s at 3,000,000 payments), instead of going
    /// through the projects' covering KPI index and each one's covering funds index (3.9 s);
    /// SQLite keeps a `CROSS JOIN`'s order. PostgreSQL plans a plain `JOIN` well.
    pub fn join_in_order(self) -> &'static str {
        if self.postgres() { "JOIN" } else { "CROSS JOIN" }
    }

    /// `expr`, which SQLite will not search an index by (a unary `+`), for a condition nearly
    /// every row meets: going through an index and then to each row costs more than reading
    /// the rows. Without statistics of value ranges, SQLite's planner cannot tell (measured on
    /// the period sign rate over 100,000 projects: 199 ms through the index on the negotiation
    /// date, 45 ms without). PostgreSQL's planner has them.
    pub fn unindexed(self, expr: &str) -> String {
        if self.postgres() {
            expr.to_string()
        } else {
            format!("+{expr}")
        }
    }

    /// The later of two dates that are both not NULL.
    pub fn later_of(self, a: &str, b: &str) -> String {
        if self.postgres() {
            format!("GREATEST({a}, {b})")
        } else {
            format!("MAX({a}, {b})")
        }
    }

    /// The earlier of two dates that are both not NULL.
    pub fn earlier_of(self, a: &str, b: &str) -> String {
        if self.postgres() {
            format!("LEAST({a}, {b})")
        } else {
            format!("MIN({a}, {b})")
        }
    }

    /// The greatest of expressions that are all not NULL.
    pub fn greatest(self, exprs: &[String]) -> String {
        let list = exprs.join(", ");
        if self.postgres() {
            format!("GREATEST({list})")
        } else {
            format!("MAX({list})")
        }
    }

    /// `YYYY-MM` of a date.
    pub fn month_key(self, date: &str) -> String {
        if self.postgres() {
            format!("to_char({date}, 'YYYY-MM')")
        } else {
            format!("strftime('%Y-%m', {date})")
        }
    }

    /// `YYYY-Qn` of a date.
    pub fn quarter_key(self, date: &str) -> String {
        if self.postgres() {
            format!("to_char({date}, 'YYYY') || '-Q' || to_char({date}, 'Q')")
        } else {
            format!("strftime('%Y', {date}) || '-Q' || ((CAST(strftime('%m', {date}) AS INTEGER) + 2) / 3)")
        }
    }

    /// An integer expression in exact arithmetic wide enough for products of amounts and
    /// days: PostgreSQL's NUMERIC (a BIGINT product could overflow); on SQLite integers stay
    /// exact up to 2^63 and only beyond that turn into floats.
    pub fn exact(self, expr: &str) -> String {
        if self.postgres() {
            format!("CAST({expr} AS NUMERIC)")
        } else {
            expr.to_string()
        }
    }
}

/// The grouping key of a row: the team, cluster or park id, or the month or quarter of
/// `event` (a date expression) as text; `'all'` when not grouped. `alias` prefixes the project
/// columns (`p.` or empty for a derived table with the same column names). Rows are grouped
/// by it as it is and the groups labelled by [`group_label`]. An id is kept from SQLite's
/// indexes: grouping by a bare column, its planner walks the projects in that column's order
/// through an index to spare a sort, and reads every row from there (the KPIs over 1,000,000
/// projects went from 3 s to 7 s).
pub fn group_key(dialect: Dialect, group_by: Option<GroupBy>, alias: &str, event: &str) -> String {
    match group_by {
        None => "'all'".to_string(),
        Some(GroupBy::Team) => dialect.unindexed(&format!("{alias}team_id")),
        Some(GroupBy::Cluster) => dialect.unindexed(&format!("{alias}cluster_id")),
        Some(GroupBy::Park) => dialect.unindexed(&format!("{alias}park_id")),
        Some(GroupBy::Month) => dialect.month_key(event),
        Some(GroupBy::Quarter) => dialect.quarter_key(event),
    }
}

/// A group's label as text, from its key `column`: ids are cast once per group, not once per
/// row (grouping 1,170,000 payments by the team id cast to text took 13 % longer).
pub fn group_label(group_by: Option<GroupBy>, column: &str) -> String {
    match group_by {
        Some(GroupBy::Team | GroupBy::Cluster | GroupBy::Park) => format!("CAST({column} AS TEXT)"),
        None | Some(GroupBy::Month | GroupBy::Quarter) => column.to_string(),
    }
}

/// ` AND …` conditions restricting projects (aliased `alias`) to the scope's team, cluster
/// and park.
pub fn scope_filter(query: &mut Query, scope: &Scope, alias: &str) -> String {
    let mut sql = String::new();
    if let Some(team_id) = scope.team_id {
        sql += &format!(" AND {alias}team_id = {}", query.bind(team_id));
    }
    if let Some(cluster_id) = scope.cluster_id {
        sql += &format!(" AND {alias}cluster_id = {}", query.bind(cluster_id));
    }
    if let Some(park_id) = scope.park_id {
        sql += &format!(" AND {alias}park_id = {}", query.bind(park_id));
    }
    sql
}

/// `CAST(COALESCE(SUM(expr), 0) AS BIGINT)`: PostgreSQL sums BIGINT into NUMERIC.
pub fn sum(expr: &str) -> String {
    format!("CAST(COALESCE(SUM({expr}), 0) AS BIGINT)")
}

/// Reads a BIGINT column.
pub fn int(row: &QueryResult, column: &str) -> ServiceResult<i64> {
    Ok(row.try_get::<i64>("", column)?)
}

/// Reads a nullable BIGINT column.
pub fn opt_int(row: &QueryResult, column: &str) -> ServiceResult<Option<i64>> {
    Ok(row.try_get::<Option<i64>>("", column)?)
}

/// Reads a nullable date column.
pub fn opt_date(row: &QueryResult, column: &str) -> ServiceResult<Option<NaiveDate>> {
    Ok(row.try_get::<Option<NaiveDate>>("", column)?)
}

/// Reads a text column.
pub fn text(row: &QueryResult, column: &str) -> ServiceResult<String> {
    Ok(row.try_get::<String>("", column)?)
}

/// Reads a nullable text column.
pub fn opt_text(row: &QueryResult, column: &str) -> ServiceResult<Option<String>> {
    Ok(row.try_get::<Option<String>>("", column)?)
}
