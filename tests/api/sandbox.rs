//! The partner sandbox: a reset restores the known demo registry (same ids,
//! codes and content) after any writes, keeps the audit trail verifiable,
//! and is refused outside the dev profile; faults of the in-process national
//! simulator are set and cleared at run time by a national admin.

use crate::helpers::{admin, officer, Backend, Options, TestApp};
use crate::storage_tests;
use crate::writes::{self, payload, registered};
use coopgate::config::{NationalConfig, Profile};
use entity::{audit_event, cooperative, sync_outbox};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// What a partner can observe of the registry: every cooperative's id,
/// code, name, status and version, and how many rows each other part holds.
async fn fingerprint(app: &TestApp) -> (Vec<(i64, Option<String>, String, String, i32)>, Vec<u64>) {
    let db = app.conn();
    let coops = cooperative::Entity::find()
        .order_by_asc(cooperative::Column::Id)
        .all(db)
        .await
        .expect("coops")
        .into_iter()
        .map(|c| (c.id, c.code, c.name, c.status, c.version))
        .collect();
    let counts = vec![
        entity::person::Entity::find().count(db).await.expect("n"),
        entity::cooperative_union::Entity::find().count(db).await.expect("n"),
        entity::cooperative_group::Entity::find().count(db).await.expect("n"),
        entity::annual_report::Entity::find().count(db).await.expect("n"),
        entity::target::Entity::find().count(db).await.expect("n"),
        entity::status_change::Entity::find().count(db).await.expect("n"),
        sync_outbox::Entity::find().count(db).await.expect("n"),
        entity::mutation_receipt::Entity::find().count(db).await.expect("n"),
        entity::member::Entity::find().count(db).await.expect("n"),
    ];
    (coops, counts)
}

async fn reset(app: &TestApp, token: &str) -> reqwest::Response {
    app.http.post(format!("{}/sandbox/reset", app.address)).bearer_auth(token).send().await.expect("sent")
}

async fn a_reset_restores_the_demo_registry_after_writes_with_the_same_ids(backend: Backend) {
    let app = TestApp::spawn_demo(backend).await;
    let seeded = fingerprint(&app).await;
    let seeded_changes = entity::change_event::Entity::find().count(app.conn()).await.expect("n");
    let t = officer("40");

    // A partner's test run: a registration (with an idempotency key), an
    // update of a seeded record.
    let mut input = writes::coop("HTX thử nghiệm đối tác", "16681");
    input["clientMutationId"] = json!("partner-run-1");
    let first = registered(&app, &t, input.clone()).await;
    let seeded_id = seeded.0.iter().find(|c| c.3 == "ACTIVE").map(|c| c.0).expect("an active cooperative");
    let p = payload(
        &app,
        &admin(),
        writes::UPDATE,
        json!({"id": coopgate::graphql::ids::encode_named("Cooperative", seeded_id).to_string(), "expectedVersion": 1, "name": "Đổi tên bởi đối tác"}),
    )
    .await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
    assert_ne!(fingerprint(&app).await, seeded, "the writes changed the registry");
    let changes_before: i64 = entity::change_event::Entity::find()
        .order_by_desc(entity::change_event::Column::Sequence)
        .one(app.conn())
        .await
        .expect("q")
        .map(|c| c.sequence)
        .expect("the writes are in the change log");

    let answer = reset(&app, &admin()).await;
    assert_eq!(answer.status(), 200);
    let body: Value = answer.json().await.expect("json");
    assert_eq!(body["cooperatives"], json!(1000), "{body}");
    assert_eq!(fingerprint(&app).await, seeded, "the same records, ids, codes and content as after the first seed");
    // The change log holds what the seed wrote (the plans' targets), numbered
    // after everything before the reset.
    let after = entity::change_event::Entity::find().all(app.conn()).await.expect("rows");
    assert_eq!(after.len() as u64, seeded_changes, "the change log as after the first seed");
    assert!(after.iter().all(|c| c.sequence > changes_before), "the change sequence only moves forward");

    // The same run again: the same id, the key usable again, and the change
    // feed goes on after the old sequence (a tailer or mirror never goes back).
    let again = registered(&app, &t, input).await;
    assert_eq!(again["id"], first["id"], "ids are stable across resets");

    // The audit trail is kept, records the reset, and still verifies.
    let resets = audit_event::Entity::find()
        .filter(audit_event::Column::Operation.eq("sandbox.reset"))
        .count(app.conn())
        .await
        .expect("n");
    assert_eq!(resets, 1);
    let v = coopgate::service::evidence::verify_trail(&app.state, None).await.expect("verify");
    assert!(v.broken.is_none(), "the chain is intact: {:?}", v.broken);
    app.stop().await;
}

