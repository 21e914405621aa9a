//! Registering cooperative unions (liên hiệp hợp tác xã) and changing their
//! member cooperatives.

use super::cooperatives::{self, insert_person, province_code};
use super::write::{self, reject, Actor, AuditEntry, AuditOutcome, Outcome, Receipt, WriteTxn};
use super::ServiceError;
use crate::auth;
use crate::domain::rules::{self, PersonDraft, ProblemKind, Problems};
use crate::domain::{text, ChangeKind, EntityKind, RegistrationStatus, Sector, SyncState};
use crate::state::AppState;
use crate::storage::StorageError;
use crate::sync::outbox::{self, Operation};
use chrono::{DateTime, Utc};
use entity::{cooperative, cooperative_union};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, Set,
};

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

/// A union by id.
pub async fn find<C: ConnectionTrait>(c: &C, id: i64) -> Result<Option<cooperative_union::Model>, ServiceError> {
    Ok(cooperative_union::Entity::find_by_id(id).one(c).await.map_err(StorageError::from)?)
}

const REGISTER: &str = "registerCooperativeUnion";

/// Registers a union formed by at least three ACTIVE cooperatives (of any
/// province) that belong to no other union. It is PENDING until registered
/// nationally.
pub async fn register(
    state: &AppState,
    actor: &Actor,
    input: NewUnion,
) -> Result<Outcome<cooperative_union::Model>, ServiceError> {
    let g = &state.gazetteer;
    let input_digest = write::digest(&input);
    let key = input.client_mutation_id.as_deref();
    match write::receipt(&state.db, actor, key, REGISTER, &input_digest).await? {
        Receipt::Replay(id) => {
            return find(&state.db, id)
                .await?
                .map(Ok)
                .ok_or_else(|| ServiceError::Corrupt(format!("receipt names missing union {id}")))
        }
        Receipt::Conflict => return Ok(Err(write::key_reused())),
        Receipt::New => {}
    }
    let mut p = Problems::default();
    let ward = write::registration_ward(state, actor, REGISTER, &mut p, &input.ward_code).await?;
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
            Some(id) => cooperatives::find(&state.db, *id).await?,
            None => None,
        };
        match found {
            None => p.add(&path, ProblemKind::NotFound, "no such cooperative"),
            Some(c) if members.iter().any(|m| m.id == c.id) => p.invalid(&path, "listed twice"),
            Some(c) if c.status != RegistrationStatus::Active.as_str() => {
                p.invalid(&path, format!("{} is {}, not ACTIVE", c.name, c.status))
            }
            Some(c) if c.union_id.is_some() => p.invalid(&path, format!("{} already belongs to a union", c.name)),
            Some(c) => members.push(c),
        }
    }
    if input.member_ids.len() < rules::MIN_UNION_MEMBERS {
        p.invalid(
            &["input", "memberCooperativeIds"],
            format!("a union needs at least {} ACTIVE member cooperatives", rules::MIN_UNION_MEMBERS),
        );
    }
    super::national_form::union(&mut p, &name, street.as_deref(), capital, &legal, &input.member_ids, &members);
    let (Some(ward), true) = (ward, p.is_empty()) else {
        let problems = p.into_vec();
        write::audit_rejected(&state.db, actor, REGISTER, None, &problems).await?;
        return Ok(Err(problems));
    };
    let now = Utc::now();
    let w = write::begin(state).await?;
    let legal_id = insert_person(&w.txn, &legal).await?;
    let union = cooperative_union::ActiveModel {
        code: Set(None),
        name_search: Set(text::fold(&name)),
        name: Set(name),
        status: Set(RegistrationStatus::Pending.as_str().to_owned()),
        sector: Set(input.sector.as_str().to_owned()),
        street: Set(street),
        ward_id: Set(ward.id),
        province_id: Set(g.province_of(ward.id).map(|u| u.id).unwrap_or_default()),
        registered_on: Set(None),
        charter_capital: Set(capital),
        legal_representative_id: Set(Some(legal_id)),
        high_tech: Set(false),
        value_chain_linked: Set(false),
        latest_rating: Set(None),
        latest_report_year: Set(None),
        tax_sync: Set(SyncState::Pending.as_str().to_owned()),
        registry_sync: Set(SyncState::Pending.as_str().to_owned()),
        sync_attempts: Set(0),
        sync_last_error: Set(None),
        last_synced_at: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&w.txn)
    .await
    .map_err(StorageError::from)?;
    for m in members {
        if !join(state, &w, &m, Some(union.id), now).await? {
            return Ok(Err(write::version_conflict(m.version, m.version + 1)));
        }
    }
    write::store_receipt(&w, actor, key, REGISTER, &input_digest, (EntityKind::CooperativeUnion, union.id)).await?;
    write::audit(
        &w.txn,
        actor,
        AuditEntry {
            operation: REGISTER,
            entity: Some((EntityKind::CooperativeUnion, union.id)),
            outcome: AuditOutcome::Success,
            before: None,
            after: Some(write::digest(&union)),
            detail: None,
        },
    )
    .await?;
    let province = province_code(g, union.ward_id);
    write::record_change(&w, ChangeKind::Created, EntityKind::CooperativeUnion, union.id, &province, Some(1), now)
        .await?;
    let payload = outbox::content(&w.txn, g, EntityKind::CooperativeUnion, union.id).await?;
    outbox::enqueue(&w.txn, EntityKind::CooperativeUnion, union.id, Operation::Register, payload).await?;
    w.commit().await?;
    state.feed.committed();
    Ok(Ok(union))
}

