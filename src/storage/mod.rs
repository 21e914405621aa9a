//! Storage: the database connection and every SQL statement the registry
//! runs, reads and writes, behind functions that return [`StorageError`].
//! Each function takes a connection (reads) or a [`WriteTxn`] (reads for
//! writing, and writes) and returns entity models or plain structs; none
//! knows about HTTP or GraphQL, and the layers above build no queries.
//! Statements that differ between SQLite and PostgreSQL are written out
//! per dialect in the one function that runs them.

pub mod aggregates;
pub mod evidence;
pub mod export;
pub mod facts;
pub mod journal;
pub mod lifecycle;
pub mod members;
pub mod organisations;
pub mod outbox;
pub mod records;
pub mod reporting;
pub mod reports;
pub mod safety;
pub mod sandbox;
pub mod statistics;
pub mod tail;
pub mod targets;
pub mod texts;
pub mod trend;
pub mod units;
pub mod write;

pub use write::{WriteGate, WriteTxn};

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A storage failure. Its text may hold SQL: it is logged, never shown to clients.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database refused or failed a statement, or could not be reached.
    #[error("database: {0}")]
    Db(#[source] DbErr),
    /// A stored value that should be impossible (e.g. an unknown enumeration name).
    #[error("corrupt data: {0}")]
    Corrupt(String),
}

impl From<DbErr> for StorageError {
    /// Wraps a database error; a wait for a pooled connection that ran out
    /// of time is counted for `/metrics`.
    fn from(e: DbErr) -> Self {
        if matches!(e, DbErr::ConnectionAcquire(sea_orm::error::ConnAcquireErr::Timeout)) {
            crate::meter::pool_wait_timed_out();
        }
        if is_broken_connection(&e) {
            crate::meter::connection_broke();
            BROKE_AT.store(now_secs(), Ordering::Relaxed);
        }
        StorageError::Db(e)
    }
}

/// When (Unix seconds) a pooled connection was last seen broken: for
/// [`PING_AFTER_BREAK`] after that, every checkout pings its connection,
/// so that the other connections the same outage broke are replaced
/// before use instead of failing a statement each.
static BROKE_AT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How long after a broken connection every checkout pings.
pub const PING_AFTER_BREAK: Duration = Duration::from_secs(30);

fn now_secs() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn recently_broken() -> bool {
    now_secs().saturating_sub(BROKE_AT.load(Ordering::Relaxed)) < PING_AFTER_BREAK.as_secs()
}

/// Whether an error says the pooled connection it ran on broke (the socket
/// closed, the server ended the session): a read can run again on another.
pub fn is_broken_connection(e: &DbErr) -> bool {
    use sea_orm::sqlx::Error as X;
    let (DbErr::Conn(sea_orm::RuntimeErr::SqlxError(x))
    | DbErr::Exec(sea_orm::RuntimeErr::SqlxError(x))
    | DbErr::Query(sea_orm::RuntimeErr::SqlxError(x))) = e
    else {
        return false;
    };
    match x {
        X::Io(_) | X::Protocol(_) | X::Tls(_) | X::WorkerCrashed => true,
        // Connection exceptions (08…) and the server shutting sessions down (57P0…).
        X::Database(d) => d.code().is_some_and(|c| c.starts_with("08") || c.starts_with("57P")),
        _ => false,
    }
}

/// Which database engine a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// Embedded SQLite (`sqlite://path`).
    Sqlite,
    /// PostgreSQL (`postgres://…`).
    Postgres,
}

impl Engine {
    /// The engine a database URL names, if coopgate supports it.
    pub fn of_url(url: &str) -> Option<Engine> {
        if url.starts_with("sqlite:") {
            Some(Engine::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Engine::Postgres)
        } else {
            None
        }
    }
}

/// Counts the SQL statements a connection has executed (for tests and metrics).
#[derive(Debug, Default, Clone)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    /// Statements executed so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Connection settings beyond the URL.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    /// Largest number of pooled connections (SQLite uses one writer-friendly small pool).
    pub max_connections: u32,
    /// How long to wait for a connection or for a locked SQLite database.
    pub acquire_timeout: Duration,
    /// PostgreSQL `statement_timeout` of every pooled session (SQLite has
    /// no statement timeout; its busy timeout bounds lock waits).
    pub statement_timeout: Option<Duration>,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings { max_connections: 10, acquire_timeout: Duration::from_secs(10), statement_timeout: None }
    }
}

/// A pooled connection idle for longer than this is pinged before it is
/// handed out (a restarted or failed-over database drops idle connections);
/// a busy connection is not: a ping per checkout was a fifth of a
/// single-record read's CPU. A connection that broke in use is closed by the
/// pool when returned; a read (GraphQL query) that met the break runs again
/// once (`http::protocol`), and for [`PING_AFTER_BREAK`] every checkout
/// pings, so the retry and the requests after it get live connections.
pub const PING_WHEN_IDLE_FOR: Duration = Duration::from_secs(10);

