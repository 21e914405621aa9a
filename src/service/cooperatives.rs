//! Registering and changing cooperatives (hợp tác xã): the domain rules,
//! authorization and one unit of work per change.

use super::national;
use super::uow::{Idempotency, Opened, UnitOfWork};
use super::write::{self, Actor, Outcome};
use super::ServiceError;
use crate::auth;
use crate::domain::rules::{self, PersonDraft, Problem, ProblemKind, Problems};
use crate::domain::Msg;
use crate::domain::{text, ChangeKind, EntityKind, RegistrationStatus, Sector, SyncState};
use crate::national::Delivery;
use crate::state::AppState;
use crate::storage::records::{self, RegisteredRow};
use chrono::NaiveDate;
use entity::cooperative;
use rust_decimal::Decimal;

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

/// The first checks of every registration, inside its unit of work: the
/// head office is a ward in force and the caller may write in its province.
/// A denial ends the unit of work (audited); a bad ward is a problem in `p`
/// (and `None`), so the other fields are still checked.
pub async fn registration_ward<'s>(
    uow: UnitOfWork<'s>,
    p: &mut Problems,
    ward_code: &str,
) -> Result<(UnitOfWork<'s>, Option<&'s crate::domain::Unit>), ServiceError> {
    let g = uow.gazetteer();
    let ward = rules::ward_in_force(p, &["input", "address", "wardCode"], g, ward_code);
    let uow = match ward {
        Some(w) => {
            let decision = auth::may_write(&uow.actor().principal, &g.province_code(w.id));
            uow.authorize(decision, None).await?
        }
        None => uow,
    };
    Ok((uow, ward))
}

/// A new head office, checked: the ward in force (its id and province) when
/// the caller may move the record there, and the street. Shared by the
/// updates of cooperatives and unions.
pub(super) struct Moved {
    /// The ward and its province, when the ward is in force.
    pub ward: Option<(i32, crate::domain::UnitId)>,
    /// The street.
    pub street: Option<String>,
}

/// Checks a change of head office (`street`, `ward_code`) of a record in
/// `from_ward`: the new ward in force, the caller allowed to move the
/// record between the two provinces (a denial ends the unit of work).
pub(super) async fn moved<'s>(
    mut uow: UnitOfWork<'s>,
    p: &mut Problems,
    entity: (EntityKind, i64),
    from_ward: i32,
    (street, ward_code): &(Option<String>, String),
) -> Result<(UnitOfWork<'s>, Moved), ServiceError> {
    let g = uow.gazetteer();
    let mut ward = None;
    if let Some(w) = rules::ward_in_force(p, &["input", "address", "wardCode"], g, ward_code) {
        let decision = auth::may_move(&uow.actor().principal, &g.province_code(from_ward), &g.province_code(w.id));
        uow = uow.authorize(decision, Some(entity)).await?;
        ward = Some((w.id, g.province_id(w.id)));
    }
    let street = rules::optional_text(p, &["input", "address", "street"], street.as_deref(), rules::MAX_STREET);
    Ok((uow, Moved { ward, street }))
}

/// Stores a new director and legal representative, one person row when
/// both are the same person; the ids to set (`None`: keep the stored one).
pub(super) async fn insert_people(
    uow: &UnitOfWork<'_>,
    director: Option<&rules::PersonRecord>,
    legal: Option<&rules::PersonRecord>,
) -> Result<(Option<i64>, Option<i64>), ServiceError> {
    let director_id = match director {
        Some(d) => Some(records::insert_person(uow.txn(), d).await?),
        None => None,
    };
    let legal_id = match (legal, director, director_id) {
        (Some(l), Some(d), Some(id)) if l == d => Some(id),
        (Some(l), _, _) => Some(records::insert_person(uow.txn(), l).await?),
        (None, _, _) => None,
    };
    Ok((director_id, legal_id))
}

/// Replays an earlier registration's result.
async fn replayed(state: &AppState, id: i64) -> Result<Outcome<cooperative::Model>, ServiceError> {
    records::cooperative(&state.db, id)
        .await?
        .map(Ok)
        .ok_or_else(|| ServiceError::Corrupt(format!("receipt names missing cooperative {id}")))
}

const REGISTER: &str = "registerCooperative";

