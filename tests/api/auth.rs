//! Bearer-token authentication: every way a token can be wrong is a 401 with
//! code UNAUTHENTICATED and the same message; good tokens of every supported
//! algorithm are accepted.

use crate::helpers::{code, officer, Backend, Options, TestApp, TEST_AUDIENCE, TEST_ISSUER, TEST_SECRET};
use crate::storage_tests;
use crate::writes;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use coopgate::config::AuthConfig;
use coopgate::limits::LimitsConfig;
use entity::audit_event;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

const ME: &str = "{ me { subject role provinceCode } }";

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/jwt").join(name)
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn claims() -> Value {
    json!({"sub": "officer-1", "role": "provincial_officer", "province": "40",
           "iss": TEST_ISSUER, "aud": TEST_AUDIENCE, "exp": now() + 300, "nbf": now() - 5, "iat": now() - 5})
}

fn with(mut c: Value, key: &str, v: Value) -> Value {
    c[key] = v;
    c
}

fn without(mut c: Value, key: &str) -> Value {
    c.as_object_mut().expect("object").remove(key);
    c
}

fn hs256(c: &Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), c, &EncodingKey::from_secret(secret)).expect("sign")
}

fn hs256_header(header: Header, c: &Value) -> String {
    jsonwebtoken::encode(&header, c, &EncodingKey::from_secret(TEST_SECRET.as_bytes())).expect("sign")
}

fn typed(typ: &str) -> Header {
    let mut h = Header::new(Algorithm::HS256);
    h.typ = Some(typ.to_owned());
    h
}

fn signed(alg: Algorithm, header: Header, c: &Value, private_pem: &str) -> String {
    let pem = std::fs::read(fixture(private_pem)).expect("key");
    let key = match alg {
        Algorithm::ES256 => EncodingKey::from_ec_pem(&pem),
        _ => EncodingKey::from_rsa_pem(&pem),
    }
    .expect("pem");
    jsonwebtoken::encode(&header, c, &key).expect("sign")
}

fn unsigned(c: &Value) -> String {
    let h = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let p = URL_SAFE_NO_PAD.encode(c.to_string());
    format!("{h}.{p}.")
}

async fn status_and_body(app: &TestApp, authorization: &str) -> (u16, Value) {
    let r = app
        .http
        .post(format!("{}/graphql", app.address))
        .header("authorization", authorization)
        .json(&json!({"query": ME}))
        .send()
        .await
        .expect("sent");
    let status = r.status().as_u16();
    (status, r.json().await.expect("json"))
}

async fn assert_refused(app: &TestApp, authorization: &str, case: &str) {
    let (status, body) = status_and_body(app, authorization).await;
    assert_eq!(status, 401, "{case}: {body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{case}");
    assert_eq!(
        body["errors"][0]["message"], "invalid or expired token",
        "{case}: the message never says which check failed"
    );
}

async fn assert_accepted(app: &TestApp, authorization: &str, case: &str) -> Value {
    let (status, body) = status_and_body(app, authorization).await;
    assert_eq!(status, 200, "{case}: {body}");
    assert!(body.get("errors").is_none(), "{case}: {body}");
    body["data"]["me"].clone()
}

