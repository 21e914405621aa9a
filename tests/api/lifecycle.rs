//! The lifecycle of cooperatives, unions and groups (docs/lifecycle.md):
//! every allowed and refused status change, the status history, what a
//! member's end does to its union, groups, withdrawal before and after the
//! national systems have the application, and membership across provinces.

use crate::helpers::{admin, insert_group, insert_union, officer, Backend, Coop, TestApp};
use crate::storage_tests;
use crate::writes::{self, payload, registered};
use coopgate::domain::lifecycle::{group_targets, province_targets};
use coopgate::domain::{GroupStatus, RegistrationStatus};
use coopgate::sim::{self, Faults, SimConfig, SimHandle};
use coopgate::sync::client::{Endpoints, HttpNational};
use coopgate::sync::worker::{Worker, WorkerSettings};
use entity::{audit_event, change_event, cooperative, status_change, sync_outbox};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

const STATUSES: [&str; 8] =
    ["PENDING", "ACTIVE", "SUSPENDED", "DISSOLVED", "REVOKED", "IN_DISSOLUTION", "BANKRUPT", "WITHDRAWN"];

/// The allowed changes, as docs/lifecycle.md's table says (checked against
/// the domain's by `the_documented_table_is_the_domains`).
const ALLOWED: [(&str, &str); 13] = [
    ("ACTIVE", "SUSPENDED"),
    ("ACTIVE", "IN_DISSOLUTION"),
    ("ACTIVE", "REVOKED"),
    ("ACTIVE", "BANKRUPT"),
    ("SUSPENDED", "ACTIVE"),
    ("SUSPENDED", "IN_DISSOLUTION"),
    ("SUSPENDED", "REVOKED"),
    ("SUSPENDED", "BANKRUPT"),
    ("IN_DISSOLUTION", "DISSOLVED"),
    ("IN_DISSOLUTION", "BANKRUPT"),
    ("REVOKED", "IN_DISSOLUTION"),
    ("REVOKED", "DISSOLVED"),
    ("REVOKED", "BANKRUPT"),
];

pub const UNION_STATUS: &str = "mutation($i: ChangeStatusInput!) { changeCooperativeUnionStatus(input: $i) {
    cooperativeUnion { id status version } userErrors { field message code } } }";
pub const UNION_UPDATE: &str = "mutation($i: UpdateCooperativeUnionInput!) { updateCooperativeUnion(input: $i) {
    cooperativeUnion { id name version director { fullName } legalRepresentative { fullName } }
    userErrors { field message code } } }";
pub const GROUP_UPDATE: &str = "mutation($i: UpdateCooperativeGroupInput!) { updateCooperativeGroup(input: $i) {
    cooperativeGroup { id name members valueChainLinked version status } userErrors { field message code } } }";
pub const DISBAND: &str = "mutation($i: DisbandGroupInput!) { disbandCooperativeGroup(input: $i) {
    cooperativeGroup { id status disbandedOn version } userErrors { field message code } } }";
pub const WITHDRAW: &str = "mutation($i: WithdrawApplicationInput!) { withdrawApplication(input: $i) {
    sync { taxRegistration nationalRegistry } userErrors { field message code } } }";

/// The input for a change to `to` with what that status needs.
fn change(id: &Value, version: i64, to: &str) -> Value {
    let mut i = json!({"id": id, "expectedVersion": version, "status": to, "effectiveOn": "2026-01-02",
        "reason": "Quyết định số 12/QĐ-UBND"});
    if to == "SUSPENDED" {
        i["until"] = json!("2026-12-31");
    }
    if matches!(to, "IN_DISSOLUTION" | "DISSOLVED") {
        i["dissolutionKind"] = json!("COMPULSORY");
    }
    i
}

fn global(kind: &str, id: i64) -> Value {
    let k = match kind {
        "Cooperative" => coopgate::graphql::ids::NodeKind::Cooperative,
        "CooperativeUnion" => coopgate::graphql::ids::NodeKind::CooperativeUnion,
        _ => coopgate::graphql::ids::NodeKind::CooperativeGroup,
    };
    json!(coopgate::graphql::ids::encode(k, id).to_string())
}

async fn history(app: &TestApp, kind: &str, id: &Value) -> Vec<Value> {
    let q = format!(
        "{{ node(id: {id}) {{ ... on {kind} {{ statusHistory {{ status effectiveOn reason dissolutionKind until origin recordedAt }} }} }} }}"
    );
    app.data(&q, json!({})).await["node"]["statusHistory"].as_array().cloned().unwrap_or_default()
}

fn statuses(h: &[Value]) -> Vec<&str> {
    h.iter().map(|c| c["status"].as_str().unwrap_or("")).collect()
}