/// Registers a cooperative. Without `code` it is PENDING until the national
/// systems register it; with an existing valid code it is imported ACTIVE.
pub async fn register(
    state: &AppState,
    actor: &Actor,
    input: NewCooperative,
) -> Result<Outcome<cooperative::Model>, ServiceError> {
    let receipt = Idempotency::of(input.client_mutation_id.as_deref(), &input);
    // Without a key and a code nothing stored is read before the journal
    // (no receipt, no duplicate code): the write order is taken at commit.
    let opened = if receipt.is_none() && input.code.is_none() {
        Opened::Open(UnitOfWork::open_creating(state, actor, REGISTER).await?)
    } else {
        UnitOfWork::open(state, actor, REGISTER, receipt).await?
    };
    let uow = match opened {
        Opened::Open(u) => u,
        Opened::Replay(id) => return replayed(state, id).await,
        Opened::KeyReused => return Ok(Err(write::key_reused())),
    };
    let mut p = Problems::default();
    let (mut uow, ward) = registration_ward(uow, &mut p, &input.ward_code).await?;
    let g = uow.gazetteer();
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
            p.invalid(&["input", "registeredOn"], Msg::RegistrationDateOnlyImported);
        }
    }
    if let Some(c) = &code {
        if records::cooperative_by_code_for_write(uow.txn(), c.as_str()).await?.is_some() {
            p.add(&["input", "code"], ProblemKind::Duplicate, Msg::CodeRegistered { code: c.to_string() });
        }
    }
    if input.code.is_none() {
        super::national_form::cooperative(&mut p, &name, street.as_deref(), &lines, capital, &legal);
    }
    let (Some(ward), true) = (ward, p.is_empty()) else {
        return uow.reject(None, p.into_vec()).await;
    };

    let now = uow.now();
    let director_id = records::insert_person(uow.txn(), &director).await?;
    let legal_id = if legal == director { director_id } else { records::insert_person(uow.txn(), &legal).await? };
    let imported = code.is_some();
    let sync = if imported { SyncState::NotRequired } else { SyncState::Pending };
    let row = cooperative::Model {
        id: 0,
        code: code.map(|c| c.as_str().to_owned()),
        name_search: text::fold(&name),
        name,
        foreign_name,
        abbreviation,
        status: if imported { RegistrationStatus::Active } else { RegistrationStatus::Pending }.as_str().to_owned(),
        sector: input.sector.as_str().to_owned(),
        business_lines: lines.join(","),
        street,
        ward_id: ward.id,
        province_id: g.province_id(ward.id),
        registered_on: if imported { input.registered_on } else { None },
        charter_capital: capital,
        official_members: input.official_members,
        associate_members: associates,
        director_id: Some(director_id),
        legal_representative_id: Some(legal_id),
        high_tech: input.high_tech.unwrap_or(false),
        value_chain_linked: input.value_chain_linked.unwrap_or(false),
        union_id: None,
        latest_rating: None,
        latest_report_year: None,
        tax_sync: sync.as_str().to_owned(),
        registry_sync: sync.as_str().to_owned(),
        sync_attempts: 0,
        sync_last_error: None,
        last_synced_at: None,
        national_version: None,
        version: 1,
        created_at: now,
        updated_at: now,
        below_legal_minimum_since: None,
    };
    let model = records::insert_cooperative(uow.txn(), row).await?;
    let entity = (EntityKind::Cooperative, model.id);
    uow.audit(entity, None::<&()>, Some(&model), None);
    uow.change(ChangeKind::Created, EntityKind::Cooperative, model.id, g.province_code(model.ward_id), model.version);
    let imported_on = imported.then(|| model.registered_on.unwrap_or(today));
    super::lifecycle::record_registration(&uow, EntityKind::Cooperative, model.id, imported_on).await?;
    if !imported {
        let content = national::cooperative_content_now(uow.txn(), g, &model).await?;
        uow.deliver(EntityKind::Cooperative, model.id, Delivery::Register(content));
    }
    uow.commit(Some(entity)).await?;
    Ok(Ok(model))
}

