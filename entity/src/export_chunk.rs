//! One piece of a finished export's file, in order.

use sea_orm::entity::prelude::*;

/// One row of `export_chunk`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "export_chunk")]
pub struct Model {
    /// The job.
    #[sea_orm(primary_key, auto_increment = false)]
    pub job_id: i64,
    /// Position in the file, from 0.
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i32,
    /// The bytes.
    pub data: Vec<u8>,
}

/// Relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
