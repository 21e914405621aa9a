//! The HTTP edge: routes, request ids, tracing and the GraphQL handler.

mod auth;
mod dashboard;
mod exports;
mod graphql;
mod health;
pub mod ide;
pub mod metrics;
pub mod persisted;
pub mod protocol;
pub mod rate_limit;
mod sandbox;
mod security;
pub mod serve;
mod websocket;

use crate::graphql::CoopgateSchema;
use crate::state::AppState;
use axum::http::{HeaderName, Request};
use axum::routing::get;
use axum::Router;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// What the HTTP handlers share.
#[derive(Clone)]
pub struct HttpState {
    /// Application state.
    pub app: AppState,
    /// The executable schema of queries and mutations (no extension).
    pub schema: CoopgateSchema,
    /// The schema of subscription streams and the legacy `graphql-ws`
    /// transport (document guard and null completion as extensions).
    pub streaming: CoopgateSchema,
    /// Limits, rate limits and the allow-list.
    pub edge: std::sync::Arc<protocol::Edge>,
    /// The dev profile's token minting for the IDE (`/dev/token`); `None`
    /// when it is off.
    pub dev_tokens: Option<std::sync::Arc<ide::DevTokens>>,
    /// The in-process national simulator's controls (`/sandbox/faults`);
    /// `None` without one.
    pub sandbox: Option<crate::sim::SimControl>,
    /// The scale `POST /sandbox/reset` seeds the demo registry at.
    pub demo_scale: u32,
}

tokio::task_local! {
    /// The language of the request being answered (set by the `/graphql`
    /// handlers from `Accept-Language`).
    static LANGUAGE: crate::domain::Language;
}

/// The language of the request being answered; English outside a request.
pub(crate) fn language() -> crate::domain::Language {
    LANGUAGE.try_with(|l| *l).unwrap_or(crate::domain::Language::En)
}

/// The language `headers` ask for (`Accept-Language`), else `default`.
pub(crate) fn language_of(
    headers: &axum::http::HeaderMap,
    default: crate::domain::Language,
) -> crate::domain::Language {
    let header = headers.get(axum::http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    crate::domain::Language::negotiate(header, default)
}

/// Runs `f` as the answer to a request in `lang`, and says so on the
/// response: `Content-Language`, and `Vary: Accept-Language` (a cached GET
/// answer is only good for the same language).
pub(crate) async fn in_language(
    lang: crate::domain::Language,
    f: impl std::future::Future<Output = axum::response::Response>,
) -> axum::response::Response {
    let mut r = LANGUAGE.scope(lang, f).await;
    let h = r.headers_mut();
    h.insert(axum::http::header::CONTENT_LANGUAGE, axum::http::HeaderValue::from_static(lang.tag()));
    h.append(axum::http::header::VARY, axum::http::HeaderValue::from_static("accept-language"));
    r
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The router: `/graphql`, `/healthz`, `/readyz`, `/dashboard`.
pub fn router(state: HttpState) -> Router {
    let trace = TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
        let id = req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
        tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path())
    });
    let edge = state.edge.clone();
    let profile = state.app.profile;
    let routes = Router::new()
        .route("/graphql", get(graphql::get_graphql).post(graphql::post_graphql))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .merge(dashboard::routes())
        .merge(ide::routes(&state))
        .merge(exports::routes())
        .merge(sandbox::routes())
        .with_state(state);
    security::apply(routes, &edge, profile)
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(trace)
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(axum::middleware::map_request(drop_unusable_request_id))
}

/// Longest `x-request-id` kept, in bytes: the width of the audit trail's
/// request-id column (`audit_event.request_id`, varchar(100)).
pub const MAX_REQUEST_ID_BYTES: usize = 100;

/// Whether a client's `x-request-id` can be carried into the log and the
/// audit trail as given: 1 to [`MAX_REQUEST_ID_BYTES`] visible ASCII
/// characters (no spaces or controls).
pub fn usable_request_id(id: &[u8]) -> bool {
    !id.is_empty() && id.len() <= MAX_REQUEST_ID_BYTES && id.iter().all(|b| b.is_ascii_graphic())
}

/// Removes an unusable `x-request-id` (too long, or with spaces, controls or
/// non-ASCII bytes), or all of them when several are sent, so that a fresh
/// one is generated; the response carries the id actually used.
async fn drop_unusable_request_id(mut req: Request<axum::body::Body>) -> Request<axum::body::Body> {
    let values = req.headers().get_all(&REQUEST_ID);
    let mut iter = values.iter();
    let keep = match (iter.next(), iter.next()) {
        (Some(v), None) => usable_request_id(v.as_bytes()),
        (None, _) => true,
        (Some(_), Some(_)) => false,
    };
    if !keep {
        if let Some(v) = req.headers().get(&REQUEST_ID) {
            tracing::debug!(bytes = v.len(), "unusable x-request-id replaced");
        }
        req.headers_mut().remove(&REQUEST_ID);
    }
    req
}