/// Every (from, to) pair the domain's state machine lets a province record
/// (`domain::lifecycle::province_targets`): the matrices below are walked
/// from it, so the API and the domain cannot drift apart.
fn domain_allowed() -> Vec<(&'static str, &'static str)> {
    RegistrationStatus::ALL
        .iter()
        .flat_map(|f| province_targets(*f).iter().map(move |t| (f.as_str(), t.as_str())))
        .collect()
}

#[test]
fn the_documented_table_is_the_domains() {
    let mut documented = ALLOWED.to_vec();
    documented.sort();
    let mut domain = domain_allowed();
    domain.sort();
    assert_eq!(documented, domain, "docs/lifecycle.md's table and domain::lifecycle agree");
    let statuses: Vec<&str> = RegistrationStatus::ALL.iter().map(|s| s.as_str()).collect();
    let mut listed = STATUSES.to_vec();
    listed.sort();
    let mut all = statuses.clone();
    all.sort();
    assert_eq!(listed, all, "every status is walked");
}

/// A refusal is INVALID_TRANSITION at `field` and its message names every
/// status the record may still take.
fn assert_refused(p: &Value, field: &str, from: RegistrationStatus, what: &str) {
    assert_eq!(p["userErrors"][0]["code"], "INVALID_TRANSITION", "{what}: {p}");
    assert_eq!(p["userErrors"][0]["field"], json!(["input", field]), "{what}");
    let message = p["userErrors"][0]["message"].as_str().expect("message");
    for next in province_targets(from) {
        assert!(message.contains(next.as_str()), "{what}: {message:?} names {next}");
    }
    if from == RegistrationStatus::Pending && field == "status" {
        assert!(message.contains("withdrawApplication"), "{what}: {message:?} names the way out");
    }
}

/// Walks every (from, to) pair of statuses through `changeCooperativeStatus`
/// and every from through `withdrawApplication`: allowed ones succeed and
/// are in the history, refused ones write nothing and name what is allowed.
async fn every_cooperative_status_change_is_allowed_or_refused_as_the_table_says(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = officer("40");
    let allowed = domain_allowed();
    for from in RegistrationStatus::ALL.iter().copied() {
        for to in RegistrationStatus::ALL.iter().copied() {
            let (f, to_s) = (from.as_str(), to.as_str());
            let mut c = Coop::new(&format!("HTX {f} {to_s}"), "16681");
            c.status = f;
            let row = c.insert(&app).await;
            let id = global("Cooperative", row.id);
            let p = payload(&app, &t, writes::STATUS, change(&id, 1, to_s)).await;
            if allowed.contains(&(f, to_s)) {
                assert_eq!(p["userErrors"], json!([]), "{f} → {to_s}");
                assert_eq!(
                    (p["cooperative"]["status"].as_str(), p["cooperative"]["version"].as_i64()),
                    (Some(to_s), Some(2))
                );
                let h = history(&app, "Cooperative", &id).await;
                let last = h.last().expect("the change is in the history");
                assert_eq!((last["status"].as_str(), last["origin"].as_str()), (Some(to_s), Some("PROVINCE")));
                assert_eq!(last["effectiveOn"], "2026-01-02");
            } else {
                assert_refused(&p, "status", from, &format!("{f} → {to_s}"));
                assert!(p["cooperative"].is_null());
                let stored = cooperative::Entity::find_by_id(row.id).one(app.conn()).await.expect("row").expect("one");
                assert_eq!((stored.status.as_str(), stored.version), (f, 1), "nothing written");
            }
        }
        // PENDING → WITHDRAWN is withdrawApplication's, from PENDING only.
        let mut c = Coop::new(&format!("HTX rút {}", from.as_str()), "16681");
        c.status = from.as_str();
        let row = c.insert(&app).await;
        let id = global("Cooperative", row.id);
        let p =
            payload(&app, &t, WITHDRAW, json!({"id": id, "expectedVersion": 1, "reason": "Sáng lập viên rút"})).await;
        let stored = cooperative::Entity::find_by_id(row.id).one(app.conn()).await.expect("row").expect("one");
        if from == RegistrationStatus::Pending {
            assert_eq!(p["userErrors"], json!([]), "withdraw {from}: {p}");
            assert_eq!(stored.status, "WITHDRAWN");
        } else {
            assert_refused(&p, "id", from, &format!("withdraw {from}"));
            assert_eq!((stored.status.as_str(), stored.version), (from.as_str(), 1), "nothing written");
        }
    }
    // A refusal names what is allowed.
    let row = Coop::new("HTX thẳng tới giải thể", "16681").insert(&app).await;
    let p = payload(&app, &t, writes::STATUS, change(&global("Cooperative", row.id), 1, "DISSOLVED")).await;
    assert_eq!(
        p["userErrors"][0]["message"],
        "a ACTIVE record cannot become DISSOLVED; it may become SUSPENDED, IN_DISSOLUTION, REVOKED, BANKRUPT"
    );
}

