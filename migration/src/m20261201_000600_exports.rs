//! Bulk exports: the job a caller started (its scope, state and outcome) and
//! the finished file, stored in the database in chunks so that any replica
//! can serve the download and jobs survive a restart.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ExportJob {
    Table,
    Id,
    Subject,
    Role,
    CallerProvince,
    ProvinceCode,
    Format,
    State,
    Rows,
    ConsistentWithSequence,
    Bytes,
    LeaseUntil,
    CreatedAt,
    FinishedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum ExportChunk {
    Table,
    JobId,
    Seq,
    Data,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ExportJob::Table)
                    .col(ColumnDef::new(ExportJob::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(ExportJob::Subject).string_len(200).not_null())
                    .col(ColumnDef::new(ExportJob::Role).string_len(32).not_null())
                    .col(ColumnDef::new(ExportJob::CallerProvince).string_len(2).null())
                    .col(ColumnDef::new(ExportJob::ProvinceCode).string_len(2).null())
                    .col(ColumnDef::new(ExportJob::Format).string_len(8).not_null())
                    .col(ColumnDef::new(ExportJob::State).string_len(16).not_null())
                    .col(ColumnDef::new(ExportJob::Rows).big_integer().null())
                    .col(ColumnDef::new(ExportJob::ConsistentWithSequence).big_integer().null())
                    .col(ColumnDef::new(ExportJob::Bytes).big_integer().null())
                    .col(ColumnDef::new(ExportJob::LeaseUntil).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(ExportJob::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(ExportJob::FinishedAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(ExportJob::ExpiresAt).timestamp_with_time_zone().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_export_job_state")
                    .table(ExportJob::Table)
                    .col(ExportJob::State)
                    .col(ExportJob::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ExportChunk::Table)
                    .col(ColumnDef::new(ExportChunk::JobId).big_integer().not_null())
                    .col(ColumnDef::new(ExportChunk::Seq).integer().not_null())
                    .col(ColumnDef::new(ExportChunk::Data).blob().not_null())
                    .primary_key(Index::create().col(ExportChunk::JobId).col(ExportChunk::Seq))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ExportChunk::Table, ExportChunk::JobId)
                            .to(ExportJob::Table, ExportJob::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ExportChunk::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(ExportJob::Table).to_owned()).await
    }
}
