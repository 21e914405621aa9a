//! The GraphiQL IDE of the dev profile: built into the binary, same-origin
//! only, and its dev token endpoint. (The browser test that runs a query in
//! it is web/graphiql/e2e.sh; these need no browser and no database beyond
//! SQLite, so they run on SQLite only.)

use crate::helpers::{Backend, Options, TestApp};
use coopgate::config::{AuthConfig, Profile};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// Hosts whose `http(s)://` URLs occur in the bundle's JavaScript without
/// being loaded: XML/SVG namespace and JSON-Schema identifiers, and links in
/// error messages and comments (React, Monaco, prettier, markdown-it). Every
/// request the page makes stays on its origin: the browser test blocks and
/// fails on any other (web/graphiql/e2e.mjs).
const IDENTIFIER_HOSTS: &[&str] = &[
    "www.w3.org",
    "json-schema.org",
    "github.com",
    "code.visualstudio.com",
    "react.dev",
    "prettier.io",
    "yarnpkg.com",
    "en.wikipedia.org",
    "commonmark.org",
    "microsoft.com",
];

fn dist() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("web/graphiql/dist")
}

/// The `http(s)://host` URLs in `text`, as hosts.
fn hosts(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for scheme in ["http://", "https://"] {
        for (at, _) in text.match_indices(scheme) {
            let rest = &text[at + scheme.len()..];
            let host: String =
                rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-').collect();
            // A bare scheme is a prefix that markdown link-ifiers put before
            // text they turn into an <a href>, not a URL.
            if !host.is_empty() {
                found.push(host);
            }
        }
    }
    found
}

