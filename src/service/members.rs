//! The member register of a cooperative: adding a member and ending a
//! membership, each one unit of work that also keeps the cooperative's
//! counts and its below-minimum flag in step with the register.

use super::cooperatives::open_for_write;
use super::national;
use super::uow::UnitOfWork;
use super::write::{self, Actor, Outcome};
use super::ServiceError;
use crate::domain::members::{self, MemberDraft, MemberType};
use crate::domain::rules::{self, Problem, ProblemKind, Problems};
use crate::domain::Msg;
use crate::domain::{AdministrativeLevel, ChangeKind, EntityKind, Gazetteer, RegistrationStatus};
use crate::national::Delivery;
use crate::state::AppState;
use crate::storage::members as register;
use crate::storage::records::{self, RegisteredRow};
use chrono::NaiveDate;
use entity::{cooperative, member};

const ADD: &str = "addMember";
const END: &str = "endMembership";

/// Whether a 2-digit code is a province's, before or after 2025 (the
/// province a citizen identity number names is where the birth was
/// registered, often a province that no longer exists).
fn is_province(g: &Gazetteer, code: &str) -> bool {
    g.in_force(AdministrativeLevel::Province, code).is_some() || g.former(AdministrativeLevel::Province, code).is_some()
}

/// A register entry's stored type, read back.
fn member_type(m: &member::Model) -> Result<MemberType, ServiceError> {
    MemberType::parse(&m.member_type)
        .ok_or_else(|| ServiceError::Corrupt(format!("member {} has unknown type {:?}", m.id, m.member_type)))
}

/// The cooperative's counts and flag as the register now makes them, on
/// `on` (the day of the change): official and associate members are the
/// register's current ones, and the flag starts, stays or clears.
pub(super) fn follow_register(
    next: &mut cooperative::Model,
    entries: &[member::Model],
    on: NaiveDate,
    today: NaiveDate,
) -> Result<(), ServiceError> {
    let mut typed = Vec::with_capacity(entries.len());
    for e in entries {
        typed.push((member_type(e)?, e.joined_on, e.left_on));
    }
    let (official, associate) = members::counts(typed, today);
    next.official_members = official;
    next.associate_members = associate;
    next.below_legal_minimum_since = members::below_minimum_since(next.below_legal_minimum_since, official, on);
    Ok(())
}

/// A cooperative whose register may change: not dissolved or revoked.
fn refuse_if_closed(current: &cooperative::Model) -> Result<Option<Problem>, ServiceError> {
    Ok(match current.registration_status()? {
        RegistrationStatus::Dissolved | RegistrationStatus::Revoked => Some(Problem {
            field: vec!["input".into(), "organizationId".into()],
            message: Msg::RegisterCannotChange { status: current.status.to_string() },
            kind: ProblemKind::InvalidTransition,
        }),
        _ => None,
    })
}

/// Writes the cooperative as the register left it, and the tail of the
/// unit of work: audit, change, and the national update when the member
/// counts it declares changed.
async fn commit_with_cooperative(
    mut uow: UnitOfWork<'_>,
    current: &cooperative::Model,
    mut next: cooperative::Model,
    before: Option<&member::Model>,
    after: &member::Model,
    detail: String,
) -> Result<Outcome<member::Model>, ServiceError> {
    let id = current.id;
    next.version = current.version + 1;
    next.updated_at = uow.now();
    if !records::swap_cooperative(uow.txn(), &next, current.version).await? {
        return Err(ServiceError::Corrupt(format!("cooperative {id} changed inside its write transaction")));
    }
    let g = uow.gazetteer();
    uow.audit((EntityKind::Cooperative, id), before, Some(after), Some(detail));
    uow.change(ChangeKind::Updated, EntityKind::Cooperative, id, g.province_code(next.ward_id), next.version);
    let counts_changed =
        (next.official_members, next.associate_members) != (current.official_members, current.associate_members);
    if counts_changed && next.syncs() {
        let content = national::cooperative_content_now(uow.txn(), g, &next).await?;
        uow.deliver(EntityKind::Cooperative, id, Delivery::Update(content));
    }
    uow.commit(None).await?;
    Ok(Ok(after.clone()))
}