async fn hs256_tokens_are_checked_as_rfc_8725_asks(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let s = TEST_SECRET.as_bytes();
    let me = assert_accepted(&app, &format!("Bearer {}", hs256(&claims(), s)), "valid").await;
    assert_eq!(me, json!({"subject": "officer-1", "role": "PROVINCIAL_OFFICER", "provinceCode": "40"}));
    // Within the leeway.
    assert_accepted(&app, &format!("Bearer {}", hs256(&with(claims(), "exp", json!(now() - 10)), s)), "leeway").await;

    // `typ`, when present, names a JWT (case-insensitively, RFC 7515 §4.1.9).
    for typ in ["JWT", "jwt", "at+jwt", "AT+JWT", "application/at+jwt"] {
        assert_accepted(&app, &format!("Bearer {}", hs256_header(typed(typ), &claims())), typ).await;
    }
    // A `sub` as wide as the audit column is fine.
    let wide = with(claims(), "sub", json!("é".repeat(200)));
    assert_eq!(
        assert_accepted(&app, &format!("Bearer {}", hs256(&wide, s)), "200 chars").await["subject"],
        "é".repeat(200)
    );

    let cases: Vec<(&str, String)> = vec![
        ("expired", hs256(&with(claims(), "exp", json!(now() - 120)), s)),
        ("not yet valid", hs256(&with(claims(), "nbf", json!(now() + 300)), s)),
        ("wrong issuer", hs256(&with(claims(), "iss", json!("https://evil.example")), s)),
        ("wrong audience", hs256(&with(claims(), "aud", json!("someone-else")), s)),
        ("no exp", hs256(&without(claims(), "exp"), s)),
        ("no iss", hs256(&without(claims(), "iss"), s)),
        ("no aud", hs256(&without(claims(), "aud"), s)),
        ("no sub", hs256(&without(claims(), "sub"), s)),
        ("exp of the wrong type", hs256(&with(claims(), "exp", json!("tomorrow")), s)),
        ("province of the wrong type", hs256(&with(claims(), "province", json!(40)), s)),
        ("role of the wrong type", hs256(&with(claims(), "role", json!(["national_admin"])), s)),
        ("unknown role", hs256(&with(claims(), "role", json!("superuser")), s)),
        ("officer without province", hs256(&without(claims(), "province"), s)),
        ("legacy province", hs256(&with(claims(), "province", json!("58")), s)),
        ("malformed province", hs256(&with(claims(), "province", json!("4A")), s)),
        ("other secret", hs256(&claims(), b"another-secret-0123456789-abcdefghijk")),
        ("alg none", unsigned(&claims())),
        (
            "RS256 with no RSA key configured",
            signed(Algorithm::RS256, Header::new(Algorithm::RS256), &claims(), "rsa-private.pem"),
        ),
        ("critical header extension", {
            let mut h = Header::new(Algorithm::HS256);
            h.crit = Some(vec!["exp".into()]);
            hs256_header(h, &claims())
        }),
        ("typ of an ID token", hs256_header(typed("id+jwt"), &claims())),
        ("typ JOSE", hs256_header(typed("JOSE"), &claims())),
        ("empty sub", hs256(&with(claims(), "sub", json!("")), s)),
        ("blank sub", hs256(&with(claims(), "sub", json!("   ")), s)),
        ("sub wider than the audit column", hs256(&with(claims(), "sub", json!("x".repeat(201))), s)),
        ("sub with a control character", hs256(&with(claims(), "sub", json!("officer\n1")), s)),
        ("garbage", "not.a.token".to_owned()),
        ("empty", String::new()),
    ];
    for (case, t) in &cases {
        assert_refused(&app, &format!("Bearer {t}"), case).await;
    }
    let good = hs256(&claims(), s);
    assert_refused(&app, &format!("Basic {good}"), "basic scheme").await;
    assert_refused(&app, &good, "no scheme").await;
    // A tampered payload fails the signature.
    let parts: Vec<&str> = good.split('.').collect();
    let forged = URL_SAFE_NO_PAD.encode(with(claims(), "role", json!("national_admin")).to_string());
    assert_refused(&app, &format!("Bearer {}.{forged}.{}", parts[0], parts[2]), "tampered").await;
}

async fn public_keys_pin_their_algorithms(backend: Backend) {
    let rsa = Options {
        auth: AuthConfig {
            jwt_hs256_secret: None,
            jwt_public_key_file: Some(fixture("rsa-public.pem")),
            jwt_issuer: Some(TEST_ISSUER.into()),
            jwt_audience: Some(TEST_AUDIENCE.into()),
        },
        ..Options::default()
    };
    let app = TestApp::spawn_with(backend, rsa).await;
    let good = signed(Algorithm::RS256, Header::new(Algorithm::RS256), &claims(), "rsa-private.pem");
    assert_accepted(&app, &format!("Bearer {good}"), "RS256").await;
    // Key confusion: an HS256 token whose secret is the public key itself.
    let public = std::fs::read(fixture("rsa-public.pem")).expect("pem");
    assert_refused(&app, &format!("Bearer {}", hs256(&claims(), &public)), "HS256 with the public key").await;
    assert_refused(&app, &format!("Bearer {}", hs256(&claims(), TEST_SECRET.as_bytes())), "HS256 not configured").await;
    // A key named in the header is never fetched.
    let mut h = Header::new(Algorithm::RS256);
    h.jku = Some("https://attacker.example/jwks.json".into());
    h.kid = Some("attacker".into());
    let evil = signed(Algorithm::RS256, h, &claims(), "attacker-rsa-private.pem");
    assert_refused(&app, &format!("Bearer {evil}"), "jku").await;
    let es = signed(Algorithm::ES256, Header::new(Algorithm::ES256), &claims(), "ec-private.pem");
    assert_refused(&app, &format!("Bearer {es}"), "ES256 not configured").await;

    let ec = Options {
        auth: AuthConfig { jwt_public_key_file: Some(fixture("ec-public.pem")), ..rsa_auth_without_file() },
        ..Options::default()
    };
    let app = TestApp::spawn_with(backend, ec).await;
    assert_accepted(&app, &format!("Bearer {es}"), "ES256").await;
    assert_refused(&app, &format!("Bearer {good}"), "RS256 not configured").await;

    let jwks = Options {
        auth: AuthConfig { jwt_public_key_file: Some(fixture("rsa-jwks.json")), ..rsa_auth_without_file() },
        ..Options::default()
    };
    let app = TestApp::spawn_with(backend, jwks).await;
    let mut h = Header::new(Algorithm::RS256);
    h.kid = Some("test-rsa-1".into());
    let with_kid = signed(Algorithm::RS256, h, &claims(), "rsa-private.pem");
    assert_accepted(&app, &format!("Bearer {with_kid}"), "JWKS kid").await;
    let mut h = Header::new(Algorithm::RS256);
    h.kid = Some("no-such-key".into());
    let unknown_kid = signed(Algorithm::RS256, h, &claims(), "rsa-private.pem");
    assert_refused(&app, &format!("Bearer {unknown_kid}"), "unknown kid").await;

    // Key rotation: a token without `kid` is tried against every key of its
    // algorithm, not only the first; a `kid` still picks exactly one key.
    let rotation = Options {
        auth: AuthConfig { jwt_public_key_file: Some(fixture("rsa-jwks-rotation.json")), ..rsa_auth_without_file() },
        ..Options::default()
    };
    let app = TestApp::spawn_with(backend, rotation).await;
    assert_accepted(&app, &format!("Bearer {good}"), "no kid, current key second in the set").await;
    assert_accepted(&app, &format!("Bearer {with_kid}"), "kid of the current key").await;
    let mut h = Header::new(Algorithm::RS256);
    h.kid = Some("retired-rsa-0".into());
    let wrong_kid = signed(Algorithm::RS256, h, &claims(), "rsa-private.pem");
    assert_refused(&app, &format!("Bearer {wrong_kid}"), "kid of another key").await;
}

