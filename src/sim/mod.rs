//! `national-sim`: a simulator of the two national systems a province's
//! registry exchanges data with, in one HTTP server:
//!
//! - the **tax registration system** (hệ thống đăng ký thuế), under `/tax/v1`,
//!   which issues tax codes (mã số thuế);
//! - the **National Information System on Cooperative Registration** (Hệ
//!   thống thông tin quốc gia về đăng ký hợp tác xã, "NCRS"), under
//!   `/ncrs/v1`, which holds registered records, their status, annual reports
//!   and a change feed.
//!
//! Both need an OAuth2 client-credentials token (`POST /oauth/token`) and an
//! `Idempotency-Key` on every write. Faults (5xx, timeouts, latency, 429s,
//! outages, lost answers) are injected per request from a seeded random
//! stream; `/_sim/*` controls them and shows everything held. The interface
//! is documented in `docs/national-api.md` and
//! `docs/national-api.openapi.yaml`.
//!
//! It serves plain HTTP, or HTTPS (TLS 1.2+) with [`SimConfig::tls`], and
//! then can require client certificates of a given CA (mutual TLS): a
//! client without one is refused in the handshake, before any request is
//! read.
//!
//! The gateway and tests run it in-process with [`spawn`]; the binary runs it
//! with `coopgate national-sim`.

pub mod cli;
mod faults;
mod http;
mod input;
pub mod model;
mod server;
mod state;

#[cfg(test)]
mod tests;

pub use faults::Faults;
pub use model::SimRecords;

use server::Shared;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// How the simulator runs.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// Address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// OAuth2 clients accepted: `(client_id, client_secret)`.
    pub clients: Vec<(String, String)>,
    /// Lifetime of an access token.
    pub token_ttl: Duration,
    /// Share (0 to 1) of tax registrations answered 202 with a status
    /// resource to poll instead of 201 with the tax code.
    pub async_tax_share: f64,
    /// How long an asynchronous registration stays PENDING; its first poll
    /// is always PENDING.
    pub tax_pending: Duration,
    /// Faults in force at start.
    pub faults: Faults,
    /// JSON file the state is loaded from at start and written to
    /// (atomically) after every applied write; created with its folder when
    /// missing. None keeps the state in memory only.
    pub state_file: Option<PathBuf>,
    /// Seed of the random streams (faults, asynchronous answers, tax codes).
    pub seed: u64,
    /// Serve HTTPS (TLS 1.2+) with this certificate, and when it names a
    /// client CA, refuse the handshake of every client without a
    /// certificate issued by it (mutual TLS). None: plain HTTP.
    pub tls: Option<crate::tls::ServerTls>,
}

/// The simulator's TLS settings, as `coopgate national-sim` names them.
pub const TLS_SETTINGS: crate::tls::ServerTlsSettings<'static> = crate::tls::ServerTlsSettings {
    cert: "--tls-cert (COOPGATE_SIM_TLS_CERT)",
    key: "--tls-key (COOPGATE_SIM_TLS_KEY)",
    client_ca: "--client-ca (COOPGATE_SIM_CLIENT_CA)",
};

/// Longest token lifetime accepted (1 day).
pub const MAX_TOKEN_TTL: Duration = Duration::from_secs(86_400);
/// Longest time a registration may stay PENDING (10 minutes).
pub const MAX_TAX_PENDING: Duration = Duration::from_secs(600);

/// The default client id.
pub const DEFAULT_CLIENT_ID: &str = "coopgate";
/// The default client secret (a sandbox value, not a secret).
pub const DEFAULT_CLIENT_SECRET: &str = "coopgate-sandbox-secret";

impl Default for SimConfig {
    /// 127.0.0.1:8090, client `coopgate`/`coopgate-sandbox-secret`, tokens for
    /// 300 s, every registration answered at once, no faults, memory only.
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8090)),
            clients: vec![(DEFAULT_CLIENT_ID.to_owned(), DEFAULT_CLIENT_SECRET.to_owned())],
            token_ttl: Duration::from_secs(300),
            async_tax_share: 0.0,
            tax_pending: Duration::from_millis(200),
            faults: Faults::default(),
            state_file: None,
            seed: 20,
            tls: None,
        }
    }
}

/// Why the simulator could not start or take a setting.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A setting is out of range; names it.
    #[error("invalid simulator setting: {0}")]
    Config(String),
    /// The listen address is taken or not allowed.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// A TLS file cannot be used; names the setting.
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsFileError),
    /// The state file exists but cannot be read.
    #[error("state file {path}: {message}")]
    StateFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
}

impl SimConfig {
    /// Checks every setting.
    pub fn validate(&self) -> Result<(), SimError> {
        if self.clients.is_empty() {
            return Err(SimError::Config("at least one OAuth2 client is needed".into()));
        }
        if self.clients.iter().any(|(id, secret)| id.is_empty() || secret.is_empty()) {
            return Err(SimError::Config("client ids and secrets must not be empty".into()));
        }
        if self.token_ttl.is_zero() || self.token_ttl > MAX_TOKEN_TTL {
            return Err(SimError::Config(format!(
                "token_ttl must be more than 0 and at most {} s, got {:?}",
                MAX_TOKEN_TTL.as_secs(),
                self.token_ttl
            )));
        }
        if self.tax_pending > MAX_TAX_PENDING {
            return Err(SimError::Config(format!(
                "tax_pending must be at most {} s, got {:?}",
                MAX_TAX_PENDING.as_secs(),
                self.tax_pending
            )));
        }
        if !(0.0..=1.0).contains(&self.async_tax_share) {
            return Err(SimError::Config(format!("async_tax_share must be from 0 to 1, got {}", self.async_tax_share)));
        }
        self.tls_acceptor()?;
        validate_faults(&self.faults)
    }

