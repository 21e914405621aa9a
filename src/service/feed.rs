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

/// Changes read from the log per query while a follower catches up.
const CATCH_UP_PAGE: u64 = 500;

/// What a follower of the feed holds between two changes.
struct Follower {
    db: DatabaseConnection,
    rx: broadcast::Receiver<Arc<change_event::Model>>,
    /// The last sequence handed out (or skipped as another province's).
    last: i64,
    province: Option<String>,
    /// Still reading the log rather than the live broadcast.
    catching_up: bool,
    buffer: std::collections::VecDeque<Arc<change_event::Model>>,
}

/// Every change after the cursor `after` (a `changes` cursor or a bare
/// sequence; none: from now on), optionally of one province: first those
/// already in the log, then live ones as they commit. Each change comes
/// once, in feed order, with no gap between the replay and the live part:
/// the broadcast is subscribed to before the log is read, and anything at
/// or below the last sequence handed out is dropped. A follower that falls
/// behind the broadcast reads the log again from where it was.
pub async fn follow(
    hub: &FeedHub,
    db: &DatabaseConnection,
    after_cursor: Option<&str>,
    province: Option<String>,
) -> Result<impl futures_util::Stream<Item = Arc<change_event::Model>> + Send + 'static, ServiceError> {
    let after_seq = after_cursor.map(|c| super::page::decode_sequence("after", CURSOR_PREFIX, c)).transpose()?;
    if let Some(p) = &province {
        crate::domain::ProvinceCode::parse(p).map_err(|e| ServiceError::invalid("provinceCode", e))?;
    }
    let (rx, start) = hub.subscribe(db).await?;
    let follower = Follower {
        db: db.clone(),
        rx,
        last: after_seq.unwrap_or(start),
        province,
        catching_up: after_seq.is_some(),
        buffer: Default::default(),
    };
    Ok(futures_util::stream::unfold(follower, |mut f| async move {
        loop {
            if let Some(c) = f.buffer.pop_front() {
                return Some((c, f));
            }
            if f.catching_up {
                match after(&f.db, f.last, CATCH_UP_PAGE, f.province.as_deref()).await {
                    Ok(rows) => {
                        f.catching_up = rows.len() as u64 == CATCH_UP_PAGE;
                        for r in rows {
                            f.last = r.sequence;
                            f.buffer.push_back(Arc::new(r));
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "change feed follower: read failed; retrying");
                        tokio::time::sleep(POLL_INTERVAL).await;
                    }
                }
                continue;
            }
            match f.rx.recv().await {
                Ok(c) if c.sequence <= f.last => {}
                Ok(c) => {
                    f.last = c.sequence;
                    if f.province.as_deref().is_none_or(|p| p == c.province_code) {
                        return Some((c, f));
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => f.catching_up = true,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }))
}

/// Where a page of the feed lies: its changes, in feed order, and whether
/// changes precede and follow it (as far as the request's cursors tell).
#[derive(Debug)]
pub struct FeedPage {
    /// The changes, oldest first.
    pub rows: Vec<change_event::Model>,
    /// Changes precede the first.
    pub has_previous_page: bool,
    /// Changes follow the last (false at the current end of the feed).
    pub has_next_page: bool,
}

/// A page of the feed for `changes`: the `first` changes after `after`, or
/// the `last` changes before `before` (both bounds may be given).
pub async fn page(
    db: &DatabaseConnection,
    after_cursor: Option<&str>,
    first: Option<i32>,
    before_cursor: Option<&str>,
    last: Option<i32>,
    province: Option<&str>,
) -> Result<FeedPage, ServiceError> {
    let (size, from_end) = super::page::window_size(first, last)?;
    let after_seq = match after_cursor {
        Some(c) => super::page::decode_sequence("after", CURSOR_PREFIX, c)?,
        None => 0,
    };
    let before_seq = before_cursor.map(|c| super::page::decode_sequence("before", CURSOR_PREFIX, c)).transpose()?;
    if let Some(p) = province {
        crate::domain::ProvinceCode::parse(p).map_err(|e| ServiceError::invalid("provinceCode", e))?;
    }
    let mut rows = journal::changes_between(db, after_seq, before_seq, province, size + 1, from_end).await?;
    let more = rows.len() as u64 > size;
    rows.truncate(size as usize);
    Ok(if from_end {
        rows.reverse();
        FeedPage { rows, has_previous_page: more, has_next_page: before_seq.is_some() }
    } else {
        FeedPage { rows, has_previous_page: after_cursor.is_some(), has_next_page: more }
    })
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
