//! What every mutation shares: the actor, serialised write transactions,
//! audit rows, change-log rows and idempotency receipts.

use super::ServiceError;
use crate::auth::{Denial, Principal, Role};
use crate::domain::rules::{Problem, ProblemKind};
use crate::domain::{ChangeKind, EntityKind};
use crate::state::AppState;
use crate::storage::StorageError;
use chrono::{DateTime, Utc};
use entity::{audit_event, change_event, mutation_receipt};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, EntityTrait,
    QueryFilter, Set, TransactionTrait,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Who is acting, for authorization and the audit trail.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The caller.
    pub principal: Principal,
    /// The request's id.
    pub request_id: String,
}

/// A mutation's result: the entity, or the business problems that stopped it.
pub type Outcome<T> = Result<T, Vec<Problem>>;

/// One problem as a rejected outcome.
pub fn reject<T>(field: &[&str], kind: ProblemKind, message: impl Into<String>) -> Result<Outcome<T>, ServiceError> {
    Ok(Err(vec![Problem { field: field.iter().map(|s| (*s).to_owned()).collect(), message: message.into(), kind }]))
}

/// Today in Vietnam (UTC+7): "not in the future" is judged on this date.
pub fn today() -> chrono::NaiveDate {
    (Utc::now() + chrono::Duration::hours(7)).date_naive()
}

/// SHA-256 of a value's JSON, hex.
pub fn digest<T: Serialize>(value: &T) -> String {
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    hex::encode(Sha256::digest(&bytes))
}

/// A write transaction. Writes are serialised: on SQLite by an in-process
/// gate (one writer; no "database is locked"), on PostgreSQL by a
/// transaction-scoped advisory lock, so change-log sequences commit in order
/// and a feed reader never sees a later sequence before an earlier one.
pub struct WriteTxn {
    /// The transaction.
    pub txn: DatabaseTransaction,
    _gate: Option<tokio::sync::OwnedMutexGuard<()>>,
}

/// The advisory-lock key that serialises registry writes on PostgreSQL.
const WRITE_LOCK_KEY: i64 = 0x636f_6f70_6761_7465; // "coopgate"

/// Begins a serialised write transaction.
pub async fn begin(state: &AppState) -> Result<WriteTxn, ServiceError> {
    let gate = match state.db.get_database_backend() {
        DbBackend::Sqlite => Some(state.write_gate.clone().lock_owned().await),
        _ => None,
    };
    let txn = state.db.begin().await.map_err(StorageError::from)?;
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})"))
            .await
            .map_err(StorageError::from)?;
    }
    Ok(WriteTxn { txn, _gate: gate })
}

impl WriteTxn {
    /// Commits.
    pub async fn commit(self) -> Result<(), ServiceError> {
        self.txn.commit().await.map_err(StorageError::from)?;
        Ok(())
    }
}

fn role_name(r: Role) -> &'static str {
    crate::auth::jwt::role_claim(r)
}

/// What an audit row says about the outcome.
#[derive(Debug, Clone, Copy)]
pub enum AuditOutcome {
    /// The change was made.
    Success,
    /// The caller was not allowed.
    Denied,
    /// The input broke a rule; nothing changed.
    Rejected,
    /// Restricted personal data was read.
    Read,
}

impl AuditOutcome {
    fn as_str(self) -> &'static str {
        match self {
            AuditOutcome::Success => "SUCCESS",
            AuditOutcome::Denied => "DENIED",
            AuditOutcome::Rejected => "REJECTED",
            AuditOutcome::Read => "READ",
        }
    }
}

/// One audit entry to write.
pub struct AuditEntry<'a> {
    /// The operation, e.g. `registerCooperative`.
    pub operation: &'a str,
    /// The entity concerned.
    pub entity: Option<(EntityKind, i64)>,
    /// The outcome.
    pub outcome: AuditOutcome,
    /// Digest of the entity before.
    pub before: Option<String>,
    /// Digest of the entity after.
    pub after: Option<String>,
    /// Free text.
    pub detail: Option<String>,
}

