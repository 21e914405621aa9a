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
            "charterCapital": "900000000", "memberCooperativeIds": members}),
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
            json!({"id": w.coop[p], "expectedVersion": 3, "status": "SUSPENDED", "effectiveOn": "2026-01-01", "until": "2026-12-31", "reason": "Tạm ngừng"}),
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
            "legalRepresentative": {"fullName": "A", "idNumber": "040090000998"}, "charterCapital": "900000000",
            "memberCooperativeIds": [w.spare[p][0], w.spare[p][1], w.spare[p][2]]}),
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

/// Every value of a restricted personal field (`idNumber`, `phone`) in a response.
fn personal_values(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "idNumber" || k == "phone" {
                    out.push(x.clone());
                } else {
                    personal_values(x, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| personal_values(x, out)),
        _ => {}
    }
}

/// Every read of the registry × every role × records of their own and of
/// another province: object-level lookups (`node`, `nodes`, by code), lists
/// and nested edges show personal data only to national admins and the
/// record's own officers; the audit trail only to national admins; the rest
/// is public to every caller.
async fn every_query_is_scoped_to_the_callers_role_and_province(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = world(&app).await;
    let a = admin();
    for ward in ["16681", "22897"] {
        let g = json!({"name": format!("THT {ward}"), "sector": "AGRICULTURE", "address": {"wardCode": ward},
            "establishedOn": "2024-01-01", "members": 3, "representative": {"fullName": "Đại Diện", "idNumber": "040090000777", "phone": "0912000000"}});
        let p = payload(&app, &a, writes::GROUP, g).await;
        assert_eq!(p["userErrors"], json!([]), "{p}");
    }
    let provinces = ["40", "56"];
    let codes = [tax_code(100), tax_code(110)];
    let personal = |p: usize| -> Vec<(&'static str, String, Value)> {
        let (coop, union, province, code) = (&w.coop[p], &w.union[p], provinces[p], &codes[p]);
        vec![
            ("node(cooperative)", "query($id: ID!) { node(id: $id) { ... on Cooperative { director { idNumber phone } } } }".into(), json!({"id": coop})),
            ("nodes", "query($id: ID!) { nodes(ids: [$id]) { ... on Cooperative { legalRepresentative { idNumber } } } }".into(), json!({"id": coop})),
            ("cooperative(code)", "query($c: String!) { cooperative(code: $c) { director { idNumber phone } } }".into(), json!({"c": code})),
            ("node(union)", "query($id: ID!) { node(id: $id) { ... on CooperativeUnion { legalRepresentative { idNumber }
                memberCooperatives { edges { node { director { idNumber } } } } } } }".into(), json!({"id": union})),
            ("cooperatives", "query($p: String) { cooperatives(filter: {provinceCode: $p}) { edges { node { director { idNumber phone } } } } }".into(), json!({"p": province})),
            ("cooperativeUnions", "query($p: String) { cooperativeUnions(filter: {provinceCode: $p}) { edges { node { legalRepresentative { idNumber } } } } }".into(), json!({"p": province})),
            ("cooperativeGroups", "query($p: String) { cooperativeGroups(filter: {provinceCode: $p}) { edges { node { representative { idNumber phone } } } } }".into(), json!({"p": province})),
        ]
    };
    let public = |p: usize| -> Vec<(&'static str, &'static str, Value)> {
        let province = provinces[p];
        vec![
            ("me", "{ me { role } }", json!({})),
            ("provinces", "{ provinces { code } }", json!({})),
            (
                "administrativeUnit",
                "query($c: String!) { administrativeUnit(code: $c, level: PROVINCE) { name } }",
                json!({"c": province}),
            ),
            (
                "statistics",
                "query($p: String) { statistics(provinceCode: $p) { cooperatives } }",
                json!({"p": province}),
            ),
            (
                "changes",
                "query($p: String) { changes(provinceCode: $p, first: 5) { edges { node { sequence } } } }",
                json!({"p": province}),
            ),
            (
                "targets",
                "query($p: String) { targets(filter: {jurisdictionCode: $p}) { edges { node { id } } } }",
                json!({"p": province}),
            ),
        ]
    };
    /// Who, their token, the province index of an officer, and the audit trail's answer.
    type Caller<'a> = (&'a str, Option<String>, Option<usize>, Option<&'a str>);
    let callers: Vec<Caller> = vec![
        ("anonymous", None, None, Some("UNAUTHENTICATED")),
        ("portal reader", Some(token(Role::PortalReader, None)), None, Some("FORBIDDEN")),
        ("sync service", Some(token(Role::SyncService, None)), None, Some("FORBIDDEN")),
        ("officer of 40", Some(officer("40")), Some(0), Some("FORBIDDEN")),
        ("officer of 56", Some(officer("56")), Some(1), Some("FORBIDDEN")),
        ("national admin", Some(admin()), None, None),
    ];
    for (who, t, home, audit) in &callers {
        let run = |q: String, vars: Value| {
            let t = t.clone();
            let app = &app;
            async move {
                match t {
                    Some(t) => app.graphql_as(&t, &q, vars).await,
                    None => app.graphql(&q, vars).await,
                }
            }
        };
        for (p, province) in provinces.iter().enumerate() {
            let allowed = *who == "national admin" || *home == Some(p);
            for (name, q, vars) in personal(p) {
                let v = run(q, vars).await;
                assert!(v.get("errors").is_none(), "{who} {name} in {province}: {v}");
                let mut values = Vec::new();
                personal_values(&v["data"], &mut values);
                assert!(!values.is_empty(), "{who} {name}: the fields were selected: {v}");
                if allowed {
                    assert!(values.iter().all(|x| x.is_string()), "{who} {name} in {province}: shown: {v}");
                } else {
                    assert!(values.iter().all(Value::is_null), "{who} {name} in {province}: hidden: {v}");
                }
            }
            for (name, q, vars) in public(p) {
                let v = run(q.to_owned(), vars).await;
                assert!(v.get("errors").is_none(), "{who} {name} in {province}: public: {v}");
            }
        }
        let v = run("{ auditEvents(first: 1) { edges { node { operation } } } }".to_owned(), json!({})).await;
        match audit {
            None => assert!(v.get("errors").is_none(), "{who} reads the audit trail: {v}"),
            Some(want) => {
                assert!(v["data"].is_null(), "{who}: {v}");
                assert_eq!(code(&v["errors"][0]), *want, "{who}: {v}");
            }
        }
    }
}

