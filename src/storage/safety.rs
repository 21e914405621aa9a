//! What keeps the data safe, read back from the database at start-up and
//! logged in one line: on SQLite the journal mode, `synchronous`, the busy
//! timeout and foreign keys (writes are also serialised in-process, see
//! `service::write`); on PostgreSQL the statement timeout.

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

/// The settings in force on one pooled connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Safety {
    /// SQLite's durability and locking settings.
    Sqlite {
        /// `PRAGMA journal_mode` (`wal`).
        journal_mode: String,
        /// `PRAGMA synchronous` (2 is FULL).
        synchronous: i64,
        /// `PRAGMA busy_timeout`, in milliseconds.
        busy_timeout_ms: i64,
        /// `PRAGMA foreign_keys`.
        foreign_keys: bool,
    },
    /// PostgreSQL's session settings.
    Postgres {
        /// `SHOW statement_timeout` (`0` is none).
        statement_timeout: String,
    },
}

async fn scalar(db: &DatabaseConnection, sql: &str) -> Option<sea_orm::QueryResult> {
    db.query_one(Statement::from_string(db.get_database_backend(), sql.to_owned())).await.ok().flatten()
}

/// Reads the settings from one pooled connection.
pub async fn read(db: &DatabaseConnection) -> Option<Safety> {
    match db.get_database_backend() {
        DbBackend::Sqlite => {
            let journal_mode = scalar(db, "PRAGMA journal_mode").await?.try_get_by_index::<String>(0).ok()?;
            let synchronous = scalar(db, "PRAGMA synchronous").await?.try_get_by_index::<i64>(0).ok()?;
            let busy_timeout_ms = scalar(db, "PRAGMA busy_timeout").await?.try_get_by_index::<i64>(0).ok()?;
            let foreign_keys = scalar(db, "PRAGMA foreign_keys").await?.try_get_by_index::<i64>(0).ok()? == 1;
            Some(Safety::Sqlite { journal_mode, synchronous, busy_timeout_ms, foreign_keys })
        }
        DbBackend::Postgres => {
            let statement_timeout = scalar(db, "SHOW statement_timeout").await?.try_get_by_index::<String>(0).ok()?;
            Some(Safety::Postgres { statement_timeout })
        }
        _ => None,
    }
}

/// Logs the settings in force (a warning when SQLite's are not the safe ones).
pub async fn report(db: &DatabaseConnection) {
    match read(db).await {
        Some(Safety::Sqlite { journal_mode, synchronous, busy_timeout_ms, foreign_keys }) => {
            let safe =
                journal_mode.eq_ignore_ascii_case("wal") && synchronous == 2 && busy_timeout_ms >= 5000 && foreign_keys;
            let synchronous = if synchronous == 2 { "FULL".to_owned() } else { synchronous.to_string() };
            if safe {
                tracing::info!(%journal_mode, %synchronous, busy_timeout_ms, foreign_keys, writes = "serialised in-process",
                    "sqlite storage safety");
            } else {
                tracing::warn!(%journal_mode, %synchronous, busy_timeout_ms, foreign_keys, "sqlite storage is NOT in its safe settings");
            }
        }
        Some(Safety::Postgres { statement_timeout }) => {
            tracing::info!(%statement_timeout, writes = "serialised by an advisory lock", "postgresql storage safety");
        }
        None => tracing::warn!("could not read the database's safety settings"),
    }
}
