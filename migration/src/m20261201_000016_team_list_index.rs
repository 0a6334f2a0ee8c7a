//! A task force's projects at one stage in signing order, from the index alone: the list a
//! team opens most (`GET /api/v1/projects?team_id=…&stage=signed&sort=signed_on`) reads its
//! page straight off `(team_id, stage, signed_on)` instead of sorting every matching row.
//! Replaces the `(team_id, stage)` index, which is its prefix.

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
const NEW: &str = "idx_projects_team_stage_signed_on";

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
