//! The test suite's own PostgreSQL databases, on the server and under the
//! database name that `TEST_DATABASE_URL` names, and nothing else.
//!
//! - Every database a run creates is named `<db>_cg_<pid>_<nonce>_…`, where
//!   `<db>` is the database in `TEST_DATABASE_URL` (default `test`), and
//!   carries a marker comment (`COMMENT ON DATABASE`) with the owner tag,
//!   host, boot id, pid and process start time of the run that made it.
//! - When the run ends, however it ends, a reaper process (this test
//!   binary, started once per run as [`reaper`]) drops the run's databases
//!   and SQLite files: it waits for end-of-file on a pipe whose only writer
//!   is the run, so it wakes exactly when the run's process is gone.
//! - A run removes databases left by earlier runs only when their marker
//!   proves them stale: same owner tag, same host and either an earlier boot
//!   or a pid that is gone or now belongs to a process started at another
//!   time. Databases without a marker, from another host, or of a live run
//!   are never touched.

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde::{Deserialize, Serialize};
use std::io::Read;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

/// The PostgreSQL server and database the suite was pointed at.
pub fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// `url` with its database replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let mut u = url::Url::parse(url).expect("TEST_DATABASE_URL is a URL");
    u.set_path(name);
    u.to_string()
}

/// The database named in `url`, reduced to what a database name prefix may
/// hold unquoted (`[a-z0-9_]`, at most 20 characters).
fn base_name(url: &str) -> String {
    let path = url::Url::parse(url).map(|u| u.path().trim_start_matches('/').to_owned()).unwrap_or_default();
    let clean: String =
        path.to_ascii_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).take(20).collect();
    if clean.is_empty() || clean.starts_with(|c: char| c.is_ascii_digit()) {
        format!("t{clean}")
    } else {
        clean
    }
}

const OWNER: &str = "coopgate-tests";
const REAP_PREFIX: &str = "COOPGATE_TEST_REAP_PREFIX";
const REAP_PID: &str = "COOPGATE_TEST_REAP_PID";

/// Who made a database: stored as its comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marker {
    pub owner: String,
    pub host: String,
    pub boot: String,
    pub pid: u32,
    pub start: u64,
}

fn read_trimmed(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn host() -> String {
    read_trimmed("/proc/sys/kernel/hostname").or_else(|| read_trimmed("/etc/hostname")).unwrap_or_default()
}

fn boot_id() -> String {
    read_trimmed("/proc/sys/kernel/random/boot_id").unwrap_or_default()
}

/// The start time of process `pid` (clock ticks after boot), if it exists.
pub fn process_start(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

impl Marker {
    /// The marker of this process.
    pub fn of_this_process() -> Marker {
        let pid = std::process::id();
        Marker { owner: OWNER.into(), host: host(), boot: boot_id(), pid, start: process_start(pid).unwrap_or(0) }
    }

    /// Whether the run that made the database is provably gone. Without
    /// /proc nothing can be proved, so nothing is stale.
    pub fn is_stale(&self) -> bool {
        let me = Marker::of_this_process();
        if me.start == 0 || me.host.is_empty() || me.boot.is_empty() {
            return false;
        }
        if self.owner != OWNER || self.host != me.host {
            return false;
        }
        self.boot != me.boot || process_start(self.pid) != Some(self.start)
    }
}

/// This run: its name prefix and marker.
pub struct Run {
    pub prefix: String,
    pub marker: Marker,
}

/// This process's run.
pub fn run() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    RUN.get_or_init(|| {
        let marker = Marker::of_this_process();
        let nonce: u32 = rand::random();
        let prefix = format!("{}_cg_{}_{:08x}", base_name(&admin_url()), marker.pid, nonce);
        Run { prefix, marker }
    })
}

/// The prefix every run's database names start with, on this server and
/// under this database name.
pub fn family_prefix() -> String {
    format!("{}_cg_", base_name(&admin_url()))
}

fn quote_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Creates database `name` (from `template`, if any) with this run's marker.
pub async fn create_marked(admin: &DatabaseConnection, name: &str, template: Option<&str>) {
    let from = template.map(|t| format!(" TEMPLATE {t}")).unwrap_or_default();
    admin.execute_unprepared(&format!("CREATE DATABASE {name}{from}")).await.expect("create test database");
    mark(admin, name, &run().marker).await;
}

/// Sets the marker comment of database `name`.
pub async fn mark(admin: &DatabaseConnection, name: &str, marker: &Marker) {
    let json = serde_json::to_string(marker).expect("marker json");
    admin.execute_unprepared(&format!("COMMENT ON DATABASE {name} IS {}", quote_literal(&json))).await.expect("mark");
}

/// Databases on the server whose name starts with `prefix`, with their markers.
pub async fn databases(admin: &DatabaseConnection, prefix: &str) -> Vec<(String, Option<Marker>)> {
    let rows = admin
        .query_all(Statement::from_string(
            admin.get_database_backend(),
            "SELECT datname, shobj_description(oid, 'pg_database') AS note FROM pg_database",
        ))
        .await
        .expect("list databases");
    rows.into_iter()
        .filter_map(|r| {
            let name: String = r.try_get("", "datname").ok()?;
            let note: Option<String> = r.try_get("", "note").ok().flatten();
            name.starts_with(prefix).then(|| (name, note.and_then(|n| serde_json::from_str(&n).ok())))
        })
        .collect()
}

/// Drops the databases of runs that are provably gone; returns their names.
pub async fn drop_stale(admin: &DatabaseConnection) -> Vec<String> {
    let mut dropped = Vec::new();
    for (name, marker) in databases(admin, &family_prefix()).await {
        if marker.is_some_and(|m| m.is_stale()) {
            let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
            dropped.push(name);
        }
    }
    dropped
}

/// Drops database `name` now, from any thread or runtime.
pub fn drop_database_blocking(name: String) {
    let _ = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async {
            if let Ok(admin) = sea_orm::Database::connect(admin_url()).await {
                let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
                let _ = admin.close().await;
            }
        })
    })
    .join();
}

