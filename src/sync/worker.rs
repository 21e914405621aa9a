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
//! its retries carry the same idempotency key, so nothing is applied twice.
//! The claim (row id, attempt count) is what a later lease token would be
//! checked against at settlement, and registration progress is kept per
//! step on the row.

use crate::domain::{EntityKind, TaxCode};
use crate::national::client::{CallError, National, NationalSystems};
use crate::national::feed::Entry;
use crate::national::{Content, Delivery, RegisterProgress};
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

impl Default for WorkerSettings {
    fn default() -> Self {
        WorkerSettings {
            max_attempts: 12,
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

    async fn save_progress(&self, row: &QueuedRow, progress: &RegisterProgress) -> Result<(), ServiceError> {
        Ok(outbox::save_progress(&self.state.db, &self.state.write_gate, row.id, progress.to_stored()).await?)
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
    async fn register(&self, row: &QueuedRow, c: &Content) -> Result<Settlement, Failure> {
        let key = &row.key;
        let mut progress = RegisterProgress::from_stored(row.progress.as_deref());
        if progress.tax_code.is_none() {
            let registration = match &progress.registration_id {
                Some(r) => r.clone(),
                None => {
                    let a = self.national.register_taxpayer(&c.tax, format!("{key}-tax")).await?;
                    progress.tax_code = a.tax_code;
                    progress.registration_id = Some(a.registration_id.clone());
                    self.save_progress(row, &progress).await?;
                    a.registration_id
                }
            };
            // Asynchronous issue: poll a little, else come back later.
            let mut wait = Duration::from_millis(100);
            while progress.tax_code.is_none() {
                if let Some(code) = self.national.registration_code(&registration).await? {
                    progress.tax_code = Some(code);
                    self.save_progress(row, &progress).await?;
                } else if wait > Duration::from_secs(2) {
                    return Err(Failure::National(CallError::Transient {
                        retry_after: Some(wait),
                        detail: "tax code not issued yet".into(),
                    }));
                } else {
                    tokio::time::sleep(wait).await;
                    wait *= 2;
                }
            }
        }
        let code = progress.tax_code.unwrap_or_default();
        if TaxCode::parse(&code).is_err() {
            return Err(Failure::National(CallError::Refused(format!(
                "the tax system issued a malformed code {code:?}"
            ))));
        }
        let version = self.national.create_record(&code, &c.ncrs, format!("{key}-ncrs")).await?;
        Ok(Settlement::Registered { code, version })
    }

    /// Performs one delivery.
    async fn perform(&self, row: &QueuedRow, kind: EntityKind, d: &Delivery) -> Result<Settlement, Failure> {
        let key = &row.key;
        match d {
            Delivery::Register(c) => self.register(row, c).await,
            Delivery::Update(c) => {
                let (code, known) = self.registered(kind, row.entity_id).await?;
                self.national.update_taxpayer(&code, &c.tax, format!("{key}-tax")).await?;
                let version = self.national.replace_record(&code, known, &c.ncrs, format!("{key}-ncrs")).await?;
                Ok(Settlement::Delivered { version })
            }
            Delivery::Status(s) => {
                let (code, _) = self.registered(kind, row.entity_id).await?;
                let version = self.national.record_status(&code, &s.ncrs, format!("{key}-ncrs")).await?;
                match self.national.taxpayer_status(&code, &s.tax, format!("{key}-tax")).await {
                    // The taxpayer already had that status (e.g. ACTIVE again): nothing to do.
                    Ok(()) | Err(CallError::Rejected(_)) => {}
                    Err(e) => return Err(e.into()),
                }
                Ok(Settlement::Delivered { version })
            }
            Delivery::AnnualReport(r) => {
                let (code, _) = self.registered(kind, row.entity_id).await?;
                let version = self.national.annual_report(&code, r.year, &r.report, key.clone()).await?;
                Ok(Settlement::Delivered { version })
            }
        }
    }

    /// How a failed attempt settles.
    fn failed(&self, row: &QueuedRow, f: Failure) -> Settlement {
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
                return Settlement::Rejected { error: e.to_string() };
            }
        };
        if row.attempts < self.settings.max_attempts {
            let at =
                Utc::now() + chrono::Duration::from_std(self.backoff(row.attempts, retry_after)).unwrap_or_default();
            tracing::info!(row = row.id, attempts = row.attempts, %detail, "sync: transient failure, will retry");
            Settlement::Retry { at, error: detail }
        } else {
            tracing::warn!(row = row.id, %detail, "sync: giving up after the configured attempts");
            Settlement::Failed { error: detail }
        }
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
                        row.id,
                        row.attempts,
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
                return apply::settle(&self.state, row.id, row.attempts, record, Settlement::Rejected { error }).await;
            }
        };
        let performed = crate::national::exchange::for_outbox_row(row.id, self.perform(&row, kind, &delivery));
        let outcome = match performed.await {
            Ok(s) => s,
            Err(f) => self.failed(&row, f),
        };
        apply::settle(&self.state, row.id, row.attempts, Some((kind, row.entity_id)), outcome).await
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
                return Ok(applied);
            }
        }
    }
}