/// The same walk for unions (`changeCooperativeUnionStatus`,
/// `withdrawApplication`).
async fn every_union_status_change_is_allowed_or_refused_as_the_table_says(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = officer("40");
    let allowed = domain_allowed();
    let union_in = |from: RegistrationStatus, name: String| {
        let app = &app;
        async move {
            let u = insert_union(app, &name, "16681", None).await;
            app.conn()
                .execute_unprepared(&format!(
                    "UPDATE cooperative_union SET status = '{}' WHERE id = {}",
                    from.as_str(),
                    u.id
                ))
                .await
                .expect("status");
            u.id
        }
    };
    let stored = |id: i64| {
        let app = &app;
        async move {
            let u = entity::cooperative_union::Entity::find_by_id(id).one(app.conn()).await.expect("row").expect("one");
            (u.status, u.version)
        }
    };
    for from in RegistrationStatus::ALL.iter().copied() {
        for to in RegistrationStatus::ALL.iter().copied() {
            let (f, to_s) = (from.as_str(), to.as_str());
            let row = union_in(from, format!("LH {f} {to_s}")).await;
            let id = global("CooperativeUnion", row);
            let p = payload(&app, &t, UNION_STATUS, change(&id, 1, to_s)).await;
            if allowed.contains(&(f, to_s)) {
                assert_eq!(p["userErrors"], json!([]), "{f} → {to_s}");
                assert_eq!(p["cooperativeUnion"]["status"], to_s);
                assert_eq!(statuses(&history(&app, "CooperativeUnion", &id).await).last(), Some(&to_s));
            } else {
                assert_refused(&p, "status", from, &format!("{f} → {to_s}"));
                assert_eq!(stored(row).await, (f.to_owned(), 1), "nothing written");
            }
        }
        let row = union_in(from, format!("LH rút {}", from.as_str())).await;
        let id = global("CooperativeUnion", row);
        let p = payload(&app, &t, WITHDRAW, json!({"id": id, "expectedVersion": 1, "reason": "Rút hồ sơ"})).await;
        if from == RegistrationStatus::Pending {
            assert_eq!(p["userErrors"], json!([]), "withdraw {from}: {p}");
            assert_eq!(stored(row).await.0, "WITHDRAWN");
        } else {
            assert_refused(&p, "id", from, &format!("withdraw {from}"));
            assert_eq!(stored(row).await, (from.as_str().to_owned(), 1), "nothing written");
        }
    }
}

/// Groups walk `domain::lifecycle::group_targets`: from each group status,
/// `disbandCooperativeGroup` succeeds exactly where DISBANDED may follow and
/// `updateCooperativeGroup` exactly where the group may still change;
/// otherwise INVALID_TRANSITION at `input.id`, and nothing is written.
async fn every_group_change_is_allowed_or_refused_as_the_table_says(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = officer("40");
    for from in GroupStatus::ALL.iter().copied() {
        for (what, q) in [("disband", DISBAND), ("update", GROUP_UPDATE)] {
            let g = insert_group(&app, &format!("THT {what} {}", from.as_str()), "16681", 5).await;
            app.conn()
                .execute_unprepared(&format!(
                    "UPDATE cooperative_group SET status = '{}' WHERE id = {}",
                    from.as_str(),
                    g.id
                ))
                .await
                .expect("status");
            let id = global("CooperativeGroup", g.id);
            let input = match what {
                "disband" => {
                    json!({"id": id, "expectedVersion": 1, "effectiveOn": "2026-01-05", "reason": "Hết hợp đồng"})
                }
                _ => json!({"id": id, "expectedVersion": 1, "members": 7}),
            };
            let p = payload(&app, &t, q, input).await;
            let stored =
                entity::cooperative_group::Entity::find_by_id(g.id).one(app.conn()).await.expect("row").expect("one");
            let may = match what {
                "disband" => group_targets(from).contains(&GroupStatus::Disbanded),
                _ => !group_targets(from).is_empty(),
            };
            if may {
                assert_eq!(p["userErrors"], json!([]), "{what} {from}: {p}");
                let want = if what == "disband" { "DISBANDED" } else { from.as_str() };
                assert_eq!((stored.status.as_str(), stored.version), (want, 2), "{what} {from}");
            } else {
                assert_eq!(p["userErrors"][0]["code"], "INVALID_TRANSITION", "{what} {from}: {p}");
                assert_eq!(p["userErrors"][0]["field"], json!(["input", "id"]), "{what} {from}");
                assert_eq!((stored.status.as_str(), stored.version), (from.as_str(), 1), "nothing written");
            }
        }
    }
}

