//! Hardening: every document limit just under (runs) and just over (refused
//! with QUERY_TOO_COMPLEX or BAD_USER_INPUT and no data), the fragment
//! fan-out with its time bound, floods, bodies, batches, methods, media
//! types, the production profile, error sanitisation, rate limits, timeouts,
//! CORS, headers and persisted operations. The JWT rejection matrix is in
//! `auth.rs` and the BOLA matrices in `authorization.rs`.

use crate::helpers::{code, officer, Backend, Options, TestApp};
use crate::storage_tests;
use coopgate::config::Profile;
use coopgate::limits::LimitsConfig;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Status, headers and JSON body of a POST with the given content type, accept and body.
async fn post(
    app: &TestApp,
    content_type: Option<&str>,
    accept: Option<&str>,
    body: Vec<u8>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut r = app.http.post(format!("{}/graphql", app.address)).body(body);
    if let Some(ct) = content_type {
        r = r.header("content-type", ct);
    }
    if let Some(a) = accept {
        r = r.header("accept", a);
    }
    let resp = r.send().await.expect("sent");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("body");
    (status, headers, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn post_json(app: &TestApp, accept: Option<&str>, body: &Value) -> (u16, reqwest::header::HeaderMap, Value) {
    post(app, Some("application/json"), accept, body.to_string().into_bytes()).await
}

const GRJ: &str = "application/graphql-response+json";

fn with_limits(limits: LimitsConfig) -> Options {
    Options { limits, ..Options::default() }
}

/// Asserts a request error: the code, no `data`, and a cost extension.
fn assert_refused(v: &Value, want: &str, case: &str) {
    assert!(v.get("data").is_none(), "{case}: a refused document has no data: {v}");
    assert_eq!(code(&v["errors"][0]), want, "{case}: {v}");
    assert!(v["extensions"]["cost"]["requested"].is_u64(), "{case}: cost reported: {v}");
}

async fn each_limit_admits_its_value_and_refuses_one_more(backend: Backend) {
    let tight = LimitsConfig {
        max_depth: 4,
        max_aliases: 2,
        max_root_fields: 3,
        max_directives: 1,
        max_fragment_depth: 2,
        max_fields: 12,
        max_cost: 21,
        ..LimitsConfig::default()
    };
    let app = TestApp::spawn_with(backend, with_limits(tight)).await;
    let fragments = |n: usize| {
        let mut q = String::from("{ ...F1 }");
        for i in 1..n {
            q.push_str(&format!(" fragment F{i} on Query {{ ...F{} }}", i + 1));
        }
        q.push_str(&format!(" fragment F{n} on Query {{ me {{ role }} }}"));
        q
    };
    // (case, under, over, code); a refusal's message names its case.
    let cases: Vec<(&str, String, String, &str)> = vec![
        (
            "depth",
            "{ cooperatives(first: 1) { edges { node { name } } } }".into(),
            "{ cooperatives(first: 1) { edges { node { director { fullName } } } } }".into(),
            "QUERY_TOO_COMPLEX",
        ),
        (
            "aliases",
            "{ a: me { role } b: me { role } }".into(),
            "{ a: me { role } b: me { role } c: me { role } }".into(),
            "QUERY_TOO_COMPLEX",
        ),
        (
            "root fields",
            // (`statistics` costs a full scan now, so a cheap root field stands in.)
            "{ me { role } provinces { code } m: me { role } }".into(),
            "{ me { role } provinces { code } m: me { role } changes { pageInfo { hasNextPage } } }".into(),
            "QUERY_TOO_COMPLEX",
        ),
        (
            "directives",
            "{ me { role @include(if: true) } }".into(),
            "{ me { role @include(if: true) @skip(if: false) } }".into(),
            "QUERY_TOO_COMPLEX",
        ),
        ("fragment depth", fragments(2), fragments(3), "QUERY_TOO_COMPLEX"),
        (
            "fields",
            format!("{{ me {{ {} }} }}", "role ".repeat(11)),
            format!("{{ me {{ {} }} }}", "role ".repeat(12)),
            "QUERY_TOO_COMPLEX",
        ),
        (
            "cost",
            "{ cooperatives(first: 10) { edges { node { name } } } }".into(),
            "{ cooperatives(first: 11) { edges { node { name } } } }".into(),
            "QUERY_TOO_COMPLEX",
        ),
        (
            "fragment cycle",
            fragments(1),
            "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }".into(),
            "BAD_USER_INPUT",
        ),
    ];
    for (case, under, over, want) in &cases {
        let (status, _, v) = post_json(&app, None, &json!({"query": under})).await;
        assert_eq!(status, 200, "{case} under: {v}");
        assert!(v.get("errors").is_none(), "{case} under the limit runs: {v}");
        assert!(v["extensions"]["cost"]["actual"].is_u64(), "{case}: {v}");
        let (status, _, v) = post_json(&app, None, &json!({"query": over})).await;
        assert_eq!(status, 200, "{case} over, as application/json: {v}");
        assert_refused(&v, want, case);
        let message = v["errors"][0]["message"].as_str().unwrap_or_default();
        let names = if *want == "BAD_USER_INPUT" { "spreads itself" } else { case };
        assert!(message.contains(names), "{case}: {message}");
        let (status, headers, v) = post_json(&app, Some(GRJ), &json!({"query": over})).await;
        assert_eq!(status, 400, "{case} over, as graphql-response+json: {v}");
        assert!(headers["content-type"].to_str().unwrap_or_default().starts_with(GRJ));
        assert_refused(&v, want, case);
    }
}

async fn cost_is_reported_requested_and_actual(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    crate::helpers::Coop::new("Hợp tác xã Chi phí", "16681").insert(&app).await;
    let (_, _, v) =
        post_json(&app, None, &json!({"query": "{ cooperatives(first: 5) { edges { node { name } } } }"})).await;
    let cost = &v["extensions"]["cost"];
    assert_eq!(cost["requested"], 11, "{v}");
    assert_eq!(cost["actual"], 3, "one connection, one edge, one node: {v}");
    assert_eq!(cost["maximum"], coopgate::limits::DEFAULT_MAX_COST);
    assert!(cost["rateLimit"]["remaining"].is_u64(), "{v}");
}

/// A sub-kilobyte document whose fragments spread each other eight times
/// over twelve levels (8^12 ≈ 7·10^10 fields expanded): refused, as it is
/// measured without expanding it, and `/healthz` keeps answering while a
/// stream of them arrives (timings are printed, not asserted).
async fn fragment_fan_out_is_refused_fast(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut q = String::from("query{...a0}");
    for i in 0..12 {
        q.push_str(&format!("fragment a{i} on Query{{{}}}", format!("...a{} ", i + 1).repeat(8).trim_end()));
    }
    q.push_str("fragment a12 on Query{me{role}}");
    assert!(q.len() < 1024, "{} bytes", q.len());
    let body = json!({"query": q});

    let started = Instant::now();
    let (status, _, v) = post_json(&app, None, &body).await;
    let took = started.elapsed();
    assert_eq!(status, 200);
    assert_refused(&v, "QUERY_TOO_COMPLEX", "fan-out");
    // Speed is measured by the benchmarks, not asserted here (a loaded CI
    // machine is no stopwatch); the figure is printed for the log.
    eprintln!("fan-out refused in {took:?}");

    // A flood of them while probing liveness.
    let flood = {
        let http = app.http.clone();
        let url = format!("{}/graphql", app.address);
        let body = body.clone();
        tokio::spawn(async move {
            let mut tasks = Vec::new();
            for _ in 0..8 {
                let (http, url, body) = (http.clone(), url.clone(), body.clone());
                tasks.push(tokio::spawn(async move {
                    for _ in 0..25 {
                        let r = http.post(&url).json(&body).send().await.expect("sent");
                        assert_eq!(r.status(), 200);
                    }
                }));
            }
            for t in tasks {
                t.await.expect("flood task");
            }
        })
    };
    let mut worst = Duration::ZERO;
    for _ in 0..20 {
        let t = Instant::now();
        let r = app.http.get(format!("{}/healthz", app.address)).send().await.expect("healthz");
        assert_eq!(r.status(), 200);
        worst = worst.max(t.elapsed());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    flood.await.expect("flood");
    eprintln!("slowest health probe during the flood: {worst:?}");
}

async fn alias_and_duplicate_field_floods_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let aliases: String = (0..5000).map(|i| format!("a{i}: me {{ role }} ")).collect();
    let (_, _, v) = post_json(&app, None, &json!({"query": format!("{{ {aliases} }}")})).await;
    assert_refused(&v, "QUERY_TOO_COMPLEX", "alias flood");
    let dup = format!("{{ me {{ {} }} }}", "role ".repeat(50_000));
    let (_, _, v) = post_json(&app, None, &json!({"query": dup})).await;
    assert_refused(&v, "QUERY_TOO_COMPLEX", "duplicate-field flood");
    let deep = format!("{}{}", "{ me ".repeat(5000), "}".repeat(5000));
    let (_, _, v) = post_json(&app, None, &json!({"query": deep})).await;
    assert_refused(&v, "QUERY_TOO_COMPLEX", "bracket nesting");
}

async fn oversize_bodies_are_413(backend: Backend) {
    let limits = LimitsConfig { max_body_bytes: 4096, ..LimitsConfig::default() };
    let app = TestApp::spawn_with(backend, with_limits(limits)).await;
    let padding = " ".repeat(5000);
    let (status, _, _) = post(
        &app,
        Some("application/json"),
        None,
        format!("{{\"query\": \"{{ me {{ role }} }}\"{padding}}}").into_bytes(),
    )
    .await;
    assert_eq!(status, 413, "declared length over the limit");
    // The same without a declared length (chunked): refused while reading.
    let addr = app.address.trim_start_matches("http://").to_owned();
    let mut s = tokio::net::TcpStream::connect(&addr).await.expect("connect");
    let chunk = format!("{{\"query\": \"{{ me {{ role }} }}\"{padding}}}");
    let req = format!(
        "POST /graphql HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n{:x}\r\n{chunk}\r\n0\r\n\r\n",
        chunk.len()
    );
    s.write_all(req.as_bytes()).await.expect("write");
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    let (status, _, v) = post_json(&app, None, &json!({"query": "{ me { role } }"})).await;
    assert_eq!((status, &v["data"]["me"]["role"]), (200, &json!("ANONYMOUS")), "small bodies still pass");
}

async fn batches_are_off_by_default_and_capped_when_on(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let op = json!({"query": "{ me { role } }"});
    let (status, _, v) = post_json(&app, None, &json!([op, op])).await;
    assert_eq!(status, 400, "{v}");
    assert_eq!(code(&v["errors"][0]), "BAD_USER_INPUT");

    let limits = LimitsConfig { max_batch: 3, max_cost: 21, ..LimitsConfig::default() };
    let app = TestApp::spawn_with(backend, with_limits(limits)).await;
    let (status, _, v) = post_json(&app, None, &json!([op, op, op])).await;
    assert_eq!(status, 200);
    assert_eq!(v.as_array().map(Vec::len), Some(3), "{v}");
    assert!(v.as_array().into_iter().flatten().all(|r| r["data"]["me"]["role"] == "ANONYMOUS"));
    let (status, _, v) = post_json(&app, None, &json!([op, op, op, op])).await;
    assert_eq!(status, 400, "a batch flood is refused whole: {v}");
    assert_eq!(code(&v["errors"][0]), "QUERY_TOO_COMPLEX");
    // Every operation of a batch is held to the limits on its own.
    let costly = json!({"query": "{ cooperatives(first: 50) { edges { node { name } } } }"});
    let (_, _, v) = post_json(&app, None, &json!([op, costly])).await;
    assert_eq!(v[0]["data"]["me"]["role"], "ANONYMOUS");
    assert_refused(&v[1], "QUERY_TOO_COMPLEX", "costly operation in a batch");
}

async fn the_http_protocol_is_enforced(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let url = format!("{}/graphql", app.address);
    // GET runs queries, never mutations.
    let r = app.http.get(&url).query(&[("query", "{ me { role } }")]).send().await.expect("get");
    assert_eq!(r.status(), 200);
    let mutation =
        "mutation { removeUnionMember(input: {unionId: \"x\", cooperativeId: \"y\"}) { userErrors { field } } }";
    let r = app.http.get(&url).query(&[("query", mutation)]).bearer_auth(officer("40")).send().await.expect("get");
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "POST");
    // Only JSON bodies.
    for ct in
        [None, Some("text/plain"), Some("application/x-www-form-urlencoded"), Some("application/json; charset=latin1")]
    {
        let (status, _, _) = post(&app, ct, None, br#"{"query":"{ me { role } }"}"#.to_vec()).await;
        assert_eq!(status, 415, "{ct:?}");
    }
    // Malformed bodies and parameters.
    for body in
        [&b"{not json"[..], b"[]", b"42", br#"{"query": 42}"#, br#"{"query":"{ me { role } }","variables":"x"}"#, b"{}"]
    {
        let (status, _, v) = post(&app, Some("application/json"), None, body.to_vec()).await;
        assert_eq!(status, 400, "{}: {v}", String::from_utf8_lossy(body));
    }
    // Media types.
    let (status, h, _) = post_json(&app, Some(GRJ), &json!({"query": "{ me { role } }"})).await;
    assert_eq!(status, 200);
    assert!(h["content-type"].to_str().unwrap_or_default().starts_with(GRJ));
    let (status, h, _) = post_json(&app, Some("*/*"), &json!({"query": "{ me { role } }"})).await;
    assert_eq!(status, 200);
    assert!(h["content-type"].to_str().unwrap_or_default().starts_with("application/json"));
    let (status, _, _) = post_json(&app, Some("text/csv"), &json!({"query": "{ me { role } }"})).await;
    assert_eq!(status, 406);
    // A syntax error is a request error: no data.
    let (status, _, v) = post_json(&app, Some(GRJ), &json!({"query": "{ me { "})).await;
    assert_eq!(status, 400);
    assert_refused(&v, "BAD_USER_INPUT", "syntax error");
}

async fn production_hides_the_schema_and_internals(backend: Backend) {
    let prod = TestApp::spawn_with(backend, Options { profile: Profile::Production, ..Options::default() }).await;
    let dev = TestApp::spawn(backend).await;
    let introspection = json!({"query": "{ __schema { queryType { name } } }"});
    let (_, _, v) = post_json(&dev, None, &introspection).await;
    assert_eq!(v["data"]["__schema"]["queryType"]["name"], "Query", "dev: {v}");
    let (_, _, v) = post_json(&prod, None, &introspection).await;
    assert_refused(&v, "BAD_USER_INPUT", "__schema in production");
    let hidden = "{ ...T } fragment T on Query { __type(name: \"Cooperative\") { fields { name } } }";
    let (_, _, v) = post_json(&prod, None, &json!({ "query": hidden })).await;
    assert_refused(&v, "BAD_USER_INPUT", "__type in a fragment in production");
    let (_, _, v) = post_json(&prod, None, &json!({"query": "{ me { __typename role } }"})).await;
    assert_eq!(v["data"]["me"]["__typename"], "Principal", "__typename is not introspection: {v}");

    let typo = json!({"query": "{ cooperativs { totalCount } }"});
    let (_, _, v) = post_json(&dev, None, &typo).await;
    assert!(v.to_string().contains("Did you mean"), "dev suggests: {v}");
    let (_, _, v) = post_json(&prod, None, &typo).await;
    assert_refused(&v, "BAD_USER_INPUT", "typo");
    assert!(!v.to_string().contains("Did you mean") && !v.to_string().contains("cooperatives"), "no suggestions: {v}");

    // Configurable: introspection on in production.
    let limits = LimitsConfig { introspection: coopgate::limits::Introspection::On, ..LimitsConfig::default() };
    let open =
        TestApp::spawn_with(backend, Options { profile: Profile::Production, limits, ..Options::default() }).await;
    let (_, _, v) = post_json(&open, None, &introspection).await;
    assert_eq!(v["data"]["__schema"]["queryType"]["name"], "Query");

    // Security headers, and CORS for no origin by default.
    let r = prod
        .http
        .post(format!("{}/graphql", prod.address))
        .header("origin", "https://evil.example")
        .json(&json!({"query": "{ me { role } }"}))
        .send()
        .await
        .expect("sent");
    let h = r.headers();
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert!(h["content-security-policy"].to_str().unwrap_or_default().contains("default-src 'none'"));
    assert!(h.get("strict-transport-security").is_some());
    assert!(h.get("access-control-allow-origin").is_none());
}

async fn errors_never_show_internals(backend: Backend) {
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn_with(backend, Options { profile: Profile::Production, ..Options::default() }).await;
    // Break the write path: the change log is gone.
    app.conn().execute_unprepared("DROP TABLE change_event").await.expect("drop");
    let v = app
        .graphql_as(&officer("40"), crate::writes::REGISTER, json!({"i": crate::writes::coop("HTX Lỗi", "16681")}))
        .await;
    assert_eq!(code(&v["errors"][0]), "INTERNAL", "{v}");
    assert_eq!(v["errors"][0]["message"], "internal error");
    let text = v.to_string().to_lowercase();
    for leak in
        ["change_event", "insert", "sqlite", "postgres", "relation", "no such table", "exception", ".rs", "backtrace"]
    {
        assert!(!text.contains(leak), "response leaks {leak:?}: {text}");
    }
}

async fn rate_limits_by_cost_with_retry_after(backend: Backend) {
    let limits = LimitsConfig { rate_limit_cost_per_minute: 100, max_cost: 100, ..LimitsConfig::default() };
    let app = TestApp::spawn_with(backend, with_limits(limits)).await;
    let q = json!({"query": "{ cooperatives { edges { node { name } } } }"}); // 41
    for _ in 0..2 {
        let (status, _, v) = post_json(&app, None, &q).await;
        assert_eq!(status, 200, "{v}");
    }
    let (status, headers, v) = post_json(&app, None, &q).await;
    assert_eq!(status, 429, "{v}");
    assert_eq!(code(&v["errors"][0]), "RATE_LIMITED");
    let retry: u64 = headers["retry-after"].to_str().ok().and_then(|s| s.parse().ok()).expect("Retry-After seconds");
    assert!((1..=60).contains(&retry), "{retry}");
    // Cheap operations still fit; another principal has its own bucket.
    let (status, _, _) = post_json(&app, None, &json!({"query": "{ me { role } }"})).await;
    assert_eq!(status, 200);
    let v = app.graphql_as(&officer("40"), "{ cooperatives { edges { node { name } } } }", json!({})).await;
    assert!(v.get("errors").is_none(), "{v}");
}

async fn persisted_operations_allow_only_listed_documents(backend: Backend) {
    let listed = "{ me { role } }";
    let hash = coopgate::http::persisted::hash(listed);
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("persisted.json");
    std::fs::write(&path, json!({ hash.clone(): listed }).to_string()).expect("write");
    let limits = LimitsConfig { persisted_operations: Some(path), ..LimitsConfig::default() };
    let app = TestApp::spawn_with(backend, with_limits(limits)).await;
    assert_eq!(app.data(listed, json!({})).await["me"]["role"], "ANONYMOUS");
    let by_hash = json!({"extensions": {"persistedQuery": {"version": 1, "sha256Hash": hash}}});
    let (_, _, v) = post_json(&app, None, &by_hash).await;
    assert_eq!(v["data"]["me"]["role"], "ANONYMOUS", "{v}");
    let (_, _, v) = post_json(&app, None, &json!({"query": "{ me { subject } }"})).await;
    assert_refused(&v, "PERSISTED_QUERY_NOT_FOUND", "unlisted");
}

storage_tests!(
    each_limit_admits_its_value_and_refuses_one_more,
    cost_is_reported_requested_and_actual,
    fragment_fan_out_is_refused_fast,
    alias_and_duplicate_field_floods_are_refused,
    oversize_bodies_are_413,
    batches_are_off_by_default_and_capped_when_on,
    the_http_protocol_is_enforced,
    production_hides_the_schema_and_internals,
    errors_never_show_internals,
    rate_limits_by_cost_with_retry_after,
    persisted_operations_allow_only_listed_documents,
);

/// CORS answers only the configured origins.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_allows_only_configured_origins() {
    let limits = LimitsConfig { cors_origins: vec!["https://portal.example.vn".into()], ..LimitsConfig::default() };
    let app = TestApp::spawn_with(Backend::Sqlite, with_limits(limits)).await;
    let preflight = |origin: &'static str| {
        app.http
            .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.address))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type,authorization")
            .send()
    };
    let ok = preflight("https://portal.example.vn").await.expect("preflight");
    assert_eq!(ok.headers()["access-control-allow-origin"], "https://portal.example.vn");
    let other = preflight("https://evil.example").await.expect("preflight");
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

