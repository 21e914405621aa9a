//! The audit trail (append-only, enforced by triggers), the ordered change
//! log behind the change feed, and idempotency receipts of mutations.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditEvent {
    Table,
    Id,
    At,
    Subject,
    Role,
    Province,
    RequestId,
    Operation,
    EntityKind,
    EntityId,
    Outcome,
    BeforeDigest,
    AfterDigest,
    Detail,
}

#[derive(DeriveIden)]
enum ChangeEvent {
    Table,
    Sequence,
    At,
    Kind,
    EntityKind,
    EntityId,
    ProvinceCode,
    Version,
}

#[derive(DeriveIden)]
enum MutationReceipt {
    Table,
    Id,
    Subject,
    ClientMutationId,
    Operation,
    InputDigest,
    EntityKind,
    EntityId,
    CreatedAt,
}

const PG_APPEND_ONLY: &str = r#"
CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_event is append-only';
END $$;
CREATE TRIGGER audit_event_no_update BEFORE UPDATE OR DELETE ON audit_event
  FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
  FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();
"#;

const SQLITE_APPEND_ONLY: [&str; 2] = [
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditEvent::Table)
                    .col(ColumnDef::new(AuditEvent::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(AuditEvent::At).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(AuditEvent::Subject).string_len(200).not_null())
                    .col(ColumnDef::new(AuditEvent::Role).string_len(32).not_null())
                    .col(ColumnDef::new(AuditEvent::Province).string_len(2).null())
                    .col(ColumnDef::new(AuditEvent::RequestId).string_len(100).not_null())
                    .col(ColumnDef::new(AuditEvent::Operation).string_len(64).not_null())
                    .col(ColumnDef::new(AuditEvent::EntityKind).string_len(32).null())
                    .col(ColumnDef::new(AuditEvent::EntityId).big_integer().null())
                    .col(ColumnDef::new(AuditEvent::Outcome).string_len(16).not_null())
                    .col(ColumnDef::new(AuditEvent::BeforeDigest).string_len(64).null())
                    .col(ColumnDef::new(AuditEvent::AfterDigest).string_len(64).null())
                    .col(ColumnDef::new(AuditEvent::Detail).text().null())
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("ix_audit_event_at", AuditEvent::At),
            ("ix_audit_event_subject", AuditEvent::Subject),
            ("ix_audit_event_entity", AuditEvent::EntityId),
        ] {
            manager.create_index(Index::create().name(name).table(AuditEvent::Table).col(col).to_owned()).await?;
        }
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(PG_APPEND_ONLY).await?;
            }
            _ => {
                for t in SQLITE_APPEND_ONLY {
                    db.execute_unprepared(t).await?;
                }
            }
        }

        manager
            .create_table(
                Table::create()
                    .table(ChangeEvent::Table)
                    .col(ColumnDef::new(ChangeEvent::Sequence).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(ChangeEvent::At).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(ChangeEvent::Kind).string_len(32).not_null())
                    .col(ColumnDef::new(ChangeEvent::EntityKind).string_len(32).not_null())
                    .col(ColumnDef::new(ChangeEvent::EntityId).big_integer().not_null())
                    .col(ColumnDef::new(ChangeEvent::ProvinceCode).string_len(2).not_null())
                    .col(ColumnDef::new(ChangeEvent::Version).integer().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_change_event_province")
                    .table(ChangeEvent::Table)
                    .col(ChangeEvent::ProvinceCode)
                    .col(ChangeEvent::Sequence)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MutationReceipt::Table)
                    .col(ColumnDef::new(MutationReceipt::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(MutationReceipt::Subject).string_len(200).not_null())
                    .col(ColumnDef::new(MutationReceipt::ClientMutationId).string_len(200).not_null())
                    .col(ColumnDef::new(MutationReceipt::Operation).string_len(64).not_null())
                    .col(ColumnDef::new(MutationReceipt::InputDigest).string_len(64).not_null())
                    .col(ColumnDef::new(MutationReceipt::EntityKind).string_len(32).not_null())
                    .col(ColumnDef::new(MutationReceipt::EntityId).big_integer().not_null())
                    .col(ColumnDef::new(MutationReceipt::CreatedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_mutation_receipt_subject_key")
                    .table(MutationReceipt::Table)
                    .col(MutationReceipt::Subject)
                    .col(MutationReceipt::ClientMutationId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(MutationReceipt::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(ChangeEvent::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(AuditEvent::Table).to_owned()).await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            manager.get_connection().execute_unprepared("DROP FUNCTION IF EXISTS audit_event_append_only()").await?;
        }
        Ok(())
    }
}
