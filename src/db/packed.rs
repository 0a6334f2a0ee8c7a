//! Whole tables read fast: the database packs the rows into JSON arrays (`json_group_array`
//! on SQLite, `json_agg` on PostgreSQL), one chunk of rows per result row, and serde unpacks
//! them into the entity's models. The drivers hand rows over one at a time (sqlx's SQLite
//! worker thread sends each one through a channel, and sea-orm looks each column up by
//! name), which made reading the 100,000 projects of a district for an import take seconds.
//!
//! For callers: the entity's serde names must be its column names (sea-orm's derived models
//! are), and it must have no boolean column (SQLite returns 0 and 1, which serde does not take
//! as a `bool`); read such tables through sea-orm. Rows come in no promised order: sort them.
//! Use it for reads of many rows, where a query per row or a row-by-row driver hand-off costs;
//! a single row gains little.

use std::str::FromStr;

use sea_orm::sea_query::Values;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, IdenStatic, Iterable, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Select, Statement,
};
use serde::de::DeserializeOwned;

/// Rows per packed chunk of [`all_rows`]: a few megabytes of JSON.
const CHUNK: u64 = 10_000;

/// The rows `select` finds, read as one packed value. Only for entities without boolean
/// columns: SQLite keeps those as 0 and 1, which serde does not read as a `bool`. The rows
/// come in the order the database aggregated them, which follows `select`'s order in practice
/// but is not promised: callers that need an order sort.
pub async fn rows<E>(db: &impl ConnectionTrait, select: Select<E>) -> Result<Vec<E::Model>, DbErr>
where
    E: EntityTrait,
    E::Model: DeserializeOwned,
{
    let columns: Vec<String> = E::Column::iter().map(|c| c.as_str().to_owned()).collect();
    rows_as(db, select, &columns).await
}

/// The rows of any query whose result columns are `columns`, read as one packed value into
/// `T` (a struct with those fields). The same caveats as [`rows`].
pub async fn rows_as<T: DeserializeOwned>(
    db: &impl ConnectionTrait,
    query: impl QueryTrait,
    columns: &[String],
) -> Result<Vec<T>, DbErr> {
    let backend = db.get_database_backend();
    let inner = query.build(backend);
    let sql = packed_select(backend, &inner.sql, columns)?;
    read(db, sql, inner.values).await
}

/// Every row of `E`'s table in order of its integer primary key `id`, which `id_of` reads
/// back from a model; read in packed chunks ([`rows`]).
pub async fn all_rows<E>(db: &impl ConnectionTrait, id_of: fn(&E::Model) -> i32) -> Result<Vec<E::Model>, DbErr>
where
    E: EntityTrait,
    E::Model: DeserializeOwned,
{
    let id =
        E::Column::from_str("id").map_err(|_| DbErr::Custom(format!("{} has no id", E::default().table_name())))?;
    // Sized up front: growing by doubling left a quarter of 100,000 projects' room unused.
    let count: Option<i64> = E::find()
        .select_only()
        .column_as(id.count(), "n")
        .into_tuple()
        .one(db)
        .await?;
    let mut all = Vec::with_capacity(count.and_then(|n| usize::try_from(n).ok()).unwrap_or(0));
    let mut after = 0;
    loop {
        let select = E::find().filter(id.gt(after)).order_by_asc(id).limit(CHUNK);
        let mut chunk = rows(db, select).await?;
        chunk.sort_by_key(id_of);
        let full = chunk.len() as u64 == CHUNK;
        if let Some(last) = chunk.last() {
            after = id_of(last);
        }
        all.extend(chunk);
        if !full {
            return Ok(all);
        }
    }
}

/// Reads the one JSON text value `sql` (with its bound `values`) selects — see [`object_of`],
/// [`object`] and [`array_of`] to build it — into a list of `T`; no row or a NULL is an empty
/// list.
pub async fn read<T: DeserializeOwned>(
    db: &impl ConnectionTrait,
    sql: String,
    values: Option<Values>,
) -> Result<Vec<T>, DbErr> {
    let backend = db.get_database_backend();
    let statement = match values {
        Some(values) => Statement::from_sql_and_values(backend, sql, values),
        None => Statement::from_string(backend, sql),
    };
    Ok(read_statement(db, statement).await?.unwrap_or_default())
}

/// Reads the one JSON text value `sql` (with its bound `values`) selects — one row packed by
/// [`object`] and given as text by [`as_text`] — into a `T`; `None` for no row or a NULL.
pub async fn read_one<T: DeserializeOwned>(
    db: &impl ConnectionTrait,
    sql: String,
    values: Values,
) -> Result<Option<T>, DbErr> {
    let statement = Statement::from_sql_and_values(db.get_database_backend(), sql, values);
    read_statement(db, statement).await
}

async fn read_statement<T: DeserializeOwned>(
    db: &impl ConnectionTrait,
    statement: Statement,
) -> Result<Option<T>, DbErr> {
    let packed: Option<String> = match db.query_one_raw(statement).await? {
        Some(row) => row.try_get_by_index(0)?,
        None => None,
    };
    packed
        .map(|json| {
            serde_json::from_str(&json).map_err(|e| DbErr::Custom(format!("packed rows could not be read: {e}")))
        })
        .transpose()
}

