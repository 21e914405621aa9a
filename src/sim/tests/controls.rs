//! `/_sim/records`, `/_sim/national-changes` and the state file.

use super::{config, new_key, record, registration, TestSim};
use crate::sim::{spawn, SimConfig, SimError};
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test]
async fn records_count_every_distinct_write() {
    let sim = TestSim::new().await;
    let code = sim.registered_record("HTX Đếm", "40").await;
    let path = format!("/ncrs/v1/records/{code}");
    let mut renamed = record("HTX Đếm Lại", "40");
    // Applied once, replayed once: one application.
    let key = new_key();
    for _ in 0..2 {
        let answer = sim.put(&path, &key, &renamed, &[("If-Match", "\"1\"")]).await;
        assert_eq!(answer.status(), StatusCode::OK);
    }
    // The same content again under a new key and the right version: a
    // second application of the same write, which the counts show.
    assert_eq!(sim.put(&path, &new_key(), &renamed, &[("If-Match", "\"2\"")]).await.status(), StatusCode::OK);
    renamed["members"] = json!(20);
    assert_eq!(sim.put(&path, &new_key(), &renamed, &[("If-Match", "\"3\"")]).await.status(), StatusCode::OK);

    let records = sim.records().await;
    assert_eq!(records, sim.handle.records(), "the endpoint and the handle agree");
    assert_eq!(records.tax.taxpayers.len(), 1);
    assert_eq!(records.tax.idempotency_keys, 1);
    assert_eq!(records.ncrs.records.len(), 1);
    assert_eq!(records.ncrs.idempotency_keys, 4);
    assert_eq!(records.ncrs.last_sequence, 4);
    let entry = &records.ncrs.records[0];
    assert_eq!(entry.record.version, 4);
    assert_eq!(entry.record.members, 20);
    let applied: Vec<u32> = entry.writes.iter().map(|w| w.applied).collect();
    assert_eq!(applied, [1, 2, 1], "create, the renaming twice, the member count");
    assert_eq!(entry.writes[1].idempotency_keys.len(), 2);
    assert!(entry.writes.iter().all(|w| w.method == "PUT" && w.path == path && w.digest.len() == 16));
    let operations: Vec<&str> = entry.writes.iter().map(|w| w.operation.as_str()).collect();
    assert_eq!(operations, ["CREATE", "REPLACE", "REPLACE"]);

    // A replace whose content equals the creation's is another write, not a duplicate.
    let code = sim.registered_record("HTX Y Nguyên", "40").await;
    let path = format!("/ncrs/v1/records/{code}");
    let same = sim.put(&path, &new_key(), &record("HTX Y Nguyên", "40"), &[("If-Match", "\"1\"")]).await;
    assert_eq!(same.status(), StatusCode::OK);
    let records = sim.handle.records();
    let writes = &records.ncrs.records.iter().find(|r| r.record.code == code).expect("record").writes;
    assert_eq!(writes.iter().map(|w| w.applied).collect::<Vec<_>>(), [1, 1]);

    // The JSON says the same in camelCase.
    let raw: Value = sim.http.get(sim.url("/_sim/records")).send().await.expect("sent").json().await.expect("json");
    let raw_entry =
        raw["ncrs"]["records"].as_array().expect("records").iter().find(|r| r["version"] == 4).expect("entry");
    assert_eq!(raw_entry["writes"][1]["applied"], 2);
    assert_eq!(raw_entry["writes"][1]["operation"], "REPLACE");
    assert_eq!(raw["tax"]["taxpayers"][0]["registrationStatus"], "ISSUED");
}

