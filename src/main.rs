//! The `coopgate` binary: one program, several roles.

use clap::{Args, CommandFactory, Parser, Subcommand};
use coopgate::config::{
    AuthConfig, Config, DatabaseArgs, EvidenceConfig, LogArgs, LogFormat, NationalConfig, Profile, ProfileArgs,
    ServeConfig,
};
use coopgate::startup::{self, Application};
use coopgate::{graphql, seed, sim, telemetry};
use migration::MigratorTrait;
use std::ffi::OsString;
use std::process::ExitCode;
use tokio_util::sync::CancellationToken;

/// The allocator of every role of the binary (see Cargo.toml): mimalloc,
/// measured faster than the system allocator on the read path.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// GraphQL gateway for Vietnam's provincial cooperative registries.
///
/// Without a subcommand, `coopgate [OPTIONS]` is `coopgate serve [OPTIONS]`.
/// Every setting is a flag or an environment variable (shown in each
/// subcommand's `--help`, under a heading per group).
#[derive(Parser)]
#[command(name = "coopgate", version, about, long_about = None, after_help = AFTER_HELP)]
struct Cli {
    /// What to do.
    #[command(subcommand)]
    command: Command,
}

const AFTER_HELP: &str = "Without a subcommand, `coopgate [OPTIONS]` runs `coopgate serve [OPTIONS]`.\n\
See `coopgate <COMMAND> --help` for the settings each command reads.";

#[derive(Subcommand)]
enum Command {
    /// Serve GraphQL on COOPGATE_LISTEN (dev profile: migrates, seeds demo data
    /// into an empty registry and serves the GraphiQL IDE at /graphql).
    Serve(Box<ServeArgs>),
    /// Apply pending database migrations (reference data included).
    Migrate(StoreArgs),
    /// Run only the national sync worker (deliver the outbox, pull the national
    /// feed); several may run on one PostgreSQL database.
    Worker(WorkerArgs),
    /// Fill an empty registry with generated data (the deterministic demo registry).
    Seed(SeedArgs),
    /// Print the GraphQL schema (SDL, sorted) to stdout or a file.
    ExportSchema {
        /// Write here instead of stdout.
        #[arg(long, short)]
        output: Option<std::path::PathBuf>,
    },
    /// Mint a bearer token with the configured HS256 secret (the dev profile's
    /// built-in key when none is configured), for development and tests.
    Token(TokenArgs),
    /// Work with targets (chỉ tiêu).
    #[command(subcommand)]
    Targets(TargetsCommand),
    /// Simulate the two national systems (tax registration and NCRS) with
    /// fault injection, for tests, demos and partner teams; runs until
    /// ctrl-c/SIGTERM. See docs/national-api.md.
    NationalSim(NationalSimCommand),
    /// Exit 0 when a running gateway answers its liveness probe (for container HEALTHCHECKs).
    Healthcheck(HealthcheckArgs),
    /// Export the registry (the country or one 2025 province) as JSON lines
    /// or CSV in one consistent snapshot, ending with the change-feed sequence
    /// to follow `changes(after:)` from; as a national admin (personal data
    /// included). Memory stays flat whatever the registry's size.
    Export(ExportArgs),
    /// Print a shell completion script, e.g. `coopgate completions bash > /etc/bash_completion.d/coopgate`.
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// The contract test kit: check a running deployment (its public HTTP
    /// and websocket API only, no writes) for pagination, error codes, auth
    /// refusals, personal-data scoping, the change feed and the
    /// subscription; prints a pass/fail table, exits 1 on any failure
    /// (docs/contract-kit.md).
    ContractTest(ContractTestArgs),
    /// The audit trail as evidence: verify its hash chain and signed
    /// checkpoints, export and check evidence bundles, retention (docs/evidence.md).
    #[command(subcommand)]
    Audit(AuditCommand),
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the chain and check the checkpoints' signatures; exits 1 and
    /// names the first broken sequence when a row was altered, removed or inserted.
    Verify {
        /// Start at this sequence (trusting the stored hash before it).
        #[arg(long, value_name = "SEQ", conflicts_with = "bundle")]
        from: Option<i64>,
        /// Check an evidence bundle file instead of the database (no database needed).
        #[arg(long, value_name = "FILE")]
        bundle: Option<std::path::PathBuf>,
        /// The trusted Ed25519 public key (hex) a bundle's checkpoints must be signed with.
        #[arg(long, value_name = "HEX", requires = "bundle")]
        public_key: Option<String>,
        #[command(flatten)]
        args: AuditArgs,
    },
    /// Write a self-contained evidence bundle (events, checkpoints, public key).
    Export {
        /// First sequence (default: the first online).
        #[arg(long, value_name = "SEQ")]
        from: Option<i64>,
        /// Last sequence (default: the chain head).
        #[arg(long, value_name = "SEQ")]
        to: Option<i64>,
        /// The bundle file to write.
        #[arg(long, short, value_name = "FILE")]
        output: std::path::PathBuf,
        #[command(flatten)]
        args: AuditArgs,
    },
    /// Sign a checkpoint of the chain head now (when it moved since the last one).
    Checkpoint {
        #[command(flatten)]
        args: AuditArgs,
    },
    /// Retention: export the events older than COOPGATE_AUDIT_RETENTION_DAYS,
    /// up to the newest checkpoint among them, as a verified bundle in DIR,
    /// then remove them. Run with the migration (owner) role.
    Prune {
        /// Where to write the bundle.
        #[arg(long, value_name = "DIR")]
        dir: std::path::PathBuf,
        #[command(flatten)]
        args: AuditArgs,
    },
}

