//! Statements per request of the benchmark's queries (bench/queries): each
//! costs a fixed, small number of SQL statements, whatever the page size.

use crate::helpers::{Backend, TestApp};
use crate::storage_tests;
use sea_orm::ConnectionTrait;
use serde_json::{json, Value};

const Q1: &str = include_str!("../../bench/queries/q1.graphql");
const Q2: &str = include_str!("../../bench/queries/q2.graphql");
const Q3: &str = include_str!("../../bench/queries/q3.graphql");
const Q4: &str = include_str!("../../bench/queries/q4.graphql");

/// Runs `query` and returns its data and the statements it issued.
async fn counted(app: &TestApp, query: &str, variables: Value) -> (Value, u64) {
    let before = app.statements();
    let d = app.data(query, variables).await;
    (d, app.statements() - before)
}

async fn the_benchmark_queries_issue_few_statements_whatever_the_page_size(backend: Backend) {
    let app = TestApp::spawn_demo(backend).await;
    // A province with many cooperatives, a cooperative in a union.
    app.conn().execute_unprepared("UPDATE cooperative SET union_id = 1 WHERE id <= 3").await.expect("update");
    let first = app
        .data(
            "{ cooperative: cooperatives(first: 1) { edges { node { code address { province { code } } } } } }",
            json!({}),
        )
        .await;
    let node = &first["cooperative"]["edges"][0]["node"];
    let province = node["address"]["province"]["code"].as_str().expect("province").to_owned();
    let code = node["code"].as_str().expect("code").to_owned();

    let mut q1 = Vec::new();
    for n in [5, 100, 5] {
        let (d, s) = counted(&app, Q1, json!({"province": province, "n": n})).await;
        assert!(!d["cooperatives"]["edges"].as_array().expect("edges").is_empty());
        q1.push(s);
    }
    println!("Q1 statements for first 5, 100, 5: {q1:?}");
    assert!(q1.iter().all(|s| *s == q1[0]), "Q1 does not grow with page size: {q1:?}");
    assert!(q1[0] <= 2, "Q1: a page and its unions, got {}", q1[0]);

    let (d, q2) = counted(&app, Q2, json!({"code": code})).await;
    assert_eq!(d["cooperative"]["code"], code.as_str());
    assert!(d["cooperative"]["union"]["memberCooperatives"]["totalCount"].as_i64().expect("count") >= 3);
    println!("Q2 statements: {q2}");

    let (d, q3) = counted(&app, Q3, json!({"province": province})).await;
    assert!(d["statistics"]["cooperatives"].as_i64().expect("n") > 0);
    println!("Q3 statements: {q3}");

    let (d, q4) = counted(&app, Q4, json!({"province": "56"})).await;
    assert!(d["targets"]["totalCount"].as_i64().expect("n") > 3);
    println!("Q4 statements: {q4}");
    assert!(q2 <= 2, "Q2: the cooperative with its reports and its union's member count, got {q2}");
    assert!(q3 <= 2, "Q3: a province's counts, got {q3}");
    // The goal is 3; the fourth is the look-up of which jurisdictions have
    // targets (service::targets::selection), still a statement of its own.
    assert!(q4 <= 4, "Q4: jurisdictions, the page and the facts of every kind in one statement, got {q4}");
}

storage_tests!(the_benchmark_queries_issue_few_statements_whatever_the_page_size);
