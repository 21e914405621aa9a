//! GraphQL object, input and enum types. They wrap storage models but define
//! the public API explicitly, field by field.

pub mod connection;
pub mod enums;
pub mod evidence;
pub mod export;
pub mod feed;
pub mod filter;
pub mod lifecycle;
pub mod organisation;
pub mod principal;
pub mod reporting;
pub mod statistics;
pub mod targets;
pub mod trend;
pub mod unit;
pub mod write;

pub mod members;

pub use connection::*;
pub use organisation::*;
pub use unit::AdministrativeUnit;

use async_graphql::Interface;

/// An object with a global id (Relay).
#[derive(Interface)]
#[graphql(field(name = "id", ty = "async_graphql::ID", desc = "Global opaque id."))]
pub enum Node {
    /// A cooperative.
    Cooperative(Cooperative),
    /// A cooperative union.
    CooperativeUnion(CooperativeUnion),
    /// A cooperative group.
    CooperativeGroup(CooperativeGroup),
    /// A target.
    Target(targets::Target),
    /// A member of a cooperative's register.
    Member(members::Member),
    /// A bulk export job (its owner only).
    ExportJob(export::ExportJob),
}
