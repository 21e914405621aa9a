//! Random input at every endpoint: always a clear 4xx or a success, never a
//! 5xx, a panic or a dropped connection.

use super::{new_key, record, registration, TestSim};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::Method;
use serde_json::{json, Map, Value};

const KEYS: &[&str] = &[
    "name",
    "kind",
    "wardCode",
    "provinceCode",
    "legalRepresentative",
    "fullName",
    "idNumber",
    "businessLines",
    "charterCapital",
    "address",
    "members",
    "employees",
    "revenue",
    "profit",
    "averageMemberIncome",
    "rating",
    "status",
    "effectiveOn",
    "reason",
    "code",
    "x",
];

const STRINGS: &[&str] = &[
    "",
    " ",
    "0",
    "-1",
    "1e309",
    "NaN",
    "16681",
    "40",
    "0111",
    "COOPERATIVE",
    "UNION",
    "ACTIVE",
    "DISSOLVED",
    "GOOD",
    "2025-02-30",
    "2025-01-01",
    "0100109106",
    "\u{0}",
    "Hợp tác xã",
    "\u{202e}x",
    "9999999999999999999999999999.99",
    "0.001",
    "1.",
    ".5",
    "--",
    "<script>",
];

fn random_value(rng: &mut StdRng, depth: u32) -> Value {
    match rng.random_range(0..if depth == 0 { 5 } else { 7 }) {
        0 => Value::Null,
        1 => Value::Bool(rng.random()),
        2 => match rng.random_range(0..4) {
            0 => json!(rng.random_range(-10..1000)),
            1 => json!(rng.random::<f64>() * 1e20 - 5e19),
            2 => json!(u64::MAX),
            _ => json!(i64::MIN),
        },
        3 => json!(STRINGS[rng.random_range(0..STRINGS.len())]),
        4 => json!("x".repeat(rng.random_range(0..400))),
        5 => Value::Array((0..rng.random_range(0..4)).map(|_| random_value(rng, depth - 1)).collect()),
        _ => random_object(rng, depth - 1),
    }
}

fn random_object(rng: &mut StdRng, depth: u32) -> Value {
    let mut map = Map::new();
    for _ in 0..rng.random_range(0..8) {
        map.insert(KEYS[rng.random_range(0..KEYS.len())].to_owned(), random_value(rng, depth));
    }
    Value::Object(map)
}

/// A valid body with one field replaced by noise, or pure noise.
fn mutate(rng: &mut StdRng, base: &Value) -> Value {
    if rng.random_bool(0.3) {
        return random_object(rng, 2);
    }
    let mut body = base.clone();
    if let Some(map) = body.as_object_mut() {
        let keys: Vec<String> = map.keys().cloned().collect();
        for _ in 0..rng.random_range(1..3) {
            let key = &keys[rng.random_range(0..keys.len())];
            if rng.random_bool(0.2) {
                map.remove(key);
            } else {
                map.insert(key.clone(), random_value(rng, 2));
            }
        }
    }
    body
}

#[tokio::test]
async fn random_bodies_get_clear_refusals_and_never_a_5xx() {
    let sim = TestSim::new().await;
    let code = sim.registered_record("HTX Gốc", "40").await;
    let mut rng = StdRng::seed_from_u64(99);
    let status = json!({"status": "SUSPENDED", "effectiveOn": "2025-01-01", "reason": "r"});
    let report = json!({"members": 9, "employees": 2, "revenue": "10", "profit": "1", "rating": "GOOD"});
    // (method, path, a valid body to mutate, headers)
    type Target = (Method, String, Value, Vec<(&'static str, &'static str)>);
    let targets: Vec<Target> = vec![
        (Method::POST, "/tax/v1/registrations".into(), registration("HTX", "40"), vec![]),
        (Method::PUT, format!("/tax/v1/taxpayers/{code}"), registration("HTX", "40"), vec![]),
        (Method::POST, format!("/tax/v1/taxpayers/{code}/status"), status.clone(), vec![]),
        (Method::PUT, format!("/ncrs/v1/records/{code}"), record("HTX", "40"), vec![("If-Match", "\"1\"")]),
        (Method::PUT, "/ncrs/v1/records/0100109106".into(), record("HTX", "40"), vec![("If-None-Match", "*")]),
        (Method::POST, format!("/ncrs/v1/records/{code}/status"), status, vec![]),
        (Method::PUT, format!("/ncrs/v1/records/{code}/annual-reports/2024"), report, vec![]),
    ];
    for (method, path, base, headers) in &targets {
        for _ in 0..40 {
            let body = mutate(&mut rng, base);
            let answer = sim
                .request(method.clone(), path, Some(&new_key()), Some(&body), headers)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{method} {path} with {body}: no answer: {e}"));
            let status = answer.status().as_u16();
            let text = answer.text().await.expect("body");
            assert!(status < 500, "{method} {path} with {body}: {status} {text}");
            assert!(serde_json::from_str::<Value>(&text).is_ok(), "{method} {path}: not JSON: {text}");
        }
    }

    for _ in 0..40 {
        let body = mutate(&mut rng, &json!({"code": code, "kind": "CORRECTION", "name": "HTX", "reason": "r"}));
        let answer = sim.http.post(sim.url("/_sim/national-changes")).json(&body).send().await.expect("answer");
        assert!(answer.status().as_u16() < 500, "national change {body}");
        let faults = random_object(&mut rng, 1);
        let answer = sim.http.post(sim.url("/_sim/faults")).json(&faults).send().await.expect("answer");
        assert!(answer.status().as_u16() < 500, "faults {faults}");
        sim.handle.set_faults(crate::sim::Faults::default()).expect("valid");
    }

    // Odd paths, raw bytes and odd headers.
    for path in [
        "/ncrs/v1/records/%FF%FE",
        "/ncrs/v1/records/%00",
        "/tax/v1/taxpayers/..%2F..%2F",
        "/ncrs/v1/records/0100109106/annual-reports/99999999999999999999",
        "/ncrs/v1/changes?after=99999999999999999999999&limit=%FF",
        "/tax/v1/registrations/%E2%80%AE",
    ] {
        let answer = sim.get(path).await;
        assert!(answer.status().is_client_error(), "{path}: {}", answer.status());
    }
    for bytes in [vec![0xff, 0xfe, 0x00], b"{\"name\": \"\\ud800\"}".to_vec(), vec![b'['; 10_000], vec![b' '; 3]] {
        let answer = sim
            .request(Method::POST, "/tax/v1/registrations", Some("raw"), None, &[("content-type", "application/json")])
            .body(bytes)
            .send()
            .await
            .expect("answer");
        assert_eq!(answer.status(), reqwest::StatusCode::BAD_REQUEST);
    }
    let huge = sim
        .request(Method::POST, "/tax/v1/registrations", Some("huge"), None, &[("content-type", "application/json")])
        .body(vec![b' '; 2 << 20])
        .send()
        .await
        .expect("answer");
    assert_eq!(huge.status(), reqwest::StatusCode::PAYLOAD_TOO_LARGE);
    let odd_key = sim
        .request(Method::POST, "/tax/v1/registrations", Some("a key with spaces"), Some(&json!({})), &[])
        .send()
        .await
        .expect("answer");
    assert_eq!(odd_key.status(), reqwest::StatusCode::BAD_REQUEST);

    // Still serving, and what it holds still reads.
    assert_eq!(sim.get("/ncrs/v1/changes").await.status(), reqwest::StatusCode::OK);
    let _ = sim.records().await;
}
