//! The binary's command line: subcommands with help, and bad configuration
//! refused with one line naming the setting.

use std::process::Command;

fn coopgate() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_coopgate"));
    for var in ["DATABASE_URL", "COOPGATE_LISTEN", "COOPGATE_PROFILE", "COOPGATE_LOG_FORMAT"] {
        c.env_remove(var);
    }
    c
}

#[test]
fn every_subcommand_has_help() {
    for sub in ["serve", "migrate", "seed", "export-schema", "healthcheck", "national-sim", "worker", "token"] {
        let out = coopgate().args([sub, "--help"]).output().expect("runs");
        assert!(out.status.success(), "{sub} --help");
        assert!(!out.stdout.is_empty());
    }
}

fn refused(env: (&str, &str), args: &[&str]) -> String {
    let out = coopgate().env(env.0, env.1).args(args).output().expect("runs");
    assert_eq!(out.status.code(), Some(2), "{env:?} must stop start-up");
    let err = String::from_utf8(out.stderr).expect("utf-8");
    assert_eq!(err.trim().lines().count(), 1, "one line, got {err:?}");
    err
}

#[test]
fn invalid_configuration_names_the_setting_in_one_line() {
    assert!(refused(("COOPGATE_LISTEN", "not-an-address"), &["serve"]).contains("COOPGATE_LISTEN"));
    assert!(refused(("DATABASE_URL", "mysql://db/x"), &["migrate"]).contains("DATABASE_URL"));
    assert!(refused(("COOPGATE_PROFILE", "staging"), &["migrate"]).contains("COOPGATE_PROFILE"));
    assert!(refused(("COOPGATE_LOG_FORMAT", "xml"), &["migrate"]).contains("COOPGATE_LOG_FORMAT"));
    assert!(refused(("COOPGATE_SIM_FAULT_5XX", "1.5"), &["national-sim"]).contains("COOPGATE_SIM_FAULT_5XX"));
    assert!(refused(("COOPGATE_SIM_LISTEN", "nowhere"), &["national-sim"]).contains("COOPGATE_SIM_LISTEN"));
}

/// Kills the child when the test ends, however it ends.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn national_sim_serves_what_its_flags_say() {
    use std::io::{BufRead, BufReader};
    let child = coopgate()
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "info")
        .args(["national-sim", "--listen", "127.0.0.1:0", "--fault-latency-ms", "7", "--client-id", "partner"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("starts");
    let mut running = Running(child);
    let stdout = running.0.stdout.take().expect("stdout");
    let line = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find(|l| l.contains("national-sim listening on"))
        .expect("a line with the address");
    let start = line.find("http://").expect("url");
    let base: String = line[start..].chars().take_while(|c| !c.is_whitespace()).collect();

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let http = reqwest::Client::new();
        let faults: serde_json::Value =
            http.get(format!("{base}/_sim/faults")).send().await.expect("sent").json().await.expect("json");
        assert_eq!(faults["latencyMs"], 7);
        let token = http
            .post(format!("{base}/oauth/token"))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", "partner"),
                ("client_secret", "coopgate-sandbox-secret"),
            ])
            .send()
            .await
            .expect("sent");
        assert_eq!(token.status(), reqwest::StatusCode::OK);
    });
}

#[test]
fn export_schema_prints_the_sdl() {
    let out = coopgate().arg("export-schema").output().expect("runs");
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).expect("utf-8"), coopgate::graphql::sdl());
}

#[test]
fn production_refuses_an_unmigrated_database() {
    let dir = tempfile::tempdir().expect("tmp");
    let url = format!("sqlite://{}/fresh.db", dir.path().display());
    let out = coopgate()
        .env("DATABASE_URL", &url)
        .env("COOPGATE_PROFILE", "production")
        .env("COOPGATE_LISTEN", "127.0.0.1:0")
        .arg("serve")
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("coopgate migrate"), "{err}");
}
