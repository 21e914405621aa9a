//! Registering cooperative unions (liên hiệp hợp tác xã) and changing their
//! member cooperatives, each in one unit of work: the union and its members
//! are read inside the write transaction and written by compare-and-swap.

use super::cooperatives::registration_ward;
use super::national;
use super::uow::{Idempotency, Opened, UnitOfWork};
use super::write::{self, Actor, Outcome};
use super::ServiceError;
use crate::auth;
use crate::domain::rules::{self, PersonDraft, ProblemKind, Problems};
use crate::domain::Msg;
use crate::domain::{text, ChangeKind, EntityKind, RegistrationStatus, Sector, SyncState};
use crate::national::Delivery;
use crate::state::AppState;
use crate::storage::records::{self, RegisteredRow};
use entity::{cooperative, cooperative_union};
use rust_decimal::Decimal;

/// A union as a client registers it. Member ids are cooperative row ids;
/// `None` stands for an id that names no cooperative.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NewUnion {
    pub name: String,
    pub sector: Sector,
    pub street: Option<String>,
    pub ward_code: String,
    pub charter_capital: Option<Decimal>,
    pub legal_representative: PersonDraft,
    pub member_ids: Vec<Option<i64>>,
    /// Idempotency key; not part of the input digest.
    #[serde(skip)]
    pub client_mutation_id: Option<String>,
}

const REGISTER: &str = "registerCooperativeUnion";

