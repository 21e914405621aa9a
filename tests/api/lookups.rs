//! Single look-ups: node/nodes, by code, administrative units, provinces, me,
//! and what hangs off a record (union, persons, reports).

use crate::helpers::{code, insert_person, insert_report, insert_union, Backend, Coop, TestApp};
use crate::storage_tests;
use serde_json::{json, Value};

const VALID_CODE: &str = "0100109106";

async fn nodes_round_trip_by_global_id(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    Coop::new("Hợp tác xã A", "16681").insert(&app).await;
    let u = insert_union(&app, "Liên hiệp hợp tác xã B", "16681", None).await;
    crate::helpers::insert_group(&app, "Tổ hợp tác C", "16681", 5).await;
    let d = app
        .data(
            "{ cooperatives { edges { node { id } } } cooperativeUnions { edges { node { id } } }
               cooperativeGroups { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let ids: Vec<Value> = ["cooperatives", "cooperativeUnions", "cooperativeGroups"]
        .iter()
        .map(|k| d[k]["edges"][0]["node"]["id"].clone())
        .collect();
    let q = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id
             ... on Cooperative { name } ... on CooperativeUnion { name } ... on CooperativeGroup { name } } }";
    let d = app.data(q, json!({"ids": [ids[2], ids[0], ids[1]]})).await;
    let names: Vec<&str> =
        d["nodes"].as_array().expect("list").iter().map(|n| n["name"].as_str().expect("n")).collect();
    assert_eq!(names, ["Tổ hợp tác C", "Hợp tác xã A", "Liên hiệp hợp tác xã B"], "same order as ids");

    let d = app.data("query($id: ID!) { node(id: $id) { id __typename } }", json!({"id": ids[1]})).await;
    assert_eq!(d["node"]["__typename"], "CooperativeUnion");
    assert_eq!(d["node"]["id"], ids[1]);

    // An id of the right shape that names nothing is null; a malformed id is bad input.
    let missing = coopgate::graphql::ids::encode(coopgate::graphql::ids::NodeKind::Cooperative, u.id + 1000);
    let d = app.data("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", json!({"ids": [missing.0, ids[0]]})).await;
    assert!(d["nodes"][0].is_null() && !d["nodes"][1].is_null());
    let e = app.error("{ node(id: \"not-an-id\") { id } }", json!({})).await;
    assert_eq!(code(&e), "BAD_USER_INPUT");
    assert_eq!(e["extensions"]["argument"], "id");
    let many: Vec<Value> = (0..101).map(|_| ids[0].clone()).collect();
    let e = app.error("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", json!({"ids": many})).await;
    assert_eq!(code(&e), "BAD_USER_INPUT");
}

async fn cooperative_by_code(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut c = Coop::new("Hợp tác xã Nông nghiệp Thành Vinh", "16681");
    c.code = Some(VALID_CODE.into());
    c.official_members = 12;
    c.associate_members = 3;
    c.insert(&app).await;
    let q = "query($c: String!) { cooperative(code: $c) { code name status sector officialMembers associateMembers
             businessLines charterCapital registeredOn version updatedAt
             sync { taxRegistration nationalRegistry attempts lastError }
             address { ward { code name level legacy } province { code name } } } }";
    let d = app.data(q, json!({"c": VALID_CODE})).await;
    let coop = &d["cooperative"];
    assert_eq!(coop["name"], "Hợp tác xã Nông nghiệp Thành Vinh");
    assert_eq!(coop["status"], "ACTIVE");
    assert_eq!(coop["officialMembers"], 12);
    assert_eq!(coop["businessLines"], json!(["0111"]));
    assert_eq!(coop["charterCapital"], "100000000");
    assert_eq!(coop["registeredOn"], "2020-01-15");
    assert_eq!(coop["updatedAt"], "2026-01-01T00:00:00Z");
    assert_eq!(
        coop["address"]["ward"],
        json!({"code": "16681", "name": "Phường Thành Vinh", "level": "WARD", "legacy": false})
    );
    assert_eq!(coop["address"]["province"], json!({"code": "40", "name": "Tỉnh Nghệ An"}));
    assert_eq!(coop["sync"]["taxRegistration"], "NOT_REQUIRED");

    // Another valid code that nobody holds.
    let d = app.data(q, json!({"c": crate::writes::tax_code(990)})).await;
    assert!(d["cooperative"].is_null());
    // A branch's code never names a cooperative.
    for bad in ["12AB", "0100109107", "", "0100109106-001"] {
        let e = app.error(q, json!({"c": bad})).await;
        assert_eq!(code(&e), "BAD_USER_INPUT", "{bad}");
        assert_eq!(e["extensions"]["argument"], "code");
    }
}

