//! One status a cooperative or union had (tình trạng pháp lý), in order.

use sea_orm::entity::prelude::*;

/// One row of `status_change`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "status_change")]
pub struct Model {
    /// Order of recording: a record's history is read in this order.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// COOPERATIVE or COOPERATIVE_UNION.
    pub entity_kind: String,
    /// The record's id.
    pub entity_id: i64,
    /// The registration status's stored name.
    pub status: String,
    /// The day it took effect.
    pub effective_on: Date,
    /// Why (the decision, the court, the application).
    pub reason: String,
    /// VOLUNTARY or COMPULSORY, for IN_DISSOLUTION and DISSOLVED.
    pub dissolution_kind: Option<String>,
    /// End of a suspension term.
    pub until: Option<Date>,
    /// PROVINCE or NATIONAL.
    pub origin: String,
    /// When the registry recorded it.
    pub recorded_at: DateTimeUtc,
}

/// No relations are navigated through SeaORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