/// Opens a unit of work on a cooperative a caller wants to change: loads
/// it inside the transaction and checks the caller may write in its province.
pub(super) async fn open_for_write<'s>(
    state: &'s AppState,
    actor: &'s Actor,
    operation: &'static str,
    id: i64,
) -> Result<Result<(UnitOfWork<'s>, cooperative::Model), Vec<Problem>>, ServiceError> {
    let uow = UnitOfWork::open_keyless(state, actor, operation).await?;
    let Some(current) = records::cooperative_for_write(uow.txn(), id).await? else {
        uow.abandon().await?;
        return Ok(Err(vec![Problem {
            field: vec!["input".into(), "id".into()],
            message: Msg::NoSuch { what: "cooperative".into() },
            kind: ProblemKind::NotFound,
        }]));
    };
    let decision = auth::may_write(&actor.principal, &state.gazetteer.province_code(current.ward_id));
    let uow = uow.authorize(decision, Some((EntityKind::Cooperative, id))).await?;
    Ok(Ok((uow, current)))
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
    let (mut uow, current) = match open_for_write(state, actor, UPDATE, id).await? {
        Ok(x) => x,
        Err(p) => return Ok(Err(p)),
    };
    let g = uow.gazetteer();
    let entity = (EntityKind::Cooperative, id);
    let mut p = Problems::default();
    let mut next = current.clone();
    let mut new_director = None;
    let mut new_legal = None;
    if let Some(address) = &patch.address {
        let (u, m) = moved(uow, &mut p, entity, current.ward_id, address).await?;
        uow = u;
        if let Some((ward, province)) = m.ward {
            (next.ward_id, next.province_id) = (ward, province);
        }
        next.street = m.street;
    }
    if !crate::domain::lifecycle::content_may_change(current.registration_status()?) {
        return uow
            .refuse_one(
                &["input", "id"],
                ProblemKind::InvalidTransition,
                Msg::CooperativeCannotChange { status: current.status.to_string() },
            )
            .await;
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
        next.set_sector(s);
    }
    if let Some(lines) = &patch.business_lines {
        next.business_lines = rules::business_lines(&mut p, &["input", "businessLines"], lines).join(",");
    }
    if patch.charter_capital.is_some() {
        next.charter_capital = rules::amount(&mut p, &["input", "charterCapital"], patch.charter_capital, false);
    }
    // Fewer than 5 official members is recorded, not refused: the law
    // sanctions the situation (art. 6), so the registry must be able to show
    // it; the record is flagged below the legal minimum from today.
    let counts_given = patch.official_members.is_some() || patch.associate_members.is_some();
    if counts_given && super::members::register_is_kept(uow.txn(), id).await? {
        let field = if patch.official_members.is_some() { "officialMembers" } else { "associateMembers" };
        p.invalid(&["input", field], Msg::CountsFromRegister);
    }
    if let Some(n) = patch.official_members {
        rules::count_at_least(&mut p, &["input", "officialMembers"], n, 0);
        next.official_members = n;
        next.below_legal_minimum_since =
            crate::domain::members::below_minimum_since(current.below_legal_minimum_since, n, write::today());
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
    if next.syncs() {
        super::national_form::cooperative_update(state, &mut p, &next, new_legal.as_ref()).await?;
    }
    if !p.is_empty() {
        return uow.reject(Some(entity), p.into_vec()).await;
    }
    if current.version != expected_version {
        return uow.conflict(expected_version, current.version).await;
    }
    let (director_id, legal_id) = insert_people(&uow, new_director.as_ref(), new_legal.as_ref()).await?;
    next.director_id = director_id.or(next.director_id);
    next.legal_representative_id = legal_id.or(next.legal_representative_id);
    next.version = current.version + 1;
    next.updated_at = uow.now();
    if !records::swap_cooperative(uow.txn(), &next, expected_version).await? {
        return uow.conflict(expected_version, current.version).await;
    }
    uow.audit(entity, Some(&current), Some(&next), None);
    uow.change(ChangeKind::Updated, EntityKind::Cooperative, id, g.province_code(next.ward_id), next.version);
    if next.syncs() {
        let content = national::cooperative_content_now(uow.txn(), g, &next).await?;
        uow.deliver(EntityKind::Cooperative, id, Delivery::Update(content));
    }
    uow.commit(None).await?;
    Ok(Ok(next))
}
