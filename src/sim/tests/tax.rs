//! The tax registration system: codes, idempotency, the asynchronous path,
//! validation, taxpayer updates and status.

use super::{assert_valid_code, config, error_fields, header, new_key, registration, TestSim};
use crate::sim::SimConfig;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::time::Duration;

#[tokio::test]
async fn a_registration_gets_a_tax_code_with_a_valid_check_digit() {
    let sim = TestSim::new().await;
    let answer = sim.post("/tax/v1/registrations", "k-1", &registration("HTX Thuận Nam", "58")).await;
    assert_eq!(answer.status(), StatusCode::CREATED);
    let location = header(&answer, "location").expect("Location");
    let body: Value = answer.json().await.expect("json");
    let code = body["taxCode"].as_str().expect("taxCode");
    assert_valid_code(code);
    assert!(code.starts_with("58"), "the simulator prefixes codes with the province: {code}");
    assert_eq!(body["status"], "ISSUED");
    assert_eq!(location, format!("/tax/v1/registrations/{}", body["registrationId"].as_str().expect("id")));

    let taxpayer: Value = sim.get(&format!("/tax/v1/taxpayers/{code}")).await.json().await.expect("json");
    assert_eq!(taxpayer["name"], "HTX Thuận Nam");
    assert_eq!(taxpayer["status"], "ACTIVE");
    assert_eq!(taxpayer["charterCapital"], "1500000000");
}

#[tokio::test]
async fn codes_are_valid_and_unique_over_many_registrations() {
    let sim = TestSim::new().await;
    let mut codes = HashSet::new();
    for i in 0..300 {
        let province = ["40", "56", "75"][i % 3];
        let code = sim.register(&format!("HTX số {i}"), province).await;
        assert_valid_code(&code);
        assert!(codes.insert(code.clone()), "{code} issued twice");
    }
    let records = sim.handle.records();
    assert_eq!(records.tax.taxpayers.len(), 300);
    assert!(records.tax.taxpayers.iter().all(|t| t.writes.iter().all(|w| w.applied == 1)));
}

#[tokio::test]
async fn the_same_key_and_body_replay_the_first_answer() {
    let sim = TestSim::new().await;
    let body = registration("HTX Hải Hậu", "37");
    let first = sim.post("/tax/v1/registrations", "same-key", &body).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first_location = header(&first, "location");
    let first: Value = first.json().await.expect("json");

    // Same JSON value, keys in another order and other spacing.
    let reordered = r#"{ "charterCapital":"1500000000","businessLines":["0111","4620"],"legalRepresentative":
        {"idNumber":"040190000123","fullName":"Nguyễn Thị Hoa"},"provinceCode":"37","wardCode":"16681",
        "kind":"COOPERATIVE","name":"HTX Hải Hậu"}"#;
    let again = sim
        .request(Method::POST, "/tax/v1/registrations", Some("same-key"), None, &[("content-type", "application/json")])
        .body(reordered)
        .send()
        .await
        .expect("sent");
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(header(&again, "location"), first_location);
    assert_eq!(again.json::<Value>().await.expect("json"), first);

    let mut other = body.clone();
    other["name"] = json!("HTX khác");
    let conflict = sim.post("/tax/v1/registrations", "same-key", &other).await;
    assert_eq!(conflict.status(), StatusCode::CONFLICT);
    // The same key on another path is another request too.
    let elsewhere = sim
        .put(&format!("/tax/v1/taxpayers/{}", first["taxCode"].as_str().expect("code")), "same-key", &body, &[])
        .await;
    assert_eq!(elsewhere.status(), StatusCode::CONFLICT);

    let records = sim.handle.records();
    assert_eq!(records.tax.taxpayers.len(), 1, "no second taxpayer");
    assert_eq!(records.tax.taxpayers[0].writes[0].applied, 1);
    assert_eq!(records.tax.taxpayers[0].writes[0].idempotency_keys, ["same-key"]);

    // The same body under a new key is a second registration, and the
    // records say so on both.
    assert_eq!(sim.post("/tax/v1/registrations", "new-key", &body).await.status(), StatusCode::CREATED);
    let records = sim.handle.records();
    assert_eq!(records.tax.taxpayers.len(), 2);
    assert!(records.tax.taxpayers.iter().all(|t| t.writes[0].applied == 2));
}