async fn unions_and_their_member_cooperatives(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let u = insert_union(&app, "Liên hiệp hợp tác xã Rau quả Vinh", "16681", Some(VALID_CODE)).await;
    for i in 0..5 {
        let mut c = Coop::new(&format!("Hợp tác xã Thành viên {i}"), "16690");
        c.union_id = Some(u.id);
        c.insert(&app).await;
    }
    Coop::new("Hợp tác xã Ngoài liên hiệp", "16690").insert(&app).await;
    let q = "query($c: String!, $after: String) { cooperativeUnion(code: $c) { name status
             memberCooperatives(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor }
             edges { node { name union { name } } } } } }";
    let mut after = Value::Null;
    let mut seen = Vec::new();
    loop {
        let d = app.data(q, json!({"c": VALID_CODE, "after": after})).await;
        let m = &d["cooperativeUnion"]["memberCooperatives"];
        assert_eq!(m["totalCount"], 5);
        for e in m["edges"].as_array().expect("edges") {
            assert_eq!(e["node"]["union"]["name"], "Liên hiệp hợp tác xã Rau quả Vinh");
            seen.push(e["node"]["name"].as_str().expect("name").to_owned());
        }
        if m["pageInfo"]["hasNextPage"] == json!(false) {
            break;
        }
        after = m["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, (0..5).map(|i| format!("Hợp tác xã Thành viên {i}")).collect::<Vec<_>>());
    let e = app.error(q, json!({"c": "xx"})).await;
    assert_eq!(code(&e), "BAD_USER_INPUT");
}

async fn persons_hide_restricted_fields_from_anonymous_callers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let p = insert_person(&app, "Nguyễn Thị Lan", "FEMALE").await;
    let mut c = Coop::new("Hợp tác xã Có giám đốc", "16681");
    c.director = Some(p.id);
    c.insert(&app).await;
    let d = app
        .data("{ cooperatives { edges { node { director { fullName gender idNumber phone } legalRepresentative { fullName } } } } }", json!({}))
        .await;
    let node = &d["cooperatives"]["edges"][0]["node"];
    assert_eq!(
        node["director"],
        json!({"fullName": "Nguyễn Thị Lan", "gender": "FEMALE", "idNumber": null, "phone": null})
    );
    assert_eq!(node["legalRepresentative"]["fullName"], "Nguyễn Thị Lan");
    let raw = app.graphql("{ cooperatives { edges { node { director { idNumber phone } } } } }", json!({})).await;
    assert!(!raw.to_string().contains("0912345678") && !raw.to_string().contains("040090000001"));
}

