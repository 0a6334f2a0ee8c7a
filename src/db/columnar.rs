//! Multi-row INSERTs for bulk loads, shaped for each database. SQLite takes rows as bound
//! `VALUES`, as many as its parameter limit allows. PostgreSQL takes one array per column,
//! unpacked by `UNNEST`: the statement's text and parameter count stay the same whatever the
//! number of rows, so the server prepares it once, skips setting up every `VALUES` row, and
//! the client sends each column as one binary array instead of rendering and binding every
//! value on its own. On both, a value every row shares is bound once. Also the ids such a
//! load reserves for its rows before inserting them.
//!
//! For callers: every row of one [`insert`] sets the same columns, and a statement holds at
//! most [`rows_per_statement`] rows. Ids come from [`NewIds`], which on SQLite counts on the
//! load's transaction holding the only writer: take them inside that transaction and insert
//! nothing into the same table by other means while it runs. Rows go in as given: no
//! `ActiveModelBehavior`, no audit entry; the caller writes the trail itself.

use chrono::{Datelike, NaiveDate};
use sea_orm::sea_query::{ArrayType, InsertStatement, Value};

use super::bulk::quoted;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityName, EntityTrait, IdenStatic, Iterable,
    QueryTrait, Statement,
};

/// Bound values per multi-row `VALUES` INSERT on SQLite: its limit is 32,766.
const SQLITE_BOUND_VALUES: usize = 30_000;

/// Rows per INSERT on PostgreSQL, where a statement's parameters are its columns' arrays: a
/// few megabytes per statement. 16,000 and 25,000 were no faster within this machine's noise
/// and 35 and 65 MiB heavier at a 100,000-row import's peak.
const POSTGRES_ROWS: usize = 10_000;

/// Rows of entity `E` per INSERT statement on `backend`.
pub fn rows_per_statement<E: EntityTrait>(backend: DatabaseBackend) -> usize {
    match backend {
        DatabaseBackend::Postgres => POSTGRES_ROWS,
        _ => {
            let columns = E::Column::iter().count().max(1);
            (SQLITE_BOUND_VALUES / columns).max(1)
        }
    }
}

/// One INSERT of `rows` (all setting the same columns), for `backend`; `returning` columns are
/// appended as `RETURNING`. Callers keep to [`rows_per_statement`] rows.
///
/// A column holding the same value in every row (the load's timestamp, its user, its reason,
/// a NULL) is bound once and referred to by every row, instead of being bound, copied and
/// freed once per row.
pub fn insert<A>(backend: DatabaseBackend, rows: Vec<A>, returning: &[<A::Entity as EntityTrait>::Column]) -> Statement
where
    A: ActiveModelTrait,
{
    let postgres = backend == DatabaseBackend::Postgres;
    match Columns::take(rows, postgres) {
        Ok(columns) if postgres => columns.unnest(returning),
        Ok(columns) => columns.values(returning),
        Err(rows) => {
            let mut insert: InsertStatement = <A::Entity as EntityTrait>::insert_many(rows).into_query();
            if !returning.is_empty() {
                insert.returning(sea_orm::sea_query::Query::returning().columns(returning.iter().copied()));
            }
            backend.build(&insert)
        }
    }
}

/// The rows of one INSERT taken apart column by column.
struct Columns<A: ActiveModelTrait> {
    /// The columns every row sets, in the entity's order.
    columns: Vec<<A::Entity as EntityTrait>::Column>,
    /// Each column's values: one when every row holds the same, else one per row.
    values: Vec<ColumnValues>,
    /// Each column's PostgreSQL array type (empty for SQLite).
    kinds: Vec<ArrayType>,
    rows: usize,
}

enum ColumnValues {
    Same(Value),
    PerRow(Vec<Value>),
}

