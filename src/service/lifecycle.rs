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
use crate::domain::Msg;
use crate::domain::{ChangeKind, ChangeOrigin, DissolutionKind, EntityKind, RegistrationStatus};
use crate::national::{Delivery, StatusChange};
use crate::state::AppState;
use crate::storage::lifecycle::{self as store, StatusRow};
use crate::storage::records::{self, RegisteredRow};
use crate::storage::{StorageError, WriteTxn};
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
        message: Msg::NoSuch { what: what.to_owned() },
        kind: ProblemKind::NotFound,
    }]
}

/// A cooperative or a union: what a status change needs of its row.
trait Lifecycled: RegisteredRow + Clone + serde::Serialize + Send + Sync {
    /// The entity kind.
    const KIND: EntityKind;
    /// What it is called in a refusal.
    const WHAT: &'static str;
    /// The row, read inside the unit of work.
    async fn for_write(w: &WriteTxn, id: i64) -> Result<Option<Self>, StorageError>;
    /// Compare-and-swap of the row.
    async fn swap(w: &WriteTxn, next: &Self, expected: i32) -> Result<bool, StorageError>;
    /// Its ward.
    fn ward(&self) -> i32;
    /// Its version.
    fn version(&self) -> i32;
    /// Moves the version on, as of `now`.
    fn bump(&mut self, now: chrono::DateTime<chrono::Utc>);
}

macro_rules! lifecycled {
    ($model:ty, $kind:expr, $what:literal, $load:path, $swap:path) => {
        impl Lifecycled for $model {
            const KIND: EntityKind = $kind;
            const WHAT: &'static str = $what;
            async fn for_write(w: &WriteTxn, id: i64) -> Result<Option<Self>, StorageError> {
                $load(w, id).await
            }
            async fn swap(w: &WriteTxn, next: &Self, expected: i32) -> Result<bool, StorageError> {
                $swap(w, next, expected).await
            }
            fn ward(&self) -> i32 {
                self.ward_id
            }
            fn version(&self) -> i32 {
                self.version
            }
            fn bump(&mut self, now: chrono::DateTime<chrono::Utc>) {
                self.version += 1;
                self.updated_at = now;
            }
        }
    };
}

lifecycled!(
    cooperative::Model,
    EntityKind::Cooperative,
    "cooperative",
    records::cooperative_for_write,
    records::swap_cooperative
);
lifecycled!(
    cooperative_union::Model,
    EntityKind::CooperativeUnion,
    "union",
    records::union_for_write,
    records::swap_union
);

/// A status change applied inside its unit of work, not yet committed.
struct Applied<'s, R> {
    uow: UnitOfWork<'s>,
    current: R,
    next: R,
}

/// The part of a status change that cooperatives and unions share: the
/// row read for write, the caller authorized for its province, the change
/// checked by the state machine, the version compared, then the row
/// written (after `adjust` saw it with its new status), the history row,
/// the audit, the change-feed row and the national delivery. `Err` holds
/// the refusal, already settled.
async fn apply_status<'s, R: Lifecycled>(
    state: &'s AppState,
    actor: &'s Actor,
    operation: &'static str,
    id: i64,
    expected_version: i32,
    input: &StatusInput,
    adjust: impl FnOnce(&mut R),
) -> Result<Result<Applied<'s, R>, Outcome<R>>, ServiceError> {
    let uow = UnitOfWork::open_keyless(state, actor, operation).await?;
    let Some(current) = R::for_write(uow.txn(), id).await? else {
        uow.abandon().await?;
        return Ok(Err(Err(not_found(R::WHAT))));
    };
    let entity = (R::KIND, id);
    let decision = auth::may_write(&actor.principal, &state.gazetteer.province_code(current.ward()));
    let mut uow = uow.authorize(decision, Some(entity)).await?;
    let mut p = Problems::default();
    let from = current.registration_status()?;
    let (decided, reason) = checked(&uow, &mut p, R::KIND, id, from, input).await?;
    if !p.is_empty() {
        return Ok(Err(uow.reject(Some(entity), p.into_vec()).await?));
    }
    if current.version() != expected_version {
        return Ok(Err(uow.conflict(expected_version, current.version()).await?));
    }
    let to = input.status;
    let mut next = current.clone();
    next.set_registration_status(to);
    adjust(&mut next);
    next.bump(uow.now());
    if !R::swap(uow.txn(), &next, expected_version).await? {
        return Ok(Err(uow.conflict(expected_version, current.version()).await?));
    }
    let row = StatusRow {
        kind: R::KIND,
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
    let province = uow.gazetteer().province_code(next.ward());
    uow.change(ChangeKind::StatusChanged, R::KIND, id, province, next.version());
    if next.syncs() {
        let change =
            StatusChange::new(to, input.effective_on, &reason).with_terms(decided.until, decided.dissolution_kind);
        uow.deliver(R::KIND, id, Delivery::Status(change));
    }
    Ok(Ok(Applied { uow, current, next }))
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
    let to = input.status;
    let leaves = |next: &mut cooperative::Model| {
        if to.has_ended() {
            next.union_id = None;
        }
    };
    let Applied { mut uow, current, next } =
        match apply_status(state, actor, CHANGE_COOPERATIVE, id, expected_version, &input, leaves).await? {
            Ok(a) => a,
            Err(refused) => return Ok(refused),
        };
    if let Some(u) = current.union_id {
        let left = next.union_id.is_none();
        let note = if left {
            format!("member cooperative {id} left: it is {to}")
        } else {
            format!("member cooperative {id} is {to}")
        };
        refresh_union(&mut uow, u, input.effective_on, left, note).await?;
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
    let Applied { mut uow, next, .. } =
        match apply_status(state, actor, CHANGE_UNION, id, expected_version, &input, |_| {}).await? {
            Ok(a) => a,
            Err(refused) => return Ok(refused),
        };
    let to = input.status;
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
                let message = Msg::OnlyPendingWithdrawn {
                    what: $what.to_owned(),
                    from: from.to_string(),
                    allowed: lifecycle::province_targets(from)
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                };
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
