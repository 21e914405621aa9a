//! Targets (chỉ tiêu): setting and importing them, reporting outside
//! figures, listing them by jurisdiction, and computing their progress.

use super::uow::UnitOfWork;
use super::write::{self, Actor, Outcome};
use super::ServiceError;
use crate::auth::{Denial, Principal, Role};
use crate::domain::fact_counts::FactSums;
use crate::domain::rules::{Problem, ProblemKind, Problems};
use crate::domain::targets::{self, Comparator, Figure, Indicator, OrgFact, OrganizationScope, TargetUnit};
use crate::domain::Msg;
use crate::domain::{AdministrativeLevel, ChangeKind, EntityKind, Gazetteer, Unit, UnitId};
use crate::state::AppState;
use crate::storage::statistics::Territory;
use crate::storage::targets::{self as store, TargetKey, TargetSelection};
use chrono::{Datelike, NaiveDate, Utc};
use entity::{target, target_progress_report};
use std::collections::HashSet;

/// Reads targets from a file: a JSON array of `TargetInput`-shaped objects,
/// or CSV whose header names the same fields (`jurisdictionCode,
/// jurisdictionLevel,year,indicator,scope,comparator,value,min,max,unit,
/// withinIndicator,sourceDocument,note`, and optionally `legacy`; empty
/// cells are absent).
pub fn parse_file(path: &std::path::Path) -> Result<Vec<TargetDraft>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let is_json =
        path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) || text.trim_start().starts_with('[');
    if is_json {
        return parse_json(&text, &path.display().to_string());
    }
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
    reader
        .deserialize::<TargetDraft>()
        .enumerate()
        .map(|(i, r)| r.map_err(|e| format!("{}: row {}: {e}", path.display(), i + 2)))
        .map(|r| {
            r.map(|mut d| {
                d.scope = d.scope.filter(|s| !s.is_empty());
                d.within_indicator = d.within_indicator.filter(|s| !s.is_empty());
                d.note = d.note.filter(|s| !s.is_empty());
                d
            })
        })
        .collect()
}

/// Reads targets from a JSON array of `TargetInput`-shaped objects;
/// `origin` names the source in the message.
pub fn parse_json(text: &str, origin: &str) -> Result<Vec<TargetDraft>, String> {
    serde_json::from_str(text).map_err(|e| format!("{origin}: not a JSON array of targets: {e}"))
}

/// A target as a client states it.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetDraft {
    pub jurisdiction_code: String,
    pub jurisdiction_level: String,
    pub year: i32,
    pub indicator: String,
    #[serde(default)]
    pub scope: Option<String>,
    pub comparator: String,
    #[serde(default)]
    pub value: Option<f64>,
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
    pub unit: String,
    #[serde(default)]
    pub within_indicator: Option<String>,
    pub source_document: String,
    #[serde(default)]
    pub note: Option<String>,
    /// `Some(true)`: the unit abolished on 2025-07-01 that had this code (a
    /// code 2025 reused, e.g. 56); `Some(false)`: the unit in force; absent:
    /// the unit in force, or else the former one.
    #[serde(default, deserialize_with = "optional_bool")]
    pub legacy: Option<bool>,
}

/// An optional boolean that CSV may give as an empty cell.
fn optional_bool<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Cell {
        Bool(bool),
        Text(String),
    }
    match <Option<Cell> as serde::Deserialize>::deserialize(d)? {
        None => Ok(None),
        Some(Cell::Bool(b)) => Ok(Some(b)),
        Some(Cell::Text(t)) => match t.trim().to_ascii_lowercase().as_str() {
            "" => Ok(None),
            "true" => Ok(Some(true)),
            "false" => Ok(Some(false)),
            other => Err(serde::de::Error::custom(format!("legacy: expected true or false, not {other:?}"))),
        },
    }
}

/// A draft that passed every rule.
struct Checked {
    jurisdiction: i32,
    spec: targets::TargetSpec,
    source_document: String,
    note: Option<String>,
}

