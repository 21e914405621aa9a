//! `/graphql`: POST and GET execute operations; GET from a browser in the dev
//! profile serves the GraphiQL IDE; a websocket upgrade serves
//! graphql-transport-ws ([`super::websocket`]) or the legacy `graphql-ws`.

use super::HttpState;
use crate::config::Profile;
use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};

/// POST /graphql: GraphQL over HTTP, limits first (see [`super::protocol`]).
pub async fn post_graphql(State(state): State<HttpState>, req: Request) -> Response {
    let lang = super::language_of(req.headers(), state.edge.language);
    super::in_language(lang, super::protocol::post(&state, req)).await
}

fn wants_html(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"))
}

fn is_websocket(headers: &HeaderMap) -> bool {
    headers.get(header::UPGRADE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

/// Whether the client's first recognised websocket subprotocol is
/// graphql-transport-ws (served by [`super::websocket`]); the legacy
/// `graphql-ws` (subscriptions-transport-ws) is served by the library.
fn wants_transport_ws(headers: &HeaderMap) -> bool {
    headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',')
                .map(str::trim)
                .find(|p| p.eq_ignore_ascii_case("graphql-transport-ws") || p.eq_ignore_ascii_case("graphql-ws"))
        })
        .is_some_and(|p| p.eq_ignore_ascii_case("graphql-transport-ws"))
}

/// GET /graphql: a graphql-transport-ws upgrade, the IDE for browsers in the
/// dev profile, or a query in the URL.
pub async fn get_graphql(State(state): State<HttpState>, req: Request) -> Response {
    let headers = req.headers().clone();
    let lang = super::language_of(&headers, state.edge.language);
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
        let max = state.edge.config.max_body_bytes;
        let upgrade = upgrade.max_message_size(max).max_frame_size(max);
        let slot = parts.extensions.get::<super::serve::ConnectionSlot>().cloned();
        if wants_transport_ws(&headers) {
            let peer = parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0);
            let client = super::rate_limit::client_ip(&headers, state.edge.config.client_ip_header.as_ref(), peer);
            return upgrade
                .protocols(["graphql-transport-ws"])
                .on_upgrade(move |socket| super::websocket::serve(socket, state, client, slot, lang))
                .into_response();
        }
        let schema = state.streaming.clone();
        let app = state.app.clone();
        return upgrade
            .protocols(ALL_WEBSOCKET_PROTOCOLS)
            .on_upgrade(move |socket| async move {
                // The connection's slot is held until the websocket closes.
                let _slot = slot;
                GraphQLWebSocket::new(socket, schema, protocol)
                    .on_connection_init(move |payload| async move {
                        let principal = super::auth::websocket_caller(&app, &payload)
                            .map_err(|_| async_graphql::Error::new(crate::domain::Msg::InvalidToken.text(lang)))?;
                        let mut data = async_graphql::Data::default();
                        data.insert(principal);
                        data.insert(crate::auth::RequestId("websocket".into()));
                        data.insert(lang);
                        Ok(data)
                    })
                    .serve()
                    .await
            })
            .into_response();
    }
    if state.app.profile == Profile::Dev && wants_html(&headers) {
        return super::ide::page();
    }
    super::in_language(lang, super::protocol::get(&state, req)).await
}
