//! The contract test kit (`coopgate contract-test`) passes against the dev
//! profile's demo registry, and fails, naming the check, when the tokens
//! are not what it needs.

use crate::helpers::{admin, officer, token, Backend, TestApp};
use crate::storage_tests;
use coopgate::auth::Role;
use coopgate::kit::{run, KitConfig};
use std::time::Duration;

fn config(app: &TestApp, token_admin: String, token_officer: String) -> KitConfig {
    KitConfig { url: app.address.clone(), token_admin, token_officer, timeout: Duration::from_secs(20) }
}

async fn the_kit_passes_against_the_demo_registry(backend: Backend) {
    let app = TestApp::spawn_demo(backend).await;
    let report = run(&config(&app, admin(), officer("40"))).await;
    assert!(report.passed(), "{}", report.table());
    let areas: std::collections::BTreeSet<&str> = report.checks.iter().map(|c| c.area).collect();
    for area in ["auth", "pagination", "errors", "personal-data", "changes", "subscription"] {
        assert!(areas.contains(area), "{area} is checked: {}", report.table());
    }
    app.stop().await;
}

async fn the_kit_fails_and_says_why_when_a_token_has_the_wrong_role(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let report = run(&config(&app, token(Role::PortalReader, None), officer("40"))).await;
    assert!(!report.passed());
    let failed: Vec<_> = report.checks.iter().filter(|c| !c.passed).collect();
    assert_eq!(failed.len(), 1, "{}", report.table());
    assert!(failed[0].detail.contains("--token-admin"), "{}", report.table());
    assert!(report.table().contains("FAIL"), "the table shows the failure");
    app.stop().await;
}

storage_tests!(the_kit_passes_against_the_demo_registry, the_kit_fails_and_says_why_when_a_token_has_the_wrong_role);