/// Appends an audit row on `c` (the mutation's transaction for successes).
pub async fn audit<C: ConnectionTrait>(c: &C, actor: &Actor, e: AuditEntry<'_>) -> Result<(), ServiceError> {
    audit_event::ActiveModel {
        at: Set(Utc::now()),
        subject: Set(actor.principal.subject.clone()),
        role: Set(role_name(actor.principal.role).to_owned()),
        province: Set(actor.principal.province.as_ref().map(|p| p.to_string())),
        request_id: Set(actor.request_id.clone()),
        operation: Set(e.operation.to_owned()),
        entity_kind: Set(e.entity.map(|(k, _)| k.as_str().to_owned())),
        entity_id: Set(e.entity.map(|(_, id)| id)),
        outcome: Set(e.outcome.as_str().to_owned()),
        before_digest: Set(e.before),
        after_digest: Set(e.after),
        detail: Set(e.detail),
        ..Default::default()
    }
    .insert(c)
    .await
    .map_err(StorageError::from)?;
    Ok(())
}

/// Records a refused write in its own transaction and returns the error to raise.
pub async fn deny(
    db: &DatabaseConnection,
    actor: &Actor,
    operation: &str,
    entity: Option<(EntityKind, i64)>,
    denial: Denial,
) -> ServiceError {
    let entry = AuditEntry {
        operation,
        entity,
        outcome: AuditOutcome::Denied,
        before: None,
        after: None,
        detail: Some(denial.to_string()),
    };
    if let Err(e) = audit(db, actor, entry).await {
        return e;
    }
    ServiceError::from(denial)
}

/// Records input that broke the rules (nothing changed).
pub async fn audit_rejected(
    db: &DatabaseConnection,
    actor: &Actor,
    operation: &str,
    entity: Option<(EntityKind, i64)>,
    problems: &[Problem],
) -> Result<(), ServiceError> {
    let detail =
        problems.iter().map(|p| format!("{}: {}", p.field.join("."), p.message)).collect::<Vec<_>>().join("; ");
    audit(
        db,
        actor,
        AuditEntry {
            operation,
            entity,
            outcome: AuditOutcome::Rejected,
            before: None,
            after: None,
            detail: Some(detail),
        },
    )
    .await
}

/// Records that restricted personal data of these persons was read (one
/// statement for the whole request).
pub async fn audit_reads(db: &DatabaseConnection, actor: &Actor, person_ids: &[i64]) -> Result<(), ServiceError> {
    if person_ids.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let rows = person_ids.iter().map(|id| audit_event::ActiveModel {
        at: Set(now),
        subject: Set(actor.principal.subject.clone()),
        role: Set(role_name(actor.principal.role).to_owned()),
        province: Set(actor.principal.province.as_ref().map(|p| p.to_string())),
        request_id: Set(actor.request_id.clone()),
        operation: Set("readPersonalData".to_owned()),
        entity_kind: Set(Some(EntityKind::Person.as_str().to_owned())),
        entity_id: Set(Some(*id)),
        outcome: Set(AuditOutcome::Read.as_str().to_owned()),
        before_digest: Set(None),
        after_digest: Set(None),
        detail: Set(None),
        ..Default::default()
    });
    audit_event::Entity::insert_many(rows).exec_without_returning(db).await.map_err(StorageError::from)?;
    Ok(())
}

/// A page of the audit trail (national admins only).
pub async fn audit_page(
    db: &DatabaseConnection,
    who: &Principal,
    after_cursor: Option<&str>,
    first: Option<i32>,
    filter: AuditFilter,
) -> Result<(Vec<audit_event::Model>, bool), ServiceError> {
    crate::auth::may_read_audit(who)?;
    use sea_orm::{QueryOrder, QuerySelect};
    let first = super::page::page_size(first)?;
    let after = match after_cursor {
        Some(c) => super::page::decode_sequence("after", "audit", c)?,
        None => 0,
    };
    let mut q = audit_event::Entity::find().filter(audit_event::Column::Id.gt(after));
    if let Some(s) = &filter.subject {
        q = q.filter(audit_event::Column::Subject.eq(s.as_str()));
    }
    if let Some(o) = &filter.operation {
        q = q.filter(audit_event::Column::Operation.eq(o.as_str()));
    }
    if let Some(o) = &filter.outcome {
        q = q.filter(audit_event::Column::Outcome.eq(o.as_str()));
    }
    if let Some((kind, id)) = filter.entity {
        q = q.filter(audit_event::Column::EntityKind.eq(kind.as_str())).filter(audit_event::Column::EntityId.eq(id));
    }
    let mut rows =
        q.order_by_asc(audit_event::Column::Id).limit(first + 1).all(db).await.map_err(StorageError::from)?;
    let more = rows.len() as u64 > first;
    rows.truncate(first as usize);
    Ok((rows, more))
}

