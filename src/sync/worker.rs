//! The sync worker, a driver: it claims outbox rows with a lease, performs
//! each typed delivery against the national systems, and hands the outcome
//! to `service::national::settle`; it pulls the national change feed and
//! hands each event to `service::national::apply`. It writes nothing
//! itself: every statement is in `storage::outbox`, every record change in
//! a unit of work.
//!
//! Claiming: the oldest due row of a record whose earlier rows are all
//! delivered (so a record's changes go out in order and one stuck record
//! blocks only itself). On PostgreSQL `FOR UPDATE SKIP LOCKED` keeps several
//! workers off the same row; on SQLite the in-process write gate serialises
//! claims. A crashed worker's lease runs out and the row is claimed again;
//! its retries carry the same idempotency keys, so nothing is applied twice.
//!
//! Fencing: every claim writes a fresh lease token on the row; the steps'
//! progress saves and the settlement only take effect while the row still
//! carries the token this worker was given. A delivery that outlived its
//! lease (and was claimed again by another worker) drops its result — no
//! second SYNCED change, version bump or audit row. A delivery is also cut
//! off at nine tenths of its lease, and [`WorkerSettings::check`] refuses a
//! lease shorter than the call timeout × [`LEASE_CALLS`].
//!
//! Progress: every operation saves its steps on the row (a registration its
//! registration id and code; an update its tax step before NCRS; a status
//! change its NCRS step before tax), so a retry resumes after them, and the
//! attempt budget counts attempts without progress.

use crate::domain::{EntityKind, TaxCode};
use crate::national::client::{CallError, National, NationalSystems};
use crate::national::feed::Entry;
use crate::national::{Content, Delivery, Progress, ReorganisationDelivery};
use crate::service::national::{self as apply, Settlement};
use crate::service::ServiceError;
use crate::state::AppState;
use crate::storage::outbox::{self, QueuedRow};
use crate::storage::records;
use chrono::Utc;
use rand::Rng;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How a worker behaves.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// Attempts before a row is FAILED.
    pub max_attempts: i32,
    /// First backoff; doubles per attempt, with full jitter.
    pub backoff_base: Duration,
    /// Largest backoff.
    pub backoff_cap: Duration,
    /// How long a claim holds a row.
    pub lease: Duration,
    /// Rows delivered at once.
    pub concurrency: usize,
    /// How often to look for due rows when idle.
    pub poll: Duration,
    /// How often to pull the national change feed.
    pub pull_every: Duration,
}

/// National calls one delivery may make in the worst case (a token, the
/// tax step with a look-up, the details refresh, NCRS with a version
/// re-read): the lease must hold at least this many call timeouts, plus
/// [`POLL_WAIT`].
pub const LEASE_CALLS: u32 = 8;

/// Longest a registration waits, within one attempt, for an asynchronously
/// issued tax code (then it comes back later).
pub const POLL_WAIT: Duration = Duration::from_millis(1500);

impl WorkerSettings {
    /// Refuses settings under which a delivery could outlive its lease: the
    /// lease must be at least `call_timeout` × [`LEASE_CALLS`] + [`POLL_WAIT`].
    pub fn check(&self, call_timeout: Duration) -> Result<(), String> {
        let needed = call_timeout.saturating_mul(LEASE_CALLS).saturating_add(POLL_WAIT);
        if self.lease < needed {
            return Err(format!(
                "COOPGATE_SYNC_LEASE_SECONDS: the lease ({} s) must be at least COOPGATE_NATIONAL_TIMEOUT_MS ({} ms) × {LEASE_CALLS} calls of one delivery + {} ms of polling = {:.1} s, or a slow delivery outlives its lease; raise the lease or lower the timeout",
                self.lease.as_secs_f64(),
                call_timeout.as_millis(),
                POLL_WAIT.as_millis(),
                needed.as_secs_f64()
            ));
        }
        if self.backoff_cap < self.backoff_base {
            return Err(format!(
                "COOPGATE_SYNC_BACKOFF_CAP_MS ({} ms) must not be below COOPGATE_SYNC_BACKOFF_MS ({} ms)",
                self.backoff_cap.as_millis(),
                self.backoff_base.as_millis()
            ));
        }
        Ok(())
    }
}

