//! The audit trail as evidence (docs/evidence.md): the hash chain names the
//! first broken sequence when the database owner alters, removes or inserts
//! a row behind the triggers; signed checkpoints; bundles that verify on
//! their own; `coopgate audit` on the command line; "who read my data";
//! refused reads of the trail and the sync queue are audited.

use crate::helpers::{admin, insert_person, officer, Backend, Coop, TestApp, TEST_AUDIENCE, TEST_ISSUER, TEST_SECRET};
use crate::storage_tests;
use coopgate::auth::Role;
use sea_orm::ConnectionTrait;
use serde_json::{json, Value};

const VERIFY: &str = "{ verifyAuditTrail { verified events firstBrokenSequence checkpointSignedAt } }";
const AUDIT: &str = "{ auditEvents(first: 1) { edges { node { id hash } } } }";

/// A token of a named subject.
fn token_of(subject: &str, role: Role, province: Option<&str>) -> String {
    let claims = coopgate::auth::jwt::claims_for(
        subject,
        role,
        province,
        TEST_ISSUER,
        TEST_AUDIENCE,
        std::time::Duration::from_secs(600),
    );
    coopgate::auth::jwt::mint_hs256(TEST_SECRET, &claims).expect("mint")
}

/// Writes `n` audit rows (refused reads of the trail, each audited) and
/// returns the chain head's sequence after them.
async fn audited_refusals(app: &TestApp, n: usize) -> i64 {
    for _ in 0..n {
        let v = app.graphql_as(&officer("40"), AUDIT, json!({})).await;
        assert_eq!(crate::helpers::code(&v["errors"][0]), "FORBIDDEN");
    }
    coopgate::storage::evidence::head(app.conn()).await.expect("head").0
}

async fn verify(app: &TestApp) -> Value {
    app.data_as(&admin(), VERIFY, json!({})).await["verifyAuditTrail"].clone()
}

/// Runs SQL as the database owner with the append-only triggers out of the way.
async fn as_owner(app: &TestApp, backend: Backend, sql: &str) {
    let lift = match backend {
        Backend::Postgres => "ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update",
        Backend::Sqlite => "DROP TRIGGER IF EXISTS audit_event_no_update",
    };
    app.conn().execute_unprepared(lift).await.expect("lift the trigger");
    if backend == Backend::Sqlite {
        app.conn().execute_unprepared("DROP TRIGGER IF EXISTS audit_event_no_delete").await.expect("lift");
    }
    app.conn().execute_unprepared(sql).await.expect("tamper");
}

async fn tampering_names_the_first_broken_sequence(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let head = audited_refusals(&app, 6).await;
    assert!(head >= 6);
    let v = verify(&app).await;
    assert_eq!(v["verified"], true, "an untouched trail verifies: {v}");
    assert_eq!(v["firstBrokenSequence"], Value::Null);
    // Each refusal of `auditEvents` was itself audited as DENIED.
    let denied = app
        .conn()
        .query_one(sea_orm::Statement::from_string(
            app.conn().get_database_backend(),
            "SELECT COUNT(*) AS n FROM audit_event WHERE operation = 'auditEvents' AND outcome = 'DENIED'",
        ))
        .await
        .expect("count")
        .expect("row");
    assert_eq!(denied.try_get::<i64>("", "n").expect("n"), 6);

    let target = head - 3;
    // Altered.
    as_owner(&app, backend, &format!("UPDATE audit_event SET subject = 'someone-else' WHERE seq = {target}")).await;
    let v = verify(&app).await;
    assert_eq!(v["verified"], false);
    assert_eq!(v["firstBrokenSequence"], target.to_string(), "altered: {v}");
    // Put back exactly: verifies again.
    as_owner(&app, backend, &format!("UPDATE audit_event SET subject = 'ProvincialOfficer-40' WHERE seq = {target}"))
        .await;
    assert_eq!(verify(&app).await["verified"], true);

    // Removed.
    let saved = app
        .conn()
        .query_one(sea_orm::Statement::from_string(
            app.conn().get_database_backend(),
            format!("SELECT request_id, at FROM audit_event WHERE seq = {target}"),
        ))
        .await
        .expect("read")
        .expect("row");
    let request_id: String = saved.try_get("", "request_id").expect("request id");
    as_owner(&app, backend, &format!("DELETE FROM audit_event WHERE seq = {target}")).await;
    let v = verify(&app).await;
    assert_eq!(v["firstBrokenSequence"], target.to_string(), "removed: {v}");
    // The last row removed shows too (the chain head still names it).
    as_owner(&app, backend, &format!("DELETE FROM audit_event WHERE seq = {head}")).await;
    assert_eq!(verify(&app).await["firstBrokenSequence"], target.to_string(), "the first break is still named");

    // Inserted: a forged row claiming an existing sequence, on a fresh trail.
    let app2 = TestApp::spawn(backend).await;
    let head = audited_refusals(&app2, 4).await;
    let forged = head - 1;
    as_owner(
        &app2,
        backend,
        &format!(
            "INSERT INTO audit_event (at, subject, role, province, request_id, operation, entity_kind, entity_id, outcome, \
             before_digest, after_digest, detail, seq, hash) SELECT at, 'forger', role, province, '{request_id}', operation, \
             entity_kind, entity_id, outcome, before_digest, after_digest, detail, seq, hash FROM audit_event WHERE seq = {forged}"
        ),
    )
    .await;
    let v = verify(&app2).await;
    assert_eq!(v["verified"], false);
    assert_eq!(v["firstBrokenSequence"], forged.to_string(), "inserted: {v}");
    app2.stop().await;
    app.stop().await;
}

