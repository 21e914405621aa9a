//! The sync outbox and the national feed's cursor: every statement the sync
//! engine runs. Rows are appended by a unit of work in the same transaction
//! as the change they tell ([`enqueue`]); the worker claims, progresses and
//! settles them here.

use super::records::{self, SyncMark};
use super::write::{self, WriteGate, WriteTxn};
use super::StorageError;
use crate::domain::{EntityKind, SyncState};
use crate::national::{Delivery, Operation};
use chrono::{DateTime, Utc};
use entity::{sync_cursor, sync_outbox};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, FromQueryResult,
    QueryFilter, QuerySelect, Set, Statement,
};

/// The state of an outbox row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RowState {
    /// Waiting (possibly for its next attempt).
    Pending,
    /// Claimed by a worker until its lease ends.
    InFlight,
    /// Done.
    Delivered,
    /// Gave up after the configured attempts.
    Failed,
    /// Refused by the national system; waits for a fix and `retrySync`.
    Rejected,
}

impl RowState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            RowState::Pending => "PENDING",
            RowState::InFlight => "IN_FLIGHT",
            RowState::Delivered => "DELIVERED",
            RowState::Failed => "FAILED",
            RowState::Rejected => "REJECTED",
        }
    }
}

/// A claimed (or re-queued) row, its stored names read once here.
#[derive(Debug, Clone)]
pub struct QueuedRow {
    /// Row id.
    pub id: i64,
    /// The record's kind (`Err` holds an unreadable stored name).
    pub entity_kind: Result<EntityKind, String>,
    /// The record's id.
    pub entity_id: i64,
    /// The operation (`Err` holds an unreadable stored name).
    pub operation: Result<Operation, String>,
    /// The stored request bodies.
    pub body: String,
    /// The idempotency key.
    pub key: String,
    /// Attempts made, this one included.
    pub attempts: i32,
    /// Steps done so far, as stored.
    pub progress: Option<String>,
}

impl From<sync_outbox::Model> for QueuedRow {
    fn from(m: sync_outbox::Model) -> Self {
        QueuedRow {
            id: m.id,
            entity_kind: EntityKind::parse(&m.entity_kind).ok_or_else(|| m.entity_kind.clone()),
            entity_id: m.entity_id,
            operation: Operation::parse(&m.operation).ok_or_else(|| m.operation.clone()),
            body: m.payload,
            key: m.idempotency_key,
            attempts: m.attempts,
            progress: m.progress,
        }
    }
}

