//! Registering and changing cooperatives: rules, authorization, one
//! transaction with audit and change-log rows.

use super::write::{self, reject, Actor, AuditEntry, AuditOutcome, Outcome, Receipt};
use super::ServiceError;
use crate::auth;
use crate::domain::rules::{self, PersonDraft, PersonRecord, ProblemKind, Problems};
use crate::domain::{text, ChangeKind, EntityKind, Gazetteer, RegistrationStatus, Sector, SyncState, UnitId};
use crate::state::AppState;
use crate::storage::StorageError;
use crate::sync::outbox::{self, Operation};
use chrono::{NaiveDate, Utc};
use entity::{cooperative, person};
use rust_decimal::Decimal;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};

/// A cooperative as a client registers it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NewCooperative {
    pub name: String,
    pub foreign_name: Option<String>,
    pub abbreviation: Option<String>,
    pub sector: Sector,
    pub business_lines: Vec<String>,
    pub street: Option<String>,
    pub ward_code: String,
    pub charter_capital: Option<Decimal>,
    pub official_members: i32,
    pub associate_members: Option<i32>,
    pub director: PersonDraft,
    pub legal_representative: PersonDraft,
    pub high_tech: Option<bool>,
    pub value_chain_linked: Option<bool>,
    /// An existing tax code (records migrated from elsewhere).
    pub code: Option<String>,
    pub registered_on: Option<NaiveDate>,
    /// Idempotency key; not part of the input digest.
    #[serde(skip)]
    pub client_mutation_id: Option<String>,
}

/// Changes to a cooperative; `None` keeps a field as it is.
#[derive(Debug, Clone, Default)]
pub struct CooperativePatch {
    pub name: Option<String>,
    pub foreign_name: Option<String>,
    pub abbreviation: Option<String>,
    pub sector: Option<Sector>,
    pub business_lines: Option<Vec<String>>,
    /// New address: street and ward.
    pub address: Option<(Option<String>, String)>,
    pub charter_capital: Option<Decimal>,
    pub official_members: Option<i32>,
    pub associate_members: Option<i32>,
    pub director: Option<PersonDraft>,
    pub legal_representative: Option<PersonDraft>,
    pub high_tech: Option<bool>,
    pub value_chain_linked: Option<bool>,
}

/// The 2025 province code of a ward.
pub fn province_code(g: &Gazetteer, ward_id: UnitId) -> String {
    g.province_of(ward_id).map(|p| p.code.clone()).unwrap_or_default()
}

/// Inserts a person row and returns its id.
pub async fn insert_person<C: ConnectionTrait>(c: &C, p: &PersonRecord) -> Result<i64, ServiceError> {
    let m = person::ActiveModel {
        full_name: Set(p.full_name.clone()),
        gender: Set(p.gender.map(|g| g.as_str().to_owned())),
        id_number: Set(p.id_number.clone()),
        phone: Set(p.phone.clone()),
        ..Default::default()
    }
    .insert(c)
    .await
    .map_err(StorageError::from)?;
    Ok(m.id)
}

/// A cooperative by id.
pub async fn find<C: ConnectionTrait>(c: &C, id: i64) -> Result<Option<cooperative::Model>, ServiceError> {
    Ok(cooperative::Entity::find_by_id(id).one(c).await.map_err(StorageError::from)?)
}

const REGISTER: &str = "registerCooperative";

