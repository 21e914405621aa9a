//! The registry's journal: audit rows, change-log rows and idempotency
//! receipts, written only inside a unit of work (`service::uow`), and the
//! reads of the audit trail and the change feed.

use super::write::{self, WriteGate, WriteTxn};
use super::StorageError;
use crate::domain::{ChangeKind, EntityKind};
use chrono::{DateTime, Utc};
use entity::{audit_event, change_event, mutation_receipt};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

/// What an audit row says about the outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditOutcome::Success => "SUCCESS",
            AuditOutcome::Denied => "DENIED",
            AuditOutcome::Rejected => "REJECTED",
            AuditOutcome::Read => "READ",
        }
    }
}

/// Who acted, as an audit row records it.
#[derive(Debug, Clone)]
pub struct AuditActor {
    /// The token's subject.
    pub subject: String,
    /// The role's claim name.
    pub role: &'static str,
    /// The caller's province, if any.
    pub province: Option<String>,
    /// The request's id.
    pub request_id: String,
}

/// One audit row.
#[derive(Debug, Clone)]
pub struct AuditRow {
    /// The operation, e.g. `registerCooperative`.
    pub operation: String,
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

/// Widths of the audit trail's text columns (migration
/// `m20261122_000004`), in characters as PostgreSQL's varchar counts them.
const SUBJECT_CHARS: usize = 200;
const ROLE_CHARS: usize = 32;
const PROVINCE_CHARS: usize = 2;
const REQUEST_ID_CHARS: usize = 100;
const OPERATION_CHARS: usize = 64;

/// `s` cut to at most `n` characters. The edge already refuses or replaces
/// over-long subjects and request ids; this is the last guard, so that no
/// value can make an audit insert fail (and a denial go unrecorded).
fn fit(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((at, _)) => s[..at].to_owned(),
        None => s.to_owned(),
    }
}

fn audit_model(who: &AuditActor, at: DateTime<Utc>, e: AuditRow) -> audit_event::ActiveModel {
    audit_event::ActiveModel {
        at: Set(at),
        subject: Set(fit(&who.subject, SUBJECT_CHARS)),
        role: Set(fit(who.role, ROLE_CHARS)),
        province: Set(who.province.as_deref().map(|p| fit(p, PROVINCE_CHARS))),
        request_id: Set(fit(&who.request_id, REQUEST_ID_CHARS)),
        operation: Set(fit(&e.operation, OPERATION_CHARS)),
        entity_kind: Set(e.entity.map(|(k, _)| k.as_str().to_owned())),
        entity_id: Set(e.entity.map(|(_, id)| id)),
        outcome: Set(e.outcome.as_str().to_owned()),
        before_digest: Set(e.before),
        after_digest: Set(e.after),
        detail: Set(e.detail),
        ..Default::default()
    }
}

/// Appends audit rows in a unit of work's transaction.
pub async fn insert_audit(w: &WriteTxn, who: &AuditActor, rows: Vec<AuditRow>) -> Result<(), StorageError> {
    if rows.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let models = rows.into_iter().map(|r| audit_model(who, now, r));
    audit_event::Entity::insert_many(models).exec_without_returning(&w.txn).await?;
    Ok(())
}

/// Appends audit rows in their own serialised transaction (refusals, and
/// reads of personal data: nothing else changes with them).
pub async fn audit_alone(
    db: &DatabaseConnection,
    gate: &WriteGate,
    who: &AuditActor,
    rows: Vec<AuditRow>,
) -> Result<(), StorageError> {
    if rows.is_empty() {
        return Ok(());
    }
    let w = write::begin(db, gate).await?;
    insert_audit(&w, who, rows).await?;
    w.commit().await
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

/// Up to `limit` audit rows with ids strictly between `after` and `before`:
/// those nearest `after` in ascending order, or, `from_end`, those nearest
/// `before` in descending order.
pub async fn audit_between(
    db: &DatabaseConnection,
    after: i64,
    before: Option<i64>,
    limit: u64,
    from_end: bool,
    filter: &AuditFilter,
) -> Result<Vec<audit_event::Model>, StorageError> {
    let mut q = audit_event::Entity::find().filter(audit_event::Column::Id.gt(after));
    if let Some(b) = before {
        q = q.filter(audit_event::Column::Id.lt(b));
    }
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
    let q = if from_end { q.order_by_desc(audit_event::Column::Id) } else { q.order_by_asc(audit_event::Column::Id) };
    Ok(q.limit(limit).all(db).await?)
}

/// One change-log row.
#[derive(Debug, Clone)]
pub struct ChangeRow {
    /// What happened.
    pub kind: ChangeKind,
    /// To which entity.
    pub entity: EntityKind,
    /// Its id.
    pub entity_id: i64,
    /// Its 2025 province.
    pub province_code: String,
    /// Its version after the change.
    pub version: Option<i32>,
}

/// Appends change-log rows in a unit of work's transaction, in order. On
/// PostgreSQL the transaction also sends a notification on
/// [`super::tail::CHANNEL`], delivered when (and only if) it commits, so
/// every replica's tailer reads the new rows at once.
pub async fn insert_changes(w: &WriteTxn, at: DateTime<Utc>, rows: Vec<ChangeRow>) -> Result<(), StorageError> {
    if !rows.is_empty() && w.txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        w.txn.execute_unprepared(&format!("NOTIFY {}", super::tail::CHANNEL)).await?;
    }
    for r in rows {
        change_event::ActiveModel {
            at: Set(at),
            kind: Set(r.kind.as_str().to_owned()),
            entity_kind: Set(r.entity.as_str().to_owned()),
            entity_id: Set(r.entity_id),
            province_code: Set(r.province_code),
            version: Set(r.version),
            ..Default::default()
        }
        .insert(&w.txn)
        .await?;
    }
    Ok(())
}

