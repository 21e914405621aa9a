//! DataLoaders for every edge that leaves a row: persons, unions, annual
//! reports, member cooperatives and their counts. A request gets its own set
//! with a cache, so one request sees one consistent answer per key and the
//! pages that `prefetch` loads in bulk are served to the edge resolvers from
//! memory.

use crate::storage::organisations::{self, OrgKind};
use crate::storage::{reports, StorageError};
use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use entity::{annual_report, cooperative, cooperative_group, cooperative_union, person};
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::sync::Arc;

/// A loader failure, shared by every key of the failed batch.
#[derive(Debug, Clone, thiserror::Error)]
#[error(transparent)]
pub struct LoadError(Arc<StorageError>);

impl From<StorageError> for LoadError {
    fn from(e: StorageError) -> Self {
        LoadError(Arc::new(e))
    }
}

/// Loads rows by id from one table.
pub struct ById {
    db: DatabaseConnection,
}

/// Persons by id.
pub struct Persons(ById);
/// Unions by id.
pub struct Unions(ById);
/// Cooperatives by id.
pub struct Cooperatives(ById);
/// Groups by id.
pub struct Groups(ById);
/// Targets by id.
pub struct Targets(ById);

macro_rules! delegate {
    ($name:ident, $model:ty, $fetch:path) => {
        impl Loader<i64> for $name {
            type Value = Arc<$model>;
            type Error = LoadError;

            async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
                Ok($fetch(&self.0.db, keys).await?.into_iter().map(|m| (m.id, Arc::new(m))).collect())
            }
        }
    };
}

delegate!(Persons, person::Model, organisations::persons_by_id);
delegate!(Unions, cooperative_union::Model, organisations::unions_by_id);
delegate!(Cooperatives, cooperative::Model, organisations::cooperatives_by_id);
delegate!(Groups, cooperative_group::Model, organisations::groups_by_id);
delegate!(Targets, entity::target::Model, crate::storage::targets::by_id);

/// Annual reports of an organisation, by year.
pub struct Reports {
    db: DatabaseConnection,
}

impl Loader<(OrgKind, i64)> for Reports {
    type Value = Arc<Vec<annual_report::Model>>;
    type Error = LoadError;

    async fn load(&self, keys: &[(OrgKind, i64)]) -> Result<HashMap<(OrgKind, i64), Self::Value>, Self::Error> {
        let mut out: HashMap<(OrgKind, i64), Vec<annual_report::Model>> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        for kind in [OrgKind::Cooperative, OrgKind::Union, OrgKind::Group] {
            let ids: Vec<i64> = keys.iter().filter(|(k, _)| *k == kind).map(|(_, id)| *id).collect();
            if ids.is_empty() {
                continue;
            }
            for r in reports::reports_of(&self.db, kind, &ids).await? {
                let owner = match kind {
                    OrgKind::Cooperative => r.cooperative_id,
                    OrgKind::Union => r.union_id,
                    OrgKind::Group => r.group_id,
                };
                if let Some(id) = owner {
                    out.entry((kind, id)).or_default().push(r);
                }
            }
        }
        Ok(out.into_iter().map(|(k, v)| (k, Arc::new(v))).collect())
    }
}

/// A page of a union's member cooperatives, by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MemberPage {
    /// The union.
    pub union_id: i64,
    /// Only cooperatives after this id.
    pub after_id: Option<i64>,
    /// Only cooperatives before this id.
    pub before_id: Option<i64>,
    /// The last of the window (`last`), not the first.
    pub from_end: bool,
    /// How many (one more than the page, to tell whether more follow).
    pub limit: u64,
}

impl MemberPage {
    /// The key of `req`'s page of members of union `union_id`.
    pub fn of(union_id: i64, req: &crate::service::page::PageRequest) -> MemberPage {
        MemberPage {
            union_id,
            after_id: req.after.as_ref().map(|p| p.id),
            before_id: req.before.as_ref().map(|p| p.id),
            from_end: req.from_end,
            limit: req.first.min(crate::service::page::MAX_PAGE_SIZE) + 1,
        }
    }
}

/// Member cooperatives of unions.
pub struct Members {
    db: DatabaseConnection,
}

impl Loader<MemberPage> for Members {
    type Value = Arc<Vec<Arc<cooperative::Model>>>;
    type Error = LoadError;

