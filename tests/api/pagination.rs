//! Relay cursor pagination: bounds on `first`, every ordering walked page by
//! page, and cursors that stay valid while rows are inserted.

use crate::helpers::{code, names, Backend, Coop, TestApp};
use crate::storage_tests;
use chrono::{NaiveDate, TimeZone, Utc};
use serde_json::{json, Value};

const PAGE: &str = "query($first: Int, $after: String, $order: OrganizationOrder) {
    cooperatives(first: $first, after: $after, orderBy: $order) {
      totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { name officialMembers associateMembers registeredOn updatedAt } } } }";

/// Inserts `n` cooperatives with varied names, sizes and dates (some undated, some tied).
async fn fill(app: &TestApp, n: usize) {
    let words = ["Đồng Tâm", "An Phú", "Bình Minh", "Ánh Dương", "Hòa Bình", "an phú"];
    for i in 0..n {
        let mut c = Coop::new(&format!("Hợp tác xã {} {}", words[i % words.len()], i / 3), "16681");
        c.official_members = 5 + (i as i32 * 7) % 13;
        c.associate_members = (i as i32) % 3;
        c.registered_on = if i % 5 == 0 { None } else { NaiveDate::from_ymd_opt(2015 + (i as i32 % 4), 1, 1) };
        c.updated_at = Utc.with_ymd_and_hms(2026, 1, 1 + (i as u32 % 3), 0, 0, 0).single().expect("time");
        c.insert(app).await;
    }
}

async fn walk(app: &TestApp, order: Value, first: i64) -> Vec<Value> {
    let mut after = Value::Null;
    let mut nodes = Vec::new();
    let mut pages = 0;
    loop {
        let d = app.data(PAGE, json!({"first": first, "after": after, "order": order})).await;
        let c = &d["cooperatives"];
        let edges = c["edges"].as_array().expect("edges");
        assert!(edges.len() as i64 <= first);
        assert_eq!(c["pageInfo"]["hasPreviousPage"], json!(pages > 0));
        if let Some(last) = edges.last() {
            assert_eq!(c["pageInfo"]["endCursor"], last["cursor"]);
            assert_eq!(c["pageInfo"]["startCursor"], edges[0]["cursor"]);
        }
        nodes.extend(edges.iter().map(|e| e["node"].clone()));
        pages += 1;
        if c["pageInfo"]["hasNextPage"] == json!(false) {
            break;
        }
        after = c["pageInfo"]["endCursor"].clone();
    }
    nodes
}

fn fold(v: &Value) -> String {
    coopgate::domain::text::fold(v["name"].as_str().expect("name"))
}

fn members(v: &Value) -> i64 {
    v["officialMembers"].as_i64().expect("n") + v["associateMembers"].as_i64().expect("n")
}

async fn first_is_bounded(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    fill(&app, 25).await;
    let d = app.data(PAGE, json!({})).await;
    assert_eq!(d["cooperatives"]["edges"].as_array().expect("edges").len(), 20, "first defaults to 20");
    assert_eq!(d["cooperatives"]["totalCount"], 25);
    let d = app.data(PAGE, json!({"first": 100})).await;
    assert_eq!(d["cooperatives"]["edges"].as_array().expect("edges").len(), 25);
    let d = app.data(PAGE, json!({"first": 0})).await;
    assert_eq!(d["cooperatives"]["edges"], json!([]));
    assert_eq!(d["cooperatives"]["totalCount"], 25);
    assert_eq!(d["cooperatives"]["pageInfo"]["hasNextPage"], false);
    for bad in [101, -1, 100_000] {
        let v = app.graphql(PAGE, json!({"first": bad})).await;
        assert!(v["data"].is_null(), "no data with the error");
        assert_eq!(code(&v["errors"][0]), "BAD_USER_INPUT");
        assert_eq!(v["errors"][0]["extensions"]["argument"], "first");
    }
}

