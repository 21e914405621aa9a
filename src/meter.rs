//! Metrics (số liệu vận hành): the names coopgate exports in the Prometheus
//! text format, the process-wide recorder, and one helper per thing
//! measured, so that every name and label is spelled here once.
//!
//! Labels carry only bounded values chosen by coopgate (an operation's root
//! field from the schema or `other`, an outcome, a state, an operation
//! kind): never a subject, a token, an address, a code or any text a
//! caller sent. A leaf module: it imports nothing from the rest of the crate,
//! so every layer may record.

use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

/// Requests by operation, operation type and outcome (counter).
pub const REQUESTS: &str = "coopgate_graphql_requests_total";
/// Latency of GraphQL operations in seconds (histogram).
pub const LATENCY: &str = "coopgate_graphql_request_duration_seconds";
/// Requested cost of each executed operation (histogram).
pub const COST: &str = "coopgate_graphql_query_cost";
/// SQL statements each operation executed (histogram).
pub const STATEMENTS: &str = "coopgate_graphql_statements_per_request";
/// Requests refused by the rate limit (counter).
pub const RATE_LIMITED: &str = "coopgate_rate_limit_refusals_total";
/// Pooled database connections by state, `in_use` or `idle` (gauge).
pub const POOL_CONNECTIONS: &str = "coopgate_db_pool_connections";
/// The pool's largest size (gauge).
pub const POOL_MAX: &str = "coopgate_db_pool_max_connections";
/// Waits for a pooled connection that ran out of time (counter).
pub const POOL_WAIT_TIMEOUTS: &str = "coopgate_db_pool_acquire_timeouts_total";
/// Statements executed on the pool since start (counter).
pub const DB_STATEMENTS: &str = "coopgate_db_statements_total";
/// Outbox rows by operation and state (gauge).
pub const OUTBOX_ROWS: &str = "coopgate_sync_outbox_rows";
/// Age in seconds of the oldest outbox row by operation and state, for the
/// states still waiting (PENDING, IN_FLIGHT, FAILED, REJECTED) (gauge).
pub const OUTBOX_OLDEST: &str = "coopgate_sync_outbox_oldest_age_seconds";
/// Delivery attempts by operation and outcome (counter).
pub const DELIVERIES: &str = "coopgate_sync_deliveries_total";
/// Seconds since this worker last read the national change feed to its end (gauge).
pub const FEED_LAG: &str = "coopgate_national_feed_lag_seconds";
/// The national change feed's saved cursor (gauge).
pub const FEED_CURSOR: &str = "coopgate_national_feed_cursor";
/// National changes applied here (counter).
pub const FEED_APPLIED: &str = "coopgate_national_feed_applied_total";
/// Reads of the national change feed that failed (counter).
pub const FEED_ERRORS: &str = "coopgate_national_feed_errors_total";
/// Open change-feed subscriptions of this process (gauge).
pub const SUBSCRIPTIONS: &str = "coopgate_subscriptions_open";
/// 1 while this process's change-feed tailer is woken by PostgreSQL
/// `LISTEN`, 0 while it only polls (gauge).
pub const FEED_LISTENING: &str = "coopgate_change_feed_listening";
/// Always 1, labelled with the version and the role of the process (gauge).
pub const BUILD_INFO: &str = "coopgate_build_info";

/// Latency buckets, in seconds.
const LATENCY_BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];
/// Cost buckets, in points.
const COST_BUCKETS: [f64; 10] = [1.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 5000.0];
/// Statement-count buckets.
const STATEMENT_BUCKETS: [f64; 10] = [0.0, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 21.0, 50.0, 100.0];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process-wide recorder (once; later calls return the same
/// handle) and records the build info for `role` (`gateway` or `worker`).
/// `None` when another recorder was installed first.
pub fn install(role: &'static str) -> Option<PrometheusHandle> {
    let handle = HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(LATENCY.into()), &LATENCY_BUCKETS)
                .and_then(|b| b.set_buckets_for_metric(Matcher::Full(COST.into()), &COST_BUCKETS))
                .and_then(|b| b.set_buckets_for_metric(Matcher::Full(STATEMENTS.into()), &STATEMENT_BUCKETS));
            match builder.and_then(|b| b.install_recorder()) {
                Ok(h) => {
                    describe();
                    Some(h)
                }
                Err(e) => {
                    tracing::warn!(error = %e, "metrics: cannot install the recorder; /metrics is off");
                    None
                }
            }
        })
        .clone();
    if handle.is_some() {
        gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION"), "role" => role).set(1.0);
    }
    handle
}

