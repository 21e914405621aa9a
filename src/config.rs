//! Configuration: typed settings read from flags and environment by clap.
//! Each subcommand takes only the groups it uses (see `src/main.rs`), each
//! group under its own help heading; [`Config`] gathers them for the library.
//! A bad value stops start-up with clap's error naming the setting.

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

/// The language of messages when a request asks for none the API speaks:
/// the setting, else Vietnamese in production and English in dev.
pub fn default_language(setting: Option<crate::domain::Language>, profile: Profile) -> crate::domain::Language {
    setting.unwrap_or(match profile {
        Profile::Production => crate::domain::Language::Vi,
        Profile::Dev => crate::domain::Language::En,
    })
}

/// The default database: an SQLite file under `./data/`.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/coopgate.db";

fn parse_database_url(s: &str) -> Result<String, String> {
    match crate::storage::Engine::of_url(s) {
        Some(_) => Ok(s.to_owned()),
        None => Err("must start with sqlite:// or postgres://".to_owned()),
    }
}

/// The database settings (heading "Database").
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Database")]
pub struct DatabaseArgs {
    /// Database URL: `sqlite://PATH` (created when missing) or `postgres://USER@HOST/DB`.
    #[arg(long, env = "DATABASE_URL", value_name = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, value_parser = parse_database_url, hide_env_values = true)]
    pub database_url: String,

    /// Largest number of pooled database connections.
    #[arg(long, env = "COOPGATE_DB_MAX_CONNECTIONS", value_name = "COOPGATE_DB_MAX_CONNECTIONS", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub db_max_connections: u32,
}

/// The deployment profile setting (heading "General").
#[derive(Debug, Clone, Copy, Args)]
#[command(next_help_heading = "General")]
pub struct ProfileArgs {
    /// Deployment profile: `dev` (IDE, demo data, migrations at start) or
    /// `production` (none of these; run `coopgate migrate` first).
    #[arg(long, env = "COOPGATE_PROFILE", value_name = "COOPGATE_PROFILE", value_enum, default_value_t = Profile::Dev, hide_possible_values = true)]
    pub profile: Profile,
}

/// The log format setting (heading "General").
#[derive(Debug, Clone, Copy, Args)]
#[command(next_help_heading = "General")]
pub struct LogArgs {
    /// Log format: `text` or `json` (one object per line); the level comes
    /// from RUST_LOG (default `info`).
    #[arg(long, env = "COOPGATE_LOG_FORMAT", value_name = "COOPGATE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, hide_possible_values = true)]
    pub log_format: LogFormat,
}

/// The settings the library reads: gathered from the groups a subcommand
/// takes ([`Config::new`]), or built directly (tests).
#[derive(Debug, Clone)]
pub struct Config {
    /// Database URL: `sqlite://PATH` (created when missing) or `postgres://USER@HOST/DB`.
    pub database_url: String,

    /// Deployment profile.
    pub profile: Profile,

    /// Log format; the level comes from RUST_LOG (default `info`).
    pub log_format: LogFormat,

    /// JWT verification keys and claims.
    pub auth: AuthConfig,

    /// The national systems and the sync worker.
    pub national: NationalConfig,

    /// Largest number of pooled database connections.
    pub db_max_connections: u32,

    /// The reporting calendar, exports and the sandbox.
    pub reporting: ReportingConfig,
    /// Audit evidence: checkpoint signing, person hashes, exchange bodies, retention.
    pub evidence: EvidenceConfig,
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
#[command(next_help_heading = "Authentication (JWT)")]
pub struct AuthConfig {
    /// HS256 shared secret (at least 32 bytes).
    #[arg(long, env = "COOPGATE_JWT_HS256_SECRET", value_name = "COOPGATE_JWT_HS256_SECRET", value_parser = parse_secret, hide_env_values = true)]
    pub jwt_hs256_secret: Option<String>,

    /// RS256/ES256 public key (PEM) or JWKS file.
    #[arg(long, env = "COOPGATE_JWT_PUBLIC_KEY_FILE", value_name = "COOPGATE_JWT_PUBLIC_KEY_FILE")]
    pub jwt_public_key_file: Option<std::path::PathBuf>,

    /// Required `iss` claim (required with a key).
    #[arg(long, env = "COOPGATE_JWT_ISSUER", value_name = "COOPGATE_JWT_ISSUER")]
    pub jwt_issuer: Option<String>,

