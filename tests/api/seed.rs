//! The demo registry: realistic, deterministic, and in every province.

use crate::helpers::{Backend, TestApp, TestDb};
use crate::storage_tests;
use coopgate::domain::TaxCode;
use entity::{annual_report, cooperative, cooperative_group, cooperative_union};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::{BTreeSet, HashMap};

async fn demo_registry_is_realistic(backend: Backend) {
    let app = TestApp::spawn_demo(backend).await;
    let db = app.conn();
    let coops = cooperative::Entity::find().all(db).await.expect("coops");
    assert_eq!(coops.len(), 1000);
    // The five plans' targets come with the demo data, so the dashboard and
    // the targets queries have something to show on a fresh machine.
    let plans = coopgate::service::targets::parse_json(coopgate::seed::PLAN_TARGETS, "plans").expect("plans");
    let targets = entity::target::Entity::find().all(db).await.expect("targets");
    assert_eq!(targets.len(), plans.len());
    let nghe_an = app.state.gazetteer.in_force(coopgate::domain::AdministrativeLevel::Province, "40").expect("40");
    assert!(targets.iter().any(|t| t.jurisdiction_id == nghe_an.id), "Nghệ An's targets are there");
    // The planner has statistics for what was loaded (autovacuum may be off).
    if backend == Backend::Postgres {
        use sea_orm::ConnectionTrait;
        let row = db
            .query_one(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "SELECT last_analyze IS NOT NULL AS analyzed FROM pg_stat_user_tables WHERE relname = 'cooperative'",
            ))
            .await
            .expect("query")
            .expect("row");
        assert!(row.try_get::<bool>("", "analyzed").expect("analyzed"), "the seed analyzed what it loaded");
    }

    let provinces: BTreeSet<i32> = coops.iter().map(|c| c.province_id).collect();
    assert_eq!(provinces.len(), 34, "cooperatives in all 34 provinces");
    for c in &coops {
        let ward = app.state.gazetteer.unit(c.ward_id).expect("real ward");
        assert!(!app.state.gazetteer.is_legacy(ward), "addresses are 2025 wards");
        assert_eq!(app.province_of(c.ward_id), c.province_id);
        assert!(c.official_members >= 5, "a cooperative has at least 5 members");
        if let Some(code) = &c.code {
            TaxCode::parse(code).expect("codes carry valid check digits");
        } else {
            assert_eq!(c.status, "PENDING", "only pending applications lack a code");
        }
    }
    let statuses: BTreeSet<&str> = coops.iter().map(|c| c.status.as_str()).collect();
    for s in ["ACTIVE", "SUSPENDED", "DISSOLVED", "REVOKED", "PENDING"] {
        assert!(statuses.contains(s), "some {s} records");
    }

    let unions = cooperative_union::Entity::find().all(db).await.expect("unions");
    assert!(!unions.is_empty());
    for u in &unions {
        let members: Vec<_> = coops.iter().filter(|c| c.union_id == Some(u.id)).collect();
        assert!(members.len() >= 3, "union {} has ≥3 member cooperatives", u.name);
        assert!(members.iter().all(|c| c.status == "ACTIVE" && c.province_id == u.province_id));
    }

    let groups = cooperative_group::Entity::find().all(db).await.expect("groups");
    assert_eq!(groups.len(), 3333);
    assert!(groups.iter().all(|g| g.members >= 2));

    let reports = annual_report::Entity::find().all(db).await.expect("reports");
    let years: BTreeSet<i32> = reports.iter().map(|r| r.year).collect();
    assert_eq!(years, (2021..=2025).collect());
    assert!(reports.iter().all(|r| r.rating.is_some()));
    // The rating kept on the row is the latest report's.
    let mut latest: HashMap<i64, (i32, Option<String>)> = HashMap::new();
    for r in reports.iter().filter(|r| r.cooperative_id.is_some()) {
        let e = latest.entry(r.cooperative_id.unwrap_or_default()).or_insert((0, None));
        if r.year > e.0 {
            *e = (r.year, r.rating.clone());
        }
    }
    for c in &coops {
        assert_eq!(c.latest_rating, latest.get(&c.id).and_then(|l| l.1.clone()), "latest rating of {}", c.name);
    }
}

async fn demo_registry_is_deterministic(backend: Backend) {
    let app = TestApp::spawn_demo(backend).await;
    let other = TestDb::create(backend).await;
    let (db2, _) = coopgate::storage::connect(&other.url, &Default::default()).await.expect("connect");
    coopgate::seed::demo(&db2, &app.state.gazetteer, 1, false).await.expect("seed again");
    let rows = |db| async move {
        cooperative::Entity::find()
            .order_by_asc(cooperative::Column::Id)
            .all(db)
            .await
            .expect("coops")
            .into_iter()
            .map(|c| (c.id, c.code, c.name, c.ward_id, c.status, c.official_members))
            .collect::<Vec<_>>()
    };
    assert_eq!(rows(app.conn()).await, rows(&db2).await);
    // A second seeding never doubles the registry.
    let again = coopgate::seed::demo(&db2, &app.state.gazetteer, 1, false).await;
    assert!(matches!(again, Err(coopgate::seed::SeedError::NotEmpty(1000))), "{again:?}");
    // Ids continue after the seeded rows (sequences reset on PostgreSQL).
    let c = crate::helpers::Coop::new("Hợp tác xã Kiểm thử", "16681").insert(&app).await;
    assert_eq!(c.id, 1001);
    let n = cooperative::Entity::find()
        .filter(cooperative::Column::ProvinceId.eq(app.province_of(app.ward("16681"))))
        .all(app.conn())
        .await
        .expect("coops")
        .len();
    assert!(n >= 5, "Nghệ An has at least five demo cooperatives");
    db2.close().await.expect("close");
}

storage_tests!(demo_registry_is_realistic, demo_registry_is_deterministic);
