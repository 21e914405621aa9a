//! Tables for administrative units with their dates in force, and the
//! succession between units across a reorganisation.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub(crate) enum AdministrativeUnit {
    Table,
    Id,
    Code,
    Level,
    Name,
    UnitType,
    ParentId,
    ValidFrom,
    ValidTo,
}

#[derive(DeriveIden)]
pub(crate) enum UnitSuccession {
    Table,
    PredecessorId,
    SuccessorId,
    IsPrimary,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AdministrativeUnit::Table)
                    .col(ColumnDef::new(AdministrativeUnit::Id).integer().not_null().primary_key())
                    .col(ColumnDef::new(AdministrativeUnit::Code).string_len(8).not_null())
                    .col(ColumnDef::new(AdministrativeUnit::Level).string_len(16).not_null())
                    .col(ColumnDef::new(AdministrativeUnit::Name).string_len(200).not_null())
                    .col(ColumnDef::new(AdministrativeUnit::UnitType).string_len(32).not_null())
                    .col(ColumnDef::new(AdministrativeUnit::ParentId).integer().null())
                    .col(ColumnDef::new(AdministrativeUnit::ValidFrom).date().null())
                    .col(ColumnDef::new(AdministrativeUnit::ValidTo).date().null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_administrative_unit_parent")
                            .from(AdministrativeUnit::Table, AdministrativeUnit::ParentId)
                            .to(AdministrativeUnit::Table, AdministrativeUnit::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_administrative_unit_level_code_from")
                    .table(AdministrativeUnit::Table)
                    .col(AdministrativeUnit::Level)
                    .col(AdministrativeUnit::Code)
                    .col(AdministrativeUnit::ValidFrom)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_administrative_unit_parent")
                    .table(AdministrativeUnit::Table)
                    .col(AdministrativeUnit::ParentId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(UnitSuccession::Table)
                    .col(ColumnDef::new(UnitSuccession::PredecessorId).integer().not_null())
                    .col(ColumnDef::new(UnitSuccession::SuccessorId).integer().not_null())
                    .col(ColumnDef::new(UnitSuccession::IsPrimary).boolean().not_null())
                    .primary_key(Index::create().col(UnitSuccession::PredecessorId).col(UnitSuccession::SuccessorId))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_unit_succession_predecessor")
                            .from(UnitSuccession::Table, UnitSuccession::PredecessorId)
                            .to(AdministrativeUnit::Table, AdministrativeUnit::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_unit_succession_successor")
                            .from(UnitSuccession::Table, UnitSuccession::SuccessorId)
                            .to(AdministrativeUnit::Table, AdministrativeUnit::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_unit_succession_successor")
                    .table(UnitSuccession::Table)
                    .col(UnitSuccession::SuccessorId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(UnitSuccession::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(AdministrativeUnit::Table).to_owned()).await
    }
}
