//! Output reports: output value and tax a project reported for a period.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000004_create_projects::Projects;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OutputReports {
    Table,
    Id,
    ProjectId,
    PeriodStart,
    PeriodEnd,
    OutputValueYuan,
    TaxYuan,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OutputReports::Table)
                    .col(pk_auto(OutputReports::Id))
                    .col(integer(OutputReports::ProjectId))
                    .col(date(OutputReports::PeriodStart))
                    .col(date(OutputReports::PeriodEnd))
                    .col(big_integer(OutputReports::OutputValueYuan))
                    .col(big_integer(OutputReports::TaxYuan))
                    .col(timestamp_with_time_zone(OutputReports::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_output_reports_project")
                            .from(OutputReports::Table, OutputReports::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_output_reports_project_period")
                    .table(OutputReports::Table)
                    .col(OutputReports::ProjectId)
                    .col(OutputReports::PeriodStart)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OutputReports::Table).to_owned())
            .await
    }
}
