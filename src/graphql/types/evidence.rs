//! The audit trail as evidence: the result of verifying its hash chain.

use crate::graphql::scalars::DateTime;
use async_graphql::{Context, SimpleObject};

/// What recomputing the audit trail's hash chain and checking its signed
/// checkpoints found.
#[derive(SimpleObject)]
pub struct AuditVerification {
    /// Whether every event matched its hash, none was missing or inserted,
    /// and every checkpoint was validly signed by the gateway's key.
    pub verified: bool,
    /// Events checked.
    pub events: i32,
    /// The first sequence that does not verify (a decimal number as text);
    /// null when verified.
    pub first_broken_sequence: Option<String>,
    /// When the latest checkpoint that matched the chain was signed; null
    /// when none covers it.
    pub checkpoint_signed_at: Option<DateTime>,
}

impl From<crate::evidence::Verification> for AuditVerification {
    fn from(v: crate::evidence::Verification) -> Self {
        AuditVerification {
            verified: v.verified(),
            events: i32::try_from(v.events).unwrap_or(i32::MAX),
            first_broken_sequence: v.broken.map(|b| b.seq.to_string()),
            checkpoint_signed_at: v.signed_through.map(|(_, at)| DateTime(at)),
        }
    }
}

/// The caller and request id of a query, as use cases take them.
pub fn actor(ctx: &Context<'_>) -> crate::service::write::Actor {
    crate::service::write::Actor {
        principal: ctx.data_opt::<crate::auth::Principal>().cloned().unwrap_or_else(crate::auth::Principal::anonymous),
        request_id: ctx.data_opt::<crate::auth::RequestId>().map(|r| r.0.clone()).unwrap_or_else(|| "-".into()),
    }
}
