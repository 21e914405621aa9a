//! Reorganisation (tổ chức lại, docs/lifecycle.md) end to end through the
//! sandbox: each kind's records, links both ways, members and union
//! memberships, the national systems' state once the sync worker delivered
//! (NCRS and the tax system), the change feed; all or nothing. Nationally
//! each reorganisation is one NCRS operation naming sources and successors,
//! sent exactly once (under faults, after a refusal and `retrySync`).

use crate::helpers::{admin, insert_union, officer, Backend, TestApp};
use crate::storage_tests;
use crate::writes::{self, payload, registered};
use coopgate::graphql::ids::{self, NodeKind};
use coopgate::sim::{self, Faults, SimConfig, SimHandle};
use coopgate::sync::client::{Answer, Call, CallError, Endpoints, HttpNational, NationalSystems};
use coopgate::sync::worker::{Worker, WorkerSettings};
use entity::{change_event, cooperative, member, reorganisation_link, sync_outbox};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const REORGANISE: &str = "mutation($i: ReorganiseInput!) { reorganiseCooperatives(input: $i) {
    sources { id status version } successors { id name status officialMembers associateMembers }
    userErrors { field message code } } }";
const ADD_MEMBER: &str =
    "mutation($i: MemberInput!) { addMember(input: $i) { member { id } userErrors { field message code } } }";
const RECORD: &str = "query($id: ID!) { node(id: $id) { ... on Cooperative { id name code status version
    officialMembers associateMembers belowLegalMinimumSince union { id }
    predecessors { id } successors { id } members { totalCount } all: members(current: false) { totalCount }
    statusHistory { status dissolutionKind reason } sync { taxRegistration nationalRegistry lastError } } } }";
const RETRY: &str =
    "mutation($id: ID!) { retrySync(id: $id) { sync { nationalRegistry } userErrors { code message } } }";

/// The simulator's client, behind a switch that makes NCRS refuse
/// reorganisations (422 naming a source) while it is on; it keeps the
/// idempotency key of every reorganisation call made.
struct Gate {
    inner: HttpNational,
    refuse: AtomicBool,
    keys: Mutex<Vec<String>>,
}

impl NationalSystems for Gate {
    async fn call(&self, call: Call) -> Result<Answer, CallError> {
        if call.path == "/ncrs/v1/reorganisations" {
            if let (Ok(mut keys), Some(k)) = (self.keys.lock(), &call.idempotency_key) {
                keys.push(k.clone());
            }
            if self.refuse.load(SeqCst) {
                return Err(CallError::Rejected("sources[0]: record is under inspection (scripted)".into()));
            }
        }
        self.inner.call(call).await
    }
}

/// The sandbox: an app, the national simulator and a worker delivering to it.
struct Sandbox {
    app: TestApp,
    sim: SimHandle,
    gate: Arc<Gate>,
    worker: Worker<Gate>,
    officer: String,
}

impl Sandbox {
    async fn start(backend: Backend) -> Sandbox {
        let app = TestApp::spawn(backend).await;
        let config = SimConfig { listen: "127.0.0.1:0".parse().expect("addr"), seed: 13, ..Default::default() };
        let sim = sim::spawn(config).await.expect("simulator starts");
        let inner = HttpNational::new(Endpoints {
            tax_url: sim.base_url(),
            ncrs_url: sim.base_url(),
            client_id: sim::DEFAULT_CLIENT_ID.into(),
            client_secret: sim::DEFAULT_CLIENT_SECRET.into(),
            timeout: Duration::from_secs(2),
        })
        .expect("client");
        let gate = Arc::new(Gate { inner, refuse: AtomicBool::new(false), keys: Mutex::new(Vec::new()) });
        let settings = WorkerSettings {
            max_attempts: 200,
            backoff_base: Duration::from_millis(5),
            backoff_cap: Duration::from_millis(50),
            lease: Duration::from_secs(30),
            ..Default::default()
        };
        let worker = Worker::new(app.state.clone(), gate.clone(), settings);
        Sandbox { app, sim, gate, worker, officer: officer("40") }
    }

    /// The reorganisations NCRS recorded.
    fn reorganisations(&self) -> Vec<Value> {
        let records = serde_json::to_value(self.sim.records()).expect("json");
        records["ncrs"]["reorganisations"].as_array().expect("list").clone()
    }

    /// The local codes of cooperatives.
    async fn codes(&self, ids: &[Value]) -> Vec<String> {
        let mut out = Vec::new();
        for id in ids {
            out.push(self.record(id).await["code"].as_str().expect("a code").to_owned());
        }
        out
    }

