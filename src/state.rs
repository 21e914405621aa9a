//! What every request handler shares.

use crate::config::Profile;
use crate::domain::Gazetteer;
use crate::storage::StatementCounter;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// Shared application state; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The database pool.
    pub db: DatabaseConnection,
    /// Statements executed on `db`.
    pub statements: StatementCounter,
    /// Administrative units, in memory.
    pub gazetteer: Arc<Gazetteer>,
    /// Deployment profile.
    pub profile: Profile,
    /// Verifies bearer tokens; `None` when no key is configured.
    pub authenticator: Option<Arc<crate::auth::jwt::Authenticator>>,
    /// Serialises write transactions within this process (SQLite has one writer).
    pub write_gate: Arc<crate::storage::WriteGate>,
    /// Committed changes, fanned out to subscribers.
    pub feed: crate::storage::tail::FeedHub,
    /// The reporting calendar, exports and the sandbox.
    pub reporting: Arc<crate::config::ReportingConfig>,
    /// Statistics and target facts kept until the registry changes.
    pub aggregates: Arc<crate::storage::aggregates::Aggregates>,
    /// Audit evidence keys and settings (checkpoints, person hashes).
    pub evidence: Arc<crate::evidence::Keys>,
}