/// The target mutations × every role × own and other province: only national
/// admins and the jurisdiction's own officers set, import or report targets.
async fn every_target_mutation_is_scoped_to_the_callers_province(backend: Backend) {
    use crate::targets::{target, IMPORT, REPORT, SET};
    let app = TestApp::spawn(backend).await;
    let t = |code: &str, indicator: &str, unit: &str| {
        target(code, "PROVINCE", indicator, None, "AT_LEAST", json!({"value": 1}), unit)
    };
    let mut reported = Vec::new();
    for p in ["40", "56"] {
        let top = payload(&app, &admin(), SET, t(p, "TOP_100_COUNT", "COUNT")).await;
        assert_eq!(top["userErrors"], json!([]), "{top}");
        reported.push(top["target"]["id"].clone());
    }
    let attempts = |p: usize| -> Vec<(&'static str, &'static str, Value)> {
        let code = ["40", "56"][p];
        vec![
            ("setTarget", SET, json!({"i": t(code, "COOPERATIVE_COUNT", "COUNT")})),
            ("importTargets", IMPORT, json!({"t": [t(code, "GROUP_COUNT", "COUNT")]})),
            (
                "reportTargetProgress",
                REPORT,
                json!({"i": {"targetId": reported[p], "actual": 1, "asOf": "2026-01-01"}}),
            ),
        ]
    };
    let refused = [
        ("anonymous", None, "UNAUTHENTICATED"),
        ("portal reader", Some(token(Role::PortalReader, None)), "FORBIDDEN"),
        ("sync service", Some(token(Role::SyncService, None)), "FORBIDDEN"),
        ("officer of 40 on 56", Some(officer("40")), "FORBIDDEN"),
    ];
    for (who, tok, want) in &refused {
        for (name, q, vars) in attempts(1) {
            let v = match tok {
                Some(tok) => app.graphql_as(tok, q, vars).await,
                None => app.graphql(q, vars).await,
            };
            assert!(v["data"].is_null(), "{who} {name}: {v}");
            assert_eq!(code(&v["errors"][0]), *want, "{who} {name}: {v}");
        }
    }
    for (p, tok) in [(0, officer("40")), (1, officer("56"))] {
        for (name, q, vars) in attempts(p) {
            let v = app.graphql_as(&tok, q, vars).await;
            assert!(v.get("errors").is_none(), "{name} at home: {v}");
            let payload = v["data"].as_object().and_then(|o| o.values().next()).expect("payload");
            assert_eq!(payload["userErrors"], json!([]), "{name} at home: {v}");
        }
    }
}

storage_tests!(
    every_query_is_scoped_to_the_callers_role_and_province,
    every_target_mutation_is_scoped_to_the_callers_province,
    every_mutation_is_scoped_to_the_callers_province,
    moving_a_record_across_provinces_needs_a_national_admin,
    personal_data_is_for_admins_and_the_records_own_officers,
    the_audit_trail_is_append_only_and_for_admins,
);
