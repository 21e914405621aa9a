//! The subscription root: committed changes as they happen, over
//! graphql-transport-ws on `/graphql`.

use super::types::feed::Change;
use crate::state::AppState;
use async_graphql::{Context, Result, Subscription};
use futures_util::{Stream, StreamExt};

/// Live changes.
#[derive(Default)]
pub struct SubscriptionRoot;

/// Live changes of the registry over graphql-transport-ws.
#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// Every change committed from now on (by any replica), optionally of one
    /// province; the same events as `changes`. With `after` (a `changes`
    /// cursor or a `Change.sequence`), the changes after it are replayed
    /// first, then live ones follow: each exactly once, in order.
    async fn registry_changed(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Only changes of records located in this 2025 province (mã tỉnh); every province when omitted."
        )]
        province_code: Option<String>,
        #[graphql(
            desc = "Resume after this point: a `changes` cursor or a `Change.sequence`. The changes after it are replayed, then live ones follow, with no gap and no duplicate; from now on when omitted."
        )]
        after: Option<String>,
    ) -> Result<impl Stream<Item = Change>> {
        let state = ctx.data::<AppState>()?;
        let stream = crate::service::feed::follow(&state.feed, &state.db, after.as_deref(), province_code)
            .await
            .map_err(super::error::from_service)?;
        // Each event starts (at most) one fresh set of shared loaders, so
        // that every subscriber of it reads its entity from one load.
        let shared = ctx.data_opt::<std::sync::Arc<super::loaders::EventLoaders>>().cloned();
        Ok(stream.map(move |m| {
            if let Some(s) = &shared {
                s.advance(m.sequence);
            }
            Change(m)
        }))
    }
}
