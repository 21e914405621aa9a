//! The lifecycle tables: each record's status history (`status_change`),
//! the links between reorganised cooperatives (`reorganisation_link`), and
//! the outbox statements a withdrawn application needs. Writes take the
//! unit of work's [`WriteTxn`], so history and links commit with the change.

use super::write::WriteTxn;
use super::StorageError;
use crate::domain::{ChangeOrigin, DissolutionKind, EntityKind, RegistrationStatus, ReorganisationKind};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{reorganisation_link, status_change, sync_outbox};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use std::collections::HashMap;

/// One status a record takes, as a unit of work records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusRow {
    /// COOPERATIVE or COOPERATIVE_UNION.
    pub kind: EntityKind,
    /// The record.
    pub id: i64,
    /// The status.
    pub status: RegistrationStatus,
    /// The day it takes effect.
    pub effective_on: NaiveDate,
    /// Why.
    pub reason: String,
    /// For IN_DISSOLUTION and DISSOLVED.
    pub dissolution_kind: Option<DissolutionKind>,
    /// A suspension's term.
    pub until: Option<NaiveDate>,
    /// Province or national.
    pub origin: ChangeOrigin,
}

/// Appends a status to a record's history.
pub async fn insert_status(w: &WriteTxn, row: StatusRow, at: DateTime<Utc>) -> Result<(), StorageError> {
    status_change::ActiveModel {
        entity_kind: Set(row.kind.as_str().to_owned()),
        entity_id: Set(row.id),
        status: Set(row.status.as_str().to_owned()),
        effective_on: Set(row.effective_on),
        reason: Set(row.reason),
        dissolution_kind: Set(row.dissolution_kind.map(|k| k.as_str().to_owned())),
        until: Set(row.until),
        origin: Set(row.origin.as_str().to_owned()),
        recorded_at: Set(at),
        ..Default::default()
    }
    .insert(&w.txn)
    .await?;
    Ok(())
}

/// The latest status recorded for a record, read inside a unit of work.
pub async fn latest_status(
    w: &WriteTxn,
    kind: EntityKind,
    id: i64,
) -> Result<Option<status_change::Model>, StorageError> {
    Ok(status_change::Entity::find()
        .filter(status_change::Column::EntityKind.eq(kind.as_str()))
        .filter(status_change::Column::EntityId.eq(id))
        .order_by_desc(status_change::Column::Id)
        .limit(1)
        .one(&w.txn)
        .await?)
}

/// The status histories of records of one kind, oldest first, in one statement.
pub async fn histories<C: ConnectionTrait>(
    c: &C,
    kind: EntityKind,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<status_change::Model>>, StorageError> {
    let rows = status_change::Entity::find()
        .filter(status_change::Column::EntityKind.eq(kind.as_str()))
        .filter(status_change::Column::EntityId.is_in(ids.iter().copied()))
        .order_by_asc(status_change::Column::Id)
        .all(c)
        .await?;
    let mut out: HashMap<i64, Vec<status_change::Model>> = HashMap::new();
    for r in rows {
        out.entry(r.entity_id).or_default().push(r);
    }
    Ok(out)
}

/// Records that `predecessor` became (part of) `successor`.
pub async fn insert_link(
    w: &WriteTxn,
    kind: ReorganisationKind,
    predecessor: i64,
    successor: i64,
    effective_on: NaiveDate,
    reason: &str,
    at: DateTime<Utc>,
) -> Result<(), StorageError> {
    reorganisation_link::ActiveModel {
        kind: Set(kind.as_str().to_owned()),
        predecessor_id: Set(predecessor),
        successor_id: Set(successor),
        effective_on: Set(effective_on),
        reason: Set(reason.to_owned()),
        recorded_at: Set(at),
        ..Default::default()
    }
    .insert(&w.txn)
    .await?;
    Ok(())
}

/// Which side of a link to look up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkSide {
    /// The cooperatives a cooperative was formed from or absorbed.
    Predecessors,
    /// The cooperatives a cooperative became (part of).
    Successors,
}

/// For each of `ids`, the cooperative ids on `side` of its links, in order
/// of recording, in one statement.
pub async fn linked<C: ConnectionTrait>(
    c: &C,
    side: LinkSide,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<i64>>, StorageError> {
    let col = match side {
        LinkSide::Predecessors => reorganisation_link::Column::SuccessorId,
        LinkSide::Successors => reorganisation_link::Column::PredecessorId,
    };
    let rows = reorganisation_link::Entity::find()
        .filter(col.is_in(ids.iter().copied()))
        .order_by_asc(reorganisation_link::Column::Id)
        .all(c)
        .await?;
    let mut out: HashMap<i64, Vec<i64>> = HashMap::new();
    for r in rows {
        let (key, other) = match side {
            LinkSide::Predecessors => (r.successor_id, r.predecessor_id),
            LinkSide::Successors => (r.predecessor_id, r.successor_id),
        };
        let v = out.entry(key).or_default();
        if !v.contains(&other) {
            v.push(other);
        }
    }
    Ok(out)
}

/// What a withdrawal finds in a record's outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Withdrawal {
    /// Rows never sent, cancelled (deleted) by the withdrawal.
    pub cancelled: u64,
    /// Whether any row was sent (or is being sent): the national side may
    /// hold the application, so the withdrawal must be delivered too.
    pub sent: bool,
}

/// Cancels a record's outbox rows that were never sent (PENDING, no
/// attempt, no saved progress) and says whether any other row exists
/// (sent, in flight, delivered or given up): then the national systems
/// may hold the application. Inside the withdrawal's unit of work.
pub async fn cancel_unsent(w: &WriteTxn, kind: EntityKind, id: i64) -> Result<Withdrawal, StorageError> {
    let rows = sync_outbox::Entity::find()
        .filter(sync_outbox::Column::EntityKind.eq(kind.as_str()))
        .filter(sync_outbox::Column::EntityId.eq(id))
        .all(&w.txn)
        .await?;
    let unsent: Vec<i64> =
        rows.iter().filter(|r| r.state == "PENDING" && r.attempts == 0 && r.progress.is_none()).map(|r| r.id).collect();
    let wanted = unsent.len() as u64;
    let mut sent = rows.len() as u64 > wanted;
    let cancelled = if unsent.is_empty() {
        0
    } else {
        sync_outbox::Entity::delete_many()
            .filter(sync_outbox::Column::Id.is_in(unsent))
            .filter(sync_outbox::Column::State.eq("PENDING"))
            .exec(&w.txn)
            .await?
            .rows_affected
    };
    // A row a worker claimed meanwhile is no longer PENDING: it counts as sent.
    sent |= cancelled < wanted;
    Ok(Withdrawal { cancelled, sent })
}

/// How many member cooperatives of a union operate (ACTIVE or SUSPENDED),
/// read inside a unit of work.
pub async fn operating_members(w: &WriteTxn, union_id: i64) -> Result<u64, StorageError> {
    use entity::cooperative;
    use sea_orm::PaginatorTrait;
    Ok(cooperative::Entity::find()
        .filter(cooperative::Column::UnionId.eq(union_id))
        .filter(
            cooperative::Column::Status
                .is_in([RegistrationStatus::Active.as_str(), RegistrationStatus::Suspended.as_str()]),
        )
        .count(&w.txn)
        .await?)
}