async fn checkpoints_are_signed_and_a_bundle_verifies_on_its_own(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let head = audited_refusals(&app, 5).await;
    assert_eq!(verify(&app).await["checkpointSignedAt"], Value::Null, "no checkpoint yet");
    let signed = coopgate::service::evidence::checkpoint(&app.state, true).await.expect("sign");
    assert_eq!(signed, Some(head));
    let v = verify(&app).await;
    assert_eq!(v["verified"], true);
    assert!(v["checkpointSignedAt"].is_string(), "{v}");
    // Nothing new: no second checkpoint.
    assert_eq!(coopgate::service::evidence::checkpoint(&app.state, true).await.expect("sign"), None);

    let bundle = coopgate::service::evidence::export_bundle(&app.state, Some(2), Some(head)).await.expect("export");
    let bytes = serde_json::to_vec(&bundle).expect("json");
    let key = app.state.evidence.public_key_hex().expect("dev key");
    let v = coopgate::evidence::verify_bundle(&bytes, Some(&key)).expect("readable");
    assert!(v.verified(), "{v:?}");
    assert_eq!(v.signed_through.map(|s| s.0), Some(head));
    // One byte changed in an event: the bundle no longer verifies.
    let text = String::from_utf8(bytes.clone()).expect("utf-8");
    let at = text.find("ProvincialOfficer-40").expect("a subject");
    let mut changed = bytes.clone();
    changed[at] = b'X';
    let v = coopgate::evidence::verify_bundle(&changed, Some(&key)).expect("still JSON");
    assert!(!v.verified(), "a changed byte is caught");
    // Another key is not trusted.
    let other = "11".repeat(32);
    assert!(coopgate::evidence::verify_bundle(&bytes, Some(&other)).is_err());
    // The signed checkpoint catches a chain the owner recomputed after a change.
    let mut rewritten: coopgate::evidence::Bundle = serde_json::from_slice(&bytes).expect("bundle");
    rewritten.events[0].subject = "someone-else".into();
    let mut previous = rewritten.anchor_hash.clone();
    for e in &mut rewritten.events {
        e.hash = entity::audit_event::chain_hash(&previous, e);
        previous = e.hash.clone();
    }
    let v = coopgate::evidence::verify_bundle(&serde_json::to_vec(&rewritten).expect("json"), Some(&key))
        .expect("readable");
    assert_eq!(v.broken.map(|b| b.seq), Some(head), "the checkpoint's hash differs");
    app.stop().await;
}