async fn a_status_change_carries_its_term_and_kind(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = officer("40");
    let c = registered(&app, &t, writes::imported("HTX Vòng đời", "16681", &writes::tax_code(7))).await;
    let mut suspend = change(&c["id"], 1, "SUSPENDED");
    suspend.as_object_mut().expect("o").remove("until");
    let p = payload(&app, &t, writes::STATUS, suspend).await;
    assert_eq!(p["userErrors"][0]["field"], json!(["input", "until"]), "a suspension needs a term");
    let p = payload(&app, &t, writes::STATUS, change(&c["id"], 1, "SUSPENDED")).await;
    assert_eq!(p["userErrors"], json!([]));
    let p = payload(&app, &t, writes::STATUS, change(&c["id"], 2, "ACTIVE")).await;
    assert_eq!(p["userErrors"], json!([]));
    let mut dissolve = change(&c["id"], 3, "IN_DISSOLUTION");
    dissolve["dissolutionKind"] = json!("VOLUNTARY");
    assert_eq!(payload(&app, &t, writes::STATUS, dissolve).await["userErrors"], json!([]));
    let p = payload(&app, &t, writes::STATUS, change(&c["id"], 4, "DISSOLVED")).await;
    assert_eq!(p["userErrors"][0]["field"], json!(["input", "dissolutionKind"]), "the kind stays VOLUNTARY: {p}");
    let mut done = change(&c["id"], 4, "DISSOLVED");
    done.as_object_mut().expect("o").remove("dissolutionKind");
    assert_eq!(payload(&app, &t, writes::STATUS, done).await["userErrors"], json!([]));
    let h = history(&app, "Cooperative", &c["id"]).await;
    assert_eq!(statuses(&h), ["ACTIVE", "SUSPENDED", "ACTIVE", "IN_DISSOLUTION", "DISSOLVED"]);
    assert_eq!(h[0]["effectiveOn"], "2019-03-01", "the registration, from the imported date");
    assert_eq!(h[1]["until"], "2026-12-31");
    assert_eq!(h[3]["dissolutionKind"], "VOLUNTARY");
    assert_eq!(h[4]["dissolutionKind"], "VOLUNTARY");
    let upd = payload(&app, &t, writes::UPDATE, json!({"id": c["id"], "expectedVersion": 5, "name": "X"})).await;
    assert_eq!(upd["userErrors"][0]["code"], "INVALID_TRANSITION", "a dissolved record is final");
    // Each change is in the change feed.
    let feed = change_event::Entity::find().all(app.conn()).await.expect("feed");
    assert_eq!(feed.iter().filter(|e| e.kind == "STATUS_CHANGED").count(), 4);
}

async fn a_member_that_ends_leaves_its_union_and_the_union_is_flagged(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = officer("40");
    let u = insert_union(&app, "Liên hiệp Vinh", "16681", None).await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let mut c = Coop::new(&format!("HTX thành viên {i}"), "16681");
        c.union_id = Some(u.id);
        ids.push(c.insert(&app).await.id);
    }
    let uid = global("CooperativeUnion", u.id);
    let q = format!("{{ node(id: {uid}) {{ ... on CooperativeUnion {{ version belowLegalMinimumSince memberCooperatives {{ totalCount }} }} }} statistics(provinceCode: \"40\") {{ unionMemberCooperatives }} }}");
    let before = app.data(&q, json!({})).await;
    assert_eq!(before["node"]["memberCooperatives"]["totalCount"], 3);
    assert!(before["node"]["belowLegalMinimumSince"].is_null());
    let first = global("Cooperative", ids[0]);
    assert_eq!(payload(&app, &t, writes::STATUS, change(&first, 1, "IN_DISSOLUTION")).await["userErrors"], json!([]));
    let dissolving = app.data(&q, json!({})).await;
    assert_eq!(dissolving["node"]["memberCooperatives"]["totalCount"], 3, "still a member while dissolving");
    assert_eq!(dissolving["node"]["belowLegalMinimumSince"], "2026-01-02", "but no longer operating");
    assert_eq!(payload(&app, &t, writes::STATUS, change(&first, 2, "DISSOLVED")).await["userErrors"], json!([]));
    let after = app.data(&q, json!({})).await;
    assert_eq!(after["node"]["memberCooperatives"]["totalCount"], 2, "a dissolved member no longer counts");
    assert_eq!(after["statistics"]["unionMemberCooperatives"], 2);
    assert_eq!(after["node"]["belowLegalMinimumSince"], "2026-01-02");
    let second = global("Cooperative", ids[1]);
    assert_eq!(payload(&app, &t, writes::STATUS, change(&second, 1, "BANKRUPT")).await["userErrors"], json!([]));
    let after = app.data(&q, json!({})).await;
    assert_eq!(after["node"]["memberCooperatives"]["totalCount"], 1);
    let audited = audit_event::Entity::find()
        .filter(audit_event::Column::EntityKind.eq("COOPERATIVE_UNION"))
        .all(app.conn())
        .await
        .expect("audit");
    assert!(audited.iter().any(|a| a.detail.as_deref().unwrap_or("").contains("left")), "audited under the union");
    // A union that ends releases its members.
    let v = after["node"]["version"].as_i64().expect("v");
    assert_eq!(payload(&app, &t, UNION_STATUS, change(&uid, v, "BANKRUPT")).await["userErrors"], json!([]));
    let left = cooperative::Entity::find_by_id(ids[2]).one(app.conn()).await.expect("row").expect("one");
    assert_eq!(left.union_id, None);
}

