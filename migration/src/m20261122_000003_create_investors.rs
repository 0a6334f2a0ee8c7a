//! Investors: the companies behind projects.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Investors {
    Table,
    Id,
    Name,
    CreditCode,
    OriginRegion,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Investors::Table)
                    .col(pk_auto(Investors::Id))
                    .col(string_len(Investors::Name, 200))
                    .col(string_len_null(Investors::CreditCode, 18).unique_key())
                    .col(string_len_null(Investors::OriginRegion, 100))
                    .col(timestamp_with_time_zone(Investors::CreatedAt))
                    .col(timestamp_with_time_zone(Investors::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_investors_name")
                    .table(Investors::Table)
                    .col(Investors::Name)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Investors::Table).to_owned())
            .await
    }
}
