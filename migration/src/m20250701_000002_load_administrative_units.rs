//! Loads the administrative units in force since 2025-07-01, the legacy units
//! valid until 2025-06-30, and the legacy → 2025 succession.

use crate::m20250701_000001_administrative_units::{AdministrativeUnit, UnitSuccession};
use crate::reference::{self, UnitRow};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Rows per INSERT statement: well under both databases' parameter limits.
const BATCH: usize = 500;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let data = reference::load().map_err(|e| DbErr::Custom(e.to_string()))?;
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        for chunk in data.units.chunks(BATCH) {
            let mut insert = Query::insert();
            insert.into_table(AdministrativeUnit::Table).columns([
                AdministrativeUnit::Id,
                AdministrativeUnit::Code,
                AdministrativeUnit::Level,
                AdministrativeUnit::Name,
                AdministrativeUnit::UnitType,
                AdministrativeUnit::ParentId,
                AdministrativeUnit::ValidFrom,
                AdministrativeUnit::ValidTo,
            ]);
            for u in chunk {
                insert.values_panic(unit_values(u));
            }
            db.execute(backend.build(&insert)).await?;
        }
        for chunk in data.successions.chunks(BATCH) {
            let mut insert = Query::insert();
            insert.into_table(UnitSuccession::Table).columns([
                UnitSuccession::PredecessorId,
                UnitSuccession::SuccessorId,
                UnitSuccession::IsPrimary,
            ]);
            for s in chunk {
                insert.values_panic([s.predecessor_id.into(), s.successor_id.into(), s.is_primary.into()]);
            }
            db.execute(backend.build(&insert)).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        db.execute(backend.build(&Query::delete().from_table(UnitSuccession::Table).to_owned())).await?;
        db.execute(backend.build(&Query::delete().from_table(AdministrativeUnit::Table).to_owned())).await?;
        Ok(())
    }
}

fn unit_values(u: &UnitRow) -> [SimpleExpr; 8] {
    [
        u.id.into(),
        u.code.clone().into(),
        u.level.into(),
        u.name.clone().into(),
        u.unit_type.clone().into(),
        u.parent_id.into(),
        u.valid_from.into(),
        u.valid_to.into(),
    ]
}
