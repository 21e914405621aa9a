//! The `coopgate` binary: one program, several roles.

use clap::{Parser, Subcommand};
use coopgate::config::{Config, ServeConfig};
use coopgate::startup::{self, Application};
use coopgate::{graphql, seed, sim, telemetry};
use migration::MigratorTrait;
use std::process::ExitCode;
use tokio_util::sync::CancellationToken;

/// GraphQL gateway for Vietnam's provincial cooperative registries.
#[derive(Parser)]
#[command(name = "coopgate", version, about)]
struct Cli {
    #[command(flatten)]
    config: Config,
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    command: Option<Command>,
}

/// `serve`'s settings when no subcommand is given (read from the environment).
#[derive(Parser)]
struct ServeOnly {
    #[command(flatten)]
    serve: ServeConfig,
}

#[derive(Subcommand)]
enum Command {
    /// Serve GraphQL on COOPGATE_LISTEN (dev profile: migrates, seeds demo data
    /// into an empty registry and serves the GraphiQL IDE at /graphql).
    Serve(ServeConfig),
    /// Apply pending database migrations (reference data included).
    Migrate,
    /// Run only the national sync worker (deliver the outbox, pull the national
    /// feed); several may run on one PostgreSQL database.
    Worker,
    /// Fill an empty registry with generated data.
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
    NationalSim(sim::cli::NationalSimArgs),
    /// Exit 0 when a running gateway answers its liveness probe (for container HEALTHCHECKs).
    Healthcheck {
        /// The probe to call.
        #[arg(long, default_value = "http://127.0.0.1:8080/healthz")]
        url: String,
    },
}

#[derive(clap::Args)]
struct SeedArgs {
    /// Generate the deterministic demo registry.
    #[arg(long, required = true)]
    demo: bool,
    /// 1 ≈ 1,000 cooperatives; 30 ≈ national size (30,000 cooperatives,
    /// 100,000 groups, 150,000 annual reports).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    scale: u32,
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
    },
}

async fn import_targets(
    config: &Config,
    file: &std::path::Path,
    subject: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    use coopgate::service::targets;
    let drafts = targets::parse_file(file)?;
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
    let state = coopgate::state::AppState {
        db,
        statements,
        gazetteer,
        profile: config.profile,
        authenticator: None,
        write_gate: Default::default(),
        feed: Default::default(),
    };
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

#[derive(clap::Args)]
struct TokenArgs {
    /// national_admin, provincial_officer, portal_reader or sync_service.
    #[arg(long, value_parser = ["national_admin", "provincial_officer", "portal_reader", "sync_service"])]
    role: String,
    /// 2025 province code (required for provincial_officer).
    #[arg(long)]
    province: Option<String>,
    /// Lifetime, e.g. 3600s, 30m, 8h.
    #[arg(long, default_value = "1h", value_parser = humantime::parse_duration)]
    ttl: std::time::Duration,
    /// Subject (`sub`).
    #[arg(long, default_value = "dev-user")]
    subject: String,
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
    if role == coopgate::auth::Role::ProvincialOfficer && args.province.is_none() {
        return Err("--province is required for provincial_officer".into());
    }
    if let Some(p) = &args.province {
        coopgate::domain::ProvinceCode::parse(p).map_err(|e| format!("--province: {e}"))?;
    }
    let claims =
        coopgate::auth::jwt::claims_for(&args.subject, role, args.province.as_deref(), &issuer, &audience, args.ttl);
    Ok(coopgate::auth::jwt::mint_hs256(&secret, &claims)?)
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

async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    let config = cli.config;
    let command = match cli.command {
        Some(c) => c,
        None => Command::Serve(ServeOnly::try_parse_from(["coopgate"])?.serve),
    };
    match command {
        Command::Serve(serve) => {
            tracing::info!(database = %config.redacted_database_url(), profile = ?config.profile, "starting");
            let app = Application::build(&config, &serve).await?;
            tracing::info!("coopgate listening on http://{}:{}/graphql", serve.listen.ip(), app.port());
            let token = CancellationToken::new();
            cancel_on_signal(token.clone());
            app.run_until_stopped(token).await?;
            tracing::info!("stopped");
        }
        Command::Worker => {
            let (db, statements) = startup::open_database(&config).await?;
            let pending = migration::Migrator::get_pending_migrations(&db).await?;
            if !pending.is_empty() {
                return Err(format!(
                    "the database schema is {} migration(s) behind: run `coopgate migrate` first",
                    pending.len()
                )
                .into());
            }
            let gazetteer = startup::load_gazetteer(&db).await?;
            let national = startup::national(&config)
                .await?
                .ok_or("COOPGATE_NATIONAL: the worker needs the national systems (sandbox or URLs), not off")?;
            let state = coopgate::state::AppState {
                db,
                statements,
                gazetteer,
                profile: config.profile,
                authenticator: None,
                write_gate: Default::default(),
                feed: Default::default(),
            };
            let token = CancellationToken::new();
            cancel_on_signal(token.clone());
            tracing::info!("sync worker started");
            coopgate::sync::worker::Worker::new(state, national.client.clone(), startup::worker_settings(&config))
                .run(token)
                .await;
            if let Some(s) = national.sandbox {
                s.shutdown().await;
            }
            tracing::info!("sync worker stopped");
        }
        Command::Migrate => {
            let (db, _) = startup::open_database(&config).await?;
            startup::migrate(&db).await?;
            println!("migrations applied");
        }
        Command::Seed(args) => {
            let (db, _) = startup::open_database(&config).await?;
            startup::migrate(&db).await?;
            let gazetteer = startup::load_gazetteer(&db).await?;
            let started = std::time::Instant::now();
            let s = seed::demo(&db, &gazetteer, args.scale, true).await?;
            println!(
                "seeded {} cooperatives, {} unions, {} groups, {} annual reports, {} persons in {:.1} s",
                s.cooperatives,
                s.unions,
                s.groups,
                s.annual_reports,
                s.persons,
                started.elapsed().as_secs_f64()
            );
        }
        Command::Token(args) => println!("{}", mint(&config, &args)?),
        Command::Targets(TargetsCommand::Import { file, subject }) => import_targets(&config, &file, &subject).await?,
        Command::Healthcheck { url } => {
            let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(3)).build()?;
            let status = client.get(&url).send().await?.status();
            if !status.is_success() {
                return Err(format!("{url} answered {status}").into());
            }
        }
        Command::NationalSim(args) => {
            let handle = sim::spawn(args.to_config()).await?;
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
                None => print!("{sdl}"),
            }
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => e.exit(),
        Err(e) => {
            // One line naming the setting, e.g. "invalid value 'x' for '--listen <COOPGATE_LISTEN>': …".
            let text = e.to_string();
            let first: Vec<&str> =
                text.lines().map(str::trim).take_while(|l| !l.is_empty() && !l.starts_with("For more")).collect();
            eprintln!("coopgate: invalid configuration: {}", first.join(" ").trim_start_matches("error: "));
            return ExitCode::from(2);
        }
    };
    telemetry::init(cli.config.log_format);
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("coopgate: {e}");
            ExitCode::FAILURE
        }
    }
}
