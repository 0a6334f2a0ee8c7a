//! The audit trail, and passwords for people who sign in through the Swagger UI.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000002_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    RecordedAt,
    UserId,
    Entity,
    EntityId,
    ProjectId,
    Action,
    Changes,
    Reason,
}

#[derive(DeriveIden)]
enum PasswordHash {
    #[sea_orm(iden = "password_hash")]
    Column,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(pk_auto(AuditLog::Id))
                    .col(timestamp_with_time_zone(AuditLog::RecordedAt))
                    .col(integer_null(AuditLog::UserId))
                    .col(string_len(AuditLog::Entity, 32))
                    .col(integer(AuditLog::EntityId))
                    .col(integer_null(AuditLog::ProjectId))
                    .col(string_len(AuditLog::Action, 32))
                    .col(text(AuditLog::Changes))
                    .col(text_null(AuditLog::Reason))
                    .to_owned(),
            )
            .await?;
        // No foreign keys: the trail outlives the records it describes.
        for (name, cols) in [
            ("idx_audit_log_entity", vec![AuditLog::Entity, AuditLog::EntityId]),
            ("idx_audit_log_project", vec![AuditLog::ProjectId]),
            ("idx_audit_log_user", vec![AuditLog::UserId]),
            ("idx_audit_log_recorded_at", vec![AuditLog::RecordedAt]),
        ] {
            let mut index = Index::create();
            index.name(name).table(AuditLog::Table);
            for col in cols {
                index.col(col);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(string_len_null(PasswordHash::Column, 200))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(PasswordHash::Column)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(AuditLog::Table).to_owned())
            .await
    }
}
