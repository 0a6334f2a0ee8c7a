//! Contract terms: one agreement per signed project.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000004_create_projects::Projects;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Contracts {
    Table,
    Id,
    ProjectId,
    AgreementType,
    SignedOn,
    ContractedInvestmentYuan,
    PromisedStartOn,
    PromisedProductionOn,
    PromisedFullProductionOn,
    PromisedOutputValueYuan,
    PromisedTaxYuan,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Contracts::Table)
                    .col(pk_auto(Contracts::Id))
                    .col(integer_uniq(Contracts::ProjectId))
                    .col(string_len(Contracts::AgreementType, 16))
                    .col(date(Contracts::SignedOn))
                    .col(big_integer(Contracts::ContractedInvestmentYuan))
                    .col(date_null(Contracts::PromisedStartOn))
                    .col(date_null(Contracts::PromisedProductionOn))
                    .col(date_null(Contracts::PromisedFullProductionOn))
                    .col(big_integer_null(Contracts::PromisedOutputValueYuan))
                    .col(big_integer_null(Contracts::PromisedTaxYuan))
                    .col(timestamp_with_time_zone(Contracts::CreatedAt))
                    .col(timestamp_with_time_zone(Contracts::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_contracts_project")
                            .from(Contracts::Table, Contracts::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Contracts::Table).to_owned())
            .await
    }
}
