//! A cooperative group (tổ hợp tác): recorded at commune level, no national
//! registration.

use sea_orm::entity::prelude::*;

/// One row of `cooperative_group`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "cooperative_group")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Name, NFC.
    pub name: String,
    /// `name` folded for search.
    pub name_search: String,
    /// `ACTIVE` or `DISBANDED`.
    pub status: String,
    /// Statistical sector.
    pub sector: String,
    /// Street address below the ward.
    pub street: Option<String>,
    /// The 2025 ward where it is recorded.
    pub ward_id: i32,
    /// The ward's province.
    pub province_id: i32,
    /// Date of the cooperation contract.
    pub established_on: Date,
    /// Number of members (at least 2).
    pub members: i32,
    /// Representative (person.id).
    pub representative_id: Option<i64>,
    /// Applies high technology.
    pub high_tech: bool,
    /// Linked in a value chain.
    pub value_chain_linked: bool,
    /// Rating of the latest annual report.
    pub latest_rating: Option<String>,
    /// Year of the latest annual report.
    pub latest_report_year: Option<i32>,
    /// Optimistic-concurrency version.
    /// The day it was disbanded (chấm dứt hợp đồng hợp tác).
    pub disbanded_on: Option<Date>,
    pub version: i32,
    /// When the row was created.
    pub created_at: DateTimeUtc,
    /// When the row last changed.
    pub updated_at: DateTimeUtc,
}

/// Relations of a group.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