/// The unit a target's jurisdiction names: a 2025 or legacy province
/// (2 digits), or a legacy district (3 digits). `legacy` picks between the
/// two units of a province code the 2025 reorganisation reused (19, 37, 56,
/// 75, …): `Some(true)` the former one, `Some(false)` the one in force;
/// `None` takes the one in force, or else the former one. Every district is
/// a former unit, so `Some(false)` names none.
pub fn jurisdiction<'g>(
    g: &'g Gazetteer,
    code: &str,
    level: AdministrativeLevel,
    legacy: Option<bool>,
) -> Option<&'g Unit> {
    match (level, legacy) {
        (AdministrativeLevel::Province, None) if code.len() == 2 => g.lookup(level, code),
        (AdministrativeLevel::Province, Some(false)) if code.len() == 2 => g.in_force(level, code),
        (AdministrativeLevel::Province, Some(true)) if code.len() == 2 => g.former(level, code),
        (AdministrativeLevel::District, None | Some(true)) if code.len() == 3 => g.former(level, code),
        _ => None,
    }
}

/// Why no unit answers a jurisdiction, for the problem under `jurisdictionCode`.
fn no_jurisdiction(level: AdministrativeLevel, code: &str, legacy: Option<bool>) -> Msg {
    let what = level.as_str().to_lowercase();
    match (level, legacy) {
        (AdministrativeLevel::District, Some(false)) => Msg::DistrictIsLegacy { code: code.to_owned() },
        (_, Some(true)) => Msg::NoLegacyUnit { what, code: code.to_owned() },
        (_, Some(false)) => Msg::NoUnitInForce { what, code: code.to_owned() },
        (_, None) => Msg::NoUnit { what, code: code.to_owned() },
    }
}

/// Where the organisations a jurisdiction counts are located.
pub fn territory(g: &Gazetteer, unit: &Unit) -> Territory {
    if unit.level == AdministrativeLevel::Province && !g.is_legacy(unit) {
        Territory { province_id: Some(unit.id), ward_ids: None }
    } else {
        Territory { province_id: None, ward_ids: Some(g.territory_in_force(unit.id)) }
    }
}

/// The 2025 province a jurisdiction lies in (the first one, for a former
/// unit split between provinces).
pub fn home_province(g: &Gazetteer, unit: &Unit) -> String {
    g.territory_in_force(unit.id).first().map(|w| g.province_code(*w)).unwrap_or_else(|| unit.code.clone())
}

/// Who may set targets for a jurisdiction: national admins anywhere;
/// provincial officers for their province and the former units whose
/// territory now lies wholly in it.
pub fn may_set(who: &Principal, g: &Gazetteer, unit: &Unit) -> Result<(), Denial> {
    match who.role {
        Role::NationalAdmin => Ok(()),
        Role::ProvincialOfficer => {
            let mine = who.province.as_ref().map(|p| p.to_string()).unwrap_or_default();
            let wards = g.territory_in_force(unit.id);
            if !wards.is_empty() && wards.iter().all(|w| g.province_code(*w) == mine) {
                Ok(())
            } else {
                Err(Denial::Forbidden(Msg::NotInProvince { name: unit.name.clone(), province: mine.to_string() }))
            }
        }
        Role::Anonymous => Err(Denial::Unauthenticated),
        _ => Err(Denial::Forbidden(Msg::RoleMayNotSetTargets)),
    }
}

fn enum_field<T>(
    p: &mut Problems,
    path: &[&str],
    field: &'static str,
    s: &str,
    parse: fn(&str) -> Option<T>,
) -> Option<T> {
    let v = parse(s);
    if v.is_none() {
        let mut at = path.to_vec();
        at.push(field);
        p.invalid(&at, Msg::UnknownValue { got: s.to_string() });
    }
    v
}

