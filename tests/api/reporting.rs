//! The reporting calendar: `reportingStatus` counts who had to report on a
//! year, who did by the due day (Vietnam time) or after it, and who is
//! missing; `reportMissingForYear` lists the missing ones.

use crate::helpers::{code, insert_group, insert_union, names, Backend, Coop, Options, TestApp};
use crate::storage_tests;
use chrono::{NaiveDate, TimeZone, Utc};
use entity::annual_report;
use sea_orm::ActiveModelTrait;
use serde_json::json;

const STATUS: &str = "query($y: Int!, $p: String, $l: String) {
    reportingStatus(year: $y, provinceCode: $p, legacyUnitCode: $l) {
        year dueOn expected submitted missing overdue onTime late } }";

/// A report on `year` by one organisation (`which`: cooperative, union or group), submitted at `at` (UTC).
async fn report(app: &TestApp, which: (&str, i64), year: i32, at: (i32, u32, u32, u32, u32)) {
    let (kind, id) = which;
    annual_report::ActiveModel {
        cooperative_id: sea_orm::Set((kind == "cooperative").then_some(id)),
        union_id: sea_orm::Set((kind == "union").then_some(id)),
        group_id: sea_orm::Set((kind == "group").then_some(id)),
        year: sea_orm::Set(year),
        official_members: sea_orm::Set(10),
        associate_members: sea_orm::Set(0),
        employees: sea_orm::Set(None),
        revenue: sea_orm::Set(None),
        profit: sea_orm::Set(None),
        average_member_income: sea_orm::Set(None),
        rating: sea_orm::Set(Some("FAIR".into())),
        high_tech: sea_orm::Set(false),
        value_chain_linked: sea_orm::Set(false),
        ocop_products: sea_orm::Set(0),
        submitted_at: sea_orm::Set(Utc.with_ymd_and_hms(at.0, at.1, at.2, at.3, at.4, 0).single().expect("time")),
        ..Default::default()
    }
    .insert(app.conn())
    .await
    .expect("insert report");
}

/// Former Ninh Thuận (58, now in Khánh Hòa 56): on-time, late and missing
/// reports of cooperatives, a union and a group; one missing cooperative
/// outside it, in Nha Trang (also Khánh Hòa).
async fn ninh_thuan(app: &TestApp) {
    let a = Coop::new("HTX đúng hạn", "22897").insert(app).await;
    let mut b = Coop::new("HTX tạm ngừng, nộp cuối ngày", "22738");
    b.status = "SUSPENDED";
    let b = b.insert(app).await;
    let c = Coop::new("HTX nộp sau nửa đêm", "22738").insert(app).await;
    Coop::new("HTX chưa nộp", "22897").insert(app).await;
    let mut gone = Coop::new("HTX đã giải thể", "22738");
    gone.status = "DISSOLVED";
    gone.insert(app).await;
    let mut new = Coop::new("HTX mới thành lập 2026", "22897");
    new.registered_on = NaiveDate::from_ymd_opt(2026, 2, 1);
    new.insert(app).await;
    insert_group(app, "Tổ hợp tác chưa nộp", "22897", 5).await;
    let u = insert_union(app, "Liên hiệp nộp muộn", "22738", None).await;
    Coop::new("HTX Nha Trang chưa nộp", "22333").insert(app).await;
    Coop::new("HTX Vinh", "16681").insert(app).await;

    report(app, ("cooperative", a.id), 2025, (2025, 12, 10, 3, 0)).await;
    // 23:00 on 15 December in Vietnam: on time.
    report(app, ("cooperative", b.id), 2025, (2025, 12, 15, 16, 0)).await;
    // 00:30 on 16 December in Vietnam: late.
    report(app, ("cooperative", c.id), 2025, (2025, 12, 15, 17, 30)).await;
    report(app, ("union", u.id), 2025, (2026, 1, 20, 2, 0)).await;
}

