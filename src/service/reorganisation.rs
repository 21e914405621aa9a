//! Reorganising cooperatives (tổ chức lại hợp tác xã): merger (sáp nhập),
//! consolidation (hợp nhất), split (chia) and separation (tách), all or
//! nothing in one unit of work. Every source and the absorbing cooperative
//! are read and checked inside the write transaction; new cooperatives are
//! applications (PENDING, registered nationally like any other); each
//! effect is logged in the change feed; predecessor → successor links are
//! recorded. Nationally the reorganisation is one operation naming the
//! sources and successors by code (`Delivery::Reorganisation`), queued after
//! the successors' registrations; it ends the sources in NCRS and closes
//! their taxpayers. See docs/lifecycle.md for
//! the legal reading (what ends, what continues, where union memberships go).

use super::cooperatives::{registration_ward, NewCooperative};
use super::lifecycle::{record_registration, record_status, refresh_union};
use super::uow::{Idempotency, Opened, UnitOfWork};
use super::write::{self, Actor, Outcome};
use super::{national, ServiceError};
use crate::auth;
use crate::domain::rules::{self, ProblemKind, Problems};
use crate::domain::Msg;
use crate::domain::{
    text, ChangeKind, ChangeOrigin, DissolutionKind, EntityKind, RegistrationStatus, ReorganisationKind, SyncState,
};
use crate::national::{Delivery, ReorganisationDelivery};
use crate::state::AppState;
use crate::storage::lifecycle::{self as store, LinkSide, StatusRow};
use crate::storage::members as register;
use crate::storage::records::{self, RegisteredRow};
use chrono::NaiveDate;
use entity::{cooperative, member};

/// A reorganisation as a client asks for it. Ids are cooperative row ids;
/// `None` stands for an id that names no cooperative.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Reorganisation {
    pub kind: ReorganisationKind,
    pub source_ids: Vec<Option<i64>>,
    /// `Some(None)`: an `intoId` that names no cooperative.
    pub into_id: Option<Option<i64>>,
    pub successors: Vec<NewCooperative>,
    pub effective_on: NaiveDate,
    pub reason: String,
    /// Idempotency key; not part of the input digest.
    #[serde(skip)]
    pub client_mutation_id: Option<String>,
}

/// The cooperatives a reorganisation concerns, as they are after it.
#[derive(Debug, Clone)]
pub struct Reorganised {
    /// The sources.
    pub sources: Vec<cooperative::Model>,
    /// The absorbing cooperative, or the new ones.
    pub successors: Vec<cooperative::Model>,
}

const OPERATION: &str = "reorganiseCooperatives";

/// Replays an earlier reorganisation from its links: the receipt names its first source.
async fn replayed(state: &AppState, source: i64) -> Result<Outcome<Reorganised>, ServiceError> {
    let db = &state.db;
    let after = store::linked(db, LinkSide::Successors, &[source]).await?;
    let successor_ids = after.get(&source).cloned().unwrap_or_default();
    let first = successor_ids.first().copied().unwrap_or(source);
    let before = store::linked(db, LinkSide::Predecessors, &[first]).await?;
    let source_ids = before.get(&first).cloned().unwrap_or_else(|| vec![source]);
    let load = |ids: Vec<i64>| async move {
        let mut out = Vec::new();
        for id in ids {
            if let Some(m) = records::cooperative(db, id).await? {
                out.push(m);
            }
        }
        Ok::<_, ServiceError>(out)
    };
    Ok(Ok(Reorganised { sources: load(source_ids).await?, successors: load(successor_ids).await? }))
}

