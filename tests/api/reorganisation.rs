//! Reorganisation (tổ chức lại, docs/lifecycle.md) end to end through the
//! sandbox: each kind's records, links both ways, members and union
//! memberships, the national systems' state once the sync worker delivered
//! (NCRS and the tax system), the change feed; all or nothing.

use crate::helpers::{insert_union, officer, Backend, TestApp};
use crate::storage_tests;
use crate::writes::{self, payload, registered};
use coopgate::graphql::ids::{self, NodeKind};
use coopgate::sim::{self, SimConfig, SimHandle};
use coopgate::sync::client::{Endpoints, HttpNational};
use coopgate::sync::worker::{Worker, WorkerSettings};
use entity::{change_event, cooperative, member, reorganisation_link, sync_outbox};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

const REORGANISE: &str = "mutation($i: ReorganiseInput!) { reorganiseCooperatives(input: $i) {
    sources { id status version } successors { id name status officialMembers associateMembers }
    userErrors { field message code } } }";
const ADD_MEMBER: &str =
    "mutation($i: MemberInput!) { addMember(input: $i) { member { id } userErrors { field message code } } }";
const RECORD: &str = "query($id: ID!) { node(id: $id) { ... on Cooperative { id name code status version
    officialMembers associateMembers belowLegalMinimumSince union { id }
    predecessors { id } successors { id } members { totalCount } all: members(current: false) { totalCount }
    statusHistory { status dissolutionKind reason } sync { taxRegistration nationalRegistry } } } }";

/// The sandbox: an app, the national simulator and a worker delivering to it.
struct Sandbox {
    app: TestApp,
    sim: SimHandle,
    worker: Worker<HttpNational>,
    officer: String,
}

impl Sandbox {
    async fn start(backend: Backend) -> Sandbox {
        let app = TestApp::spawn(backend).await;
        let config = SimConfig { listen: "127.0.0.1:0".parse().expect("addr"), seed: 13, ..Default::default() };
        let sim = sim::spawn(config).await.expect("simulator starts");
        let client = HttpNational::new(Endpoints {
            tax_url: sim.base_url(),
            ncrs_url: sim.base_url(),
            client_id: sim::DEFAULT_CLIENT_ID.into(),
            client_secret: sim::DEFAULT_CLIENT_SECRET.into(),
            timeout: Duration::from_secs(2),
        })
        .expect("client");
        let settings = WorkerSettings {
            max_attempts: 200,
            backoff_base: Duration::from_millis(5),
            backoff_cap: Duration::from_millis(50),
            lease: Duration::from_secs(30),
            ..Default::default()
        };
        let worker = Worker::new(app.state.clone(), Arc::new(client), settings);
        Sandbox { app, sim, worker, officer: officer("40") }
    }

    /// Registers cooperatives and lets the worker register them nationally.
    async fn active(&self, names: &[&str]) -> Vec<Value> {
        let mut out = Vec::new();
        for n in names {
            let c = registered(&self.app, &self.officer, writes::coop(n, "16681")).await;
            out.push(c["id"].clone());
        }
        self.drain().await;
        for id in &out {
            assert_eq!(self.record(id).await["status"], "ACTIVE", "registered nationally");
        }
        out
    }

    async fn drain(&self) {
        let drained = self.worker.drain(Duration::from_secs(60)).await.expect("drain");
        let open: Vec<_> = sync_outbox::Entity::find()
            .all(self.app.conn())
            .await
            .expect("outbox")
            .into_iter()
            .filter(|r| r.state != "DELIVERED" && r.state != "SUPERSEDED")
            .map(|r| format!("{} {} {} {:?}", r.entity_id, r.operation, r.state, r.last_error))
            .collect();
        assert!(drained && open.is_empty(), "every delivery delivered: {open:?}");
    }

    async fn record(&self, id: &Value) -> Value {
        self.app.data_as(&self.officer, RECORD, json!({"id": id})).await["node"].clone()
    }

    async fn reorganise(&self, input: Value) -> Value {
        payload(&self.app, &self.officer, REORGANISE, input).await
    }