async fn ratings_and_annual_reports(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut c = Coop::new("Hợp tác xã Có báo cáo", "16681");
    c.latest_rating = Some("GOOD");
    let c = c.insert(&app).await;
    insert_report(&app, c.id, 2024, "WEAK").await;
    insert_report(&app, c.id, 2025, "GOOD").await;
    let d = app
        .data(
            "{ cooperatives { edges { node { latest: rating y2024: rating(year: 2024) y2019: rating(year: 2019)
               annualReports { year rating revenue averageMemberIncome submittedAt } } } } }",
            json!({}),
        )
        .await;
    let n = &d["cooperatives"]["edges"][0]["node"];
    assert_eq!(n["latest"], "GOOD");
    assert_eq!(n["y2024"], "WEAK");
    assert!(n["y2019"].is_null());
    assert_eq!(n["annualReports"][0]["year"], 2024);
    assert_eq!(n["annualReports"][1]["revenue"], "5000000000");
    assert_eq!(n["annualReports"][1]["averageMemberIncome"], "6000000");
    assert_eq!(n["annualReports"][1]["submittedAt"], "2026-03-01T00:00:00Z");
}

async fn administrative_units_and_provinces(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let q = "query($c: String!, $l: AdministrativeLevel!) { administrativeUnit(code: $c, level: $l) {
             code name level legacy unitType parent { code name } successors { code name level } } }";
    let d = app.data(q, json!({"c": "00001", "l": "WARD"})).await;
    let u = &d["administrativeUnit"];
    assert_eq!(u["name"], "Phường Phúc Xá");
    assert_eq!(u["legacy"], true);
    assert_eq!(u["parent"]["code"], "001");
    assert_eq!(u["successors"], json!([{"code": "00097", "name": "Phường Hồng Hà", "level": "WARD"}]));

    let d = app.data(q, json!({"c": "58", "l": "PROVINCE"})).await;
    assert_eq!(d["administrativeUnit"]["name"], "Tỉnh Ninh Thuận");
    assert_eq!(
        d["administrativeUnit"]["successors"],
        json!([{"code": "56", "name": "Tỉnh Khánh Hòa", "level": "PROVINCE"}])
    );

    let d = app.data(q, json!({"c": "366", "l": "DISTRICT"})).await;
    assert_eq!(d["administrativeUnit"]["name"], "Huyện Hải Hậu");
    assert_eq!(d["administrativeUnit"]["parent"]["name"], "Tỉnh Nam Định");
    assert_eq!(d["administrativeUnit"]["successors"][0]["code"], "37");

    // The unit in force wins over a former one with the same code.
    let d = app.data(q, json!({"c": "40", "l": "PROVINCE"})).await;
    assert_eq!(d["administrativeUnit"]["legacy"], false);
    assert_eq!(d["administrativeUnit"]["successors"], json!([]));

    let d = app.data(q, json!({"c": "99", "l": "PROVINCE"})).await;
    assert!(d["administrativeUnit"].is_null());
    for (c, l) in [("4a", "PROVINCE"), ("ABC", "PROVINCE"), ("0000A", "WARD"), ("40", "WARD")] {
        let e = app.error(q, json!({"c": c, "l": l})).await;
        assert_eq!(code(&e), "BAD_USER_INPUT", "{c} {l}");
        assert_eq!(e["extensions"]["argument"], "code");
    }

    let d = app
        .data("{ current: provinces { code legacy } all: provinces(includeLegacy: true) { code legacy } }", json!({}))
        .await;
    let current = d["current"].as_array().expect("list");
    assert_eq!(current.len(), 34);
    assert!(current.iter().all(|p| p["legacy"] == false));
    assert_eq!(current[0]["code"], "01");
    let all = d["all"].as_array().expect("list");
    assert_eq!(all.len(), 34 + 63);
    assert_eq!(all.iter().filter(|p| p["legacy"] == true).count(), 63);
}

async fn me_is_anonymous_without_a_token(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let d = app.data("{ me { subject role provinceCode } }", json!({})).await;
    assert_eq!(d["me"], json!({"subject": "anonymous", "role": "ANONYMOUS", "provinceCode": null}));
}

storage_tests!(
    nodes_round_trip_by_global_id,
    cooperative_by_code,
    unions_and_their_member_cooperatives,
    persons_hide_restricted_fields_from_anonymous_callers,
    ratings_and_annual_reports,
    administrative_units_and_provinces,
    me_is_anonymous_without_a_token,
);
