//! The head of the audit hash chain: one row, locked by every audit insert
//! so that sequence numbers and hashes follow commit order on every replica.

use sea_orm::entity::prelude::*;

/// The one row of `audit_chain_head` (`id` = 1).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_chain_head")]
pub struct Model {
    /// Always 1.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    /// The last sequence written (0 when empty).
    pub seq: i64,
    /// The hash at `seq` (the genesis hash when empty).
    pub hash: String,
}

/// Relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
