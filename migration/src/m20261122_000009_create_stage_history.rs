//! Stage history: every stage move of a project, appended in the move's transaction.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000002_create_users::Users;
use crate::m20261122_000004_create_projects::Projects;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum StageHistory {
    Table,
    Id,
    ProjectId,
    FromStage,
    ToStage,
    EffectiveOn,
    UserId,
    RecordedAt,
    Reason,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StageHistory::Table)
                    .col(pk_auto(StageHistory::Id))
                    .col(integer(StageHistory::ProjectId))
                    .col(string_len_null(StageHistory::FromStage, 16))
                    .col(string_len(StageHistory::ToStage, 16))
                    .col(date(StageHistory::EffectiveOn))
                    .col(integer_null(StageHistory::UserId))
                    .col(timestamp_with_time_zone(StageHistory::RecordedAt))
                    .col(text_null(StageHistory::Reason))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_stage_history_project")
                            .from(StageHistory::Table, StageHistory::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_stage_history_user")
                            .from(StageHistory::Table, StageHistory::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_stage_history_project")
                    .table(StageHistory::Table)
                    .col(StageHistory::ProjectId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(StageHistory::Table).to_owned())
            .await
    }
}
