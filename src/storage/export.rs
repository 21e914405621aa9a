//! Bulk exports: reading the registry inside one snapshot (a REPEATABLE
//! READ, read-only transaction on PostgreSQL; SQLite's own transaction),
//! the change-log head read in the same snapshot, in keyset pages by id;
//! and the export jobs with their stored files.

use super::organisations::OrgKind;
use super::{StorageError, WriteGate};
use chrono::{DateTime, Utc};
use entity::{
    annual_report, change_event, cooperative, cooperative_group, cooperative_union, export_chunk, export_job, person,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    AccessMode, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend,
    EntityTrait, IsolationLevel, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use std::collections::{BTreeSet, HashMap};

/// SQLite's single writer: the write gate, held for one statement's write.
async fn held(db: &DatabaseConnection, gate: &WriteGate) -> Option<tokio::sync::OwnedMutexGuard<()>> {
    match db.get_database_backend() {
        DbBackend::Sqlite => Some(gate.lock().await),
        _ => None,
    }
}

/// A consistent view of the registry for one export.
pub struct Snapshot {
    txn: DatabaseTransaction,
}

/// Opens a snapshot and reads the change-log head in it (0 when empty):
/// every change up to the head is in what the snapshot reads, none after.
pub async fn snapshot(db: &DatabaseConnection) -> Result<(Snapshot, i64), StorageError> {
    let txn = match db.get_database_backend() {
        DbBackend::Postgres => {
            db.begin_with_config(Some(IsolationLevel::RepeatableRead), Some(AccessMode::ReadOnly)).await?
        }
        _ => db.begin().await?,
    };
    // The first read fixes the snapshot (SQLite's deferred transaction, and
    // PostgreSQL's REPEATABLE READ): the head is that read.
    let head = change_event::Entity::find().order_by_desc(change_event::Column::Sequence).one(&txn).await?;
    Ok((Snapshot { txn }, head.map_or(0, |c| c.sequence)))
}

impl Snapshot {
    /// Up to `limit` cooperatives with id above `after`, optionally of one province, by id.
    pub async fn cooperatives(
        &self,
        province_id: Option<i32>,
        after: i64,
        limit: u64,
    ) -> Result<Vec<cooperative::Model>, StorageError> {
        let mut q = cooperative::Entity::find().filter(cooperative::Column::Id.gt(after));
        if let Some(p) = province_id {
            q = q.filter(cooperative::Column::ProvinceId.eq(p));
        }
        Ok(q.order_by_asc(cooperative::Column::Id).limit(limit).all(&self.txn).await?)
    }

    /// Up to `limit` unions with id above `after`, optionally of one province, by id.
    pub async fn unions(
        &self,
        province_id: Option<i32>,
        after: i64,
        limit: u64,
    ) -> Result<Vec<cooperative_union::Model>, StorageError> {
        let mut q = cooperative_union::Entity::find().filter(cooperative_union::Column::Id.gt(after));
        if let Some(p) = province_id {
            q = q.filter(cooperative_union::Column::ProvinceId.eq(p));
        }
        Ok(q.order_by_asc(cooperative_union::Column::Id).limit(limit).all(&self.txn).await?)
    }

    /// Up to `limit` groups with id above `after`, optionally of one province, by id.
    pub async fn groups(
        &self,
        province_id: Option<i32>,
        after: i64,
        limit: u64,
    ) -> Result<Vec<cooperative_group::Model>, StorageError> {
        let mut q = cooperative_group::Entity::find().filter(cooperative_group::Column::Id.gt(after));
        if let Some(p) = province_id {
            q = q.filter(cooperative_group::Column::ProvinceId.eq(p));
        }
        Ok(q.order_by_asc(cooperative_group::Column::Id).limit(limit).all(&self.txn).await?)
    }

    /// Persons by id.
    pub async fn persons(&self, ids: &[i64]) -> Result<Vec<person::Model>, StorageError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(person::Entity::find().filter(person::Column::Id.is_in(ids.iter().copied())).all(&self.txn).await?)
    }

    /// The flags (high technology, value chain) of each organisation's
    /// latest annual report, for `latest` = (organisation id, its
    /// `latest_report_year`) of one kind: one statement per page. An
    /// organisation without that report is left out (it is read by its
    /// record, `domain::targets::counted_flag`).
    pub async fn latest_report_flags(
        &self,
        kind: OrgKind,
        latest: &[(i64, i32)],
    ) -> Result<HashMap<i64, (bool, bool)>, StorageError> {
        if latest.is_empty() {
            return Ok(HashMap::new());
        }
        let owner_col = match kind {
            OrgKind::Cooperative => annual_report::Column::CooperativeId,
            OrgKind::Union => annual_report::Column::UnionId,
            OrgKind::Group => annual_report::Column::GroupId,
        };
        let years: BTreeSet<i32> = latest.iter().map(|(_, y)| *y).collect();
        let wanted: HashMap<i64, i32> = latest.iter().copied().collect();
        let rows = annual_report::Entity::find()
            .filter(owner_col.is_in(latest.iter().map(|(id, _)| *id)))
            .filter(annual_report::Column::Year.is_in(years))
            .all(&self.txn)
            .await?;
        let mut out = HashMap::new();
        for r in rows {
            let owner = match kind {
                OrgKind::Cooperative => r.cooperative_id,
                OrgKind::Union => r.union_id,
                OrgKind::Group => r.group_id,
            };
            if let Some(o) = owner.filter(|o| wanted.get(o) == Some(&r.year)) {
                out.insert(o, (r.high_tech, r.value_chain_linked));
            }
        }
        Ok(out)
    }

    /// Ends the snapshot.
    pub async fn close(self) -> Result<(), StorageError> {
        self.txn.rollback().await?;
        Ok(())
    }
}

