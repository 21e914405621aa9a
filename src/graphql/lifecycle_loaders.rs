//! DataLoaders of the lifecycle edges: status histories and reorganisation
//! links, one statement per batch of records.

use super::loaders::LoadError;
use crate::domain::EntityKind;
use crate::storage::lifecycle::{self, LinkSide};
use async_graphql::dataloader::Loader;
use entity::status_change;
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
