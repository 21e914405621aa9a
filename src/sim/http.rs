//! The HTTP edge: routes, the token endpoint, bearer checks, idempotency,
//! fault injection and the `/_sim` controls. Handlers read the request, take
//! the lock, call one operation of [`State`](super::state::State) and answer.

use super::faults::Fault;
use super::input;
use super::model::AccessToken;
use super::server::{ConnectionAbort, Shared};
use super::state::{digest, Answer, Lookup, Precondition, System, Write};
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};

type Sim = Arc<Shared>;

/// Largest request body accepted.
const MAX_BODY: usize = 1 << 20;
/// Longest idempotency key accepted.
const MAX_KEY: usize = 255;
/// Largest change-feed page.
pub(crate) const MAX_PAGE: usize = 1000;
/// Change-feed page size when `limit` is not given.
const DEFAULT_PAGE: usize = 100;
/// Realm named in `WWW-Authenticate`.
const REALM: &str = "national-sim";

/// Declares a group of routes: a list of `(METHOD, path)` for checks and
/// documentation, and a function adding them to a router — one source for
/// both, so the list cannot drift from what is served.
macro_rules! routes {
    ($list:ident, $add:ident: $($method:ident $path:literal => $handler:path),+ $(,)?) => {
        #[cfg(test)]
        pub(crate) const $list: &[(&str, &str)] = &[$((stringify!($method), $path)),+];

        fn $add(router: Router<Sim>) -> Router<Sim> {
            router $(.route($path, axum::routing::$method($handler)))+
        }
    };
}

routes!(TOKEN_ROUTES, add_token_routes:
    post "/oauth/token" => token,
);

routes!(SYSTEM_ROUTES, add_system_routes:
    post "/tax/v1/registrations" => register,
    get "/tax/v1/registrations" => registration_by_key,
    get "/tax/v1/registrations/{registrationId}" => registration,
    get "/tax/v1/taxpayers/{taxCode}" => taxpayer,
    put "/tax/v1/taxpayers/{taxCode}" => update_taxpayer,
    post "/tax/v1/taxpayers/{taxCode}/status" => change_taxpayer_status,
    get "/ncrs/v1/records/{code}" => record,
    put "/ncrs/v1/records/{code}" => put_record,
    post "/ncrs/v1/records/{code}/status" => change_record_status,
    get "/ncrs/v1/records/{code}/annual-reports/{year}" => annual_report,
    put "/ncrs/v1/records/{code}/annual-reports/{year}" => put_annual_report,
    post "/ncrs/v1/reorganisations" => reorganise,
    get "/ncrs/v1/reorganisations/{reorganisationId}" => reorganisation,
    get "/ncrs/v1/changes" => changes,
);

routes!(CONTROL_ROUTES, add_control_routes:
    get "/_sim/records" => sim_records,
    get "/_sim/faults" => sim_faults,
    post "/_sim/faults" => set_sim_faults,
    post "/_sim/national-changes" => national_change,
);

/// Every route served, as `(method, path)` with lower-case methods.
#[cfg(test)]
pub(crate) fn all_routes() -> impl Iterator<Item = (&'static str, &'static str)> {
    TOKEN_ROUTES.iter().chain(SYSTEM_ROUTES).chain(CONTROL_ROUTES).copied()
}

/// The whole simulator: faults on everything but `/_sim`, a bearer token on
/// everything but `/oauth/token` and `/_sim`.
pub(crate) fn router(sim: Sim) -> Router {
    let systems = add_system_routes(Router::new())
        .route_layer(middleware::from_fn_with_state(sim.clone(), bearer))
        .route_layer(middleware::from_fn(request_hash));
    let faulty = add_token_routes(Router::new())
        .merge(systems)
        .route_layer(middleware::from_fn_with_state(sim.clone(), inject_faults));
    add_control_routes(Router::new())
        .merge(faulty)
        .fallback(no_such_endpoint)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(sim)
}

// ---- answers ----

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, axum::Json(self.body)).into_response();
        for (name, value) in self.headers {
            if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
                response.headers_mut().insert(name, value);
            }
        }
        response
    }
}

