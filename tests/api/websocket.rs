//! graphql-transport-ws as the protocol specifies it: close codes, `error`
//! messages for refused operations, and `registryChanged(after:)` resuming
//! from a change-feed cursor with no gap and no duplicate.

use crate::helpers::{officer, Backend, TestApp};
use crate::storage_tests;
use crate::writes::{self, registered};
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub(crate) type Ws = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// What the server sent next: a message, or the close code.
#[derive(Debug, PartialEq)]
pub(crate) enum Got {
    Message(Value),
    Closed(u16),
    Nothing,
}

pub(crate) async fn connect(app: &TestApp) -> Ws {
    let url = format!("{}/graphql", app.address.replace("http://", "ws://"));
    let mut req = url.into_client_request().expect("request");
    req.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().expect("header"));
    let (ws, resp) = tokio_tungstenite::connect_async(req).await.expect("websocket");
    assert_eq!(
        resp.headers().get("sec-websocket-protocol").and_then(|v| v.to_str().ok()),
        Some("graphql-transport-ws")
    );
    ws
}

pub(crate) async fn send(ws: &mut Ws, v: Value) {
    ws.send(Message::text(v.to_string())).await.expect("send");
}

pub(crate) async fn next(ws: &mut Ws, wait: Duration) -> Got {
    loop {
        match tokio::time::timeout(wait, ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => return Got::Message(serde_json::from_str(t.as_str()).expect("json")),
            Ok(Some(Ok(Message::Close(Some(f))))) => return Got::Closed(u16::from(f.code)),
            Ok(Some(Ok(Message::Close(None)))) | Ok(None) | Ok(Some(Err(_))) | Err(_) => return Got::Nothing,
            Ok(Some(Ok(_))) => continue,
        }
    }
}

pub(crate) async fn ready(app: &TestApp, token: Option<&str>) -> Ws {
    let mut ws = connect(app).await;
    let payload = token.map_or(json!({}), |t| json!({"Authorization": format!("Bearer {t}")}));
    send(&mut ws, json!({"type": "connection_init", "payload": payload})).await;
    assert_eq!(next(&mut ws, Duration::from_secs(10)).await, Got::Message(json!({"type": "connection_ack"})));
    ws
}

pub(crate) const WAIT: Duration = Duration::from_secs(10);

/// Every protocol violation closes the socket with the protocol's code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protocol_violations_close_with_the_protocols_codes() {
    let app = TestApp::spawn(Backend::Sqlite).await;

    // A refused token: 4403 Forbidden.
    let mut ws = connect(&app).await;
    send(&mut ws, json!({"type": "connection_init", "payload": {"Authorization": "Bearer forged.token.here"}})).await;
    assert_eq!(next(&mut ws, WAIT).await, Got::Closed(4403));

    // A credential that is not a string is refused, not taken for none.
    for payload in [json!({"Authorization": {"Bearer": "x"}}), json!({"authorization": 1}), json!({"token": ["t"]})] {
        let mut ws = connect(&app).await;
        send(&mut ws, json!({"type": "connection_init", "payload": payload})).await;
        assert_eq!(next(&mut ws, WAIT).await, Got::Closed(4403), "{payload}");
    }

    // subscribe before the connection is acknowledged: 4401 Unauthorized.
    let mut ws = connect(&app).await;
    send(&mut ws, json!({"id": "1", "type": "subscribe", "payload": {"query": "{ me { role } }"}})).await;
    assert_eq!(next(&mut ws, WAIT).await, Got::Closed(4401));

    // A second connection_init: 4429.
    let mut ws = ready(&app, None).await;
    send(&mut ws, json!({"type": "connection_init"})).await;
    assert_eq!(next(&mut ws, WAIT).await, Got::Closed(4429));

    // Not a message of the protocol: 4400.
    let mut ws = ready(&app, None).await;
    send(&mut ws, json!({"type": "subscribe", "payload": "no id"})).await;
    assert_eq!(next(&mut ws, WAIT).await, Got::Closed(4400));
    let mut ws = ready(&app, None).await;
    ws.send(Message::text("not json")).await.expect("send");
    assert_eq!(next(&mut ws, WAIT).await, Got::Closed(4400));

    // An id still in use: 4409.
    let mut ws = ready(&app, None).await;
    let sub =
        json!({"id": "a", "type": "subscribe", "payload": {"query": "subscription { registryChanged { sequence } }"}});
    send(&mut ws, sub.clone()).await;
    send(&mut ws, sub).await;
    assert_eq!(next(&mut ws, WAIT).await, Got::Closed(4409));

    // Ping is answered with pong.
    let mut ws = ready(&app, None).await;
    send(&mut ws, json!({"type": "ping", "payload": {"n": 1}})).await;
    assert_eq!(next(&mut ws, WAIT).await, Got::Message(json!({"type": "pong", "payload": {"n": 1}})));
}

/// No connection_init within the initialisation timeout: 4408.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_never_initialised_closes_with_4408() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut ws = connect(&app).await;
    assert_eq!(next(&mut ws, Duration::from_secs(30)).await, Got::Closed(4408));
}

