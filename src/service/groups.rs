//! Recording cooperative groups (tổ hợp tác).

use super::cooperatives::registration_ward;
use super::uow::{Idempotency, Opened, UnitOfWork};
use super::write::{self, Actor, Outcome};
use super::ServiceError;
use crate::auth;
use crate::domain::rules::{self, PersonDraft, Problem, ProblemKind, Problems};
use crate::domain::Msg;
use crate::domain::{text, ChangeKind, EntityKind, GroupStatus, Sector};
use crate::state::AppState;
use crate::storage::records;
use chrono::NaiveDate;
use entity::cooperative_group;

/// A group as a client records it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NewGroup {
    pub name: String,
    pub sector: Sector,
    pub street: Option<String>,
    pub ward_code: String,
    pub established_on: NaiveDate,
    pub members: i32,
    pub representative: PersonDraft,
    pub high_tech: Option<bool>,
    /// Idempotency key; not part of the input digest.
    #[serde(skip)]
    pub client_mutation_id: Option<String>,
}

const REGISTER: &str = "registerCooperativeGroup";

/// Records a cooperative group (ACTIVE from the start: groups are not
/// registered nationally).
pub async fn register(
    state: &AppState,
    actor: &Actor,
    input: NewGroup,
) -> Result<Outcome<cooperative_group::Model>, ServiceError> {
    let receipt = Idempotency::of(input.client_mutation_id.as_deref(), &input);
    let uow = match UnitOfWork::open(state, actor, REGISTER, receipt).await? {
        Opened::Open(u) => u,
        Opened::Replay(id) => {
            let found = records::group(&state.db, id).await?;
            return found.map(Ok).ok_or_else(|| ServiceError::Corrupt(format!("receipt names missing group {id}")));
        }
        Opened::KeyReused => return Ok(Err(write::key_reused())),
    };
    let mut p = Problems::default();
    let (mut uow, ward) = registration_ward(uow, &mut p, &input.ward_code).await?;
    let g = uow.gazetteer();
    let name = rules::name(&mut p, &["input", "name"], &input.name, rules::MAX_NAME);
    let street =
        rules::optional_text(&mut p, &["input", "address", "street"], input.street.as_deref(), rules::MAX_STREET);
    rules::not_future(&mut p, &["input", "establishedOn"], input.established_on, write::today());
    rules::count_at_least(&mut p, &["input", "members"], input.members, rules::MIN_GROUP_MEMBERS);
    let rep = rules::person(&mut p, &["input", "representative"], &input.representative);
    let (Some(ward), true) = (ward, p.is_empty()) else {
        return uow.reject(None, p.into_vec()).await;
    };
    let now = uow.now();
    let rep_id = records::insert_person(uow.txn(), &rep).await?;
    let row = cooperative_group::Model {
        id: 0,
        name_search: text::fold(&name),
        name,
        status: GroupStatus::Active.as_str().to_owned(),
        sector: input.sector.as_str().to_owned(),
        street,
        ward_id: ward.id,
        province_id: g.province_id(ward.id),
        established_on: input.established_on,
        members: input.members,
        representative_id: Some(rep_id),
        high_tech: input.high_tech.unwrap_or(false),
        value_chain_linked: false,
        latest_rating: None,
        latest_report_year: None,
        disbanded_on: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let model = records::insert_group(uow.txn(), row).await?;
    let entity = (EntityKind::CooperativeGroup, model.id);
    uow.audit(entity, None::<&()>, Some(&model), None);
    uow.change(ChangeKind::Created, EntityKind::CooperativeGroup, model.id, g.province_code(model.ward_id), 1);
    uow.commit(Some(entity)).await?;
    Ok(Ok(model))
}

/// Changes to a group; `None` keeps a field as it is.
#[derive(Debug, Clone, Default)]
pub struct GroupPatch {
    pub name: Option<String>,
    pub sector: Option<Sector>,
    /// New place of record: street and ward.
    pub address: Option<(Option<String>, String)>,
    pub members: Option<i32>,
    pub representative: Option<PersonDraft>,
    pub high_tech: Option<bool>,
    pub value_chain_linked: Option<bool>,
}

/// Opens a unit of work on a group: loads it inside the transaction,
/// checks the caller may write in its province and that it still operates.
async fn open_active<'s>(
    state: &'s AppState,
    actor: &'s Actor,
    operation: &'static str,
    id: i64,
) -> Result<Result<(UnitOfWork<'s>, cooperative_group::Model), Vec<Problem>>, ServiceError> {
    let uow = UnitOfWork::open_keyless(state, actor, operation).await?;
    let Some(current) = records::group_for_write(uow.txn(), id).await? else {
        uow.abandon().await?;
        let p = Problem {
            field: vec!["input".into(), "id".into()],
            message: Msg::NoSuch { what: "group".into() },
            kind: ProblemKind::NotFound,
        };
        return Ok(Err(vec![p]));
    };
    let entity = (EntityKind::CooperativeGroup, id);
    let decision = auth::may_write(&actor.principal, &state.gazetteer.province_code(current.ward_id));
    let uow = uow.authorize(decision, Some(entity)).await?;
    // Only a group with somewhere to go may change (domain::lifecycle).
    if GroupStatus::parse(&current.status).is_none_or(|s| crate::domain::lifecycle::group_targets(s).is_empty()) {
        uow.abandon().await?;
        let p = Problem {
            field: vec!["input".into(), "id".into()],
            message: Msg::GroupFinal { status: current.status.to_string() },
            kind: ProblemKind::InvalidTransition,
        };
        return Ok(Err(vec![p]));
    }
    Ok(Ok((uow, current)))
}

