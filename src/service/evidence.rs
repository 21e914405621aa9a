//! Evidence use cases: verifying the audit trail (`coopgate audit verify`,
//! `verifyAuditTrail`), signing checkpoints (every N events or T minutes,
//! and at shutdown), exporting self-contained bundles, retention, "who read
//! my data" (`personalDataReads`), and the exchange log of national calls.

use super::page::SequenceWindow;
use super::uow::deny_outside;
use super::write::Actor;
use super::ServiceError;
use crate::domain::Msg;
use crate::evidence::{Bundle, ChainCheck, Verification, BUNDLE_FORMAT};
use crate::state::AppState;
use crate::storage::evidence as store;
use crate::storage::journal::{self, AuditActor, ExchangeRow};
use chrono::Utc;
use entity::audit_event;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Events read per page while verifying or exporting.
const PAGE: u64 = 1000;

/// Recomputes the chain from `from` (default: the first event online) and
/// checks every checkpoint over it against the configured public key.
///
/// From the start of the trail the chain begins at the genesis hash; after
/// retention removed a range, at the kept checkpoint just before the first
/// event online (its signature vouches for the hash); with `from`, at the
/// stored hash of the event before it (checked only as far as it goes).
pub async fn verify_trail(state: &AppState, from: Option<i64>) -> Result<Verification, ServiceError> {
    let db = &state.db;
    let trusted = state.evidence.public_key_hex();
    let (head_seq, _) = store::head(db).await?;
    let first = store::first_seq(db).await?.unwrap_or(head_seq + 1);
    let start = from.unwrap_or(first).max(1);
    let mut early_break = None;
    let anchor = if start == 1 {
        entity::audit_event::GENESIS.to_owned()
    } else if start <= first {
        match store::checkpoint_at(db, start - 1).await? {
            Some(c) => c.hash,
            None => {
                early_break = Some(start.min(first));
                String::new()
            }
        }
    } else {
        match store::hash_at(db, start - 1).await? {
            Some(h) => h,
            None => {
                early_break = Some(start - 1);
                String::new()
            }
        }
    };
    let mut check = ChainCheck::new(start - 1, &anchor, trusted.as_deref());
    if let Some(seq) = early_break {
        return Ok(Verification {
            events: 0,
            last_seq: start - 1,
            broken: Some(crate::evidence::Break {
                seq,
                reason: format!("no event or signed checkpoint anchors the chain before sequence {seq}"),
            }),
            signed_through: None,
            checkpoints: 0,
        });
    }
    let mut after = start - 1;
    loop {
        let rows = store::chain_page(db, after, None, PAGE).await?;
        let Some(last) = rows.last() else { break };
        let next_after = last.seq;
        for r in &rows {
            check.row(r);
        }
        if check.is_broken() || rows.len() < PAGE as usize {
            break;
        }
        // Duplicates of one sequence straddling a page edge: the next page
        // starts after the last sequence, so a duplicate there was already fed.
        after = next_after;
    }
    let mut cps = store::checkpoints(db, start, None).await?;
    // The anchoring checkpoint is checked too (its signature vouches for the anchor).
    if start > 1 && start <= first {
        if let Some(c) = store::checkpoint_at(db, start - 1).await? {
            if !crate::evidence::checkpoint_trusted(&c, trusted.as_deref()) {
                return Ok(Verification {
                    events: 0,
                    last_seq: start - 1,
                    broken: Some(crate::evidence::Break {
                        seq: start,
                        reason: format!("the checkpoint at {} anchoring the trail is not validly signed", start - 1),
                    }),
                    signed_through: None,
                    checkpoints: 1,
                });
            }
            cps.retain(|x| x.seq >= start);
        }
    }
    Ok(check.finish(&cps, Some(head_seq)))
}

/// `verifyAuditTrail`: national admins only; a refusal is audited.
pub async fn verify_for(state: &AppState, actor: &Actor) -> Result<Verification, ServiceError> {
    if let Err(d) = crate::auth::may_read_audit(&actor.principal) {
        return Err(deny_outside(state, actor, "verifyAuditTrail", None, d).await);
    }
    verify_trail(state, None).await
}

