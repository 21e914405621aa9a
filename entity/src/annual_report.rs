//! An organisation's annual report (báo cáo năm) with its classification.
//! Exactly one of `cooperative_id`, `union_id`, `group_id` is set; one report
//! per organisation and year.

use sea_orm::entity::prelude::*;

/// One row of `annual_report`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "annual_report")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The reporting cooperative.
    pub cooperative_id: Option<i64>,
    /// The reporting union.
    pub union_id: Option<i64>,
    /// The reporting group.
    pub group_id: Option<i64>,
    /// The year reported on.
    pub year: i32,
    /// Official members at year end.
    pub official_members: i32,
    /// Associate members at year end.
    pub associate_members: i32,
    /// Employees.
    pub employees: Option<i32>,
    /// Revenue in hundredths of a đồng.
    pub revenue: Option<i64>,
    /// Profit in hundredths of a đồng (may be negative).
    pub profit: Option<i64>,
    /// Average member income, hundredths of a đồng per member per month.
    pub average_member_income: Option<i64>,
    /// Classification: GOOD, FAIR, AVERAGE, WEAK.
    pub rating: Option<String>,
    /// Applied high technology that year.
    pub high_tech: bool,
    /// Linked in a value chain that year.
    pub value_chain_linked: bool,
    /// OCOP products held.
    pub ocop_products: i32,
    /// When the report was submitted.
    pub submitted_at: DateTimeUtc,
    /// 1 for the year's first report, bumped by each replacement.
    pub version: i32,
}

/// Relations of an annual report.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
