//! The national systems' HTTP API: one trait ([`NationalSystems`], one
//! `call`), its HTTP implementation (OAuth2 client credentials, optionally
//! mutual TLS with a pinned CA, TLS 1.2+, timeouts, no redirects, capped
//! answers, errors classified as transient or final), and [`National`], the
//! typed operations over it that the sync worker uses.

use serde_json::Value;
use std::time::Duration;

/// Which national system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum System {
    /// The tax registration system.
    Tax,
    /// The National Information System on Cooperative Registration.
    Ncrs,
}

/// One call.
#[derive(Debug, Clone)]
pub struct Call {
    /// Which system.
    pub system: System,
    /// GET, POST or PUT.
    pub method: reqwest::Method,
    /// Path with query, e.g. `/tax/v1/registrations`.
    pub path: String,
    /// JSON body.
    pub body: Option<Value>,
    /// `Idempotency-Key` (every write carries one).
    pub idempotency_key: Option<String>,
    /// `If-Match` version.
    pub if_match: Option<i32>,
    /// `If-None-Match: *`.
    pub if_none_match: bool,
}

impl Call {
    /// A GET.
    pub fn get(system: System, path: impl Into<String>) -> Self {
        Call {
            system,
            method: reqwest::Method::GET,
            path: path.into(),
            body: None,
            idempotency_key: None,
            if_match: None,
            if_none_match: false,
        }
    }

    /// A write with a body and an idempotency key.
    pub fn write(
        system: System,
        method: reqwest::Method,
        path: impl Into<String>,
        body: Value,
        key: impl Into<String>,
    ) -> Self {
        Call {
            system,
            method,
            path: path.into(),
            body: Some(body),
            idempotency_key: Some(key.into()),
            if_match: None,
            if_none_match: false,
        }
    }
}

/// A successful answer.
#[derive(Debug, Clone)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// The record version in `ETag`, if any.
    pub etag: Option<i32>,
    /// `Location`, if any.
    pub location: Option<String>,
    /// The JSON body (Null when empty).
    pub body: Value,
}

/// Why a call failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CallError {
    /// Worth retrying later: 5xx, 429, timeouts, resets.
    #[error("transient: {detail}")]
    Transient {
        /// Wait at least this long (429 `Retry-After`).
        retry_after: Option<Duration>,
        /// What happened.
        detail: String,
    },
    /// 422: the national system refused the content; final until fixed.
    #[error("rejected: {0}")]
    Rejected(String),
    /// 412: the record is at another version (`etag`).
    #[error("precondition failed (national version {0:?})")]
    Precondition(Option<i32>),
    /// 404.
    #[error("not found")]
    NotFound,
    /// 409: the idempotency key was used for another request (a rebuilt
    /// body under the key of an earlier one that was applied).
    #[error("conflict: {0}")]
    Conflict(String),
    /// Anything else (400, 409, 415, 428…): a bug to look at, final.
    #[error("refused: {0}")]
    Refused(String),
}

/// The national systems.
pub trait NationalSystems: Send + Sync + 'static {
    /// Makes one call.
    fn call(&self, call: Call) -> impl std::future::Future<Output = Result<Answer, CallError>> + Send;
}

/// Where the national systems are and how to authenticate.
#[derive(Clone)]
pub struct Endpoints {
    /// Base URL of the tax system.
    pub tax_url: String,
    /// Base URL of NCRS.
    pub ncrs_url: String,
    /// OAuth2 client id.
    pub client_id: String,
    /// OAuth2 client secret (never logged).
    pub client_secret: String,
    /// Timeout of every call.
    pub timeout: Duration,
}

