//! Reference tables: industry clusters, parks and task forces.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Clusters {
    Table,
    Id,
    Name,
    Category,
    Archived,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub enum Parks {
    Table,
    Id,
    Name,
    Archived,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub enum Teams {
    Table,
    Id,
    Name,
    ClusterId,
    LeadOfficial,
    Archived,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Clusters::Table)
                    .col(pk_auto(Clusters::Id))
                    .col(string_len_uniq(Clusters::Name, 100))
                    .col(string_len_null(Clusters::Category, 50))
                    .col(boolean(Clusters::Archived).default(false))
                    .col(timestamp_with_time_zone(Clusters::CreatedAt))
                    .col(timestamp_with_time_zone(Clusters::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Parks::Table)
                    .col(pk_auto(Parks::Id))
                    .col(string_len_uniq(Parks::Name, 100))
                    .col(boolean(Parks::Archived).default(false))
                    .col(timestamp_with_time_zone(Parks::CreatedAt))
                    .col(timestamp_with_time_zone(Parks::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Teams::Table)
                    .col(pk_auto(Teams::Id))
                    .col(string_len_uniq(Teams::Name, 100))
                    .col(integer_null(Teams::ClusterId))
                    .col(string_len_null(Teams::LeadOfficial, 50))
                    .col(boolean(Teams::Archived).default(false))
                    .col(timestamp_with_time_zone(Teams::CreatedAt))
                    .col(timestamp_with_time_zone(Teams::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_teams_cluster")
                            .from(Teams::Table, Teams::ClusterId)
                            .to(Clusters::Table, Clusters::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_teams_cluster")
                    .table(Teams::Table)
                    .col(Teams::ClusterId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Teams::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Parks::Table).to_owned()).await?;
        manager
            .drop_table(Table::drop().table(Clusters::Table).to_owned())
            .await
    }
}
