//! Serialised write transactions. Every write to the registry runs in one:
//! on SQLite behind an in-process gate (one writer, so a transaction that
//! reads before it writes never meets "database is locked"), on PostgreSQL
//! behind a transaction-scoped advisory lock, so change-log sequences commit
//! in order and a feed reader never sees a later sequence before an earlier
//! one. The lock is taken at the start ([`begin`]), or, for a unit of work
//! that only creates new rows before its journal, just before the journal
//! ([`begin_unordered`], [`WriteTxn::order`]). Statements run on the transaction only through functions of
//! `storage`; the transaction itself is private to this layer.

use super::StorageError;
use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, TransactionTrait};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

/// The advisory-lock key that serialises registry writes on PostgreSQL.
pub const WRITE_LOCK_KEY: i64 = 0x636f_6f70_6761_7465; // "coopgate"

/// The in-process write gate (SQLite's single writer), counting who waits.
#[derive(Debug, Default)]
pub struct WriteGate {
    lock: Arc<tokio::sync::Mutex<()>>,
    waiting: AtomicUsize,
}

impl WriteGate {
    /// How many writers are waiting for the gate right now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::SeqCst)
    }

    /// Waits for the gate and holds it until the guard is dropped.
    pub async fn lock(&self) -> tokio::sync::OwnedMutexGuard<()> {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let guard = self.lock.clone().lock_owned().await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        guard
    }
}

/// One serialised write transaction.
pub struct WriteTxn {
    pub(super) txn: DatabaseTransaction,
    _gate: Option<tokio::sync::OwnedMutexGuard<()>>,
    /// Whether the write order (PostgreSQL's advisory lock) is held.
    ordered: AtomicBool,
}

/// Begins a serialised write transaction on `db`.
pub async fn begin(db: &DatabaseConnection, gate: &WriteGate) -> Result<WriteTxn, StorageError> {
    let w = begin_unordered(db, gate).await?;
    w.order().await?;
    Ok(w)
}

/// Begins a write transaction whose write order is taken later, by
/// [`WriteTxn::order`] (commit takes it at the latest): for units of work
/// that, before it, only insert new rows nobody else can see or depend on,
/// so that their bodies run side by side and only their journal (audit,
/// kept counters, change log, outbox) and commit are serialised. On SQLite
/// the in-process gate is taken at once (one writer is SQLite's nature).
pub async fn begin_unordered(db: &DatabaseConnection, gate: &WriteGate) -> Result<WriteTxn, StorageError> {
    let held = match db.get_database_backend() {
        DbBackend::Sqlite => Some(gate.lock().await),
        _ => None,
    };
    let txn = db.begin().await?;
    let sqlite = txn.get_database_backend() == DbBackend::Sqlite;
    if sqlite {
        // Take SQLite's write lock before the first read: the gate above
        // serialises this process only, and a read transaction upgraded
        // while another process (a separate `coopgate worker`) writes fails
        // at once (SQLITE_BUSY) instead of waiting out the busy timeout.
        txn.execute_unprepared("UPDATE sync_cursor SET position = position WHERE 1 = 0").await?;
    }
    Ok(WriteTxn { txn, _gate: held, ordered: AtomicBool::new(sqlite) })
}

impl WriteTxn {
    /// Takes the write order if this transaction does not hold it yet: on
    /// PostgreSQL the transaction-scoped advisory lock, so that change-log
    /// sequences commit in order and every write after it sees the
    /// registry as the writes before it committed it.
    pub async fn order(&self) -> Result<(), StorageError> {
        if self.ordered.load(Ordering::Acquire) {
            return Ok(());
        }
        self.txn
            .execute(sea_orm::Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_advisory_xact_lock($1)",
                [WRITE_LOCK_KEY.into()],
            ))
            .await?;
        self.ordered.store(true, Ordering::Release);
        Ok(())
    }

    /// Commits and releases the gate.
    pub async fn commit(self) -> Result<(), StorageError> {
        self.txn.commit().await?;
        Ok(())
    }

    /// Rolls back and releases the gate.
    pub async fn rollback(self) -> Result<(), StorageError> {
        self.txn.rollback().await?;
        Ok(())
    }

    /// The database engine.
    pub fn backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }
}
