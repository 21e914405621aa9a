//! Subscriptions that cannot take the gateway down: persons and every other
//! loader work over graphql-transport-ws, each event's entity is loaded once
//! for all subscribers, subscriptions are capped per connection and per
//! principal and charged to the rate limit.

use crate::helpers::{officer, Backend, Options, TestApp};
use crate::storage_tests;
use crate::websocket::{next, ready, send, Got, WAIT};
use crate::writes::{self, registered};
use coopgate::limits::LimitsConfig;
use serde_json::{json, Value};

const WITH_PERSONS: &str = "subscription { registryChanged(provinceCode: \"40\") { sequence entity {
    ... on Cooperative { name director { fullName idNumber } legalRepresentative { fullName } } } } }";

/// The next `next` payload of the connection.
async fn event(ws: &mut crate::websocket::Ws) -> Value {
    match next(ws, WAIT).await {
        Got::Message(m) if m["type"] == "next" => m["payload"].clone(),
        other => panic!("expected an event, got {other:?}"),
    }
}

/// A subscription selecting `director` and `legalRepresentative` resolves
/// them (it used to fail with "Data `coopgate::graphql::loaders::Loaders`
/// does not exist."): restricted fields are shown to the province's officer
/// and hidden from anonymous callers; no error names an internal type.
async fn persons_resolve_over_subscriptions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = officer("40");
    let mut officer_ws = ready(&app, Some(&t)).await;
    let mut anonymous_ws = ready(&app, None).await;
    for ws in [&mut officer_ws, &mut anonymous_ws] {
        send(ws, json!({"id": "p", "type": "subscribe", "payload": {"query": WITH_PERSONS}})).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    registered(&app, &t, writes::coop("HTX Người Đại Diện", "16681")).await;

    let seen = event(&mut officer_ws).await;
    assert!(seen.get("errors").is_none(), "{seen}");
    let coop = &seen["data"]["registryChanged"]["entity"];
    assert_eq!(coop["director"]["fullName"], "Nguyễn Văn An", "{seen}");
    assert_eq!(coop["director"]["idNumber"], "040090000123", "the officer of the province sees it: {seen}");
    assert_eq!(coop["legalRepresentative"]["fullName"], "Trần Thị Bình", "{seen}");

    let seen = event(&mut anonymous_ws).await;
    assert!(seen.get("errors").is_none(), "{seen}");
    let coop = &seen["data"]["registryChanged"]["entity"];
    assert_eq!(coop["director"]["fullName"], "Nguyễn Văn An", "{seen}");
    assert_eq!(coop["director"]["idNumber"], Value::Null, "restricted: {seen}");
    assert!(!seen.to_string().contains("coopgate::"), "{seen}");
}

storage_tests!(persons_resolve_over_subscriptions);

/// All subscribers of one event share its loads: twenty subscriptions
/// selecting the entity and its director cost (nearly) the statements one
/// does, not twenty times the loads.
async fn each_event_loads_its_entity_once_for_all_subscribers(backend: Backend) {
    let app = TestApp::spawn_with(backend, Options::default()).await;
    let t = officer("40");
    let q = "subscription { registryChanged(provinceCode: \"40\") { entity {
        ... on Cooperative { name director { fullName } legalRepresentative { fullName } } } } }";
    let mut deltas = Vec::new();
    for subscribers in [1usize, 20] {
        let mut ws = ready(&app, Some(&t)).await;
        for i in 0..subscribers {
            send(&mut ws, json!({"id": format!("s{i}"), "type": "subscribe", "payload": {"query": q}})).await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let before = app.statements();
        registered(&app, &t, writes::coop(&format!("HTX chia sẻ {subscribers}"), "16681")).await;
        for _ in 0..subscribers {
            let seen = event(&mut ws).await;
            assert!(seen.get("errors").is_none(), "{seen}");
        }
        deltas.push(app.statements() - before);
    }
    eprintln!("statements for the commit and its delivery: 1 subscriber {}, 20 subscribers {}", deltas[0], deltas[1]);
    // Before: each subscriber loaded the entity (and failed on the director)
    // on its own, 19 more statements at least.
    assert!(deltas[1] < deltas[0] + 10, "{deltas:?}");
}

