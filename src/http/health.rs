//! Probes: `/healthz` says the process is up; `/readyz` says the database is
//! reachable and its schema is up to date.

use super::HttpState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use migration::{Migrator, MigratorTrait};
use serde_json::{json, Value};

/// Liveness.
pub async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: 200 with `{"status":"ready"}`, else 503 with the reason.
pub async fn readyz(State(state): State<HttpState>) -> (StatusCode, Json<Value>) {
    if let Err(e) = crate::storage::ping(&state.app.db).await {
        tracing::warn!(error = %e, "readiness: database unreachable");
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "unavailable", "reason": "database unreachable"})),
        );
    }
    match Migrator::get_pending_migrations(&state.app.db).await {
        Ok(p) if p.is_empty() => (StatusCode::OK, Json(json!({"status": "ready"}))),
        Ok(p) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "unavailable", "reason": format!("{} migration(s) pending", p.len())})),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "readiness: cannot read migrations");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "unavailable", "reason": "database unreachable"})))
        }
    }
}
