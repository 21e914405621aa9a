//! The GraphiQL IDE of the dev profile, built into the binary: the page at
//! `GET /graphql` (for browsers) and its bundle under `/graphql/assets/`,
//! both from `web/graphiql/dist/` (built by `web/graphiql/build.sh` and
//! committed), so the IDE works on a machine with no internet route. Also the
//! dev-only `/dev/token` endpoint the IDE's "Bearer token" panel mints with.

use super::HttpState;
use crate::auth::jwt::{claims_for, mint_hs256, role_claim};
use crate::auth::Role;
use crate::config::{Config, Profile};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use std::time::Duration;

/// The built IDE (`web/graphiql/dist/`), embedded at compile time in every
/// profile of the build (rust-embed's `debug-embed`).
#[derive(rust_embed::RustEmbed)]
#[folder = "web/graphiql/dist/"]
struct Dist;

/// The page's content security policy: scripts, workers, styles and fonts
/// from this origin only, requests to this origin only (websocket included).
/// Monaco (GraphiQL's editor) writes `<style>` elements at run time, hence
/// `'unsafe-inline'` for styles; GraphiQL's stylesheet embeds its fonts and
/// a few icons as `data:` URLs. No `'unsafe-eval'`, no inline scripts.
pub const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; worker-src 'self'; \
     style-src 'self' 'unsafe-inline'; font-src 'self' data:; img-src 'self' data:; connect-src 'self'; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The IDE's page (`index.html` of the build), or a 500 naming the missing
/// build when the binary was compiled without one.
pub fn page() -> Response {
    let Some(file) = Dist::get("index.html") else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "the IDE was not built: run web/graphiql/build.sh").into_response();
    };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
            (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(PAGE_CSP)),
            // The page names the current hashed bundle: always revalidate it.
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        file.data.into_owned(),
    )
        .into_response()
}

/// The content type of a bundle file, by its extension.
fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("html") => "text/html; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ttf") => "font/ttf",
        Some("woff") => "font/woff",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// `GET /graphql/assets/{file}`: a file of the bundle. Names carry a content
/// hash, so they are cached for a year and never revalidated.
async fn asset(Path(file): Path<String>) -> Response {
    let Some(found) = Dist::get(&format!("assets/{file}")) else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type(&file))),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable")),
        ],
        found.data.into_owned(),
    )
        .into_response()
}

/// The key the dev profile's `/dev/token` mints with: the built-in
/// development key, and only that one.
#[derive(Debug, Clone)]
pub struct DevTokens {
    secret: String,
    issuer: String,
    audience: String,
}

/// Longest lifetime a dev token may ask for (one day).
const MAX_DEV_TTL: Duration = Duration::from_secs(24 * 3600);

impl DevTokens {
    /// Minting is on in the dev profile when no JWT key is configured, that
    /// is when the server verifies with the built-in development key, whose
    /// secret is public anyway (`coopgate token` mints with it). With an
    /// operator's key, or in production, there is no `/dev/token`.
    pub fn for_config(config: &Config) -> Option<Self> {
        if config.profile != Profile::Dev || config.auth_configured() {
            return None;
        }
        let keys = config.key_settings();
        Some(DevTokens { secret: keys.hs256_secret?, issuer: keys.issuer?, audience: keys.audience? })
    }
}

/// What `POST /dev/token` takes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct MintRequest {
    role: String,
    #[serde(default)]
    province: Option<String>,
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    ttl_seconds: Option<u64>,
}

const ROLES: [Role; 4] = [Role::NationalAdmin, Role::ProvincialOfficer, Role::PortalReader, Role::SyncService];

fn bad_request(message: impl Into<String>) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": message.into() }))).into_response()
}

/// `GET /dev/token`: the roles and provinces (in force) a dev token may name.
async fn dev_token_options(State(state): State<HttpState>) -> Response {
    let provinces: Vec<_> =
        state.app.gazetteer.provinces(false).into_iter().map(|p| json!({ "code": p.code, "name": p.name })).collect();
    let roles: Vec<_> = ROLES.iter().map(|r| role_claim(*r)).collect();
    Json(json!({ "roles": roles, "provinces": provinces })).into_response()
}

/// `POST /dev/token` with `{"role": …, "province": …}` (JSON): a bearer
/// token signed with the development key, `{"token", "expiresAt"}`.
async fn mint_dev_token(State(state): State<HttpState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(keys) = state.dev_tokens.as_deref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let json_body = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json")));
    if !json_body {
        return (StatusCode::UNSUPPORTED_MEDIA_TYPE, Json(json!({ "error": "send application/json" }))).into_response();
    }
    let request: MintRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return bad_request(format!("bad request body: {e}")),
    };
    let Some(role) = ROLES.iter().copied().find(|r| role_claim(*r) == request.role) else {
        return bad_request(format!("unknown role {:?}", request.role));
    };
    let in_force = |code: &str| state.app.gazetteer.provinces(false).iter().any(|p| p.code == code);
    match (&request.province, role) {
        (None, Role::ProvincialOfficer) => return bad_request("a provincial_officer token needs a province"),
        (Some(p), _) if !in_force(p) => return bad_request(format!("no province in force has the code {p:?}")),
        _ => {}
    }
    let ttl = Duration::from_secs(request.ttl_seconds.unwrap_or(3600)).min(MAX_DEV_TTL);
    let subject = request.subject.unwrap_or_else(|| "graphiql-dev".to_owned());
    let claims = claims_for(&subject, role, request.province.as_deref(), &keys.issuer, &keys.audience, ttl);
    let expires_at = chrono::DateTime::from_timestamp(claims.exp, 0).map(|t| t.to_rfc3339());
    match mint_hs256(&keys.secret, &claims) {
        Ok(token) => Json(json!({ "token": token, "expiresAt": expires_at })).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "minting a dev token failed");
            (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({ "error": "internal error" }))).into_response()
        }
    }
}

/// The IDE's routes: the bundle in the dev profile, and `/dev/token` when
/// dev tokens are on. Empty in production.
pub fn routes(state: &HttpState) -> Router<HttpState> {
    let mut router = Router::new();
    if state.app.profile == Profile::Dev {
        router = router.route("/graphql/assets/{file}", get(asset));
    }
    if state.dev_tokens.is_some() {
        router = router.route("/dev/token", get(dev_token_options).post(mint_dev_token));
    }
    router
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_build_is_embedded() {
        assert!(Dist::get("index.html").is_some(), "web/graphiql/dist/index.html is built into the binary");
    }

    #[test]
    fn bundle_files_get_their_content_type() {
        assert_eq!(content_type("index-abc.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("index-abc.css"), "text/css; charset=utf-8");
        assert_eq!(content_type("codicon-abc.ttf"), "font/ttf");
        assert_eq!(content_type("unknown"), "application/octet-stream");
    }
}
