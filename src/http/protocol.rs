//! GraphQL over HTTP (the GraphQL-over-HTTP specification) with the
//! gateway's limits in front of the library:
//!
//! 1. media type: `application/graphql-response+json` or `application/json`
//!    by `Accept` (none: JSON; nothing acceptable: 406);
//! 2. POST bodies must be `application/json` in UTF-8 (else 415), within
//!    the body limit (else 413) and well-formed (else 400); batches only
//!    when enabled and within the batch limit;
//! 3. the caller (401 for a refused token);
//! 4. per operation: the persisted-operation allow-list, bracket nesting,
//!    parsing, and [`crate::graphql::limits::analyse`], all before the
//!    library's validation; a mutation over GET is 405;
//! 5. the rate limit, by requested cost (429 with `Retry-After`);
//! 6. execution, with `extensions.cost` (requested and actual) added.
//!
//! Request errors (unparsable, invalid or over a limit) carry no `data`;
//! they are 400 under `application/graphql-response+json` and 200 under
//! `application/json`, as the specification asks.

use super::persisted::{requested_hash, PersistedOperations};
use super::rate_limit::{client_ip, principal_key, CostLimiter, Remaining};
use super::HttpState;
use crate::auth::Principal;
use crate::graphql::error::code;
use crate::graphql::limits::{self, Analysis, Checked, DocumentGuard, DocumentLimits, LimitError, SchemaShape};
use crate::limits::LimitsConfig;
use async_graphql::parser::types::OperationType;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, Request};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};
use std::net::SocketAddr;

/// The gateway's limits and the state they keep, shared by all requests.
pub struct Edge {
    /// The settings.
    pub config: LimitsConfig,
    /// The document limits.
    pub documents: DocumentLimits,
    /// The document limits as a schema extension (also guards websockets).
    pub guard: std::sync::Arc<DocumentGuard>,
    /// The allow-list, when configured.
    pub persisted: Option<PersistedOperations>,
    /// The rate limiter, unless turned off.
    pub rate: Option<CostLimiter>,
    /// Subscriptions running per principal.
    pub subscriptions: super::rate_limit::SubscriptionCounter,
    /// The language of messages when `Accept-Language` names none the API speaks.
    pub language: crate::domain::Language,
}

impl Edge {
    /// Builds the edge from the settings: reads the schema's shape and the
    /// persisted-operation manifest.
    pub fn new(config: &LimitsConfig, profile: crate::config::Profile) -> Result<Edge, String> {
        let per_minute = u64::from(config.rate_limit_cost_per_minute);
        if per_minute > 0 && per_minute < config.max_cost {
            return Err(format!(
                "COOPGATE_RATE_LIMIT_COST_PER_MINUTE ({per_minute}) must be at least COOPGATE_MAX_COST ({}), \
                 or an allowed operation could never run",
                config.max_cost
            ));
        }
        tracing::info!(
            max_body_bytes = config.max_body_bytes,
            max_depth = config.max_depth,
            max_aliases = config.max_aliases,
            max_root_fields = config.max_root_fields,
            max_directives = config.max_directives,
            max_fragment_depth = config.max_fragment_depth,
            max_fields = config.max_fields,
            max_cost = config.max_cost,
            max_batch = config.max_batch,
            request_timeout = ?config.request_timeout,
            db_statement_timeout = ?config.db_statement_timeout,
            rate_limit_cost_per_minute = config.rate_limit_cost_per_minute,
            introspection = config.introspection_enabled(profile == crate::config::Profile::Dev),
            cors_origins = config.cors_origins.len(),
            "limits in force"
        );
        let shape = SchemaShape::from_sdl(&crate::graphql::sdl())?;
        let persisted = match &config.persisted_operations {
            Some(path) => Some(PersistedOperations::load(path).map_err(|e| e.to_string())?),
            None => None,
        };
        if let Some(p) = &persisted {
            tracing::info!(documents = p.len(), "persisted operations: only listed documents run");
        }
        Ok(Edge {
            config: config.clone(),
            documents: crate::graphql::limits::DocumentLimits::from(config),
            guard: std::sync::Arc::new(DocumentGuard {
                shape,
                limits: crate::graphql::limits::DocumentLimits::from(config),
                text: crate::graphql::limits::TextLimits::from(config),
                introspection: config.introspection_enabled(profile == crate::config::Profile::Dev),
            }),
            persisted,
            rate: CostLimiter::new(config.rate_limit_cost_per_minute),
            subscriptions: super::rate_limit::SubscriptionCounter::new(config.max_subscriptions_per_principal),
            language: crate::config::default_language(config.default_language, profile),
        })
    }
}

