//! Mutations: the Law on Cooperatives' rules, status transitions, optimistic
//! concurrency, idempotency, annual reports, unions and groups.

use crate::helpers::{admin, officer, Backend, TestApp};
use crate::storage_tests;
use entity::{cooperative, person};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{json, Value};
use std::collections::BTreeSet;

pub const REGISTER: &str = "mutation($i: RegisterCooperativeInput!) { registerCooperative(input: $i) {
    cooperative { id code name status version registeredOn businessLines officialMembers
      director { fullName idNumber } legalRepresentative { fullName }
      address { street ward { code } province { code } } sync { taxRegistration nationalRegistry } }
    userErrors { field message code } } }";
pub const UPDATE: &str = "mutation($i: UpdateCooperativeInput!) { updateCooperative(input: $i) {
    cooperative { id name version status officialMembers address { province { code } } } userErrors { field message code } } }";
pub const STATUS: &str = "mutation($i: ChangeStatusInput!) { changeCooperativeStatus(input: $i) {
    cooperative { id status version } userErrors { field message code } } }";
pub const REPORT: &str = "mutation($i: AnnualReportInput!) { submitAnnualReport(input: $i) {
    annualReport { year rating revenue } userErrors { field message code } } }";
pub const UNION: &str = "mutation($i: RegisterCooperativeUnionInput!) { registerCooperativeUnion(input: $i) {
    cooperativeUnion { id name status version memberCooperatives { totalCount edges { node { name } } } }
    userErrors { field message code } } }";
pub const ADD: &str = "mutation($i: UnionMembershipInput!) { addUnionMember(input: $i) {
    cooperativeUnion { version memberCooperatives { totalCount } } userErrors { field message code } } }";
pub const REMOVE: &str = "mutation($i: UnionMembershipInput!) { removeUnionMember(input: $i) {
    cooperativeUnion { version memberCooperatives { totalCount } } userErrors { field message code } } }";
pub const GROUP: &str = "mutation($i: RegisterCooperativeGroupInput!) { registerCooperativeGroup(input: $i) {
    cooperativeGroup { id name status members } userErrors { field message code } } }";

/// A valid registration in `ward`.
pub fn coop(name: &str, ward: &str) -> Value {
    json!({
        "name": name, "sector": "AGRICULTURE", "businessLines": ["0111", "0162"],
        "address": {"street": "Thôn 1", "wardCode": ward}, "officialMembers": 7, "associateMembers": 2,
        "charterCapital": "500000000",
        "director": {"fullName": "Nguyễn Văn An", "gender": "MALE", "idNumber": "040090000123", "phone": "0912345678"},
        "legalRepresentative": {"fullName": "Trần Thị Bình", "gender": "FEMALE", "idNumber": "040190000456"}
    })
}

/// `coop` with an existing tax code: imported ACTIVE.
pub fn imported(name: &str, ward: &str, code: &str) -> Value {
    let mut c = coop(name, ward);
    c["code"] = json!(code);
    c["registeredOn"] = json!("2019-03-01");
    c
}

/// Valid tax codes (check digits computed), distinct per `n`.
pub fn tax_code(n: u32) -> String {
    (n * 10..)
        .find_map(|k| {
            let s = format!("{:09}", 100_000 + k);
            let mut nine = [0u8; 9];
            for (d, b) in nine.iter_mut().zip(s.bytes()) {
                *d = b - b'0';
            }
            coopgate::domain::TaxCode::from_first_nine(nine).map(|c| c.to_string())
        })
        .expect("a code")
}

/// Runs a mutation and returns its payload (the first field of `data`).
pub async fn payload(app: &TestApp, token: &str, q: &str, input: Value) -> Value {
    let d = app.data_as(token, q, json!({"i": input})).await;
    d.as_object().and_then(|o| o.values().next().cloned()).expect("payload")
}

/// Registers and returns the cooperative (asserting no user errors).
pub async fn registered(app: &TestApp, token: &str, input: Value) -> Value {
    let p = payload(app, token, REGISTER, input).await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
    p["cooperative"].clone()
}

pub fn fields(p: &Value) -> BTreeSet<String> {
    p["userErrors"]
        .as_array()
        .expect("userErrors")
        .iter()
        .map(|e| {
            format!(
                "{}:{}",
                e["field"]
                    .as_array()
                    .map(|f| f.iter().map(|x| x.as_str().unwrap_or("")).collect::<Vec<_>>().join("."))
                    .unwrap_or_default(),
                e["code"].as_str().unwrap_or("")
            )
        })
        .collect()
}

