//! The sync worker: claims outbox rows with a lease, delivers them, and
//! applies the answers locally; also pulls the national change feed.
//!
//! Claiming: the oldest due row of a record whose earlier rows are all
//! delivered (so a record's changes go out in order and one stuck record
//! blocks only itself). On PostgreSQL `FOR UPDATE SKIP LOCKED` keeps several
//! workers off the same row; on SQLite the in-process write gate serialises
//! claims. A crashed worker's lease runs out and the row is claimed again;
//! its retries carry the same idempotency key, so nothing is applied twice.

use super::client::{Answer, Call, CallError, NationalSystems, System};
use super::outbox::{self, state, Operation};
use crate::domain::rules;
use crate::domain::{ChangeKind, EntityKind, RegistrationStatus, TaxCode};
use crate::service::cooperatives::province_code;
use crate::service::write::{self, Actor, AuditEntry, AuditOutcome};
use crate::service::ServiceError;
use crate::state::AppState;
use crate::storage::StorageError;
use chrono::{DateTime, Utc};
use entity::{cooperative, cooperative_union, sync_cursor, sync_outbox};
use rand::Rng;
use reqwest::Method;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter, Set,
    Statement,
};
use serde_json::{json, Value};
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
    national: Arc<N>,
    settings: WorkerSettings,
    id: String,
}

/// The name of the national feed's cursor.
pub const NATIONAL_FEED: &str = "ncrs-changes";

fn actor() -> Actor {
    Actor {
        principal: crate::auth::Principal {
            subject: "national-sync".into(),
            role: crate::auth::Role::SyncService,
            province: None,
        },
        request_id: "sync".into(),
    }
}

fn national_actor() -> Actor {
    Actor {
        principal: crate::auth::Principal {
            subject: "national-registry".into(),
            role: crate::auth::Role::SyncService,
            province: None,
        },
        request_id: "national-feed".into(),
    }
}

/// What a delivery achieved.
enum Done {
    /// Registered: the issued code and the NCRS version.
    Registered { code: String, version: Option<i32> },
    /// Delivered; the record's NCRS version after it.
    Delivered { version: Option<i32> },
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

impl<N: NationalSystems> Worker<N> {
    /// A worker over the application's database.
    pub fn new(state: AppState, national: Arc<N>, settings: WorkerSettings) -> Self {
        Worker { state, national, settings, id: format!("worker-{}", uuid::Uuid::new_v4()) }
    }