fn rsa_auth_without_file() -> AuthConfig {
    AuthConfig {
        jwt_hs256_secret: None,
        jwt_public_key_file: None,
        jwt_issuer: Some(TEST_ISSUER.into()),
        jwt_audience: Some(TEST_AUDIENCE.into()),
    }
}

/// POSTs `query` as `token` with an `x-request-id`; the body and the id the
/// gateway answered with.
async fn with_request_id(
    app: &TestApp,
    token: &str,
    request_id: &[u8],
    query: &str,
    variables: Value,
) -> (Value, String) {
    let r = app
        .http
        .post(format!("{}/graphql", app.address))
        .bearer_auth(token)
        .header("x-request-id", reqwest::header::HeaderValue::from_bytes(request_id).expect("header value"))
        .json(&json!({"query": query, "variables": variables}))
        .send()
        .await
        .expect("sent");
    let used = r.headers().get("x-request-id").and_then(|v| v.to_str().ok()).expect("request id").to_owned();
    (r.json().await.expect("json"), used)
}

async fn audited(app: &TestApp, operation: &str, outcome: &str) -> Vec<audit_event::Model> {
    audit_event::Entity::find()
        .filter(audit_event::Column::Operation.eq(operation))
        .filter(audit_event::Column::Outcome.eq(outcome))
        .all(app.conn())
        .await
        .expect("audit rows")
}

/// An `x-request-id` wider than the audit column, or not plain visible
/// ASCII, is replaced by a generated id (the response says which); writes
/// and their refusals are audited under it as usual.
async fn unusable_request_ids_are_replaced_and_still_audited(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let long = "r".repeat(101);
    let (v, used) = with_request_id(
        &app,
        &officer("40"),
        long.as_bytes(),
        writes::REGISTER,
        json!({"i": writes::coop("HTX Dài", "16681")}),
    )
    .await;
    assert!(v.get("errors").is_none(), "a long request id does not break the write: {v}");
    assert_ne!(used, long);
    assert!(!used.is_empty() && used.len() <= 100, "{used}");
    let id = v["data"]["registerCooperative"]["cooperative"]["id"].clone();
    let rows = audited(&app, "registerCooperative", "SUCCESS").await;
    assert_eq!(rows.iter().map(|r| r.request_id.as_str()).collect::<Vec<_>>(), [used.as_str()]);

    // A denied attempt still writes its DENIED row.
    let update = json!({"i": {"id": id, "expectedVersion": 1, "name": "X"}});
    let (v, used) = with_request_id(&app, &officer("56"), long.as_bytes(), writes::UPDATE, update).await;
    assert_eq!(code(&v["errors"][0]), "FORBIDDEN", "{v}");
    let rows = audited(&app, "updateCooperative", "DENIED").await;
    assert_eq!(rows.iter().map(|r| r.request_id.as_str()).collect::<Vec<_>>(), [used.as_str()]);

    for bad in [&b"trace id"[..], b"trace\tid", b"trace-\xc3\xa9"] {
        let (_, used) = with_request_id(&app, &officer("40"), bad, ME, json!({})).await;
        assert_ne!(used.as_bytes(), bad, "{bad:?}");
    }
    let exact = "k".repeat(100);
    let (_, used) = with_request_id(&app, &officer("40"), exact.as_bytes(), ME, json!({})).await;
    assert_eq!(used, exact, "an id as wide as the column is kept");
}

