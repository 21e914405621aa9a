//! The sync outbox (rows to deliver to the national systems, written in the
//! same transaction as the change), the pull cursor of the national change
//! feed, and each record's version in the national registry.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SyncOutbox {
    Table,
    Id,
    EntityKind,
    EntityId,
    Operation,
    Payload,
    IdempotencyKey,
    State,
    Attempts,
    NextAttemptAt,
    LeaseUntil,
    LeaseOwner,
    Progress,
    LastError,
    CreatedAt,
    DeliveredAt,
}

#[derive(DeriveIden)]
enum SyncCursor {
    Table,
    Name,
    Position,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Cooperative {
    Table,
    NationalVersion,
}

#[derive(DeriveIden)]
enum CooperativeUnion {
    Table,
    NationalVersion,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SyncOutbox::Table)
                    .col(ColumnDef::new(SyncOutbox::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(SyncOutbox::EntityKind).string_len(32).not_null())
                    .col(ColumnDef::new(SyncOutbox::EntityId).big_integer().not_null())
                    .col(ColumnDef::new(SyncOutbox::Operation).string_len(32).not_null())
                    .col(ColumnDef::new(SyncOutbox::Payload).text().not_null())
                    .col(ColumnDef::new(SyncOutbox::IdempotencyKey).string_len(100).not_null().unique_key())
                    .col(ColumnDef::new(SyncOutbox::State).string_len(16).not_null())
                    .col(ColumnDef::new(SyncOutbox::Attempts).integer().not_null().default(0))
                    .col(ColumnDef::new(SyncOutbox::NextAttemptAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(SyncOutbox::LeaseUntil).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(SyncOutbox::LeaseOwner).string_len(100).null())
                    .col(ColumnDef::new(SyncOutbox::Progress).text().null())
                    .col(ColumnDef::new(SyncOutbox::LastError).text().null())
                    .col(ColumnDef::new(SyncOutbox::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(SyncOutbox::DeliveredAt).timestamp_with_time_zone().null())
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("ix_sync_outbox_state", vec![SyncOutbox::State, SyncOutbox::NextAttemptAt]),
            ("ix_sync_outbox_entity", vec![SyncOutbox::EntityKind, SyncOutbox::EntityId, SyncOutbox::Id]),
        ] {
            let mut idx = Index::create();
            idx.name(name).table(SyncOutbox::Table);
            for c in cols {
                idx.col(c);
            }
            manager.create_index(idx.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(SyncCursor::Table)
                    .col(ColumnDef::new(SyncCursor::Name).string_len(64).not_null().primary_key())
                    .col(ColumnDef::new(SyncCursor::Position).big_integer().not_null())
                    .col(ColumnDef::new(SyncCursor::UpdatedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Cooperative::Table)
                    .add_column(ColumnDef::new(Cooperative::NationalVersion).integer().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(CooperativeUnion::Table)
                    .add_column(ColumnDef::new(CooperativeUnion::NationalVersion).integer().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(CooperativeUnion::Table).drop_column(CooperativeUnion::NationalVersion).to_owned(),
            )
            .await?;
        manager
            .alter_table(Table::alter().table(Cooperative::Table).drop_column(Cooperative::NationalVersion).to_owned())
            .await?;
        manager.drop_table(Table::drop().table(SyncCursor::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(SyncOutbox::Table).to_owned()).await
    }
}