/// A request still running at the timeout is answered 503 (the write waits
/// on the SQLite write gate, held here).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_requests_time_out() {
    let limits = LimitsConfig { request_timeout: Duration::from_millis(300), ..LimitsConfig::default() };
    let app = TestApp::spawn_with(Backend::Sqlite, with_limits(limits)).await;
    let gate = app.state.write_gate.clone();
    let held = gate.lock().await;
    let started = Instant::now();
    let r = app
        .http
        .post(format!("{}/graphql", app.address))
        .bearer_auth(officer("40"))
        .json(&json!({"query": crate::writes::REGISTER, "variables": {"i": crate::writes::coop("HTX Chậm", "16681")}}))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 503);
    let body: Value = r.json().await.expect("a GraphQL error body");
    assert_eq!(body["errors"][0]["extensions"]["code"], "SERVICE_UNAVAILABLE", "{body}");
    // Only the request timeout answers while the gate is held: without it
    // the request would wait until the gate is dropped below.
    eprintln!("answered 503 after {:?} (timeout 300 ms)", started.elapsed());
    drop(held);
    let r = app.http.get(format!("{}/healthz", app.address)).send().await.expect("healthz");
    assert_eq!(r.status(), 200);
}

/// Subscriptions over graphql-transport-ws pass the same document limits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_documents_pass_the_same_limits() {
    use futures::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::Message;
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut req =
        format!("{}/graphql", app.address.replace("http://", "ws://")).into_client_request().expect("request");
    req.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().expect("header"));
    let mut ws = tokio_tungstenite::connect_async(req).await.expect("websocket").0;
    ws.send(Message::text(json!({"type": "connection_init", "payload": {}}).to_string())).await.expect("send");
    let mut fan_out = String::from("subscription{...a0}");
    for i in 0..12 {
        fan_out
            .push_str(&format!("fragment a{i} on Subscription{{{}}}", format!("...a{} ", i + 1).repeat(8).trim_end()));
    }
    fan_out.push_str("fragment a12 on Subscription{registryChanged{kind}}");
    let started = Instant::now();
    let sub = json!({"id": "1", "type": "subscribe", "payload": {"query": fan_out}});
    ws.send(Message::text(sub.to_string())).await.expect("send");
    let mut refusal = None;
    while let Ok(Some(Ok(m))) = tokio::time::timeout(Duration::from_secs(5), ws.next()).await {
        if let Message::Text(t) = m {
            let v: Value = serde_json::from_str(t.as_str()).expect("json");
            // A refused document: an `error` message, or a `next` carrying only errors.
            if v["type"] == "error" || (v["type"] == "next" && v["payload"]["errors"].is_array()) {
                refusal = Some(v);
                break;
            }
        }
    }
    let v = refusal.expect("the subscription is refused");
    eprintln!("websocket fan-out refused in {:?}", started.elapsed());
    let errors = if v["type"] == "error" { &v["payload"] } else { &v["payload"]["errors"] };
    assert_eq!(errors[0]["extensions"]["code"], "QUERY_TOO_COMPLEX", "{v}");
}

