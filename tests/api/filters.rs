//! Every OrganizationFilter field, on cooperatives, unions and groups.

use crate::helpers::{code, insert_group, insert_report, insert_union, names, Backend, Coop, TestApp};
use crate::storage_tests;
use chrono::{NaiveDate, TimeZone, Utc};
use entity::annual_report;
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{json, Value};

const LIST: &str =
    "query($f: OrganizationFilter) { cooperatives(filter: $f, first: 100) { totalCount edges { node { name } } } }";

async fn names_for(app: &TestApp, filter: Value) -> Vec<String> {
    let d = app.data(LIST, json!({"f": filter})).await;
    let mut n = names(&d["cooperatives"]);
    assert_eq!(d["cooperatives"]["totalCount"], n.len(), "totalCount agrees with the edges for {filter}");
    n.sort();
    n
}

async fn location_filters_use_2025_and_legacy_units(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    Coop::new("HTX Thuận Nam", "22897").insert(&app).await; // Khánh Hòa, formerly Ninh Thuận
    Coop::new("HTX Đô Vinh", "22738").insert(&app).await; // Khánh Hòa, formerly Ninh Thuận
    Coop::new("HTX Bắc Nha Trang", "22333").insert(&app).await; // Khánh Hòa, formerly Khánh Hòa
    Coop::new("HTX Hải Hậu", "14215").insert(&app).await; // Ninh Bình, formerly Hải Hậu district of Nam Định
    Coop::new("HTX Thành Vinh", "16681").insert(&app).await; // Nghệ An

    assert_eq!(
        names_for(&app, json!({"provinceCode": "56"})).await,
        ["HTX Bắc Nha Trang", "HTX Thuận Nam", "HTX Đô Vinh"]
    );
    assert_eq!(names_for(&app, json!({"legacyUnitCode": "58"})).await, ["HTX Thuận Nam", "HTX Đô Vinh"]);
    assert_eq!(names_for(&app, json!({"legacyUnitCode": "56"})).await, ["HTX Bắc Nha Trang"]);
    assert_eq!(names_for(&app, json!({"legacyUnitCode": "366"})).await, ["HTX Hải Hậu"]);
    assert_eq!(names_for(&app, json!({"legacyUnitCode": "36"})).await, ["HTX Hải Hậu"]);
    assert_eq!(names_for(&app, json!({"legacyUnitCode": "40"})).await, ["HTX Thành Vinh"]);
    assert_eq!(names_for(&app, json!({"wardCode": "22897"})).await, ["HTX Thuận Nam"]);
    assert_eq!(names_for(&app, json!({"wardCode": "22897", "legacyUnitCode": "56"})).await, Vec::<String>::new());
    assert_eq!(
        names_for(&app, json!({"provinceCode": "56", "legacyUnitCode": "58"})).await,
        ["HTX Thuận Nam", "HTX Đô Vinh"]
    );

    // Well-formed codes that name nothing match nothing.
    for f in [
        json!({"provinceCode": "99"}),
        json!({"provinceCode": "58"}),
        json!({"legacyUnitCode": "999"}),
        json!({"wardCode": "00001"}),
    ] {
        assert!(names_for(&app, f.clone()).await.is_empty(), "{f}");
    }
    // Malformed codes are bad input naming the argument.
    for (f, arg) in [
        (json!({"provinceCode": "ABC"}), "filter.provinceCode"),
        (json!({"provinceCode": "4"}), "filter.provinceCode"),
        (json!({"legacyUnitCode": "5"}), "filter.legacyUnitCode"),
        (json!({"wardCode": "2289A"}), "filter.wardCode"),
    ] {
        let e = app.error(LIST, json!({"f": f})).await;
        assert_eq!(code(&e), "BAD_USER_INPUT");
        assert_eq!(e["extensions"]["argument"], arg);
        assert!(e["message"].as_str().expect("message").starts_with(arg));
    }
}

async fn name_search_ignores_case_and_vietnamese_accents(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    Coop::new("Hợp tác xã Nông nghiệp Thuận Nam", "22897").insert(&app).await;
    Coop::new("Hợp tác xã Hàm Thuận Nam", "23110").insert(&app).await;
    Coop::new("Hợp tác xã Đồng Tâm 100%", "16681").insert(&app).await;
    Coop::new("Hợp tác xã Thuận An", "16681").insert(&app).await;
    let want = ["Hợp tác xã Hàm Thuận Nam", "Hợp tác xã Nông nghiệp Thuận Nam"];
    let decomposed: String = unicode_normalization::UnicodeNormalization::nfd("Thuận Nam").collect();
    for q in ["thuan nam", "THUẬN NAM", "Thuận Nam", "  thuận   NAM ", decomposed.as_str()] {
        assert_eq!(names_for(&app, json!({"nameContains": q})).await, want, "{q:?}");
    }
    assert_eq!(names_for(&app, json!({"nameContains": "dong tam"})).await, ["Hợp tác xã Đồng Tâm 100%"]);
    // LIKE wildcards are literal.
    assert_eq!(names_for(&app, json!({"nameContains": "100%"})).await, ["Hợp tác xã Đồng Tâm 100%"]);
    assert!(names_for(&app, json!({"nameContains": "%"})).await.len() == 1);
    assert!(names_for(&app, json!({"nameContains": "_"})).await.is_empty());
    let long = "a".repeat(201);
    assert_eq!(code(&app.error(LIST, json!({"f": {"nameContains": long}})).await), "BAD_USER_INPUT");
}