    /// Required `aud` claim (required with a key).
    #[arg(long, env = "COOPGATE_JWT_AUDIENCE", value_name = "COOPGATE_JWT_AUDIENCE")]
    pub jwt_audience: Option<String>,
}

/// Where the national systems are, and how the sync worker behaves.
#[derive(Debug, Clone, Args, Default)]
#[command(next_help_heading = "National systems and sync")]
pub struct NationalConfig {
    /// `sandbox` (the simulator, in-process; default in dev), `off` (default in
    /// production), or the base URL of both national systems.
    #[arg(long, env = "COOPGATE_NATIONAL", value_name = "COOPGATE_NATIONAL")]
    pub national: Option<String>,
    /// Base URL of the tax registration system (overrides COOPGATE_NATIONAL).
    #[arg(long, env = "COOPGATE_NATIONAL_TAX_URL", value_name = "COOPGATE_NATIONAL_TAX_URL")]
    pub national_tax_url: Option<String>,
    /// Base URL of NCRS (overrides COOPGATE_NATIONAL).
    #[arg(long, env = "COOPGATE_NATIONAL_NCRS_URL", value_name = "COOPGATE_NATIONAL_NCRS_URL")]
    pub national_ncrs_url: Option<String>,
    /// OAuth2 client id at the national systems.
    #[arg(long, env = "COOPGATE_NATIONAL_CLIENT_ID", value_name = "COOPGATE_NATIONAL_CLIENT_ID")]
    pub national_client_id: Option<String>,
    /// OAuth2 client secret at the national systems (never logged).
    #[arg(
        long,
        env = "COOPGATE_NATIONAL_CLIENT_SECRET",
        value_name = "COOPGATE_NATIONAL_CLIENT_SECRET",
        hide_env_values = true
    )]
    pub national_client_secret: Option<String>,
    /// Client certificate (PEM, leaf first, chain after) presented to the
    /// national systems for mutual TLS; needs COOPGATE_NATIONAL_CLIENT_KEY.
    #[arg(long, env = "COOPGATE_NATIONAL_CLIENT_CERT", value_name = "COOPGATE_NATIONAL_CLIENT_CERT")]
    pub national_client_cert: Option<std::path::PathBuf>,
    /// Private key (PEM: PKCS#8, RSA or EC) of COOPGATE_NATIONAL_CLIENT_CERT.
    #[arg(long, env = "COOPGATE_NATIONAL_CLIENT_KEY", value_name = "COOPGATE_NATIONAL_CLIENT_KEY")]
    pub national_client_key: Option<std::path::PathBuf>,
    /// The national CA (PEM): when set, the national systems' certificates
    /// must be issued by it, and the built-in web roots are not trusted.
    #[arg(long, env = "COOPGATE_NATIONAL_CA", value_name = "COOPGATE_NATIONAL_CA")]
    pub national_ca: Option<std::path::PathBuf>,
    /// Timeout of every call to the national systems, in milliseconds.
    #[arg(long, env = "COOPGATE_NATIONAL_TIMEOUT_MS", value_name = "COOPGATE_NATIONAL_TIMEOUT_MS", default_value_t = 5000, value_parser = clap::value_parser!(u64).range(100..=120_000))]
    pub national_timeout_ms: u64,
    /// Attempts without progress (no step of the delivery done) before it is FAILED.
    #[arg(long, env = "COOPGATE_SYNC_MAX_ATTEMPTS", value_name = "COOPGATE_SYNC_MAX_ATTEMPTS", default_value_t = 20, value_parser = clap::value_parser!(i32).range(1..=100))]
    pub sync_max_attempts: i32,
    /// How long a worker holds a claimed delivery; a crashed worker's rows
    /// are claimed again after it.
    #[arg(long, env = "COOPGATE_SYNC_LEASE_SECONDS", value_name = "COOPGATE_SYNC_LEASE_SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub sync_lease_seconds: u64,
    /// First retry delay in milliseconds (doubles per attempt, full jitter, at most 60 s).
    #[arg(long, env = "COOPGATE_SYNC_BACKOFF_MS", value_name = "COOPGATE_SYNC_BACKOFF_MS", default_value_t = 500, value_parser = clap::value_parser!(u64).range(1..=60_000))]
    pub sync_backoff_ms: u64,
    /// Longest retry delay in milliseconds.
    #[arg(long, env = "COOPGATE_SYNC_BACKOFF_CAP_MS", value_name = "COOPGATE_SYNC_BACKOFF_CAP_MS", default_value_t = 60_000, value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
    pub sync_backoff_cap_ms: u64,
    /// Deliveries one worker has in flight at once.
    #[arg(long, env = "COOPGATE_SYNC_CONCURRENCY", value_name = "COOPGATE_SYNC_CONCURRENCY", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub sync_concurrency: u32,
    /// Run the sync worker inside `serve` (set false when `coopgate worker` runs separately).
    #[arg(long, env = "COOPGATE_SYNC_WORKER", value_name = "COOPGATE_SYNC_WORKER", default_value_t = true, action = clap::ArgAction::Set)]
    pub sync_worker: bool,
}

