//! Whole tables read fast: the database packs the rows into JSON arrays (`json_group_array`
//! on SQLite, `json_agg` on PostgreSQL), one chunk of rows per result row, and serde unpacks
//! them into the entity's models. The drivers hand rows over one at a time (sqlx's SQLite
//! worker thread sends each one through a channel, and sea-orm looks each column up by
//! name), which made reading the 100,000 projects of a district for an import take seconds.

use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, IdenStatic, Iterable, Statement};
use serde::de::DeserializeOwned;

/// Rows per packed chunk: a few megabytes of JSON.
const CHUNK: i32 = 10_000;

/// Every row of `E`'s table in order of its integer primary key `id`, which `id_of` reads
/// back from a model. Only for tables without boolean columns: SQLite keeps those as 0 and 1,
/// which serde does not read as a `bool`.
pub async fn all_rows<E>(db: &impl ConnectionTrait, id_of: fn(&E::Model) -> i32) -> Result<Vec<E::Model>, DbErr>
where
    E: EntityTrait,
    E::Model: DeserializeOwned,
{
    let backend = db.get_database_backend();
    let table = E::default().table_name().to_owned();
    let columns: Vec<String> = E::Column::iter().map(|c| c.as_str().to_owned()).collect();
    let sql = packed_select(backend, &table, &columns)?;
    let mut rows = Vec::new();
    let mut after = 0;
    loop {
        let statement = Statement::from_sql_and_values(backend, sql.clone(), [after.into()]);
        let packed: Option<String> = match db.query_one_raw(statement).await? {
            Some(row) => row.try_get_by_index(0)?,
            None => None,
        };
        let mut chunk: Vec<E::Model> = match packed {
            Some(json) => serde_json::from_str(&json)
                .map_err(|e| DbErr::Custom(format!("the packed rows of {table} could not be read: {e}")))?,
            None => Vec::new(),
        };
        // json_group_array keeps the subquery's order in practice, but promises nothing.
        chunk.sort_by_key(id_of);
        let full = chunk.len() == CHUNK as usize;
        if let Some(last) = chunk.last() {
            after = id_of(last);
        }
        rows.extend(chunk);
        if !full {
            return Ok(rows);
        }
    }
}

/// The statement reading one chunk of `table`, with the last id read as its one parameter.
fn packed_select(backend: DatabaseBackend, table: &str, columns: &[String]) -> Result<String, DbErr> {
    let quoted = |c: &str| format!("\"{}\"", c.replace('"', "\"\""));
    let list = columns.iter().map(|c| quoted(c)).collect::<Vec<_>>().join(", ");
    let table = quoted(table);
    match backend {
        DatabaseBackend::Sqlite => {
            let pairs = columns
                .iter()
                .map(|c| format!("'{}', {}", c.replace('\'', "''"), quoted(c)))
                .collect::<Vec<_>>()
                .join(", ");
            Ok(format!(
                "SELECT json_group_array(json_object({pairs})) FROM \
                 (SELECT {list} FROM {table} WHERE \"id\" > ? ORDER BY \"id\" LIMIT {CHUNK})"
            ))
        }
        DatabaseBackend::Postgres => Ok(format!(
            "SELECT json_agg(t ORDER BY t.\"id\")::text FROM \
             (SELECT {list} FROM {table} WHERE \"id\" > $1 ORDER BY \"id\" LIMIT {CHUNK}) t"
        )),
        other => Err(DbErr::Custom(format!("packed reads are not written for {other:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_statements_name_every_column_and_page_by_id() {
        let columns = ["id".to_owned(), "name".to_owned()];
        let sqlite = packed_select(DatabaseBackend::Sqlite, "projects", &columns).unwrap();
        assert_eq!(
            sqlite,
            "SELECT json_group_array(json_object('id', \"id\", 'name', \"name\")) FROM \
             (SELECT \"id\", \"name\" FROM \"projects\" WHERE \"id\" > ? ORDER BY \"id\" LIMIT 10000)"
        );
        let postgres = packed_select(DatabaseBackend::Postgres, "projects", &columns).unwrap();
        assert!(postgres.contains("json_agg(t ORDER BY t.\"id\")") && postgres.contains("\"id\" > $1"));
    }
}
