//! Relay connections. `totalCount` is computed only when selected.

use crate::graphql::error::{internal, ApiResult};
use crate::service::registry;
use crate::state::AppState;
use crate::storage::organisations::{OrgFilter, OrgKind};
use async_graphql::{Context, Result, SimpleObject};
use entity::{cooperative, cooperative_group, cooperative_union};
use std::sync::Arc;

/// A page's edges as a GraphQL list, resolved as the library resolves a
/// list (all items at once, so that loads they make still batch) but joined
/// by polling the items in place: the library joins a list of more than 30
/// items through a `FuturesOrdered`, a task with its own waker per item,
/// which was a tenth of the CPU of a 50-item page whose items never wait.
pub struct Edges<'a, T>(pub &'a [T]);

impl<T: async_graphql::OutputType> async_graphql::OutputType for Edges<'_, T> {
    fn type_name() -> std::borrow::Cow<'static, str> {
        <Vec<T> as async_graphql::OutputType>::type_name()
    }

    fn qualified_type_name() -> String {
        <Vec<T> as async_graphql::OutputType>::qualified_type_name()
    }

    fn create_type_info(registry: &mut async_graphql::registry::Registry) -> String {
        <Vec<T> as async_graphql::OutputType>::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &async_graphql::ContextSelectionSet<'_>,
        field: &async_graphql::Positioned<async_graphql::parser::types::Field>,
    ) -> async_graphql::ServerResult<async_graphql::Value> {
        use std::future::Future;
        use std::task::Poll;
        let mut pending: Vec<Option<std::pin::Pin<Box<_>>>> = self
            .0
            .iter()
            .enumerate()
            .map(|(idx, item)| {
                let ctx_idx = ctx.with_index(idx);
                Some(Box::pin(async move {
                    async_graphql::OutputType::resolve(item, &ctx_idx, field)
                        .await
                        .map_err(|err| ctx_idx.set_error_path(err))
                }))
            })
            .collect();
        let mut values: Vec<Option<async_graphql::Value>> = vec![None; pending.len()];
        std::future::poll_fn(|cx| {
            let mut done = true;
            for (slot, value) in pending.iter_mut().zip(values.iter_mut()) {
                let Some(fut) = slot else { continue };
                match fut.as_mut().poll(cx) {
                    Poll::Ready(Ok(v)) => {
                        *value = Some(v);
                        *slot = None;
                    }
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => done = false,
                }
            }
            if done {
                Poll::Ready(Ok(()))
            } else {
                Poll::Pending
            }
        })
        .await?;
        Ok(async_graphql::Value::List(values.into_iter().flatten().collect()))
    }
}

/// Relay page information.
#[derive(SimpleObject, Clone)]
pub struct PageInfo {
    /// More items follow the last edge (when paging backward: the page
    /// ended before a cursor).
    pub has_next_page: bool,
    /// Items precede the first edge (when paging forward: the page started
    /// after a cursor).
    pub has_previous_page: bool,
    /// Cursor of the first edge.
    pub start_cursor: Option<String>,
    /// Cursor of the last edge.
    pub end_cursor: Option<String>,
}

impl PageInfo {
    /// The page information of a page with these cursors, in order.
    pub fn of<'a>(cursors: impl IntoIterator<Item = &'a String>, has_next_page: bool, has_previous_page: bool) -> Self {
        let cursors: Vec<&String> = cursors.into_iter().collect();
        PageInfo {
            has_next_page,
            has_previous_page,
            start_cursor: cursors.first().map(|c| (*c).clone()),
            end_cursor: cursors.last().map(|c| (*c).clone()),
        }
    }
}

/// How a connection counts its total.
#[derive(Clone)]
pub enum Total {
    /// Rows of a filtered listing (`None`: the filter matches nothing).
    Filtered(OrgKind, Option<Arc<OrgFilter>>),
    /// Member cooperatives of a union.
    UnionMembers(i64),
}

impl Total {
    /// The total, counted now.
    pub async fn count(&self, ctx: &Context<'_>) -> Result<i32> {
        let n = match self {
            Total::Filtered(kind, filter) => {
                let db = &ctx.data::<AppState>()?.db;
                let f = filter.as_deref();
                match kind {
                    OrgKind::Cooperative => registry::count::<cooperative::Entity>(db, *kind, f).await,
                    OrgKind::Union => registry::count::<cooperative_union::Entity>(db, *kind, f).await,
                    OrgKind::Group => registry::count::<cooperative_group::Entity>(db, *kind, f).await,
                }
                .api()? as i64
            }
            Total::UnionMembers(id) => crate::graphql::loaders::of(ctx)?
                .member_counts
                .load_one(*id)
                .await
                .map_err(|e| internal(&e))?
                .unwrap_or(0),
        };
        Ok(i32::try_from(n).unwrap_or(i32::MAX))
    }
}

/// Defines a Relay connection type, its edge type and its constructor from
/// a [`crate::service::page::Page`] (invoked where the node types are defined).
macro_rules! connection {
    ($(#[$doc:meta])* $conn:ident, $edge:ident, $node:ident, $model:ty) => {
        /// An edge: a node and its cursor.
        #[derive(async_graphql::SimpleObject, Clone)]
        pub struct $edge {
            /// Opaque cursor; pass it as `after` to continue after this node, or
            /// as `before` to page backward from it.
            pub cursor: String,
            /// The node.
            pub node: $node,
        }

        $(#[$doc])*
        pub struct $conn {
            edges: Vec<$edge>,
            page_info: $crate::graphql::types::connection::PageInfo,
            total: $crate::graphql::types::connection::Total,
        }

        impl $conn {
            /// Builds the connection from a page of rows.
            pub fn new<M: Into<std::sync::Arc<$model>>>(
                page: $crate::service::page::Page<M>,
                total: $crate::graphql::types::connection::Total,
            ) -> Self {
                let edges: Vec<$edge> = page
                    .items
                    .into_iter()
                    .map(|(cursor, m)| $edge { cursor, node: $node(m.into()) })
                    .collect();
                let page_info = $crate::graphql::types::connection::PageInfo::of(edges.iter().map(|e| &e.cursor), page.has_next_page, page.has_previous_page);
                $conn { edges, page_info, total }
            }
        }

        $(#[$doc])*
        #[async_graphql::Object]
        impl $conn {
            /// The page's edges.
            async fn edges(&self) -> $crate::graphql::types::connection::Edges<'_, $edge> {
                $crate::graphql::types::connection::Edges(&self.edges)
            }

            /// Where the page lies.
            async fn page_info(&self) -> &$crate::graphql::types::connection::PageInfo {
                &self.page_info
            }

            /// How many nodes match in all pages.
            async fn total_count(&self, ctx: &async_graphql::Context<'_>) -> async_graphql::Result<i32> {
                self.total.count(ctx).await
            }
        }
    };
}

pub(crate) use connection;
