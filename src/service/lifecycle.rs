//! The lifecycle of cooperatives and unions (docs/lifecycle.md): status
//! changes checked by `domain::lifecycle`, each appended to the record's
//! status history in the same unit of work, synced to both national
//! systems and told in the change feed; what a member's end does to its
//! union; and the withdrawal of an application.

use super::uow::UnitOfWork;
use super::write::{self, Actor, Outcome};
use super::ServiceError;
use crate::auth;
use crate::domain::lifecycle::{self, StatusRequest};
use crate::domain::rules::{self, Problem, ProblemKind, Problems};
use crate::domain::{ChangeKind, ChangeOrigin, DissolutionKind, EntityKind, RegistrationStatus};
use crate::national::{Delivery, StatusChange};
use crate::state::AppState;
use crate::storage::lifecycle::{self as store, StatusRow};
use crate::storage::records::{self, RegisteredRow};
use chrono::NaiveDate;
use entity::{cooperative, cooperative_union};

/// A status change as a client asks for it.
#[derive(Debug, Clone)]
pub struct StatusInput {
    /// The new status.
    pub status: RegistrationStatus,
    /// The day it takes effect.
    pub effective_on: NaiveDate,
    /// Why (the decision and its number).
    pub reason: String,
    /// End of a suspension term.
    pub until: Option<NaiveDate>,
    /// Voluntary or compulsory dissolution.
    pub dissolution_kind: Option<DissolutionKind>,
}

/// Appends a status to a record's history inside the unit of work.
pub async fn record_status(uow: &UnitOfWork<'_>, row: StatusRow) -> Result<(), ServiceError> {
    Ok(store::insert_status(uow.txn(), row, uow.now()).await?)
}

/// The first history row of a new record: a PENDING application, or (for a
/// record imported with its code) ACTIVE from its registration day.
pub async fn record_registration(
    uow: &UnitOfWork<'_>,
    kind: EntityKind,
    id: i64,
    imported_on: Option<NaiveDate>,
) -> Result<(), ServiceError> {
    let (status, effective_on, reason) = match imported_on {
        Some(d) => (RegistrationStatus::Active, d, "imported with its existing code"),
        None => (RegistrationStatus::Pending, write::today(), "application submitted"),
    };
    let row = StatusRow {
        kind,
        id,
        status,
        effective_on,
        reason: reason.to_owned(),
        dissolution_kind: None,
        until: None,
        origin: ChangeOrigin::Province,
    };
    record_status(uow, row).await
}

/// Checks a requested change of a record in `from` (its latest history
/// row read inside the unit of work); problems go to `p`.
async fn checked(
    uow: &UnitOfWork<'_>,
    p: &mut Problems,
    kind: EntityKind,
    id: i64,
    from: RegistrationStatus,
    input: &StatusInput,
) -> Result<(lifecycle::Decided, String), ServiceError> {
    let reason = rules::name(p, &["input", "reason"], &input.reason, rules::MAX_REASON);
    rules::not_future(p, &["input", "effectiveOn"], input.effective_on, write::today());
    let latest = store::latest_status(uow.txn(), kind, id).await?;
    let latest = latest.filter(|l| l.status == from.as_str());
    let since = latest.as_ref().map(|l| l.effective_on);
    let dissolving = latest.as_ref().and_then(|l| l.dissolution_kind.as_deref()).and_then(DissolutionKind::parse);
    let req = StatusRequest {
        to: input.status,
        effective_on: input.effective_on,
        until: input.until,
        dissolution_kind: input.dissolution_kind,
    };
    Ok((lifecycle::check(p, from, since, dissolving, &req), reason))
}

fn not_found(what: &str) -> Vec<Problem> {
    vec![Problem {
        field: vec!["input".into(), "id".into()],
        message: format!("no such {what}"),
        kind: ProblemKind::NotFound,
    }]
}

const CHANGE_COOPERATIVE: &str = "changeCooperativeStatus";