const UPDATE: &str = "updateCooperativeGroup";

/// Changes an ACTIVE group's record.
pub async fn update(
    state: &AppState,
    actor: &Actor,
    id: i64,
    expected_version: i32,
    patch: GroupPatch,
) -> Result<Outcome<cooperative_group::Model>, ServiceError> {
    let (mut uow, current) = match open_active(state, actor, UPDATE, id).await? {
        Ok(x) => x,
        Err(p) => return Ok(Err(p)),
    };
    let g = uow.gazetteer();
    let entity = (EntityKind::CooperativeGroup, id);
    let mut p = Problems::default();
    let mut next = current.clone();
    if let Some((street, ward_code)) = &patch.address {
        if let Some(w) = rules::ward_in_force(&mut p, &["input", "address", "wardCode"], g, ward_code) {
            let decision = auth::may_move(&actor.principal, &g.province_code(current.ward_id), &g.province_code(w.id));
            uow = uow.authorize(decision, Some(entity)).await?;
            next.ward_id = w.id;
            next.province_id = g.province_id(w.id);
        }
        next.street =
            rules::optional_text(&mut p, &["input", "address", "street"], street.as_deref(), rules::MAX_STREET);
    }
    if let Some(n) = &patch.name {
        next.name = rules::name(&mut p, &["input", "name"], n, rules::MAX_NAME);
        next.name_search = text::fold(&next.name);
    }
    if let Some(s) = patch.sector {
        next.sector = s.as_str().to_owned();
    }
    if let Some(n) = patch.members {
        rules::count_at_least(&mut p, &["input", "members"], n, rules::MIN_GROUP_MEMBERS);
        next.members = n;
    }
    let rep = patch.representative.as_ref().map(|d| rules::person(&mut p, &["input", "representative"], d));
    if let Some(v) = patch.high_tech {
        next.high_tech = v;
    }
    if let Some(v) = patch.value_chain_linked {
        next.value_chain_linked = v;
    }
    if !p.is_empty() {
        return uow.reject(Some(entity), p.into_vec()).await;
    }
    if current.version != expected_version {
        return uow.conflict(expected_version, current.version).await;
    }
    if let Some(r) = &rep {
        next.representative_id = Some(records::insert_person(uow.txn(), r).await?);
    }
    next.version = current.version + 1;
    next.updated_at = uow.now();
    if !records::swap_group(uow.txn(), &next, expected_version).await? {
        return uow.conflict(expected_version, current.version).await;
    }
    uow.audit(entity, Some(&current), Some(&next), None);
    uow.change(ChangeKind::Updated, EntityKind::CooperativeGroup, id, g.province_code(next.ward_id), next.version);
    uow.commit(None).await?;
    Ok(Ok(next))
}

const DISBAND: &str = "disbandCooperativeGroup";

/// Disbands an ACTIVE group (its cooperation contract ended): DISBANDED
/// from `effective_on`, which is neither in the future nor before the group
/// was established. Final.
pub async fn disband(
    state: &AppState,
    actor: &Actor,
    id: i64,
    expected_version: i32,
    effective_on: NaiveDate,
    reason: &str,
) -> Result<Outcome<cooperative_group::Model>, ServiceError> {
    let (mut uow, current) = match open_active(state, actor, DISBAND, id).await? {
        Ok(x) => x,
        Err(p) => return Ok(Err(p)),
    };
    let entity = (EntityKind::CooperativeGroup, id);
    let mut p = Problems::default();
    let reason = rules::name(&mut p, &["input", "reason"], reason, rules::MAX_REASON);
    rules::not_future(&mut p, &["input", "effectiveOn"], effective_on, write::today());
    if effective_on < current.established_on {
        p.invalid(&["input", "effectiveOn"], Msg::GroupEstablishedOn { on: current.established_on.to_string() });
    }
    if !p.is_empty() {
        return uow.reject(Some(entity), p.into_vec()).await;
    }
    if current.version != expected_version {
        return uow.conflict(expected_version, current.version).await;
    }
    let mut next = current.clone();
    next.status = GroupStatus::Disbanded.as_str().to_owned();
    next.disbanded_on = Some(effective_on);
    next.version = current.version + 1;
    next.updated_at = uow.now();
    if !records::swap_group(uow.txn(), &next, expected_version).await? {
        return uow.conflict(expected_version, current.version).await;
    }
    uow.audit(
        entity,
        Some(&current),
        Some(&next),
        Some(format!("ACTIVE → DISBANDED effective {effective_on}: {reason}")),
    );
    let province = uow.gazetteer().province_code(next.ward_id);
    uow.change(ChangeKind::StatusChanged, EntityKind::CooperativeGroup, id, province, next.version);
    uow.commit(None).await?;
    Ok(Ok(next))
}
