//! The live tail of the change log: committed changes fanned out to this
//! process's subscribers. A tailer task reads the log after the last
//! sequence it has seen, so changes committed by other replicas reach this
//! replica's subscribers too. Local commits wake it at once; on PostgreSQL
//! so do other replicas' commits, through `LISTEN`/`NOTIFY` on
//! [`CHANNEL`] (the notification is sent in the committing transaction, see
//! `journal::insert_changes`). Polling stays as the fallback: every
//! [`POLL_INTERVAL`] without a listener (SQLite, or while the listening
//! connection is down), every [`LISTENING_POLL_INTERVAL`] with one.

use super::journal;
use super::StorageError;
use entity::change_event;
use sea_orm::DatabaseConnection;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, Notify};
use tokio_util::sync::CancellationToken;

/// How often the tailer looks for changes committed elsewhere when nothing
/// tells it of them.
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// How often the tailer looks anyway while `LISTEN` tells it of commits (a
/// notification lost while the listening connection reconnects is found then).
pub const LISTENING_POLL_INTERVAL: Duration = Duration::from_secs(5);

/// The PostgreSQL notification channel of committed changes.
pub const CHANNEL: &str = "coopgate_changes";

/// Fans committed changes out to this process's subscribers.
#[derive(Clone)]
pub struct FeedHub {
    sender: broadcast::Sender<Arc<change_event::Model>>,
    wake: Arc<Notify>,
    /// The lowest sequence a new subscriber starts after.
    floor: Arc<std::sync::Mutex<Option<i64>>>,
    /// Whether a `LISTEN` connection is up.
    listening: Arc<AtomicBool>,
}

impl Default for FeedHub {
    fn default() -> Self {
        FeedHub {
            sender: broadcast::channel(1024).0,
            wake: Arc::new(Notify::new()),
            floor: Default::default(),
            listening: Default::default(),
        }
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

    /// Subscribers of this process now.
    pub fn subscribers(&self) -> usize {
        self.sender.receiver_count()
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
            let poll = if self.listening.load(Ordering::Relaxed) { LISTENING_POLL_INTERVAL } else { POLL_INTERVAL };
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = self.wake.notified() => {},
                _ = tokio::time::sleep(poll) => {},
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

impl FeedHub {
    /// Whether a `LISTEN` connection is up now.
    pub fn is_listening(&self) -> bool {
        self.listening.load(Ordering::Relaxed)
    }

    /// Listens on [`CHANNEL`] over its own connection to the PostgreSQL
    /// database at `url` until `shutdown`, waking the tailer on every
    /// notification. A lost connection is opened again (the tailer polls
    /// meanwhile); nothing is read here but the wake-up.
    pub async fn listen(self, url: String, shutdown: CancellationToken) {
        use sea_orm::sqlx::postgres::PgListener;
        let mut backoff = Duration::from_millis(200);
        loop {
            let connected = tokio::select! {
                _ = shutdown.cancelled() => return,
                l = PgListener::connect(&url) => l,
            };
            let mut listener = match connected {
                Ok(l) => l,
                Err(e) => {
                    tracing::warn!(error = %e, "change feed: cannot open the LISTEN connection; polling meanwhile");
                    tokio::select! {
                        _ = shutdown.cancelled() => return,
                        _ = tokio::time::sleep(backoff) => {},
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(10));
                    continue;
                }
            };
            if let Err(e) = listener.listen(CHANNEL).await {
                tracing::warn!(error = %e, "change feed: LISTEN failed; polling meanwhile");
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tokio::time::sleep(backoff) => {},
                }
                backoff = (backoff * 2).min(Duration::from_secs(10));
                continue;
            }
            backoff = Duration::from_millis(200);
            self.listening.store(true, Ordering::Relaxed);
            // Anything committed before LISTEN took effect is read now.
            self.wake.notify_one();
            loop {
                let next = tokio::select! {
                    _ = shutdown.cancelled() => {
                        self.listening.store(false, Ordering::Relaxed);
                        return;
                    }
                    n = listener.try_recv() => n,
                };
                match next {
                    Ok(Some(_)) => self.wake.notify_one(),
                    // The connection was lost and is being re-established:
                    // what was sent meanwhile is lost, so read now.
                    Ok(None) => self.wake.notify_one(),
                    Err(e) => {
                        tracing::warn!(error = %e, "change feed: the LISTEN connection failed; polling meanwhile");
                        self.listening.store(false, Ordering::Relaxed);
                        break;
                    }
                }
            }
        }
    }
}
