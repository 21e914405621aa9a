//! Errored fields as the GraphQL specification shows them ("Handling
//! Execution Errors"): a field whose resolver failed is `null` in `data`,
//! and when its type is non-null the `null` propagates to the nearest
//! nullable parent (up to `data: null`).
//!
//! async-graphql 7 leaves an errored field out of its parent object (and an
//! object all of whose fields failed becomes `null`), so the response is
//! completed here from the errors' paths, the document and the schema's
//! types; [`Completion`] does it for every operation on every transport.

use super::shape::{self, Types};
use super::variables::operation;
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextPrepareRequest, NextSubscribe,
};
use async_graphql::parser::types::{BaseType, ExecutableDocument, OperationType, Selection, SelectionSet, Type};
use async_graphql::{Name, PathSegment, Response, ServerResult, Value, Variables};
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// What is known of one position along an error's path.
struct Step {
    /// The position may hold `null`.
    nullable: bool,
    /// For a field: the response keys of its selection set, in document order.
    order: Vec<Name>,
}

/// Fields of `sets` (fragments and inline fragments flattened) answering to
/// `key`, each with the type it is selected on; and every response key, in order.
fn collect<'a>(
    doc: &'a ExecutableDocument,
    sets: &[(&'a SelectionSet, &'a str)],
    key: &str,
) -> (Vec<(&'a async_graphql::parser::types::Field, &'a str)>, Vec<Name>) {
    fn walk<'a>(
        doc: &'a ExecutableDocument,
        set: &'a SelectionSet,
        on: &'a str,
        key: &str,
        seen: &mut HashSet<&'a str>,
        out: &mut Vec<(&'a async_graphql::parser::types::Field, &'a str)>,
        order: &mut Vec<Name>,
    ) {
        for item in &set.items {
            match &item.node {
                Selection::Field(f) => {
                    let k = f.node.response_key().node.clone();
                    if k.as_str() == key {
                        out.push((&f.node, on));
                    }
                    if !order.contains(&k) {
                        order.push(k);
                    }
                }
                Selection::InlineFragment(i) => {
                    let on = i.node.type_condition.as_ref().map_or(on, |c| c.node.on.node.as_str());
                    walk(doc, &i.node.selection_set.node, on, key, seen, out, order);
                }
                Selection::FragmentSpread(s) => {
                    let name = s.node.fragment_name.node.as_str();
                    if let Some(def) = doc.fragments.get(name) {
                        if seen.insert(name) {
                            let on = def.node.type_condition.node.on.node.as_str();
                            walk(doc, &def.node.selection_set.node, on, key, seen, out, order);
                        }
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    let mut order = Vec::new();
    let mut seen = HashSet::new();
    for (set, on) in sets {
        walk(doc, set, on, key, &mut seen, &mut out, &mut order);
    }
    (out, order)
}

/// What is known of each position of `path`, or `None` when the path does
/// not fit the document (then the response is left as it is).
fn steps(
    doc: &ExecutableDocument,
    operation_name: Option<&str>,
    path: &[PathSegment],
    types: &Types,
) -> Option<Vec<Step>> {
    let op = operation(doc, operation_name)?;
    let root = match op.node.ty {
        OperationType::Query => "Query",
        OperationType::Mutation => "Mutation",
        OperationType::Subscription => "Subscription",
    };
    let mut sets: Vec<(&SelectionSet, &str)> = vec![(&op.node.selection_set.node, root)];
    let mut current: Option<&Type> = None;
    let mut out = Vec::with_capacity(path.len());
    for seg in path {
        match seg {
            PathSegment::Field(key) => {
                let (fields, order) = collect(doc, &sets, key);
                let (ty, _) =
                    fields.iter().find_map(|(f, on)| types.field(on, f.name.node.as_str()).map(|t| (t, on)))?;
                out.push(Step { nullable: ty.nullable, order });
                let named = shape::named(ty);
                sets = fields.iter().map(|(f, _)| (&f.selection_set.node, named)).collect();
                current = Some(ty);
            }
            PathSegment::Index(_) => {
                let BaseType::List(inner) = &current?.base else { return None };
                out.push(Step { nullable: inner.nullable, order: Vec::new() });
                current = Some(inner);
            }
        }
    }
    Some(out)
}

/// The nearest position at or above `at` that may hold `null`.
fn nullable_at_or_above(steps: &[Step], at: usize) -> Option<usize> {
    (0..=at).rev().find(|&i| steps[i].nullable)
}

/// Puts `value` under `key` in `map`, where the document orders it.
fn insert_ordered(map: &mut async_graphql::indexmap::IndexMap<Name, Value>, key: &str, order: &[Name]) {
    let key = Name::new(key);
    if let Some(v) = map.get_mut(&key) {
        *v = Value::Null;
        return;
    }
    let rank = |k: &Name| order.iter().position(|o| o == k);
    let mine = rank(&key);
    let at = map.keys().position(|k| rank(k) > mine).unwrap_or(map.len());
    map.shift_insert(at, key, Value::Null);
}

/// Outcome of putting a `null` in place.
enum Placed {
    Done,
    /// The data below this position was lost: null it (or an ancestor) instead.
    Missing(usize),
    /// The data does not have the path's shape: leave it.
    Mismatch,
}

fn place(data: &mut Value, path: &[PathSegment], steps: &[Step], target: usize) -> Placed {
    let mut cur = data;
    for (i, seg) in path.iter().enumerate().take(target + 1) {
        match seg {
            PathSegment::Field(key) => {
                if matches!(cur, Value::Null) {
                    // An object all of whose fields failed.
                    *cur = Value::Object(Default::default());
                }
                let Value::Object(map) = cur else { return Placed::Mismatch };
                if i == target {
                    insert_ordered(map, key, &steps[i].order);
                    return Placed::Done;
                }
                match map.get_mut(key.as_str()) {
                    Some(next) => cur = next,
                    None => return Placed::Missing(i),
                }
            }
            PathSegment::Index(n) => {
                let Value::List(list) = cur else { return Placed::Mismatch };
                let Some(item) = list.get_mut(*n) else { return Placed::Mismatch };
                if i == target {
                    *item = Value::Null;
                    return Placed::Done;
                }
                cur = item;
            }
        }
    }
    Placed::Mismatch
}

/// Completes `resp` (executed from `doc`) as the specification asks: every
/// errored field is `null` in `data`, propagated to its nearest nullable parent.
pub fn complete(resp: &mut Response, doc: &ExecutableDocument, operation_name: Option<&str>, types: &Types) {
    let paths: Vec<Vec<PathSegment>> =
        resp.errors.iter().filter(|e| !e.path.is_empty()).map(|e| e.path.clone()).collect();
    let mut nulled: Vec<Vec<PathSegment>> = Vec::new();
    for path in paths {
        if nulled.iter().any(|n| path.starts_with(n)) {
            continue;
        }
        let Some(steps) = steps(doc, operation_name, &path, types) else { continue };
        let mut at = path.len() - 1;
        loop {
            let Some(target) = nullable_at_or_above(&steps, at) else {
                resp.data = Value::Null;
                nulled.push(Vec::new());
                break;
            };
            match place(&mut resp.data, &path, &steps, target) {
                Placed::Done => {
                    nulled.push(path[..=target].to_vec());
                    break;
                }
                Placed::Missing(i) => at = i,
                Placed::Mismatch => break,
            }
        }
    }
}

/// Installs [`complete`] in a schema (`SchemaBuilder::extension`).
pub struct Completion;

impl ExtensionFactory for Completion {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(CompletionExtension::default())
    }
}

/// One operation's text and name, kept from parsing to the response (the
/// text is parsed again only when a field failed, which is rare).
#[derive(Default)]
struct CompletionExtension {
    seen: Arc<Mutex<Seen>>,
}

#[derive(Default)]
struct Seen {
    operation_name: Option<String>,
    query: Option<String>,
}

/// Completes `resp`, executed from the document `query`, when a field
/// failed (the document is parsed again then only: failures are rare).
pub fn complete_text(resp: &mut Response, query: &str, operation_name: Option<&str>) {
    if resp.errors.iter().all(|e| e.path.is_empty()) {
        return;
    }
    if let Ok(doc) = async_graphql::parser::parse_query(query) {
        complete(resp, &doc, operation_name, shape::types());
    }
}

fn complete_with(seen: &Mutex<Seen>, resp: &mut Response) {
    if resp.errors.iter().all(|e| e.path.is_empty()) {
        return;
    }
    let Some((query, operation_name)) =
        seen.lock().ok().and_then(|s| Some((s.query.clone()?, s.operation_name.clone())))
    else {
        return;
    };
    if let Ok(doc) = async_graphql::parser::parse_query(&query) {
        complete(resp, &doc, operation_name.as_deref(), shape::types());
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for CompletionExtension {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: async_graphql::Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<async_graphql::Request> {
        if let Ok(mut s) = self.seen.lock() {
            s.operation_name = request.operation_name.clone();
        }
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        if let Ok(mut s) = self.seen.lock() {
            s.query = Some(query.to_owned());
        }
        Ok(doc)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut resp = next.run(ctx, operation_name).await;
        complete_with(&self.seen, &mut resp);
        resp
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        let seen = self.seen.clone();
        next.run(ctx, stream)
            .map(move |mut resp| {
                complete_with(&seen, &mut resp);
                resp
            })
            .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::ServerError;

    const SDL: &str = "type Query { a: A  b: A!  list: [A]  strict: [A!]!  n: Int }
        type A { x: Int  y: Int!  inner: A  must: A! }";

    /// The completed data, as JSON text in response order.
    fn ordered(q: &str, data: &str, errors: &[&[&str]]) -> String {
        let data: Value = serde_json::from_str(data).expect("data");
        complete_data(q, data, errors).to_string()
    }

    fn run(q: &str, data: serde_json::Value, errors: &[&[&str]]) -> serde_json::Value {
        complete_data(q, Value::from_json(data).expect("data"), errors).into_json().expect("json")
    }

    fn complete_data(q: &str, data: Value, errors: &[&[&str]]) -> Value {
        let types = Types::from_sdl(SDL).expect("sdl");
        let doc = async_graphql::parser::parse_query(q).expect("query");
        let mut resp = Response::new(data);
        for p in errors {
            let mut e = ServerError::new("boom", None);
            e.path = p
                .iter()
                .map(|s| match s.parse::<usize>() {
                    Ok(i) => PathSegment::Index(i),
                    Err(_) => PathSegment::Field(s.to_string()),
                })
                .collect();
            resp.errors.push(e);
        }
        complete(&mut resp, &doc, None, &types);
        resp.data
    }

    use serde_json::json;

    #[test]
    fn a_nullable_field_that_failed_is_null_in_place() {
        let got = ordered("{ n a { y x } }", r#"{"n": 1, "a": {"y": 2}}"#, &[&["a", "x"]]);
        assert_eq!(got, "{n: 1, a: {y: 2, x: null}}");
        let got = ordered("{ a { x } n }", r#"{"n": 1}"#, &[&["a"]]);
        assert_eq!(got, "{a: null, n: 1}");
    }

    #[test]
    fn a_non_null_field_that_failed_nulls_its_parent() {
        let got = run("{ a { x y } n }", json!({"a": {"x": 1}, "n": 1}), &[&["a", "y"]]);
        assert_eq!(got, json!({"a": null, "n": 1}));
        // Through non-null parents, to the nearest nullable one.
        let got = run("{ a { must { y } x } }", json!({"a": {"must": null, "x": 1}}), &[&["a", "must", "y"]]);
        assert_eq!(got, json!({"a": null}));
        let got = run(
            "{ a { inner { must { y } } x } }",
            json!({"a": {"inner": {"must": null}, "x": 1}}),
            &[&["a", "inner", "must", "y"]],
        );
        assert_eq!(got, json!({"a": {"inner": null, "x": 1}}));
    }

    #[test]
    fn propagation_up_to_data_makes_data_null() {
        let got = run("{ n b { y } }", json!({"n": 1, "b": null}), &[&["b", "y"]]);
        assert_eq!(got, json!(null));
    }

    #[test]
    fn list_items_null_when_nullable_else_the_list() {
        let got = run("{ list { y } }", json!({"list": [{"y": 1}, null, {"y": 3}]}), &[&["list", "1", "y"]]);
        assert_eq!(got, json!({"list": [{"y": 1}, null, {"y": 3}]}));
        let got = run(
            "{ a { x } strict { y } }",
            json!({"a": {"x": 1}, "strict": [{"y": 1}, null]}),
            &[&["strict", "1", "y"]],
        );
        assert_eq!(got, json!(null));
    }

    #[test]
    fn aliases_and_fragments_are_followed_and_order_kept() {
        let q = "{ first: a { ...F } second: a { x } } fragment F on A { x ... on A { y } }";
        let got = run(q, json!({"first": {"x": 1}, "second": {"x": 2}}), &[&["first", "y"]]);
        assert_eq!(got, json!({"first": null, "second": {"x": 2}}));
        let got = ordered("{ b { x } a { x } }", r#"{"b": {"x": 1}}"#, &[&["a", "x"], &["a"]]);
        assert_eq!(got, "{b: {x: 1}, a: null}");
    }
}
