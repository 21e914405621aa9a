//! The lifecycle of records under the Law on Cooperatives 17/2023/QH15:
//! every status a cooperative or union has had (`status_change`, written in
//! the same unit of work as the change), the predecessor/successor links of
//! reorganisations (`reorganisation_link`), a union's director and the day
//! its operating members fell below the legal minimum, and the day a group
//! was disbanded.
//!
//! Existing records get their history from what the rows say: a PENDING
//! application from its creation day; a registered record ACTIVE from its
//! registration day and, when its status is another, that status from its
//! last change. Member cooperatives that were already DISSOLVED leave their
//! union (a dissolved legal entity is no longer a member, see
//! docs/lifecycle.md).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum StatusChange {
    Table,
    Id,
    EntityKind,
    EntityId,
    Status,
    EffectiveOn,
    Reason,
    DissolutionKind,
    Until,
    Origin,
    RecordedAt,
}

#[derive(DeriveIden)]
enum ReorganisationLink {
    Table,
    Id,
    Kind,
    PredecessorId,
    SuccessorId,
    EffectiveOn,
    Reason,
    RecordedAt,
}

#[derive(DeriveIden)]
enum CooperativeUnion {
    Table,
    DirectorId,
    BelowMinimumSince,
}

#[derive(DeriveIden)]
enum CooperativeGroup {
    Table,
    DisbandedOn,
}

/// The history rows of existing records, per table and entity kind.
fn backfill(backend: DatabaseBackend, table: &str, kind: &str) -> Vec<String> {
    let day = |col: &str| match backend {
        DatabaseBackend::Postgres => format!("CAST({col} AS DATE)"),
        _ => format!("date({col})"),
    };
    let created = day("created_at");
    let updated = day("updated_at");
    let cols = "entity_kind, entity_id, status, effective_on, reason, dissolution_kind, until, origin, recorded_at";
    vec![
        format!(
            "INSERT INTO status_change ({cols}) SELECT '{kind}', id, 'PENDING', {created}, \
             'application recorded', NULL, NULL, 'PROVINCE', created_at FROM {table} \
             WHERE registered_on IS NULL ORDER BY id"
        ),
        format!(
            "INSERT INTO status_change ({cols}) SELECT '{kind}', id, 'ACTIVE', registered_on, \
             'registered', NULL, NULL, 'NATIONAL', created_at FROM {table} \
             WHERE registered_on IS NOT NULL ORDER BY id"
        ),
        format!(
            "INSERT INTO status_change ({cols}) SELECT '{kind}', id, status, {updated}, \
             'status recorded before the registry kept a status history', NULL, NULL, 'PROVINCE', updated_at \
             FROM {table} WHERE registered_on IS NOT NULL AND status NOT IN ('ACTIVE', 'PENDING') ORDER BY id"
        ),
        format!(
            "INSERT INTO status_change ({cols}) SELECT '{kind}', id, status, {updated}, \
             'status recorded before the registry kept a status history', NULL, NULL, 'PROVINCE', updated_at \
             FROM {table} WHERE registered_on IS NULL AND status <> 'PENDING' ORDER BY id"
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StatusChange::Table)
                    .col(ColumnDef::new(StatusChange::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(StatusChange::EntityKind).string_len(32).not_null())
                    .col(ColumnDef::new(StatusChange::EntityId).big_integer().not_null())
                    .col(ColumnDef::new(StatusChange::Status).string_len(32).not_null())
                    .col(ColumnDef::new(StatusChange::EffectiveOn).date().not_null())
                    .col(ColumnDef::new(StatusChange::Reason).text().not_null())
                    .col(ColumnDef::new(StatusChange::DissolutionKind).string_len(16).null())
                    .col(ColumnDef::new(StatusChange::Until).date().null())
                    .col(ColumnDef::new(StatusChange::Origin).string_len(16).not_null())
                    .col(ColumnDef::new(StatusChange::RecordedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_status_change_entity")
                    .table(StatusChange::Table)
                    .col(StatusChange::EntityKind)
                    .col(StatusChange::EntityId)
                    .col(StatusChange::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReorganisationLink::Table)
                    .col(ColumnDef::new(ReorganisationLink::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(ReorganisationLink::Kind).string_len(16).not_null())
                    .col(ColumnDef::new(ReorganisationLink::PredecessorId).big_integer().not_null())
                    .col(ColumnDef::new(ReorganisationLink::SuccessorId).big_integer().not_null())
                    .col(ColumnDef::new(ReorganisationLink::EffectiveOn).date().not_null())
                    .col(ColumnDef::new(ReorganisationLink::Reason).text().not_null())
                    .col(ColumnDef::new(ReorganisationLink::RecordedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("ix_reorganisation_predecessor", ReorganisationLink::PredecessorId),
            ("ix_reorganisation_successor", ReorganisationLink::SuccessorId),
        ] {
            manager
                .create_index(Index::create().name(name).table(ReorganisationLink::Table).col(col).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(CooperativeUnion::Table)
                    .add_column(ColumnDef::new(CooperativeUnion::DirectorId).big_integer().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(CooperativeUnion::Table)
                    .add_column(ColumnDef::new(CooperativeUnion::BelowMinimumSince).date().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(CooperativeGroup::Table)
                    .add_column(ColumnDef::new(CooperativeGroup::DisbandedOn).date().null())
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        let mut statements = backfill(backend, "cooperative", "COOPERATIVE");
        statements.extend(backfill(backend, "cooperative_union", "COOPERATIVE_UNION"));
        statements.push("UPDATE cooperative SET union_id = NULL WHERE status = 'DISSOLVED'".to_owned());
        statements.push(format!(
            "UPDATE cooperative_group SET disbanded_on = {} WHERE status = 'DISBANDED'",
            match backend {
                DatabaseBackend::Postgres => "CAST(updated_at AS DATE)",
                _ => "date(updated_at)",
            }
        ));
        for sql in statements {
            db.execute(Statement::from_string(backend, sql)).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(CooperativeGroup::Table).drop_column(CooperativeGroup::DisbandedOn).to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(CooperativeUnion::Table)
                    .drop_column(CooperativeUnion::BelowMinimumSince)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter().table(CooperativeUnion::Table).drop_column(CooperativeUnion::DirectorId).to_owned(),
            )
            .await?;
        manager.drop_table(Table::drop().table(ReorganisationLink::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(StatusChange::Table).to_owned()).await
    }
}
