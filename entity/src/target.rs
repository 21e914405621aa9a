//! A numeric target (chỉ tiêu) a plan sets for a jurisdiction and year.

use sea_orm::entity::prelude::*;

/// One row of `target`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "target")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The administrative unit (2025 or legacy province, legacy district).
    pub jurisdiction_id: i32,
    /// Horizon year.
    pub year: i32,
    /// Indicator name, e.g. COOPERATIVE_COUNT.
    pub indicator: String,
    /// Organisation scope, e.g. COOPERATIVES.
    pub scope: String,
    /// EXACTLY, ABOUT, AT_LEAST, MORE_THAN, AT_MOST, BETWEEN.
    pub comparator: String,
    /// The figure (all comparators but BETWEEN).
    pub value: Option<f64>,
    /// Lower bound for BETWEEN.
    pub min: Option<f64>,
    /// Upper bound for BETWEEN.
    pub max: Option<f64>,
    /// COUNT, PERCENT, VND_PER_MONTH.
    pub unit: String,
    /// The indicator whose organisations form the denominator; '' for none.
    pub within_indicator: String,
    /// The plan, e.g. "147/KH-UBND 2023-05-05".
    pub source_document: String,
    /// The original wording.
    pub note: Option<String>,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// Created.
    pub created_at: DateTimeUtc,
    /// Last changed.
    pub updated_at: DateTimeUtc,
}

/// Relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
