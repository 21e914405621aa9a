//! Lease fencing of the sync outbox: every claim writes a fresh token on
//! the row, and a worker's progress saves and settlement only take effect
//! while the row still carries the token it was given (a delivery that
//! outlived its lease, and was claimed again, cannot commit a second time).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SyncOutbox {
    Table,
    LeaseToken,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(SyncOutbox::Table)
                    .add_column(ColumnDef::new(SyncOutbox::LeaseToken).string_len(64).null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(SyncOutbox::Table).drop_column(SyncOutbox::LeaseToken).to_owned())
            .await
    }
}
