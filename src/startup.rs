//! Building the application: database, migrations, gazetteer, demo data,
//! schema and listener. `Application::build` binds before it returns, so
//! port 0 works and `port()` tells the port.

use crate::config::{Config, Profile, ServeConfig};
use crate::domain::Gazetteer;
use crate::graphql;
use crate::http::{self, HttpState};
use crate::seed;
use crate::state::AppState;
use crate::storage::{self, Engine, PoolSettings, StatementCounter, StorageError};
use migration::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// Why the application could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The database could not be opened.
    #[error("DATABASE_URL: cannot open the database: {0}")]
    Database(#[source] StorageError),
    /// The SQLite file's folder could not be created.
    #[error("DATABASE_URL: cannot create {path}: {source}")]
    DataDir { path: String, source: std::io::Error },
    /// Applying migrations failed.
    #[error("migrations failed: {0}")]
    Migration(#[source] sea_orm::DbErr),
    /// The production profile found unapplied migrations.
    #[error("the database schema is {0} migration(s) behind: run `coopgate migrate` first")]
    SchemaBehind(usize),
    /// No administrative units in the database.
    #[error("no administrative units in the database: run `coopgate migrate` first")]
    NoReferenceData,
    /// Demo data could not be seeded.
    #[error("seeding demo data failed: {0}")]
    Seed(#[from] seed::SeedError),
    /// The JWT keys are misconfigured.
    #[error(transparent)]
    Keys(#[from] crate::auth::jwt::KeyError),
    /// The audit signing key is unusable.
    #[error(transparent)]
    EvidenceKeys(#[from] crate::evidence::KeyError),
    /// The national-systems settings are invalid.
    #[error("{0}")]
    National(String),
    /// The in-process simulator could not start.
    #[error("national sandbox: {0}")]
    Sandbox(String),
    /// A limit setting cannot be used (e.g. an unreadable persisted-operation manifest).
    #[error("{0}")]
    Limits(String),
    /// The listen address is taken or not allowed.
    #[error("COOPGATE_LISTEN: cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    /// The metrics address is taken or not allowed.
    #[error("COOPGATE_METRICS_LISTEN: cannot listen on {addr}: {source}")]
    MetricsBind { addr: SocketAddr, source: std::io::Error },
    /// Redis is configured but cannot be reached.
    #[error("COOPGATE_REDIS_URL: {0}")]
    Redis(String),
}

/// Creates the folder of an SQLite database file when it is missing.
fn ensure_sqlite_dir(url: &str) -> Result<(), StartupError> {
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path.starts_with(":memory:") {
        return Ok(());
    }
    if let Some(dir) = std::path::Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|source| StartupError::DataDir { path: dir.display().to_string(), source })?;
    }
    Ok(())
}

/// Opens the configured database.
pub async fn open_database(config: &Config) -> Result<(DatabaseConnection, StatementCounter), StartupError> {
    if Engine::of_url(&config.database_url) == Some(Engine::Sqlite) {
        ensure_sqlite_dir(&config.database_url)?;
    }
    let settings = PoolSettings { max_connections: config.db_max_connections, ..PoolSettings::default() };
    storage::connect(&config.database_url, &settings).await.map_err(StartupError::Database)
}

/// Opens the database for serving: as [`open_database`], with the
/// PostgreSQL statement timeout of `limits`.
pub async fn open_serving_database(
    config: &Config,
    limits: &crate::limits::LimitsConfig,
) -> Result<(DatabaseConnection, StatementCounter), StartupError> {
    if Engine::of_url(&config.database_url) == Some(Engine::Sqlite) {
        ensure_sqlite_dir(&config.database_url)?;
    }
    let settings = PoolSettings {
        max_connections: config.db_max_connections,
        statement_timeout: Some(limits.db_statement_timeout),
        ..PoolSettings::default()
    };
    storage::connect(&config.database_url, &settings).await.map_err(StartupError::Database)
}

/// Swaps the pool that migrated and seeded (no statement timeout: those
/// statements may be long) for one whose sessions have the serving limits.
/// SQLite has no statement timeout, so its pool is kept.
async fn reopen_for_serving(
    db: DatabaseConnection,
    statements: StatementCounter,
    config: &Config,
    limits: &crate::limits::LimitsConfig,
) -> Result<(DatabaseConnection, StatementCounter), StartupError> {
    if Engine::of_url(&config.database_url) != Some(Engine::Postgres) {
        return Ok((db, statements));
    }
    let _ = db.close().await;
    open_serving_database(config, limits).await
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), StartupError> {
    Migrator::up(db, None).await.map_err(StartupError::Migration)
}

/// Loads the gazetteer, judging "in force" on today's date.
pub async fn load_gazetteer(db: &DatabaseConnection) -> Result<Arc<Gazetteer>, StartupError> {
    let (units, successions) = storage::units::load_all(db).await.map_err(StartupError::Database)?;
    if units.is_empty() {
        return Err(StartupError::NoReferenceData);
    }
    Ok(Arc::new(Gazetteer::new(units, successions, chrono::Utc::now().date_naive())))
}

/// The national systems as configured: a client, and the in-process
/// simulator when in sandbox mode (kept alive with it).
pub struct National {
    /// The client.
    pub client: Arc<crate::sync::client::HttpNational>,
    /// The sandbox, if any.
    pub sandbox: Option<crate::sim::SimHandle>,
}

/// Connects to the national systems the configuration names; `None` when off.
pub async fn national(config: &Config) -> Result<Option<National>, StartupError> {
    use crate::config::NationalMode;
    use crate::sync::client::{Endpoints, HttpNational};
    let timeout = std::time::Duration::from_millis(config.national.national_timeout_ms);
    let tls = config.national.tls().map_err(|e| StartupError::National(e.to_string()))?;
    let (endpoints, sandbox) = match config.national.mode(config.profile).map_err(StartupError::National)? {
        NationalMode::Off => return Ok(None),
        NationalMode::Remote(e) => {
            let plain = [&e.tax_url, &e.ncrs_url].into_iter().find(|u| !u.starts_with("https://"));
            if let (true, Some(url)) = (tls.is_set(), plain) {
                let setting = if tls.has_client_certificate() {
                    crate::config::NATIONAL_CLIENT_CERT
                } else {
                    crate::config::NATIONAL_CA
                };
                return Err(StartupError::National(format!(
                    "{setting}: mutual TLS needs https:// national URLs, got {url}"
                )));
            }
            if !tls.has_client_certificate() && config.profile == Profile::Production {
                tracing::warn!(
                    "COOPGATE_NATIONAL_CLIENT_CERT is not set: the national link authenticates with the client secret only"
                );
            }
            (e, None)
        }
        NationalMode::Sandbox if tls.is_set() => {
            return Err(StartupError::National(
                "COOPGATE_NATIONAL_CLIENT_CERT/COOPGATE_NATIONAL_CA: apply to national https:// URLs, not to the \
                 in-process sandbox (run `coopgate national-sim --tls-cert …` and point COOPGATE_NATIONAL at it)"
                    .to_owned(),
            ))
        }
        NationalMode::Sandbox => {
            let sim = crate::sim::SimConfig {
                listen: "127.0.0.1:0".parse().map_err(|e| StartupError::Sandbox(format!("{e}")))?,
                ..Default::default()
            };
            let handle = crate::sim::spawn(sim).await.map_err(|e| StartupError::Sandbox(e.to_string()))?;
            let url = handle.base_url();
            let endpoints = Endpoints {
                tax_url: url.clone(),
                ncrs_url: url,
                client_id: crate::sim::DEFAULT_CLIENT_ID.to_owned(),
                client_secret: crate::sim::DEFAULT_CLIENT_SECRET.to_owned(),
                timeout,
            };
            tracing::info!(url = %handle.base_url(), "national systems: in-process sandbox");
            (endpoints, Some(handle))
        }
    };
    let client = HttpNational::with_tls(endpoints, &tls).map_err(|e| {
        StartupError::National(format!("national client: cannot be built with these TLS settings: {e}"))
    })?;
    if tls.is_set() {
        tracing::info!(
            client_certificate = tls.has_client_certificate(),
            pinned_ca = tls.pins_ca(),
            "national systems: TLS 1.2+ with the configured certificates"
        );
    }
    Ok(Some(National { client: Arc::new(client), sandbox }))
}

/// The audit evidence keys the configuration names; in production without
/// a signing key, checkpoints are off and a warning says so at every start
/// (`announce`: long-running roles; one-shot commands keep their output clean).
pub fn evidence_keys(config: &Config, announce: bool) -> Result<crate::evidence::Keys, StartupError> {
    let keys = crate::evidence::Keys::load(&config.evidence.key_settings(config.profile))?;
    if !announce {
        return Ok(keys);
    }
    if !keys.signs() {
        tracing::warn!(
            "COOPGATE_AUDIT_SIGNING_KEY_FILE is not set: audit checkpoints are NOT signed, so the trail proves \
             nothing against an operator who rewrites it whole (see docs/evidence.md)"
        );
    } else if config.profile == Profile::Dev && config.evidence.audit_signing_key_file.is_none() {
        tracing::warn!("dev profile: audit checkpoints are signed with the public development key");
    }
    if keys.person_key("0").is_none() {
        tracing::warn!(
            "no person-hash secret (COOPGATE_AUDIT_PERSON_SECRET or a signing key): personalDataReads cannot answer"
        );
    }
    Ok(keys)
}

/// The worker settings from the configuration; refuses a lease a delivery
/// could outlive (see `WorkerSettings::check`).
pub fn worker_settings(config: &Config) -> Result<crate::sync::worker::WorkerSettings, StartupError> {
    let n = &config.national;
    let settings = crate::sync::worker::WorkerSettings {
        max_attempts: n.sync_max_attempts,
        lease: std::time::Duration::from_secs(n.sync_lease_seconds),
        backoff_base: std::time::Duration::from_millis(n.sync_backoff_ms),
        backoff_cap: std::time::Duration::from_millis(n.sync_backoff_cap_ms),
        concurrency: n.sync_concurrency as usize,
        ..Default::default()
    };
    settings.check(std::time::Duration::from_millis(n.national_timeout_ms)).map_err(StartupError::National)?;
    Ok(settings)
}

/// Every few seconds, runs the export jobs no replica is running and
/// deletes expired export files, until `shutdown`.
async fn run_exports(state: AppState, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tick.tick() => {
                if let Err(e) = crate::service::export::run_pending(&state).await {
                    tracing::warn!(error = %e, "export jobs: will try again");
                }
            }
        }
    }
}