/// Registers a union formed by at least three ACTIVE cooperatives that
/// belong to no other union. Members of another province need a caller who
/// may write there too (a national admin; docs/lifecycle.md). It is PENDING
/// until registered nationally.
pub async fn register(
    state: &AppState,
    actor: &Actor,
    input: NewUnion,
) -> Result<Outcome<cooperative_union::Model>, ServiceError> {
    let receipt = Idempotency::of(input.client_mutation_id.as_deref(), &input);
    let uow = match UnitOfWork::open(state, actor, REGISTER, receipt).await? {
        Opened::Open(u) => u,
        Opened::Replay(id) => {
            return records::union(&state.db, id)
                .await?
                .map(Ok)
                .ok_or_else(|| ServiceError::Corrupt(format!("receipt names missing union {id}")))
        }
        Opened::KeyReused => return Ok(Err(write::key_reused())),
    };
    let mut p = Problems::default();
    let (mut uow, ward) = registration_ward(uow, &mut p, &input.ward_code).await?;
    let g = uow.gazetteer();
    let name = rules::name(&mut p, &["input", "name"], &input.name, rules::MAX_NAME);
    let street =
        rules::optional_text(&mut p, &["input", "address", "street"], input.street.as_deref(), rules::MAX_STREET);
    let capital = rules::amount(&mut p, &["input", "charterCapital"], input.charter_capital, false);
    let legal = rules::person(&mut p, &["input", "legalRepresentative"], &input.legal_representative);
    let mut members: Vec<cooperative::Model> = Vec::new();
    for (i, id) in input.member_ids.iter().enumerate() {
        let idx = i.to_string();
        let path = ["input", "memberCooperativeIds", idx.as_str()];
        let found = match id {
            Some(id) => records::cooperative_for_write(uow.txn(), *id).await?,
            None => None,
        };
        match found {
            None => p.add(&path, ProblemKind::NotFound, Msg::NoSuch { what: "cooperative".into() }),
            Some(c) if members.iter().any(|m| m.id == c.id) => p.invalid(&path, Msg::ListedTwice),
            Some(c) if c.registration_status()? != RegistrationStatus::Active => {
                p.invalid(&path, Msg::NotActive { name: c.name.clone(), status: c.status.clone() })
            }
            Some(c) if c.union_id.is_some() => p.invalid(&path, Msg::AlreadyInUnion { name: c.name.clone() }),
            Some(c) => {
                let decision = auth::may_write(&actor.principal, &g.province_code(c.ward_id));
                uow = uow.authorize(decision, Some((EntityKind::Cooperative, c.id))).await?;
                members.push(c)
            }
        }
    }
    if input.member_ids.len() < rules::MIN_UNION_MEMBERS {
        p.invalid(&["input", "memberCooperativeIds"], Msg::UnionNeedsMembers { min: rules::MIN_UNION_MEMBERS });
    }
    super::national_form::union(&mut p, &name, street.as_deref(), capital, &legal, &input.member_ids, &members);
    let (Some(ward), true) = (ward, p.is_empty()) else {
        return uow.reject(None, p.into_vec()).await;
    };
    let now = uow.now();
    let legal_id = records::insert_person(uow.txn(), &legal).await?;
    let row = cooperative_union::Model {
        id: 0,
        code: None,
        name_search: text::fold(&name),
        name,
        status: RegistrationStatus::Pending.as_str().to_owned(),
        sector: input.sector.as_str().to_owned(),
        street,
        ward_id: ward.id,
        province_id: g.province_id(ward.id),
        registered_on: None,
        charter_capital: capital,
        legal_representative_id: Some(legal_id),
        director_id: None,
        below_minimum_since: None,
        high_tech: false,
        value_chain_linked: false,
        latest_rating: None,
        latest_report_year: None,
        tax_sync: SyncState::Pending.as_str().to_owned(),
        registry_sync: SyncState::Pending.as_str().to_owned(),
        sync_attempts: 0,
        sync_last_error: None,
        last_synced_at: None,
        national_version: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let union = records::insert_union(uow.txn(), row).await?;
    for m in &members {
        if !join(&mut uow, m, Some(union.id)).await? {
            return uow.conflict(m.version, m.version + 1).await;
        }
    }
    let entity = (EntityKind::CooperativeUnion, union.id);
    uow.audit(entity, None::<&()>, Some(&union), None);
    uow.change(ChangeKind::Created, EntityKind::CooperativeUnion, union.id, g.province_code(union.ward_id), 1);
    super::lifecycle::record_registration(&uow, EntityKind::CooperativeUnion, union.id, None).await?;
    let content = national::union_content_now(uow.txn(), g, &union).await?;
    uow.deliver(EntityKind::CooperativeUnion, union.id, Delivery::Register(content));
    uow.commit(Some(entity)).await?;
    Ok(Ok(union))
}

/// Points a cooperative at a union (or none), bumping its version and
/// logging the change; `false` if it changed meanwhile.
async fn join(
    uow: &mut UnitOfWork<'_>,
    coop: &cooperative::Model,
    union_id: Option<i64>,
) -> Result<bool, ServiceError> {
    let mut next = coop.clone();
    next.union_id = union_id;
    next.version = coop.version + 1;
    next.updated_at = uow.now();
    if !records::swap_cooperative(uow.txn(), &next, coop.version).await? {
        return Ok(false);
    }
    let province = uow.gazetteer().province_code(next.ward_id);
    uow.change(ChangeKind::Updated, EntityKind::Cooperative, next.id, province, next.version);
    Ok(true)
}

/// Which membership change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership {
    /// addUnionMember
    Add,
    /// removeUnionMember
    Remove,
}

