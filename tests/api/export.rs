//! Bulk export: one snapshot, written as it is read, ending with the
//! change-feed sequence it is consistent with. A mirror that loads it and
//! follows `changes(after:)` from that sequence equals the registry, even
//! when writes land while the export runs; `startExport` runs in the
//! background and only its starter downloads the file.

use crate::feed::{registry, replay, some_changes, Mirror};
use crate::helpers::{admin, code, officer, token, Backend, TestApp};
use crate::storage_tests;
use coopgate::auth::{Principal, Role};
use coopgate::service::export::{Exporter, Format};
use serde_json::{json, Value};

/// Runs an export to the end, returning its JSON lines.
async fn drain(ex: &mut Exporter) -> Vec<Value> {
    let mut bytes = Vec::new();
    while let Some(piece) = ex.next().await.expect("export page") {
        bytes.extend(piece);
    }
    String::from_utf8(bytes).expect("utf-8").lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect()
}

fn national_admin() -> Principal {
    Principal { subject: "test-admin".into(), role: Role::NationalAdmin, province: None }
}

async fn a_mirror_loading_the_export_and_following_the_feed_equals_the_registry(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    some_changes(&app, 1).await;
    let mut ex = Exporter::open(&app.state, national_admin(), None, Format::Jsonl).await.expect("export opens");
    // Writes commit after the snapshot began and before any row is read:
    // none of them may be in the export, all of them follow its sequence.
    some_changes(&app, 2).await;
    let lines = drain(&mut ex).await;
    let trailer = lines.last().expect("trailer").clone();
    let sequence = trailer["consistentWithSequence"].as_str().expect("sequence").to_owned();
    assert_eq!(sequence, ex.summary().sequence.to_string());
    assert_eq!(trailer["rows"].as_u64(), Some(lines.len() as u64 - 1));
    let mut mirror = Mirror::new();
    for r in &lines[..lines.len() - 1] {
        let id = r["id"].as_str().expect("id").to_owned();
        mirror.insert(id.clone(), json!({"id": id, "name": r["name"], "status": r["status"], "version": r["version"]}));
    }
    assert!(mirror.len() < registry(&app, None).await.len(), "the later writes are not in the export");
    // More writes while the mirror catches up.
    let resume = replay(&app, json!(sequence), &mut mirror, None).await;
    some_changes(&app, 3).await;
    replay(&app, resume, &mut mirror, None).await;
    assert_eq!(mirror, registry(&app, None).await);
}

async fn exports_write_csv_and_one_province(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    some_changes(&app, 1).await;
    let mut ex = Exporter::open(&app.state, national_admin(), Some("40"), Format::Csv).await.expect("export opens");
    let mut bytes = Vec::new();
    while let Some(piece) = ex.next().await.expect("page") {
        bytes.extend(piece);
    }
    let text = String::from_utf8(bytes).expect("utf-8");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("kind,id,rowId,code,name,status"), "{}", lines[0]);
    let s = ex.summary();
    assert_eq!(lines.last().copied(), Some(format!("#consistentWithSequence={},rows={}", s.sequence, s.rows).as_str()));
    assert_eq!(lines.len() as i64, s.rows + 2);
    // Only province 40: the Khánh Hòa cooperative is not in it.
    assert!(!text.contains("Khánh Hòa"));
    let mut reader = csv::ReaderBuilder::new().comment(Some(b'#')).from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().expect("CSV parses");
    assert_eq!(rows.len() as i64, s.rows);
    assert!(rows.iter().all(|r| &r[7] == "40"));
    assert!(rows.iter().any(|r| &r[23] == "040090000123"), "a national admin's CSV has identity numbers");
}

/// Personal data only where the principal may see it: an officer's rows of
/// another province carry names but no identity numbers or phones.
async fn personal_data_follows_the_callers_scope(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    some_changes(&app, 1).await;
    let who = Principal {
        subject: "o".into(),
        role: Role::ProvincialOfficer,
        province: coopgate::domain::ProvinceCode::parse("56").ok(),
    };
    let mut ex = Exporter::open(&app.state, who, None, Format::Jsonl).await.expect("export opens");
    let lines = drain(&mut ex).await;
    let coops: Vec<&Value> = lines.iter().filter(|l| l["kind"] == "COOPERATIVE").collect();
    assert!(coops.iter().any(|c| c["provinceCode"] == "40") && coops.iter().any(|c| c["provinceCode"] == "56"));
    for c in coops {
        let own = c["provinceCode"] == "56";
        assert_eq!(c["director"]["name"], "Nguyễn Văn An");
        assert_eq!(c["director"]["idNumber"].is_string(), own, "{c}");
        assert_eq!(c["director"]["phone"].is_string(), own, "{c}");
    }
}