async fn no_such_endpoint(method: Method, uri: Uri) -> Answer {
    Answer::message(404, format!("no such endpoint: {method} {} (see docs/national-api.md)", uri.path()))
}

async fn method_not_allowed(method: Method, uri: Uri) -> Answer {
    Answer::message(405, format!("{method} is not allowed on {}", uri.path()))
}

/// Path parameters, refused in the simulator's error format.
struct Params<T>(T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Params<T> {
    type Rejection = Answer;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(Self(value)),
            Err(e) => Err(Answer::message(400, format!("bad path parameter: {}", e.body_text()))),
        }
    }
}

// ---- faults ----

/// Draws the request's fate; see [`super::Faults`].
/// Answers every call of the national systems with the SHA-256 of the
/// request body as received (`X-National-Request-Hash`, as X-Road's
/// `X-Road-Request-Hash`), so the caller can log and check what arrived.
async fn request_hash(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, 1 << 20).await {
        Ok(b) => b,
        Err(_) => return Answer::message(413, "request body larger than 1 MiB").into_response(),
    };
    let hash = crate::national::exchange::sha256_hex(&bytes);
    let mut response = next.run(Request::from_parts(parts, axum::body::Body::from(bytes))).await;
    if let Ok(v) = HeaderValue::try_from(hash) {
        response.headers_mut().insert(crate::national::exchange::REQUEST_HASH_HEADER, v);
    }
    response
}

async fn inject_faults(State(sim): State<Sim>, request: Request, next: Next) -> Response {
    sim.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let (fault, latency_ms) = sim.dice().draw();
    if latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(latency_ms)).await;
    }
    match fault {
        Fault::None => next.run(request).await,
        Fault::Outage => Answer::message(503, "simulated outage: the national system is unavailable").into_response(),
        Fault::RateLimited { retry_after_secs } => {
            Answer::message(429, format!("simulated rate limit: retry after {retry_after_secs} s"))
                .header("Retry-After", retry_after_secs.to_string())
                .into_response()
        }
        Fault::ServerError(status) => {
            Answer::message(status, "simulated server error: nothing was applied").into_response()
        }
        Fault::Timeout { hang_ms } => {
            tokio::time::sleep(Duration::from_millis(hang_ms)).await;
            Answer::message(504, "simulated timeout: nothing was applied").into_response()
        }
        Fault::LoseAnswer { hang_ms } => {
            let abort = request.extensions().get::<ConnectionAbort>().cloned();
            let answer = next.run(request).await;
            tracing::debug!(status = %answer.status(), "national-sim: losing the answer");
            match abort {
                Some(ConnectionAbort(abort)) => {
                    abort.cancel();
                    std::future::pending().await
                }
                // Not served by our connection loop (cannot happen in
                // `spawn`): hold the answer back instead.
                None => {
                    tokio::time::sleep(Duration::from_millis(hang_ms)).await;
                    Answer::message(504, "simulated lost answer").into_response()
                }
            }
        }
    }
}

// ---- authentication ----

fn oauth_error(status: u16, error: &str, description: impl Into<String>) -> Response {
    let body = json!({"error": error, "error_description": description.into()});
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    (status, [(CACHE_CONTROL, "no-store")], axum::Json(body)).into_response()
}

/// `POST /oauth/token`: the client-credentials grant (RFC 6749 §4.4), with
/// the client's id and secret in the form.
async fn token(State(sim): State<Sim>, headers: HeaderMap, body: Bytes) -> Response {
    let form = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
    if !form {
        return oauth_error(
            400,
            "invalid_request",
            "send the parameters form-encoded (Content-Type: application/x-www-form-urlencoded)",
        );
    }
    let mut grant_type = None;
    let mut client_id = None;
    let mut client_secret = None;
    for (name, value) in url::form_urlencoded::parse(&body) {
        let slot = match name.as_ref() {
            "grant_type" => &mut grant_type,
            "client_id" => &mut client_id,
            "client_secret" => &mut client_secret,
            _ => continue,
        };
        if slot.replace(value.into_owned()).is_some() {
            return oauth_error(400, "invalid_request", format!("parameter {name} is given twice"));
        }
    }
    match grant_type.as_deref() {
        None => return oauth_error(400, "invalid_request", "grant_type is required"),
        Some("client_credentials") => {}
        Some(other) => {
            return oauth_error(
                400,
                "unsupported_grant_type",
                format!("only client_credentials is supported, got {other:?}"),
            )
        }
    }
    let (Some(id), Some(secret)) = (client_id, client_secret) else {
        return oauth_error(400, "invalid_request", "client_id and client_secret are required");
    };
    if !sim.clients.iter().any(|(i, s)| *i == id && *s == secret) {
        return oauth_error(401, "invalid_client", "unknown client or wrong secret");
    }
    let access_token = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
    let now = Instant::now();
    {
        let mut inner = sim.lock();
        inner.tokens.retain(|_, expires| *expires > now);
        inner.tokens.insert(access_token.clone(), now + sim.token_ttl);
    }
    let expires_in = sim.token_ttl.as_secs_f64().ceil() as u64;
    let body = AccessToken { access_token, token_type: "Bearer".into(), expires_in };
    ([(CACHE_CONTROL, "no-store")], axum::Json(body)).into_response()
}