/// Adds a cooperative to a union or removes it; a union keeps at least
/// three ACTIVE members. The union, the cooperative and the count of the
/// other members are read inside the write transaction, and the union's
/// version bump is a compare-and-swap of the row as read there (so a code
/// the sync worker has just saved is kept).
pub async fn change_membership(
    state: &AppState,
    actor: &Actor,
    union_id: Option<i64>,
    cooperative_id: Option<i64>,
    change: Membership,
) -> Result<Outcome<cooperative_union::Model>, ServiceError> {
    let operation = match change {
        Membership::Add => "addUnionMember",
        Membership::Remove => "removeUnionMember",
    };
    let uow = UnitOfWork::open_keyless(state, actor, operation).await?;
    let union = match union_id {
        Some(id) => records::union_for_write(uow.txn(), id).await?,
        None => None,
    };
    let Some(union) = union else {
        return uow
            .refuse_one(&["input", "unionId"], ProblemKind::NotFound, Msg::NoSuch { what: "union".into() })
            .await;
    };
    let entity = (EntityKind::CooperativeUnion, union.id);
    let decision = auth::may_write(&actor.principal, &state.gazetteer.province_code(union.ward_id));
    let uow = uow.authorize(decision, Some(entity)).await?;
    let coop = match cooperative_id {
        Some(id) => records::cooperative_for_write(uow.txn(), id).await?,
        None => None,
    };
    let Some(coop) = coop else {
        return uow
            .refuse_one(&["input", "cooperativeId"], ProblemKind::NotFound, Msg::NoSuch { what: "cooperative".into() })
            .await;
    };
    // Membership changes the cooperative's record too: the caller must be
    // allowed to write in the cooperative's province as well (an officer
    // only in their own; a national admin anywhere). See docs/lifecycle.md.
    let decision = auth::may_write(&actor.principal, &state.gazetteer.province_code(coop.ward_id));
    let mut uow = uow.authorize(decision, Some((EntityKind::Cooperative, coop.id))).await?;
    let path = ["input", "cooperativeId"];
    match change {
        Membership::Add if coop.union_id == Some(union.id) => {
            return uow.refuse_one(&path, ProblemKind::Duplicate, Msg::AlreadyMember { name: coop.name.clone() }).await
        }
        Membership::Add if coop.union_id.is_some() => {
            return uow.refuse_one(&path, ProblemKind::Invalid, Msg::InAnotherUnion { name: coop.name.clone() }).await
        }
        Membership::Add if coop.registration_status()? != RegistrationStatus::Active => {
            let message = Msg::NotActive { name: coop.name.clone(), status: coop.status.clone() };
            return uow.refuse_one(&path, ProblemKind::Invalid, message).await;
        }
        Membership::Remove if coop.union_id != Some(union.id) => {
            let message = Msg::NotUnionMember { name: coop.name.clone() };
            return uow.refuse_one(&path, ProblemKind::NotFound, message).await;
        }
        Membership::Remove => {
            let active_others = records::active_members_except(uow.txn(), union.id, coop.id).await?;
            if (active_others as usize) < rules::MIN_UNION_MEMBERS {
                let message = Msg::UnionKeepsMembers { min: rules::MIN_UNION_MEMBERS };
                return uow.refuse_one(&path, ProblemKind::Invalid, message).await;
            }
        }
        Membership::Add => {}
    }
    let target = if change == Membership::Add { Some(union.id) } else { None };
    if !join(&mut uow, &coop, target).await? {
        return uow.conflict(coop.version, coop.version + 1).await;
    }
    let mut next = union.clone();
    next.version = union.version + 1;
    next.updated_at = uow.now();
    if !records::swap_union(uow.txn(), &next, union.version).await? {
        return uow.conflict(union.version, union.version + 1).await;
    }
    let province = uow.gazetteer().province_code(next.ward_id);
    uow.change(ChangeKind::Updated, EntityKind::CooperativeUnion, next.id, province, next.version);
    uow.audit(entity, Some(&union), Some(&next), Some(format!("cooperative {}", coop.id)));
    let mut coop_after = coop.clone();
    coop_after.union_id = target;
    coop_after.version = coop.version + 1;
    coop_after.updated_at = uow.now();
    let verb = if change == Membership::Add { "joined" } else { "left" };
    uow.audit(
        (EntityKind::Cooperative, coop.id),
        Some(&coop),
        Some(&coop_after),
        Some(format!("{verb} union {}", union.id)),
    );
    if union.syncs() {
        let content = national::union_content_now(uow.txn(), uow.gazetteer(), &next).await?;
        uow.deliver(EntityKind::CooperativeUnion, union.id, Delivery::Update(content));
    }
    uow.commit(None).await?;
    Ok(Ok(next))
}

/// Changes to a union; `None` keeps a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UnionPatch {
    pub name: Option<String>,
    pub sector: Option<Sector>,
    /// New address: street and ward.
    pub address: Option<(Option<String>, String)>,
    pub charter_capital: Option<Decimal>,
    pub legal_representative: Option<PersonDraft>,
    pub director: Option<PersonDraft>,
}

const UPDATE: &str = "updateCooperativeUnion";