async fn every_ordering_pages_through_everything_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    fill(&app, 23).await;
    let all = walk(&app, Value::Null, 100).await;
    assert_eq!(all.len(), 23);
    for field in ["NAME", "REGISTERED_ON", "UPDATED_AT", "MEMBERS"] {
        for direction in ["ASC", "DESC"] {
            let order = json!({"field": field, "direction": direction});
            let got = walk(&app, order.clone(), 4).await;
            assert_eq!(got.len(), 23, "{order}");
            let mut seen: Vec<&str> = got.iter().map(|n| n["name"].as_str().expect("name")).collect();
            seen.sort();
            seen.dedup();
            assert_eq!(seen.len(), 23, "no row twice for {order}");
            let desc = direction == "DESC";
            for w in got.windows(2) {
                let ordered = match field {
                    "NAME" => {
                        let (a, b) = (fold(&w[0]), fold(&w[1]));
                        if desc {
                            a >= b
                        } else {
                            a <= b
                        }
                    }
                    "MEMBERS" => {
                        if desc {
                            members(&w[0]) >= members(&w[1])
                        } else {
                            members(&w[0]) <= members(&w[1])
                        }
                    }
                    "REGISTERED_ON" => {
                        // Undated records come last when ascending, first when descending.
                        let key = |v: &Value| v["registeredOn"].as_str().unwrap_or("9999-12-31").to_owned();
                        if desc {
                            key(&w[0]) >= key(&w[1])
                        } else {
                            key(&w[0]) <= key(&w[1])
                        }
                    }
                    _ => {
                        let key = |v: &Value| v["updatedAt"].as_str().expect("t").to_owned();
                        if desc {
                            key(&w[0]) >= key(&w[1])
                        } else {
                            key(&w[0]) <= key(&w[1])
                        }
                    }
                };
                assert!(ordered, "{order}: {} then {}", w[0], w[1]);
            }
            // The pages join up to exactly what one big page returns.
            let one = app.data(PAGE, json!({"first": 100, "order": order})).await;
            let one: Vec<Value> =
                one["cooperatives"]["edges"].as_array().expect("e").iter().map(|e| e["node"].clone()).collect();
            assert_eq!(got, one, "{order}");
        }
    }
}

async fn cursors_stay_stable_while_rows_are_inserted(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    fill(&app, 12).await;
    let order = json!({"field": "NAME", "direction": "ASC"});
    let before: Vec<String> =
        walk(&app, order.clone(), 100).await.iter().map(|n| n["name"].as_str().expect("n").into()).collect();
    let mut after = Value::Null;
    let mut seen = Vec::new();
    let mut round = 0;
    loop {
        let d = app.data(PAGE, json!({"first": 5, "after": after, "order": order})).await;
        seen.extend(names(&d["cooperatives"]));
        // Another officer registers cooperatives that sort before and after the cursor.
        Coop::new(&format!("Hợp tác xã AAA mới {round}"), "16681").insert(&app).await;
        Coop::new(&format!("Hợp tác xã Zzz mới {round}"), "16681").insert(&app).await;
        round += 1;
        if d["cooperatives"]["pageInfo"]["hasNextPage"] == json!(false) {
            break;
        }
        after = d["cooperatives"]["pageInfo"]["endCursor"].clone();
    }
    for name in &before {
        assert_eq!(seen.iter().filter(|s| *s == name).count(), 1, "{name} seen exactly once");
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "no duplicates across pages");
}

async fn foreign_and_malformed_cursors_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    fill(&app, 3).await;
    let d = app.data(PAGE, json!({"first": 1})).await;
    let cursor = d["cooperatives"]["pageInfo"]["endCursor"].clone();
    let e = app.error(PAGE, json!({"first": 1, "after": cursor, "order": {"field": "NAME", "direction": "ASC"}})).await;
    assert_eq!(code(&e), "BAD_USER_INPUT");
    assert_eq!(e["extensions"]["argument"], "after");
    for bad in ["", "garbage!", "aWF8eHx4", "bmF8fHw"] {
        let e = app.error(PAGE, json!({"first": 1, "after": bad})).await;
        assert_eq!(code(&e), "BAD_USER_INPUT", "{bad:?}");
    }
}