    /// Claims one due row, or `None`.
    pub async fn claim(&self) -> Result<Option<sync_outbox::Model>, ServiceError> {
        let now = Utc::now();
        let until = now + chrono::Duration::from_std(self.settings.lease).unwrap_or_default();
        let db = &self.state.db;
        let backend = db.get_database_backend();
        let (sql, lock) = match backend {
            DbBackend::Postgres => (
                "UPDATE sync_outbox SET state = 'IN_FLIGHT', lease_until = $1, lease_owner = $2, attempts = attempts + 1
                 WHERE id = (SELECT o.id FROM sync_outbox o
                   WHERE ((o.state = 'PENDING' AND o.next_attempt_at <= $3) OR (o.state = 'IN_FLIGHT' AND o.lease_until < $3))
                     AND NOT EXISTS (SELECT 1 FROM sync_outbox p WHERE p.entity_kind = o.entity_kind
                       AND p.entity_id = o.entity_id AND p.id < o.id AND p.state <> 'DELIVERED')
                   ORDER BY o.id LIMIT 1 FOR UPDATE SKIP LOCKED)
                 RETURNING *",
                None,
            ),
            _ => (
                "UPDATE sync_outbox SET state = 'IN_FLIGHT', lease_until = ?, lease_owner = ?, attempts = attempts + 1
                 WHERE id = (SELECT o.id FROM sync_outbox o
                   WHERE ((o.state = 'PENDING' AND o.next_attempt_at <= ?) OR (o.state = 'IN_FLIGHT' AND o.lease_until < ?))
                     AND NOT EXISTS (SELECT 1 FROM sync_outbox p WHERE p.entity_kind = o.entity_kind
                       AND p.entity_id = o.entity_id AND p.id < o.id AND p.state <> 'DELIVERED')
                   ORDER BY o.id LIMIT 1)
                 RETURNING *",
                Some(self.state.write_gate.clone().lock_owned().await),
            ),
        };
        let values: Vec<sea_orm::Value> = match backend {
            DbBackend::Postgres => vec![until.into(), self.id.clone().into(), now.into()],
            _ => vec![until.into(), self.id.clone().into(), now.into(), now.into()],
        };
        let row = sync_outbox::Model::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
            .one(db)
            .await
            .map_err(StorageError::from)?;
        drop(lock);
        Ok(row)
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

    async fn save_progress(&self, row: &sync_outbox::Model, progress: &Value) -> Result<(), ServiceError> {
        sync_outbox::ActiveModel { id: Set(row.id), progress: Set(Some(progress.to_string())), ..Default::default() }
            .update(&self.state.db)
            .await
            .map_err(StorageError::from)?;
        Ok(())
    }

    async fn national_version(&self, kind: EntityKind, id: i64) -> Result<(Option<String>, Option<i32>), ServiceError> {
        let db = &self.state.db;
        Ok(match kind {
            EntityKind::CooperativeUnion => cooperative_union::Entity::find_by_id(id)
                .one(db)
                .await
                .map_err(StorageError::from)?
                .map(|m| (m.code, m.national_version))
                .unwrap_or_default(),
            _ => cooperative::Entity::find_by_id(id)
                .one(db)
                .await
                .map_err(StorageError::from)?
                .map(|m| (m.code, m.national_version))
                .unwrap_or_default(),
        })
    }

    /// Sends a write to NCRS that needs the record's version; on 412 reads
    /// the current version and tries once more (same key: a refused write is
    /// not remembered).
    async fn ncrs_versioned(&self, mut call: Call, known: Option<i32>, code: &str) -> Result<Answer, CallError> {
        call.if_match = known;
        match self.national.call(call.clone()).await {
            Err(CallError::Precondition(tag)) => {
                let current = match tag {
                    Some(t) => Some(t),
                    None => self.national.call(Call::get(System::Ncrs, format!("/ncrs/v1/records/{code}"))).await?.etag,
                };
                call.if_match = current;
                self.national.call(call).await
            }
            other => other,
        }
    }

    async fn perform(&self, row: &sync_outbox::Model) -> Result<Done, CallError> {
        let op = Operation::parse(&row.operation)
            .ok_or_else(|| CallError::Refused(format!("unknown operation {}", row.operation)))?;
        let kind = EntityKind::parse(&row.entity_kind).ok_or_else(|| CallError::Refused("unknown entity".into()))?;
        let payload: Value =
            serde_json::from_str(&row.payload).map_err(|_| CallError::Refused("payload is not JSON".into()))?;
        let key = &row.idempotency_key;
        let local = |e: ServiceError| CallError::Transient { retry_after: None, detail: format!("local: {e}") };
        match op {
            Operation::Register => {
                let mut progress: Value =
                    row.progress.as_deref().and_then(|p| serde_json::from_str(p).ok()).unwrap_or(json!({}));
                if progress["taxCode"].as_str().is_none() {
                    let registration = match progress["registrationId"].as_str() {
                        Some(r) => r.to_owned(),
                        None => {
                            let a = self
                                .national
                                .call(Call::write(
                                    System::Tax,
                                    Method::POST,
                                    "/tax/v1/registrations",
                                    payload["tax"].clone(),
                                    format!("{key}-tax"),
                                ))
                                .await?;
                            if let Some(code) = a.body["taxCode"].as_str() {
                                progress["taxCode"] = json!(code);
                            }
                            let id = a.body["registrationId"].as_str().unwrap_or_default().to_owned();
                            progress["registrationId"] = json!(id);
                            self.save_progress(row, &progress).await.map_err(local)?;
                            id
                        }
                    };
                    // Asynchronous issue: poll a little, else come back later.
                    let mut wait = Duration::from_millis(100);
                    while progress["taxCode"].as_str().is_none() {
                        let a = self
                            .national
                            .call(Call::get(System::Tax, format!("/tax/v1/registrations/{registration}")))
                            .await?;
                        if let Some(code) = a.body["taxCode"].as_str() {
                            progress["taxCode"] = json!(code);
                            self.save_progress(row, &progress).await.map_err(local)?;
                        } else if wait > Duration::from_secs(2) {
                            return Err(CallError::Transient {
                                retry_after: Some(wait),
                                detail: "tax code not issued yet".into(),
                            });
                        } else {
                            tokio::time::sleep(wait).await;
                            wait *= 2;
                        }
                    }
                }
                let code = progress["taxCode"].as_str().unwrap_or_default().to_owned();
                if TaxCode::parse(&code).is_err() {
                    return Err(CallError::Refused(format!("the tax system issued a malformed code {code:?}")));
                }
                let mut create = Call::write(
                    System::Ncrs,
                    Method::PUT,
                    format!("/ncrs/v1/records/{code}"),
                    payload["ncrs"].clone(),
                    format!("{key}-ncrs"),
                );
                create.if_none_match = true;
                let version = match self.national.call(create).await {
                    Ok(a) => a.etag,
                    // Created already (by an earlier attempt whose answer was lost and whose key expired, or by hand).
                    Err(CallError::Precondition(tag)) => tag,
                    Err(e) => return Err(e),
                };
                Ok(Done::Registered { code, version })
            }
            Operation::Update => {
                let (code, known) = self.national_version(kind, row.entity_id).await.map_err(local)?;
                let code = code
                    .ok_or_else(|| CallError::Transient { retry_after: None, detail: "not registered yet".into() })?;
                self.national
                    .call(Call::write(
                        System::Tax,
                        Method::PUT,
                        format!("/tax/v1/taxpayers/{code}"),
                        payload["tax"].clone(),
                        format!("{key}-tax"),
                    ))
                    .await?;
                let put = Call::write(
                    System::Ncrs,
                    Method::PUT,
                    format!("/ncrs/v1/records/{code}"),
                    payload["ncrs"].clone(),
                    format!("{key}-ncrs"),
                );
                let a = self.ncrs_versioned(put, known, &code).await?;
                Ok(Done::Delivered { version: a.etag })
            }
            Operation::Status => {
                let (code, _) = self.national_version(kind, row.entity_id).await.map_err(local)?;
                let code = code
                    .ok_or_else(|| CallError::Transient { retry_after: None, detail: "not registered yet".into() })?;
                let a = self
                    .national
                    .call(Call::write(
                        System::Ncrs,
                        Method::POST,
                        format!("/ncrs/v1/records/{code}/status"),
                        payload["ncrs"].clone(),
                        format!("{key}-ncrs"),
                    ))
                    .await?;
                match self
                    .national
                    .call(Call::write(
                        System::Tax,
                        Method::POST,
                        format!("/tax/v1/taxpayers/{code}/status"),
                        payload["tax"].clone(),
                        format!("{key}-tax"),
                    ))
                    .await
                {
                    // The taxpayer already had that status (e.g. ACTIVE again): nothing to do.
                    Ok(_) | Err(CallError::Rejected(_)) => {}
                    Err(e) => return Err(e),
                }
                Ok(Done::Delivered { version: a.etag })
            }
            Operation::AnnualReport => {
                let (code, _) = self.national_version(kind, row.entity_id).await.map_err(local)?;
                let code = code
                    .ok_or_else(|| CallError::Transient { retry_after: None, detail: "not registered yet".into() })?;
                let year = payload["year"].as_i64().unwrap_or_default();
                let a = self
                    .national
                    .call(Call::write(
                        System::Ncrs,
                        Method::PUT,
                        format!("/ncrs/v1/records/{code}/annual-reports/{year}"),
                        payload["report"].clone(),
                        key.clone(),
                    ))
                    .await?;
                Ok(Done::Delivered { version: a.etag })
            }
        }
    }

    /// Delivers one claimed row and records the outcome.
    pub async fn deliver(&self, row: sync_outbox::Model) -> Result<(), ServiceError> {
        let outcome = self.perform(&row).await;
        let kind = EntityKind::parse(&row.entity_kind).unwrap_or(EntityKind::Cooperative);
        match outcome {
            Ok(done) => self.finish(&row, kind, done).await,
            Err(CallError::Transient { retry_after, detail }) if row.attempts < self.settings.max_attempts => {
                let next = Utc::now()
                    + chrono::Duration::from_std(self.backoff(row.attempts, retry_after)).unwrap_or_default();
                tracing::info!(row = row.id, attempts = row.attempts, %detail, "sync: transient failure, will retry");
                self.settle(&row, kind, state::PENDING, Some(next), &detail, "PENDING").await
            }
            Err(CallError::Transient { detail, .. }) => {
                tracing::warn!(row = row.id, %detail, "sync: giving up after the configured attempts");
                self.settle(&row, kind, state::FAILED, None, &detail, "FAILED").await
            }
            Err(e) => {
                tracing::warn!(row = row.id, error = %e, "sync: refused by the national system");
                self.settle(&row, kind, state::REJECTED, None, &e.to_string(), "REJECTED").await
            }
        }
    }

    async fn settle(
        &self,
        row: &sync_outbox::Model,
        kind: EntityKind,
        row_state: &str,
        next: Option<DateTime<Utc>>,
        error: &str,
        record_state: &str,
    ) -> Result<(), ServiceError> {
        let w = write::begin(&self.state).await?;
        let mut am = sync_outbox::ActiveModel {
            id: Set(row.id),
            state: Set(row_state.to_owned()),
            last_error: Set(Some(error.to_owned())),
            lease_until: Set(None),
            lease_owner: Set(None),
            ..Default::default()
        };
        if let Some(n) = next {
            am.next_attempt_at = Set(n);
        }
        am.update(&w.txn).await.map_err(StorageError::from)?;
        let table = if kind == EntityKind::CooperativeUnion { "cooperative_union" } else { "cooperative" };
        let stmt = Statement::from_sql_and_values(
            w.txn.get_database_backend(),
            match w.txn.get_database_backend() {
                DbBackend::Postgres => format!(
                    "UPDATE {table} SET registry_sync = $1, sync_attempts = $2, sync_last_error = $3 WHERE id = $4"
                ),
                _ => {
                    format!("UPDATE {table} SET registry_sync = ?, sync_attempts = ?, sync_last_error = ? WHERE id = ?")
                }
            },
            [record_state.into(), row.attempts.into(), error.to_owned().into(), row.entity_id.into()],
        );
        w.txn.execute(stmt).await.map_err(StorageError::from)?;
        w.commit().await
    }

    async fn finish(&self, row: &sync_outbox::Model, kind: EntityKind, done: Done) -> Result<(), ServiceError> {
        let now = Utc::now();
        let w = write::begin(&self.state).await?;
        sync_outbox::ActiveModel {
            id: Set(row.id),
            state: Set(state::DELIVERED.to_owned()),
            delivered_at: Set(Some(now)),
            last_error: Set(None),
            lease_until: Set(None),
            lease_owner: Set(None),
            ..Default::default()
        }
        .update(&w.txn)
        .await
        .map_err(StorageError::from)?;
        let g = &self.state.gazetteer;
        let pending_more = sync_outbox::Entity::find()
            .filter(sync_outbox::Column::EntityKind.eq(kind.as_str()))
            .filter(sync_outbox::Column::EntityId.eq(row.entity_id))
            .filter(sync_outbox::Column::Id.gt(row.id))
            .one(&w.txn)
            .await
            .map_err(StorageError::from)?
            .is_some();
        let sync_state = if pending_more { "PENDING" } else { "SYNCED" };
        macro_rules! apply {
            ($entity:ident) => {{
                let current =
                    $entity::Entity::find_by_id(row.entity_id).one(&w.txn).await.map_err(StorageError::from)?;
                let Some(current) = current else { return w.commit().await };
                let mut next = current.clone();
                next.registry_sync = sync_state.to_owned();
                next.tax_sync = "SYNCED".to_owned();
                next.sync_attempts = row.attempts;
                next.sync_last_error = None;
                next.last_synced_at = Some(now);
                let mut change = None;
                match done {
                    Done::Registered { code, version } => {
                        next.code = Some(code);
                        next.national_version = version;
                        if current.status == RegistrationStatus::Pending.as_str() {
                            next.status = RegistrationStatus::Active.as_str().to_owned();
                        }
                        next.registered_on = Some(write::today());
                        next.version = current.version + 1;
                        next.updated_at = now;
                        change = Some(ChangeKind::Synced);
                    }
                    Done::Delivered { version } => {
                        if version.is_some() {
                            next.national_version = version;
                        }
                    }
                }
                $entity::Entity::update(next.clone().into_active_model().reset_all())
                    .exec(&w.txn)
                    .await
                    .map_err(StorageError::from)?;
                if let Some(ch) = change {
                    write::audit(
                        &w.txn,
                        &actor(),
                        AuditEntry {
                            operation: "nationalRegistration",
                            entity: Some((kind, row.entity_id)),
                            outcome: AuditOutcome::Success,
                            before: Some(write::digest(&current)),
                            after: Some(write::digest(&next)),
                            detail: next.code.clone(),
                        },
                    )
                    .await?;
                    write::record_change(
                        &w,
                        ch,
                        kind,
                        row.entity_id,
                        &province_code(g, next.ward_id),
                        Some(next.version),
                        now,
                    )
                    .await?;
                }
            }};
        }
        use sea_orm::IntoActiveModel;
        match kind {
            EntityKind::CooperativeUnion => apply!(cooperative_union),
            _ => apply!(cooperative),
        }
        w.commit().await?;
        self.state.feed.committed();
        Ok(())
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
                    if tasks.is_empty() && !self.anything_open().await? {
                        return Ok(true);
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }
    }

    async fn anything_open(&self) -> Result<bool, ServiceError> {
        Ok(sync_outbox::Entity::find()
            .filter(sync_outbox::Column::State.is_in([state::PENDING, state::IN_FLIGHT]))
            .one(&self.state.db)
            .await
            .map_err(StorageError::from)?
            .is_some())
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
                if let Ok(figures) = crate::service::sync::figures(&self.state.db).await {
                    let now = Utc::now();
                    for f in figures.iter().filter(|f| f.state != state::DELIVERED) {
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
    /// national side's changes; returns how many were applied.
    pub async fn pull_once(&self) -> Result<usize, ServiceError> {
        let db = &self.state.db;
        let cursor =
            sync_cursor::Entity::find_by_id(NATIONAL_FEED.to_owned()).one(db).await.map_err(StorageError::from)?;
        let mut after = cursor.as_ref().map_or(0, |c| c.position);
        let mut applied = 0;
        loop {
            let page = self
                .national
                .call(Call::get(System::Ncrs, format!("/ncrs/v1/changes?after={after}&limit=100")))
                .await
                .map_err(|e| ServiceError::Corrupt(format!("national feed: {e}")))?;
            let changes = page.body["changes"].as_array().cloned().unwrap_or_default();
            for c in &changes {
                if c["origin"] == "NATIONAL" && self.apply_national(c).await? {
                    applied += 1;
                }
            }
            let next = page.body["nextAfter"].as_i64().unwrap_or(after);
            if next != after {
                let now = Utc::now();
                let am = sync_cursor::ActiveModel {
                    name: Set(NATIONAL_FEED.to_owned()),
                    position: Set(next),
                    updated_at: Set(now),
                };
                match sync_cursor::Entity::find_by_id(NATIONAL_FEED.to_owned())
                    .one(db)
                    .await
                    .map_err(StorageError::from)?
                {
                    Some(_) => am.update(db).await.map(drop),
                    None => am.insert(db).await.map(drop),
                }
                .map_err(StorageError::from)?;
                after = next;
            }
            if changes.len() < 100 {
                return Ok(applied);
            }
        }
    }

    /// Applies one national-side change to the local record with that code:
    /// corrections of name, ward and street; compulsory dissolution and
    /// revocation. Recorded as made by the national system.
    async fn apply_national(&self, c: &Value) -> Result<bool, ServiceError> {
        let Some(code) = c["code"].as_str() else { return Ok(false) };
        let db = &self.state.db;
        let Some(current) = cooperative::Entity::find()
            .filter(cooperative::Column::Code.eq(code))
            .one(db)
            .await
            .map_err(StorageError::from)?
        else {
            return Ok(false);
        };
        let g = &self.state.gazetteer;
        let mut next = current.clone();
        let kind = match c["kind"].as_str() {
            Some("CORRECTED") => {
                let corr = &c["corrections"];
                if let Some(n) = corr["name"].as_str() {
                    let mut p = rules::Problems::default();
                    next.name = rules::name(&mut p, &["name"], n, rules::MAX_NAME);
                    next.name_search = crate::domain::text::fold(&next.name);
                    if !p.is_empty() {
                        return Ok(false);
                    }
                }
                if let Some(w) = corr["wardCode"].as_str() {
                    if let Some(u) = g.in_force(crate::domain::AdministrativeLevel::Ward, w) {
                        next.ward_id = u.id;
                        next.province_id = g.province_of(u.id).map(|p| p.id).unwrap_or(next.province_id);
                    }
                }
                if let Some(a) = corr["address"].as_str() {
                    next.street = Some(a.to_owned());
                }
                ChangeKind::Updated
            }
            Some("STATUS_CHANGED") => {
                let Some(to) = c["status"].as_str().and_then(RegistrationStatus::parse) else { return Ok(false) };
                let Some(from) = RegistrationStatus::parse(&current.status) else { return Ok(false) };
                if from == to || rules::national_transition(from, to).is_err() {
                    return Ok(false);
                }
                next.status = to.as_str().to_owned();
                ChangeKind::StatusChanged
            }
            _ => return Ok(false),
        };
        let now = Utc::now();
        next.version = current.version + 1;
        next.updated_at = now;
        next.national_version = c["version"].as_i64().and_then(|v| i32::try_from(v).ok()).or(current.national_version);
        let w = write::begin(&self.state).await?;
        if !crate::service::cooperatives::compare_and_swap(&w.txn, &next, current.version).await? {
            return Ok(false);
        }
        write::audit(
            &w.txn,
            &national_actor(),
            AuditEntry {
                operation: "nationalChange",
                entity: Some((EntityKind::Cooperative, current.id)),
                outcome: AuditOutcome::Success,
                before: Some(write::digest(&current)),
                after: Some(write::digest(&next)),
                detail: Some(c.to_string()),
            },
        )
        .await?;
        write::record_change(
            &w,
            kind,
            EntityKind::Cooperative,
            current.id,
            &province_code(g, next.ward_id),
            Some(next.version),
            now,
        )
        .await?;
        w.commit().await?;
        self.state.feed.committed();
        Ok(true)
    }
}

/// The rows of a record that `retrySync` puts back in the queue: FAILED and
/// REJECTED ones, with bodies rebuilt from the record as it is now.
pub async fn requeue<C: ConnectionTrait>(
    c: &C,
    g: &crate::domain::Gazetteer,
    kind: EntityKind,
    id: i64,
) -> Result<usize, ServiceError> {
    let rows = sync_outbox::Entity::find()
        .filter(sync_outbox::Column::EntityKind.eq(kind.as_str()))
        .filter(sync_outbox::Column::EntityId.eq(id))
        .filter(sync_outbox::Column::State.is_in([state::FAILED, state::REJECTED]))
        .all(c)
        .await
        .map_err(StorageError::from)?;
    let content = outbox::content(c, g, kind, id).await?;
    for r in &rows {
        let payload = match Operation::parse(&r.operation) {
            Some(Operation::Register | Operation::Update) => content.to_string(),
            _ => r.payload.clone(),
        };
        sync_outbox::ActiveModel {
            id: Set(r.id),
            state: Set(state::PENDING.to_owned()),
            attempts: Set(0),
            next_attempt_at: Set(Utc::now()),
            payload: Set(payload),
            // A new key: the old one may have met a different body.
            idempotency_key: Set(uuid::Uuid::new_v4().to_string()),
            last_error: Set(None),
            ..Default::default()
        }
        .update(c)
        .await
        .map_err(StorageError::from)?;
    }
    Ok(rows.len())
}