/// Settings of the `audit` commands.
#[derive(Args)]
struct AuditArgs {
    #[command(flatten)]
    profile: ProfileArgs,
    #[command(flatten)]
    store: StoreArgs,
    #[command(flatten)]
    evidence: EvidenceConfig,
}

/// `serve`: every group of settings.
#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    serve: ServeConfig,
    #[command(flatten)]
    profile: ProfileArgs,
    #[command(flatten)]
    log: LogArgs,
    #[command(flatten)]
    database: DatabaseArgs,
    #[command(flatten)]
    auth: AuthConfig,
    #[command(flatten)]
    national: NationalConfig,
    #[command(flatten)]
    reporting: coopgate::config::ReportingConfig,
    #[command(flatten)]
    evidence: EvidenceConfig,
}

/// Commands that only open the database.
#[derive(Args)]
struct StoreArgs {
    #[command(flatten)]
    log: LogArgs,
    #[command(flatten)]
    database: DatabaseArgs,
}

impl StoreArgs {
    fn config(self) -> Config {
        Config::new(self.database, Profile::Dev, self.log.log_format, AuthConfig::default(), Default::default())
    }
}

/// `worker`: the database and the national systems.
#[derive(Args)]
struct WorkerArgs {
    #[command(flatten)]
    profile: ProfileArgs,
    #[command(flatten)]
    log: LogArgs,
    #[command(flatten)]
    database: DatabaseArgs,
    #[command(flatten)]
    national: NationalConfig,
    #[command(flatten)]
    ops: coopgate::config::OpsConfig,
    #[command(flatten)]
    evidence: EvidenceConfig,
}

#[derive(Args)]
struct SeedArgs {
    /// Generate the deterministic demo registry: the default, and for now the
    /// only generator (kept so that `seed --demo` goes on working).
    #[arg(long)]
    demo: bool,
    /// 1 ≈ 1,000 cooperatives; 30 ≈ national size (30,000 cooperatives,
    /// 100,000 groups, 150,000 annual reports).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    scale: u32,
    /// Partner sandbox: empty the registry (organisations, persons, targets,
    /// outbox, receipts, exports, change log; not the audit trail) and seed
    /// the same demo registry again, with the same ids and codes. Refused
    /// outside the dev profile unless --force.
    #[arg(long)]
    reset: bool,
    /// Reset even though COOPGATE_PROFILE is production.
    #[arg(long, requires = "reset")]
    force: bool,
    #[command(flatten)]
    profile: ProfileArgs,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Args)]