async fn a_union_is_updated_and_gets_a_director(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = officer("40");
    let u = insert_union(&app, "Liên hiệp Cũ", "16681", None).await;
    let id = global("CooperativeUnion", u.id);
    let p = payload(
        &app,
        &t,
        UNION_UPDATE,
        json!({"id": id, "expectedVersion": 1, "name": "Liên hiệp Mới", "director": {"fullName": "Lê Thị Cúc", "gender": "FEMALE"}}),
    )
    .await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
    assert_eq!(p["cooperativeUnion"]["director"]["fullName"], "Lê Thị Cúc");
    assert_eq!(p["cooperativeUnion"]["name"], "Liên hiệp Mới");
    let stale = payload(&app, &t, UNION_UPDATE, json!({"id": id, "expectedVersion": 1, "name": "X"})).await;
    assert_eq!(stale["userErrors"][0]["code"], "VERSION_CONFLICT");
    let other =
        app.graphql_as(&officer("56"), UNION_UPDATE, json!({"i": {"id": id, "expectedVersion": 2, "name": "X"}})).await;
    assert_eq!(other["errors"][0]["extensions"]["code"], "FORBIDDEN");
}

async fn groups_are_updated_and_disbanded(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = officer("40");
    let g = insert_group(&app, "Tổ hợp tác Sen", "16681", 5).await;
    let id = global("CooperativeGroup", g.id);
    let p = payload(&app, &t, GROUP_UPDATE, json!({"id": id, "expectedVersion": 1, "members": 1})).await;
    assert_eq!(p["userErrors"][0]["field"], json!(["input", "members"]));
    let p = payload(
        &app,
        &t,
        GROUP_UPDATE,
        json!({"id": id, "expectedVersion": 1, "members": 9, "valueChainLinked": true}),
    )
    .await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
    assert_eq!(
        (p["cooperativeGroup"]["members"].as_i64(), p["cooperativeGroup"]["valueChainLinked"].as_bool()),
        (Some(9), Some(true))
    );
    let early = payload(
        &app,
        &t,
        DISBAND,
        json!({"id": id, "expectedVersion": 2, "effectiveOn": "2020-01-01", "reason": "Hết hợp đồng"}),
    )
    .await;
    assert_eq!(early["userErrors"][0]["field"], json!(["input", "effectiveOn"]), "before it was established");
    let p = payload(
        &app,
        &t,
        DISBAND,
        json!({"id": id, "expectedVersion": 2, "effectiveOn": "2026-01-05", "reason": "Hết hợp đồng"}),
    )
    .await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
    assert_eq!(
        (p["cooperativeGroup"]["status"].as_str(), p["cooperativeGroup"]["disbandedOn"].as_str()),
        (Some("DISBANDED"), Some("2026-01-05"))
    );
    // DISBANDED is final: no second disbanding, no update.
    let again =
        payload(&app, &t, DISBAND, json!({"id": id, "expectedVersion": 3, "effectiveOn": "2026-01-06", "reason": "x"}))
            .await;
    assert_eq!(again["userErrors"][0]["code"], "INVALID_TRANSITION");
    let upd = payload(&app, &t, GROUP_UPDATE, json!({"id": id, "expectedVersion": 3, "name": "X"})).await;
    assert_eq!(upd["userErrors"][0]["code"], "INVALID_TRANSITION");
    let feed = change_event::Entity::find()
        .filter(change_event::Column::EntityKind.eq("COOPERATIVE_GROUP"))
        .all(app.conn())
        .await
        .expect("feed");
    assert_eq!(feed.iter().map(|c| c.kind.as_str()).collect::<Vec<_>>(), ["UPDATED", "STATUS_CHANGED"]);
}

