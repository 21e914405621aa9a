//! NCRS: versioned records, status, annual reports and the change feed.

use super::{error_fields, header, new_key, record, TestSim};
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test]
async fn records_are_created_once_and_replaced_only_at_their_version() {
    let sim = TestSim::new().await;
    let code = sim.register("HTX Sen Vàng", "40").await;
    let path = format!("/ncrs/v1/records/{code}");
    let body = record("HTX Sen Vàng", "40");

    let unguarded = sim.put(&path, &new_key(), &body, &[]).await;
    assert_eq!(unguarded.status(), StatusCode::PRECONDITION_REQUIRED);

    let created = sim.put(&path, &new_key(), &body, &[("If-None-Match", "*")]).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(header(&created, "etag").as_deref(), Some("\"1\""));
    assert_eq!(header(&created, "location"), Some(path.clone()));
    let created: Value = created.json().await.expect("json");
    assert_eq!((created["version"].clone(), created["status"].clone()), (json!(1), json!("ACTIVE")));

    let again = sim.put(&path, &new_key(), &body, &[("If-None-Match", "*")]).await;
    assert_eq!(again.status(), StatusCode::PRECONDITION_FAILED);
    assert_eq!(header(&again, "etag").as_deref(), Some("\"1\""));

    assert_eq!(sim.put(&path, &new_key(), &body, &[]).await.status(), StatusCode::PRECONDITION_REQUIRED);

    let mut renamed = body.clone();
    renamed["name"] = json!("HTX Sen Vàng Nghệ An");
    let replaced = sim.put(&path, &new_key(), &renamed, &[("If-Match", "\"1\"")]).await;
    assert_eq!(replaced.status(), StatusCode::OK);
    assert_eq!(header(&replaced, "etag").as_deref(), Some("\"2\""));

    let stale = sim.put(&path, &new_key(), &body, &[("If-Match", "\"1\"")]).await;
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
    assert_eq!(header(&stale, "etag").as_deref(), Some("\"2\""));
    assert!(stale.text().await.expect("text").contains("version 2"));

    let bad_tag = sim.put(&path, &new_key(), &body, &[("If-Match", "latest")]).await;
    assert_eq!(bad_tag.status(), StatusCode::BAD_REQUEST);

    let read = sim.get(&path).await;
    assert_eq!(header(&read, "etag").as_deref(), Some("\"2\""));
    let read: Value = read.json().await.expect("json");
    assert_eq!(read["name"], "HTX Sen Vàng Nghệ An");
    assert_eq!(read["members"], 12);
    assert_eq!(read["version"], 2);

    let missing = sim.put("/ncrs/v1/records/0100109106", &new_key(), &body, &[("If-Match", "\"1\"")]).await;
    assert_eq!(missing.status(), StatusCode::PRECONDITION_FAILED);
    assert_eq!(sim.get("/ncrs/v1/records/0100109106").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_create_lists_an_unknown_code_with_the_bad_fields() {
    let sim = TestSim::new().await;
    let mut body = record("", "40");
    body["members"] = json!(2);
    body["businessLines"] = json!(["01-1"]);
    // A well-formed code the tax system never issued.
    let unknown = sim.put("/ncrs/v1/records/0100109106", &new_key(), &body, &[("If-None-Match", "*")]).await;
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let errors: Value = unknown.json().await.expect("json");
    assert_eq!(error_fields(&errors), ["code", "name", "businessLines[0]", "members"]);
    assert!(errors["errors"][0]["message"].as_str().is_some_and(|m| m.contains("tax registration system")));

    let code = sim.register("HTX Cách", "40").await;
    let spaced = sim
        .put(&format!("/ncrs/v1/records/%20{code}"), &new_key(), &record("HTX", "40"), &[("If-None-Match", "*")])
        .await;
    assert_eq!(spaced.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&spaced.json().await.expect("json")), ["code"]);

    let check_digit =
        sim.put("/ncrs/v1/records/0100109107", &new_key(), &record("HTX", "40"), &[("If-None-Match", "*")]).await;
    assert_eq!(check_digit.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let errors: Value = check_digit.json().await.expect("json");
    assert_eq!(error_fields(&errors), ["code"]);
    assert!(errors["errors"][0]["message"].as_str().is_some_and(|m| m.contains("check digit")));

    let mut union = record("LH HTX", "40");
    union["kind"] = json!("UNION");
    union["members"] = json!(2);
    let code = sim.register("LH HTX", "40").await;
    let small = sim.put(&format!("/ncrs/v1/records/{code}"), &new_key(), &union, &[("If-None-Match", "*")]).await;
    let errors: Value = small.json().await.expect("json");
    assert_eq!(error_fields(&errors), ["members"]);
    assert!(errors["errors"][0]["message"].as_str().is_some_and(|m| m.contains("3 member cooperatives")));
    assert!(sim.handle.records().ncrs.records.is_empty());
}

#[tokio::test]
async fn status_changes_bump_the_version_until_final() {
    let sim = TestSim::new().await;
    let code = sim.registered_record("HTX Bình Minh", "75").await;
    let path = format!("/ncrs/v1/records/{code}/status");
    let status = |s: &str| json!({"status": s, "effectiveOn": "2025-10-01", "reason": "general meeting"});

    let suspended = sim.post(&path, &new_key(), &status("SUSPENDED")).await;
    assert_eq!(suspended.status(), StatusCode::OK);
    assert_eq!(header(&suspended, "etag").as_deref(), Some("\"2\""));
    let suspended: Value = suspended.json().await.expect("json");
    assert_eq!(suspended["status"], "SUSPENDED");
    assert_eq!(suspended["statusEffectiveOn"], "2025-10-01");

    let stale =
        sim.request(reqwest::Method::POST, &path, Some(&new_key()), Some(&status("ACTIVE")), &[("If-Match", "\"1\"")]);
    assert_eq!(stale.send().await.expect("sent").status(), StatusCode::PRECONDITION_FAILED);
    let guarded =
        sim.request(reqwest::Method::POST, &path, Some(&new_key()), Some(&status("ACTIVE")), &[("If-Match", "\"2\"")]);
    assert_eq!(guarded.send().await.expect("sent").status(), StatusCode::OK);

    let no_reason = sim.post(&path, &new_key(), &json!({"status": "DISSOLVED", "effectiveOn": "2025-13-01"})).await;
    assert_eq!(no_reason.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&no_reason.json().await.expect("json")), ["effectiveOn", "reason"]);

    let direct = sim.post(&path, &new_key(), &status("DISSOLVED")).await;
    assert_eq!(direct.status(), StatusCode::UNPROCESSABLE_ENTITY, "a dissolution passes IN_DISSOLUTION");
    assert_eq!(sim.post(&path, &new_key(), &status("IN_DISSOLUTION")).await.status(), StatusCode::OK);
    assert_eq!(sim.post(&path, &new_key(), &status("DISSOLVED")).await.status(), StatusCode::OK);
    let after = sim.post(&path, &new_key(), &status("ACTIVE")).await;
    assert_eq!(after.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(after.text().await.expect("text").contains("final"));
    let replace =
        sim.put(&format!("/ncrs/v1/records/{code}"), &new_key(), &record("HTX", "75"), &[("If-Match", "\"5\"")]).await;
    assert_eq!(replace.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        sim.post("/ncrs/v1/records/0100109106/status", &new_key(), &status("ACTIVE")).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_suspension_keeps_its_term_and_a_dissolution_its_kind_on_the_record() {
    let sim = TestSim::new().await;
    let code = sim.registered_record("HTX Bình Minh", "75").await;
    let path = format!("/ncrs/v1/records/{code}/status");
    let body = |s: &str, extra: Value| {
        let mut b = json!({"status": s, "effectiveOn": "2025-10-01", "reason": "general meeting"});
        b.as_object_mut().expect("object").extend(extra.as_object().expect("object").clone());
        b
    };

    let early = sim.post(&path, &new_key(), &body("SUSPENDED", json!({"until": "2025-10-01"}))).await;
    assert_eq!(early.status(), StatusCode::UNPROCESSABLE_ENTITY, "the term ends after effectiveOn");
    assert_eq!(error_fields(&early.json().await.expect("json")), ["until"]);
    let bad = sim.post(&path, &new_key(), &body("SUSPENDED", json!({"until": "2026-02-30"}))).await;
    assert_eq!(error_fields(&bad.json().await.expect("json")), ["until"]);
    let suspended = sim.post(&path, &new_key(), &body("SUSPENDED", json!({"until": "2026-03-31"}))).await;
    assert_eq!(suspended.status(), StatusCode::OK);
    let read: Value = sim.get(&format!("/ncrs/v1/records/{code}")).await.json().await.expect("json");
    assert_eq!((read["status"].clone(), read["statusUntil"].clone()), (json!("SUSPENDED"), json!("2026-03-31")));

    let termed = sim.post(&path, &new_key(), &body("ACTIVE", json!({"until": "2026-03-31"}))).await;
    assert_eq!(termed.status(), StatusCode::UNPROCESSABLE_ENTITY, "only a suspension has a term");
    assert_eq!(error_fields(&termed.json().await.expect("json")), ["until"]);
    let kinded = sim.post(&path, &new_key(), &body("ACTIVE", json!({"dissolutionKind": "VOLUNTARY"}))).await;
    assert_eq!(error_fields(&kinded.json().await.expect("json")), ["dissolutionKind"]);
    let active: Value = sim.post(&path, &new_key(), &body("ACTIVE", json!({}))).await.json().await.expect("json");
    assert_eq!(active["statusUntil"], Value::Null, "the term ends with the suspension");

    let unknown = sim.post(&path, &new_key(), &body("IN_DISSOLUTION", json!({"dissolutionKind": "FORCED"}))).await;
    assert_eq!(error_fields(&unknown.json().await.expect("json")), ["dissolutionKind"]);
    let voluntary = sim.post(&path, &new_key(), &body("IN_DISSOLUTION", json!({"dissolutionKind": "VOLUNTARY"}))).await;
    assert_eq!(voluntary.json::<Value>().await.expect("json")["dissolutionKind"], "VOLUNTARY");
    let dissolved: Value = sim.post(&path, &new_key(), &body("DISSOLVED", json!({}))).await.json().await.expect("json");
    assert_eq!(
        (dissolved["status"].clone(), dissolved["dissolutionKind"].clone()),
        (json!("DISSOLVED"), json!("VOLUNTARY")),
        "a dissolution keeps the kind its proceedings began with"
    );
}

#[tokio::test]
async fn annual_reports_are_filed_by_year() {
    let sim = TestSim::new().await;
    let code = sim.registered_record("HTX Lúa Sạch", "40").await;
    let path = format!("/ncrs/v1/records/{code}/annual-reports/2024");
    let report = json!({
        "members": 14, "employees": 6, "revenue": "2500000000", "profit": "-12000000.50",
        "averageMemberIncome": "72000000", "rating": "FAIR"
    });
    let filed = sim.put(&path, &new_key(), &report, &[]).await;
    assert_eq!(filed.status(), StatusCode::CREATED);
    assert_eq!(header(&filed, "etag").as_deref(), Some("\"2\""));
    let mut better = report.clone();
    better["rating"] = json!("GOOD");
    let refiled = sim.put(&path, &new_key(), &better, &[("If-Match", "\"2\"")]).await;
    assert_eq!(refiled.status(), StatusCode::OK);

    let read: Value = sim.get(&path).await.json().await.expect("json");
    assert_eq!(
        (read["rating"].clone(), read["profit"].clone(), read["year"].clone()),
        (json!("GOOD"), json!("-12000000.5"), json!(2024))
    );
    assert_eq!(read["recordVersion"], 3);

    let bad = sim
        .put(
            &format!("/ncrs/v1/records/{code}/annual-reports/1800"),
            &new_key(),
            &json!({"members": -1, "employees": 1, "revenue": "1", "profit": "1", "rating": "EXCELLENT"}),
            &[],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&bad.json().await.expect("json")), ["year", "members", "rating"]);
    let future = sim.put(&format!("/ncrs/v1/records/{code}/annual-reports/2999"), &new_key(), &report, &[]).await;
    assert_eq!(future.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(sim.get(&format!("/ncrs/v1/records/{code}/annual-reports/2023")).await.status(), StatusCode::NOT_FOUND);
    let nowhere = sim.put("/ncrs/v1/records/0100109106/annual-reports/2024", &new_key(), &report, &[]).await;
    assert_eq!(nowhere.status(), StatusCode::NOT_FOUND);
}

async fn page(sim: &TestSim, query: &str) -> (Vec<u64>, Vec<Value>, u64) {
    let answer = sim.get(&format!("/ncrs/v1/changes?{query}")).await;
    assert_eq!(answer.status(), StatusCode::OK, "{query}");
    let body: Value = answer.json().await.expect("json");
    let changes = body["changes"].as_array().expect("changes").clone();
    let sequences = changes.iter().map(|c| c["sequence"].as_u64().expect("sequence")).collect();
    (sequences, changes, body["nextAfter"].as_u64().expect("nextAfter"))
}

#[tokio::test]
async fn the_change_feed_pages_in_order_and_resumes_anywhere() {
    let sim = TestSim::new().await;
    let (empty, _, next) = page(&sim, "").await;
    assert!(empty.is_empty());
    assert_eq!(next, 0);

    // Seven changes: 40, 56, 40, 56, 40 created, then a 56 status change and a 40 report.
    let mut codes = Vec::new();
    for (i, province) in ["40", "56", "40", "56", "40"].iter().enumerate() {
        codes.push(sim.registered_record(&format!("HTX {i}"), province).await);
    }
    let suspend = json!({"status": "SUSPENDED", "effectiveOn": "2025-08-01", "reason": "drought"});
    assert_eq!(
        sim.post(&format!("/ncrs/v1/records/{}/status", codes[1]), &new_key(), &suspend).await.status(),
        StatusCode::OK
    );
    let report = json!({"members": 9, "employees": 2, "revenue": "10", "profit": "1", "rating": "AVERAGE"});
    let filed = sim.put(&format!("/ncrs/v1/records/{}/annual-reports/2024", codes[0]), &new_key(), &report, &[]).await;
    assert_eq!(filed.status(), StatusCode::CREATED);

    // All of it, two at a time.
    let mut seen = Vec::new();
    let mut after = 0;
    loop {
        let (sequences, _, next) = page(&sim, &format!("after={after}&limit=2")).await;
        if sequences.is_empty() {
            assert_eq!(next, after, "an empty page leaves the position as it was");
            break;
        }
        assert!(sequences.len() <= 2);
        seen.extend(sequences);
        after = next;
    }
    assert_eq!(seen, [1, 2, 3, 4, 5, 6, 7]);

    // Resume from the middle.
    let (sequences, changes, next) = page(&sim, "after=5&limit=10").await;
    assert_eq!(sequences, [6, 7]);
    assert_eq!(next, 7);
    assert_eq!(changes[0]["kind"], "STATUS_CHANGED");
    assert_eq!(changes[0]["status"], "SUSPENDED");
    assert_eq!(changes[0]["code"], codes[1].as_str());
    assert_eq!(changes[0]["version"], 2);
    assert_eq!(changes[0]["origin"], "PROVINCE");
    assert_eq!(changes[1]["kind"], "ANNUAL_REPORT_FILED");
    assert_eq!(changes[1]["year"], 2024);
    assert!(changes[1]["at"].as_str().is_some_and(|t| t.ends_with('Z')));

    // One province, paged, resumed.
    let (sequences, changes, next) = page(&sim, "province=40&limit=2").await;
    assert_eq!(sequences, [1, 3]);
    assert!(changes.iter().all(|c| c["provinceCode"] == "40"));
    assert_eq!(next, 3);
    let (sequences, _, next) = page(&sim, &format!("province=40&limit=2&after={next}")).await;
    assert_eq!(sequences, [5, 7]);
    let (sequences, _, next) = page(&sim, &format!("province=40&limit=2&after={next}")).await;
    assert!(sequences.is_empty());
    assert_eq!(next, 7);
    let (sequences, _, next) = page(&sim, "province=56&after=4").await;
    assert_eq!(sequences, [6]);
    assert_eq!(next, 7, "a short page moves the position to the feed's end");
    let (sequences, _, _) = page(&sim, "province=01").await;
    assert!(sequences.is_empty());

    for bad in ["limit=0", "limit=1001", "after=x", "province=4", "after=1&after=2", "since=3"] {
        let answer = sim.get(&format!("/ncrs/v1/changes?{bad}")).await;
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
}