fn unauthorized(challenge: String, message: &str) -> Response {
    let mut response = Answer::message(401, message).into_response();
    if let Ok(value) = HeaderValue::try_from(challenge) {
        response.headers_mut().insert(WWW_AUTHENTICATE, value);
    }
    response
}

/// Lets a request through with a valid, unexpired bearer token.
async fn bearer(State(sim): State<Sim>, request: Request, next: Next) -> Response {
    let given = request.headers().get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let token = given.and_then(|v| {
        let (scheme, token) = v.trim().split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
    });
    let Some(token) = token else {
        return unauthorized(
            format!("Bearer realm=\"{REALM}\""),
            "an access token is required: Authorization: Bearer <token from POST /oauth/token>",
        );
    };
    let expired = match sim.lock().tokens.get(token) {
        Some(expires) if *expires > Instant::now() => None,
        Some(_) => Some("the access token expired: get a new one from POST /oauth/token"),
        None => Some("the access token is not valid: get one from POST /oauth/token"),
    };
    match expired {
        None => next.run(request).await,
        Some(message) => unauthorized(
            format!("Bearer realm=\"{REALM}\", error=\"invalid_token\", error_description=\"{message}\""),
            message,
        ),
    }
}

// ---- writes ----

/// A write's body, read and parsed, or the answer refusing it.
async fn read_json(request: Request) -> Result<(Method, String, HeaderMap, Value), Answer> {
    let (parts, body) = request.into_parts();
    let json = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json")));
    if !json {
        return Err(Answer::message(415, "send the body as JSON (Content-Type: application/json)"));
    }
    let bytes = axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| Answer::message(413, format!("the body must be at most {MAX_BODY} bytes")))?;
    let value: Value =
        serde_json::from_slice(&bytes).map_err(|e| Answer::message(400, format!("the body is not valid JSON: {e}")))?;
    if !value.is_object() {
        return Err(Answer::message(400, "the body must be a JSON object"));
    }
    Ok((parts.method, parts.uri.path().to_owned(), parts.headers, value))
}

/// The `Idempotency-Key`, or the 400 refusing its absence or shape.
fn idempotency_key(headers: &HeaderMap) -> Result<String, Answer> {
    let Some(value) = headers.get("idempotency-key") else {
        return Err(Answer::message(
            400,
            "every write needs an Idempotency-Key header: a unique string per intended change, e.g. a UUID",
        ));
    };
    match value.to_str() {
        Ok(k) if !k.trim().is_empty() && k.len() <= MAX_KEY && k.bytes().all(|b| b.is_ascii_graphic()) => {
            Ok(k.to_owned())
        }
        _ => Err(Answer::message(400, format!("Idempotency-Key must be 1 to {MAX_KEY} visible ASCII characters"))),
    }
}