/// The application, bound and ready to serve.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    port: u16,
    national: Option<National>,
    worker: Option<crate::sync::worker::WorkerSettings>,
    edge: Arc<http::protocol::Edge>,
    dev_tokens: Option<Arc<http::ide::DevTokens>>,
    metrics: Option<Metrics>,
    database_url: String,
    /// The scale `POST /sandbox/reset` seeds the demo registry at.
    demo_scale: u32,
}

/// Where `/metrics` is served.
pub struct Metrics {
    /// The recorder's handle.
    pub handle: metrics_exporter_prometheus::PrometheusHandle,
    /// Its own listener (`COOPGATE_METRICS_LISTEN`), or `None` for the main port.
    pub listener: Option<TcpListener>,
}

impl Metrics {
    /// Installs the recorder for `role` and binds the metrics listener
    /// when one is configured; `None` when metrics are off.
    pub async fn set_up(ops: &crate::config::OpsConfig, role: &'static str) -> Result<Option<Metrics>, StartupError> {
        if !ops.metrics {
            return Ok(None);
        }
        let Some(handle) = crate::meter::install(role) else { return Ok(None) };
        let listener = match ops.metrics_listen {
            Some(addr) => {
                let l = TcpListener::bind(addr).await.map_err(|source| StartupError::MetricsBind { addr, source })?;
                tracing::info!(address = %l.local_addr().unwrap_or(addr), "metrics: /metrics on its own listener");
                Some(l)
            }
            None => None,
        };
        Ok(Some(Metrics { handle, listener }))
    }

