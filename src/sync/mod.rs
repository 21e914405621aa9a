//! The sync engine: the transactional outbox (rows written by
//! `service::uow` with the change, kept by `storage::outbox`) delivered to
//! the national systems by a [`worker::Worker`], and the national change
//! feed pulled back and handed to `service::national`.

pub use crate::national::client;
pub mod worker;