const BACK: &str = "query($last: Int, $before: String, $after: String, $order: OrganizationOrder) {
    cooperatives(last: $last, before: $before, after: $after, orderBy: $order) {
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { name officialMembers associateMembers registeredOn updatedAt } } } }";

/// Walks the listing backward from its end, `last` at a time; returns the
/// nodes in listing order.
async fn walk_back(app: &TestApp, order: Value, last: i64) -> Vec<Value> {
    let mut before = Value::Null;
    let mut pages: Vec<Vec<Value>> = Vec::new();
    loop {
        let d = app.data(BACK, json!({"last": last, "before": before, "order": order})).await;
        let c = &d["cooperatives"];
        let edges = c["edges"].as_array().expect("edges");
        assert!(edges.len() as i64 <= last);
        assert_eq!(c["pageInfo"]["hasNextPage"], json!(!pages.is_empty()), "{c}");
        if let Some(first) = edges.first() {
            assert_eq!(c["pageInfo"]["startCursor"], first["cursor"]);
        }
        pages.push(edges.iter().map(|e| e["node"].clone()).collect());
        if c["pageInfo"]["hasPreviousPage"] == json!(false) {
            break;
        }
        before = c["pageInfo"]["startCursor"].clone();
    }
    pages.into_iter().rev().flatten().collect()
}

/// Walking backward with `last`/`before` gives the same rows as walking
/// forward, in every ordering; cursors of one direction serve the other.
async fn backward_pages_mirror_forward_pages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    fill(&app, 23).await;
    let mut orders = vec![Value::Null];
    for field in ["NAME", "REGISTERED_ON", "UPDATED_AT", "MEMBERS"] {
        for direction in ["ASC", "DESC"] {
            orders.push(json!({"field": field, "direction": direction}));
        }
    }
    for order in orders {
        let forward = walk(&app, order.clone(), 5).await;
        let backward = walk_back(&app, order.clone(), 4).await;
        assert_eq!(forward.len(), 23);
        assert_eq!(backward, forward, "{order}");
    }
    // Mixed: a forward page's end cursor used as `before` gives the rows
    // before it; `after` and `before` together bound a window.
    let order = json!({"field": "NAME", "direction": "ASC"});
    let all = walk(&app, order.clone(), 100).await;
    let d = app.data(PAGE, json!({"first": 10, "order": order})).await;
    let tenth = d["cooperatives"]["pageInfo"]["endCursor"].clone();
    let third = d["cooperatives"]["edges"][2]["cursor"].clone();
    let d = app.data(BACK, json!({"last": 3, "before": tenth, "order": order})).await;
    let got: Vec<Value> =
        d["cooperatives"]["edges"].as_array().expect("edges").iter().map(|e| e["node"].clone()).collect();
    assert_eq!(got, all[6..9].to_vec());
    assert_eq!(d["cooperatives"]["pageInfo"]["hasPreviousPage"], json!(true));
    assert_eq!(d["cooperatives"]["pageInfo"]["hasNextPage"], json!(true));
    let d = app.data(BACK, json!({"last": 100, "before": tenth, "after": third, "order": order})).await;
    let got: Vec<Value> =
        d["cooperatives"]["edges"].as_array().expect("edges").iter().map(|e| e["node"].clone()).collect();
    assert_eq!(got, all[3..9].to_vec());
    assert_eq!(d["cooperatives"]["pageInfo"]["hasPreviousPage"], json!(false));

    // first and last together are refused; last is bounded like first.
    let e = app.error("{ cooperatives(first: 2, last: 2) { edges { cursor } } }", json!({})).await;
    assert_eq!(code(&e), "BAD_USER_INPUT");
    assert!(e["message"].as_str().expect("message").contains("first and last cannot be used together"), "{e}");
    let e = app.error("{ cooperativeGroups(last: 101) { edges { cursor } } }", json!({})).await;
    assert_eq!((code(&e), &e["extensions"]["argument"]), ("BAD_USER_INPUT", &json!("last")));
    let e = app.error("{ cooperatives(last: 2, before: \"zzz\") { edges { cursor } } }", json!({})).await;
    assert_eq!((code(&e), &e["extensions"]["argument"]), ("BAD_USER_INPUT", &json!("before")));
    let d = app.data("{ cooperativeUnions(last: 2) { pageInfo { hasNextPage hasPreviousPage } } }", json!({})).await;
    assert_eq!(d["cooperativeUnions"]["pageInfo"], json!({"hasNextPage": false, "hasPreviousPage": false}));
}

