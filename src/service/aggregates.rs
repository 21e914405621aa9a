//! Figures computed from the whole of a territory — `statistics` and the
//! facts that target progress is computed from — kept in memory and stamped
//! with the change log's latest sequence when they were computed.
//!
//! Every write that can change them (each use case, the national feed's
//! events) is a unit of work whose commit appends to the change log, and
//! writes are serialised, so the latest sequence moves whenever any replica
//! changed the registry. A read looks it up (one indexed statement) and
//! serves the kept figures only when they were computed at that sequence;
//! otherwise it computes them again. The sequence is read *before* the
//! figures, so figures stamped with it can only be newer than the stamp,
//! never older: a kept answer is always the answer a recount would give.
//! Use cases added later are covered as long as they commit through the
//! unit of work (which every write must).
//!
//! Bounded: see `storage::aggregates` (where they are kept).

use super::ServiceError;
use crate::domain::targets::OrgFact;
use crate::state::AppState;
use crate::storage::aggregates::{get, put};
use crate::storage::statistics::{RegistryFigures, Wanted};
use crate::storage::StorageError;
use std::collections::HashMap;
use std::sync::Arc;

/// The change log's latest sequence: the stamp of every kept figure.
pub async fn stamp(state: &AppState) -> Result<i64, StorageError> {
    crate::storage::journal::latest_sequence(&state.db).await
}

/// `statistics` for a territory, as [`super::registry::statistics_of`]
/// computes them, kept until the registry changes.
pub async fn statistics(
    state: &AppState,
    province_code: Option<&str>,
    legacy_unit_code: Option<&str>,
    year: Option<i32>,
    wanted: Wanted,
) -> Result<Arc<RegistryFigures>, ServiceError> {
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
    Ok(figures)
}

/// The facts of the organisations located in each jurisdiction of `ids`
/// (units; unknown ids are left out), kept until the registry changes.
pub async fn facts(state: &AppState, ids: &[i32]) -> Result<HashMap<i32, Arc<Vec<OrgFact>>>, StorageError> {
    let g = &state.gazetteer;
    let at = stamp(state).await?;
    let mut out = HashMap::new();
    for id in ids {
        let Some(unit) = g.unit(*id) else { continue };
        if let Some(kept) = get(&state.aggregates.facts, id, at) {
            out.insert(*id, kept);
            continue;
        }
        let t = super::targets::territory(g, unit);
        let f = Arc::new(crate::storage::targets::facts(&state.db, &t).await?);
        put(&state.aggregates.facts, *id, at, f.clone());
        out.insert(*id, f);
    }
    Ok(out)
}