    /// Adds `official` official and `associate` contributing associate members.
    async fn members(&self, id: &Value, first: u32, official: u32, associate: u32) {
        for n in first..first + official + associate {
            let t = if n < first + official { "OFFICIAL" } else { "ASSOCIATE_CONTRIBUTING" };
            let m = json!({"organizationId": id, "kind": "INDIVIDUAL", "type": t, "name": format!("Thành viên {n}"),
                "gender": "FEMALE", "idNumber": format!("0401900{n:05}"), "capitalContribution": "10000000",
                "joinedOn": "2025-01-15"});
            let p = payload(&self.app, &self.officer, ADD_MEMBER, m).await;
            assert_eq!(p["userErrors"], json!([]), "{p}");
        }
    }

    /// NCRS's record and the taxpayer of a code.
    fn national(&self, code: &str) -> (Value, Value) {
        let records = serde_json::to_value(self.sim.records()).expect("json");
        let find = |list: &Value, key: &str| {
            list.as_array()
                .expect("list")
                .iter()
                .find(|r| r[key] == code)
                .cloned()
                .unwrap_or_else(|| panic!("{code} nationally: {records}"))
        };
        (find(&records["ncrs"]["records"], "code"), find(&records["tax"]["taxpayers"], "taxCode"))
    }

    async fn stop(self) {
        self.sim.shutdown().await;
    }
}

fn today() -> String {
    coopgate::service::write::today().to_string()
}

fn db_id(id: &Value) -> i64 {
    let s = id.as_str().expect("id");
    ids::decode("id", s).map(|(_, n)| n).expect("a global id")
}

fn union_id(id: i64) -> Value {
    json!(ids::encode(NodeKind::CooperativeUnion, id).to_string())
}

fn id_list(v: &Value) -> Vec<Value> {
    v.as_array().expect("list").iter().map(|c| c["id"].clone()).collect()
}

async fn join_union(app: &TestApp, coop: &Value, union: i64) {
    app.conn()
        .execute_unprepared(&format!("UPDATE cooperative SET union_id = {union} WHERE id = {}", db_id(coop)))
        .await
        .expect("membership");
}

/// The change-feed kinds of a cooperative, in order.
async fn feed(app: &TestApp, id: &Value) -> Vec<String> {
    let mut rows = change_event::Entity::find()
        .filter(change_event::Column::EntityKind.eq("COOPERATIVE"))
        .filter(change_event::Column::EntityId.eq(db_id(id)))
        .all(app.conn())
        .await
        .expect("feed");
    rows.sort_by_key(|r| r.sequence);
    rows.into_iter().map(|r| r.kind).collect()
}

/// The source that ended: DISSOLVED (voluntarily, naming the reorganisation),
/// its successors linked, out of its union, DISSOLVED in NCRS and CLOSED
/// in the tax system.
async fn assert_ended(s: &Sandbox, id: &Value, successors: &[Value], says: &str) {
    let r = s.record(id).await;
    assert_eq!(r["status"], "DISSOLVED", "{r}");
    let last = r["statusHistory"].as_array().and_then(|h| h.last().cloned()).expect("history");
    assert_eq!(last["dissolutionKind"], "VOLUNTARY");
    assert!(last["reason"].as_str().unwrap_or("").contains(says), "{last}");
    assert_eq!(id_list(&r["successors"]), successors, "linked to its successors");
    assert!(r["union"].is_null(), "a source that ends leaves its union");
    assert_eq!(r["sync"]["nationalRegistry"], "SYNCED");
    let (ncrs, tax) = s.national(r["code"].as_str().expect("code"));
    assert_eq!((ncrs["status"].as_str(), tax["status"].as_str()), (Some("DISSOLVED"), Some("CLOSED")), "{ncrs} {tax}");
    assert!(ncrs["statusReason"].as_str().unwrap_or("").contains(says), "{ncrs}");
    let kinds = feed(&s.app, id).await;
    assert_eq!(kinds.last().map(String::as_str), Some("STATUS_CHANGED"), "{kinds:?}");
}