/// Every limit is a setting; a bad value stops start-up with one line naming it.
#[test]
fn bad_limit_settings_stop_start_up_naming_the_setting() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = format!("sqlite://{}/never.db", dir.path().display());
    for (var, value) in [
        ("COOPGATE_MAX_DEPTH", "0"),
        ("COOPGATE_MAX_BODY_BYTES", "10"),
        ("COOPGATE_MAX_COST", "lots"),
        ("COOPGATE_MAX_BATCH", "1000"),
        ("COOPGATE_REQUEST_TIMEOUT", "0s"),
        ("COOPGATE_DB_STATEMENT_TIMEOUT", "soon"),
        ("COOPGATE_INTROSPECTION", "maybe"),
        ("COOPGATE_CORS_ORIGINS", "portal.example.vn"),
        ("COOPGATE_CLIENT_IP_HEADER", "bad header"),
        // Valid alone, but an operation the cost limit allows could never run.
        ("COOPGATE_RATE_LIMIT_COST_PER_MINUTE", "10"),
        ("COOPGATE_PERSISTED_OPERATIONS", "/nonexistent/persisted.json"),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_coopgate"))
            .env("DATABASE_URL", &db)
            .env("COOPGATE_LISTEN", "127.0.0.1:0")
            .env(var, value)
            .arg("serve")
            .output()
            .expect("runs");
        assert!(!out.status.success(), "{var}={value} must stop start-up");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(var), "{var}={value}: {err}");
        assert!(!std::path::Path::new(&dir.path().join("never.db")).exists(), "refused before touching the database");
    }
}