/// The response media type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Media {
    /// `application/graphql-response+json`.
    GraphqlResponse,
    /// `application/json`.
    Json,
}

impl Media {
    fn content_type(self) -> &'static str {
        match self {
            Media::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            Media::Json => "application/json; charset=utf-8",
        }
    }

    /// The status of a request error (refused before execution).
    fn request_error(self) -> StatusCode {
        match self {
            Media::GraphqlResponse => StatusCode::BAD_REQUEST,
            Media::Json => StatusCode::OK,
        }
    }
}

/// Picks the response media type from `Accept`: the acceptable one with the
/// highest quality (`application/graphql-response+json` on a tie); JSON when
/// there is no `Accept`; `None` when nothing offered is acceptable.
pub fn negotiate(headers: &HeaderMap) -> Option<Media> {
    let values: Vec<&str> = headers.get_all(header::ACCEPT).iter().filter_map(|v| v.to_str().ok()).collect();
    if values.is_empty() {
        return Some(Media::Json);
    }
    let mut best: Option<(f32, Media)> = None;
    for part in values.iter().flat_map(|v| v.split(',')) {
        let mut params = part.split(';');
        let essence = params.next().unwrap_or_default().trim().to_ascii_lowercase();
        let q = params
            .filter_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok()))
            .next()
            .unwrap_or(1.0);
        if q <= 0.0 {
            continue;
        }
        let media = match essence.as_str() {
            "application/graphql-response+json" => Media::GraphqlResponse,
            "application/json" | "application/*" | "*/*" => Media::Json,
            _ => continue,
        };
        let better = match best {
            None => true,
            Some((bq, bm)) => q > bq || (q == bq && media == Media::GraphqlResponse && bm == Media::Json),
        };
        if better {
            best = Some((q, media));
        }
    }
    best.map(|(_, m)| m)
}

/// A response in `media` with `body`.
fn respond(media: Media, status: StatusCode, body: &Value) -> Response {
    respond_bytes(media, status, serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec()))
}

fn respond_bytes(media: Media, status: StatusCode, bytes: Vec<u8>) -> Response {
    let mut r = (status, bytes).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(media.content_type()));
    r
}

fn error_body(code: &str, message: &str) -> Value {
    json!({"errors": [{"message": message, "extensions": {"code": code}}]})
}

/// A refusal of the HTTP request itself (not well-formed, wrong method…).
fn refuse(media: Media, status: StatusCode, code: &str, message: &str) -> Response {
    respond(media, status, &error_body(code, message))
}

fn not_acceptable() -> Response {
    refuse(
        Media::Json,
        StatusCode::NOT_ACCEPTABLE,
        code::BAD_USER_INPUT,
        "acceptable media types are application/graphql-response+json and application/json",
    )
}

/// Whether `Content-Type` is `application/json`, in UTF-8 if a charset is named.
fn is_json_utf8(headers: &HeaderMap) -> bool {
    let Some(ct) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else { return false };
    let mut parts = ct.split(';');
    let essence = parts.next().unwrap_or_default().trim();
    if !essence.eq_ignore_ascii_case("application/json") {
        return false;
    }
    parts.all(|p| match p.trim().split_once('=') {
        Some((k, v)) if k.trim().eq_ignore_ascii_case("charset") => {
            v.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
        }
        _ => true,
    })
}

