//! One committed change, in order: the change feed mirrors replay.

use sea_orm::entity::prelude::*;

/// One row of `change_event`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "change_event")]
pub struct Model {
    /// Position in the feed; strictly increasing in commit order.
    #[sea_orm(primary_key)]
    pub sequence: i64,
    /// When it was committed.
    pub at: DateTimeUtc,
    /// CREATED, UPDATED, STATUS_CHANGED, ANNUAL_REPORT, SYNCED, DELETED.
    pub kind: String,
    /// COOPERATIVE, COOPERATIVE_UNION, COOPERATIVE_GROUP, TARGET.
    pub entity_kind: String,
    /// The entity's row id.
    pub entity_id: i64,
    /// The 2025 province of the entity.
    pub province_code: String,
    /// The entity's version after the change.
    pub version: Option<i32>,
}

/// Relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
