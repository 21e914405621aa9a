//! Writes that meet: each use case reads the records it changes inside its
//! serialised write transaction, so a write that commits while another one
//! waits for the lock is never undone or double-counted.
//!
//! Each test holds the registry's write lock itself (the SQLite gate, or the
//! PostgreSQL advisory lock in a transaction of its own), starts mutations
//! that queue behind it, makes a competing change while holding it, and
//! only then lets them go.

use crate::helpers::{admin, officer, Backend, TestApp};
use crate::storage_tests;
use crate::writes::{self, imported, payload, registered, tax_code};
use coopgate::storage::write::WRITE_LOCK_KEY;
use entity::{change_event, cooperative, cooperative_union};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait, QueryFilter, Statement, TransactionTrait,
};
use serde_json::{json, Value};
use std::time::Duration;

/// The registry's write lock, held by the test.
enum Held {
    Gate(tokio::sync::OwnedMutexGuard<()>),
    Advisory(DatabaseTransaction),
}

async fn hold(app: &TestApp) -> Held {
    match app.conn().get_database_backend() {
        DbBackend::Sqlite => Held::Gate(app.state.write_gate.lock().await),
        _ => {
            let txn = app.conn().begin().await.expect("begin");
            txn.execute(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_advisory_xact_lock($1)",
                [WRITE_LOCK_KEY.into()],
            ))
            .await
            .expect("lock");
            Held::Advisory(txn)
        }
    }
}

impl Held {
    /// Runs a statement as the holder of the lock.
    async fn execute(&self, app: &TestApp, sql: &str) {
        match self {
            Held::Gate(_) => app.conn().execute_unprepared(sql).await.map(drop),
            Held::Advisory(txn) => txn.execute_unprepared(sql).await.map(drop),
        }
        .expect("statement");
    }

    async fn release(self) {
        match self {
            Held::Gate(g) => drop(g),
            Held::Advisory(txn) => txn.commit().await.expect("commit"),
        }
    }
}

/// How many writers wait for the lock.
async fn waiting(app: &TestApp) -> usize {
    match app.conn().get_database_backend() {
        DbBackend::Sqlite => app.state.write_gate.waiting(),
        _ => {
            let row = app
                .conn()
                .query_one(Statement::from_string(
                    DbBackend::Postgres,
                    "SELECT COUNT(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
                     AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                ))
                .await
                .expect("pg_locks")
                .expect("a row");
            row.try_get::<i64>("", "n").expect("n") as usize
        }
    }
}