/// Adds a member to a cooperative's register; the cooperative's counts
/// become the register's.
pub async fn add(
    state: &AppState,
    actor: &Actor,
    cooperative_id: Option<i64>,
    draft: MemberDraft,
) -> Result<Outcome<member::Model>, ServiceError> {
    let Some(cooperative_id) = cooperative_id else {
        return write::reject(&["input", "organizationId"], ProblemKind::NotFound, Msg::NoSuchCooperativeForRegister);
    };
    let (uow, current) = match open_for_write(state, actor, ADD, cooperative_id).await? {
        Ok(x) => x,
        Err(p) => return Ok(Err(p)),
    };
    if let Some(p) = refuse_if_closed(&current)? {
        return uow.refuse(vec![p]).await;
    }
    let g = uow.gazetteer();
    let today = write::today();
    let mut p = Problems::default();
    let record = members::member(&mut p, &["input"], &draft, today, |c| is_province(g, c));
    if !p.is_empty() {
        return uow.reject(Some((EntityKind::Cooperative, cooperative_id)), p.into_vec()).await;
    }
    let now = uow.now();
    let row = register::insert(
        uow.txn(),
        member::Model {
            id: 0,
            cooperative_id,
            kind: record.kind.as_str().to_owned(),
            member_type: record.member_type.as_str().to_owned(),
            name: record.name.clone(),
            gender: record.gender.map(|g| g.as_str().to_owned()),
            id_number: record.id_number.clone(),
            capital_contribution: record.capital_contribution,
            joined_on: record.joined_on,
            left_on: None,
            left_reason: None,
            version: 1,
            created_at: now,
            updated_at: now,
        },
    )
    .await?;
    let entries = register::register_for_write(uow.txn(), cooperative_id).await?;
    let mut next = current.clone();
    follow_register(&mut next, &entries, record.joined_on, today)?;
    let detail = format!("member {} ({}) joined on {}", row.id, record.member_type, record.joined_on);
    commit_with_cooperative(uow, &current, next, None, &row, detail).await
}

/// Ends a membership on `left_on` (withdrawal, expulsion, death,
/// dissolution of a member entity); the entry stays in the register as a
/// past member.
pub async fn end(
    state: &AppState,
    actor: &Actor,
    member_id: Option<i64>,
    left_on: NaiveDate,
    reason: &str,
) -> Result<Outcome<member::Model>, ServiceError> {
    let not_found =
        || write::reject(&["input", "memberId"], ProblemKind::NotFound, Msg::NoSuch { what: "member".into() });
    let Some(member_id) = member_id else { return not_found() };
    let Some(found) = register::by_id(&state.db, member_id).await? else { return not_found() };
    let (uow, current) = match open_for_write(state, actor, END, found.cooperative_id).await? {
        Ok(x) => x,
        Err(p) => return Ok(Err(p)),
    };
    let Some(entry) =
        register::member_for_write(uow.txn(), member_id).await?.filter(|e| e.cooperative_id == current.id)
    else {
        return uow
            .refuse_one(&["input", "memberId"], ProblemKind::NotFound, Msg::NoSuch { what: "member".into() })
            .await;
    };
    if let Some(p) = refuse_if_closed(&current)? {
        return uow.refuse(vec![p]).await;
    }
    let today = write::today();
    let mut p = Problems::default();
    let reason = rules::name(&mut p, &["input", "reason"], reason, rules::MAX_REASON);
    rules::not_future(&mut p, &["input", "leftOn"], left_on, today);
    if let Some(l) = entry.left_on {
        p.add(&["input", "memberId"], ProblemKind::InvalidTransition, Msg::MembershipEnded { on: l.to_string() });
    } else if left_on < entry.joined_on {
        p.invalid(&["input", "leftOn"], Msg::BeforeJoined { joined: entry.joined_on.to_string() });
    }
    if !p.is_empty() {
        return uow.reject(Some((EntityKind::Cooperative, current.id)), p.into_vec()).await;
    }
    let mut ended = entry.clone();
    ended.left_on = Some(left_on);
    ended.left_reason = Some(reason.clone());
    ended.version = entry.version + 1;
    ended.updated_at = uow.now();
    if !register::swap(uow.txn(), &ended, entry.version).await? {
        return Err(ServiceError::Corrupt(format!("member {member_id} changed inside its write transaction")));
    }
    let entries = register::register_for_write(uow.txn(), current.id).await?;
    let mut next = current.clone();
    follow_register(&mut next, &entries, left_on, today)?;
    let detail = format!("member {member_id} left on {left_on}: {reason}");
    commit_with_cooperative(uow, &current, next, Some(&entry), &ended, detail).await
}

/// Whether a cooperative's register holds any entry (then its counts are
/// the register's, and cannot be set by hand).
pub async fn register_is_kept(w: &crate::storage::WriteTxn, cooperative_id: i64) -> Result<bool, ServiceError> {
    Ok(!register::register_for_write(w, cooperative_id).await?.is_empty())
}