impl std::fmt::Debug for Endpoints {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoints")
            .field("tax_url", &self.tax_url)
            .field("ncrs_url", &self.ncrs_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Mutual TLS to the national systems, read from files and checked at start
/// (`COOPGATE_NATIONAL_CLIENT_CERT`, `COOPGATE_NATIONAL_CLIENT_KEY`,
/// `COOPGATE_NATIONAL_CA`): see [`crate::config::NationalConfig::tls`].
#[derive(Clone, Default)]
pub struct NationalTls {
    /// The client certificate chain followed by its private key (PEM), as
    /// reqwest takes an identity; `None`: no client certificate is sent.
    identity_pem: Option<Vec<u8>>,
    /// The pinned CA certificates (PEM): when set, the national systems'
    /// certificates must be issued by one of them, and by nothing else (the
    /// built-in web roots are not trusted).
    ca_pem: Option<Vec<u8>>,
}

impl std::fmt::Debug for NationalTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NationalTls")
            .field("client_certificate", &self.identity_pem.is_some())
            .field("pinned_ca", &self.ca_pem.is_some())
            .finish()
    }
}

impl NationalTls {
    /// From PEM texts already checked (see [`crate::tls`]): the client
    /// certificate chain followed by its key ([`crate::tls::identity_pem`]),
    /// and the pinned CA certificates.
    pub fn new(identity_pem: Option<Vec<u8>>, ca_pem: Option<Vec<u8>>) -> Self {
        NationalTls { identity_pem, ca_pem }
    }

    /// Whether a client certificate is sent.
    pub fn has_client_certificate(&self) -> bool {
        self.identity_pem.is_some()
    }

    /// Whether the national CA is pinned.
    pub fn pins_ca(&self) -> bool {
        self.ca_pem.is_some()
    }

    /// Whether anything is configured (then only `https://` URLs are used).
    pub fn is_set(&self) -> bool {
        self.has_client_certificate() || self.pins_ca()
    }
}

/// Largest answer read, in bytes.
pub const MAX_ANSWER: usize = 1 << 20;

/// The HTTP client of both systems.
pub struct HttpNational {
    http: reqwest::Client,
    endpoints: Endpoints,
    tokens: tokio::sync::Mutex<[Option<(String, std::time::Instant)>; 2]>,
    log: std::sync::OnceLock<std::sync::Arc<dyn super::exchange::ExchangeLog>>,
}

/// An answer as it came, before it is judged.
struct Raw {
    status: u16,
    etag: Option<i32>,
    location: Option<String>,
    retry_after: Option<Duration>,
    body: Value,
}

impl HttpNational {
    /// A client without a client certificate, trusting the built-in web
    /// roots; redirects are never followed.
    pub fn new(endpoints: Endpoints) -> Result<Self, reqwest::Error> {
        Self::with_tls(endpoints, &NationalTls::default())
    }

    /// A client with the TLS settings `tls`: its client certificate sent
    /// when the server asks for one, only its pinned CA trusted when set
    /// (and then only `https://` URLs); TLS 1.2 or later always; redirects
    /// are never followed.
    pub fn with_tls(endpoints: Endpoints, tls: &NationalTls) -> Result<Self, reqwest::Error> {
        let mut builder = reqwest::Client::builder()
            .timeout(endpoints.timeout)
            .connect_timeout(endpoints.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .min_tls_version(reqwest::tls::Version::TLS_1_2)
            .https_only(tls.is_set());
        if let Some(pem) = &tls.identity_pem {
            builder = builder.identity(reqwest::Identity::from_pem(pem)?);
        }
        if let Some(pem) = &tls.ca_pem {
            builder = builder.tls_built_in_root_certs(false);
            for ca in reqwest::Certificate::from_pem_bundle(pem)? {
                builder = builder.add_root_certificate(ca);
            }
        }
        let http = builder.build()?;
        Ok(HttpNational { http, endpoints, tokens: Default::default(), log: Default::default() })
    }

    /// Appends every exchange from now on to `log` (the first log set stays).
    pub fn set_log(&self, log: std::sync::Arc<dyn super::exchange::ExchangeLog>) {
        let _first_stays = self.log.set(log);
    }

    fn system_name(s: System) -> &'static str {
        match s {
            System::Tax => "tax",
            System::Ncrs => "ncrs",
        }
    }