/// The highest sequence in the change log (0 when empty).
pub async fn latest_sequence(db: &DatabaseConnection) -> Result<i64, StorageError> {
    let row = change_event::Entity::find().order_by_desc(change_event::Column::Sequence).one(db).await?;
    Ok(row.map_or(0, |r| r.sequence))
}

/// Up to `limit` changes after `sequence`, in order, optionally of one province.
pub async fn changes_after(
    db: &DatabaseConnection,
    sequence: i64,
    limit: u64,
    province: Option<&str>,
) -> Result<Vec<change_event::Model>, StorageError> {
    let mut q = change_event::Entity::find().filter(change_event::Column::Sequence.gt(sequence));
    if let Some(p) = province {
        q = q.filter(change_event::Column::ProvinceCode.eq(p));
    }
    Ok(q.order_by_asc(change_event::Column::Sequence).limit(limit).all(db).await?)
}

/// Up to `limit` changes strictly between `after` and `before` (when given),
/// optionally of one province: those nearest `after` in ascending order, or,
/// `from_end`, those nearest `before` in descending order.
pub async fn changes_between(
    db: &DatabaseConnection,
    after: i64,
    before: Option<i64>,
    province: Option<&str>,
    limit: u64,
    from_end: bool,
) -> Result<Vec<change_event::Model>, StorageError> {
    let mut q = change_event::Entity::find().filter(change_event::Column::Sequence.gt(after));
    if let Some(b) = before {
        q = q.filter(change_event::Column::Sequence.lt(b));
    }
    if let Some(p) = province {
        q = q.filter(change_event::Column::ProvinceCode.eq(p));
    }
    let q = if from_end {
        q.order_by_desc(change_event::Column::Sequence)
    } else {
        q.order_by_asc(change_event::Column::Sequence)
    };
    Ok(q.limit(limit).all(db).await?)
}

/// An idempotency receipt as stored.
#[derive(Debug, Clone)]
pub struct Receipt {
    /// The operation it was stored for.
    pub operation: String,
    /// Digest of that operation's input.
    pub input_digest: String,
    /// The entity it created or changed.
    pub entity_id: i64,
}

/// The receipt a subject stored under a `clientMutationId`, if any.
pub async fn receipt<C: ConnectionTrait>(c: &C, subject: &str, key: &str) -> Result<Option<Receipt>, StorageError> {
    let found = mutation_receipt::Entity::find()
        .filter(mutation_receipt::Column::Subject.eq(subject))
        .filter(mutation_receipt::Column::ClientMutationId.eq(key))
        .one(c)
        .await?;
    Ok(found.map(|r| Receipt { operation: r.operation, input_digest: r.input_digest, entity_id: r.entity_id }))
}

/// The receipt a subject stored under a key, read inside a unit of work.
pub async fn receipt_in(w: &WriteTxn, subject: &str, key: &str) -> Result<Option<Receipt>, StorageError> {
    receipt(&w.txn, subject, key).await
}

/// Stores an idempotency receipt in a unit of work's transaction.
pub async fn insert_receipt(
    w: &WriteTxn,
    subject: &str,
    key: &str,
    operation: &str,
    input_digest: &str,
    entity: (EntityKind, i64),
) -> Result<(), StorageError> {
    mutation_receipt::ActiveModel {
        subject: Set(subject.to_owned()),
        client_mutation_id: Set(key.to_owned()),
        operation: Set(operation.to_owned()),
        input_digest: Set(input_digest.to_owned()),
        entity_kind: Set(entity.0.as_str().to_owned()),
        entity_id: Set(entity.1),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&w.txn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_text_is_cut_to_the_column_width_in_characters() {
        assert_eq!(fit("abc", 2), "ab");
        assert_eq!(fit("abc", 3), "abc");
        assert_eq!(fit(&"é".repeat(201), SUBJECT_CHARS), "é".repeat(200), "characters, not bytes");
        assert_eq!(fit("", REQUEST_ID_CHARS), "");
    }
}
