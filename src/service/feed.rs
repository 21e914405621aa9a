//! The change feed: paging through the ordered change log, and fanning
//! committed changes out to subscribers. A tailer task reads the log after
//! the last sequence it has seen, so changes committed by other replicas
//! reach this replica's subscribers too; local commits wake it at once.

use super::ServiceError;
use crate::storage::journal;
use entity::change_event;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use tokio::sync::broadcast;

pub use crate::storage::tail::POLL_INTERVAL;

pub use crate::storage::tail::FeedHub;

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