/// Where SQLite test files live.
pub fn tmp_dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("coopgate-tests");
    std::fs::create_dir_all(&d).expect("test tmp dir");
    d
}

/// Starts this run's reaper once (before the run creates anything).
pub fn ensure_reaper() {
    static REAPER: OnceLock<Mutex<Option<std::process::Child>>> = OnceLock::new();
    REAPER.get_or_init(|| {
        use std::os::unix::process::CommandExt;
        let child = std::env::current_exe().ok().and_then(|exe| {
            std::process::Command::new(exe)
                .args(["--exact", "databases::reaper", "--ignored", "--test-threads", "1", "--quiet"])
                .env(REAP_PREFIX, &run().prefix)
                .env(REAP_PID, std::process::id().to_string())
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::null())
                // Not in the run's process group: a ctrl-c of the run does not stop it.
                .process_group(0)
                .spawn()
                .ok()
        });
        // Kept, with its stdin, until this process ends: never dropped.
        Mutex::new(child)
    });
}

/// The reaper of one run (started by [`ensure_reaper`]; does nothing when
/// run by hand): waits until the run's process is gone, then drops the
/// run's databases and SQLite files.
#[test]
#[ignore = "started by the test suite itself; does nothing on its own"]
fn reaper() {
    let (Ok(prefix), Ok(pid)) = (std::env::var(REAP_PREFIX), std::env::var(REAP_PID)) else {
        return;
    };
    // End of file: the run's process, the only writer, has exited.
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        if let Ok(admin) = sea_orm::Database::connect(admin_url()).await {
            for (name, _) in databases(&admin, &format!("{prefix}_")).await {
                let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
            }
            let _ = admin.close().await;
        }
    });
    if let Ok(entries) = std::fs::read_dir(tmp_dir()) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.split(['-', '.']).nth(1) == Some(pid.as_str()) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

/// A database of a run that is provably gone is dropped; one without a
/// marker, of another host, or of a live run is kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_databases_provably_left_by_a_gone_run_are_dropped() {
    let admin = sea_orm::Database::connect(admin_url()).await.expect("PostgreSQL at TEST_DATABASE_URL");
    // A pid that is gone: a child that has been waited for.
    let mut child = std::process::Command::new("true").spawn().expect("true");
    let gone = child.id();
    child.wait().expect("waited");
    let me = Marker::of_this_process();
    let cases = [
        ("gone", Some(Marker { pid: gone, start: 1, ..me.clone() }), true),
        ("reused_pid", Some(Marker { start: me.start + 1, ..me.clone() }), true),
        ("earlier_boot", Some(Marker { boot: "another-boot".into(), ..me.clone() }), true),
        ("live", Some(me.clone()), false),
        ("other_host", Some(Marker { host: "another-host".into(), pid: gone, ..me.clone() }), false),
        ("other_owner", Some(Marker { owner: "someone-else".into(), pid: gone, ..me.clone() }), false),
        ("unmarked", None, false),
    ];
    for (what, marker, _) in &cases {
        let name = format!("{}_{what}", run().prefix);
        admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create");
        if let Some(m) = marker {
            mark(&admin, &name, m).await;
        }
    }
    let dropped = drop_stale(&admin).await;
    let left: Vec<String> = databases(&admin, &run().prefix).await.into_iter().map(|(n, _)| n).collect();
    for (what, _, stale) in cases {
        let name = format!("{}_{what}", run().prefix);
        assert_eq!(dropped.contains(&name), stale, "{what}: dropped {dropped:?}");
        assert_eq!(left.contains(&name), !stale, "{what}: left {left:?}");
        let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
    }
    let _ = admin.close().await;
}

/// A run of the suite (here: one PostgreSQL test in a child process)
/// leaves none of its databases behind once it has ended.
#[test]
fn a_finished_run_leaves_no_database_behind() {
    let mut child = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args(["--exact", "reference_data::migrations_load_the_official_units::postgres", "--quiet"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("runs");
    let pid = child.id();
    // The child's reaper inherits its stderr: end of file means both are done.
    let mut err = String::new();
    let _ = child.stderr.take().expect("stderr").read_to_string(&mut err);
    assert!(child.wait().expect("waited").success(), "{err}");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let left = rt.block_on(async {
        let admin = sea_orm::Database::connect(admin_url()).await.expect("PostgreSQL at TEST_DATABASE_URL");
        let all = databases(&admin, "").await;
        let _ = admin.close().await;
        all
    });
    let of_child: Vec<&String> =
        left.iter().map(|(n, _)| n).filter(|n| n.split('_').any(|part| part == pid.to_string())).collect();
    assert!(of_child.is_empty(), "left behind by run {pid}: {of_child:?}");
    let files: Vec<String> = std::fs::read_dir(tmp_dir())
        .expect("tmp dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.split(['-', '.']).nth(1) == Some(pid.to_string().as_str()))
        .collect();
    assert!(files.is_empty(), "{files:?}");
}
