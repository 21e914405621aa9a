//! Spec-exact responses: errored fields are `null` with null propagation,
//! client mistakes in variables and syntax are `BAD_USER_INPUT` naming what
//! is wrong, and refusals report the real measures.

use crate::helpers::{code, insert_union, Backend, Coop, Options, TestApp};
use coopgate::limits::LimitsConfig;
use serde_json::{json, Value};

async fn post(app: &TestApp, body: Value) -> Value {
    app.http
        .post(format!("{}/graphql", app.address))
        .json(&body)
        .send()
        .await
        .expect("request sent")
        .json()
        .await
        .expect("JSON response")
}

fn error_paths(v: &Value) -> Vec<Value> {
    v["errors"].as_array().expect("errors").iter().map(|e| e["path"].clone()).collect()
}

/// A nullable field that fails is `null` in `data`, beside its siblings.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nullable_field_error_is_null_in_data() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let v = post(&app, json!({"query": "{ me { role } node(id: \"garbage\") { id } }"})).await;
    assert_eq!(v["data"], json!({"me": {"role": "ANONYMOUS"}, "node": null}), "{v}");
    assert_eq!(error_paths(&v), vec![json!(["node"])]);
    assert_eq!(code(&v["errors"][0]), "BAD_USER_INPUT");
    // Every root field failing still leaves `data` an object of nulls.
    let v = post(&app, json!({"query": "{ a: node(id: \"x\") { id } b: node(id: \"y\") { id } }"})).await;
    assert_eq!(v["data"], json!({"a": null, "b": null}), "{v}");
}

/// A non-null field that fails nulls its nearest nullable parent; when every
/// parent up to the root is non-null, `data` is null.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_null_field_error_propagates_to_the_nearest_nullable_parent() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let union = insert_union(&app, "Liên hiệp HTX Nghệ An", "16681", None).await;
    let id = coopgate::graphql::ids::encode_named("CooperativeUnion", union.id);
    // memberCooperatives is non-null: the error nulls the (nullable) node.
    let q = "query($id: ID!) { me { role } node(id: $id) { ... on CooperativeUnion { name memberCooperatives(first: 101) { totalCount } } } }";
    let v = post(&app, json!({"query": q, "variables": {"id": id}})).await;
    assert_eq!(v["data"], json!({"me": {"role": "ANONYMOUS"}, "node": null}), "{v}");
    assert_eq!(error_paths(&v), vec![json!(["node", "memberCooperatives"])]);

    // cooperatives is non-null at the root: data is null, the error stays.
    let v = post(&app, json!({"query": "{ me { role } cooperatives(first: 101) { totalCount } }"})).await;
    assert_eq!(v["data"], Value::Null, "{v}");
    assert!(v.as_object().expect("object").contains_key("data"), "data is present and null: {v}");
    assert_eq!(error_paths(&v), vec![json!(["cooperatives"])]);
    assert_eq!(code(&v["errors"][0]), "BAD_USER_INPUT");
}

/// In a list of nullable items, the failing item is null and the others stay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_item_error_nulls_only_that_item() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let coop = Coop::new("HTX Sen Quê", "16681").insert(&app).await;
    let union = insert_union(&app, "Liên hiệp HTX Sen", "16681", None).await;
    let ids = [
        coopgate::graphql::ids::encode_named("Cooperative", coop.id),
        coopgate::graphql::ids::encode_named("CooperativeUnion", union.id),
    ];
    let q = "query($ids: [ID!]!) { nodes(ids: $ids) {
        ... on Cooperative { name }
        ... on CooperativeUnion { name memberCooperatives(first: 101) { totalCount } } } }";
    let v = post(&app, json!({"query": q, "variables": {"ids": ids}})).await;
    assert_eq!(v["data"], json!({"nodes": [{"name": "HTX Sen Quê"}, null]}), "{v}");
    assert_eq!(error_paths(&v), vec![json!(["nodes", 1, "memberCooperatives"])]);
}

