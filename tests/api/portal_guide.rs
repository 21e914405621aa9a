//! The permission matrix of `docs/portal-guide.md` is what the gateway
//! does: each row is probed as each kind of caller, and every cell must
//! match (`yes`, `null` for a hidden field, or the error code).

use crate::helpers::{admin, code, officer, token, Backend, TestApp};
use crate::writes::{self, registered};
use coopgate::auth::Role;
use serde_json::{json, Value};

const GUIDE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/portal-guide.md");

/// The columns, in the guide's order; officers belong to province 40.
const CALLERS: [&str; 6] = [
    "anonymous",
    "portal_reader",
    "sync_service",
    "provincial_officer, own province",
    "provincial_officer, other province",
    "national_admin",
];

fn bearer(column: usize) -> Option<String> {
    match column {
        0 => None,
        1 => Some(token(Role::PortalReader, None)),
        2 => Some(token(Role::SyncService, None)),
        3 => Some(officer("40")),
        4 => Some(officer("56")),
        _ => Some(admin()),
    }
}

/// The matrix: (row name before its colon, cells).
fn matrix() -> Vec<(String, Vec<String>)> {
    let text = std::fs::read_to_string(GUIDE).expect("docs/portal-guide.md");
    let start = text.find("<!-- permission-matrix -->").expect("start marker");
    let end = text.find("<!-- /permission-matrix -->").expect("end marker");
    let cells =
        |line: &str| -> Vec<String> { line.trim().trim_matches('|').split('|').map(|c| c.trim().to_owned()).collect() };
    let mut lines = text[start..end].lines().skip(1).filter(|l| l.starts_with('|'));
    let header = cells(lines.next().expect("header"));
    assert_eq!(header[1..], CALLERS.map(String::from), "the columns");
    lines
        .skip(1)
        .map(|l| {
            let c = cells(l);
            let name = c[0].split(':').next().unwrap_or_default().trim().to_owned();
            (name, c[1..].to_vec())
        })
        .collect()
}

async fn send(app: &TestApp, column: usize, q: &str, variables: Value) -> Value {
    match bearer(column) {
        Some(t) => app.graphql_as(&t, q, variables).await,
        None => app.graphql(q, variables).await,
    }
}

/// `yes`, or the first error's code; a mutation's `userErrors` must be empty.
fn outcome(v: &Value) -> String {
    if let Some(e) = v["errors"].get(0) {
        return code(e).to_owned();
    }
    if let Some(payload) = v["data"].as_object().and_then(|o| o.values().next()) {
        if let Some(errors) = payload.get("userErrors") {
            assert_eq!(errors, &json!([]), "a probe's input is valid: {v}");
        }
    }
    "yes".into()
}

async fn probe(app: &TestApp, row: &str, column: usize) -> String {
    match row {
        "public reads" => {
            let q = "{ cooperatives(first: 1) { totalCount } cooperativeUnions(first: 1) { totalCount }
                      cooperativeGroups(first: 1) { totalCount } nodes(ids: []) { __typename }
                      provinces { code } administrativeUnit(code: \"40\", level: PROVINCE) { name }
                      statistics { cooperatives } targets(first: 1) { totalCount } changes(first: 1) { edges { cursor } } }";
            outcome(&send(app, column, q, json!({})).await)
        }
        "restricted fields" => {
            let c = registered(app, &admin(), writes::coop(&format!("HTX xem {column}"), "16681")).await;
            let q = "query($id: ID!) { node(id: $id) { ... on Cooperative { director { idNumber phone } } } }";
            let v = send(app, column, q, json!({"id": c["id"]})).await;
            let director = &v["data"]["node"]["director"];
            match (outcome(&v).as_str(), director["idNumber"].is_null(), director["phone"].is_null()) {
                ("yes", true, true) => "null".into(),
                ("yes", false, false) => "yes".into(),
                (other, _, _) => format!("{other} {v}"),
            }
        }
        "registry writes" => {
            let input = writes::coop(&format!("HTX ma trận {column}"), "16681");
            outcome(&send(app, column, writes::REGISTER, json!({"i": input})).await)
        }
        "moving a record to another province" => {
            let c = registered(app, &admin(), writes::coop(&format!("HTX chuyển {column}"), "16681")).await;
            let input = json!({"id": c["id"], "expectedVersion": c["version"], "address": {"wardCode": "22897"}});
            outcome(&send(app, column, writes::UPDATE, json!({"i": input})).await)
        }
        "targets" => {
            let input = json!({"jurisdictionCode": "40", "jurisdictionLevel": "PROVINCE", "year": 2030 + column,
                "indicator": "GROUP_COUNT", "scope": "GROUPS", "comparator": "BETWEEN", "min": 1, "max": 2,
                "unit": "COUNT", "sourceDocument": "portal-guide matrix"});
            outcome(&send(app, column, crate::targets::SET, json!({"i": input})).await)
        }
        "operations" => {
            let audit = outcome(&send(app, column, "{ auditEvents(first: 1) { edges { cursor } } }", json!({})).await);
            let queue = outcome(&send(app, column, "{ syncQueue { rows } }", json!({})).await);
            assert_eq!(audit, queue, "auditEvents and syncQueue share a row");
            audit
        }
        other => panic!("no probe for the guide's row {other:?}: add one here"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_permission_matrix_in_the_portal_guide_is_what_the_gateway_does() {
    let rows = matrix();
    assert!(rows.len() >= 6, "{rows:?}");
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut wrong = Vec::new();
    for (row, cells) in &rows {
        assert_eq!(cells.len(), CALLERS.len(), "{row}");
        for (column, documented) in cells.iter().enumerate() {
            let actual = probe(&app, row, column).await;
            if &actual != documented {
                wrong.push(format!("{row} × {}: the guide says {documented}, the gateway {actual}", CALLERS[column]));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