    /// The TLS acceptor of [`SimConfig::tls`], if set.
    fn tls_acceptor(&self) -> Result<Option<tokio_rustls::TlsAcceptor>, SimError> {
        let Some(tls) = &self.tls else { return Ok(None) };
        let config = tls.server_config(TLS_SETTINGS)?;
        Ok(Some(tokio_rustls::TlsAcceptor::from(Arc::new(config))))
    }
}

fn validate_faults(faults: &Faults) -> Result<(), SimError> {
    faults.validate().map_err(|errors| {
        let text: Vec<String> = errors
            .into_iter()
            .map(|e| match e.field {
                Some(f) => format!("faults.{f} {}", e.message),
                None => e.message,
            })
            .collect();
        SimError::Config(text.join("; "))
    })
}

/// A running simulator. Dropping it leaves the server running until the
/// runtime stops; call [`SimHandle::shutdown`] to stop it.
pub struct SimHandle {
    addr: SocketAddr,
    https: bool,
    shared: Arc<Shared>,
    stop: CancellationToken,
    task: JoinHandle<()>,
}

impl SimHandle {
    /// `http://IP:PORT` (`https://` when serving TLS), without a trailing slash.
    pub fn base_url(&self) -> String {
        let scheme = if self.https { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Everything both systems hold (what `GET /_sim/records` answers).
    pub fn records(&self) -> SimRecords {
        self.shared.lock().state.snapshot()
    }

    /// How many calls the national systems' routes received (the token
    /// endpoint included, `/_sim` not), answered or not.
    pub fn calls_received(&self) -> u64 {
        self.shared.calls.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// How many TLS handshakes were refused or failed (no client
    /// certificate, one from another CA, a client that does not trust this
    /// server): nothing of those connections reached the routes.
    pub fn handshakes_refused(&self) -> u64 {
        self.shared.handshakes_refused.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The faults in force.
    pub fn faults(&self) -> Faults {
        self.shared.dice().faults().clone()
    }

    /// Replaces the faults in force; refused (and nothing changed) when a
    /// share is outside 0 to 1 or the exclusive shares add up past 1.
    pub fn set_faults(&self, faults: Faults) -> Result<(), SimError> {
        validate_faults(&faults)?;
        self.shared.dice().set(faults);
        Ok(())
    }

    /// The controls of this simulator, to share (the gateway's `/sandbox`
    /// endpoints hold one).
    pub fn control(&self) -> SimControl {
        SimControl { shared: self.shared.clone() }
    }

    /// Stops accepting, gives open connections a moment to finish, and
    /// returns when the server has stopped.
    pub async fn shutdown(self) {
        self.stop.cancel();
        if let Err(e) = self.task.await {
            tracing::warn!(error = %e, "national-sim server task ended abnormally");
        }
    }
}

/// The run-time controls of a running simulator: what `/_sim/faults` does,
/// and a reset. Cheap to clone; every clone controls the same simulator.
#[derive(Clone)]
pub struct SimControl {
    shared: Arc<Shared>,
}

impl SimControl {
    /// The faults in force.
    pub fn faults(&self) -> Faults {
        self.shared.dice().faults().clone()
    }

    /// Applies a partial update in the JSON shape of `POST /_sim/faults`
    /// (`errorRate`, `timeoutRate`, `hangMs`, `latencyMs`, `rateLimitRate`,
    /// `retryAfterSeconds`, `outage`, `loseAnswerRate`): only the fields
    /// present change; unknown fields and bad values are refused, all at
    /// once, and nothing changes.
    pub fn patch_faults(&self, body: &serde_json::Value) -> Result<Faults, Vec<model::FieldError>> {
        let mut dice = self.shared.dice();
        let next = dice.faults().patched(body)?;
        tracing::info!(faults = ?next, "national-sim: faults changed");
        dice.set(next.clone());
        Ok(next)
    }

    /// No faults any more; returns them (all off).
    pub fn clear_faults(&self) -> Faults {
        let mut dice = self.shared.dice();
        dice.set(Faults::default());
        dice.faults().clone()
    }

    /// Back to a fresh start: nothing held by either system, no faults, the
    /// random streams from their seed again.
    pub fn reset(&self) -> Result<(), SimError> {
        self.shared.reset().map_err(|message| SimError::StateFile { path: PathBuf::from("(state file)"), message })
    }
}

/// Checks the configuration, opens the state file (if any), binds
/// `config.listen` and serves in the background.
pub async fn spawn(config: SimConfig) -> Result<SimHandle, SimError> {
    config.validate()?;
    let tls = config.tls_acceptor()?;
    let state = match &config.state_file {
        Some(path) => server::open_state(path)?,
        None => state::State::default(),
    };
    let listener =
        TcpListener::bind(config.listen).await.map_err(|source| SimError::Bind { addr: config.listen, source })?;
    let addr = listener.local_addr().map_err(|source| SimError::Bind { addr: config.listen, source })?;
    let shared = Arc::new(Shared::new(&config, state));
    let router = http::router(shared.clone());
    let stop = CancellationToken::new();
    let https = tls.is_some();
    let task = tokio::spawn(server::serve(listener, router, tls, shared.clone(), stop.clone()));
    tracing::debug!(%addr, https, state_file = ?config.state_file, "national-sim listening");
    Ok(SimHandle { addr, https, shared, stop, task })
}