async fn counts_on_time_late_and_missing_reports_across_a_legacy_unit(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    ninh_thuan(&app).await;

    let d = app.data(STATUS, json!({"y": 2025, "l": "58"})).await;
    assert_eq!(
        d["reportingStatus"],
        json!({"year": 2025, "dueOn": "2025-12-15", "expected": 6, "submitted": 4, "missing": 2,
               "overdue": true, "onTime": 2, "late": 2})
    );
    let d = app.data(STATUS, json!({"y": 2025, "p": "56"})).await;
    assert_eq!(
        (d["reportingStatus"]["expected"].as_i64(), d["reportingStatus"]["missing"].as_i64()),
        (Some(7), Some(3))
    );
    let d = app.data(STATUS, json!({"y": 2025})).await;
    assert_eq!(
        (d["reportingStatus"]["expected"].as_i64(), d["reportingStatus"]["missing"].as_i64()),
        (Some(8), Some(4))
    );
    // A year whose due day has not come: nothing submitted, not overdue;
    // the cooperative registered in 2026 must report on it.
    let d = app.data(STATUS, json!({"y": 2030, "l": "58"})).await;
    assert_eq!(
        d["reportingStatus"],
        json!({"year": 2030, "dueOn": "2030-12-15", "expected": 7, "submitted": 0, "missing": 7,
               "overdue": false, "onTime": 0, "late": 0})
    );
    // A well-formed code naming no unit counts nothing.
    let d = app.data(STATUS, json!({"y": 2025, "l": "999"})).await;
    assert_eq!(d["reportingStatus"]["expected"], 0);
    assert_eq!(d["reportingStatus"]["overdue"], false);
}

async fn missing_reports_are_listed_by_the_filter(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    ninh_thuan(&app).await;
    let q = "query($f: OrganizationFilter) {
        cooperatives(filter: $f) { totalCount edges { node { name } } }
        cooperativeUnions(filter: $f) { totalCount }
        cooperativeGroups(filter: $f) { totalCount edges { node { name } } } }";
    let d = app.data(q, json!({"f": {"legacyUnitCode": "58", "reportMissingForYear": 2025}})).await;
    assert_eq!(names(&d["cooperatives"]), ["HTX chưa nộp"]);
    assert_eq!(d["cooperativeUnions"]["totalCount"], 0);
    assert_eq!(names(&d["cooperativeGroups"]), ["Tổ hợp tác chưa nộp"]);
    let d = app.data(q, json!({"f": {"provinceCode": "56", "reportMissingForYear": 2025}})).await;
    assert_eq!(d["cooperatives"]["totalCount"], 2);
    let e = app.error(q, json!({"f": {"reportMissingForYear": 1800}})).await;
    assert_eq!(code(&e), "BAD_USER_INPUT");
    assert_eq!(e["extensions"]["argument"], "filter.reportMissingForYear");
}

async fn the_due_day_is_configurable(backend: Backend) {
    let mut options = Options::default();
    options.reporting.report_due = coopgate::domain::calendar::DueDay::parse("12-20").expect("due day");
    let app = TestApp::spawn_with(backend, options).await;
    ninh_thuan(&app).await;
    let d = app.data(STATUS, json!({"y": 2025, "l": "58"})).await;
    assert_eq!(d["reportingStatus"]["dueOn"], "2025-12-20");
    assert_eq!((d["reportingStatus"]["onTime"].as_i64(), d["reportingStatus"]["late"].as_i64()), (Some(3), Some(1)));
    let e = app.error(STATUS, json!({"y": 1800})).await;
    assert_eq!(code(&e), "BAD_USER_INPUT");
    let e = app.error(STATUS, json!({"y": 2025, "l": "5"})).await;
    assert_eq!(code(&e), "BAD_USER_INPUT");
}

storage_tests!(
    counts_on_time_late_and_missing_reports_across_a_legacy_unit,
    missing_reports_are_listed_by_the_filter,
    the_due_day_is_configurable,
);

/// The per-province figures a "missing reports" metric exports: every
/// province listed, zeros included.
async fn missing_reports_per_province(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    ninh_thuan(&app).await;
    let s = &app.state;
    let rows = coopgate::service::reporting::by_province(&s.db, &s.gazetteer, Default::default(), 2025, Utc::now())
        .await
        .expect("figures");
    assert_eq!(rows.len(), 34);
    let of = |p: &str| rows.iter().find(|(c, _)| c == p).map(|(_, n)| n.missing()).expect("province");
    assert_eq!((of("56"), of("40"), of("01")), (3, 1, 0));
}

storage_tests!(missing_reports_per_province);
