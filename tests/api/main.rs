//! coopgate's integration tests: one binary, every test against a fresh
//! database. Tests that touch storage run twice, on SQLite and PostgreSQL
//! (`TEST_DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/test`).

mod databases;
mod helpers;

mod auth;
mod authorization;
mod cli;
mod conformance;
mod dashboard;
mod dataloaders;
mod docs_examples;
mod errors_doc;
mod feed;
mod filters;
mod http;
mod ide;
mod lifecycle;
mod lookups;
mod national_form;
mod pagination;
mod portal_guide;
mod races;
mod readme;
mod readme_examples;
mod reference_data;
mod schema_file;
mod security;
mod seed;
mod statistics;
mod storage_safety;
mod sync;
mod sync_detail;
mod targets;
mod websocket;
mod writes;
