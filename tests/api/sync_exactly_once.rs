//! Exactly once, even on retry (issue 10, items 1–3): a retried
//! registration keeps its national idempotency keys for ever (one taxpayer,
//! one tax code, whatever `retrySync` is asked); a delivery that outlived
//! its lease commits nothing; updates resume after their tax step; a FAILED
//! update is superseded by a newer change of the same record; and a lease a
//! delivery could outlive is refused at startup.

use crate::helpers::{officer, Backend, TestApp};
use crate::storage_tests;
use crate::writes::{self, payload, registered};
use coopgate::domain::EntityKind;
use coopgate::service::national::{settle, Settlement};
use coopgate::sim::{self, Faults, SimConfig, SimHandle};
use coopgate::sync::client::{Answer, Call, CallError, Endpoints, HttpNational, NationalSystems};
use coopgate::sync::worker::{Worker, WorkerSettings};
use entity::{audit_event, change_event, cooperative, sync_outbox};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

async fn simulator() -> SimHandle {
    let config = SimConfig {
        listen: "127.0.0.1:0".parse().expect("addr"),
        faults: Faults::default(),
        seed: 11,
        ..Default::default()
    };
    sim::spawn(config).await.expect("simulator starts")
}

fn client(sim: &SimHandle) -> HttpNational {
    HttpNational::new(Endpoints {
        tax_url: sim.base_url(),
        ncrs_url: sim.base_url(),
        client_id: sim::DEFAULT_CLIENT_ID.into(),
        client_secret: sim::DEFAULT_CLIENT_SECRET.into(),
        timeout: Duration::from_secs(5),
    })
    .expect("client")
}

fn settings(max_attempts: i32) -> WorkerSettings {
    WorkerSettings {
        max_attempts,
        backoff_base: Duration::from_millis(1),
        backoff_cap: Duration::from_millis(5),
        lease: Duration::from_secs(30),
        ..Default::default()
    }
}

/// Takes one from a counter of scripted mishaps (`usize::MAX`: always).
fn take(n: &AtomicUsize) -> bool {
    n.fetch_update(SeqCst, SeqCst, |v| v.checked_sub(1)).is_ok()
}

/// The simulator behind scripted mishaps: a tax registration applied whose
/// answer is lost, NCRS replacements that fail transiently; and a count of
/// taxpayer updates sent.
#[derive(Default)]
struct Scripted {
    inner: Option<HttpNational>,
    lose_tax_registration: AtomicUsize,
    fail_ncrs_replace: AtomicUsize,
    tax_updates: AtomicUsize,
}

impl Scripted {
    fn over(sim: &SimHandle) -> Self {
        Scripted { inner: Some(client(sim)), ..Default::default() }
    }
}

impl NationalSystems for Scripted {
    async fn call(&self, call: Call) -> Result<Answer, CallError> {
        let lost = || CallError::Transient { retry_after: None, detail: "scripted: the answer was lost".into() };
        let (method, path) = (call.method.as_str().to_owned(), call.path.clone());
        if method == "PUT" && path.starts_with("/tax/v1/taxpayers/") {
            self.tax_updates.fetch_add(1, SeqCst);
        }
        if method == "PUT"
            && path.starts_with("/ncrs/v1/records/")
            && call.if_match.is_some()
            && take(&self.fail_ncrs_replace)
        {
            return Err(CallError::Transient { retry_after: None, detail: "scripted: NCRS unavailable".into() });
        }
        let inner = self.inner.as_ref().ok_or_else(|| CallError::Refused("no simulator".into()))?;
        let answer = inner.call(call).await;
        if method == "POST" && path == "/tax/v1/registrations" && answer.is_ok() && take(&self.lose_tax_registration) {
            return Err(lost());
        }
        answer
    }
}

fn records(sim: &SimHandle) -> Value {
    serde_json::to_value(sim.records()).expect("json")
}

fn taxpayers(sim: &SimHandle) -> Vec<Value> {
    records(sim)["tax"]["taxpayers"].as_array().expect("taxpayers").clone()
}

fn ncrs_records(sim: &SimHandle) -> Vec<Value> {
    records(sim)["ncrs"]["records"].as_array().expect("records").clone()
}

async fn the_cooperative(app: &TestApp) -> cooperative::Model {
    cooperative::Entity::find().one(app.conn()).await.expect("read").expect("one cooperative")
}

