//! Configuration: one typed struct, read from flags and environment by clap.
//! A bad value stops start-up with one line naming the setting.

use clap::{Args, ValueEnum};
use std::net::SocketAddr;

/// Deployment profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Profile {
    /// Local development: GraphQL IDE, demo data on an empty database,
    /// migrations applied at start.
    Dev,
    /// Production: no IDE, no demo data, migrations applied by `coopgate migrate`.
    Production,
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// The default database: an SQLite file under `./data/`.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/coopgate.db";

fn parse_database_url(s: &str) -> Result<String, String> {
    match crate::storage::Engine::of_url(s) {
        Some(_) => Ok(s.to_owned()),
        None => Err("must start with sqlite:// or postgres://".to_owned()),
    }
}

/// Settings every subcommand shares.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Database URL: `sqlite://PATH` (created when missing) or `postgres://USER@HOST/DB`.
    #[arg(long, env = "DATABASE_URL", value_name = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, value_parser = parse_database_url, global = true, hide_env_values = true)]
    pub database_url: String,

    /// Deployment profile.
    #[arg(long, env = "COOPGATE_PROFILE", value_name = "COOPGATE_PROFILE", value_enum, default_value_t = Profile::Dev, global = true)]
    pub profile: Profile,

    /// Log format; the level comes from RUST_LOG (default `info`).
    #[arg(long, env = "COOPGATE_LOG_FORMAT", value_name = "COOPGATE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,

    /// Largest number of pooled database connections.
    #[arg(long, env = "COOPGATE_DB_MAX_CONNECTIONS", value_name = "COOPGATE_DB_MAX_CONNECTIONS", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000), global = true)]
    pub db_max_connections: u32,
}

/// Settings of `coopgate serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeConfig {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "COOPGATE_LISTEN", value_name = "COOPGATE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Scale of the demo data seeded into an empty database in the dev profile.
    #[arg(long, env = "COOPGATE_DEMO_SCALE", value_name = "COOPGATE_DEMO_SCALE", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub demo_scale: u32,

    /// Seed demo data into an empty registry (dev profile only).
    #[arg(long, env = "COOPGATE_DEMO", value_name = "COOPGATE_DEMO", default_value_t = true, action = clap::ArgAction::Set)]
    pub demo: bool,
}

impl Config {
    /// The database URL with any password replaced, for logs.
    pub fn redacted_database_url(&self) -> String {
        match url::Url::parse(&self.database_url) {
            Ok(mut u) if u.password().is_some() => {
                let _ = u.set_password(Some("***"));
                u.to_string()
            }
            _ => self.database_url.clone(),
        }
    }
}
