//! The number of SQL statements a request issues does not grow with page size.

use crate::helpers::{Backend, TestApp};
use crate::storage_tests;
use sea_orm::ConnectionTrait;
use serde_json::json;

const DEEP: &str = "query($n: Int!) { cooperatives(first: $n) { totalCount edges { node {
    id name code status sector businessLines charterCapital
    address { street ward { name parent { name } } province { name } }
    director { fullName gender idNumber } legalRepresentative { fullName }
    union { name code legalRepresentative { fullName } memberCooperatives(first: 3) { totalCount edges { node { name } } } }
    rating y2023: rating(year: 2023) annualReports { year rating revenue }
    sync { taxRegistration nationalRegistry } } } }
  cooperativeGroups(first: $n) { edges { node { name representative { fullName } rating annualReports { year } } } } }";

async fn statements_per_request_do_not_grow_with_page_size(backend: Backend) {
    let app = TestApp::spawn_demo(backend).await;
    // Make both page sizes reach every edge kind, unions included.
    app.conn().execute_unprepared("UPDATE cooperative SET union_id = 1 WHERE id <= 3").await.expect("update");
    let mut counts = Vec::new();
    // Repeated, because timer-based batching made counts vary from run to run.
    for n in [5, 100, 5, 100, 100] {
        let before = app.statements();
        let d = app.data(DEEP, json!({"n": n})).await;
        counts.push(app.statements() - before);
        assert_eq!(d["cooperatives"]["edges"].as_array().expect("edges").len(), n as usize);
    }
    assert!(counts.iter().all(|c| *c == counts[0]), "statements for first: 5 and first: 100: {counts:?}");
    assert!(counts[0] <= 12, "one statement per page, count and edge kind, got {}", counts[0]);
}

storage_tests!(statements_per_request_do_not_grow_with_page_size);
