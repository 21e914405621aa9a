//! The binary's command line: subcommands with help that shows only the
//! settings each reads, under headings; bad configuration refused with
//! clap's own error (the setting named, usage, suggestions); completions.

use std::process::Command;

fn coopgate() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_coopgate"));
    for var in ["DATABASE_URL", "COOPGATE_LISTEN", "COOPGATE_PROFILE", "COOPGATE_LOG_FORMAT"] {
        c.env_remove(var);
    }
    c
}

pub(crate) const SUBCOMMANDS: [&str; 12] = [
    "serve",
    "export",
    "migrate",
    "seed",
    "export-schema",
    "healthcheck",
    "national-sim",
    "worker",
    "token",
    "targets",
    "completions",
    "contract-test",
];

fn help(args: &[&str]) -> String {
    let out = coopgate().args(args).arg("--help").output().expect("runs");
    assert!(out.status.success(), "{args:?} --help");
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn every_subcommand_has_help() {
    for sub in SUBCOMMANDS {
        assert!(!help(&[sub]).is_empty(), "{sub}");
    }
    assert!(help(&["targets", "import"]).contains("Usage: coopgate targets import"));
}

#[test]
fn the_top_level_help_lists_commands_and_no_settings() {
    let text = help(&[]);
    for sub in SUBCOMMANDS {
        assert!(text.contains(&format!("  {sub} ")), "{sub} listed: {text}");
    }
    assert!(!text.contains("DATABASE_URL"), "{text}");
    assert!(text.lines().count() < 30, "{text}");
}

/// Each command's help shows the setting groups it reads, under headings,
/// and none of the others.
#[test]
fn help_shows_only_the_settings_a_command_reads() {
    let groups = [
        ("Database:", "DATABASE_URL"),
        ("Authentication (JWT):", "COOPGATE_JWT_HS256_SECRET"),
        ("National systems and sync:", "COOPGATE_NATIONAL_TIMEOUT_MS"),
        ("Serving:", "COOPGATE_LISTEN"),
        ("Limits and hardening:", "COOPGATE_MAX_COST"),
        ("General:", "COOPGATE_LOG_FORMAT"),
        ("Operations:", "COOPGATE_METRICS_LISTEN"),
    ];
    let reads: [(&[&str], &[&str]); 8] = [
        (
            &["serve"],
            &[
                "Database:",
                "Authentication (JWT):",
                "National systems and sync:",
                "Serving:",
                "Limits and hardening:",
                "General:",
                "Operations:",
            ],
        ),
        (&["migrate"], &["Database:", "General:"]),
        (&["seed"], &["Database:", "General:"]),
        (&["worker"], &["Database:", "National systems and sync:", "General:", "Operations:"]),
        (&["token"], &["Authentication (JWT):", "General:"]),
        (&["targets", "import"], &["Database:", "General:"]),
        (&["export-schema"], &[]),
        (&["completions"], &[]),
    ];
    for (args, wanted) in reads {
        let text = help(args);
        for (heading, setting) in groups {
            let shown = text.lines().any(|l| l == heading);
            assert_eq!(shown, wanted.contains(&heading), "{args:?} {heading}\n{text}");
            if heading != "General:" && heading != "Serving:" {
                assert_eq!(text.contains(setting), shown, "{args:?} {setting}\n{text}");
            }
        }
    }
    // One line of help per setting (under its flag line), whatever their number.
    let serve = help(&["serve"]);
    let settings = serve.lines().filter(|l| l.trim_start().starts_with("--")).count();
    assert!(serve.lines().count() < 2 * settings + 30, "{} lines for {settings} settings", serve.lines().count());
    // `healthcheck` reads COOPGATE_LISTEN only.
    let text = help(&["healthcheck"]);
    assert!(text.contains("COOPGATE_LISTEN") && !text.contains("DATABASE_URL"), "{text}");
}

fn refused(env: (&str, &str), args: &[&str]) -> String {
    let out = coopgate().env(env.0, env.1).args(args).output().expect("runs");
    assert_eq!(out.status.code(), Some(2), "{env:?} must stop start-up");
    let err = String::from_utf8(out.stderr).expect("utf-8");
    assert!(err.starts_with("error: invalid value"), "clap's own message: {err:?}");
    assert!(!err.contains("invalid configuration"), "{err:?}");
    err
}

#[test]
fn invalid_configuration_is_clap_s_error_naming_the_setting() {
    assert!(refused(("COOPGATE_LISTEN", "not-an-address"), &["serve"]).contains("COOPGATE_LISTEN"));
    assert!(refused(("DATABASE_URL", "mysql://db/x"), &["migrate"]).contains("DATABASE_URL"));
    assert!(refused(("COOPGATE_PROFILE", "staging"), &["serve"]).contains("COOPGATE_PROFILE"));
    assert!(refused(("COOPGATE_LOG_FORMAT", "xml"), &["migrate"]).contains("COOPGATE_LOG_FORMAT"));
    assert!(refused(("COOPGATE_SIM_FAULT_5XX", "1.5"), &["national-sim"]).contains("COOPGATE_SIM_FAULT_5XX"));
    assert!(refused(("COOPGATE_SIM_LISTEN", "nowhere"), &["national-sim"]).contains("COOPGATE_SIM_LISTEN"));
    // No subcommand is `serve`, with serve's settings.
    assert!(refused(("COOPGATE_LISTEN", "not-an-address"), &[]).contains("COOPGATE_LISTEN"));
    assert!(refused(("COOPGATE_LISTEN", "127.0.0.1:0"), &["--listen", "nowhere"]).contains("--listen"));
}

#[test]
fn a_setting_a_command_does_not_read_does_not_stop_it() {
    let out = coopgate().env("COOPGATE_PROFILE", "staging").env("COOPGATE_LISTEN", "x").arg("export-schema").output();
    assert!(out.expect("runs").status.success());
}

#[test]
fn typos_get_the_usage_line_and_a_suggestion() {
    let out = coopgate().args(["seed", "--scael", "2"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("tip: a similar argument exists: '--scale'"), "{err}");
    assert!(err.contains("Usage: coopgate seed"), "{err}");

    let out = coopgate().arg("sevre").output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("a similar subcommand exists: 'serve'"), "{err}");
}

#[test]
fn seed_needs_no_flag_and_still_takes_demo() {
    let text = help(&["seed"]);
    assert!(text.contains("Usage: coopgate seed [OPTIONS]"), "{text}");
    let dir = tempfile::tempdir().expect("tmp");
    let url = format!("sqlite://{}/seeded.db", dir.path().display());
    let out = coopgate().env("DATABASE_URL", &url).arg("seed").output().expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("seeded "));
    // `--demo` is still understood: the only complaint is about the scale.
    let out = coopgate().env("DATABASE_URL", &url).args(["seed", "--demo", "--scale", "0"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--scale") && !err.contains("--demo"), "{err}");
}

fn dev_token(args: &[&str]) -> std::process::Output {
    let mut c = coopgate();
    for var in
        ["COOPGATE_JWT_HS256_SECRET", "COOPGATE_JWT_ISSUER", "COOPGATE_JWT_AUDIENCE", "COOPGATE_JWT_PUBLIC_KEY_FILE"]
    {
        c.env_remove(var);
    }
    c.arg("token").args(args).output().expect("runs")
}

#[test]
fn token_checks_role_and_province_against_the_gazetteer() {
    let out = dev_token(&["--role", "provincial_officer", "--province", "99"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("'99'") && err.contains("--province"), "{err}");
    assert!(out.stdout.is_empty());

    // Ninh Thuận (58) was merged into Khánh Hòa (56) in 2025.
    assert_eq!(dev_token(&["--role", "provincial_officer", "--province", "58"]).status.code(), Some(2));
    assert_eq!(dev_token(&["--role", "provincial_officer"]).status.code(), Some(2), "an officer needs a province");
    let out = dev_token(&["--role", "mayor"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("provincial_officer"), "possible values listed");

    let out = dev_token(&["--role", "provincial_officer", "--province", "40"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let token = String::from_utf8(out.stdout).expect("utf-8");
    let settings = coopgate::auth::jwt::KeySettings {
        hs256_secret: Some(coopgate::config::DEV_JWT_SECRET.into()),
        public_key_file: None,
        issuer: Some(coopgate::config::DEV_JWT_ISSUER.into()),
        audience: Some(coopgate::config::DEV_JWT_AUDIENCE.into()),
    };
    let provinces = ["40".to_owned()].into_iter().collect();
    let auth = coopgate::auth::jwt::Authenticator::new(&settings, provinces).expect("keys").expect("a key");
    let principal = auth.verify(token.trim()).expect("verifies");
    assert_eq!(principal.province.map(|p| p.to_string()).as_deref(), Some("40"));
}

/// Answers every HTTP request on a free port with 200, in the background.
fn liveness_stub() -> u16 {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().map_while(Result::ok) {
            let mut buf = [0u8; 1024];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        }
    });
    port
}

#[test]
fn healthcheck_calls_the_address_in_coopgate_listen() {
    let port = liveness_stub();
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let run = |listen: &str| coopgate().env("COOPGATE_LISTEN", listen).arg("healthcheck").output().expect("runs");
    assert!(run(&format!("127.0.0.1:{port}")).status.success());
    assert!(run(&format!("0.0.0.0:{port}")).status.success(), "a wildcard address is probed on loopback");
    assert!(!run(&format!("127.0.0.1:{closed}")).status.success());
    let explicit = coopgate()
        .env("COOPGATE_LISTEN", format!("127.0.0.1:{closed}"))
        .args(["healthcheck", "--url", &format!("http://127.0.0.1:{port}/healthz")])
        .output()
        .expect("runs");
    assert!(explicit.status.success(), "--url wins");
}

#[test]
fn completions_are_generated_for_bash_zsh_and_fish() {
    for shell in ["bash", "zsh", "fish"] {
        let out = coopgate().args(["completions", shell]).output().expect("runs");
        assert!(out.status.success(), "{shell}");
        let script = String::from_utf8(out.stdout).expect("utf-8");
        assert!(
            script.contains("coopgate") && script.contains("export-schema") && script.contains("database-url"),
            "{shell}"
        );
    }
    assert_eq!(coopgate().args(["completions", "tcsh"]).output().expect("runs").status.code(), Some(2));
}

/// A reader that goes away (`coopgate completions zsh | head -1`) ends the
/// command quietly, without a panic.
#[test]
fn printing_commands_do_not_panic_when_the_reader_goes_away() {
    for args in [&["completions", "zsh"][..], &["export-schema"][..]] {
        let mut child = coopgate()
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("runs");
        // Closed before the child has parsed its arguments, let alone written.
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("waits");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success() && !err.contains("panicked"), "{args:?}: {:?} {err}", out.status);
    }
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

#[test]
fn one_shot_commands_refuse_a_database_that_was_not_migrated() {
    let dir = tempfile::tempdir().expect("tmp");
    let url = format!("sqlite://{}/empty.db", dir.path().display());
    std::fs::write(dir.path().join("empty.db"), b"").expect("empty file");
    for args in [&["export"][..], &["audit", "verify"][..]] {
        let out = coopgate().env("DATABASE_URL", &url).args(args).output().expect("runs");
        assert!(!out.status.success(), "{args:?} ran on an unmigrated database");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("migration(s) behind: run `coopgate migrate` first"), "{args:?}: {err}");
    }
}