async fn simulator(faults: Faults) -> SimHandle {
    let config = SimConfig { listen: "127.0.0.1:0".parse().expect("addr"), faults, seed: 11, ..Default::default() };
    sim::spawn(config).await.expect("simulator starts")
}

fn worker(app: &TestApp, sim: &SimHandle) -> Worker<HttpNational> {
    let client = HttpNational::new(Endpoints {
        tax_url: sim.base_url(),
        ncrs_url: sim.base_url(),
        client_id: sim::DEFAULT_CLIENT_ID.into(),
        client_secret: sim::DEFAULT_CLIENT_SECRET.into(),
        timeout: Duration::from_secs(2),
    })
    .expect("client");
    let settings = WorkerSettings {
        max_attempts: 50,
        backoff_base: Duration::from_millis(5),
        backoff_cap: Duration::from_millis(50),
        lease: Duration::from_secs(30),
        ..Default::default()
    };
    Worker::new(app.state.clone(), Arc::new(client), settings)
}

fn with_id_number(mut c: Value) -> Value {
    c["legalRepresentative"]["idNumber"] = json!("040190000456");
    c
}

async fn version_of(app: &TestApp, id: &Value) -> i64 {
    let q =
        format!("{{ node(id: {id}) {{ ... on Cooperative {{ version }} ... on CooperativeUnion {{ version }} }} }}");
    app.data(&q, json!({})).await["node"]["version"].as_i64().expect("version")
}

async fn a_withdrawal_before_anything_was_sent_cancels_the_deliveries(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = officer("40");
    let c = registered(&app, &t, with_id_number(writes::coop("HTX rút hồ sơ", "16681"))).await;
    assert_eq!(sync_outbox::Entity::find().all(app.conn()).await.expect("rows").len(), 1);
    let p =
        payload(&app, &t, WITHDRAW, json!({"id": c["id"], "expectedVersion": 1, "reason": "Sáng lập viên rút"})).await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
    assert_eq!(p["sync"], json!({"taxRegistration": "NOT_REQUIRED", "nationalRegistry": "NOT_REQUIRED"}));
    assert!(sync_outbox::Entity::find().all(app.conn()).await.expect("rows").is_empty(), "nothing left to send");
    assert_eq!(statuses(&history(&app, "Cooperative", &c["id"]).await), ["PENDING", "WITHDRAWN"]);
    let again = payload(&app, &t, WITHDRAW, json!({"id": c["id"], "expectedVersion": 2, "reason": "x"})).await;
    assert_eq!(again["userErrors"][0]["code"], "INVALID_TRANSITION");
    let active = registered(&app, &t, writes::imported("HTX đã đăng ký", "16681", &writes::tax_code(3))).await;
    let p = payload(&app, &t, WITHDRAW, json!({"id": active["id"], "expectedVersion": 1, "reason": "x"})).await;
    assert_eq!(p["userErrors"][0]["code"], "INVALID_TRANSITION", "only an application can be withdrawn");
}

async fn a_withdrawal_after_the_national_systems_have_the_application_is_sent(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // The tax system takes the application but issues its code later.
    let config = SimConfig {
        listen: "127.0.0.1:0".parse().expect("addr"),
        async_tax_share: 1.0,
        tax_pending: Duration::from_secs(4),
        seed: 11,
        ..Default::default()
    };
    let sim = sim::spawn(config).await.expect("simulator starts");
    let t = officer("40");
    let c = registered(&app, &t, with_id_number(writes::coop("HTX rút muộn", "16681"))).await;
    let w = worker(&app, &sim);
    // One attempt: the tax system holds the application, no code yet.
    let row = w.claim().await.expect("claim").expect("a row");
    w.deliver(row).await.expect("attempt");
    assert_eq!(sim.records().tax.taxpayers.len(), 1, "the tax system holds it");
    let q = format!("{{ node(id: {}) {{ ... on Cooperative {{ status }} }} }}", c["id"]);
    assert_eq!(app.data(&q, json!({})).await["node"]["status"], "PENDING");
    let v = version_of(&app, &c["id"]).await;
    let p =
        payload(&app, &t, WITHDRAW, json!({"id": c["id"], "expectedVersion": v, "reason": "Sáng lập viên rút"})).await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
    assert!(w.drain(Duration::from_secs(30)).await.expect("drain"));
    let records = serde_json::to_value(sim.records()).expect("json");
    let ncrs = records["ncrs"]["records"].as_array().expect("records");
    assert_eq!(ncrs.len(), 1);
    assert_eq!(ncrs[0]["status"], "WITHDRAWN", "{records}");
    assert_eq!(records["tax"]["taxpayers"][0]["status"], "CLOSED", "{records}");
    let q = format!("{{ node(id: {}) {{ ... on Cooperative {{ status sync {{ nationalRegistry }} }} }} }}", c["id"]);
    let d = app.data(&q, json!({})).await;
    assert_eq!(
        (d["node"]["status"].as_str(), d["node"]["sync"]["nationalRegistry"].as_str()),
        (Some("WITHDRAWN"), Some("SYNCED"))
    );
    sim.shutdown().await;
}

