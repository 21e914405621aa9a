//! Succession of administrative units across a reorganisation: which unit(s)
//! in force afterwards took over (part of) a unit's territory.

use sea_orm::entity::prelude::*;

/// One row of `unit_succession`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "unit_succession")]
pub struct Model {
    /// The unit that ceased (e.g. a legacy ward).
    #[sea_orm(primary_key, auto_increment = false)]
    pub predecessor_id: i32,
    /// A unit that took over (part of) its territory.
    #[sea_orm(primary_key, auto_increment = false)]
    pub successor_id: i32,
    /// True on the successor that took most of the predecessor's territory.
    pub is_primary: bool,
}

/// Relations of a succession row.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
