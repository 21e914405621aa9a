//! Targets (chỉ tiêu) of the plans, and progress figures reported from
//! outside the registry.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Target {
    Table,
    Id,
    JurisdictionId,
    Year,
    Indicator,
    Scope,
    Comparator,
    Value,
    Min,
    Max,
    Unit,
    WithinIndicator,
    SourceDocument,
    Note,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TargetProgressReport {
    Table,
    Id,
    TargetId,
    Actual,
    AsOf,
    Note,
    Subject,
    ReportedAt,
}

#[derive(DeriveIden)]
enum AdministrativeUnit {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Target::Table)
                    .col(ColumnDef::new(Target::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(Target::JurisdictionId).integer().not_null())
                    .col(ColumnDef::new(Target::Year).integer().not_null())
                    .col(ColumnDef::new(Target::Indicator).string_len(48).not_null())
                    .col(ColumnDef::new(Target::Scope).string_len(32).not_null())
                    .col(ColumnDef::new(Target::Comparator).string_len(16).not_null())
                    .col(ColumnDef::new(Target::Value).double().null())
                    .col(ColumnDef::new(Target::Min).double().null())
                    .col(ColumnDef::new(Target::Max).double().null())
                    .col(ColumnDef::new(Target::Unit).string_len(16).not_null())
                    // '' when the target is not "within" another indicator, so the unique key holds.
                    .col(ColumnDef::new(Target::WithinIndicator).string_len(48).not_null().default(""))
                    .col(ColumnDef::new(Target::SourceDocument).string_len(300).not_null())
                    .col(ColumnDef::new(Target::Note).text().null())
                    .col(ColumnDef::new(Target::Version).integer().not_null().default(1))
                    .col(ColumnDef::new(Target::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Target::UpdatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Target::Table, Target::JurisdictionId)
                            .to(AdministrativeUnit::Table, AdministrativeUnit::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_target_key")
                    .table(Target::Table)
                    .col(Target::JurisdictionId)
                    .col(Target::Year)
                    .col(Target::Indicator)
                    .col(Target::Scope)
                    .col(Target::WithinIndicator)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TargetProgressReport::Table)
                    .col(
                        ColumnDef::new(TargetProgressReport::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(TargetProgressReport::TargetId).big_integer().not_null())
                    .col(ColumnDef::new(TargetProgressReport::Actual).double().not_null())
                    .col(ColumnDef::new(TargetProgressReport::AsOf).date().not_null())
                    .col(ColumnDef::new(TargetProgressReport::Note).text().null())
                    .col(ColumnDef::new(TargetProgressReport::Subject).string_len(200).not_null())
                    .col(ColumnDef::new(TargetProgressReport::ReportedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(TargetProgressReport::Table, TargetProgressReport::TargetId)
                            .to(Target::Table, Target::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_target_progress_report_target")
                    .table(TargetProgressReport::Table)
                    .col(TargetProgressReport::TargetId)
                    .col(TargetProgressReport::AsOf)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(TargetProgressReport::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Target::Table).to_owned()).await
    }
}