fn pool_options<DB: sea_orm::sqlx::Database>(
    settings: &PoolSettings,
    max_connections: u32,
) -> sea_orm::sqlx::pool::PoolOptions<DB> {
    use sea_orm::sqlx::Connection;
    sea_orm::sqlx::pool::PoolOptions::<DB>::new()
        .max_connections(max_connections)
        .min_connections(1)
        .acquire_timeout(settings.acquire_timeout)
        .test_before_acquire(false)
        // None lives forever, and an idle one is closed after five minutes.
        .idle_timeout(Duration::from_secs(300))
        .max_lifetime(Duration::from_secs(1800))
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= PING_WHEN_IDLE_FOR || recently_broken() {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
}

/// Opens a pool on `url`. SQLite files are created when missing and run with
/// WAL, `synchronous=FULL`, foreign keys on and a 5 s busy timeout.
pub async fn connect(
    url: &str,
    settings: &PoolSettings,
) -> Result<(DatabaseConnection, StatementCounter), StorageError> {
    use sea_orm::sqlx::ConnectOptions as _;
    let conn_err = |e: sea_orm::sqlx::Error| StorageError::Db(DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e)));
    let mut db = match Engine::of_url(url) {
        Some(Engine::Sqlite) => {
            use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
            let o = url
                .parse::<SqliteConnectOptions>()
                .map_err(conn_err)?
                .disable_statement_logging()
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5));
            // One writer at a time is SQLite's nature; a small pool keeps
            // readers concurrent under WAL without piling up lock waits.
            let pool =
                pool_options(settings, settings.max_connections.min(4)).connect_with(o).await.map_err(conn_err)?;
            sea_orm::SqlxSqliteConnector::from_sqlx_sqlite_pool(pool)
        }
        Some(Engine::Postgres) => {
            use sea_orm::sqlx::postgres::PgConnectOptions;
            let mut o = url.parse::<PgConnectOptions>().map_err(conn_err)?.disable_statement_logging();
            if let Some(t) = settings.statement_timeout {
                let ms = t.as_millis().max(1).to_string();
                o = o.options([("statement_timeout", ms)]);
            }
            let pool = pool_options(settings, settings.max_connections).connect_with(o).await.map_err(conn_err)?;
            sea_orm::SqlxPostgresConnector::from_sqlx_postgres_pool(pool)
        }
        None => {
            return Err(StorageError::Db(DbErr::Conn(sea_orm::RuntimeErr::Internal(
                "the database URL names no supported engine (sqlite: or postgres://)".into(),
            ))))
        }
    };
    let counter = StatementCounter::default();
    let c = counter.0.clone();
    db.set_metric_callback(move |_| {
        if crate::meter::in_background() {
            return;
        }
        c.fetch_add(1, Ordering::Relaxed);
        crate::meter::count_statement();
    });
    Ok((db, counter))
}

/// The pool's connections now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolFigures {
    /// Connections open (in use and idle).
    pub size: u32,
    /// Connections open and idle.
    pub idle: u32,
    /// The largest number the pool opens.
    pub max: u32,
}

/// The pool's connections now (for `/metrics`).
pub fn pool_figures(db: &DatabaseConnection) -> PoolFigures {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let p = db.get_postgres_connection_pool();
            PoolFigures { size: p.size(), idle: p.num_idle() as u32, max: p.options().get_max_connections() }
        }
        DbBackend::Sqlite => {
            let p = db.get_sqlite_connection_pool();
            PoolFigures { size: p.size(), idle: p.num_idle() as u32, max: p.options().get_max_connections() }
        }
        _ => PoolFigures { size: 0, idle: 0, max: 0 },
    }
}

/// Whether the database answers a trivial statement.
pub async fn ping(db: &DatabaseConnection) -> Result<(), StorageError> {
    db.ping().await.map_err(StorageError::from)
}

/// Refreshes the query planner's statistics after a bulk load (`ANALYZE`):
/// servers that run without autovacuum, and SQLite, otherwise plan the
/// freshly loaded tables as if they were empty.
pub async fn analyze(db: &DatabaseConnection) -> Result<(), StorageError> {
    db.execute_unprepared("ANALYZE").await?;
    Ok(())
}

/// Tables [`analyze_tables`] may be asked to analyze.
pub const ANALYZABLE: [&str; 4] = ["org_fact", "ward_fact", "target", "target_progress_report"];

/// Refreshes the planner's statistics of some tables after loading them
/// (PostgreSQL on these machines runs without autovacuum).
pub async fn analyze_tables(db: &DatabaseConnection, tables: &[&str]) -> Result<(), StorageError> {
    for t in tables {
        // Table names are identifiers, not values: only known tables are accepted.
        if !ANALYZABLE.contains(t) {
            return Err(StorageError::Corrupt(format!("{t} is not a table to analyze")));
        }
        db.execute_unprepared(&format!("ANALYZE {t}")).await?;
    }
    Ok(())
}

/// The tables the seed generator loads with explicit ids.
pub const BULK_LOADED: [&str; 6] =
    ["person", "cooperative_union", "cooperative", "cooperative_group", "annual_report", "status_change"];

/// Sets PostgreSQL sequences past explicitly inserted ids (after a bulk load).
pub async fn reset_sequences(db: &DatabaseConnection, tables: &[&str]) -> Result<(), StorageError> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    for t in tables {
        // Table names are identifiers, not values: only the bulk-loaded tables are accepted.
        if !BULK_LOADED.contains(t) {
            return Err(StorageError::Corrupt(format!("{t} is not a bulk-loaded table")));
        }
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence('{t}', 'id'), COALESCE((SELECT MAX(id) FROM {t}), 0) + 1, false)"
        );
        db.execute_unprepared(&sql).await?;
    }
    Ok(())
}