/// A new export job, QUEUED.
pub struct NewJob {
    /// Token subject.
    pub subject: String,
    /// Stored role name.
    pub role: String,
    /// The caller's province.
    pub caller_province: Option<String>,
    /// The province exported.
    pub province_code: Option<String>,
    /// JSONL or CSV.
    pub format: &'static str,
}

/// Records a QUEUED job.
pub async fn insert_job(
    db: &DatabaseConnection,
    gate: &WriteGate,
    job: NewJob,
) -> Result<export_job::Model, StorageError> {
    let _held = held(db, gate).await;
    let m = export_job::ActiveModel {
        subject: Set(job.subject),
        role: Set(job.role),
        caller_province: Set(job.caller_province),
        province_code: Set(job.province_code),
        format: Set(job.format.to_owned()),
        state: Set("QUEUED".into()),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    Ok(m.insert(db).await?)
}

/// A job by id.
pub async fn job(db: &DatabaseConnection, id: i64) -> Result<Option<export_job::Model>, StorageError> {
    Ok(export_job::Entity::find_by_id(id).one(db).await?)
}

/// Claims a job for this replica until `lease_until`: a QUEUED one, or a
/// RUNNING one whose lease ran out (its replica is gone). A conditional
/// update, so of several replicas exactly one wins.
pub async fn claim(
    db: &DatabaseConnection,
    gate: &WriteGate,
    id: i64,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> Result<bool, StorageError> {
    let _held = held(db, gate).await;
    let claimable = sea_orm::Condition::any()
        .add(export_job::Column::State.eq("QUEUED"))
        .add(export_job::Column::State.eq("RUNNING").and(export_job::Column::LeaseUntil.lt(now)));
    let r = export_job::Entity::update_many()
        .col_expr(export_job::Column::State, Expr::value("RUNNING"))
        .col_expr(export_job::Column::LeaseUntil, Expr::value(lease_until))
        .filter(export_job::Column::Id.eq(id))
        .filter(claimable)
        .exec(db)
        .await?;
    if r.rows_affected == 1 {
        // A re-claimed job starts its file again.
        export_chunk::Entity::delete_many().filter(export_chunk::Column::JobId.eq(id)).exec(db).await?;
    }
    Ok(r.rows_affected == 1)
}

/// Jobs some replica should run: QUEUED, or RUNNING with a lapsed lease.
pub async fn runnable(db: &DatabaseConnection, now: DateTime<Utc>, limit: u64) -> Result<Vec<i64>, StorageError> {
    let rows = export_job::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(export_job::Column::State.eq("QUEUED"))
                .add(export_job::Column::State.eq("RUNNING").and(export_job::Column::LeaseUntil.lt(now))),
        )
        .order_by_asc(export_job::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// Appends one chunk of a job's file and extends its lease.
pub async fn append_chunk(
    db: &DatabaseConnection,
    gate: &WriteGate,
    id: i64,
    seq: i32,
    data: Vec<u8>,
    lease_until: DateTime<Utc>,
) -> Result<(), StorageError> {
    let _held = held(db, gate).await;
    export_chunk::ActiveModel { job_id: Set(id), seq: Set(seq), data: Set(data) }.insert(db).await?;
    export_job::Entity::update_many()
        .col_expr(export_job::Column::LeaseUntil, Expr::value(lease_until))
        .filter(export_job::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// How a job ended.
pub struct Outcome {
    /// DONE or FAILED.
    pub state: &'static str,
    /// Organisations written.
    pub rows: Option<i64>,
    /// The sequence it is consistent with.
    pub sequence: Option<i64>,
    /// File size.
    pub bytes: Option<i64>,
    /// When the file goes.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Records how a job ended.
pub async fn finish(db: &DatabaseConnection, gate: &WriteGate, id: i64, o: Outcome) -> Result<(), StorageError> {
    let _held = held(db, gate).await;
    export_job::Entity::update_many()
        .col_expr(export_job::Column::State, Expr::value(o.state))
        .col_expr(export_job::Column::Rows, Expr::value(o.rows))
        .col_expr(export_job::Column::ConsistentWithSequence, Expr::value(o.sequence))
        .col_expr(export_job::Column::Bytes, Expr::value(o.bytes))
        .col_expr(export_job::Column::ExpiresAt, Expr::value(o.expires_at))
        .col_expr(export_job::Column::FinishedAt, Expr::value(Some(Utc::now())))
        .col_expr(export_job::Column::LeaseUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(export_job::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Chunk `seq` of a job's file, if there is one.
pub async fn chunk(db: &DatabaseConnection, id: i64, seq: i32) -> Result<Option<Vec<u8>>, StorageError> {
    Ok(export_chunk::Entity::find_by_id((id, seq)).one(db).await?.map(|c| c.data))
}

/// Deletes the files of jobs expired before `now` (the jobs stay, without a download).
pub async fn delete_expired(
    db: &DatabaseConnection,
    gate: &WriteGate,
    now: DateTime<Utc>,
) -> Result<u64, StorageError> {
    let _held = held(db, gate).await;
    let ids: Vec<i64> = export_job::Entity::find()
        .filter(export_job::Column::ExpiresAt.lt(now))
        .all(db)
        .await?
        .into_iter()
        .map(|j| j.id)
        .collect();
    if ids.is_empty() {
        return Ok(0);
    }
    let r = export_chunk::Entity::delete_many().filter(export_chunk::Column::JobId.is_in(ids)).exec(db).await?;
    Ok(r.rows_affected)
}
