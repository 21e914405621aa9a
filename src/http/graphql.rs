//! `/graphql`: POST and GET execute operations; GET from a browser in the dev
//! profile serves the GraphiQL IDE. A bearer token, when present, must verify;
//! a refused token is a 401 that does not say which check failed.

use super::HttpState;
use crate::auth::Principal;
use crate::config::Profile;
use crate::graphql::error::code;
use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{FromRequestParts, Request, State};
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

/// POST /graphql: GraphQL over HTTP, limits first (see [`super::protocol`]).
pub async fn post_graphql(State(state): State<HttpState>, req: Request) -> Response {
    super::protocol::post(&state, req).await
}

fn wants_html(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"))
}

fn is_websocket(headers: &HeaderMap) -> bool {
    headers.get(header::UPGRADE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

/// The caller of a websocket connection, from its `connection_init` payload:
/// `{"Authorization": "Bearer …"}` (or `authorization`, or `token`). No token
/// means anonymous; a refused token closes the connection.
fn websocket_caller(state: &crate::state::AppState, payload: &serde_json::Value) -> async_graphql::Result<Principal> {
    let header = ["Authorization", "authorization"]
        .iter()
        .find_map(|k| payload.get(*k).and_then(|v| v.as_str()).map(str::to_owned))
        .or_else(|| payload.get("token").and_then(|v| v.as_str()).map(|t| format!("Bearer {t}")));
    let Some(value) = header else { return Ok(Principal::anonymous()) };
    let refused = || async_graphql::Error::new("invalid or expired token");
    let auth = state.authenticator.as_ref().ok_or_else(refused)?;
    auth.verify_header(&value).map_err(|e| {
        tracing::info!(reason = %e, "websocket token refused");
        refused()
    })
}

/// GET /graphql: a graphql-transport-ws upgrade, the IDE for browsers in the
/// dev profile, or a query in the URL.
pub async fn get_graphql(State(state): State<HttpState>, req: Request) -> Response {
    let headers = req.headers().clone();
    if is_websocket(&headers) {
        let (mut parts, _) = req.into_parts();
        let protocol = match GraphQLProtocol::from_request_parts(&mut parts, &state).await {
            Ok(p) => p,
            Err(r) => return r.into_response(),
        };
        let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &state).await {
            Ok(u) => u,
            Err(r) => return r.into_response(),
        };
        let schema = state.schema.clone();
        let app = state.app.clone();
        let max = state.edge.config.max_body_bytes;
        return upgrade
            .max_message_size(max)
            .max_frame_size(max)
            .protocols(ALL_WEBSOCKET_PROTOCOLS)
            .on_upgrade(move |socket| {
                GraphQLWebSocket::new(socket, schema, protocol)
                    .on_connection_init(move |payload| async move {
                        let principal = websocket_caller(&app, &payload)?;
                        let mut data = async_graphql::Data::default();
                        data.insert(principal);
                        data.insert(crate::auth::RequestId("websocket".into()));
                        Ok(data)
                    })
                    .serve()
            })
            .into_response();
    }
    if state.app.profile == Profile::Dev && wants_html(&headers) {
        return super::ide::page();
    }
    super::protocol::get(&state, req).await
}
