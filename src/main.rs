//! The `coopgate` binary: one program, several roles.

use clap::{Parser, Subcommand};
use coopgate::config::{Config, ServeConfig};
use coopgate::startup::{self, Application};
use coopgate::{graphql, seed, sim, telemetry};
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
    /// Fill an empty registry with generated data.
    Seed(SeedArgs),
    /// Print the GraphQL schema (SDL, sorted) to stdout or a file.
    ExportSchema {
        /// Write here instead of stdout.
        #[arg(long, short)]
        output: Option<std::path::PathBuf>,
    },
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