/// POST /graphql.
pub async fn post(state: &HttpState, req: Request) -> Response {
    let headers = req.headers().clone();
    let peer = peer(&req);
    let Some(media) = negotiate(&headers) else { return not_acceptable() };
    if !is_json_utf8(&headers) {
        return refuse(
            media,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            code::BAD_USER_INPUT,
            "the body must be application/json (UTF-8)",
        );
    }
    let body = match Bytes::from_request(req, &()).await {
        Ok(b) => b,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let points = refusal_charge(state.edge.config.max_body_bytes);
            if let Some(limited) = charge_client(state, &headers, peer, media, points).await {
                return limited;
            }
            return refuse(media, StatusCode::PAYLOAD_TOO_LARGE, code::BAD_USER_INPUT, "the request body is too large");
        }
        Err(_) => return refuse(media, StatusCode::BAD_REQUEST, code::BAD_USER_INPUT, "unreadable request body"),
    };
    let parsed: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(_) => {
            if let Some(limited) = charge_client(state, &headers, peer, media, refusal_charge(body.len())).await {
                return limited;
            }
            return refuse(media, StatusCode::BAD_REQUEST, code::BAD_USER_INPUT, "the body is not valid JSON");
        }
    };
    let max_batch = state.edge.config.max_batch;
    let (items, batched) = match parsed {
        Value::Array(_) if max_batch == 0 => {
            return refuse(media, StatusCode::BAD_REQUEST, code::BAD_USER_INPUT, "batched requests are not accepted");
        }
        Value::Array(items) if items.len() > max_batch => {
            return refuse(
                media,
                StatusCode::BAD_REQUEST,
                code::QUERY_TOO_COMPLEX,
                &format!("a batch may hold at most {max_batch} operations, not {}", items.len()),
            );
        }
        Value::Array(items) if items.is_empty() => {
            return refuse(media, StatusCode::BAD_REQUEST, code::BAD_USER_INPUT, "the batch is empty");
        }
        Value::Array(items) => (items, true),
        v @ Value::Object(_) => (vec![v], false),
        _ => return refuse(media, StatusCode::BAD_REQUEST, code::BAD_USER_INPUT, "the body must be a JSON object"),
    };
    let mut requests = Vec::with_capacity(items.len());
    for item in items {
        match parameters(item) {
            Ok(r) => requests.push(r),
            Err(message) => return refuse(media, StatusCode::BAD_REQUEST, code::BAD_USER_INPUT, &message),
        }
    }
    run(state, &headers, peer, media, Method::POST, requests, batched).await
}

/// GET /graphql with the operation in the URL.
pub async fn get(state: &HttpState, req: Request) -> Response {
    let headers = req.headers().clone();
    let peer = peer(&req);
    let Some(media) = negotiate(&headers) else { return not_acceptable() };
    let query = req.uri().query().unwrap_or_default();
    let request = match async_graphql::http::parse_query_string(query) {
        Ok(r) => r,
        Err(_) => return refuse(media, StatusCode::BAD_REQUEST, code::BAD_USER_INPUT, "malformed query parameters"),
    };
    if request.query.is_empty() && requested_hash(&request.extensions).is_none() {
        return refuse(media, StatusCode::BAD_REQUEST, code::BAD_USER_INPUT, "the query parameter is required");
    }
    run(state, &headers, peer, media, Method::GET, vec![request], false).await
}

fn peer(req: &Request) -> Option<SocketAddr> {
    req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0)
}

/// The GraphQL request parameters of one JSON object.
fn parameters(item: Value) -> Result<async_graphql::Request, String> {
    let Value::Object(map) = &item else { return Err("each request must be a JSON object".into()) };
    match map.get("query") {
        Some(Value::String(_)) => {}
        None | Some(Value::Null) if has_persisted_hash(map) => {}
        None | Some(Value::Null) => return Err("the query parameter is required".into()),
        Some(_) => return Err("the query parameter must be a string".into()),
    }
    if !matches!(map.get("operationName"), None | Some(Value::Null) | Some(Value::String(_))) {
        return Err("the operationName parameter must be a string".into());
    }
    for key in ["variables", "extensions"] {
        if !matches!(map.get(key), None | Some(Value::Null) | Some(Value::Object(_))) {
            return Err(format!("the {key} parameter must be a map"));
        }
    }
    let mut item = item;
    if let Value::Object(m) = &mut item {
        // `null` means absent for these parameters.
        m.retain(|_, v| !v.is_null());
    }
    serde_json::from_value::<async_graphql::Request>(item).map_err(|_| "malformed request parameters".to_owned())
}

