//! The partner sandbox's reset, first half: who may reset, in which profile,
//! and emptying the registry with the reset recorded in the audit trail.
//! `seed::reset_demo` then seeds the demo registry again (the seed module
//! depends on this one, not the other way round).

use super::write::{audit_actor, Actor};
use super::ServiceError;
use crate::auth::{Denial, Role};
use crate::config::Profile;
use crate::domain::Msg;
use crate::state::AppState;
use crate::storage::journal::{self, AuditOutcome, AuditRow};
use crate::storage::{sandbox, write as txn};

/// The audit trail's operation name of a reset.
pub const RESET_OPERATION: &str = "sandbox.reset";

/// Whether a reset may run in `profile`: always in dev; in production only
/// when the operator forced it (`--force`), never through the API.
pub fn reset_allowed(profile: Profile, forced: bool) -> Result<(), ServiceError> {
    match (profile, forced) {
        (Profile::Dev, _) | (Profile::Production, true) => Ok(()),
        (Profile::Production, false) => Err(ServiceError::Forbidden(Msg::ResetDevOnly)),
    }
}

/// Empties the registry (storage::sandbox::WIPED) in one transaction that
/// also appends a `sandbox.reset` event to the audit trail, then starts the
/// emptied tables' numbering again. A national admin only (a refusal is
/// audited); `forced` lets an operator reset outside the dev profile.
pub async fn wipe(state: &AppState, actor: &Actor, scale: u32, forced: bool) -> Result<(), ServiceError> {
    reset_allowed(state.profile, forced)?;
    if actor.principal.role != Role::NationalAdmin {
        let denial = match actor.principal.role {
            Role::Anonymous => Denial::Unauthenticated,
            _ => Denial::Forbidden(Msg::ResetAdminOnly),
        };
        return Err(super::uow::deny_outside(state, actor, RESET_OPERATION, None, denial).await);
    }
    let w = txn::begin(&state.db, &state.write_gate).await?;
    sandbox::wipe(&w).await?;
    let row = AuditRow {
        operation: RESET_OPERATION.to_owned(),
        entity: None,
        outcome: AuditOutcome::Success,
        before: None,
        after: None,
        detail: Some(format!("registry emptied; the demo registry at scale {scale} seeded again")),
    };
    journal::insert_audit(&w, &audit_actor(actor), vec![row]).await?;
    w.commit().await?;
    sandbox::renumber(&state.db).await?;
    if let Ok(mut kept) = state.aggregates.statistics.lock() {
        kept.clear();
    }
    if let Ok(mut kept) = state.aggregates.facts.lock() {
        kept.clear();
    }
    Ok(())
}
