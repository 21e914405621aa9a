//! Abuse limits and the production hardening of `coopgate serve`: one
//! settings struct (flattened into [`crate::config::ServeConfig`]), read from
//! flags and environment like every other setting. Every limit has a safe
//! default; `docs/hardening.md` and the README say what each one refuses.

use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

/// Default largest request body: 1 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// Default deepest field nesting of an operation.
pub const DEFAULT_MAX_DEPTH: usize = 15;
/// Default largest number of aliased fields, counted after fragment expansion.
pub const DEFAULT_MAX_ALIASES: usize = 64;
/// Default largest number of root fields of an operation.
pub const DEFAULT_MAX_ROOT_FIELDS: usize = 40;
/// Default largest number of directives on one field, spread or fragment.
pub const DEFAULT_MAX_DIRECTIVES: usize = 4;
/// Default longest chain of fragments spreading fragments.
pub const DEFAULT_MAX_FRAGMENT_DEPTH: usize = 8;
/// Default largest number of field selections after fragment expansion.
pub const DEFAULT_MAX_FIELDS: usize = 2_000;
/// Default largest computed cost of one operation.
pub const DEFAULT_MAX_COST: u64 = 10_000;
/// Default largest GraphQL document (the `query` text), in bytes: 64 KiB.
pub const DEFAULT_MAX_DOCUMENT_BYTES: usize = 64 * 1024;
/// Default most variable definitions in one document.
pub const DEFAULT_MAX_VARIABLES: usize = 100;
/// Default most fragment definitions in one document.
pub const DEFAULT_MAX_FRAGMENTS: usize = 100;
/// Default most arguments in one document.
pub const DEFAULT_MAX_ARGUMENTS: usize = 500;
/// Default most connections served at once.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
/// Default most subscriptions on one websocket connection.
pub const DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION: usize = 20;
/// Default most subscriptions of one principal (anonymous: one client address) at once.
pub const DEFAULT_MAX_SUBSCRIPTIONS_PER_PRINCIPAL: usize = 100;
/// Default most messages waiting to be sent on one websocket connection.
pub const DEFAULT_SUBSCRIPTION_QUEUE: usize = 256;
/// Default largest batch: 0, batching is off.
pub const DEFAULT_MAX_BATCH: usize = 0;
/// Default cost points a principal may spend per minute.
pub const DEFAULT_RATE_LIMIT_COST_PER_MINUTE: u32 = 60_000;

/// Whether the schema answers introspection queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Introspection {
    /// On in the dev profile, off in production.
    Auto,
    /// Always on.
    On,
    /// Always off.
    Off,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s).map_err(|e| e.to_string())?;
    if d.is_zero() {
        return Err("must be longer than zero".into());
    }
    if d > Duration::from_secs(3600) {
        return Err("must be at most 1h".into());
    }
    Ok(d)
}

fn parse_origin(s: &str) -> Result<String, String> {
    let u = url::Url::parse(s).map_err(|e| format!("{s:?}: {e}"))?;
    let origin = u.origin();
    if !origin.is_tuple() || !matches!(u.scheme(), "http" | "https") {
        return Err(format!("{s:?}: an origin is http(s)://host[:port]"));
    }
    Ok(origin.ascii_serialization())
}

/// Limits, timeouts, rate limits and the production profile's switches.
#[derive(Debug, Clone, Args)]
pub struct LimitsConfig {
    /// Largest request body in bytes (413 beyond it).
    #[arg(long, env = "COOPGATE_MAX_BODY_BYTES", value_name = "COOPGATE_MAX_BODY_BYTES", default_value_t = DEFAULT_MAX_BODY_BYTES, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1024..=64 * 1024 * 1024))]
    pub max_body_bytes: usize,

    /// Deepest field nesting of an operation.
    #[arg(long, env = "COOPGATE_MAX_DEPTH", value_name = "COOPGATE_MAX_DEPTH", default_value_t = DEFAULT_MAX_DEPTH, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=64))]
    pub max_depth: usize,

    /// Largest number of aliased fields (after fragment expansion).
    #[arg(long, env = "COOPGATE_MAX_ALIASES", value_name = "COOPGATE_MAX_ALIASES", default_value_t = DEFAULT_MAX_ALIASES, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=10_000))]
    pub max_aliases: usize,

    /// Largest number of root fields of an operation.
    #[arg(long, env = "COOPGATE_MAX_ROOT_FIELDS", value_name = "COOPGATE_MAX_ROOT_FIELDS", default_value_t = DEFAULT_MAX_ROOT_FIELDS, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=10_000))]
    pub max_root_fields: usize,

    /// Largest number of directives on one field, fragment spread or inline fragment.
    #[arg(long, env = "COOPGATE_MAX_DIRECTIVES", value_name = "COOPGATE_MAX_DIRECTIVES", default_value_t = DEFAULT_MAX_DIRECTIVES, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=100))]
    pub max_directives: usize,

