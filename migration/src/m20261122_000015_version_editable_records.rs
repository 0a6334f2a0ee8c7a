//! A `version` on every editable record (investors, teams, clusters, parks, users), for
//! optimistic locking as projects already have.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Version {
    #[sea_orm(iden = "version")]
    Column,
}

const TABLES: [&str; 5] = ["investors", "teams", "clusters", "parks", "users"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .add_column(integer(Version::Column).default(1))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .drop_column(Version::Column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
