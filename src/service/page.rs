//! Relay cursor pagination over keyset positions. A cursor is opaque to
//! clients: base64url of "ordering|key|id". It names its ordering, so a cursor
//! from another ordering is refused rather than silently misread.

use super::ServiceError;
use crate::domain::Msg;
use crate::storage::organisations::{OrderField, Ordering, Position, SortKey};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, NaiveDate, Utc};

/// `first` when the client gives none.
pub const DEFAULT_PAGE_SIZE: u64 = 20;
/// The largest `first` a client may ask for.
pub const MAX_PAGE_SIZE: u64 = 100;

/// A validated page request: `first` rows after `after`, or (with
/// `from_end`) the last `first` rows before `before`; both bounds may be given.
#[derive(Debug, Clone)]
pub struct PageRequest {
    /// How many rows (`first`, or `last` when `from_end`).
    pub first: u64,
    /// Only rows after this position.
    pub after: Option<Position>,
    /// In this ordering.
    pub ordering: Ordering,
    /// Only rows before this position.
    pub before: Option<Position>,
    /// The page is the last rows of the window (`last` was given), not the first.
    pub from_end: bool,
}

/// Validates a page size argument (`first` or `last`): 0 to 100.
fn size(argument: &str, n: i32) -> Result<u64, ServiceError> {
    if n < 0 {
        return Err(ServiceError::invalid(argument, Msg::NotNegative));
    }
    if n as u64 > MAX_PAGE_SIZE {
        return Err(ServiceError::invalid(argument, Msg::PageAtMost { max: MAX_PAGE_SIZE, got: n.into() }));
    }
    Ok(n as u64)
}

/// The page size and direction of `first`/`last`: `last` pages backward;
/// both together are refused; neither is `first` = 20.
pub fn window_size(first: Option<i32>, last: Option<i32>) -> Result<(u64, bool), ServiceError> {
    match (first, last) {
        (Some(_), Some(_)) => Err(ServiceError::invalid("last", Msg::FirstAndLast)),
        (_, Some(l)) => Ok((size("last", l)?, true)),
        (Some(f), None) => Ok((size("first", f)?, false)),
        (None, None) => Ok((DEFAULT_PAGE_SIZE, false)),
    }
}

fn tag(o: Ordering) -> String {
    let f = match o.field {
        OrderField::Id => "i",
        OrderField::Name => "n",
        OrderField::RegisteredOn => "r",
        OrderField::UpdatedAt => "u",
        OrderField::Members => "m",
    };
    format!("{f}{}", if o.descending { "d" } else { "a" })
}

/// Encodes a position as an opaque cursor.
pub fn encode_cursor(ordering: Ordering, p: &Position) -> String {
    let key = match &p.key {
        SortKey::Int(i) => i.to_string(),
        SortKey::Text(s) => s.clone(),
        SortKey::Date(d) => d.to_string(),
        SortKey::Time(t) => t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
    };
    URL_SAFE_NO_PAD.encode(format!("{}|{}|{}", tag(ordering), key, p.id))
}

/// Decodes a cursor made by [`encode_cursor`] for the same ordering.
pub fn decode_cursor(argument: &str, ordering: Ordering, cursor: &str) -> Result<Position, ServiceError> {
    let malformed = || ServiceError::invalid(argument, Msg::MalformedCursor);
    let bytes = URL_SAFE_NO_PAD.decode(cursor.trim()).map_err(|_| malformed())?;
    let text = String::from_utf8(bytes).map_err(|_| malformed())?;
    let (t, rest) = text.split_once('|').ok_or_else(malformed)?;
    let (key, id) = rest.rsplit_once('|').ok_or_else(malformed)?;
    if t != tag(ordering) {
        return Err(ServiceError::invalid(argument, Msg::CursorOtherOrdering));
    }
    let id: i64 = id.parse().map_err(|_| malformed())?;
    let key = match ordering.field {
        OrderField::Id | OrderField::Members => SortKey::Int(key.parse().map_err(|_| malformed())?),
        OrderField::Name => SortKey::Text(key.to_owned()),
        OrderField::RegisteredOn => SortKey::Date(key.parse::<NaiveDate>().map_err(|_| malformed())?),
        OrderField::UpdatedAt => {
            SortKey::Time(DateTime::parse_from_rfc3339(key).map_err(|_| malformed())?.with_timezone(&Utc))
        }
    };
    Ok(Position { key, id })
}

/// A cursor over a plain increasing sequence (change feed, audit trail):
/// base64url of "prefix:N".
pub fn encode_sequence(prefix: &str, n: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{prefix}:{n}"))
}

/// Decodes [`encode_sequence`]; a bare non-negative number is accepted too
/// (a `Change.sequence` a mirror saved).
pub fn decode_sequence(argument: &str, prefix: &str, cursor: &str) -> Result<i64, ServiceError> {
    let malformed = || ServiceError::invalid(argument, Msg::MalformedCursor);
    let t = cursor.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse().map_err(|_| malformed());
    }
    let text = URL_SAFE_NO_PAD.decode(t).ok().and_then(|b| String::from_utf8(b).ok()).ok_or_else(malformed)?;
    let n = text.strip_prefix(prefix).and_then(|r| r.strip_prefix(':')).ok_or_else(malformed)?;
    n.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(malformed)
}

/// Validates `first` alone (default 20, 0 to 100).
pub fn page_size(first: Option<i32>) -> Result<u64, ServiceError> {
    let by_id = Ordering { field: OrderField::Id, descending: false };
    PageRequest::new(first, None, by_id).map(|r| r.first)
}

impl PageRequest {
    /// Validates `first` (default 20, 0 to 100) and decodes `after`.
    pub fn new(first: Option<i32>, after: Option<&str>, ordering: Ordering) -> Result<Self, ServiceError> {
        Self::window(first, after, None, None, ordering)
    }