/// A new cooperative of a reorganisation: an application registered
/// nationally like any other, linked to its predecessors.
async fn assert_formed(s: &Sandbox, id: &Value, predecessors: &[Value]) -> Value {
    let r = s.record(id).await;
    assert_eq!(r["status"], "ACTIVE", "registered nationally: {r}");
    let statuses: Vec<&str> =
        r["statusHistory"].as_array().expect("h").iter().filter_map(|h| h["status"].as_str()).collect();
    assert_eq!(statuses, ["PENDING", "ACTIVE"]);
    assert_eq!(id_list(&r["predecessors"]), predecessors);
    let (ncrs, tax) = s.national(r["code"].as_str().expect("a code"));
    assert_eq!((ncrs["status"].as_str(), tax["status"].as_str()), (Some("ACTIVE"), Some("ACTIVE")));
    assert_eq!(ncrs["name"], r["name"]);
    assert_eq!(feed(&s.app, id).await.first().map(String::as_str), Some("CREATED"));
    r
}

/// MERGER (sáp nhập): the source ends, the absorbing cooperative continues
/// with the source's members (its register's entries move) and joins the
/// source's union; NCRS dissolves the source and holds the new member count.
async fn a_merger_ends_the_source_and_the_absorbing_cooperative_takes_its_members(backend: Backend) {
    let s = Sandbox::start(backend).await;
    let ids = s.active(&["HTX Hấp thụ", "HTX Bị sáp nhập"]).await;
    let (into, source) = (&ids[0], &ids[1]);
    s.members(into, 1, 5, 0).await;
    s.members(source, 10, 5, 1).await;
    let u = insert_union(&s.app, "Liên hiệp Sông Lam", "16681", None).await;
    join_union(&s.app, source, u.id).await;
    s.drain().await;
    let before = s.record(into).await;
    assert_eq!((before["officialMembers"].as_i64(), before["associateMembers"].as_i64()), (Some(5), Some(0)));

    let p = s
        .reorganise(json!({"kind": "MERGER", "sourceIds": [source], "intoId": into, "effectiveOn": today(),
            "reason": "Nghị quyết đại hội thành viên hai hợp tác xã"}))
        .await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
    assert_eq!(p["sources"][0]["status"], "DISSOLVED");
    assert_eq!(id_list(&p["successors"]), std::slice::from_ref(into));
    s.drain().await;

    assert_ended(&s, source, std::slice::from_ref(into), "merged into HTX Hấp thụ").await;
    let a = s.record(into).await;
    assert_eq!(a["status"], "ACTIVE");
    assert_eq!(id_list(&a["predecessors"]), std::slice::from_ref(source), "linked both ways");
    assert_eq!((a["officialMembers"].as_i64(), a["associateMembers"].as_i64()), (Some(10), Some(1)), "{a}");
    assert_eq!(a["members"]["totalCount"], 11, "the source's members are in its register");
    assert_eq!(a["union"]["id"], union_id(u.id), "it joins the source's union");
    let b = s.record(source).await;
    assert_eq!((b["members"]["totalCount"].as_i64(), b["all"]["totalCount"].as_i64()), (Some(0), Some(6)));
    let left: Vec<Option<String>> = member::Entity::find()
        .filter(member::Column::CooperativeId.eq(db_id(source)))
        .all(s.app.conn())
        .await
        .expect("register")
        .into_iter()
        .map(|m| m.left_reason)
        .collect();
    assert!(left.iter().all(|r| r.as_deref() == Some("merged into HTX Hấp thụ")), "{left:?}");
    let (ncrs, _) = s.national(a["code"].as_str().expect("code"));
    assert_eq!((ncrs["status"].as_str(), ncrs["members"].as_i64()), (Some("ACTIVE"), Some(11)), "{ncrs}");
    assert_eq!(feed(&s.app, into).await.last().map(String::as_str), Some("UPDATED"));
    s.stop().await;
}

