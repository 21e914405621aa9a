//! coopgate: a GraphQL gateway over a Vietnamese province's registry of
//! cooperatives (hợp tác xã), cooperative unions and cooperative groups.
//!
//! Layers, edge first: `http` and `graphql` (thin), `service` (use cases),
//! `domain` (rules, no I/O) and `storage` (repository functions). `sim` is
//! the simulator of the two national systems (`coopgate national-sim`);
//! `kit` the contract test kit partners run against a deployment
//! (`coopgate contract-test`), a client of the public API only.

pub mod auth;
pub mod config;
pub mod domain;
pub mod evidence;
pub mod graphql;
pub mod http;
pub mod kit;
pub mod limits;
pub mod meter;
pub mod national;
pub mod seed;
pub mod service;
pub mod sim;
pub mod startup;
pub mod state;
pub mod storage;
pub mod sync;
pub mod telemetry;
pub mod tls;
