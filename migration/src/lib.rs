//! The schema migrations, one file per step, and the shipped 大足 reference data.

pub use sea_orm_migration::prelude::*;

pub mod defaults;

mod m20261122_000001_create_reference;
mod m20261122_000002_create_users;
mod m20261122_000003_create_investors;
mod m20261122_000004_create_projects;
mod m20261122_000005_create_contracts;
mod m20261122_000006_create_fundings;
mod m20261122_000007_create_output_reports;
mod m20261122_000008_create_activities;
mod m20261122_000009_create_stage_history;
mod m20261122_000010_seed_dazu_reference;
mod m20261122_000011_create_settings;
mod m20261122_000012_create_targets;
mod m20261122_000013_create_imports;
mod m20261122_000014_create_audit_log;
mod m20261122_000015_version_editable_records;
mod m20261204_000016_kpi_covering_indexes;
mod m20261208_000017_import_run_outcome;
mod m20261208_000018_activity_done;
mod m20261208_000019_bulletins;
mod m20261208_000020_publication_contributions;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_create_reference::Migration),
            Box::new(m20261122_000002_create_users::Migration),
            Box::new(m20261122_000003_create_investors::Migration),
            Box::new(m20261122_000004_create_projects::Migration),
            Box::new(m20261122_000005_create_contracts::Migration),
            Box::new(m20261122_000006_create_fundings::Migration),
            Box::new(m20261122_000007_create_output_reports::Migration),
            Box::new(m20261122_000008_create_activities::Migration),
            Box::new(m20261122_000009_create_stage_history::Migration),
            Box::new(m20261122_000010_seed_dazu_reference::Migration),
            Box::new(m20261122_000011_create_settings::Migration),
            Box::new(m20261122_000012_create_targets::Migration),
            Box::new(m20261122_000013_create_imports::Migration),
            Box::new(m20261122_000014_create_audit_log::Migration),
            Box::new(m20261122_000015_version_editable_records::Migration),
            Box::new(m20261204_000016_kpi_covering_indexes::Migration),
            Box::new(m20261208_000017_import_run_outcome::Migration),
            Box::new(m20261208_000018_activity_done::Migration),
            Box::new(m20261208_000019_bulletins::Migration),
            Box::new(m20261208_000020_publication_contributions::Migration),
        ]
    }
}
