//! The member register (danh sách thành viên) and what follows from it:
//! counts, the below-minimum flag; the annual-report rules; an
//! organisation's own code is never a branch's; targets reading the plans.

use crate::helpers::{officer, Backend, TestApp};
use crate::storage_tests;
use crate::writes::{coop, fields, imported, payload, registered, tax_code, REGISTER, REPORT, STATUS};
use chrono::Datelike;
use serde_json::{json, Value};
use std::collections::BTreeSet;

fn errors(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn message(p: &Value) -> String {
    p["userErrors"][0]["message"].as_str().unwrap_or_default().to_owned()
}

/// A dependent unit's code (13 characters, suffix 001–999) or the never
/// issued "-000" is refused as a cooperative's own code, saying why.
async fn branch_codes_are_refused_as_an_organisations_own_code(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = officer("40");
    let own = tax_code(400);
    for suffix in ["001", "999"] {
        let p = payload(&app, &t, REGISTER, imported("HTX Chi nhánh", "16681", &format!("{own}-{suffix}"))).await;
        assert_eq!(fields(&p), errors(&["input.code:INVALID"]), "{p}");
        let m = message(&p);
        assert!(m.contains("dependent unit") && m.contains(&own), "the message says why: {m}");
        assert!(p["cooperative"].is_null());
    }
    let p = payload(&app, &t, REGISTER, imported("HTX Số không", "16681", &format!("{own}-000"))).await;
    assert_eq!(fields(&p), errors(&["input.code:INVALID"]), "{p}");
    assert!(message(&p).contains("-000"), "{p}");
    let c = registered(&app, &t, imported("HTX Đúng mã", "16681", &own)).await;
    assert_eq!(c["code"], own.as_str());
    let err = app.graphql(&format!("{{ cooperative(code: \"{own}-001\") {{ name }} }}"), json!({})).await;
    let text = err["errors"][0]["message"].as_str().unwrap_or_default().to_owned();
    assert!(text.contains("dependent unit"), "a look-up by a branch code says why it finds nothing: {err}");
}

/// Reports are taken for the years an organisation existed: from its
/// registration year to the current year, never for a PENDING one; a
/// replacement names the version it replaces.
async fn annual_reports_follow_the_organisations_life(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = officer("40");
    let this_year = (chrono::Utc::now() + chrono::Duration::hours(7)).year();
    let mut young = imported("HTX Mới đăng ký", "16681", &tax_code(410));
    young["registeredOn"] = json!("2024-05-01");
    let young = registered(&app, &t, young).await;
    let report =
        |id: &Value, year: i32| json!({"organizationId": id, "year": year, "officialMembers": 8, "rating": "GOOD"});

    let p = payload(&app, &t, REPORT, report(&young["id"], 1995)).await;
    assert_eq!(fields(&p), errors(&["input.year:INVALID"]), "a 1995 report for a 2024 cooperative: {p}");
    assert!(message(&p).contains("2024"), "{p}");
    let p = payload(&app, &t, REPORT, report(&young["id"], this_year + 1)).await;
    assert_eq!(fields(&p), errors(&["input.year:INVALID"]), "a year that has not begun: {p}");
    assert!(message(&p).contains("has not begun"), "{p}");
    for year in [2024, this_year] {
        let p = payload(&app, &t, REPORT, report(&young["id"], year)).await;
        assert_eq!(p["userErrors"], json!([]), "{year}: {p}");
    }

    let pending = registered(&app, &t, coop("HTX Chờ đăng ký", "16681")).await;
    let p = payload(&app, &t, REPORT, report(&pending["id"], this_year)).await;
    assert_eq!(fields(&p), errors(&["input.year:INVALID"]), "a PENDING application reports nothing: {p}");
    assert!(message(&p).contains("not been registered"), "{p}");

    // A dissolved cooperative still reports the years it operated.
    let old = registered(&app, &t, imported("HTX Đã giải thể", "16681", &tax_code(411))).await;
    let s = payload(&app, &t, STATUS, json!({"id": old["id"], "expectedVersion": 1, "status": "DISSOLVED", "effectiveOn": "2025-06-30", "reason": "Đại hội thành viên quyết định giải thể"})).await;
    assert_eq!(s["userErrors"], json!([]), "{s}");
    let p = payload(&app, &t, REPORT, report(&old["id"], 2024)).await;
    assert_eq!(p["userErrors"], json!([]), "{p}");

    // Replacing the year's report needs the version it replaces.
    const REPORTED: &str = "mutation($i: AnnualReportInput!) { submitAnnualReport(input: $i) {
        annualReport { year rating version } userErrors { field message code } } }";
    let mut again = report(&young["id"], 2024);
    again["rating"] = json!("WEAK");
    let p = payload(&app, &t, REPORTED, again.clone()).await;
    assert_eq!(fields(&p), errors(&["input.expectedVersion:VERSION_CONFLICT"]), "{p}");
    assert!(message(&p).contains("expectedVersion 1"), "{p}");
    again["expectedVersion"] = json!(1);
    let p = payload(&app, &t, REPORTED, again.clone()).await;
    assert_eq!(p["annualReport"], json!({"year": 2024, "rating": "WEAK", "version": 2}), "{p}");
    let p = payload(&app, &t, REPORTED, again.clone()).await;
    assert_eq!(fields(&p), errors(&["input.expectedVersion:VERSION_CONFLICT"]), "version 1 was replaced: {p}");
    let mut fresh = report(&young["id"], 2025);
    fresh["expectedVersion"] = json!(1);
    let p = payload(&app, &t, REPORTED, fresh).await;
    assert_eq!(fields(&p), errors(&["input.expectedVersion:INVALID"]), "nothing to replace: {p}");
    let d = app
        .data(
            &format!(
                "{{ node(id: {}) {{ ... on Cooperative {{ annualReports {{ year rating version }} }} }} }}",
                young["id"]
            ),
            json!({}),
        )
        .await;
    let years: Vec<i64> =
        d["node"]["annualReports"].as_array().expect("reports").iter().filter_map(|r| r["year"].as_i64()).collect();
    assert_eq!(years, [2024, i64::from(this_year)]);
    assert_eq!(d["node"]["annualReports"][0], json!({"year": 2024, "rating": "WEAK", "version": 2}));
}

storage_tests!(branch_codes_are_refused_as_an_organisations_own_code, annual_reports_follow_the_organisations_life);
