//! The registry's journal: audit rows, change-log rows and idempotency
//! receipts, written only inside a unit of work (`service::uow`), and the
//! reads of the audit trail and the change feed.

use super::write::{self, WriteGate, WriteTxn};
use super::StorageError;
use crate::domain::{ChangeKind, EntityKind};
use chrono::{DateTime, Utc};
use entity::{audit_chain_head, audit_event, change_event, mutation_receipt};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, NotSet, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, Set, Statement,
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

fn audit_model(who: &AuditActor, at: DateTime<Utc>, e: AuditRow) -> audit_event::Model {
    audit_event::Model {
        id: 0,
        at,
        subject: fit(&who.subject, SUBJECT_CHARS),
        role: fit(who.role, ROLE_CHARS),
        province: who.province.as_deref().map(|p| fit(p, PROVINCE_CHARS)),
        request_id: fit(&who.request_id, REQUEST_ID_CHARS),
        operation: fit(&e.operation, OPERATION_CHARS),
        entity_kind: e.entity.map(|(k, _)| k.as_str().to_owned()),
        entity_id: e.entity.map(|(_, id)| id),
        outcome: e.outcome.as_str().to_owned(),
        before_digest: e.before,
        after_digest: e.after,
        detail: e.detail,
        seq: 0,
        hash: String::new(),
        person_key: None,
        record_province: None,
    }
}

fn active(m: audit_event::Model) -> audit_event::ActiveModel {
    audit_event::ActiveModel {
        id: NotSet,
        at: Set(m.at),
        subject: Set(m.subject),
        role: Set(m.role),
        province: Set(m.province),
        request_id: Set(m.request_id),
        operation: Set(m.operation),
        entity_kind: Set(m.entity_kind),
        entity_id: Set(m.entity_id),
        outcome: Set(m.outcome),
        before_digest: Set(m.before_digest),
        after_digest: Set(m.after_digest),
        detail: Set(m.detail),
        seq: Set(m.seq),
        hash: Set(m.hash),
        person_key: Set(m.person_key),
        record_province: Set(m.record_province),
    }
}

/// The one insert path of the audit trail: locks the chain head (a row
/// lock, so on PostgreSQL every replica takes its turn, in commit order),
/// numbers and hashes `rows` after it, inserts them and moves the head.
async fn append(w: &WriteTxn, rows: Vec<audit_event::Model>) -> Result<(), StorageError> {
    if rows.is_empty() {
        return Ok(());
    }
    let head = audit_chain_head::Entity::find_by_id(1)
        .lock_exclusive()
        .one(&w.txn)
        .await?
        .ok_or_else(|| StorageError::Corrupt("the audit chain head is missing".into()))?;
    let (mut seq, mut previous) = (head.seq, head.hash);
    let mut models = Vec::with_capacity(rows.len());
    for mut m in rows {
        seq += 1;
        m.seq = seq;
        m.at = crate::evidence::micros(m.at);
        m.hash = audit_event::chain_hash(&previous, &m);
        previous = m.hash.clone();
        models.push(active(m));
    }
    let insert = audit_event::Entity::insert_many(models);
    if w.backend() == DbBackend::Postgres {
        // The rows and the head in one statement (a data-modifying WITH):
        // one round trip less while every audit row waits for the head.
        let st = insert.build(DbBackend::Postgres);
        let mut values = st.values.map(|v| v.0).unwrap_or_default();
        let sql = format!(
            "WITH appended AS ({}) UPDATE audit_chain_head SET seq = ${}, hash = ${} WHERE id = 1",
            st.sql,
            values.len() + 1,
            values.len() + 2
        );
        values.push(seq.into());
        values.push(previous.into());
        w.txn.execute(Statement::from_sql_and_values(DbBackend::Postgres, sql, values)).await?;
        return Ok(());
    }
    insert.exec_without_returning(&w.txn).await?;
    audit_chain_head::ActiveModel { id: Set(1), seq: Set(seq), hash: Set(previous) }.update(&w.txn).await?;
    Ok(())
}

/// Appends audit rows in a unit of work's transaction.
pub async fn insert_audit(w: &WriteTxn, who: &AuditActor, rows: Vec<AuditRow>) -> Result<(), StorageError> {
    let now = Utc::now();
    append(w, rows.into_iter().map(|r| audit_model(who, now, r)).collect()).await
}

