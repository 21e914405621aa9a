//! A cooperative union (liên hiệp hợp tác xã). Its member cooperatives point
//! at it through `cooperative.union_id`.

use sea_orm::entity::prelude::*;

/// One row of `cooperative_union`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "cooperative_union")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Union code = tax code; `None` until issued.
    #[sea_orm(unique)]
    pub code: Option<String>,
    /// Registered name, NFC.
    pub name: String,
    /// `name` folded for search.
    pub name_search: String,
    /// Registration status.
    pub status: String,
    /// Statistical sector.
    pub sector: String,
    /// Street address below the ward.
    pub street: Option<String>,
    /// The 2025 ward of the head office.
    pub ward_id: i32,
    /// The ward's province.
    pub province_id: i32,
    /// Date of first registration.
    pub registered_on: Option<Date>,
    /// Charter capital in hundredths of a đồng.
    pub charter_capital: Option<i64>,
    /// Legal representative (person.id).
    pub legal_representative_id: Option<i64>,
    /// Applies high technology.
    pub high_tech: bool,
    /// Linked in a value chain.
    pub value_chain_linked: bool,
    /// Rating of the latest annual report.
    pub latest_rating: Option<String>,
    /// Year of the latest annual report.
    pub latest_report_year: Option<i32>,
    /// Sync state with the tax registration system.
    pub tax_sync: String,
    /// Sync state with the national cooperative registration system.
    pub registry_sync: String,
    /// Delivery attempts made for the current sync.
    pub sync_attempts: i32,
    /// The last sync error.
    pub sync_last_error: Option<String>,
    /// When the record was last in step with the national systems.
    pub last_synced_at: Option<DateTimeUtc>,
    /// The record's version in the national registry (NCRS), for `If-Match`.
    pub national_version: Option<i32>,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// When the row was created.
    /// Director (giám đốc); null for unions registered before it was recorded.
    pub director_id: Option<i64>,
    /// Operating member cooperatives below the legal minimum (3) since this day.
    pub below_minimum_since: Option<Date>,
    pub created_at: DateTimeUtc,
    /// When the row last changed.
    pub updated_at: DateTimeUtc,
}

/// Relations of a union.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
