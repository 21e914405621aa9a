//! The registry: persons, cooperative unions, cooperatives (with their union
//! membership), cooperative groups and annual reports.

use crate::m20250701_000001_administrative_units::AdministrativeUnit;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Person {
    Table,
    Id,
    FullName,
    Gender,
    IdNumber,
    Phone,
}

/// Columns the three organisation tables share.
#[derive(DeriveIden, Clone, Copy)]
enum Org {
    Id,
    Name,
    NameSearch,
    Status,
    Sector,
    Street,
    WardId,
    ProvinceId,
    HighTech,
    ValueChainLinked,
    LatestRating,
    LatestReportYear,
    Version,
    CreatedAt,
    UpdatedAt,
}

/// Columns of the registered organisations (cooperatives and unions).
#[derive(DeriveIden, Clone, Copy)]
enum RegisteredOrg {
    Code,
    RegisteredOn,
    CharterCapital,
    LegalRepresentativeId,
    TaxSync,
    RegistrySync,
    SyncAttempts,
    SyncLastError,
    LastSyncedAt,
}

#[derive(DeriveIden)]
enum Cooperative {
    Table,
    ForeignName,
    Abbreviation,
    BusinessLines,
    OfficialMembers,
    AssociateMembers,
    DirectorId,
    UnionId,
}

#[derive(DeriveIden)]
enum CooperativeUnion {
    Table,
}

#[derive(DeriveIden)]
enum CooperativeGroup {
    Table,
    EstablishedOn,
    Members,
    RepresentativeId,
}

#[derive(DeriveIden)]
enum AnnualReport {
    Table,
    Id,
    CooperativeId,
    UnionId,
    GroupId,
    Year,
    OfficialMembers,
    AssociateMembers,
    Employees,
    Revenue,
    Profit,
    AverageMemberIncome,
    Rating,
    HighTech,
    ValueChainLinked,
    OcopProducts,
    SubmittedAt,
}

/// The columns every organisation table starts with.
fn organisation_columns(t: &mut TableCreateStatement, table: &str) {
    t.col(ColumnDef::new(Org::Id).big_integer().not_null().auto_increment().primary_key())
        .col(ColumnDef::new(Org::Name).string_len(300).not_null())
        .col(ColumnDef::new(Org::NameSearch).string_len(300).not_null())
        .col(ColumnDef::new(Org::Status).string_len(16).not_null())
        .col(ColumnDef::new(Org::Sector).string_len(32).not_null())
        .col(ColumnDef::new(Org::Street).string_len(300).null())
        .col(ColumnDef::new(Org::WardId).integer().not_null())
        .col(ColumnDef::new(Org::ProvinceId).integer().not_null())
        .col(ColumnDef::new(Org::HighTech).boolean().not_null().default(false))
        .col(ColumnDef::new(Org::ValueChainLinked).boolean().not_null().default(false))
        .col(ColumnDef::new(Org::LatestRating).string_len(16).null())
        .col(ColumnDef::new(Org::LatestReportYear).integer().null())
        .col(ColumnDef::new(Org::Version).integer().not_null().default(1))
        .col(ColumnDef::new(Org::CreatedAt).timestamp_with_time_zone().not_null())
        .col(ColumnDef::new(Org::UpdatedAt).timestamp_with_time_zone().not_null())
        .foreign_key(
            ForeignKey::create()
                .from(Alias::new(table), Org::WardId)
                .to(AdministrativeUnit::Table, AdministrativeUnit::Id),
        )
        .foreign_key(
            ForeignKey::create()
                .from(Alias::new(table), Org::ProvinceId)
                .to(AdministrativeUnit::Table, AdministrativeUnit::Id),
        );
}

/// The columns of a registered organisation (code, registration, sync).
fn registered_columns(t: &mut TableCreateStatement, table: &str) {
    t.col(ColumnDef::new(RegisteredOrg::Code).string_len(14).null().unique_key())
        .col(ColumnDef::new(RegisteredOrg::RegisteredOn).date().null())
        .col(ColumnDef::new(RegisteredOrg::CharterCapital).big_integer().null())
        .col(ColumnDef::new(RegisteredOrg::LegalRepresentativeId).big_integer().null())
        .col(ColumnDef::new(RegisteredOrg::TaxSync).string_len(16).not_null())
        .col(ColumnDef::new(RegisteredOrg::RegistrySync).string_len(16).not_null())
        .col(ColumnDef::new(RegisteredOrg::SyncAttempts).integer().not_null().default(0))
        .col(ColumnDef::new(RegisteredOrg::SyncLastError).text().null())
        .col(ColumnDef::new(RegisteredOrg::LastSyncedAt).timestamp_with_time_zone().null())
        .foreign_key(
            ForeignKey::create()
                .from(Alias::new(table), RegisteredOrg::LegalRepresentativeId)
                .to(Person::Table, Person::Id),
        );
}

