//! NCRS reorganisations (tổ chức lại) as one operation naming sources and
//! successors; and the other lifecycle operations a province sends
//! (withdrawal, a union's status changes).

use super::{error_fields, header, new_key, record, registration, TestSim};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn reorganisation(kind: &str, sources: &[&String], successors: &[&String]) -> Value {
    json!({"kind": kind, "effectiveOn": "2026-01-02", "reason": "Nghị quyết đại hội thành viên",
        "sources": sources, "successors": successors})
}

#[tokio::test]
async fn a_merger_ends_its_sources_and_links_them_to_the_successor_in_one_operation() {
    let sim = TestSim::new().await;
    let a = sim.registered_record("HTX Một", "40").await;
    let b = sim.registered_record("HTX Hai", "40").await;
    let into = sim.registered_record("HTX Hấp thụ", "40").await;
    let last = sim.handle.records().ncrs.last_sequence;
    let body = reorganisation("MERGER", &[&a, &b], &[&into]);
    let key = new_key();
    let done = sim.post("/ncrs/v1/reorganisations", &key, &body).await;
    assert_eq!(done.status(), StatusCode::CREATED);
    let location = header(&done, "location").expect("Location");
    let done: Value = done.json().await.expect("json");
    assert_eq!(location, format!("/ncrs/v1/reorganisations/{}", done["id"].as_str().expect("id")));
    assert_eq!((done["kind"].as_str(), done["sources"].clone()), (Some("MERGER"), json!([a, b])));
    let versions: Vec<(String, u64, String)> = done["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .map(|v| (v["code"].as_str().unwrap_or("").into(), v["version"].as_u64().unwrap_or(0), v["status"].to_string()))
        .collect();
    let dissolved = "\"DISSOLVED\"".to_owned();
    assert_eq!(
        versions,
        [(a.clone(), 2, dissolved.clone()), (b.clone(), 2, dissolved), (into.clone(), 1, "\"ACTIVE\"".to_owned())]
    );

    let read: Value = sim.get(&location).await.json().await.expect("json");
    assert_eq!(read, done, "GET shows the reorganisation as recorded");
    let source: Value = sim.get(&format!("/ncrs/v1/records/{a}")).await.json().await.expect("json");
    assert_eq!(source["status"], "DISSOLVED");
    assert_eq!(source["successors"], json!([{"code": into, "reorganisationId": done["id"], "kind": "MERGER"}]));
    let successor: Value = sim.get(&format!("/ncrs/v1/records/{into}")).await.json().await.expect("json");
    assert_eq!((successor["status"].as_str(), successor["version"].as_u64()), (Some("ACTIVE"), Some(1)));
    let predecessors: Vec<&str> =
        successor["predecessors"].as_array().expect("links").iter().filter_map(|l| l["code"].as_str()).collect();
    assert_eq!(predecessors, [a.as_str(), b.as_str()]);

    let feed: Value = sim.get(&format!("/ncrs/v1/changes?after={last}")).await.json().await.expect("json");
    let entries: Vec<(String, String, String, Value)> = feed["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            (
                c["code"].as_str().unwrap_or("").into(),
                c["kind"].to_string(),
                c["origin"].to_string(),
                c["status"].clone(),
            )
        })
        .collect();
    let r = "\"REORGANISED\"".to_owned();
    let p = "\"PROVINCE\"".to_owned();
    assert_eq!(
        entries,
        [
            (a.clone(), r.clone(), p.clone(), json!("DISSOLVED")),
            (b.clone(), r.clone(), p.clone(), json!("DISSOLVED")),
            (into.clone(), r, p, Value::Null)
        ]
    );
    assert!(feed["changes"].as_array().expect("c").iter().all(|c| c["reorganisationId"] == done["id"]));

    // The same request under the same key: the same answer, applied once.
    let again = sim.post("/ncrs/v1/reorganisations", &key, &body).await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.json::<Value>().await.expect("json"), done);
    let other = sim.post("/ncrs/v1/reorganisations", &key, &reorganisation("MERGER", &[&a], &[&into])).await;
    assert_eq!(other.status(), StatusCode::CONFLICT, "the key of another request");
    // Under a new key the sources have ended: refused, nothing applied.
    let twice = sim.post("/ncrs/v1/reorganisations", &new_key(), &body).await;
    assert_eq!(twice.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&twice.json().await.expect("json")), ["sources[0]", "sources[1]"]);
    let records = sim.handle.records();
    assert_eq!(records.ncrs.reorganisations.len(), 1);
    assert_eq!(records.ncrs.reorganisations[0].idempotency_keys, [key]);
    assert_eq!(sim.get("/ncrs/v1/reorganisations/REORG-00000099").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_reorganisation_is_refused_for_what_only_ncrs_knows_and_nothing_is_applied() {
    let sim = TestSim::new().await;
    let source = sim.registered_record("HTX Nguồn", "40").await;
    let new = sim.registered_record("HTX Mới", "40").await;
    // Registered for tax only: no NCRS record yet.
    let unregistered = sim.register("HTX Chưa có hồ sơ", "40").await;
    let ended = sim.registered_record("HTX Đã giải thể", "40").await;
    let status = |s: &str| json!({"status": s, "effectiveOn": "2025-10-01", "reason": "r"});
    for s in ["IN_DISSOLUTION", "DISSOLVED"] {
        let path = format!("/ncrs/v1/records/{ended}/status");
        assert_eq!(sim.post(&path, &new_key(), &status(s)).await.status(), StatusCode::OK);
    }
    let before = sim.handle.records();
    let cases = [
        (reorganisation("SPLIT", &[&source], &[&new, &unregistered]), vec!["successors[1]"]),
        (reorganisation("CONSOLIDATION", &[&source, &ended], &[&new]), vec!["sources[1]"]),
        (reorganisation("MERGER", &[&"0100109106".to_owned()], &[&ended]), vec!["sources[0]", "successors[0]"]),
        (reorganisation("SPLIT", &[&source], &[&new]), vec!["successors"]),
        (reorganisation("SEPARATION", &[&source], &[]), vec!["successors"]),
    ];
    for (body, fields) in cases {
        let refused = sim.post("/ncrs/v1/reorganisations", &new_key(), &body).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(error_fields(&refused.json().await.expect("json")), fields, "{body}");
    }
    assert_eq!(sim.handle.records(), before, "nothing applied");

    // A separation's source continues; a new successor is formed once.
    let separation = reorganisation("SEPARATION", &[&source], &[&new]);
    assert_eq!(sim.post("/ncrs/v1/reorganisations", &new_key(), &separation).await.status(), StatusCode::CREATED);
    let kept: Value = sim.get(&format!("/ncrs/v1/records/{source}")).await.json().await.expect("json");
    assert_eq!((kept["status"].as_str(), kept["version"].as_u64()), (Some("ACTIVE"), Some(1)));
    let again = sim.post("/ncrs/v1/reorganisations", &new_key(), &separation).await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let errors: Value = again.json().await.expect("json");
    assert_eq!(error_fields(&errors), ["successors[0]"]);
    assert!(errors["errors"][0]["message"].as_str().is_some_and(|m| m.contains("formed by reorganisation")));
}

/// A union (liên hiệp hợp tác xã) changes status as a cooperative does,
/// and an application NCRS recorded may be withdrawn.
#[tokio::test]
async fn a_union_changes_status_as_a_cooperative_does_and_an_application_may_be_withdrawn() {
    let sim = TestSim::new().await;
    let mut details = registration("LH HTX Sông Lam", "40");
    details["kind"] = json!("UNION");
    let answer = sim.post("/tax/v1/registrations", &new_key(), &details).await;
    let code = answer.json::<Value>().await.expect("json")["taxCode"].as_str().expect("code").to_owned();
    let mut union = record("LH HTX Sông Lam", "40");
    union["kind"] = json!("UNION");
    union["members"] = json!(3);
    let path = format!("/ncrs/v1/records/{code}");
    assert_eq!(sim.put(&path, &new_key(), &union, &[("If-None-Match", "*")]).await.status(), StatusCode::CREATED);
    let status = |s: &str| json!({"status": s, "effectiveOn": "2025-10-01", "reason": "Nghị quyết"});
    for (s, version) in [("SUSPENDED", 2), ("ACTIVE", 3), ("IN_DISSOLUTION", 4), ("DISSOLVED", 5)] {
        let changed = sim.post(&format!("{path}/status"), &new_key(), &status(s)).await;
        assert_eq!(changed.status(), StatusCode::OK, "{s}");
        let changed: Value = changed.json().await.expect("json");
        assert_eq!((changed["status"].as_str(), changed["version"].as_u64()), (Some(s), Some(version)));
    }

    let application = sim.registered_record("HTX Rút hồ sơ", "40").await;
    let withdrawn = sim.post(&format!("/ncrs/v1/records/{application}/status"), &new_key(), &status("WITHDRAWN")).await;
    assert_eq!(withdrawn.status(), StatusCode::OK);
    let again = sim.post(&format!("/ncrs/v1/records/{application}/status"), &new_key(), &status("ACTIVE")).await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY, "WITHDRAWN is final");
}
