//! coopgate's integration tests: one binary, every test against a fresh
//! database. Tests that touch storage run twice, on SQLite and PostgreSQL
//! (`TEST_DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/test`).

mod databases;
mod helpers;

mod abuse;
mod auth;
mod authorization;
mod cli;
mod conformance;
mod contract_kit;
mod dashboard;
mod dataloaders;
mod docs_examples;
mod errors_doc;
mod evidence;
mod export;
mod feed;
mod filters;
mod http;
mod i18n;
mod ide;
mod lifecycle;
mod lookups;
mod metrics;
mod national_form;
mod operations_doc;
mod pagination;
mod portal_guide;
mod races;
mod readme;
mod readme_examples;
mod reference_data;
mod reorganisation;
mod replicas;
mod reporting;
mod restore;
mod sandbox;
mod schema_file;
mod security;
mod seed;
mod statements;
mod statistics;
mod storage_safety;
mod subscriptions;
mod sync;
mod sync_detail;
mod sync_exactly_once;
mod targets;
mod traces;
mod websocket;
mod writes;

mod members;
mod mtls;
