//! The GraphQL edge: schema, thin resolvers, DataLoaders and the mapping of
//! errors to `extensions.code`. Resolvers call `service`; nothing below this
//! module knows about GraphQL.

pub mod documents;
pub mod error;
pub mod ids;
pub mod lifecycle_loaders;
pub mod limits;
pub mod loaders;
pub mod mutation;
pub mod nulls;
pub mod prefetch;
pub mod query;
pub mod scalars;
pub mod shape;
pub mod subscription;
pub mod types;
pub mod variables;

use crate::auth::{Principal, RequestId};
use crate::state::AppState;
use async_graphql::{Schema, SchemaBuilder};
use mutation::MutationRoot;
use query::QueryRoot;
use std::collections::BTreeMap;
use std::sync::Mutex;
use subscription::SubscriptionRoot;

/// The executable schema.
pub type CoopgateSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// The schema with no extension: async-graphql calls every registered
/// extension around every field (and list item) it resolves, so a schema
/// with none resolves plain fields at their own cost. What the extensions
/// did is done around execution instead: null completion in [`execute`],
/// the document limits in `http::protocol` before execution.
fn builder() -> SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot> {
    Schema::build(QueryRoot, MutationRoot, SubscriptionRoot)
}

/// Persons whose restricted fields a request revealed ("who read my data"):
/// each person's id, identity number (hashed before it is stored) and the
/// province of the record it was read on.
#[derive(Default)]
pub struct PersonalReads(Mutex<BTreeMap<i64, Noted>>);

/// A noted read: the identity number and the record's province.
type Noted = (Option<String>, Option<String>);

impl PersonalReads {
    /// Notes that a person's restricted field was revealed.
    pub fn note(&self, person_id: i64, id_number: Option<&str>, record_province: Option<&str>) {
        if let Ok(mut s) = self.0.lock() {
            s.entry(person_id).or_insert_with(|| (id_number.map(str::to_owned), record_province.map(str::to_owned)));
        }
    }