/// A required variable that is not sent is the client's mistake, named.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn variable_mistakes_are_bad_user_input_naming_the_variable() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let v = post(&app, json!({"query": "query($c: ID!) { node(id: $c) { id } }"})).await;
    assert!(v.get("data").is_none(), "a request error has no data: {v}");
    let e = &v["errors"][0];
    assert_eq!(code(e), "BAD_USER_INPUT", "{v}");
    assert_eq!(e["message"], "Variable \"$c\" of required type \"ID!\" was not provided.");
    assert_eq!(e["extensions"]["variable"], "c");
    assert_eq!(e["locations"], json!([{"line": 1, "column": 7}]));

    let q = "query($f: OrganizationFilter) { cooperatives(filter: $f) { totalCount } }";
    let v = post(&app, json!({"query": q, "variables": {"f": {"provinceCode": 5}}})).await;
    let e = &v["errors"][0];
    assert_eq!(code(e), "BAD_USER_INPUT", "{v}");
    assert_eq!(e["extensions"]["variable"], "f");
    assert_eq!(e["extensions"]["variablePath"], "f.provinceCode");
    assert_eq!(e["message"], "Variable \"$f\" got invalid value 5 at \"f.provinceCode\"; expected type \"String\".");

    let v = post(
        &app,
        json!({"query": "query($n: Int) { cooperatives(first: $n) { totalCount } }", "variables": {"n": "abc"}}),
    )
    .await;
    let e = &v["errors"][0];
    assert_eq!((code(e), &e["extensions"]["variable"]), ("BAD_USER_INPUT", &json!("n")), "{v}");
    assert!(e["message"].as_str().expect("message").contains("\"abc\""), "{v}");
}

/// A syntax error is one line with its location.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn syntax_errors_are_one_line_with_the_location() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let v = post(&app, json!({"query": "{ cooperatives(first: 2 { totalCount } }"})).await;
    let e = &v["errors"][0];
    assert_eq!(code(e), "BAD_USER_INPUT");
    assert_eq!(e["message"], "Syntax error at line 1, column 25: expected name", "{v}");
    assert_eq!(e["locations"], json!([{"line": 1, "column": 25}]));
}

/// Refusals over the alias and cost limits report the real measures.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_report_the_real_alias_count_and_requested_cost() {
    let limits = LimitsConfig { max_aliases: 3, max_cost: 100, ..LimitsConfig::default() };
    let app = TestApp::spawn_with(Backend::Sqlite, Options { limits, ..Options::default() }).await;
    let aliases: String = (0..12).map(|i| format!("a{i}: me {{ role }} ")).collect();
    let v = post(&app, json!({"query": format!("{{ {aliases} }}")})).await;
    assert_eq!(code(&v["errors"][0]), "QUERY_TOO_COMPLEX");
    assert_eq!(v["errors"][0]["message"], "number of aliases is 12, over the limit of 3", "{v}");

    let q = "{ cooperativeUnions(first: 100) { edges { node { memberCooperatives(first: 50) { edges { node { name } } } } } } }";
    let v = post(&app, json!({"query": q})).await;
    assert_eq!(code(&v["errors"][0]), "QUERY_TOO_COMPLEX", "{v}");
    let requested = v["extensions"]["cost"]["requested"].as_u64().expect("requested");
    assert!(requested > 100 * 50, "{v}");
    assert_eq!(v["errors"][0]["message"], format!("query cost is {requested}, over the limit of 100"));
}

/// Response maps follow the order of the selection set (GraphQL spec,
/// "Serialization Format"), not the alphabet: `zeta` before `alpha`, and a
/// node's fields as asked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn response_fields_come_in_selection_order() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let body = app
        .http
        .post(format!("{}/graphql", app.address))
        .json(&json!({"query": "{ zeta: me { role subject } alpha: me { subject role } }"}))
        .send()
        .await
        .expect("request sent")
        .text()
        .await
        .expect("body");
    let at = |needle: &str| body.find(needle).unwrap_or_else(|| panic!("{needle} in {body}"));
    assert!(at("\"zeta\"") < at("\"alpha\""), "{body}");
    let zeta = &body[at("\"zeta\"")..at("\"alpha\"")];
    assert!(zeta.find("\"role\"") < zeta.find("\"subject\""), "{body}");
    let alpha = &body[at("\"alpha\"")..];
    assert!(alpha.find("\"subject\"") < alpha.find("\"role\""), "{body}");
}