/// The text of a scrape: runs the recorder's upkeep, then renders.
pub fn render(handle: &PrometheusHandle) -> String {
    handle.run_upkeep();
    handle.render()
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(REQUESTS, "GraphQL operations by root field (or other), type and outcome.");
    describe_histogram!(LATENCY, Unit::Seconds, "Time to execute a GraphQL operation.");
    describe_histogram!(COST, "Requested cost of each executed GraphQL operation, in points.");
    describe_histogram!(STATEMENTS, "SQL statements executed by one GraphQL operation.");
    describe_counter!(RATE_LIMITED, "Requests refused by the cost rate limit.");
    describe_gauge!(POOL_CONNECTIONS, "Pooled database connections by state (in_use, idle).");
    describe_gauge!(POOL_MAX, "Largest number of pooled database connections.");
    describe_counter!(POOL_WAIT_TIMEOUTS, "Waits for a pooled database connection that timed out.");
    describe_counter!(DB_STATEMENTS, "SQL statements executed on the pool since start.");
    describe_gauge!(OUTBOX_ROWS, "Sync outbox rows by operation and state.");
    describe_gauge!(OUTBOX_OLDEST, Unit::Seconds, "Age of the oldest waiting outbox row by operation and state.");
    describe_counter!(DELIVERIES, "Delivery attempts to the national systems by operation and outcome.");
    describe_gauge!(FEED_LAG, Unit::Seconds, "Seconds since the national change feed was last read to its end.");
    describe_gauge!(FEED_CURSOR, "Saved position in the national change feed.");
    describe_counter!(FEED_APPLIED, "National changes applied to the registry.");
    describe_counter!(FEED_ERRORS, "Failed reads of the national change feed.");
    describe_gauge!(SUBSCRIPTIONS, "Open change-feed subscriptions of this process.");
    describe_gauge!(FEED_LISTENING, "1 while the change-feed tailer is woken by LISTEN/NOTIFY, 0 while it polls.");
    describe_gauge!(BUILD_INFO, "Always 1, labelled with the version and role.");
}

/// How a GraphQL operation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Executed without an error.
    Ok,
    /// Executed with errors in some fields (partial data).
    FieldErrors,
    /// Refused before execution (validation, limits, bad input).
    Refused,
    /// An internal error.
    Internal,
}

impl Outcome {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::FieldErrors => "field_errors",
            Outcome::Refused => "refused",
            Outcome::Internal => "internal",
        }
    }
}

/// Records one GraphQL operation: `operation` is a bounded label (a root
/// field of the schema, `multiple` or `other`), `kind` its type.
pub fn operation(operation: &'static str, kind: &'static str, outcome: Outcome, seconds: f64, cost: Option<u64>) {
    counter!(REQUESTS, "operation" => operation, "type" => kind, "outcome" => outcome.as_str()).increment(1);
    histogram!(LATENCY, "operation" => operation, "type" => kind).record(seconds);
    if let Some(c) = cost {
        histogram!(COST, "type" => kind).record(c as f64);
    }
}

/// Records the statements one operation executed.
pub fn statements_per_request(kind: &'static str, n: u64) {
    histogram!(STATEMENTS, "type" => kind).record(n as f64);
}

/// Records a rate-limit refusal.
pub fn rate_limited() {
    counter!(RATE_LIMITED).increment(1);
}

/// Records the pool's connections now.
pub fn pool(in_use: u32, idle: u32, max: u32) {
    gauge!(POOL_CONNECTIONS, "state" => "in_use").set(f64::from(in_use));
    gauge!(POOL_CONNECTIONS, "state" => "idle").set(f64::from(idle));
    gauge!(POOL_MAX).set(f64::from(max));
}

/// Records a wait for a pooled connection that timed out.
pub fn pool_wait_timed_out() {
    counter!(POOL_WAIT_TIMEOUTS).increment(1);
}

/// Records the pool's statement total.
pub fn db_statements(total: u64) {
    counter!(DB_STATEMENTS).absolute(total);
}

/// Records the outbox rows of one operation in one state, and the age of
/// the oldest (`None` leaves no age: delivered rows).
pub fn outbox(operation: &'static str, state: &'static str, rows: i64, oldest_age_seconds: Option<f64>) {
    gauge!(OUTBOX_ROWS, "operation" => operation, "state" => state).set(rows as f64);
    if let Some(age) = oldest_age_seconds {
        gauge!(OUTBOX_OLDEST, "operation" => operation, "state" => state).set(age.max(0.0));
    }
}

