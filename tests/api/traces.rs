//! Optional OpenTelemetry traces: with `COOPGATE_OTLP_ENDPOINT` a gateway
//! exports its request spans over OTLP/HTTP, each carrying the request id;
//! without it nothing is sent (the default).

use crate::helpers::{Backend, TestDb};
use crate::replicas::{production_gateway, until_ready, Processes};
use axum::body::Bytes;
use axum::routing::post;
use std::time::{Duration, Instant};

/// A collector that keeps every body POSTed to `/v1/traces`.
async fn collector() -> (String, tokio::sync::mpsc::UnboundedReceiver<Bytes>) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/v1/traces",
        post(move |body: Bytes| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(body);
                ""
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/v1/traces", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, rx)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_spans_are_exported_with_their_request_id() {
    let db = TestDb::create(Backend::Sqlite).await;
    let (endpoint, mut bodies) = collector().await;
    let (mut command, base) = production_gateway(&db.url);
    let mut procs = Processes::default();
    procs.0.push(
        command
            .env("COOPGATE_OTLP_ENDPOINT", &endpoint)
            .env("OTEL_BSP_SCHEDULE_DELAY", "100")
            .env("RUST_LOG", "info")
            .spawn()
            .expect("gateway starts"),
    );
    until_ready(&base).await;
    let id = format!("trace-drill-{}", uuid::Uuid::new_v4());
    let resp = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .header("x-request-id", &id)
        .json(&serde_json::json!({"query": "{ provinces { code } }"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 200);
    let started = Instant::now();
    let found = loop {
        match tokio::time::timeout(Duration::from_secs(30), bodies.recv()).await {
            Ok(Some(body)) if contains(&body, id.as_bytes()) => break body,
            Ok(Some(_)) => continue,
            other => panic!("no exported span carries the request id: {other:?}"),
        }
    };
    println!("the request's span reached the collector {:?} after the answer", started.elapsed());
    assert!(contains(&found, b"request_id"), "the attribute is named request_id");
    assert!(contains(&found, b"coopgate"), "the service name");
}
