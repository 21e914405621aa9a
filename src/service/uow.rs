//! The unit of work: the one way the registry writes.
//!
//! Every use case that changes anything, the sync engine's bookkeeping and
//! the national feed's events included, runs as one unit of work:
//!
//! 1. **prologue** ([`UnitOfWork::open`]): the caller may write at all
//!    (a refusal is audited), the serialised write transaction begins (a
//!    unit of work that only creates records, [`UnitOfWork::open_creating`],
//!    takes the write order at its commit instead), and an
//!    idempotency receipt of the same `clientMutationId` is looked up inside
//!    it: the same input replays the earlier result, other input is refused;
//! 2. **load for write**: the records the use case changes are read through
//!    [`UnitOfWork::txn`] *inside* that transaction, authorised
//!    ([`UnitOfWork::authorize`]) and checked by the domain rules;
//! 3. **write**: every changed record is a compare-and-swap on its version
//!    (`storage::records::swap_*`);
//! 4. **commit** ([`UnitOfWork::commit`]): the audit row, the change-log
//!    rows, the outbox rows and the receipt are written together with the
//!    change, the kept facts of every changed organisation are derived again
//!    (`service::aggregates`), the transaction commits, and the change feed
//!    is told.
//!
//! A unit of work that ends otherwise rolls back: [`UnitOfWork::deny`] and
//! [`UnitOfWork::reject`] audit the refusal in their own transaction,
//! [`UnitOfWork::refuse`] and [`UnitOfWork::conflict`] do not.

use super::write::{self, audit_actor, Actor, Outcome};
use super::ServiceError;
use crate::auth::Denial;
use crate::domain::rules::{Problem, ProblemKind};
use crate::domain::Msg;
use crate::domain::{ChangeKind, EntityKind, Gazetteer};
use crate::national::Delivery;
use crate::state::AppState;
use crate::storage::journal::{self, AuditOutcome, AuditRow, ChangeRow};
use crate::storage::{outbox, write as txn, WriteTxn};
use chrono::{DateTime, Utc};

/// An idempotency key and the digest of the input it came with.
#[derive(Debug, Clone)]
pub struct Idempotency {
    /// The `clientMutationId`.
    pub key: String,
    /// Digest of the input (without the key).
    pub digest: String,
}

impl Idempotency {
    /// The idempotency of an input, when it carries a key.
    pub fn of<T: serde::Serialize>(key: Option<&str>, input: &T) -> Option<Self> {
        key.map(|k| Idempotency { key: k.to_owned(), digest: write::digest(input) })
    }
}

/// What the prologue found.
// Moved once per write; boxing the unit of work would cost an allocation per write.
#[allow(clippy::large_enum_variant)]
pub enum Opened<'s> {
    /// Go on: the transaction is open.
    Open(UnitOfWork<'s>),
    /// The same input was sent before with this key: return this entity.
    Replay(i64),
    /// The key was used with other input.
    KeyReused,
}

/// One unit of work (see the module documentation).
pub struct UnitOfWork<'s> {
    state: &'s AppState,
    actor: &'s Actor,
    operation: &'static str,
    w: WriteTxn,
    now: DateTime<Utc>,
    receipt: Option<Idempotency>,
    audits: Vec<AuditRow>,
    changes: Vec<ChangeRow>,
    deliveries: Vec<(EntityKind, i64, Delivery)>,
}

/// Audits a refusal in its own transaction and returns the error to raise.
pub async fn deny_outside(
    state: &AppState,
    actor: &Actor,
    operation: &str,
    entity: Option<(EntityKind, i64)>,
    denial: Denial,
) -> ServiceError {
    let row = AuditRow {
        operation: operation.to_owned(),
        entity,
        outcome: AuditOutcome::Denied,
        before: None,
        after: None,
        detail: Some(denial.to_string()),
    };
    if let Err(e) = journal::audit_alone(&state.db, &state.write_gate, &audit_actor(actor), vec![row]).await {
        // Fail closed and loudly: the caller gets INTERNAL, not the denial,
        // and the operator sees that a refusal went unrecorded.
        tracing::error!(error = %e, operation, "could not record a denied attempt in the audit trail");
        return e.into();
    }
    ServiceError::from(denial)
}

