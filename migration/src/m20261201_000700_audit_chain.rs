//! The audit trail's hash chain: a sequence and hash on every event (the
//! existing rows are chained here, in id order), the chain head every insert
//! locks, signed checkpoints, and the keyed person hash and record province
//! of personal-data reads.

use entity::{audit_chain_head, audit_event};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ActiveModelTrait, DbBackend, EntityTrait, QueryOrder, Set, TransactionTrait};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditEvent {
    Table,
    Seq,
    Hash,
    PersonKey,
    RecordProvince,
}

#[derive(DeriveIden)]
enum AuditChainHead {
    Table,
    Id,
    Seq,
    Hash,
}

#[derive(DeriveIden)]
enum AuditCheckpoint {
    Table,
    Id,
    Seq,
    Hash,
    SignedAt,
    PublicKey,
    Signature,
}

const SQLITE_APPEND_ONLY: [&str; 2] = [
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns = [
            ColumnDef::new(AuditEvent::Seq).big_integer().not_null().default(0).to_owned(),
            ColumnDef::new(AuditEvent::Hash).string_len(64).not_null().default("").to_owned(),
            ColumnDef::new(AuditEvent::PersonKey).string_len(64).null().to_owned(),
            ColumnDef::new(AuditEvent::RecordProvince).string_len(2).null().to_owned(),
        ];
        for mut c in columns {
            manager.alter_table(Table::alter().table(AuditEvent::Table).add_column(&mut c).to_owned()).await?;
        }
        for (name, col) in
            [("ix_audit_event_seq", AuditEvent::Seq), ("ix_audit_event_person_key", AuditEvent::PersonKey)]
        {
            manager.create_index(Index::create().name(name).table(AuditEvent::Table).col(col).to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(AuditChainHead::Table)
                    .col(ColumnDef::new(AuditChainHead::Id).integer().not_null().primary_key())
                    .col(ColumnDef::new(AuditChainHead::Seq).big_integer().not_null())
                    .col(ColumnDef::new(AuditChainHead::Hash).string_len(64).not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditCheckpoint::Table)
                    .col(ColumnDef::new(AuditCheckpoint::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(AuditCheckpoint::Seq).big_integer().not_null())
                    .col(ColumnDef::new(AuditCheckpoint::Hash).string_len(64).not_null())
                    .col(ColumnDef::new(AuditCheckpoint::SignedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(AuditCheckpoint::PublicKey).string_len(64).not_null())
                    .col(ColumnDef::new(AuditCheckpoint::Signature).string_len(128).not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_audit_checkpoint_seq")
                    .table(AuditCheckpoint::Table)
                    .col(AuditCheckpoint::Seq)
                    .to_owned(),
            )
            .await?;

        // Chain the rows written before this migration, in id order. The
        // append-only triggers are lifted for this one backfill only.
        // One transaction on one connection: the trigger changes and the
        // backfill see each other (a pool would spread them over connections).
        let db = manager.get_connection().begin().await?;
        let backend = manager.get_database_backend();
        match backend {
            DbBackend::Postgres => {
                db.execute_unprepared("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update").await?;
            }
            _ => {
                db.execute_unprepared("DROP TRIGGER audit_event_no_update").await?;
                db.execute_unprepared("DROP TRIGGER audit_event_no_delete").await?;
            }
        }
        let rows = audit_event::Entity::find().order_by_asc(audit_event::Column::Id).all(&db).await?;
        let mut previous = audit_event::GENESIS.to_owned();
        let mut seq = 0;
        for mut m in rows {
            seq += 1;
            m.seq = seq;
            m.hash = audit_event::chain_hash(&previous, &m);
            previous = m.hash.clone();
            audit_event::ActiveModel { id: Set(m.id), seq: Set(m.seq), hash: Set(m.hash), ..Default::default() }
                .update(&db)
                .await?;
        }
        match backend {
            DbBackend::Postgres => {
                db.execute_unprepared("ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_update").await?;
            }
            _ => {
                for t in SQLITE_APPEND_ONLY {
                    db.execute_unprepared(t).await?;
                }
            }
        }
        audit_chain_head::ActiveModel { id: Set(1), seq: Set(seq), hash: Set(previous) }.insert(&db).await?;
        db.commit().await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(AuditCheckpoint::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(AuditChainHead::Table).to_owned()).await?;
        for name in ["ix_audit_event_seq", "ix_audit_event_person_key"] {
            manager.drop_index(Index::drop().name(name).table(AuditEvent::Table).to_owned()).await?;
        }
        for col in [AuditEvent::RecordProvince, AuditEvent::PersonKey, AuditEvent::Hash, AuditEvent::Seq] {
            manager.alter_table(Table::alter().table(AuditEvent::Table).drop_column(col).to_owned()).await?;
        }
        Ok(())
    }
}
