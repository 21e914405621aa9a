//! The member register (danh sách thành viên) and what follows from it:
//! counts, the below-minimum flag; the annual-report rules; an
//! organisation's own code is never a branch's; targets reading the plans.

use crate::helpers::{officer, Backend, TestApp};
use crate::storage_tests;
use crate::writes::{coop, fields, imported, payload, registered, tax_code, REGISTER, REPORT, STATUS, UPDATE};
use chrono::Datelike;
use entity::audit_event;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use std::collections::BTreeSet;

fn errors(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn message(p: &Value) -> String {
    p["userErrors"][0]["message"].as_str().unwrap_or_default().to_owned()
}

/// A dependent unit's code (13 characters, suffix 001–999) or the never
/// issued "-000" is refused as a cooperative's own code, saying why.
async fn branch_codes_are_refused_as_an_organisations_own_code(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = officer("40");
    let own = tax_code(400);
    for suffix in ["001", "999"] {
        let p = payload(&app, &t, REGISTER, imported("HTX Chi nhánh", "16681", &format!("{own}-{suffix}"))).await;
        assert_eq!(fields(&p), errors(&["input.code:INVALID"]), "{p}");
        let m = message(&p);
        assert!(m.contains("dependent unit") && m.contains(&own), "the message says why: {m}");
        assert!(p["cooperative"].is_null());
    }
    let p = payload(&app, &t, REGISTER, imported("HTX Số không", "16681", &format!("{own}-000"))).await;
    assert_eq!(fields(&p), errors(&["input.code:INVALID"]), "{p}");
    assert!(message(&p).contains("-000"), "{p}");
    let c = registered(&app, &t, imported("HTX Đúng mã", "16681", &own)).await;
    assert_eq!(c["code"], own.as_str());
    let err = app.graphql(&format!("{{ cooperative(code: \"{own}-001\") {{ name }} }}"), json!({})).await;
    let text = err["errors"][0]["message"].as_str().unwrap_or_default().to_owned();
    assert!(text.contains("dependent unit"), "a look-up by a branch code says why it finds nothing: {err}");

    // The other write paths that take an organisation's own code. A member
    // legal entity is identified by its own enterprise code, never a branch's.
    let mut entity = person(&c, 1, "ASSOCIATE_NON_CONTRIBUTING");
    entity["kind"] = json!("LEGAL_ENTITY");
    entity["gender"] = Value::Null;
    entity["idNumber"] = json!(format!("{own}-001"));
    let p = payload(&app, &t, ADD_MEMBER, entity).await;
    assert_eq!(fields(&p), errors(&["input.idNumber:INVALID"]), "{p}");
    assert!(message(&p).contains("dependent unit"), "the message says why: {p}");
    // A reorganisation's new cooperative takes no code at all (it is
    // registered nationally), a branch's included.
    let other = registered(&app, &t, imported("HTX Hợp nhất", "16681", &tax_code(401))).await;
    let mut successor = coop("HTX Mới hợp nhất", "16681");
    successor["code"] = json!(format!("{own}-002"));
    let p = payload(
        &app,
        &t,
        REORGANISE,
        json!({"kind": "CONSOLIDATION", "sourceIds": [c["id"], other["id"]], "successors": [successor],
            "effectiveOn": "2026-01-05", "reason": "Nghị quyết hợp nhất"}),
    )
    .await;
    assert_eq!(fields(&p), errors(&["input.successors.0.code:INVALID"]), "{p}");
    // Unions and groups take no code in any input (the schema has none);
    // updates do not change a code.
}

const REORGANISE: &str = "mutation($i: ReorganiseInput!) { reorganiseCooperatives(input: $i) {
    successors { id } userErrors { field message code } } }";

