//! The error of the service layer: what went wrong in domain terms, never an HTTP status. A
//! database's refusal of a statement (a duplicate, a missing reference) becomes the field at
//! fault here, the same on SQLite and PostgreSQL.

//!
//! Every refusal says why in Chinese and in English ([`Words`]), written where the rule
//! refuses; the API answers in the language asked for, the command line in Chinese.

use sea_orm::{DbErr, RuntimeErr, SqlErr, SqlxPostgresError};

use crate::domain::words::Refusal;
pub use crate::domain::words::Words;

/// A problem with one field of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: Words,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: Words) -> Self {
        Self {
            field: field.into(),
            message,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The addressed record does not exist.
    #[error("{what} {id} was not found")]
    NotFound { what: &'static str, id: String },
    /// The change collides with existing data (a duplicate code, a stale version).
    #[error("{message}")]
    Conflict { message: Words, details: Vec<FieldError> },
    /// The input is well-formed but breaks a rule (a date in the future, a negative amount,
    /// an impossible stage move); `details` names the fields.
    #[error("{message}")]
    Invalid { message: Words, details: Vec<FieldError> },
    /// The caller may not do this, and why.
    #[error("{0}")]
    Forbidden(crate::domain::access::Denied),
    /// The credentials are wrong.
    #[error("{0}")]
    Unauthenticated(String),
    /// Too many failed sign-ins for `username`; the next may come at `until`, in
    /// `retry_after` seconds.
    #[error("too many failed sign-ins for `{username}`; try again in {retry_after} seconds")]
    TooManyAttempts {
        username: String,
        until: chrono::DateTime<chrono::Utc>,
        retry_after: u32,
    },
    /// The database could not take the request in time: another write holds it (a long
    /// ledger import on SQLite, another process). Nothing was written; try again shortly.
    #[error("the database is busy with another write; nothing was saved, try again in a few seconds")]
    Busy,
    #[error(transparent)]
    Db(DbErr),
}

pub type ServiceResult<T> = Result<T, ServiceError>;

impl ServiceError {
    pub fn not_found(what: &'static str, id: impl ToString) -> Self {
        Self::NotFound {
            what,
            id: id.to_string(),
        }
    }

    pub fn invalid(field: impl Into<String>, message: Words) -> Self {
        let field = field.into();
        Self::Invalid {
            message: message.about(&field),
            details: vec![FieldError { field, message }],
        }
    }

    /// A refusal of the domain's about `field`.
    pub fn refused(field: impl Into<String>, refusal: &impl Refusal) -> Self {
        Self::invalid(field, Words::of(refusal))
    }

    /// A refusal not about one field.
    pub fn invalid_input(message: Words) -> Self {
        Self::Invalid {
            message,
            details: vec![],
        }
    }

    pub fn invalid_fields(details: Vec<FieldError>) -> Self {
        let about: Vec<Words> = details.iter().map(|d| d.message.about(&d.field)).collect();
        Self::Invalid {
            message: Words::join(&about),
            details,
        }
    }

    /// Whether this is a unique value taken (a duplicate the database refused), not a stale
    /// version.
    pub fn is_duplicate(&self) -> bool {
        matches!(self, Self::Conflict { details, .. } if details.iter().all(|d| d.field != "version"))
    }

    pub fn conflict(field: impl Into<String>, message: Words) -> Self {
        Self::Conflict {
            message: message.clone(),
            details: vec![FieldError::new(field, message)],
        }
    }
}

/// Whether `err` says the database was busy rather than broken: no connection free within the
/// pool's wait, SQLite's lock held past its busy timeout (`SQLITE_BUSY`, `SQLITE_LOCKED` and
/// their extended codes), or PostgreSQL giving up on a lock, a deadlock or a serialisation.
pub fn is_busy(err: &DbErr) -> bool {
    use sea_orm::{ConnAcquireErr, RuntimeErr, sqlx};
    match err {
        DbErr::ConnectionAcquire(ConnAcquireErr::Timeout) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e))
        | DbErr::Conn(RuntimeErr::SqlxError(e)) => {
            match &**e {
                sqlx::Error::PoolTimedOut => true,
                sqlx::Error::Database(db) => {
                    let code = db.code().unwrap_or_default();
                    // SQLite's extended codes keep the primary code in their low byte.
                    let sqlite_busy = code.parse::<u32>().is_ok_and(|c| matches!(c & 0xff, 5 | 6));
                    sqlite_busy || matches!(&*code, "55P03" | "40001" | "40P01")
                }
                _ => false,
            }
        }
        _ => false,
    }
}