fn has_persisted_hash(map: &Map<String, Value>) -> bool {
    map.get("extensions").and_then(|e| e.get("persistedQuery")).and_then(|p| p.get("sha256Hash")).is_some()
}

/// One operation, ready to run or already answered.
pub(super) enum Prepared {
    /// Passed every check: the request (holding its own copy of the parse)
    /// and the parse as cached, from which a retry is built without copying
    /// the document up front.
    Run(Box<async_graphql::Request>, Analysis, std::sync::Arc<async_graphql::parser::types::ExecutableDocument>),
    /// Refused before execution: the error body and the cost requested
    /// (as far as it is known).
    Refused(Value, u64),
}

fn limit_error(e: &LimitError, lang: crate::domain::Language) -> Prepared {
    let mut err = limits::refusal(e);
    crate::graphql::error::localise(&mut err, lang);
    Prepared::Refused(json!({"errors": [err]}), e.requested_cost().unwrap_or(0))
}

/// Checks one operation: the allow-list, bracket nesting, parsing, the
/// document limits and the variables.
pub(super) fn prepare(edge: &Edge, mut request: async_graphql::Request) -> Prepared {
    let lang = crate::graphql::language(&request);
    if let Some(allowed) = &edge.persisted {
        let hash = requested_hash(&request.extensions);
        match allowed.resolve(&request.query, hash.as_deref()) {
            Some(doc) => request.query = doc,
            None => {
                let body = error_body(
                    code::PERSISTED_QUERY_NOT_FOUND,
                    "only persisted operations may run here; this document is not one of them",
                );
                return Prepared::Refused(body, 0);
            }
        }
    } else if request.query.is_empty() {
        let body = error_body(code::PERSISTED_QUERY_NOT_FOUND, "persisted operations are not enabled; send the query");
        return Prepared::Refused(body, 0);
    }
    if let Err(e) = limits::scan_text(&request.query, &edge.guard.text) {
        return limit_error(&e, lang);
    }
    let doc = match crate::graphql::documents::parse(&request.query) {
        Ok(d) => d,
        Err(e) => {
            let mut err = crate::graphql::error::syntax_error(e);
            crate::graphql::error::localise(&mut err, lang);
            return Prepared::Refused(json!({ "errors": [err] }), 0);
        }
    };
    let operation_name = request.operation_name.as_deref();
    match edge.guard.check(&doc, operation_name, &request.variables) {
        Ok(a) => {
            let types = crate::graphql::shape::types();
            if let Err(errors) = crate::graphql::variables::check(&doc, operation_name, &request.variables, types) {
                return Prepared::Refused(json!({ "errors": errors }), a.cost);
            }
            request.set_parsed_query((*doc).clone());
            Prepared::Run(Box::new(request.data(Checked)), a, doc)
        }
        Err(e) => limit_error(&e, lang),
    }
}

/// What a refused document spends from the caller's bucket: 1 point per
/// started KiB of its text (at least 1), or its computed cost when that is
/// known and higher, so that floods of large refused documents run into the
/// rate limit like the work they would have asked for.
pub fn refusal_charge(bytes: usize) -> u64 {
    1 + (bytes as u64) / 1024
}

/// Spends `points` from the client address's bucket for a request refused
/// before its caller is known (a body over the limit, unreadable JSON);
/// `Some(429)` when the bucket is empty.
async fn charge_client(
    state: &HttpState,
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
    media: Media,
    points: u64,
) -> Option<Response> {
    let limiter = state.edge.rate.as_ref()?;
    let client = client_ip(headers, state.edge.config.client_ip_header.as_ref(), peer);
    let key = principal_key(&crate::auth::Principal::anonymous(), client);
    limiter.spend(&key, points).await.err().map(|l| rate_limited(media, l.retry_after_secs, points))
}

/// Documents larger than this are parsed and measured on the blocking pool.
const LARGE_DOCUMENT_BYTES: usize = 16 * 1024;

