//! Queries and transactions, one module per aggregate. Every function takes a connection (or
//! a transaction) and domain values; HTTP lives in `api`, rules in `domain`.

pub mod audit;
pub mod auth;
pub mod bulletin;
pub mod demo;
pub mod duplicates;
pub mod error;
pub mod export;
pub mod import;
pub mod investors;
pub mod kpi;
pub mod lifecycle;
pub mod projects;
pub mod publications;
pub mod records;
pub mod reference;
pub mod report;
pub mod settings;
pub mod targets;
pub mod users;
pub mod versioned;

pub use error::{FieldError, Problems, ServiceError, ServiceResult, Words};

use chrono::{DateTime, Utc};

/// The signed-in user on whose behalf a change is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i32,
    pub username: String,
    pub role: entity::enums::Role,
    pub team_id: Option<i32>,
}

impl Actor {
    /// What this user may do.
    pub fn principal(&self) -> crate::domain::access::Principal {
        crate::domain::access::Principal {
            role: self.role,
            team_id: self.team_id,
        }
    }
}

/// The time a change is recorded at.
pub fn now() -> DateTime<Utc> {
    Utc::now()
}

/// Trims a text field, turning blank into `None`.
pub fn clean(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

/// Reads one page of a query: `page` is 1-based.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub page: u64,
    pub per_page: u64,
}

impl PageRequest {
    pub fn offset(&self) -> u64 {
        (self.page.max(1) - 1) * self.per_page
    }
}