impl From<DbErr> for ServiceError {
    /// Constraint violations are the caller's doing and say so, naming the field: a duplicate
    /// is a conflict (409), a missing or still-used reference a broken rule (422), on either
    /// database. Constraint names are the schema's business and never reach a message. A busy
    /// database says to try again; anything else is ours.
    fn from(err: DbErr) -> Self {
        if is_busy(&err) {
            tracing::warn!(error = %err, "the database was busy");
            return Self::Busy;
        }
        match Violation::of(&err) {
            Some(violation) => violation.into(),
            None => Self::Db(err),
        }
    }
}

/// What a statement the database refused broke, in terms of the fields of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Violation {
    /// A unique value taken: the columns of the key, when the database says.
    Unique(Vec<String>),
    /// A reference to a record that does not exist (the referring columns), or a record still
    /// referred to (by the table named).
    ForeignKey {
        fields: Vec<String>,
        referred_by: Option<String>,
    },
    /// A required column left empty.
    NotNull(Option<String>),
    /// A check constraint.
    Check,
    /// A text longer than its column (PostgreSQL; the API's limits keep it from happening).
    TooLong,
    /// A character the database cannot store, such as NUL in PostgreSQL's text (the API's
    /// rules keep it from happening).
    Unstorable,
}

impl Violation {
    fn of(err: &DbErr) -> Option<Self> {
        let (DbErr::Exec(RuntimeErr::SqlxError(cause)) | DbErr::Query(RuntimeErr::SqlxError(cause))) = err else {
            return None;
        };
        let sea_orm::sqlx::Error::Database(cause) = cause.as_ref() else {
            return None;
        };
        if let Some(pg) = cause.try_downcast_ref::<SqlxPostgresError>() {
            let detail = pg.detail().unwrap_or_default();
            return match pg.code() {
                "23505" | "23P01" => Some(Self::Unique(key_columns(detail))),
                "23503" => Some(Self::ForeignKey {
                    fields: key_columns(detail),
                    referred_by: quoted_after(detail, "referenced from table "),
                }),
                "23502" => Some(Self::NotNull(pg.column().map(str::to_owned))),
                "23514" => Some(Self::Check),
                "22001" => Some(Self::TooLong),
                "22021" | "22P05" => Some(Self::Unstorable),
                _ => None,
            };
        }
        // SQLite: "UNIQUE constraint failed: investors.credit_code", "FOREIGN KEY constraint
        // failed" (also for an `ON DELETE RESTRICT` refusal, SQLITE_CONSTRAINT_TRIGGER, which
        // sea-orm does not classify), "NOT NULL constraint failed: projects.name".
        let message = cause.message();
        let columns = || {
            message
                .split_once("constraint failed: ")
                .map(|(_, columns)| {
                    columns
                        .split(", ")
                        .map(|column| column.rsplit('.').next().unwrap_or(column).to_owned())
                        .collect()
                })
                .unwrap_or_default()
        };
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => Some(Self::Unique(columns())),
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => Some(Self::ForeignKey {
                fields: vec![],
                referred_by: None,
            }),
            _ if message.contains("FOREIGN KEY constraint failed") => Some(Self::ForeignKey {
                fields: vec![],
                referred_by: None,
            }),
            _ if message.contains("NOT NULL constraint failed") => Some(Self::NotNull(columns().pop())),
            _ if message.contains("CHECK constraint failed") => Some(Self::Check),
            _ => None,
        }
    }
}

/// The columns of PostgreSQL's "Key (team_id, year)=(3, 2025) already exists."
fn key_columns(detail: &str) -> Vec<String> {
    detail
        .strip_prefix("Key (")
        .and_then(|rest| rest.split_once(")="))
        .map(|(columns, _)| columns.split(", ").map(|c| c.trim_matches('"').to_owned()).collect())
        .unwrap_or_default()
}

/// The quoted name after `marker` in `text`: `projects` in `… referenced from table "projects".`
fn quoted_after(text: &str, marker: &str) -> Option<String> {
    let (_, rest) = text.split_once(marker)?;
    let rest = rest.strip_prefix('"')?;
    rest.split_once('"').map(|(name, _)| name.to_owned())
}