/// Checks, rate-limits and runs the operations, and answers.
async fn run(
    state: &HttpState,
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
    media: Media,
    method: Method,
    requests: Vec<async_graphql::Request>,
    batched: bool,
) -> Response {
    let client = client_ip(headers, state.edge.config.client_ip_header.as_ref(), peer);
    let principal = match super::auth::authenticate(state, headers, client) {
        Ok(p) => p,
        Err(super::auth::Refused) => {
            // A refused token spends from the client address's bucket, so
            // replaying bad tokens is rate-limited like anonymous traffic.
            if let Some(limiter) = &state.edge.rate {
                let key = principal_key(&crate::auth::Principal::anonymous(), client);
                if let Err(limited) = limiter.spend(&key, 1).await {
                    return rate_limited(media, limited.retry_after_secs, 1);
                }
            }
            return super::auth::unauthenticated();
        }
    };
    let sizes: Vec<usize> = requests.iter().map(|r| r.query.len()).collect();
    let total_query_bytes: usize = sizes.iter().sum();
    // Parsing and measuring are linear but not free: large documents are
    // handled off the async workers so that they cannot stall other requests.
    let edge = state.edge.clone();
    let lang = super::language();
    let requests: Vec<async_graphql::Request> = requests.into_iter().map(|r| r.data(lang)).collect();
    let check = move || -> Vec<Prepared> { requests.into_iter().map(|r| prepare(&edge, r)).collect() };
    let prepared = if total_query_bytes > LARGE_DOCUMENT_BYTES {
        match tokio::task::spawn_blocking(check).await {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %e, "document check failed");
                return refuse(media, StatusCode::INTERNAL_SERVER_ERROR, code::INTERNAL, "internal error");
            }
        }
    } else {
        check()
    };
    if method == Method::GET
        && prepared.iter().any(|p| matches!(p, Prepared::Run(_, a, _) if a.operation != OperationType::Query))
    {
        let mut r = refuse(
            media,
            StatusCode::METHOD_NOT_ALLOWED,
            code::BAD_USER_INPUT,
            "only queries may be sent with GET; use POST",
        );
        r.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
        return r;
    }
    let requested: u64 = prepared
        .iter()
        .zip(&sizes)
        .map(|(p, bytes)| match p {
            Prepared::Run(_, a, _) => a.cost.max(1),
            Prepared::Refused(_, cost) => (*cost).max(refusal_charge(*bytes)),
        })
        .fold(0, u64::saturating_add);
    let remaining = match &state.edge.rate {
        Some(limiter) => {
            let key = principal_key(&principal, client);
            match limiter.spend(&key, requested).await {
                Ok(r) => Some(r),
                Err(limited) => return rate_limited(media, limited.retry_after_secs, requested),
            }
        }
        None => None,
    };
    let request_id = headers.get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-").to_owned();
    let mut answers = Vec::with_capacity(prepared.len());
    for p in prepared {
        answers.push(answer(state, &principal, &request_id, p, remaining).await);
    }
    if batched {
        let mut bytes = Vec::with_capacity(answers.iter().map(|(_, b)| b.len() + 1).sum::<usize>() + 2);
        bytes.push(b'[');
        for (i, (_, body)) in answers.iter().enumerate() {
            if i > 0 {
                bytes.push(b',');
            }
            bytes.extend_from_slice(body);
        }
        bytes.push(b']');
        return respond_bytes(media, StatusCode::OK, bytes);
    }
    let (kind, body) = answers.pop().unwrap_or((Answer::Executed, b"{}".to_vec()));
    let status = match kind {
        Answer::Executed => StatusCode::OK,
        Answer::RequestError => media.request_error(),
        Answer::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    };
    respond_bytes(media, status, body)
}

/// An executed operation's body, written straight from the response (no
/// intermediate JSON value): `data`, `errors` when any, then `extensions`
/// (async-graphql's own, then `cost`).
struct ExecutedBody<'a> {
    resp: &'a async_graphql::Response,
    cost: &'a Value,
}