    /// The port of its own listener, if it has one.
    pub fn port(&self) -> Option<u16> {
        self.listener.as_ref().and_then(|l| l.local_addr().ok()).map(|a| a.port())
    }

    /// Serves `/metrics` on its own listener until `shutdown` (spawned);
    /// returns the route to merge into the main router otherwise.
    pub fn start(self, app: &AppState, shutdown: &CancellationToken) -> Option<axum::Router> {
        let state = http::metrics::MetricsState { app: app.clone(), handle: self.handle };
        match self.listener {
            Some(l) => {
                let stop = shutdown.clone();
                tokio::spawn(async move {
                    if let Err(e) = http::metrics::serve_alone(l, state, stop).await {
                        tracing::error!(error = %e, "metrics listener stopped");
                    }
                });
                None
            }
            None => Some(http::metrics::routes(state)),
        }
    }
}

/// The rate limiter's buckets in Redis, when `COOPGATE_REDIS_URL` is set.
async fn share_rate_limits(
    edge: &mut http::protocol::Edge,
    ops: &crate::config::OpsConfig,
) -> Result<(), StartupError> {
    let Some(url) = &ops.redis_url else { return Ok(()) };
    let Some(limiter) = edge.rate.take() else { return Ok(()) };
    let shared = http::rate_limit::SharedBuckets::connect(url, &ops.redis_key_prefix)
        .await
        .map_err(|e| StartupError::Redis(e.to_string()))?;
    tracing::info!(prefix = %ops.redis_key_prefix, "rate limits shared through Redis");
    edge.rate = Some(limiter.shared_through(shared));
    Ok(())
}

