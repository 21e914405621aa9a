//! A progress figure reported for a target that the registry cannot compute
//! (population shares, the national top 100).

use sea_orm::entity::prelude::*;

/// One row of `target_progress_report`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "target_progress_report")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The target.
    pub target_id: i64,
    /// The figure.
    pub actual: f64,
    /// The day it describes.
    pub as_of: Date,
    /// Source of the figure.
    pub note: Option<String>,
    /// Who reported it.
    pub subject: String,
    /// When it was reported.
    pub reported_at: DateTimeUtc,
}

/// Relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
