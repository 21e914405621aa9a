//! Domain rules in plain Rust: codes, enumerations, text folding, money and
//! the gazetteer of administrative units. Nothing here does I/O or knows
//! about HTTP, GraphQL or SQL.

pub mod calendar;
pub mod codes;
#[macro_use]
pub mod enums;
pub mod fact_counts;
pub mod gazetteer;
pub mod lifecycle;
pub mod money;
pub mod national_form;
pub mod rules;
pub mod targets;
pub mod text;
pub mod trend;

pub mod annual_reports;
pub mod members;
pub mod messages;

pub use codes::{CodeError, LegacyUnitCode, ProvinceCode, TaxCode, WardCode};
pub use enums::{
    AdministrativeLevel, ChangeKind, ChangeOrigin, DissolutionKind, EntityKind, Gender, GroupStatus, Rating,
    RegistrationStatus, ReorganisationKind, Sector, SyncState,
};
pub use gazetteer::{Gazetteer, Unit, UnitId};
pub use messages::{Language, Msg};