    async fn load(&self, keys: &[MemberPage]) -> Result<HashMap<MemberPage, Self::Value>, Self::Error> {
        type Window = (Option<i64>, Option<i64>, bool, u64);
        let mut groups: HashMap<Window, Vec<i64>> = HashMap::new();
        for k in keys {
            groups.entry((k.after_id, k.before_id, k.from_end, k.limit)).or_default().push(k.union_id);
        }
        let mut out = HashMap::new();
        for ((after_id, before_id, from_end, limit), union_ids) in groups {
            let mut by_union: HashMap<i64, Vec<Arc<cooperative::Model>>> = HashMap::new();
            let found =
                organisations::member_cooperatives(&self.db, &union_ids, after_id, before_id, from_end, limit).await?;
            for c in found {
                if let Some(u) = c.union_id {
                    by_union.entry(u).or_default().push(Arc::new(c));
                }
            }
            for u in union_ids {
                let rows = by_union.remove(&u).unwrap_or_default();
                out.insert(MemberPage { union_id: u, after_id, before_id, from_end, limit }, Arc::new(rows));
            }
        }
        Ok(out)
    }
}

/// How many member cooperatives a union has.
pub struct MemberCounts {
    db: DatabaseConnection,
}

impl Loader<i64> for MemberCounts {
    type Value = i64;
    type Error = LoadError;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, i64>, Self::Error> {
        let counts = organisations::member_counts(&self.db, keys).await?;
        Ok(keys.iter().map(|k| (*k, counts.get(k).copied().unwrap_or(0))).collect())
    }
}

/// What the registry knows of the organisations in a jurisdiction, for
/// target progress: one load per jurisdiction and request.
pub struct Facts {
    state: crate::state::AppState,
}

impl Loader<i32> for Facts {
    type Value = Arc<crate::domain::fact_counts::CountedFacts>;
    type Error = LoadError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        Ok(crate::service::aggregates::facts(&self.state, keys).await?)
    }
}

/// The latest reported figure of targets (by target id); `None` for a
/// target with none yet, so that the answer is cached either way.
pub struct LatestReports {
    db: DatabaseConnection,
}

impl Loader<i64> for LatestReports {
    type Value = Option<Arc<entity::target_progress_report::Model>>;
    type Error = LoadError;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let mut latest = crate::storage::targets::latest_progress_reports(&self.db, keys).await?;
        Ok(keys.iter().map(|k| (*k, latest.remove(k).map(Arc::new))).collect())
    }
}

/// A loader with a per-request cache.
pub type Cached<T> = DataLoader<T, HashMapCache>;

/// Every loader of one request, as request data.
pub struct Loaders {
    /// Persons by id.
    pub persons: Cached<Persons>,
    /// Unions by id.
    pub unions: Cached<Unions>,
    /// Cooperatives by id.
    pub cooperatives: Cached<Cooperatives>,
    /// Groups by id.
    pub groups: Cached<Groups>,
    /// Annual reports by organisation.
    pub reports: Cached<Reports>,
    /// Member cooperatives by union page.
    pub members: Cached<Members>,
    /// Member counts by union.
    pub member_counts: Cached<MemberCounts>,
    /// Organisation facts by jurisdiction.
    pub facts: Cached<Facts>,
    /// Targets by id.
    pub targets: Cached<Targets>,
    /// Latest reported figures by target.
    pub latest_reports: Cached<LatestReports>,
    /// Status histories by record.
    pub status_histories: Cached<super::lifecycle_loaders::StatusHistories>,
    /// Reorganisation links by cooperative.
    pub links: Cached<super::lifecycle_loaders::Links>,
    /// Member-register pages by cooperative.
    pub register_pages: Cached<super::lifecycle_loaders::RegisterPages>,
    /// Member-register counts by cooperative.
    pub register_counts: Cached<super::lifecycle_loaders::RegisterCounts>,
}

fn cached<T: Send + Sync + 'static>(loader: T) -> Cached<T> {
    DataLoader::with_cache(loader, |f| tokio::spawn(crate::meter::carry(f)), HashMapCache::default())
}