async fn status_changes_reach_both_national_systems(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sim = simulator(Faults::default()).await;
    let t = officer("40");
    let c = registered(&app, &t, with_id_number(writes::coop("HTX đồng bộ", "16681"))).await;
    let w = worker(&app, &sim);
    assert!(w.drain(Duration::from_secs(30)).await.expect("drain"));
    let h = history(&app, "Cooperative", &c["id"]).await;
    assert_eq!(statuses(&h), ["PENDING", "ACTIVE"]);
    assert_eq!((h[0]["origin"].as_str(), h[1]["origin"].as_str()), (Some("PROVINCE"), Some("NATIONAL")));
    for to in ["SUSPENDED", "ACTIVE", "REVOKED", "IN_DISSOLUTION", "DISSOLVED"] {
        let v = version_of(&app, &c["id"]).await;
        let mut i = change(&c["id"], v, to);
        i["effectiveOn"] = json!(coopgate::service::write::today().to_string());
        if to == "SUSPENDED" {
            i["until"] = json!((coopgate::service::write::today() + chrono::Duration::days(90)).to_string());
        }
        assert_eq!(payload(&app, &t, writes::STATUS, i).await["userErrors"], json!([]), "→ {to}");
        assert!(w.drain(Duration::from_secs(30)).await.expect("drain"));
        let records = serde_json::to_value(sim.records()).expect("json");
        assert_eq!(records["ncrs"]["records"][0]["status"], to, "NCRS follows");
    }
    let records = serde_json::to_value(sim.records()).expect("json");
    assert_eq!(records["tax"]["taxpayers"][0]["status"], "CLOSED");
    let rows = status_change::Entity::find().all(app.conn()).await.expect("history");
    assert_eq!(rows.len(), 7);
    sim.shutdown().await;
}

/// A suspension's end (`until`) and a dissolution's kind reach NCRS with the
/// status, for a cooperative and a union alike; the tax system gets neither.
async fn a_suspension_term_and_a_dissolution_kind_reach_ncrs(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sim = simulator(Faults::default()).await;
    let t = officer("40");
    let w = worker(&app, &sim);
    let mut ids = Vec::new();
    for i in 0..3 {
        let c = registered(&app, &t, with_id_number(writes::coop(&format!("HTX Tạm ngừng {i}"), "16681"))).await;
        ids.push(c["id"].clone());
    }
    assert!(w.drain(Duration::from_secs(30)).await.expect("drain"));
    let input = json!({"name": "Liên hiệp HTX Tạm ngừng", "sector": "AGRICULTURE", "address": {"wardCode": "16681"},
        "charterCapital": "900000000", "legalRepresentative": {"fullName": "Phạm Văn D", "idNumber": "040090000777"},
        "memberCooperativeIds": ids});
    let u = payload(&app, &t, writes::UNION, input).await;
    assert_eq!(u["userErrors"], json!([]), "{u}");
    let uid = u["cooperativeUnion"]["id"].clone();
    assert!(w.drain(Duration::from_secs(30)).await.expect("drain"));
    let today = coopgate::service::write::today();
    let until = (today + chrono::Duration::days(90)).to_string();
    let term = |id: &Value, v: i64, to: &str| {
        let mut i = change(id, v, to);
        i["effectiveOn"] = json!(today.to_string());
        if to == "SUSPENDED" {
            i["until"] = json!(until);
        }
        i
    };
    let v = version_of(&app, &ids[0]).await;
    assert_eq!(payload(&app, &t, writes::STATUS, term(&ids[0], v, "SUSPENDED")).await["userErrors"], json!([]));
    let v = version_of(&app, &uid).await;
    assert_eq!(payload(&app, &t, UNION_STATUS, term(&uid, v, "SUSPENDED")).await["userErrors"], json!([]));
    let mut dissolve = term(&ids[1], version_of(&app, &ids[1]).await, "IN_DISSOLUTION");
    dissolve["dissolutionKind"] = json!("VOLUNTARY");
    assert_eq!(payload(&app, &t, writes::STATUS, dissolve).await["userErrors"], json!([]));
    assert!(w.drain(Duration::from_secs(30)).await.expect("drain"));

    let records = serde_json::to_value(sim.records()).expect("json");
    let by_name = |name: &str| {
        records["ncrs"]["records"].as_array().expect("records").iter().find(|r| r["name"] == name).cloned()
    };
    let coop = by_name("HTX Tạm ngừng 0").expect("the cooperative's record");
    assert_eq!((coop["status"].as_str(), coop["statusUntil"].as_str()), (Some("SUSPENDED"), Some(until.as_str())));
    let union = by_name("Liên hiệp HTX Tạm ngừng").expect("the union's record");
    assert_eq!((union["status"].as_str(), union["statusUntil"].as_str()), (Some("SUSPENDED"), Some(until.as_str())));
    let dissolving = by_name("HTX Tạm ngừng 1").expect("the dissolving record");
    assert_eq!(
        (dissolving["status"].as_str(), dissolving["dissolutionKind"].as_str()),
        (Some("IN_DISSOLUTION"), Some("VOLUNTARY"))
    );
    assert!(dissolving["statusUntil"].is_null());
    let tax = records["tax"]["taxpayers"].as_array().expect("taxpayers");
    assert_eq!(tax.iter().filter(|p| p["status"] == "SUSPENDED").count(), 3, "the tax system has no term");
    sim.shutdown().await;
}

