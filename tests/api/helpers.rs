//! Spawning the app on port 0 over a fresh database, GraphQL calls and
//! fixtures. Databases are copied from a per-process template that was
//! migrated once, and dropped when the test ends, passed or not; the
//! template goes when the process ends (see `databases.rs`).

use chrono::{NaiveDate, TimeZone, Utc};
use coopgate::auth::Role;
use coopgate::config::{AuthConfig, Config, LogFormat, NationalConfig, Profile, ServeConfig};
use coopgate::domain::AdministrativeLevel;
use coopgate::limits::LimitsConfig;
use coopgate::startup::{self, Application};
use coopgate::state::AppState;
use entity::{annual_report, cooperative, cooperative_group, cooperative_union, person};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, IntoActiveModel};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use tokio::sync::OnceCell;
use tokio_util::sync::CancellationToken;

/// Generates one test per backend from `async fn name(backend: Backend)`.
#[macro_export]
macro_rules! storage_tests {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::helpers::Backend::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::helpers::Backend::Postgres).await
                }
            }
        )+
    };
}

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub use crate::databases::admin_url;
use crate::databases::{tmp_dir, with_database};

fn pid_alive(pid: &str) -> bool {
    std::path::Path::new("/proc").join(pid).exists()
}

static SQLITE_TEMPLATE: OnceCell<PathBuf> = OnceCell::const_new();
static PG_TEMPLATE: OnceCell<String> = OnceCell::const_new();
static NEXT: AtomicU32 = AtomicU32::new(0);

async fn sqlite_template() -> PathBuf {
    SQLITE_TEMPLATE
        .get_or_init(|| async {
            crate::databases::ensure_reaper();
            let dir = tmp_dir();
            // Files of test processes that are gone.
            if let Ok(entries) = std::fs::read_dir(&dir) {
                for e in entries.flatten() {
                    let name = e.file_name().to_string_lossy().into_owned();
                    let pid = name.split(['-', '.']).nth(1).unwrap_or_default().to_owned();
                    if !pid.is_empty() && !pid_alive(&pid) {
                        let _ = std::fs::remove_file(e.path());
                    }
                }
            }
            let path = dir.join(format!("tpl-{}.db", std::process::id()));
            // A stale WAL of an earlier process with the same pid would be
            // replayed into the fresh file: remove it too.
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            let url = format!("sqlite://{}", path.display());
            let (db, _) = coopgate::storage::connect(&url, &Default::default()).await.expect("template db");
            startup::migrate(&db).await.expect("migrations apply on SQLite");
            db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)").await.expect("checkpoint");
            db.close().await.expect("close template");
            path
        })
        .await
        .clone()
}

async fn pg_template() -> String {
    PG_TEMPLATE
        .get_or_init(|| async {
            let admin = sea_orm::Database::connect(admin_url()).await.unwrap_or_else(|e| {
                panic!(
                    "PostgreSQL not reachable at {} ({e}); start it (pg_ctlcluster … main start) or set TEST_DATABASE_URL",
                    admin_url()
                )
            });
            // Only databases that provably belong to runs that are gone.
            crate::databases::drop_stale(&admin).await;
            crate::databases::ensure_reaper();
            let name = format!("{}_tpl", crate::databases::run().prefix);
            crate::databases::create_marked(&admin, &name, None).await;
            let _ = admin.close().await;
            let (db, _) = coopgate::storage::connect(&with_database(&admin_url(), &name), &Default::default())
                .await
                .expect("template db");
            startup::migrate(&db).await.expect("migrations apply on PostgreSQL");
            db.close().await.expect("close template");
            name
        })
        .await
        .clone()
}

/// A database of one test, removed on drop.
pub struct TestDb {
    pub url: String,
    backend: Backend,
    name: String,
}

impl TestDb {
    /// A fresh, migrated database.
    pub async fn create(backend: Backend) -> TestDb {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        match backend {
            Backend::Sqlite => {
                let tpl = sqlite_template().await;
                let path = tmp_dir().join(format!("t-{}-{n}.db", std::process::id()));
                std::fs::copy(&tpl, &path).expect("copy template");
                TestDb { url: format!("sqlite://{}", path.display()), backend, name: path.display().to_string() }
            }
            Backend::Postgres => {
                let tpl = pg_template().await;
                let name = format!("{}_{n}", crate::databases::run().prefix);
                let admin = sea_orm::Database::connect(admin_url()).await.expect("admin connection");
                crate::databases::create_marked(&admin, &name, Some(&tpl)).await;
                let _ = admin.close().await;
                TestDb { url: with_database(&admin_url(), &name), backend, name }
            }
        }
    }