/// A read of a person's restricted data, as the trail records it.
#[derive(Debug, Clone)]
pub struct PersonalRead {
    /// The person's row.
    pub person_id: i64,
    /// Keyed hash of the identity number (never the number).
    pub person_key: Option<String>,
    /// The 2025 province of the record the person is named on.
    pub record_province: Option<String>,
    /// Free text (which request operation read it).
    pub detail: Option<String>,
}

/// Records reads of personal data in their own serialised transaction.
pub async fn audit_personal_reads(
    db: &DatabaseConnection,
    gate: &WriteGate,
    who: &AuditActor,
    reads: Vec<PersonalRead>,
) -> Result<(), StorageError> {
    if reads.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let rows = reads
        .into_iter()
        .map(|r| {
            let row = AuditRow {
                operation: "readPersonalData".to_owned(),
                entity: Some((EntityKind::Person, r.person_id)),
                outcome: AuditOutcome::Read,
                before: None,
                after: None,
                detail: r.detail,
            };
            audit_event::Model {
                person_key: r.person_key,
                record_province: r.record_province.as_deref().map(|p| fit(p, PROVINCE_CHARS)),
                ..audit_model(who, now, row)
            }
        })
        .collect();
    let w = write::begin(db, gate).await?;
    append(&w, rows).await?;
    w.commit().await
}

/// One exchange with a national system as the trail records it (the
/// exchange itself as JSON in `detail`).
#[derive(Debug, Clone)]
pub struct ExchangeRow {
    /// e.g. `national.tax.POST`.
    pub operation: String,
    /// The outbox row the call was made for.
    pub outbox_row: Option<i64>,
    /// Digest of the request body sent.
    pub request_digest: Option<String>,
    /// Digest of the answer body received.
    pub answer_digest: Option<String>,
    /// The exchange as JSON.
    pub detail: String,
}

fn exchange_model(who: &AuditActor, e: ExchangeRow) -> audit_event::Model {
    audit_event::Model {
        entity_kind: e.outbox_row.map(|_| "SYNC_OUTBOX".to_owned()),
        entity_id: e.outbox_row,
        outcome: "EXCHANGE".to_owned(),
        before_digest: e.request_digest,
        after_digest: e.answer_digest,
        detail: Some(e.detail),
        operation: fit(&e.operation, OPERATION_CHARS),
        ..audit_model(
            who,
            Utc::now(),
            AuditRow {
                operation: String::new(),
                entity: None,
                outcome: AuditOutcome::Success,
                before: None,
                after: None,
                detail: None,
            },
        )
    }
}

/// Appends one exchange with a national system in its own transaction.
pub async fn audit_exchange(
    db: &DatabaseConnection,
    gate: &WriteGate,
    who: &AuditActor,
    e: ExchangeRow,
) -> Result<(), StorageError> {
    audit_exchanges(db, gate, vec![(who.clone(), e)]).await
}

/// Appends exchanges with the national systems, in the order given, in
/// one transaction of their own. It writes no change-log row, so on
/// PostgreSQL it does not wait for the write order: the chain head's row
/// lock ([`append`]) orders it among the audit rows (SQLite's gate is
/// taken as for every write).
pub async fn audit_exchanges(
    db: &DatabaseConnection,
    gate: &WriteGate,
    rows: Vec<(AuditActor, ExchangeRow)>,
) -> Result<(), StorageError> {
    if rows.is_empty() {
        return Ok(());
    }
    let models = rows.into_iter().map(|(who, e)| exchange_model(&who, e)).collect();
    let w = write::begin_unordered(db, gate).await?;
    append(&w, models).await?;
    w.commit().await
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
    // One statement per row, in order (each takes the next sequence); none
    // reads its row back.
    for r in rows {
        let am = change_event::ActiveModel {
            at: Set(at),
            kind: Set(r.kind.as_str().to_owned()),
            entity_kind: Set(r.entity.as_str().to_owned()),
            entity_id: Set(r.entity_id),
            province_code: Set(r.province_code),
            version: Set(r.version),
            ..Default::default()
        };
        change_event::Entity::insert(am).exec_without_returning(&w.txn).await?;
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