async fn membership_across_provinces_needs_both_provinces(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let u = insert_union(&app, "Liên hiệp Nghệ An", "16681", None).await;
    for i in 0..3 {
        let mut c = Coop::new(&format!("HTX {i}"), "16681");
        c.union_id = Some(u.id);
        c.insert(&app).await;
    }
    let foreign = Coop::new("HTX tỉnh khác", "22738").insert(&app).await;
    let input =
        json!({"unionId": global("CooperativeUnion", u.id), "cooperativeId": global("Cooperative", foreign.id)});
    let denied = app.graphql_as(&officer("40"), writes::ADD, json!({"i": input})).await;
    assert_eq!(denied["errors"][0]["extensions"]["code"], "FORBIDDEN", "{denied}");
    let row = cooperative::Entity::find_by_id(foreign.id).one(app.conn()).await.expect("row").expect("one");
    assert_eq!((row.union_id, row.version), (None, 1), "nothing changed");
    let denial = audit_event::Entity::find()
        .filter(audit_event::Column::Outcome.eq("DENIED"))
        .filter(audit_event::Column::EntityKind.eq("COOPERATIVE"))
        .all(app.conn())
        .await
        .expect("audit");
    assert_eq!(denial.len(), 1, "the refusal is audited under the cooperative");
    let ok = payload(&app, &admin(), writes::ADD, input.clone()).await;
    assert_eq!(ok["userErrors"], json!([]), "a national admin may");
    let audited: Vec<String> = audit_event::Entity::find()
        .filter(audit_event::Column::Operation.eq("addUnionMember"))
        .filter(audit_event::Column::Outcome.eq("SUCCESS"))
        .order_by_asc(audit_event::Column::Id)
        .all(app.conn())
        .await
        .expect("audit")
        .into_iter()
        .filter_map(|a| a.entity_kind)
        .collect();
    assert_eq!(audited, ["COOPERATIVE_UNION", "COOPERATIVE"], "audited under both records");
    let back = app.graphql_as(&officer("40"), writes::REMOVE, json!({"i": input})).await;
    assert_eq!(back["errors"][0]["extensions"]["code"], "FORBIDDEN", "nor may the officer remove it");
}

storage_tests!(
    every_cooperative_status_change_is_allowed_or_refused_as_the_table_says,
    every_union_status_change_is_allowed_or_refused_as_the_table_says,
    every_group_change_is_allowed_or_refused_as_the_table_says,
    a_status_change_carries_its_term_and_kind,
    a_suspension_term_and_a_dissolution_kind_reach_ncrs,
    a_member_that_ends_leaves_its_union_and_the_union_is_flagged,
    a_union_is_updated_and_gets_a_director,
    groups_are_updated_and_disbanded,
    a_withdrawal_before_anything_was_sent_cancels_the_deliveries,
    a_withdrawal_after_the_national_systems_have_the_application_is_sent,
    status_changes_reach_both_national_systems,
    membership_across_provinces_needs_both_provinces,
);
