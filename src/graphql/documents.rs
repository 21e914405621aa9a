//! Parsed documents kept by text, so that an operation sent again (the
//! usual case: clients and persisted operations send the same few documents
//! over and over) is not parsed again. async-graphql has no document cache
//! of its own; the HTTP edge parses every document once to measure it
//! (`http::protocol::prepare`) and hands the parse to the library, so this
//! cache sits there.
//!
//! Bounded: at most [`CAPACITY`] documents of at most [`MAX_CACHED_BYTES`]
//! bytes each; when full, an arbitrary entry makes room. Only documents that
//! parsed are kept; a syntax error is parsed (and reported) every time.

use async_graphql::parser::types::ExecutableDocument;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// How many documents are kept.
pub const CAPACITY: usize = 512;

/// Larger documents are parsed every time (they are rare, and the limits
/// bound their parse anyway).
pub const MAX_CACHED_BYTES: usize = 16 * 1024;

fn cache() -> &'static Mutex<HashMap<Arc<str>, Arc<ExecutableDocument>>> {
    static CACHE: OnceLock<Mutex<HashMap<Arc<str>, Arc<ExecutableDocument>>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::with_capacity(CAPACITY)))
}

/// The parsed `query`: from the cache when the same text was parsed before,
/// else parsed now (and kept when it parsed and is small enough).
pub fn parse(query: &str) -> Result<Arc<ExecutableDocument>, async_graphql::parser::Error> {
    if let Some(doc) = cache().lock().ok().and_then(|c| c.get(query).cloned()) {
        return Ok(doc);
    }
    let doc = Arc::new(async_graphql::parser::parse_query(query)?);
    if query.len() <= MAX_CACHED_BYTES {
        if let Ok(mut c) = cache().lock() {
            if c.len() >= CAPACITY {
                if let Some(k) = c.keys().next().cloned() {
                    c.remove(&k);
                }
            }
            c.insert(Arc::from(query), doc.clone());
        }
    }
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_text_gives_the_same_parse_and_errors_are_not_kept() {
        let q = "query DocumentsCacheTest { me { role } }";
        let a = parse(q).expect("parses");
        let b = parse(q).expect("parses");
        assert!(Arc::ptr_eq(&a, &b), "the second parse comes from the cache");
        assert!(parse("{ me { ").is_err());
        assert!(parse("{ me { ").is_err(), "a syntax error is reported every time");
    }

    #[test]
    fn the_cache_stays_bounded() {
        for i in 0..CAPACITY + 10 {
            parse(&format!("query Bounded{i} {{ me {{ role }} }}")).expect("parses");
        }
        assert!(cache().lock().expect("lock").len() <= CAPACITY);
    }
}
