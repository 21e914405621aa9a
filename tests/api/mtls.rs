//! Mutual TLS to the national systems: the simulator serves HTTPS and
//! requires a client certificate of the CA it trusts; the gateway presents
//! its certificate and trusts only the pinned national CA. Deliveries go
//! through with the right certificate; without one, with one of another
//! CA, or to a server whose certificate the pinned CA did not issue, the
//! handshake is refused and nothing reaches the simulator's routes.
//! Unusable certificate files stop start-up with the setting named.
//!
//! Every certificate and key is made here, at run time (rcgen): no private
//! key is committed.

use crate::helpers::{officer, Backend, TestApp};
use crate::storage_tests;
use crate::writes::{self, registered};
use coopgate::config::{AuthConfig, Config, DatabaseArgs, LogFormat, NationalConfig, Profile};
use coopgate::sim::{self, SimConfig, SimHandle};
use coopgate::sync::worker::{Worker, WorkerSettings};
use coopgate::tls::ServerTls;
use entity::sync_outbox;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};
use sea_orm::EntityTrait;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A certificate authority made for one test.
struct Ca {
    pem: String,
    issuer: Issuer<'static, KeyPair>,
}

fn ca(name: &str) -> Ca {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    let key = KeyPair::generate().expect("CA key");
    let cert = params.self_signed(&key).expect("CA certificate");
    Ca { pem: cert.pem(), issuer: Issuer::new(params, key) }
}

/// A certificate and its key, as PEM.
struct Leaf {
    cert: String,
    key: String,
}

/// A server certificate for 127.0.0.1, or a client certificate.
fn leaf(by: &Ca, name: &str, server: bool) -> Leaf {
    let sans = if server { vec!["127.0.0.1".to_owned(), "localhost".to_owned()] } else { Vec::new() };
    let mut params = CertificateParams::new(sans).expect("params");
    params.distinguished_name.push(DnType::CommonName, name);
    params.use_authority_key_identifier_extension = true;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages =
        vec![if server { ExtendedKeyUsagePurpose::ServerAuth } else { ExtendedKeyUsagePurpose::ClientAuth }];
    let key = KeyPair::generate().expect("key");
    let cert = params.signed_by(&key, &by.issuer).expect("certificate");
    Leaf { cert: cert.pem(), key: key.serialize_pem() }
}

/// The certificates of one test: the national CA (issues the national
/// systems' server certificate), the provinces' CA (issues the gateway's
/// client certificate; the national side trusts it), and a rogue CA.
struct Pki {
    dir: tempfile::TempDir,
    national_ca: Ca,
    client_ca: Ca,
    rogue_ca: Ca,
}

impl Pki {
    fn new() -> Self {
        Pki {
            dir: tempfile::tempdir().expect("dir"),
            national_ca: ca("Cục Quản lý đăng ký kinh doanh (test national CA)"),
            client_ca: ca("Sở Tài chính Tây Ninh (test client CA)"),
            rogue_ca: ca("Rogue CA"),
        }
    }

    /// Writes `text` to a file of the test's folder.
    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        path
    }

    /// Writes a certificate and its key; returns their paths.
    fn files(&self, name: &str, leaf: &Leaf) -> (PathBuf, PathBuf) {
        (self.file(&format!("{name}.crt"), &leaf.cert), self.file(&format!("{name}.key"), &leaf.key))
    }
}

/// A simulator serving `server` and requiring client certificates of `client_ca`.
async fn simulator(server: &Leaf, client_ca: &Ca) -> SimHandle {
    let tls = ServerTls {
        cert_pem: server.cert.clone().into_bytes(),
        key_pem: server.key.clone().into_bytes(),
        client_ca_pem: Some(client_ca.pem.clone().into_bytes()),
    };
    let config = SimConfig { listen: "127.0.0.1:0".parse().expect("addr"), tls: Some(tls), ..Default::default() };
    sim::spawn(config).await.expect("simulator starts")
}

/// The gateway's national settings for `url`.
fn national(url: &str, client: Option<(&Path, &Path)>, ca: Option<&Path>) -> NationalConfig {
    NationalConfig {
        national: Some(url.to_owned()),
        national_client_id: Some(sim::DEFAULT_CLIENT_ID.to_owned()),
        national_client_secret: Some(sim::DEFAULT_CLIENT_SECRET.to_owned()),
        national_client_cert: client.map(|c| c.0.to_owned()),
        national_client_key: client.map(|c| c.1.to_owned()),
        national_ca: ca.map(Path::to_owned),
        national_timeout_ms: 3000,
        ..Default::default()
    }
}

fn config(national: NationalConfig) -> Config {
    let db = DatabaseArgs { database_url: "sqlite::memory:".to_owned(), db_max_connections: 1 };
    Config::new(db, Profile::Production, LogFormat::Text, AuthConfig::default(), national)
}

