//! Kept facts: what target progress and `statistics` are computed from,
//! maintained in the same transaction as every write (see
//! `service::aggregates`).
//!
//! - `org_fact`: one row per cooperative, union and group: where it is,
//!   the key of its discrete facts and the figures that are summed;
//! - `ward_fact`: per ward and fact key, how many organisations and the sums
//!   of their figures (the counters a province's figures add up);
//! - `fact_state`: one row once both were built from the registry; absent
//!   on a migrated database until the first read builds them.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OrgFact {
    Table,
    Kind,
    OrgId,
    WardId,
    ProvinceId,
    UnionId,
    FactKey,
    Members,
    MemberCooperatives,
    IncomeWeight,
    IncomeMembers,
}

#[derive(DeriveIden)]
enum WardFact {
    Table,
    WardId,
    ProvinceId,
    FactKey,
    N,
    Members,
    MemberCooperatives,
    IncomeWeight,
    IncomeMembers,
}

#[derive(DeriveIden)]
enum FactState {
    Table,
    Id,
    BuiltAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OrgFact::Table)
                    .col(ColumnDef::new(OrgFact::Kind).integer().not_null())
                    .col(ColumnDef::new(OrgFact::OrgId).big_integer().not_null())
                    .col(ColumnDef::new(OrgFact::WardId).integer().not_null())
                    .col(ColumnDef::new(OrgFact::ProvinceId).integer().not_null())
                    .col(ColumnDef::new(OrgFact::UnionId).big_integer().null())
                    .col(ColumnDef::new(OrgFact::FactKey).string_len(200).not_null())
                    .col(ColumnDef::new(OrgFact::Members).big_integer().not_null())
                    .col(ColumnDef::new(OrgFact::MemberCooperatives).big_integer().not_null())
                    .col(ColumnDef::new(OrgFact::IncomeWeight).big_integer().not_null())
                    .col(ColumnDef::new(OrgFact::IncomeMembers).big_integer().not_null())
                    .primary_key(Index::create().col(OrgFact::Kind).col(OrgFact::OrgId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WardFact::Table)
                    .col(ColumnDef::new(WardFact::WardId).integer().not_null())
                    .col(ColumnDef::new(WardFact::ProvinceId).integer().not_null())
                    .col(ColumnDef::new(WardFact::FactKey).string_len(200).not_null())
                    .col(ColumnDef::new(WardFact::N).big_integer().not_null())
                    .col(ColumnDef::new(WardFact::Members).big_integer().not_null())
                    .col(ColumnDef::new(WardFact::MemberCooperatives).big_integer().not_null())
                    .col(ColumnDef::new(WardFact::IncomeWeight).big_integer().not_null())
                    .col(ColumnDef::new(WardFact::IncomeMembers).big_integer().not_null())
                    .primary_key(Index::create().col(WardFact::WardId).col(WardFact::FactKey))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_ward_fact_province")
                    .table(WardFact::Table)
                    .col(WardFact::ProvinceId)
                    .col(WardFact::FactKey)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FactState::Table)
                    .col(ColumnDef::new(FactState::Id).integer().not_null().primary_key())
                    .col(ColumnDef::new(FactState::BuiltAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(FactState::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(WardFact::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(OrgFact::Table).to_owned()).await
    }
}
