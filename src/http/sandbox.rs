//! The partner sandbox's controls (dev profile, national admins only):
//!
//! - `GET /sandbox/faults`: the faults the in-process national simulator
//!   injects now;
//! - `POST /sandbox/faults`: change some of them (the JSON shape of the
//!   simulator's `POST /_sim/faults`, docs/national-api.md): `errorRate`,
//!   `timeoutRate`, `loseAnswerRate`, `rateLimitRate`, `hangMs`,
//!   `latencyMs`, `retryAfterSeconds`, `outage`;
//! - `DELETE /sandbox/faults`: no faults any more;
//! - `POST /sandbox/reset`: the demo registry restored (as `coopgate seed
//!   --demo --reset`) and the simulator back to a fresh start.
//!
//! In the production profile every one answers 403 `FORBIDDEN`; without an
//! in-process simulator (`COOPGATE_NATIONAL` off or real URLs) the fault
//! routes answer 404 `NOT_FOUND`.

use super::HttpState;
use crate::auth::{Principal, Role};
use crate::config::Profile;
use crate::graphql::error::code;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::net::SocketAddr;

/// Largest body accepted by `POST /sandbox/faults`.
const MAX_BODY_BYTES: usize = 4096;

/// The sandbox routes.
pub fn routes() -> Router<HttpState> {
    Router::new()
        .route("/sandbox/faults", get(faults).post(set_faults).delete(clear_faults))
        .route("/sandbox/reset", post(reset))
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({"errors": [{"message": message, "extensions": {"code": code}}]}))).into_response()
}

/// The caller, when the sandbox may be controlled at all and the caller is
/// a national admin; else the refusal to send.
fn admin(state: &HttpState, headers: &HeaderMap, addr: SocketAddr) -> Result<Principal, Box<Response>> {
    if state.app.profile == Profile::Production {
        return Err(Box::new(error(
            StatusCode::FORBIDDEN,
            code::FORBIDDEN,
            "the sandbox controls are off in the production profile",
        )));
    }
    let who = super::auth::authenticate(state, headers, Some(addr.ip()))
        .map_err(|_| Box::new(super::auth::unauthenticated()))?;
    match who.role {
        Role::NationalAdmin => Ok(who),
        Role::Anonymous => {
            Err(Box::new(error(StatusCode::UNAUTHORIZED, code::UNAUTHENTICATED, "authentication required")))
        }
        _ => Err(Box::new(error(
            StatusCode::FORBIDDEN,
            code::FORBIDDEN,
            "only a national admin may control the sandbox",
        ))),
    }
}

fn simulator(state: &HttpState) -> Result<&crate::sim::SimControl, Box<Response>> {
    state.sandbox.as_ref().ok_or_else(|| {
        Box::new(error(
            StatusCode::NOT_FOUND,
            code::NOT_FOUND,
            "no in-process national simulator runs here (COOPGATE_NATIONAL is off or names real systems)",
        ))
    })
}

async fn faults(
    State(state): State<HttpState>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
) -> Response {
    if let Err(r) = admin(&state, &headers, addr) {
        return *r;
    }
    match simulator(&state) {
        Ok(sim) => Json(sim.faults()).into_response(),
        Err(r) => *r,
    }
}

async fn set_faults(
    State(state): State<HttpState>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    body: Bytes,
) -> Response {
    let who = match admin(&state, &headers, addr) {
        Ok(who) => who,
        Err(r) => return *r,
    };
    let sim = match simulator(&state) {
        Ok(sim) => sim,
        Err(r) => return *r,
    };
    if body.len() > MAX_BODY_BYTES {
        return error(StatusCode::PAYLOAD_TOO_LARGE, code::BAD_USER_INPUT, "the body may be at most 4096 bytes");
    }
    let Ok(patch) = serde_json::from_slice::<Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, code::BAD_USER_INPUT, "the body must be a JSON object");
    };
    match sim.patch_faults(&patch) {
        Ok(f) => {
            tracing::info!(subject = %who.subject, faults = ?f, "sandbox: national simulator faults set");
            Json(f).into_response()
        }
        Err(errors) => {
            let errors: Vec<Value> = errors
                .into_iter()
                .map(|e| json!({"message": e.message, "field": e.field, "extensions": {"code": code::BAD_USER_INPUT}}))
                .collect();
            (StatusCode::UNPROCESSABLE_ENTITY, Json(json!({ "errors": errors }))).into_response()
        }
    }
}

async fn clear_faults(
    State(state): State<HttpState>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
) -> Response {
    let who = match admin(&state, &headers, addr) {
        Ok(who) => who,
        Err(r) => return *r,
    };
    match simulator(&state) {
        Ok(sim) => {
            tracing::info!(subject = %who.subject, "sandbox: national simulator faults cleared");
            Json(sim.clear_faults()).into_response()
        }
        Err(r) => *r,
    }
}

/// The request id the edge set (or kept) for the audit trail.
fn request_id(headers: &HeaderMap) -> String {
    headers.get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-").to_owned()
}

async fn reset(
    State(state): State<HttpState>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
) -> Response {
    // Another role's attempt goes to the use case, which audits the refusal.
    let who = match admin(&state, &headers, addr) {
        Ok(who) => who,
        Err(r) if r.status() == StatusCode::FORBIDDEN && state.app.profile == Profile::Dev => {
            let Ok(who) = super::auth::authenticate(&state, &headers, Some(addr.ip())) else {
                return super::auth::unauthenticated();
            };
            who
        }
        Err(r) => return *r,
    };
    if who.role != Role::NationalAdmin {
        let actor = crate::service::write::Actor { principal: who, request_id: request_id(&headers) };
        return match crate::service::sandbox::wipe(&state.app, &actor, state.demo_scale, false).await {
            Err(crate::service::ServiceError::Forbidden(_)) => {
                error(StatusCode::FORBIDDEN, code::FORBIDDEN, "only a national admin may reset the sandbox")
            }
            _ => error(StatusCode::INTERNAL_SERVER_ERROR, code::INTERNAL, "internal error"),
        };
    }
    // Deliveries in flight while the registry is emptied and seeded again
    // fail (and are retried later) instead of reaching the old simulator state.
    if let Some(sim) = &state.sandbox {
        let _ = sim.patch_faults(&json!({"outage": true}));
    }
    let actor = crate::service::write::Actor { principal: who, request_id: request_id(&headers) };
    let summary = match crate::seed::reset_demo(&state.app, &actor, state.demo_scale, false, false).await {
        Ok(s) => s,
        Err(e) => {
            if let Some(sim) = &state.sandbox {
                let _ = sim.patch_faults(&json!({"outage": false}));
            }
            tracing::error!(error = %e, "sandbox reset failed");
            return error(StatusCode::INTERNAL_SERVER_ERROR, code::INTERNAL, "the sandbox reset failed; try again");
        }
    };
    let simulator = match &state.sandbox {
        Some(sim) => match sim.reset() {
            Ok(()) => true,
            Err(e) => {
                tracing::error!(error = %e, "sandbox reset: the national simulator was not reset");
                return error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    code::INTERNAL,
                    "the registry was reset but the national simulator was not; try again",
                );
            }
        },
        None => false,
    };
    Json(json!({
        "cooperatives": summary.seeded.cooperatives,
        "unions": summary.seeded.unions,
        "groups": summary.seeded.groups,
        "annualReports": summary.seeded.annual_reports,
        "persons": summary.seeded.persons,
        "targets": summary.targets,
        "simulatorReset": simulator,
    }))
    .into_response()
}
