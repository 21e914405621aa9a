//! What an operator's scrape reads from the database and the process: the
//! outbox by operation and state, the pool, the open subscriptions and the
//! national feed's position, recorded as gauges just before `/metrics`
//! renders (so every replica reports the shared queue as it is now).

use crate::meter;
use crate::national::Operation;
use crate::state::AppState;
use crate::storage::outbox::{self, RowState};

/// The states an outbox row can be in, with their stored names.
const STATES: [RowState; 5] =
    [RowState::Pending, RowState::InFlight, RowState::Delivered, RowState::Failed, RowState::Rejected];

/// Refreshes the gauges read from the database and the process. A failed
/// read leaves the previous values (and is logged): a scrape never fails
/// because the database is slow.
pub async fn refresh_gauges(state: &AppState) {
    let pool = crate::storage::pool_figures(&state.db);
    meter::pool(pool.size.saturating_sub(pool.idle), pool.idle, pool.max);
    meter::db_statements(state.statements.get());
    meter::subscriptions(state.feed.subscribers(), state.feed.is_listening());
    meter::refresh_feed_lag();
    match outbox::figures(&state.db).await {
        Ok(figures) => {
            let now = chrono::Utc::now();
            for op in Operation::ALL {
                for st in STATES {
                    let f = figures.iter().find(|f| f.operation == op.as_str() && f.state == st.as_str());
                    let rows = f.map_or(0, |f| f.rows);
                    let waiting = st != RowState::Delivered;
                    let age = f
                        .and_then(|f| f.oldest)
                        .filter(|_| waiting)
                        .map(|t| (now - t).num_milliseconds() as f64 / 1000.0)
                        .or(waiting.then_some(0.0));
                    meter::outbox(op.as_str(), st.as_str(), rows, age);
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "metrics: cannot read the outbox figures"),
    }
}