/// Indexes every organisation table gets, for filters and keyset ordering.
async fn organisation_indexes(manager: &SchemaManager<'_>, table: &str) -> Result<(), DbErr> {
    let specs: [(&str, &[Org]); 5] = [
        ("province", &[Org::ProvinceId, Org::Id]),
        ("ward", &[Org::WardId]),
        ("name", &[Org::NameSearch, Org::Id]),
        ("updated", &[Org::UpdatedAt, Org::Id]),
        ("status", &[Org::Status]),
    ];
    for (suffix, cols) in specs {
        let mut idx = Index::create();
        idx.name(format!("ix_{table}_{suffix}")).table(Alias::new(table));
        for c in cols {
            idx.col(*c);
        }
        manager.create_index(idx.to_owned()).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Person::Table)
                    .col(ColumnDef::new(Person::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(Person::FullName).string_len(200).not_null())
                    .col(ColumnDef::new(Person::Gender).string_len(8).null())
                    .col(ColumnDef::new(Person::IdNumber).string_len(20).null())
                    .col(ColumnDef::new(Person::Phone).string_len(20).null())
                    .to_owned(),
            )
            .await?;

        let mut union = Table::create();
        union.table(CooperativeUnion::Table);
        organisation_columns(&mut union, "cooperative_union");
        registered_columns(&mut union, "cooperative_union");
        manager.create_table(union.to_owned()).await?;
        organisation_indexes(manager, "cooperative_union").await?;

        let mut coop = Table::create();
        coop.table(Cooperative::Table);
        organisation_columns(&mut coop, "cooperative");
        registered_columns(&mut coop, "cooperative");
        coop.col(ColumnDef::new(Cooperative::ForeignName).string_len(300).null())
            .col(ColumnDef::new(Cooperative::Abbreviation).string_len(100).null())
            .col(ColumnDef::new(Cooperative::BusinessLines).string_len(2000).not_null().default(""))
            .col(ColumnDef::new(Cooperative::OfficialMembers).integer().not_null())
            .col(ColumnDef::new(Cooperative::AssociateMembers).integer().not_null().default(0))
            .col(ColumnDef::new(Cooperative::DirectorId).big_integer().null())
            .col(ColumnDef::new(Cooperative::UnionId).big_integer().null())
            .foreign_key(
                ForeignKey::create().from(Cooperative::Table, Cooperative::DirectorId).to(Person::Table, Person::Id),
            )
            .foreign_key(
                ForeignKey::create()
                    .from(Cooperative::Table, Cooperative::UnionId)
                    .to(CooperativeUnion::Table, Org::Id),
            );
        manager.create_table(coop.to_owned()).await?;
        organisation_indexes(manager, "cooperative").await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_cooperative_union")
                    .table(Cooperative::Table)
                    .col(Cooperative::UnionId)
                    .col(Org::Id)
                    .to_owned(),
            )
            .await?;

        let mut group = Table::create();
        group.table(CooperativeGroup::Table);
        organisation_columns(&mut group, "cooperative_group");
        group
            .col(ColumnDef::new(CooperativeGroup::EstablishedOn).date().not_null())
            .col(ColumnDef::new(CooperativeGroup::Members).integer().not_null())
            .col(ColumnDef::new(CooperativeGroup::RepresentativeId).big_integer().null())
            .foreign_key(
                ForeignKey::create()
                    .from(CooperativeGroup::Table, CooperativeGroup::RepresentativeId)
                    .to(Person::Table, Person::Id),
            );
        manager.create_table(group.to_owned()).await?;
        organisation_indexes(manager, "cooperative_group").await?;

        manager
            .create_table(
                Table::create()
                    .table(AnnualReport::Table)
                    .col(ColumnDef::new(AnnualReport::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(AnnualReport::CooperativeId).big_integer().null())
                    .col(ColumnDef::new(AnnualReport::UnionId).big_integer().null())
                    .col(ColumnDef::new(AnnualReport::GroupId).big_integer().null())
                    .col(ColumnDef::new(AnnualReport::Year).integer().not_null())
                    .col(ColumnDef::new(AnnualReport::OfficialMembers).integer().not_null())
                    .col(ColumnDef::new(AnnualReport::AssociateMembers).integer().not_null().default(0))
                    .col(ColumnDef::new(AnnualReport::Employees).integer().null())
                    .col(ColumnDef::new(AnnualReport::Revenue).big_integer().null())
                    .col(ColumnDef::new(AnnualReport::Profit).big_integer().null())
                    .col(ColumnDef::new(AnnualReport::AverageMemberIncome).big_integer().null())
                    .col(ColumnDef::new(AnnualReport::Rating).string_len(16).null())
                    .col(ColumnDef::new(AnnualReport::HighTech).boolean().not_null().default(false))
                    .col(ColumnDef::new(AnnualReport::ValueChainLinked).boolean().not_null().default(false))
                    .col(ColumnDef::new(AnnualReport::OcopProducts).integer().not_null().default(0))
                    .col(ColumnDef::new(AnnualReport::SubmittedAt).timestamp_with_time_zone().not_null())
                    .check(Expr::cust(
                        "(CASE WHEN cooperative_id IS NULL THEN 0 ELSE 1 END) + \
                         (CASE WHEN union_id IS NULL THEN 0 ELSE 1 END) + \
                         (CASE WHEN group_id IS NULL THEN 0 ELSE 1 END) = 1",
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AnnualReport::Table, AnnualReport::CooperativeId)
                            .to(Cooperative::Table, Org::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(AnnualReport::Table, AnnualReport::UnionId)
                            .to(CooperativeUnion::Table, Org::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(AnnualReport::Table, AnnualReport::GroupId)
                            .to(CooperativeGroup::Table, Org::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("ux_annual_report_cooperative_year", AnnualReport::CooperativeId),
            ("ux_annual_report_union_year", AnnualReport::UnionId),
            ("ux_annual_report_group_year", AnnualReport::GroupId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(AnnualReport::Table)
                        .col(col)
                        .col(AnnualReport::Year)
                        .unique()
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in ["annual_report", "cooperative_group", "cooperative", "cooperative_union", "person"] {
            manager.drop_table(Table::drop().table(Alias::new(t)).to_owned()).await?;
        }
        Ok(())
    }
}