/// The change feed pages backward too, with the same cursors.
async fn the_change_feed_pages_backward(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = crate::helpers::officer("40");
    for k in 0..7 {
        crate::writes::registered(&app, &t, crate::writes::coop(&format!("HTX lùi {k}"), "16681")).await;
    }
    let q = "query($first: Int, $last: Int, $before: String) { changes(first: $first, last: $last, before: $before) {
        edges { cursor node { sequence } } pageInfo { hasNextPage hasPreviousPage startCursor } } }";
    let seqs = |d: &Value| -> Vec<String> {
        d["changes"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| e["node"]["sequence"].as_str().expect("s").to_owned())
            .collect()
    };
    let forward = seqs(&app.data(q, json!({"first": 100})).await);
    let mut backward = Vec::new();
    let mut before = Value::Null;
    loop {
        let d = app.data(q, json!({"last": 3, "before": before})).await;
        let mut page = seqs(&d);
        page.extend(backward);
        backward = page;
        if d["changes"]["pageInfo"]["hasPreviousPage"] == json!(false) {
            break;
        }
        before = d["changes"]["pageInfo"]["startCursor"].clone();
    }
    assert_eq!(backward, forward);
    let e = app.error("{ changes(first: 1, last: 1) { edges { cursor } } }", json!({})).await;
    assert_eq!(code(&e), "BAD_USER_INPUT");
}

/// A union's members page backward too, also when the members of several
/// unions are loaded together.
async fn union_members_page_backward(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut unions = Vec::new();
    for u in 0..2 {
        let union = crate::helpers::insert_union(&app, &format!("Liên hiệp {u}"), "16681", None).await;
        for k in 0..(5 + u) {
            let mut c = Coop::new(&format!("HTX {u}-{k}"), "16681");
            c.union_id = Some(union.id);
            c.insert(&app).await;
        }
        unions.push(union);
    }
    let q = "query($last: Int, $before: String) { cooperativeUnions(first: 10) { edges { node { name
        memberCooperatives(last: $last, before: $before) {
          edges { cursor node { name } } pageInfo { hasPreviousPage hasNextPage startCursor } } } } } }";
    let names_of = |m: &Value| -> Vec<String> {
        m["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| e["node"]["name"].as_str().expect("name").to_owned())
            .collect()
    };
    let d = app.data(q, json!({"last": 2})).await;
    let edges = d["cooperativeUnions"]["edges"].as_array().expect("unions").clone();
    assert_eq!(names_of(&edges[0]["node"]["memberCooperatives"]), ["HTX 0-3", "HTX 0-4"]);
    assert_eq!(names_of(&edges[1]["node"]["memberCooperatives"]), ["HTX 1-4", "HTX 1-5"]);
    let info = &edges[0]["node"]["memberCooperatives"]["pageInfo"];
    assert_eq!((&info["hasPreviousPage"], &info["hasNextPage"]), (&json!(true), &json!(false)));
    // Walking the first union back to its start, two at a time.
    let mut before = info["startCursor"].clone();
    let mut seen = names_of(&edges[0]["node"]["memberCooperatives"]);
    loop {
        let d = app.data(q, json!({"last": 2, "before": before})).await;
        let m = &d["cooperativeUnions"]["edges"][0]["node"]["memberCooperatives"];
        let mut page = names_of(m);
        page.extend(seen);
        seen = page;
        assert_eq!(m["pageInfo"]["hasNextPage"], json!(true));
        if m["pageInfo"]["hasPreviousPage"] == json!(false) {
            break;
        }
        before = m["pageInfo"]["startCursor"].clone();
    }
    assert_eq!(seen, ["HTX 0-0", "HTX 0-1", "HTX 0-2", "HTX 0-3", "HTX 0-4"]);
}