    /// Sends one request, reads its answer and records the exchange.
    /// `body` is sent as is (its SHA-256 is what the log keeps); `secret`
    /// bodies (the token request) are neither hashed nor kept.
    async fn exchange(
        &self,
        call: &Call,
        token: Option<&str>,
        body: Option<Vec<u8>>,
        secret: bool,
    ) -> Result<Raw, CallError> {
        use super::exchange::{national_id, sha256_hex, Exchange, REQUEST_HASH_HEADER};
        let started = chrono::Utc::now();
        let clock = std::time::Instant::now();
        let request_sha256 = if secret { None } else { body.as_deref().map(sha256_hex) };
        let keep = !secret && self.log.get().is_some_and(|l| l.keep_bodies());
        let request_body = if keep { body.as_deref().map(|b| String::from_utf8_lossy(b).into_owned()) } else { None };
        let mut req = self.http.request(call.method.clone(), format!("{}{}", self.base(call.system), call.path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(k) = &call.idempotency_key {
            req = req.header("Idempotency-Key", k);
        }
        if let Some(v) = call.if_match {
            req = req.header("If-Match", format!("\"{v}\""));
        }
        if call.if_none_match {
            req = req.header("If-None-Match", "*");
        }
        if let Some(b) = body {
            let kind = if secret { "application/x-www-form-urlencoded" } else { "application/json" };
            req = req.header(reqwest::header::CONTENT_TYPE, kind).body(b);
        }
        let sent = req.send().await.map_err(|e| unreachable(&call.path, e));
        let (status, headers, bytes) = match sent {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let headers = resp.headers().clone();
                (Some(status), Some(headers), read_bytes(resp).await)
            }
            Err(e) => (None, None, Err(e)),
        };
        let national_request_hash = headers
            .as_ref()
            .and_then(|h| h.get(REQUEST_HASH_HEADER))
            .and_then(|v| v.to_str().ok())
            .map(|v| v.chars().take(128).collect::<String>());
        let national_hash_matches = match (&national_request_hash, &request_sha256) {
            (Some(theirs), Some(ours)) => Some(theirs.eq_ignore_ascii_case(ours)),
            _ => None,
        };
        if national_hash_matches == Some(false) {
            tracing::error!(path = %call.path, "national systems: their hash of our request differs from ours");
        }
        let parsed = bytes.as_ref().ok().map(|b| parse(b));
        if let Some(log) = self.log.get() {
            let answer = parsed.as_ref().and_then(|p| p.as_ref().ok());
            let e = Exchange {
                system: Self::system_name(call.system),
                method: call.method.to_string(),
                path: call.path.clone(),
                status,
                idempotency_key: call.idempotency_key.clone(),
                request_sha256,
                answer_sha256: bytes.as_ref().ok().filter(|_| !secret).map(|b| sha256_hex(b)),
                national_request_hash,
                national_hash_matches,
                started_at: started.to_rfc3339(),
                duration_ms: u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX),
                outbox_row: super::exchange::current_outbox_row(),
                national_id: if secret { None } else { national_id(&call.path, answer) },
                error: match (&bytes, &parsed) {
                    (Err(e), _) | (_, Some(Err(e))) => Some(e.to_string()),
                    _ => None,
                },
                request_body,
                answer_body: if keep {
                    bytes.as_ref().ok().map(|b| String::from_utf8_lossy(b).into_owned())
                } else {
                    None
                },
            };
            log.record(e).await;
        }
        let body =
            parsed.unwrap_or_else(|| Err(bytes.err().unwrap_or_else(|| CallError::Refused("no answer".into()))))?;
        let headers = headers.unwrap_or_default();
        let etag = headers.get("etag").and_then(|v| v.to_str().ok()).and_then(|v| v.trim_matches('"').parse().ok());
        let location = headers.get("location").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let retry_after = headers
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok())
            .map(Duration::from_secs);
        Ok(Raw { status: status.unwrap_or_default(), etag, location, retry_after, body })
    }

    fn base(&self, s: System) -> &str {
        match s {
            System::Tax => &self.endpoints.tax_url,
            System::Ncrs => &self.endpoints.ncrs_url,
        }
    }

    async fn token(&self, s: System, renew: bool) -> Result<String, CallError> {
        let slot = match s {
            System::Tax => 0,
            System::Ncrs => 1,
        };
        let mut tokens = self.tokens.lock().await;
        if !renew {
            if let Some((t, until)) = &tokens[slot] {
                if *until > std::time::Instant::now() {
                    return Ok(t.clone());
                }
            }
        }
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", self.endpoints.client_id.as_str()),
            ("client_secret", self.endpoints.client_secret.as_str()),
        ];
        let encoded = form
            .iter()
            .map(|(k, v)| format!("{k}={}", url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()))
            .collect::<Vec<_>>()
            .join("&");
        let call = Call { method: reqwest::Method::POST, ..Call::get(s, "/oauth/token") };
        let raw = self.exchange(&call, None, Some(encoded.into_bytes()), true).await?;
        let body = raw.body;
        if !(200..300).contains(&raw.status) {
            return Err(classify(raw.status, None, &body, "token"));
        }
        let token = body["access_token"]
            .as_str()
            .ok_or_else(|| CallError::Refused("token answer without access_token".into()))?;
        let ttl = body["expires_in"].as_u64().unwrap_or(60);
        // Renew a little early.
        let until = std::time::Instant::now() + Duration::from_secs(ttl.saturating_sub(5).max(1));
        tokens[slot] = Some((token.to_owned(), until));
        Ok(token.to_owned())
    }
}

