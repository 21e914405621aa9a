//! The registry's side of the national exchange: the content a record's
//! deliveries carry (built from the record when the change is made), and
//! the national change feed's events applied through a unit of work.

use super::uow::UnitOfWork;
use super::write::Actor;
use super::ServiceError;
use crate::domain::{
    money, rules, text, AdministrativeLevel, ChangeKind, EntityKind, Gazetteer, RegistrationStatus, SyncState,
};
use crate::national::feed::NationalEvent;
use crate::national::{AnnualReportBody, Content, RecordBody, RecordKind, ReportFigures, Representative, TaxpayerBody};
use crate::state::AppState;
use crate::storage::outbox::QueuedRow;
use crate::storage::records::{self, RegisteredRow};
use crate::storage::WriteTxn;
use chrono::{DateTime, Utc};
use entity::{annual_report, cooperative, cooperative_union, person};

fn money_text(minor: Option<i64>) -> Option<String> {
    minor.map(|m| money::from_minor_units(m).to_string())
}

/// VSIC level-4 classes of business lines (a 5-digit subclass counts as its class).
fn classes<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = lines.filter(|l| l.len() >= 4).map(|l| l[..4].to_owned()).collect();
    out.sort();
    out.dedup();
    out
}

fn representative(p: Option<&person::Model>) -> Representative {
    Representative { full_name: p.map(|p| p.full_name.clone()), id_number: p.and_then(|p| p.id_number.clone()) }
}

#[allow(clippy::too_many_arguments)]
fn content_of(
    g: &Gazetteer,
    kind: RecordKind,
    name: &str,
    ward_id: i32,
    street: &Option<String>,
    capital: Option<i64>,
    rep: Option<&person::Model>,
    business_lines: Vec<String>,
    members: i64,
) -> Content {
    let tax = TaxpayerBody {
        name: name.to_owned(),
        kind,
        ward_code: g.unit(ward_id).map(|u| u.code.clone()).unwrap_or_default(),
        province_code: g.province_code(ward_id),
        legal_representative: representative(rep),
        business_lines,
        charter_capital: money_text(capital),
    };
    let ncrs = RecordBody { taxpayer: tax.clone(), members, address: street.clone(), member_cooperatives: Vec::new() };
    Content { tax, ncrs }
}

/// A cooperative's registered content as each national system takes it.
pub fn cooperative_content(g: &Gazetteer, m: &cooperative::Model, rep: Option<&person::Model>) -> Content {
    let members = i64::from(m.official_members) + i64::from(m.associate_members);
    let lines = classes(m.business_lines.split(','));
    content_of(g, RecordKind::Cooperative, &m.name, m.ward_id, &m.street, m.charter_capital, rep, lines, members)
}

/// A union's registered content: its business is its member cooperatives' business.
pub fn union_content(
    g: &Gazetteer,
    m: &cooperative_union::Model,
    rep: Option<&person::Model>,
    members: &[cooperative::Model],
) -> Content {
    let lines = classes(members.iter().flat_map(|m| m.business_lines.split(',')));
    let mut c = content_of(
        g,
        RecordKind::Union,
        &m.name,
        m.ward_id,
        &m.street,
        m.charter_capital,
        rep,
        lines,
        members.len() as i64,
    );
    let mut codes: Vec<String> = members.iter().filter_map(|m| m.code.clone()).collect();
    codes.sort();
    c.ncrs.member_cooperatives = codes;
    c
}

async fn person_of(w: &WriteTxn, id: Option<i64>) -> Result<Option<person::Model>, ServiceError> {
    Ok(match id {
        Some(id) => records::person_for_write(w, id).await?,
        None => None,
    })
}

/// A cooperative's content as it stands inside a unit of work.
pub async fn cooperative_content_now(
    w: &WriteTxn,
    g: &Gazetteer,
    m: &cooperative::Model,
) -> Result<Content, ServiceError> {
    let rep = person_of(w, m.legal_representative_id).await?;
    Ok(cooperative_content(g, m, rep.as_ref()))
}