    /// Drops a PostgreSQL test database now (e.g. to simulate an outage).
    pub fn drop_now(&self) {
        let name = self.name.clone();
        match self.backend {
            Backend::Sqlite => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{name}{suffix}"));
                }
            }
            Backend::Postgres => crate::databases::drop_database_blocking(name),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        self.drop_now();
    }
}

/// The HS256 secret test apps verify with.
pub const TEST_SECRET: &str = "test-secret-0123456789-abcdefghijklmnop";
/// The issuer test tokens carry.
pub const TEST_ISSUER: &str = "https://id.test.coopgate";
/// The audience test tokens carry.
pub const TEST_AUDIENCE: &str = "coopgate-test";

/// How to start the app.
#[derive(Debug, Clone)]
pub struct Options {
    pub profile: Profile,
    pub demo: bool,
    pub auth: AuthConfig,
    pub limits: LimitsConfig,
    pub reporting: coopgate::config::ReportingConfig,
    /// The national systems and worker; `None`: off, no worker (tests that
    /// sync drive their own simulator and worker).
    pub national: Option<NationalConfig>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            profile: Profile::Dev,
            demo: false,
            auth: AuthConfig {
                jwt_hs256_secret: Some(TEST_SECRET.into()),
                jwt_public_key_file: None,
                jwt_issuer: Some(TEST_ISSUER.into()),
                jwt_audience: Some(TEST_AUDIENCE.into()),
            },
            limits: LimitsConfig::default(),
            reporting: Default::default(),
            national: None,
        }
    }
}

/// A valid token for a role (and province) signed with the test secret.
pub fn token(role: Role, province: Option<&str>) -> String {
    let claims = coopgate::auth::jwt::claims_for(
        &format!("{role:?}-{}", province.unwrap_or("all")),
        role,
        province,
        TEST_ISSUER,
        TEST_AUDIENCE,
        std::time::Duration::from_secs(600),
    );
    coopgate::auth::jwt::mint_hs256(TEST_SECRET, &claims).expect("mint")
}

/// An officer of `province`.
pub fn officer(province: &str) -> String {
    token(Role::ProvincialOfficer, Some(province))
}

/// A national admin.
pub fn admin() -> String {
    token(Role::NationalAdmin, None)
}

/// The app running on a free port over its own database.
pub struct TestApp {
    pub address: String,
    pub http: reqwest::Client,
    pub state: AppState,

    pub db: TestDb,
    token: CancellationToken,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl TestApp {
    /// An app over an empty registry.
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, Options::default()).await
    }

    /// An app over the scale-1 demo registry.
    pub async fn spawn_demo(backend: Backend) -> TestApp {
        Self::spawn_with(backend, Options { demo: true, ..Options::default() }).await
    }

    /// An app with options.
    pub async fn spawn_with(backend: Backend, options: Options) -> TestApp {
        coopgate::telemetry::init_for_tests();
        let db = TestDb::create(backend).await;
        let config = Config {
            database_url: db.url.clone(),
            profile: options.profile,
            log_format: LogFormat::Text,
            auth: options.auth.clone(),
            // Tests that sync drive their own simulator and worker.
            national: options.national.clone().unwrap_or(NationalConfig {
                national: Some("off".into()),
                national_timeout_ms: 5000,
                sync_max_attempts: 12,
                sync_lease_seconds: 60,
                sync_backoff_ms: 500,
                sync_worker: false,
                ..Default::default()
            }),
            db_max_connections: 5,
            reporting: options.reporting.clone(),
            evidence: Default::default(),
        };
        let mut limits = options.limits.clone();
        // Tests read English messages: a production gateway (whose default is
        // Vietnamese) answers them in English unless a test sets the language.
        if options.profile == Profile::Production && limits.default_language.is_none() {
            limits.default_language = Some(coopgate::domain::Language::En);
        }
        let serve = ServeConfig {
            listen: "127.0.0.1:0".parse().expect("addr"),
            demo_scale: 1,
            demo: options.demo,
            limits,
            ops: Default::default(),
        };
        let app = Application::build(&config, &serve).await.expect("application builds");
        let address = format!("http://127.0.0.1:{}", app.port());
        let state = app.state().clone();
        let token = CancellationToken::new();
        let server = tokio::spawn(app.run_until_stopped(token.clone()));
        TestApp { address, http: reqwest::Client::new(), state, db, token, server: Some(server) }
    }

    /// The pool.
    pub fn conn(&self) -> &DatabaseConnection {
        &self.state.db
    }

    /// SQL statements executed so far.
    pub fn statements(&self) -> u64 {
        self.state.statements.get()
    }

    /// POSTs a GraphQL operation and returns the JSON response.
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        self.http
            .post(format!("{}/graphql", self.address))
            .json(&json!({"query": query, "variables": variables}))
            .send()
            .await
            .expect("request sent")
            .json()
            .await
            .expect("JSON response")
    }

    /// POSTs an operation with a bearer token.
    pub async fn graphql_as(&self, token: &str, query: &str, variables: Value) -> Value {
        self.http
            .post(format!("{}/graphql", self.address))
            .bearer_auth(token)
            .json(&json!({"query": query, "variables": variables}))
            .send()
            .await
            .expect("request sent")
            .json()
            .await
            .expect("JSON response")
    }

    /// Runs an operation as `token` that must succeed and returns `data`.
    pub async fn data_as(&self, token: &str, query: &str, variables: Value) -> Value {
        let v = self.graphql_as(token, query, variables).await;
        assert!(v.get("errors").is_none(), "unexpected errors: {v:#}");
        v["data"].clone()
    }

    /// Runs a query that must succeed and returns `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let v = self.graphql(query, variables).await;
        assert!(v.get("errors").is_none(), "unexpected errors: {v:#}");
        v["data"].clone()
    }

    /// Runs a query that must fail and returns its first error.
    pub async fn error(&self, query: &str, variables: Value) -> Value {
        let v = self.graphql(query, variables).await;
        v["errors"].get(0).cloned().unwrap_or_else(|| panic!("expected an error, got {v:#}"))
    }

    /// Stops the server and waits for it to finish.
    pub async fn stop(mut self) {
        self.token.cancel();
        if let Some(s) = self.server.take() {
            s.await.expect("server task").expect("server stops cleanly");
        }
    }

    /// A 2025 ward's id by code.
    pub fn ward(&self, code: &str) -> i32 {
        self.state.gazetteer.in_force(AdministrativeLevel::Ward, code).unwrap_or_else(|| panic!("ward {code}")).id
    }

    /// The province (id) of a 2025 ward.
    pub fn province_of(&self, ward_id: i32) -> i32 {
        self.state.gazetteer.province_of(ward_id).expect("province").id
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.token.cancel();
    }
}