/// Runs a write: checks the key, replays or refuses a reused key, applies
/// `apply` under the lock, remembers and persists a successful answer.
async fn write(
    sim: &Shared,
    system: System,
    request: Request,
    apply: impl FnOnce(&mut super::server::Inner, &Write, &HeaderMap, &Value) -> Answer,
) -> Answer {
    let key = match idempotency_key(request.headers()) {
        Ok(k) => k,
        Err(answer) => return answer,
    };
    let (method, path, headers, body) = match read_json(request).await {
        Ok(parts) => parts,
        Err(answer) => return answer,
    };
    let mut inner = sim.lock();
    match inner.state.idempotency(system).lookup(&key, method.as_str(), &path, &body) {
        Lookup::Replay(answer) => return answer,
        Lookup::Conflict => {
            return Answer::message(
                409,
                format!("Idempotency-Key {key:?} was used for another request: use a new key for a new change"),
            )
        }
        Lookup::New => {}
    }
    let w =
        Write { key: Some(key.clone()), method: method.to_string(), path: path.clone(), digest: digest(&path, &body) };
    let answer = apply(&mut inner, &w, &headers, &body);
    if answer.is_success() {
        inner.state.idempotency(system).remember(key, method.to_string(), path, body, answer.clone());
        if let Err(e) = sim.persist(&inner.state) {
            tracing::error!(error = %e, "national-sim: state not saved");
            return Answer::message(500, format!("applied, but {e}; a retry with the same key replays the answer"));
        }
    }
    answer
}

/// The `If-Match`/`If-None-Match` of an NCRS write. `create` says whether
/// `If-None-Match: *` is meaningful here.
fn precondition(headers: &HeaderMap, create: bool) -> Result<Precondition, Answer> {
    let text = |name: &str| headers.get(name).map(|v| v.to_str().map(str::trim));
    match (text("if-match"), text("if-none-match")) {
        (Some(_), Some(_)) => Err(Answer::message(400, "send If-Match or If-None-Match, not both")),
        (None, Some(Ok("*"))) if create => Ok(Precondition::Absent),
        (None, Some(_)) if create => Err(Answer::message(400, "If-None-Match must be * (create only)")),
        (None, Some(_)) => {
            Err(Answer::message(400, "If-None-Match is not used here; send If-Match to guard a version"))
        }
        (None, None) => Ok(Precondition::None),
        (Some(value), None) => {
            let bad =
                || Answer::message(400, "If-Match must name versions as entity tags, e.g. If-Match: \"3\" (from ETag)");
            let value = value.map_err(|_| bad())?;
            let versions: Option<Vec<u64>> = value
                .split(',')
                .map(|tag| {
                    let tag = tag.trim();
                    let tag = tag.strip_prefix('"').and_then(|t| t.strip_suffix('"')).unwrap_or(tag);
                    tag.parse::<u64>().ok()
                })
                .collect();
            versions.filter(|v| !v.is_empty()).map(Precondition::Version).ok_or_else(bad)
        }
    }
}

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

// ---- tax registration system ----

async fn register(State(sim): State<Sim>, request: Request) -> Answer {
    write(&sim, System::Tax, request, |inner, w, _, body| {
        let details = match input::tax_details(body) {
            Ok(d) => d,
            Err(errors) => return Answer::errors(422, errors),
        };
        let asynchronous = sim.async_tax_share > 0.0 && rand::Rng::random::<f64>(&mut inner.rng) < sim.async_tax_share;
        let pending = asynchronous.then_some(sim.tax_pending);
        let super::server::Inner { state, rng, .. } = inner;
        state.register(w, details, pending, now(), rng)
    })
    .await
}

/// `GET /tax/v1/registrations?idempotencyKey=…`.
async fn registration_by_key(State(sim): State<Sim>, uri: Uri) -> Answer {
    let mut key = None;
    for (name, value) in url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes()) {
        match name.as_ref() {
            "idempotencyKey" if key.is_none() => key = Some(value.into_owned()),
            "idempotencyKey" => return Answer::invalid_query("idempotencyKey", "is given twice"),
            other => return Answer::invalid_query(other, "is not a parameter here (expected idempotencyKey)"),
        }
    }
    match key {
        Some(k) if !k.is_empty() && k.len() <= MAX_KEY => sim.lock().state.registration_by_key(&k),
        Some(_) => Answer::invalid_query("idempotencyKey", &format!("must be 1 to {MAX_KEY} characters")),
        None => Answer::invalid_query("idempotencyKey", "is required (the key the registration was sent under)"),
    }
}