/// Refused tokens spend from the client address's bucket: replaying bad
/// tokens ends in 429 like any other anonymous flood.
async fn refused_tokens_count_against_the_address(backend: Backend) {
    let limits = LimitsConfig { rate_limit_cost_per_minute: 3, max_cost: 3, ..LimitsConfig::default() };
    let app = TestApp::spawn_with(backend, Options { limits, ..Options::default() }).await;
    let forged = format!("Bearer {}", hs256(&claims(), b"another-secret-0123456789-abcdefghijk"));
    for _ in 0..3 {
        assert_refused(&app, &forged, "forged").await;
    }
    let (status, body) = status_and_body(&app, &forged).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED");
    let r = app.http.post(format!("{}/graphql", app.address)).json(&json!({"query": ME})).send().await.expect("sent");
    assert_eq!(r.status().as_u16(), 429, "the address's anonymous bucket is the one spent");
}

/// Makes the audit store refuse rows of one outcome, as a full disk or a
/// broken column would.
async fn refuse_audit_rows(app: &TestApp, backend: Backend, outcome: &str) {
    use sea_orm::ConnectionTrait;
    let sql = match backend {
        Backend::Sqlite => vec![format!(
            "CREATE TRIGGER refuse_{outcome} BEFORE INSERT ON audit_event WHEN NEW.outcome = '{outcome}' \
             BEGIN SELECT RAISE(ABORT, 'audit store refuses'); END"
        )],
        Backend::Postgres => vec![
            "CREATE OR REPLACE FUNCTION refuse_audit() RETURNS trigger AS $$ \
             BEGIN RAISE EXCEPTION 'audit store refuses'; END $$ LANGUAGE plpgsql"
                .to_owned(),
            format!(
                "CREATE TRIGGER refuse_{outcome} BEFORE INSERT ON audit_event FOR EACH ROW \
                 WHEN (NEW.outcome = '{outcome}') EXECUTE FUNCTION refuse_audit()"
            ),
        ],
    };
    for s in sql {
        app.conn().execute_unprepared(&s).await.expect("trigger");
    }
}

/// An audit row that cannot be written fails the request closed: a denial
/// becomes INTERNAL (never a silent FORBIDDEN without its DENIED row), and
/// personal data whose read cannot be recorded is withheld.
async fn an_unrecordable_audit_fails_the_request_closed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let c = writes::registered(&app, &officer("40"), writes::coop("HTX Kín", "16681")).await;
    refuse_audit_rows(&app, backend, "DENIED").await;
    let update = json!({"i": {"id": c["id"], "expectedVersion": 1, "name": "X"}});
    let v = app.graphql_as(&officer("56"), writes::UPDATE, update).await;
    assert_eq!(code(&v["errors"][0]), "INTERNAL", "{v}");
    assert!(v["data"].is_null() || v["data"]["updateCooperative"].is_null(), "{v}");

    refuse_audit_rows(&app, backend, "READ").await;
    let v = app
        .graphql_as(
            &officer("40"),
            "{ cooperatives(first: 5) { edges { node { director { idNumber } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&v["errors"][0]), "INTERNAL", "{v}");
    assert!(!v.to_string().contains("040090000123"), "the identity number is withheld: {v}");
}

storage_tests!(
    an_unrecordable_audit_fails_the_request_closed,
    hs256_tokens_are_checked_as_rfc_8725_asks,
    public_keys_pin_their_algorithms,
    unusable_request_ids_are_replaced_and_still_audited,
    refused_tokens_count_against_the_address
);

#[test]
fn key_configuration_errors_name_the_setting() {
    let run = |env: &[(&str, &str)]| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_coopgate"));
        for var in [
            "COOPGATE_JWT_HS256_SECRET",
            "COOPGATE_JWT_ISSUER",
            "COOPGATE_JWT_AUDIENCE",
            "COOPGATE_JWT_PUBLIC_KEY_FILE",
        ] {
            c.env_remove(var);
        }
        c.envs(env.iter().copied()).args(["token", "--role", "national_admin"]).output().expect("runs")
    };
    let out = run(&[("COOPGATE_JWT_HS256_SECRET", "too-short")]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("COOPGATE_JWT_HS256_SECRET"));
    let out = run(&[("COOPGATE_JWT_HS256_SECRET", TEST_SECRET)]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("COOPGATE_JWT_ISSUER"));
    let out = run(&[
        ("COOPGATE_JWT_HS256_SECRET", TEST_SECRET),
        ("COOPGATE_JWT_ISSUER", "i"),
        ("COOPGATE_JWT_AUDIENCE", "a"),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim().split('.').count(), 3);
}
