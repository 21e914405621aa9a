//! How far a feed has been read (the national change feed).

use sea_orm::entity::prelude::*;

/// One row of `sync_cursor`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sync_cursor")]
pub struct Model {
    /// Which feed.
    #[sea_orm(primary_key, auto_increment = false)]
    pub name: String,
    /// The last sequence applied.
    pub position: i64,
    /// When it moved.
    pub updated_at: DateTimeUtc,
}

/// Relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
