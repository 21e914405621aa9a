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

/// A bearer token was present but refused.
#[derive(Debug)]
pub struct Refused;

/// The caller, from the `Authorization` header; `Refused` when a token is
/// present but does not verify.
pub fn authenticate(state: &HttpState, headers: &HeaderMap) -> Result<Principal, Refused> {
    let Some(value) = headers.get(header::AUTHORIZATION) else { return Ok(Principal::anonymous()) };
    let verified = match (&state.app.authenticator, value.to_str()) {
        (Some(auth), Ok(v)) => auth.verify_header(v),
        (None, _) => Err(crate::auth::jwt::AuthError::NotConfigured),
        (_, Err(_)) => Err(crate::auth::jwt::AuthError::NotBearer),
    };
    verified.map_err(|e| {
        tracing::info!(reason = %e, "bearer token refused");
        Refused
    })
}

/// 401 with a GraphQL error body.
pub fn unauthenticated() -> Response {
    let body =
        json!({"errors": [{"message": "invalid or expired token", "extensions": {"code": code::UNAUTHENTICATED}}]});
    (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"")], Json(body))
        .into_response()
}

/// The caller of a websocket connection, from its `connection_init` payload:
/// `{"Authorization": "Bearer …"}` (or `authorization`, or `token`). No token
/// means anonymous; `Refused` when a token is present but does not verify.
pub fn websocket_caller(state: &crate::state::AppState, payload: &serde_json::Value) -> Result<Principal, Refused> {
    let header = ["Authorization", "authorization"]
        .iter()
        .find_map(|k| payload.get(*k).and_then(|v| v.as_str()).map(str::to_owned))
        .or_else(|| payload.get("token").and_then(|v| v.as_str()).map(|t| format!("Bearer {t}")));
    let Some(value) = header else { return Ok(Principal::anonymous()) };
    let auth = state.authenticator.as_ref().ok_or(Refused)?;
    auth.verify_header(&value).map_err(|e| {
        tracing::info!(reason = %e, "websocket token refused");
        Refused
    })
}
