//! National sync end to end against the simulator: registrations and
//! updates under heavy faults arrive exactly once with their latest content;
//! a refused record is fixed and retried; the national side's dissolution
//! comes back; two workers never deliver a row twice.

use crate::helpers::{admin, officer, Backend, TestApp};
use crate::storage_tests;
use crate::writes::{self, payload, registered};
use coopgate::sim::{self, Faults, SimConfig, SimHandle};
use coopgate::sync::client::{Endpoints, HttpNational};
use coopgate::sync::worker::{Worker, WorkerSettings};
use entity::{audit_event, change_event, cooperative, sync_outbox};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

async fn simulator(faults: Faults) -> SimHandle {
    let config = SimConfig {
        listen: "127.0.0.1:0".parse().expect("addr"),
        async_tax_share: 0.3,
        tax_pending: Duration::from_millis(50),
        faults,
        seed: 7,
        ..Default::default()
    };
    sim::spawn(config).await.expect("simulator starts")
}

fn worker(app: &TestApp, sim: &SimHandle, timeout: Duration) -> Worker<HttpNational> {
    let client = HttpNational::new(Endpoints {
        tax_url: sim.base_url(),
        ncrs_url: sim.base_url(),
        client_id: sim::DEFAULT_CLIENT_ID.into(),
        client_secret: sim::DEFAULT_CLIENT_SECRET.into(),
        timeout,
    })
    .expect("client");
    let settings = WorkerSettings {
        max_attempts: 200,
        backoff_base: Duration::from_millis(5),
        backoff_cap: Duration::from_millis(100),
        lease: Duration::from_secs(30),
        concurrency: 8,
        ..Default::default()
    };
    Worker::new(app.state.clone(), Arc::new(client), settings)
}

fn with_id_number(mut c: Value) -> Value {
    c["legalRepresentative"]["idNumber"] = json!("040190000456");
    c["businessLines"] = json!(["0111", "0162"]);
    c
}

/// Every write the simulator applied, with how often: each must be 1.
fn applied_counts(records: &Value) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    for t in records["tax"]["taxpayers"].as_array().expect("taxpayers") {
        for w in t["writes"].as_array().expect("writes") {
            out.push((format!("tax {} {}", w["operation"], w["path"]), w["applied"].as_u64().expect("n")));
        }
    }
    for r in records["ncrs"]["records"].as_array().expect("records") {
        for w in r["writes"].as_array().expect("writes") {
            out.push((format!("ncrs {} {}", w["operation"], w["path"]), w["applied"].as_u64().expect("n")));
        }
    }
    out
}

async fn outbox_states(app: &TestApp) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for r in sync_outbox::Entity::find().all(app.conn()).await.expect("rows") {
        *m.entry(r.state).or_default() += 1;
    }
    m
}

async fn registrations_and_updates_arrive_exactly_once_under_faults(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let faults = Faults {
        error_rate: 0.3,
        timeout_rate: 0.1,
        hang_ms: 600,
        lose_answer_rate: 0.1,
        rate_limit_rate: 0.05,
        retry_after_secs: 1,
        ..Default::default()
    };
    let sim = simulator(faults).await;
    let t = officer("40");
    let mut ids = Vec::new();
    for i in 0..200 {
        let c = registered(&app, &t, with_id_number(writes::coop(&format!("HTX đồng bộ {i}"), "16681"))).await;
        ids.push(c["id"].clone());
    }
    // Half of them change before they are registered nationally.
    for id in ids.iter().step_by(2) {
        let p = payload(
            &app,
            &t,
            writes::UPDATE,
            json!({"id": id, "expectedVersion": 1, "name": format!("{} (đổi tên)", id.as_str().unwrap_or(""))}),
        )
        .await;
        assert_eq!(p["userErrors"], json!([]));
    }
    let w = worker(&app, &sim, Duration::from_millis(300));
    assert!(
        w.drain(Duration::from_secs(240)).await.expect("drain"),
        "the queue empties: {:?}",
        outbox_states(&app).await
    );
    assert_eq!(
        outbox_states(&app).await,
        HashMap::from([("DELIVERED".to_owned(), 300)]),
        "nothing pending, failed or rejected"
    );

    let local = cooperative::Entity::find().all(app.conn()).await.expect("rows");
    assert!(local.iter().all(|c| c.status == "ACTIVE" && c.code.is_some() && c.registry_sync == "SYNCED"));
    let records = serde_json::to_value(sim.records()).expect("json");
    let ncrs = records["ncrs"]["records"].as_array().expect("records");
    assert_eq!(ncrs.len(), 200, "every record exactly once");
    let by_code: HashMap<&str, &Value> = ncrs.iter().map(|r| (r["code"].as_str().expect("code"), r)).collect();
    for c in &local {
        let r = by_code.get(c.code.as_deref().expect("code")).expect("in NCRS");
        assert_eq!(r["name"], json!(c.name), "the latest content");
        assert_eq!(r["version"], json!(c.national_version.expect("version")));
    }
    assert_eq!(records["tax"]["taxpayers"].as_array().expect("t").len(), 200, "one taxpayer per cooperative");
    let twice: Vec<_> = applied_counts(&records).into_iter().filter(|(_, n)| *n != 1).collect();
    assert!(twice.is_empty(), "applied more than once: {twice:?}");
    sim.shutdown().await;
}

