//! The audit trail read as evidence: the chain in sequence order, its head,
//! signed checkpoints, personal-data reads by keyed person hash, and the
//! removal of an exported range (retention; needs the table owner's role).

use super::write::{self, WriteGate};
use super::StorageError;
use entity::{audit_chain_head, audit_checkpoint, audit_event};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, NotSet, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

/// The chain head: the last sequence written and its hash.
pub async fn head(db: &DatabaseConnection) -> Result<(i64, String), StorageError> {
    let h = audit_chain_head::Entity::find_by_id(1)
        .one(db)
        .await?
        .ok_or_else(|| StorageError::Corrupt("the audit chain head is missing".into()))?;
    Ok((h.seq, h.hash))
}

/// Up to `limit` events with sequences in `after+1..=to`, in `(seq, id)` order.
pub async fn chain_page(
    db: &DatabaseConnection,
    after: i64,
    to: Option<i64>,
    limit: u64,
) -> Result<Vec<audit_event::Model>, StorageError> {
    let mut q = audit_event::Entity::find().filter(audit_event::Column::Seq.gt(after));
    if let Some(t) = to {
        q = q.filter(audit_event::Column::Seq.lte(t));
    }
    Ok(q.order_by_asc(audit_event::Column::Seq).order_by_asc(audit_event::Column::Id).limit(limit).all(db).await?)
}

/// The lowest sequence online (None when the trail is empty).
pub async fn first_seq(db: &DatabaseConnection) -> Result<Option<i64>, StorageError> {
    let m = audit_event::Entity::find().order_by_asc(audit_event::Column::Seq).one(db).await?;
    Ok(m.map(|m| m.seq))
}

/// The stored hash of the event at `seq`.
pub async fn hash_at(db: &DatabaseConnection, seq: i64) -> Result<Option<String>, StorageError> {
    let m = audit_event::Entity::find()
        .filter(audit_event::Column::Seq.eq(seq))
        .order_by_asc(audit_event::Column::Id)
        .one(db)
        .await?;
    Ok(m.map(|m| m.hash))
}

/// The checkpoints with sequences in `from..=to`, in order.
pub async fn checkpoints(
    db: &DatabaseConnection,
    from: i64,
    to: Option<i64>,
) -> Result<Vec<audit_checkpoint::Model>, StorageError> {
    let mut q = audit_checkpoint::Entity::find().filter(audit_checkpoint::Column::Seq.gte(from));
    if let Some(t) = to {
        q = q.filter(audit_checkpoint::Column::Seq.lte(t));
    }
    Ok(q.order_by_asc(audit_checkpoint::Column::Seq).order_by_asc(audit_checkpoint::Column::Id).all(db).await?)
}

/// The latest checkpoint, if any.
pub async fn latest_checkpoint(db: &DatabaseConnection) -> Result<Option<audit_checkpoint::Model>, StorageError> {
    Ok(audit_checkpoint::Entity::find()
        .order_by_desc(audit_checkpoint::Column::Seq)
        .order_by_desc(audit_checkpoint::Column::Id)
        .one(db)
        .await?)
}

/// The checkpoint at exactly `seq`, if one was signed.
pub async fn checkpoint_at(db: &DatabaseConnection, seq: i64) -> Result<Option<audit_checkpoint::Model>, StorageError> {
    Ok(audit_checkpoint::Entity::find().filter(audit_checkpoint::Column::Seq.eq(seq)).one(db).await?)
}

/// The latest checkpoint at or below `seq` whose event is older than `before`.
pub async fn checkpoint_before(
    db: &DatabaseConnection,
    before: chrono::DateTime<chrono::Utc>,
) -> Result<Option<audit_checkpoint::Model>, StorageError> {
    // The newest event older than the cut-off bounds the sequences that may go.
    let Some(last_old) = audit_event::Entity::find()
        .filter(audit_event::Column::At.lt(before))
        .order_by_desc(audit_event::Column::Seq)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(audit_checkpoint::Entity::find()
        .filter(audit_checkpoint::Column::Seq.lte(last_old.seq))
        .order_by_desc(audit_checkpoint::Column::Seq)
        .one(db)
        .await?)
}

/// Stores a signed checkpoint in its own serialised transaction.
pub async fn insert_checkpoint(
    db: &DatabaseConnection,
    gate: &WriteGate,
    c: audit_checkpoint::Model,
) -> Result<(), StorageError> {
    let w = write::begin(db, gate).await?;
    audit_checkpoint::ActiveModel {
        id: NotSet,
        seq: Set(c.seq),
        hash: Set(c.hash),
        signed_at: Set(c.signed_at),
        public_key: Set(c.public_key),
        signature: Set(c.signature),
    }
    .insert(&w.txn)
    .await?;
    w.commit().await
}

/// Reads of personal data recorded under a keyed person hash, by id: those
/// after `after` (and before `before`), optionally only of records in
/// `province`; `from_end` takes those nearest `before`, descending.
pub async fn personal_reads(
    db: &DatabaseConnection,
    person_key: &str,
    province: Option<&str>,
    after: i64,
    before: Option<i64>,
    limit: u64,
    from_end: bool,
) -> Result<Vec<audit_event::Model>, StorageError> {
    let mut q = audit_event::Entity::find()
        .filter(audit_event::Column::PersonKey.eq(person_key))
        .filter(audit_event::Column::Outcome.eq("READ"))
        .filter(audit_event::Column::Id.gt(after));
    if let Some(b) = before {
        q = q.filter(audit_event::Column::Id.lt(b));
    }
    if let Some(p) = province {
        q = q.filter(audit_event::Column::RecordProvince.eq(p));
    }
    let q = if from_end { q.order_by_desc(audit_event::Column::Id) } else { q.order_by_asc(audit_event::Column::Id) };
    Ok(q.limit(limit).all(db).await?)
}

/// Removes the events with sequences up to `through` (an exported range
/// anchored by a kept checkpoint). The append-only triggers are lifted in
/// this one transaction, so this needs the table owner's role (the
/// migration role): the runtime role cannot do it.
pub async fn remove_through(db: &DatabaseConnection, gate: &WriteGate, through: i64) -> Result<u64, StorageError> {
    let w = write::begin(db, gate).await?;
    let backend = w.backend();
    let (lift, restore): (&[&str], &[&str]) = match backend {
        DbBackend::Postgres => (
            &["ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update"],
            &["ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_update"],
        ),
        _ => (
            &["DROP TRIGGER audit_event_no_delete"],
            &["CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END"],
        ),
    };
    for s in lift {
        w.txn.execute_unprepared(s).await?;
    }
    let gone = audit_event::Entity::delete_many()
        .filter(audit_event::Column::Seq.lte(through))
        .exec(&w.txn)
        .await?
        .rows_affected;
    for s in restore {
        w.txn.execute_unprepared(s).await?;
    }
    w.commit().await?;
    Ok(gone)
}