async fn only_a_national_admin_resets_and_never_in_production(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert_eq!(reset(&app, &officer("40")).await.status(), 403);
    let anonymous = app.http.post(format!("{}/sandbox/reset", app.address)).send().await.expect("sent");
    assert_eq!(anonymous.status(), 401);
    let denied = audit_event::Entity::find()
        .filter(audit_event::Column::Operation.eq("sandbox.reset"))
        .count(app.conn())
        .await
        .expect("n");
    assert_eq!(denied, 1, "the officer's attempt is in the audit trail");
    app.stop().await;

    let prod = TestApp::spawn_with(backend, Options { profile: Profile::Production, ..Options::default() }).await;
    let answer = reset(&prod, &admin()).await;
    assert_eq!(answer.status(), 403);
    let body: Value = answer.json().await.expect("json");
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
    for (method, path) in [("GET", "faults"), ("POST", "faults"), ("DELETE", "faults")] {
        let url = format!("{}/sandbox/{path}", prod.address);
        let req = match method {
            "GET" => prod.http.get(url),
            "POST" => prod.http.post(url).json(&json!({"errorRate": 1})),
            _ => prod.http.delete(url),
        };
        assert_eq!(req.bearer_auth(admin()).send().await.expect("sent").status(), 403, "{method} /sandbox/{path}");
    }
    prod.stop().await;
}

#[test]
fn the_reset_is_refused_in_production_unless_forced() {
    use coopgate::service::sandbox::reset_allowed;
    assert!(reset_allowed(Profile::Dev, false).is_ok());
    assert!(reset_allowed(Profile::Production, true).is_ok());
    let refused = reset_allowed(Profile::Production, false).expect_err("refused");
    assert!(refused.to_string().contains("--force"), "{refused}");
}

#[test]
fn the_cli_refuses_a_production_reset_without_force() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("prod.db").display());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_coopgate"))
        .args(["seed", "--demo", "--reset"])
        .env("DATABASE_URL", &url)
        .env("COOPGATE_PROFILE", "production")
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("only in the dev profile") && stderr.contains("--force"), "{stderr}");
    assert!(!dir.path().join("prod.db").exists(), "refused before the database was opened");
}

async fn the_cli_reset_seeds_again_and_the_audit_trail_still_verifies(backend: Backend) {
    let db = crate::helpers::TestDb::create(backend).await;
    let run = |args: &[&str]| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_coopgate"));
        c.args(args).env("DATABASE_URL", &db.url).env_remove("COOPGATE_PROFILE").env_remove("COOPGATE_LOG_FORMAT");
        let out = c.output().expect("runs");
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        (out.status.success(), text)
    };
    let (ok, text) = run(&["seed", "--demo"]);
    assert!(ok, "{text}");
    let (ok, text) = run(&["seed", "--demo"]);
    assert!(
        !ok && text.contains("only seeded into an empty registry"),
        "a plain seed refuses a filled registry: {text}"
    );
    let (ok, text) = run(&["seed", "--demo", "--reset"]);
    assert!(ok && text.contains("reset: registry emptied and seeded again with 1000 cooperatives"), "{text}");
    let (ok, text) = run(&["audit", "verify"]);
    assert!(ok && text.contains("verified:"), "the trail verifies after the reset: {text}");
}

/// A dev app whose in-process sandbox simulator and worker deliver at once.
async fn with_sandbox(backend: Backend) -> TestApp {
    let national = NationalConfig {
        national: Some("sandbox".into()),
        national_timeout_ms: 2000,
        sync_max_attempts: 50,
        sync_lease_seconds: 30,
        sync_backoff_ms: 20,
        sync_backoff_cap_ms: 200,
        sync_worker: true,
        ..Default::default()
    };
    TestApp::spawn_with(backend, Options { national: Some(national), ..Options::default() }).await
}

