//! `/metrics`: the Prometheus text format (see [`crate::meter`] for the
//! names), on the main port or on `COOPGATE_METRICS_LISTEN`, and the
//! bounded operation label of a GraphQL request.

use crate::state::AppState;
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType, Selection};
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::PrometheusHandle;
use std::collections::BTreeSet;
use std::sync::OnceLock;

/// What a scrape reads.
#[derive(Clone)]
pub struct MetricsState {
    /// The application (its pool, feed hub and statement counter).
    pub app: AppState,
    /// The recorder's handle.
    pub handle: PrometheusHandle,
}

/// The `/metrics` route over `state`.
pub fn routes(state: MetricsState) -> Router {
    Router::new().route("/metrics", get(scrape)).with_state(state)
}

/// The Prometheus exposition format's content type.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

async fn scrape(State(state): State<MetricsState>) -> impl IntoResponse {
    crate::service::operations::refresh_gauges(&state.app).await;
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], crate::meter::render(&state.handle))
}

/// Serves `/metrics` alone on `listener` until `shutdown`.
pub async fn serve_alone(
    listener: tokio::net::TcpListener,
    state: MetricsState,
    shutdown: tokio_util::sync::CancellationToken,
) -> std::io::Result<()> {
    axum::serve(listener, routes(state)).with_graceful_shutdown(async move { shutdown.cancelled().await }).await
}

/// The root fields of the schema, by operation type (label values).
struct RootFields {
    query: BTreeSet<String>,
    mutation: BTreeSet<String>,
    subscription: BTreeSet<String>,
}

fn root_fields() -> &'static RootFields {
    static ROOTS: OnceLock<RootFields> = OnceLock::new();
    ROOTS.get_or_init(|| {
        use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
        let mut roots = RootFields { query: BTreeSet::new(), mutation: BTreeSet::new(), subscription: BTreeSet::new() };
        let Ok(doc) = async_graphql::parser::parse_schema(crate::graphql::sdl()) else { return roots };
        for def in doc.definitions {
            let TypeSystemDefinition::Type(t) = def else { continue };
            let set = match t.node.name.node.as_str() {
                "Query" => &mut roots.query,
                "Mutation" => &mut roots.mutation,
                "Subscription" => &mut roots.subscription,
                _ => continue,
            };
            if let TypeKind::Object(o) = &t.node.kind {
                set.extend(o.fields.iter().map(|f| f.node.name.node.to_string()));
            }
        }
        roots
    })
}

/// The label of an operation type.
pub fn type_label(t: OperationType) -> &'static str {
    match t {
        OperationType::Query => "query",
        OperationType::Mutation => "mutation",
        OperationType::Subscription => "subscription",
    }
}

/// The bounded label of the operation that runs: its root field when it
/// selects one field of the schema (aliases and `__typename` aside),
/// `multiple` when it selects several, `other` otherwise (unknown names,
/// fragments at the root, introspection). Never the client's operation name.
pub fn operation_label(doc: &ExecutableDocument, operation_name: Option<&str>) -> (&'static str, &'static str) {
    let op = match (&doc.operations, operation_name) {
        (DocumentOperations::Single(op), _) => Some(op),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next(),
        _ => None,
    };
    let Some(op) = op else { return ("other", "query") };
    let kind = type_label(op.node.ty);
    let roots = root_fields();
    let known = match op.node.ty {
        OperationType::Query => &roots.query,
        OperationType::Mutation => &roots.mutation,
        OperationType::Subscription => &roots.subscription,
    };
    let mut found: Option<&'static str> = None;
    for sel in &op.node.selection_set.node.items {
        let Selection::Field(f) = &sel.node else { return ("other", kind) };
        let name = f.node.name.node.as_str();
        if name == "__typename" {
            continue;
        }
        let Some(label) = known.get(name) else { return ("other", kind) };
        match found {
            Some(prev) if prev != label.as_str() => return ("multiple", kind),
            _ => found = Some(label.as_str()),
        }
    }
    (found.unwrap_or("other"), kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(q: &str, name: Option<&str>) -> (&'static str, &'static str) {
        operation_label(&async_graphql::parser::parse_query(q).expect("parses"), name)
    }

    #[test]
    fn labels_are_root_fields_of_the_schema_or_other() {
        assert_eq!(label("{ cooperatives(first: 1) { totalCount } }", None), ("cooperatives", "query"));
        assert_eq!(
            label("query Nguyen_Van_A { a: cooperatives { totalCount } __typename }", None),
            ("cooperatives", "query")
        );
        assert_eq!(
            label("{ cooperatives { totalCount } cooperativeUnions { totalCount } }", None),
            ("multiple", "query")
        );
        assert_eq!(label("{ personalSecretOf_0912345678 }", None), ("other", "query"));
        assert_eq!(label("{ ...F } fragment F on Query { cooperatives { totalCount } }", None), ("other", "query"));
        assert_eq!(
            label("query A { cooperativeUnions { totalCount } } query B { cooperatives { totalCount } }", Some("B")),
            ("cooperatives", "query")
        );
        assert_eq!(
            label("query A { cooperativeUnions { totalCount } } query B { cooperatives { totalCount } }", None),
            ("other", "query")
        );
        assert_eq!(label("{ __schema { types { name } } }", None), ("other", "query"));
    }
}