#[tokio::test]
async fn national_changes_are_applied_and_fed() {
    let sim = TestSim::new().await;
    let code = sim.registered_record("HTX Ven Biển", "56").await;
    let inject = |body: Value| sim.http.post(sim.url("/_sim/national-changes")).json(&body).send();

    let corrected = inject(json!({
        "code": code, "kind": "CORRECTION", "name": "HTX Ven Biển Khánh Hòa", "wardCode": "22333",
        "reason": "hiệu đính theo hồ sơ gốc"
    }))
    .await
    .expect("sent");
    assert_eq!(corrected.status(), StatusCode::OK);
    let corrected: Value = corrected.json().await.expect("json");
    assert_eq!(corrected["change"]["kind"], "CORRECTED");
    assert_eq!(corrected["change"]["origin"], "NATIONAL");
    assert_eq!(corrected["change"]["corrections"], json!({"name": "HTX Ven Biển Khánh Hòa", "wardCode": "22333"}));
    assert_eq!(corrected["record"]["version"], 2);

    let read: Value = sim.get(&format!("/ncrs/v1/records/{code}")).await.json().await.expect("json");
    assert_eq!(read["name"], "HTX Ven Biển Khánh Hòa");
    assert_eq!(read["wardCode"], "22333");

    let same = inject(json!({"code": code, "kind": "CORRECTION", "name": "HTX Ven Biển Khánh Hòa", "reason": "r"}));
    assert_eq!(same.await.expect("sent").status(), StatusCode::UNPROCESSABLE_ENTITY);

    let dissolved = inject(json!({
        "code": code, "kind": "COMPULSORY_DISSOLUTION", "effectiveOn": "2025-11-15", "reason": "inactive for 2 years"
    }))
    .await
    .expect("sent");
    assert_eq!(dissolved.status(), StatusCode::OK);

    let feed: Value = sim.get("/ncrs/v1/changes?after=1").await.json().await.expect("json");
    let changes = feed["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[1]["kind"], "STATUS_CHANGED");
    assert_eq!(changes[1]["status"], "DISSOLVED");
    assert_eq!(changes[1]["origin"], "NATIONAL");
    assert_eq!(changes[1]["effectiveOn"], "2025-11-15");
    assert_eq!(changes[1]["version"], 3);
    assert_eq!(changes[1]["provinceCode"], "56");

    let revoke = inject(json!({"code": code, "kind": "REVOCATION", "effectiveOn": "2025-12-01", "reason": "r"}));
    assert_eq!(revoke.await.expect("sent").status(), StatusCode::UNPROCESSABLE_ENTITY, "dissolution is final");
    let unknown =
        inject(json!({"code": "0100109106", "kind": "REVOCATION", "effectiveOn": "2025-12-01", "reason": "r"}));
    assert_eq!(unknown.await.expect("sent").status(), StatusCode::NOT_FOUND);
    let bad = inject(json!({"code": "12", "kind": "DELETE"})).await.expect("sent");
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(super::error_fields(&bad.json().await.expect("json")), ["code", "kind", "reason"]);

    let records = sim.handle.records();
    let writes = &records.ncrs.records[0].writes;
    assert_eq!(writes.len(), 3, "create and two national changes: {writes:?}");
    assert!(writes[1..].iter().all(|w| w.idempotency_keys.is_empty() && w.path == "/_sim/national-changes"));
}

#[tokio::test]
async fn the_state_file_survives_a_restart() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("state").join("national.json");
    let cfg = SimConfig { state_file: Some(file.clone()), ..config() };

    let sim = TestSim::start(cfg.clone()).await;
    let code = sim.registered_record("HTX Bền", "40").await;
    let report = json!({"members": 9, "employees": 2, "revenue": "10", "profit": "1", "rating": "GOOD"});
    let path = format!("/ncrs/v1/records/{code}/annual-reports/2024");
    let filed = sim.put(&path, "report-2024", &report, &[]).await;
    assert_eq!(filed.status(), StatusCode::CREATED);
    let filed: Value = filed.json().await.expect("json");
    let before = sim.handle.records();
    sim.handle.shutdown().await;
    assert!(file.exists());
    assert!(!dir.path().join("state/national.json.tmp").exists(), "the temporary file was renamed");

    let sim = TestSim::start(cfg).await;
    assert_eq!(sim.handle.records(), before, "same records after the restart");
    // Idempotency survives too: the retry replays, nothing is refiled.
    let replay = sim.put(&path, "report-2024", &report, &[]).await;
    assert_eq!(replay.status(), StatusCode::CREATED);
    assert_eq!(replay.json::<Value>().await.expect("json"), filed);
    // Codes stay unique across the restart, and the feed continues.
    let other = sim.registered_record("HTX Mới", "40").await;
    assert_ne!(other, code);
    assert_eq!(sim.handle.records().ncrs.last_sequence, 3);
    sim.handle.shutdown().await;

    std::fs::write(&file, b"{ not json").expect("write");
    match spawn(SimConfig { state_file: Some(file.clone()), ..config() }).await {
        Err(SimError::StateFile { path, message }) => {
            assert_eq!(path, file);
            assert!(message.contains("not a national-sim state"), "{message}");
        }
        Err(other) => panic!("unexpected error {other}"),
        Ok(_) => panic!("a corrupt state file must stop start-up"),
    }
    // A path that cannot be written stops start-up too, rather than failing every write.
    let under_a_file = file.join("national.json");
    match spawn(SimConfig { state_file: Some(under_a_file), ..config() }).await {
        Err(SimError::StateFile { message, .. }) => assert!(message.contains("folder"), "{message}"),
        Err(other) => panic!("unexpected error {other}"),
        Ok(_) => panic!("an unwritable state file must stop start-up"),
    }
}

#[tokio::test]
async fn unknown_endpoints_and_methods_get_specific_errors() {
    let sim = TestSim::new().await;
    let nowhere = sim.get("/tax/v2/registrations").await;
    assert_eq!(nowhere.status(), StatusCode::NOT_FOUND);
    assert!(nowhere.text().await.expect("text").contains("no such endpoint"));
    let wrong = sim.http.delete(sim.url("/_sim/records")).send().await.expect("sent");
    assert_eq!(wrong.status(), StatusCode::METHOD_NOT_ALLOWED);
    let wrong = sim.request(reqwest::Method::DELETE, "/ncrs/v1/changes", None, None, &[]).send().await.expect("sent");
    assert_eq!(wrong.status(), StatusCode::METHOD_NOT_ALLOWED);
    let body = registration("HTX", "40");
    assert_eq!(
        sim.post("/tax/v1/registrations/REG-1", &new_key(), &body).await.status(),
        StatusCode::METHOD_NOT_ALLOWED
    );
}