    /// NCRS holds exactly one reorganisation, of `kind`, naming these
    /// cooperatives by code, applied under one key (the one call made, or
    /// its retries), and the links both ways; the outbox queued it once,
    /// and no source got a STATUS delivery of its own.
    async fn assert_one_reorganisation(&self, kind: &str, sources: &[Value], successors: &[Value]) {
        let (from, to) = (self.codes(sources).await, self.codes(successors).await);
        let all = self.reorganisations();
        assert_eq!(all.len(), 1, "one national operation: {all:?}");
        let r = &all[0];
        assert_eq!(
            (r["kind"].as_str(), r["sources"].clone(), r["successors"].clone()),
            (Some(kind), json!(from), json!(to))
        );
        assert_eq!(r["idempotencyKeys"].as_array().map(Vec::len), Some(1), "{r}");
        let keys = self.gate.keys.lock().expect("keys").clone();
        assert!(keys.iter().all(|k| *k == keys[0]), "every call under one key: {keys:?}");
        for code in &from {
            let (ncrs, _) = self.national(code);
            let linked: Vec<&str> =
                ncrs["successors"].as_array().expect("links").iter().filter_map(|l| l["code"].as_str()).collect();
            assert_eq!(linked, to.iter().map(String::as_str).collect::<Vec<_>>(), "{ncrs}");
        }
        for code in &to {
            let (ncrs, _) = self.national(code);
            let linked: Vec<&str> =
                ncrs["predecessors"].as_array().expect("links").iter().filter_map(|l| l["code"].as_str()).collect();
            assert_eq!(linked, from.iter().map(String::as_str).collect::<Vec<_>>(), "{ncrs}");
        }
        let rows = sync_outbox::Entity::find().all(self.app.conn()).await.expect("outbox");
        let reorganisations: Vec<_> = rows.iter().filter(|r| r.operation == "REORGANISATION").collect();
        assert_eq!(reorganisations.len(), 1);
        assert_eq!(reorganisations[0].entity_id, db_id(&sources[0]), "queued on the first source");
        let source_ids: Vec<i64> = sources.iter().map(db_id).collect();
        let newest_register = rows.iter().filter(|r| r.operation == "REGISTER").map(|r| r.id).max().unwrap_or(0);
        assert!(reorganisations[0].id > newest_register, "queued after the successors' registrations");
        assert!(
            !rows.iter().any(|r| r.operation == "STATUS" && source_ids.contains(&r.entity_id)),
            "NCRS is told once, not per source"
        );
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
    s.assert_one_reorganisation("MERGER", std::slice::from_ref(source), std::slice::from_ref(into)).await;
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
    s.assert_one_reorganisation("CONSOLIDATION", &ids, std::slice::from_ref(&formed)).await;
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
    s.assert_one_reorganisation("SPLIT", std::slice::from_ref(source), &formed).await;
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
    s.assert_one_reorganisation("SEPARATION", std::slice::from_ref(source), &formed).await;
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

/// Under heavy faults (5xx, timeouts, lost answers, 429s) each kind reaches
/// NCRS as one reorganisation applied once, under one key, after its
/// successors were registered; every national write applied once.
async fn each_kind_reaches_ncrs_once_under_faults(backend: Backend) {
    let s = Sandbox::start(backend).await;
    let ids = s.active(&["HTX A", "HTX B", "HTX C", "HTX D", "HTX E", "HTX F"]).await;
    s.sim
        .set_faults(Faults {
            error_rate: 0.25,
            timeout_rate: 0.05,
            hang_ms: 300,
            lose_answer_rate: 0.15,
            rate_limit_rate: 0.05,
            retry_after_secs: 0,
            ..Default::default()
        })
        .expect("faults");
    let reason = "Nghị quyết đại hội thành viên";
    let asks = [
        json!({"kind": "MERGER", "sourceIds": [ids[0]], "intoId": ids[1], "effectiveOn": today(), "reason": reason}),
        json!({"kind": "CONSOLIDATION", "sourceIds": [ids[2], ids[3]], "successors": [writes::coop("HTX CD", "16681")],
            "effectiveOn": today(), "reason": reason}),
        json!({"kind": "SPLIT", "sourceIds": [ids[4]],
            "successors": [writes::coop("HTX E1", "16681"), writes::coop("HTX E2", "16681")], "effectiveOn": today(), "reason": reason}),
        json!({"kind": "SEPARATION", "sourceIds": [ids[5]], "successors": [writes::coop("HTX F1", "16681")],
            "effectiveOn": today(), "reason": reason}),
    ];
    let mut done = Vec::new();
    for ask in asks {
        let p = s.reorganise(ask).await;
        assert_eq!(p["userErrors"], json!([]), "{p}");
        done.push((id_list(&p["sources"]), id_list(&p["successors"])));
    }
    s.drain().await;
    let all = s.reorganisations();
    assert_eq!(all.len(), 4, "one national operation per reorganisation: {all:?}");
    // Independent operations may reach NCRS in any order under faults: each
    // is found by its sources.
    for (sources, successors) in &done {
        let sources = json!(s.codes(sources).await);
        let r = all.iter().find(|r| r["sources"] == sources).unwrap_or_else(|| panic!("{sources} in {all:?}"));
        assert_eq!(r["successors"], json!(s.codes(successors).await));
        assert_eq!(r["idempotencyKeys"].as_array().map(Vec::len), Some(1), "{r}");
    }
    let records = serde_json::to_value(s.sim.records()).expect("json");
    for list in [&records["ncrs"]["records"], &records["tax"]["taxpayers"]] {
        for r in list.as_array().expect("list") {
            for w in r["writes"].as_array().expect("writes") {
                assert_eq!(w["applied"], 1, "applied once: {w}");
            }
        }
    }
    let ended: Vec<&Value> = [&ids[0], &ids[2], &ids[3], &ids[4]].into_iter().collect();
    for id in ended {
        let (ncrs, tax) = s.national(s.record(id).await["code"].as_str().expect("code"));
        assert_eq!((ncrs["status"].as_str(), tax["status"].as_str()), (Some("DISSOLVED"), Some("CLOSED")));
    }
    let (kept, _) = s.national(s.record(&ids[5]).await["code"].as_str().expect("code"));
    assert_eq!(kept["status"], "ACTIVE", "a separation's source continues");
    s.stop().await;
}

/// NCRS refuses the reorganisation (422): the row is REJECTED, the first
/// source's sync status says why, the queue shows it; after the fix
/// `retrySync` sends the same request under the same key, once.
async fn a_refused_reorganisation_is_rejected_and_retry_sync_resends_it_under_the_same_key(backend: Backend) {
    let s = Sandbox::start(backend).await;
    let ids = s.active(&["HTX Bị từ chối", "HTX Nhận"]).await;
    s.gate.refuse.store(true, SeqCst);
    let p = s
        .reorganise(json!({"kind": "MERGER", "sourceIds": [ids[0]], "intoId": ids[1], "effectiveOn": today(),
            "reason": "Nghị quyết sáp nhập"}))
        .await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
    assert!(s.worker.drain(Duration::from_secs(60)).await.expect("drain"));
    let r = s.record(&ids[0]).await;
    assert_eq!(r["sync"]["nationalRegistry"], "REJECTED", "{r}");
    assert!(r["sync"]["lastError"].as_str().is_some_and(|e| e.contains("sources[0]")), "{r}");
    let queue = s.app.data_as(&admin(), "{ syncQueue { operation state rows } }", json!({})).await;
    let rejected: Vec<&Value> = queue["syncQueue"]
        .as_array()
        .expect("queue")
        .iter()
        .filter(|f| f["operation"] == "REORGANISATION" && f["state"] == "REJECTED")
        .collect();
    assert_eq!(rejected.len(), 1, "{queue}");
    assert!(s.reorganisations().is_empty(), "nothing applied nationally");
    let (ncrs, _) = s.national(r["code"].as_str().expect("code"));
    assert_eq!(ncrs["status"], "ACTIVE");

    s.gate.refuse.store(false, SeqCst);
    let retried = s.app.data_as(&s.officer, RETRY, json!({"id": ids[0]})).await;
    assert_eq!(retried["retrySync"]["userErrors"], json!([]), "{retried}");
    s.drain().await;
    let keys = s.gate.keys.lock().expect("keys").clone();
    assert_eq!(keys.len(), 2, "the refused call and the retried one: {keys:?}");
    assert_eq!(keys[0], keys[1], "the same key after retrySync");
    let all = s.reorganisations();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["idempotencyKeys"], json!([keys[0]]));
    assert_ended(&s, &ids[0], std::slice::from_ref(&ids[1]), "merged into HTX Nhận").await;
    s.stop().await;
}

storage_tests!(
    each_kind_reaches_ncrs_once_under_faults,
    a_refused_reorganisation_is_rejected_and_retry_sync_resends_it_under_the_same_key,
    a_merger_ends_the_source_and_the_absorbing_cooperative_takes_its_members,
    a_consolidation_ends_the_sources_and_forms_one_new_cooperative,
    a_split_ends_the_source_and_forms_several_new_cooperatives,
    a_separation_keeps_the_source_and_forms_a_new_cooperative,
    a_reorganisation_with_a_bad_part_writes_nothing,
);
