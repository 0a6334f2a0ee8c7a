//! The error of the service layer: what went wrong in domain terms, never an HTTP status.

use sea_orm::{DbErr, SqlErr};

/// A problem with one field of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
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
    Conflict { message: String, details: Vec<FieldError> },
    /// The input is well-formed but breaks a rule (a date in the future, a negative amount,
    /// an impossible stage move); `details` names the fields.
    #[error("{message}")]
    Invalid { message: String, details: Vec<FieldError> },
    /// The caller may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The credentials are wrong.
    #[error("{0}")]
    Unauthenticated(String),
    /// Too many failed attempts; try again after `retry_after` seconds.
    #[error("{message}")]
    TooManyAttempts { message: String, retry_after: u32 },
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

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        let message = message.into();
        let field = field.into();
        Self::Invalid {
            message: format!("{field}: {message}"),
            details: vec![FieldError { field, message }],
        }
    }

    pub fn invalid_fields(details: Vec<FieldError>) -> Self {
        let message = details
            .iter()
            .map(|d| format!("{}: {}", d.field, d.message))
            .collect::<Vec<_>>()
            .join("; ");
        Self::Invalid { message, details }
    }

    pub fn conflict(field: impl Into<String>, message: impl Into<String>) -> Self {
        let message = message.into();
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
    /// Constraint violations are the caller's doing and say so; a busy database says to try
    /// again; anything else is ours.
    fn from(err: DbErr) -> Self {
        if is_busy(&err) {
            tracing::warn!(error = %err, "the database was busy");
            return Self::Busy;
        }
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(detail)) => Self::Conflict {
                message: format!("a record with the same unique value exists ({detail})"),
                details: vec![],
            },
            Some(SqlErr::ForeignKeyConstraintViolation(detail)) => Self::Invalid {
                message: format!("the record refers to, or is referred to by, another record ({detail})"),
                details: vec![],
            },
            // SQLite reports an `ON DELETE RESTRICT` refusal as SQLITE_CONSTRAINT_TRIGGER (1811),
            // which sea-orm does not classify.
            _ if err.to_string().contains("FOREIGN KEY constraint failed") => Self::Invalid {
                message: "the record refers to, or is referred to by, another record".into(),
                details: vec![],
            },
            _ => Self::Db(err),
        }
    }
}

/// Collects field errors while checking input, and fails once with all of them.
#[derive(Debug, Default)]
pub struct Problems(Vec<FieldError>);

impl Problems {
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    pub fn check<T, E: std::fmt::Display>(&mut self, field: &str, result: Result<T, E>) -> Option<T> {
        result.map_err(|e| self.add(field, e.to_string())).ok()
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
        Self::Forbidden(denied.to_string())
    }
}