/// The code of an error.
pub fn code(err: &Value) -> &str {
    err["extensions"]["code"].as_str().unwrap_or("<none>")
}

/// A cooperative to insert directly into storage (writes come with a later issue).
#[derive(Debug, Clone)]
pub struct Coop {
    pub name: String,
    pub ward: &'static str,
    pub status: &'static str,
    pub sector: &'static str,
    pub code: Option<String>,
    pub registered_on: Option<NaiveDate>,
    pub official_members: i32,
    pub associate_members: i32,
    pub high_tech: bool,
    pub value_chain_linked: bool,
    pub union_id: Option<i64>,
    pub latest_rating: Option<&'static str>,
    pub updated_at: chrono::DateTime<Utc>,
    pub director: Option<i64>,
}

impl Coop {
    /// An ACTIVE agricultural cooperative in `ward`.
    pub fn new(name: &str, ward: &'static str) -> Coop {
        Coop {
            name: name.to_owned(),
            ward,
            status: "ACTIVE",
            sector: "AGRICULTURE",
            code: None,
            registered_on: NaiveDate::from_ymd_opt(2020, 1, 15),
            official_members: 10,
            associate_members: 0,
            high_tech: false,
            value_chain_linked: false,
            union_id: None,
            latest_rating: None,
            updated_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().expect("time"),
            director: None,
        }
    }

    /// Inserts it and returns the row.
    pub async fn insert(self, app: &TestApp) -> cooperative::Model {
        let ward_id = app.ward(self.ward);
        let m = cooperative::Model {
            id: 0,
            code: self.code,
            name_search: coopgate::domain::text::fold(&self.name),
            name: coopgate::domain::text::normalise(&self.name),
            foreign_name: None,
            abbreviation: None,
            status: self.status.into(),
            sector: self.sector.into(),
            business_lines: "0111".into(),
            street: None,
            ward_id,
            province_id: app.province_of(ward_id),
            registered_on: self.registered_on,
            charter_capital: Some(100_000_000 * 100),
            official_members: self.official_members,
            associate_members: self.associate_members,
            director_id: self.director,
            legal_representative_id: self.director,
            high_tech: self.high_tech,
            value_chain_linked: self.value_chain_linked,
            union_id: self.union_id,
            latest_rating: self.latest_rating.map(Into::into),
            latest_report_year: self.latest_rating.map(|_| 2025),
            tax_sync: "NOT_REQUIRED".into(),
            registry_sync: "NOT_REQUIRED".into(),
            sync_attempts: 0,
            sync_last_error: None,
            last_synced_at: None,
            national_version: None,
            version: 1,
            created_at: self.updated_at,
            updated_at: self.updated_at,
            below_legal_minimum_since: None,
        };
        let mut am = m.into_active_model();
        am.id = sea_orm::ActiveValue::NotSet;
        am.insert(app.conn()).await.expect("insert cooperative")
    }
}

