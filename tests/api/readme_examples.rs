//! The README's example mutations work as written: run against the gateway
//! with the national sandbox, what they register becomes ACTIVE.

use crate::helpers::{officer, Backend, TestApp};
use crate::storage_tests;
use coopgate::sim::{self, SimConfig};
use coopgate::sync::client::{Endpoints, HttpNational};
use coopgate::sync::worker::{Worker, WorkerSettings};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

/// The GraphQL bodies of the README's `curl … -d '{…}'` examples that hold a
/// mutation, in order.
fn readme_mutations() -> Vec<Value> {
    let readme = include_str!("../../README.md");
    readme
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("-d '"))
        .filter_map(|rest| rest.strip_suffix('\''))
        .map(|body| serde_json::from_str::<Value>(body).expect("a README example body is JSON"))
        .filter(|b| b["query"].as_str().is_some_and(|q| q.trim_start().starts_with("mutation")))
        .collect()
}

#[test]
fn the_readme_has_a_registration_example() {
    let mutations = readme_mutations();
    assert!(
        mutations.iter().any(|m| m["query"].as_str().is_some_and(|q| q.contains("registerCooperative("))),
        "{mutations:?}"
    );
}

async fn the_readmes_registration_becomes_active_in_the_sandbox(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // The sandbox as `COOPGATE_NATIONAL=sandbox` starts it.
    let sandbox = sim::spawn(SimConfig { listen: "127.0.0.1:0".parse().expect("addr"), ..SimConfig::default() })
        .await
        .expect("sandbox");
    // The README's token is an officer of province 40.
    let t = officer("40");
    let mut ids = Vec::new();
    for body in readme_mutations() {
        let v = app.graphql_as(&t, body["query"].as_str().expect("query"), body["variables"].clone()).await;
        assert!(v["errors"].is_null(), "{v}");
        let payload = v["data"].as_object().and_then(|d| d.values().next()).expect("payload").clone();
        assert_eq!(payload["userErrors"], json!([]), "{payload}");
        if let Some(id) = payload["cooperative"]["id"].as_str() {
            ids.push(id.to_owned());
        }
    }
    assert!(!ids.is_empty(), "the README registers a cooperative");

    let client = HttpNational::new(Endpoints {
        tax_url: sandbox.base_url(),
        ncrs_url: sandbox.base_url(),
        client_id: sim::DEFAULT_CLIENT_ID.into(),
        client_secret: sim::DEFAULT_CLIENT_SECRET.into(),
        timeout: Duration::from_secs(5),
    })
    .expect("client");
    let settings = WorkerSettings {
        backoff_base: Duration::from_millis(5),
        backoff_cap: Duration::from_millis(50),
        ..Default::default()
    };
    let worker = Worker::new(app.state.clone(), Arc::new(client), settings);
    assert!(worker.drain(Duration::from_secs(60)).await.expect("drain"), "the queue settles");

    for id in ids {
        let d = app
            .data_as(
                &t,
                "query($id: ID!) { node(id: $id) { ... on Cooperative { status code sync { taxRegistration nationalRegistry lastError } } } }",
                json!({"id": id}),
            )
            .await;
        let c = &d["node"];
        assert_eq!(c["status"], "ACTIVE", "{c}");
        assert!(c["code"].as_str().is_some_and(|code| code.len() == 10), "{c}");
        assert_eq!(c["sync"], json!({"taxRegistration": "SYNCED", "nationalRegistry": "SYNCED", "lastError": null}));
    }
    sandbox.shutdown().await;
}

storage_tests!(the_readmes_registration_becomes_active_in_the_sandbox);