struct ExportArgs {
    /// File format.
    #[arg(long, value_parser = ["jsonl", "csv"], default_value = "jsonl")]
    format: String,
    /// Only organisations located in this 2025 province, e.g. 40.
    #[arg(long, value_parser = parse_province)]
    province: Option<String>,
    /// Write here instead of stdout.
    #[arg(long, short)]
    output: Option<std::path::PathBuf>,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Subcommand)]
enum TargetsCommand {
    /// Import targets from a JSON or CSV file, all or nothing, as a national
    /// admin (the database must be migrated).
    Import {
        /// JSON array of TargetInput objects, or CSV with the same field names as header.
        file: std::path::PathBuf,
        /// Recorded as the subject in the audit trail.
        #[arg(long, default_value = "cli")]
        subject: String,
        #[command(flatten)]
        profile: ProfileArgs,
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// `national-sim`: its own settings and the log format.
#[derive(Args)]
struct NationalSimCommand {
    #[command(flatten)]
    sim: sim::cli::NationalSimArgs,
    #[command(flatten)]
    log: LogArgs,
}

/// `healthcheck`: where the gateway listens.
#[derive(Args)]
struct HealthcheckArgs {
    /// The probe to call (default: `/healthz` on COOPGATE_LISTEN, with a
    /// wildcard address replaced by loopback).
    #[arg(long)]
    url: Option<String>,
    /// The address the gateway listens on.
    #[arg(long, env = "COOPGATE_LISTEN", value_name = "COOPGATE_LISTEN", default_value = "127.0.0.1:8080")]
    listen: std::net::SocketAddr,
}

impl HealthcheckArgs {
    /// The liveness URL to call.
    fn url(&self) -> String {
        if let Some(url) = &self.url {
            return url.clone();
        }
        let mut addr = self.listen;
        if addr.ip().is_unspecified() {
            addr.set_ip(match addr {
                std::net::SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
                std::net::SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
            });
        }
        format!("http://{addr}/healthz")
    }
}

/// The state a one-shot command runs use cases with: no token verifier, its
/// own write gate and feed hub.
fn cli_state(
    config: &Config,
    db: sea_orm::DatabaseConnection,
    statements: coopgate::storage::StatementCounter,
    gazetteer: std::sync::Arc<coopgate::domain::Gazetteer>,
) -> Result<coopgate::state::AppState, startup::StartupError> {
    let evidence = std::sync::Arc::new(startup::evidence_keys(config, false)?);
    Ok(coopgate::state::AppState {
        db,
        statements,
        gazetteer,
        profile: config.profile,
        authenticator: None,
        write_gate: Default::default(),
        feed: Default::default(),
        reporting: std::sync::Arc::new(config.reporting.clone()),
        aggregates: Default::default(),
        evidence,
    })
}

/// A database connection, its statement counter and its gazetteer.
type OpenedDatabase =
    (sea_orm::DatabaseConnection, coopgate::storage::StatementCounter, std::sync::Arc<coopgate::domain::Gazetteer>);

/// Opens a database that `coopgate migrate` already brought up to date (the
/// one-shot commands and the worker never migrate on their own) and loads
/// its gazetteer.
async fn open_migrated(config: &Config) -> Result<OpenedDatabase, Box<dyn std::error::Error>> {
    let (db, statements) = startup::open_database(config).await?;
    let pending = migration::Migrator::get_pending_migrations(&db).await?;
    if !pending.is_empty() {
        return Err(format!(
            "the database schema is {} migration(s) behind: run `coopgate migrate` first",
            pending.len()
        )
        .into());
    }
    let gazetteer = startup::load_gazetteer(&db).await?;
    Ok((db, statements, gazetteer))
}

/// The state of an `audit` command over a migrated database.
async fn audit_state(args: AuditArgs) -> Result<coopgate::state::AppState, Box<dyn std::error::Error>> {
    let mut config = args.store.config();
    config.profile = args.profile.profile;
    config.evidence = args.evidence;
    let (db, statements, gazetteer) = open_migrated(&config).await?;
    Ok(cli_state(&config, db, statements, gazetteer)?)
}

/// Prints what a verification found; an error when it found a break.
fn report(v: &coopgate::evidence::Verification) -> Result<(), Box<dyn std::error::Error>> {
    let signed = match v.signed_through {
        Some((seq, at)) => format!("signed through sequence {seq} (checkpoint of {})", at.to_rfc3339()),
        None => "no signed checkpoint covers it".to_owned(),
    };
    match &v.broken {
        None => {
            println!(
                "verified: {} events up to sequence {}, {} checkpoints, {signed}",
                v.events, v.last_seq, v.checkpoints
            );
            Ok(())
        }
        Some(b) => Err(format!("NOT verified: first broken sequence {}: {}", b.seq, b.reason).into()),
    }
}

async fn audit(cmd: AuditCommand) -> Result<(), Box<dyn std::error::Error>> {
    use coopgate::service::evidence;
    match cmd {
        AuditCommand::Verify { bundle: Some(file), public_key, .. } => {
            let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let v = coopgate::evidence::verify_bundle(&bytes, public_key.as_deref())?;
            if public_key.is_none() {
                println!("note: checked against the bundle's own public key (pass --public-key to pin the gateway's)");
            }
            report(&v)
        }
        AuditCommand::Verify { from, args, .. } => {
            let state = audit_state(args).await?;
            report(&evidence::verify_trail(&state, from).await?)
        }
        AuditCommand::Export { from, to, output, args } => {
            let state = audit_state(args).await?;
            let bundle = evidence::export_bundle(&state, from, to).await?;
            std::fs::write(&output, serde_json::to_vec(&bundle)?).map_err(|e| format!("{}: {e}", output.display()))?;
            println!(
                "wrote {} events ({}..={}) and {} checkpoints to {}",
                bundle.events.len(),
                bundle.from,
                bundle.to,
                bundle.checkpoints.len(),
                output.display()
            );
            Ok(())
        }
        AuditCommand::Checkpoint { args } => {
            let state = audit_state(args).await?;
            match evidence::checkpoint(&state, true).await? {
                Some(seq) => println!("checkpoint signed at sequence {seq}"),
                None => println!("no checkpoint signed (no key, or nothing new since the last one)"),
            }
            Ok(())
        }
        AuditCommand::Prune { dir, args } => {
            let days = args.evidence.audit_retention_days.ok_or("COOPGATE_AUDIT_RETENTION_DAYS: required to prune")?;
            let state = audit_state(args).await?;
            match evidence::prune(&state, days, &dir).await? {
                Some((seq, path)) => println!("exported and removed events through sequence {seq}: {path}"),
                None => println!("nothing older than {days} days up to a checkpoint"),
            }
            Ok(())
        }
    }
}

async fn import_targets(
    config: &Config,
    file: &std::path::Path,
    subject: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    use coopgate::service::targets;
    let drafts = targets::parse_file(file)?;
    let (db, statements, gazetteer) = open_migrated(config).await?;
    let state = cli_state(config, db, statements, gazetteer)?;
    let actor = coopgate::service::write::Actor {
        principal: coopgate::auth::Principal {
            subject: format!("cli:{subject}"),
            role: coopgate::auth::Role::NationalAdmin,
            province: None,
        },
        request_id: "cli".into(),
    };
    match targets::import(&state, &actor, drafts, &[]).await? {
        Ok(rows) => {
            coopgate::storage::analyze_tables(&state.db, &["target"]).await?;
            let mut by_doc: std::collections::BTreeMap<&str, usize> = Default::default();
            for r in &rows {
                *by_doc.entry(r.source_document.as_str()).or_default() += 1;
            }
            println!("imported {} targets", rows.len());
            for (doc, n) in by_doc {
                println!("  {n:>4}  {doc}");
            }
            Ok(())
        }
        Err(problems) => {
            for p in &problems {
                eprintln!("{}: {} ({:?})", p.field.join("."), p.message, p.kind);
            }
            Err(format!("nothing imported: {} problem(s)", problems.len()).into())
        }
    }
}

/// The codes of the provinces in force today, from the gazetteer shipped in
/// the binary (the reference data `coopgate migrate` loads).
fn provinces_in_force() -> Result<std::collections::BTreeSet<String>, String> {
    use coopgate::domain::{gazetteer::Unit, AdministrativeLevel};
    let data = migration::reference::load().map_err(|e| e.to_string())?;
    let units = data
        .units
        .into_iter()
        .filter_map(|r| {
            Some(Unit {
                level: AdministrativeLevel::parse(r.level)?,
                id: r.id,
                code: r.code,
                name: r.name,
                unit_type: r.unit_type,
                parent_id: r.parent_id,
                valid_from: r.valid_from,
                valid_to: r.valid_to,
            })
        })
        .collect();
    let successions = data.successions.into_iter().map(|s| (s.predecessor_id, s.successor_id)).collect();
    let gazetteer = coopgate::domain::gazetteer::Gazetteer::new(units, successions, chrono::Utc::now().date_naive());
    Ok(gazetteer.provinces(false).into_iter().map(|p| p.code.clone()).collect())
}

/// `--province`: a 2025 province code that the gazetteer has in force.
fn parse_province(s: &str) -> Result<String, String> {
    let code = coopgate::domain::ProvinceCode::parse(s).map_err(|e| e.to_string())?;
    let known = provinces_in_force()?;
    if known.contains(code.as_str()) {
        Ok(code.as_str().to_owned())
    } else {
        let list: Vec<&str> = known.iter().map(String::as_str).collect();
        Err(format!("no province in force has code {s:?}; the 2025 province codes are {}", list.join(", ")))
    }
}

#[derive(clap::Args)]
struct ContractTestArgs {
    /// The deployment's base URL (without /graphql), e.g. http://127.0.0.1:8080.
    #[arg(long, value_parser = parse_base_url)]
    url: String,
    /// A national admin's bearer token (`coopgate token --role national_admin`).
    #[arg(long, value_name = "TOKEN")]
    token_admin: String,
    /// A provincial officer's bearer token (`coopgate token --role provincial_officer --province 40`).
    #[arg(long, value_name = "TOKEN")]
    token_officer: String,
    /// How long one request or subscription message may take, e.g. 10s.
    #[arg(long, default_value = "10s", value_parser = humantime::parse_duration)]
    timeout: std::time::Duration,
}

/// `--url`: an absolute http(s) URL.
fn parse_base_url(s: &str) -> Result<String, String> {
    let url = url::Url::parse(s).map_err(|e| format!("not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!("must be an http:// or https:// URL with a host, got {s:?}"));
    }
    Ok(s.trim_end_matches('/').to_owned())
}

#[derive(clap::Args)]
struct TokenArgs {
    /// The role (vai trò) the token grants.
    #[arg(long, value_parser = ["national_admin", "provincial_officer", "portal_reader", "sync_service"])]
    role: String,
    /// 2025 province code in force (required for provincial_officer), e.g. 40.
    #[arg(long, value_parser = parse_province, required_if_eq("role", "provincial_officer"))]
    province: Option<String>,
    /// Lifetime, e.g. 3600s, 30m, 8h.
    #[arg(long, default_value = "1h", value_parser = humantime::parse_duration)]
    ttl: std::time::Duration,
    /// Subject (`sub`).
    #[arg(long, default_value = "dev-user")]
    subject: String,
    #[command(flatten)]
    profile: ProfileArgs,
    #[command(flatten)]
    auth: AuthConfig,
}

fn mint(config: &Config, args: &TokenArgs) -> Result<String, Box<dyn std::error::Error>> {
    let settings = config.key_settings();
    let secret = settings.hs256_secret.ok_or("COOPGATE_JWT_HS256_SECRET: needed to mint tokens")?;
    let issuer = settings.issuer.ok_or("COOPGATE_JWT_ISSUER: required when a JWT key is configured")?;
    let audience = settings.audience.ok_or("COOPGATE_JWT_AUDIENCE: required when a JWT key is configured")?;
    let role = match args.role.as_str() {
        "national_admin" => coopgate::auth::Role::NationalAdmin,
        "provincial_officer" => coopgate::auth::Role::ProvincialOfficer,
        "portal_reader" => coopgate::auth::Role::PortalReader,
        _ => coopgate::auth::Role::SyncService,
    };
    let claims =
        coopgate::auth::jwt::claims_for(&args.subject, role, args.province.as_deref(), &issuer, &audience, args.ttl);
    Ok(coopgate::auth::jwt::mint_hs256(&secret, &claims)?)
}

/// `coopgate export`: the file written piece by piece as the snapshot is read.
async fn export(args: ExportArgs) -> Result<(), Box<dyn std::error::Error>> {
    use coopgate::service::export::{Exporter, Format};
    use std::io::Write;
    let format = if args.format == "csv" { Format::Csv } else { Format::Jsonl };
    let config = args.store.config();
    let (db, statements, gazetteer) = open_migrated(&config).await?;
    let state = cli_state(&config, db, statements, gazetteer)?;
    let admin = coopgate::auth::Principal {
        subject: "cli:export".into(),
        role: coopgate::auth::Role::NationalAdmin,
        province: None,
    };
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(std::fs::File::create(path)?)),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let mut ex = Exporter::open(&state, admin, args.province.as_deref(), format).await?;
    while let Some(piece) = ex.next().await? {
        match out.write_all(&piece) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
            other => other?,
        }
    }
    out.flush()?;
    let s = ex.summary();
    eprintln!("exported {} organisations, consistent with change sequence {}", s.rows, s.sequence);
    Ok(())
}

/// Cancels `token` on ctrl-c or SIGTERM.
fn cancel_on_signal(token: CancellationToken) {
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! {
            _ = ctrl_c => {},
            _ = term => {},
        }
        tracing::info!("shutdown signal received; finishing in-flight requests");
        token.cancel();
    });
}