async fn registration(State(sim): State<Sim>, Params(id): Params<String>) -> Answer {
    let mut inner = sim.lock();
    let super::server::Inner { state, rng, .. } = &mut *inner;
    let (answer, issued) = state.poll_registration(&id, now(), rng);
    if issued {
        if let Err(e) = sim.persist(state) {
            tracing::error!(error = %e, "national-sim: state not saved");
        }
    }
    answer
}

async fn taxpayer(State(sim): State<Sim>, Params(code): Params<String>) -> Answer {
    sim.lock().state.taxpayer(&code)
}

async fn update_taxpayer(State(sim): State<Sim>, Params(code): Params<String>, request: Request) -> Answer {
    write(&sim, System::Tax, request, |inner, w, _, body| inner.state.update_taxpayer(w, &code, body, now())).await
}

async fn change_taxpayer_status(State(sim): State<Sim>, Params(code): Params<String>, request: Request) -> Answer {
    write(&sim, System::Tax, request, |inner, w, _, body| match input::taxpayer_status(body) {
        Ok(change) => inner.state.change_taxpayer_status(w, &code, change, now()),
        Err(errors) => Answer::errors(422, errors),
    })
    .await
}

// ---- NCRS ----

async fn record(State(sim): State<Sim>, Params(code): Params<String>) -> Answer {
    sim.lock().state.record(&code)
}

async fn put_record(State(sim): State<Sim>, Params(code): Params<String>, request: Request) -> Answer {
    write(&sim, System::Ncrs, request, |inner, w, headers, body| match precondition(headers, true) {
        Ok(p) => inner.state.put_record(w, &code, &p, body, now()),
        Err(answer) => answer,
    })
    .await
}

async fn change_record_status(State(sim): State<Sim>, Params(code): Params<String>, request: Request) -> Answer {
    write(&sim, System::Ncrs, request, |inner, w, headers, body| match precondition(headers, false) {
        Ok(p) => inner.state.change_record_status(w, &code, &p, body, now()),
        Err(answer) => answer,
    })
    .await
}

async fn annual_report(State(sim): State<Sim>, Params((code, year)): Params<(String, String)>) -> Answer {
    sim.lock().state.annual_report(&code, &year)
}

async fn put_annual_report(
    State(sim): State<Sim>,
    Params((code, year)): Params<(String, String)>,
    request: Request,
) -> Answer {
    write(&sim, System::Ncrs, request, |inner, w, headers, body| match precondition(headers, false) {
        Ok(p) => inner.state.put_annual_report(w, &code, &year, &p, body, now()),
        Err(answer) => answer,
    })
    .await
}

async fn reorganise(State(sim): State<Sim>, request: Request) -> Answer {
    write(&sim, System::Ncrs, request, |inner, w, _, body| match input::reorganisation(body) {
        Ok(r) => inner.state.reorganise(w, r, now()),
        Err(errors) => Answer::errors(422, errors),
    })
    .await
}

async fn reorganisation(State(sim): State<Sim>, Params(id): Params<String>) -> Answer {
    sim.lock().state.reorganisation(&id)
}

/// `after`, `limit` and `province` of `GET /ncrs/v1/changes`.
fn feed_query(query: Option<&str>) -> Result<(u64, usize, Option<String>), Answer> {
    let mut errors = input::Errors::default();
    let (mut after, mut limit, mut province) = (None, None, None);
    for (name, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        let seen = match name.as_ref() {
            "after" => after.replace(value.clone()).is_some(),
            "limit" => limit.replace(value.clone()).is_some(),
            "province" => province.replace(value.clone()).is_some(),
            other => {
                errors.add(other, "is not a parameter here (expected after, limit, province)");
                false
            }
        };
        if seen {
            errors.add(name.as_ref(), "is given twice");
        }
    }
    let after = match after.as_deref().map(str::parse::<u64>) {
        None => 0,
        Some(Ok(n)) => n,
        Some(Err(_)) => {
            errors.add("after", "must be a sequence number (a whole number, 0 for the start)");
            0
        }
    };
    let limit = match limit.as_deref().map(str::parse::<usize>) {
        None => DEFAULT_PAGE,
        Some(Ok(n)) if (1..=MAX_PAGE).contains(&n) => n,
        Some(_) => {
            errors.add("limit", format!("must be a whole number from 1 to {MAX_PAGE}"));
            DEFAULT_PAGE
        }
    };
    let province = province.and_then(|p| {
        input::parse_code(&mut errors, "province".into(), &p, crate::domain::ProvinceCode::parse).map(|c| c.to_string())
    });
    match errors.into_result() {
        Ok(()) => Ok((after, limit, province)),
        Err(errors) => Err(Answer::errors(400, errors)),
    }
}