async fn coop_count(app: &TestApp) -> u64 {
    cooperative::Entity::find().count(app.conn()).await.expect("count")
}

async fn registration_creates_a_pending_record(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let c = registered(&app, &officer("40"), coop("  Hợp tác xã  Nông nghiệp Vinh ", "16681")).await;
    assert_eq!(c["name"], "Hợp tác xã  Nông nghiệp Vinh", "trimmed");
    assert_eq!(c["status"], "PENDING");
    assert!(c["code"].is_null() && c["registeredOn"].is_null());
    assert_eq!(c["version"], 1);
    assert_eq!(c["sync"], json!({"taxRegistration": "PENDING", "nationalRegistry": "PENDING"}));
    assert_eq!(c["address"], json!({"street": "Thôn 1", "ward": {"code": "16681"}, "province": {"code": "40"}}));
    assert_eq!(c["director"]["idNumber"], "040090000123", "the officer of the province sees personal data");
    let d = app
        .data(
            &format!("{{ node(id: {}) {{ ... on Cooperative {{ name director {{ idNumber }} }} }} }}", c["id"]),
            json!({}),
        )
        .await;
    assert!(d["node"]["director"]["idNumber"].is_null(), "anonymous callers do not");
}

async fn importing_with_an_existing_code_is_active(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = officer("40");
    let code = tax_code(1);
    let c = registered(&app, &t, imported("HTX Nhập", "16681", &code)).await;
    assert_eq!(
        (c["status"].as_str(), c["code"].as_str(), c["registeredOn"].as_str()),
        (Some("ACTIVE"), Some(code.as_str()), Some("2019-03-01"))
    );
    assert_eq!(c["sync"]["taxRegistration"], "NOT_REQUIRED");
    let p = payload(&app, &t, REGISTER, imported("HTX Trùng", "16681", &code)).await;
    assert_eq!(fields(&p), BTreeSet::from(["input.code:DUPLICATE".to_owned()]));
    assert!(p["cooperative"].is_null());
    let p = payload(&app, &t, REGISTER, imported("HTX Sai", "16681", "0100109107")).await;
    assert_eq!(fields(&p), BTreeSet::from(["input.code:INVALID".to_owned()]));
    let mut no_code = coop("HTX Ngày", "16681");
    no_code["registeredOn"] = json!("2019-03-01");
    assert_eq!(
        fields(&payload(&app, &t, REGISTER, no_code).await),
        BTreeSet::from(["input.registeredOn:INVALID".to_owned()])
    );
}

async fn every_bad_field_is_reported_at_once_and_nothing_is_written(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = officer("40");
    let input = json!({
        "name": "   ", "sector": "AGRICULTURE", "businessLines": ["0111", "01A1", "0111"],
        "address": {"wardCode": "16681", "street": "x".repeat(301)}, "officialMembers": 4, "associateMembers": -1,
        "charterCapital": "-5", "code": "12345", "registeredOn": "2999-01-01",
        "director": {"fullName": "", "idNumber": "123", "phone": "abc"},
        "legalRepresentative": {"fullName": "Lê Văn C"}
    });
    let p = payload(&app, &t, REGISTER, input).await;
    let want: BTreeSet<String> = [
        "input.name",
        "input.businessLines.1",
        "input.businessLines.2",
        "input.address.street",
        "input.officialMembers",
        "input.associateMembers",
        "input.charterCapital",
        "input.code",
        "input.registeredOn",
        "input.director.fullName",
        "input.director.idNumber",
        "input.director.phone",
    ]
    .iter()
    .map(|f| format!("{f}:INVALID"))
    .collect();
    assert_eq!(fields(&p), want);
    assert!(p["cooperative"].is_null());
    let mut legacy = coop("HTX Cũ", "00001");
    legacy["officialMembers"] = json!(5);
    let p = payload(&app, &t, REGISTER, legacy).await;
    assert_eq!(fields(&p), BTreeSet::from(["input.address.wardCode:NOT_FOUND".to_owned()]));
    assert!(p["userErrors"][0]["message"].as_str().expect("m").contains("abolished"));
    let mut letters = coop("HTX Chữ", "1668A");
    letters["officialMembers"] = json!(5);
    assert_eq!(
        fields(&payload(&app, &t, REGISTER, letters).await),
        BTreeSet::from(["input.address.wardCode:INVALID".to_owned()])
    );
    assert_eq!(coop_count(&app).await, 0);
    assert_eq!(person::Entity::find().count(app.conn()).await.expect("count"), 0);
}