/// Reports are taken for the years an organisation existed: from its
/// registration year to the current year, never for a PENDING one; a
/// replacement names the version it replaces.
async fn annual_reports_follow_the_organisations_life(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = officer("40");
    let this_year = (chrono::Utc::now() + chrono::Duration::hours(7)).year();
    let mut young = imported("HTX Mới đăng ký", "16681", &tax_code(410));
    young["registeredOn"] = json!("2024-05-01");
    let young = registered(&app, &t, young).await;
    let report =
        |id: &Value, year: i32| json!({"organizationId": id, "year": year, "officialMembers": 8, "rating": "GOOD"});

    let p = payload(&app, &t, REPORT, report(&young["id"], 1995)).await;
    assert_eq!(fields(&p), errors(&["input.year:INVALID"]), "a 1995 report for a 2024 cooperative: {p}");
    assert!(message(&p).contains("2024"), "{p}");
    let p = payload(&app, &t, REPORT, report(&young["id"], this_year + 1)).await;
    assert_eq!(fields(&p), errors(&["input.year:INVALID"]), "a year that has not begun: {p}");
    assert!(message(&p).contains("has not begun"), "{p}");
    for year in [2024, this_year] {
        let p = payload(&app, &t, REPORT, report(&young["id"], year)).await;
        assert_eq!(p["userErrors"], json!([]), "{year}: {p}");
    }

    let pending = registered(&app, &t, coop("HTX Chờ đăng ký", "16681")).await;
    let p = payload(&app, &t, REPORT, report(&pending["id"], this_year)).await;
    assert_eq!(fields(&p), errors(&["input.year:INVALID"]), "a PENDING application reports nothing: {p}");
    assert!(message(&p).contains("not been registered"), "{p}");

    // A dissolved cooperative still reports the years it operated.
    let old = registered(&app, &t, imported("HTX Đã giải thể", "16681", &tax_code(411))).await;
    let s = payload(&app, &t, STATUS, json!({"id": old["id"], "expectedVersion": 1, "status": "IN_DISSOLUTION", "dissolutionKind": "VOLUNTARY", "effectiveOn": "2025-06-01", "reason": "Đại hội thành viên quyết định giải thể"})).await;
    assert_eq!(s["userErrors"], json!([]), "{s}");
    let s = payload(&app, &t, STATUS, json!({"id": old["id"], "expectedVersion": s["cooperative"]["version"], "status": "DISSOLVED", "dissolutionKind": "VOLUNTARY", "effectiveOn": "2025-06-30", "reason": "Hoàn tất thủ tục giải thể"})).await;
    assert_eq!(s["userErrors"], json!([]), "{s}");
    let p = payload(&app, &t, REPORT, report(&old["id"], 2024)).await;
    assert_eq!(p["userErrors"], json!([]), "{p}");

    // Replacing the year's report needs the version it replaces.
    const REPORTED: &str = "mutation($i: AnnualReportInput!) { submitAnnualReport(input: $i) {
        annualReport { year rating version } userErrors { field message code } } }";
    let mut again = report(&young["id"], 2024);
    again["rating"] = json!("WEAK");
    let p = payload(&app, &t, REPORTED, again.clone()).await;
    assert_eq!(fields(&p), errors(&["input.expectedVersion:VERSION_CONFLICT"]), "{p}");
    assert!(message(&p).contains("expectedVersion 1"), "{p}");
    again["expectedVersion"] = json!(1);
    let p = payload(&app, &t, REPORTED, again.clone()).await;
    assert_eq!(p["annualReport"], json!({"year": 2024, "rating": "WEAK", "version": 2}), "{p}");
    let p = payload(&app, &t, REPORTED, again.clone()).await;
    assert_eq!(fields(&p), errors(&["input.expectedVersion:VERSION_CONFLICT"]), "version 1 was replaced: {p}");
    let mut fresh = report(&young["id"], 2025);
    fresh["expectedVersion"] = json!(1);
    let p = payload(&app, &t, REPORTED, fresh).await;
    assert_eq!(fields(&p), errors(&["input.expectedVersion:INVALID"]), "nothing to replace: {p}");
    let d = app
        .data(
            &format!(
                "{{ node(id: {}) {{ ... on Cooperative {{ annualReports {{ year rating version }} }} }} }}",
                young["id"]
            ),
            json!({}),
        )
        .await;
    let years: Vec<i64> =
        d["node"]["annualReports"].as_array().expect("reports").iter().filter_map(|r| r["year"].as_i64()).collect();
    assert_eq!(years, [2024, i64::from(this_year)]);
    assert_eq!(d["node"]["annualReports"][0], json!({"year": 2024, "rating": "WEAK", "version": 2}));
}

const ADD_MEMBER: &str = "mutation($i: MemberInput!) { addMember(input: $i) {
    member { id kind type name idNumber capitalContribution joinedOn leftOn } userErrors { field message code } } }";
const END_MEMBERSHIP: &str = "mutation($i: EndMembershipInput!) { endMembership(input: $i) {
    member { id leftOn } userErrors { field message code } } }";
const COUNTS: &str = "query($id: ID!) { node(id: $id) { ... on Cooperative { officialMembers associateMembers
    belowLegalMinimumSince version all: members(current: false) { totalCount } members { totalCount edges { node { name type } } } } } }";

