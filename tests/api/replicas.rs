//! Replicas: two gateway processes and two worker processes on one
//! PostgreSQL database and one Redis. A principal's rate-limit budget holds
//! across both gateways, a change written through one reaches a subscriber
//! of the other at once (woken by LISTEN/NOTIFY; the time is printed), and
//! every record is delivered to the national systems exactly once.

use crate::helpers::{officer, Backend, TestDb, TEST_AUDIENCE, TEST_ISSUER, TEST_SECRET};
use crate::writes;
use coopgate::sim::{self, Faults, SimConfig};
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

/// The Redis the replica tests share (keys under a prefix of their own).
pub fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// Child processes, killed when dropped (also when a test fails).
#[derive(Default)]
pub struct Processes(pub Vec<Child>);

impl Drop for Processes {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A free loopback port (bound, then released for the child to bind).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

/// `coopgate serve` over `db` with the test key, no national systems and no
/// worker, its rate limits in Redis under `prefix`.
fn gateway(db: &str, prefix: &str, per_minute: u32) -> (Child, String) {
    let (mut command, base) = production_gateway(db);
    let child = command
        .env("COOPGATE_REDIS_URL", redis_url())
        .env("COOPGATE_REDIS_KEY_PREFIX", prefix)
        .env("COOPGATE_RATE_LIMIT_COST_PER_MINUTE", per_minute.to_string())
        .env("COOPGATE_MAX_COST", per_minute.to_string())
        .spawn()
        .expect("gateway starts");
    (child, base)
}

/// The command of a production-profile `coopgate serve` over `db` on a free
/// port with the test key, no national systems and no worker; and its URL.
pub fn production_gateway(db: &str) -> (Command, String) {
    let port = free_port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_coopgate"));
    command
        .arg("serve")
        .env("DATABASE_URL", db)
        .env("COOPGATE_LISTEN", format!("127.0.0.1:{port}"))
        .env("COOPGATE_PROFILE", "production")
        .env("COOPGATE_NATIONAL", "off")
        .env("COOPGATE_SYNC_WORKER", "false")
        .env("COOPGATE_JWT_HS256_SECRET", TEST_SECRET)
        .env("COOPGATE_JWT_ISSUER", TEST_ISSUER)
        .env("COOPGATE_JWT_AUDIENCE", TEST_AUDIENCE)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    (command, format!("http://127.0.0.1:{port}"))
}

/// `coopgate worker` over `db` delivering to the simulator at `national`.
fn worker(db: &str, national: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_coopgate"))
        .arg("worker")
        .env("DATABASE_URL", db)
        .env("COOPGATE_PROFILE", "production")
        .env("COOPGATE_NATIONAL", national)
        .env("COOPGATE_NATIONAL_CLIENT_ID", sim::DEFAULT_CLIENT_ID)
        .env("COOPGATE_NATIONAL_CLIENT_SECRET", sim::DEFAULT_CLIENT_SECRET)
        .env("COOPGATE_SYNC_BACKOFF_MS", "5")
        .env("COOPGATE_SYNC_LEASE_SECONDS", "10")
        .env("COOPGATE_NATIONAL_TIMEOUT_MS", "1000")
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("worker starts")
}

/// Waits until `base` answers `/readyz` with 200.
pub async fn until_ready(base: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(r) = reqwest::get(format!("{base}/readyz")).await {
            if r.status().is_success() {
                return;
            }
        }
        assert!(Instant::now() < deadline, "{base} never became ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// POSTs an operation as `token`; returns the status and the body.
pub async fn post(base: &str, token: &str, query: &str, variables: Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .bearer_auth(token)
        .json(&json!({"query": query, "variables": variables}))
        .send()
        .await
        .expect("sent");
    let status = r.status().as_u16();
    (status, r.json().await.expect("json"))
}

pub fn national_ready(mut c: Value) -> Value {
    c["legalRepresentative"]["idNumber"] = json!("040190000456");
    c["businessLines"] = json!(["0111", "0162"]);
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_gateways_and_two_workers_share_one_database_and_one_redis_postgres() {
    let db = TestDb::create(Backend::Postgres).await;
    let prefix = format!("coopgate-test:replicas:{}:", uuid::Uuid::new_v4());
    let sim = sim::spawn(SimConfig {
        listen: "127.0.0.1:0".parse().expect("addr"),
        faults: Faults { error_rate: 0.1, lose_answer_rate: 0.1, ..Default::default() },
        seed: 11,
        ..Default::default()
    })
    .await
    .expect("simulator");
    let per_minute = 300;
    let mut procs = Processes::default();
    let (a, url_a) = gateway(&db.url, &prefix, per_minute);
    let (b, url_b) = gateway(&db.url, &prefix, per_minute);
    procs.0.extend([a, b]);
    procs.0.push(worker(&db.url, &sim.base_url()));
    procs.0.push(worker(&db.url, &sim.base_url()));
    until_ready(&url_a).await;
    until_ready(&url_b).await;
    let t = officer("40");
    // Both gateways' tailers are woken by LISTEN (not only polling).
    for base in [&url_a, &url_b] {
        let deadline = Instant::now() + Duration::from_secs(10);
        while crate::metrics::scrape(base).await.value("coopgate_change_feed_listening", &[]) != 1.0 {
            assert!(Instant::now() < deadline, "{base} does not LISTEN");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    // A subscriber on gateway B; a registration through gateway A.
    let ws_url = format!("{}/graphql", url_b.replace("http://", "ws://"));
    let mut req = ws_url.into_client_request().expect("request");
    req.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().expect("header"));
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.expect("websocket");
    let init = json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {t}")}});
    ws.send(Message::text(init.to_string())).await.expect("init");
    let sub = json!({"id": "1", "type": "subscribe", "payload": {"query": "subscription { registryChanged { sequence kind entityId } }"}});
    ws.send(Message::text(sub.to_string())).await.expect("subscribe");
    let mut acked = false;
    while !acked {
        match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
            Ok(Some(Ok(Message::Text(m)))) => acked = m.as_str().contains("connection_ack"),
            other => panic!("no ack: {other:?}"),
        }
    }
    // Let the subscription reach the tailer before writing.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let written = Instant::now();
    let (status, body) =
        post(&url_a, &t, writes::REGISTER, json!({"i": national_ready(writes::coop("HTX hai bản sao 0", "16681"))}))
            .await;
    assert_eq!(status, 200, "{body}");
    let written_id = body["data"]["registerCooperative"]["cooperative"]["id"].clone();
    assert!(written_id.is_string(), "{body}");
    let event = loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
            Ok(Some(Ok(Message::Text(m)))) => {
                let v: Value = serde_json::from_str(m.as_str()).expect("json");
                if v["type"] == "next" {
                    break v;
                }
            }
            Ok(Some(Ok(_))) => continue,
            other => panic!("no change reached gateway B: {other:?}"),
        }
    };
    let latency = written.elapsed();
    println!("a change written through gateway A reached a subscriber of gateway B in {latency:?}");
    assert_eq!(event["payload"]["data"]["registryChanged"]["entityId"], written_id);
    // Generous (no tight timing): with a listener up the tailer polls only
    // every 5 s, so this fails when NOTIFY does not wake it.
    assert!(latency < Duration::from_secs(5), "{latency:?}");

    // The budget holds across both gateways: alternate until refused.
    let query = "{ cooperatives(first: 50) { totalCount nodes { id name } } }";
    let started = Instant::now();
    let (mut accepted_cost, mut refused_at) = (0u64, None);
    let mut remaining_seen = Vec::new();
    for i in 0..200 {
        let base = if i % 2 == 0 { &url_a } else { &url_b };
        let (status, body) = post(base, &t, query, json!({})).await;
        if status == 429 {
            refused_at = Some((i, if i % 2 == 0 { "A" } else { "B" }));
            break;
        }
        assert_eq!(status, 200, "{body}");
        accepted_cost += body["extensions"]["cost"]["requested"].as_u64().expect("cost");
        remaining_seen.push(body["extensions"]["cost"]["rateLimit"]["remaining"].as_u64().expect("remaining"));
    }
    let elapsed = started.elapsed().as_secs_f64();
    let (n, on) = refused_at.expect("refused within 200 requests");
    println!(
        "budget {per_minute}/min: {n} requests accepted across both gateways (cost {accepted_cost}) in {elapsed:.2} s, then refused by gateway {on}"
    );
    // One bucket, refilled at most for the time spent: a bucket per gateway
    // would have let through twice the budget.
    let refill = (f64::from(per_minute) * elapsed / 60.0).ceil() as u64;
    assert!(accepted_cost <= u64::from(per_minute) + refill, "{accepted_cost} > {per_minute} + {refill}");
    assert!(remaining_seen.windows(2).filter(|w| w[1] > w[0]).count() <= refill as usize, "{remaining_seen:?}");

    // More registrations through both gateways (the budget refused reads,
    // so use another principal): every record reaches the national systems once.
    let claims = coopgate::auth::jwt::claims_for(
        "another-officer-of-40",
        coopgate::auth::Role::ProvincialOfficer,
        Some("40"),
        TEST_ISSUER,
        TEST_AUDIENCE,
        Duration::from_secs(600),
    );
    let t2 = coopgate::auth::jwt::mint_hs256(TEST_SECRET, &claims).expect("mint");
    let mut ids = vec![written_id];
    for i in 1..12 {
        let base = if i % 2 == 0 { &url_a } else { &url_b };
        let (status, body) = post(
            base,
            &t2,
            writes::REGISTER,
            json!({"i": national_ready(writes::coop(&format!("HTX hai bản sao {i}"), "16681"))}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let p = &body["data"]["registerCooperative"];
        if p["userErrors"] != json!([]) {
            panic!("{body}");
        }
        ids.push(p["cooperative"]["id"].clone());
    }
    let conn = sea_orm::Database::connect(&db.url).await.expect("connect");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        use sea_orm::EntityTrait;
        let rows = entity::sync_outbox::Entity::find().all(&conn).await.expect("rows");
        if rows.len() >= ids.len() && rows.iter().all(|r| r.state == "DELIVERED") {
            break;
        }
        let states: Vec<_> = rows.iter().map(|r| r.state.as_str()).collect();
        assert!(Instant::now() < deadline, "not delivered: {states:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let records = serde_json::to_value(sim.records()).expect("json");
    assert_eq!(records["ncrs"]["records"].as_array().expect("records").len(), ids.len(), "each record once in NCRS");
    assert_eq!(records["tax"]["taxpayers"].as_array().expect("taxpayers").len(), ids.len(), "each once at tax");
    for system in ["tax", "ncrs"] {
        let list = if system == "tax" { "taxpayers" } else { "records" };
        for r in records[system][list].as_array().expect("list") {
            for w in r["writes"].as_array().expect("writes") {
                assert_eq!(w["applied"], json!(1), "{system} write applied more than once: {w}");
            }
        }
    }
    let _ = conn.close().await;
    drop(procs);
    sim.shutdown().await;
}