impl Default for WorkerSettings {
    fn default() -> Self {
        WorkerSettings {
            max_attempts: 20,
            backoff_base: Duration::from_millis(500),
            backoff_cap: Duration::from_secs(60),
            lease: Duration::from_secs(60),
            concurrency: 4,
            poll: Duration::from_millis(500),
            pull_every: Duration::from_secs(10),
        }
    }
}

/// The sync engine of one process.
pub struct Worker<N: NationalSystems> {
    state: AppState,
    national: National<N>,
    settings: WorkerSettings,
    id: String,
}

/// The name of the national feed's cursor.
pub const NATIONAL_FEED: &str = "ncrs-changes";

/// What `sync.lastError` says of a failure on this side: a fixed phrase
/// naming the id under which the detail was logged (never database or
/// library text).
pub fn local_error_text(request_id: &str) -> String {
    format!("local error, see server log {request_id}")
}

/// Why an attempt did not deliver.
enum Failure {
    /// The national systems said no, or could not be reached.
    National(CallError),
    /// Something failed on this side (the database, a stored body).
    Local(ServiceError),
    /// Another claim fenced this one off: its result is dropped.
    LeaseLost,
}

impl From<CallError> for Failure {
    fn from(e: CallError) -> Self {
        Failure::National(e)
    }
}

impl From<ServiceError> for Failure {
    fn from(e: ServiceError) -> Self {
        Failure::Local(e)
    }
}

impl<N: NationalSystems> Clone for Worker<N> {
    fn clone(&self) -> Self {
        Worker {
            state: self.state.clone(),
            national: self.national.clone(),
            settings: self.settings.clone(),
            id: self.id.clone(),
        }
    }
}

/// The `/metrics` label of a delivery attempt's outcome.
fn settlement_label(s: &Settlement) -> &'static str {
    match s {
        Settlement::Registered { .. } => "registered",
        Settlement::Delivered { .. } => "delivered",
        Settlement::Retry { .. } => "retry",
        Settlement::Failed { .. } => "failed",
        Settlement::Rejected { .. } => "rejected",
    }
}

fn not_registered() -> Failure {
    Failure::National(CallError::Transient { retry_after: None, detail: "not registered yet".into() })
}

impl<N: NationalSystems> Worker<N> {
    /// A worker over the application's database.
    pub fn new(state: AppState, national: Arc<N>, settings: WorkerSettings) -> Self {
        Worker {
            state,
            national: National { systems: national },
            settings,
            id: format!("worker-{}", uuid::Uuid::new_v4()),
        }
    }

    /// Claims one due row, or `None`.
    pub async fn claim(&self) -> Result<Option<QueuedRow>, ServiceError> {
        let until = Utc::now() + chrono::Duration::from_std(self.settings.lease).unwrap_or_default();
        Ok(outbox::claim(&self.state.db, &self.state.write_gate, &self.id, until).await?)
    }

    fn backoff(&self, attempts: i32, retry_after: Option<Duration>) -> Duration {
        let exp = self
            .settings
            .backoff_base
            .saturating_mul(1u32 << attempts.clamp(0, 20) as u32)
            .min(self.settings.backoff_cap);
        let jitter = Duration::from_millis(rand::rng().random_range(0..=exp.as_millis().max(1) as u64));
        jitter.max(retry_after.unwrap_or_default())
    }

    /// Saves a step done (fenced by the claim's token).
    /// Only a saved step counts as progress for the attempt budget.
    async fn step(&self, row: &QueuedRow, progress: &mut Progress) -> Result<(), Failure> {
        let stored = Progress { since_attempt: row.attempts, ..progress.clone() };
        let saved =
            outbox::save_progress(&self.state.db, &self.state.write_gate, row.id, &row.lease_token, stored.to_stored())
                .await
                .map_err(ServiceError::from)?;
        if saved {
            progress.since_attempt = row.attempts;
            Ok(())
        } else {
            Err(Failure::LeaseLost)
        }
    }

    /// The record's code and NCRS version, once it has a code.
    async fn registered(&self, kind: EntityKind, id: i64) -> Result<(String, Option<i32>), Failure> {
        let db = &self.state.db;
        let found = match kind {
            EntityKind::Cooperative => {
                records::cooperative(db, id).await.map(|m| m.map(|m| (m.code, m.national_version)))
            }
            EntityKind::CooperativeUnion => {
                records::union(db, id).await.map(|m| m.map(|m| (m.code, m.national_version)))
            }
            EntityKind::CooperativeGroup | EntityKind::Target | EntityKind::Person => {
                return Err(Failure::National(CallError::Refused(format!("a {kind} is not synced"))))
            }
        }
        .map_err(ServiceError::from)?;
        match found {
            Some((Some(code), version)) => Ok((code, version)),
            Some((None, _)) | None => Err(not_registered()),
        }
    }