async fn updates_bump_the_version_and_refuse_stale_ones(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = officer("40");
    let c = registered(&app, &t, coop("HTX Một", "16681")).await;
    let p = payload(
        &app,
        &t,
        UPDATE,
        json!({"id": c["id"], "expectedVersion": 1, "name": "HTX Một Mới", "officialMembers": 9}),
    )
    .await;
    assert_eq!(p["cooperative"]["version"], 2);
    assert_eq!(p["cooperative"]["officialMembers"], 9);
    let stale = payload(&app, &t, UPDATE, json!({"id": c["id"], "expectedVersion": 1, "name": "Cũ"})).await;
    assert_eq!(fields(&stale), BTreeSet::from(["input.expectedVersion:VERSION_CONFLICT".to_owned()]));
    let bad = payload(&app, &t, UPDATE, json!({"id": c["id"], "expectedVersion": 2, "officialMembers": -2})).await;
    assert_eq!(fields(&bad), BTreeSet::from(["input.officialMembers:INVALID".to_owned()]));
    let missing = payload(&app, &t, UPDATE, json!({"id": "bm9wZQ", "expectedVersion": 1})).await;
    assert_eq!(fields(&missing), BTreeSet::from(["input.id:NOT_FOUND".to_owned()]));

    // Two officers update at once from the same version: exactly one wins.
    let (a, b) = tokio::join!(
        payload(&app, &t, UPDATE, json!({"id": c["id"], "expectedVersion": 2, "name": "Bên A"})),
        payload(&app, &t, UPDATE, json!({"id": c["id"], "expectedVersion": 2, "name": "Bên B"})),
    );
    let wins: Vec<&Value> = [&a, &b].into_iter().filter(|p| p["userErrors"] == json!([])).collect();
    assert_eq!(wins.len(), 1, "{a} {b}");
    let loser = if a["userErrors"] == json!([]) { &b } else { &a };
    assert_eq!(loser["userErrors"][0]["code"], "VERSION_CONFLICT");
    let row = cooperative::Entity::find().one(app.conn()).await.expect("row").expect("one");
    assert_eq!(row.version, 3);
    assert_eq!(Some(row.name.as_str()), wins[0]["cooperative"]["name"].as_str());
}

async fn status_changes_follow_the_law(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = officer("40");
    let pending = registered(&app, &t, coop("HTX Chờ", "16681")).await;
    let active = registered(&app, &t, imported("HTX Hoạt động", "16681", &tax_code(2))).await;
    let change = |c: &Value, v: i64, s: &str| {
        let mut i = json!({"id": c["id"], "expectedVersion": v, "status": s, "effectiveOn": "2026-01-02", "reason": "Nghị quyết đại hội thành viên"});
        if s == "SUSPENDED" {
            i["until"] = json!("2026-06-30");
        }
        if s == "IN_DISSOLUTION" {
            i["dissolutionKind"] = json!("VOLUNTARY");
        }
        i
    };
    let p = payload(&app, &t, STATUS, change(&pending, 1, "ACTIVE")).await;
    assert_eq!(
        fields(&p),
        BTreeSet::from(["input.status:INVALID_TRANSITION".to_owned()]),
        "PENDING → ACTIVE only through national registration"
    );
    let mut v = 1;
    for (to, ok) in [
        ("SUSPENDED", true),
        ("SUSPENDED", false),
        ("ACTIVE", true),
        ("PENDING", false),
        ("DISSOLVED", false),
        ("IN_DISSOLUTION", true),
        ("DISSOLVED", true),
        ("ACTIVE", false),
        ("REVOKED", false),
    ] {
        let p = payload(&app, &t, STATUS, change(&active, v, to)).await;
        if ok {
            v += 1;
            assert_eq!(p["cooperative"]["status"], to);
            assert_eq!(p["cooperative"]["version"], v);
        } else {
            assert_eq!(p["userErrors"][0]["code"], "INVALID_TRANSITION", "→ {to}: {p}");
        }
    }
    let upd = payload(&app, &t, UPDATE, json!({"id": active["id"], "expectedVersion": v, "name": "X"})).await;
    assert_eq!(upd["userErrors"][0]["code"], "INVALID_TRANSITION", "a dissolved record is final");
    let other = registered(&app, &t, imported("HTX Khác", "16681", &tax_code(3))).await;
    let mut future = change(&other, 1, "SUSPENDED");
    future["effectiveOn"] = json!("2999-01-01");
    future["until"] = json!("2999-06-30");
    future["reason"] = json!("  ");
    assert_eq!(
        fields(&payload(&app, &t, STATUS, future).await),
        BTreeSet::from(["input.effectiveOn:INVALID".to_owned(), "input.reason:INVALID".to_owned()])
    );
}

