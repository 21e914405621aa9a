//! The live tail of the change log: committed changes fanned out to this
//! process's subscribers. A tailer task reads the log after the last
//! sequence it has seen, so changes committed by other replicas reach this
//! replica's subscribers too; local commits wake it at once.

use super::journal;
use super::StorageError;
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
    ) -> Result<(broadcast::Receiver<Arc<change_event::Model>>, i64), StorageError> {
        let rx = self.sender.subscribe();
        let start = journal::latest_sequence(db).await?;
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
            match journal::changes_after(&db, from, 500, None).await {
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
