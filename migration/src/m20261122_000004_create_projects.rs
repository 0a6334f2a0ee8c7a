//! Projects, with the date each stage was reached and a version for optimistic locking.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000001_create_reference::{Clusters, Parks, Teams};
use crate::m20261122_000002_create_users::Users;
use crate::m20261122_000003_create_investors::Investors;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Projects {
    Table,
    Id,
    Code,
    Name,
    InvestorId,
    ClusterId,
    ParkId,
    TeamId,
    OwnerId,
    SponsoringLeader,
    Source,
    PlannedInvestmentYuan,
    LandAreaCentimu,
    Stage,
    LeadOn,
    NegotiatingOn,
    SignedOn,
    StartedOn,
    ProducingOn,
    EffectiveOn,
    TerminatedOn,
    RegisteredOn,
    RegisteredCapitalYuan,
    LandSuppliedOn,
    Progress,
    Issues,
    Notes,
    Version,
    CreatedAt,
    UpdatedAt,
}

fn fk(
    name: &str,
    col: Projects,
    table: impl IntoIden,
    id: impl IntoIden,
    action: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(Projects::Table, col)
        .to(table, id)
        .on_delete(action)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Projects::Table)
                    .col(pk_auto(Projects::Id))
                    .col(string_len_uniq(Projects::Code, 64))
                    .col(string_len(Projects::Name, 200))
                    .col(integer_null(Projects::InvestorId))
                    .col(integer_null(Projects::ClusterId))
                    .col(integer_null(Projects::ParkId))
                    .col(integer(Projects::TeamId))
                    .col(integer_null(Projects::OwnerId))
                    .col(string_len_null(Projects::SponsoringLeader, 50))
                    .col(string_len_null(Projects::Source, 100))
                    .col(big_integer_null(Projects::PlannedInvestmentYuan))
                    .col(big_integer_null(Projects::LandAreaCentimu))
                    .col(string_len(Projects::Stage, 16))
                    .col(date_null(Projects::LeadOn))
                    .col(date_null(Projects::NegotiatingOn))
                    .col(date_null(Projects::SignedOn))
                    .col(date_null(Projects::StartedOn))
                    .col(date_null(Projects::ProducingOn))
                    .col(date_null(Projects::EffectiveOn))
                    .col(date_null(Projects::TerminatedOn))
                    .col(date_null(Projects::RegisteredOn))
                    .col(big_integer_null(Projects::RegisteredCapitalYuan))
                    .col(date_null(Projects::LandSuppliedOn))
                    .col(text_null(Projects::Progress))
                    .col(text_null(Projects::Issues))
                    .col(text_null(Projects::Notes))
                    .col(integer(Projects::Version).default(1))
                    .col(timestamp_with_time_zone(Projects::CreatedAt))
                    .col(timestamp_with_time_zone(Projects::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_projects_investor",
                        Projects::InvestorId,
                        Investors::Table,
                        Investors::Id,
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "fk_projects_cluster",
                        Projects::ClusterId,
                        Clusters::Table,
                        Clusters::Id,
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "fk_projects_park",
                        Projects::ParkId,
                        Parks::Table,
                        Parks::Id,
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "fk_projects_team",
                        Projects::TeamId,
                        Teams::Table,
                        Teams::Id,
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "fk_projects_owner",
                        Projects::OwnerId,
                        Users::Table,
                        Users::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("idx_projects_team_stage", vec![Projects::TeamId, Projects::Stage]),
            ("idx_projects_cluster", vec![Projects::ClusterId]),
            ("idx_projects_park", vec![Projects::ParkId]),
            ("idx_projects_investor", vec![Projects::InvestorId]),
            ("idx_projects_signed_on", vec![Projects::SignedOn]),
            ("idx_projects_negotiating_on", vec![Projects::NegotiatingOn]),
            ("idx_projects_name", vec![Projects::Name]),
        ] {
            let mut index = Index::create();
            index.name(name).table(Projects::Table);
            for col in cols {
                index.col(col);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Projects::Table).to_owned())
            .await
    }
}