async fn annual_reports_keep_the_latest_rating(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = officer("40");
    let c = registered(&app, &t, imported("HTX Báo cáo", "16681", &tax_code(4))).await;
    let report = |year: i32, rating: &str, revenue: &str| json!({"organizationId": c["id"], "year": year, "officialMembers": 8, "rating": rating, "revenue": revenue, "profit": "-1000000"});
    for (y, r) in [(2025, "FAIR"), (2024, "GOOD")] {
        let p = payload(&app, &t, REPORT, report(y, r, "100000000")).await;
        assert_eq!(p["annualReport"]["rating"], r, "{p}");
    }
    let mut correction = report(2024, "WEAK", "200000000");
    correction["expectedVersion"] = json!(1);
    let p = payload(&app, &t, REPORT, correction).await;
    assert_eq!(p["annualReport"]["revenue"], "200000000", "a second report for a year replaces the first");
    let q = format!("{{ node(id: {}) {{ ... on Cooperative {{ rating version r2024: rating(year: 2024) annualReports {{ year }} }} }} }}", c["id"]);
    let d = app.data(&q, json!({})).await;
    assert_eq!(d["node"]["rating"], "FAIR", "the latest year's rating");
    assert_eq!(d["node"]["r2024"], "WEAK");
    assert_eq!(d["node"]["annualReports"], json!([{"year": 2024}, {"year": 2025}]));
    assert_eq!(d["node"]["version"], 4);
    let bad = payload(
        &app,
        &t,
        REPORT,
        json!({"organizationId": c["id"], "year": 2999, "officialMembers": -1, "revenue": "-5", "employees": -2}),
    )
    .await;
    assert_eq!(
        fields(&bad),
        BTreeSet::from(
            ["input.year:INVALID", "input.officialMembers:INVALID", "input.revenue:INVALID", "input.employees:INVALID"]
                .map(String::from)
        )
    );
    let none = payload(&app, &t, REPORT, json!({"organizationId": "bm9wZQ", "year": 2024, "officialMembers": 5})).await;
    assert_eq!(fields(&none), BTreeSet::from(["input.organizationId:NOT_FOUND".to_owned()]));
}