/// Checks a draft under `path`; `Err` names the unit a caller may not set.
fn check(
    g: &Gazetteer,
    who: &Principal,
    p: &mut Problems,
    path: &[&str],
    d: &TargetDraft,
) -> Result<Option<Checked>, Denial> {
    let at = |f: &'static str| {
        let mut v = path.to_vec();
        v.push(f);
        v
    };
    let level = enum_field(p, path, "jurisdictionLevel", &d.jurisdiction_level, AdministrativeLevel::parse);
    let unit = level.and_then(|l| {
        let u = jurisdiction(g, d.jurisdiction_code.trim(), l, d.legacy);
        if u.is_none() {
            p.add(
                &at("jurisdictionCode"),
                ProblemKind::NotFound,
                no_jurisdiction(l, d.jurisdiction_code.trim(), d.legacy),
            );
        }
        u
    });
    if let Some(u) = unit {
        may_set(who, g, u)?;
    }
    let indicator = enum_field(p, path, "indicator", &d.indicator, Indicator::parse);
    let comparator = enum_field(p, path, "comparator", &d.comparator, Comparator::parse);
    let unit_of = enum_field(p, path, "unit", &d.unit, TargetUnit::parse);
    let scope = match (&d.scope, indicator) {
        (Some(s), _) => enum_field(p, path, "scope", s, OrganizationScope::parse),
        (None, Some(i)) => Some(targets::default_scope(i)),
        (None, None) => None,
    };
    let within = match &d.within_indicator {
        Some(w) => enum_field(p, path, "withinIndicator", w, Indicator::parse),
        None => None,
    };
    let source_document = crate::domain::rules::name(p, &at("sourceDocument"), &d.source_document, 300);
    let note = crate::domain::rules::optional_text(p, &at("note"), d.note.as_deref(), 4000);
    let (Some(unit), Some(indicator), Some(comparator), Some(unit_of), Some(scope)) =
        (unit, indicator, comparator, unit_of, scope)
    else {
        return Ok(None);
    };
    let figure = Figure { comparator, value: d.value, min: d.min, max: d.max };
    let spec = targets::TargetSpec { indicator, scope, within, unit: unit_of, figure, year: d.year };
    targets::check(p, path, &spec);
    Ok(Some(Checked { jurisdiction: unit.id, spec, source_document, note }))
}

fn key(c: &Checked) -> (i32, i32, Indicator, OrganizationScope, Option<Indicator>) {
    (c.jurisdiction, c.spec.year, c.spec.indicator, c.spec.scope, c.spec.within)
}

fn stored_key(k: &Checked) -> TargetKey<'_> {
    TargetKey {
        jurisdiction: k.jurisdiction,
        year: k.spec.year,
        indicator: k.spec.indicator.as_str(),
        scope: k.spec.scope.as_str(),
        within: k.spec.within.map(|w| w.as_str()).unwrap_or(""),
    }
}

