//! One entry of the append-only audit trail (nhật ký kiểm toán): who did
//! what, when, to which record, with what outcome — chained by hash so that
//! a changed, removed or inserted row shows (see `docs/evidence.md`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One row of `audit_event`. Never updated or deleted (triggers refuse it).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "audit_event")]
#[serde(deny_unknown_fields)]
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
    /// COOPERATIVE, COOPERATIVE_UNION, COOPERATIVE_GROUP, PERSON, TARGET, SYNC_OUTBOX.
    pub entity_kind: Option<String>,
    /// The entity's id.
    pub entity_id: Option<i64>,
    /// SUCCESS, DENIED, REJECTED, READ or EXCHANGE.
    pub outcome: String,
    /// SHA-256 of the entity before the change.
    pub before_digest: Option<String>,
    /// SHA-256 of the entity after the change.
    pub after_digest: Option<String>,
    /// Free text: reason, error codes; for EXCHANGE rows the exchange as JSON.
    pub detail: Option<String>,
    /// Position in the hash chain: 1, 2, 3… in commit order.
    pub seq: i64,
    /// `SHA-256(previous hash ‖ canonical bytes)`, hex ([`chain_hash`]).
    pub hash: String,
    /// Keyed hash (HMAC-SHA256, server secret) of the identity number a
    /// READ row revealed; never the number itself.
    pub person_key: Option<String>,
    /// The 2025 province of the record whose personal data was read.
    pub record_province: Option<String>,
}

/// Relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The hash before the first event of a trail.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The time as the chain hashes it: RFC 3339, UTC, microseconds (what both
/// databases keep).
pub fn canonical_time(at: &chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// The canonical bytes of an event: a versioned JSON array of every field
/// but `id` and `hash`, in a fixed order (strings JSON-escaped, absent
/// values `null`), so that any change of any field changes them.
pub fn canonical_bytes(m: &Model) -> Vec<u8> {
    let v = serde_json::json!([
        "coopgate-audit-v1",
        m.seq,
        canonical_time(&m.at),
        m.subject,
        m.role,
        m.province,
        m.request_id,
        m.operation,
        m.entity_kind,
        m.entity_id,
        m.outcome,
        m.before_digest,
        m.after_digest,
        m.detail,
        m.person_key,
        m.record_province,
    ]);
    serde_json::to_vec(&v).unwrap_or_default()
}

/// `hex(SHA-256(previous ‖ canonical_bytes(m)))`, `previous` as its hex text.
pub fn chain_hash(previous: &str, m: &Model) -> String {
    let mut h = Sha256::new();
    h.update(previous.as_bytes());
    h.update(canonical_bytes(m));
    hex::encode(h.finalize())
}
