//! Bulletins (月通报, 季亮晒, 周督查): the settings gain the issuing unit and the title of each
//! kind of bulletin, and `publications` keeps every published bulletin frozen — the document's
//! bytes as published, the figures it stated (JSON), its period, as-of date, version, who
//! published it and when. A publication is never changed; a corrected one is a new version.

use sea_orm_migration::{prelude::*, schema::*};

use crate::defaults;
use crate::m20261122_000002_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Settings {
    Table,
    BulletinIssuer,
    BulletinTitleMonthly,
    BulletinTitleQuarterly,
    BulletinTitleWeekly,
}

#[derive(DeriveIden)]
enum Publications {
    Table,
    Id,
    Kind,
    PeriodKey,
    Version,
    PeriodFrom,
    PeriodTo,
    AsOf,
    Title,
    Reason,
    Figures,
    Document,
    DocumentSha256,
    PublishedBy,
    PublishedByName,
    PublishedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column a statement: SQLite alters one thing at a time.
        for (column, default) in [
            (Settings::BulletinIssuer, defaults::BULLETIN_ISSUER),
            (Settings::BulletinTitleMonthly, defaults::BULLETIN_TITLE_MONTHLY),
            (Settings::BulletinTitleQuarterly, defaults::BULLETIN_TITLE_QUARTERLY),
            (Settings::BulletinTitleWeekly, defaults::BULLETIN_TITLE_WEEKLY),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Settings::Table)
                        .add_column(string_len(column, 100).default(default).to_owned())
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(Publications::Table)
                    .col(pk_auto(Publications::Id))
                    .col(string_len(Publications::Kind, 16))
                    .col(string_len(Publications::PeriodKey, 16))
                    .col(integer(Publications::Version))
                    .col(date(Publications::PeriodFrom))
                    .col(date(Publications::PeriodTo))
                    .col(date(Publications::AsOf))
                    .col(string_len(Publications::Title, 200))
                    .col(text_null(Publications::Reason))
                    .col(text(Publications::Figures))
                    .col(blob(Publications::Document))
                    .col(string_len(Publications::DocumentSha256, 64))
                    .col(integer_null(Publications::PublishedBy))
                    .col(string_len(Publications::PublishedByName, 64))
                    .col(timestamp_with_time_zone(Publications::PublishedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Publications::Table, Publications::PublishedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_publications_kind_period_version")
                    .table(Publications::Table)
                    .col(Publications::Kind)
                    .col(Publications::PeriodKey)
                    .col(Publications::Version)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Publications::Table).to_owned())
            .await?;
        for column in [
            Settings::BulletinTitleWeekly,
            Settings::BulletinTitleQuarterly,
            Settings::BulletinTitleMonthly,
            Settings::BulletinIssuer,
        ] {
            manager
                .alter_table(Table::alter().table(Settings::Table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
