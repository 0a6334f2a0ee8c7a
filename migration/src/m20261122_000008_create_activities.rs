//! Follow-up activities: visits, calls, negotiations and events on a project.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000002_create_users::Users;
use crate::m20261122_000004_create_projects::Projects;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Activities {
    Table,
    Id,
    ProjectId,
    OccurredOn,
    Kind,
    People,
    Summary,
    NextStep,
    DueOn,
    RecordedBy,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Activities::Table)
                    .col(pk_auto(Activities::Id))
                    .col(integer(Activities::ProjectId))
                    .col(date(Activities::OccurredOn))
                    .col(string_len(Activities::Kind, 16))
                    .col(text_null(Activities::People))
                    .col(text(Activities::Summary))
                    .col(text_null(Activities::NextStep))
                    .col(date_null(Activities::DueOn))
                    .col(integer_null(Activities::RecordedBy))
                    .col(timestamp_with_time_zone(Activities::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_activities_project")
                            .from(Activities::Table, Activities::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_activities_user")
                            .from(Activities::Table, Activities::RecordedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_activities_project_date")
                    .table(Activities::Table)
                    .col(Activities::ProjectId)
                    .col(Activities::OccurredOn)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Activities::Table).to_owned())
            .await
    }
}