impl<'s> UnitOfWork<'s> {
    /// The prologue of a caller's write: may the caller write at all, the
    /// serialised transaction, and the receipt replay.
    pub async fn open(
        state: &'s AppState,
        actor: &'s Actor,
        operation: &'static str,
        receipt: Option<Idempotency>,
    ) -> Result<Opened<'s>, ServiceError> {
        if let Err(d) = crate::auth::may_write_somewhere(&actor.principal) {
            return Err(deny_outside(state, actor, operation, None, d).await);
        }
        let uow = Self::begin(state, actor, operation).await?;
        if let Some(r) = &receipt {
            if let Some(found) = journal::receipt_in(&uow.w, &actor.principal.subject, &r.key).await? {
                uow.w.rollback().await?;
                return Ok(if found.operation == operation && found.input_digest == r.digest {
                    Opened::Replay(found.entity_id)
                } else {
                    Opened::KeyReused
                });
            }
        }
        Ok(Opened::Open(UnitOfWork { receipt, ..uow }))
    }

    /// The prologue of a caller's write that carries no idempotency key.
    pub async fn open_keyless(
        state: &'s AppState,
        actor: &'s Actor,
        operation: &'static str,
    ) -> Result<Self, ServiceError> {
        if let Err(d) = crate::auth::may_write_somewhere(&actor.principal) {
            return Err(deny_outside(state, actor, operation, None, d).await);
        }
        Self::begin(state, actor, operation).await
    }

    /// The prologue of a caller's write that carries no idempotency key and,
    /// before its commit, only inserts new records (no record read for
    /// write, no check against stored rows): the write order is taken at
    /// commit, just before the journal, so that such units of work (W1 of
    /// the benchmark: registrations) build their rows side by side and only
    /// the journal and the commit are serialised (`storage::write::begin_unordered`).
    pub async fn open_creating(
        state: &'s AppState,
        actor: &'s Actor,
        operation: &'static str,
    ) -> Result<Self, ServiceError> {
        if let Err(d) = crate::auth::may_write_somewhere(&actor.principal) {
            return Err(deny_outside(state, actor, operation, None, d).await);
        }
        let w = txn::begin_unordered(&state.db, &state.write_gate).await?;
        Ok(Self::with(state, actor, operation, w))
    }

    /// A unit of work of the registry itself (the sync engine, the national
    /// feed): no caller to authorise and no receipt.
    pub(crate) async fn open_system(
        state: &'s AppState,
        actor: &'s Actor,
        operation: &'static str,
    ) -> Result<Self, ServiceError> {
        Self::begin(state, actor, operation).await
    }

    async fn begin(state: &'s AppState, actor: &'s Actor, operation: &'static str) -> Result<Self, ServiceError> {
        let w = txn::begin(&state.db, &state.write_gate).await?;
        Ok(Self::with(state, actor, operation, w))
    }

    fn with(state: &'s AppState, actor: &'s Actor, operation: &'static str, w: WriteTxn) -> Self {
        UnitOfWork {
            state,
            actor,
            operation,
            w,
            now: Utc::now(),
            receipt: None,
            audits: Vec::new(),
            changes: Vec::new(),
            deliveries: Vec::new(),
        }
    }

    /// The transaction, for `storage` reads and writes.
    pub fn txn(&self) -> &WriteTxn {
        &self.w
    }

    /// The time of this unit of work (`updated_at`, the change log).
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// The gazetteer.
    pub fn gazetteer(&self) -> &'s Gazetteer {
        &self.state.gazetteer
    }

    /// The caller.
    pub fn actor(&self) -> &'s Actor {
        self.actor
    }

    /// Checks an authorization decision; a denial rolls back, is audited
    /// and becomes the error to raise.
    pub async fn authorize(
        self,
        decision: Result<(), Denial>,
        entity: Option<(EntityKind, i64)>,
    ) -> Result<Self, ServiceError> {
        match decision {
            Ok(()) => Ok(self),
            Err(d) => Err(self.deny(entity, d).await),
        }
    }

    /// Rolls back and audits a denial; returns the error to raise.
    pub async fn deny(self, entity: Option<(EntityKind, i64)>, denial: Denial) -> ServiceError {
        let (state, actor, operation) = (self.state, self.actor, self.operation);
        if let Err(e) = self.w.rollback().await {
            // The denial is still recorded (in its own transaction); the
            // caller gets INTERNAL for the failed rollback.
            tracing::error!(error = %e, operation, "rollback before recording a denial failed");
            let _recorded_or_logged = deny_outside(state, actor, operation, entity, denial).await;
            return e.into();
        }
        deny_outside(state, actor, operation, entity, denial).await
    }

    /// Rolls back and audits input that broke the rules (nothing changed).
    pub async fn reject<T>(
        self,
        entity: Option<(EntityKind, i64)>,
        problems: Vec<Problem>,
    ) -> Result<Outcome<T>, ServiceError> {
        let (state, actor, operation) = (self.state, self.actor, self.operation);
        self.w.rollback().await?;
        let detail =
            problems.iter().map(|p| format!("{}: {}", p.field.join("."), p.message)).collect::<Vec<_>>().join("; ");
        let row = AuditRow {
            operation: operation.to_owned(),
            entity,
            outcome: AuditOutcome::Rejected,
            before: None,
            after: None,
            detail: Some(detail),
        };
        journal::audit_alone(&state.db, &state.write_gate, &audit_actor(actor), vec![row]).await?;
        Ok(Err(problems))
    }

    /// Rolls back with problems that are not audited (nothing found, nothing to do).
    pub async fn refuse<T>(self, problems: Vec<Problem>) -> Result<Outcome<T>, ServiceError> {
        self.w.rollback().await?;
        Ok(Err(problems))
    }

    /// Rolls back with one unaudited problem.
    pub async fn refuse_one<T>(
        self,
        field: &[&str],
        kind: ProblemKind,
        message: Msg,
    ) -> Result<Outcome<T>, ServiceError> {
        let p = Problem { field: field.iter().map(|s| (*s).to_owned()).collect(), message, kind };
        self.refuse(vec![p]).await
    }

    /// Rolls back on a version mismatch.
    pub async fn conflict<T>(self, expected: i32, actual: i32) -> Result<Outcome<T>, ServiceError> {
        self.refuse(write::version_conflict(expected, actual)).await
    }

    /// Rolls back with nothing to report (the registry's own units of work).
    pub async fn abandon(self) -> Result<(), ServiceError> {
        self.w.rollback().await?;
        Ok(())
    }

    /// Records the successful audit row of this operation.
    pub fn audit<B: serde::Serialize, A: serde::Serialize>(
        &mut self,
        entity: (EntityKind, i64),
        before: Option<&B>,
        after: Option<&A>,
        detail: Option<String>,
    ) {
        self.audits.push(AuditRow {
            operation: self.operation.to_owned(),
            entity: Some(entity),
            outcome: AuditOutcome::Success,
            before: before.map(write::digest),
            after: after.map(write::digest),
            detail,
        });
    }

    /// Records a change-log row; `ward_id` gives the province.
    pub fn change(&mut self, kind: ChangeKind, entity: EntityKind, id: i64, province_code: String, version: i32) {
        self.changes.push(ChangeRow { kind, entity, entity_id: id, province_code, version: Some(version) });
    }

    /// Queues a delivery to the national systems.
    pub fn deliver(&mut self, kind: EntityKind, id: i64, delivery: Delivery) {
        self.deliveries.push((kind, id, delivery));
    }

    /// Writes the journal (receipt naming `entity`, audit, change log,
    /// outbox), commits, and tells the change feed.
    pub async fn commit(self, entity: Option<(EntityKind, i64)>) -> Result<(), ServiceError> {
        // The write order, if not held since the prologue (`open_creating`).
        self.w.order().await?;
        if let (Some(r), Some(e)) = (&self.receipt, entity) {
            journal::insert_receipt(&self.w, &self.actor.principal.subject, &r.key, self.operation, &r.digest, e)
                .await?;
        }
        // The kept facts of every changed organisation, in this transaction.
        super::aggregates::after_changes(&self.w, &self.changes).await?;
        let changed = !self.changes.is_empty();
        let created: Vec<(EntityKind, i64)> =
            self.changes.iter().filter(|c| c.kind == ChangeKind::Created).map(|c| (c.entity, c.entity_id)).collect();
        journal::insert_changes(&self.w, self.now, self.changes).await?;
        for (kind, id, d) in &self.deliveries {
            if created.contains(&(*kind, *id)) {
                // Inserted in this unit of work, PENDING with no attempts: no
                // sync state to set, no earlier row to re-arm.
                outbox::enqueue_first(&self.w, *kind, *id, d).await?;
            } else {
                outbox::enqueue(&self.w, *kind, *id, d).await?;
            }
        }
        // Last before the commit: the audit chain's head stays locked (every
        // audit row of every transaction waits for it) for the least time.
        journal::insert_audit(&self.w, &audit_actor(self.actor), self.audits).await?;
        self.w.commit().await?;
        if changed {
            self.state.feed.committed();
        }
        Ok(())
    }
}
