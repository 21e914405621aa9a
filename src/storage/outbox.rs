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
    QueryFilter, QueryOrder, QuerySelect, Set, Statement,
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
    /// A FAILED content update overtaken by a newer one of the same record
    /// (the newest content is what the national systems need); counts as
    /// done for the record's order.
    Superseded,
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
            RowState::Superseded => "SUPERSEDED",
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
    /// The fencing token of this claim (empty for a row not claimed):
    /// progress saves and the settlement only take effect with it.
    pub lease_token: String,
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
            lease_token: m.lease_token.unwrap_or_default(),
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
        lease_token: Set(None),
        ..Default::default()
    }
}

/// Appends a row in a unit of work's transaction, marks the record's
/// registry sync PENDING, and lets the new change supersede or re-arm the
/// record's FAILED rows ([`rearm_failed`]): no FAILED row blocks a later
/// change.
pub async fn enqueue(w: &WriteTxn, kind: EntityKind, entity_id: i64, d: &Delivery) -> Result<(), StorageError> {
    row(kind, entity_id, d, Utc::now()).insert(&w.txn).await?;
    records::mark_sync(
        w,
        kind,
        entity_id,
        SyncMark { registry: Some(SyncState::Pending), attempts: Some(0), ..Default::default() },
    )
    .await?;
    rearm_failed(w, kind, entity_id).await.map(drop)
}

/// Appends the first row of a record inserted in the same unit of work
/// (PENDING, no attempts, no earlier rows): the row only, one statement,
/// where [`enqueue`] also sets the record's sync state and re-arms its
/// FAILED rows.
pub async fn enqueue_first(w: &WriteTxn, kind: EntityKind, entity_id: i64, d: &Delivery) -> Result<(), StorageError> {
    sync_outbox::Entity::insert(row(kind, entity_id, d, Utc::now())).exec_without_returning(&w.txn).await?;
    Ok(())
}

/// Rows that count as done for a record's order.
const DONE: [&str; 2] = ["DELIVERED", "SUPERSEDED"];