impl Application {
    /// Opens the database, brings its schema up to date (dev) or checks it
    /// (production), seeds demo data into an empty dev registry, and binds.
    pub async fn build(config: &Config, serve: &ServeConfig) -> Result<Self, StartupError> {
        let mut edge = http::protocol::Edge::new(&serve.limits, config.profile).map_err(StartupError::Limits)?;
        share_rate_limits(&mut edge, &serve.ops).await?;
        let edge = Arc::new(edge);
        let metrics = Metrics::set_up(&serve.ops, "gateway").await?;
        let (db, statements) = open_database(config).await?;
        match config.profile {
            Profile::Dev => migrate(&db).await?,
            Profile::Production => {
                let pending = Migrator::get_pending_migrations(&db).await.map_err(StartupError::Migration)?;
                if !pending.is_empty() {
                    return Err(StartupError::SchemaBehind(pending.len()));
                }
            }
        }
        let gazetteer = load_gazetteer(&db).await?;
        let seeded = config.profile == Profile::Dev && serve.demo && seed::registry_is_empty(&db).await?;
        if seeded {
            tracing::info!(scale = serve.demo_scale, "empty registry: seeding demo data");
            let summary = seed::demo(&db, &gazetteer, serve.demo_scale, false).await?;
            tracing::info!(?summary, "demo data seeded");
        }
        let (db, statements) = reopen_for_serving(db, statements, config, &serve.limits).await?;
        storage::safety::report(&db).await;
        let listener = TcpListener::bind(serve.listen)
            .await
            .map_err(|source| StartupError::Bind { addr: serve.listen, source })?;
        let port = listener.local_addr().map_err(|source| StartupError::Bind { addr: serve.listen, source })?.port();
        let provinces = gazetteer.provinces(false).into_iter().map(|p| p.code.clone()).collect();
        let authenticator = crate::auth::jwt::Authenticator::new(&config.key_settings(), provinces)?.map(Arc::new);
        if authenticator.is_none() {
            tracing::warn!("no JWT key configured: every caller is anonymous and nothing can be written");
        } else if config.profile == Profile::Dev && !config.auth_configured() {
            tracing::warn!(
                "dev profile: using the built-in development JWT key (`coopgate token` mints tokens for it)"
            );
        }
        let state = AppState {
            db,
            statements,
            gazetteer,
            profile: config.profile,
            authenticator,
            write_gate: Default::default(),
            feed: crate::service::feed::FeedHub::default(),
            reporting: Arc::new(config.reporting.clone()),
            aggregates: Default::default(),
            evidence: Arc::new(evidence_keys(config, true)?),
        };
        if seeded {
            let targets = seed::demo_targets(&state).await?;
            tracing::info!(targets, "the plans' targets imported into the demo registry");
        }
        let national = national(config).await?;
        if let Some(n) = &national {
            n.client.set_log(Arc::new(crate::service::evidence::TrailExchangeLog::new(state.clone())));
        }
        let worker = match config.national.sync_worker && national.is_some() {
            true => Some(worker_settings(config)?),
            false => None,
        };
        let dev_tokens = http::ide::DevTokens::for_config(config).map(Arc::new);
        Ok(Application {
            listener,
            state,
            port,
            national,
            worker,
            edge,
            dev_tokens,
            metrics,
            database_url: config.database_url.clone(),
            demo_scale: serve.demo_scale,
        })
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of the separate metrics listener, if configured.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().and_then(Metrics::port)
    }

