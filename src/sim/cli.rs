//! Settings of `coopgate national-sim`, from flags or environment.

use super::{Faults, SimConfig, SimError, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};
use crate::tls::{read_pem_file, ServerTls};
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

fn share(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(x) if (0.0..=1.0).contains(&x) => Ok(x),
        _ => Err(format!("must be a share from 0 to 1, got {s:?}")),
    }
}

fn millis(s: &str) -> Result<u64, String> {
    match s.trim().parse::<u64>() {
        Ok(n) if n <= super::faults::MAX_DELAY_MS => Ok(n),
        _ => Err(format!("must be milliseconds from 0 to {}, got {s:?}", super::faults::MAX_DELAY_MS)),
    }
}

/// Settings of `coopgate national-sim`.
#[derive(Debug, Clone, Args)]
pub struct NationalSimArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "COOPGATE_SIM_LISTEN", value_name = "COOPGATE_SIM_LISTEN", default_value = "127.0.0.1:8090")]
    pub listen: SocketAddr,

    /// JSON file holding the state: loaded at start (missing = empty) and
    /// rewritten atomically after every applied write. Without it, state is
    /// in memory only.
    #[arg(long, env = "COOPGATE_SIM_STATE_FILE", value_name = "COOPGATE_SIM_STATE_FILE")]
    pub state_file: Option<PathBuf>,

    /// OAuth2 client id accepted by POST /oauth/token.
    #[arg(long, env = "COOPGATE_SIM_CLIENT_ID", value_name = "COOPGATE_SIM_CLIENT_ID", default_value = DEFAULT_CLIENT_ID)]
    pub client_id: String,

    /// OAuth2 client secret accepted by POST /oauth/token.
    #[arg(long, env = "COOPGATE_SIM_CLIENT_SECRET", value_name = "COOPGATE_SIM_CLIENT_SECRET", default_value = DEFAULT_CLIENT_SECRET, hide_env_values = true, hide_default_value = true)]
    pub client_secret: String,

    /// Lifetime of an access token, in seconds.
    #[arg(long, env = "COOPGATE_SIM_TOKEN_TTL_SECONDS", value_name = "COOPGATE_SIM_TOKEN_TTL_SECONDS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub token_ttl_seconds: u64,

    /// Share (0 to 1) of tax registrations answered 202 with a status
    /// resource to poll, instead of 201 with the tax code.
    #[arg(long, env = "COOPGATE_SIM_ASYNC_TAX_SHARE", value_name = "COOPGATE_SIM_ASYNC_TAX_SHARE", default_value_t = 0.0, value_parser = share)]
    pub async_tax_share: f64,

    /// How long an asynchronous registration stays PENDING, in ms (its first
    /// poll is always PENDING).
    #[arg(long, env = "COOPGATE_SIM_TAX_PENDING_MS", value_name = "COOPGATE_SIM_TAX_PENDING_MS", default_value_t = 200, value_parser = millis)]
    pub tax_pending_ms: u64,

    /// Share (0 to 1) of requests answered 500, 502 or 503 without being applied.
    #[arg(long = "fault-5xx", env = "COOPGATE_SIM_FAULT_5XX", value_name = "COOPGATE_SIM_FAULT_5XX", default_value_t = 0.0, value_parser = share)]
    pub fault_5xx: f64,

    /// Share (0 to 1) of requests held for --fault-hang-ms without being
    /// applied, then answered 504.
    #[arg(long, env = "COOPGATE_SIM_FAULT_TIMEOUT", value_name = "COOPGATE_SIM_FAULT_TIMEOUT", default_value_t = 0.0, value_parser = share)]
    pub fault_timeout: f64,

    /// How long a timeout or a lost answer holds the connection, in ms.
    #[arg(long, env = "COOPGATE_SIM_FAULT_HANG_MS", value_name = "COOPGATE_SIM_FAULT_HANG_MS", default_value_t = 30_000, value_parser = millis)]
    pub fault_hang_ms: u64,

    /// Delay added before every answer, in ms.
    #[arg(long, env = "COOPGATE_SIM_FAULT_LATENCY_MS", value_name = "COOPGATE_SIM_FAULT_LATENCY_MS", default_value_t = 0, value_parser = millis)]
    pub fault_latency_ms: u64,

    /// Share (0 to 1) of requests answered 429 with Retry-After, not applied.
    #[arg(long = "fault-429", env = "COOPGATE_SIM_FAULT_429", value_name = "COOPGATE_SIM_FAULT_429", default_value_t = 0.0, value_parser = share)]
    pub fault_429: f64,

    /// Retry-After of a 429, in seconds.
    #[arg(long, env = "COOPGATE_SIM_FAULT_RETRY_AFTER_SECONDS", value_name = "COOPGATE_SIM_FAULT_RETRY_AFTER_SECONDS", default_value_t = 1, value_parser = clap::value_parser!(u64).range(0..=86_400))]
    pub fault_retry_after_seconds: u64,

    /// Full outage: every request to both systems answered 503 (true/false).
    #[arg(long, env = "COOPGATE_SIM_FAULT_OUTAGE", value_name = "COOPGATE_SIM_FAULT_OUTAGE", default_value_t = false, action = clap::ArgAction::Set)]
    pub fault_outage: bool,

    /// Share (0 to 1) of requests processed normally (writes applied) whose
    /// answer is never delivered: the connection is closed without a response.
    #[arg(long, env = "COOPGATE_SIM_FAULT_LOSE_ANSWER", value_name = "COOPGATE_SIM_FAULT_LOSE_ANSWER", default_value_t = 0.0, value_parser = share)]
    pub fault_lose_answer: f64,

    /// Seed of the random streams (faults, asynchronous answers, tax codes).
    #[arg(long, env = "COOPGATE_SIM_SEED", value_name = "COOPGATE_SIM_SEED", default_value_t = 20)]
    pub seed: u64,

    /// Serve HTTPS (TLS 1.2+) with this certificate (PEM, leaf first); needs --tls-key.
    #[arg(long, env = "COOPGATE_SIM_TLS_CERT", value_name = "COOPGATE_SIM_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// Private key (PEM) of --tls-cert.
    #[arg(long, env = "COOPGATE_SIM_TLS_KEY", value_name = "COOPGATE_SIM_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// Require a client certificate issued by this CA (PEM): mutual TLS;
    /// the handshake of any other client is refused. Needs --tls-cert.
    #[arg(long, env = "COOPGATE_SIM_CLIENT_CA", value_name = "COOPGATE_SIM_CLIENT_CA", requires = "tls_cert")]
    pub client_ca: Option<PathBuf>,
}