    /// Longest chain of fragments spreading fragments.
    #[arg(long, env = "COOPGATE_MAX_FRAGMENT_DEPTH", value_name = "COOPGATE_MAX_FRAGMENT_DEPTH", default_value_t = DEFAULT_MAX_FRAGMENT_DEPTH, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=64))]
    pub max_fragment_depth: usize,

    /// Largest number of field selections after fragment expansion (duplicate-field floods).
    #[arg(long, env = "COOPGATE_MAX_FIELDS", value_name = "COOPGATE_MAX_FIELDS", default_value_t = DEFAULT_MAX_FIELDS, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1_000_000))]
    pub max_fields: usize,

    /// Largest computed cost of one operation (see docs/hardening.md).
    #[arg(long, env = "COOPGATE_MAX_COST", value_name = "COOPGATE_MAX_COST", default_value_t = DEFAULT_MAX_COST, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub max_cost: u64,

    /// Largest GraphQL document (the `query` text) in bytes, refused before it
    /// is scanned or parsed.
    #[arg(long, env = "COOPGATE_MAX_DOCUMENT_BYTES", value_name = "COOPGATE_MAX_DOCUMENT_BYTES", default_value_t = DEFAULT_MAX_DOCUMENT_BYTES, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(256..=64 * 1024 * 1024))]
    pub max_document_bytes: usize,

    /// Most variable definitions in one document (counted before parsing).
    #[arg(long, env = "COOPGATE_MAX_VARIABLES", value_name = "COOPGATE_MAX_VARIABLES", default_value_t = DEFAULT_MAX_VARIABLES, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=100_000))]
    pub max_variables: usize,

    /// Most fragment definitions in one document (counted before parsing).
    #[arg(long, env = "COOPGATE_MAX_FRAGMENTS", value_name = "COOPGATE_MAX_FRAGMENTS", default_value_t = DEFAULT_MAX_FRAGMENTS, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=100_000))]
    pub max_fragments: usize,

    /// Most field and directive arguments in one document (counted before parsing).
    #[arg(long, env = "COOPGATE_MAX_ARGUMENTS", value_name = "COOPGATE_MAX_ARGUMENTS", default_value_t = DEFAULT_MAX_ARGUMENTS, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=1_000_000))]
    pub max_arguments: usize,

    /// Longest wait for a request's headers, and between two requests of a
    /// keep-alive connection; the connection is closed after it.
    #[arg(long, env = "COOPGATE_HEADER_READ_TIMEOUT", value_name = "COOPGATE_HEADER_READ_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub header_read_timeout: Duration,

    /// Most connections served at once; beyond it (and a small reserve for
    /// `/healthz` and `/readyz`) new connections get a 503 and are closed.
    #[arg(long, env = "COOPGATE_MAX_CONNECTIONS", value_name = "COOPGATE_MAX_CONNECTIONS", default_value_t = DEFAULT_MAX_CONNECTIONS, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1_000_000))]
    pub max_connections: usize,

    /// Longest a websocket may stay open without `connection_init` (closed with 4408).
    #[arg(long, env = "COOPGATE_WS_INIT_TIMEOUT", value_name = "COOPGATE_WS_INIT_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub ws_init_timeout: Duration,

    /// Most subscriptions running on one websocket connection.
    #[arg(long, env = "COOPGATE_MAX_SUBSCRIPTIONS_PER_CONNECTION", value_name = "COOPGATE_MAX_SUBSCRIPTIONS_PER_CONNECTION", default_value_t = DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=10_000))]
    pub max_subscriptions_per_connection: usize,

    /// Most subscriptions one principal (token subject; anonymous: client
    /// address) runs at once, over all its connections to this replica.
    #[arg(long, env = "COOPGATE_MAX_SUBSCRIPTIONS_PER_PRINCIPAL", value_name = "COOPGATE_MAX_SUBSCRIPTIONS_PER_PRINCIPAL", default_value_t = DEFAULT_MAX_SUBSCRIPTIONS_PER_PRINCIPAL, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1_000_000))]
    pub max_subscriptions_per_principal: usize,

    /// Most messages waiting to be sent on one websocket connection; a
    /// client that lets it fill is a slow consumer and is disconnected
    /// (close code 1013).
    #[arg(long, env = "COOPGATE_SUBSCRIPTION_QUEUE", value_name = "COOPGATE_SUBSCRIPTION_QUEUE", default_value_t = DEFAULT_SUBSCRIPTION_QUEUE, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=100_000))]
    pub subscription_queue: usize,

    /// Largest number of operations in one batched POST; 0 turns batching off.
    #[arg(long, env = "COOPGATE_MAX_BATCH", value_name = "COOPGATE_MAX_BATCH", default_value_t = DEFAULT_MAX_BATCH, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=100))]
    pub max_batch: usize,