/// Changes a cooperative's status as the law allows (see the module and
/// `domain::lifecycle`). A cooperative that ends (DISSOLVED, BANKRUPT)
/// leaves its union in the same unit of work.
pub async fn change_cooperative_status(
    state: &AppState,
    actor: &Actor,
    id: i64,
    expected_version: i32,
    input: StatusInput,
) -> Result<Outcome<cooperative::Model>, ServiceError> {
    let uow = UnitOfWork::open_keyless(state, actor, CHANGE_COOPERATIVE).await?;
    let Some(current) = records::cooperative_for_write(uow.txn(), id).await? else {
        uow.abandon().await?;
        return Ok(Err(not_found("cooperative")));
    };
    let entity = (EntityKind::Cooperative, id);
    let decision = auth::may_write(&actor.principal, &state.gazetteer.province_code(current.ward_id));
    let mut uow = uow.authorize(decision, Some(entity)).await?;
    let mut p = Problems::default();
    let from = current.registration_status()?;
    let (decided, reason) = checked(&uow, &mut p, EntityKind::Cooperative, id, from, &input).await?;
    if !p.is_empty() {
        return uow.reject(Some(entity), p.into_vec()).await;
    }
    if current.version != expected_version {
        return uow.conflict(expected_version, current.version).await;
    }
    let to = input.status;
    let mut next = current.clone();
    next.set_registration_status(to);
    let left_union = if to.has_ended() { next.union_id.take() } else { None };
    next.version = current.version + 1;
    next.updated_at = uow.now();
    if !records::swap_cooperative(uow.txn(), &next, expected_version).await? {
        return uow.conflict(expected_version, current.version).await;
    }
    let row = StatusRow {
        kind: EntityKind::Cooperative,
        id,
        status: to,
        effective_on: input.effective_on,
        reason: reason.clone(),
        dissolution_kind: decided.dissolution_kind,
        until: decided.until,
        origin: ChangeOrigin::Province,
    };
    record_status(&uow, row).await?;
    uow.audit(
        entity,
        Some(&current),
        Some(&next),
        Some(format!("{from} → {to} effective {}: {reason}", input.effective_on)),
    );
    let province = uow.gazetteer().province_code(next.ward_id);
    uow.change(ChangeKind::StatusChanged, EntityKind::Cooperative, id, province, next.version);
    if next.syncs() {
        uow.deliver(EntityKind::Cooperative, id, Delivery::Status(StatusChange::new(to, input.effective_on, &reason)));
    }
    if let Some(u) = current.union_id {
        let note = match left_union {
            Some(_) => format!("member cooperative {id} left: it is {to}"),
            None => format!("member cooperative {id} is {to}"),
        };
        refresh_union(&mut uow, u, input.effective_on, left_union.is_some(), note).await?;
    }
    uow.commit(None).await?;
    Ok(Ok(next))
}

/// After a member's status or membership changed: recomputes the union's
/// below-minimum flag (fewer than three operating members since
/// `effective_on`) and, when `membership_changed`, tells the national
/// systems the union's new member count. The union's version moves when
/// anything of it changed; audited under the union.
pub async fn refresh_union(
    uow: &mut UnitOfWork<'_>,
    union_id: i64,
    effective_on: NaiveDate,
    membership_changed: bool,
    note: String,
) -> Result<(), ServiceError> {
    let Some(union) = records::union_for_write(uow.txn(), union_id).await? else { return Ok(()) };
    let operating = store::operating_members(uow.txn(), union_id).await?;
    let mut next = union.clone();
    next.below_minimum_since = match (operating < rules::MIN_UNION_MEMBERS as u64, union.below_minimum_since) {
        (true, Some(since)) => Some(since),
        (true, None) => Some(effective_on),
        (false, _) => None,
    };
    if next == union && !membership_changed {
        return Ok(());
    }
    next.version = union.version + 1;
    next.updated_at = uow.now();
    if !records::swap_union(uow.txn(), &next, union.version).await? {
        return Err(ServiceError::Corrupt(format!("union {union_id} changed inside its write transaction")));
    }
    let entity = (EntityKind::CooperativeUnion, union_id);
    uow.audit(entity, Some(&union), Some(&next), Some(note));
    let province = uow.gazetteer().province_code(next.ward_id);
    uow.change(ChangeKind::Updated, EntityKind::CooperativeUnion, union_id, province, next.version);
    let status = next.registration_status()?;
    if membership_changed && next.syncs() && !matches!(status, RegistrationStatus::Pending) && !status.has_ended() {
        let content = super::national::union_content_now(uow.txn(), uow.gazetteer(), &next).await?;
        uow.deliver(EntityKind::CooperativeUnion, union_id, Delivery::Update(content));
    }
    Ok(())
}

