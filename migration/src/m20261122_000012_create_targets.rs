//! Yearly targets per task force: one row per (year, team), each measure optional.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000001_create_reference::Teams;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Targets {
    Table,
    Id,
    Year,
    TeamId,
    ProjectsSigned,
    ContractedInvestmentYuan,
    FundsArrivedYuan,
    ProjectsStarted,
    ProjectsProducing,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Targets::Table)
                    .col(pk_auto(Targets::Id))
                    .col(integer(Targets::Year))
                    .col(integer(Targets::TeamId))
                    .col(integer_null(Targets::ProjectsSigned))
                    .col(big_integer_null(Targets::ContractedInvestmentYuan))
                    .col(big_integer_null(Targets::FundsArrivedYuan))
                    .col(integer_null(Targets::ProjectsStarted))
                    .col(integer_null(Targets::ProjectsProducing))
                    .col(timestamp_with_time_zone(Targets::CreatedAt))
                    .col(timestamp_with_time_zone(Targets::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_targets_team")
                            .from(Targets::Table, Targets::TeamId)
                            .to(Teams::Table, Teams::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_targets_year_team")
                    .table(Targets::Table)
                    .col(Targets::Year)
                    .col(Targets::TeamId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Targets::Table).to_owned()).await
    }
}