impl serde::Serialize for ExecutedBody<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        struct Extensions<'a>(&'a std::collections::BTreeMap<String, async_graphql::Value>, &'a Value);
        impl serde::Serialize for Extensions<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(self.0.len() + 1))?;
                for (k, v) in self.0.iter().filter(|(k, _)| k.as_str() != "cost") {
                    m.serialize_entry(k, v)?;
                }
                m.serialize_entry("cost", self.1)?;
                m.end()
            }
        }
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("data", &self.resp.data)?;
        if !self.resp.errors.is_empty() {
            m.serialize_entry("errors", &self.resp.errors)?;
        }
        m.serialize_entry("extensions", &Extensions(&self.resp.extensions, self.cost))?;
        m.end()
    }
}

enum Answer {
    Executed,
    RequestError,
    Internal,
}

fn cost_extension(requested: u64, actual: u64, max: u64, remaining: Option<Remaining>) -> Value {
    let mut cost = json!({"requested": requested, "actual": actual, "maximum": max});
    if let (Some(r), Some(obj)) = (remaining, cost.as_object_mut()) {
        obj.insert("rateLimit".into(), json!({"remaining": r.points, "perMinute": r.per_minute}));
    }
    cost
}

fn with_cost(mut body: Value, cost: Value) -> Value {
    if let Some(obj) = body.as_object_mut() {
        let ext = obj.entry("extensions").or_insert_with(|| json!({}));
        if let Some(ext) = ext.as_object_mut() {
            ext.insert("cost".into(), cost);
        }
    }
    body
}