impl<A: ActiveModelTrait> Columns<A> {
    /// Moves the values out of `rows`. The rows come back untouched when they do not all set
    /// the same columns or, with `arrays`, a column's values have no PostgreSQL array type.
    fn take(mut rows: Vec<A>, arrays: bool) -> Result<Self, Vec<A>> {
        let Some(first) = rows.first() else {
            return Err(rows);
        };
        let columns: Vec<_> = <A::Entity as EntityTrait>::Column::iter()
            .filter(|c| !first.is_not_set(*c))
            .collect();
        let kinds: Option<Vec<ArrayType>> = if arrays {
            columns
                .iter()
                .map(|c| {
                    let kind = first.get(*c).into_value()?.array_type();
                    has_postgres_array(&kind).then_some(kind)
                })
                .collect()
        } else {
            Some(Vec::new())
        };
        let not_set = |r: &A| {
            <A::Entity as EntityTrait>::Column::iter()
                .map(|c| r.is_not_set(c))
                .collect::<Vec<_>>()
        };
        let pattern = not_set(first);
        let same_columns = rows.iter().all(|r| not_set(r) == pattern);
        let (Some(kinds), true) = (kinds, same_columns) else {
            return Err(rows);
        };
        let count = rows.len();
        let mut per_row: Vec<Vec<Value>> = columns.iter().map(|_| Vec::with_capacity(count)).collect();
        for row in &mut rows {
            for (column, values) in columns.iter().zip(&mut per_row) {
                let value = row.take(*column).into_value().expect("every row sets this column");
                values.push(if arrays { value } else { sqlite_value(value) });
            }
        }
        let mut values: Vec<ColumnValues> = per_row
            .into_iter()
            .map(|mut values| {
                if values.iter().all(|v| *v == values[0]) {
                    ColumnValues::Same(values.swap_remove(0))
                } else {
                    ColumnValues::PerRow(values)
                }
            })
            .collect();
        // The rows come from the column(s) given per row: one at least, even when every row is
        // the same.
        if let Some(ColumnValues::Same(value)) = values.first()
            && values.iter().all(|v| matches!(v, ColumnValues::Same(_)))
        {
            values[0] = ColumnValues::PerRow(vec![value.clone(); count]);
        }
        Ok(Self {
            columns,
            values,
            kinds,
            rows: count,
        })
    }

    fn table() -> String {
        quoted(<A::Entity as Default>::default().table_name())
    }

