//! A follow-up's next step can be marked done (`done_on`, the date it was done), so the
//! follow-ups still due can be listed across projects (`GET /activities?due_before=`); an
//! index on the due date serves that list.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Activities {
    Table,
    DoneOn,
    DueOn,
}

const DUE_INDEX: &str = "idx_activities_due_on";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Activities::Table)
                    .add_column(date_null(Activities::DoneOn).to_owned())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(DUE_INDEX)
                    .table(Activities::Table)
                    .col(Activities::DueOn)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(DUE_INDEX).table(Activities::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Activities::Table)
                    .drop_column(Activities::DoneOn)
                    .to_owned(),
            )
            .await
    }
}