async fn answer(
    state: &HttpState,
    principal: &Principal,
    request_id: &str,
    p: Prepared,
    remaining: Option<Remaining>,
) -> (Answer, Vec<u8>) {
    let max = state.edge.documents.max_cost;
    let to_bytes = |v: &Value| serde_json::to_vec(v).unwrap_or_else(|_| b"{}".to_vec());
    let (request, analysis, doc) = match p {
        Prepared::Refused(body, requested) => {
            crate::meter::operation("other", "unknown", crate::meter::Outcome::Refused, 0.0, None);
            return (Answer::RequestError, to_bytes(&with_cost(body, cost_extension(requested, 0, max, remaining))));
        }
        Prepared::Run(r, a, doc) => (*r, a, doc),
    };
    let (label, kind) = super::metrics::operation_label(&doc, request.operation_name.as_deref());
    let statements = crate::meter::StatementScope::default();
    let started = std::time::Instant::now();
    // A read can run again: what it needs is kept in case a pooled
    // connection breaks under it (the document stays shared until then).
    let again = (analysis.operation == OperationType::Query).then(|| Retry::of(&request, doc));
    let lang = super::language();
    let request = request.data(lang);
    let mut resp = statements
        .run(crate::graphql::execute(&state.schema, &state.app, principal.clone(), request_id.to_owned(), request))
        .await;
    if let Some(again) = again {
        if !resp.errors.is_empty() && statements.take_broken() {
            let again = again.request().data(lang);
            // Once: the pool closed the broken connection; the next is another.
            tracing::warn!(request_id, "a pooled database connection broke under a read; running it again");
            resp = statements
                .run(crate::graphql::execute(
                    &state.schema,
                    &state.app,
                    principal.clone(),
                    request_id.to_owned(),
                    again,
                ))
                .await;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let actual = limits::actual_cost(&resp.data, analysis.operation);
    let before_execution = resp.data == async_graphql::Value::Null
        && !resp.errors.is_empty()
        && resp.errors.iter().all(|e| e.path.is_empty());
    let internal = resp.errors.iter().any(|e| {
        e.path.is_empty()
            && e.extensions.as_ref().and_then(|x| x.get("code")) == Some(&async_graphql::Value::from(code::INTERNAL))
    });
    let outcome = if internal {
        crate::meter::Outcome::Internal
    } else if before_execution {
        crate::meter::Outcome::Refused
    } else if resp.errors.is_empty() {
        crate::meter::Outcome::Ok
    } else {
        crate::meter::Outcome::FieldErrors
    };
    crate::meter::operation(label, kind, outcome, seconds, Some(analysis.cost));
    crate::meter::statements_per_request(kind, statements.get());
    let cost = cost_extension(analysis.cost, actual, max, remaining);
    if !before_execution {
        // The common case, serialised once, straight from the response.
        let bytes = serde_json::to_vec(&ExecutedBody { resp: &resp, cost: &cost })
            .unwrap_or_else(|_| to_bytes(&with_cost(error_body(code::INTERNAL, "internal error"), cost.clone())));
        return (Answer::Executed, bytes);
    }
    let mut body = serde_json::to_value(&resp).unwrap_or_else(|_| error_body(code::INTERNAL, "internal error"));
    let kind = if internal {
        Answer::Internal
    } else {
        if let Some(obj) = body.as_object_mut() {
            obj.remove("data");
        }
        Answer::RequestError
    };
    (kind, to_bytes(&with_cost(body, cost)))
}

/// What a checked read needs to run again: its parameters and the shared
/// parse, copied into a request only when a retry happens (a deep copy of
/// the document for every read was measurable on the read path).
struct Retry {
    query: String,
    variables: async_graphql::Variables,
    operation_name: Option<String>,
    extensions: async_graphql::Extensions,
    introspection_mode: async_graphql::IntrospectionMode,
    doc: std::sync::Arc<async_graphql::parser::types::ExecutableDocument>,
}

impl Retry {
    fn of(r: &async_graphql::Request, doc: std::sync::Arc<async_graphql::parser::types::ExecutableDocument>) -> Retry {
        Retry {
            query: r.query.clone(),
            variables: r.variables.clone(),
            operation_name: r.operation_name.clone(),
            extensions: r.extensions.clone(),
            introspection_mode: r.introspection_mode,
            doc,
        }
    }

    /// The request again (same document, variables and extensions; the
    /// request data is added again by execution).
    fn request(self) -> async_graphql::Request {
        let mut c = async_graphql::Request::new(self.query).variables(self.variables);
        c.operation_name = self.operation_name;
        c.extensions = self.extensions;
        c.introspection_mode = self.introspection_mode;
        c.set_parsed_query((*self.doc).clone());
        c.data(Checked)
    }
}

pub(super) fn rate_limited(media: Media, retry_after_secs: u64, requested: u64) -> Response {
    let body = with_cost(
        error_body(
            code::RATE_LIMITED,
            &crate::domain::Msg::RateLimited { seconds: retry_after_secs }.text(super::language()),
        ),
        json!({"requested": requested, "actual": 0}),
    );
    let mut r = respond(media, StatusCode::TOO_MANY_REQUESTS, &body);
    if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, HeaderValue::from_str(v).expect("ascii"));
        h
    }

    #[test]
    fn accept_picks_the_best_supported_media_type() {
        assert_eq!(negotiate(&HeaderMap::new()), Some(Media::Json));
        assert_eq!(negotiate(&accept("*/*")), Some(Media::Json));
        assert_eq!(negotiate(&accept("application/graphql-response+json")), Some(Media::GraphqlResponse));
        assert_eq!(
            negotiate(&accept("application/graphql-response+json, application/json;q=0.9")),
            Some(Media::GraphqlResponse)
        );
        assert_eq!(negotiate(&accept("application/json, application/graphql-response+json;q=0.5")), Some(Media::Json));
        assert_eq!(negotiate(&accept("text/html")), None);
        assert_eq!(negotiate(&accept("application/json;q=0")), None);
    }

    #[test]
    fn only_utf8_json_bodies_are_read() {
        let ct = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_str(v).expect("ascii"));
            is_json_utf8(&h)
        };
        assert!(ct("application/json"));
        assert!(ct("application/json; charset=utf-8"));
        assert!(ct("Application/JSON;charset=\"UTF-8\""));
        assert!(!ct("application/json; charset=utf-16"));
        assert!(!ct("text/plain"));
        assert!(!ct("application/graphql"));
        assert!(!is_json_utf8(&HeaderMap::new()));
    }

    #[test]
    fn parameters_must_have_the_right_types() {
        assert!(parameters(json!({"query": "{ me { role } }", "variables": null})).is_ok());
        assert!(parameters(json!({"query": 1})).is_err());
        assert!(parameters(json!({})).is_err());
        assert!(parameters(json!({"query": "{ a }", "variables": "{}"})).is_err());
        assert!(parameters(json!({"query": "{ a }", "operationName": 3})).is_err());
        assert!(parameters(json!({"extensions": {"persistedQuery": {"sha256Hash": "ab"}}})).is_ok());
    }
}
