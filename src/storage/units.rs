//! Reading the administrative-unit reference tables.

use super::StorageError;
use crate::domain::{AdministrativeLevel, Unit, UnitId};
use entity::{administrative_unit, unit_succession};
use sea_orm::{DatabaseConnection, EntityTrait};

/// Every unit and every `(predecessor, successor)` pair, for the gazetteer.
pub async fn load_all(db: &DatabaseConnection) -> Result<(Vec<Unit>, Vec<(UnitId, UnitId)>), StorageError> {
    let units = administrative_unit::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|m| {
            Some(Unit {
                level: AdministrativeLevel::parse(&m.level)?,
                id: m.id,
                code: m.code,
                name: m.name,
                unit_type: m.unit_type,
                parent_id: m.parent_id,
                valid_from: m.valid_from,
                valid_to: m.valid_to,
            })
        })
        .collect();
    let successions = unit_succession::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.predecessor_id, s.successor_id))
        .collect();
    Ok((units, successions))
}
