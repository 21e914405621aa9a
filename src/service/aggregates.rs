//! Figures computed from the whole of a territory — `statistics` and the
//! facts that target progress is computed from — served from counters kept
//! exact in the same transaction as every write.
//!
//! **Kept in the write.** Every write is a unit of work, and its commit
//! ([`after_changes`], called by `UnitOfWork::commit`, the one place every
//! write passes) derives again the facts of each organisation it records
//! in the change log (`storage::targets::facts_where`, the one rule of the
//! facts), replaces that organisation's kept row and moves the counters of
//! its ward (`storage::facts::refresh`) — in the same transaction, so the
//! counters are always those of the committed registry. Use cases added
//! later are covered as long as they commit through the unit of work and
//! record their changed organisations (which the change feed needs anyway).
//!
//! **Read as counters.** A territory's figures are the sums of its wards'
//! counters: one indexed statement, whatever the number of organisations,
//! which also reads the change log's latest sequence. Figures computed
//! from counters of that sequence are kept in memory
//! (`storage::aggregates`) and served again while the sequence stays, so an
//! unchanged registry costs that one statement and no sums.
//!
//! **Built once.** A migrated database has no counters until the first read
//! builds them from the whole registry (in a write transaction); bulk loads
//! outside the unit of work (the seed generator) mark them to be built
//! again (`storage::facts::forget`).

use super::ServiceError;
use crate::domain::fact_counts::{self, CountedFacts, FactSums};
use crate::domain::targets::OrgKindFact;
use crate::domain::EntityKind;
use crate::state::AppState;
use crate::storage::aggregates::{get, kept_at, put};
use crate::storage::journal::ChangeRow;
use crate::storage::statistics::{RegistryFigures, Wanted};
use crate::storage::{facts as kept, StorageError, WriteTxn};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// The change log's latest sequence: the stamp of figures computed by a full count.
pub async fn stamp(state: &AppState) -> Result<i64, StorageError> {
    crate::storage::journal::latest_sequence(&state.db).await
}

/// Keeps the facts of the organisations `changes` records up to date, in
/// the unit of work's transaction (see the module documentation).
pub(crate) async fn after_changes(w: &WriteTxn, changes: &[ChangeRow]) -> Result<(), StorageError> {
    let orgs: Vec<(OrgKindFact, i64)> = changes
        .iter()
        .filter_map(|c| match c.entity {
            EntityKind::Cooperative => Some((OrgKindFact::Cooperative, c.entity_id)),
            EntityKind::CooperativeUnion => Some((OrgKindFact::Union, c.entity_id)),
            EntityKind::CooperativeGroup => Some((OrgKindFact::Group, c.entity_id)),
            EntityKind::Target | EntityKind::Person => None,
        })
        .collect();
    kept::refresh(w, &orgs).await
}

/// Builds the kept counters if this database has none yet (once per process).
pub async fn ensure_built(state: &AppState) -> Result<(), StorageError> {
    if state.aggregates.built.load(Ordering::Acquire) {
        return Ok(());
    }
    if !kept::is_built(&state.db).await? {
        let w = crate::storage::write::begin(&state.db, &state.write_gate).await?;
        if kept::build(&w, chrono::Utc::now()).await? {
            tracing::info!("built the kept facts from the registry");
        }
        w.commit().await?;
    }
    state.aggregates.built.store(true, Ordering::Release);
    Ok(())
}

/// Rebuilds the kept counters from the whole registry now (after a bulk load).
pub async fn rebuild(state: &AppState) -> Result<(), StorageError> {
    kept::forget(&state.db).await?;
    state.aggregates.built.store(false, Ordering::Release);
    ensure_built(state).await
}