impl NationalSimArgs {
    /// The simulator configuration these settings describe; the TLS files
    /// are read here (an unreadable one is an error naming its setting).
    pub fn to_config(&self) -> Result<SimConfig, SimError> {
        let names = super::TLS_SETTINGS;
        let tls = match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Some(ServerTls {
                cert_pem: read_pem_file(names.cert, cert)?,
                key_pem: read_pem_file(names.key, key)?,
                client_ca_pem: self.client_ca.as_deref().map(|ca| read_pem_file(names.client_ca, ca)).transpose()?,
            }),
            (None, None) => None,
            _ => return Err(SimError::Config("--tls-cert and --tls-key go together".into())),
        };
        Ok(SimConfig {
            listen: self.listen,
            clients: vec![(self.client_id.clone(), self.client_secret.clone())],
            token_ttl: Duration::from_secs(self.token_ttl_seconds),
            async_tax_share: self.async_tax_share,
            tax_pending: Duration::from_millis(self.tax_pending_ms),
            faults: Faults {
                error_rate: self.fault_5xx,
                timeout_rate: self.fault_timeout,
                hang_ms: self.fault_hang_ms,
                latency_ms: self.fault_latency_ms,
                rate_limit_rate: self.fault_429,
                retry_after_secs: self.fault_retry_after_seconds,
                outage: self.fault_outage,
                lose_answer_rate: self.fault_lose_answer,
            },
            state_file: self.state_file.clone(),
            seed: self.seed,
            tls,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        sim: NationalSimArgs,
    }

    #[test]
    fn an_unreadable_tls_file_is_an_error_naming_its_flag() {
        let cli = Cli::try_parse_from(["sim", "--tls-cert", "/nonexistent/ncrs.crt", "--tls-key", "/nonexistent/k"])
            .expect("flags parse");
        let e = cli.sim.to_config().expect_err("the file is missing");
        assert!(
            e.to_string().starts_with("--tls-cert (COOPGATE_SIM_TLS_CERT): /nonexistent/ncrs.crt: cannot open"),
            "{e}"
        );
    }

    #[test]
    fn a_tls_certificate_without_its_key_is_refused_by_the_flags() {
        assert!(Cli::try_parse_from(["sim", "--tls-cert", "c.pem"]).is_err());
        assert!(Cli::try_parse_from(["sim", "--client-ca", "ca.pem"]).is_err());
    }
}