    /// Validates `first` or `last` (not both; 0 to 100, default `first` =
    /// 20) and decodes `after` and `before`.
    pub fn window(
        first: Option<i32>,
        after: Option<&str>,
        last: Option<i32>,
        before: Option<&str>,
        ordering: Ordering,
    ) -> Result<Self, ServiceError> {
        let (first, from_end) = window_size(first, last)?;
        let after = after.map(|c| decode_cursor("after", ordering, c)).transpose()?;
        let before = before.map(|c| decode_cursor("before", ordering, c)).transpose()?;
        Ok(PageRequest { first, after, ordering, before, from_end })
    }
}

/// One page of rows with their cursors.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// Rows and their cursors, in order.
    pub items: Vec<(String, T)>,
    /// More rows follow.
    pub has_next_page: bool,
    /// The page started after a cursor.
    pub has_previous_page: bool,
}

impl<T> Page<T> {
    /// The same page with every row mapped.
    pub fn map<U>(self, f: impl Fn(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(|(c, t)| (c, f(t))).collect(),
            has_next_page: self.has_next_page,
            has_previous_page: self.has_previous_page,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BY_NAME: Ordering = Ordering { field: OrderField::Name, descending: false };

    #[test]
    fn cursors_round_trip_keys_with_separators() {
        let p = Position { key: SortKey::Text("htx a|b".into()), id: 42 };
        let c = encode_cursor(BY_NAME, &p);
        assert_eq!(decode_cursor("after", BY_NAME, &c).expect("decodes"), p);
    }

    #[test]
    fn cursor_of_another_ordering_is_refused() {
        let p = Position { key: SortKey::Int(7), id: 7 };
        let by_id = Ordering { field: OrderField::Id, descending: false };
        let c = encode_cursor(by_id, &p);
        assert!(matches!(decode_cursor("after", BY_NAME, &c), Err(ServiceError::InvalidArgument { .. })));
    }

    #[test]
    fn garbage_cursor_is_invalid_argument() {
        let by_id = Ordering { field: OrderField::Id, descending: false };
        assert!(decode_cursor("after", by_id, "not a cursor!").is_err());
        assert!(decode_cursor("after", by_id, "").is_err());
    }

    #[test]
    fn sequence_cursors_round_trip_and_accept_bare_numbers() {
        let c = encode_sequence("change", 42);
        assert_eq!(decode_sequence("after", "change", &c).ok(), Some(42));
        assert_eq!(decode_sequence("after", "change", "42").ok(), Some(42));
        assert!(decode_sequence("after", "change", "zz!").is_err());
        assert!(decode_sequence("after", "change", &encode_sequence("audit", 1)).is_err());
    }

    #[test]
    fn last_is_bounded_like_first_and_not_with_it() {
        let by_id = Ordering { field: OrderField::Id, descending: false };
        let w = |f, l| PageRequest::window(f, None, l, None, by_id).map(|p| (p.first, p.from_end));
        assert_eq!(w(None, Some(5)).ok(), Some((5, true)));
        assert_eq!(w(None, Some(100)).ok(), Some((100, true)));
        assert!(
            matches!(w(None, Some(101)), Err(ServiceError::InvalidArgument { argument, .. }) if argument == "last")
        );
        assert!(w(None, Some(-1)).is_err());
        assert!(
            matches!(w(Some(1), Some(1)), Err(ServiceError::InvalidArgument { argument, .. }) if argument == "last")
        );
    }

    #[test]
    fn first_is_bounded() {
        let by_id = Ordering { field: OrderField::Id, descending: false };
        assert_eq!(PageRequest::new(None, None, by_id).map(|p| p.first).ok(), Some(20));
        assert!(PageRequest::new(Some(101), None, by_id).is_err());
        assert!(PageRequest::new(Some(-1), None, by_id).is_err());
        assert_eq!(PageRequest::new(Some(100), None, by_id).map(|p| p.first).ok(), Some(100));
    }
}

/// A page of a listing keyed by one increasing number (targets' ids, audit
/// sequences): the rows strictly between `after` and `before`, the `size`
/// nearest `after` (forward) or, `from_end`, nearest `before` (backward).
#[derive(Debug, Clone, Copy)]
pub struct SequenceWindow {
    /// Only rows above this number (0: from the start).
    pub after: i64,
    /// Only rows below this number.
    pub before: Option<i64>,
    /// Rows wanted.
    pub size: u64,
    /// Take them from the end of the window (backward paging with `last`).
    pub from_end: bool,
    /// Whether the caller gave an `after` cursor.
    after_given: bool,
}

impl SequenceWindow {
    /// Reads `first`/`after` or `last`/`before` (cursors of `prefix`).
    pub fn new(
        prefix: &str,
        after: Option<&str>,
        first: Option<i32>,
        before: Option<&str>,
        last: Option<i32>,
    ) -> Result<Self, ServiceError> {
        let (size, from_end) = window_size(first, last)?;
        Ok(SequenceWindow {
            after: after.map(|c| decode_sequence("after", prefix, c)).transpose()?.unwrap_or(0),
            before: before.map(|c| decode_sequence("before", prefix, c)).transpose()?,
            size,
            from_end,
            after_given: after.is_some(),
        })
    }

    /// Cuts the `size + 1` rows read in the window's direction to the page,
    /// in ascending order, with whether rows precede and follow it.
    pub fn finish<T>(&self, mut rows: Vec<T>) -> (Vec<T>, bool, bool) {
        let more = rows.len() as u64 > self.size;
        rows.truncate(self.size as usize);
        if self.from_end {
            rows.reverse();
            (rows, more, self.before.is_some())
        } else {
            (rows, self.after_given, more)
        }
    }
}
