//! Tests of the simulator over HTTP: each test spawns its own on port 0 and
//! talks to it with reqwest, as the gateway will.

mod auth;
mod controls;
mod faults;
mod fuzz;
mod ncrs;
mod openapi;
mod reorganisations;
mod tax;

use super::{spawn, SimConfig, SimHandle};
use crate::domain::TaxCode;
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

/// A configuration listening on a free port.
pub(super) fn config() -> SimConfig {
    SimConfig { listen: "127.0.0.1:0".parse().expect("address"), ..SimConfig::default() }
}

/// A running simulator, an HTTP client and a valid token.
pub(super) struct TestSim {
    pub handle: SimHandle,
    pub http: reqwest::Client,
    pub token: String,
}

/// An HTTP client that gives up after 10 s, so a hung test fails.
pub(super) fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("client")
}

/// Asks for a token with the default credentials.
pub(super) async fn fetch_token(http: &reqwest::Client, base: &str) -> Response {
    http.post(format!("{base}/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", super::DEFAULT_CLIENT_ID),
            ("client_secret", super::DEFAULT_CLIENT_SECRET),
        ])
        .send()
        .await
        .expect("token request")
}

impl TestSim {
    /// Spawns with `config` and fetches a token.
    pub async fn start(config: SimConfig) -> Self {
        crate::telemetry::init_for_tests();
        let handle = spawn(config).await.expect("spawn");
        let http = client();
        let answer = fetch_token(&http, &handle.base_url()).await;
        assert_eq!(answer.status(), StatusCode::OK);
        let body: Value = answer.json().await.expect("token json");
        let token = body["access_token"].as_str().expect("access_token").to_owned();
        Self { handle, http, token }
    }

    /// Spawns with the defaults.
    pub async fn new() -> Self {
        Self::start(config()).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.handle.base_url())
    }

    /// A request with the token, an optional idempotency key and JSON body,
    /// and extra headers.
    pub fn request(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> reqwest::RequestBuilder {
        let mut r = self.http.request(method, self.url(path)).bearer_auth(&self.token);
        if let Some(key) = key {
            r = r.header("Idempotency-Key", key);
        }
        if let Some(body) = body {
            r = r.json(body);
        }
        for (name, value) in headers {
            r = r.header(*name, *value);
        }
        r
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request(Method::GET, path, None, None, &[]).send().await.expect("GET")
    }

    pub async fn post(&self, path: &str, key: &str, body: &Value) -> Response {
        self.request(Method::POST, path, Some(key), Some(body), &[]).send().await.expect("POST")
    }

    /// A POST whose failure to get an answer is the caller's to judge.
    pub async fn post_raw(&self, path: &str, key: &str, body: &Value) -> reqwest::Result<Response> {
        self.request(Method::POST, path, Some(key), Some(body), &[]).send().await
    }

    pub async fn put(&self, path: &str, key: &str, body: &Value, headers: &[(&str, &str)]) -> Response {
        self.request(Method::PUT, path, Some(key), Some(body), headers).send().await.expect("PUT")
    }

    /// Registers with the tax system and returns the tax code (201 expected).
    pub async fn register(&self, name: &str, province: &str) -> String {
        let answer = self.post("/tax/v1/registrations", &new_key(), &registration(name, province)).await;
        assert_eq!(answer.status(), StatusCode::CREATED);
        let body: Value = answer.json().await.expect("json");
        body["taxCode"].as_str().expect("taxCode").to_owned()
    }

    /// Registers, then creates the NCRS record; returns the code.
    pub async fn registered_record(&self, name: &str, province: &str) -> String {
        let code = self.register(name, province).await;
        let answer = self
            .put(&format!("/ncrs/v1/records/{code}"), &new_key(), &record(name, province), &[("If-None-Match", "*")])
            .await;
        assert_eq!(answer.status(), StatusCode::CREATED, "{}", answer.text().await.unwrap_or_default());
        code
    }

    /// `GET /_sim/records`, as the snapshot type.
    pub async fn records(&self) -> super::SimRecords {
        let answer = self.http.get(self.url("/_sim/records")).send().await.expect("records");
        assert_eq!(answer.status(), StatusCode::OK);
        answer.json().await.expect("records json")
    }
}

/// A fresh idempotency key.
pub(super) fn new_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A valid tax registration.
pub(super) fn registration(name: &str, province: &str) -> Value {
    json!({
        "name": name,
        "kind": "COOPERATIVE",
        "wardCode": "16681",
        "provinceCode": province,
        "legalRepresentative": {"fullName": "Nguyễn Thị Hoa", "idNumber": "040190000123"},
        "businessLines": ["0111", "4620"],
        "charterCapital": "1500000000"
    })
}

/// A valid NCRS record body.
pub(super) fn record(name: &str, province: &str) -> Value {
    let mut body = registration(name, province);
    body["address"] = json!("Xóm 3");
    body["members"] = json!(12);
    body
}

/// Asserts a tax code is well-formed with a valid check digit.
pub(super) fn assert_valid_code(code: &str) {
    assert!(TaxCode::parse(code).is_ok() && code.len() == 10, "{code} is not a valid tax code");
}

/// The `field`s of a 422/400 error body.
pub(super) fn error_fields(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .expect("errors array")
        .iter()
        .filter_map(|e| e["field"].as_str().map(str::to_owned))
        .collect()
}

/// A header's value as text.
pub(super) fn header(answer: &Response, name: &str) -> Option<String> {
    answer.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}
