//! The administrative units and their succession, loaded by migration.

use crate::helpers::{Backend, TestApp, TestDb};
use crate::storage_tests;
use coopgate::domain::AdministrativeLevel;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one(Statement::from_string(db.get_database_backend(), sql.to_owned()))
        .await
        .expect("query")
        .expect("row");
    row.try_get_by_index::<i64>(0).expect("count")
}

async fn unit_counts(db: &DatabaseConnection) -> [i64; 6] {
    [
        count(db, "SELECT COUNT(*) FROM administrative_unit WHERE level = 'PROVINCE' AND valid_to IS NULL").await,
        count(db, "SELECT COUNT(*) FROM administrative_unit WHERE level = 'WARD' AND valid_to IS NULL").await,
        count(db, "SELECT COUNT(*) FROM administrative_unit WHERE level = 'PROVINCE' AND valid_to IS NOT NULL").await,
        count(db, "SELECT COUNT(*) FROM administrative_unit WHERE level = 'DISTRICT'").await,
        count(db, "SELECT COUNT(*) FROM administrative_unit WHERE level = 'WARD' AND valid_to IS NOT NULL").await,
        count(db, "SELECT COUNT(*) FROM unit_succession").await,
    ]
}

async fn migrations_load_the_official_units(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // 34 provinces and 3,321 wards in force; 63 provinces, 696 districts and
    // 10,035 wards (5 island districts had none) before 2025-07-01.
    assert_eq!(unit_counts(app.conn()).await, [34, 3321, 63, 696, 10035, 10597 + 5]);
    let g = &app.state.gazetteer;
    assert_eq!(g.in_force(AdministrativeLevel::Province, "40").map(|u| u.name.as_str()), Some("Tỉnh Nghệ An"));
    assert_eq!(g.former(AdministrativeLevel::Province, "58").map(|u| u.name.as_str()), Some("Tỉnh Ninh Thuận"));
    assert!(g.in_force(AdministrativeLevel::Province, "58").is_none());
}

async fn migrations_roll_back_and_apply_again(backend: Backend) {
    let db = TestDb::create(backend).await;
    let (conn, _) = coopgate::storage::connect(&db.url, &Default::default()).await.expect("connect");
    Migrator::down(&conn, None).await.expect("migrations roll back");
    assert_eq!(Migrator::get_pending_migrations(&conn).await.expect("pending").len(), Migrator::migrations().len());
    Migrator::up(&conn, None).await.expect("migrations apply again");
    assert_eq!(unit_counts(&conn).await, [34, 3321, 63, 696, 10035, 10602]);
    conn.close().await.expect("close");
}

storage_tests!(migrations_load_the_official_units, migrations_roll_back_and_apply_again);
