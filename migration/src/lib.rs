//! coopgate's schema migrations, one file per step, and the loading of the
//! administrative-unit reference data shipped in `migration/data/`.

pub use sea_orm_migration::prelude::*;

mod m20250701_000001_administrative_units;
mod m20250701_000002_load_administrative_units;
mod m20261122_000003_registry;
mod m20261122_000004_audit_changes_receipts;
mod m20261122_000005_targets;
mod m20261122_000006_sync;
mod m20261201_000100_sync_fencing;
mod m20261201_000300_lifecycle;
mod m20261201_000400_member_register;
mod m20261201_000400_report_versions;
mod m20261201_000600_exports;
mod m20261201_000700_audit_chain;
mod m20261202_000600_kept_facts;
pub mod reference;

/// All migrations in the order they apply.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20250701_000001_administrative_units::Migration),
            Box::new(m20250701_000002_load_administrative_units::Migration),
            Box::new(m20261122_000003_registry::Migration),
            Box::new(m20261122_000004_audit_changes_receipts::Migration),
            Box::new(m20261122_000005_targets::Migration),
            Box::new(m20261122_000006_sync::Migration),
            Box::new(m20261201_000100_sync_fencing::Migration),
            Box::new(m20261201_000400_report_versions::Migration),
            Box::new(m20261201_000400_member_register::Migration),
            Box::new(m20261201_000600_exports::Migration),
            Box::new(m20261201_000700_audit_chain::Migration),
            Box::new(m20261201_000300_lifecycle::Migration),
            Box::new(m20261202_000600_kept_facts::Migration),
        ]
    }
}
