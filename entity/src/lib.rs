//! SeaORM models of coopgate's tables.
//!
//! Models only: no web, GraphQL or business rules live here. Enumerated
//! columns are stored as their upper-case names (e.g. `ACTIVE`), money as
//! whole minor units (hundredths of a đồng) in `i64`, so sums stay exact on
//! both SQLite and PostgreSQL.

pub mod administrative_unit;
pub mod annual_report;
pub mod audit_chain_head;
pub mod audit_checkpoint;
pub mod audit_event;
pub mod change_event;
pub mod cooperative;
pub mod cooperative_group;
pub mod cooperative_union;
pub mod decode;
pub mod export_chunk;
pub mod export_job;
pub mod mutation_receipt;
pub mod person;
pub mod reorganisation_link;
pub mod status_change;
pub mod sync_cursor;
pub mod sync_outbox;
pub mod target;
pub mod target_progress_report;
pub mod unit_succession;

pub mod member;

pub mod prelude {
    //! The entities under short names.
    pub use super::administrative_unit::Entity as AdministrativeUnit;
    pub use super::annual_report::Entity as AnnualReport;
    pub use super::cooperative::Entity as Cooperative;
    pub use super::cooperative_group::Entity as CooperativeGroup;
    pub use super::cooperative_union::Entity as CooperativeUnion;
    pub use super::person::Entity as Person;
    pub use super::unit_succession::Entity as UnitSuccession;
}