    /// Registration: tax registration (resuming from the saved progress),
    /// polling for an asynchronously issued code, then the NCRS record.
    ///
    /// The tax request always goes under the row's `-tax` key, for ever: a
    /// retry replays it. When its body was rebuilt since (`retrySync` after
    /// a fix) and an earlier request was applied under that key, the tax
    /// system answers 409; then the worker asks what that request made
    /// (the registration by key), resumes with it and replaces the
    /// taxpayer's details — never a second taxpayer.
    async fn register(&self, row: &QueuedRow, c: &Content, p: &mut Progress) -> Result<Settlement, Failure> {
        let key = &row.key;
        if p.tax_code.is_none() {
            let registration = match &p.registration_id {
                Some(r) => r.clone(),
                None => {
                    let tax_key = format!("{key}-tax");
                    let a = match self.national.register_taxpayer(&c.tax, tax_key.clone()).await {
                        Ok(a) => a,
                        Err(CallError::Conflict(_)) => {
                            let found = self.national.registration_by_key(&tax_key).await?.ok_or_else(|| {
                                Failure::National(CallError::Refused(
                                    "the tax system called the key reused but has no registration under it".into(),
                                ))
                            })?;
                            tracing::info!(
                                row = row.id,
                                "sync: the tax system has this registration already; resuming with it"
                            );
                            p.tax_refresh = true;
                            found
                        }
                        Err(e) => return Err(e.into()),
                    };
                    p.tax_code = a.tax_code;
                    p.registration_id = Some(a.registration_id.clone());
                    self.step(row, p).await?;
                    a.registration_id
                }
            };
            // Asynchronous issue: poll a little, else come back later.
            let mut wait = Duration::from_millis(100);
            let mut waited = Duration::ZERO;
            while p.tax_code.is_none() {
                if let Some(code) = self.national.registration_code(&registration).await? {
                    p.tax_code = Some(code);
                    self.step(row, p).await?;
                } else if waited + wait > POLL_WAIT {
                    return Err(Failure::National(CallError::Transient {
                        retry_after: Some(wait),
                        detail: "tax code not issued yet".into(),
                    }));
                } else {
                    tokio::time::sleep(wait).await;
                    waited += wait;
                    wait *= 2;
                }
            }
        }
        let code = p.tax_code.clone().unwrap_or_default();
        if TaxCode::parse_own(&code).is_err() {
            return Err(Failure::National(CallError::Refused(format!(
                "the tax system issued a malformed code {code:?}"
            ))));
        }
        if p.tax_refresh {
            self.national.update_taxpayer(&code, &c.tax, p.key(key, "tax-details")).await?;
            p.tax_refresh = false;
            self.step(row, p).await?;
        }
        let (mut version, existed) = self.national.create_record(&code, &c.ncrs, p.key(key, "ncrs")).await?;
        if existed && p.revision > 0 {
            // Created under an earlier revision of the request: it holds the old content.
            version = self.national.replace_record(&code, version, &c.ncrs, p.key(key, "ncrs-content")).await?;
        }
        Ok(Settlement::Registered { code, version })
    }