    fn names(columns: &[<A::Entity as EntityTrait>::Column]) -> String {
        columns
            .iter()
            .map(|c| quoted(c.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn returning_clause(returning: &[<A::Entity as EntityTrait>::Column]) -> String {
        if returning.is_empty() {
            String::new()
        } else {
            format!(" RETURNING {}", Self::names(returning))
        }
    }

    /// SQLite's `INSERT … SELECT v.column1, s.c1, … FROM (SELECT ? AS c1) AS s, (VALUES (?, …),
    /// …) AS v`: a value every row shares is bound once, in the one-row `s`. Joined to one row,
    /// the `VALUES` rows go in in their order, as a plain `INSERT … VALUES` would insert them.
    /// (Numbered parameters, `?1` in every row, are not used: sqlx looks each parameter's name
    /// up, which SQLite finds by a linear scan, and a 30,000-parameter statement took seconds.)
    fn values(self, returning: &[<A::Entity as EntityTrait>::Column]) -> Statement {
        let mut params = Vec::new();
        let mut shared_columns = Vec::new();
        let mut selected = Vec::new();
        let mut per_row = Vec::new();
        for (i, values) in self.values.into_iter().enumerate() {
            match values {
                ColumnValues::Same(value) => {
                    params.push(value);
                    shared_columns.push(format!("? AS c{i}"));
                    selected.push(format!("s.c{i}"));
                }
                ColumnValues::PerRow(values) => {
                    per_row.push(values.into_iter());
                    selected.push(format!("v.column{}", per_row.len()));
                }
            }
        }
        let row = format!("({})", vec!["?"; per_row.len()].join(", "));
        let mut sql = format!(
            "INSERT INTO {} ({}) SELECT {} FROM ",
            Self::table(),
            Self::names(&self.columns),
            selected.join(", ")
        );
        if !shared_columns.is_empty() {
            sql.push_str(&format!("(SELECT {}) AS s, ", shared_columns.join(", ")));
        }
        sql.push_str("(VALUES ");
        params.reserve(self.rows * per_row.len());
        for n in 0..self.rows {
            if n > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&row);
            for values in &mut per_row {
                params.push(values.next().expect("a value for every row"));
            }
        }
        sql.push_str(") AS v");
        sql.push_str(&Self::returning_clause(returning));
        Statement::from_sql_and_values(DatabaseBackend::Sqlite, sql, params)
    }

    /// PostgreSQL's `INSERT … SELECT … FROM (SELECT unnest($1) AS c0, …)`: each column's
    /// values as one array, unpacked in a select list, where the arrays advance together row by
    /// row (`FROM UNNEST(…)` would first copy every row into a tuple store). A column with
    /// NULLs also sends a boolean array saying which, since sea-query's arrays cannot hold
    /// NULL. A column every row shares is one scalar parameter.
    fn unnest(self, returning: &[<A::Entity as EntityTrait>::Column]) -> Statement {
        let mut params = Vec::new();
        let mut unpacked = Vec::new();
        let mut selected = Vec::new();
        for (i, (values, kind)) in self.values.into_iter().zip(self.kinds).enumerate() {
            let mut values = match values {
                ColumnValues::Same(value) => {
                    params.push(value);
                    unpacked.push(format!("${} AS c{i}", params.len()));
                    selected.push(format!("c{i}"));
                    continue;
                }
                ColumnValues::PerRow(values) => values,
            };
            let nulls: Option<Vec<Value>> = values
                .iter()
                .any(is_null)
                .then(|| values.iter().map(|v| Value::Bool(Some(is_null(v)))).collect());
            for value in values.iter_mut().filter(|v| is_null(v)) {
                *value = value.dummy_value();
            }
            params.push(Value::Array(kind, Some(Box::new(values))));
            unpacked.push(format!("unnest(${}) AS c{i}", params.len()));
            if let Some(nulls) = nulls {
                params.push(Value::Array(ArrayType::Bool, Some(Box::new(nulls))));
                unpacked.push(format!("unnest(${}) AS n{i}", params.len()));
                selected.push(format!("CASE WHEN n{i} THEN NULL ELSE c{i} END"));
            } else {
                selected.push(format!("c{i}"));
            }
        }
        let sql = format!(
            "INSERT INTO {} ({}) SELECT {} FROM (SELECT {}) AS u{}",
            Self::table(),
            Self::names(&self.columns),
            selected.join(", "),
            unpacked.join(", "),
            Self::returning_clause(returning),
        );
        Statement::from_sql_and_values(DatabaseBackend::Postgres, sql, params)
    }
}

/// `value` as bound to SQLite: a date as the text SQLite stores, `YYYY-MM-DD`, which sqlx
/// would write through chrono's `format("%F")`, parsing the format for every value (an eighth
/// of the planning thread of a first ledger import). Any other value as it is.
fn sqlite_value(value: Value) -> Value {
    match value {
        Value::ChronoDate(Some(date)) => match date_text(date) {
            Some(text) => Value::String(Some(text)),
            None => Value::ChronoDate(Some(date)),
        },
        other => other,
    }
}

/// `date` as `YYYY-MM-DD`, for the years 0 to 9999 (where chrono's `%F` writes the same);
/// `None` for others. Written digit by digit: `format!` cost a tenth of the bulk load's
/// statement building, once for every date of every row.
fn date_text(date: NaiveDate) -> Option<String> {
    let year = u32::try_from(date.year()).ok().filter(|y| *y <= 9999)?;
    let digit = |n: u32| char::from(b'0' + (n % 10) as u8);
    let mut text = String::with_capacity(10);
    text.extend([digit(year / 1000), digit(year / 100), digit(year / 10), digit(year)]);
    text.push('-');
    text.extend([digit(date.month() / 10), digit(date.month())]);
    text.push('-');
    text.extend([digit(date.day() / 10), digit(date.day())]);
    Some(text)
}

/// Whether `value` is a NULL: matched directly for the types a column here holds (this runs
/// for every value of a PostgreSQL load), compared with its type's NULL for any other.
fn is_null(value: &Value) -> bool {
    match value {
        Value::Bool(v) => v.is_none(),
        Value::SmallInt(v) => v.is_none(),
        Value::Int(v) => v.is_none(),
        Value::BigInt(v) => v.is_none(),
        Value::String(v) => v.is_none(),
        Value::ChronoDate(v) => v.is_none(),
        Value::ChronoDateTimeUtc(v) => v.is_none(),
        Value::Decimal(v) => v.is_none(),
        other => *other == other.as_null(),
    }
}

/// The array types sea-query binds as PostgreSQL arrays (of those a column may hold here);
/// any other column sends `VALUES`.
fn has_postgres_array(kind: &ArrayType) -> bool {
    matches!(
        kind,
        ArrayType::Bool
            | ArrayType::SmallInt
            | ArrayType::Int
            | ArrayType::BigInt
            | ArrayType::String
            | ArrayType::ChronoDate
            | ArrayType::ChronoDateTimeUtc
            | ArrayType::Decimal
    )
}

/// Ids for the new rows of a table whose key is `id`, handed out before the rows are inserted
/// so that a bulk load can build every statement before the one ahead of it has run.
/// PostgreSQL takes them from the table's sequence, a query per [`NewIds::take`], which may run
/// on any connection (a sequence is not transactional), so a load takes them outside its
/// transaction rather than wait behind its own statements. On SQLite, where the load's
/// transaction holds the only writer, they follow the highest id the table had used when the
/// load began (`AUTOINCREMENT` keeps that in `sqlite_sequence`, and never gives an id twice),
/// counted on here without a query: statements queued but not yet run would not be seen by
/// one.
pub struct NewIds {
    table: String,
    /// SQLite: the next id to hand out.
    next: Option<i64>,
}

impl NewIds {
    /// Starts handing out ids of `E`; call it before any row of `E` of the load is inserted.
    pub async fn start<E: EntityTrait>(db: &impl ConnectionTrait) -> Result<Self, DbErr> {
        let table = <E as Default>::default().table_name().to_owned();
        let backend = db.get_database_backend();
        if backend == DatabaseBackend::Postgres {
            return Ok(Self { table, next: None });
        }
        let statement = Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT MAX(last) AS last FROM (SELECT COALESCE(MAX(id), 0) AS last FROM {} \
                 UNION ALL SELECT seq FROM sqlite_sequence WHERE name = $1)",
                quoted(&table)
            ),
            [table.clone().into()],
        );
        let last: i64 = db
            .query_one_raw(statement)
            .await?
            .ok_or_else(|| DbErr::Custom("no ids were reserved".into()))?
            .try_get("", "last")?;
        Ok(Self {
            table,
            next: Some(last + 1),
        })
    }

