//! `/dashboard`: the targets dashboard is served by coopgate itself, from
//! files embedded in the binary, in the dev and the production profile, with
//! a content security policy that lets it run and nothing else.

use crate::helpers::{code, insert_group, insert_report, insert_union, Backend, Coop, Options, TestApp};
use crate::storage_tests;
use coopgate::config::Profile;
use serde_json::json;

const DASHBOARD_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; font-src 'self'; \
     img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

async fn get(app: &TestApp, path: &str) -> reqwest::Response {
    app.http.get(format!("{}{path}", app.address)).send().await.expect("request")
}

fn header(r: &reqwest::Response, name: &str) -> String {
    r.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

async fn the_page_and_its_assets_are_served(app: &TestApp) {
    let page = get(app, "/dashboard").await;
    assert_eq!(page.status(), 200);
    assert!(header(&page, "content-type").starts_with("text/html"));
    assert_eq!(header(&page, "content-security-policy"), DASHBOARD_CSP, "the dashboard's own policy");
    let html = page.text().await.expect("html");
    assert!(html.contains("/dashboard/assets/app.js") && html.contains("/dashboard/assets/app.css"));

    for (path, kind) in [
        ("/dashboard/assets/app.js", "text/javascript"),
        ("/dashboard/assets/app.css", "text/css"),
        ("/dashboard/assets/be-vietnam-pro-vietnamese-400-normal.woff2", "font/woff2"),
        ("/dashboard/persisted-operations.json", "application/json"),
    ] {
        let r = get(app, path).await;
        assert_eq!(r.status(), 200, "{path}");
        assert!(header(&r, "content-type").starts_with(kind), "{path}: {}", header(&r, "content-type"));
        assert_eq!(header(&r, "x-content-type-options"), "nosniff", "{path}");
        assert!(!r.bytes().await.expect("body").is_empty(), "{path}");
    }
    assert_eq!(get(app, "/dashboard/assets/nothing.js").await.status(), 404);

    // A browser revalidates by ETag: unchanged files are not sent again.
    let first = get(app, "/dashboard/assets/app.js").await;
    let etag = header(&first, "etag");
    assert!(etag.starts_with('"') && etag.len() > 10, "a strong ETag: {etag}");
    let again = app
        .http
        .get(format!("{}/dashboard/assets/app.js", app.address))
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("revalidation");
    assert_eq!(again.status(), 304);
    assert!(again.bytes().await.expect("body").is_empty());
    let other = app
        .http
        .get(format!("{}/dashboard/assets/app.js", app.address))
        .header("if-none-match", "\"stale\"")
        .send()
        .await
        .expect("stale tag");
    assert_eq!(other.status(), 200);
    let slash = app.http.get(format!("{}/dashboard/", app.address)).send().await.expect("redirect followed");
    assert_eq!(slash.url().path(), "/dashboard");
}

async fn the_dashboard_is_served_in_dev(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    the_page_and_its_assets_are_served(&app).await;
}

async fn the_dashboard_is_served_in_production_with_only_its_own_policy(backend: Backend) {
    let app = TestApp::spawn_with(backend, Options { profile: Profile::Production, ..Options::default() }).await;
    the_page_and_its_assets_are_served(&app).await;
    // Everything else keeps the production policy: nothing may run there.
    let graphql = app
        .http
        .post(format!("{}/graphql", app.address))
        .json(&serde_json::json!({"query": "{ me { role } }"}))
        .send()
        .await
        .expect("graphql");
    assert_eq!(header(&graphql, "content-security-policy"), "default-src 'none'; frame-ancestors 'none'");
}

/// Every document the dashboard sends is allowed by the production limits
/// (introspection off, default cost and shape limits).
async fn the_dashboards_documents_run_in_production(backend: Backend) {
    let app = TestApp::spawn_with(backend, Options { profile: Profile::Production, ..Options::default() }).await;
    let manifest: serde_json::Map<String, serde_json::Value> = serde_json::from_str(include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/web/dashboard/dist/persisted-operations.json"
    )))
    .expect("manifest");
    assert!(manifest.len() >= 4, "the dashboard's documents are listed");
    for document in manifest.values() {
        let document = document.as_str().expect("text");
        let variables =
            serde_json::json!({"code": "40", "province": "40", "legacy": null, "after": null, "year": 2025});
        let v = app.graphql(document, variables).await;
        assert!(v.get("errors").is_none(), "{document}\n→ {v}");
    }
}

