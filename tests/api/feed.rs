//! The change feed: a mirror that replays it — from the start or from a
//! saved cursor — ends equal to the registry; subscribers see changes made by
//! other clients as they commit.

use crate::helpers::{admin, code, officer, Backend, TestApp};
use crate::storage_tests;
use crate::writes::{self, imported, payload, registered, tax_code};
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

pub(crate) const SHAPE: &str =
    "... on Cooperative { id name status version } ... on CooperativeUnion { id name status version }
    ... on CooperativeGroup { id name status version }";

const FIELDS: &str = "id name status version";

pub(crate) type Mirror = BTreeMap<String, Value>;

/// Applies the feed after `after` to `mirror`, three changes a page; returns
/// the cursor to resume from.
pub(crate) async fn replay(app: &TestApp, mut after: Value, mirror: &mut Mirror, province: Option<&str>) -> Value {
    let q = format!(
        "query($after: String, $p: String) {{ changes(after: $after, first: 3, provinceCode: $p) {{
           edges {{ cursor node {{ sequence kind entityId provinceCode entity {{ {SHAPE} }} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"
    );
    let mut last_seq = 0i64;
    loop {
        let d = app.data(&q, json!({"after": after, "p": province})).await;
        let c = &d["changes"];
        for e in c["edges"].as_array().expect("edges") {
            let seq: i64 = e["node"]["sequence"].as_str().expect("seq").parse().expect("number");
            assert!(seq > last_seq, "in order");
            last_seq = seq;
            if let Some(p) = province {
                assert_eq!(e["node"]["provinceCode"], p);
            }
            mirror.insert(e["node"]["entityId"].as_str().expect("id").to_owned(), e["node"]["entity"].clone());
            after = e["cursor"].clone();
        }
        if c["pageInfo"]["hasNextPage"] == json!(false) {
            return after;
        }
    }
}

/// The registry as a mirror should hold it.
pub(crate) async fn registry(app: &TestApp, province: Option<&str>) -> Mirror {
    let q = format!(
        "query($f: OrganizationFilter) {{ cooperatives(first: 100, filter: $f) {{ edges {{ node {{ {FIELDS} }} }} }}
           cooperativeUnions(first: 100, filter: $f) {{ edges {{ node {{ {FIELDS} }} }} }}
           cooperativeGroups(first: 100, filter: $f) {{ edges {{ node {{ {FIELDS} }} }} }} }}"
    );
    let d = app.data(&q, json!({"f": {"provinceCode": province}})).await;
    let mut m = Mirror::new();
    for k in ["cooperatives", "cooperativeUnions", "cooperativeGroups"] {
        for e in d[k]["edges"].as_array().expect("edges") {
            m.insert(e["node"]["id"].as_str().expect("id").to_owned(), e["node"].clone());
        }
    }
    m
}

pub(crate) async fn some_changes(app: &TestApp, round: u32) {
    let t = officer("40");
    let a = admin();
    let mut ids = Vec::new();
    for k in 0..3 {
        ids.push(
            registered(
                app,
                &t,
                imported(&format!("HTX vòng {round} số {k}"), "16681", &tax_code(200 + round * 10 + k)),
            )
            .await["id"]
                .clone(),
        );
    }
    registered(app, &a, writes::coop(&format!("HTX Khánh Hòa vòng {round}"), "22897")).await;
    payload(
        app,
        &t,
        writes::UPDATE,
        json!({"id": ids[0], "expectedVersion": 1, "name": format!("HTX đổi tên {round}")}),
    )
    .await;
    payload(app, &t, writes::STATUS, json!({"id": ids[1], "expectedVersion": 1, "status": "SUSPENDED", "effectiveOn": "2026-01-01", "until": "2026-12-31", "reason": "Tạm ngừng"})).await;
    payload(
        app,
        &t,
        writes::REPORT,
        json!({"organizationId": ids[2], "year": 2025, "officialMembers": 9, "rating": "GOOD"}),
    )
    .await;
    payload(
        app,
        &t,
        writes::UNION,
        json!({"name": format!("Liên hiệp vòng {round}"), "sector": "AGRICULTURE", "address": {"wardCode": "16681"},
        "legalRepresentative": {"fullName": "A", "idNumber": "040090000998"}, "charterCapital": "900000000",
        "memberCooperativeIds": ids}),
    )
    .await;
    payload(
        app,
        &t,
        writes::GROUP,
        json!({"name": format!("THT vòng {round}"), "sector": "AGRICULTURE", "address": {"wardCode": "16681"},
        "establishedOn": "2024-01-01", "members": 3, "representative": {"fullName": "B"}}),
    )
    .await;
}

async fn a_mirror_replaying_the_feed_reproduces_the_registry(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    some_changes(&app, 1).await;
    let mut from_start = Mirror::new();
    let middle = replay(&app, json!(null), &mut from_start, None).await;
    assert_eq!(from_start, registry(&app, None).await);
    let snapshot = from_start.clone();

    some_changes(&app, 2).await;
    // Resuming from the saved cursor…
    let mut resumed = snapshot.clone();
    replay(&app, middle.clone(), &mut resumed, None).await;
    assert_eq!(resumed, registry(&app, None).await);
    // …or from the plain sequence number a mirror may have kept.
    let seq = app
        .data("query($a: String) { changes(after: $a, first: 1) { edges { node { sequence } } } }", json!({"a": null}))
        .await;
    assert!(seq["changes"]["edges"][0]["node"]["sequence"].is_string());
    // Replaying everything again converges to the same registry.
    let mut again = Mirror::new();
    replay(&app, json!(null), &mut again, None).await;
    assert_eq!(again, registry(&app, None).await);
    // One province's feed mirrors that province.
    let mut nghe_an = Mirror::new();
    replay(&app, json!(null), &mut nghe_an, Some("40")).await;
    assert_eq!(nghe_an, registry(&app, Some("40")).await);

    for bad in ["not a cursor", "Y2hhbmdlOng", "-1"] {
        let e = app.error("query($a: String) { changes(after: $a) { edges { cursor } } }", json!({"a": bad})).await;
        assert_eq!(code(&e), "BAD_USER_INPUT", "{bad}");
    }
    let e = app.error("{ changes(first: 101) { edges { cursor } } }", json!({})).await;
    assert_eq!(code(&e), "BAD_USER_INPUT");
}

async fn next_message(
    ws: &mut (impl StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin),
) -> Option<Value> {
    loop {
        match tokio::time::timeout(Duration::from_secs(5), ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => return serde_json::from_str(t.as_str()).ok(),
            Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Err(_) => return None,
            Ok(Some(Ok(_))) => continue,
            Ok(Some(Err(_))) => return None,
        }
    }
}

async fn subscribers_see_changes_made_by_other_clients(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let url = format!("{}/graphql", app.address.replace("http://", "ws://"));
    let connect = || async {
        let mut req = url.clone().into_client_request().expect("request");
        req.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().expect("header"));
        tokio_tungstenite::connect_async(req).await.expect("websocket").0
    };
    let mut ws = connect().await;
    let init = json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {}", officer("40"))}});
    ws.send(Message::text(init.to_string())).await.expect("send");
    assert_eq!(next_message(&mut ws).await.map(|m| m["type"].clone()), Some(json!("connection_ack")));
    let sub = json!({"id": "1", "type": "subscribe", "payload": {"query":
        "subscription { registryChanged(provinceCode: \"40\") { kind entityKind provinceCode entity { ... on Cooperative { name } } } }"}});
    ws.send(Message::text(sub.to_string())).await.expect("send");
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Another client writes: one change in Khánh Hòa, then one in Nghệ An.
    registered(&app, &admin(), writes::coop("HTX ở Khánh Hòa", "22897")).await;
    registered(&app, &officer("40"), writes::coop("HTX ở Nghệ An", "16681")).await;
    let msg = next_message(&mut ws).await.expect("an event");
    assert_eq!(msg["type"], "next", "{msg}");
    assert_eq!(
        msg["payload"]["data"]["registryChanged"],
        json!({"kind": "CREATED", "entityKind": "COOPERATIVE", "provinceCode": "40", "entity": {"name": "HTX ở Nghệ An"}})
    );

    // A refused token closes the connection.
    let mut bad = connect().await;
    let init = json!({"type": "connection_init", "payload": {"Authorization": "Bearer forged.token.here"}});
    bad.send(Message::text(init.to_string())).await.expect("send");
    let reply = next_message(&mut bad).await;
    assert!(reply.as_ref().is_none_or(|m| m["type"] != "connection_ack"), "{reply:?}");
}

storage_tests!(a_mirror_replaying_the_feed_reproduces_the_registry, subscribers_see_changes_made_by_other_clients);
