//! Indexes for the KPIs, revised. On PostgreSQL, the bulletin's period figures are read from
//! covering indexes alone (index-only scans), which replace the plain date indexes they were
//! read through:
//!
//! - `idx_fundings_counted_arrived`: the counted payments by arrival date, with their project
//!   and amount, for the funds arrived in a period (the bulletin's figure, the funds rates on
//!   the period and target bases, their drill-downs). It replaces `idx_fundings_arrived`, whose
//!   every range query also asks for counted payments only. Over 1,170,000 payments in a
//!   period: 600 ms through the table, 440 ms from the index. A covering index that is not
//!   partial is not chosen.
//! - `idx_projects_started_on`, `idx_projects_producing_on`: the projects that started
//!   construction or production in a period, with the team, cluster and park they are grouped
//!   and filtered by. Over 1,000,000 projects: 100–200 ms through the table, 10 ms.
//!
//! SQLite keeps its indexes: it has no `INCLUDE`, and its plans go through each project's
//! payments instead (see `Dialect::join_in_order`).
//!
//! On both, `idx_fundings_project_arrived (project_id, arrived_on)` goes: it is the first two
//! columns of `idx_fundings_project_counted`, which serves every query it served, and every
//! index adds to each ledger import's time.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The projects' event-date indexes, covered.
const PROJECT_EVENTS: [(&str, &str); 2] = [
    ("idx_projects_started_on", "started_on"),
    ("idx_projects_producing_on", "producing_on"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX idx_fundings_project_arrived").await?;
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        db.execute_unprepared(
            "CREATE INDEX idx_fundings_counted_arrived ON fundings (arrived_on) \
             INCLUDE (project_id, amount_yuan) WHERE counted",
        )
        .await?;
        db.execute_unprepared("DROP INDEX idx_fundings_arrived").await?;
        for (name, column) in PROJECT_EVENTS {
            db.execute_unprepared(&format!("DROP INDEX {name}")).await?;
            db.execute_unprepared(&format!(
                "CREATE INDEX {name} ON projects ({column}) INCLUDE (team_id, cluster_id, park_id)"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("CREATE INDEX idx_fundings_project_arrived ON fundings (project_id, arrived_on)")
            .await?;
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        for (name, column) in PROJECT_EVENTS {
            db.execute_unprepared(&format!("DROP INDEX {name}")).await?;
            db.execute_unprepared(&format!("CREATE INDEX {name} ON projects ({column})"))
                .await?;
        }
        db.execute_unprepared("CREATE INDEX idx_fundings_arrived ON fundings (arrived_on)")
            .await?;
        db.execute_unprepared("DROP INDEX idx_fundings_counted_arrived").await?;
        Ok(())
    }
}