/// Checks the shape of the request for its kind: how many sources and
/// successors, and `intoId` only for a merger.
fn shape(p: &mut Problems, r: &Reorganisation) {
    use ReorganisationKind::*;
    let (sources, successors) = (r.source_ids.len(), r.successors.len());
    match r.kind {
        Merger => {
            if sources < 1 {
                p.invalid(&["input", "sourceIds"], Msg::MergerNeedsSources);
            }
            if r.into_id.is_none() {
                p.invalid(&["input", "intoId"], Msg::MergerNeedsInto);
            }
            if successors > 0 {
                p.invalid(&["input", "successors"], Msg::MergerNoSuccessors);
            }
        }
        Consolidation | Split | Separation => {
            if r.into_id.is_some() {
                p.invalid(&["input", "intoId"], Msg::OnlyMergerInto);
            }
            let (min_sources, max_sources, min_new, max_new, what) = match r.kind {
                Consolidation => (2, usize::MAX, 1, 1, Msg::ConsolidationShape),
                Split => (1, 1, 2, usize::MAX, Msg::SplitShape),
                _ => (1, 1, 1, usize::MAX, Msg::SeparationShape),
            };
            if sources < min_sources || sources > max_sources {
                p.invalid(&["input", "sourceIds"], what.clone());
            }
            if successors < min_new || successors > max_new {
                p.invalid(&["input", "successors"], what);
            }
        }
    }
}

/// Carries the current members of `sources`' registers over (docs/lifecycle.md):
/// each entry ends in its source on `on` (reason `what`) and, when
/// `receiver` names a cooperative, joins it on the same day with the same
/// kind, type, identity and capital contribution. Says whether any entry
/// was carried.
async fn carry_members(
    uow: &UnitOfWork<'_>,
    sources: &[cooperative::Model],
    receiver: Option<i64>,
    on: NaiveDate,
    what: &str,
) -> Result<bool, ServiceError> {
    let now = uow.now();
    let mut carried = false;
    for s in sources {
        for entry in register::register_for_write(uow.txn(), s.id).await? {
            if entry.left_on.is_some() {
                continue;
            }
            let day = on.max(entry.joined_on);
            let mut ended = entry.clone();
            ended.left_on = Some(day);
            ended.left_reason = Some(what.chars().take(rules::MAX_REASON).collect());
            ended.version = entry.version + 1;
            ended.updated_at = now;
            if !register::swap(uow.txn(), &ended, entry.version).await? {
                return Err(ServiceError::Corrupt(format!("member {} changed inside its write transaction", entry.id)));
            }
            if let Some(to) = receiver {
                let joined = member::Model {
                    id: 0,
                    cooperative_id: to,
                    joined_on: day,
                    left_on: None,
                    left_reason: None,
                    version: 1,
                    created_at: now,
                    updated_at: now,
                    ..entry
                };
                register::insert(uow.txn(), joined).await?;
            }
            carried = true;
        }
    }
    Ok(carried)
}