/// A refused operation is an `error` message; a query is `next` then `complete`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_operations_are_error_messages() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut ws = ready(&app, None).await;
    for (id, query, code) in [
        ("v", "subscription { registryChanged { noSuchField } }", "BAD_USER_INPUT"),
        ("p", "subscription { registryChanged(provinceCode: \"zz\") { sequence } }", "BAD_USER_INPUT"),
        ("c", "subscription { registryChanged(after: \"not a cursor\") { sequence } }", "BAD_USER_INPUT"),
        ("s", "subscription { registryChanged { sequence }", "BAD_USER_INPUT"),
    ] {
        send(&mut ws, json!({"id": id, "type": "subscribe", "payload": {"query": query}})).await;
        let Got::Message(m) = next(&mut ws, WAIT).await else { panic!("{id}: no message") };
        assert_eq!((m["type"].as_str(), m["id"].as_str()), (Some("error"), Some(id)), "{m}");
        assert_eq!(m["payload"][0]["extensions"]["code"], code, "{m}");
    }
    send(
        &mut ws,
        json!({"id": "q", "type": "subscribe", "payload": {"query": "query($c: ID!) { node(id: $c) { id } }"}}),
    )
    .await;
    let Got::Message(m) = next(&mut ws, WAIT).await else { panic!("no message") };
    assert_eq!(m["type"], "error", "{m}");
    assert_eq!(m["payload"][0]["extensions"]["variable"], "c", "{m}");
    send(&mut ws, json!({"id": "q", "type": "subscribe", "payload": {"query": "{ me { role } }"}})).await;
    assert_eq!(
        next(&mut ws, WAIT).await,
        Got::Message(json!({"id": "q", "type": "next", "payload": {"data": {"me": {"role": "ANONYMOUS"}}}}))
    );
    assert_eq!(next(&mut ws, WAIT).await, Got::Message(json!({"id": "q", "type": "complete"})));
}

/// All sequences of the feed after `after`, in order.
async fn feed_after(app: &TestApp, after: Value) -> Vec<i64> {
    let q = "query($a: String) { changes(after: $a, first: 100) { edges { node { sequence } } } }";
    let d = app.data(q, json!({"a": after})).await;
    d["changes"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["sequence"].as_str().expect("sequence").parse().expect("number"))
        .collect()
}

/// registryChanged(after:) replays from the cursor, then streams live: the
/// subscriber sees every change once, in order, whether it was committed
/// before the subscription, while it replayed, or afterwards.
async fn registry_changed_resumes_from_a_cursor_without_gap_or_duplicate(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = officer("40");
    for k in 0..4 {
        registered(&app, &t, writes::coop(&format!("HTX trước {k}"), "16681")).await;
    }
    let q = "{ changes(first: 1) { edges { cursor } } }";
    let cursor = app.data(q, json!({})).await["changes"]["edges"][0]["cursor"].clone();

    let mut ws = ready(&app, Some(&t)).await;
    let sub = json!({"id": "r", "type": "subscribe", "payload": {
        "query": "subscription($a: String) { registryChanged(after: $a, provinceCode: \"40\") { sequence kind } }",
        "variables": {"a": cursor}}});
    send(&mut ws, sub).await;
    // Committed while the subscription replays.
    for k in 0..3 {
        registered(&app, &t, writes::coop(&format!("HTX trong lúc {k}"), "16681")).await;
    }
    let mut seen = Vec::new();
    let mut expect_before_live = feed_after(&app, cursor.clone()).await.len();
    while seen.len() < expect_before_live {
        match next(&mut ws, WAIT).await {
            Got::Message(m) if m["type"] == "next" => seen.push(
                m["payload"]["data"]["registryChanged"]["sequence"].as_str().expect("seq").parse::<i64>().expect("n"),
            ),
            other => panic!("expected an event, got {other:?}"),
        }
    }
    // Committed after the replay.
    for k in 0..3 {
        registered(&app, &t, writes::coop(&format!("HTX sau {k}"), "16681")).await;
    }
    let all = feed_after(&app, cursor).await;
    expect_before_live = all.len();
    while seen.len() < expect_before_live {
        match next(&mut ws, WAIT).await {
            Got::Message(m) if m["type"] == "next" => seen.push(
                m["payload"]["data"]["registryChanged"]["sequence"].as_str().expect("seq").parse::<i64>().expect("n"),
            ),
            other => panic!("expected an event, got {other:?}; seen {seen:?} of {all:?}"),
        }
    }
    assert_eq!(seen, all, "each change once, in order");
    // Nothing more (no late duplicate): the next event is the next commit.
    registered(&app, &t, writes::coop("HTX cuối", "16681")).await;
    let Got::Message(m) = next(&mut ws, WAIT).await else { panic!("no event") };
    let last: i64 = m["payload"]["data"]["registryChanged"]["sequence"].as_str().expect("seq").parse().expect("n");
    assert!(last > *all.last().expect("changes"), "{m}");
    // complete stops the stream.
    send(&mut ws, json!({"id": "r", "type": "complete"})).await;
}

storage_tests!(registry_changed_resumes_from_a_cursor_without_gap_or_duplicate);