/// CONSOLIDATION (hợp nhất): both sources end, one new cooperative is
/// formed and registered nationally; it joins the union both belonged to.
async fn a_consolidation_ends_the_sources_and_forms_one_new_cooperative(backend: Backend) {
    let s = Sandbox::start(backend).await;
    let ids = s.active(&["HTX Hợp nhất Một", "HTX Hợp nhất Hai"]).await;
    let u = insert_union(&s.app, "Liên hiệp Hồng Lĩnh", "16681", None).await;
    for id in &ids {
        join_union(&s.app, id, u.id).await;
    }
    let mut new = writes::coop("HTX Hợp nhất Mới", "16681");
    new["officialMembers"] = json!(14);
    new["associateMembers"] = json!(4);
    let p = s
        .reorganise(json!({"kind": "CONSOLIDATION", "sourceIds": ids, "successors": [new], "effectiveOn": today(),
            "reason": "Nghị quyết hợp nhất"}))
        .await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
    assert_eq!(p["successors"][0]["status"], "PENDING", "an application");
    let formed = p["successors"][0]["id"].clone();
    s.drain().await;
    for id in &ids {
        assert_ended(&s, id, std::slice::from_ref(&formed), "consolidated into HTX Hợp nhất Mới").await;
    }
    let n = assert_formed(&s, &formed, &ids).await;
    assert_eq!((n["officialMembers"].as_i64(), n["associateMembers"].as_i64()), (Some(14), Some(4)));
    assert_eq!(n["union"]["id"], union_id(u.id), "the membership carries over");
    let links = reorganisation_link::Entity::find().all(s.app.conn()).await.expect("links");
    assert_eq!(links.len(), 2);
    assert!(links.iter().all(|l| l.kind == "CONSOLIDATION"));
    s.stop().await;
}

/// SPLIT (chia): the source ends, its members leave its register on the
/// day, two new cooperatives are formed and join its union.
async fn a_split_ends_the_source_and_forms_several_new_cooperatives(backend: Backend) {
    let s = Sandbox::start(backend).await;
    let ids = s.active(&["HTX Bị chia"]).await;
    let source = &ids[0];
    s.members(source, 20, 5, 0).await;
    let u = insert_union(&s.app, "Liên hiệp Nam Đàn", "16681", None).await;
    join_union(&s.app, source, u.id).await;
    s.drain().await;
    let p = s
        .reorganise(json!({"kind": "SPLIT", "sourceIds": [source],
            "successors": [writes::coop("HTX Chia Đông", "16681"), writes::coop("HTX Chia Tây", "16681")],
            "effectiveOn": today(), "reason": "Nghị quyết chia hợp tác xã"}))
        .await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
    let formed = id_list(&p["successors"]);
    assert_eq!(formed.len(), 2);
    s.drain().await;
    assert_ended(&s, source, &formed, "split into HTX Chia Đông, HTX Chia Tây").await;
    let b = s.record(source).await;
    assert_eq!((b["members"]["totalCount"].as_i64(), b["all"]["totalCount"].as_i64()), (Some(0), Some(5)));
    for id in &formed {
        let n = assert_formed(&s, id, std::slice::from_ref(source)).await;
        assert_eq!(n["officialMembers"], 7, "the declared figures of the new one");
        assert_eq!(n["union"]["id"], union_id(u.id));
    }
    s.stop().await;
}

/// SEPARATION (tách): the source continues (ACTIVE, its union and register
/// kept), a new cooperative splits off, joins no union, and is registered.
async fn a_separation_keeps_the_source_and_forms_a_new_cooperative(backend: Backend) {
    let s = Sandbox::start(backend).await;
    let ids = s.active(&["HTX Được tách"]).await;
    let source = &ids[0];
    s.members(source, 30, 6, 0).await;
    let u = insert_union(&s.app, "Liên hiệp Thanh Chương", "16681", None).await;
    join_union(&s.app, source, u.id).await;
    s.drain().await;
    let v = s.record(source).await["version"].as_i64().expect("v");
    let p = s
        .reorganise(json!({"kind": "SEPARATION", "sourceIds": [source],
            "successors": [writes::coop("HTX Tách Ra", "16681")], "effectiveOn": today(), "reason": "Nghị quyết tách"}))
        .await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
    assert_eq!(p["sources"][0]["status"], "ACTIVE", "the source continues");
    let formed = id_list(&p["successors"]);
    s.drain().await;
    let b = s.record(source).await;
    assert_eq!((b["status"].as_str(), b["union"]["id"].clone()), (Some("ACTIVE"), union_id(u.id)));
    assert_eq!(b["version"].as_i64(), Some(v + 1));
    assert_eq!(b["members"]["totalCount"], 6, "its register is kept");
    assert_eq!(id_list(&b["successors"]), formed);
    let (ncrs, tax) = s.national(b["code"].as_str().expect("code"));
    assert_eq!((ncrs["status"].as_str(), tax["status"].as_str()), (Some("ACTIVE"), Some("ACTIVE")));
    assert_eq!(feed(&s.app, source).await.last().map(String::as_str), Some("UPDATED"));
    let n = assert_formed(&s, &formed[0], std::slice::from_ref(source)).await;
    assert!(n["union"].is_null(), "the new one joins no union");
    s.stop().await;
}