/// Points a cooperative at a union (or none), bumping its version and
/// logging the change; `false` if it changed meanwhile.
async fn join(
    state: &AppState,
    w: &WriteTxn,
    coop: &cooperative::Model,
    union_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<bool, ServiceError> {
    let mut next = coop.clone();
    next.union_id = union_id;
    next.version = coop.version + 1;
    next.updated_at = now;
    if !cooperatives::compare_and_swap(&w.txn, &next, coop.version).await? {
        return Ok(false);
    }
    let province = province_code(&state.gazetteer, next.ward_id);
    write::record_change(w, ChangeKind::Updated, EntityKind::Cooperative, next.id, &province, Some(next.version), now)
        .await?;
    Ok(true)
}

/// Bumps a union's version after a membership change and logs it.
async fn touch(
    state: &AppState,
    w: &WriteTxn,
    union: &cooperative_union::Model,
    now: DateTime<Utc>,
) -> Result<cooperative_union::Model, ServiceError> {
    let mut next = union.clone();
    next.version = union.version + 1;
    next.updated_at = now;
    cooperative_union::Entity::update_many()
        .set(next.clone().into_active_model().reset_all())
        .filter(cooperative_union::Column::Id.eq(union.id))
        .exec(&w.txn)
        .await
        .map_err(StorageError::from)?;
    let province = province_code(&state.gazetteer, next.ward_id);
    write::record_change(
        w,
        ChangeKind::Updated,
        EntityKind::CooperativeUnion,
        next.id,
        &province,
        Some(next.version),
        now,
    )
    .await?;
    Ok(next)
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
/// three ACTIVE members.
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
    if let Err(d) = auth::may_write_somewhere(&actor.principal) {
        return Err(write::deny(&state.db, actor, operation, None, d).await);
    }
    let union = match union_id {
        Some(id) => find(&state.db, id).await?,
        None => None,
    };
    let Some(union) = union else { return reject(&["input", "unionId"], ProblemKind::NotFound, "no such union") };
    if let Err(d) = auth::may_write(&actor.principal, &province_code(&state.gazetteer, union.ward_id)) {
        return Err(write::deny(&state.db, actor, operation, Some((EntityKind::CooperativeUnion, union.id)), d).await);
    }
    let coop = match cooperative_id {
        Some(id) => cooperatives::find(&state.db, id).await?,
        None => None,
    };
    let Some(coop) = coop else {
        return reject(&["input", "cooperativeId"], ProblemKind::NotFound, "no such cooperative");
    };
    let path = ["input", "cooperativeId"];
    match change {
        Membership::Add if coop.union_id == Some(union.id) => {
            return reject(&path, ProblemKind::Duplicate, format!("{} is already a member", coop.name))
        }
        Membership::Add if coop.union_id.is_some() => {
            return reject(&path, ProblemKind::Invalid, format!("{} belongs to another union", coop.name))
        }
        Membership::Add if coop.status != RegistrationStatus::Active.as_str() => {
            return reject(&path, ProblemKind::Invalid, format!("{} is {}, not ACTIVE", coop.name, coop.status))
        }
        Membership::Remove if coop.union_id != Some(union.id) => {
            return reject(&path, ProblemKind::NotFound, format!("{} is not a member of this union", coop.name))
        }
        Membership::Remove => {
            let active_others = cooperative::Entity::find()
                .filter(cooperative::Column::UnionId.eq(union.id))
                .filter(cooperative::Column::Status.eq(RegistrationStatus::Active.as_str()))
                .filter(cooperative::Column::Id.ne(coop.id))
                .count(&state.db)
                .await
                .map_err(StorageError::from)?;
            if (active_others as usize) < rules::MIN_UNION_MEMBERS {
                return reject(
                    &path,
                    ProblemKind::Invalid,
                    format!("a union keeps at least {} ACTIVE member cooperatives", rules::MIN_UNION_MEMBERS),
                );
            }
        }
        Membership::Add => {}
    }
    let now = Utc::now();
    let w = write::begin(state).await?;
    let target = if change == Membership::Add { Some(union.id) } else { None };
    if !join(state, &w, &coop, target, now).await? {
        return Ok(Err(write::version_conflict(coop.version, coop.version + 1)));
    }
    let next = touch(state, &w, &union, now).await?;
    write::audit(
        &w.txn,
        actor,
        AuditEntry {
            operation,
            entity: Some((EntityKind::CooperativeUnion, union.id)),
            outcome: AuditOutcome::Success,
            before: Some(write::digest(&union)),
            after: Some(write::digest(&next)),
            detail: Some(format!("cooperative {}", coop.id)),
        },
    )
    .await?;
    if outbox::syncs(&union.registry_sync) {
        let payload = outbox::content(&w.txn, &state.gazetteer, EntityKind::CooperativeUnion, union.id).await?;
        outbox::enqueue(&w.txn, EntityKind::CooperativeUnion, union.id, Operation::Update, payload).await?;
    }
    w.commit().await?;
    state.feed.committed();
    Ok(Ok(next))
}