async fn a_rejected_record_is_fixed_and_retried(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sim = simulator(Faults::default()).await;
    let t = officer("40");
    // A registration queued before the gateway checked the national form,
    // without the legal representative's identity number: the tax system
    // refuses it.
    let c = registered(&app, &t, writes::coop("HTX thiếu giấy tờ", "16681")).await;
    queued_before_the_form_was_checked(&app).await;
    let w = worker(&app, &sim, Duration::from_secs(5));
    w.drain(Duration::from_secs(30)).await.expect("drain");
    let q = format!("{{ node(id: {}) {{ ... on Cooperative {{ status code version sync {{ taxRegistration nationalRegistry lastError }} }} }} }}", c["id"]);
    let d = app.data_as(&t, &q, json!({})).await;
    assert_eq!(d["node"]["status"], "PENDING");
    assert_eq!(d["node"]["sync"]["nationalRegistry"], "REJECTED");
    let error = d["node"]["sync"]["lastError"].as_str().expect("readable error");
    assert!(error.contains("legalRepresentative.idNumber"), "{error}");
    let anonymous = app.data(&q, json!({})).await;
    assert_eq!(anonymous["node"]["sync"]["nationalRegistry"], "REJECTED", "the state is public");
    assert!(anonymous["node"]["sync"]["lastError"].is_null(), "the text is not");

    // Another officer's province may not retry it.
    let v = app
        .graphql_as(
            &officer("56"),
            "mutation($id: ID!) { retrySync(id: $id) { sync { nationalRegistry } userErrors { code } } }",
            json!({"id": c["id"]}),
        )
        .await;
    assert_eq!(v["errors"][0]["extensions"]["code"], "FORBIDDEN");
    // Fix it, retry, deliver.
    let version = d["node"]["version"].as_i64().expect("v");
    let fix = payload(
        &app,
        &t,
        writes::UPDATE,
        json!({"id": c["id"], "expectedVersion": version,
        "legalRepresentative": {"fullName": "Trần Thị Bình", "idNumber": "040190000456"}, "businessLines": ["0111"]}),
    )
    .await;
    assert_eq!(fix["userErrors"], json!([]));
    let r = app.data_as(&t, "mutation($id: ID!) { retrySync(id: $id) { sync { nationalRegistry attempts lastError } userErrors { code } } }", json!({"id": c["id"]})).await;
    assert_eq!(r["retrySync"]["sync"]["nationalRegistry"], "PENDING");
    w.drain(Duration::from_secs(30)).await.expect("drain");
    let d = app.data(&q, json!({})).await;
    assert_eq!(d["node"]["status"], "ACTIVE");
    assert_eq!(d["node"]["sync"]["nationalRegistry"], "SYNCED");
    assert!(d["node"]["sync"]["lastError"].is_null());
    let again = app
        .data_as(&t, "mutation($id: ID!) { retrySync(id: $id) { userErrors { code } } }", json!({"id": c["id"]}))
        .await;
    assert_eq!(again["retrySync"]["userErrors"][0]["code"], "INVALID", "nothing left to retry");
    let queue = app.data_as(&admin(), "{ syncQueue { operation state rows oldestAgeSeconds } }", json!({})).await;
    assert!(queue["syncQueue"].as_array().expect("q").iter().all(|f| f["state"] == "DELIVERED"), "{queue}");
    sim.shutdown().await;
}