    fn take(&self) -> Vec<crate::service::write::Revealed> {
        self.0
            .lock()
            .map(|mut s| {
                std::mem::take(&mut *s)
                    .into_iter()
                    .map(|(person_id, (id_number, record_province))| crate::service::write::Revealed {
                        person_id,
                        id_number,
                        record_province,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Executes one request as `principal`: fresh loaders, codes on every error,
/// and an audit row for each person whose restricted data was revealed.
pub async fn execute(
    schema: &CoopgateSchema,
    state: &AppState,
    principal: Principal,
    request_id: String,
    req: async_graphql::Request,
) -> async_graphql::Response {
    let reads = std::sync::Arc::new(PersonalReads::default());
    let member_reads = std::sync::Arc::new(types::members::MemberReads::default());
    let actor = crate::service::write::Actor { principal: principal.clone(), request_id: request_id.clone() };
    // Kept for the rare response with a failed field (completed below).
    let query = req.query.clone();
    let operation_name = req.operation_name.clone();
    let req = prepare(req, state, principal).data(RequestId(request_id)).data(reads.clone()).data(member_reads.clone());
    let operation = req_operation(&req);
    let lang = language(&req);
    let mut resp = schema.execute(req).await;
    nulls::complete_text(&mut resp, &query, operation_name.as_deref());
    let revealed = reads.take();
    let recorded = match crate::service::write::audit_reads(state, &actor, &revealed, operation.as_deref()).await {
        Ok(()) => crate::service::write::audit_member_reads(state, &actor, &member_reads.take()).await,
        Err(e) => Err(e),
    };
    if let Err(e) = recorded {
        tracing::error!(error = %e, "could not record reads of personal data; withholding the response");
        resp = async_graphql::Response::from_errors(vec![
            error::internal(&e).into_server_error(async_graphql::Pos::default())
        ]);
    }
    error::finalize(&mut resp, lang);
    resp
}

/// The language the edge put in the request's data (HTTP and WebSocket put
/// the one `Accept-Language` asked for); English without one.
pub fn language(req: &async_graphql::Request) -> crate::domain::Language {
    use crate::domain::Language;
    req.data
        .get(&std::any::TypeId::of::<Language>())
        .and_then(|d| d.downcast_ref::<Language>())
        .copied()
        .unwrap_or(Language::En)
}

/// The request's operation name, if it gives one (recorded with reads).
fn req_operation(req: &async_graphql::Request) -> Option<String> {
    req.operation_name.as_deref().map(|n| n.chars().take(64).collect())
}

/// Builds the schema over the application state, for callers that run it
/// directly (`Schema::execute`): null completion is installed as an
/// extension. Reads no environment and touches no database.
pub fn build_schema(state: AppState) -> CoopgateSchema {
    let shared = std::sync::Arc::new(loaders::EventLoaders::new(&state));
    builder().data(state).data(shared).extension(nulls::Completion).finish()
}

/// Builds the schema that [`execute`] runs (queries and mutations over HTTP
/// and graphql-transport-ws), with the production switches of `limits`:
/// introspection as configured, and no "did you mean" suggestions outside
/// the dev profile. It has no extension: every document it runs was
/// measured by `http::protocol::prepare` first, and [`execute`] completes
/// errored fields.
pub fn build_hardened_schema(state: AppState, limits: &crate::limits::LimitsConfig) -> CoopgateSchema {
    let profile = state.profile;
    hardened(builder().data(state), profile, limits)
}

/// The schema for what is not run by [`execute`]: subscription streams and
/// the library's legacy `graphql-ws` transport. As [`build_hardened_schema`],
/// plus `guard` (which measures every document that the HTTP edge did not)
/// and null completion, as extensions (their per-field cost matters little
/// on a stream).
pub fn build_streaming_schema(
    state: AppState,
    limits: &crate::limits::LimitsConfig,
    guard: std::sync::Arc<limits::DocumentGuard>,
) -> CoopgateSchema {
    let profile = state.profile;
    let shared = std::sync::Arc::new(loaders::EventLoaders::new(&state));
    let b = builder().data(state).data(shared).extension(limits::GuardFactory(guard)).extension(nulls::Completion);
    hardened(b, profile, limits)
}

fn hardened(
    b: SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot>,
    profile: crate::config::Profile,
    limits: &crate::limits::LimitsConfig,
) -> CoopgateSchema {
    let mut b = b.limit_directives(limits.max_directives.max(1));
    if !limits.introspection_enabled(profile == crate::config::Profile::Dev) {
        b = b.disable_introspection();
    }
    if profile != crate::config::Profile::Dev {
        b = b.disable_suggestions();
    }
    b.finish()
}

/// Runs one subscription as `principal`: every event is resolved with the
/// loaders shared by all subscribers of that event (schema data, see
/// [`loaders::EventLoaders`]), each person whose restricted data an event
/// revealed gets an audit row before the event is sent (an event whose audit
/// write fails is withheld and replaced by an INTERNAL error), and every
/// error passes [`error::finalize`].
pub fn subscribe(
    schema: &CoopgateSchema,
    state: &AppState,
    principal: Principal,
    request_id: String,
    req: async_graphql::Request,
) -> impl futures_util::Stream<Item = async_graphql::Response> + Send + 'static {
    use futures_util::StreamExt;
    let reads = std::sync::Arc::new(PersonalReads::default());
    let actor = crate::service::write::Actor { principal: principal.clone(), request_id: request_id.clone() };
    let operation = req_operation(&req);
    let lang = language(&req);
    let req = req.data(principal).data(RequestId(request_id)).data(reads.clone());
    let state = state.clone();
    schema.execute_stream(req).then(move |mut resp| {
        let (state, actor, reads, operation) = (state.clone(), actor.clone(), reads.clone(), operation.clone());
        async move {
            let revealed = reads.take();
            if let Err(e) = crate::service::write::audit_reads(&state, &actor, &revealed, operation.as_deref()).await {
                tracing::error!(error = %e, "could not record reads of personal data; withholding the event");
                resp = async_graphql::Response::from_errors(vec![
                    error::internal(&e).into_server_error(async_graphql::Pos::default())
                ]);
            }
            error::finalize(&mut resp, lang);
            resp
        }
    })
}

/// Adds what every request carries: the caller and fresh DataLoaders.
pub fn prepare(
    req: async_graphql::Request,
    state: &AppState,
    principal: crate::auth::Principal,
) -> async_graphql::Request {
    req.data(loaders::Loaders::new(state)).data(principal)
}

/// The schema in SDL, sorted so that it is stable across builds.
pub fn sdl() -> String {
    let options = async_graphql::SDLExportOptions::new()
        .sorted_fields()
        .sorted_arguments()
        .sorted_enum_items()
        .include_specified_by();
    builder().finish().sdl_with_options(options)
}
