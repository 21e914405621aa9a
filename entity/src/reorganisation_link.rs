//! One predecessor → successor link of a reorganisation (tổ chức lại):
//! sáp nhập, hợp nhất, chia, tách.

use sea_orm::entity::prelude::*;

/// One row of `reorganisation_link`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "reorganisation_link")]
pub struct Model {
    /// Order of recording.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// MERGER, CONSOLIDATION, SPLIT or SEPARATION.
    pub kind: String,
    /// The cooperative that reorganised.
    pub predecessor_id: i64,
    /// The cooperative it became (part of).
    pub successor_id: i64,
    /// The day the reorganisation took effect.
    pub effective_on: Date,
    /// Why (the general assembly's resolution).
    pub reason: String,
    /// When the registry recorded it.
    pub recorded_at: DateTimeUtc,
}

/// No relations are navigated through SeaORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