impl Loaders {
    /// Fresh loaders for one request.
    pub fn new(state: &crate::state::AppState) -> Self {
        let db = &state.db;
        let by_id = || ById { db: db.clone() };
        Loaders {
            persons: cached(Persons(by_id())),
            unions: cached(Unions(by_id())),
            cooperatives: cached(Cooperatives(by_id())),
            groups: cached(Groups(by_id())),
            reports: cached(Reports { db: db.clone() }),
            members: cached(Members { db: db.clone() }),
            member_counts: cached(MemberCounts { db: db.clone() }),
            facts: cached(Facts { state: state.clone() }),
            targets: cached(Targets(by_id())),
            latest_reports: cached(LatestReports { db: db.clone() }),
            status_histories: cached(super::lifecycle_loaders::StatusHistories { db: db.clone() }),
            links: cached(super::lifecycle_loaders::Links { db: db.clone() }),
            register_pages: cached(super::lifecycle_loaders::RegisterPages { db: db.clone() }),
            register_counts: cached(super::lifecycle_loaders::RegisterCounts { db: db.clone() }),
        }
    }
}

/// The loaders a resolver reads through: the request's own set, or, over a
/// subscription, the set shared by every subscriber for the feed's current
/// event ([`EventLoaders`]).
pub enum LoadersRef<'c> {
    /// The request's own loaders (queries and mutations).
    Request(&'c Loaders),
    /// The loaders shared by the subscribers of one event.
    Shared(Arc<Loaders>),
}

impl std::ops::Deref for LoadersRef<'_> {
    type Target = Loaders;

    fn deref(&self) -> &Loaders {
        match self {
            LoadersRef::Request(l) => l,
            LoadersRef::Shared(l) => l,
        }
    }
}

/// The loaders of `ctx`: the request's, else the subscriptions' shared ones.
/// Neither is an internal error (coded, logged, generic for the client),
/// never a library message naming a Rust type.
pub fn of<'c>(ctx: &async_graphql::Context<'c>) -> async_graphql::Result<LoadersRef<'c>> {
    if let Some(l) = ctx.data_opt::<Loaders>() {
        return Ok(LoadersRef::Request(l));
    }
    if let Some(shared) = ctx.data_opt::<Arc<EventLoaders>>() {
        return Ok(LoadersRef::Shared(shared.current()));
    }
    Err(crate::graphql::error::internal(&"no DataLoaders in the request context"))
}

/// Longest a shared set of loaders serves before a fresh one replaces it,
/// when no newer event arrives (e.g. while a subscriber replays the log).
pub const EVENT_LOADERS_TTL: std::time::Duration = std::time::Duration::from_secs(1);

/// DataLoaders shared by every subscription of this process, renewed for
/// each new event of the change feed: all subscribers resolving one event
/// load its entity (and the persons, unions, reports… below it) once, in
/// one batch, whatever their number. A fresh set begins when a change newer
/// than the last one seen arrives (so nothing cached before a commit is
/// served for it) or after [`EVENT_LOADERS_TTL`].
pub struct EventLoaders {
    state: crate::state::AppState,
    current: std::sync::Mutex<EventEpoch>,
}

struct EventEpoch {
    sequence: i64,
    born: std::time::Instant,
    loaders: Arc<Loaders>,
}

impl EventLoaders {
    /// Shared loaders over `state`'s database.
    pub fn new(state: &crate::state::AppState) -> Self {
        let epoch = EventEpoch { sequence: 0, born: std::time::Instant::now(), loaders: Arc::new(Loaders::new(state)) };
        EventLoaders { state: state.clone(), current: std::sync::Mutex::new(epoch) }
    }

    /// Notes that a subscriber is about to resolve the change `sequence`:
    /// begins a fresh set when it is newer than any seen.
    pub fn advance(&self, sequence: i64) {
        if let Ok(mut e) = self.current.lock() {
            if sequence > e.sequence {
                *e = EventEpoch {
                    sequence,
                    born: std::time::Instant::now(),
                    loaders: Arc::new(Loaders::new(&self.state)),
                };
            }
        }
    }

    /// The set in force (a fresh one when the current is older than the TTL).
    pub fn current(&self) -> Arc<Loaders> {
        match self.current.lock() {
            Ok(mut e) => {
                if e.born.elapsed() > EVENT_LOADERS_TTL {
                    e.born = std::time::Instant::now();
                    e.loaders = Arc::new(Loaders::new(&self.state));
                }
                e.loaders.clone()
            }
            // A poisoned lock: serve uncached rather than fail.
            Err(_) => Arc::new(Loaders::new(&self.state)),
        }
    }
}