/// How coopgate reaches the national systems.
#[derive(Debug, Clone)]
pub enum NationalMode {
    /// Not at all: changes wait in the outbox.
    Off,
    /// The simulator, in-process.
    Sandbox,
    /// Real systems.
    Remote(crate::national::client::Endpoints),
}

impl NationalConfig {
    /// The mode in force for a profile; a remote mode needs its credentials.
    pub fn mode(&self, profile: Profile) -> Result<NationalMode, String> {
        let setting = self.national.as_deref().map(str::trim);
        let base = match (setting, profile) {
            (Some("off"), _) | (None, Profile::Production) if self.national_tax_url.is_none() => {
                return Ok(NationalMode::Off)
            }
            (Some("sandbox"), _) => return Ok(NationalMode::Sandbox),
            (None, Profile::Dev) if self.national_tax_url.is_none() => return Ok(NationalMode::Sandbox),
            (Some(url), _) if url.starts_with("http://") || url.starts_with("https://") => {
                Some(url.trim_end_matches('/').to_owned())
            }
            (Some(other), _) if other != "off" => {
                return Err(format!("COOPGATE_NATIONAL: must be sandbox, off or an http(s) URL, got {other:?}"))
            }
            _ => None,
        };
        let tax_url =
            self.national_tax_url.clone().or_else(|| base.clone()).ok_or("COOPGATE_NATIONAL_TAX_URL: required")?;
        let ncrs_url = self.national_ncrs_url.clone().or(base).ok_or("COOPGATE_NATIONAL_NCRS_URL: required")?;
        let client_id =
            self.national_client_id.clone().ok_or("COOPGATE_NATIONAL_CLIENT_ID: required with national URLs")?;
        let client_secret = self
            .national_client_secret
            .clone()
            .ok_or("COOPGATE_NATIONAL_CLIENT_SECRET: required with national URLs")?;
        Ok(NationalMode::Remote(crate::national::client::Endpoints {
            tax_url,
            ncrs_url,
            client_id,
            client_secret,
            timeout: std::time::Duration::from_millis(self.national_timeout_ms),
        }))
    }
}

/// The setting of the national client certificate.
pub const NATIONAL_CLIENT_CERT: &str = "COOPGATE_NATIONAL_CLIENT_CERT";
/// The setting of its private key.
pub const NATIONAL_CLIENT_KEY: &str = "COOPGATE_NATIONAL_CLIENT_KEY";
/// The setting of the pinned national CA.
pub const NATIONAL_CA: &str = "COOPGATE_NATIONAL_CA";

impl NationalConfig {
    /// The mutual-TLS settings, read and checked: the certificate and key
    /// go together, each file holds what it should, the key belongs to the
    /// certificate, the CA can be a trust anchor. An error names the
    /// setting and the file.
    pub fn tls(&self) -> Result<crate::national::client::NationalTls, crate::tls::TlsFileError> {
        use crate::tls::{check_pair, parse_certs, parse_key, read_pem_file, roots, TlsFileError};
        let missing = |setting: &str, other: &str| TlsFileError {
            setting: setting.to_owned(),
            origin: "(unset)".to_owned(),
            message: format!("required with {other}"),
        };
        let client = match (&self.national_client_cert, &self.national_client_key) {
            (None, None) => None,
            (Some(_), None) => return Err(missing(NATIONAL_CLIENT_KEY, NATIONAL_CLIENT_CERT)),
            (None, Some(_)) => return Err(missing(NATIONAL_CLIENT_CERT, NATIONAL_CLIENT_KEY)),
            (Some(cert_path), Some(key_path)) => {
                let cert_pem = read_pem_file(NATIONAL_CLIENT_CERT, cert_path)?;
                let certs = parse_certs(NATIONAL_CLIENT_CERT, &cert_path.display().to_string(), &cert_pem)?;
                let key_pem = read_pem_file(NATIONAL_CLIENT_KEY, key_path)?;
                let key_origin = key_path.display().to_string();
                let key = parse_key(NATIONAL_CLIENT_KEY, &key_origin, &key_pem)?;
                check_pair(NATIONAL_CLIENT_KEY, &key_origin, &certs, &key)?;
                Some(crate::tls::identity_pem(&certs, &key))
            }
        };
        let ca = match &self.national_ca {
            None => None,
            Some(path) => {
                let pem = read_pem_file(NATIONAL_CA, path)?;
                let origin = path.display().to_string();
                roots(NATIONAL_CA, &origin, &parse_certs(NATIONAL_CA, &origin, &pem)?)?;
                Some(pem)
            }
        };
        Ok(crate::national::client::NationalTls::new(client, ca))
    }
}