/// Same-origin asset paths (`/graphql/assets/…`) named in the page.
fn page_assets(html: &str) -> Vec<String> {
    html.match_indices("/graphql/assets/")
        .map(|(at, _)| html[at..].chars().take_while(|c| !matches!(c, '"' | '\'' | ' ' | '>')).collect())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ide_page_and_its_bundle_are_same_origin_only() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let page =
        app.http.get(format!("{}/graphql", app.address)).header("accept", "text/html").send().await.expect("ide");
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    let csp = page.headers()["content-security-policy"].to_str().expect("ascii").to_owned();
    assert!(csp.contains("script-src 'self';") && csp.contains("connect-src 'self';"), "{csp}");
    assert!(!csp.contains("unsafe-eval"), "{csp}");
    let html = page.text().await.expect("html");
    assert!(!html.contains("http://") && !html.contains("https://"), "the page names no other origin:\n{html}");
    let named = page_assets(&html);
    assert!(named.iter().any(|a| a.ends_with(".js")) && named.iter().any(|a| a.ends_with(".css")), "{html}");

    // Every file of the build is served, with its type and a long cache
    // lifetime, and none names another origin but as an identifier.
    let mut files = 0;
    for entry in std::fs::read_dir(dist().join("assets")).expect("web/graphiql/dist/assets is committed") {
        let path = entry.expect("entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).expect("utf-8 name").to_owned();
        let r = app.http.get(format!("{}/graphql/assets/{name}", app.address)).send().await.expect("asset");
        assert_eq!(r.status(), 200, "{name}");
        assert_eq!(r.headers()["cache-control"], "public, max-age=31536000, immutable", "{name}");
        let kind = r.headers()["content-type"].to_str().expect("ascii").to_owned();
        let body = r.bytes().await.expect("body");
        assert_eq!(body.as_ref(), std::fs::read(&path).expect("read").as_slice(), "{name} is the built file");
        match path.extension().and_then(|e| e.to_str()) {
            Some("js") => assert_eq!(kind, "text/javascript; charset=utf-8", "{name}"),
            Some("css") => assert_eq!(kind, "text/css; charset=utf-8", "{name}"),
            _ => {}
        }
        if name.ends_with(".css") {
            let css = String::from_utf8_lossy(&body);
            assert!(!css.contains("url(http") && !css.contains("@import"), "{name} loads nothing from elsewhere");
            assert!(hosts(&css).iter().all(|h| h == "www.w3.org"), "{name}: {:?}", hosts(&css));
        }
        if name.ends_with(".js") {
            let js = String::from_utf8_lossy(&body);
            let foreign: Vec<_> = hosts(&js).into_iter().filter(|h| !IDENTIFIER_HOSTS.contains(&h.as_str())).collect();
            assert!(foreign.is_empty(), "{name} names other hosts: {foreign:?}");
        }
        files += 1;
    }
    assert!(files >= 2, "the bundle has files");
    for asset in named {
        let r = app.http.get(format!("{}{asset}", app.address)).send().await.expect("named asset");
        assert_eq!(r.status(), 200, "{asset} named by the page is served");
    }
    let missing = app.http.get(format!("{}/graphql/assets/nothing.js", app.address)).send().await.expect("404");
    assert_eq!(missing.status(), 404);
    app.stop().await;
}

fn with_dev_key(profile: Profile) -> Options {
    Options { profile, auth: AuthConfig::default(), ..Options::default() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dev_profile_mints_ide_tokens_with_its_built_in_key() {
    let app = TestApp::spawn_with(Backend::Sqlite, with_dev_key(Profile::Dev)).await;
    let url = format!("{}/dev/token", app.address);
    let options: Value = app.http.get(&url).send().await.expect("options").json().await.expect("json");
    assert!(options["roles"].as_array().expect("roles").contains(&json!("provincial_officer")));
    assert!(options["provinces"].as_array().expect("provinces").iter().any(|p| p["code"] == "40"));

    let minted = app.http.post(&url).json(&json!({"role": "provincial_officer", "province": "40"})).send().await;
    let minted: Value = minted.expect("mint").json().await.expect("json");
    let token = minted["token"].as_str().expect("a token");
    assert!(minted["expiresAt"].is_string());
    let me: Value = app
        .http
        .post(format!("{}/graphql", app.address))
        .bearer_auth(token)
        .json(&json!({"query": "{ me { role provinceCode } }"}))
        .send()
        .await
        .expect("query")
        .json()
        .await
        .expect("json");
    assert_eq!(me["data"]["me"], json!({"role": "PROVINCIAL_OFFICER", "provinceCode": "40"}), "{me}");

    for (body, why) in [
        (json!({"role": "provincial_officer"}), "an officer needs a province"),
        (json!({"role": "provincial_officer", "province": "99"}), "no province 99 is in force"),
        (json!({"role": "root"}), "no such role"),
    ] {
        let r = app.http.post(&url).json(&body).send().await.expect("refused");
        assert_eq!(r.status(), 400, "{why}");
        assert!(r.json::<Value>().await.expect("json")["error"].is_string(), "{why}");
    }
    let form = app.http.post(&url).header("content-type", "text/plain").body(r#"{"role":"national_admin"}"#);
    assert_eq!(form.send().await.expect("text").status(), 415, "only JSON, so no cross-site form can mint");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_dev_tokens_with_an_operator_key_and_no_ide_in_production() {
    // Dev profile, but a key configured: the server trusts that key, so it
    // mints nothing itself.
    let keyed = TestApp::spawn(Backend::Sqlite).await;
    let r = keyed.http.post(format!("{}/dev/token", keyed.address)).json(&json!({"role": "national_admin"})).send();
    assert_eq!(r.await.expect("post").status(), 404);
    keyed.stop().await;

    let prod = TestApp::spawn_with(Backend::Sqlite, with_dev_key(Profile::Production)).await;
    let r = prod.http.post(format!("{}/dev/token", prod.address)).json(&json!({"role": "national_admin"})).send();
    assert_eq!(r.await.expect("post").status(), 404);
    let index = std::fs::read_to_string(dist().join("index.html")).expect("built page");
    for asset in page_assets(&index) {
        let r = prod.http.get(format!("{}{asset}", prod.address)).send().await.expect("asset");
        assert_eq!(r.status(), 404, "{asset} is not served in production");
    }
    prod.stop().await;
}
