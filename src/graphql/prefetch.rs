//! Planned batching. When a resolver has a whole page of rows, it looks at
//! what the query selects under the nodes, loads every edge kind for all rows
//! with one statement (calling the loader's batch function directly, not
//! through the DataLoader's timer) and feeds the results into the request's
//! DataLoader caches. The edge resolvers then find their rows in the cache,
//! so a page issues one statement per selected edge kind and level, however
//! large it is. Edges deeper than what is planned here still batch through
//! the DataLoaders.

use super::error::internal;
use super::loaders::{Cached, MemberPage};
use crate::service::page::PageRequest;
use crate::storage::organisations::{OrderField, Ordering, OrgKind};
use async_graphql::dataloader::Loader;
use async_graphql::{Context, Lookahead, Result, Value};
use entity::{cooperative, cooperative_group, cooperative_union};
use futures_util::future::BoxFuture;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

fn loaders<'c>(ctx: &Context<'c>) -> Result<crate::graphql::loaders::LoadersRef<'c>> {
    crate::graphql::loaders::of(ctx)
}

/// Whether any selection of `field` under `node` passes the argument `arg`.
fn has_argument(node: &Lookahead<'_>, field: &str, arg: &str) -> bool {
    node.field(field).selection_fields().iter().any(|f| {
        f.arguments().map(|args| args.iter().any(|(n, v)| n.as_str() == arg && *v != Value::Null)).unwrap_or(false)
    })
}

/// Whether a selection on an organisation reads its annual reports.
pub fn needs_reports(node: &Lookahead<'_>) -> bool {
    node.field("annualReports").exists() || has_argument(node, "rating", "year")
}

/// Loads `keys` with one call of the loader's batch function and feeds the
/// cache; returns what was found.
async fn fill<K, T>(loader: &Cached<T>, keys: Vec<K>) -> Result<HashMap<K, T::Value>>
where
    K: Send + Sync + Hash + Eq + Clone + Ord + 'static,
    T: Loader<K>,
    T::Error: std::fmt::Display,
{
    let mut keys = keys;
    keys.sort();
    keys.dedup();
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let found = loader.loader().load(&keys).await.map_err(|e| internal(&e))?;
    loader.feed_many(found.clone()).await;
    Ok(found)
}

async fn persons(ctx: &Context<'_>, ids: impl Iterator<Item = Option<i64>>) -> Result<()> {
    fill(&loaders(ctx)?.persons, ids.flatten().collect()).await.map(drop)
}

async fn reports(ctx: &Context<'_>, kind: OrgKind, ids: impl Iterator<Item = i64>) -> Result<()> {
    fill(&loaders(ctx)?.reports, ids.map(|id| (kind, id)).collect()).await.map(drop)
}

/// Warms the loaders for a page of cooperatives; `node` is the selection on each.
pub fn cooperatives<'a>(
    ctx: &'a Context<'a>,
    node: Lookahead<'a>,
    rows: Vec<Arc<cooperative::Model>>,
) -> BoxFuture<'a, Result<()>> {
    Box::pin(async move {
        if rows.is_empty() || !node.exists() {
            return Ok(());
        }
        let directors = node.field("director").exists();
        let representatives = node.field("legalRepresentative").exists();
        if directors || representatives {
            let ids = rows.iter().flat_map(|r| {
                [
                    directors.then_some(r.director_id).flatten(),
                    representatives.then_some(r.legal_representative_id).flatten(),
                ]
            });
            persons(ctx, ids).await?;
        }
        if needs_reports(&node) {
            reports(ctx, OrgKind::Cooperative, rows.iter().map(|r| r.id)).await?;
        }
        let union_node = node.field("union");
        if union_node.exists() {
            let ids: Vec<i64> = rows.iter().filter_map(|r| r.union_id).collect();
            let found = fill(&loaders(ctx)?.unions, ids).await?;
            unions(ctx, union_node, found.into_values().collect()).await?;
        }
        Ok(())
    })
}

