//! Import runs say how each run stands and who may read it: a run is recorded as `running`
//! when it starts and updated when it ends (`imported`, `dry_run`, `rejected`, `failed`,
//! `interrupted`), with why it did not import (`code`) and how it ended in words (`message`),
//! and the team its user was in when it started (`team_id`), which decides who reads it.
//! Existing runs get the code and message their stored report holds and their user's team
//! today (no better record of it exists).

use sea_orm_migration::sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ImportRuns {
    Table,
    TeamId,
    Code,
    Message,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column a statement: SQLite alters one thing at a time.
        for column in [
            integer_null(ImportRuns::TeamId),
            string_len_null(ImportRuns::Code, 64),
            text_null(ImportRuns::Message),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ImportRuns::Table)
                        .add_column(column.to_owned())
                        .to_owned(),
                )
                .await?;
        }
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE import_runs SET team_id = (SELECT u.team_id FROM users u WHERE u.id = import_runs.user_id)",
        )
        .await?;
        let from_report = match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                "UPDATE import_runs SET code = (report::jsonb) ->> 'code', message = (report::jsonb) ->> 'message'"
            }
            _ => {
                "UPDATE import_runs SET code = json_extract(report, '$.code'), \
                 message = json_extract(report, '$.message') WHERE json_valid(report)"
            }
        };
        db.execute_unprepared(from_report).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Runs that never ended were rejected as far as the old schema knows.
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE import_runs SET status = 'rejected' WHERE status IN ('running', 'failed', 'interrupted')",
            )
            .await?;
        for column in [ImportRuns::Message, ImportRuns::Code, ImportRuns::TeamId] {
            manager
                .alter_table(Table::alter().table(ImportRuns::Table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
