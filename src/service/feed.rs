//! The change feed: paging through the ordered change log, and fanning
//! committed changes out to subscribers. A tailer task reads the log after
//! the last sequence it has seen, so changes committed by other replicas
//! reach this replica's subscribers too; local commits wake it at once.

use super::ServiceError;
use crate::storage::journal;
use entity::change_event;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, Notify};
use tokio_util::sync::CancellationToken;

/// How often the tailer looks for changes committed elsewhere.
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// Fans committed changes out to this process's subscribers.
#[derive(Clone)]
pub struct FeedHub {
    sender: broadcast::Sender<Arc<change_event::Model>>,
    wake: Arc<Notify>,
    /// The lowest sequence a new subscriber starts after.
    floor: Arc<std::sync::Mutex<Option<i64>>>,
}

impl Default for FeedHub {
    fn default() -> Self {
        FeedHub { sender: broadcast::channel(1024).0, wake: Arc::new(Notify::new()), floor: Default::default() }
    }
}

impl FeedHub {
    /// Subscribes to every change committed after the log's current end:
    /// the receiver exists before the end is read, so nothing committed in
    /// between is missed. Returns the receiver and the sequence it starts after.
    pub async fn subscribe(
        &self,
        db: &DatabaseConnection,
    ) -> Result<(broadcast::Receiver<Arc<change_event::Model>>, i64), ServiceError> {
        let rx = self.sender.subscribe();
        let start = latest_sequence(db).await?;
        if let Ok(mut f) = self.floor.lock() {
            *f = Some(f.map_or(start, |x| x.min(start)));
        }
        self.wake.notify_one();
        Ok((rx, start))
    }

    /// Tells the tailer that a change was just committed here.
    pub fn committed(&self) {
        self.wake.notify_one();
    }

    /// Runs the tailer until `shutdown`: while anyone is subscribed,
    /// publishes every change committed after the first subscription, in
    /// order. With no subscriber it reads nothing.
    pub async fn run_tailer(self, db: DatabaseConnection, shutdown: CancellationToken) {
        let mut last: Option<i64> = None;
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = self.wake.notified() => {},
                _ = tokio::time::sleep(POLL_INTERVAL) => {},
            }
            if self.sender.receiver_count() == 0 {
                last = None;
                continue;
            }
            let floor = self.floor.lock().ok().and_then(|mut f| f.take());
            let from = match (last, floor) {
                (Some(l), _) => l,
                (None, Some(f)) => f,
                (None, None) => continue,
            };
            last = Some(from);
            match after(&db, from, 500, None).await {
                Ok(rows) => {
                    for r in rows {
                        last = Some(r.sequence);
                        let _ = self.sender.send(Arc::new(r));
                    }
                }
                Err(e) => tracing::warn!(error = %e, "change feed tailer: read failed; retrying"),
            }
        }
    }
}

/// A page of the feed after a cursor, for `changes`.
pub async fn page(
    db: &DatabaseConnection,
    after_cursor: Option<&str>,
    first: Option<i32>,
    province: Option<&str>,
) -> Result<(Vec<change_event::Model>, bool), ServiceError> {
    let first = super::page::page_size(first)?;
    let after_seq = match after_cursor {
        Some(c) => super::page::decode_sequence("after", CURSOR_PREFIX, c)?,
        None => 0,
    };
    if let Some(p) = province {
        crate::domain::ProvinceCode::parse(p).map_err(|e| ServiceError::invalid("provinceCode", e))?;
    }
    let mut rows = after(db, after_seq, first + 1, province).await?;
    let more = rows.len() as u64 > first;
    rows.truncate(first as usize);
    Ok((rows, more))
}

/// The prefix of change-feed cursors.
pub const CURSOR_PREFIX: &str = "change";

/// The highest sequence in the log (0 when empty).
pub async fn latest_sequence(db: &DatabaseConnection) -> Result<i64, ServiceError> {
    Ok(journal::latest_sequence(db).await?)
}

/// Up to `limit` changes after `sequence`, in order, optionally of one province.
pub async fn after(
    db: &DatabaseConnection,
    sequence: i64,
    limit: u64,
    province: Option<&str>,
) -> Result<Vec<change_event::Model>, ServiceError> {
    Ok(journal::changes_after(db, sequence, limit, province).await?)
}