/// Registers a cooperative. Without `code` it is PENDING until the national
/// systems register it; with an existing valid code it is imported ACTIVE.
pub async fn register(
    state: &AppState,
    actor: &Actor,
    input: NewCooperative,
) -> Result<Outcome<cooperative::Model>, ServiceError> {
    let g = &state.gazetteer;
    let input_digest = write::digest(&input);
    let key = input.client_mutation_id.as_deref();
    match write::receipt(&state.db, actor, key, REGISTER, &input_digest).await? {
        Receipt::Replay(id) => {
            let found = find(&state.db, id).await?;
            return found
                .map(Ok)
                .ok_or_else(|| ServiceError::Corrupt(format!("receipt names missing cooperative {id}")));
        }
        Receipt::Conflict => return Ok(Err(write::key_reused())),
        Receipt::New => {}
    }
    let mut p = Problems::default();
    let ward = write::registration_ward(state, actor, REGISTER, &mut p, &input.ward_code).await?;
    let today = write::today();
    let name = rules::name(&mut p, &["input", "name"], &input.name, rules::MAX_NAME);
    let foreign_name =
        rules::optional_text(&mut p, &["input", "foreignName"], input.foreign_name.as_deref(), rules::MAX_NAME);
    let abbreviation = rules::optional_text(&mut p, &["input", "abbreviation"], input.abbreviation.as_deref(), 100);
    let lines = rules::business_lines(&mut p, &["input", "businessLines"], &input.business_lines);
    let street =
        rules::optional_text(&mut p, &["input", "address", "street"], input.street.as_deref(), rules::MAX_STREET);
    let capital = rules::amount(&mut p, &["input", "charterCapital"], input.charter_capital, false);
    rules::count_at_least(
        &mut p,
        &["input", "officialMembers"],
        input.official_members,
        rules::MIN_COOPERATIVE_MEMBERS,
    );
    let associates = input.associate_members.unwrap_or(0);
    rules::count_at_least(&mut p, &["input", "associateMembers"], associates, 0);
    let director = rules::person(&mut p, &["input", "director"], &input.director);
    let legal = rules::person(&mut p, &["input", "legalRepresentative"], &input.legal_representative);
    let code = rules::tax_code(&mut p, &["input", "code"], input.code.as_deref());
    if let Some(d) = input.registered_on {
        rules::not_future(&mut p, &["input", "registeredOn"], d, today);
        if code.is_none() && input.code.is_none() {
            p.invalid(
                &["input", "registeredOn"],
                "only records imported with an existing code carry a registration date",
            );
        }
    }
    if let Some(c) = &code {
        let taken = cooperative::Entity::find()
            .filter(cooperative::Column::Code.eq(c.as_str()))
            .one(&state.db)
            .await
            .map_err(StorageError::from)?;
        if taken.is_some() {
            p.add(
                &["input", "code"],
                ProblemKind::Duplicate,
                format!("a cooperative with code {c} is already registered"),
            );
        }
    }
    if input.code.is_none() {
        super::national_form::cooperative(&mut p, &name, street.as_deref(), &lines, capital, &legal);
    }
    let (Some(ward), true) = (ward, p.is_empty()) else {
        let problems = p.into_vec();
        write::audit_rejected(&state.db, actor, REGISTER, None, &problems).await?;
        return Ok(Err(problems));
    };

    let now = Utc::now();
    let w = write::begin(state).await?;
    let director_id = insert_person(&w.txn, &director).await?;
    let legal_id = if legal == director { director_id } else { insert_person(&w.txn, &legal).await? };
    let imported = code.is_some();
    let sync = if imported { SyncState::NotRequired } else { SyncState::Pending };
    let model = cooperative::ActiveModel {
        code: Set(code.map(|c| c.as_str().to_owned())),
        name_search: Set(text::fold(&name)),
        name: Set(name),
        foreign_name: Set(foreign_name),
        abbreviation: Set(abbreviation),
        status: Set(if imported { RegistrationStatus::Active } else { RegistrationStatus::Pending }
            .as_str()
            .to_owned()),
        sector: Set(input.sector.as_str().to_owned()),
        business_lines: Set(lines.join(",")),
        street: Set(street),
        ward_id: Set(ward.id),
        province_id: Set(g.province_of(ward.id).map(|u| u.id).unwrap_or_default()),
        registered_on: Set(if imported { input.registered_on } else { None }),
        charter_capital: Set(capital),
        official_members: Set(input.official_members),
        associate_members: Set(associates),
        director_id: Set(Some(director_id)),
        legal_representative_id: Set(Some(legal_id)),
        high_tech: Set(input.high_tech.unwrap_or(false)),
        value_chain_linked: Set(input.value_chain_linked.unwrap_or(false)),
        union_id: Set(None),
        latest_rating: Set(None),
        latest_report_year: Set(None),
        tax_sync: Set(sync.as_str().to_owned()),
        registry_sync: Set(sync.as_str().to_owned()),
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
    let province = province_code(g, model.ward_id);
    write::store_receipt(&w, actor, key, REGISTER, &input_digest, (EntityKind::Cooperative, model.id)).await?;
    write::audit(
        &w.txn,
        actor,
        AuditEntry {
            operation: REGISTER,
            entity: Some((EntityKind::Cooperative, model.id)),
            outcome: AuditOutcome::Success,
            before: None,
            after: Some(write::digest(&model)),
            detail: None,
        },
    )
    .await?;
    write::record_change(
        &w,
        ChangeKind::Created,
        EntityKind::Cooperative,
        model.id,
        &province,
        Some(model.version),
        now,
    )
    .await?;
    if !imported {
        let payload = outbox::content(&w.txn, g, EntityKind::Cooperative, model.id).await?;
        outbox::enqueue(&w.txn, EntityKind::Cooperative, model.id, Operation::Register, payload).await?;
    }
    w.commit().await?;
    state.feed.committed();
    Ok(Ok(model))
}

/// Writes `next` over the stored row if its version is still `expected`;
/// `false` when another write won.
pub async fn compare_and_swap<C: ConnectionTrait>(
    c: &C,
    next: &cooperative::Model,
    expected: i32,
) -> Result<bool, ServiceError> {
    let res = cooperative::Entity::update_many()
        .set(next.clone().into_active_model().reset_all())
        .filter(cooperative::Column::Id.eq(next.id))
        .filter(cooperative::Column::Version.eq(expected))
        .exec(c)
        .await
        .map_err(StorageError::from)?;
    Ok(res.rows_affected == 1)
}

/// Loads a cooperative a caller wants to change and checks they may.
async fn load_for_write(
    state: &AppState,
    actor: &Actor,
    operation: &str,
    id: i64,
) -> Result<Result<cooperative::Model, Vec<rules::Problem>>, ServiceError> {
    if let Err(d) = auth::may_write_somewhere(&actor.principal) {
        return Err(write::deny(&state.db, actor, operation, None, d).await);
    }
    let Some(current) = find(&state.db, id).await? else {
        return Ok(Err(vec![rules::Problem {
            field: vec!["input".into(), "id".into()],
            message: "no such cooperative".into(),
            kind: ProblemKind::NotFound,
        }]));
    };
    let province = province_code(&state.gazetteer, current.ward_id);
    if let Err(d) = auth::may_write(&actor.principal, &province) {
        return Err(write::deny(&state.db, actor, operation, Some((EntityKind::Cooperative, id)), d).await);
    }
    Ok(Ok(current))
}

const UPDATE: &str = "updateCooperative";

/// Changes a cooperative's registered content.
pub async fn update(
    state: &AppState,
    actor: &Actor,
    id: i64,
    expected_version: i32,
    patch: CooperativePatch,
) -> Result<Outcome<cooperative::Model>, ServiceError> {
    let g = &state.gazetteer;
    let current = match load_for_write(state, actor, UPDATE, id).await? {
        Ok(c) => c,
        Err(p) => return Ok(Err(p)),
    };
    let mut p = Problems::default();
    let mut next = current.clone();
    let mut new_director = None;
    let mut new_legal = None;
    if let Some((street, ward_code)) = &patch.address {
        if let Some(w) = rules::ward_in_force(&mut p, &["input", "address", "wardCode"], g, ward_code) {
            let from = province_code(g, current.ward_id);
            let to = province_code(g, w.id);
            if let Err(d) = auth::may_move(&actor.principal, &from, &to) {
                return Err(write::deny(&state.db, actor, UPDATE, Some((EntityKind::Cooperative, id)), d).await);
            }
            next.ward_id = w.id;
            next.province_id = g.province_of(w.id).map(|u| u.id).unwrap_or_default();
        }
        next.street =
            rules::optional_text(&mut p, &["input", "address", "street"], street.as_deref(), rules::MAX_STREET);
    }
    let status = RegistrationStatus::parse(&current.status);
    if matches!(status, Some(RegistrationStatus::Dissolved | RegistrationStatus::Revoked)) {
        return reject(
            &["input", "id"],
            ProblemKind::InvalidTransition,
            format!("a {} cooperative cannot be changed", current.status),
        );
    }
    if let Some(n) = &patch.name {
        next.name = rules::name(&mut p, &["input", "name"], n, rules::MAX_NAME);
        next.name_search = text::fold(&next.name);
    }
    if let Some(v) = &patch.foreign_name {
        next.foreign_name = rules::optional_text(&mut p, &["input", "foreignName"], Some(v), rules::MAX_NAME);
    }
    if let Some(v) = &patch.abbreviation {
        next.abbreviation = rules::optional_text(&mut p, &["input", "abbreviation"], Some(v), 100);
    }
    if let Some(s) = patch.sector {
        next.sector = s.as_str().to_owned();
    }
    if let Some(lines) = &patch.business_lines {
        next.business_lines = rules::business_lines(&mut p, &["input", "businessLines"], lines).join(",");
    }
    if patch.charter_capital.is_some() {
        next.charter_capital = rules::amount(&mut p, &["input", "charterCapital"], patch.charter_capital, false);
    }
    if let Some(n) = patch.official_members {
        rules::count_at_least(&mut p, &["input", "officialMembers"], n, rules::MIN_COOPERATIVE_MEMBERS);
        next.official_members = n;
    }
    if let Some(n) = patch.associate_members {
        rules::count_at_least(&mut p, &["input", "associateMembers"], n, 0);
        next.associate_members = n;
    }
    if let Some(d) = &patch.director {
        new_director = Some(rules::person(&mut p, &["input", "director"], d));
    }
    if let Some(d) = &patch.legal_representative {
        new_legal = Some(rules::person(&mut p, &["input", "legalRepresentative"], d));
    }
    if let Some(v) = patch.high_tech {
        next.high_tech = v;
    }
    if let Some(v) = patch.value_chain_linked {
        next.value_chain_linked = v;
    }
    if outbox::syncs(&next.registry_sync) {
        super::national_form::cooperative_update(state, &mut p, &next, new_legal.as_ref()).await?;
    }
    if !p.is_empty() {
        let problems = p.into_vec();
        write::audit_rejected(&state.db, actor, UPDATE, Some((EntityKind::Cooperative, id)), &problems).await?;
        return Ok(Err(problems));
    }
    if current.version != expected_version {
        return Ok(Err(write::version_conflict(expected_version, current.version)));
    }
    let now = Utc::now();
    let w = write::begin(state).await?;
    if let Some(d) = &new_director {
        next.director_id = Some(insert_person(&w.txn, d).await?);
    }
    if let Some(l) = &new_legal {
        next.legal_representative_id = match (&new_director, next.director_id) {
            (Some(d), Some(did)) if d == l => Some(did),
            _ => Some(insert_person(&w.txn, l).await?),
        };
    }
    next.version = current.version + 1;
    next.updated_at = now;
    if !compare_and_swap(&w.txn, &next, expected_version).await? {
        let actual = find(&w.txn, id).await?.map_or(expected_version, |c| c.version);
        return Ok(Err(write::version_conflict(expected_version, actual)));
    }
    write::audit(
        &w.txn,
        actor,
        AuditEntry {
            operation: UPDATE,
            entity: Some((EntityKind::Cooperative, id)),
            outcome: AuditOutcome::Success,
            before: Some(write::digest(&current)),
            after: Some(write::digest(&next)),
            detail: None,
        },
    )
    .await?;
    let province = province_code(g, next.ward_id);
    write::record_change(&w, ChangeKind::Updated, EntityKind::Cooperative, id, &province, Some(next.version), now)
        .await?;
    if outbox::syncs(&next.registry_sync) {
        let payload = outbox::content(&w.txn, g, EntityKind::Cooperative, id).await?;
        outbox::enqueue(&w.txn, EntityKind::Cooperative, id, Operation::Update, payload).await?;
    }
    w.commit().await?;
    state.feed.committed();
    Ok(Ok(next))
}

const CHANGE_STATUS: &str = "changeCooperativeStatus";

/// Changes a cooperative's status as the law allows.
pub async fn change_status(
    state: &AppState,
    actor: &Actor,
    id: i64,
    expected_version: i32,
    to: RegistrationStatus,
    effective_on: NaiveDate,
    reason: &str,
) -> Result<Outcome<cooperative::Model>, ServiceError> {
    let current = match load_for_write(state, actor, CHANGE_STATUS, id).await? {
        Ok(c) => c,
        Err(p) => return Ok(Err(p)),
    };
    let mut p = Problems::default();
    let reason = rules::name(&mut p, &["input", "reason"], reason, rules::MAX_REASON);
    rules::not_future(&mut p, &["input", "effectiveOn"], effective_on, write::today());
    let from =
        RegistrationStatus::parse(&current.status).ok_or_else(|| ServiceError::Corrupt(current.status.clone()))?;
    if let Err(e) = rules::transition(from, to) {
        p.add(&["input", "status"], ProblemKind::InvalidTransition, e.to_string());
    }
    if !p.is_empty() {
        let problems = p.into_vec();
        write::audit_rejected(&state.db, actor, CHANGE_STATUS, Some((EntityKind::Cooperative, id)), &problems).await?;
        return Ok(Err(problems));
    }
    if current.version != expected_version {
        return Ok(Err(write::version_conflict(expected_version, current.version)));
    }
    let now = Utc::now();
    let mut next = current.clone();
    next.status = to.as_str().to_owned();
    next.version = current.version + 1;
    next.updated_at = now;
    let w = write::begin(state).await?;
    if !compare_and_swap(&w.txn, &next, expected_version).await? {
        let actual = find(&w.txn, id).await?.map_or(expected_version, |c| c.version);
        return Ok(Err(write::version_conflict(expected_version, actual)));
    }
    write::audit(
        &w.txn,
        actor,
        AuditEntry {
            operation: CHANGE_STATUS,
            entity: Some((EntityKind::Cooperative, id)),
            outcome: AuditOutcome::Success,
            before: Some(write::digest(&current)),
            after: Some(write::digest(&next)),
            detail: Some(format!("{from} → {to} effective {effective_on}: {reason}")),
        },
    )
    .await?;
    let province = province_code(&state.gazetteer, next.ward_id);
    write::record_change(
        &w,
        ChangeKind::StatusChanged,
        EntityKind::Cooperative,
        id,
        &province,
        Some(next.version),
        now,
    )
    .await?;
    if outbox::syncs(&next.registry_sync) {
        let payload = outbox::status_payload(to.as_str(), effective_on, &reason);
        outbox::enqueue(&w.txn, EntityKind::Cooperative, id, Operation::Status, payload).await?;
    }
    w.commit().await?;
    state.feed.committed();
    Ok(Ok(next))
}