/// A transport failure: the library's text goes to the log, the error (and
/// so `sync.lastError`) says only what could not be done.
fn unreachable(what: &str, e: reqwest::Error) -> CallError {
    let timed_out = e.is_timeout();
    let tls = crate::tls::tls_failure(&e);
    tracing::warn!(what, error = %e.without_url(), "national systems: transport failure");
    let detail = match (timed_out, tls) {
        (true, _) => format!("{what}: timed out"),
        (false, Some(tls)) => format!("{what}: {tls}"),
        (false, None) => format!("{what}: the national system could not be reached"),
    };
    CallError::Transient { retry_after: None, detail }
}

async fn read_bytes(resp: reqwest::Response) -> Result<Vec<u8>, CallError> {
    let mut resp = resp;
    let mut buf: Vec<u8> = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| unreachable("answer", e))? {
        if buf.len() + chunk.len() > MAX_ANSWER {
            return Err(CallError::Refused("answer larger than 1 MiB".into()));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}

fn parse(buf: &[u8]) -> Result<Value, CallError> {
    if buf.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(buf)
        .map_err(|_| CallError::Transient { retry_after: None, detail: "answer is not JSON".into() })
}

fn errors_text(body: &Value) -> String {
    body["errors"]
        .as_array()
        .map(|errs| {
            errs.iter()
                .map(|e| match e["field"].as_str() {
                    Some(f) => format!("{f}: {}", e["message"].as_str().unwrap_or("")),
                    None => e["message"].as_str().unwrap_or("").to_owned(),
                })
                .collect::<Vec<_>>()
                .join("; ")
        })
        .unwrap_or_else(|| body.to_string())
}

fn classify(status: u16, retry_after: Option<Duration>, body: &Value, what: &str) -> CallError {
    match status {
        429 => CallError::Transient { retry_after, detail: format!("{what}: 429 rate limited") },
        500..=599 => CallError::Transient { retry_after, detail: format!("{what}: {status}") },
        422 => CallError::Rejected(errors_text(body)),
        404 => CallError::NotFound,
        409 => CallError::Conflict(format!("{what}: {}", errors_text(body))),
        _ => CallError::Refused(format!("{what}: {status} {}", errors_text(body))),
    }
}

impl NationalSystems for HttpNational {
    async fn call(&self, call: Call) -> Result<Answer, CallError> {
        let body = call.body.as_ref().map(|b| serde_json::to_vec(b).unwrap_or_default());
        let token = self.token(call.system, false).await?;
        let mut raw = self.exchange(&call, Some(&token), body.clone(), false).await?;
        if raw.status == 401 {
            let token = self.token(call.system, true).await?;
            raw = self.exchange(&call, Some(&token), body, false).await?;
        }
        match raw.status {
            200..=299 => Ok(Answer { status: raw.status, etag: raw.etag, location: raw.location, body: raw.body }),
            412 => Err(CallError::Precondition(raw.etag)),
            _ => Err(classify(raw.status, raw.retry_after, &raw.body, &call.path)),
        }
    }
}

/// The tax system's answer to a registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxRegistration {
    /// The registration's id (to poll).
    pub registration_id: String,
    /// The code, when issued at once.
    pub tax_code: Option<String>,
}

