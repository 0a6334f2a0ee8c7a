//! Import runs: the history of ledger imports (who, when, which file, with which options,
//! what came of it and the full report), including dry runs and rejected attempts.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000002_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ImportRuns {
    Table,
    Id,
    UserId,
    Username,
    FileName,
    FileBytes,
    DryRun,
    Status,
    AsOf,
    CreateMissing,
    AllowBackward,
    RowsRead,
    Created,
    Updated,
    Unchanged,
    Skipped,
    Errors,
    Report,
    StartedAt,
    FinishedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ImportRuns::Table)
                    .col(pk_auto(ImportRuns::Id))
                    .col(integer_null(ImportRuns::UserId))
                    .col(string_len(ImportRuns::Username, 64))
                    .col(string_len(ImportRuns::FileName, 255))
                    .col(big_integer(ImportRuns::FileBytes))
                    .col(boolean(ImportRuns::DryRun))
                    .col(string_len(ImportRuns::Status, 16))
                    .col(date_null(ImportRuns::AsOf))
                    .col(boolean(ImportRuns::CreateMissing))
                    .col(boolean(ImportRuns::AllowBackward))
                    .col(integer(ImportRuns::RowsRead))
                    .col(integer(ImportRuns::Created))
                    .col(integer(ImportRuns::Updated))
                    .col(integer(ImportRuns::Unchanged))
                    .col(integer(ImportRuns::Skipped))
                    .col(integer(ImportRuns::Errors))
                    .col(text(ImportRuns::Report))
                    .col(timestamp_with_time_zone(ImportRuns::StartedAt))
                    .col(timestamp_with_time_zone(ImportRuns::FinishedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_import_runs_user")
                            .from(ImportRuns::Table, ImportRuns::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_import_runs_started_at")
                    .table(ImportRuns::Table)
                    .col(ImportRuns::StartedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ImportRuns::Table).to_owned())
            .await
    }
}
