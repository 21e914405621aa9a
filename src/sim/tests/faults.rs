//! Fault injection, at start and at run time.

use super::{config, header, new_key, registration, TestSim};
use crate::sim::{Faults, SimConfig};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Statuses of `n` sequential reads.
async fn statuses(sim: &TestSim, n: usize) -> Vec<u16> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(sim.get("/ncrs/v1/changes").await.status().as_u16());
    }
    out
}

#[tokio::test]
async fn the_share_of_5xx_is_about_what_was_asked_and_repeats_with_the_seed() {
    let faults = Faults { error_rate: 0.3, ..Faults::default() };
    let a = TestSim::start(SimConfig { seed: 7, ..config() }).await;
    let b = TestSim::start(SimConfig { seed: 7, ..config() }).await;
    // Set after the token was fetched: the token endpoint is faulty too.
    a.handle.set_faults(faults.clone()).expect("valid");
    b.handle.set_faults(faults).expect("valid");
    let seen_a = statuses(&a, 400).await;
    let seen_b = statuses(&b, 400).await;
    let errors = seen_a.iter().filter(|s| **s >= 500).count();
    assert!((88..=152).contains(&errors), "{errors} of 400 answers were 5xx, expected about 120");
    assert!(seen_a.iter().all(|s| [200, 500, 502, 503].contains(s)));
    for status in [500, 502, 503] {
        assert!(seen_a.contains(&status), "no {status} among {errors} errors");
    }
    assert_eq!(seen_a, seen_b, "the same seed gives the same faults");
}

#[tokio::test]
async fn a_429_carries_retry_after_and_applies_nothing() {
    let sim = TestSim::new().await;
    sim.handle.set_faults(Faults { rate_limit_rate: 1.0, retry_after_secs: 7, ..Faults::default() }).expect("valid");
    let answer = sim.post("/tax/v1/registrations", &new_key(), &registration("HTX", "40")).await;
    assert_eq!(answer.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&answer, "retry-after").as_deref(), Some("7"));
    assert!(sim.handle.records().tax.taxpayers.is_empty());
}