    /// Longest a request may take before it is answered 503 (e.g. 30s).
    #[arg(long, env = "COOPGATE_REQUEST_TIMEOUT", value_name = "COOPGATE_REQUEST_TIMEOUT", default_value = "30s", value_parser = parse_duration)]
    pub request_timeout: Duration,

    /// Longest one SQL statement may run on PostgreSQL (`statement_timeout`);
    /// SQLite has no statement timeout.
    #[arg(long, env = "COOPGATE_DB_STATEMENT_TIMEOUT", value_name = "COOPGATE_DB_STATEMENT_TIMEOUT", default_value = "20s", value_parser = parse_duration)]
    pub db_statement_timeout: Duration,

    /// Cost points one principal (token subject, or client IP when anonymous)
    /// may spend per minute; 0 turns rate limiting off.
    #[arg(long, env = "COOPGATE_RATE_LIMIT_COST_PER_MINUTE", value_name = "COOPGATE_RATE_LIMIT_COST_PER_MINUTE", default_value_t = DEFAULT_RATE_LIMIT_COST_PER_MINUTE)]
    pub rate_limit_cost_per_minute: u32,

    /// Header that carries the client address set by a trusted reverse proxy
    /// (e.g. `x-forwarded-for`; its last address is used). Unset: the peer address.
    #[arg(long, env = "COOPGATE_CLIENT_IP_HEADER", value_name = "COOPGATE_CLIENT_IP_HEADER")]
    pub client_ip_header: Option<axum::http::HeaderName>,

    /// Introspection: auto (dev on, production off), on or off.
    #[arg(long, env = "COOPGATE_INTROSPECTION", value_name = "COOPGATE_INTROSPECTION", value_enum, default_value_t = Introspection::Auto, hide_possible_values = true)]
    pub introspection: Introspection,

    /// Browser origins allowed by CORS, comma-separated (e.g.
    /// `https://portal.example.vn`); none by default.
    #[arg(long, env = "COOPGATE_CORS_ORIGINS", value_name = "COOPGATE_CORS_ORIGINS", value_delimiter = ',', value_parser = parse_origin)]
    pub cors_origins: Vec<String>,

    /// Language of messages for a request whose `Accept-Language` names
    /// neither `vi` nor `en` (or has none): `vi` or `en`; unset, `vi` in the
    /// production profile and `en` in the dev profile.
    #[arg(long, env = "COOPGATE_DEFAULT_LANGUAGE", value_name = "COOPGATE_DEFAULT_LANGUAGE", value_parser = crate::domain::messages::parse_language)]
    pub default_language: Option<crate::domain::Language>,

    /// Persisted-operation manifest (JSON object: SHA-256 hex → document).
    /// When set, only these documents run.
    #[arg(long, env = "COOPGATE_PERSISTED_OPERATIONS", value_name = "COOPGATE_PERSISTED_OPERATIONS")]
    pub persisted_operations: Option<PathBuf>,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_depth: DEFAULT_MAX_DEPTH,
            max_aliases: DEFAULT_MAX_ALIASES,
            max_root_fields: DEFAULT_MAX_ROOT_FIELDS,
            max_directives: DEFAULT_MAX_DIRECTIVES,
            max_fragment_depth: DEFAULT_MAX_FRAGMENT_DEPTH,
            max_fields: DEFAULT_MAX_FIELDS,
            max_cost: DEFAULT_MAX_COST,
            max_document_bytes: DEFAULT_MAX_DOCUMENT_BYTES,
            max_variables: DEFAULT_MAX_VARIABLES,
            max_fragments: DEFAULT_MAX_FRAGMENTS,
            max_arguments: DEFAULT_MAX_ARGUMENTS,
            header_read_timeout: Duration::from_secs(10),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            ws_init_timeout: Duration::from_secs(10),
            max_subscriptions_per_connection: DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION,
            max_subscriptions_per_principal: DEFAULT_MAX_SUBSCRIPTIONS_PER_PRINCIPAL,
            subscription_queue: DEFAULT_SUBSCRIPTION_QUEUE,
            max_batch: DEFAULT_MAX_BATCH,
            request_timeout: Duration::from_secs(30),
            db_statement_timeout: Duration::from_secs(20),
            rate_limit_cost_per_minute: DEFAULT_RATE_LIMIT_COST_PER_MINUTE,
            client_ip_header: None,
            introspection: Introspection::Auto,
            cors_origins: Vec::new(),
            default_language: None,
            persisted_operations: None,
        }
    }
}

impl LimitsConfig {
    /// Whether introspection is answered (`dev_profile`: the server runs
    /// in the dev profile, where `auto` means on).
    pub fn introspection_enabled(&self, dev_profile: bool) -> bool {
        match self.introspection {
            Introspection::On => true,
            Introspection::Off => false,
            Introspection::Auto => dev_profile,
        }
    }
}
