//! Storage safety: concurrent writers never see a locking error and every
//! acknowledged write is kept; SQLite runs with its safe settings;
//! PostgreSQL sessions have a statement timeout and the gateway recovers
//! when its connections are cut.

use crate::helpers::{officer, Backend, Options, TestApp};
use crate::storage_tests;
use crate::writes::{coop, REGISTER};
use coopgate::limits::LimitsConfig;
use coopgate::storage::safety::{self, Safety};
use entity::cooperative;
use sea_orm::{ConnectionTrait, EntityTrait};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::Duration;

async fn fifty_concurrent_writers_all_succeed_and_persist(backend: Backend) {
    // Rate limits off: this is a storage test, not a rate-limit test.
    let limits = LimitsConfig { rate_limit_cost_per_minute: 0, ..LimitsConfig::default() };
    let app = TestApp::spawn_with(backend, Options { limits, ..Options::default() }).await;
    let token = officer("40");
    let writers = (0..50).map(|i| {
        let (http, url, token) = (app.http.clone(), format!("{}/graphql", app.address), token.clone());
        tokio::spawn(async move {
            let body = json!({"query": REGISTER, "variables": {"i": coop(&format!("HTX Đồng thời {i}"), "16681")}});
            let r = http.post(url).bearer_auth(token).json(&body).send().await.expect("sent");
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.expect("json"))
        })
    });
    let mut acknowledged = BTreeSet::new();
    for w in futures::future::join_all(writers).await {
        let (status, v) = w.expect("writer task");
        let text = v.to_string().to_lowercase();
        assert!(!text.contains("locked") && !text.contains("busy"), "a client saw a locking error: {v}");
        assert_eq!(status, 200, "{v}");
        assert!(v.get("errors").is_none(), "{v}");
        let p = &v["data"]["registerCooperative"];
        assert_eq!(p["userErrors"], json!([]), "{v}");
        acknowledged.insert(p["cooperative"]["name"].as_str().expect("name").to_owned());
    }
    assert_eq!(acknowledged.len(), 50);
    let stored: BTreeSet<String> =
        cooperative::Entity::find().all(app.conn()).await.expect("rows").into_iter().map(|c| c.name).collect();
    assert!(acknowledged.is_subset(&stored), "every acknowledged write is there");
}

storage_tests!(fifty_concurrent_writers_all_succeed_and_persist);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_runs_with_its_safe_settings() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let s = safety::read(app.conn()).await.expect("settings");
    assert_eq!(
        s,
        Safety::Sqlite { journal_mode: "wal".into(), synchronous: 2, busy_timeout_ms: 5000, foreign_keys: true }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_sessions_have_a_statement_timeout() {
    let limits = LimitsConfig { db_statement_timeout: Duration::from_millis(1500), ..LimitsConfig::default() };
    let app = TestApp::spawn_with(Backend::Postgres, Options { limits, ..Options::default() }).await;
    assert_eq!(safety::read(app.conn()).await, Some(Safety::Postgres { statement_timeout: "1500ms".into() }));
    let started = std::time::Instant::now();
    let err = app.conn().execute_unprepared("SELECT pg_sleep(5)").await.expect_err("cancelled");
    assert!(err.to_string().contains("statement timeout"), "{err}");
    eprintln!("cancelled after {:?} (statement_timeout 1500 ms, pg_sleep 5 s)", started.elapsed());
}

/// Every connection of the gateway's pool is cut (as when PostgreSQL
/// restarts): `/readyz` and queries work again without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_connection_loss_is_recovered() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let q = "{ cooperatives { totalCount } }";
    assert_eq!(app.data(q, json!({})).await["cooperatives"]["totalCount"], 0);
    let name = url::Url::parse(&app.db.url).expect("url").path().trim_start_matches('/').to_owned();
    let admin = sea_orm::Database::connect(crate::helpers::admin_url()).await.expect("admin");
    admin
        .execute_unprepared(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        ))
        .await
        .expect("terminate");
    let _ = admin.close().await;
    let mut ready = 0;
    for _ in 0..20 {
        ready = app.http.get(format!("{}/readyz", app.address)).send().await.expect("readyz").status().as_u16();
        if ready == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(ready, 200, "ready again after the connections were cut");
    let v = app.graphql(q, json!({})).await;
    assert!(v.get("errors").is_none(), "queries work again: {v}");
}

/// A read whose pooled connection the server ended (a restart, a failover)
/// runs again once on another connection: the caller sees no error.
#[tokio::test]
async fn a_read_runs_again_when_its_pooled_connection_broke() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let q = "{ cooperatives(first: 1) { totalCount } }";
    assert!(app.graphql(q, json!({})).await.get("errors").is_none());
    // From outside the pool, end every session of the test database.
    let admin = sea_orm::Database::connect(app.db.url.as_str()).await.expect("admin connection");
    admin
        .execute_unprepared(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .await
        .expect("terminate");
    let _ = admin.close().await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let again = app.graphql(q, json!({})).await;
    assert!(again.get("errors").is_none(), "the read ran again on a fresh connection: {again}");
    assert_eq!(again["data"]["cooperatives"]["totalCount"], 0);
}