storage_tests!(backward_pages_mirror_forward_pages, the_change_feed_pages_backward, union_members_page_backward);

storage_tests!(
    first_is_bounded,
    every_ordering_pages_through_everything_once,
    cursors_stay_stable_while_rows_are_inserted,
    foreign_and_malformed_cursors_are_refused,
);

/// Walks `field` (a connection of `query`, which takes `$first`, `$last` and
/// `$before`) backward `last` at a time as `token`, and returns the ids in
/// order, with the ids of one forward page of 100.
async fn backward_and_forward(
    app: &TestApp,
    token: &str,
    query: &str,
    field: &str,
    last: i64,
) -> (Vec<Value>, Vec<Value>) {
    let ids = |d: &Value| -> Vec<Value> {
        d[field]["edges"].as_array().expect("edges").iter().map(|e| e["node"]["id"].clone()).collect()
    };
    let forward = ids(&app.data_as(token, query, json!({"first": 100})).await);
    let mut backward = Vec::new();
    let mut before = Value::Null;
    loop {
        let d = app.data_as(token, query, json!({"last": last, "before": before})).await;
        let mut page = ids(&d);
        page.extend(backward);
        backward = page;
        if d[field]["pageInfo"]["hasPreviousPage"] == json!(false) {
            break;
        }
        assert_eq!(d[field]["pageInfo"]["hasNextPage"], json!(before != Value::Null), "{d}");
        before = d[field]["pageInfo"]["startCursor"].clone();
    }
    (backward, forward)
}

/// Targets and the audit trail page backward with `last`/`before` like every
/// other connection, and refuse `first` with `last`.
async fn targets_and_audit_events_page_backward(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = crate::helpers::admin();
    let d = app.data_as(&admin, crate::targets::IMPORT, json!({"t": crate::targets::fixture()})).await;
    assert_eq!(d["importTargets"]["userErrors"], json!([]), "{d}");
    let q = "query($first: Int, $last: Int, $before: String) { targets(first: $first, last: $last, before: $before) {
        edges { node { id } } pageInfo { hasNextPage hasPreviousPage startCursor } } }";
    let (backward, forward) = backward_and_forward(&app, &admin, q, "targets", 7).await;
    assert!(forward.len() > 20, "{}", forward.len());
    assert_eq!(backward, forward);

    let t = crate::helpers::officer("40");
    for k in 0..5 {
        crate::writes::registered(&app, &t, crate::writes::coop(&format!("HTX kiểm toán {k}"), "16681")).await;
    }
    let q =
        "query($first: Int, $last: Int, $before: String) { auditEvents(first: $first, last: $last, before: $before) {
        edges { node { id } } pageInfo { hasNextPage hasPreviousPage startCursor } } }";
    let (backward, forward) = backward_and_forward(&app, &admin, q, "auditEvents", 2).await;
    assert!(forward.len() >= 6, "{}", forward.len());
    assert_eq!(backward, forward);
    for field in ["targets", "auditEvents"] {
        let v = app
            .graphql_as(&admin, &format!("{{ {field}(first: 1, last: 1) {{ edges {{ cursor }} }} }}"), json!({}))
            .await;
        assert_eq!(code(&v["errors"][0]), "BAD_USER_INPUT", "{v}");
    }
}
storage_tests!(targets_and_audit_events_page_backward);