    /// The shared state (tests read its statement counter).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` is cancelled, then finishes in-flight requests.
    pub async fn run_until_stopped(self, shutdown: CancellationToken) -> std::io::Result<()> {
        tokio::spawn(self.state.feed.clone().run_tailer(self.state.db.clone(), shutdown.clone()));
        if Engine::of_url(&self.database_url) == Some(Engine::Postgres) {
            tokio::spawn(self.state.feed.clone().listen(self.database_url.clone(), shutdown.clone()));
        }
        let checkpoints = tokio::spawn(crate::meter::background(crate::service::evidence::run_checkpoints(
            self.state.clone(),
            shutdown.clone(),
        )));
        if let (Some(n), Some(settings)) = (&self.national, self.worker.clone()) {
            let worker = crate::sync::worker::Worker::new(self.state.clone(), n.client.clone(), settings);
            tokio::spawn(worker.run(shutdown.clone()));
        }
        tokio::spawn(crate::meter::background(run_exports(self.state.clone(), shutdown.clone())));
        let national = self.national;
        let schema = graphql::build_hardened_schema(self.state.clone(), &self.edge.config);
        let streaming = graphql::build_streaming_schema(self.state.clone(), &self.edge.config, self.edge.guard.clone());
        if let Some(limiter) = self.edge.rate.clone() {
            let stop = shutdown.clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
                loop {
                    tokio::select! {
                        _ = stop.cancelled() => break,
                        _ = tick.tick() => limiter.forget_idle(),
                    }
                }
            });
        }
        let metrics_routes = self.metrics.and_then(|m| m.start(&self.state, &shutdown));
        let serve_limits = self.edge.config.clone();
        let mut router = http::router(HttpState {
            app: self.state,
            schema,
            streaming,
            edge: self.edge,
            dev_tokens: self.dev_tokens,
            sandbox: national.as_ref().and_then(|n| n.sandbox.as_ref()).map(crate::sim::SimHandle::control),
            demo_scale: self.demo_scale,
        });
        if let Some(m) = metrics_routes {
            router = router.merge(m);
        }
        let served = http::serve::serve(self.listener, router, (&serve_limits).into(), shutdown).await;
        // The last checkpoint covers everything written before the stop.
        if checkpoints.await.is_err() {
            tracing::error!("the audit checkpoint task ended abnormally");
        }
        if let Some(sandbox) = national.and_then(|n| n.sandbox) {
            sandbox.shutdown().await;
        }
        served
    }
}
