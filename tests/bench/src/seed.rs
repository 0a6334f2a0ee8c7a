//! The KPI database: a province-sized pipeline (1,000,000 projects and 3,000,000 payments at
//! full scale) generated from a fixed seed and loaded fast — multi-row INSERTs in large
//! transactions on SQLite, `COPY … FROM STDIN` on PostgreSQL — into a migrated database.
//!
//! The projects spread over the 24 task forces and six years up to the as-of date; each stage
//! reached has its date, in order; some signings have no recorded negotiation date, some
//! contracts promise no production date (the default applies), some projects were
//! terminated after negotiating or after signing, and the payments of signed projects arrive
//! between their signing and the as-of date, most of them counted.

use chrono::{DateTime, Days, NaiveDate, Utc};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sea_orm::sqlx::postgres::PgPoolCopyExt;
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement, TransactionTrait, Value};

use crate::kpi_sql;

/// Bumped whenever the generated data changes, so cached databases are not reused.
pub const GENERATOR_VERSION: u32 = 1;

/// One value of a generated row.
#[derive(Clone)]
enum Field {
    Int(i64),
    Text(String),
    Date(Option<NaiveDate>),
    Bool(bool),
    Null,
    Timestamp(DateTime<Utc>),
}

impl Field {
    fn value(&self) -> Value {
        match self {
            Field::Int(i) => Value::BigInt(Some(*i)),
            Field::Text(s) => Value::String(Some(s.clone())),
            Field::Date(d) => Value::ChronoDate(*d),
            Field::Bool(b) => Value::Bool(Some(*b)),
            Field::Null => Value::BigInt(None),
            Field::Timestamp(t) => Value::ChronoDateTimeUtc(Some(*t)),
        }
    }

    /// The field in PostgreSQL's COPY text format.
    fn copy_text(&self, out: &mut String) {
        use std::fmt::Write;
        match self {
            Field::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Field::Text(s) => {
                for c in s.chars() {
                    match c {
                        '\\' => out.push_str("\\\\"),
                        '\t' => out.push_str("\\t"),
                        '\n' => out.push_str("\\n"),
                        '\r' => out.push_str("\\r"),
                        c => out.push(c),
                    }
                }
            }
            Field::Date(Some(d)) => {
                let _ = write!(out, "{d}");
            }
            Field::Date(None) | Field::Null => out.push_str("\\N"),
            Field::Bool(b) => out.push(if *b { 't' } else { 'f' }),
            Field::Timestamp(t) => out.push_str(&t.to_rfc3339()),
        }
    }
}

/// Rows of one table, written in batches.
struct TableWriter<'a> {
    db: &'a DatabaseConnection,
    table: &'static str,
    columns: &'static [&'static str],
    rows: Vec<Vec<Field>>,
}

/// Rows buffered before a batch is written (one transaction on SQLite, one COPY on PostgreSQL).
const BATCH_ROWS: usize = 100_000;

impl<'a> TableWriter<'a> {
    fn new(db: &'a DatabaseConnection, table: &'static str, columns: &'static [&'static str]) -> Self {
        Self {
            db,
            table,
            columns,
            rows: Vec::with_capacity(BATCH_ROWS),
        }
    }

    /// Whether the next push writes the batch: rows that reference another table's buffered
    /// rows must see those written first.
    fn full(&self) -> bool {
        self.rows.len() + 1 >= BATCH_ROWS
    }

    async fn push(&mut self, row: Vec<Field>) -> anyhow::Result<()> {
        debug_assert_eq!(row.len(), self.columns.len());
        self.rows.push(row);
        if self.rows.len() >= BATCH_ROWS {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> anyhow::Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.rows);
        match self.db.get_database_backend() {
            DatabaseBackend::Postgres => {
                let mut text = String::with_capacity(rows.len() * 128);
                for row in &rows {
                    for (i, field) in row.iter().enumerate() {
                        if i > 0 {
                            text.push('\t');
                        }
                        field.copy_text(&mut text);
                    }
                    text.push('\n');
                }
                let pool = self.db.get_postgres_connection_pool();
                let mut copy = pool
                    .copy_in_raw(&format!("COPY {} ({}) FROM STDIN", self.table, self.columns.join(", ")))
                    .await?;
                copy.send(text.into_bytes()).await?;
                copy.finish().await?;
            }
            backend => {
                // SQLite binds at most 32,766 values per statement.
                let per_statement = 32_766 / self.columns.len();
                let txn = self.db.begin().await?;
                for chunk in rows.chunks(per_statement) {
                    let placeholders = format!("({})", vec!["?"; self.columns.len()].join(", "));
                    let sql = format!(
                        "INSERT INTO {} ({}) VALUES {}",
                        self.table,
                        self.columns.join(", "),
                        vec![placeholders; chunk.len()].join(", ")
                    );
                    let values: Vec<Value> = chunk.iter().flatten().map(Field::value).collect();
                    txn.execute_raw(Statement::from_sql_and_values(backend, sql, values))
                        .await?;
                }
                txn.commit().await?;
            }
        }
        self.rows = Vec::with_capacity(BATCH_ROWS);
        Ok(())
    }
}