async fn row_states(app: &TestApp) -> Vec<(String, String)> {
    let mut rows = sync_outbox::Entity::find().all(app.conn()).await.expect("rows");
    rows.sort_by_key(|r| r.id);
    rows.into_iter().map(|r| (r.operation, r.state)).collect()
}

const RETRY: &str =
    "mutation($id: ID!) { retrySync(id: $id) { sync { nationalRegistry } userErrors { code message } } }";

/// The regression of item 1: the tax system registered the cooperative but
/// its answer was lost, and the row ran out of attempts (FAILED). `retrySync`
/// sends the same request under the same key: the tax system answers what it
/// answered the first time, and holds one taxpayer with one tax code.
async fn retry_sync_after_a_lost_tax_answer_registers_one_taxpayer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sim = simulator().await;
    let t = officer("40");
    let c = registered(&app, &t, writes::coop("HTX Mất câu trả lời", "16681")).await;
    let lossy = Scripted { lose_tax_registration: AtomicUsize::new(1), ..Scripted::over(&sim) };
    let w = Worker::new(app.state.clone(), Arc::new(lossy), settings(1));
    assert!(w.drain(Duration::from_secs(30)).await.expect("drain"));
    assert_eq!(row_states(&app).await, [("REGISTER".to_owned(), "FAILED".to_owned())]);
    assert_eq!(taxpayers(&sim).len(), 1, "the tax system did register it");

    let r = app.data_as(&t, RETRY, json!({"id": c["id"]})).await;
    assert_eq!(r["retrySync"]["userErrors"], json!([]));
    let w = Worker::new(app.state.clone(), Arc::new(client(&sim)), settings(3));
    assert!(w.drain(Duration::from_secs(30)).await.expect("drain"));

    let local = the_cooperative(&app).await;
    assert_eq!((local.status.as_str(), local.registry_sync.as_str()), ("ACTIVE", "SYNCED"));
    let tax = taxpayers(&sim);
    assert_eq!(tax.len(), 1, "exactly one taxpayer: {tax:?}");
    assert_eq!(tax[0]["taxCode"], json!(local.code), "the one tax code is the cooperative's code");
    assert_eq!(ncrs_records(&sim).len(), 1);
    sim.shutdown().await;
}

/// A changed registration request (the record was corrected in the
/// database, behind the queue's back, after the lost answer) gets no second
/// taxpayer either: the worker asks the tax system what the row's key
/// already made, resumes with that registration and replaces its details.
async fn a_changed_registration_asks_the_tax_system_what_it_has(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sim = simulator().await;
    let t = officer("40");
    let c = registered(&app, &t, writes::coop("HTX Tên cũ", "16681")).await;
    let lossy = Scripted { lose_tax_registration: AtomicUsize::new(1), ..Scripted::over(&sim) };
    let w = Worker::new(app.state.clone(), Arc::new(lossy), settings(1));
    assert!(w.drain(Duration::from_secs(30)).await.expect("drain"));
    app.conn().execute_unprepared("UPDATE cooperative SET name = 'HTX Tên mới'").await.expect("corrected");

    let r = app.data_as(&t, RETRY, json!({"id": c["id"]})).await;
    assert_eq!(r["retrySync"]["userErrors"], json!([]));
    let w = Worker::new(app.state.clone(), Arc::new(client(&sim)), settings(3));
    assert!(w.drain(Duration::from_secs(30)).await.expect("drain"));

    let local = the_cooperative(&app).await;
    assert_eq!((local.status.as_str(), local.registry_sync.as_str()), ("ACTIVE", "SYNCED"), "{local:?}");
    let tax = taxpayers(&sim);
    assert_eq!(tax.len(), 1, "exactly one taxpayer: {tax:?}");
    assert_eq!(tax[0]["taxCode"], json!(local.code));
    assert_eq!(tax[0]["name"], "HTX Tên mới", "the taxpayer's details are the corrected ones");
    let ncrs = ncrs_records(&sim);
    assert_eq!(ncrs.len(), 1);
    assert_eq!(ncrs[0]["name"], "HTX Tên mới");
    sim.shutdown().await;
}