    /// A reorganisation: waits until no record it names has an earlier
    /// delivery open (the new successors' registrations above all: they
    /// need their codes), then the one NCRS operation (its step saved), then
    /// each ending source's CLOSED tax status (each step saved). Waiting
    /// behind deliveries that are still under way does not spend the
    /// attempt budget; waiting behind a FAILED or REJECTED one does.
    async fn reorganise(
        &self,
        row: &QueuedRow,
        r: &ReorganisationDelivery,
        p: &mut Progress,
    ) -> Result<Settlement, Failure> {
        let key = &row.key;
        let named: Vec<i64> = r.sources.iter().chain(&r.successors).copied().collect();
        let blockers = outbox::open_before(&self.state.db, &named, row.id).await.map_err(ServiceError::from)?;
        if !blockers.is_empty() {
            let stuck = blockers.iter().any(|s| s == "FAILED" || s == "REJECTED");
            if !stuck {
                self.step(row, p).await?;
            }
            let detail = if stuck {
                "waiting for a failed or rejected delivery of a cooperative it names (retrySync that cooperative)"
            } else {
                "waiting for the deliveries of the cooperatives it names (the successors' registrations)"
            };
            return Err(Failure::National(CallError::Transient {
                retry_after: Some(self.settings.poll),
                detail: detail.into(),
            }));
        }
        let mut codes = std::collections::HashMap::new();
        for id in &named {
            let (code, _) = self.registered(EntityKind::Cooperative, *id).await?;
            codes.insert(*id, code);
        }
        let code_of = |ids: &[i64]| ids.iter().map(|id| codes.get(id).cloned().unwrap_or_default()).collect();
        let first = r.sources.first().and_then(|id| codes.get(id)).cloned().unwrap_or_default();
        if !p.ncrs_done {
            let body = r.body(code_of(&r.sources), code_of(&r.successors));
            let versions = self.national.reorganise(&body, p.key(key, "ncrs")).await?;
            p.ncrs_version = versions.iter().find(|(c, _)| *c == first).and_then(|(_, v)| *v);
            p.ncrs_done = true;
            self.step(row, p).await?;
        }
        if let Some(tax) = &r.tax {
            for id in &r.sources {
                if p.tax_closed.contains(id) {
                    continue;
                }
                let code = codes.get(id).cloned().unwrap_or_default();
                match self.national.taxpayer_status(&code, tax, p.key(key, &format!("tax-{id}"))).await {
                    // Already CLOSED: nothing to do.
                    Ok(()) | Err(CallError::Rejected(_)) => {}
                    Err(e) => return Err(e.into()),
                }
                p.tax_closed.push(*id);
                self.step(row, p).await?;
            }
        }
        Ok(Settlement::Delivered { version: p.ncrs_version })
    }

    /// Performs one delivery, saving each step done in `p`.
    async fn perform(
        &self,
        row: &QueuedRow,
        kind: EntityKind,
        d: &Delivery,
        p: &mut Progress,
    ) -> Result<Settlement, Failure> {
        let key = &row.key;
        match d {
            Delivery::Register(c) => self.register(row, c, p).await,
            Delivery::Update(c) => {
                let (code, known) = self.registered(kind, row.entity_id).await?;
                if !p.tax_done {
                    self.national.update_taxpayer(&code, &c.tax, p.key(key, "tax")).await?;
                    p.tax_done = true;
                    self.step(row, p).await?;
                }
                let version = self.national.replace_record(&code, known, &c.ncrs, p.key(key, "ncrs")).await?;
                Ok(Settlement::Delivered { version })
            }
            Delivery::Status(s) => {
                let (code, _) = self.registered(kind, row.entity_id).await?;
                if !p.ncrs_done {
                    p.ncrs_version = self.national.record_status(&code, &s.ncrs, p.key(key, "ncrs")).await?;
                    p.ncrs_done = true;
                    self.step(row, p).await?;
                }
                match self.national.taxpayer_status(&code, &s.tax, p.key(key, "tax")).await {
                    // The taxpayer already had that status (e.g. ACTIVE again): nothing to do.
                    Ok(()) | Err(CallError::Rejected(_)) => {}
                    Err(e) => return Err(e.into()),
                }
                Ok(Settlement::Delivered { version: p.ncrs_version })
            }
            Delivery::AnnualReport(r) => {
                let (code, _) = self.registered(kind, row.entity_id).await?;
                let version = self.national.annual_report(&code, r.year, &r.report, key.clone()).await?;
                Ok(Settlement::Delivered { version })
            }
            Delivery::Reorganisation(r) => self.reorganise(row, r, p).await,
        }
    }