fn text_of(body: &Value, key: &str) -> Option<String> {
    body.get(key).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned)
}

fn body_of<T: serde::Serialize>(b: &T) -> Value {
    serde_json::to_value(b).unwrap_or(Value::Null)
}

/// The typed operations of both national systems over one [`NationalSystems`].
pub struct National<N: NationalSystems> {
    /// The transport.
    pub systems: std::sync::Arc<N>,
}

impl<N: NationalSystems> Clone for National<N> {
    fn clone(&self) -> Self {
        National { systems: self.systems.clone() }
    }
}

impl<N: NationalSystems> National<N> {
    /// `POST /tax/v1/registrations`. An answer without a `registrationId`
    /// is refused: there would be nothing to poll.
    pub async fn register_taxpayer(
        &self,
        body: &super::TaxpayerBody,
        key: String,
    ) -> Result<TaxRegistration, CallError> {
        let a = self
            .systems
            .call(Call::write(System::Tax, reqwest::Method::POST, "/tax/v1/registrations", body_of(body), key))
            .await?;
        let registration_id = text_of(&a.body, "registrationId").ok_or_else(|| {
            CallError::Refused("the tax system answered a registration without a registrationId".into())
        })?;
        Ok(TaxRegistration { registration_id, tax_code: text_of(&a.body, "taxCode") })
    }