/// The regression of item 2: worker A claims a registration and is too slow;
/// its lease runs out and worker B claims and delivers it. A's delivery (its
/// progress saves) and a settlement under A's token, as if A had finished,
/// commit nothing: one SYNCED change, one version bump, one audit row.
async fn a_delivery_that_outlived_its_lease_commits_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sim = simulator().await;
    registered(&app, &officer("40"), writes::coop("HTX Hai worker", "16681")).await;
    let short = WorkerSettings { lease: Duration::from_millis(50), ..settings(5) };
    let a = Worker::new(app.state.clone(), Arc::new(client(&sim)), short);
    let b = Worker::new(app.state.clone(), Arc::new(client(&sim)), settings(5));
    let first = a.claim().await.expect("claim").expect("a row");
    tokio::time::sleep(Duration::from_millis(150)).await;
    let second = b.claim().await.expect("claim").expect("the lease ran out: the row is claimed again");
    assert_eq!(first.id, second.id);
    assert_ne!(first.lease_token, second.lease_token, "each claim has its own fencing token");
    b.deliver(second).await.expect("B delivers");
    let local = the_cooperative(&app).await;
    assert_eq!(local.version, 2, "registered: one bump");

    a.deliver(first.clone()).await.expect("A's late delivery is dropped, not an error");
    let code = local.code.clone().expect("a code");
    let late = Settlement::Registered { code, version: Some(1) };
    settle(&app.state, &first, Some((EntityKind::Cooperative, local.id)), late).await.expect("dropped");

    let after = the_cooperative(&app).await;
    assert_eq!(after.version, 2, "no second version bump");
    let synced = change_event::Entity::find()
        .filter(change_event::Column::EntityId.eq(local.id))
        .filter(change_event::Column::Kind.eq("SYNCED"))
        .all(app.conn())
        .await
        .expect("changes");
    assert_eq!(synced.len(), 1, "one SYNCED change");
    let audits = audit_event::Entity::find()
        .filter(audit_event::Column::Operation.eq("nationalRegistration"))
        .all(app.conn())
        .await
        .expect("audit");
    assert_eq!(audits.len(), 1, "one audit row of the registration");
    let row = sync_outbox::Entity::find().one(app.conn()).await.expect("read").expect("row");
    assert_eq!((row.state.as_str(), row.attempts), ("DELIVERED", 2));
    assert_eq!(taxpayers(&sim).len(), 1);
    assert_eq!(ncrs_records(&sim).len(), 1);
    sim.shutdown().await;
}

/// Registers one cooperative nationally and returns it.
async fn synced_cooperative(app: &TestApp, sim: &SimHandle, name: &str) -> cooperative::Model {
    registered(app, &officer("40"), writes::coop(name, "16681")).await;
    let w = Worker::new(app.state.clone(), Arc::new(client(sim)), settings(3));
    assert!(w.drain(Duration::from_secs(30)).await.expect("drain"));
    the_cooperative(app).await
}

async fn rename(app: &TestApp, c: &cooperative::Model, name: &str) {
    let id = coopgate::graphql::ids::encode_named("Cooperative", c.id).to_string();
    let current = cooperative::Entity::find_by_id(c.id).one(app.conn()).await.expect("read").expect("row");
    let p = payload(
        app,
        &officer("40"),
        writes::UPDATE,
        json!({"id": id, "expectedVersion": current.version, "name": name}),
    )
    .await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
}

/// The regression of item 3, first half: an update whose NCRS step fails
/// after its tax step resumes at NCRS — the taxpayer update is sent once.
async fn an_update_resumes_after_its_tax_step(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sim = simulator().await;
    let c = synced_cooperative(&app, &sim, "HTX Cập nhật").await;
    rename(&app, &c, "HTX Cập nhật (tên mới)").await;
    let national = Arc::new(Scripted { fail_ncrs_replace: AtomicUsize::new(1), ..Scripted::over(&sim) });
    let w = Worker::new(app.state.clone(), national.clone(), settings(5));
    assert!(w.drain(Duration::from_secs(30)).await.expect("drain"));
    assert_eq!(national.tax_updates.load(SeqCst), 1, "the tax step was not sent again");
    assert!(row_states(&app).await.iter().all(|(_, s)| s == "DELIVERED"));
    assert_eq!(ncrs_records(&sim)[0]["name"], "HTX Cập nhật (tên mới)");
    assert_eq!(taxpayers(&sim)[0]["name"], "HTX Cập nhật (tên mới)");
    sim.shutdown().await;
}