/// A reorganisation with one bad part writes nothing: no record, link,
/// member, status, delivery or change.
async fn a_reorganisation_with_a_bad_part_writes_nothing(backend: Backend) {
    let s = Sandbox::start(backend).await;
    let ids = s.active(&["HTX Nguyên vẹn Một", "HTX Nguyên vẹn Hai"]).await;
    s.members(&ids[0], 40, 5, 0).await;
    s.drain().await;
    let ended =
        registered(&s.app, &s.officer, writes::imported("HTX Đã phá sản", "16681", &writes::tax_code(77))).await;
    let b = payload(
        &s.app,
        &s.officer,
        writes::STATUS,
        json!({"id": ended["id"], "expectedVersion": 1, "status": "BANKRUPT", "effectiveOn": today(), "reason": "Quyết định của Tòa án"}),
    )
    .await;
    assert_eq!(b["userErrors"], json!([]), "{b}");
    let counted = |s: &Sandbox| {
        let c = s.app.conn().clone();
        async move {
            (
                cooperative::Entity::find().count(&c).await.expect("n"),
                reorganisation_link::Entity::find().count(&c).await.expect("n"),
                member::Entity::find().filter(member::Column::LeftOn.is_null()).count(&c).await.expect("n"),
                sync_outbox::Entity::find().count(&c).await.expect("n"),
                change_event::Entity::find().count(&c).await.expect("n"),
            )
        }
    };
    let before = counted(&s).await;
    let mut bad_ward = writes::coop("HTX Không có xã", "16681");
    bad_ward["address"]["wardCode"] = json!("99999");
    let refusals = [
        json!({"kind": "MERGER", "sourceIds": [ids[0], ended["id"]], "intoId": ids[1], "effectiveOn": today(), "reason": "x"}),
        json!({"kind": "CONSOLIDATION", "sourceIds": ids, "successors": [bad_ward], "effectiveOn": today(), "reason": "x"}),
        json!({"kind": "SPLIT", "sourceIds": [ids[0]], "successors": [writes::coop("HTX Một mình", "16681")], "effectiveOn": today(), "reason": "x"}),
        json!({"kind": "MERGER", "sourceIds": [ids[0]], "intoId": ids[0], "effectiveOn": today(), "reason": "x"}),
    ];
    let expected = [
        ("input.sourceIds.1", "INVALID_TRANSITION"),
        ("input.successors.0.address.wardCode", "NOT_FOUND"),
        ("input.successors", "INVALID"),
        ("input.intoId", "INVALID"),
    ];
    for (input, (field, code)) in refusals.into_iter().zip(expected) {
        let p = s.reorganise(input).await;
        let errors = writes::fields(&p);
        assert!(errors.iter().any(|e| e.starts_with(field) && e.ends_with(code)), "{field} {code}: {errors:?}");
        assert!(p["sources"].is_null() && p["successors"].is_null(), "{p}");
        assert_eq!(counted(&s).await, before, "nothing written: {p}");
    }
    for id in &ids {
        let r = s.record(id).await;
        assert_eq!(
            (r["status"].as_str(), r["members"]["totalCount"].as_i64()),
            (Some("ACTIVE"), Some(if *id == ids[0] { 5 } else { 0 }))
        );
        assert_eq!(r["successors"], json!([]));
    }
    s.stop().await;
}

storage_tests!(
    a_merger_ends_the_source_and_the_absorbing_cooperative_takes_its_members,
    a_consolidation_ends_the_sources_and_forms_one_new_cooperative,
    a_split_ends_the_source_and_forms_several_new_cooperatives,
    a_separation_keeps_the_source_and_forms_a_new_cooperative,
    a_reorganisation_with_a_bad_part_writes_nothing,
);