async fn insert(uow: &mut UnitOfWork<'_>, c: &Checked) -> Result<target::Model, ServiceError> {
    let now = uow.now();
    let row = target::Model {
        id: 0,
        jurisdiction_id: c.jurisdiction,
        year: c.spec.year,
        indicator: c.spec.indicator.as_str().to_owned(),
        scope: c.spec.scope.as_str().to_owned(),
        comparator: c.spec.figure.comparator.as_str().to_owned(),
        value: c.spec.figure.value,
        min: c.spec.figure.min,
        max: c.spec.figure.max,
        unit: c.spec.unit.as_str().to_owned(),
        within_indicator: c.spec.within.map(|w| w.as_str().to_owned()).unwrap_or_default(),
        source_document: c.source_document.clone(),
        note: c.note.clone(),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let m = store::insert_target(uow.txn(), row).await?;
    uow.audit((EntityKind::Target, m.id), None::<&()>, Some(&m), None);
    let g = uow.gazetteer();
    let province = g.unit(c.jurisdiction).map(|u| home_province(g, u)).unwrap_or_default();
    uow.change(ChangeKind::Created, EntityKind::Target, m.id, province, 1);
    Ok(m)
}

fn duplicate(path: &[&str]) -> Problem {
    let mut field: Vec<String> = path.iter().map(|s| (*s).to_owned()).collect();
    field.push("indicator".into());
    Problem { field, message: Msg::TargetExists, kind: ProblemKind::Duplicate }
}

/// Sets one target.
pub async fn set(state: &AppState, actor: &Actor, d: TargetDraft) -> Result<Outcome<target::Model>, ServiceError> {
    import(state, actor, vec![d], &["input"]).await.map(|o| o.map(|mut v| v.remove(0)))
}

/// Imports targets all or nothing; problems carry the entry's index
/// (`["targets", "3", "value"]`), or `["input", …]` for a single `setTarget`.
pub async fn import(
    state: &AppState,
    actor: &Actor,
    drafts: Vec<TargetDraft>,
    single_path: &[&str],
) -> Result<Outcome<Vec<target::Model>>, ServiceError> {
    let operation = if single_path.is_empty() { "importTargets" } else { "setTarget" };
    let mut uow = UnitOfWork::open_keyless(state, actor, operation).await?;
    let g = uow.gazetteer();
    let mut p = Problems::default();
    let mut checked = Vec::new();
    let mut seen = HashSet::new();
    for (i, d) in drafts.iter().enumerate() {
        let idx = i.to_string();
        let path: Vec<&str> = if single_path.is_empty() { vec!["targets", idx.as_str()] } else { single_path.to_vec() };
        match check(g, &actor.principal, &mut p, &path, d) {
            Err(denial) => return Err(uow.deny(None, denial).await),
            Ok(None) => {}
            Ok(Some(c)) => {
                if !seen.insert(key(&c)) || store::target_with_key(uow.txn(), stored_key(&c)).await?.is_some() {
                    let dup = duplicate(&path);
                    p.add(&dup.field.iter().map(String::as_str).collect::<Vec<_>>(), dup.kind, dup.message);
                }
                checked.push(c);
            }
        }
    }
    if !p.is_empty() {
        return uow.reject(None, p.into_vec()).await;
    }
    let mut out = Vec::with_capacity(checked.len());
    for c in &checked {
        out.push(insert(&mut uow, c).await?);
    }
    uow.commit(None).await?;
    Ok(Ok(out))
}

/// Records an outside figure for a target the registry cannot compute.
pub async fn report_progress(
    state: &AppState,
    actor: &Actor,
    target_id: Option<i64>,
    actual: f64,
    as_of: NaiveDate,
    note: Option<String>,
) -> Result<Outcome<target::Model>, ServiceError> {
    const OP: &str = "reportTargetProgress";
    let uow = UnitOfWork::open_keyless(state, actor, OP).await?;
    let found = match target_id {
        Some(id) => store::target_for_write(uow.txn(), id).await?,
        None => None,
    };
    let Some(t) = found else {
        return uow
            .refuse_one(&["input", "targetId"], ProblemKind::NotFound, Msg::NoSuch { what: "target".into() })
            .await;
    };
    let g = uow.gazetteer();
    let unit =
        g.unit(t.jurisdiction_id).ok_or_else(|| ServiceError::Corrupt(format!("target {} names no unit", t.id)))?;
    let mut uow = uow.authorize(may_set(&actor.principal, g, unit), Some((EntityKind::Target, t.id))).await?;
    let mut p = Problems::default();
    let indicator = Indicator::parse(&t.indicator).ok_or_else(|| ServiceError::Corrupt(t.indicator.clone()))?;
    if !targets::is_reported(indicator) {
        p.invalid(&["input", "targetId"], Msg::IndicatorComputed { indicator: indicator.to_string() });
    }
    if !actual.is_finite() || actual < 0.0 || (targets::unit_of(indicator) == TargetUnit::Percent && actual > 100.0) {
        p.invalid(&["input", "actual"], Msg::OutOfUnitRange);
    }
    crate::domain::rules::not_future(&mut p, &["input", "asOf"], as_of, write::today());
    let note = crate::domain::rules::optional_text(&mut p, &["input", "note"], note.as_deref(), 4000);
    if !p.is_empty() {
        return uow.refuse(p.into_vec()).await;
    }
    let now = uow.now();
    let report = target_progress_report::Model {
        id: 0,
        target_id: t.id,
        actual,
        as_of,
        note,
        subject: actor.principal.subject.clone(),
        reported_at: now,
    };
    store::insert_progress_report(uow.txn(), report).await?;
    let mut next = t.clone();
    next.version += 1;
    next.updated_at = now;
    if !store::bump_target(uow.txn(), &next, t.version).await? {
        return uow.conflict(t.version, t.version + 1).await;
    }
    uow.audit((EntityKind::Target, t.id), Some(&t), Some(&next), Some(format!("actual {actual} as of {as_of}")));
    uow.change(ChangeKind::Updated, EntityKind::Target, t.id, home_province(g, unit), next.version);
    uow.commit(None).await?;
    Ok(Ok(next))
}

/// Which targets to list.
#[derive(Debug, Clone, Default)]
pub struct TargetQuery {
    /// A province or district code: targets of units whose territory lies in it.
    pub jurisdiction_code: Option<String>,
    pub year: Option<i32>,
    pub indicators: Option<Vec<Indicator>>,
    pub source_document: Option<String>,
}

/// A page of targets by id, whether targets precede and follow it, and
/// (when `with_total`) how many match in all.
pub async fn list(
    state: &AppState,
    q: &TargetQuery,
    window: super::page::SequenceWindow,
    with_total: bool,
) -> Result<(Vec<target::Model>, bool, bool, Option<u64>), ServiceError> {
    let Some(sel) = selection(state, q).await? else {
        return Ok((Vec::new(), false, false, with_total.then_some(0)));
    };
    let whole = window.after == 0 && window.before.is_none();
    // A first page counts the selection in the same statement.
    let (rows, counted) = if with_total && whole {
        let (rows, n) = store::first_targets_counted(&state.db, &sel, window.size + 1, window.from_end).await?;
        (rows, Some(n))
    } else {
        let rows =
            store::targets_between(&state.db, &sel, window.after, window.before, window.size + 1, window.from_end)
                .await?;
        (rows, None)
    };
    let (rows, has_previous, has_next) = window.finish(rows);
    let total = match (with_total, counted) {
        (false, _) => None,
        (true, Some(n)) => Some(n),
        (true, None) => Some(store::count_targets(&state.db, &sel).await?),
    };
    Ok((rows, has_previous, has_next, total))
}

/// The targets a query selects; `None` when it names no unit.
async fn selection(state: &AppState, q: &TargetQuery) -> Result<Option<TargetSelection>, ServiceError> {
    let g = &state.gazetteer;
    let mut sel = TargetSelection::default();
    if let Some(code) = &q.jurisdiction_code {
        let level = match code.trim().len() {
            2 => AdministrativeLevel::Province,
            3 => AdministrativeLevel::District,
            _ => return Err(ServiceError::invalid("filter.jurisdictionCode", Msg::JurisdictionCode)),
        };
        if !code.trim().bytes().all(|b| b.is_ascii_digit()) {
            return Err(ServiceError::invalid("filter.jurisdictionCode", Msg::JurisdictionCode));
        }
        let Some(unit) = g.lookup(level, code.trim()) else { return Ok(None) };
        let ids = jurisdictions_within(state, unit).to_vec();
        sel.jurisdictions = Some(ids);
    }
    sel.year = q.year;
    sel.indicators = q.indicators.as_ref().map(|is| is.iter().map(|i| i.as_str()).collect());
    sel.source_document = q.source_document.clone();
    Ok(Some(sel))
}

/// The provinces and districts, in force or former, whose territory lies
/// wholly in `unit`'s: where the targets a listing of `unit` shows may be
/// set. Computed from the gazetteer once per unit and process.
fn jurisdictions_within(state: &AppState, unit: &Unit) -> std::sync::Arc<Vec<i32>> {
    let kept = &state.aggregates.jurisdictions;
    if let Some(ids) = kept.lock().ok().and_then(|m| m.get(&unit.id).cloned()) {
        return ids;
    }
    let g = &state.gazetteer;
    let area: HashSet<UnitId> = g.territory_in_force(unit.id).into_iter().collect();
    let mut ids: Vec<i32> = g
        .units()
        .filter(|u| matches!(u.level, AdministrativeLevel::Province | AdministrativeLevel::District))
        .filter(|u| {
            let t = g.territory_in_force(u.id);
            !t.is_empty() && t.iter().all(|w| area.contains(w))
        })
        .map(|u| u.id)
        .collect();
    ids.sort_unstable();
    let ids = std::sync::Arc::new(ids);
    if let Ok(mut m) = kept.lock() {
        m.insert(unit.id, ids.clone());
    }
    ids
}

/// Whether a target's progress is a reported (outside) figure, read with
/// [`store::latest_progress_reports`], rather than computed from the facts.
pub fn is_reported_target(t: &target::Model) -> bool {
    Indicator::parse(&t.indicator).is_some_and(targets::is_reported)
}

/// A target's progress.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// The figure, if known.
    pub actual: Option<f64>,
    /// Where it comes from.
    pub source: targets::ProgressSource,
    /// Whether it meets the target; `None` when `actual` is unknown.
    pub attained: Option<bool>,
    /// When the figure was true (computed: now; reported: its date).
    pub as_of: Option<chrono::DateTime<Utc>>,
}