    /// How a failed attempt settles (`None`: the lease was lost, nothing to
    /// settle). The attempt budget counts the attempts since the last step
    /// done, so a delivery that makes progress is not given up.
    fn failed(&self, row: &QueuedRow, p: &Progress, f: Failure) -> Option<Settlement> {
        let (retry_after, detail) = match f {
            Failure::Local(e) => {
                let request_id = format!("sync-{}", uuid::Uuid::new_v4());
                tracing::error!(row = row.id, %request_id, error = %e, "sync: local failure during a delivery");
                (None, local_error_text(&request_id))
            }
            Failure::National(CallError::Transient { retry_after, detail }) => {
                (retry_after, CallError::Transient { retry_after, detail }.to_string())
            }
            Failure::National(e) => {
                tracing::warn!(row = row.id, error = %e, "sync: refused by the national system");
                return Some(Settlement::Rejected { error: e.to_string() });
            }
            Failure::LeaseLost => return None,
        };
        let stalled =
            if (0..=row.attempts).contains(&p.since_attempt) { row.attempts - p.since_attempt } else { row.attempts };
        Some(if stalled < self.settings.max_attempts {
            let at = Utc::now() + chrono::Duration::from_std(self.backoff(stalled, retry_after)).unwrap_or_default();
            tracing::info!(row = row.id, attempts = row.attempts, stalled, %detail, "sync: transient failure, will retry");
            Settlement::Retry { at, error: detail }
        } else {
            tracing::warn!(row = row.id, %detail, "sync: giving up after the configured attempts");
            Settlement::Failed { error: detail }
        })
    }

    /// The longest one delivery may run: nine tenths of the lease.
    fn deadline(&self) -> Duration {
        self.settings.lease.mul_f64(0.9)
    }

    /// Delivers one claimed row and records the outcome.
    pub async fn deliver(&self, row: QueuedRow) -> Result<(), ServiceError> {
        let (kind, delivery) = match (&row.entity_kind, &row.operation) {
            (Ok(kind), Ok(op)) => match Delivery::from_stored(*op, &row.body) {
                Ok(d) => (*kind, d),
                Err(e) => {
                    let request_id = format!("sync-{}", uuid::Uuid::new_v4());
                    tracing::error!(row = row.id, %request_id, error = %e, "sync: unreadable outbox row");
                    let error = local_error_text(&request_id);
                    return apply::settle(
                        &self.state,
                        &row,
                        Some((*kind, row.entity_id)),
                        Settlement::Rejected { error },
                    )
                    .await;
                }
            },
            (kind, op) => {
                let request_id = format!("sync-{}", uuid::Uuid::new_v4());
                tracing::error!(row = row.id, %request_id, ?kind, ?op, "sync: outbox row of an unknown kind or operation");
                let error = local_error_text(&request_id);
                let record = kind.as_ref().ok().map(|k| (*k, row.entity_id));
                return apply::settle(&self.state, &row, record, Settlement::Rejected { error }).await;
            }
        };
        let mut progress = Progress::from_stored(row.progress.as_deref());
        let performed =
            crate::national::exchange::for_outbox_row(row.id, self.perform(&row, kind, &delivery, &mut progress));
        let done = match tokio::time::timeout(self.deadline(), performed).await {
            Ok(done) => done,
            Err(_) => Err(Failure::National(CallError::Transient {
                retry_after: None,
                detail: "the delivery took longer than its lease allows".into(),
            })),
        };
        let outcome = match done {
            Ok(s) => s,
            Err(f) => match self.failed(&row, &progress, f) {
                Some(s) => s,
                None => {
                    tracing::warn!(row = row.id, worker = %self.id, "sync: lease lost to another claim; dropping this attempt's result");
                    return Ok(());
                }
            },
        };
        crate::meter::delivery(delivery.operation().as_str(), settlement_label(&outcome));
        apply::settle(&self.state, &row, Some((kind, row.entity_id)), outcome).await
    }