/// Inserts a person.
pub async fn insert_person(app: &TestApp, name: &str, gender: &str) -> person::Model {
    person::ActiveModel {
        full_name: sea_orm::Set(name.into()),
        gender: sea_orm::Set(Some(gender.into())),
        id_number: sea_orm::Set(Some("040090000001".into())),
        phone: sea_orm::Set(Some("0912345678".into())),
        ..Default::default()
    }
    .insert(app.conn())
    .await
    .expect("insert person")
}

/// Inserts an ACTIVE union in `ward`.
pub async fn insert_union(
    app: &TestApp,
    name: &str,
    ward: &'static str,
    code: Option<&str>,
) -> cooperative_union::Model {
    let ward_id = app.ward(ward);
    let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().expect("time");
    cooperative_union::ActiveModel {
        code: sea_orm::Set(code.map(Into::into)),
        name: sea_orm::Set(name.into()),
        name_search: sea_orm::Set(coopgate::domain::text::fold(name)),
        status: sea_orm::Set("ACTIVE".into()),
        sector: sea_orm::Set("AGRICULTURE".into()),
        street: sea_orm::Set(None),
        ward_id: sea_orm::Set(ward_id),
        province_id: sea_orm::Set(app.province_of(ward_id)),
        registered_on: sea_orm::Set(NaiveDate::from_ymd_opt(2021, 3, 1)),
        charter_capital: sea_orm::Set(None),
        legal_representative_id: sea_orm::Set(None),
        high_tech: sea_orm::Set(false),
        value_chain_linked: sea_orm::Set(false),
        latest_rating: sea_orm::Set(None),
        latest_report_year: sea_orm::Set(None),
        tax_sync: sea_orm::Set("NOT_REQUIRED".into()),
        registry_sync: sea_orm::Set("NOT_REQUIRED".into()),
        sync_attempts: sea_orm::Set(0),
        sync_last_error: sea_orm::Set(None),
        last_synced_at: sea_orm::Set(None),
        version: sea_orm::Set(1),
        created_at: sea_orm::Set(now),
        updated_at: sea_orm::Set(now),
        ..Default::default()
    }
    .insert(app.conn())
    .await
    .expect("insert union")
}

/// Inserts an ACTIVE group in `ward`.
pub async fn insert_group(app: &TestApp, name: &str, ward: &'static str, members: i32) -> cooperative_group::Model {
    let ward_id = app.ward(ward);
    let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().expect("time");
    cooperative_group::ActiveModel {
        name: sea_orm::Set(name.into()),
        name_search: sea_orm::Set(coopgate::domain::text::fold(name)),
        status: sea_orm::Set("ACTIVE".into()),
        sector: sea_orm::Set("AGRICULTURE".into()),
        street: sea_orm::Set(None),
        ward_id: sea_orm::Set(ward_id),
        province_id: sea_orm::Set(app.province_of(ward_id)),
        established_on: sea_orm::Set(NaiveDate::from_ymd_opt(2022, 5, 1).expect("date")),
        members: sea_orm::Set(members),
        representative_id: sea_orm::Set(None),
        high_tech: sea_orm::Set(false),
        value_chain_linked: sea_orm::Set(false),
        latest_rating: sea_orm::Set(None),
        latest_report_year: sea_orm::Set(None),
        version: sea_orm::Set(1),
        created_at: sea_orm::Set(now),
        updated_at: sea_orm::Set(now),
        ..Default::default()
    }
    .insert(app.conn())
    .await
    .expect("insert group")
}

/// Inserts a cooperative's annual report.
pub async fn insert_report(app: &TestApp, cooperative_id: i64, year: i32, rating: &str) -> annual_report::Model {
    annual_report::ActiveModel {
        cooperative_id: sea_orm::Set(Some(cooperative_id)),
        union_id: sea_orm::Set(None),
        group_id: sea_orm::Set(None),
        year: sea_orm::Set(year),
        official_members: sea_orm::Set(10),
        associate_members: sea_orm::Set(0),
        employees: sea_orm::Set(None),
        revenue: sea_orm::Set(Some(5_000_000_000 * 100)),
        profit: sea_orm::Set(None),
        average_member_income: sea_orm::Set(Some(6_000_000 * 100)),
        rating: sea_orm::Set(Some(rating.into())),
        high_tech: sea_orm::Set(false),
        value_chain_linked: sea_orm::Set(false),
        ocop_products: sea_orm::Set(0),
        submitted_at: sea_orm::Set(Utc.with_ymd_and_hms(year + 1, 3, 1, 0, 0, 0).single().expect("time")),
        ..Default::default()
    }
    .insert(app.conn())
    .await
    .expect("insert report")
}

/// The `name`s of a connection's nodes.
pub fn names(connection: &Value) -> Vec<String> {
    connection["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["name"].as_str().expect("name").to_owned())
        .collect()
}
