//! A receipt of a create mutation with a `clientMutationId`, so a retry with
//! the same key returns the first result instead of creating again.

use sea_orm::entity::prelude::*;

/// One row of `mutation_receipt`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mutation_receipt")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Token subject that sent it.
    pub subject: String,
    /// The client's idempotency key.
    pub client_mutation_id: String,
    /// The mutation.
    pub operation: String,
    /// SHA-256 of the input, to tell a retry from a different request.
    pub input_digest: String,
    /// What it created.
    pub entity_kind: String,
    /// Its id.
    pub entity_id: i64,
    /// When.
    pub created_at: DateTimeUtc,
}

/// Relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
