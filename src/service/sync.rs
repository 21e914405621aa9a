//! Use cases around national sync: re-queuing a refused or failed record,
//! and the queue's figures.

use super::cooperatives::province_code;
use super::write::{self, Actor, AuditEntry, AuditOutcome, Outcome};
use super::ServiceError;
use crate::auth;
use crate::domain::rules::ProblemKind;
use crate::domain::EntityKind;
use crate::state::AppState;
use crate::storage::StorageError;
use chrono::{DateTime, Utc};
use entity::{cooperative, cooperative_union, sync_outbox};
use sea_orm::{EntityTrait, FromQueryResult, QuerySelect};

/// A record's sync columns.
#[derive(Debug, Clone)]
pub struct SyncColumns {
    pub tax_sync: String,
    pub registry_sync: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub last_synced_at: Option<DateTime<Utc>>,
}

async fn columns(state: &AppState, kind: EntityKind, id: i64) -> Result<Option<(SyncColumns, i32)>, ServiceError> {
    let db = &state.db;
    Ok(match kind {
        EntityKind::Cooperative => {
            cooperative::Entity::find_by_id(id).one(db).await.map_err(StorageError::from)?.map(|m| {
                (
                    SyncColumns {
                        tax_sync: m.tax_sync,
                        registry_sync: m.registry_sync,
                        attempts: m.sync_attempts,
                        last_error: m.sync_last_error,
                        last_synced_at: m.last_synced_at,
                    },
                    m.ward_id,
                )
            })
        }
        EntityKind::CooperativeUnion => {
            cooperative_union::Entity::find_by_id(id).one(db).await.map_err(StorageError::from)?.map(|m| {
                (
                    SyncColumns {
                        tax_sync: m.tax_sync,
                        registry_sync: m.registry_sync,
                        attempts: m.sync_attempts,
                        last_error: m.sync_last_error,
                        last_synced_at: m.last_synced_at,
                    },
                    m.ward_id,
                )
            })
        }
        _ => None,
    })
}

/// Puts a record's FAILED and REJECTED deliveries back in the queue, with
/// bodies rebuilt from the record as it is now (after someone fixed it).
/// Officers of the record's province and national admins may.
pub async fn retry(
    state: &AppState,
    actor: &Actor,
    record: Option<(EntityKind, i64)>,
) -> Result<Outcome<SyncColumns>, ServiceError> {
    const OP: &str = "retrySync";
    if let Err(d) = auth::may_write_somewhere(&actor.principal) {
        return Err(write::deny(&state.db, actor, OP, None, d).await);
    }
    let Some((kind, id)) = record else {
        return write::reject(&["id"], ProblemKind::NotFound, "no such cooperative or union");
    };
    let Some((_, ward_id)) = columns(state, kind, id).await? else {
        return write::reject(&["id"], ProblemKind::NotFound, "no such cooperative or union");
    };
    if let Err(d) = auth::may_write(&actor.principal, &province_code(&state.gazetteer, ward_id)) {
        return Err(write::deny(&state.db, actor, OP, Some((kind, id)), d).await);
    }
    let w = write::begin(state).await?;
    let n = crate::sync::worker::requeue(&w.txn, &state.gazetteer, kind, id).await?;
    if n == 0 {
        return write::reject(
            &["id"],
            ProblemKind::Invalid,
            "nothing to retry: no delivery of this record failed or was rejected",
        );
    }
    let table = if kind == EntityKind::CooperativeUnion { "cooperative_union" } else { "cooperative" };
    sea_orm::ConnectionTrait::execute_unprepared(
        &w.txn,
        &format!(
            "UPDATE {table} SET registry_sync = 'PENDING', sync_attempts = 0, sync_last_error = NULL WHERE id = {id}"
        ),
    )
    .await
    .map_err(StorageError::from)?;
    write::audit(
        &w.txn,
        actor,
        AuditEntry {
            operation: OP,
            entity: Some((kind, id)),
            outcome: AuditOutcome::Success,
            before: None,
            after: None,
            detail: Some(format!("{n} deliveries re-queued")),
        },
    )
    .await?;
    w.commit().await?;
    let found = columns(state, kind, id).await?;
    found.map(|(c, _)| Ok(c)).ok_or_else(|| ServiceError::Corrupt("record vanished".into()))
}

/// Rows of one operation in one state.
#[derive(Debug, Clone, FromQueryResult)]
pub struct QueueFigure {
    /// REGISTER, UPDATE, STATUS or ANNUAL_REPORT.
    pub operation: String,
    /// PENDING, IN_FLIGHT, DELIVERED, FAILED or REJECTED.
    pub state: String,
    /// How many.
    pub rows: i64,
    /// The oldest such row's creation.
    pub oldest: Option<DateTime<Utc>>,
}

/// The sync queue by operation and state (national admins only).
pub async fn queue(state: &AppState, who: &auth::Principal) -> Result<Vec<QueueFigure>, ServiceError> {
    auth::may_read_audit(who)?;
    figures(&state.db).await
}

/// The sync queue by operation and state, for the worker's log.
pub async fn figures(db: &sea_orm::DatabaseConnection) -> Result<Vec<QueueFigure>, ServiceError> {
    use sea_orm::sea_query::Expr;
    let rows = sync_outbox::Entity::find()
        .select_only()
        .column(sync_outbox::Column::Operation)
        .column(sync_outbox::Column::State)
        .expr_as(Expr::cust("COUNT(*)"), "rows")
        .expr_as(Expr::col(sync_outbox::Column::CreatedAt).min(), "oldest")
        .group_by(sync_outbox::Column::Operation)
        .group_by(sync_outbox::Column::State)
        .into_model::<QueueFigure>()
        .all(db)
        .await
        .map_err(StorageError::from)?;
    Ok(rows)
}