/// The log format a command asked for (text when it takes none).
fn log_format(command: &Command) -> LogFormat {
    match command {
        Command::Serve(a) => a.log.log_format,
        Command::Migrate(a) => a.log.log_format,
        Command::Worker(a) => a.log.log_format,
        Command::Seed(a) => a.store.log.log_format,
        Command::Targets(TargetsCommand::Import { store, .. }) => store.log.log_format,
        Command::Export(a) => a.store.log.log_format,
        Command::NationalSim(a) => a.log.log_format,
        Command::Audit(
            AuditCommand::Verify { args, .. }
            | AuditCommand::Export { args, .. }
            | AuditCommand::Checkpoint { args }
            | AuditCommand::Prune { args, .. },
        ) => args.store.log.log_format,
        Command::ExportSchema { .. }
        | Command::Token(_)
        | Command::Healthcheck(_)
        | Command::Completions { .. }
        | Command::ContractTest(_) => LogFormat::Text,
    }
}

async fn run(command: Command) -> Result<(), Box<dyn std::error::Error>> {
    match command {
        Command::Serve(args) => {
            let ServeArgs { serve, profile, log, database, auth, national, reporting, evidence } = *args;
            let mut config = Config::new(database, profile.profile, log.log_format, auth, national);
            config.reporting = reporting;
            config.evidence = evidence;
            tracing::info!(database = %config.redacted_database_url(), profile = ?config.profile, "starting");
            let app = Application::build(&config, &serve).await?;
            tracing::info!("coopgate listening on http://{}:{}/graphql", serve.listen.ip(), app.port());
            let token = CancellationToken::new();
            cancel_on_signal(token.clone());
            app.run_until_stopped(token).await?;
            tracing::info!("stopped");
        }
        Command::Worker(args) => {
            let mut config = Config::new(
                args.database,
                args.profile.profile,
                args.log.log_format,
                AuthConfig::default(),
                args.national,
            );
            config.evidence = args.evidence;
            let settings = startup::worker_settings(&config)?;
            let (db, statements, gazetteer) = open_migrated(&config).await?;
            let national = startup::national(&config)
                .await?
                .ok_or("COOPGATE_NATIONAL: the worker needs the national systems (sandbox or URLs), not off")?;
            let state = cli_state(&config, db, statements, gazetteer)?;
            national
                .client
                .set_log(std::sync::Arc::new(coopgate::service::evidence::TrailExchangeLog::new(state.clone())));
            let token = CancellationToken::new();
            cancel_on_signal(token.clone());
            // A worker has no main port: it serves /metrics only on COOPGATE_METRICS_LISTEN.
            if let Some(metrics) = startup::Metrics::set_up(&args.ops, "worker").await? {
                if metrics.listener.is_some() {
                    let _ = metrics.start(&state, &token);
                }
            }
            tracing::info!("sync worker started");
            coopgate::sync::worker::Worker::new(state, national.client.clone(), settings).run(token).await;
            if let Some(s) = national.sandbox {
                s.shutdown().await;
            }
            tracing::info!("sync worker stopped");
        }
        Command::Migrate(store) => {
            let config = store.config();
            let (db, _) = startup::open_database(&config).await?;
            startup::migrate(&db).await?;
            println!("migrations applied");
        }
        Command::Seed(args) => {
            let _ = args.demo; // the demo registry is the only generator
            let mut config = args.store.config();
            config.profile = args.profile.profile;
            if args.reset {
                coopgate::service::sandbox::reset_allowed(config.profile, args.force)?;
            }
            let (db, _) = startup::open_database(&config).await?;
            startup::migrate(&db).await?;
            let gazetteer = startup::load_gazetteer(&db).await?;
            let started = std::time::Instant::now();
            if args.reset {
                let state = cli_state(&config, db, Default::default(), gazetteer)?;
                let actor = coopgate::service::write::Actor {
                    principal: coopgate::auth::Principal {
                        subject: "cli:seed-reset".into(),
                        role: coopgate::auth::Role::NationalAdmin,
                        province: None,
                    },
                    request_id: "cli".into(),
                };
                let r = seed::reset_demo(&state, &actor, args.scale, args.force, true).await?;
                println!(
                    "reset: registry emptied and seeded again with {} cooperatives, {} unions, {} groups, {} annual reports, {} persons and {} targets in {:.1} s (the audit trail kept, the reset recorded in it)",
                    r.seeded.cooperatives,
                    r.seeded.unions,
                    r.seeded.groups,
                    r.seeded.annual_reports,
                    r.seeded.persons,
                    r.targets,
                    started.elapsed().as_secs_f64()
                );
                return Ok(());
            }
            let s = seed::demo(&db, &gazetteer, args.scale, true).await?;
            let state = cli_state(&config, db, Default::default(), gazetteer)?;
            let targets = seed::demo_targets(&state).await?;
            coopgate::service::aggregates::ensure_built(&state).await?;
            coopgate::storage::analyze_tables(&state.db, &["org_fact", "ward_fact", "target"]).await?;
            println!(
                "seeded {} cooperatives, {} unions, {} groups, {} annual reports, {} persons in {:.1} s",
                s.cooperatives,
                s.unions,
                s.groups,
                s.annual_reports,
                s.persons,
                started.elapsed().as_secs_f64()
            );
            println!("imported the five plans' {targets} targets");
        }
        Command::Token(args) => {
            let config = Config::new(
                DatabaseArgs { database_url: coopgate::config::DEFAULT_DATABASE_URL.to_owned(), db_max_connections: 1 },
                args.profile.profile,
                LogFormat::Text,
                args.auth.clone(),
                NationalConfig::default(),
            );
            println!("{}", mint(&config, &args)?)
        }
        Command::Targets(TargetsCommand::Import { file, subject, profile, store }) => {
            let mut config = store.config();
            config.profile = profile.profile;
            import_targets(&config, &file, &subject).await?
        }
        Command::Export(args) => export(args).await?,
        Command::Healthcheck(args) => {
            let url = args.url();
            let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(3)).build()?;
            let status = client.get(&url).send().await?.status();
            if !status.is_success() {
                return Err(format!("{url} answered {status}").into());
            }
        }
        Command::NationalSim(NationalSimCommand { sim: args, .. }) => {
            let handle = sim::spawn(args.to_config()?).await?;
            tracing::info!(state_file = ?args.state_file, "national-sim listening on {}", handle.base_url());
            let token = CancellationToken::new();
            cancel_on_signal(token.clone());
            token.cancelled().await;
            handle.shutdown().await;
            tracing::info!("national-sim stopped");
        }
        Command::ExportSchema { output } => {
            let sdl = graphql::sdl();
            match output {
                Some(path) => std::fs::write(&path, sdl)?,
                None => to_stdout(sdl.as_bytes())?,
            }
        }
        Command::Audit(cmd) => return audit(cmd).await,
        Command::ContractTest(args) => {
            let config = coopgate::kit::KitConfig {
                url: args.url,
                token_admin: args.token_admin,
                token_officer: args.token_officer,
                timeout: args.timeout,
            };
            let report = coopgate::kit::run(&config).await;
            to_stdout(report.table().as_bytes())?;
            if !report.passed() {
                return Err(
                    format!("contract test failed: {} of {} checks", report.failures(), report.checks.len()).into()
                );
            }
        }
        Command::Completions { shell } => {
            // Into memory first: the generator panics on a failed write.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "coopgate", &mut script);
            to_stdout(&script)?;
        }
    }
    Ok(())
}