/// `statistics` for a territory. Served from the kept counters, except
/// `byRating` (the rating of a given year's reports), which is counted from
/// the reports and kept until the change log moves.
pub async fn statistics(
    state: &AppState,
    province_code: Option<&str>,
    legacy_unit_code: Option<&str>,
    year: Option<i32>,
    wanted: Wanted,
) -> Result<Arc<RegistryFigures>, ServiceError> {
    if wanted.by_rating {
        let key = format!("{province_code:?}|{legacy_unit_code:?}|{year:?}|{wanted:?}");
        let at = stamp(state).await?;
        if let Some(kept) = get(&state.aggregates.statistics, &key, at) {
            return Ok(kept);
        }
        let figures = Arc::new(
            super::registry::statistics_of(&state.db, &state.gazetteer, province_code, legacy_unit_code, year, wanted)
                .await?,
        );
        put(&state.aggregates.statistics, key, at, figures.clone());
        return Ok(figures);
    }
    let Some(t) = super::registry::resolve_territory(&state.gazetteer, "", province_code, legacy_unit_code, None)?
    else {
        return Ok(Arc::new(RegistryFigures::default()));
    };
    ensure_built(state).await?;
    let key = format!("kept|{province_code:?}|{legacy_unit_code:?}");
    let before = kept_at(&state.aggregates.statistics, &key);
    let (latest, rows) = kept::counters(&state.db, &[(0, t, before.as_ref().map_or(-1, |k| k.0))]).await?;
    if let Some((at, figures)) = before {
        if at == latest {
            return Ok(figures);
        }
    }
    let counted: Vec<(String, FactSums)> = rows.into_iter().map(|(_, k, s)| (k, s)).collect();
    let figures = Arc::new(figures_of(&counted)?);
    put(&state.aggregates.statistics, key, latest, figures.clone());
    Ok(figures)
}

/// The headline figures of counted facts (all but `by_rating`).
pub fn figures_of(counted: &[(String, FactSums)]) -> Result<RegistryFigures, StorageError> {
    let mut f = RegistryFigures::default();
    let mut by_sector: BTreeMap<&'static str, i64> = BTreeMap::new();
    for (key, s) in counted {
        let o = fact_counts::decode(key).ok_or_else(|| StorageError::Corrupt(format!("fact key {key:?}")))?;
        if !o.active {
            continue;
        }
        match o.kind {
            OrgKindFact::Cooperative => {
                f.cooperatives += s.n;
                f.cooperative_members += s.members;
                if o.high_tech {
                    f.high_tech_cooperatives += s.n;
                }
                *by_sector.entry(o.sector.as_str()).or_default() += s.n;
            }
            OrgKindFact::Union => {
                f.unions += s.n;
                f.union_member_cooperatives += s.member_cooperatives;
            }
            OrgKindFact::Group => {
                f.groups += s.n;
                f.group_members += s.members;
            }
        }
    }
    f.by_sector = by_sector.into_iter().map(|(k, n)| (k.to_owned(), n)).collect();
    Ok(f)
}

/// The counted facts of the organisations located in each jurisdiction of
/// `ids` (units; unknown ids are left out), from the kept counters: one
/// statement for all of them, which reads only the change log's sequence
/// when the jurisdictions' counters kept in memory are of that sequence.
/// Kept with their keys decoded, so that progress is computed over the
/// counters (`domain::targets::compute_counted`), not one fact per organisation.
pub async fn facts(state: &AppState, ids: &[i32]) -> Result<HashMap<i32, Arc<CountedFacts>>, StorageError> {
    let g = &state.gazetteer;
    let mut asks = Vec::new();
    let mut before = HashMap::new();
    for id in ids.iter().collect::<std::collections::BTreeSet<_>>() {
        let Some(unit) = g.unit(*id) else { continue };
        let k = kept_at(&state.aggregates.facts, id);
        asks.push((*id, super::targets::territory(g, unit), k.as_ref().map_or(-1, |k| k.0)));
        before.insert(*id, k);
    }
    let mut out = HashMap::new();
    if asks.is_empty() {
        return Ok(out);
    }
    ensure_built(state).await?;
    let (latest, rows) = kept::counters(&state.db, &asks).await?;
    let mut fresh: HashMap<i32, CountedFacts> = HashMap::new();
    for (j, key, sums) in rows {
        let o = fact_counts::decode(&key).ok_or_else(|| StorageError::Corrupt(format!("fact key {key:?}")))?;
        fresh.entry(j).or_default().push((o, sums));
    }
    for (id, _, _) in asks {
        match before.remove(&id).flatten() {
            Some((at, v)) if at == latest => {
                out.insert(id, v);
            }
            _ => {
                let v = Arc::new(fresh.remove(&id).unwrap_or_default());
                put(&state.aggregates.facts, id, latest, v.clone());
                out.insert(id, v);
            }
        }
    }
    Ok(out)
}