storage_tests!(
    the_dashboard_is_served_in_dev,
    the_dashboard_is_served_in_production_with_only_its_own_policy,
    the_dashboards_documents_run_in_production,
);

/// One row of a record's status history, as a unit of work writes it.
async fn status(app: &TestApp, kind: &str, id: i64, status: &str, on: (i32, u32, u32)) {
    use sea_orm::ActiveModelTrait;
    entity::status_change::ActiveModel {
        entity_kind: sea_orm::Set(kind.into()),
        entity_id: sea_orm::Set(id),
        status: sea_orm::Set(status.into()),
        effective_on: sea_orm::Set(chrono::NaiveDate::from_ymd_opt(on.0, on.1, on.2).expect("date")),
        reason: sea_orm::Set("test".into()),
        dissolution_kind: sea_orm::Set(None),
        until: sea_orm::Set(None),
        origin: sea_orm::Set("PROVINCE".into()),
        recorded_at: sea_orm::Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(app.conn())
    .await
    .expect("insert status");
}

const TREND: &str = "query($p: String, $l: String, $from: Int, $to: Int) {
    registryTrend(provinceCode: $p, legacyUnitCode: $l, fromYear: $from, toYear: $to) {
        year cooperatives cooperativesRegistered cooperativesCeased unions groups annualReports reportedCooperativeMembers } }";

/// Nghệ An (40): a cooperative operating since 2019; one applying in 2020,
/// registered in 2021, suspended and resumed in 2022, dissolving from 2023;
/// a union registered in 2021 and revoked in 2024; a group established in
/// 2022 and disbanded in 2025; reports on 2022. A cooperative in Khánh Hòa
/// (56) is counted only for the country.
async fn nghe_an_history(app: &TestApp) {
    use sea_orm::{ActiveModelTrait, IntoActiveModel};
    let a = Coop::new("HTX từ 2019", "16681").insert(app).await;
    status(app, "COOPERATIVE", a.id, "ACTIVE", (2019, 3, 1)).await;
    let mut b = Coop::new("HTX đã giải thể", "16681");
    b.status = "DISSOLVED";
    let b = b.insert(app).await;
    for (s, on) in [
        ("PENDING", (2020, 5, 1)),
        ("ACTIVE", (2021, 2, 1)),
        ("SUSPENDED", (2022, 1, 10)),
        ("ACTIVE", (2022, 6, 1)),
        ("IN_DISSOLUTION", (2023, 4, 1)),
        ("DISSOLVED", (2023, 9, 1)),
    ] {
        status(app, "COOPERATIVE", b.id, s, on).await;
    }
    let other = Coop::new("HTX Nha Trang", "22333").insert(app).await;
    status(app, "COOPERATIVE", other.id, "ACTIVE", (2020, 1, 2)).await;
    let mut u = insert_union(app, "Liên hiệp bị thu hồi", "16681", None).await.into_active_model();
    u.status = sea_orm::Set("REVOKED".into());
    let u = u.update(app.conn()).await.expect("revoke");
    status(app, "COOPERATIVE_UNION", u.id, "ACTIVE", (2021, 3, 1)).await;
    status(app, "COOPERATIVE_UNION", u.id, "REVOKED", (2024, 7, 1)).await;
    let mut g = insert_group(app, "Tổ hợp tác 2022", "16681", 5).await.into_active_model();
    g.status = sea_orm::Set("DISBANDED".into());
    g.disbanded_on = sea_orm::Set(chrono::NaiveDate::from_ymd_opt(2025, 3, 1));
    g.update(app.conn()).await.expect("disband");
    insert_report(app, a.id, 2022, "GOOD").await;
    insert_report(app, b.id, 2022, "FAIR").await;
}

