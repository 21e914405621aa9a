//! `/dashboard`: the targets dashboard (bảng theo dõi chỉ tiêu) for
//! provincial steering committees, the Cooperative Alliance and the ministry.
//!
//! A static page built from `web/dashboard/` (`web/dashboard/build.sh`) into
//! `web/dashboard/dist/`, which is committed and embedded here, so the binary
//! serves it with no separate server and no Node at run time. The page reads
//! `/graphql` on the same origin with the caller's token; nothing it needs
//! comes from elsewhere (its font ships with it), and its own content
//! security policy says so in both profiles.

use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;

/// The dashboard's content security policy: its own scripts, styles and
/// fonts, GraphQL on the same origin, no inline script, no `eval`, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     font-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

/// One embedded file of `web/dashboard/dist/`.
struct Asset {
    /// Path under `dist/` (and under `/dashboard/`).
    path: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

macro_rules! asset {
    ($path:literal, $content_type:literal) => {
        Asset {
            path: $path,
            content_type: $content_type,
            body: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/dashboard/dist/", $path)),
        }
    };
}

/// Every file of `dist/` (a test checks none is missing or extra).
const ASSETS: &[Asset] = &[
    asset!("index.html", "text/html; charset=utf-8"),
    asset!("persisted-operations.json", "application/json"),
    asset!("assets/app.js", "text/javascript; charset=utf-8"),
    asset!("assets/app.css", "text/css; charset=utf-8"),
    asset!("assets/be-vietnam-pro-latin-400-normal.woff2", "font/woff2"),
    asset!("assets/be-vietnam-pro-latin-600-normal.woff2", "font/woff2"),
    asset!("assets/be-vietnam-pro-vietnamese-400-normal.woff2", "font/woff2"),
    asset!("assets/be-vietnam-pro-vietnamese-600-normal.woff2", "font/woff2"),
];

/// The routes: `/dashboard` (the page), `/dashboard/` (redirects to it) and
/// `/dashboard/{file}` (its assets).
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/dashboard", get(|headers: HeaderMap| async move { serve("index.html", &headers) }))
        .route("/dashboard/", get(|| async { Redirect::permanent("/dashboard") }))
        .route(
            "/dashboard/{*path}",
            get(|Path(path): Path<String>, headers: HeaderMap| async move { serve(&path, &headers) }),
        )
}

/// Strong entity tags of [`ASSETS`], in the same order: the first 16 bytes
/// of each body's SHA-256, computed once.
fn etags() -> &'static [HeaderValue] {
    use sha2::{Digest, Sha256};
    static TAGS: std::sync::OnceLock<Vec<HeaderValue>> = std::sync::OnceLock::new();
    TAGS.get_or_init(|| {
        ASSETS
            .iter()
            .map(|a| {
                let digest = Sha256::digest(a.body);
                let tag = format!("\"{}\"", hex::encode(&digest[..16]));
                HeaderValue::from_str(&tag).unwrap_or_else(|_| HeaderValue::from_static("\"0\""))
            })
            .collect()
    })
}

fn serve(path: &str, request: &HeaderMap) -> Response {
    let Some(index) = ASSETS.iter().position(|a| a.path == path) else {
        return (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "not found")
            .into_response();
    };
    let asset = &ASSETS[index];
    let etag = etags()[index].clone();
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type)),
        (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY)),
        // Fixed file names: revalidate (cheap, by ETag), never a stale page after an upgrade.
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        (header::ETAG, etag.clone()),
    ];
    let unchanged = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag.to_str().unwrap_or_default() || t.trim() == "*"));
    if unchanged {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    (headers, asset.body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dist_files() -> Vec<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web/dashboard/dist");
        let mut out = Vec::new();
        let mut dirs = vec![root.clone()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("dist is committed").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if let Ok(rel) = path.strip_prefix(&root) {
                    out.push(rel.to_string_lossy().replace('\\', "/"));
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn every_built_file_is_embedded_and_nothing_else() {
        let mut embedded: Vec<String> = ASSETS.iter().map(|a| a.path.to_owned()).collect();
        embedded.sort();
        assert_eq!(embedded, dist_files(), "web/dashboard/dist and ASSETS differ: update ASSETS after a rebuild");
    }

    #[test]
    fn the_page_loads_only_embedded_assets() {
        let index = std::str::from_utf8(ASSETS[0].body).expect("utf-8");
        for part in index.split("/dashboard/").skip(1) {
            let path = part.split('"').next().unwrap_or_default();
            assert!(ASSETS.iter().any(|a| a.path == path), "index.html refers to {path}, which is not embedded");
        }
        assert!(!index.contains("http://") && !index.contains("https://"), "nothing from another origin");
    }

    #[test]
    fn the_policy_allows_no_inline_script_and_no_eval() {
        assert!(!CONTENT_SECURITY_POLICY.contains("unsafe"));
        assert!(CONTENT_SECURITY_POLICY.contains("connect-src 'self'"));
    }
}
