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

    /// JWT verification keys and claims.
    #[command(flatten)]
    pub auth: AuthConfig,

    /// Largest number of pooled database connections.
    #[arg(long, env = "COOPGATE_DB_MAX_CONNECTIONS", value_name = "COOPGATE_DB_MAX_CONNECTIONS", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000), global = true)]
    pub db_max_connections: u32,
}

fn parse_secret(s: &str) -> Result<String, String> {
    if s.len() < crate::auth::jwt::MIN_SECRET_BYTES {
        Err(format!("must be at least {} bytes", crate::auth::jwt::MIN_SECRET_BYTES))
    } else {
        Ok(s.to_owned())
    }
}

/// The development profile's HS256 secret, used only when no key is
/// configured and the profile is `dev`. Never used in production.
pub const DEV_JWT_SECRET: &str = "coopgate-dev-profile-secret-not-for-production";
/// The development profile's issuer.
pub const DEV_JWT_ISSUER: &str = "coopgate-dev";
/// The development profile's audience.
pub const DEV_JWT_AUDIENCE: &str = "coopgate";

/// JWT settings. With no key configured, the production profile accepts no
/// tokens (everyone is anonymous) and the dev profile uses a built-in
/// development key.
#[derive(Debug, Clone, Args, Default)]
pub struct AuthConfig {
    /// HS256 shared secret (at least 32 bytes).
    #[arg(long, env = "COOPGATE_JWT_HS256_SECRET", value_name = "COOPGATE_JWT_HS256_SECRET", value_parser = parse_secret, hide_env_values = true, global = true)]
    pub jwt_hs256_secret: Option<String>,

    /// RS256/ES256 public key (PEM) or JWKS file.
    #[arg(long, env = "COOPGATE_JWT_PUBLIC_KEY_FILE", value_name = "COOPGATE_JWT_PUBLIC_KEY_FILE", global = true)]
    pub jwt_public_key_file: Option<std::path::PathBuf>,

    /// Required `iss` claim (required with a key).
    #[arg(long, env = "COOPGATE_JWT_ISSUER", value_name = "COOPGATE_JWT_ISSUER", global = true)]
    pub jwt_issuer: Option<String>,

    /// Required `aud` claim (required with a key).
    #[arg(long, env = "COOPGATE_JWT_AUDIENCE", value_name = "COOPGATE_JWT_AUDIENCE", global = true)]
    pub jwt_audience: Option<String>,
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

    /// Limits, timeouts, rate limits and production switches.
    #[command(flatten)]
    pub limits: crate::limits::LimitsConfig,
}

impl Config {
    /// The key settings in force: the configured ones, or in the dev profile
    /// with none configured, the built-in development key.
    pub fn key_settings(&self) -> crate::auth::jwt::KeySettings {
        let a = &self.auth;
        let configured = crate::auth::jwt::KeySettings {
            hs256_secret: a.jwt_hs256_secret.clone(),
            public_key_file: a.jwt_public_key_file.clone(),
            issuer: a.jwt_issuer.clone(),
            audience: a.jwt_audience.clone(),
        };
        if configured.has_key() || self.profile == Profile::Production {
            return configured;
        }
        crate::auth::jwt::KeySettings {
            hs256_secret: Some(DEV_JWT_SECRET.to_owned()),
            public_key_file: None,
            issuer: Some(a.jwt_issuer.clone().unwrap_or_else(|| DEV_JWT_ISSUER.to_owned())),
            audience: Some(a.jwt_audience.clone().unwrap_or_else(|| DEV_JWT_AUDIENCE.to_owned())),
        }
    }

    /// Whether a key is configured explicitly.
    pub fn auth_configured(&self) -> bool {
        self.auth.jwt_hs256_secret.is_some() || self.auth.jwt_public_key_file.is_some()
    }

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