/// Turns the one queued registration into one stored before the national
/// form was checked: no identity number for the legal representative, in the
/// record and in the queued bodies.
async fn queued_before_the_form_was_checked(app: &TestApp) {
    use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
    app.conn().execute_unprepared("UPDATE person SET id_number = NULL").await.expect("legacy person");
    let row = sync_outbox::Entity::find().one(app.conn()).await.expect("row").expect("queued");
    let mut body: Value = serde_json::from_str(&row.payload).expect("json");
    for system in ["tax", "ncrs"] {
        body[system]["legalRepresentative"].as_object_mut().expect("person").remove("idNumber");
    }
    sync_outbox::ActiveModel { id: Set(row.id), payload: Set(body.to_string()), ..Default::default() }
        .update(app.conn())
        .await
        .expect("legacy body");
}

async fn a_national_dissolution_comes_back(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sim = simulator(Faults::default()).await;
    let c = registered(&app, &officer("40"), with_id_number(writes::coop("HTX bị giải thể", "16681"))).await;
    let w = worker(&app, &sim, Duration::from_secs(5));
    w.drain(Duration::from_secs(30)).await.expect("drain");
    let row = cooperative::Entity::find().one(app.conn()).await.expect("row").expect("one");
    let code = row.code.clone().expect("registered");
    let injected = reqwest::Client::new()
        .post(format!("{}/_sim/national-changes", sim.base_url()))
        .json(&json!({"code": code, "kind": "COMPULSORY_DISSOLUTION", "effectiveOn": "2026-01-15", "reason": "không hoạt động 12 tháng"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(injected.status(), 200);
    assert_eq!(w.pull_once().await.expect("pull"), 1);
    assert_eq!(w.pull_once().await.expect("pull again"), 0, "applied once, cursor saved");
    let d = app.data(&format!("{{ node(id: {}) {{ ... on Cooperative {{ status }} }} }}", c["id"]), json!({})).await;
    assert_eq!(d["node"]["status"], "DISSOLVED");
    let audit = audit_event::Entity::find()
        .filter(audit_event::Column::Subject.eq("national-registry"))
        .all(app.conn())
        .await
        .expect("audit");
    assert_eq!(audit.len(), 1);
    let last = change_event::Entity::find()
        .filter(change_event::Column::EntityId.eq(row.id))
        .all(app.conn())
        .await
        .expect("changes");
    assert_eq!(last.last().map(|c| c.kind.as_str()), Some("STATUS_CHANGED"));
    sim.shutdown().await;
}

storage_tests!(
    registrations_and_updates_arrive_exactly_once_under_faults,
    a_rejected_record_is_fixed_and_retried,
    a_national_dissolution_comes_back,
    registrations_and_updates_survive_faults_and_killed_workers,
);

/// Records and updates of the fault test (issue 10): 400 registrations and
/// 200 updates (150 records changed once, 50 of them twice).
const FAULT_RECORDS: usize = 400;
const FAULT_UPDATES: usize = 200;

/// One `coopgate worker` process of the fault test: short timeouts, lease
/// and backoffs, the default attempts.
fn worker_process(app: &TestApp, sim: &SimHandle) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_coopgate"))
        .arg("worker")
        .env("DATABASE_URL", &app.db.url)
        .env("COOPGATE_PROFILE", "production")
        .env("COOPGATE_NATIONAL", sim.base_url())
        .env("COOPGATE_NATIONAL_CLIENT_ID", sim::DEFAULT_CLIENT_ID)
        .env("COOPGATE_NATIONAL_CLIENT_SECRET", sim::DEFAULT_CLIENT_SECRET)
        .env("COOPGATE_NATIONAL_TIMEOUT_MS", "250")
        .env("COOPGATE_SYNC_LEASE_SECONDS", "4")
        .env("COOPGATE_SYNC_BACKOFF_MS", "5")
        .env("COOPGATE_SYNC_BACKOFF_CAP_MS", "200")
        .env_remove("COOPGATE_SYNC_MAX_ATTEMPTS")
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("worker starts")
}

/// Renames a cooperative, reading its version again when a settlement
/// moved it on meanwhile.
async fn rename_now(app: &TestApp, t: &str, id: &Value, local_id: i64, name: &str) {
    for _ in 0..50 {
        let current = cooperative::Entity::find_by_id(local_id).one(app.conn()).await.expect("read").expect("row");
        let p =
            payload(app, t, writes::UPDATE, json!({"id": id, "expectedVersion": current.version, "name": name})).await;
        if p["userErrors"] == json!([]) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{name}: could not be written");
}

/// The fault test of issue 10: 400 registrations and 200 updates under 30%
/// 5xx, 10% timeouts and 10% lost answers, delivered by `coopgate worker`
/// processes (two at once on PostgreSQL, one on SQLite) killed with SIGKILL
/// again and again while the updates are made, with the default attempts
/// and no `retrySync`: every record ends ACTIVE at its latest content, with
/// one taxpayer (one tax code) and one NCRS record each in the simulator's
/// own state, no write applied twice, no FAILED row, one SYNCED per record.
async fn registrations_and_updates_survive_faults_and_killed_workers(backend: Backend) {
    use rand::Rng;
    let started = std::time::Instant::now();
    let app = TestApp::spawn(backend).await;
    let faults =
        Faults { error_rate: 0.3, timeout_rate: 0.1, hang_ms: 400, lose_answer_rate: 0.1, ..Default::default() };
    let sim = simulator(faults).await;
    let t = officer("40");
    let mut ids = Vec::new();
    for i in 0..FAULT_RECORDS {
        let c = registered(&app, &t, with_id_number(writes::coop(&format!("HTX chịu lỗi {i}"), "16681"))).await;
        ids.push(c["id"].clone());
    }
    let locals: Vec<i64> = {
        let mut rows = cooperative::Entity::find().all(app.conn()).await.expect("rows");
        rows.sort_by_key(|c| c.id);
        rows.into_iter().map(|c| c.id).collect()
    };
    println!("fault test ({backend:?}): {FAULT_RECORDS} registered in {:?}", started.elapsed());
    let slots = if backend == Backend::Postgres { 2 } else { 1 };
    let mut workers: Vec<_> = (0..slots).map(|_| worker_process(&app, &sim)).collect();
    let mut kills = 0;
    let mut kill_one = |workers: &mut Vec<std::process::Child>| {
        let i = rand::rng().random_range(0..workers.len());
        workers[i].kill().expect("SIGKILL");
        let _ = workers[i].wait();
        workers[i] = worker_process(&app, &sim);
        kills += 1;
    };
    // The updates, while the workers deliver; a worker killed every 20.
    let plan: Vec<(usize, usize)> = (0..150).map(|i| (i, 1)).chain((0..FAULT_UPDATES - 150).map(|i| (i, 2))).collect();
    for (n, (i, round)) in plan.iter().enumerate() {
        rename_now(&app, &t, &ids[*i], locals[*i], &format!("HTX chịu lỗi {i} (sửa {round})")).await;
        if n % 20 == 19 {
            kill_one(&mut workers);
        }
    }
    for _ in 0..6 {
        tokio::time::sleep(Duration::from_millis(rand::rng().random_range(200..900))).await;
        kill_one(&mut workers);
    }
    println!("fault test ({backend:?}): updates made and {kills} workers killed at {:?}", started.elapsed());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(240);
    loop {
        let states = outbox_states(&app).await;
        let open = states.get("PENDING").copied().unwrap_or(0) + states.get("IN_FLIGHT").copied().unwrap_or(0);
        if open == 0 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "not finished: {states:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for mut w in workers {
        w.kill().expect("stop");
        let _ = w.wait();
    }
    println!("fault test ({backend:?}): queue empty at {:?}", started.elapsed());
    let states = outbox_states(&app).await;
    assert_eq!(states.get("FAILED"), None, "no FAILED row with the default attempts: {states:?}");
    assert_eq!(states.get("REJECTED"), None, "{states:?}");

    let records = serde_json::to_value(sim.records()).expect("json");
    let tax = records["tax"]["taxpayers"].as_array().expect("taxpayers");
    let ncrs = records["ncrs"]["records"].as_array().expect("records");
    assert_eq!(tax.len(), FAULT_RECORDS, "one taxpayer per record");
    assert_eq!(ncrs.len(), FAULT_RECORDS, "one NCRS record per record");
    let tax_by_code: HashMap<&str, &Value> = tax.iter().map(|t| (t["taxCode"].as_str().expect("issued"), t)).collect();
    let ncrs_by_code: HashMap<&str, &Value> = ncrs.iter().map(|r| (r["code"].as_str().expect("code"), r)).collect();
    assert_eq!(tax_by_code.len(), FAULT_RECORDS, "one tax code each");
    let local = cooperative::Entity::find().all(app.conn()).await.expect("rows");
    for c in &local {
        assert_eq!((c.status.as_str(), c.registry_sync.as_str()), ("ACTIVE", "SYNCED"), "{c:?}");
        let code = c.code.as_deref().expect("a code");
        assert_eq!(tax_by_code.get(code).map(|t| &t["name"]), Some(&json!(c.name)), "tax has the latest content");
        assert_eq!(ncrs_by_code.get(code).map(|r| &r["name"]), Some(&json!(c.name)), "NCRS has the latest content");
    }
    let renamed = local.iter().filter(|c| c.name.contains("(sửa")).count();
    assert_eq!(renamed, 150);
    let twice: Vec<_> = applied_counts(&records).into_iter().filter(|(_, n)| *n != 1).collect();
    assert!(twice.is_empty(), "applied more than once: {twice:?}");
    let mut synced: HashMap<i64, usize> = HashMap::new();
    for e in change_event::Entity::find()
        .filter(change_event::Column::Kind.eq("SYNCED"))
        .all(app.conn())
        .await
        .expect("changes")
    {
        *synced.entry(e.entity_id).or_default() += 1;
    }
    assert_eq!(synced.len(), FAULT_RECORDS);
    assert!(synced.values().all(|n| *n == 1), "one SYNCED per record");
    println!("fault test ({backend:?}): {kills} SIGKILLs, {states:?}, {:?} in all", started.elapsed());
    sim.shutdown().await;
}

/// Two workers on one PostgreSQL database never deliver a row twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_workers_share_the_queue_postgres() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let faults = Faults { error_rate: 0.2, lose_answer_rate: 0.1, ..Default::default() };
    let sim = simulator(faults).await;
    let t = officer("40");
    for i in 0..60 {
        registered(&app, &t, with_id_number(writes::coop(&format!("HTX hai worker {i}"), "16681"))).await;
    }
    let (a, b) = (worker(&app, &sim, Duration::from_secs(2)), worker(&app, &sim, Duration::from_secs(2)));
    let (ra, rb) = tokio::join!(a.drain(Duration::from_secs(120)), b.drain(Duration::from_secs(120)));
    assert!(ra.expect("a") && rb.expect("b"));
    let records = serde_json::to_value(sim.records()).expect("json");
    assert_eq!(records["ncrs"]["records"].as_array().expect("r").len(), 60);
    assert_eq!(records["tax"]["taxpayers"].as_array().expect("t").len(), 60);
    let twice: Vec<_> = applied_counts(&records).into_iter().filter(|(_, n)| *n != 1).collect();
    assert!(twice.is_empty(), "applied more than once: {twice:?}");
    assert_eq!(outbox_states(&app).await, HashMap::from([("DELIVERED".to_owned(), 60)]));
    sim.shutdown().await;
}

/// A tax system that accepts registrations but answers without a
/// `registrationId` (and never issues a code).
#[derive(Default)]
struct NoRegistrationId {
    polls: std::sync::atomic::AtomicUsize,
}

impl coopgate::sync::client::NationalSystems for NoRegistrationId {
    async fn call(
        &self,
        call: coopgate::sync::client::Call,
    ) -> Result<coopgate::sync::client::Answer, coopgate::sync::client::CallError> {
        use coopgate::sync::client::{Answer, CallError};
        let pending = |status| Ok(Answer { status, etag: None, location: None, body: json!({"status": "PENDING"}) });
        match (call.method.as_str(), call.path.as_str()) {
            ("POST", "/tax/v1/registrations") => pending(202),
            ("GET", p) if p.starts_with("/tax/v1/registrations") => {
                self.polls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                pending(200)
            }
            (_, p) => Err(CallError::Refused(format!("unexpected call {p}"))),
        }
    }
}

async fn a_tax_answer_without_registration_id_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let c = registered(&app, &officer("40"), with_id_number(writes::coop("HTX Không mã", "16681"))).await;
    let national = Arc::new(NoRegistrationId::default());
    let settings = WorkerSettings {
        max_attempts: 3,
        backoff_base: Duration::from_millis(1),
        backoff_cap: Duration::from_millis(5),
        ..Default::default()
    };
    let w = Worker::new(app.state.clone(), national.clone(), settings);
    assert!(w.drain(Duration::from_secs(60)).await.expect("drain"));
    let row = sync_outbox::Entity::find().one(app.conn()).await.expect("read").expect("the row");
    assert_eq!(row.state, "REJECTED", "refused at once, not polled until FAILED");
    assert_eq!(row.attempts, 1);
    assert_eq!(national.polls.load(std::sync::atomic::Ordering::SeqCst), 0, "nothing to poll");
    assert!(!row.progress.unwrap_or_default().contains("registrationId"), "no empty registration id is kept");
    let q = format!("{{ node(id: {}) {{ ... on Cooperative {{ sync {{ nationalRegistry lastError }} }} }} }}", c["id"]);
    let d = app.data_as(&admin(), &q, json!({})).await;
    assert_eq!(d["node"]["sync"]["nationalRegistry"], "REJECTED");
    let error = d["node"]["sync"]["lastError"].as_str().expect("an error");
    assert!(error.contains("registrationId"), "{error}");
}

/// A statement of this side that fails during a delivery (here: saving the
/// registration's progress) is reported as a fixed phrase with the id under
/// which the detail was logged, never as database text.
async fn a_local_failure_never_shows_sql_in_last_error(backend: Backend) {
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn(backend).await;
    let sim = simulator(Faults::default()).await;
    let c = registered(&app, &officer("40"), with_id_number(writes::coop("HTX Lỗi cục bộ", "16681"))).await;
    let broken = match backend {
        Backend::Sqlite => vec![
            "CREATE TRIGGER no_progress BEFORE UPDATE OF progress ON sync_outbox
             BEGIN SELECT RAISE(ABORT, 'injected: UPDATE sync_outbox SET progress'); END",
        ],
        Backend::Postgres => vec![
            "CREATE FUNCTION no_progress() RETURNS trigger AS $$
             BEGIN RAISE EXCEPTION 'injected: UPDATE sync_outbox SET progress'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER no_progress BEFORE UPDATE OF progress ON sync_outbox
             FOR EACH ROW EXECUTE FUNCTION no_progress()",
        ],
    };
    for sql in broken {
        app.conn().execute_unprepared(sql).await.expect("break the statement");
    }
    let client = HttpNational::new(Endpoints {
        tax_url: sim.base_url(),
        ncrs_url: sim.base_url(),
        client_id: sim::DEFAULT_CLIENT_ID.into(),
        client_secret: sim::DEFAULT_CLIENT_SECRET.into(),
        timeout: Duration::from_secs(5),
    })
    .expect("client");
    let settings = WorkerSettings {
        max_attempts: 2,
        backoff_base: Duration::from_millis(1),
        backoff_cap: Duration::from_millis(5),
        ..Default::default()
    };
    let w = Worker::new(app.state.clone(), Arc::new(client), settings);
    assert!(w.drain(Duration::from_secs(60)).await.expect("drain"));
    let row = sync_outbox::Entity::find().one(app.conn()).await.expect("read").expect("the row");
    assert_eq!(row.state, "FAILED");
    let q = format!("{{ node(id: {}) {{ ... on Cooperative {{ sync {{ nationalRegistry lastError }} }} }} }}", c["id"]);
    let d = app.data_as(&admin(), &q, json!({})).await;
    assert_eq!(d["node"]["sync"]["nationalRegistry"], "FAILED");
    let error = d["node"]["sync"]["lastError"].as_str().expect("an error");
    assert!(error.starts_with("local error, see server log sync-"), "{error}");
    for leak in ["injected", "UPDATE", "sync_outbox", "database", "progress"] {
        assert!(!error.contains(leak), "{leak} in {error}");
    }
    assert_eq!(row.last_error.as_deref(), Some(error), "the row says the same");
    sim.shutdown().await;
}

storage_tests!(a_tax_answer_without_registration_id_is_refused, a_local_failure_never_shows_sql_in_last_error,);