/// Writes `bytes` to stdout; a reader that went away (`| head`) is no error.
fn to_stdout(bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// The arguments with `serve` put first when no subcommand is named, so that
/// `coopgate` and `coopgate --listen …` serve.
fn with_default_subcommand(mut args: Vec<OsString>) -> Vec<OsString> {
    let named = match args.get(1).and_then(|a| a.to_str()) {
        None => false,
        Some(a) => !a.starts_with('-') || matches!(a, "-h" | "--help" | "-V" | "--version"),
    };
    if !named {
        args.insert(1.min(args.len()), "serve".into());
    }
    args
}

#[tokio::main]
async fn main() -> ExitCode {
    // clap's own errors: the usage line, "did you mean", exit status 2.
    let cli = Cli::parse_from(with_default_subcommand(std::env::args_os().collect()));
    let otlp = match &cli.command {
        Command::Serve(a) => a.serve.ops.otlp_endpoint.clone(),
        Command::Worker(a) => a.ops.otlp_endpoint.clone(),
        _ => None,
    };
    let log_target = match &cli.command {
        Command::Serve(_) | Command::Worker(_) | Command::NationalSim(_) => telemetry::LogTarget::Stdout,
        _ => telemetry::LogTarget::Stderr,
    };
    let _traces = match telemetry::init_with_traces(log_format(&cli.command), otlp.as_deref(), log_target) {
        Ok(guard) => guard,
        Err(e) => {
            eprintln!("coopgate: {e}");
            return ExitCode::FAILURE;
        }
    };
    match run(cli.command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("coopgate: {e}");
            ExitCode::FAILURE
        }
    }
}
