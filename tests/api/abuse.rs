//! What hostile clients cannot do any more (issue 10): documents with tens
//! of thousands of definitions or arguments are refused before parsing and
//! charged to the rate limit; connections are bounded in time and number;
//! the cost of `statistics` and filtered `totalCount` is what the database
//! does for them.

use crate::helpers::{code, Backend, Options, TestApp};
use coopgate::limits::LimitsConfig;
use serde_json::{json, Value};
use std::time::Instant;

fn joined(n: usize, f: impl Fn(usize) -> String, sep: &str) -> String {
    (0..n).map(f).collect::<Vec<_>>().join(sep)
}

/// The three documents of the report: 40k variable definitions, 20k unused
/// fragments, 50k arguments.
fn hostile_documents() -> Vec<(&'static str, String)> {
    vec![
        (
            "variable definitions",
            format!("query Q({}) {{ __typename }}", joined(40_000, |i| format!("$v{i}: Int"), ", ")),
        ),
        (
            "fragment definitions",
            format!("{{ __typename }} {}", joined(20_000, |i| format!("fragment f{i} on Query {{ __typename }}"), " ")),
        ),
        ("arguments", format!("{{ __typename({}) }}", joined(50_000, |i| format!("a{i}: 1"), ", "))),
    ]
}

async fn post_raw(app: &TestApp, body: &Value) -> (u16, Value) {
    let r = app.http.post(format!("{}/graphql", app.address)).json(body).send().await.expect("sent");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Each hostile document is refused before parsing with QUERY_TOO_COMPLEX
/// naming what was counted (the limits of size raised so that the counters
/// are what refuses); with the default limits, by its size.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_with_thousands_of_definitions_are_refused_before_parsing() {
    let roomy = LimitsConfig {
        max_body_bytes: 8 << 20,
        max_document_bytes: 8 << 20,
        rate_limit_cost_per_minute: 0,
        ..LimitsConfig::default()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, Options { limits: roomy, ..Options::default() }).await;
    let defaults = TestApp::spawn(Backend::Sqlite).await;
    for (what, doc) in hostile_documents() {
        let started = Instant::now();
        let (_, body) = post_raw(&app, &json!({"query": doc})).await;
        eprintln!("{what}: {} bytes refused in {:?}", doc.len(), started.elapsed());
        assert_eq!(code(&body["errors"][0]), "QUERY_TOO_COMPLEX", "{what}: {body}");
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains(what), "{what}: {message}");
        assert!(body.get("data").is_none(), "{body}");

        let started = Instant::now();
        let (_, body) = post_raw(&defaults, &json!({"query": doc})).await;
        eprintln!("{what} under the default limits: refused in {:?}", started.elapsed());
        assert_eq!(code(&body["errors"][0]), "QUERY_TOO_COMPLEX", "{what}: {body}");
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains("document size"), "{what}: {message}");
    }
}

/// Refused documents spend from the caller's bucket by their size, so a
/// flood of them ends in 429 (they used to cost 1 point each).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_documents_are_charged_by_size() {
    let limits =
        LimitsConfig { rate_limit_cost_per_minute: 10_000, max_document_bytes: 8 << 20, ..LimitsConfig::default() };
    let app = TestApp::spawn_with(Backend::Sqlite, Options { limits, ..Options::default() }).await;
    let (_, doc) = hostile_documents().remove(1);
    let mut limited_after = None;
    for attempt in 1..=40 {
        let (status, body) = post_raw(&app, &json!({"query": doc})).await;
        if status == 429 {
            assert_eq!(code(&body["errors"][0]), "RATE_LIMITED", "{body}");
            limited_after = Some(attempt);
            break;
        }
        assert_eq!(code(&body["errors"][0]), "QUERY_TOO_COMPLEX", "{body}");
    }
    eprintln!("{} KiB refused documents: rate-limited after {limited_after:?}", doc.len() / 1024);
    assert!(limited_after.is_some(), "40 refusals of a {} byte document never hit a 10000-point bucket", doc.len());
}

/// Sends `request` on a fresh connection and returns what came back before
/// the server closed it (at most 5 s of waiting).
async fn raw(address: &str, request: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(address.trim_start_matches("http://")).await.expect("connect");
    s.write_all(request.as_bytes()).await.expect("write");
    let mut out = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), s.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

fn get(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
}