/// Starts the national client as `coopgate serve` would, or says why not.
async fn start(national: NationalConfig) -> Result<coopgate::startup::National, String> {
    match coopgate::startup::national(&config(national)).await {
        Ok(Some(n)) => Ok(n),
        Ok(None) => Err("national systems off".to_owned()),
        Err(e) => Err(e.to_string()),
    }
}

/// A worker over the client the settings make.
async fn worker(app: &TestApp, national: NationalConfig) -> Worker<coopgate::sync::client::HttpNational> {
    let n = start(national).await.expect("the national client starts");
    let settings = WorkerSettings {
        max_attempts: 100,
        backoff_base: Duration::from_millis(20),
        backoff_cap: Duration::from_millis(200),
        lease: Duration::from_secs(30),
        concurrency: 4,
        ..Default::default()
    };
    Worker::new(app.state.clone(), n.client, settings)
}

/// Registers two cooperatives (two registrations waiting in the outbox).
async fn two_registrations(app: &TestApp) {
    let t = officer("40");
    for name in ["HTX mTLS Một", "HTX mTLS Hai"] {
        registered(app, &t, writes::coop(name, "16681")).await;
    }
}

async fn outbox(app: &TestApp) -> Vec<sync_outbox::Model> {
    sync_outbox::Entity::find().all(app.conn()).await.expect("outbox")
}

async fn deliveries_succeed_over_mutual_tls_with_the_right_client_certificate(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let pki = Pki::new();
    let sim = simulator(&leaf(&pki.national_ca, "ncrs.test", true), &pki.client_ca).await;
    assert!(sim.base_url().starts_with("https://"), "{}", sim.base_url());
    let (cert, key) = pki.files("gateway", &leaf(&pki.client_ca, "coopgate Tây Ninh", false));
    let ca = pki.file("national-ca.pem", &pki.national_ca.pem);
    two_registrations(&app).await;

    let w = worker(&app, national(&sim.base_url(), Some((&cert, &key)), Some(&ca))).await;
    assert!(w.drain(Duration::from_secs(60)).await.expect("drain"), "the queue empties");

    let rows = outbox(&app).await;
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r.state == "DELIVERED"), "{:?}", rows.iter().map(|r| &r.state).collect::<Vec<_>>());
    let records = serde_json::to_value(sim.records()).expect("records");
    assert_eq!(records["tax"]["taxpayers"].as_array().map(Vec::len), Some(2), "both registered nationally");
    assert_eq!(sim.handshakes_refused(), 0);
    sim.shutdown().await;
}

/// What `sync.lastError` says when the national side refuses our client
/// certificate. Under TLS 1.3 the client's handshake is over before the
/// server has judged its certificate, so the refusal (a TLS alert) may
/// come while the HTTP client still holds the connection unused; it then
/// reports only that the connection closed.
const CLIENT_REFUSED: &[&str] = &["refused our client certificate", "could not be reached"];

/// Runs the worker for a while against a simulator that must refuse it,
/// then checks that nothing reached the simulator and that the outbox
/// says why, in words (one of `expected`).
async fn refused(app: &TestApp, sim: SimHandle, national: NationalConfig, expected: &[&str]) {
    two_registrations(app).await;
    let w = worker(app, national).await;
    assert!(!w.drain(Duration::from_millis(1500)).await.expect("drain"), "nothing can be delivered");

    assert_eq!(sim.calls_received(), 0, "no request reached the simulator's routes (not even the token request)");
    let records = serde_json::to_value(sim.records()).expect("records");
    assert_eq!(records["tax"]["taxpayers"], serde_json::json!([]), "nothing registered");
    assert_eq!(records["ncrs"]["records"], serde_json::json!([]), "nothing recorded");
    assert!(sim.handshakes_refused() > 0, "the connections failed in the TLS handshake");
    for row in outbox(app).await {
        assert_ne!(row.state, "DELIVERED");
        let error = row.last_error.unwrap_or_default();
        assert!(expected.iter().any(|e| error.contains(e)), "lastError {error:?} says one of {expected:?}");
    }
    sim.shutdown().await;
}

async fn a_gateway_without_a_client_certificate_is_refused_in_the_handshake(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let pki = Pki::new();
    let sim = simulator(&leaf(&pki.national_ca, "ncrs.test", true), &pki.client_ca).await;
    let ca = pki.file("national-ca.pem", &pki.national_ca.pem);
    let settings = national(&sim.base_url(), None, Some(&ca));
    refused(&app, sim, settings, CLIENT_REFUSED).await;
}

async fn a_client_certificate_of_another_ca_is_refused_in_the_handshake(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let pki = Pki::new();
    let sim = simulator(&leaf(&pki.national_ca, "ncrs.test", true), &pki.client_ca).await;
    let (cert, key) = pki.files("impostor", &leaf(&pki.rogue_ca, "coopgate Tây Ninh", false));
    let ca = pki.file("national-ca.pem", &pki.national_ca.pem);
    let settings = national(&sim.base_url(), Some((&cert, &key)), Some(&ca));
    refused(&app, sim, settings, CLIENT_REFUSED).await;
}

