//! The GraphQL edge: schema, thin resolvers, DataLoaders and the mapping of
//! errors to `extensions.code`. Resolvers call `service`; nothing below this
//! module knows about GraphQL.

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
use std::collections::BTreeSet;
use std::sync::Mutex;
use subscription::SubscriptionRoot;

/// The executable schema.
pub type CoopgateSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

fn builder() -> SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot> {
    Schema::build(QueryRoot, MutationRoot, SubscriptionRoot).extension(nulls::Completion)
}

/// Persons whose restricted fields a request revealed ("who read my data").
#[derive(Default)]
pub struct PersonalReads(Mutex<BTreeSet<i64>>);

impl PersonalReads {
    /// Notes that a person's restricted field was revealed.
    pub fn note(&self, person_id: i64) {
        if let Ok(mut s) = self.0.lock() {
            s.insert(person_id);
        }
    }

    fn take(&self) -> Vec<i64> {
        self.0.lock().map(|mut s| std::mem::take(&mut *s).into_iter().collect()).unwrap_or_default()
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
    let actor = crate::service::write::Actor { principal: principal.clone(), request_id: request_id.clone() };
    let req = prepare(req, state, principal).data(RequestId(request_id)).data(reads.clone());
    let mut resp = schema.execute(req).await;
    let revealed = reads.take();
    if let Err(e) = crate::service::write::audit_reads(state, &actor, &revealed).await {
        tracing::error!(error = %e, "could not record reads of personal data; withholding the response");
        resp = async_graphql::Response::from_errors(vec![
            error::internal(&e).into_server_error(async_graphql::Pos::default())
        ]);
    }
    error::finalize(&mut resp);
    resp
}

/// Builds the schema over the application state. Reads no environment and
/// touches no database.
pub fn build_schema(state: AppState) -> CoopgateSchema {
    builder().data(state).finish()
}

/// Builds the schema as [`build_schema`] does, with the production
/// switches of `limits`: introspection as configured, and no "did you mean"
/// suggestions outside the dev profile.
/// `guard` measures every document before validation, on every transport.
pub fn build_hardened_schema(
    state: AppState,
    limits: &crate::limits::LimitsConfig,
    guard: std::sync::Arc<limits::DocumentGuard>,
) -> CoopgateSchema {
    let profile = state.profile;
    let mut b =
        builder().data(state).extension(limits::GuardFactory(guard)).limit_directives(limits.max_directives.max(1));
    if !limits.introspection_enabled(profile == crate::config::Profile::Dev) {
        b = b.disable_introspection();
    }
    if profile != crate::config::Profile::Dev {
        b = b.disable_suggestions();
    }
    b.finish()
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