async fn the_audit_command_verifies_exports_and_checks_bundles(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let head = audited_refusals(&app, 3).await;
    let url = app.db.url.clone();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_coopgate"))
            .args(args)
            .env("DATABASE_URL", &url)
            .env_remove("COOPGATE_PROFILE")
            .output()
            .expect("runs")
    };
    let out = run(&["audit", "checkpoint"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(&["audit", "verify"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains("verified"), "{text} {}", String::from_utf8_lossy(&out.stderr));
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("bundle.json");
    let f = file.to_str().expect("path");
    let out = run(&["audit", "export", "--from", "1", "--to", &head.to_string(), "-o", f]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(&["audit", "verify", "--bundle", f]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut bytes = std::fs::read(&file).expect("read");
    let at = String::from_utf8_lossy(&bytes).find("ProvincialOfficer-40").expect("subject");
    bytes[at + 1] = b'x';
    std::fs::write(&file, &bytes).expect("write");
    let out = run(&["audit", "verify", "--bundle", f]);
    assert!(!out.status.success(), "a changed bundle fails");
    assert!(String::from_utf8_lossy(&out.stderr).contains("first broken sequence"));
    // Altered in the database: the command names the sequence and fails.
    as_owner(&app, backend, "UPDATE audit_event SET detail = 'x' WHERE seq = 2").await;
    let out = run(&["audit", "verify"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("first broken sequence 2"), "{out:?}");
    app.stop().await;
}

const READ: &str = "query Director($id: ID!) { node(id: $id) { ... on Cooperative { director { idNumber } } } }";
const READS: &str = "query($n: String!) { personalDataReads(idNumber: $n) {
    edges { node { subject role provinceCode requestId operation outcome detail hash } } } }";

async fn who_read_my_data_lists_exactly_the_reads(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let person = insert_person(&app, "Nguyễn Văn Giám", "MALE").await;
    let id_number = person.id_number.clone().expect("id number");
    let coop = Coop { director: Some(person.id), ..Coop::new("HTX Sen Vàng", "16681") }.insert(&app).await;
    let node = coopgate::graphql::ids::encode_named("Cooperative", coop.id);
    let (a, b, boss) = (
        token_of("officer-a", Role::ProvincialOfficer, Some("40")),
        token_of("officer-b", Role::ProvincialOfficer, Some("40")),
        token_of("admin-c", Role::NationalAdmin, None),
    );
    for t in [&a, &b, &boss] {
        let d = app.data_as(t, READ, json!({"id": node})).await;
        assert_eq!(d["node"]["director"]["idNumber"], id_number.as_str());
    }
    // An officer of another province sees nothing, and so reads nothing.
    let other = token_of("officer-z", Role::ProvincialOfficer, Some("01"));
    let d = app.data_as(&other, READ, json!({"id": node})).await;
    assert_eq!(d["node"]["director"]["idNumber"], Value::Null);

    let subjects = |d: &Value| -> Vec<String> {
        d["personalDataReads"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| e["node"]["subject"].as_str().expect("subject").to_owned())
            .collect()
    };
    let d = app.data_as(&admin(), READS, json!({"n": id_number})).await;
    assert_eq!(subjects(&d), ["officer-a", "officer-b", "admin-c"]);
    let first = &d["personalDataReads"]["edges"][0]["node"];
    assert_eq!(first["role"], "provincial_officer");
    assert_eq!(first["provinceCode"], "40");
    assert_eq!(first["operation"], "readPersonalData");
    assert_eq!(first["outcome"], "READ");
    assert!(first["requestId"].as_str().is_some_and(|r| !r.is_empty()));
    // The officers of the record's province may ask too; another province's get none.
    assert_eq!(subjects(&app.data_as(&a, READS, json!({"n": id_number})).await).len(), 3);
    assert!(subjects(&app.data_as(&other, READS, json!({"n": id_number})).await).is_empty());
    // Another number: no reads. Anonymous callers are refused.
    assert!(subjects(&app.data_as(&admin(), READS, json!({"n": "040090009999"})).await).is_empty());
    let v = app.graphql(READS, json!({"n": id_number})).await;
    assert_eq!(crate::helpers::code(&v["errors"][0]), "UNAUTHENTICATED");
    // The trail holds a keyed hash of the number, never the number.
    let found = app
        .conn()
        .query_one(sea_orm::Statement::from_string(
            app.conn().get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM audit_event WHERE detail LIKE '%{id_number}%' OR person_key LIKE '%{id_number}%'"),
        ))
        .await
        .expect("count")
        .expect("row");
    assert_eq!(found.try_get::<i64>("", "n").expect("n"), 0);
    assert_eq!(verify(&app).await["verified"], true, "reads are chained too");
    app.stop().await;
}

async fn a_refused_read_of_the_sync_queue_is_audited(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let v = app.graphql_as(&officer("40"), "{ syncQueue { operation } }", json!({})).await;
    assert_eq!(crate::helpers::code(&v["errors"][0]), "FORBIDDEN");
    let d = app
        .data_as(
            &admin(),
            "{ auditEvents(filter: {operation: \"syncQueue\"}) { edges { node { outcome subject } } } }",
            json!({}),
        )
        .await;
    assert_eq!(d["auditEvents"]["edges"][0]["node"]["outcome"], "DENIED");
    let v = app.graphql_as(&officer("40"), VERIFY, json!({})).await;
    assert_eq!(crate::helpers::code(&v["errors"][0]), "FORBIDDEN", "verifyAuditTrail is for national admins");
    app.stop().await;
}

storage_tests!(
    tampering_names_the_first_broken_sequence,
    checkpoints_are_signed_and_a_bundle_verifies_on_its_own,
    the_audit_command_verifies_exports_and_checks_bundles,
    who_read_my_data_lists_exactly_the_reads,
    a_refused_read_of_the_sync_queue_is_audited,
);

async fn every_national_call_is_one_chained_exchange_entry_linked_to_its_outbox_row(backend: Backend) {
    use coopgate::sim::{self, Faults, SimConfig};
    use coopgate::sync::client::{Endpoints, HttpNational};
    use coopgate::sync::worker::{Worker, WorkerSettings};
    use entity::{audit_event, sync_outbox};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use std::time::Duration;

    let app = TestApp::spawn(backend).await;
    let faults =
        Faults { error_rate: 0.3, timeout_rate: 0.1, hang_ms: 600, lose_answer_rate: 0.1, ..Default::default() };
    let sim =
        sim::spawn(SimConfig { listen: "127.0.0.1:0".parse().expect("addr"), faults, seed: 11, ..Default::default() })
            .await
            .expect("simulator");
    let t = officer("40");
    for i in 0..12 {
        crate::writes::registered(&app, &t, crate::writes::coop(&format!("HTX nhật ký {i}"), "16681")).await;
    }
    let client = HttpNational::new(Endpoints {
        tax_url: sim.base_url(),
        ncrs_url: sim.base_url(),
        client_id: sim::DEFAULT_CLIENT_ID.into(),
        client_secret: sim::DEFAULT_CLIENT_SECRET.into(),
        timeout: Duration::from_millis(300),
    })
    .expect("client");
    client.set_log(std::sync::Arc::new(coopgate::service::evidence::TrailExchangeLog::new(app.state.clone())));
    let settings = WorkerSettings {
        max_attempts: 200,
        backoff_base: Duration::from_millis(5),
        backoff_cap: Duration::from_millis(50),
        lease: Duration::from_secs(30),
        concurrency: 4,
        ..Default::default()
    };
    let w = Worker::new(app.state.clone(), std::sync::Arc::new(client), settings);
    assert!(w.drain(Duration::from_secs(120)).await.expect("drain"), "the queue empties");

    let exchanges = audit_event::Entity::find()
        .filter(audit_event::Column::Outcome.eq("EXCHANGE"))
        .all(app.conn())
        .await
        .expect("rows");
    let received = sim.calls_received();
    println!("{} national calls received, {} exchange entries", received, exchanges.len());
    assert_eq!(exchanges.len() as u64, received, "one entry per call the national side received");
    let outbox: std::collections::HashSet<i64> =
        sync_outbox::Entity::find().all(app.conn()).await.expect("outbox").into_iter().map(|r| r.id).collect();
    let mut failed_calls = 0;
    for e in &exchanges {
        let d: Value = serde_json::from_str(e.detail.as_deref().expect("detail")).expect("exchange JSON");
        let row = d["outboxRow"].as_i64().unwrap_or_else(|| panic!("linked to an outbox row: {d}"));
        assert!(outbox.contains(&row), "{d}");
        assert_eq!(e.entity_kind.as_deref(), Some("SYNC_OUTBOX"));
        assert_eq!(e.entity_id, Some(row));
        if d["status"].as_u64().is_some_and(|s| s < 300) && d["path"] != "/oauth/token" {
            assert_eq!(d["nationalHashMatches"], true, "the national side's hash is checked: {d}");
            assert_eq!(d["requestSha256"], d["nationalRequestHash"]);
        }
        if d["error"].is_string() || d["status"].as_u64().is_none_or(|s| s >= 500) {
            failed_calls += 1;
        }
        assert!(d.get("requestBody").is_none(), "bodies are off by default");
    }
    println!("{failed_calls} calls failed under faults");
    assert!(failed_calls > 0, "the faults were exercised");
    assert_eq!(verify(&app).await["verified"], true, "the chain verifies with the exchanges in it");
    sim.shutdown().await;
    app.stop().await;
}

storage_tests!(every_national_call_is_one_chained_exchange_entry_linked_to_its_outbox_row);

async fn retention_exports_then_removes_and_the_rest_still_verifies(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let cut = audited_refusals(&app, 4).await;
    assert_eq!(coopgate::service::evidence::checkpoint(&app.state, true).await.expect("sign"), Some(cut));
    let head = audited_refusals(&app, 3).await;
    let dir = tempfile::tempdir().expect("dir");
    // Nothing is old enough under a one-day retention.
    assert_eq!(coopgate::service::evidence::prune(&app.state, 1, dir.path()).await.expect("prune"), None);
    // Retention of zero days: everything up to the checkpoint goes, exported first.
    let (through, file) =
        coopgate::service::evidence::prune(&app.state, 0, dir.path()).await.expect("prune").expect("pruned");
    assert_eq!(through, cut);
    let bytes = std::fs::read(&file).expect("bundle written");
    let key = app.state.evidence.public_key_hex().expect("key");
    let v = coopgate::evidence::verify_bundle(&bytes, Some(&key)).expect("bundle");
    assert!(v.verified() && v.signed_through.map(|s| s.0) == Some(cut), "{v:?}");
    assert_eq!(coopgate::storage::evidence::first_seq(app.conn()).await.expect("first"), Some(cut + 1));
    let left = verify(&app).await;
    assert_eq!(left["verified"], true, "verifiable from the kept checkpoint: {left}");
    assert_eq!(left["events"], head - cut);
    app.stop().await;
}

storage_tests!(retention_exports_then_removes_and_the_rest_still_verifies);

/// The grants of the production runtime role, as docs/evidence.md gives them.
const RUNTIME_GRANTS: &str = "
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};
REVOKE UPDATE, DELETE, TRUNCATE ON audit_event, audit_checkpoint FROM {role};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role};";

/// On PostgreSQL the runtime role (not the table owner) can append to the
/// audit trail but cannot change, remove or truncate it, nor lift its trigger.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_runtime_role_can_append_but_not_rewrite_the_trail() {
    use sea_orm::TransactionTrait;
    let db = crate::helpers::TestDb::create(Backend::Postgres).await;
    let (conn, _) = coopgate::storage::connect(&db.url, &Default::default()).await.expect("connect");
    let role = format!("rt_{}", db.url.rsplit('/').next().expect("name")).replace(['-', '.'], "_");
    conn.execute_unprepared(&format!("CREATE ROLE {role} NOLOGIN")).await.expect("role");
    conn.execute_unprepared(&RUNTIME_GRANTS.replace("{role}", &role)).await.expect("grants");
    let txn = conn.begin().await.expect("txn");
    txn.execute_unprepared(&format!("SET LOCAL ROLE {role}")).await.expect("become the runtime role");
    let attempt = |sql: &'static str| {
        let txn = &txn;
        async move {
            let sp = txn.begin().await.expect("savepoint");
            let r = sp.execute_unprepared(sql).await.map(|_| ()).map_err(|e| e.to_string());
            sp.rollback().await.expect("back to the savepoint");
            r
        }
    };
    assert!(attempt("SELECT seq FROM audit_event").await.is_ok());
    assert!(
        attempt(
            "INSERT INTO audit_event (at, subject, role, request_id, operation, outcome, seq, hash) \
             VALUES (now(), 's', 'r', 'q', 'o', 'DENIED', 1, 'h')"
        )
        .await
        .is_ok(),
        "the runtime role appends"
    );
    for sql in [
        "UPDATE audit_event SET subject = 'x'",
        "DELETE FROM audit_event",
        "TRUNCATE audit_event",
        "ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update",
        "ALTER TABLE audit_event DISABLE TRIGGER ALL",
        "DROP TRIGGER audit_event_no_update ON audit_event",
        "DELETE FROM audit_checkpoint",
    ] {
        let e = attempt(sql).await.expect_err(sql);
        assert!(e.contains("permission denied") || e.contains("must be owner"), "{sql}: {e}");
    }
    txn.rollback().await.expect("rollback");
    conn.execute_unprepared(&format!("DROP OWNED BY {role}; DROP ROLE {role}")).await.expect("drop role");
}