/// Item 3, second half: a FAILED update does not block the record: a newer
/// change supersedes it and is delivered, with the newest content.
async fn a_failed_update_is_superseded_by_a_newer_change(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sim = simulator().await;
    let c = synced_cooperative(&app, &sim, "HTX Bị chặn").await;
    rename(&app, &c, "HTX Bị chặn (lần 1)").await;
    let down = Scripted { fail_ncrs_replace: AtomicUsize::new(usize::MAX), ..Scripted::over(&sim) };
    let w = Worker::new(app.state.clone(), Arc::new(down), settings(2));
    assert!(w.drain(Duration::from_secs(30)).await.expect("drain"));
    assert_eq!(row_states(&app).await.last().map(|(_, s)| s.as_str()), Some("FAILED"));
    assert_eq!(the_cooperative(&app).await.registry_sync, "FAILED");

    rename(&app, &c, "HTX Bị chặn (lần 2)").await;
    let states: Vec<String> = row_states(&app).await.into_iter().map(|(_, s)| s).collect();
    assert_eq!(states, ["DELIVERED", "SUPERSEDED", "PENDING"]);
    let w = Worker::new(app.state.clone(), Arc::new(client(&sim)), settings(3));
    assert!(w.drain(Duration::from_secs(30)).await.expect("drain"), "the record is not blocked");
    let states: Vec<String> = row_states(&app).await.into_iter().map(|(_, s)| s).collect();
    assert_eq!(states, ["DELIVERED", "SUPERSEDED", "DELIVERED"]);
    assert_eq!(the_cooperative(&app).await.registry_sync, "SYNCED");
    assert_eq!(ncrs_records(&sim)[0]["name"], "HTX Bị chặn (lần 2)", "the newest content");
    assert_eq!(taxpayers(&sim)[0]["name"], "HTX Bị chặn (lần 2)");
    sim.shutdown().await;
}

/// A FAILED registration does not block the record either: a later change
/// puts it back in the queue (same keys: still one taxpayer), then the change.
async fn a_failed_registration_is_retried_by_a_newer_change(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sim = simulator().await;
    registered(&app, &officer("40"), writes::coop("HTX Đăng ký lỗi", "16681")).await;
    let lossy = Scripted { lose_tax_registration: AtomicUsize::new(1), ..Scripted::over(&sim) };
    let w = Worker::new(app.state.clone(), Arc::new(lossy), settings(1));
    assert!(w.drain(Duration::from_secs(30)).await.expect("drain"));
    let c = the_cooperative(&app).await;
    assert_eq!(c.registry_sync, "FAILED");
    rename(&app, &c, "HTX Đăng ký lỗi (sửa)").await;
    let w = Worker::new(app.state.clone(), Arc::new(client(&sim)), settings(3));
    assert!(w.drain(Duration::from_secs(30)).await.expect("drain"));
    let states: Vec<String> = row_states(&app).await.into_iter().map(|(_, s)| s).collect();
    assert_eq!(states, ["DELIVERED", "DELIVERED"]);
    let local = the_cooperative(&app).await;
    assert_eq!((local.status.as_str(), local.registry_sync.as_str()), ("ACTIVE", "SYNCED"));
    assert_eq!(taxpayers(&sim).len(), 1);
    assert_eq!(ncrs_records(&sim)[0]["name"], "HTX Đăng ký lỗi (sửa)");
    sim.shutdown().await;
}

storage_tests!(
    retry_sync_after_a_lost_tax_answer_registers_one_taxpayer,
    a_changed_registration_asks_the_tax_system_what_it_has,
    a_delivery_that_outlived_its_lease_commits_nothing,
    an_update_resumes_after_its_tax_step,
    a_failed_update_is_superseded_by_a_newer_change,
    a_failed_registration_is_retried_by_a_newer_change,
);

/// A lease a delivery could outlive (shorter than the call timeout × the
/// calls of one delivery) is refused when the worker starts, with the
/// settings named.
#[test]
fn a_lease_shorter_than_the_calls_of_a_delivery_is_refused_at_startup() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_coopgate"))
        .arg("worker")
        .env("DATABASE_URL", "sqlite://never-opened.db")
        .env("COOPGATE_PROFILE", "production")
        .env("COOPGATE_NATIONAL", "http://127.0.0.1:9")
        .env("COOPGATE_NATIONAL_CLIENT_ID", "coopgate")
        .env("COOPGATE_NATIONAL_CLIENT_SECRET", "secret")
        .env("COOPGATE_NATIONAL_TIMEOUT_MS", "2000")
        .env("COOPGATE_SYNC_LEASE_SECONDS", "10")
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("COOPGATE_SYNC_LEASE_SECONDS") && stderr.contains("COOPGATE_NATIONAL_TIMEOUT_MS"),
        "{stderr}"
    );
    assert!(!std::path::Path::new("never-opened.db").exists(), "refused before the database is opened");
}