#[tokio::test]
async fn an_outage_answers_503_everywhere_but_the_controls() {
    let sim = TestSim::new().await;
    let set = sim.http.post(sim.url("/_sim/faults")).json(&json!({"outage": true})).send().await.expect("sent");
    assert_eq!(set.status(), StatusCode::OK);
    assert_eq!(set.json::<Value>().await.expect("json")["outage"], true);

    assert_eq!(sim.get("/ncrs/v1/changes").await.status(), StatusCode::SERVICE_UNAVAILABLE);
    let write = sim.post("/tax/v1/registrations", &new_key(), &registration("HTX", "40")).await;
    assert_eq!(write.status(), StatusCode::SERVICE_UNAVAILABLE);
    let token = super::fetch_token(&sim.http, &sim.handle.base_url()).await;
    assert_eq!(token.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(sim.http.get(sim.url("/_sim/records")).send().await.expect("sent").status(), StatusCode::OK);
    assert!(sim.handle.faults().outage);

    let off = sim.http.post(sim.url("/_sim/faults")).json(&json!({"outage": false})).send().await.expect("sent");
    assert_eq!(off.status(), StatusCode::OK);
    assert_eq!(sim.get("/ncrs/v1/changes").await.status(), StatusCode::OK);
    assert!(sim.handle.records().tax.taxpayers.is_empty());
}

#[tokio::test]
async fn a_timeout_hangs_and_applies_nothing() {
    let sim = TestSim::new().await;
    sim.handle.set_faults(Faults { timeout_rate: 1.0, hang_ms: 400, ..Faults::default() }).expect("valid");
    let impatient = sim
        .request(reqwest::Method::POST, "/tax/v1/registrations", Some("t-1"), Some(&registration("HTX", "40")), &[])
        .timeout(Duration::from_millis(150))
        .send()
        .await;
    assert!(impatient.as_ref().is_err_and(reqwest::Error::is_timeout), "{impatient:?}");

    let started = Instant::now();
    let patient = sim.post("/tax/v1/registrations", "t-2", &registration("HTX", "40")).await;
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_eq!(patient.status(), StatusCode::GATEWAY_TIMEOUT);
    assert!(sim.handle.records().tax.taxpayers.is_empty(), "a timed-out write is not applied");
}

#[tokio::test]
async fn a_lost_answer_applies_the_write_and_a_retry_replays_it() {
    let sim = TestSim::new().await;
    sim.handle.set_faults(Faults { lose_answer_rate: 1.0, ..Faults::default() }).expect("valid");
    let body = registration("HTX Mất Thư", "40");
    let started = Instant::now();
    let lost = sim.post_raw("/tax/v1/registrations", "lost-1", &body).await;
    let error = lost.expect_err("no answer");
    assert!(!error.is_timeout(), "the connection is closed, not held: {error:?}");
    assert!(started.elapsed() < Duration::from_secs(5));

    let records = sim.handle.records();
    assert_eq!(records.tax.taxpayers.len(), 1, "the write was applied");
    let code = records.tax.taxpayers[0].taxpayer.tax_code.clone().expect("issued");

    sim.handle.set_faults(Faults::default()).expect("valid");
    let retry = sim.post("/tax/v1/registrations", "lost-1", &body).await;
    assert_eq!(retry.status(), StatusCode::CREATED);
    assert_eq!(retry.json::<Value>().await.expect("json")["taxCode"], code.as_str());
    let records = sim.handle.records();
    assert_eq!(records.tax.taxpayers.len(), 1, "the retry added nothing");
    assert_eq!(records.tax.taxpayers[0].writes[0].applied, 1);
}

#[tokio::test]
async fn latency_is_added_to_every_answer() {
    let sim = TestSim::start(SimConfig { faults: Faults { latency_ms: 1500, ..Faults::default() }, ..config() }).await;
    let started = Instant::now();
    assert_eq!(sim.get("/ncrs/v1/changes").await.status(), StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(1500));
    // Not the controls (the latency is long enough that a loaded machine
    // does not blur the difference).
    let started = Instant::now();
    sim.http.get(sim.url("/_sim/faults")).send().await.expect("sent");
    assert!(started.elapsed() < Duration::from_millis(1500));
}

#[tokio::test]
async fn faults_are_read_and_patched_at_run_time() {
    let sim = TestSim::new().await;
    let read: Value = sim.http.get(sim.url("/_sim/faults")).send().await.expect("sent").json().await.expect("json");
    assert_eq!(read, serde_json::to_value(Faults::default()).expect("json"));
    assert_eq!(read["hangMs"], 30_000);
    let mut names: Vec<&str> = read.as_object().expect("object").keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "errorRate",
            "hangMs",
            "latencyMs",
            "loseAnswerRate",
            "outage",
            "rateLimitRate",
            "retryAfterSeconds",
            "timeoutRate"
        ],
        "the names a patch accepts"
    );

    let patch = json!({"errorRate": 0.2, "latencyMs": 5, "retryAfterSeconds": 3});
    let set = sim.http.post(sim.url("/_sim/faults")).json(&patch).send().await.expect("sent");
    assert_eq!(set.status(), StatusCode::OK);
    assert_eq!(
        sim.handle.faults(),
        Faults { error_rate: 0.2, latency_ms: 5, retry_after_secs: 3, ..Faults::default() }
    );

    for bad in [json!({"errorRate": 2}), json!({"outage": "yes"}), json!({"timeoutRate": 0.9}), json!({"typo": 1})] {
        let answer = sim.http.post(sim.url("/_sim/faults")).json(&bad).send().await.expect("sent");
        assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    assert_eq!(sim.handle.faults().error_rate, 0.2, "refused patches change nothing");
    assert!(sim.handle.set_faults(Faults { lose_answer_rate: 1.5, ..Faults::default() }).is_err());
    assert!(crate::sim::spawn(SimConfig { faults: Faults { error_rate: -1.0, ..Faults::default() }, ..config() })
        .await
        .is_err());
}

#[tokio::test]
async fn settings_that_would_overflow_a_clock_are_refused() {
    for bad in [
        SimConfig { token_ttl: Duration::MAX, ..config() },
        SimConfig { token_ttl: Duration::ZERO, ..config() },
        SimConfig { tax_pending: Duration::MAX, ..config() },
        SimConfig { async_tax_share: 1.5, ..config() },
        SimConfig { clients: Vec::new(), ..config() },
    ] {
        assert!(matches!(crate::sim::spawn(bad).await, Err(crate::sim::SimError::Config(_))));
    }
}