impl From<Violation> for ServiceError {
    fn from(violation: Violation) -> Self {
        let details = |fields: &[String], message: Words| -> Vec<FieldError> {
            fields
                .iter()
                .map(|field| FieldError::new(field, message.clone()))
                .collect()
        };
        match violation {
            Violation::Unique(fields) if fields.is_empty() => Self::Conflict {
                message: Words::new("已有相同唯一值的记录", "a record with the same unique value exists"),
                details: vec![],
            },
            Violation::Unique(fields) => Self::Conflict {
                message: Words::new(
                    format!("已有另一条记录的{}与此相同", fields.join("、")),
                    format!("another record has the same {}", fields.join(" and ")),
                ),
                details: details(
                    &fields,
                    Words::new("已被另一条记录占用", "is already taken by another record"),
                ),
            },
            Violation::ForeignKey {
                referred_by: Some(table),
                ..
            } => Self::invalid_input(Words::new(
                format!("这条记录仍被{table}引用"),
                format!("the record is still referred to by {table}"),
            )),
            Violation::ForeignKey { fields, .. } if fields.is_empty() => Self::invalid_input(Words::new(
                "这条记录引用了另一条记录，或仍被另一条记录引用",
                "the record refers to, or is referred to by, another record",
            )),
            Violation::ForeignKey { fields, .. } => Self::Invalid {
                message: Words::new(
                    format!("{}引用的记录不存在", fields.join("、")),
                    format!("{} refers to a record that does not exist", fields.join(" and ")),
                ),
                details: details(
                    &fields,
                    Words::new("引用的记录不存在", "refers to a record that does not exist"),
                ),
            },
            Violation::NotNull(Some(field)) => Self::invalid(field, Words::new("不能为空", "must not be empty")),
            Violation::NotNull(None) => Self::invalid_input(Words::new("缺少必填的值", "a required value is missing")),
            Violation::Check => Self::invalid_input(Words::new(
                "有一个值违反了已存数据的规则",
                "a value breaks a rule of the stored data",
            )),
            Violation::TooLong => Self::invalid_input(Words::new(
                "有一段文字超过了该字段的长度",
                "a text is longer than its field holds",
            )),
            Violation::Unstorable => Self::invalid_input(Words::new(
                "有一段文字含有无法保存的字符（NUL）",
                "a text holds a character that cannot be stored (NUL)",
            )),
        }
    }
}

/// Collects field errors while checking input, and fails once with all of them.
#[derive(Debug, Default)]
pub struct Problems(Vec<FieldError>);

impl Problems {
    pub fn add(&mut self, field: impl Into<String>, message: Words) {
        self.0.push(FieldError::new(field, message));
    }

    pub fn check<T, E: Refusal>(&mut self, field: &str, result: Result<T, E>) -> Option<T> {
        result.map_err(|e| self.add(field, Words::of(&e))).ok()
    }

    pub fn finish(self) -> ServiceResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ServiceError::invalid_fields(self.0))
        }
    }
}

impl From<crate::domain::access::Denied> for ServiceError {
    fn from(denied: crate::domain::access::Denied) -> Self {
        Self::Forbidden(denied)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgresql_details_name_the_columns() {
        assert_eq!(
            key_columns("Key (credit_code)=(91500000MA5U000001) already exists."),
            ["credit_code"]
        );
        assert_eq!(
            key_columns("Key (team_id, year)=(3, 2025) already exists."),
            ["team_id", "year"]
        );
        assert!(key_columns("Failing row contains (1).").is_empty());
        assert_eq!(
            quoted_after(
                "Key (id)=(3) is still referenced from table \"projects\".",
                "referenced from table "
            ),
            Some("projects".to_owned())
        );
    }

    #[test]
    fn a_duplicate_names_its_field_never_the_constraint() {
        let err = ServiceError::from(Violation::Unique(vec!["credit_code".into()]));
        let ServiceError::Conflict { message, details } = err else {
            panic!("a conflict")
        };
        use crate::domain::words::Lang;
        assert_eq!(message.in_lang(Lang::En), "another record has the same credit_code");
        assert_eq!(message.in_lang(Lang::Zh), "已有另一条记录的credit_code与此相同");
        assert_eq!(
            details,
            [FieldError::new(
                "credit_code",
                Words::new("已被另一条记录占用", "is already taken by another record")
            )]
        );
    }
}