/// Changes a union's registered content, its legal representative or its
/// director. A PENDING union the national systems REJECTED is fixed this
/// way; `retrySync` then sends the registration with the fixed content.
pub async fn update(
    state: &AppState,
    actor: &Actor,
    id: i64,
    expected_version: i32,
    patch: UnionPatch,
) -> Result<Outcome<cooperative_union::Model>, ServiceError> {
    let uow = UnitOfWork::open_keyless(state, actor, UPDATE).await?;
    let Some(current) = records::union_for_write(uow.txn(), id).await? else {
        return uow.refuse_one(&["input", "id"], ProblemKind::NotFound, Msg::NoSuch { what: "union".into() }).await;
    };
    let entity = (EntityKind::CooperativeUnion, id);
    let g = uow.gazetteer();
    let decision = auth::may_write(&actor.principal, &g.province_code(current.ward_id));
    let mut uow = uow.authorize(decision, Some(entity)).await?;
    let status = current.registration_status()?;
    if !crate::domain::lifecycle::content_may_change(status) {
        let message = Msg::UnionCannotChange { status: status.to_string() };
        return uow.refuse_one(&["input", "id"], ProblemKind::InvalidTransition, message).await;
    }
    let mut p = Problems::default();
    let mut next = current.clone();
    if let Some(address) = &patch.address {
        let (u, m) = super::cooperatives::moved(uow, &mut p, entity, current.ward_id, address).await?;
        uow = u;
        if let Some((ward, province)) = m.ward {
            (next.ward_id, next.province_id) = (ward, province);
        }
        next.street = m.street;
    }
    if let Some(n) = &patch.name {
        next.name = rules::name(&mut p, &["input", "name"], n, rules::MAX_NAME);
        next.name_search = text::fold(&next.name);
    }
    if let Some(s) = patch.sector {
        next.set_sector(s);
    }
    if patch.charter_capital.is_some() {
        next.charter_capital = rules::amount(&mut p, &["input", "charterCapital"], patch.charter_capital, false);
    }
    let new_legal =
        patch.legal_representative.as_ref().map(|d| rules::person(&mut p, &["input", "legalRepresentative"], d));
    let new_director = patch.director.as_ref().map(|d| rules::person(&mut p, &["input", "director"], d));
    if next.syncs() {
        let stored = match (&new_legal, next.legal_representative_id) {
            (None, Some(pid)) => records::person_for_write(uow.txn(), pid).await?,
            _ => None,
        };
        let legal = new_legal.clone().or_else(|| {
            stored.map(|m| rules::PersonRecord {
                full_name: m.full_name,
                gender: m.gender.as_deref().and_then(crate::domain::Gender::parse),
                id_number: m.id_number,
                phone: m.phone,
            })
        });
        if let Some(legal) = legal {
            super::national_form::union(
                &mut p,
                &next.name,
                next.street.as_deref(),
                next.charter_capital,
                &legal,
                &[],
                &[],
            );
        }
    }
    if !p.is_empty() {
        return uow.reject(Some(entity), p.into_vec()).await;
    }
    if current.version != expected_version {
        return uow.conflict(expected_version, current.version).await;
    }
    let (director_id, legal_id) =
        super::cooperatives::insert_people(&uow, new_director.as_ref(), new_legal.as_ref()).await?;
    next.director_id = director_id.or(next.director_id);
    next.legal_representative_id = legal_id.or(next.legal_representative_id);
    next.version = current.version + 1;
    next.updated_at = uow.now();
    if !records::swap_union(uow.txn(), &next, expected_version).await? {
        return uow.conflict(expected_version, current.version).await;
    }
    uow.audit(entity, Some(&current), Some(&next), None);
    uow.change(ChangeKind::Updated, EntityKind::CooperativeUnion, id, g.province_code(next.ward_id), next.version);
    if next.syncs() {
        let content = national::union_content_now(uow.txn(), g, &next).await?;
        uow.deliver(EntityKind::CooperativeUnion, id, Delivery::Update(content));
    }
    uow.commit(None).await?;
    Ok(Ok(next))
}