    /// `GET /tax/v1/registrations?idempotencyKey=…`: the registration an
    /// earlier request under `key` made, if the tax system applied one
    /// (asked before a changed request goes out, so nothing is registered twice).
    pub async fn registration_by_key(&self, key: &str) -> Result<Option<TaxRegistration>, CallError> {
        let query: String =
            url::form_urlencoded::Serializer::new(String::new()).append_pair("idempotencyKey", key).finish();
        match self.systems.call(Call::get(System::Tax, format!("/tax/v1/registrations?{query}"))).await {
            Ok(a) => {
                let registration_id = text_of(&a.body, "registrationId").ok_or_else(|| {
                    CallError::Refused("the tax system answered a registration without a registrationId".into())
                })?;
                Ok(Some(TaxRegistration { registration_id, tax_code: text_of(&a.body, "taxCode") }))
            }
            Err(CallError::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `GET /tax/v1/registrations/{id}`: the code, once issued.
    pub async fn registration_code(&self, registration_id: &str) -> Result<Option<String>, CallError> {
        let a = self.systems.call(Call::get(System::Tax, format!("/tax/v1/registrations/{registration_id}"))).await?;
        Ok(text_of(&a.body, "taxCode"))
    }

    /// `PUT /tax/v1/taxpayers/{code}`.
    pub async fn update_taxpayer(&self, code: &str, body: &super::TaxpayerBody, key: String) -> Result<(), CallError> {
        let path = format!("/tax/v1/taxpayers/{code}");
        self.systems.call(Call::write(System::Tax, reqwest::Method::PUT, path, body_of(body), key)).await.map(drop)
    }

    /// `POST /tax/v1/taxpayers/{code}/status`.
    pub async fn taxpayer_status(
        &self,
        code: &str,
        body: &super::StatusBody<super::TaxpayerStatus>,
        key: String,
    ) -> Result<(), CallError> {
        let path = format!("/tax/v1/taxpayers/{code}/status");
        self.systems.call(Call::write(System::Tax, reqwest::Method::POST, path, body_of(body), key)).await.map(drop)
    }

    /// `PUT /ncrs/v1/records/{code}` with `If-None-Match: *`: creates the
    /// record; returns its version and whether it existed already (created
    /// by an earlier attempt whose answer was lost and whose key expired, or
    /// under an earlier revision of the request: then it holds that content).
    pub async fn create_record(
        &self,
        code: &str,
        body: &super::RecordBody,
        key: String,
    ) -> Result<(Option<i32>, bool), CallError> {
        let mut call =
            Call::write(System::Ncrs, reqwest::Method::PUT, format!("/ncrs/v1/records/{code}"), body_of(body), key);
        call.if_none_match = true;
        match self.systems.call(call).await {
            Ok(a) => Ok((a.etag, false)),
            Err(CallError::Precondition(tag)) => Ok((tag, true)),
            Err(e) => Err(e),
        }
    }

    /// Sends a write to NCRS that needs the record's version; on 412 reads
    /// the current version and tries once more (same key: a refused write is
    /// not remembered). Returns the version after it.
    async fn versioned(&self, mut call: Call, known: Option<i32>, code: &str) -> Result<Option<i32>, CallError> {
        call.if_match = known;
        match self.systems.call(call.clone()).await {
            Err(CallError::Precondition(tag)) => {
                let current = match tag {
                    Some(t) => Some(t),
                    None => self.systems.call(Call::get(System::Ncrs, format!("/ncrs/v1/records/{code}"))).await?.etag,
                };
                call.if_match = current;
                Ok(self.systems.call(call).await?.etag)
            }
            other => Ok(other?.etag),
        }
    }

    /// `PUT /ncrs/v1/records/{code}` with `If-Match`: replaces the content.
    pub async fn replace_record(
        &self,
        code: &str,
        known: Option<i32>,
        body: &super::RecordBody,
        key: String,
    ) -> Result<Option<i32>, CallError> {
        let call =
            Call::write(System::Ncrs, reqwest::Method::PUT, format!("/ncrs/v1/records/{code}"), body_of(body), key);
        self.versioned(call, known, code).await
    }

    /// `POST /ncrs/v1/records/{code}/status`; returns the version after it.
    pub async fn record_status(
        &self,
        code: &str,
        body: &super::StatusBody<String>,
        key: String,
    ) -> Result<Option<i32>, CallError> {
        let path = format!("/ncrs/v1/records/{code}/status");
        Ok(self.systems.call(Call::write(System::Ncrs, reqwest::Method::POST, path, body_of(body), key)).await?.etag)
    }

    /// `PUT /ncrs/v1/records/{code}/annual-reports/{year}`; returns the version after it.
    pub async fn annual_report(
        &self,
        code: &str,
        year: i32,
        body: &super::ReportFigures,
        key: String,
    ) -> Result<Option<i32>, CallError> {
        let path = format!("/ncrs/v1/records/{code}/annual-reports/{year}");
        Ok(self.systems.call(Call::write(System::Ncrs, reqwest::Method::PUT, path, body_of(body), key)).await?.etag)
    }

    /// `POST /ncrs/v1/reorganisations`: records a reorganisation; returns
    /// the version after it of each record named, by code.
    pub async fn reorganise(
        &self,
        body: &super::ReorganisationBody,
        key: String,
    ) -> Result<Vec<(String, Option<i32>)>, CallError> {
        let path = "/ncrs/v1/reorganisations";
        let a = self.systems.call(Call::write(System::Ncrs, reqwest::Method::POST, path, body_of(body), key)).await?;
        let versions = a.body.get("versions").and_then(Value::as_array).cloned().unwrap_or_default();
        Ok(versions
            .iter()
            .filter_map(|v| {
                let code = text_of(v, "code")?;
                let version = v.get("version").and_then(Value::as_i64).and_then(|n| i32::try_from(n).ok());
                Some((code, version))
            })
            .collect())
    }

    /// `GET /ncrs/v1/changes`: a page of the change feed after `after`.
    pub async fn changes(&self, after: i64, limit: usize) -> Result<super::feed::Page, CallError> {
        let a =
            self.systems.call(Call::get(System::Ncrs, format!("/ncrs/v1/changes?after={after}&limit={limit}"))).await?;
        super::feed::page(a.body).map_err(CallError::Refused)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_secret_never_reaches_debug_output() {
        let e = Endpoints {
            tax_url: "https://tax.example".into(),
            ncrs_url: "https://ncrs.example".into(),
            client_id: "coopgate".into(),
            client_secret: "s3cr3t-value".into(),
            timeout: Duration::from_secs(1),
        };
        assert!(!format!("{e:?}").contains("s3cr3t-value"));
    }
}
