//! Annual reports.

use super::organisations::OrgKind;
use super::StorageError;
use entity::annual_report;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QueryTrait};

/// The annual reports of several organisations of one kind, by year.
pub async fn reports_of(
    db: &DatabaseConnection,
    kind: OrgKind,
    ids: &[i64],
) -> Result<Vec<annual_report::Model>, StorageError> {
    let (col, shape) = match kind {
        OrgKind::Cooperative => (annual_report::Column::CooperativeId, "reports-of-cooperatives"),
        OrgKind::Union => (annual_report::Column::UnionId, "reports-of-unions"),
        OrgKind::Group => (annual_report::Column::GroupId, "reports-of-groups"),
    };
    let statement = super::texts::by_ids(db.get_database_backend(), shape, ids, || {
        annual_report::Entity::find()
            .filter(col.is_in(ids.iter().copied()))
            .order_by_asc(annual_report::Column::Year)
            .into_query()
    });
    super::organisations::decode_rows(&db.query_all(statement).await?)
}
