//! `/dashboard`: the targets dashboard is served by coopgate itself, from
//! files embedded in the binary, in the dev and the production profile, with
//! a content security policy that lets it run and nothing else.

use crate::helpers::{Backend, Options, TestApp};
use crate::storage_tests;
use coopgate::config::Profile;

const DASHBOARD_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; font-src 'self'; \
     img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

async fn get(app: &TestApp, path: &str) -> reqwest::Response {
    app.http.get(format!("{}{path}", app.address)).send().await.expect("request")
}

fn header(r: &reqwest::Response, name: &str) -> String {
    r.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

async fn the_page_and_its_assets_are_served(app: &TestApp) {
    let page = get(app, "/dashboard").await;
    assert_eq!(page.status(), 200);
    assert!(header(&page, "content-type").starts_with("text/html"));
    assert_eq!(header(&page, "content-security-policy"), DASHBOARD_CSP, "the dashboard's own policy");
    let html = page.text().await.expect("html");
    assert!(html.contains("/dashboard/assets/app.js") && html.contains("/dashboard/assets/app.css"));

    for (path, kind) in [
        ("/dashboard/assets/app.js", "text/javascript"),
        ("/dashboard/assets/app.css", "text/css"),
        ("/dashboard/assets/be-vietnam-pro-vietnamese-400-normal.woff2", "font/woff2"),
        ("/dashboard/persisted-operations.json", "application/json"),
    ] {
        let r = get(app, path).await;
        assert_eq!(r.status(), 200, "{path}");
        assert!(header(&r, "content-type").starts_with(kind), "{path}: {}", header(&r, "content-type"));
        assert_eq!(header(&r, "x-content-type-options"), "nosniff", "{path}");
        assert!(!r.bytes().await.expect("body").is_empty(), "{path}");
    }
    assert_eq!(get(app, "/dashboard/assets/nothing.js").await.status(), 404);

    // A browser revalidates by ETag: unchanged files are not sent again.
    let first = get(app, "/dashboard/assets/app.js").await;
    let etag = header(&first, "etag");
    assert!(etag.starts_with('"') && etag.len() > 10, "a strong ETag: {etag}");
    let again = app
        .http
        .get(format!("{}/dashboard/assets/app.js", app.address))
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("revalidation");
    assert_eq!(again.status(), 304);
    assert!(again.bytes().await.expect("body").is_empty());
    let other = app
        .http
        .get(format!("{}/dashboard/assets/app.js", app.address))
        .header("if-none-match", "\"stale\"")
        .send()
        .await
        .expect("stale tag");
    assert_eq!(other.status(), 200);
    let slash = app.http.get(format!("{}/dashboard/", app.address)).send().await.expect("redirect followed");
    assert_eq!(slash.url().path(), "/dashboard");
}

async fn the_dashboard_is_served_in_dev(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    the_page_and_its_assets_are_served(&app).await;
}

async fn the_dashboard_is_served_in_production_with_only_its_own_policy(backend: Backend) {
    let app = TestApp::spawn_with(backend, Options { profile: Profile::Production, ..Options::default() }).await;
    the_page_and_its_assets_are_served(&app).await;
    // Everything else keeps the production policy: nothing may run there.
    let graphql = app
        .http
        .post(format!("{}/graphql", app.address))
        .json(&serde_json::json!({"query": "{ me { role } }"}))
        .send()
        .await
        .expect("graphql");
    assert_eq!(header(&graphql, "content-security-policy"), "default-src 'none'; frame-ancestors 'none'");
}

/// Every document the dashboard sends is allowed by the production limits
/// (introspection off, default cost and shape limits).
async fn the_dashboards_documents_run_in_production(backend: Backend) {
    let app = TestApp::spawn_with(backend, Options { profile: Profile::Production, ..Options::default() }).await;
    let manifest: serde_json::Map<String, serde_json::Value> = serde_json::from_str(include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/web/dashboard/dist/persisted-operations.json"
    )))
    .expect("manifest");
    assert!(manifest.len() >= 4, "the dashboard's documents are listed");
    for document in manifest.values() {
        let document = document.as_str().expect("text");
        let variables = serde_json::json!({"code": "40", "province": "40", "legacy": null, "after": null});
        let v = app.graphql(document, variables).await;
        assert!(v.get("errors").is_none(), "{document}\n→ {v}");
    }
}

storage_tests!(
    the_dashboard_is_served_in_dev,
    the_dashboard_is_served_in_production_with_only_its_own_policy,
    the_dashboards_documents_run_in_production,
);
