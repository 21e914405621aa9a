//! Authorization in one place: every mutation × every role × own and other
//! province; personal data only for admins and the record's own officers;
//! every refusal and every read of personal data in the audit trail.

use crate::helpers::{admin, code, officer, token, Backend, TestApp};
use crate::storage_tests;
use crate::writes::{self, imported, payload, registered, tax_code};
use coopgate::auth::Role;
use entity::{audit_event, cooperative};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};

/// A registry with one record of each kind in Nghệ An (40) and Khánh Hòa (56).
struct World {
    coop: [Value; 2],
    union: [Value; 2],
    /// Four ACTIVE cooperatives per province in no union.
    spare: [Vec<Value>; 2],
}

async fn world(app: &TestApp) -> World {
    let a = admin();
    let mut coop = Vec::new();
    let mut union = Vec::new();
    let mut spare = Vec::new();
    for (i, ward) in ["16681", "22897"].iter().enumerate() {
        let base = 100 + 10 * i as u32;
        let members: Vec<Value> =
            futures::future::join_all((0..3).map(|k| {
                registered(app, &a, imported(&format!("HTX {ward} thành viên {k}"), ward, &tax_code(base + k)))
            }))
            .await
            .into_iter()
            .map(|c| c["id"].clone())
            .collect();
        let u = payload(
            app,
            &a,
            writes::UNION,
            json!({"name": format!("Liên hiệp {ward}"), "sector": "AGRICULTURE",
            "address": {"wardCode": ward}, "legalRepresentative": {"fullName": "Đại Diện", "idNumber": "040090000999"},
            "memberCooperativeIds": members}),
        )
        .await;
        union.push(u["cooperativeUnion"]["id"].clone());
        coop.push(members[0].clone());
        let mut s = Vec::new();
        for k in 0..4 {
            s.push(
                registered(app, &a, imported(&format!("HTX {ward} dự bị {k}"), ward, &tax_code(base + 5 + k))).await
                    ["id"]
                    .clone(),
            );
        }
        spare.push(s);
    }
    let arr = |v: Vec<Value>| -> [Value; 2] { [v[0].clone(), v[1].clone()] };
    let [s0, s1]: [Vec<Value>; 2] = spare.try_into().expect("two provinces");
    World { coop: arr(coop), union: arr(union), spare: [s0, s1] }
}

/// Every mutation against the records of province index `p` (0 = 40, 1 = 56).
fn mutations(w: &World, p: usize) -> Vec<(&'static str, &'static str, Value)> {
    let ward = ["16681", "22897"][p];
    vec![
        ("registerCooperative", writes::REGISTER, writes::coop("HTX Mới", ward)),
        ("updateCooperative", writes::UPDATE, json!({"id": w.coop[p], "expectedVersion": 2, "name": "Đổi tên"})),
        (
            "changeCooperativeStatus",
            writes::STATUS,
            json!({"id": w.coop[p], "expectedVersion": 3, "status": "SUSPENDED", "effectiveOn": "2026-01-01", "reason": "Tạm ngừng"}),
        ),
        (
            "submitAnnualReport",
            writes::REPORT,
            json!({"organizationId": w.coop[p], "year": 2025, "officialMembers": 9}),
        ),
        (
            "registerCooperativeUnion",
            writes::UNION,
            json!({"name": "LH", "sector": "AGRICULTURE", "address": {"wardCode": ward},
            "legalRepresentative": {"fullName": "A"}, "memberCooperativeIds": [w.spare[p][0], w.spare[p][1], w.spare[p][2]]}),
        ),
        ("addUnionMember", writes::ADD, json!({"unionId": w.union[p], "cooperativeId": w.spare[p][3]})),
        ("removeUnionMember", writes::REMOVE, json!({"unionId": w.union[p], "cooperativeId": w.coop[p]})),
        (
            "registerCooperativeGroup",
            writes::GROUP,
            json!({"name": "THT", "sector": "AGRICULTURE", "address": {"wardCode": ward},
            "establishedOn": "2024-01-01", "members": 3, "representative": {"fullName": "B"}}),
        ),
    ]
}

async fn snapshot(app: &TestApp) -> Vec<(i64, i32, String)> {
    let mut rows: Vec<(i64, i32, String)> = cooperative::Entity::find()
        .all(app.conn())
        .await
        .expect("rows")
        .into_iter()
        .map(|c| (c.id, c.version, c.name))
        .collect();
    rows.sort();
    rows
}

async fn every_mutation_is_scoped_to_the_callers_province(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = world(&app).await;
    let before = snapshot(&app).await;
    let callers = [
        ("anonymous", None, "UNAUTHENTICATED"),
        ("portal reader", Some(token(Role::PortalReader, None)), "FORBIDDEN"),
        ("sync service", Some(token(Role::SyncService, None)), "FORBIDDEN"),
        ("officer of 40 on 56", Some(officer("40")), "FORBIDDEN"),
    ];
    for (who, t, want) in &callers {
        for (name, q, input) in mutations(&w, 1) {
            let v = match t {
                Some(t) => app.graphql_as(t, q, json!({"i": input})).await,
                None => app.graphql(q, json!({"i": input})).await,
            };
            assert!(v["data"].is_null(), "{who} {name}: {v}");
            assert_eq!(code(&v["errors"][0]), *want, "{who} {name}: {v}");
        }
    }
    assert_eq!(snapshot(&app).await, before, "refused writes change nothing");
    let denied = audit_event::Entity::find()
        .filter(audit_event::Column::Outcome.eq("DENIED"))
        .count(app.conn())
        .await
        .expect("count");
    assert_eq!(denied, (callers.len() * 8) as u64, "every refusal is in the audit trail");

    // The officers of each province may do all of it at home.
    for (p, t) in [(0, officer("40")), (1, officer("56"))] {
        for (name, q, input) in mutations(&w, p) {
            let v = app.graphql_as(&t, q, json!({"i": input})).await;
            assert!(v.get("errors").is_none(), "{name}: {v}");
            let payload = v["data"].as_object().and_then(|o| o.values().next()).expect("payload");
            assert_eq!(payload["userErrors"], json!([]), "{name} at home: {v}");
        }
    }
}