/// A union's content as it stands inside a unit of work (its members read there).
pub async fn union_content_now(
    w: &WriteTxn,
    g: &Gazetteer,
    m: &cooperative_union::Model,
) -> Result<Content, ServiceError> {
    let rep = person_of(w, m.legal_representative_id).await?;
    let members = records::members_for_write(w, m.id).await?;
    Ok(union_content(g, m, rep.as_ref(), &members))
}

/// The annual-report body of a report.
pub fn report_body(r: &annual_report::Model) -> AnnualReportBody {
    AnnualReportBody {
        year: r.year,
        report: ReportFigures {
            members: i64::from(r.official_members) + i64::from(r.associate_members),
            employees: r.employees,
            revenue: money_text(r.revenue),
            profit: money_text(r.profit),
            average_member_income: money_text(r.average_member_income),
            rating: r.rating.clone(),
        },
    }
}

/// The national registry as an actor in the audit trail.
pub fn national_registry() -> Actor {
    Actor {
        principal: crate::auth::Principal {
            subject: "national-registry".into(),
            role: crate::auth::Role::SyncService,
            province: None,
        },
        request_id: "national-feed".into(),
    }
}

/// Applies one national-side change to the local cooperative with that code:
/// corrections of name, ward and street; compulsory dissolution and
/// revocation. Recorded as made by the national registry. `false` when it
/// does not apply (no such record, nothing to change, a transition the law
/// does not allow).
pub async fn apply(state: &AppState, event: &NationalEvent) -> Result<bool, ServiceError> {
    let actor = national_registry();
    let mut uow = UnitOfWork::open_system(state, &actor, "nationalChange").await?;
    let code = match event {
        NationalEvent::Corrected { code, .. } | NationalEvent::StatusChanged { code, .. } => code,
    };
    let Some(current) = records::cooperative_by_code_for_write(uow.txn(), code).await? else {
        uow.abandon().await?;
        return Ok(false);
    };
    let g = uow.gazetteer();
    let mut next = current.clone();
    let (kind, version, detail) = match event {
        NationalEvent::Corrected { version, name, ward_code, address, .. } => {
            if let Some(n) = name {
                let mut p = rules::Problems::default();
                next.name = rules::name(&mut p, &["name"], n, rules::MAX_NAME);
                next.name_search = text::fold(&next.name);
                if !p.is_empty() {
                    uow.abandon().await?;
                    return Ok(false);
                }
            }
            if let Some(w) = ward_code {
                if let Some(u) = g.in_force(AdministrativeLevel::Ward, w) {
                    next.ward_id = u.id;
                    next.province_id = g.province_of(u.id).map(|p| p.id).unwrap_or(next.province_id);
                }
            }
            if let Some(a) = address {
                next.street = Some(a.clone());
            }
            let detail = format!("corrected: name {name:?}, ward {ward_code:?}, address {address:?}");
            (ChangeKind::Updated, *version, detail)
        }
        NationalEvent::StatusChanged { version, status, .. } => {
            let from = current.registration_status()?;
            if from == *status || rules::national_transition(from, *status).is_err() {
                uow.abandon().await?;
                return Ok(false);
            }
            next.set_registration_status(*status);
            if status.has_ended() {
                next.union_id = None;
            }
            let row = crate::storage::lifecycle::StatusRow {
                kind: EntityKind::Cooperative,
                id: current.id,
                status: *status,
                effective_on: super::write::today(),
                reason: format!("recorded by the national registry ({status})"),
                dissolution_kind: (*status == RegistrationStatus::Dissolved)
                    .then_some(crate::domain::DissolutionKind::Compulsory),
                until: None,
                origin: crate::domain::ChangeOrigin::National,
            };
            super::lifecycle::record_status(&uow, row).await?;
            (ChangeKind::StatusChanged, *version, format!("{from} → {status}"))
        }
    };
    next.version = current.version + 1;
    next.updated_at = uow.now();
    next.national_version = version.or(current.national_version);
    if !records::swap_cooperative(uow.txn(), &next, current.version).await? {
        uow.abandon().await?;
        return Ok(false);
    }
    uow.audit((EntityKind::Cooperative, current.id), Some(&current), Some(&next), Some(detail));
    uow.change(kind, EntityKind::Cooperative, current.id, g.province_code(next.ward_id), next.version);
    if let (Some(u), None) = (current.union_id, next.union_id) {
        let note = format!("member cooperative {} left: the national registry ended it", current.id);
        super::lifecycle::refresh_union(&mut uow, u, super::write::today(), true, note).await?;
    } else if let (Some(u), NationalEvent::StatusChanged { .. }) = (current.union_id, event) {
        let note = format!("member cooperative {} changed status nationally", current.id);
        super::lifecycle::refresh_union(&mut uow, u, super::write::today(), false, note).await?;
    }
    uow.commit(None).await?;
    Ok(true)
}

