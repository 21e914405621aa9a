//! A signed checkpoint of the audit trail: the gateway's Ed25519 signature
//! over a sequence number and the chain hash at it.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// One row of `audit_checkpoint`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "audit_checkpoint")]
#[serde(deny_unknown_fields)]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The last audit sequence covered.
    pub seq: i64,
    /// The chain hash at `seq`.
    pub hash: String,
    /// When it was signed.
    pub signed_at: DateTimeUtc,
    /// The Ed25519 public key that signed it, hex.
    pub public_key: String,
    /// The signature over [`message`], hex.
    pub signature: String,
}

/// Relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The bytes a checkpoint's signature covers.
pub fn message(seq: i64, hash: &str, signed_at: &chrono::DateTime<chrono::Utc>) -> Vec<u8> {
    format!("coopgate-audit-checkpoint-v1\n{seq}\n{hash}\n{}", super::audit_event::canonical_time(signed_at))
        .into_bytes()
}
