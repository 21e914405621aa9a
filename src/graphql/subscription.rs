//! The subscription root: committed changes as they happen, over
//! graphql-transport-ws on `/graphql`.

use super::error::bad_user_input;
use super::types::feed::Change;
use crate::domain::ProvinceCode;
use crate::state::AppState;
use async_graphql::{Context, Result, Subscription};
use futures_util::{Stream, StreamExt};
use tokio_stream::wrappers::BroadcastStream;

/// Live changes.
#[derive(Default)]
pub struct SubscriptionRoot;

/// Live changes of the registry over graphql-transport-ws.
#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// Every change committed from now on (by any replica), optionally of one
    /// province; the same events as `changes`.
    async fn registry_changed(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Only changes of records located in this 2025 province (mã tỉnh); every province when omitted."
        )]
        province_code: Option<String>,
    ) -> Result<impl Stream<Item = Change>> {
        if let Some(p) = &province_code {
            ProvinceCode::parse(p).map_err(|e| bad_user_input("provinceCode", e))?;
        }
        let state = ctx.data::<AppState>()?;
        let (rx, start) = state.feed.subscribe(&state.db).await.map_err(super::error::from_service)?;
        Ok(BroadcastStream::new(rx).filter_map(move |r| {
            let keep =
                r.ok().filter(|c| c.sequence > start && province_code.as_deref().is_none_or(|p| p == c.province_code));
            async move { keep.map(Change) }
        }))
    }
}