async fn attribute_filters(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = |d: u32| Utc.with_ymd_and_hms(2026, 3, d, 0, 0, 0).single().expect("time");
    let mut a = Coop::new("A", "16681");
    a.status = "ACTIVE";
    a.sector = "AGRICULTURE";
    a.high_tech = true;
    a.latest_rating = Some("GOOD");
    a.registered_on = NaiveDate::from_ymd_opt(2019, 5, 1);
    a.updated_at = t(1);
    let a = a.insert(&app).await;
    let mut b = Coop::new("B", "16681");
    b.status = "SUSPENDED";
    b.sector = "TRANSPORT";
    b.value_chain_linked = true;
    b.latest_rating = Some("WEAK");
    b.registered_on = NaiveDate::from_ymd_opt(2023, 1, 1);
    b.updated_at = t(10);
    let b = b.insert(&app).await;
    let mut c = Coop::new("C", "16681");
    c.status = "PENDING";
    c.registered_on = None;
    c.updated_at = t(20);
    c.insert(&app).await;
    insert_report(&app, a.id, 2024, "WEAK").await;
    // The latest reports state the flags the records declare (the filters
    // read the latest report's flag; `targets::every_reading_of_a_flag_follows_the_latest_report`).
    let flags = |r: annual_report::Model, high_tech: bool, linked: bool| {
        let mut r: annual_report::ActiveModel = r.into();
        r.high_tech = Set(high_tech);
        r.value_chain_linked = Set(linked);
        r.update(app.conn())
    };
    flags(insert_report(&app, a.id, 2025, "GOOD").await, true, false).await.expect("flags");
    insert_report(&app, b.id, 2024, "FAIR").await;
    flags(insert_report(&app, b.id, 2025, "WEAK").await, false, true).await.expect("flags");

    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({"status": ["ACTIVE", "SUSPENDED"]}), vec!["A", "B"]),
        (json!({"status": ["PENDING"]}), vec!["C"]),
        (json!({"status": []}), vec![]),
        (json!({"sector": ["TRANSPORT"]}), vec!["B"]),
        (json!({"rating": ["GOOD"]}), vec!["A"]),
        (json!({"rating": ["WEAK"], "ratingYear": 2024}), vec!["A"]),
        (json!({"rating": ["FAIR", "GOOD"], "ratingYear": 2024}), vec!["B"]),
        (json!({"rating": ["WEAK"]}), vec!["B"]),
        (json!({"highTech": true}), vec!["A"]),
        (json!({"highTech": false}), vec!["B", "C"]),
        (json!({"valueChainLinked": true}), vec!["B"]),
        (json!({"registeredFrom": "2020-01-01"}), vec!["B"]),
        (json!({"registeredTo": "2020-01-01"}), vec!["A"]),
        (json!({"registeredFrom": "2019-05-01", "registeredTo": "2023-01-01"}), vec!["A", "B"]),
        (json!({"updatedSince": "2026-03-10T00:00:00Z"}), vec!["B", "C"]),
        (json!({"updatedSince": "2026-03-10T07:00:00+07:00"}), vec!["B", "C"]),
        (json!({"status": ["ACTIVE"], "sector": ["TRANSPORT"]}), vec![]),
    ];
    for (f, want) in cases {
        assert_eq!(names_for(&app, f.clone()).await, want, "{f}");
    }
    for bad in
        [json!({"registeredFrom": "2020-13-01"}), json!({"updatedSince": "yesterday"}), json!({"status": ["GONE"]})]
    {
        assert_eq!(code(&app.error(LIST, json!({"f": bad})).await), "BAD_USER_INPUT", "{bad}");
    }
    let e = app.error(LIST, json!({"f": {"registeredFrom": "2024-01-01", "registeredTo": "2023-01-01"}})).await;
    assert_eq!(code(&e), "BAD_USER_INPUT");
}

async fn unions_and_groups_take_the_same_filter(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    insert_union(&app, "Liên hiệp Thuận Nam", "22897", None).await;
    insert_union(&app, "Liên hiệp Vinh", "16681", None).await;
    insert_group(&app, "Tổ hợp tác trồng rau Thuận Nam", "22897", 4).await;
    insert_group(&app, "Tổ hợp tác nuôi ong Vinh", "16681", 3).await;
    let q = "query($f: OrganizationFilter) { cooperativeUnions(filter: $f) { totalCount edges { node { name } } }
             cooperativeGroups(filter: $f) { totalCount edges { node { name status members establishedOn } } } }";
    let d = app.data(q, json!({"f": {"legacyUnitCode": "58"}})).await;
    assert_eq!(names(&d["cooperativeUnions"]), ["Liên hiệp Thuận Nam"]);
    assert_eq!(names(&d["cooperativeGroups"]), ["Tổ hợp tác trồng rau Thuận Nam"]);
    assert_eq!(d["cooperativeGroups"]["edges"][0]["node"]["status"], "ACTIVE");
    let d = app.data(q, json!({"f": {"nameContains": "vinh", "provinceCode": "40"}})).await;
    assert_eq!(d["cooperativeUnions"]["totalCount"], 1);
    assert_eq!(d["cooperativeGroups"]["totalCount"], 1);
    // For groups, DISSOLVED means disbanded and SUSPENDED matches nothing.
    let d = app.data(q, json!({"f": {"status": ["DISSOLVED"]}})).await;
    assert_eq!(d["cooperativeGroups"]["totalCount"], 0);
    let d = app.data(q, json!({"f": {"status": ["ACTIVE"], "registeredFrom": "2022-05-01"}})).await;
    assert_eq!(d["cooperativeGroups"]["totalCount"], 2);
}

storage_tests!(
    location_filters_use_2025_and_legacy_units,
    name_search_ignores_case_and_vietnamese_accents,
    attribute_filters,
    unions_and_groups_take_the_same_filter,
);
