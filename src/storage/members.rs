//! The member register (danh sách thành viên): its rows, read for a page or
//! inside a unit of work, and written only inside one.

use super::write::WriteTxn;
use super::StorageError;
use chrono::NaiveDate;
use entity::member;
use sea_orm::sea_query::{Alias, Asterisk, Expr, Order, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    FromQueryResult, IntoActiveModel, QueryFilter, QueryOrder,
};
use std::collections::HashMap;

/// Which entries of a register a page shows.
#[derive(Debug, Clone, Copy)]
pub struct RegisterSelection {
    /// The cooperative.
    pub cooperative_id: i64,
    /// Only members current on this day (joined by then, not left by then);
    /// `None` for every entry, past ones included.
    pub current_on: Option<NaiveDate>,
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

fn current_on(q: &mut sea_orm::sea_query::SelectStatement, table: &Alias, day: Option<NaiveDate>) {
    if let Some(day) = day {
        q.and_where(Expr::col((table.clone(), Alias::new("joined_on"))).lte(day)).cond_where(
            Condition::any()
                .add(Expr::col((table.clone(), Alias::new("left_on"))).is_null())
                .add(Expr::col((table.clone(), Alias::new("left_on"))).gt(day)),
        );
    }
}

/// The first `limit` entries after `after_id` (by id) of each of several
/// registers, current on `current_on` when given, in one statement; in
/// cooperative then id order.
pub async fn pages(
    db: &DatabaseConnection,
    cooperative_ids: &[i64],
    current: Option<NaiveDate>,
    after_id: i64,
    limit: u64,
) -> Result<Vec<member::Model>, StorageError> {
    let m = Alias::new("member");
    let mut inner = Query::select();
    inner
        .column((m.clone(), Asterisk))
        .expr_as(
            Expr::cust("ROW_NUMBER() OVER (PARTITION BY member.cooperative_id ORDER BY member.id)"),
            Alias::new("rn"),
        )
        .from(m.clone())
        .and_where(Expr::col((m.clone(), Alias::new("cooperative_id"))).is_in(cooperative_ids.iter().copied()))
        .and_where(Expr::col((m.clone(), Alias::new("id"))).gt(after_id));
    current_on(&mut inner, &m, current);
    let t = Alias::new("t");
    let outer = Query::select()
        .column((t.clone(), Asterisk))
        .from_subquery(inner.to_owned(), t.clone())
        .and_where(Expr::col((t.clone(), Alias::new("rn"))).lte(limit))
        .order_by((t.clone(), Alias::new("cooperative_id")), Order::Asc)
        .order_by((t, Alias::new("id")), Order::Asc)
        .to_owned();
    let stmt = db.get_database_backend().build(&outer);
    Ok(member::Entity::find().from_raw_sql(stmt).all(db).await?)
}

#[derive(FromQueryResult)]
struct RegisterCount {
    cooperative_id: i64,
    n: i64,
}

/// How many entries (current on `current_on` when given) each of several
/// registers holds, in one statement.
pub async fn counts(
    db: &DatabaseConnection,
    cooperative_ids: &[i64],
    current: Option<NaiveDate>,
) -> Result<HashMap<i64, i64>, StorageError> {
    let m = Alias::new("member");
    let mut q = Query::select();
    q.column((m.clone(), Alias::new("cooperative_id")))
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .from(m.clone())
        .and_where(Expr::col((m.clone(), Alias::new("cooperative_id"))).is_in(cooperative_ids.iter().copied()));
    current_on(&mut q, &m, current);
    q.group_by_col((m, Alias::new("cooperative_id")));
    let rows = RegisterCount::find_by_statement(db.get_database_backend().build(&q)).all(db).await?;
    Ok(rows.into_iter().map(|r| (r.cooperative_id, r.n)).collect())
}
