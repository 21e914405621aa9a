//! The partner sandbox's reset: every statement that empties the registry
//! before the demo data is seeded again (`coopgate seed --demo --reset`,
//! `POST /sandbox/reset`).
//!
//! What goes and what stays (docs/portal-guide.md, "Partner sandbox"):
//! - emptied: the organisations and everything hanging off them (persons,
//!   members, annual reports, status history, reorganisation links), the
//!   targets, the outbox, the national-feed cursors, the idempotency
//!   receipts, the exports, the change log and the kept counters of
//!   statistics and targets (rebuilt at the next read);
//! - numbering: every emptied table's ids start again after what the demo
//!   seed inserts, so a partner's test creates the same ids on every run;
//!   the change log's sequence does not go back (running subscription
//!   tailers and mirrors only move forward);
//! - kept: the administrative units and the audit trail, which is
//!   append-only and hash-chained: the reset is one more event in it.

use super::write::WriteTxn;
use super::StorageError;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend};

/// Emptied by a reset, children before parents (foreign keys).
pub const WIPED: [&str; 19] = [
    // The kept counters (storage::facts): rebuilt at the next read.
    "fact_state",
    "ward_fact",
    "org_fact",
    "export_chunk",
    "export_job",
    "member",
    "reorganisation_link",
    "status_change",
    "annual_report",
    "target_progress_report",
    "target",
    "sync_outbox",
    "sync_cursor",
    "mutation_receipt",
    "change_event",
    "cooperative_group",
    "cooperative",
    "cooperative_union",
    "person",
];

/// Emptied tables whose `id` numbering starts again after a reset (all but
/// the change log, keyed by its sequence, and the name-keyed cursors and
/// the job-keyed export chunks).
pub const RENUMBERED: [&str; 12] = [
    "export_job",
    "member",
    "reorganisation_link",
    "status_change",
    "annual_report",
    "target_progress_report",
    "target",
    "sync_outbox",
    "mutation_receipt",
    "cooperative_group",
    "cooperative",
    "cooperative_union",
];

/// Deletes every row of the [`WIPED`] tables inside `w` (the audit row of
/// the reset is written in the same transaction by the caller).
pub async fn wipe(w: &WriteTxn) -> Result<(), StorageError> {
    for table in WIPED {
        // Table names are constants of this module, not input.
        w.txn.execute_unprepared(&format!("DELETE FROM {table}")).await?;
    }
    Ok(())
}

/// Starts the numbering of the [`RENUMBERED`] tables and `person` again
/// after their highest id (none after a wipe): PostgreSQL's sequences are
/// set back, SQLite's `AUTOINCREMENT` counters forgotten. Run after
/// [`wipe`] committed and again after the seed, outside any transaction.
pub async fn renumber(db: &DatabaseConnection) -> Result<(), StorageError> {
    let tables = RENUMBERED.iter().chain(std::iter::once(&"person"));
    match db.get_database_backend() {
        DbBackend::Postgres => {
            for t in tables {
                db.execute_unprepared(&format!(
                    "SELECT setval(pg_get_serial_sequence('{t}', 'id'), COALESCE((SELECT MAX(id) FROM {t}), 0) + 1, false)"
                ))
                .await?;
            }
        }
        _ => {
            let has_counters = db
                .query_one(sea_orm::Statement::from_string(
                    DbBackend::Sqlite,
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'",
                ))
                .await?
                .is_some();
            if has_counters {
                let list: Vec<String> = tables.map(|t| format!("'{t}'")).collect();
                db.execute_unprepared(&format!("DELETE FROM sqlite_sequence WHERE name IN ({})", list.join(", ")))
                    .await?;
            }
        }
    }
    Ok(())
}