async fn a_national_server_whose_certificate_the_pinned_ca_did_not_issue_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let pki = Pki::new();
    // A server in the middle: its certificate is valid for 127.0.0.1, but
    // issued by another CA than the pinned national one.
    let sim = simulator(&leaf(&pki.rogue_ca, "ncrs.test", true), &pki.client_ca).await;
    let (cert, key) = pki.files("gateway", &leaf(&pki.client_ca, "coopgate Tây Ninh", false));
    let ca = pki.file("national-ca.pem", &pki.national_ca.pem);
    let settings = national(&sim.base_url(), Some((&cert, &key)), Some(&ca));
    refused(&app, sim, settings, &["certificate is not trusted"]).await;
}

storage_tests!(
    deliveries_succeed_over_mutual_tls_with_the_right_client_certificate,
    a_gateway_without_a_client_certificate_is_refused_in_the_handshake,
    a_client_certificate_of_another_ca_is_refused_in_the_handshake,
    a_national_server_whose_certificate_the_pinned_ca_did_not_issue_is_refused,
);

const URL: &str = "https://127.0.0.1:1";

#[tokio::test]
async fn unusable_certificate_files_stop_startup_naming_the_setting() {
    let pki = Pki::new();
    let good = leaf(&pki.client_ca, "coopgate", false);
    let other = leaf(&pki.client_ca, "someone else", false);
    let (cert, key) = pki.files("gateway", &good);
    let ca = pki.file("ca.pem", &pki.national_ca.pem);
    let garbage =
        pki.file("garbage.pem", "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n");
    let empty = pki.file("empty.pem", "");
    let other_key = pki.file("other.key", &other.key);
    let missing = pki.dir.path().join("missing.pem");

    let cases: Vec<(&str, NationalConfig, &str)> = vec![
        ("missing certificate file", national(URL, Some((&missing, &key)), None), "COOPGATE_NATIONAL_CLIENT_CERT: "),
        (
            "certificate file without a certificate",
            national(URL, Some((&empty, &key)), None),
            "COOPGATE_NATIONAL_CLIENT_CERT: ",
        ),
        ("key file holding a certificate", national(URL, Some((&cert, &cert)), None), "COOPGATE_NATIONAL_CLIENT_KEY: "),
        (
            "key of another certificate",
            national(URL, Some((&cert, &other_key)), None),
            "COOPGATE_NATIONAL_CLIENT_KEY: ",
        ),
        ("malformed CA", national(URL, Some((&cert, &key)), Some(&garbage)), "COOPGATE_NATIONAL_CA: "),
        ("missing CA", national(URL, None, Some(&missing)), "COOPGATE_NATIONAL_CA: "),
        (
            "certificate without a key",
            {
                let mut n = national(URL, Some((&cert, &key)), None);
                n.national_client_key = None;
                n
            },
            "COOPGATE_NATIONAL_CLIENT_KEY: ",
        ),
        (
            "plain http with a client certificate",
            national("http://127.0.0.1:1", Some((&cert, &key)), Some(&ca)),
            "COOPGATE_NATIONAL_CLIENT_CERT: mutual TLS needs https://",
        ),
    ];
    for (case, settings, expected) in cases {
        let error = start(settings).await.err().unwrap_or_else(|| panic!("{case}: start-up must fail"));
        assert!(error.starts_with(expected), "{case}: {error:?} starts with {expected:?}");
    }
    start(national(URL, Some((&cert, &key)), Some(&ca))).await.expect("the good files start");
}

#[tokio::test]
async fn the_simulator_refuses_unusable_tls_files_naming_its_flag() {
    let pki = Pki::new();
    let server = leaf(&pki.national_ca, "ncrs.test", true);
    let other = leaf(&pki.national_ca, "other", true);
    let bad = |cert: &str, key: &str, ca: Option<&str>| SimConfig {
        listen: "127.0.0.1:0".parse().expect("addr"),
        tls: Some(ServerTls {
            cert_pem: cert.as_bytes().to_vec(),
            key_pem: key.as_bytes().to_vec(),
            client_ca_pem: ca.map(|c| c.as_bytes().to_vec()),
        }),
        ..Default::default()
    };
    for (config, flag) in [
        (bad("", &server.key, None), "--tls-cert"),
        (bad(&server.cert, "", None), "--tls-key"),
        (bad(&server.cert, &other.key, None), "--tls-key"),
        (bad(&server.cert, &server.key, Some("nothing")), "--client-ca"),
    ] {
        match sim::spawn(config).await {
            Ok(_) => panic!("{flag}: the simulator must not start"),
            Err(e) => assert!(e.to_string().starts_with(flag), "{e} names {flag}"),
        }
    }
}