/// A client that sends its headers one line at a time, slower than the
/// header-read timeout, is disconnected (it used to hold the socket for ever).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_headers_are_cut_off_by_the_header_read_timeout() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let limits = LimitsConfig { header_read_timeout: std::time::Duration::from_secs(1), ..LimitsConfig::default() };
    let app = TestApp::spawn_with(Backend::Sqlite, Options { limits, ..Options::default() }).await;
    let mut s = tokio::net::TcpStream::connect(app.address.trim_start_matches("http://")).await.expect("connect");
    let started = Instant::now();
    s.write_all(b"GET /healthz HTTP/1.1\r\n").await.expect("write");
    let mut closed = false;
    for i in 0..20 {
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        if s.write_all(format!("x-slow-{i}: 1\r\n").as_bytes()).await.is_err() {
            closed = true;
            break;
        }
        let mut buf = [0u8; 512];
        match tokio::time::timeout(std::time::Duration::from_millis(10), s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => {
                closed = true;
                break;
            }
            Ok(Ok(n)) => {
                // hyper may answer 408 before closing.
                eprintln!("answer: {}", String::from_utf8_lossy(&buf[..n]).lines().next().unwrap_or_default());
                closed = true;
                break;
            }
            Err(_) => {}
        }
    }
    eprintln!("slow-header socket closed: {closed} after {:?}", started.elapsed());
    assert!(closed, "a header line every 400 ms for 8 s kept the socket open past a 1 s header-read timeout");
}

/// Over the connection cap, new connections are answered 503 at once, and
/// `/healthz` is still answered from a small reserve; beyond the reserve a
/// new connection gets the 503 and is closed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connection_cap_holds_and_health_keeps_answering() {
    let limits = LimitsConfig { max_connections: 4, ..LimitsConfig::default() };
    let app = TestApp::spawn_with(Backend::Sqlite, Options { limits, ..Options::default() }).await;
    let addr = app.address.trim_start_matches("http://").to_owned();
    // Four idle connections take every slot (no request before them: a
    // closing connection could still hold its slot when they arrive).
    let mut idle = Vec::new();
    for _ in 0..4 {
        idle.push(tokio::net::TcpStream::connect(&addr).await.expect("connect"));
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let refused = raw(&app.address, &get("/graphql?query=%7B__typename%7D")).await;
    assert!(refused.starts_with("HTTP/1.1 503"), "{refused}");
    assert!(refused.contains("SERVICE_UNAVAILABLE"), "{refused}");
    let health = raw(&app.address, &get("/healthz")).await;
    assert!(health.starts_with("HTTP/1.1 200"), "health is answered from the reserve: {health}");
    // Filling the reserve too: the next connection is refused at once.
    for _ in 0..coopgate::http::serve::HEALTH_RESERVE {
        idle.push(tokio::net::TcpStream::connect(&addr).await.expect("connect"));
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let started = Instant::now();
    let over = raw(&app.address, &get("/healthz")).await;
    eprintln!("over every cap: answered in {:?}", started.elapsed());
    assert!(over.starts_with("HTTP/1.1 503"), "{over}");
    drop(idle);
    // Slots come back when connections close.
    let mut back = String::new();
    for _ in 0..50 {
        back = raw(&app.address, &get("/graphql?query=%7B__typename%7D")).await;
        if back.starts_with("HTTP/1.1 200") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(back.starts_with("HTTP/1.1 200"), "{back}");
}

/// `statistics` and a root connection's `totalCount` are charged what the
/// database does for them (weights measured at national scale, see
/// docs/hardening.md): 40 aliased `statistics` are refused by cost (they
/// used to cost 840 points and take 1.6 s).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forty_aliased_statistics_are_refused_by_cost() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let doc = format!("{{ {} }}", joined(40, |i| format!("s{i}: statistics {{ cooperatives }}"), " "));
    let (_, body) = post_raw(&app, &json!({"query": doc})).await;
    assert_eq!(code(&body["errors"][0]), "QUERY_TOO_COMPLEX", "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap_or_default().contains("query cost"), "{body}");
    assert!(body.get("data").is_none(), "{body}");
    // One is fine, and a filtered count costs more than an unfiltered page.
    let one = app.graphql("{ statistics { cooperatives } }", json!({})).await;
    assert!(one.get("errors").is_none(), "{one}");
    let counted =
        app.graphql("{ cooperatives(first: 1, filter: {provinceCode: \"40\"}) { totalCount } }", json!({})).await;
    assert!(counted["extensions"]["cost"]["requested"].as_u64().unwrap_or(0) > 200, "{counted}");
}
