//! Who reads a record's sync details: everyone sees the sync states, only
//! national admins and officers of the record's province see the error text
//! (the national side's field errors may quote personal data).

use crate::helpers::{admin, insert_union, officer, token, Backend, Coop, TestApp};
use crate::storage_tests;
use coopgate::auth::Role;
use sea_orm::ConnectionTrait;
use serde_json::{json, Value};

const ERROR: &str = "tax: legalRepresentative.idNumber: is required (Nguyễn Thị Hoa)";

/// What `caller` (a token, or anonymous) reads of the cooperative's and the
/// union's sync, by node and through the lists.
async fn sync_seen(app: &TestApp, caller: Option<&str>, coop: i64, union: i64) -> Vec<Value> {
    let q = "query($c: ID!, $u: ID!) {
        c: node(id: $c) { ... on Cooperative { sync { nationalRegistry lastError } } }
        u: node(id: $u) { ... on CooperativeUnion { sync { nationalRegistry lastError } } }
        cooperatives { edges { node { sync { nationalRegistry lastError } } } }
        cooperativeUnions { edges { node { sync { nationalRegistry lastError } } } } }";
    let ids = json!({"c": node_id("Cooperative", coop), "u": node_id("CooperativeUnion", union)});
    let d = match caller {
        Some(t) => app.data_as(t, q, ids).await,
        None => app.data(q, ids).await,
    };
    vec![
        d["c"]["sync"].clone(),
        d["u"]["sync"].clone(),
        d["cooperatives"]["edges"][0]["node"]["sync"].clone(),
        d["cooperativeUnions"]["edges"][0]["node"]["sync"].clone(),
    ]
}

/// The global id the API gives a row.
fn node_id(kind: &str, row: i64) -> String {
    coopgate::graphql::ids::encode_named(kind, row).to_string()
}

async fn only_admins_and_officers_of_the_province_read_sync_errors(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let c = Coop::new("HTX bị từ chối", "16681").insert(&app).await;
    let u = insert_union(&app, "Liên hiệp bị từ chối", "16681", None).await;
    for table in ["cooperative", "cooperative_union"] {
        app.conn()
            .execute_unprepared(&format!("UPDATE {table} SET registry_sync = 'REJECTED', sync_last_error = '{ERROR}'"))
            .await
            .expect("a refused record");
    }
    let hidden = json!({"nationalRegistry": "REJECTED", "lastError": null});
    let shown = json!({"nationalRegistry": "REJECTED", "lastError": ERROR});
    let portal = token(Role::PortalReader, None);
    let sync_service = token(Role::SyncService, None);
    let other = officer("56");
    for (who, caller) in [
        ("anonymous", None),
        ("portal reader", Some(portal.as_str())),
        ("sync service", Some(sync_service.as_str())),
        ("officer of another province", Some(other.as_str())),
    ] {
        assert_eq!(sync_seen(&app, caller, c.id, u.id).await, vec![hidden.clone(); 4], "{who}: states, no text");
    }
    let own = officer("40");
    let a = admin();
    for (who, caller) in [("officer of the province", own.as_str()), ("national admin", a.as_str())] {
        assert_eq!(sync_seen(&app, Some(caller), c.id, u.id).await, vec![shown.clone(); 4], "{who}");
    }
}

storage_tests!(only_admins_and_officers_of_the_province_read_sync_errors);
