//! OAuth2 client credentials and bearer tokens.

use super::{client, config, fetch_token, header, TestSim};
use crate::sim::SimConfig;
use reqwest::StatusCode;
use serde_json::Value;
use std::time::Duration;

#[tokio::test]
async fn a_token_needs_the_right_client_and_grant() {
    let sim = TestSim::new().await;
    let url = sim.url("/oauth/token");
    let post = |form: &'static [(&'static str, &'static str)]| sim.http.post(&url).form(form).send();

    let wrong = post(&[("grant_type", "client_credentials"), ("client_id", "coopgate"), ("client_secret", "nope")])
        .await
        .expect("sent");
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.json::<Value>().await.expect("json")["error"], "invalid_client");

    let grant =
        post(&[("grant_type", "password"), ("client_id", "coopgate"), ("client_secret", "x")]).await.expect("sent");
    assert_eq!(grant.status(), StatusCode::BAD_REQUEST);
    assert_eq!(grant.json::<Value>().await.expect("json")["error"], "unsupported_grant_type");

    let missing = post(&[("grant_type", "client_credentials")]).await.expect("sent");
    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
    assert_eq!(missing.json::<Value>().await.expect("json")["error"], "invalid_request");

    let as_json = sim.http.post(&url).json(&serde_json::json!({"grant_type": "client_credentials"})).send().await;
    assert_eq!(as_json.expect("sent").status(), StatusCode::BAD_REQUEST);

    let ok = fetch_token(&sim.http, &sim.handle.base_url()).await;
    assert_eq!(header(&ok, "cache-control").as_deref(), Some("no-store"));
    let body: Value = ok.json().await.expect("json");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 300);
    assert!(body["access_token"].as_str().is_some_and(|t| t.len() >= 32));
}

#[tokio::test]
async fn every_system_endpoint_needs_a_valid_token() {
    let sim = TestSim::new().await;
    for path in ["/ncrs/v1/changes", "/tax/v1/taxpayers/0100109106", "/ncrs/v1/records/0100109106"] {
        let none = sim.http.get(sim.url(path)).send().await.expect("sent");
        assert_eq!(none.status(), StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(header(&none, "www-authenticate").as_deref(), Some("Bearer realm=\"national-sim\""));

        let forged = sim.http.get(sim.url(path)).bearer_auth("forged").send().await.expect("sent");
        assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
        assert!(header(&forged, "www-authenticate").is_some_and(|h| h.contains("error=\"invalid_token\"")));
        let body: Value = forged.json().await.expect("json");
        assert!(body["errors"][0]["message"].as_str().is_some_and(|m| m.contains("not valid")));
    }
    // A write without a token is refused before anything else.
    let write = sim.http.post(sim.url("/tax/v1/registrations")).send().await.expect("sent");
    assert_eq!(write.status(), StatusCode::UNAUTHORIZED);
    // The controls need none.
    let records = sim.http.get(sim.url("/_sim/records")).send().await.expect("sent");
    assert_eq!(records.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_expired_token_gets_401_and_a_new_one_works() {
    let sim = TestSim::start(SimConfig { token_ttl: Duration::from_millis(300), ..config() }).await;
    assert_eq!(sim.get("/ncrs/v1/changes").await.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let expired = sim.get("/ncrs/v1/changes").await;
    assert_eq!(expired.status(), StatusCode::UNAUTHORIZED);
    assert!(header(&expired, "www-authenticate").is_some_and(|h| h.contains("expired")));

    let renewed = fetch_token(&client(), &sim.handle.base_url()).await;
    let body: Value = renewed.json().await.expect("json");
    assert_eq!(body["expires_in"], 1, "a sub-second lifetime is announced as 1 s");
    let token = body["access_token"].as_str().expect("token");
    let again = sim.http.get(sim.url("/ncrs/v1/changes")).bearer_auth(token).send().await.expect("sent");
    assert_eq!(again.status(), StatusCode::OK);
}

/// A served path with its parameters filled in.
pub(super) fn concrete(path: &str) -> String {
    path.replace("{registrationId}", "REG-00000001")
        .replace("{taxCode}", "0100109106")
        .replace("{code}", "0100109106")
        .replace("{year}", "2024")
}

#[tokio::test]
async fn every_system_route_needs_a_token_and_no_control_route_does() {
    let sim = TestSim::new().await;
    for (method, path) in crate::sim::http::all_routes() {
        let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
        let answer = sim.http.request(method.clone(), sim.url(&concrete(path))).send().await.expect("sent");
        let open = path.starts_with("/_sim/") || path == "/oauth/token";
        assert_eq!(answer.status() == StatusCode::UNAUTHORIZED, !open, "{method} {path}: {}", answer.status());
        let served = ![StatusCode::NOT_FOUND, StatusCode::METHOD_NOT_ALLOWED].contains(&answer.status());
        assert!(served, "{method} {path} is not served: {}", answer.status());
    }
}
