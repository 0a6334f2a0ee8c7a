//! Fund arrivals: each payment that reached a project.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000004_create_projects::Projects;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Fundings {
    Table,
    Id,
    ProjectId,
    ArrivedOn,
    AmountYuan,
    Kind,
    Counted,
    Note,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Fundings::Table)
                    .col(pk_auto(Fundings::Id))
                    .col(integer(Fundings::ProjectId))
                    .col(date(Fundings::ArrivedOn))
                    .col(big_integer(Fundings::AmountYuan))
                    .col(string_len(Fundings::Kind, 24))
                    .col(boolean(Fundings::Counted))
                    .col(text_null(Fundings::Note))
                    .col(timestamp_with_time_zone(Fundings::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_fundings_project")
                            .from(Fundings::Table, Fundings::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_fundings_project_arrived")
                    .table(Fundings::Table)
                    .col(Fundings::ProjectId)
                    .col(Fundings::ArrivedOn)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_fundings_arrived")
                    .table(Fundings::Table)
                    .col(Fundings::ArrivedOn)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Fundings::Table).to_owned())
            .await
    }
}