#[tokio::test]
async fn writes_need_a_key_and_a_json_object() {
    let sim = TestSim::new().await;
    let body = registration("HTX A", "40");
    let no_key = sim.request(Method::POST, "/tax/v1/registrations", None, Some(&body), &[]).send().await.expect("sent");
    assert_eq!(no_key.status(), StatusCode::BAD_REQUEST);
    let text = no_key.text().await.expect("text");
    assert!(text.contains("Idempotency-Key"), "{text}");

    let long_key = "k".repeat(300);
    let bad_key = sim.post("/tax/v1/registrations", &long_key, &body).await;
    assert_eq!(bad_key.status(), StatusCode::BAD_REQUEST);

    let not_json = sim
        .request(Method::POST, "/tax/v1/registrations", Some("k"), None, &[("content-type", "text/plain")])
        .body("name=x")
        .send()
        .await
        .expect("sent");
    assert_eq!(not_json.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let broken = sim
        .request(Method::POST, "/tax/v1/registrations", Some("k"), None, &[("content-type", "application/json")])
        .body("{\"name\": ")
        .send()
        .await
        .expect("sent");
    assert_eq!(broken.status(), StatusCode::BAD_REQUEST);
    assert!(broken.text().await.expect("text").contains("not valid JSON"));

    let array = sim.post("/tax/v1/registrations", "k", &json!([1, 2])).await;
    assert_eq!(array.status(), StatusCode::BAD_REQUEST);
    assert!(sim.handle.records().tax.taxpayers.is_empty());
}

#[tokio::test]
async fn every_bad_field_is_listed_in_one_422() {
    let sim = TestSim::new().await;
    let body = json!({
        "kind": "COOPERATIVE",
        "wardCode": "1668",
        "provinceCode": "40",
        "legalRepresentative": {"idNumber": "040190000123"},
        "businessLines": ["0111", "011"],
        "charterCapital": "-1000"
    });
    let answer = sim.post("/tax/v1/registrations", &new_key(), &body).await;
    assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = answer.json().await.expect("json");
    assert_eq!(
        error_fields(&body),
        ["name", "wardCode", "legalRepresentative.fullName", "businessLines[1]", "charterCapital"]
    );
    assert!(body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .all(|e| e["message"].as_str().is_some_and(|m| !m.is_empty())));
    // Nothing is remembered for a refused write: the fixed body may reuse the key.
    assert!(sim.handle.records().tax.taxpayers.is_empty());
}

#[tokio::test]
async fn an_asynchronous_registration_is_pending_then_issued() {
    let sim =
        TestSim::start(SimConfig { async_tax_share: 1.0, tax_pending: Duration::from_millis(150), ..config() }).await;
    let answer = sim.post("/tax/v1/registrations", "async-1", &registration("HTX Chờ", "40")).await;
    assert_eq!(answer.status(), StatusCode::ACCEPTED);
    let location = header(&answer, "location").expect("Location");
    let body: Value = answer.json().await.expect("json");
    assert_eq!(body["status"], "PENDING");
    assert!(body.get("taxCode").is_none());

    // The first poll is always PENDING, and so is any before the time.
    for _ in 0..2 {
        let poll: Value = sim.get(&location).await.json().await.expect("json");
        assert_eq!(poll["status"], "PENDING");
    }
    assert_eq!(sim.handle.records().tax.taxpayers[0].taxpayer.tax_code, None);

    tokio::time::sleep(Duration::from_millis(200)).await;
    let poll: Value = sim.get(&location).await.json().await.expect("json");
    assert_eq!(poll["status"], "ISSUED");
    let code = poll["taxCode"].as_str().expect("taxCode").to_owned();
    assert_valid_code(&code);
    // Later polls keep answering the same.
    let again: Value = sim.get(&location).await.json().await.expect("json");
    assert_eq!(again, poll);
    assert_eq!(sim.get(&format!("/tax/v1/taxpayers/{code}")).await.status(), StatusCode::OK);

    // Replaying the write gives the first answer: 202 and the same Location.
    let replay = sim.post("/tax/v1/registrations", "async-1", &registration("HTX Chờ", "40")).await;
    assert_eq!(replay.status(), StatusCode::ACCEPTED);
    assert_eq!(header(&replay, "location"), Some(location));
    assert_eq!(sim.get("/tax/v1/registrations/REG-99999999").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn taxpayer_details_and_status_change_until_closed() {
    let sim = TestSim::new().await;
    let code = sim.register("HTX Cũ", "40").await;
    let path = format!("/tax/v1/taxpayers/{code}");

    let renamed = sim.put(&path, &new_key(), &registration("HTX Mới", "40"), &[]).await;
    assert_eq!(renamed.status(), StatusCode::OK);
    assert_eq!(renamed.json::<Value>().await.expect("json")["name"], "HTX Mới");

    let mut union = registration("HTX Mới", "40");
    union["kind"] = json!("UNION");
    let kind = sim.put(&path, &new_key(), &union, &[]).await;
    assert_eq!(kind.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&kind.json().await.expect("json")), ["kind"]);

    let status = |s: &str| json!({"status": s, "effectiveOn": "2025-09-01", "reason": "members decided"});
    let suspended = sim.post(&format!("{path}/status"), &new_key(), &status("SUSPENDED")).await;
    assert_eq!(suspended.status(), StatusCode::OK);
    assert_eq!(suspended.json::<Value>().await.expect("json")["status"], "SUSPENDED");
    let twice = sim.post(&format!("{path}/status"), &new_key(), &status("SUSPENDED")).await;
    assert_eq!(twice.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let unknown_status = sim.post(&format!("{path}/status"), &new_key(), &status("ASLEEP")).await;
    assert_eq!(unknown_status.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(sim.post(&format!("{path}/status"), &new_key(), &status("CLOSED")).await.status(), StatusCode::OK);
    let closed = sim.put(&path, &new_key(), &registration("HTX Khác", "40"), &[]).await;
    assert_eq!(closed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let reopen = sim.post(&format!("{path}/status"), &new_key(), &status("ACTIVE")).await;
    assert_eq!(reopen.status(), StatusCode::UNPROCESSABLE_ENTITY);

    assert_eq!(sim.get("/tax/v1/taxpayers/0100109106").await.status(), StatusCode::NOT_FOUND);
    let missing = sim.put("/tax/v1/taxpayers/0100109106", &new_key(), &registration("X", "40"), &[]).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    let records = sim.handle.records();
    let writes = &records.tax.taxpayers[0].writes;
    assert_eq!(writes.len(), 4, "register, update, SUSPENDED, CLOSED: {writes:?}");
    assert!(writes.iter().all(|w| w.applied == 1));
}