const PROJECT_COLUMNS: &[&str] = &[
    "id",
    "code",
    "name",
    "team_id",
    "cluster_id",
    "park_id",
    "stage",
    "lead_on",
    "negotiating_on",
    "signed_on",
    "started_on",
    "producing_on",
    "effective_on",
    "terminated_on",
    "planned_investment_yuan",
    "version",
    "created_at",
    "updated_at",
];
const CONTRACT_COLUMNS: &[&str] = &[
    "id",
    "project_id",
    "agreement_type",
    "signed_on",
    "contracted_investment_yuan",
    "promised_start_on",
    "promised_production_on",
    "promised_full_production_on",
    "promised_output_value_yuan",
    "created_at",
    "updated_at",
];
const FUNDING_COLUMNS: &[&str] = &[
    "id",
    "project_id",
    "arrived_on",
    "amount_yuan",
    "kind",
    "counted",
    "created_at",
];

/// A signed project, for its payments.
struct Signed {
    id: i64,
    signed_on: NaiveDate,
    contracted_yuan: i64,
}

/// Loads `projects` projects and `payments` payments into a migrated, empty database.
pub async fn seed(db: &DatabaseConnection, projects: usize, payments: usize) -> anyhow::Result<()> {
    let backend = db.get_database_backend();
    let teams: Vec<(i64, Option<i64>)> = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT id, cluster_id FROM teams ORDER BY id",
        ))
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get::<i32>("", "id")?.into(),
                r.try_get::<Option<i32>>("", "cluster_id")?.map(Into::into),
            ))
        })
        .collect::<Result<_, sea_orm::DbErr>>()?;
    let parks: Vec<i64> = db
        .query_all_raw(Statement::from_string(backend, "SELECT id FROM parks ORDER BY id"))
        .await?
        .iter()
        .map(|r| r.try_get::<i32>("", "id").map(Into::into))
        .collect::<Result<_, _>>()?;
    anyhow::ensure!(!teams.is_empty() && !parks.is_empty(), "no reference data");

    let mut rng = ChaCha8Rng::seed_from_u64(0x004b_5049_5345_4544);
    let (_, _, as_of) = kpi_sql::period();
    let created = as_of.and_hms_opt(18, 0, 0).expect("a time").and_utc();
    let earliest = NaiveDate::from_ymd_opt(2020, 1, 1).expect("a date");
    let mut project_rows = TableWriter::new(db, "projects", PROJECT_COLUMNS);
    let mut contract_rows = TableWriter::new(db, "contracts", CONTRACT_COLUMNS);
    let mut signed: Vec<Signed> = Vec::new();
    for n in 1..=projects as i64 {
        let (team_id, cluster_id) = *teams.choose(&mut rng).expect("teams");
        let park_id = rng.random_bool(0.95).then(|| *parks.choose(&mut rng).expect("parks"));
        let lead_on = day_between(&mut rng, earliest, as_of);
        let mut stage = "lead";
        let mut dates: [Option<NaiveDate>; 5] = [None; 5]; // negotiating, signed, started, producing, effective
        let mut cursor = lead_on;
        // Each step is reached with a probability and takes some days; a step that would
        // fall after the as-of date is not reached yet.
        let steps: [(&str, f64, u64, u64); 5] = [
            ("negotiating", 0.85, 0, 120),
            ("signed", 0.45, 20, 420),
            ("started", 0.7, 20, 300),
            ("producing", 0.6, 90, 450),
            ("effective", 0.45, 60, 420),
        ];
        for (i, (name, chance, min, max)) in steps.iter().enumerate() {
            if !rng.random_bool(*chance) {
                break;
            }
            let on = cursor + Days::new(rng.random_range(*min..=*max));
            if on > as_of {
                break;
            }
            dates[i] = Some(on);
            stage = name;
            cursor = on;
        }
        // A signing without a recorded negotiation date, now and then.
        if dates[1].is_some() && rng.random_bool(0.03) {
            dates[0] = None;
        }
        let terminated_on = if stage != "lead" && rng.random_bool(0.08) {
            let on = cursor + Days::new(rng.random_range(10..=365));
            (on <= as_of).then_some(on)
        } else {
            None
        };
        if terminated_on.is_some() {
            stage = "terminated";
        }
        let planned_yuan = rng.random_range(5_000_000i64..=5_000_000_000);
        project_rows
            .push(vec![
                Field::Int(n),
                Field::Text(format!("KPI{n:08}")),
                Field::Text(format!("项目{n}")),
                Field::Int(team_id),
                cluster_id.map_or(Field::Null, Field::Int),
                park_id.map_or(Field::Null, Field::Int),
                Field::Text(stage.into()),
                Field::Date(Some(lead_on)),
                Field::Date(dates[0]),
                Field::Date(dates[1]),
                Field::Date(dates[2]),
                Field::Date(dates[3]),
                Field::Date(dates[4]),
                Field::Date(terminated_on),
                Field::Int(planned_yuan),
                Field::Int(1),
                Field::Timestamp(created),
                Field::Timestamp(created),
            ])
            .await?;
        if let Some(signed_on) = dates[1] {
            let contracted_yuan = (planned_yuan as f64 * rng.random_range(0.5..1.5)) as i64;
            // Most contracts promise dates; without one, the default applies.
            let promised_start = signed_on + Days::new(rng.random_range(30..=300));
            let promised_production = rng
                .random_bool(0.8)
                .then(|| promised_start + Days::new(rng.random_range(180..=720)));
            let promised_full = match promised_production {
                Some(p) if rng.random_bool(0.7) => Some(p + Days::new(rng.random_range(180..=540))),
                _ => None,
            };
            if contract_rows.full() {
                // Its project, and those before it, must be written first.
                project_rows.flush().await?;
            }
            contract_rows
                .push(vec![
                    Field::Int(n),
                    Field::Int(n),
                    Field::Text(
                        ["framework", "formal", "formal", "supplementary"]
                            .choose(&mut rng)
                            .expect("kinds")
                            .to_string(),
                    ),
                    Field::Date(Some(signed_on)),
                    Field::Int(contracted_yuan),
                    Field::Date(Some(promised_start)),
                    Field::Date(promised_production),
                    Field::Date(promised_full),
                    Field::Int(contracted_yuan / 10 * rng.random_range(5..=20)),
                    Field::Timestamp(created),
                    Field::Timestamp(created),
                ])
                .await?;
            signed.push(Signed {
                id: n,
                signed_on,
                contracted_yuan,
            });
        }
    }
    project_rows.flush().await?;
    contract_rows.flush().await?;

    anyhow::ensure!(!signed.is_empty() || payments == 0, "no signed project to pay");
    let mut funding_rows = TableWriter::new(db, "fundings", FUNDING_COLUMNS);
    for n in 1..=payments as i64 {
        let project = signed.choose(&mut rng).expect("signed projects");
        let arrived_on = day_between(&mut rng, project.signed_on, as_of);
        let amount = (project.contracted_yuan / 8).max(10_000);
        funding_rows
            .push(vec![
                Field::Int(n),
                Field::Int(project.id),
                Field::Date(Some(arrived_on)),
                Field::Int(rng.random_range(amount / 10..=amount)),
                Field::Text(
                    [
                        "fixed_asset",
                        "fixed_asset",
                        "registered_capital",
                        "working_capital",
                        "other",
                    ]
                    .choose(&mut rng)
                    .expect("kinds")
                    .to_string(),
                ),
                Field::Bool(rng.random_bool(0.85)),
                Field::Timestamp(created),
            ])
            .await?;
    }
    funding_rows.flush().await?;

    if backend == DatabaseBackend::Postgres {
        // The rows came with their ids: move the sequences past them.
        for table in ["projects", "contracts", "fundings"] {
            db.execute_unprepared(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            ))
            .await?;
        }
    }
    // Fresh planner statistics, as a database in service has; on PostgreSQL also the hint
    // bits and the visibility map its autovacuum would have set by then (without them the
    // first queries after the load write hint bits into every page they read, and an
    // index-only scan still visits the table).
    let upkeep = match backend {
        DatabaseBackend::Postgres => "VACUUM ANALYZE",
        _ => "ANALYZE",
    };
    db.execute_unprepared(upkeep).await?;
    Ok(())
}

/// A random day in `[from, to]`.
fn day_between(rng: &mut ChaCha8Rng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let span = (to - from).num_days().max(0) as u64;
    from + Days::new(rng.random_range(0..=span))
}