async fn outbox(app: &TestApp) -> Vec<sync_outbox::Model> {
    sync_outbox::Entity::find().all(app.conn()).await.expect("rows")
}

async fn wait_for<F: Fn(&[sync_outbox::Model]) -> bool>(app: &TestApp, what: &str, ok: F) -> Vec<sync_outbox::Model> {
    let started = Instant::now();
    loop {
        let rows = outbox(app).await;
        if ok(&rows) {
            return rows;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{what}: {rows:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn faults_set_at_run_time_make_deliveries_retry_until_cleared(backend: Backend) {
    let app = with_sandbox(backend).await;
    let url = format!("{}/sandbox/faults", app.address);
    let set = app.http.post(&url).bearer_auth(admin()).json(&json!({"errorRate": 1.0})).send().await.expect("sent");
    assert_eq!(set.status(), 200);
    let faults: Value = set.json().await.expect("json");
    assert_eq!(faults["errorRate"], json!(1.0));
    let now: Value = app.http.get(&url).bearer_auth(admin()).send().await.expect("sent").json().await.expect("json");
    assert_eq!(now, faults, "GET answers the faults in force");

    registered(&app, &officer("40"), writes::coop("HTX chịu lỗi", "16681")).await;
    let failing = wait_for(&app, "deliveries are attempted and fail", |rows| {
        !rows.is_empty() && rows.iter().all(|r| r.state != "DELIVERED") && rows.iter().any(|r| r.attempts >= 2)
    })
    .await;
    assert!(failing.iter().any(|r| r.last_error.is_some()), "the failure is recorded: {failing:?}");

    let cleared = app.http.delete(&url).bearer_auth(admin()).send().await.expect("sent");
    assert_eq!(cleared.status(), 200);
    let cleared: Value = cleared.json().await.expect("json");
    assert_eq!(cleared["errorRate"], json!(0.0));
    wait_for(&app, "delivered once the faults are cleared", |rows| rows.iter().all(|r| r.state == "DELIVERED")).await;

    // A reset also puts the simulator back to no faults.
    let set = app.http.post(&url).bearer_auth(admin()).json(&json!({"timeoutRate": 0.5})).send().await;
    assert_eq!(set.expect("sent").status(), 200);
    let answer = reset(&app, &admin()).await;
    assert_eq!(answer.status(), 200);
    let body: Value = answer.json().await.expect("json");
    assert_eq!(body["simulatorReset"], json!(true), "{body}");
    let now: Value = app.http.get(&url).bearer_auth(admin()).send().await.expect("sent").json().await.expect("json");
    assert_eq!((now["timeoutRate"].clone(), now["outage"].clone()), (json!(0.0), json!(false)), "{now}");
    app.stop().await;
}

async fn bad_faults_are_refused_by_name_and_change_nothing(backend: Backend) {
    let app = with_sandbox(backend).await;
    let url = format!("{}/sandbox/faults", app.address);
    let bad = app
        .http
        .post(&url)
        .bearer_auth(admin())
        .json(&json!({"errorRate": 1.5, "loseAnswerRate": 0.2}))
        .send()
        .await
        .expect("sent");
    assert_eq!(bad.status(), 422);
    let body: Value = bad.json().await.expect("json");
    assert_eq!(body["errors"][0]["field"], "errorRate", "{body}");
    let now: Value = app.http.get(&url).bearer_auth(admin()).send().await.expect("sent").json().await.expect("json");
    assert_eq!(now["loseAnswerRate"], json!(0.0), "nothing changed");
    let officer = app.http.post(&url).bearer_auth(officer("40")).json(&json!({"outage": true})).send().await;
    assert_eq!(officer.expect("sent").status(), 403);
    app.stop().await;
}

storage_tests!(
    a_reset_restores_the_demo_registry_after_writes_with_the_same_ids,
    only_a_national_admin_resets_and_never_in_production,
    the_cli_reset_seeds_again_and_the_audit_trail_still_verifies,
    faults_set_at_run_time_make_deliveries_retry_until_cleared,
    bad_faults_are_refused_by_name_and_change_nothing,
);
