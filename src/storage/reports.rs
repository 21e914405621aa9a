//! Annual reports.

use super::organisations::OrgKind;
use super::StorageError;
use entity::annual_report;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

/// The annual reports of several organisations of one kind, by year.
pub async fn reports_of(
    db: &DatabaseConnection,
    kind: OrgKind,
    ids: &[i64],
) -> Result<Vec<annual_report::Model>, StorageError> {
    let col = match kind {
        OrgKind::Cooperative => annual_report::Column::CooperativeId,
        OrgKind::Union => annual_report::Column::UnionId,
        OrgKind::Group => annual_report::Column::GroupId,
    };
    Ok(annual_report::Entity::find()
        .filter(col.is_in(ids.iter().copied()))
        .order_by_asc(annual_report::Column::Year)
        .all(db)
        .await?)
}