/// Records one delivery attempt's outcome (`registered`, `delivered`,
/// `retry`, `failed`, `rejected`).
pub fn delivery(operation: &'static str, outcome: &'static str) {
    counter!(DELIVERIES, "operation" => operation, "outcome" => outcome).increment(1);
}

/// Records a read of the national feed to its end at `cursor`, having
/// applied `applied` changes; resets the lag.
pub fn feed_caught_up(cursor: i64, applied: usize) {
    if let Ok(mut t) = FEED_READ_AT.lock() {
        *t = Some(std::time::Instant::now());
    }
    gauge!(FEED_CURSOR).set(cursor as f64);
    counter!(FEED_APPLIED).increment(applied as u64);
}

/// Records a failed read of the national feed.
pub fn feed_failed() {
    counter!(FEED_ERRORS).increment(1);
}

static FEED_READ_AT: std::sync::Mutex<Option<std::time::Instant>> = std::sync::Mutex::new(None);

/// Sets the feed-lag gauge from the last read to the end (nothing when this
/// process has never read the feed: it runs no worker).
pub fn refresh_feed_lag() {
    if let Some(at) = FEED_READ_AT.lock().ok().and_then(|t| *t) {
        gauge!(FEED_LAG).set(at.elapsed().as_secs_f64());
    }
}

/// Records the open subscriptions of this process, and whether its
/// tailer is woken by `LISTEN`.
pub fn subscriptions(open: usize, listening: bool) {
    gauge!(SUBSCRIPTIONS).set(open as f64);
    gauge!(FEED_LISTENING).set(if listening { 1.0 } else { 0.0 });
}

/// What one operation's storage did: statements, and whether a pooled
/// connection broke under it.
#[derive(Debug, Default)]
struct RequestMeter {
    statements: AtomicU64,
    broken: std::sync::atomic::AtomicBool,
}

tokio::task_local! {
    static REQUEST_STATEMENTS: Arc<RequestMeter>;
}

/// Counts one statement for the operation running in this task, if any
/// (called by storage's statement hook).
pub fn count_statement() {
    let _ = REQUEST_STATEMENTS.try_with(|c| c.statements.fetch_add(1, Ordering::Relaxed));
}

/// Notes that a pooled connection broke under the operation running in
/// this task, if any (called by storage when an error says so).
pub fn connection_broke() {
    let _ = REQUEST_STATEMENTS.try_with(|c| c.broken.store(true, Ordering::Relaxed));
}

/// A per-operation statement count: [`StatementScope::run`] counts the
/// statements of a future (and of tasks spawned through
/// [`StatementScope::carry`]).
#[derive(Debug, Clone, Default)]
pub struct StatementScope(Arc<RequestMeter>);

impl StatementScope {
    /// Runs `fut` with its statements counted here.
    pub async fn run<F: Future>(&self, fut: F) -> F::Output {
        REQUEST_STATEMENTS.scope(self.0.clone(), fut).await
    }

    /// The scope of the current task, if it runs in one (for a spawner).
    pub fn current() -> Option<StatementScope> {
        REQUEST_STATEMENTS.try_with(|c| StatementScope(c.clone())).ok()
    }

    /// Statements counted so far.
    pub fn get(&self) -> u64 {
        self.0.statements.load(Ordering::Relaxed)
    }

    /// Whether a pooled connection broke under this operation since the
    /// last call (clears the mark).
    pub fn take_broken(&self) -> bool {
        self.0.broken.swap(false, Ordering::Relaxed)
    }
}

/// Wraps a future spawned from a request's task so that its statements
/// count for that request (data loaders batch on their own tasks).
pub fn carry<F>(fut: F) -> impl Future<Output = F::Output>
where
    F: Future,
{
    let scope = StatementScope::current();
    async move {
        match scope {
            Some(s) => s.run(fut).await,
            None => fut.await,
        }
    }
}

tokio::task_local! {
    static BACKGROUND: ();
}

/// Runs `fut` as background housekeeping (export sweeps, checkpoints): its
/// statements are not counted as the application's (the counter tests and
/// `/metrics` read is about the work requests cause).
pub async fn background<F: Future>(fut: F) -> F::Output {
    BACKGROUND.scope((), fut).await
}

/// Whether the current task runs as [`background`] housekeeping.
pub fn in_background() -> bool {
    BACKGROUND.try_with(|_| ()).is_ok()
}