/// Writes a bundle of the events `from..=to` (default: all online), with
/// the checkpoints over them and the public key.
pub async fn export_bundle(state: &AppState, from: Option<i64>, to: Option<i64>) -> Result<Bundle, ServiceError> {
    let db = &state.db;
    let (head_seq, _) = store::head(db).await?;
    let first = store::first_seq(db).await?.unwrap_or(1);
    let from = from.unwrap_or(first).max(1);
    let to = to.unwrap_or(head_seq).min(head_seq);
    if to < from {
        return Err(ServiceError::invalid("--to", Msg::ToBeforeFrom { from, head: head_seq }));
    }
    let anchor_hash = if from == 1 {
        entity::audit_event::GENESIS.to_owned()
    } else if let Some(h) = store::hash_at(db, from - 1).await? {
        h
    } else if let Some(c) = store::checkpoint_at(db, from - 1).await? {
        c.hash
    } else {
        return Err(ServiceError::invalid("--from", Msg::NothingAnchors { from }));
    };
    let mut events: Vec<audit_event::Model> = Vec::new();
    let mut after = from - 1;
    loop {
        let rows = store::chain_page(db, after, Some(to), PAGE).await?;
        let Some(last) = rows.last() else { break };
        after = last.seq;
        let full = rows.len() == PAGE as usize;
        events.extend(rows);
        if !full {
            break;
        }
    }
    let mut checkpoints = store::checkpoints(db, from, Some(to)).await?;
    if from > 1 {
        // The checkpoint anchoring `from` (if signed) travels along, so the
        // anchor is vouched for too.
        if let Some(c) = store::checkpoint_at(db, from - 1).await? {
            if c.hash == anchor_hash {
                checkpoints.insert(0, c);
            }
        }
    }
    Ok(Bundle {
        format: BUNDLE_FORMAT.to_owned(),
        from,
        to,
        anchor_hash,
        public_key: state.evidence.public_key_hex(),
        events,
        checkpoints,
        exported_at: Utc::now(),
    })
}

/// Signs a checkpoint of the chain head when it moved since the last one
/// and `force`, or by at least the configured number of events, or the
/// configured time has passed. Returns the sequence signed, if any.
pub async fn checkpoint(state: &AppState, force: bool) -> Result<Option<i64>, ServiceError> {
    let keys = &state.evidence;
    if !keys.signs() {
        return Ok(None);
    }
    let (seq, hash) = store::head(&state.db).await?;
    if seq == 0 {
        return Ok(None);
    }
    let last = store::latest_checkpoint(&state.db).await?;
    let due = match &last {
        None => true,
        Some(c) if c.seq >= seq => false,
        Some(c) => {
            let age = (Utc::now() - c.signed_at).to_std().unwrap_or_default();
            force || seq - c.seq >= keys.checkpoint_every || age >= keys.checkpoint_interval
        }
    };
    if !due {
        return Ok(None);
    }
    match keys.checkpoint(seq, &hash, Utc::now()) {
        Some(c) => {
            store::insert_checkpoint(&state.db, &state.write_gate, c).await?;
            Ok(Some(seq))
        }
        None => Ok(None),
    }
}

/// Signs checkpoints while the gateway runs (checked every few seconds),
/// and once more at shutdown.
pub async fn run_checkpoints(state: AppState, shutdown: CancellationToken) {
    if !state.evidence.signs() {
        return;
    }
    let tick = Duration::from_secs(5).min(state.evidence.checkpoint_interval);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(tick) => {}
        }
        if let Err(e) = checkpoint(&state, false).await {
            tracing::error!(error = %e, "could not sign an audit checkpoint");
        }
    }
    match checkpoint(&state, true).await {
        Ok(Some(seq)) => tracing::info!(seq, "audit checkpoint signed at shutdown"),
        Ok(None) => {}
        Err(e) => tracing::error!(error = %e, "could not sign the audit checkpoint at shutdown"),
    }
}

/// A page of the reads of restricted data of the person holding `id_number`
/// (national admins: all; officers: reads of records of their province).
pub async fn personal_data_reads(
    state: &AppState,
    actor: &Actor,
    id_number: &str,
    window: SequenceWindow,
) -> Result<(Vec<audit_event::Model>, bool, bool), ServiceError> {
    use crate::auth::Role;
    let who = &actor.principal;
    let province = match who.role {
        Role::NationalAdmin => None,
        Role::ProvincialOfficer => match &who.province {
            Some(p) => Some(p.to_string()),
            None => {
                let d = crate::auth::Denial::Forbidden(Msg::OfficerWithoutProvince);
                return Err(deny_outside(state, actor, "personalDataReads", None, d).await);
            }
        },
        Role::Anonymous => {
            return Err(
                deny_outside(state, actor, "personalDataReads", None, crate::auth::Denial::Unauthenticated).await
            )
        }
        Role::PortalReader | Role::SyncService => {
            let d = crate::auth::Denial::Forbidden(Msg::PersonalDataReadsRoles);
            return Err(deny_outside(state, actor, "personalDataReads", None, d).await);
        }
    };
    let id_number = id_number.trim();
    if id_number.is_empty() || id_number.chars().count() > 32 {
        return Err(ServiceError::invalid("idNumber", Msg::IdentityNumberLength));
    }
    let Some(key) = state.evidence.person_key(id_number) else {
        return Err(ServiceError::Corrupt(
            "no person-hash secret is configured (COOPGATE_AUDIT_PERSON_SECRET or COOPGATE_AUDIT_SIGNING_KEY_FILE)"
                .into(),
        ));
    };
    let rows = store::personal_reads(
        &state.db,
        &key,
        province.as_deref(),
        window.after,
        window.before,
        window.size + 1,
        window.from_end,
    )
    .await?;
    Ok(window.finish(rows))
}