/// Waits until `n` writers queue behind the lock.
async fn until_waiting(app: &TestApp, n: usize) {
    for _ in 0..3000 {
        if waiting(app).await >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{n} writers never queued for the write lock");
}

/// Starts a mutation in the background.
fn start(app: &TestApp, token: String, q: &'static str, input: Value) -> tokio::task::JoinHandle<Value> {
    let (http, address) = (app.http.clone(), app.address.clone());
    tokio::spawn(async move {
        let r = http
            .post(format!("{address}/graphql"))
            .bearer_auth(token)
            .json(&json!({"query": q, "variables": {"i": input}}))
            .send()
            .await
            .expect("sent");
        let v: Value = r.json().await.expect("json");
        v["data"].as_object().and_then(|o| o.values().next().cloned()).unwrap_or(v)
    })
}

/// A union of three imported ACTIVE cooperatives, and one more cooperative.
async fn union_of_three(app: &TestApp) -> (Value, Vec<Value>) {
    let t = officer("40");
    let mut ids = Vec::new();
    for (i, ward) in ["16681", "16690", "16702", "16681", "16690"].iter().enumerate() {
        let c = registered(app, &t, imported(&format!("HTX Đua {i}"), ward, &tax_code(40 + i as u32))).await;
        ids.push(c["id"].clone());
    }
    let input = json!({"name": "Liên hiệp HTX Đua", "sector": "AGRICULTURE", "address": {"wardCode": "16681"},
        "charterCapital": "900000000", "legalRepresentative": {"fullName": "Phạm Văn D", "idNumber": "040090000777"}, "memberCooperativeIds": ids[..3]});
    let p = payload(app, &t, writes::UNION, input).await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
    (p["cooperativeUnion"]["id"].clone(), ids)
}

async fn union_row(app: &TestApp) -> cooperative_union::Model {
    cooperative_union::Entity::find().one(app.conn()).await.expect("read").expect("the union")
}

/// The sync worker saves the code the tax system issued for a union while
/// an officer adds a member to it: the code survives.
async fn a_code_issued_while_a_member_is_added_survives(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (union_id, ids) = union_of_three(&app).await;
    let before = union_row(&app).await;
    let code = tax_code(60);
    let held = hold(&app).await;
    let add = start(&app, officer("40"), writes::ADD, json!({"unionId": union_id, "cooperativeId": ids[3]}));
    until_waiting(&app, 1).await;
    // What the worker writes when the registration comes back.
    held.execute(
        &app,
        &format!("UPDATE cooperative_union SET code = '{code}', version = version + 1 WHERE id = {}", before.id),
    )
    .await;
    held.release().await;
    let p = add.await.expect("mutation");
    assert_eq!(p["userErrors"], json!([]), "{p}");
    assert_eq!(p["cooperativeUnion"]["memberCooperatives"]["totalCount"], 4);
    let after = union_row(&app).await;
    assert_eq!(after.code.as_deref(), Some(code.as_str()), "the issued code is kept");
    assert_eq!(after.version, before.version + 2, "both writes count");
}

/// A report submitted while another change of the cooperative commits
/// still gets its own version.
async fn a_report_bumps_the_version_it_finds(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = officer("40");
    let c = registered(&app, &t, imported("HTX Báo cáo", "16681", &tax_code(70))).await;
    let row = cooperative::Entity::find().one(app.conn()).await.expect("read").expect("row");
    assert_eq!(row.version, 1);
    let held = hold(&app).await;
    let report = json!({"organizationId": c["id"], "year": 2025, "officialMembers": 9, "rating": "GOOD"});
    let submit = start(&app, t.clone(), writes::REPORT, report);
    until_waiting(&app, 1).await;
    // Another change of the cooperative commits first (version 2).
    held.execute(
        &app,
        &format!("UPDATE cooperative SET name = 'HTX Báo cáo (mới)', version = 2 WHERE id = {}", row.id),
    )
    .await;
    held.release().await;
    let p = submit.await.expect("mutation");
    assert_eq!(p["userErrors"], json!([]), "{p}");
    let after = cooperative::Entity::find_by_id(row.id).one(app.conn()).await.expect("read").expect("row");
    assert_eq!(after.version, 3, "the report's change is a version of its own");
    assert_eq!(after.name, "HTX Báo cáo (mới)", "and keeps the other change");
    let report_change = change_event::Entity::find()
        .filter(change_event::Column::EntityId.eq(row.id))
        .filter(change_event::Column::Kind.eq("ANNUAL_REPORT"))
        .one(app.conn())
        .await
        .expect("read")
        .expect("a change");
    assert_eq!(report_change.version, Some(3));
}

/// Two officers remove different members of a four-member union at once:
/// one succeeds, the other is told the union keeps three.
async fn concurrent_removals_keep_three_members(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = officer("40");
    let (union_id, ids) = union_of_three(&app).await;
    let p = payload(&app, &t, writes::ADD, json!({"unionId": union_id, "cooperativeId": ids[3]})).await;
    assert_eq!(p["cooperativeUnion"]["memberCooperatives"]["totalCount"], 4);
    let held = hold(&app).await;
    let a = start(&app, t.clone(), writes::REMOVE, json!({"unionId": union_id, "cooperativeId": ids[0]}));
    let b = start(&app, admin(), writes::REMOVE, json!({"unionId": union_id, "cooperativeId": ids[1]}));
    until_waiting(&app, 2).await;
    held.release().await;
    let (a, b) = (a.await.expect("a"), b.await.expect("b"));
    let refused: Vec<_> = [&a, &b].into_iter().filter(|p| p["userErrors"] != json!([])).collect();
    assert_eq!(refused.len(), 1, "exactly one removal is refused: {a} {b}");
    assert_eq!(refused[0]["userErrors"][0]["code"], "INVALID");
    let u = union_row(&app).await;
    let members =
        cooperative::Entity::find().filter(cooperative::Column::UnionId.eq(u.id)).all(app.conn()).await.expect("read");
    assert_eq!(members.len(), 3, "a union keeps three ACTIVE members");
}

storage_tests!(
    a_code_issued_while_a_member_is_added_survives,
    a_report_bumps_the_version_it_finds,
    concurrent_removals_keep_three_members,
);