/// Settings of `coopgate serve`.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Serving")]
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
    #[command(flatten, next_help_heading = "Limits and hardening")]
    pub limits: crate::limits::LimitsConfig,

    /// Metrics, traces and the settings replicas share.
    #[command(flatten)]
    pub ops: OpsConfig,
}

impl Config {
    /// Gathers the groups a subcommand read; the groups it does not take
    /// are their defaults (no key, national systems unset).
    pub fn new(
        database: DatabaseArgs,
        profile: Profile,
        log_format: LogFormat,
        auth: AuthConfig,
        national: NationalConfig,
    ) -> Self {
        Config {
            database_url: database.database_url,
            profile,
            log_format,
            auth,
            national,
            db_max_connections: database.db_max_connections,
            reporting: ReportingConfig::default(),
            evidence: EvidenceConfig::default(),
        }
    }

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

/// Operations settings: metrics, traces and what replicas share (heading
/// "Operations"). See docs/operations.md.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Operations")]
pub struct OpsConfig {
    /// Serve Prometheus metrics at `/metrics` (on COOPGATE_LISTEN, or on
    /// COOPGATE_METRICS_LISTEN when set); `false` turns them off.
    #[arg(long, env = "COOPGATE_METRICS", value_name = "COOPGATE_METRICS", default_value_t = true, action = clap::ArgAction::Set)]
    pub metrics: bool,

    /// Serve `/metrics` on this address instead of the main port (e.g. an
    /// internal interface); the only way a `coopgate worker` serves them.
    #[arg(long, env = "COOPGATE_METRICS_LISTEN", value_name = "COOPGATE_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,

    /// Redis URL (`redis://HOST:PORT/DB`): rate limits are shared through it
    /// by every gateway using it; unset, each gateway limits on its own.
    #[arg(long, env = "COOPGATE_REDIS_URL", value_name = "COOPGATE_REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<String>,

    /// Prefix of every Redis key coopgate writes (several deployments may
    /// share one Redis).
    #[arg(
        long,
        env = "COOPGATE_REDIS_KEY_PREFIX",
        value_name = "COOPGATE_REDIS_KEY_PREFIX",
        default_value = "coopgate:"
    )]
    pub redis_key_prefix: String,

    /// Export traces over OTLP/HTTP to this collector URL (e.g.
    /// `http://collector:4318/v1/traces`); unset, no traces leave the process.
    #[arg(long, env = "COOPGATE_OTLP_ENDPOINT", value_name = "COOPGATE_OTLP_ENDPOINT")]
    pub otlp_endpoint: Option<String>,
}

impl Default for OpsConfig {
    /// The defaults of the flags: metrics on the main port, no Redis.
    fn default() -> Self {
        OpsConfig {
            metrics: true,
            metrics_listen: None,
            redis_url: None,
            redis_key_prefix: "coopgate:".to_owned(),
            otlp_endpoint: None,
        }
    }
}

fn parse_person_secret(s: &str) -> Result<String, String> {
    if s.len() < 32 {
        Err("must be at least 32 bytes".to_owned())
    } else {
        Ok(s.to_owned())
    }
}