    /// Ids for the next `count` rows, ascending.
    pub async fn take(&mut self, db: &impl ConnectionTrait, count: usize) -> Result<Vec<i32>, DbErr> {
        if count == 0 {
            return Ok(Vec::new());
        }
        let wanted = i64::try_from(count).map_err(|e| DbErr::Custom(e.to_string()))?;
        let Some(next) = &mut self.next else {
            let statement = Statement::from_sql_and_values(
                DatabaseBackend::Postgres,
                "SELECT array_agg(nextval(pg_get_serial_sequence($1, 'id'))::int4 ORDER BY n) AS ids \
                 FROM generate_series(1, $2) AS n",
                [self.table.clone().into(), wanted.into()],
            );
            let row = db
                .query_one_raw(statement)
                .await?
                .ok_or_else(|| DbErr::Custom("no ids were reserved".into()))?;
            return row.try_get("", "ids");
        };
        let first = *next;
        *next += wanted;
        (first..first + wanted)
            .map(|id| i32::try_from(id).map_err(|e| DbErr::Custom(format!("{} ran out of ids: {e}", self.table))))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_bound_as_sqlx_writes_them() {
        let mut date = NaiveDate::from_ymd_opt(0, 1, 1).expect("a date");
        let last = NaiveDate::from_ymd_opt(9999, 12, 31).expect("a date");
        while date < last {
            assert_eq!(date_text(date), Some(date.format("%F").to_string()), "{date:?}");
            date = date + chrono::Days::new(97);
        }
        for date in [last, NaiveDate::from_ymd_opt(2024, 2, 29).expect("a leap day")] {
            assert_eq!(date_text(date), Some(date.format("%F").to_string()));
        }
        for outside in [
            NaiveDate::from_ymd_opt(-1, 12, 31),
            NaiveDate::from_ymd_opt(10_000, 1, 1),
        ] {
            let outside = outside.expect("a date");
            assert_eq!(date_text(outside), None);
            assert_eq!(sqlite_value(Value::from(outside)), Value::from(outside), "left to sqlx");
        }
        let date = NaiveDate::from_ymd_opt(2026, 3, 9).expect("a date");
        assert_eq!(sqlite_value(Value::from(date)), Value::from("2026-03-09"));
        assert_eq!(sqlite_value(Value::ChronoDate(None)), Value::ChronoDate(None));
    }

    #[test]
    fn nulls_are_told_as_their_type_would() {
        let values = [
            Value::from(true),
            Value::from(2_i16),
            Value::from(3_i32),
            Value::from(4_i64),
            Value::from("text"),
            Value::from(NaiveDate::from_ymd_opt(2026, 3, 9).expect("a date")),
            Value::from(chrono::DateTime::<chrono::Utc>::UNIX_EPOCH),
            Value::from(rust_decimal::Decimal::new(12345, 2)),
            Value::from(1.5_f64),
            Value::from(serde_json::json!({"a": 1})),
        ];
        for value in values {
            assert!(!is_null(&value), "{value:?}");
            let null = value.as_null();
            assert!(is_null(&null), "{null:?}");
        }
    }
}