/// A record's FAILED rows that have a newer change behind them stop
/// blocking it: a FAILED UPDATE followed by a newer UPDATE is SUPERSEDED
/// (the newer one carries the newest content); any other FAILED row goes
/// back in the queue (PENDING, attempts from zero, the same keys and
/// progress). Run in the transaction that wrote the newer row (after the
/// record's row was written, so its lock orders this against a settlement)
/// and after a settlement that gave up. Returns how many rows changed.
pub async fn rearm_failed(w: &WriteTxn, kind: EntityKind, entity_id: i64) -> Result<usize, StorageError> {
    let open = sync_outbox::Entity::find()
        .filter(sync_outbox::Column::EntityKind.eq(kind.as_str()))
        .filter(sync_outbox::Column::EntityId.eq(entity_id))
        .filter(sync_outbox::Column::State.is_not_in(DONE))
        .order_by_asc(sync_outbox::Column::Id)
        .all(&w.txn)
        .await?;
    let mut changed = 0;
    for (i, r) in open.iter().enumerate() {
        let later = &open[i + 1..];
        if r.state != RowState::Failed.as_str() || later.is_empty() {
            continue;
        }
        let update = Operation::Update.as_str();
        let am = if r.operation == update && later.iter().any(|l| l.operation == update) {
            sync_outbox::ActiveModel {
                id: Set(r.id),
                state: Set(RowState::Superseded.as_str().to_owned()),
                ..Default::default()
            }
        } else {
            sync_outbox::ActiveModel {
                id: Set(r.id),
                state: Set(RowState::Pending.as_str().to_owned()),
                attempts: Set(0),
                next_attempt_at: Set(Utc::now()),
                ..Default::default()
            }
        };
        am.update(&w.txn).await?;
        changed += 1;
    }
    Ok(changed)
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
/// delivered (or superseded), for `owner` until `until`, under a fresh
/// fencing token; `None` when nothing is due. On PostgreSQL `FOR UPDATE
/// SKIP LOCKED` keeps several workers off one row; on SQLite the write gate
/// serialises claims.
pub async fn claim(
    db: &DatabaseConnection,
    gate: &WriteGate,
    owner: &str,
    until: DateTime<Utc>,
) -> Result<Option<QueuedRow>, StorageError> {
    let now = Utc::now();
    let token = uuid::Uuid::new_v4().to_string();
    let backend = db.get_database_backend();
    let (sql, values, _held): (&str, Vec<sea_orm::Value>, _) = match backend {
        DbBackend::Postgres => (
            "UPDATE sync_outbox SET state = 'IN_FLIGHT', lease_until = $1, lease_owner = $2, attempts = attempts + 1,
               lease_token = $4
             WHERE id = (SELECT o.id FROM sync_outbox o
               WHERE ((o.state = 'PENDING' AND o.next_attempt_at <= $3) OR (o.state = 'IN_FLIGHT' AND o.lease_until < $3))
                 AND NOT EXISTS (SELECT 1 FROM sync_outbox p WHERE p.entity_kind = o.entity_kind
                   AND p.entity_id = o.entity_id AND p.id < o.id AND p.state NOT IN ('DELIVERED', 'SUPERSEDED'))
               ORDER BY o.id LIMIT 1 FOR UPDATE SKIP LOCKED)
             RETURNING *",
            vec![until.into(), owner.to_owned().into(), now.into(), token.into()],
            None,
        ),
        _ => (
            "UPDATE sync_outbox SET state = 'IN_FLIGHT', lease_until = ?, lease_owner = ?, attempts = attempts + 1,
               lease_token = ?
             WHERE id = (SELECT o.id FROM sync_outbox o
               WHERE ((o.state = 'PENDING' AND o.next_attempt_at <= ?) OR (o.state = 'IN_FLIGHT' AND o.lease_until < ?))
                 AND NOT EXISTS (SELECT 1 FROM sync_outbox p WHERE p.entity_kind = o.entity_kind
                   AND p.entity_id = o.entity_id AND p.id < o.id AND p.state NOT IN ('DELIVERED', 'SUPERSEDED'))
               ORDER BY o.id LIMIT 1)
             RETURNING *",
            vec![until.into(), owner.to_owned().into(), token.into(), now.into(), now.into()],
            Some(gate.lock().await),
        ),
    };
    let row =
        sync_outbox::Model::find_by_statement(Statement::from_sql_and_values(backend, sql, values)).one(db).await?;
    Ok(row.map(QueuedRow::from))
}

/// Saves a row's progress (the steps done so far), committed at once, so a
/// retry resumes after them; only while the row is still in flight under
/// `token` (`false`: the lease was lost, nothing saved). One statement on
/// its own, as [`claim`]: it writes no change-log row, so on PostgreSQL it
/// does not wait for the write order (the row's lock orders it against a
/// claim or a settlement of the same row); on SQLite the write gate
/// serialises it.
pub async fn save_progress(
    db: &DatabaseConnection,
    gate: &WriteGate,
    row_id: i64,
    token: &str,
    progress: String,
) -> Result<bool, StorageError> {
    let _held = match db.get_database_backend() {
        DbBackend::Sqlite => Some(gate.lock().await),
        _ => None,
    };
    let done = sync_outbox::Entity::update_many()
        .col_expr(sync_outbox::Column::Progress, Expr::value(progress))
        .filter(sync_outbox::Column::Id.eq(row_id))
        .filter(sync_outbox::Column::LeaseToken.eq(token))
        .filter(sync_outbox::Column::State.eq(RowState::InFlight.as_str()))
        .exec(db)
        .await?
        .rows_affected;
    Ok(done == 1)
}

/// Records an attempt's outcome on its row and releases the lease — only
/// while the row is still in flight under `token`: `false` when another
/// claim fenced this one off (nothing written; the caller drops its result).
pub async fn settle(
    w: &WriteTxn,
    row_id: i64,
    token: &str,
    state: RowState,
    next_attempt_at: Option<DateTime<Utc>>,
    error: Option<&str>,
) -> Result<bool, StorageError> {
    let mut q = sync_outbox::Entity::update_many()
        .col_expr(sync_outbox::Column::State, Expr::value(state.as_str()))
        .col_expr(sync_outbox::Column::LastError, Expr::value(error.map(str::to_owned)))
        .col_expr(sync_outbox::Column::LeaseUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(sync_outbox::Column::LeaseOwner, Expr::value(Option::<String>::None))
        .col_expr(sync_outbox::Column::LeaseToken, Expr::value(Option::<String>::None));
    if let Some(n) = next_attempt_at {
        q = q.col_expr(sync_outbox::Column::NextAttemptAt, Expr::value(n));
    }
    if state == RowState::Delivered {
        q = q.col_expr(sync_outbox::Column::DeliveredAt, Expr::value(Some(Utc::now())));
    }
    let done = q
        .filter(sync_outbox::Column::Id.eq(row_id))
        .filter(sync_outbox::Column::LeaseToken.eq(token))
        .filter(sync_outbox::Column::State.eq(RowState::InFlight.as_str()))
        .exec(&w.txn)
        .await?
        .rows_affected;
    Ok(done == 1)
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

/// The states of the open rows (not delivered or superseded) of the
/// cooperatives `ids` older than `row_id`: what a delivery naming several
/// records (a reorganisation) waits for, as the claim makes a record's own
/// rows wait for its earlier ones.
pub async fn open_before(db: &DatabaseConnection, ids: &[i64], row_id: i64) -> Result<Vec<String>, StorageError> {
    Ok(sync_outbox::Entity::find()
        .select_only()
        .column(sync_outbox::Column::State)
        .filter(sync_outbox::Column::EntityKind.eq(EntityKind::Cooperative.as_str()))
        .filter(sync_outbox::Column::EntityId.is_in(ids.iter().copied()))
        .filter(sync_outbox::Column::Id.lt(row_id))
        .filter(sync_outbox::Column::State.is_not_in(DONE))
        .into_tuple::<String>()
        .all(db)
        .await?)
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

/// Puts a row back in the queue under the key it always had (a logical
/// operation keeps its national idempotency keys for ever), with a new body
/// and progress when given (the worker derives the keys of a changed
/// request from the progress's revision).
pub async fn requeue(
    w: &WriteTxn,
    row_id: i64,
    body: Option<&Delivery>,
    progress: Option<String>,
) -> Result<(), StorageError> {
    let mut am = sync_outbox::ActiveModel {
        id: Set(row_id),
        state: Set(RowState::Pending.as_str().to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(Utc::now()),
        last_error: Set(None),
        ..Default::default()
    };
    if let Some(d) = body {
        am.payload = Set(d.to_stored());
    }
    if let Some(p) = progress {
        am.progress = Set(Some(p));
    }
    am.update(&w.txn).await?;
    Ok(())
}

/// Rows of one operation in one state.
#[derive(Debug, Clone, FromQueryResult)]
pub struct QueueFigure {
    /// REGISTER, UPDATE, STATUS, ANNUAL_REPORT or REORGANISATION.
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
