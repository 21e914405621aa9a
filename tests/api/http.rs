//! HTTP: probes, request ids, the IDE, GET queries, safe failure and
//! graceful shutdown.

use crate::helpers::{code, Backend, Coop, Options, TestApp};
use crate::storage_tests;
use coopgate::config::Profile;
use sea_orm::ConnectionTrait;
use serde_json::{json, Value};

async fn probes_report_liveness_and_readiness(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let live = app.http.get(format!("{}/healthz", app.address)).send().await.expect("healthz");
    assert_eq!(live.status(), 200);
    let ready = app.http.get(format!("{}/readyz", app.address)).send().await.expect("readyz");
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.json::<Value>().await.expect("json")["status"], "ready");

    // Losing the migration history is "not ready", not a crash.
    app.conn().execute_unprepared("DROP TABLE seaql_migrations").await.expect("drop");
    let ready = app.http.get(format!("{}/readyz", app.address)).send().await.expect("readyz");
    assert_eq!(ready.status(), 503);
    app.stop().await;
}

async fn every_response_carries_a_request_id(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let r = app.http.get(format!("{}/healthz", app.address)).send().await.expect("healthz");
    let id = r.headers().get("x-request-id").expect("generated request id");
    assert_eq!(id.to_str().expect("ascii").len(), 36);
    let r = app
        .http
        .get(format!("{}/healthz", app.address))
        .header("x-request-id", "portal-trace-42")
        .send()
        .await
        .expect("healthz");
    assert_eq!(r.headers()["x-request-id"], "portal-trace-42", "the caller's id is kept");
}

async fn the_ide_is_served_in_dev_only(backend: Backend) {
    let dev = TestApp::spawn(backend).await;
    let page =
        dev.http.get(format!("{}/graphql", dev.address)).header("accept", "text/html").send().await.expect("ide");
    assert_eq!(page.status(), 200);
    assert!(page.text().await.expect("html").to_lowercase().contains("graphiql"));

    let prod = TestApp::spawn_with(backend, Options { profile: Profile::Production, ..Options::default() }).await;
    let page =
        prod.http.get(format!("{}/graphql", prod.address)).header("accept", "text/html").send().await.expect("no ide");
    let html = page.headers().get("content-type").is_some_and(|t| t.to_str().unwrap_or_default().contains("html"));
    assert!(!html, "no HTML in production");
    assert!(!page.text().await.expect("body").to_lowercase().contains("graphiql"));
}

async fn queries_work_over_get(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let r: Value = app
        .http
        .get(format!("{}/graphql", app.address))
        .query(&[("query", "{ me { role subject provinceCode } }")])
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(r["data"]["me"], json!({"role": "ANONYMOUS", "subject": "anonymous", "provinceCode": null}));
}

async fn internal_errors_are_generic(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    Coop::new("Hợp tác xã Nông nghiệp Đô Vinh", "22738").insert(&app).await;
    app.conn().execute_unprepared("DROP TABLE annual_report").await.expect("drop");
    let v = app.graphql("{ cooperatives { edges { node { name annualReports { year } } } } }", json!({})).await;
    let err = &v["errors"][0];
    assert_eq!(code(err), "INTERNAL");
    assert_eq!(err["message"], "internal error");
    let text = v.to_string().to_lowercase();
    for leak in ["annual_report", "select", "sqlite", "postgres", "relation", "no such table"] {
        assert!(!text.contains(leak), "response leaks {leak:?}: {text}");
    }
}

async fn graceful_shutdown_finishes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let addr = app.address.clone();
    app.stop().await;
    assert!(reqwest::get(format!("{addr}/healthz")).await.is_err(), "no longer listening");
}

storage_tests!(
    probes_report_liveness_and_readiness,
    every_response_carries_a_request_id,
    the_ide_is_served_in_dev_only,
    queries_work_over_get,
    internal_errors_are_generic,
    graceful_shutdown_finishes,
);

/// PostgreSQL going away: `/readyz` fails and queries answer INTERNAL with no SQL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_outage_is_reported_safely_postgres() {
    let app = TestApp::spawn(Backend::Postgres).await;
    app.db.drop_now();
    let ready = app.http.get(format!("{}/readyz", app.address)).send().await.expect("readyz");
    assert_eq!(ready.status(), 503);
    let v = app.graphql("{ cooperatives { totalCount } }", json!({})).await;
    assert_eq!(code(&v["errors"][0]), "INTERNAL");
    assert_eq!(v["errors"][0]["message"], "internal error");
    assert!(!v.to_string().contains("database"), "{v}");
}