    /// Delivers due rows until none is due and none is in flight, or `deadline` passes.
    pub async fn drain(&self, deadline: Duration) -> Result<bool, ServiceError> {
        let end = tokio::time::Instant::now() + deadline;
        let sem = Arc::new(tokio::sync::Semaphore::new(self.settings.concurrency.max(1)));
        let mut tasks = tokio::task::JoinSet::new();
        loop {
            if tokio::time::Instant::now() > end {
                tasks.abort_all();
                return Ok(false);
            }
            let permit = sem.clone().acquire_owned().await.map_err(|e| ServiceError::Corrupt(e.to_string()))?;
            match self.claim().await? {
                Some(row) => {
                    let me = self.clone();
                    tasks.spawn(async move {
                        let _permit = permit;
                        if let Err(e) = me.deliver(row).await {
                            tracing::error!(error = %e, "sync: delivery bookkeeping failed");
                        }
                    });
                }
                None => {
                    drop(permit);
                    while tasks.try_join_next().is_some() {}
                    if tasks.is_empty() && !outbox::anything_open(&self.state.db).await? {
                        return Ok(true);
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }
    }

    /// Runs until `shutdown`: delivers due rows and pulls the national feed.
    pub async fn run(self, shutdown: CancellationToken) {
        let sem = Arc::new(tokio::sync::Semaphore::new(self.settings.concurrency.max(1)));
        let mut last_pull = tokio::time::Instant::now() - self.settings.pull_every;
        loop {
            if shutdown.is_cancelled() {
                return;
            }
            if last_pull.elapsed() >= self.settings.pull_every {
                last_pull = tokio::time::Instant::now();
                if let Err(e) = self.pull_once().await {
                    crate::meter::feed_failed();
                    tracing::warn!(error = %e, "sync: pulling the national feed failed; will retry");
                }
                if let Ok(figures) = outbox::figures(&self.state.db).await {
                    let now = Utc::now();
                    for f in figures.iter().filter(|f| f.state != outbox::RowState::Delivered.as_str()) {
                        tracing::info!(
                            operation = %f.operation,
                            state = %f.state,
                            rows = f.rows,
                            oldest_age_seconds = f.oldest.map(|t| (now - t).num_seconds()),
                            "sync queue"
                        );
                    }
                }
            }
            let Ok(permit) = sem.clone().acquire_owned().await else { return };
            match self.claim().await {
                Ok(Some(row)) => {
                    let me = self.clone();
                    tokio::spawn(async move {
                        let _permit = permit;
                        if let Err(e) = me.deliver(row).await {
                            tracing::error!(error = %e, "sync: delivery bookkeeping failed");
                        }
                    });
                }
                Ok(None) => {
                    drop(permit);
                    tokio::select! {
                        _ = shutdown.cancelled() => return,
                        _ = tokio::time::sleep(self.settings.poll) => {},
                    }
                }
                Err(e) => {
                    drop(permit);
                    tracing::warn!(error = %e, "sync: cannot claim; database unavailable?");
                    tokio::select! {
                        _ = shutdown.cancelled() => return,
                        _ = tokio::time::sleep(self.settings.poll * 4) => {},
                    }
                }
            }
        }
    }

    /// Reads the national change feed after the saved cursor and applies the
    /// national side's changes (through `service::national::apply`); returns
    /// how many were applied.
    pub async fn pull_once(&self) -> Result<usize, ServiceError> {
        const PAGE: usize = 100;
        let (db, gate) = (&self.state.db, &self.state.write_gate);
        let mut after = outbox::cursor(db, NATIONAL_FEED).await?;
        let mut applied = 0;
        loop {
            let page = self
                .national
                .changes(after, PAGE)
                .await
                .map_err(|e| ServiceError::Corrupt(format!("national feed: {e}")))?;
            for entry in &page.entries {
                match entry {
                    Entry::Event(e) => {
                        if apply::apply(&self.state, e).await? {
                            applied += 1;
                        }
                    }
                    Entry::NotForUs => {}
                    Entry::Unreadable(why) => tracing::warn!(%why, "sync: skipping an unreadable national change"),
                }
            }
            let next = page.next_after.unwrap_or(after);
            if next != after {
                outbox::save_cursor(db, gate, NATIONAL_FEED, next).await?;
                after = next;
            }
            if page.len < PAGE {
                crate::meter::feed_caught_up(after, applied);
                return Ok(applied);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_a_delivery_could_outlive_is_refused() {
        let defaults = WorkerSettings::default();
        assert!(defaults.check(Duration::from_secs(5)).is_ok(), "the defaults hold together");
        let short = WorkerSettings { lease: Duration::from_secs(10), ..WorkerSettings::default() };
        let error = short.check(Duration::from_secs(2)).expect_err("10 s < 2 s × 8 + 1.5 s");
        assert!(error.contains("COOPGATE_SYNC_LEASE_SECONDS") && error.contains("17.5 s"), "{error}");
        let inverted = WorkerSettings { backoff_cap: Duration::from_millis(1), ..WorkerSettings::default() };
        assert!(inverted.check(Duration::from_secs(1)).is_err(), "a cap below the first delay");
    }
}
