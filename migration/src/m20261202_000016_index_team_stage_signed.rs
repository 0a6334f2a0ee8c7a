//! The project list's commonest page — one team's projects at one stage in signing order —
//! read from an index in that order: `(team_id, stage)` became `(team_id, stage, signed_on)`.
//! Without it, each page fetched and sorted every matching row (about 775 for one team's
//! signed projects at 100,000 projects) to return twenty.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Projects {
    Table,
    TeamId,
    Stage,
    SignedOn,
}

const OLD: &str = "idx_projects_team_stage";
const NEW: &str = "idx_projects_team_stage_signed";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(NEW)
                    .table(Projects::Table)
                    .col(Projects::TeamId)
                    .col(Projects::Stage)
                    .col(Projects::SignedOn)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(Index::drop().name(OLD).table(Projects::Table).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(OLD)
                    .table(Projects::Table)
                    .col(Projects::TeamId)
                    .col(Projects::Stage)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(Index::drop().name(NEW).table(Projects::Table).to_owned())
            .await
    }
}
