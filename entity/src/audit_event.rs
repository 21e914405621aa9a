//! One entry of the append-only audit trail (nhật ký kiểm toán): who did
//! what, when, to which record, with what outcome.

use sea_orm::entity::prelude::*;

/// One row of `audit_event`. Never updated or deleted (triggers refuse it).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_event")]
pub struct Model {
    /// Surrogate key, in order of writing.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// When.
    pub at: DateTimeUtc,
    /// Token subject of the caller.
    pub subject: String,
    /// Caller's role.
    pub role: String,
    /// Caller's province (officers).
    pub province: Option<String>,
    /// Request id (`x-request-id`).
    pub request_id: String,
    /// Operation, e.g. `registerCooperative`, `readPersonalData`.
    pub operation: String,
    /// COOPERATIVE, COOPERATIVE_UNION, COOPERATIVE_GROUP, PERSON, TARGET.
    pub entity_kind: Option<String>,
    /// The entity's id.
    pub entity_id: Option<i64>,
    /// SUCCESS, DENIED, REJECTED or READ.
    pub outcome: String,
    /// SHA-256 of the entity before the change.
    pub before_digest: Option<String>,
    /// SHA-256 of the entity after the change.
    pub after_digest: Option<String>,
    /// Free text: reason, error codes.
    pub detail: Option<String>,
}

/// Relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