/// The progress of a target, from the counted facts of its jurisdiction
/// (computed) or the latest reported figure.
pub async fn progress(
    state: &AppState,
    t: &target::Model,
    facts: &[(OrgFact, FactSums)],
) -> Result<Progress, ServiceError> {
    let latest = if is_reported_target(t) { store::latest_progress_report(&state.db, t.id).await? } else { None };
    progress_of(t, facts, latest.as_ref())
}

/// The progress of a target from the counted facts of its jurisdiction
/// (`service::aggregates::facts`; one organisation's own facts count with
/// `FactSums::of`) and, for a reported indicator, its latest reported
/// figure (`latest`).
pub fn progress_of(
    t: &target::Model,
    facts: &[(OrgFact, FactSums)],
    latest: Option<&target_progress_report::Model>,
) -> Result<Progress, ServiceError> {
    let indicator = Indicator::parse(&t.indicator).ok_or_else(|| ServiceError::Corrupt(t.indicator.clone()))?;
    let comparator = Comparator::parse(&t.comparator).ok_or_else(|| ServiceError::Corrupt(t.comparator.clone()))?;
    let figure = Figure { comparator, value: t.value, min: t.min, max: t.max };
    if targets::is_reported(indicator) {
        return Ok(match latest {
            None => {
                Progress { actual: None, source: targets::ProgressSource::Unavailable, attained: None, as_of: None }
            }
            Some(r) => Progress {
                actual: Some(r.actual),
                source: targets::ProgressSource::Reported,
                attained: targets::attained(indicator, &figure, r.actual),
                as_of: r.as_of.and_hms_opt(0, 0, 0).map(|d| d.and_utc()),
            },
        });
    }
    let scope = OrganizationScope::parse(&t.scope).unwrap_or(targets::default_scope(indicator));
    let within = Indicator::parse(&t.within_indicator);
    let counted = facts.iter().map(|(o, s)| (o, *s));
    let actual = targets::compute_counted(indicator, scope, within, counted, write::today().year());
    Ok(Progress {
        actual,
        source: targets::ProgressSource::Computed,
        attained: actual.and_then(|a| targets::attained(indicator, &figure, a)),
        as_of: Some(Utc::now()),
    })
}
