//! District-wide settings (one row, seeded with the defaults `src/domain/kpi.md` names), and
//! the indexes the KPI queries rely on beyond those of the projects and fundings tables.

use sea_orm_migration::{prelude::*, schema::*};

use crate::defaults;
use crate::m20261122_000002_create_users::Users;
use crate::m20261122_000004_create_projects::Projects;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Settings {
    Table,
    Id,
    DefaultProductionMonths,
    DefaultFullProductionMonths,
    WarningRedOverdueDays,
    WarningDueSoonDays,
    WarningFundsPercent,
    LeagueWeightSignRate,
    LeagueWeightFundsArrivalRate,
    LeagueWeightProductionEffectivenessRate,
    LeagueWeightTargetCompletion,
    UpdatedAt,
    UpdatedBy,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Settings::Table)
                    .col(integer(Settings::Id).primary_key())
                    .col(integer(Settings::DefaultProductionMonths))
                    .col(integer(Settings::DefaultFullProductionMonths))
                    .col(integer(Settings::WarningRedOverdueDays))
                    .col(integer(Settings::WarningDueSoonDays))
                    .col(integer(Settings::WarningFundsPercent))
                    .col(integer(Settings::LeagueWeightSignRate))
                    .col(integer(Settings::LeagueWeightFundsArrivalRate))
                    .col(integer(Settings::LeagueWeightProductionEffectivenessRate))
                    .col(integer(Settings::LeagueWeightTargetCompletion))
                    .col(timestamp_with_time_zone(Settings::UpdatedAt))
                    .col(integer_null(Settings::UpdatedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_settings_updated_by")
                            .from(Settings::Table, Settings::UpdatedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        // The defaults (`crate::defaults`, written out in src/domain/kpi.md): production 24
        // months after signing, full production 12 months after production start, red beyond
        // 90 days overdue, yellow within 30 days, funds below half of the time-proportional
        // share, equal league weights.
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(Settings::Table)
                    .columns([
                        Settings::Id,
                        Settings::DefaultProductionMonths,
                        Settings::DefaultFullProductionMonths,
                        Settings::WarningRedOverdueDays,
                        Settings::WarningDueSoonDays,
                        Settings::WarningFundsPercent,
                        Settings::LeagueWeightSignRate,
                        Settings::LeagueWeightFundsArrivalRate,
                        Settings::LeagueWeightProductionEffectivenessRate,
                        Settings::LeagueWeightTargetCompletion,
                        Settings::UpdatedAt,
                    ])
                    .values_panic([
                        1.into(),
                        defaults::DEFAULT_PRODUCTION_MONTHS.into(),
                        defaults::DEFAULT_FULL_PRODUCTION_MONTHS.into(),
                        defaults::WARNING_RED_OVERDUE_DAYS.into(),
                        defaults::WARNING_DUE_SOON_DAYS.into(),
                        defaults::WARNING_FUNDS_PERCENT.into(),
                        defaults::LEAGUE_WEIGHT_SIGN_RATE.into(),
                        defaults::LEAGUE_WEIGHT_FUNDS_ARRIVAL_RATE.into(),
                        defaults::LEAGUE_WEIGHT_PRODUCTION_EFFECTIVENESS_RATE.into(),
                        defaults::LEAGUE_WEIGHT_TARGET_COMPLETION.into(),
                        Expr::current_timestamp(),
                    ])
                    .to_owned(),
            )
            .await?;
        // The KPI queries read dates and a few keys of many projects: this covering index
        // serves the projects signed in a period or by `as_of` (signed_on range) and the sign
        // rate's denominator (signed_on IS NULL OR ≥ from, a multi-index OR) without touching
        // the table.
        manager
            .create_index(
                Index::create()
                    .name("idx_projects_kpi_dates")
                    .table(Projects::Table)
                    .col(Projects::SignedOn)
                    .col(Projects::NegotiatingOn)
                    .col(Projects::TerminatedOn)
                    .col(Projects::StartedOn)
                    .col(Projects::ProducingOn)
                    .col(Projects::EffectiveOn)
                    .col(Projects::TeamId)
                    .col(Projects::ClusterId)
                    .col(Projects::ParkId)
                    .to_owned(),
            )
            .await?;
        // Projects that started construction or production in a period (the bulletin's counts).
        for (name, col) in [
            ("idx_projects_started_on", Projects::StartedOn),
            ("idx_projects_producing_on", Projects::ProducingOn),
        ] {
            manager
                .create_index(Index::create().name(name).table(Projects::Table).col(col).to_owned())
                .await?;
        }
        // The sign rate's cohort basis: negotiation began in the period (a project signed
        // without a negotiation date negotiates from its signing date). The same expression
        // index on both databases.
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE INDEX idx_projects_negotiation_began ON projects ((COALESCE(negotiating_on, signed_on)))",
        )
        .await?;
        // The contract terms every production and warning query joins, covered.
        db.execute_unprepared(
            "CREATE INDEX idx_contracts_kpi_terms ON contracts (project_id, promised_production_on, \
             promised_full_production_on, promised_start_on, contracted_investment_yuan)",
        )
        .await?;
        // Per-project sums of counted funds by a date, covered.
        db.execute_unprepared(
            "CREATE INDEX idx_fundings_project_counted ON fundings (project_id, arrived_on, counted, amount_yuan)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table) in [
            ("idx_projects_kpi_dates", "projects"),
            ("idx_projects_started_on", "projects"),
            ("idx_projects_producing_on", "projects"),
            ("idx_projects_negotiation_began", "projects"),
            ("idx_contracts_kpi_terms", "contracts"),
            ("idx_fundings_project_counted", "fundings"),
        ] {
            manager
                .drop_index(Index::drop().name(name).table(Alias::new(table)).to_owned())
                .await?;
        }
        manager
            .drop_table(Table::drop().table(Settings::Table).to_owned())
            .await
    }
}
