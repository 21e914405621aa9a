//! coopgate's integration tests: one binary, every test against a fresh
//! database. Tests that touch storage run twice, on SQLite and PostgreSQL
//! (`TEST_DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/test`).

mod helpers;

mod auth;
mod authorization;
mod cli;
mod conformance;
mod dataloaders;
mod errors_doc;
mod feed;
mod filters;
mod http;
mod lookups;
mod pagination;
mod reference_data;
mod schema_file;
mod security;
mod seed;
mod statistics;
mod storage_safety;
mod sync;
mod targets;
mod websocket;
mod writes;