/// The sync engine as an actor in the audit trail.
pub fn national_sync() -> Actor {
    Actor {
        principal: crate::auth::Principal {
            subject: "national-sync".into(),
            role: crate::auth::Role::SyncService,
            province: None,
        },
        request_id: "sync".into(),
    }
}

/// How one delivery attempt ended, as the worker reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settlement {
    /// Registered nationally: the issued code and the NCRS version.
    Registered {
        /// The tax code (= cooperative code).
        code: String,
        /// The NCRS record's version.
        version: Option<i32>,
    },
    /// Delivered; the NCRS version after it, if the answer said.
    Delivered {
        /// The NCRS record's version.
        version: Option<i32>,
    },
    /// Try again at `at`.
    Retry {
        /// Not before.
        at: DateTime<Utc>,
        /// Why, as `sync.lastError` shows it.
        error: String,
    },
    /// Gave up after the configured attempts.
    Failed {
        /// Why, as `sync.lastError` shows it.
        error: String,
    },
    /// Refused by the national system, or unreadable: final until fixed.
    Rejected {
        /// Why, as `sync.lastError` shows it.
        error: String,
    },
}

/// Records how a delivery attempt of the claimed outbox row `row` (of record
/// `record`, when its kind could be read) ended, in one unit of work: the
/// row's state, the record's sync columns and, for a registration, its code,
/// ACTIVE status and registration date (a SYNCED change, audited as
/// `nationalRegistration`).
///
/// Fenced: the row must still carry the claim's lease token. When another
/// worker claimed it since (this delivery outlived its lease), nothing is
/// written — no second SYNCED change, version bump or audit row — and the
/// result is dropped (logged). A FAILED row with a newer change of its
/// record queued behind it does not stay FAILED (`outbox::rearm_failed`).
pub async fn settle(
    state: &AppState,
    row: &QueuedRow,
    record: Option<(EntityKind, i64)>,
    outcome: Settlement,
) -> Result<(), ServiceError> {
    let (row_id, attempts) = (row.id, row.attempts);
    use crate::storage::outbox::{self, RowState};
    use crate::storage::records::SyncMark;
    let actor = national_sync();
    let operation = match outcome {
        Settlement::Registered { .. } => "nationalRegistration",
        Settlement::Delivered { .. }
        | Settlement::Retry { .. }
        | Settlement::Failed { .. }
        | Settlement::Rejected { .. } => "nationalDelivery",
    };
    let mut uow = UnitOfWork::open_system(state, &actor, operation).await?;
    fn failed(registry: SyncState, attempts: i32, error: &str) -> SyncMark<'_> {
        SyncMark {
            registry: Some(registry),
            attempts: Some(attempts),
            last_error: Some(Some(error)),
            ..Default::default()
        }
    }
    let (row_state, next_at, row_error, mark) = match &outcome {
        Settlement::Retry { at, error } => {
            (RowState::Pending, Some(*at), Some(error.as_str()), failed(SyncState::Pending, attempts, error))
        }
        Settlement::Failed { error } => {
            (RowState::Failed, None, Some(error.as_str()), failed(SyncState::Failed, attempts, error))
        }
        Settlement::Rejected { error } => {
            (RowState::Rejected, None, Some(error.as_str()), failed(SyncState::Rejected, attempts, error))
        }
        Settlement::Registered { .. } | Settlement::Delivered { .. } => {
            (RowState::Delivered, None, None, SyncMark::default())
        }
    };
    if !outbox::settle(uow.txn(), row_id, &row.lease_token, row_state, next_at, row_error).await? {
        tracing::warn!(
            row = row_id,
            attempts,
            outcome = ?outcome,
            "sync: the row was claimed again since this attempt began (lease outlived); its result is dropped"
        );
        return uow.abandon().await;
    }
    let Some((kind, id)) = record else { return uow.commit(None).await };
    match outcome {
        Settlement::Failed { .. } => {
            records::mark_sync(uow.txn(), kind, id, mark).await?;
            // Under the record's row lock: a change queued meanwhile is seen here.
            if outbox::rearm_failed(uow.txn(), kind, id).await? > 0 {
                let pending = SyncMark { registry: Some(SyncState::Pending), ..Default::default() };
                records::mark_sync(uow.txn(), kind, id, pending).await?;
            }
        }
        Settlement::Retry { .. } | Settlement::Rejected { .. } => {
            records::mark_sync(uow.txn(), kind, id, mark).await?;
        }
        Settlement::Registered { code, version } => {
            let more = outbox::later_rows(uow.txn(), kind, id, row_id).await?;
            registered(&mut uow, kind, id, attempts, more, code, version).await?;
        }
        Settlement::Delivered { version } => {
            let more = outbox::later_rows(uow.txn(), kind, id, row_id).await?;
            let registry = if more { SyncState::Pending } else { SyncState::Synced };
            let mark = SyncMark {
                registry: Some(registry),
                tax: Some(SyncState::Synced),
                attempts: Some(attempts),
                last_error: Some(None),
                synced_at: Some(uow.now()),
            };
            records::mark_sync(uow.txn(), kind, id, mark).await?;
            if version.is_some() {
                records::set_national_version(uow.txn(), kind, id, version).await?;
            }
        }
    }
    uow.commit(None).await
}

