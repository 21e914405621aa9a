//! Who is calling: the bearer token of an HTTP request or of a websocket's
//! `connection_init` payload. A token, when present, must verify; a refused
//! token does not say which check failed.

use super::HttpState;
use crate::auth::Principal;
use crate::graphql::error::code;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A bearer token was present but refused.
#[derive(Debug)]
pub struct Refused;

/// Remembers, per client address, when a refused token was last logged at
/// info, so that a client replaying bad tokens logs one info line a minute
/// and the rest at debug. Holds at most `capacity` addresses; when full,
/// entries older than a minute are dropped, and if none is, the newcomer is
/// logged at debug (the log stays bounded under an address flood too).
pub struct RefusalLog {
    seen: Mutex<HashMap<IpAddr, Instant>>,
    capacity: usize,
}

/// How often a refused token is logged at info per client address.
const REFUSAL_LOG_EVERY: Duration = Duration::from_secs(60);

impl RefusalLog {
    /// A log remembering at most `capacity` addresses.
    pub fn new(capacity: usize) -> Self {
        RefusalLog { seen: Mutex::new(HashMap::new()), capacity }
    }

    /// Whether this refusal from `client` is the first of its minute (log it
    /// at info) rather than a repeat (log it at debug).
    pub fn first_this_minute(&self, client: Option<IpAddr>, now: Instant) -> bool {
        let Some(ip) = client else { return false };
        let Ok(mut seen) = self.seen.lock() else { return false };
        if let Some(at) = seen.get(&ip) {
            if now.saturating_duration_since(*at) < REFUSAL_LOG_EVERY {
                return false;
            }
        }
        if seen.len() >= self.capacity && !seen.contains_key(&ip) {
            seen.retain(|_, at| now.saturating_duration_since(*at) < REFUSAL_LOG_EVERY);
            if seen.len() >= self.capacity {
                return false;
            }
        }
        seen.insert(ip, now);
        true
    }
}

/// Addresses remembered by the refused-token log.
const REFUSAL_LOG_CAPACITY: usize = 4096;

fn refusal_log() -> &'static RefusalLog {
    static LOG: std::sync::OnceLock<RefusalLog> = std::sync::OnceLock::new();
    LOG.get_or_init(|| RefusalLog::new(REFUSAL_LOG_CAPACITY))
}

/// The caller, from the `Authorization` header; `Refused` when a token is
/// present but does not verify. `client` is the caller's address, for the
/// log (one info line per address a minute, the rest at debug).
pub fn authenticate(state: &HttpState, headers: &HeaderMap, client: Option<IpAddr>) -> Result<Principal, Refused> {
    let Some(value) = headers.get(header::AUTHORIZATION) else { return Ok(Principal::anonymous()) };
    let verified = match (&state.app.authenticator, value.to_str()) {
        (Some(auth), Ok(v)) => auth.verify_header(v),
        (None, _) => Err(crate::auth::jwt::AuthError::NotConfigured),
        (_, Err(_)) => Err(crate::auth::jwt::AuthError::NotBearer),
    };
    verified.map_err(|e| {
        let e = log_reason(&e);
        let client_text = client.map(|c| c.to_string()).unwrap_or_else(|| "-".into());
        if refusal_log().first_this_minute(client, Instant::now()) {
            tracing::info!(reason = %e, client = %client_text, "bearer token refused");
        } else {
            tracing::debug!(reason = %e, client = %client_text, "bearer token refused");
        }
        Refused
    })
}

/// Longest refusal reason logged, in characters: a library's message may
/// quote part of the token (a claim of the wrong type, say).
const MAX_REASON_CHARS: usize = 200;

fn log_reason(e: &crate::auth::jwt::AuthError) -> String {
    e.to_string().chars().take(MAX_REASON_CHARS).collect()
}

/// 401 with a GraphQL error body.
pub fn unauthenticated() -> Response {
    let message = crate::domain::Msg::InvalidToken.text(super::language());
    let body = json!({"errors": [{"message": message, "extensions": {"code": code::UNAUTHENTICATED}}]});
    (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"")], Json(body))
        .into_response()
}

/// The caller of a websocket connection, from its `connection_init` payload:
/// `{"Authorization": "Bearer …"}` (or `authorization`, or `token`). No token
/// means anonymous; `Refused` when a token is present but does not verify,
/// or when one of those keys holds something other than a string (a
/// malformed credential is never taken for no credential).
pub fn websocket_caller(state: &crate::state::AppState, payload: &serde_json::Value) -> Result<Principal, Refused> {
    let mut header = None;
    for key in ["Authorization", "authorization", "token"] {
        match payload.get(key) {
            None | Some(serde_json::Value::Null) => {}
            Some(serde_json::Value::String(v)) if key == "token" => {
                header = header.or_else(|| Some(format!("Bearer {v}")))
            }
            Some(serde_json::Value::String(v)) => header = header.or_else(|| Some(v.clone())),
            Some(_) => {
                tracing::info!(key, "websocket credential is not a string");
                return Err(Refused);
            }
        }
    }
    let Some(value) = header else { return Ok(Principal::anonymous()) };
    let auth = state.authenticator.as_ref().ok_or(Refused)?;
    auth.verify_header(&value).map_err(|e| {
        let e = log_reason(&e);
        tracing::info!(reason = %e, "websocket token refused");
        Refused
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_tokens_log_at_info_once_a_minute_per_address() {
        let log = RefusalLog::new(2);
        let t0 = Instant::now();
        let a: IpAddr = "203.0.113.1".parse().expect("ip");
        let b: IpAddr = "203.0.113.2".parse().expect("ip");
        let c: IpAddr = "203.0.113.3".parse().expect("ip");
        assert!(log.first_this_minute(Some(a), t0));
        assert!(!log.first_this_minute(Some(a), t0 + Duration::from_secs(59)));
        assert!(log.first_this_minute(Some(a), t0 + Duration::from_secs(61)));
        assert!(log.first_this_minute(Some(b), t0 + Duration::from_secs(61)));
        assert!(!log.first_this_minute(Some(c), t0 + Duration::from_secs(62)), "full: newcomers go to debug");
        assert!(log.first_this_minute(Some(c), t0 + Duration::from_secs(130)), "stale entries make room");
        assert!(log.seen.lock().map(|s| s.len() <= 2).unwrap_or(false), "bounded");
        assert!(!log.first_this_minute(None, t0));
    }
}