const CHANGE_UNION: &str = "changeCooperativeUnionStatus";

/// Changes a union's status under the same state machine as a
/// cooperative's. A union that ends (DISSOLVED, BANKRUPT) releases its
/// member cooperatives in the same unit of work.
pub async fn change_union_status(
    state: &AppState,
    actor: &Actor,
    id: i64,
    expected_version: i32,
    input: StatusInput,
) -> Result<Outcome<cooperative_union::Model>, ServiceError> {
    let uow = UnitOfWork::open_keyless(state, actor, CHANGE_UNION).await?;
    let Some(current) = records::union_for_write(uow.txn(), id).await? else {
        uow.abandon().await?;
        return Ok(Err(not_found("union")));
    };
    let entity = (EntityKind::CooperativeUnion, id);
    let decision = auth::may_write(&actor.principal, &state.gazetteer.province_code(current.ward_id));
    let mut uow = uow.authorize(decision, Some(entity)).await?;
    let mut p = Problems::default();
    let from = current.registration_status()?;
    let (decided, reason) = checked(&uow, &mut p, EntityKind::CooperativeUnion, id, from, &input).await?;
    if !p.is_empty() {
        return uow.reject(Some(entity), p.into_vec()).await;
    }
    if current.version != expected_version {
        return uow.conflict(expected_version, current.version).await;
    }
    let to = input.status;
    let mut next = current.clone();
    next.set_registration_status(to);
    next.version = current.version + 1;
    next.updated_at = uow.now();
    if !records::swap_union(uow.txn(), &next, expected_version).await? {
        return uow.conflict(expected_version, current.version).await;
    }
    let row = StatusRow {
        kind: EntityKind::CooperativeUnion,
        id,
        status: to,
        effective_on: input.effective_on,
        reason: reason.clone(),
        dissolution_kind: decided.dissolution_kind,
        until: decided.until,
        origin: ChangeOrigin::Province,
    };
    record_status(&uow, row).await?;
    uow.audit(
        entity,
        Some(&current),
        Some(&next),
        Some(format!("{from} → {to} effective {}: {reason}", input.effective_on)),
    );
    let province = uow.gazetteer().province_code(next.ward_id);
    uow.change(ChangeKind::StatusChanged, EntityKind::CooperativeUnion, id, province, next.version);
    if next.syncs() {
        uow.deliver(
            EntityKind::CooperativeUnion,
            id,
            Delivery::Status(StatusChange::new(to, input.effective_on, &reason)),
        );
    }
    if to.has_ended() {
        release_members(&mut uow, id, &format!("union {id} is {to}")).await?;
    }
    uow.commit(None).await?;
    Ok(Ok(next))
}

/// Ends every membership in a union that no longer exists: each member's
/// `union_id` is cleared by compare-and-swap, logged and audited under the
/// member.
async fn release_members(uow: &mut UnitOfWork<'_>, union_id: i64, note: &str) -> Result<(), ServiceError> {
    for m in records::members_for_write(uow.txn(), union_id).await? {
        let mut next = m.clone();
        next.union_id = None;
        next.version = m.version + 1;
        next.updated_at = uow.now();
        if !records::swap_cooperative(uow.txn(), &next, m.version).await? {
            return Err(ServiceError::Corrupt(format!("cooperative {} changed inside its write transaction", m.id)));
        }
        uow.audit((EntityKind::Cooperative, m.id), Some(&m), Some(&next), Some(note.to_owned()));
        let province = uow.gazetteer().province_code(next.ward_id);
        uow.change(ChangeKind::Updated, EntityKind::Cooperative, m.id, province, next.version);
    }
    Ok(())
}

/// A record whose application can be withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applicant {
    /// A cooperative.
    Cooperative(i64),
    /// A union.
    Union(i64),
}

const WITHDRAW: &str = "withdrawApplication";

