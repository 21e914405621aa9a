//! The GraphQL edge: schema, thin resolvers, DataLoaders and the mapping of
//! errors to `extensions.code`. Resolvers call `service`; nothing below this
//! module knows about GraphQL.

pub mod error;
pub mod ids;
pub mod loaders;
pub mod prefetch;
pub mod query;
pub mod scalars;
pub mod types;

use crate::state::AppState;
use async_graphql::{EmptyMutation, EmptySubscription, Schema, SchemaBuilder};
use query::QueryRoot;

/// The executable schema.
pub type CoopgateSchema = Schema<QueryRoot, EmptyMutation, EmptySubscription>;

fn builder() -> SchemaBuilder<QueryRoot, EmptyMutation, EmptySubscription> {
    Schema::build(QueryRoot, EmptyMutation, EmptySubscription)
}

/// Builds the schema over the application state. Reads no environment and
/// touches no database.
pub fn build_schema(state: AppState) -> CoopgateSchema {
    builder().data(state).finish()
}

/// Adds what every request carries: the caller and fresh DataLoaders.
pub fn prepare(
    req: async_graphql::Request,
    state: &AppState,
    principal: crate::auth::Principal,
) -> async_graphql::Request {
    req.data(loaders::Loaders::new(&state.db)).data(principal)
}

/// The schema in SDL, sorted so that it is stable across builds.
pub fn sdl() -> String {
    let options = async_graphql::SDLExportOptions::new().sorted_fields().sorted_arguments().sorted_enum_items();
    builder().finish().sdl_with_options(options)
}
