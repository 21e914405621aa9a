//! `statistics`: headline figures for the country, a 2025 province or a
//! former unit's territory.

use crate::helpers::{code, insert_group, insert_report, insert_union, Backend, Coop, TestApp};
use crate::storage_tests;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;

const STATS: &str =
    "query($p: String, $l: String, $y: Int) { statistics(provinceCode: $p, legacyUnitCode: $l, year: $y) {
    cooperatives cooperativeMembers unions unionMemberCooperatives groups groupMembers highTechCooperatives
    byRating { rating count } bySector { sector count } } }";

async fn legacy_province_counts_only_its_former_territory(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut a = Coop::new("Thuận Nam 1", "22897");
    a.official_members = 20;
    a.associate_members = 5;
    a.high_tech = true;
    a.latest_rating = Some("GOOD");
    let a = a.insert(&app).await;
    let mut b = Coop::new("Đô Vinh", "22738");
    b.status = "SUSPENDED";
    b.sector = "TRANSPORT";
    b.latest_rating = Some("WEAK");
    let b = b.insert(&app).await;
    let mut gone = Coop::new("Đã giải thể", "22738");
    gone.status = "DISSOLVED";
    gone.insert(&app).await;
    Coop::new("Nha Trang", "22333").insert(&app).await; // Khánh Hòa, but formerly Khánh Hòa
    Coop::new("Vinh", "16681").insert(&app).await;
    insert_report(&app, a.id, 2024, "FAIR").await;
    insert_report(&app, b.id, 2024, "FAIR").await;
    let u = insert_union(&app, "Liên hiệp Ninh Thuận", "22738", None).await;
    app.conn()
        .execute_unprepared(&format!("UPDATE cooperative SET union_id = {} WHERE id IN ({}, {})", u.id, a.id, b.id))
        .await
        .expect("members");
    insert_group(&app, "Tổ hợp tác Thuận Nam", "22897", 7).await;
    insert_group(&app, "Tổ hợp tác Vinh", "16681", 3).await;

    let d = app.data(STATS, json!({"l": "58"})).await;
    assert_eq!(
        d["statistics"],
        json!({
            "cooperatives": 2, "cooperativeMembers": 25 + 10, "unions": 1, "unionMemberCooperatives": 2,
            "groups": 1, "groupMembers": 7, "highTechCooperatives": 1,
            "byRating": [{"rating": "GOOD", "count": 1}, {"rating": "WEAK", "count": 1}],
            "bySector": [{"sector": "AGRICULTURE", "count": 1}, {"sector": "TRANSPORT", "count": 1}],
        })
    );
    let d = app.data(STATS, json!({"l": "58", "y": 2024})).await;
    assert_eq!(d["statistics"]["byRating"], json!([{"rating": "FAIR", "count": 2}]));
    let d = app.data(STATS, json!({"p": "56"})).await;
    assert_eq!(d["statistics"]["cooperatives"], 3);
    let d = app.data(STATS, json!({})).await;
    assert_eq!(d["statistics"]["cooperatives"], 4);
    assert_eq!(d["statistics"]["groups"], 2);
    let d = app.data(STATS, json!({"l": "999"})).await;
    assert_eq!(d["statistics"]["cooperatives"], 0);
    for (vars, arg) in [(json!({"p": "5"}), "provinceCode"), (json!({"l": "5x"}), "legacyUnitCode")] {
        let e = app.error(STATS, vars).await;
        assert_eq!(code(&e), "BAD_USER_INPUT");
        assert_eq!(e["extensions"]["argument"], arg);
    }
}

/// On the demo registry, the legacy-territory count equals an independent
/// SQL count through the succession table.
async fn legacy_counts_agree_with_the_succession_table(backend: Backend) {
    let app = TestApp::spawn_demo(backend).await;
    let sql = "SELECT COUNT(*) FROM cooperative c WHERE c.status IN ('ACTIVE', 'SUSPENDED') AND c.ward_id IN (
        SELECT s.successor_id FROM unit_succession s
        JOIN administrative_unit w ON w.id = s.predecessor_id
        JOIN administrative_unit d ON d.id = w.parent_id
        JOIN administrative_unit p ON p.id = d.parent_id
        WHERE p.code = '58' AND p.level = 'PROVINCE' AND p.valid_to IS NOT NULL)";
    let row = app
        .conn()
        .query_one(Statement::from_string(app.conn().get_database_backend(), sql.to_owned()))
        .await
        .expect("query")
        .expect("row");
    let expected: i64 = row.try_get_by_index(0).expect("count");
    assert!(expected > 0, "the demo registry has cooperatives in former Ninh Thuận");
    let d = app.data(STATS, json!({"l": "58"})).await;
    assert_eq!(d["statistics"]["cooperatives"], expected);
    let khanh_hoa = app.data(STATS, json!({"p": "56"})).await;
    assert!(
        khanh_hoa["statistics"]["cooperatives"].as_i64().expect("n") > expected,
        "Khánh Hòa holds more than former Ninh Thuận"
    );
}

storage_tests!(legacy_province_counts_only_its_former_territory, legacy_counts_agree_with_the_succession_table);