/// Reorganises cooperatives, all or nothing (module documentation).
pub async fn reorganise(
    state: &AppState,
    actor: &Actor,
    input: Reorganisation,
) -> Result<Outcome<Reorganised>, ServiceError> {
    use ReorganisationKind::*;
    let receipt = Idempotency::of(input.client_mutation_id.as_deref(), &input);
    let mut uow = match UnitOfWork::open(state, actor, OPERATION, receipt).await? {
        Opened::Open(u) => u,
        Opened::Replay(id) => return replayed(state, id).await,
        Opened::KeyReused => return Ok(Err(write::key_reused())),
    };
    let g = uow.gazetteer();
    let today = write::today();
    let mut p = Problems::default();
    shape(&mut p, &input);
    let reason = rules::name(&mut p, &["input", "reason"], &input.reason, rules::MAX_REASON);
    rules::not_future(&mut p, &["input", "effectiveOn"], input.effective_on, today);
    // Sources and the absorbing cooperative: exist, operate, distinct, writable.
    let mut sources: Vec<cooperative::Model> = Vec::new();
    let mut wanted: Vec<(Vec<String>, Option<i64>)> = input
        .source_ids
        .iter()
        .enumerate()
        .map(|(i, id)| (vec!["input".to_owned(), "sourceIds".to_owned(), i.to_string()], *id))
        .collect();
    if let Some(into) = input.into_id {
        wanted.push((vec!["input".to_owned(), "intoId".to_owned()], into));
    }
    let mut into: Option<cooperative::Model> = None;
    for (n, (path, id)) in wanted.iter().enumerate() {
        let at: Vec<&str> = path.iter().map(String::as_str).collect();
        let found = match id {
            Some(id) => records::cooperative_for_write(uow.txn(), *id).await?,
            None => None,
        };
        let Some(c) = found else {
            p.add(&at, ProblemKind::NotFound, Msg::NoSuch { what: "cooperative".into() });
            continue;
        };
        if sources.iter().chain(into.iter()).any(|s| s.id == c.id) {
            p.invalid(&at, Msg::NamedTwice { name: c.name.clone() });
            continue;
        }
        let decision = auth::may_write(&actor.principal, &g.province_code(c.ward_id));
        uow = uow.authorize(decision, Some((EntityKind::Cooperative, c.id))).await?;
        let status = c.registration_status()?;
        if !status.is_operating() {
            p.add(
                &at,
                ProblemKind::InvalidTransition,
                Msg::CannotReorganise { name: c.name.clone(), status: status.to_string() },
            );
            continue;
        }
        if n < input.source_ids.len() {
            sources.push(c);
        } else {
            into = Some(c);
        }
    }
    // The new cooperatives: checked as registrations are.
    let mut drafts = Vec::new();
    for (i, s) in input.successors.iter().enumerate() {
        // Checked as a registration is, at the registration's paths, then
        // placed under `input.successors.<i>`.
        let mut q = Problems::default();
        let at = |f: &'static str| -> [&'static str; 2] { ["input", f] };
        let (u, ward) = registration_ward(uow, &mut q, &s.ward_code).await?;
        uow = u;
        let name = rules::name(&mut q, &at("name"), &s.name, rules::MAX_NAME);
        let foreign_name = rules::optional_text(&mut q, &at("foreignName"), s.foreign_name.as_deref(), rules::MAX_NAME);
        let abbreviation = rules::optional_text(&mut q, &at("abbreviation"), s.abbreviation.as_deref(), 100);
        let lines = rules::business_lines(&mut q, &at("businessLines"), &s.business_lines);
        let street =
            rules::optional_text(&mut q, &["input", "address", "street"], s.street.as_deref(), rules::MAX_STREET);
        let capital = rules::amount(&mut q, &at("charterCapital"), s.charter_capital, false);
        rules::count_at_least(&mut q, &at("officialMembers"), s.official_members, rules::MIN_COOPERATIVE_MEMBERS);
        let associates = s.associate_members.unwrap_or(0);
        rules::count_at_least(&mut q, &at("associateMembers"), associates, 0);
        let director = rules::person(&mut q, &at("director"), &s.director);
        let legal = rules::person(&mut q, &at("legalRepresentative"), &s.legal_representative);
        if s.code.is_some() || s.registered_on.is_some() {
            q.invalid(&at("code"), Msg::SuccessorRegisteredNationally);
        }
        super::national_form::cooperative(&mut q, &name, street.as_deref(), &lines, capital, &legal);
        let idx = i.to_string();
        for problem in q.into_vec() {
            let mut path: Vec<&str> = vec!["input", "successors", idx.as_str()];
            path.extend(problem.field.iter().skip(1).map(String::as_str));
            p.add(&path, problem.kind, problem.message);
        }
        if let Some(w) = ward {
            drafts.push((
                s,
                w.id,
                name,
                foreign_name,
                abbreviation,
                lines,
                street,
                capital,
                associates,
                director,
                legal,
            ));
        }
    }
    if !p.is_empty() || drafts.len() != input.successors.len() {
        return uow.reject(None, p.into_vec()).await;
    }

    let now = uow.now();
    let on = input.effective_on;
    // Where union memberships go (docs/lifecycle.md).
    let source_unions: Vec<i64> = {
        let mut u: Vec<i64> = sources.iter().filter_map(|s| s.union_id).collect();
        u.sort_unstable();
        u.dedup();
        u
    };
    let inherited_union = if source_unions.len() == 1 { source_unions.first().copied() } else { None };
    // New cooperatives.
    let mut created: Vec<cooperative::Model> = Vec::new();
    for (s, ward_id, name, foreign_name, abbreviation, lines, street, capital, associates, director, legal) in drafts {
        let director_id = records::insert_person(uow.txn(), &director).await?;
        let legal_id = if legal == director { director_id } else { records::insert_person(uow.txn(), &legal).await? };
        let union_id = match input.kind {
            Consolidation | Split => inherited_union,
            Merger | Separation => None,
        };
        let row = cooperative::Model {
            id: 0,
            code: None,
            name_search: text::fold(&name),
            name,
            foreign_name,
            abbreviation,
            status: RegistrationStatus::Pending.as_str().to_owned(),
            sector: s.sector.as_str().to_owned(),
            business_lines: lines.join(","),
            street,
            ward_id,
            province_id: g.province_id(ward_id),
            registered_on: None,
            charter_capital: capital,
            official_members: s.official_members,
            associate_members: associates,
            director_id: Some(director_id),
            legal_representative_id: Some(legal_id),
            high_tech: s.high_tech.unwrap_or(false),
            value_chain_linked: s.value_chain_linked.unwrap_or(false),
            union_id,
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
            below_legal_minimum_since: crate::domain::members::below_minimum_since(
                None,
                s.official_members,
                write::today(),
            ),
        };
        let mut model = records::insert_cooperative(uow.txn(), row).await?;
        if input.kind == Consolidation {
            let what = format!("consolidated into {}", model.name);
            if carry_members(&uow, &sources, Some(model.id), on, &what).await? {
                let before = model.version;
                let entries = register::register_for_write(uow.txn(), model.id).await?;
                super::members::follow_register(&mut model, &entries, on, today)?;
                if !records::swap_cooperative(uow.txn(), &model, before).await? {
                    return Err(ServiceError::Corrupt(format!(
                        "cooperative {} changed inside its write transaction",
                        model.id
                    )));
                }
            }
        }
        let entity = (EntityKind::Cooperative, model.id);
        uow.audit(entity, None::<&()>, Some(&model), Some(format!("formed by {} on {on}: {reason}", input.kind)));
        uow.change(ChangeKind::Created, EntityKind::Cooperative, model.id, g.province_code(model.ward_id), 1);
        record_registration(&uow, EntityKind::Cooperative, model.id, None).await?;
        let content = national::cooperative_content_now(uow.txn(), g, &model).await?;
        uow.deliver(EntityKind::Cooperative, model.id, Delivery::Register(content));
        created.push(model);
    }
    // The absorbing cooperative takes the sources' members (and, if it has
    // none, their union).
    let mut successors = created;
    if let Some(target) = &into {
        let mut next = target.clone();
        let what = format!("merged into {}", target.name);
        if carry_members(&uow, &sources, Some(target.id), on, &what).await?
            || super::members::register_is_kept(uow.txn(), target.id).await?
        {
            let entries = register::register_for_write(uow.txn(), target.id).await?;
            super::members::follow_register(&mut next, &entries, on, today)?;
        } else {
            for s in &sources {
                next.official_members = next.official_members.saturating_add(s.official_members);
                next.associate_members = next.associate_members.saturating_add(s.associate_members);
            }
            next.below_legal_minimum_since =
                crate::domain::members::below_minimum_since(next.below_legal_minimum_since, next.official_members, on);
        }
        if next.union_id.is_none() {
            next.union_id = inherited_union;
        }
        next.version = target.version + 1;
        next.updated_at = now;
        if !records::swap_cooperative(uow.txn(), &next, target.version).await? {
            return uow.conflict(target.version, target.version + 1).await;
        }
        let names: Vec<&str> = sources.iter().map(|s| s.name.as_str()).collect();
        uow.audit(
            (EntityKind::Cooperative, next.id),
            Some(target),
            Some(&next),
            Some(format!("absorbed {} on {on}: {reason}", names.join(", "))),
        );
        uow.change(ChangeKind::Updated, EntityKind::Cooperative, next.id, g.province_code(next.ward_id), next.version);
        if next.syncs() {
            let content = national::cooperative_content_now(uow.txn(), g, &next).await?;
            uow.deliver(EntityKind::Cooperative, next.id, Delivery::Update(content));
        }
        if let (None, Some(u)) = (target.union_id, next.union_id) {
            refresh_union(&mut uow, u, on, true, format!("cooperative {} joined by merger", next.id)).await?;
        }
        successors = vec![next];
    }
    // Links, then the sources: those that end are DISSOLVED (voluntarily, by
    // the reorganisation) and leave their union; a separated source continues.
    let successor_names: Vec<&str> = successors.iter().map(|s| s.name.as_str()).collect();
    let successor_names = successor_names.join(", ");
    let mut after_sources = Vec::new();
    for s in &sources {
        for n in &successors {
            store::insert_link(uow.txn(), input.kind, s.id, n.id, on, &reason, now).await?;
        }
        if input.kind == Split {
            carry_members(&uow, std::slice::from_ref(s), None, on, &format!("split into {successor_names}")).await?;
        }
        let mut next = s.clone();
        let ends = input.kind != Separation;
        if ends {
            next.set_registration_status(RegistrationStatus::Dissolved);
            next.union_id = None;
        }
        next.version = s.version + 1;
        next.updated_at = now;
        if !records::swap_cooperative(uow.txn(), &next, s.version).await? {
            return uow.conflict(s.version, s.version + 1).await;
        }
        let what = match input.kind {
            Merger => format!("merged into {successor_names}"),
            Consolidation => format!("consolidated into {successor_names}"),
            Split => format!("split into {successor_names}"),
            Separation => format!("{successor_names} separated from it"),
        };
        let detail = format!("{what} on {on}: {reason}");
        uow.audit((EntityKind::Cooperative, s.id), Some(s), Some(&next), Some(detail.clone()));
        let province = g.province_code(next.ward_id);
        if ends {
            let row = StatusRow {
                kind: EntityKind::Cooperative,
                id: s.id,
                status: RegistrationStatus::Dissolved,
                effective_on: on,
                reason: format!("{what}: {reason}"),
                dissolution_kind: Some(DissolutionKind::Voluntary),
                until: None,
                origin: ChangeOrigin::Province,
            };
            record_status(&uow, row).await?;
            uow.change(ChangeKind::StatusChanged, EntityKind::Cooperative, s.id, province, next.version);
            if let Some(u) = s.union_id {
                let carried = successors.iter().any(|n| n.union_id == Some(u));
                let note = if carried {
                    format!("member cooperative {} {what}; the membership carries over", s.id)
                } else {
                    format!("member cooperative {} {what}", s.id)
                };
                refresh_union(&mut uow, u, on, true, note).await?;
            }
        } else {
            uow.change(ChangeKind::Updated, EntityKind::Cooperative, s.id, province, next.version);
        }
        after_sources.push(next);
    }
    // Nationally one operation names the sources and the successors (and
    // ends the sources in NCRS; the tax system closes them): queued last, on
    // the first source, so it follows the successors' registrations.
    // Records imported with their code and not synced (NOT_REQUIRED) are
    // not the registry's to tell NCRS about: a reorganisation naming one is
    // left to the national side, as their status changes are.
    let all_sync = after_sources.iter().chain(&successors).all(|c| c.syncs());
    if let (Some(first), true) = (after_sources.first(), all_sync) {
        let what = match input.kind {
            Merger => format!("merged into {successor_names}"),
            Consolidation => format!("consolidated into {successor_names}"),
            Split => format!("split into {successor_names}"),
            Separation => format!("{successor_names} separated from it"),
        };
        let delivery = ReorganisationDelivery::new(
            input.kind,
            on,
            &format!("{what}: {reason}"),
            after_sources.iter().map(|s| s.id).collect(),
            successors.iter().map(|s| s.id).collect(),
        );
        uow.deliver(EntityKind::Cooperative, first.id, Delivery::Reorganisation(delivery));
    }
    let first = after_sources.first().map(|s| (EntityKind::Cooperative, s.id));
    uow.commit(first).await?;
    Ok(Ok(Reorganised { sources: after_sources, successors }))
}