/// Withdraws a PENDING application (rút hồ sơ): WITHDRAWN, final. Outbox
/// rows never sent are cancelled; if any was sent (the national systems may
/// hold the application, or register it from a delivery already under
/// way), a WITHDRAWN status change is queued after them, so NCRS and the
/// tax system close what they hold. A union's member cooperatives are
/// released. Returns the record's sync columns.
pub async fn withdraw(
    state: &AppState,
    actor: &Actor,
    who: Option<Applicant>,
    expected_version: i32,
    reason: &str,
) -> Result<Outcome<super::sync::SyncColumns>, ServiceError> {
    use crate::domain::SyncState;
    let uow = UnitOfWork::open_keyless(state, actor, WITHDRAW).await?;
    macro_rules! withdraw_row {
        ($load:path, $swap:path, $kind:expr, $id:expr, $what:literal) => {{
            let Some(current) = $load(uow.txn(), $id).await? else {
                uow.abandon().await?;
                return Ok(Err(not_found($what)));
            };
            let entity = ($kind, $id);
            let decision = auth::may_write(&actor.principal, &state.gazetteer.province_code(current.ward_id));
            let mut uow = uow.authorize(decision, Some(entity)).await?;
            let from = current.registration_status()?;
            if from != RegistrationStatus::Pending {
                let message = format!(
                    "only a PENDING application can be withdrawn; this {} is {from}{}",
                    $what,
                    if lifecycle::province_targets(from).is_empty() {
                        String::new()
                    } else {
                        format!(
                            " (use a status change: it may become {})",
                            lifecycle::province_targets(from).iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                        )
                    }
                );
                return uow.refuse_one(&["input", "id"], ProblemKind::InvalidTransition, message).await;
            }
            let mut p = Problems::default();
            let reason = rules::name(&mut p, &["input", "reason"], reason, rules::MAX_REASON);
            if !p.is_empty() {
                return uow.reject(Some(entity), p.into_vec()).await;
            }
            if current.version != expected_version {
                return uow.conflict(expected_version, current.version).await;
            }
            let outbox = store::cancel_unsent(uow.txn(), $kind, $id).await?;
            let mut next = current.clone();
            next.set_registration_status(RegistrationStatus::Withdrawn);
            if !outbox.sent && next.syncs() {
                next.set_sync_states(SyncState::NotRequired, SyncState::NotRequired);
                next.sync_last_error = None;
            }
            next.version = current.version + 1;
            next.updated_at = uow.now();
            if !$swap(uow.txn(), &next, expected_version).await? {
                return uow.conflict(expected_version, current.version).await;
            }
            let today = write::today();
            let row = StatusRow {
                kind: $kind,
                id: $id,
                status: RegistrationStatus::Withdrawn,
                effective_on: today,
                reason: reason.clone(),
                dissolution_kind: None,
                until: None,
                origin: ChangeOrigin::Province,
            };
            record_status(&uow, row).await?;
            let detail = if outbox.sent {
                format!("PENDING → WITHDRAWN: {reason}; the national systems may hold it: withdrawal sent")
            } else {
                format!("PENDING → WITHDRAWN: {reason}; {} unsent deliveries cancelled", outbox.cancelled)
            };
            uow.audit(entity, Some(&current), Some(&next), Some(detail));
            let province = uow.gazetteer().province_code(next.ward_id);
            uow.change(ChangeKind::StatusChanged, $kind, $id, province, next.version);
            if outbox.sent {
                let change = StatusChange::new(RegistrationStatus::Withdrawn, today, &reason);
                uow.deliver($kind, $id, Delivery::Status(change));
            }
            (
                uow,
                super::sync::SyncColumns {
                    tax_sync: next.tax_sync.clone(),
                    registry_sync: next.registry_sync.clone(),
                    attempts: next.sync_attempts,
                    last_error: next.sync_last_error.clone(),
                    last_synced_at: next.last_synced_at,
                },
            )
        }};
    }
    let Some(who) = who else {
        uow.abandon().await?;
        return Ok(Err(not_found("cooperative or union")));
    };
    let (uow, columns) = match who {
        Applicant::Cooperative(id) => withdraw_row!(
            records::cooperative_for_write,
            records::swap_cooperative,
            EntityKind::Cooperative,
            id,
            "cooperative"
        ),
        Applicant::Union(id) => {
            let (mut uow, columns) =
                withdraw_row!(records::union_for_write, records::swap_union, EntityKind::CooperativeUnion, id, "union");
            release_members(&mut uow, id, &format!("union {id} withdrew its application")).await?;
            (uow, columns)
        }
    };
    uow.commit(None).await?;
    Ok(Ok(columns))
}
