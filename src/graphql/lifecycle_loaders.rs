//! DataLoaders of the lifecycle edges: status histories, reorganisation
//! links and member-register pages and counts, one statement per batch of
//! records.

use super::loaders::LoadError;
use crate::domain::EntityKind;
use crate::storage::lifecycle::{self, LinkSide};
use async_graphql::dataloader::Loader;
use chrono::NaiveDate;
use entity::{member, status_change};
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::sync::Arc;

/// Status histories by (kind, record id), oldest first.
pub struct StatusHistories {
    /// The database.
    pub db: DatabaseConnection,
}

impl Loader<(EntityKind, i64)> for StatusHistories {
    type Value = Arc<Vec<status_change::Model>>;
    type Error = LoadError;

    async fn load(&self, keys: &[(EntityKind, i64)]) -> Result<HashMap<(EntityKind, i64), Self::Value>, Self::Error> {
        let mut out = HashMap::new();
        for kind in [EntityKind::Cooperative, EntityKind::CooperativeUnion] {
            let ids: Vec<i64> = keys.iter().filter(|(k, _)| *k == kind).map(|(_, id)| *id).collect();
            if ids.is_empty() {
                continue;
            }
            let mut found = lifecycle::histories(&self.db, kind, &ids).await?;
            for id in ids {
                out.insert((kind, id), Arc::new(found.remove(&id).unwrap_or_default()));
            }
        }
        Ok(out)
    }
}

/// Predecessor or successor cooperative ids by (side, cooperative id).
pub struct Links {
    /// The database.
    pub db: DatabaseConnection,
}

impl Loader<(LinkSide, i64)> for Links {
    type Value = Arc<Vec<i64>>;
    type Error = LoadError;

    async fn load(&self, keys: &[(LinkSide, i64)]) -> Result<HashMap<(LinkSide, i64), Self::Value>, Self::Error> {
        let mut out = HashMap::new();
        for side in [LinkSide::Predecessors, LinkSide::Successors] {
            let ids: Vec<i64> = keys.iter().filter(|(s, _)| *s == side).map(|(_, id)| *id).collect();
            if ids.is_empty() {
                continue;
            }
            let mut found = lifecycle::linked(&self.db, side, &ids).await?;
            for id in ids {
                out.insert((side, id), Arc::new(found.remove(&id).unwrap_or_default()));
            }
        }
        Ok(out)
    }
}

/// A page of a cooperative's member register: entries after `after_id`,
/// at most `limit`, current on `current_on` when given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RegisterPage {
    /// The cooperative.
    pub cooperative_id: i64,
    /// Only members current on this day; `None` for every entry.
    pub current_on: Option<NaiveDate>,
    /// The cursor's member id (0 from the start).
    pub after_id: i64,
    /// How many entries at most.
    pub limit: u64,
}

/// Member-register pages, one statement per batch of cooperatives asking
/// the same window.
pub struct RegisterPages {
    /// The database.
    pub db: DatabaseConnection,
}

impl Loader<RegisterPage> for RegisterPages {
    type Value = Arc<Vec<member::Model>>;
    type Error = LoadError;

    async fn load(&self, keys: &[RegisterPage]) -> Result<HashMap<RegisterPage, Self::Value>, Self::Error> {
        let mut windows: HashMap<(Option<NaiveDate>, i64, u64), Vec<i64>> = HashMap::new();
        for k in keys {
            windows.entry((k.current_on, k.after_id, k.limit)).or_default().push(k.cooperative_id);
        }
        let mut out = HashMap::new();
        for ((current_on, after_id, limit), ids) in windows {
            let mut by_cooperative: HashMap<i64, Vec<member::Model>> = HashMap::new();
            for m in crate::storage::members::pages(&self.db, &ids, current_on, after_id, limit).await? {
                by_cooperative.entry(m.cooperative_id).or_default().push(m);
            }
            for cooperative_id in ids {
                let rows = by_cooperative.remove(&cooperative_id).unwrap_or_default();
                out.insert(RegisterPage { cooperative_id, current_on, after_id, limit }, Arc::new(rows));
            }
        }
        Ok(out)
    }
}

/// Member-register counts by (cooperative, day current on), one statement
/// per batch of cooperatives counting the same way.
pub struct RegisterCounts {
    /// The database.
    pub db: DatabaseConnection,
}

impl Loader<(i64, Option<NaiveDate>)> for RegisterCounts {
    type Value = i64;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[(i64, Option<NaiveDate>)],
    ) -> Result<HashMap<(i64, Option<NaiveDate>), i64>, Self::Error> {
        let mut by_day: HashMap<Option<NaiveDate>, Vec<i64>> = HashMap::new();
        for (id, day) in keys {
            by_day.entry(*day).or_default().push(*id);
        }
        let mut out = HashMap::new();
        for (day, ids) in by_day {
            let counts = crate::storage::members::counts(&self.db, &ids, day).await?;
            for id in ids {
                out.insert((id, day), counts.get(&id).copied().unwrap_or(0));
            }
        }
        Ok(out)
    }
}
