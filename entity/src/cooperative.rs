//! A cooperative (hợp tác xã).

use sea_orm::entity::prelude::*;

/// One row of `cooperative`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "cooperative")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Cooperative code = tax code (mã số thuế); `None` until issued.
    #[sea_orm(unique)]
    pub code: Option<String>,
    /// Registered Vietnamese name, NFC.
    pub name: String,
    /// `name` folded for search: lower case, without diacritics, đ → d.
    pub name_search: String,
    /// Name in a foreign language.
    pub foreign_name: Option<String>,
    /// Abbreviated name.
    pub abbreviation: Option<String>,
    /// Registration status: PENDING, ACTIVE, SUSPENDED, DISSOLVED, REVOKED.
    pub status: String,
    /// Statistical sector, e.g. AGRICULTURE.
    pub sector: String,
    /// VSIC business-line codes, comma-separated.
    pub business_lines: String,
    /// Street address below the ward.
    pub street: Option<String>,
    /// The 2025 ward (administrative_unit.id) of the head office.
    pub ward_id: i32,
    /// The ward's province (administrative_unit.id), kept for filtering.
    pub province_id: i32,
    /// Date of first registration.
    pub registered_on: Option<Date>,
    /// Charter capital (vốn điều lệ) in hundredths of a đồng.
    pub charter_capital: Option<i64>,
    /// Official members (thành viên chính thức).
    pub official_members: i32,
    /// Associate members (thành viên liên kết).
    pub associate_members: i32,
    /// Director (person.id).
    pub director_id: Option<i64>,
    /// Legal representative (person.id).
    pub legal_representative_id: Option<i64>,
    /// Applies high technology (ứng dụng công nghệ cao).
    pub high_tech: bool,
    /// Linked with enterprises in a value chain (liên kết chuỗi giá trị).
    pub value_chain_linked: bool,
    /// The union it is a member cooperative of, if any.
    pub union_id: Option<i64>,
    /// Rating of the latest annual report, kept for filtering.
    pub latest_rating: Option<String>,
    /// Year of the latest annual report.
    pub latest_report_year: Option<i32>,
    /// Sync state with the tax registration system.
    pub tax_sync: String,
    /// Sync state with the national cooperative registration system.
    pub registry_sync: String,
    /// Delivery attempts made for the current sync.
    pub sync_attempts: i32,
    /// The last sync error, as the national system said it.
    pub sync_last_error: Option<String>,
    /// When the record was last in step with the national systems.
    pub last_synced_at: Option<DateTimeUtc>,
    /// The record's version in the national registry (NCRS), for `If-Match`.
    pub national_version: Option<i32>,
    /// Optimistic-concurrency version, bumped by every write.
    pub version: i32,
    /// When the row was created.
    pub created_at: DateTimeUtc,
    /// When the row last changed.
    pub updated_at: DateTimeUtc,
    /// Since when its official members have been below the legal minimum
    /// (5); `None` while it has enough.
    pub below_legal_minimum_since: Option<Date>,
}

/// Relations of a cooperative.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