fn person(coop: &Value, n: u32, t: &str) -> Value {
    json!({"organizationId": coop["id"], "kind": "INDIVIDUAL", "type": t, "name": format!("Thành viên {n}"),
        "gender": "FEMALE", "idNumber": format!("0401900{n:05}"), "capitalContribution": if t == "ASSOCIATE_NON_CONTRIBUTING" { Value::Null } else { json!("10000000") },
        "joinedOn": "2025-01-15"})
}

async fn counts(app: &TestApp, token: &str, id: &Value) -> Value {
    app.data_as(token, COUNTS, json!({"id": id})).await["node"].clone()
}

/// Once a register holds members its current members are the counts; the
/// cooperative falls below the minimum of 5 official members, is flagged
/// since that day, found by the filter, and cleared when back at 5.
async fn the_member_register_drives_the_counts_and_the_below_minimum_flag(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = officer("40");
    let c = registered(&app, &t, imported("HTX Sổ thành viên", "16681", &tax_code(420))).await;
    let before = counts(&app, &t, &c["id"]).await;
    assert_eq!(
        (before["officialMembers"].as_i64(), before["associateMembers"].as_i64()),
        (Some(7), Some(2)),
        "declared figures until the register holds members"
    );
    assert!(before["belowLegalMinimumSince"].is_null());

    let mut ids = Vec::new();
    for n in 1..=5 {
        let p = payload(&app, &t, ADD_MEMBER, person(&c, n, "OFFICIAL")).await;
        assert_eq!(p["userErrors"], json!([]), "{p}");
        ids.push(p["member"]["id"].clone());
    }
    let p = payload(&app, &t, ADD_MEMBER, person(&c, 6, "ASSOCIATE_NON_CONTRIBUTING")).await;
    assert_eq!(p["member"]["type"], "ASSOCIATE_NON_CONTRIBUTING", "{p}");
    let enterprise = json!({"organizationId": c["id"], "kind": "LEGAL_ENTITY", "type": "ASSOCIATE_CONTRIBUTING",
        "name": "Công ty TNHH Nông sản Vinh", "idNumber": "0100109106", "capitalContribution": "200000000", "joinedOn": "2025-03-01"});
    let p = payload(&app, &t, ADD_MEMBER, enterprise).await;
    assert_eq!(p["member"]["idNumber"], "0100109106", "{p}");
    let now = counts(&app, &t, &c["id"]).await;
    assert_eq!((now["officialMembers"].as_i64(), now["associateMembers"].as_i64()), (Some(5), Some(2)), "{now}");
    assert_eq!(now["members"]["totalCount"], 7);
    assert!(now["belowLegalMinimumSince"].is_null());

    let p = payload(
        &app,
        &t,
        END_MEMBERSHIP,
        json!({"memberId": ids[0], "leftOn": "2026-02-01", "reason": "Xin ra khỏi hợp tác xã"}),
    )
    .await;
    assert_eq!(p["member"]["leftOn"], "2026-02-01", "{p}");
    let now = counts(&app, &t, &c["id"]).await;
    assert_eq!(now["officialMembers"], 4, "{now}");
    assert_eq!(now["belowLegalMinimumSince"], "2026-02-01", "flagged from the day it fell below");
    assert_eq!((now["members"]["totalCount"].as_i64(), now["all"]["totalCount"].as_i64()), (Some(6), Some(7)));
    let p = payload(&app, &t, END_MEMBERSHIP, json!({"memberId": ids[0], "leftOn": "2026-02-02", "reason": "Lần nữa"}))
        .await;
    assert_eq!(fields(&p), errors(&["input.memberId:INVALID_TRANSITION"]), "{p}");

    let below = "query($b: Boolean) { cooperatives(filter: {belowLegalMinimum: $b}) { totalCount } }";
    assert_eq!(app.data(below, json!({"b": true})).await["cooperatives"]["totalCount"], 1);
    assert_eq!(app.data(below, json!({"b": false})).await["cooperatives"]["totalCount"], 0);

    // The counts cannot be set by hand while the register is kept.
    let v = now["version"].clone();
    let p = payload(&app, &t, UPDATE, json!({"id": c["id"], "expectedVersion": v, "officialMembers": 9})).await;
    assert_eq!(fields(&p), errors(&["input.officialMembers:INVALID"]), "{p}");

    let p = payload(&app, &t, ADD_MEMBER, person(&c, 7, "OFFICIAL")).await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
    let now = counts(&app, &t, &c["id"]).await;
    assert_eq!(now["officialMembers"], 5);
    assert!(now["belowLegalMinimumSince"].is_null(), "back at 5: the flag clears: {now}");

    // Identities are checked by kind; nothing is written when refused.
    let mut bad = person(&c, 8, "OFFICIAL");
    bad["idNumber"] = json!("990190000008");
    let mut entity = person(&c, 9, "ASSOCIATE_NON_CONTRIBUTING");
    entity["kind"] = json!("LEGAL_ENTITY");
    entity["gender"] = Value::Null;
    entity["idNumber"] = json!("0100109106-001");
    let mut no_capital = person(&c, 10, "ASSOCIATE_CONTRIBUTING");
    no_capital["capitalContribution"] = Value::Null;
    for (input, field) in [
        (bad, "input.idNumber:INVALID"),
        (entity, "input.idNumber:INVALID"),
        (no_capital, "input.capitalContribution:INVALID"),
    ] {
        let p = payload(&app, &t, ADD_MEMBER, input).await;
        assert_eq!(fields(&p), errors(&[field]), "{p}");
    }
    assert_eq!(counts(&app, &t, &c["id"]).await["all"]["totalCount"], 8);

    // idNumber is restricted and its reads are audited.
    let q = format!(
        "{{ node(id: {}) {{ ... on Cooperative {{ members {{ edges {{ node {{ idNumber }} }} }} }} }} }}",
        c["id"]
    );
    let anonymous = app.data(&q, json!({})).await;
    assert!(anonymous["node"]["members"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .all(|e| e["node"]["idNumber"].is_null()));
    let other = app.data_as(&officer("56"), &q, json!({})).await;
    assert!(
        other["node"]["members"]["edges"][0]["node"]["idNumber"].is_null(),
        "another province's officer does not see it"
    );
    let seen = app.data_as(&t, &q, json!({})).await;
    assert_eq!(seen["node"]["members"]["edges"][0]["node"]["idNumber"], "040190000002");
    let reads = audit_event::Entity::find()
        .filter(audit_event::Column::Operation.eq("readPersonalData"))
        .filter(audit_event::Column::Detail.like("member %"))
        .all(app.conn())
        .await
        .expect("rows");
    assert!(!reads.is_empty() && reads.iter().all(|r| r.subject.contains("ProvincialOfficer-40")), "{reads:?}");
}

/// `updateCooperative` records fewer than 5 official members and flags it.
async fn fewer_than_five_official_members_is_recorded_and_flagged(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = officer("40");
    let c = registered(&app, &t, imported("HTX Ít thành viên", "16681", &tax_code(430))).await;
    let p = payload(&app, &t, UPDATE, json!({"id": c["id"], "expectedVersion": 1, "officialMembers": 3})).await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
    let now = counts(&app, &t, &c["id"]).await;
    assert_eq!(now["officialMembers"], 3);
    let since = now["belowLegalMinimumSince"].as_str().expect("flagged").to_owned();
    let p = payload(&app, &t, UPDATE, json!({"id": c["id"], "expectedVersion": 2, "officialMembers": 4})).await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
    assert_eq!(counts(&app, &t, &c["id"]).await["belowLegalMinimumSince"], since.as_str(), "the first date is kept");
    let p = payload(&app, &t, UPDATE, json!({"id": c["id"], "expectedVersion": 3, "officialMembers": 6})).await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
    assert!(counts(&app, &t, &c["id"]).await["belowLegalMinimumSince"].is_null());
    let p = payload(&app, &t, UPDATE, json!({"id": c["id"], "expectedVersion": 4, "officialMembers": -1})).await;
    assert_eq!(fields(&p), errors(&["input.officialMembers:INVALID"]));
    let g = json!({"organizationId": "bm9wZQ", "kind": "INDIVIDUAL", "type": "OFFICIAL", "name": "A", "joinedOn": "2025-01-01"});
    assert_eq!(fields(&payload(&app, &t, ADD_MEMBER, g).await), errors(&["input.organizationId:NOT_FOUND"]));
}

/// The end of an organisation comes from its status history: a dissolved or
/// bankrupt cooperative reports the years up to the one it ended in, not a
/// year after; a withdrawn application reports nothing; a disbanded group
/// stops at its `disbandedOn`.
async fn no_report_is_taken_for_a_year_after_the_organisation_ended(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = officer("40");
    let this_year = (chrono::Utc::now() + chrono::Duration::hours(7)).year();
    let last = this_year - 1;
    let report =
        |id: &Value, year: i32| json!({"organizationId": id, "year": year, "officialMembers": 8, "rating": "GOOD"});
    let status = |id: &Value, v: &Value, to: &str, on: String| {
        json!({"id": id, "expectedVersion": v, "status": to, "dissolutionKind": if to == "BANKRUPT" { Value::Null } else { json!("VOLUNTARY") },
            "effectiveOn": on, "reason": "Nghị quyết đại hội thành viên"})
    };
    let dissolved = registered(&app, &t, imported("HTX Giải thể năm ngoái", "16681", &tax_code(430))).await;
    let s =
        payload(&app, &t, STATUS, status(&dissolved["id"], &json!(1), "IN_DISSOLUTION", format!("{last}-03-01"))).await;
    assert_eq!(s["userErrors"], json!([]), "{s}");
    let s = payload(
        &app,
        &t,
        STATUS,
        status(&dissolved["id"], &s["cooperative"]["version"], "DISSOLVED", format!("{last}-09-30")),
    )
    .await;
    assert_eq!(s["userErrors"], json!([]), "{s}");
    for year in [2019, last] {
        let p = payload(&app, &t, REPORT, report(&dissolved["id"], year)).await;
        assert_eq!(p["userErrors"], json!([]), "{year}, a year it operated: {p}");
    }
    let p = payload(&app, &t, REPORT, report(&dissolved["id"], this_year)).await;
    assert_eq!(fields(&p), errors(&["input.year:INVALID"]), "the year after its dissolution: {p}");
    assert!(message(&p).contains(&format!("after the organisation ended ({last}-09-30)")), "{p}");

    let bankrupt = registered(&app, &t, imported("HTX Phá sản", "16681", &tax_code(431))).await;
    let s = payload(&app, &t, STATUS, status(&bankrupt["id"], &json!(1), "BANKRUPT", format!("{last}-12-31"))).await;
    assert_eq!(s["userErrors"], json!([]), "{s}");
    assert_eq!(payload(&app, &t, REPORT, report(&bankrupt["id"], last)).await["userErrors"], json!([]));
    let p = payload(&app, &t, REPORT, report(&bankrupt["id"], this_year)).await;
    assert_eq!(fields(&p), errors(&["input.year:INVALID"]), "after the court's decision: {p}");

    let withdrawn = registered(&app, &t, coop("HTX Rút hồ sơ", "16681")).await;
    let w = payload(
        &app,
        &t,
        "mutation($i: WithdrawApplicationInput!) { withdrawApplication(input: $i) { userErrors { code } } }",
        json!({"id": withdrawn["id"], "expectedVersion": 1, "reason": "Sáng lập viên rút"}),
    )
    .await;
    assert_eq!(w["userErrors"], json!([]), "{w}");
    let p = payload(&app, &t, REPORT, report(&withdrawn["id"], this_year)).await;
    assert!(message(&p).contains("not been registered"), "a withdrawn application was never registered: {p}");

    let g = crate::helpers::insert_group(&app, "Tổ hợp tác Giải tán", "16681", 5).await;
    let gid =
        json!(coopgate::graphql::ids::encode(coopgate::graphql::ids::NodeKind::CooperativeGroup, g.id).to_string());
    let d = payload(
        &app,
        &t,
        "mutation($i: DisbandGroupInput!) { disbandCooperativeGroup(input: $i) { userErrors { code message } } }",
        json!({"id": gid, "expectedVersion": 1, "effectiveOn": format!("{last}-05-01"), "reason": "Hết hợp đồng hợp tác"}),
    )
    .await;
    assert_eq!(d["userErrors"], json!([]), "{d}");
    assert_eq!(payload(&app, &t, REPORT, report(&gid, last)).await["userErrors"], json!([]));
    let p = payload(&app, &t, REPORT, report(&gid, this_year)).await;
    assert_eq!(fields(&p), errors(&["input.year:INVALID"]), "after the group disbanded: {p}");
}

storage_tests!(
    branch_codes_are_refused_as_an_organisations_own_code,
    annual_reports_follow_the_organisations_life,
    no_report_is_taken_for_a_year_after_the_organisation_ended,
    the_member_register_drives_the_counts_and_the_below_minimum_flag,
    fewer_than_five_official_members_is_recorded_and_flagged,
);
