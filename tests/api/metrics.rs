//! `/metrics`: valid Prometheus text, counters that move when requests and
//! deliveries happen, gauges of the outbox, and no personal data in labels.

use crate::helpers::{officer, Backend, TestApp};
use crate::storage_tests;
use crate::writes::{self, registered};
use coopgate::sim::{self, Faults, SimConfig};
use coopgate::sync::client::{Endpoints, HttpNational};
use coopgate::sync::worker::{Worker, WorkerSettings};
use serde_json::json;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

/// A scrape: the text, parsed by `prometheus-parse`, after a strict check
/// of every line against the text exposition format.
pub struct Scrape {
    pub text: String,
    pub parsed: prometheus_parse::Scrape,
}

impl Scrape {
    /// The value of `metric` with exactly these labels (0 when absent).
    pub fn value(&self, metric: &str, labels: &[(&str, &str)]) -> f64 {
        self.parsed
            .samples
            .iter()
            .filter(|s| s.metric == metric)
            .filter(|s| s.labels.len() == labels.len() && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
            .map(|s| match &s.value {
                prometheus_parse::Value::Counter(v)
                | prometheus_parse::Value::Gauge(v)
                | prometheus_parse::Value::Untyped(v) => *v,
                prometheus_parse::Value::Histogram(h) => h.last().map_or(0.0, |b| b.count),
                prometheus_parse::Value::Summary(_) => f64::NAN,
            })
            .sum()
    }

    /// The sum of `metric` over every label set where `labels` match.
    pub fn sum(&self, metric: &str, labels: &[(&str, &str)]) -> f64 {
        self.parsed
            .samples
            .iter()
            .filter(|s| s.metric == metric && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
            .map(|s| match &s.value {
                prometheus_parse::Value::Counter(v) | prometheus_parse::Value::Gauge(v) => *v,
                _ => 0.0,
            })
            .sum()
    }
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// Checks one sample line strictly: `name{label="value",…} value`, label
/// names valid, values quoted with only `\\`, `\"`, `\n` escapes, the value
/// a float. Returns the metric name and the labels.
fn strict_sample(line: &str) -> Result<(String, BTreeMap<String, String>), String> {
    let (head, value) = line.rsplit_once(' ').ok_or("no value")?;
    match value {
        "+Inf" | "-Inf" | "NaN" => {}
        v => {
            v.parse::<f64>().map_err(|_| format!("bad value {v:?}"))?;
        }
    }
    let (name, labels) = match head.split_once('{') {
        None => (head, ""),
        Some((n, rest)) => (n, rest.strip_suffix('}').ok_or("unclosed labels")?),
    };
    if !is_name(name) {
        return Err(format!("bad metric name {name:?}"));
    }
    let mut out = BTreeMap::new();
    let mut rest = labels;
    while !rest.is_empty() {
        let (k, after) = rest.split_once("=\"").ok_or("label without =\"")?;
        if !is_name(k) || k.contains(':') {
            return Err(format!("bad label name {k:?}"));
        }
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next() {
                None => return Err("unterminated label value".into()),
                Some((i, '"')) => break i,
                Some((_, '\\')) => match chars.next() {
                    Some((_, '\\')) => value.push('\\'),
                    Some((_, '"')) => value.push('"'),
                    Some((_, 'n')) => value.push('\n'),
                    other => return Err(format!("bad escape {other:?}")),
                },
                Some((_, c)) => value.push(c),
            }
        };
        if out.insert(k.to_owned(), value).is_some() {
            return Err(format!("label {k} twice"));
        }
        rest = &after[end + 1..];
        rest = rest.strip_prefix(',').unwrap_or(rest);
        if rest.starts_with(',') {
            return Err("empty label".into());
        }
    }
    Ok((name.to_owned(), out))
}

/// Parses an exposition strictly: every `# TYPE` names a valid type once,
/// before its samples; every sample line is well-formed and belongs to the
/// family typed before it; no sample (name and labels) appears twice.
pub fn parse_strictly(text: &str) -> Result<prometheus_parse::Scrape, String> {
    let mut typed: BTreeMap<String, String> = BTreeMap::new();
    let mut seen = HashSet::new();
    for (n, line) in text.lines().enumerate() {
        let at = |e: String| format!("line {}: {e}: {line:?}", n + 1);
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, ty) = rest.split_once(' ').ok_or_else(|| at("TYPE without a type".into()))?;
            if !["counter", "gauge", "histogram", "summary", "untyped"].contains(&ty) {
                return Err(at(format!("unknown type {ty}")));
            }
            if typed.insert(name.to_owned(), ty.to_owned()).is_some() {
                return Err(at("family typed twice".into()));
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix("# HELP ") {
            if !is_name(rest.split(' ').next().unwrap_or("")) {
                return Err(at("bad HELP".into()));
            }
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let (name, labels) = strict_sample(line).map_err(at)?;
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| name.strip_suffix(s).filter(|f| typed.get(*f).map(String::as_str) == Some("histogram")))
            .unwrap_or(&name);
        if !typed.contains_key(family) {
            return Err(at(format!("sample of an untyped family {family}")));
        }
        if typed[family] == "counter" && !name.ends_with("_total") {
            return Err(at("a counter's name ends in _total".into()));
        }
        if !seen.insert((name.clone(), labels)) {
            return Err(at("sample twice".into()));
        }
    }
    prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).map_err(|e| e.to_string())
}

/// GETs `/metrics` from `base` and parses it.
pub async fn scrape(base: &str) -> Scrape {
    let resp = reqwest::get(format!("{base}/metrics")).await.expect("scrape");
    assert_eq!(resp.status(), 200);
    let ct = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    assert!(ct.starts_with("text/plain; version=0.0.4"), "{ct}");
    let text = resp.text().await.expect("body");
    let parsed = parse_strictly(&text).unwrap_or_else(|e| panic!("not valid Prometheus text: {e}\n{text}"));
    Scrape { text, parsed }
}

storage_tests!(requests_and_deliveries_move_the_counters);

async fn requests_and_deliveries_move_the_counters(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let before = scrape(&app.address).await;
    let ok = [("operation", "cooperatives"), ("type", "query"), ("outcome", "ok")];
    let query = "query Nguyen_Van_A_0912345678 { cooperatives(first: 2) { totalCount } }";
    for _ in 0..3 {
        app.data(query, json!({})).await;
    }
    let refused = app.graphql("{ noSuchField }", json!({})).await;
    assert!(refused.get("errors").is_some());
    let t = officer("40");
    let c = registered(&app, &t, writes::coop("HTX đo đếm", "16681")).await;
    assert!(c["id"].is_string());

    let after = scrape(&app.address).await;
    assert!(
        after.value("coopgate_graphql_requests_total", &ok)
            >= before.value("coopgate_graphql_requests_total", &ok) + 3.0
    );
    let latency = [("operation", "cooperatives"), ("type", "query")];
    assert!(
        after.value("coopgate_graphql_request_duration_seconds_count", &latency)
            >= before.value("coopgate_graphql_request_duration_seconds_count", &latency) + 3.0
    );
    let mutation = [("operation", "registerCooperative"), ("type", "mutation"), ("outcome", "ok")];
    assert!(after.value("coopgate_graphql_requests_total", &mutation) >= 1.0);
    assert!(
        after.sum("coopgate_graphql_requests_total", &[("outcome", "refused")])
            > before.sum("coopgate_graphql_requests_total", &[("outcome", "refused")])
    );
    assert!(after.value("coopgate_graphql_statements_per_request_count", &[("type", "mutation")]) >= 1.0);
    assert!(after.text.contains("coopgate_graphql_query_cost_bucket"), "cost histogram");
    assert_eq!(after.sum("coopgate_build_info", &[("role", "gateway")]), 1.0);
    assert!(after.value("coopgate_db_pool_max_connections", &[]) >= 1.0);
    assert!(after.text.contains("coopgate_subscriptions_open"));
    // The registration waits in the outbox (this app runs no worker).
    let pending = [("operation", "REGISTER"), ("state", "PENDING")];
    assert!(after.value("coopgate_sync_outbox_rows", &pending) >= 1.0, "{}", after.text);
    assert!(after.value("coopgate_sync_outbox_oldest_age_seconds", &pending) >= 0.0);

    // No personal data and nothing a client named reaches a label.
    for s in &after.parsed.samples {
        for (k, v) in s.labels.iter() {
            assert!(!v.contains("Nguyen") && !v.contains("0912345678"), "{k}={v} in {}", s.metric);
            assert!(!v.contains("ProvincialOfficer"), "no subject in labels: {k}={v}");
        }
    }

    // A worker delivers it: the deliveries counter and the outbox move.
    let sim = sim::spawn(SimConfig {
        listen: "127.0.0.1:0".parse().expect("addr"),
        faults: Faults::default(),
        ..Default::default()
    })
    .await
    .expect("simulator");
    let client = HttpNational::new(Endpoints {
        tax_url: sim.base_url(),
        ncrs_url: sim.base_url(),
        client_id: sim::DEFAULT_CLIENT_ID.into(),
        client_secret: sim::DEFAULT_CLIENT_SECRET.into(),
        timeout: Duration::from_secs(5),
    })
    .expect("client");
    let settings = WorkerSettings {
        backoff_base: Duration::from_millis(5),
        backoff_cap: Duration::from_millis(50),
        ..Default::default()
    };
    let worker = Worker::new(app.state.clone(), Arc::new(client), settings);
    assert!(worker.drain(Duration::from_secs(60)).await.expect("drain"));
    worker.pull_once().await.expect("pull");
    let delivered = scrape(&app.address).await;
    let attempts: f64 = ["registered", "delivered"]
        .iter()
        .map(|o| delivered.value("coopgate_sync_deliveries_total", &[("operation", "REGISTER"), ("outcome", o)]))
        .sum();
    let attempts_before: f64 = ["registered", "delivered"]
        .iter()
        .map(|o| after.value("coopgate_sync_deliveries_total", &[("operation", "REGISTER"), ("outcome", o)]))
        .sum();
    assert!(attempts >= attempts_before + 1.0, "{}", delivered.text);
    assert!(delivered.value("coopgate_sync_outbox_rows", &[("operation", "REGISTER"), ("state", "DELIVERED")]) >= 1.0);
    assert!(delivered.value("coopgate_national_feed_lag_seconds", &[]) >= 0.0);
    assert!(delivered.text.contains("coopgate_national_feed_cursor"));
    sim.shutdown().await;
    app.stop().await;
}

#[test]
fn the_strict_parser_refuses_what_prometheus_refuses() {
    let good = "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"1\",y=\"a\\\"b\"} 3\n";
    assert!(parse_strictly(good).is_ok());
    for bad in [
        "a_total 1\n",                                    // untyped family
        "# TYPE a_total counter\na_total{x=1} 1\n",       // unquoted value
        "# TYPE a_total counter\na_total{x=\"1\"} one\n", // bad value
        "# TYPE a counter\na 1\n",                        // counter without _total
        "# TYPE a_total counter\na_total 1\na_total 2\n", // sample twice
        "# TYPE 1a gauge\n1a 1\n",                        // bad name
        "# TYPE a gauge\na{x=\"1\" 1\n",                  // unclosed
    ] {
        assert!(parse_strictly(bad).is_err(), "{bad:?}");
    }
}