async fn unions_need_three_active_members(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = officer("40");
    let a = admin();
    let mut ids = Vec::new();
    for (i, ward) in ["16681", "16690", "16702", "16681"].iter().enumerate() {
        ids.push(
            registered(&app, &t, imported(&format!("HTX Thành viên {i}"), ward, &tax_code(10 + i as u32))).await["id"]
                .clone(),
        );
    }
    // A cooperative of another province (registered by an admin there).
    let far = registered(&app, &a, imported("HTX Khánh Hòa", "22897", &tax_code(20))).await["id"].clone();
    let pending = registered(&app, &t, coop("HTX Chưa đăng ký", "16681")).await["id"].clone();
    let union = |members: Vec<Value>| {
        json!({"name": "Liên hiệp HTX Nông nghiệp Vinh", "sector": "AGRICULTURE",
        "address": {"wardCode": "16681"}, "legalRepresentative": {"fullName": "Phạm Văn D", "idNumber": "040090000777"},
        "charterCapital": "900000000", "memberCooperativeIds": members})
    };
    let p = payload(&app, &t, UNION, union(vec![ids[0].clone(), ids[1].clone()])).await;
    assert_eq!(fields(&p), BTreeSet::from(["input.memberCooperativeIds:INVALID".to_owned()]));
    let p =
        payload(&app, &t, UNION, union(vec![ids[0].clone(), pending.clone(), json!("bm9wZQ"), ids[0].clone()])).await;
    assert_eq!(
        fields(&p),
        BTreeSet::from(
            [
                "input.memberCooperativeIds.1:INVALID",
                "input.memberCooperativeIds.2:NOT_FOUND",
                "input.memberCooperativeIds.3:INVALID"
            ]
            .map(String::from)
        )
    );
    // A member of another province takes a national admin (docs/lifecycle.md).
    let p = payload(&app, &a, UNION, union(vec![ids[0].clone(), ids[1].clone(), far.clone()])).await;
    let u = &p["cooperativeUnion"];
    assert_eq!(u["status"], "PENDING");
    assert_eq!(u["memberCooperatives"]["totalCount"], 3);
    let p = payload(&app, &t, UNION, union(vec![ids[0].clone(), ids[2].clone(), ids[3].clone()])).await;
    assert_eq!(fields(&p), BTreeSet::from(["input.memberCooperativeIds.0:INVALID".to_owned()]), "already in a union");

    let m = |c: &Value| json!({"unionId": u["id"], "cooperativeId": c});
    let p = payload(&app, &t, ADD, m(&ids[2])).await;
    assert_eq!(p["cooperativeUnion"]["memberCooperatives"]["totalCount"], 4);
    assert_eq!(payload(&app, &t, ADD, m(&ids[2])).await["userErrors"][0]["code"], "DUPLICATE");
    assert_eq!(payload(&app, &t, ADD, m(&pending)).await["userErrors"][0]["code"], "INVALID");
    let p = payload(&app, &t, REMOVE, m(&ids[2])).await;
    assert_eq!(p["cooperativeUnion"]["memberCooperatives"]["totalCount"], 3);
    assert_eq!(payload(&app, &t, REMOVE, m(&ids[0])).await["userErrors"][0]["code"], "INVALID", "a union keeps three");
    assert_eq!(payload(&app, &t, REMOVE, m(&ids[3])).await["userErrors"][0]["code"], "NOT_FOUND");
    let d = app
        .data(&format!("{{ node(id: {}) {{ ... on Cooperative {{ union {{ name }} version }} }} }}", ids[1]), json!({}))
        .await;
    assert_eq!(d["node"]["union"]["name"], "Liên hiệp HTX Nông nghiệp Vinh");
}

async fn groups_need_two_members(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = officer("40");
    let g = |members: i32, on: &str| {
        json!({"name": "Tổ hợp tác nuôi ong", "sector": "AGRICULTURE", "address": {"wardCode": "16681"},
        "establishedOn": on, "members": members, "representative": {"fullName": "Hồ Thị E", "gender": "FEMALE"}})
    };
    let p = payload(&app, &t, GROUP, g(2, "2024-05-01")).await;
    assert_eq!(p["cooperativeGroup"]["status"], "ACTIVE");
    assert_eq!(
        fields(&payload(&app, &t, GROUP, g(1, "2999-01-01")).await),
        BTreeSet::from(["input.members:INVALID".to_owned(), "input.establishedOn:INVALID".to_owned()])
    );
}

async fn retries_with_the_same_client_mutation_id_create_nothing_new(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = officer("40");
    let mut input = coop("HTX Một lần", "16681");
    input["clientMutationId"] = json!("portal-req-7");
    let first = registered(&app, &t, input.clone()).await;
    let again = registered(&app, &t, input.clone()).await;
    assert_eq!(first["id"], again["id"]);
    assert_eq!(coop_count(&app).await, 1);
    let mut other = input.clone();
    other["officialMembers"] = json!(8);
    let p = payload(&app, &t, REGISTER, other).await;
    assert_eq!(fields(&p), BTreeSet::from(["input.clientMutationId:DUPLICATE".to_owned()]));
    // The key belongs to its subject: another officer's identical request is its own.
    let other_officer = coopgate::auth::jwt::mint_hs256(
        crate::helpers::TEST_SECRET,
        &coopgate::auth::jwt::claims_for(
            "someone-else",
            coopgate::auth::Role::ProvincialOfficer,
            Some("40"),
            crate::helpers::TEST_ISSUER,
            crate::helpers::TEST_AUDIENCE,
            std::time::Duration::from_secs(60),
        ),
    )
    .expect("mint");
    let theirs = registered(&app, &other_officer, input).await;
    assert_ne!(theirs["id"], first["id"]);
    assert_eq!(coop_count(&app).await, 2);
}

storage_tests!(
    registration_creates_a_pending_record,
    importing_with_an_existing_code_is_active,
    every_bad_field_is_reported_at_once_and_nothing_is_written,
    updates_bump_the_version_and_refuse_stale_ones,
    status_changes_follow_the_law,
    annual_reports_keep_the_latest_rating,
    unions_need_three_active_members,
    groups_need_two_members,
    retries_with_the_same_client_mutation_id_create_nothing_new,
);