fn row(kind: EntityKind, entity_id: i64, d: &Delivery, now: DateTime<Utc>) -> sync_outbox::ActiveModel {
    sync_outbox::ActiveModel {
        entity_kind: Set(kind.as_str().to_owned()),
        entity_id: Set(entity_id),
        operation: Set(d.operation().as_str().to_owned()),
        payload: Set(d.to_stored()),
        idempotency_key: Set(uuid::Uuid::new_v4().to_string()),
        state: Set(RowState::Pending.as_str().to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        lease_until: Set(None),
        lease_owner: Set(None),
        progress: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        delivered_at: Set(None),
        ..Default::default()
    }
}

/// Appends a row in a unit of work's transaction and marks the record's
/// registry sync PENDING.
pub async fn enqueue(w: &WriteTxn, kind: EntityKind, entity_id: i64, d: &Delivery) -> Result<(), StorageError> {
    row(kind, entity_id, d, Utc::now()).insert(&w.txn).await?;
    records::mark_sync(
        w,
        kind,
        entity_id,
        SyncMark { registry: Some(SyncState::Pending), attempts: Some(0), ..Default::default() },
    )
    .await
}

/// Appends a row on a bulk loader's own connection (the seed generator,
/// whose records are PENDING already).
pub async fn enqueue_on<C: ConnectionTrait>(
    c: &C,
    kind: EntityKind,
    entity_id: i64,
    d: &Delivery,
) -> Result<(), StorageError> {
    row(kind, entity_id, d, Utc::now()).insert(c).await?;
    Ok(())
}

/// Claims the oldest due row of a record whose earlier rows are all
/// delivered, for `owner` until `until`; `None` when nothing is due. On
/// PostgreSQL `FOR UPDATE SKIP LOCKED` keeps several workers off one row;
/// on SQLite the write gate serialises claims.
pub async fn claim(
    db: &DatabaseConnection,
    gate: &WriteGate,
    owner: &str,
    until: DateTime<Utc>,
) -> Result<Option<QueuedRow>, StorageError> {
    let now = Utc::now();
    let backend = db.get_database_backend();
    let (sql, values, _held): (&str, Vec<sea_orm::Value>, _) = match backend {
        DbBackend::Postgres => (
            "UPDATE sync_outbox SET state = 'IN_FLIGHT', lease_until = $1, lease_owner = $2, attempts = attempts + 1
             WHERE id = (SELECT o.id FROM sync_outbox o
               WHERE ((o.state = 'PENDING' AND o.next_attempt_at <= $3) OR (o.state = 'IN_FLIGHT' AND o.lease_until < $3))
                 AND NOT EXISTS (SELECT 1 FROM sync_outbox p WHERE p.entity_kind = o.entity_kind
                   AND p.entity_id = o.entity_id AND p.id < o.id AND p.state <> 'DELIVERED')
               ORDER BY o.id LIMIT 1 FOR UPDATE SKIP LOCKED)
             RETURNING *",
            vec![until.into(), owner.to_owned().into(), now.into()],
            None,
        ),
        _ => (
            "UPDATE sync_outbox SET state = 'IN_FLIGHT', lease_until = ?, lease_owner = ?, attempts = attempts + 1
             WHERE id = (SELECT o.id FROM sync_outbox o
               WHERE ((o.state = 'PENDING' AND o.next_attempt_at <= ?) OR (o.state = 'IN_FLIGHT' AND o.lease_until < ?))
                 AND NOT EXISTS (SELECT 1 FROM sync_outbox p WHERE p.entity_kind = o.entity_kind
                   AND p.entity_id = o.entity_id AND p.id < o.id AND p.state <> 'DELIVERED')
               ORDER BY o.id LIMIT 1)
             RETURNING *",
            vec![until.into(), owner.to_owned().into(), now.into(), now.into()],
            Some(gate.lock().await),
        ),
    };
    let row =
        sync_outbox::Model::find_by_statement(Statement::from_sql_and_values(backend, sql, values)).one(db).await?;
    Ok(row.map(QueuedRow::from))
}

/// Saves a row's progress (the steps done so far) in its own serialised
/// transaction, so a retry resumes after them.
pub async fn save_progress(
    db: &DatabaseConnection,
    gate: &WriteGate,
    row_id: i64,
    progress: String,
) -> Result<(), StorageError> {
    let w = write::begin(db, gate).await?;
    sync_outbox::ActiveModel { id: Set(row_id), progress: Set(Some(progress)), ..Default::default() }
        .update(&w.txn)
        .await?;
    w.commit().await
}

/// Records an attempt's outcome on its row and releases the lease.
pub async fn settle(
    w: &WriteTxn,
    row_id: i64,
    state: RowState,
    next_attempt_at: Option<DateTime<Utc>>,
    error: Option<&str>,
) -> Result<(), StorageError> {
    let mut am = sync_outbox::ActiveModel {
        id: Set(row_id),
        state: Set(state.as_str().to_owned()),
        last_error: Set(error.map(str::to_owned)),
        lease_until: Set(None),
        lease_owner: Set(None),
        ..Default::default()
    };
    if let Some(n) = next_attempt_at {
        am.next_attempt_at = Set(n);
    }
    if state == RowState::Delivered {
        am.delivered_at = Set(Some(Utc::now()));
    }
    am.update(&w.txn).await?;
    Ok(())
}

/// Whether a record has rows after `row_id` (more changes to deliver).
pub async fn later_rows(w: &WriteTxn, kind: EntityKind, entity_id: i64, row_id: i64) -> Result<bool, StorageError> {
    Ok(sync_outbox::Entity::find()
        .filter(sync_outbox::Column::EntityKind.eq(kind.as_str()))
        .filter(sync_outbox::Column::EntityId.eq(entity_id))
        .filter(sync_outbox::Column::Id.gt(row_id))
        .one(&w.txn)
        .await?
        .is_some())
}

/// Whether any row is pending or in flight.
pub async fn anything_open(db: &DatabaseConnection) -> Result<bool, StorageError> {
    Ok(sync_outbox::Entity::find()
        .filter(sync_outbox::Column::State.is_in([RowState::Pending.as_str(), RowState::InFlight.as_str()]))
        .one(db)
        .await?
        .is_some())
}

/// A record's FAILED and REJECTED rows, read inside a unit of work.
pub async fn given_up(w: &WriteTxn, kind: EntityKind, entity_id: i64) -> Result<Vec<QueuedRow>, StorageError> {
    let rows = sync_outbox::Entity::find()
        .filter(sync_outbox::Column::EntityKind.eq(kind.as_str()))
        .filter(sync_outbox::Column::EntityId.eq(entity_id))
        .filter(sync_outbox::Column::State.is_in([RowState::Failed.as_str(), RowState::Rejected.as_str()]))
        .all(&w.txn)
        .await?;
    Ok(rows.into_iter().map(QueuedRow::from).collect())
}

/// Puts a row back in the queue under a new key (the old one may have met
/// a different body), with a new body when `body` is given.
pub async fn requeue(w: &WriteTxn, row_id: i64, body: Option<&Delivery>) -> Result<(), StorageError> {
    let mut am = sync_outbox::ActiveModel {
        id: Set(row_id),
        state: Set(RowState::Pending.as_str().to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(Utc::now()),
        idempotency_key: Set(uuid::Uuid::new_v4().to_string()),
        last_error: Set(None),
        ..Default::default()
    };
    if let Some(d) = body {
        am.payload = Set(d.to_stored());
    }
    am.update(&w.txn).await?;
    Ok(())
}

/// Rows of one operation in one state.
#[derive(Debug, Clone, FromQueryResult)]
pub struct QueueFigure {
    /// REGISTER, UPDATE, STATUS or ANNUAL_REPORT.
    pub operation: String,
    /// PENDING, IN_FLIGHT, DELIVERED, FAILED or REJECTED.
    pub state: String,
    /// How many.
    pub rows: i64,
    /// The oldest such row's creation.
    pub oldest: Option<DateTime<Utc>>,
}

/// The queue by operation and state.
pub async fn figures(db: &DatabaseConnection) -> Result<Vec<QueueFigure>, StorageError> {
    Ok(sync_outbox::Entity::find()
        .select_only()
        .column(sync_outbox::Column::Operation)
        .column(sync_outbox::Column::State)
        .expr_as(Expr::cust("COUNT(*)"), "rows")
        .expr_as(Expr::col(sync_outbox::Column::CreatedAt).min(), "oldest")
        .group_by(sync_outbox::Column::Operation)
        .group_by(sync_outbox::Column::State)
        .into_model::<QueueFigure>()
        .all(db)
        .await?)
}

/// A feed cursor's saved position (0 when never saved).
pub async fn cursor(db: &DatabaseConnection, name: &str) -> Result<i64, StorageError> {
    Ok(sync_cursor::Entity::find_by_id(name.to_owned()).one(db).await?.map_or(0, |c| c.position))
}

/// Saves a feed cursor's position in its own serialised transaction.
pub async fn save_cursor(
    db: &DatabaseConnection,
    gate: &WriteGate,
    name: &str,
    position: i64,
) -> Result<(), StorageError> {
    let w = write::begin(db, gate).await?;
    let am =
        sync_cursor::ActiveModel { name: Set(name.to_owned()), position: Set(position), updated_at: Set(Utc::now()) };
    match sync_cursor::Entity::find_by_id(name.to_owned()).one(&w.txn).await? {
        Some(_) => am.update(&w.txn).await.map(drop)?,
        None => am.insert(&w.txn).await.map(drop)?,
    }
    w.commit().await
}