/// Which audit entries to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Of this subject.
    pub subject: Option<String>,
    /// Of this operation.
    pub operation: Option<String>,
    /// With this outcome.
    pub outcome: Option<String>,
    /// About this entity.
    pub entity: Option<(EntityKind, i64)>,
}

/// Appends a change-log row in the mutation's transaction.
pub async fn record_change(
    w: &WriteTxn,
    kind: ChangeKind,
    entity: EntityKind,
    entity_id: i64,
    province_code: &str,
    version: Option<i32>,
    at: DateTime<Utc>,
) -> Result<(), ServiceError> {
    change_event::ActiveModel {
        at: Set(at),
        kind: Set(kind.as_str().to_owned()),
        entity_kind: Set(entity.as_str().to_owned()),
        entity_id: Set(entity_id),
        province_code: Set(province_code.to_owned()),
        version: Set(version),
        ..Default::default()
    }
    .insert(&w.txn)
    .await
    .map_err(StorageError::from)?;
    Ok(())
}

/// What a earlier mutation with the same `clientMutationId` created.
pub enum Receipt {
    /// No earlier mutation with this key.
    New,
    /// The same input was sent before: return this entity.
    Replay(i64),
    /// The key was used with different input.
    Conflict,
}

/// Looks up an idempotency receipt.
pub async fn receipt<C: ConnectionTrait>(
    c: &C,
    actor: &Actor,
    key: Option<&str>,
    operation: &str,
    input_digest: &str,
) -> Result<Receipt, ServiceError> {
    let Some(key) = key else { return Ok(Receipt::New) };
    let found = mutation_receipt::Entity::find()
        .filter(mutation_receipt::Column::Subject.eq(actor.principal.subject.as_str()))
        .filter(mutation_receipt::Column::ClientMutationId.eq(key))
        .one(c)
        .await
        .map_err(StorageError::from)?;
    Ok(match found {
        None => Receipt::New,
        Some(r) if r.operation == operation && r.input_digest == input_digest => Receipt::Replay(r.entity_id),
        Some(_) => Receipt::Conflict,
    })
}

/// Stores an idempotency receipt in the mutation's transaction.
pub async fn store_receipt(
    w: &WriteTxn,
    actor: &Actor,
    key: Option<&str>,
    operation: &str,
    input_digest: &str,
    entity: (EntityKind, i64),
) -> Result<(), ServiceError> {
    let Some(key) = key else { return Ok(()) };
    mutation_receipt::ActiveModel {
        subject: Set(actor.principal.subject.clone()),
        client_mutation_id: Set(key.to_owned()),
        operation: Set(operation.to_owned()),
        input_digest: Set(input_digest.to_owned()),
        entity_kind: Set(entity.0.as_str().to_owned()),
        entity_id: Set(entity.1),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&w.txn)
    .await
    .map_err(StorageError::from)?;
    Ok(())
}

/// The first checks of every registration: the caller may write at all, the
/// head office is a ward in force, and the caller may write in its province.
/// Refusals are audited and returned as errors; a bad ward is a problem in
/// `p` (and `None`), so the other fields are still checked.
pub async fn registration_ward<'g>(
    state: &'g AppState,
    actor: &Actor,
    operation: &str,
    p: &mut crate::domain::rules::Problems,
    ward_code: &str,
) -> Result<Option<&'g crate::domain::Unit>, ServiceError> {
    if let Err(d) = crate::auth::may_write_somewhere(&actor.principal) {
        return Err(deny(&state.db, actor, operation, None, d).await);
    }
    let g = &state.gazetteer;
    let ward = crate::domain::rules::ward_in_force(p, &["input", "address", "wardCode"], g, ward_code);
    if let Some(w) = ward {
        if let Err(d) = crate::auth::may_write(&actor.principal, &super::cooperatives::province_code(g, w.id)) {
            return Err(deny(&state.db, actor, operation, None, d).await);
        }
    }
    Ok(ward)
}

/// The problem reported when a `clientMutationId` is reused with other input.
pub fn key_reused() -> Vec<Problem> {
    vec![Problem {
        field: vec!["input".into(), "clientMutationId".into()],
        message: "this clientMutationId was already used with different input".into(),
        kind: ProblemKind::Duplicate,
    }]
}

/// The problem reported on a version mismatch.
pub fn version_conflict(expected: i32, actual: i32) -> Vec<Problem> {
    vec![Problem {
        field: vec!["input".into(), "expectedVersion".into()],
        message: format!("the record is at version {actual}, not {expected}: reload and retry"),
        kind: ProblemKind::VersionConflict,
    }]
}
