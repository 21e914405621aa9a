//! The member register of cooperatives (danh sách thành viên), and since
//! when a cooperative has been below the legal minimum of official members.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Member {
    Table,
    Id,
    CooperativeId,
    Kind,
    #[sea_orm(iden = "member_type")]
    Standing,
    Name,
    Gender,
    IdNumber,
    CapitalContribution,
    JoinedOn,
    LeftOn,
    LeftReason,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Cooperative {
    Table,
    Id,
    BelowLegalMinimumSince,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Member::Table)
                    .col(ColumnDef::new(Member::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(Member::CooperativeId).big_integer().not_null())
                    .col(ColumnDef::new(Member::Kind).string_len(16).not_null())
                    .col(ColumnDef::new(Member::Standing).string_len(32).not_null())
                    .col(ColumnDef::new(Member::Name).string_len(300).not_null())
                    .col(ColumnDef::new(Member::Gender).string_len(8).null())
                    .col(ColumnDef::new(Member::IdNumber).string_len(20).null())
                    .col(ColumnDef::new(Member::CapitalContribution).big_integer().null())
                    .col(ColumnDef::new(Member::JoinedOn).date().not_null())
                    .col(ColumnDef::new(Member::LeftOn).date().null())
                    .col(ColumnDef::new(Member::LeftReason).text().null())
                    .col(ColumnDef::new(Member::Version).integer().not_null().default(1))
                    .col(ColumnDef::new(Member::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Member::UpdatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Member::Table, Member::CooperativeId)
                            .to(Cooperative::Table, Cooperative::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_member_cooperative")
                    .table(Member::Table)
                    .col(Member::CooperativeId)
                    .col(Member::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Cooperative::Table)
                    .add_column(ColumnDef::new(Cooperative::BelowLegalMinimumSince).date().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(Cooperative::Table).drop_column(Cooperative::BelowLegalMinimumSince).to_owned(),
            )
            .await?;
        manager.drop_table(Table::drop().table(Member::Table).to_owned()).await
    }
}