/// Applies a national registration to the record, by compare-and-swap of the
/// row as read in this unit of work.
async fn registered(
    uow: &mut UnitOfWork<'_>,
    kind: EntityKind,
    id: i64,
    attempts: i32,
    more: bool,
    code: String,
    version: Option<i32>,
) -> Result<(), ServiceError> {
    let now = uow.now();
    let registry = if more { SyncState::Pending } else { SyncState::Synced };
    macro_rules! register {
        ($load:path, $swap:path) => {{
            let Some(current) = $load(uow.txn(), id).await? else { return Ok(()) };
            let mut next = current.clone();
            next.set_sync_states(registry, SyncState::Synced);
            next.sync_attempts = attempts;
            next.sync_last_error = None;
            next.last_synced_at = Some(now);
            next.code = Some(code);
            next.national_version = version;
            let was_pending = current.registration_status()? == RegistrationStatus::Pending;
            if was_pending {
                next.set_registration_status(RegistrationStatus::Active);
                let row = crate::storage::lifecycle::StatusRow {
                    kind,
                    id,
                    status: RegistrationStatus::Active,
                    effective_on: super::write::today(),
                    reason: format!("registered nationally with code {}", next.code.as_deref().unwrap_or_default()),
                    dissolution_kind: None,
                    until: None,
                    origin: crate::domain::ChangeOrigin::National,
                };
                super::lifecycle::record_status(uow, row).await?;
            }
            next.registered_on = Some(super::write::today());
            next.version = current.version + 1;
            next.updated_at = now;
            if !$swap(uow.txn(), &next, current.version).await? {
                return Err(ServiceError::Corrupt(format!("{kind} {id} changed inside its write transaction")));
            }
            uow.audit((kind, id), Some(&current), Some(&next), next.code.clone());
            let province = uow.gazetteer().province_code(next.ward_id);
            uow.change(ChangeKind::Synced, kind, id, province, next.version);
        }};
    }
    match kind {
        EntityKind::Cooperative => register!(records::cooperative_for_write, records::swap_cooperative),
        EntityKind::CooperativeUnion => register!(records::union_for_write, records::swap_union),
        EntityKind::CooperativeGroup | EntityKind::Target | EntityKind::Person => {
            return Err(ServiceError::Corrupt(format!("{kind} {id} is not registered nationally")))
        }
    }
    Ok(())
}