const START: &str = "mutation($i: StartExportInput!) { startExport(input: $i) {
    exportJob { id state format provinceCode } userErrors { message } } }";
const JOB: &str = "query($id: ID!) { node(id: $id) { ... on ExportJob {
    id state rows downloadUrl consistentWithSequence provinceCode finishedAt } } }";

/// Polls a job until it is no longer QUEUED or RUNNING.
async fn finished(app: &TestApp, who: &str, id: &Value) -> Value {
    for _ in 0..200 {
        let d = app.data_as(who, JOB, json!({"id": id})).await;
        let state = d["node"]["state"].as_str().unwrap_or("").to_owned();
        if state == "DONE" || state == "FAILED" {
            return d["node"].clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("export {id} did not finish");
}

async fn start_export_runs_in_the_background_for_its_starter_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    some_changes(&app, 1).await;
    let a = admin();
    let d = app.data_as(&a, START, json!({"i": {"format": "JSONL"}})).await;
    let id = d["startExport"]["exportJob"]["id"].clone();
    assert_eq!(d["startExport"]["exportJob"]["provinceCode"], Value::Null);
    let job = finished(&app, &a, &id).await;
    assert_eq!(job["state"], "DONE");
    let url = format!("{}{}", app.address, job["downloadUrl"].as_str().expect("downloadUrl"));

    let resp = app.http.get(&url).bearer_auth(&a).send().await.expect("download");
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.expect("body");
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect();
    assert_eq!(lines.last().expect("trailer")["consistentWithSequence"], job["consistentWithSequence"]);
    assert_eq!(job["rows"].as_u64(), Some(lines.len() as u64 - 1));
    // The national admin sees personal data of representatives.
    assert!(text.contains("040090000123"), "identity numbers for an admin");

    // Nobody else: not another principal, not anonymous.
    let other = officer("40");
    assert_eq!(app.http.get(&url).bearer_auth(&other).send().await.expect("get").status(), 404);
    assert_eq!(app.http.get(&url).send().await.expect("get").status(), 401);
    assert_eq!(app.data_as(&other, JOB, json!({"id": id})).await["node"], Value::Null);

    // Officers export their own province only.
    let d = app.data_as(&other, START, json!({"i": {"format": "CSV"}})).await;
    assert_eq!(d["startExport"]["exportJob"]["provinceCode"], "40");
    let job = finished(&app, &other, &d["startExport"]["exportJob"]["id"]).await;
    assert_eq!(job["state"], "DONE");
    let e = app.graphql_as(&other, START, json!({"i": {"format": "CSV", "provinceCode": "56"}})).await;
    assert_eq!(code(&e["errors"][0]), "FORBIDDEN");
    let reader = token(Role::PortalReader, None);
    let e = app.graphql_as(&reader, START, json!({"i": {"format": "CSV"}})).await;
    assert_eq!(code(&e["errors"][0]), "FORBIDDEN");
    let e = app.graphql(START, json!({"i": {"format": "CSV"}})).await;
    assert_eq!(code(&e["errors"][0]), "UNAUTHENTICATED");
    let e = app.graphql_as(&a, START, json!({"i": {"format": "CSV", "provinceCode": "99"}})).await;
    assert_eq!(code(&e["errors"][0]), "BAD_USER_INPUT");
}

storage_tests!(
    a_mirror_loading_the_export_and_following_the_feed_equals_the_registry,
    exports_write_csv_and_one_province,
    personal_data_follows_the_callers_scope,
    start_export_runs_in_the_background_for_its_starter_only,
);

#[test]
fn export_ids_are_the_global_ids_of_the_api() {
    for (name, kind) in [
        ("Cooperative", coopgate::graphql::ids::NodeKind::Cooperative),
        ("CooperativeUnion", coopgate::graphql::ids::NodeKind::CooperativeUnion),
        ("CooperativeGroup", coopgate::graphql::ids::NodeKind::CooperativeGroup),
    ] {
        assert_eq!(coopgate::service::export::global_id(name, 42), coopgate::graphql::ids::encode(kind, 42).0);
    }
}
