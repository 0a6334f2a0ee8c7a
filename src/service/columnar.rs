//! Multi-row INSERTs for bulk loads, shaped for each database. SQLite takes rows as bound
//! `VALUES`, as many as its parameter limit allows. PostgreSQL takes one array per column,
//! unpacked by `UNNEST`: the statement's text and parameter count stay the same whatever the
//! number of rows, so the server prepares it once, skips setting up every `VALUES` row, and
//! the client sends each column as one binary array instead of rendering and binding every
//! value on its own. Also the ids such a load reserves for its rows before inserting them.

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
pub fn insert<A>(backend: DatabaseBackend, rows: Vec<A>, returning: &[<A::Entity as EntityTrait>::Column]) -> Statement
where
    A: ActiveModelTrait,
{
    let rows = match backend {
        DatabaseBackend::Postgres => match unnest(rows, returning) {
            Ok(statement) => return statement,
            Err(rows) => rows,
        },
        _ => rows,
    };
    let mut insert: InsertStatement = <A::Entity as EntityTrait>::insert_many(rows).into_query();
    if !returning.is_empty() {
        insert.returning(sea_orm::sea_query::Query::returning().columns(returning.iter().copied()));
    }
    backend.build(&insert)
}

/// `INSERT … SELECT … FROM (SELECT unnest($1) AS c0, …)`: each column's values as one array,
/// unpacked in a select list, where the arrays advance together row by row (`FROM UNNEST(…)`
/// would first copy every row into a tuple store). A column with NULLs also sends a boolean
/// array saying which, since sea-query's arrays cannot hold NULL. The values are moved out of
/// `rows`, not copied. The rows come back untouched when they do not all set the same columns
/// or a column's values have no PostgreSQL array type; the caller then sends `VALUES`.
fn unnest<A: ActiveModelTrait>(
    mut rows: Vec<A>,
    returning: &[<A::Entity as EntityTrait>::Column],
) -> Result<Statement, Vec<A>> {
    let Some(first) = rows.first() else {
        return Err(rows);
    };
    let columns: Vec<_> = <A::Entity as EntityTrait>::Column::iter()
        .filter(|c| !first.is_not_set(*c))
        .collect();
    let kinds: Option<Vec<ArrayType>> = columns
        .iter()
        .map(|c| {
            let kind = first.get(*c).into_value()?.array_type();
            has_postgres_array(&kind).then_some(kind)
        })
        .collect();
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
    let mut values: Vec<Vec<Value>> = columns.iter().map(|_| Vec::with_capacity(count)).collect();
    // A column's NULL flags, from its first NULL on.
    let mut nulls: Vec<Option<Vec<Value>>> = columns.iter().map(|_| None).collect();
    for (n, row) in rows.iter_mut().enumerate() {
        for (i, column) in columns.iter().enumerate() {
            let value = row.take(*column).into_value().expect("every row sets this column");
            let null = is_null(&value);
            if null && nulls[i].is_none() {
                let mut flags = Vec::with_capacity(count);
                flags.resize(n, Value::Bool(Some(false)));
                nulls[i] = Some(flags);
            }
            if let Some(flags) = &mut nulls[i] {
                flags.push(Value::Bool(Some(null)));
            }
            values[i].push(if null { value.dummy_value() } else { value });
        }
    }
    drop(rows);

    let table = <A::Entity as Default>::default().table_name().to_owned();
    let mut params = Vec::new();
    let mut unpacked = Vec::new();
    let mut selected = Vec::new();
    for (i, ((column_values, column_nulls), kind)) in values.into_iter().zip(nulls).zip(kinds).enumerate() {
        params.push(Value::Array(kind, Some(Box::new(column_values))));
        unpacked.push(format!("unnest(${}) AS c{i}", params.len()));
        if let Some(column_nulls) = column_nulls {
            params.push(Value::Array(ArrayType::Bool, Some(Box::new(column_nulls))));
            unpacked.push(format!("unnest(${}) AS n{i}", params.len()));
            selected.push(format!("CASE WHEN n{i} THEN NULL ELSE c{i} END"));
        } else {
            selected.push(format!("c{i}"));
        }
    }
    let names = |columns: &[<A::Entity as EntityTrait>::Column]| {
        columns
            .iter()
            .map(|c| quoted(c.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut sql = format!(
        "INSERT INTO {} ({}) SELECT {} FROM (SELECT {}) AS u",
        quoted(&table),
        names(&columns),
        selected.join(", "),
        unpacked.join(", "),
    );
    if !returning.is_empty() {
        sql.push_str(" RETURNING ");
        sql.push_str(&names(returning));
    }
    Ok(Statement::from_sql_and_values(DatabaseBackend::Postgres, sql, params))
}

fn is_null(value: &Value) -> bool {
    *value == value.as_null()
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

/// Ids for `count` new rows of `E` (a table whose key is `id`), reserved before they are
/// inserted so that a bulk load can build every statement before the one ahead of it has run.
/// PostgreSQL takes them from the table's sequence. On SQLite, where the caller's transaction
/// holds the only writer, they follow the highest id the table has used (`AUTOINCREMENT`
/// keeps that in `sqlite_sequence`, and never gives an id twice).
pub async fn reserve_ids<E: EntityTrait>(db: &impl ConnectionTrait, count: usize) -> Result<Vec<i32>, DbErr> {
    if count == 0 {
        return Ok(Vec::new());
    }
    let table = <E as Default>::default().table_name().to_owned();
    let backend = db.get_database_backend();
    let wanted = i64::try_from(count).map_err(|e| DbErr::Custom(e.to_string()))?;
    if backend == DatabaseBackend::Postgres {
        let statement = Statement::from_sql_and_values(
            backend,
            "SELECT array_agg(nextval(pg_get_serial_sequence($1, 'id'))::int4 ORDER BY n) AS ids \
             FROM generate_series(1, $2) AS n",
            [table.into(), wanted.into()],
        );
        let row = db
            .query_one_raw(statement)
            .await?
            .ok_or_else(|| DbErr::Custom("no ids were reserved".into()))?;
        return row.try_get("", "ids");
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
    (1..=wanted)
        .map(|n| i32::try_from(last + n).map_err(|e| DbErr::Custom(format!("{table} ran out of ids: {e}"))))
        .collect()
}
