//! Where `service::aggregates` keeps statistics and target facts, each
//! with the change-log sequence it was computed at. Memory only: no SQL here
//! (the counters they are computed from are in `storage::facts`).
//! Bounded: at most [`CAPACITY`] entries of each kind; when full, the kept
//! figures are dropped and computed again as asked.

use super::statistics::RegistryFigures;
use crate::domain::fact_counts::CountedFacts;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// How many territories' figures (and, apart, jurisdictions' facts) are kept.
pub const CAPACITY: usize = 512;

/// Values with the sequence they were computed at.
pub type Kept<K, V> = Mutex<HashMap<K, (i64, Arc<V>)>>;

/// The kept figures of one process (in [`AppState`]).
#[derive(Default)]
pub struct Aggregates {
    /// `statistics` by territory, year and figures asked.
    pub statistics: Kept<String, RegistryFigures>,
    /// Target facts by jurisdiction: its counters, keys decoded.
    pub facts: Kept<i32, CountedFacts>,
    /// The provinces and districts (in force or former) whose territory lies
    /// wholly in a unit's: the jurisdictions a listing of that unit's
    /// targets takes (from the gazetteer, which does not change).
    pub jurisdictions: Mutex<HashMap<i32, Arc<Vec<i32>>>>,
    /// This process has seen the kept counters built (`storage::facts`).
    pub built: std::sync::atomic::AtomicBool,
}

/// The kept value of `key`, if it was computed at sequence `at`.
pub fn get<K: std::hash::Hash + Eq, V>(kept: &Kept<K, V>, key: &K, at: i64) -> Option<Arc<V>> {
    kept.lock().ok()?.get(key).filter(|(seq, _)| *seq == at).map(|(_, v)| v.clone())
}

/// The kept value of `key` and the sequence it was computed at.
pub fn kept_at<K: std::hash::Hash + Eq, V>(kept: &Kept<K, V>, key: &K) -> Option<(i64, Arc<V>)> {
    kept.lock().ok()?.get(key).map(|(seq, v)| (*seq, v.clone()))
}

/// Keeps `value` for `key`, computed at sequence `at`.
pub fn put<K: std::hash::Hash + Eq, V>(kept: &Kept<K, V>, key: K, at: i64, value: Arc<V>) {
    if let Ok(mut m) = kept.lock() {
        if m.len() >= CAPACITY {
            m.clear();
        }
        m.insert(key, (at, value));
    }
}
