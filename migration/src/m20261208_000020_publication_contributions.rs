//! A publication keeps each project's contribution to the figures it stated (JSON), so that
//! `GET /api/v1/publications/{id}/changes` can say, project by project, what was corrected
//! since. Null for the publications made before: they compare their figures only.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Publications {
    Table,
    Contributions,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Publications::Table)
                    .add_column(text_null(Publications::Contributions))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Publications::Table)
                    .drop_column(Publications::Contributions)
                    .to_owned(),
            )
            .await
    }
}
