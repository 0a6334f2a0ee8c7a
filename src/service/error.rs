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
    /// Too many failed attempts; try later.
    #[error("{0}")]
    TooManyAttempts(String),
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

impl From<DbErr> for ServiceError {
    /// Constraint violations are the caller's doing and say so; anything else is ours.
    fn from(err: DbErr) -> Self {
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