/// Warms the loaders for a page of targets whose progress is asked: the
/// counted facts of their jurisdictions and the latest figures of the
/// reported ones, each with one direct call (no DataLoader timer, no task
/// per target: a page's progress was a fifth of its CPU in those).
pub async fn targets(ctx: &Context<'_>, node: Lookahead<'_>, rows: &[entity::target::Model]) -> Result<()> {
    if rows.is_empty() || !node.field("progress").exists() {
        return Ok(());
    }
    let l = loaders(ctx)?;
    let (reported, computed): (Vec<&entity::target::Model>, Vec<&entity::target::Model>) =
        rows.iter().partition(|t| crate::service::targets::is_reported_target(t));
    fill(&l.facts, computed.iter().map(|t| t.jurisdiction_id).collect()).await?;
    fill(&l.latest_reports, reported.iter().map(|t| t.id).collect()).await?;
    Ok(())
}

/// Feeds the loaders with an organisation's annual reports read together
/// with it.
pub async fn reports_read_with(
    ctx: &Context<'_>,
    kind: OrgKind,
    id: i64,
    reports: Vec<entity::annual_report::Model>,
) -> Result<()> {
    loaders(ctx)?.reports.feed_one((kind, id), Arc::new(reports)).await;
    Ok(())
}

/// Feeds the loaders with a union read together with its cooperative (and
/// its member count, when it was counted).
pub async fn union_read_with(ctx: &Context<'_>, union: cooperative_union::Model, members: Option<i64>) -> Result<()> {
    let l = loaders(ctx)?;
    if let Some(n) = members {
        l.member_counts.feed_one(union.id, n).await;
    }
    l.unions.feed_one(union.id, Arc::new(union)).await;
    Ok(())
}

/// Warms the loaders for a page of unions.
pub fn unions<'a>(
    ctx: &'a Context<'a>,
    node: Lookahead<'a>,
    rows: Vec<Arc<cooperative_union::Model>>,
) -> BoxFuture<'a, Result<()>> {
    Box::pin(async move {
        if rows.is_empty() || !node.exists() {
            return Ok(());
        }
        if node.field("legalRepresentative").exists() {
            persons(ctx, rows.iter().map(|r| r.legal_representative_id)).await?;
        }
        if needs_reports(&node) {
            reports(ctx, OrgKind::Union, rows.iter().map(|r| r.id)).await?;
        }
        let by_id = Ordering { field: OrderField::Id, descending: false };
        for members in node.field("memberCooperatives").selection_fields() {
            let connection = Lookahead::from(members);
            if connection.field("totalCount").exists() {
                fill(&loaders(ctx)?.member_counts, rows.iter().map(|r| r.id).collect()).await?;
            }
            let Ok(args) = members.arguments() else { continue };
            let arg = |name: &str| args.iter().find(|(n, _)| n.as_str() == name).map(|(_, v)| v.clone());
            let first = match arg("first") {
                Some(Value::Number(n)) => n.as_i64().and_then(|n| i32::try_from(n).ok()),
                _ => None,
            };
            let last = match arg("last") {
                Some(Value::Number(n)) => n.as_i64().and_then(|n| i32::try_from(n).ok()),
                _ => None,
            };
            let text = |name: &str| match arg(name) {
                Some(Value::String(s)) => Some(s),
                _ => None,
            };
            let (after, before) = (text("after"), text("before"));
            // Invalid arguments are left for the resolver to report.
            let Ok(req) = PageRequest::window(first, after.as_deref(), last, before.as_deref(), by_id) else {
                continue;
            };
            if req.first == 0 || !(connection.field("edges").exists() || connection.field("pageInfo").exists()) {
                continue;
            }
            let keys: Vec<MemberPage> = rows.iter().map(|r| MemberPage::of(r.id, &req)).collect();
            let pages = fill(&loaders(ctx)?.members, keys).await?;
            let member_rows: Vec<Arc<cooperative::Model>> =
                pages.into_values().flat_map(|p| p.iter().cloned().collect::<Vec<_>>()).collect();
            cooperatives(ctx, connection.field("edges").field("node"), member_rows).await?;
        }
        Ok(())
    })
}

/// Warms the loaders for a page of groups.
pub async fn groups(ctx: &Context<'_>, node: Lookahead<'_>, rows: &[Arc<cooperative_group::Model>]) -> Result<()> {
    if rows.is_empty() || !node.exists() {
        return Ok(());
    }
    if node.field("representative").exists() {
        persons(ctx, rows.iter().map(|r| r.representative_id)).await?;
    }
    if needs_reports(&node) {
        reports(ctx, OrgKind::Group, rows.iter().map(|r| r.id)).await?;
    }
    Ok(())
}
