//! Statement texts built once per shape. Building a `SELECT` with the query
//! builder (every column an identifier quoted and written through
//! `fmt::Write`) cost a tenth of a single-record read's CPU, the same text
//! every time. A statement of fixed shape (its text depends only on the
//! backend and a small variant number, never on the values) is built once;
//! later calls bind their values to the kept text.
//!
//! Safe by construction: a text is kept only when the first build bound
//! exactly the values the caller passes, so a shape whose values do not map
//! one to one (in order) onto its placeholders is simply built every time.

use sea_orm::{DbBackend, Statement, StatementBuilder, Value};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

/// A shape: its name, the backend and the caller's variant (flags, or the
/// length of a list of values).
type Key = (&'static str, u8, u32);

/// Most shapes kept: far more than the registry has; past it, statements
/// are built every time (nothing grows without bound).
const MAX_SHAPES: usize = 4096;

fn texts() -> &'static RwLock<HashMap<Key, Arc<str>>> {
    static TEXTS: OnceLock<RwLock<HashMap<Key, Arc<str>>>> = OnceLock::new();
    TEXTS.get_or_init(|| RwLock::new(HashMap::new()))
}

fn backend_key(b: DbBackend) -> u8 {
    match b {
        DbBackend::Postgres => 0,
        DbBackend::Sqlite => 1,
        DbBackend::MySql => 2,
    }
}

/// The statement of `shape` (in `variant`) on `backend` with `values`, in
/// placeholder order; `build` makes it (with the same values) the first time.
pub fn statement<S: StatementBuilder>(
    backend: DbBackend,
    shape: &'static str,
    variant: u32,
    values: Vec<Value>,
    build: impl FnOnce() -> S,
) -> Statement {
    let key = (shape, backend_key(backend), variant);
    let kept = texts().read().ok().and_then(|t| t.get(&key).cloned());
    if let Some(sql) = kept {
        return Statement::from_sql_and_values(backend, sql.as_ref(), values);
    }
    let built = backend.build(&build());
    let same = built.values.as_ref().map(|v| v.0.as_slice()).unwrap_or_default() == values.as_slice();
    if same {
        if let Ok(mut t) = texts().write() {
            if t.len() < MAX_SHAPES {
                t.insert(key, Arc::from(built.sql.as_str()));
            }
        }
    }
    built
}

/// The statement of `shape` that binds `ids` in order (an `IN` list): its
/// text is kept per number of ids.
pub fn by_ids<S: StatementBuilder>(
    backend: DbBackend,
    shape: &'static str,
    ids: &[i64],
    build: impl FnOnce() -> S,
) -> Statement {
    let values = ids.iter().map(|&id| Value::from(id)).collect();
    statement(backend, shape, u32::try_from(ids.len()).unwrap_or(u32::MAX), values, build)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryTrait};

    fn values_of(s: &Statement) -> &[Value] {
        s.values.as_ref().map(|v: &sea_orm::Values| v.0.as_slice()).unwrap_or_default()
    }

    fn by_code(code: &str) -> sea_orm::sea_query::SelectStatement {
        entity::cooperative::Entity::find().filter(entity::cooperative::Column::Code.eq(code)).into_query()
    }

    #[test]
    fn a_kept_text_binds_the_values_of_each_call() {
        for backend in [DbBackend::Postgres, DbBackend::Sqlite] {
            let first = statement(backend, "test-by-code", 0, vec!["0100000010".into()], || by_code("0100000010"));
            let second = statement(backend, "test-by-code", 0, vec!["0200000020".into()], || by_code("unused"));
            let fresh = backend.build(&by_code("0200000020"));
            assert_eq!(second.sql, fresh.sql);
            assert_eq!(values_of(&second), values_of(&fresh));
            assert_eq!(first.sql, fresh.sql);
        }
    }

    #[test]
    fn a_shape_whose_values_differ_from_the_callers_is_never_kept() {
        let wrong = statement(DbBackend::Postgres, "test-mismatch", 0, vec![1i64.into()], || by_code("x"));
        assert_eq!(values_of(&wrong), &[Value::from("x")]);
        let again = statement(DbBackend::Postgres, "test-mismatch", 0, vec![2i64.into()], || by_code("y"));
        assert_eq!(values_of(&again), &[Value::from("y")], "built again from its own values, not a kept text");
    }
}
