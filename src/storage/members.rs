//! The member register (danh sách thành viên): its rows, read for a page or
//! inside a unit of work, and written only inside one.

use super::write::WriteTxn;
use super::StorageError;
use chrono::NaiveDate;
use entity::member;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, Condition, DatabaseConnection, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

/// Which entries of a register a page shows.
#[derive(Debug, Clone, Copy)]
pub struct RegisterSelection {
    /// The cooperative.
    pub cooperative_id: i64,
    /// Only members current on this day (joined by then, not left by then);
    /// `None` for every entry, past ones included.
    pub current_on: Option<NaiveDate>,
}

fn selection(s: RegisterSelection) -> sea_orm::Select<member::Entity> {
    let mut q = member::Entity::find().filter(member::Column::CooperativeId.eq(s.cooperative_id));
    if let Some(day) = s.current_on {
        q = q
            .filter(member::Column::JoinedOn.lte(day))
            .filter(Condition::any().add(member::Column::LeftOn.is_null()).add(member::Column::LeftOn.gt(day)));
    }
    q
}

/// Up to `limit` entries after `after_id`, by id.
pub async fn page(
    db: &DatabaseConnection,
    s: RegisterSelection,
    after_id: i64,
    limit: u64,
) -> Result<Vec<member::Model>, StorageError> {
    Ok(selection(s)
        .filter(member::Column::Id.gt(after_id))
        .order_by_asc(member::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// How many entries a selection holds.
pub async fn count(db: &DatabaseConnection, s: RegisterSelection) -> Result<u64, StorageError> {
    Ok(selection(s).count(db).await?)
}

/// One entry by id.
pub async fn by_id(db: &DatabaseConnection, id: i64) -> Result<Option<member::Model>, StorageError> {
    Ok(member::Entity::find_by_id(id).one(db).await?)
}

/// One entry, read inside a unit of work.
pub async fn member_for_write(w: &WriteTxn, id: i64) -> Result<Option<member::Model>, StorageError> {
    Ok(member::Entity::find_by_id(id).one(&w.txn).await?)
}

/// Every entry of a cooperative's register, read inside a unit of work
/// (the register's counts are computed from them).
pub async fn register_for_write(w: &WriteTxn, cooperative_id: i64) -> Result<Vec<member::Model>, StorageError> {
    Ok(member::Entity::find()
        .filter(member::Column::CooperativeId.eq(cooperative_id))
        .order_by_asc(member::Column::Id)
        .all(&w.txn)
        .await?)
}

/// Inserts an entry (its `id` is assigned).
pub async fn insert(w: &WriteTxn, row: member::Model) -> Result<member::Model, StorageError> {
    let mut am = row.into_active_model();
    am.id = NotSet;
    Ok(am.insert(&w.txn).await?)
}

/// Writes `next` over the stored entry if it is still at version
/// `expected`; `false` when another write won.
pub async fn swap(w: &WriteTxn, next: &member::Model, expected: i32) -> Result<bool, StorageError> {
    let res = member::Entity::update_many()
        .col_expr(member::Column::LeftOn, Expr::value(next.left_on))
        .col_expr(member::Column::LeftReason, Expr::value(next.left_reason.clone()))
        .col_expr(member::Column::Version, Expr::value(next.version))
        .col_expr(member::Column::UpdatedAt, Expr::value(next.updated_at))
        .filter(member::Column::Id.eq(next.id))
        .filter(member::Column::Version.eq(expected))
        .exec(&w.txn)
        .await?;
    Ok(res.rows_affected == 1)
}
