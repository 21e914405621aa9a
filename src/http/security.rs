//! The layers every response passes: request timeout, body limit, CORS for
//! the configured origins only, and security headers.

use super::protocol::Edge;
use crate::config::Profile;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::Router;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;

/// Answers 503 with code `SERVICE_UNAVAILABLE` when the request is not
/// answered within `limit`.
async fn time_limit(
    axum::extract::State(limit): axum::extract::State<std::time::Duration>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(r) => r,
        Err(_) => {
            let message =
                format!("the request did not finish within {}; retry later", humantime::format_duration(limit));
            let body = serde_json::json!({"errors": [{"message": message,
                "extensions": {"code": crate::graphql::error::code::SERVICE_UNAVAILABLE}}]});
            (StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, "1")], axum::Json(body)).into_response()
        }
    }
}

/// Wraps `router` in the limits and headers of `edge`'s settings.
pub fn apply(router: Router, edge: &Edge, profile: Profile) -> Router {
    let config = &edge.config;
    let mut router = router
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .layer(RequestBodyLimitLayer::new(config.max_body_bytes))
        // A request still unanswered after the timeout gets a 503; the
        // database work it started is dropped (a transaction rolls back).
        .layer(axum::middleware::from_fn_with_state(config.request_timeout, time_limit));
    let headers: &[(HeaderName, &'static str)] = &[
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
    ];
    for (name, value) in headers {
        router = router.layer(SetResponseHeaderLayer::if_not_present(name.clone(), HeaderValue::from_static(value)));
    }
    if profile == Profile::Production {
        // Nothing needs to run or be framed; /dashboard sets its own policy
        // (`dashboard::CONTENT_SECURITY_POLICY`), which `if_not_present` keeps.
        let strict: &[(HeaderName, &'static str)] = &[
            (header::CONTENT_SECURITY_POLICY, "default-src 'none'; frame-ancestors 'none'"),
            (header::STRICT_TRANSPORT_SECURITY, "max-age=31536000; includeSubDomains"),
            (header::CACHE_CONTROL, "no-store"),
        ];
        for (name, value) in strict {
            router =
                router.layer(SetResponseHeaderLayer::if_not_present(name.clone(), HeaderValue::from_static(value)));
        }
    }
    let origins: Vec<HeaderValue> = config.cors_origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
    if !origins.is_empty() {
        let request_id = HeaderName::from_static("x-request-id");
        router = router.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods([Method::GET, Method::POST])
                .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION, header::ACCEPT, request_id.clone()])
                .expose_headers([request_id, header::RETRY_AFTER])
                .max_age(std::time::Duration::from_secs(3600)),
        );
    }
    router
}