storage_tests!(each_event_loads_its_entity_once_for_all_subscribers);

fn subscribe(id: &str, query: &str) -> Value {
    json!({"id": id, "type": "subscribe", "payload": {"query": query}})
}

const CHEAP: &str = "subscription { registryChanged { sequence } }";

/// The error message answering a subscribe, if that is what came.
async fn refusal(ws: &mut crate::websocket::Ws) -> Option<Value> {
    match next(ws, std::time::Duration::from_millis(500)).await {
        Got::Message(m) if m["type"] == "error" => Some(m),
        Got::Nothing => None,
        other => panic!("unexpected {other:?}"),
    }
}

/// Subscriptions are capped per connection and per principal (anonymous
/// callers by address): a subscribe over a cap gets an `error` with
/// RATE_LIMITED and the connection stays usable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_are_capped_per_connection_and_per_principal() {
    let limits = LimitsConfig {
        max_subscriptions_per_connection: 3,
        max_subscriptions_per_principal: 5,
        ..LimitsConfig::default()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, Options { limits, ..Options::default() }).await;
    let mut a = ready(&app, None).await;
    for i in 0..3 {
        send(&mut a, subscribe(&format!("a{i}"), CHEAP)).await;
    }
    assert!(refusal(&mut a).await.is_none(), "three run");
    send(&mut a, subscribe("a3", CHEAP)).await;
    let m = refusal(&mut a).await.expect("the fourth on one connection is refused");
    assert_eq!((m["id"].as_str(), m["payload"][0]["extensions"]["code"].as_str()), (Some("a3"), Some("RATE_LIMITED")));
    send(&mut a, json!({"type": "ping"})).await;
    assert_eq!(next(&mut a, WAIT).await, Got::Message(json!({"type": "pong"})), "still open");

    // Same address, another connection: two more fit the principal's five.
    let mut b = ready(&app, None).await;
    send(&mut b, subscribe("b0", CHEAP)).await;
    send(&mut b, subscribe("b1", CHEAP)).await;
    assert!(refusal(&mut b).await.is_none());
    send(&mut b, subscribe("b2", CHEAP)).await;
    let m = refusal(&mut b).await.expect("the sixth of one address is refused");
    assert_eq!(m["payload"][0]["extensions"]["code"], "RATE_LIMITED", "{m}");

    // Completing one frees its place.
    send(&mut a, json!({"id": "a0", "type": "complete"})).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    send(&mut b, subscribe("b3", CHEAP)).await;
    assert!(refusal(&mut b).await.is_none(), "a freed place is taken");
}

/// Each subscribe spends its requested cost from the caller's bucket:
/// once it is spent, subscribing is refused with RATE_LIMITED.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_are_charged_to_the_rate_limit() {
    let limits = LimitsConfig {
        max_cost: 100,
        rate_limit_cost_per_minute: 100,
        max_subscriptions_per_connection: 1000,
        max_subscriptions_per_principal: 1000,
        ..LimitsConfig::default()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, Options { limits, ..Options::default() }).await;
    let mut ws = ready(&app, None).await;
    let q = "subscription { registryChanged { entity { ... on Cooperative { director { fullName } } } } }";
    let mut refused_at = None;
    for i in 0..80 {
        send(&mut ws, subscribe(&format!("s{i}"), q)).await;
        if let Got::Message(m) = next(&mut ws, std::time::Duration::from_millis(50)).await {
            assert_eq!(m["type"], "error", "{m}");
            assert_eq!(m["payload"][0]["extensions"]["code"], "RATE_LIMITED", "{m}");
            refused_at = Some(i);
            break;
        }
    }
    eprintln!("subscriptions refused by the rate limit at {refused_at:?}");
    assert!(refused_at.is_some(), "80 subscriptions never spent a 100-point bucket");
}