/// Exports the events older than the retention period, up to the newest
/// checkpoint among them, as a bundle in `dir`, verifies the bundle, and
/// removes those events. The chain stays verifiable from that checkpoint.
/// Needs the table owner's database role (the migration role).
pub async fn prune(state: &AppState, days: u32, dir: &std::path::Path) -> Result<Option<(i64, String)>, ServiceError> {
    let cut = Utc::now() - chrono::Duration::days(i64::from(days));
    let Some(cp) = store::checkpoint_before(&state.db, cut).await? else { return Ok(None) };
    let first = store::first_seq(&state.db).await?.unwrap_or(cp.seq + 1);
    if first > cp.seq {
        return Ok(None);
    }
    let v = verify_trail(state, None).await?;
    if let Some(b) = v.broken {
        return Err(ServiceError::Corrupt(format!(
            "the trail does not verify at sequence {} ({}): nothing removed",
            b.seq, b.reason
        )));
    }
    let bundle = export_bundle(state, Some(first), Some(cp.seq)).await?;
    let bytes = serde_json::to_vec(&bundle).map_err(|e| ServiceError::Corrupt(e.to_string()))?;
    let check = crate::evidence::verify_bundle(&bytes, state.evidence.public_key_hex().as_deref())
        .map_err(|e| ServiceError::Corrupt(e.to_string()))?;
    if !check.verified() || check.signed_through.map(|s| s.0) != Some(cp.seq) {
        return Err(ServiceError::Corrupt("the exported bundle does not verify: nothing removed".into()));
    }
    let path = dir.join(format!("audit-{first:012}-{:012}.json", cp.seq));
    std::fs::write(&path, &bytes).map_err(|e| {
        ServiceError::invalid("--dir", Msg::CannotWrite { path: path.display().to_string(), reason: e.to_string() })
    })?;
    store::remove_through(&state.db, &state.write_gate, cp.seq).await?;
    Ok(Some((cp.seq, path.display().to_string())))
}

/// Appends national exchanges to the audit trail (the sync engine's actor).
///
/// Each exchange is committed before its `record` returns, as one row of
/// its own; exchanges recorded while an earlier append is committing wait
/// and are appended together in the next transaction (group commit): the
/// trail's head is locked, and a commit flushed, once per batch instead of
/// once per call, which is what bounds deliveries per second (S1).
pub struct TrailExchangeLog {
    state: AppState,
    /// Exchanges waiting for the next append, each with how to tell its recorder.
    waiting: std::sync::Mutex<Vec<(ExchangeRow, tokio::sync::oneshot::Sender<()>)>>,
    /// Held by the recorder that appends the waiting exchanges.
    writer: tokio::sync::Mutex<()>,
}

impl TrailExchangeLog {
    /// A log over the application's trail.
    pub fn new(state: AppState) -> Self {
        TrailExchangeLog { state, waiting: Default::default(), writer: Default::default() }
    }

    fn waiting(&self) -> std::sync::MutexGuard<'_, Vec<(ExchangeRow, tokio::sync::oneshot::Sender<()>)>> {
        self.waiting.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn sync_actor() -> AuditActor {
    AuditActor {
        subject: "coopgate-sync".to_owned(),
        role: "sync_service",
        province: None,
        request_id: format!("sync-{}", uuid::Uuid::new_v4()),
    }
}

impl crate::national::exchange::ExchangeLog for TrailExchangeLog {
    fn keep_bodies(&self) -> bool {
        self.state.evidence.keep_bodies
    }

    fn record(
        &self,
        e: crate::national::exchange::Exchange,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
        Box::pin(async move {
            let row = ExchangeRow {
                operation: format!("national.{}.{}", e.system, e.method),
                outbox_row: e.outbox_row,
                request_digest: e.request_sha256.clone(),
                answer_digest: e.answer_sha256.clone(),
                detail: serde_json::to_string(&e).unwrap_or_default(),
            };
            let (told, done) = tokio::sync::oneshot::channel();
            self.waiting().push((row, told));
            {
                let _writer = self.writer.lock().await;
                let batch = std::mem::take(&mut *self.waiting());
                if !batch.is_empty() {
                    let (rows, tell): (Vec<_>, Vec<_>) = batch.into_iter().map(|(r, t)| ((sync_actor(), r), t)).unzip();
                    let n = rows.len();
                    // Its own task, so that a recorder given up on (a delivery
                    // cut off at its deadline) does not drop the others' rows.
                    let state = self.state.clone();
                    let append = tokio::spawn(async move {
                        if let Err(err) = journal::audit_exchanges(&state.db, &state.write_gate, rows).await {
                            tracing::error!(error = %err, exchanges = n, "could not record national exchanges in the audit trail");
                        }
                        for t in tell {
                            let _gone = t.send(());
                        }
                    });
                    let _finished_or_panicked = append.await;
                }
            }
            // Appended by this recorder or by the one before it.
            let _appended = done.await;
        })
    }
}
