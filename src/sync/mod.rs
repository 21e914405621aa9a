//! The sync engine: a transactional outbox delivered to the national tax
//! registration system and NCRS by a worker, and the national change feed
//! pulled back. The national systems sit behind [`client::NationalSystems`].

pub mod client;
pub mod outbox;
pub mod worker;
