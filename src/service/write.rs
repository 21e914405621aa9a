//! What every write shares besides its unit of work (`service::uow`): the
//! actor, outcomes and their common problems, digests, the date rules are
//! judged on, and the audit trail's reads and read-audits.

use super::ServiceError;
use crate::auth::Principal;
use crate::domain::rules::{Problem, ProblemKind};
use crate::domain::EntityKind;
use crate::domain::Msg;
use crate::state::AppState;
use crate::storage::journal::{self, AuditActor, AuditOutcome, AuditRow};
use chrono::Utc;
use entity::audit_event;
use serde::Serialize;
use sha2::{Digest, Sha256};

pub use crate::storage::journal::AuditFilter;

/// Who is acting, for authorization and the audit trail.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The caller.
    pub principal: Principal,
    /// The request's id.
    pub request_id: String,
}

/// A mutation's result: the entity, or the business problems that stopped it.
pub type Outcome<T> = Result<T, Vec<Problem>>;

/// One problem as a rejected outcome.
pub fn reject<T>(
    field: &[&str],
    kind: ProblemKind,
    message: impl Into<crate::domain::Msg>,
) -> Result<Outcome<T>, ServiceError> {
    Ok(Err(vec![Problem { field: field.iter().map(|s| (*s).to_owned()).collect(), message: message.into(), kind }]))
}

/// Today in Vietnam (UTC+7): "not in the future" is judged on this date.
pub fn today() -> chrono::NaiveDate {
    (Utc::now() + chrono::Duration::hours(7)).date_naive()
}

/// SHA-256 of a value's JSON, hex.
pub fn digest<T: Serialize>(value: &T) -> String {
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    hex::encode(Sha256::digest(&bytes))
}

/// How an actor appears in audit rows.
pub fn audit_actor(actor: &Actor) -> AuditActor {
    AuditActor {
        subject: actor.principal.subject.clone(),
        role: crate::auth::jwt::role_claim(actor.principal.role),
        province: actor.principal.province.as_ref().map(|p| p.to_string()),
        request_id: actor.request_id.clone(),
    }
}

/// A person whose restricted data a request revealed.
#[derive(Debug, Clone)]
pub struct Revealed {
    /// The person's row.
    pub person_id: i64,
    /// Their identity number (only its keyed hash is stored).
    pub id_number: Option<String>,
    /// The 2025 province of the record it was read on.
    pub record_province: Option<String>,
}

/// Records that restricted personal data of these persons was read (one
/// transaction for the whole request), each under the keyed hash of the
/// identity number, never the number.
pub async fn audit_reads(
    state: &AppState,
    actor: &Actor,
    revealed: &[Revealed],
    operation: Option<&str>,
) -> Result<(), ServiceError> {
    let reads = revealed
        .iter()
        .map(|r| journal::PersonalRead {
            person_id: r.person_id,
            person_key: r.id_number.as_deref().and_then(|n| state.evidence.person_key(n)),
            record_province: r.record_province.clone(),
            detail: operation.map(|o| format!("operation {o}")),
        })
        .collect();
    journal::audit_personal_reads(&state.db, &state.write_gate, &audit_actor(actor), reads).await?;
    Ok(())
}

/// Records that members' identity numbers were revealed, one audit row per
/// member, under its cooperative (the register's changes are audited there
/// too) with the member named in the detail.
pub async fn audit_member_reads(state: &AppState, actor: &Actor, reads: &[(i64, i64)]) -> Result<(), ServiceError> {
    if reads.is_empty() {
        return Ok(());
    }
    let rows = reads
        .iter()
        .map(|(cooperative, member)| AuditRow {
            operation: "readPersonalData".to_owned(),
            entity: Some((EntityKind::Cooperative, *cooperative)),
            outcome: AuditOutcome::Read,
            before: None,
            after: None,
            detail: Some(format!("member {member} idNumber")),
        })
        .collect();
    journal::audit_alone(&state.db, &state.write_gate, &audit_actor(actor), rows).await?;
    Ok(())
}

/// A page of the audit trail (national admins only), with whether entries
/// precede and follow it.
pub async fn audit_page(
    state: &AppState,
    actor: &Actor,
    window: super::page::SequenceWindow,
    filter: AuditFilter,
) -> Result<(Vec<audit_event::Model>, bool, bool), ServiceError> {
    if let Err(d) = crate::auth::may_read_audit(&actor.principal) {
        // A refused read of the trail is itself audited.
        return Err(super::uow::deny_outside(state, actor, "auditEvents", None, d).await);
    }
    let rows =
        journal::audit_between(&state.db, window.after, window.before, window.size + 1, window.from_end, &filter)
            .await?;
    Ok(window.finish(rows))
}

/// The problem reported when a `clientMutationId` is reused with other input.
pub fn key_reused() -> Vec<Problem> {
    vec![Problem {
        field: vec!["input".into(), "clientMutationId".into()],
        message: Msg::ClientMutationIdReused,
        kind: ProblemKind::Duplicate,
    }]
}

/// The problem reported on a version mismatch.
pub fn version_conflict(expected: i32, actual: i32) -> Vec<Problem> {
    vec![Problem {
        field: vec!["input".into(), "expectedVersion".into()],
        message: Msg::VersionConflict { actual: actual.into(), expected: expected.into() },
        kind: ProblemKind::VersionConflict,
    }]
}