/// The SQL of the JSON value `json` (built by [`object`]) as text, which [`read_one`] reads:
/// SQLite's JSON already is; PostgreSQL's is cast.
pub fn as_text(backend: DatabaseBackend, json: &str) -> Result<String, DbErr> {
    match backend {
        DatabaseBackend::Sqlite => Ok(json.to_owned()),
        DatabaseBackend::Postgres => Ok(format!("({json})::text")),
        other => Err(unsupported(other)),
    }
}

/// The error for a backend packed reads are not written for (SQLite and PostgreSQL are).
pub fn unsupported(backend: DatabaseBackend) -> DbErr {
    DbErr::Custom(format!("packed reads are not written for {backend:?}"))
}

/// The SQL of a JSON object holding the row of `E`'s table under the alias `alias` (every
/// column by its name), or JSON null when the row is absent (a LEFT JOIN found none: its `id`
/// is NULL). Same caveat about booleans as [`rows`].
pub fn object_of<E: EntityTrait>(backend: DatabaseBackend, alias: &str) -> Result<String, DbErr> {
    match backend {
        DatabaseBackend::Sqlite => {
            let pairs = column_pairs(&format!("{alias}."), E::Column::iter().map(|c| c.as_str()));
            // `json()` keeps the object JSON (not text) through the CASE.
            Ok(format!(
                "json(CASE WHEN {alias}.\"id\" IS NULL THEN NULL ELSE json_object({pairs}) END)"
            ))
        }
        DatabaseBackend::Postgres => Ok(format!(
            "CASE WHEN {alias}.\"id\" IS NULL THEN NULL ELSE to_json({alias}) END"
        )),
        other => Err(unsupported(other)),
    }
}

/// The SQL of a JSON object of the named SQL values `fields`.
pub fn object(backend: DatabaseBackend, fields: &[(&str, String)]) -> Result<String, DbErr> {
    let pairs = fields
        .iter()
        .map(|(name, value)| format!("'{}', {value}", name.replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(", ");
    match backend {
        DatabaseBackend::Sqlite => Ok(format!("json_object({pairs})")),
        DatabaseBackend::Postgres => Ok(format!("json_build_object({pairs})")),
        other => Err(unsupported(other)),
    }
}

/// The SQL of a JSON array of the SQL values `values`, which serde reads into a struct whose
/// fields come in the same order.
pub fn tuple(backend: DatabaseBackend, values: &[String]) -> Result<String, DbErr> {
    let values = values.join(", ");
    match backend {
        DatabaseBackend::Sqlite => Ok(format!("json_array({values})")),
        DatabaseBackend::Postgres => Ok(format!("json_build_array({values})")),
        other => Err(unsupported(other)),
    }
}

/// The SQL of the aggregate packing `item` (a JSON value per row) into one JSON array, as
/// text, in the order `order_by`.
pub fn array_of(backend: DatabaseBackend, item: &str, order_by: &str) -> Result<String, DbErr> {
    match backend {
        DatabaseBackend::Sqlite => Ok(format!("json_group_array({item} ORDER BY {order_by})")),
        DatabaseBackend::Postgres => Ok(format!("json_agg({item} ORDER BY {order_by})::text")),
        other => Err(unsupported(other)),
    }
}

/// SQLite's `json_object` arguments for `columns`: each one's name and its value, the column
/// read through `qualifier` (`""` or `"alias."`).
fn column_pairs<'a>(qualifier: &str, columns: impl Iterator<Item = &'a str>) -> String {
    columns
        .map(|c| format!("'{}', {qualifier}\"{}\"", c.replace('\'', "''"), c.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `inner` (a SELECT of `columns`) with its rows packed into one JSON array of objects.
fn packed_select(backend: DatabaseBackend, inner: &str, columns: &[String]) -> Result<String, DbErr> {
    match backend {
        DatabaseBackend::Sqlite => {
            let pairs = column_pairs("", columns.iter().map(String::as_str));
            Ok(format!("SELECT json_group_array(json_object({pairs})) FROM ({inner})"))
        }
        DatabaseBackend::Postgres => Ok(format!("SELECT json_agg(t)::text FROM ({inner}) t")),
        other => Err(unsupported(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_statements_pack_every_column_of_the_inner_select() {
        let columns = ["id".to_owned(), "name".to_owned()];
        let inner = "SELECT \"id\", \"name\" FROM \"projects\" WHERE \"id\" > ?";
        let sqlite = packed_select(DatabaseBackend::Sqlite, inner, &columns).unwrap();
        assert_eq!(
            sqlite,
            format!("SELECT json_group_array(json_object('id', \"id\", 'name', \"name\")) FROM ({inner})")
        );
        let postgres = packed_select(DatabaseBackend::Postgres, "SELECT 1", &columns).unwrap();
        assert_eq!(postgres, "SELECT json_agg(t)::text FROM (SELECT 1) t");
    }
}