/// The audit trail's evidence settings: signed checkpoints, the keyed hash
/// of identity numbers, exchange bodies and retention (`docs/evidence.md`).
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Audit evidence")]
pub struct EvidenceConfig {
    /// Ed25519 signing key of audit checkpoints: a file holding the 32-byte
    /// seed as 64 hex digits. Dev without it: a public development key.
    /// Production without it: no checkpoints are signed (a warning at start).
    #[arg(long, env = "COOPGATE_AUDIT_SIGNING_KEY_FILE", value_name = "COOPGATE_AUDIT_SIGNING_KEY_FILE")]
    pub audit_signing_key_file: Option<std::path::PathBuf>,
    /// Server secret of the keyed hash (HMAC-SHA256) stored instead of an
    /// identity number; derived from the signing key when unset.
    #[arg(long, env = "COOPGATE_AUDIT_PERSON_SECRET", value_name = "COOPGATE_AUDIT_PERSON_SECRET", value_parser = parse_person_secret, hide_env_values = true)]
    pub audit_person_secret: Option<String>,
    /// Sign a checkpoint after this many new audit events.
    #[arg(long, env = "COOPGATE_AUDIT_CHECKPOINT_EVERY", value_name = "COOPGATE_AUDIT_CHECKPOINT_EVERY", default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub audit_checkpoint_every: u32,
    /// …or after this many minutes with new events (and at shutdown).
    #[arg(long, env = "COOPGATE_AUDIT_CHECKPOINT_MINUTES", value_name = "COOPGATE_AUDIT_CHECKPOINT_MINUTES", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1440))]
    pub audit_checkpoint_minutes: u32,
    /// Store the request and answer bodies of national exchanges in the
    /// trail (off: only their SHA-256; the bodies hold personal data).
    #[arg(long, env = "COOPGATE_AUDIT_EXCHANGE_BODIES", value_name = "COOPGATE_AUDIT_EXCHANGE_BODIES", default_value_t = false, action = clap::ArgAction::Set)]
    pub audit_exchange_bodies: bool,
    /// Days audit events stay online; `coopgate audit prune` exports older
    /// ranges as bundles and removes them. Unset: kept for ever.
    #[arg(long, env = "COOPGATE_AUDIT_RETENTION_DAYS", value_name = "COOPGATE_AUDIT_RETENTION_DAYS", value_parser = clap::value_parser!(u32).range(1..=36_500))]
    pub audit_retention_days: Option<u32>,
}

impl EvidenceConfig {
    /// What the evidence keys are made from under `profile`.
    pub fn key_settings(&self, profile: Profile) -> crate::evidence::KeySettings {
        crate::evidence::KeySettings {
            dev: profile == Profile::Dev,
            signing_key_file: self.audit_signing_key_file.clone(),
            person_secret: self.audit_person_secret.clone(),
            keep_bodies: self.audit_exchange_bodies,
            checkpoint_every: i64::from(self.audit_checkpoint_every),
            checkpoint_interval: std::time::Duration::from_secs(u64::from(self.audit_checkpoint_minutes) * 60),
        }
    }
}

fn parse_due_day(s: &str) -> Result<crate::domain::calendar::DueDay, String> {
    crate::domain::calendar::DueDay::parse(s).map_err(|e| e.to_string())
}

/// The reporting calendar, bulk exports and the partner sandbox (heading
/// "Reporting, export and sandbox").
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Reporting, export and sandbox")]
pub struct ReportingConfig {
    /// Day of the reported year by which annual reports are due, `MM-DD`
    /// (Vietnam time; 15 December in Bình Phước's plan).
    #[arg(long, env = "COOPGATE_REPORT_DUE", value_name = "COOPGATE_REPORT_DUE", default_value = "12-15", value_parser = parse_due_day)]
    pub report_due: crate::domain::calendar::DueDay,

    /// How long a finished export can be downloaded, e.g. 24h.
    #[arg(long, env = "COOPGATE_EXPORT_TTL", value_name = "COOPGATE_EXPORT_TTL", default_value = "24h", value_parser = humantime::parse_duration)]
    pub export_ttl: std::time::Duration,
}

impl Default for ReportingConfig {
    fn default() -> Self {
        ReportingConfig { report_due: Default::default(), export_ttl: std::time::Duration::from_secs(24 * 3600) }
    }
}

impl Default for EvidenceConfig {
    fn default() -> Self {
        EvidenceConfig {
            audit_signing_key_file: None,
            audit_person_secret: None,
            audit_checkpoint_every: 1000,
            audit_checkpoint_minutes: 10,
            audit_exchange_bodies: false,
            audit_retention_days: None,
        }
    }
}