async fn changes(State(sim): State<Sim>, uri: Uri) -> Answer {
    match feed_query(uri.query()) {
        Ok((after, limit, province)) => sim.lock().state.changes(after, limit, province.as_deref()),
        Err(answer) => answer,
    }
}

// ---- simulator controls ----

async fn sim_records(State(sim): State<Sim>) -> Answer {
    Answer::json(200, &sim.lock().state.snapshot())
}

async fn sim_faults(State(sim): State<Sim>) -> Answer {
    Answer::json(200, sim.dice().faults())
}

async fn set_sim_faults(State(sim): State<Sim>, request: Request) -> Answer {
    let (_, _, _, body) = match read_json(request).await {
        Ok(parts) => parts,
        Err(answer) => return answer,
    };
    let mut dice = sim.dice();
    match dice.faults().patched(&body) {
        Ok(faults) => {
            tracing::info!(?faults, "national-sim: faults changed");
            dice.set(faults);
            Answer::json(200, dice.faults())
        }
        Err(errors) => Answer::errors(422, errors),
    }
}

async fn national_change(State(sim): State<Sim>, request: Request) -> Answer {
    let (method, path, _, body) = match read_json(request).await {
        Ok(parts) => parts,
        Err(answer) => return answer,
    };
    let change = match input::national_change(&body) {
        Ok(c) => c,
        Err(errors) => return Answer::errors(422, errors),
    };
    let w = Write { key: None, method: method.to_string(), path: path.clone(), digest: digest(&path, &body) };
    let mut inner = sim.lock();
    let answer = inner.state.national_change(&w, change, now());
    if answer.is_success() {
        if let Err(e) = sim.persist(&inner.state) {
            tracing::error!(error = %e, "national-sim: state not saved");
            return Answer::message(500, format!("applied, but {e}"));
        }
    }
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (HeaderName::from_static(k), HeaderValue::from_static(v))).collect()
    }

    #[test]
    fn preconditions_are_read_strictly() {
        assert_eq!(precondition(&headers(&[]), true).ok(), Some(Precondition::None));
        assert_eq!(precondition(&headers(&[("if-none-match", "*")]), true).ok(), Some(Precondition::Absent));
        assert_eq!(precondition(&headers(&[("if-match", "\"3\"")]), true).ok(), Some(Precondition::Version(vec![3])));
        assert_eq!(
            precondition(&headers(&[("if-match", "\"3\", \"4\"")]), false).ok(),
            Some(Precondition::Version(vec![3, 4]))
        );
        for bad in ["*", "W/\"3\"", "\"x\"", ""] {
            let h: HeaderMap =
                [(HeaderName::from_static("if-match"), HeaderValue::from_static(bad))].into_iter().collect();
            assert!(precondition(&h, true).is_err(), "{bad}");
        }
        assert!(precondition(&headers(&[("if-none-match", "\"3\"")]), true).is_err());
        assert!(precondition(&headers(&[("if-none-match", "*")]), false).is_err());
        assert!(precondition(&headers(&[("if-none-match", "*"), ("if-match", "\"1\"")]), true).is_err());
    }

    #[test]
    fn feed_queries_name_every_bad_parameter() {
        assert_eq!(feed_query(None).ok(), Some((0, DEFAULT_PAGE, None)));
        assert_eq!(feed_query(Some("after=5&limit=2&province=40")).ok(), Some((5, 2, Some("40".into()))));
        let Err(answer) = feed_query(Some("after=-1&limit=0&province=4&colour=red")) else {
            panic!("refused");
        };
        assert_eq!(answer.status, 400);
        let fields: Vec<&str> =
            answer.body["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
        assert_eq!(fields, ["colour", "after", "limit", "province"]);
    }
}