async fn moving_a_record_across_provinces_needs_a_national_admin(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let c = registered(&app, &officer("40"), writes::coop("HTX Di chuyển", "16681")).await;
    let mv = |v: i64, ward: &str| json!({"id": c["id"], "expectedVersion": v, "address": {"wardCode": ward}});
    let v = app.graphql_as(&officer("40"), writes::UPDATE, json!({"i": mv(1, "22897")})).await;
    assert_eq!(code(&v["errors"][0]), "FORBIDDEN");
    let v = app.graphql_as(&officer("56"), writes::UPDATE, json!({"i": mv(1, "22897")})).await;
    assert_eq!(code(&v["errors"][0]), "FORBIDDEN", "the destination's officer may not take it either");
    let p = payload(&app, &officer("40"), writes::UPDATE, mv(1, "16690")).await;
    assert_eq!(p["cooperative"]["version"], 2, "a move within the province is the officer's");
    let p = payload(&app, &admin(), writes::UPDATE, mv(2, "22897")).await;
    assert_eq!(p["cooperative"]["address"]["province"]["code"], "56");
}

const PERSONAL: &str = "{ cooperatives(first: 100) { edges { node { name address { province { code } }
    director { idNumber phone } legalRepresentative { idNumber }
    union { legalRepresentative { idNumber } memberCooperatives { edges { node { director { idNumber } } } } } } } } }";

fn revealed(d: &Value) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = d["cooperatives"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| {
            let n = &e["node"];
            let shown = !n["director"]["idNumber"].is_null();
            let nested = n["union"]["memberCooperatives"]["edges"]
                .as_array()
                .map(|m| m.iter().any(|x| !x["node"]["director"]["idNumber"].is_null()))
                .unwrap_or(false);
            assert!(nested == shown || n["union"].is_null(), "nested edges follow the same rule");
            (n["address"]["province"]["code"].as_str().expect("p").to_owned(), shown)
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

async fn personal_data_is_for_admins_and_the_records_own_officers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    world(&app).await;
    let anon = app.data(PERSONAL, json!({})).await;
    assert_eq!(revealed(&anon), [("40".into(), false), ("56".into(), false)]);
    assert!(!anon.to_string().contains("040090000123"), "no value ever reaches an unauthorised caller");
    let reader = app.data_as(&token(Role::PortalReader, None), PERSONAL, json!({})).await;
    assert_eq!(revealed(&reader), [("40".into(), false), ("56".into(), false)]);
    let o40 = app.data_as(&officer("40"), PERSONAL, json!({})).await;
    assert_eq!(revealed(&o40), [("40".into(), true), ("56".into(), false)]);
    let adm = app.data_as(&admin(), PERSONAL, json!({})).await;
    assert_eq!(revealed(&adm), [("40".into(), true), ("56".into(), true)]);

    // Who read my data: the officer's and the admin's reads are recorded.
    let reads = audit_event::Entity::find()
        .filter(audit_event::Column::Operation.eq("readPersonalData"))
        .all(app.conn())
        .await
        .expect("rows");
    assert!(reads.iter().any(|r| r.subject.contains("ProvincialOfficer-40")));
    assert!(reads.iter().any(|r| r.subject.contains("NationalAdmin")));
    assert!(reads.iter().all(|r| r.outcome == "READ" && r.entity_kind.as_deref() == Some("PERSON")));
}

async fn the_audit_trail_is_append_only_and_for_admins(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = officer("40");
    let c = registered(&app, &t, writes::coop("HTX Kiểm toán", "16681")).await;
    let _ = app
        .graphql_as(&officer("56"), writes::UPDATE, json!({"i": {"id": c["id"], "expectedVersion": 1, "name": "X"}}))
        .await;
    let q = "query($f: AuditEventFilter) { auditEvents(filter: $f, first: 50) { edges { node { subject operation outcome entityId requestId afterDigest } } } }";
    let v = app.graphql_as(&t, q, json!({})).await;
    assert_eq!(code(&v["errors"][0]), "FORBIDDEN");
    assert_eq!(code(&app.graphql(q, json!({})).await["errors"][0]), "UNAUTHENTICATED");
    let d = app.data_as(&admin(), q, json!({"f": {"entityId": c["id"]}})).await;
    let rows = d["auditEvents"]["edges"].as_array().expect("edges");
    let outcomes: Vec<(&str, &str)> = rows
        .iter()
        .map(|e| (e["node"]["operation"].as_str().expect("op"), e["node"]["outcome"].as_str().expect("o")))
        .collect();
    assert_eq!(outcomes, [("registerCooperative", "SUCCESS"), ("updateCooperative", "DENIED")]);
    assert_eq!(rows[0]["node"]["afterDigest"].as_str().map(str::len), Some(64));
    assert_ne!(rows[0]["node"]["requestId"], "-");
    for sql in ["UPDATE audit_event SET outcome = 'SUCCESS'", "DELETE FROM audit_event"] {
        assert!(app.conn().execute_unprepared(sql).await.is_err(), "{sql} must be refused");
    }
}

storage_tests!(
    every_mutation_is_scoped_to_the_callers_province,
    moving_a_record_across_provinces_needs_a_national_admin,
    personal_data_is_for_admins_and_the_records_own_officers,
    the_audit_trail_is_append_only_and_for_admins,
);