async fn the_trend_counts_each_year_from_the_status_history_and_the_reports(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    nghe_an_history(&app).await;
    let d = app.data(TREND, json!({"p": "40", "from": 2019, "to": 2025})).await;
    let rows: Vec<_> = d["registryTrend"]
        .as_array()
        .expect("years")
        .iter()
        .map(|y| {
            let n = |k: &str| y[k].as_i64().expect(k);
            (
                n("year"),
                n("cooperatives"),
                n("cooperativesRegistered"),
                n("cooperativesCeased"),
                n("unions"),
                n("groups"),
                n("annualReports"),
                n("reportedCooperativeMembers"),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (2019, 1, 1, 0, 0, 0, 0, 0),
            (2020, 1, 0, 0, 0, 0, 0, 0),
            // Registered in 2021; a suspension in 2022 still operates.
            (2021, 2, 1, 0, 1, 0, 0, 0),
            (2022, 2, 0, 0, 1, 1, 2, 20),
            // Dissolution begun then completed in 2023: ceased once.
            (2023, 1, 0, 1, 1, 1, 0, 0),
            (2024, 1, 0, 0, 0, 1, 0, 0),
            (2025, 1, 0, 0, 0, 0, 0, 0),
        ]
    );
    // The country includes Khánh Hòa's cooperative.
    let d = app.data(TREND, json!({"from": 2020, "to": 2020})).await;
    assert_eq!(d["registryTrend"][0]["cooperatives"], 2);
    // The default range is the ten years ending this year, whose count
    // agrees with `statistics`.
    let d = app
        .data(
            "{ statistics(provinceCode: \"40\") { cooperatives unions groups }
               registryTrend(provinceCode: \"40\") { year cooperatives unions groups } }",
            json!({}),
        )
        .await;
    let years = d["registryTrend"].as_array().expect("years");
    assert_eq!(years.len(), 10);
    let last = &years[9];
    assert_eq!(last["year"].as_i64(), Some(i64::from(chrono::Datelike::year(&chrono::Utc::now()))));
    for k in ["cooperatives", "unions", "groups"] {
        assert_eq!(last[k], d["statistics"][k], "{k}");
    }
    // A territory with nothing yields zeros; a unit that does not exist too.
    let d = app.data(TREND, json!({"l": "999", "from": 2024, "to": 2025})).await;
    assert_eq!(d["registryTrend"][1]["cooperatives"], 0);
}

async fn the_trend_is_bounded_and_charged_like_statistics(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (vars, argument) in [
        (json!({"from": 1989}), "fromYear"),
        (json!({"to": 2100}), "toYear"),
        (json!({"from": 2025, "to": 2024}), "fromYear"),
        (json!({"from": 1990, "to": 2020}), "fromYear"),
        (json!({"p": "4"}), "provinceCode"),
    ] {
        let e = app.error(TREND, vars.clone()).await;
        assert_eq!(code(&e), "BAD_USER_INPUT", "{vars}");
        assert_eq!(e["extensions"]["argument"], argument, "{vars}");
    }
    let v = app.graphql("{ registryTrend { year cooperatives } }", json!({})).await;
    assert_eq!(v["extensions"]["cost"]["requested"], 610, "600 once, and ten years: {v}");
}

/// The dashboard lists the organisations below the legal minimum: the
/// filter finds unions flagged with fewer than three operating members as
/// it finds cooperatives with fewer than five official members.
async fn unions_below_the_legal_minimum_are_found_by_the_filter(backend: Backend) {
    use sea_orm::{ActiveModelTrait, IntoActiveModel};
    let app = TestApp::spawn(backend).await;
    let mut u = insert_union(&app, "Liên hiệp còn hai HTX", "16681", None).await.into_active_model();
    u.below_minimum_since = sea_orm::Set(chrono::NaiveDate::from_ymd_opt(2026, 2, 1));
    u.update(app.conn()).await.expect("flag");
    insert_union(&app, "Liên hiệp đủ thành viên", "16681", None).await;
    let q = "query($b: Boolean) { cooperativeUnions(filter: {provinceCode: \"40\", belowLegalMinimum: $b}) {
        totalCount edges { node { name belowLegalMinimumSince } } }
        cooperativeGroups(filter: {belowLegalMinimum: $b}) { totalCount } }";
    let d = app.data(q, json!({"b": true})).await;
    assert_eq!(d["cooperativeUnions"]["totalCount"], 1);
    assert_eq!(d["cooperativeUnions"]["edges"][0]["node"]["belowLegalMinimumSince"], "2026-02-01");
    assert_eq!(d["cooperativeGroups"]["totalCount"], 0);
    let d = app.data(q, json!({"b": false})).await;
    assert_eq!(d["cooperativeUnions"]["edges"][0]["node"]["name"], "Liên hiệp đủ thành viên");
    assert_eq!(d["cooperativeUnions"]["totalCount"], 1);
}

storage_tests!(
    unions_below_the_legal_minimum_are_found_by_the_filter,
    the_trend_counts_each_year_from_the_status_history_and_the_reports,
    the_trend_is_bounded_and_charged_like_statistics,
);
