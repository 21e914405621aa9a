//! Use cases around national sync: re-queuing a refused or failed record,
//! and the queue's figures. The queue's statements are in
//! `storage::outbox`.

use super::national;
use super::uow::UnitOfWork;
use super::write::{Actor, Outcome};
use super::ServiceError;
use crate::auth;
use crate::domain::rules::ProblemKind;
use crate::domain::Msg;
use crate::domain::{EntityKind, SyncState};
use crate::national::{Delivery, Operation, Progress};
use crate::state::AppState;
use crate::storage::records::{self, SyncMark};
use crate::storage::{outbox, WriteTxn};
use chrono::{DateTime, Utc};
use entity::{cooperative, cooperative_union};

pub use crate::storage::outbox::QueueFigure;

/// A record's sync columns.
#[derive(Debug, Clone)]
pub struct SyncColumns {
    pub tax_sync: String,
    pub registry_sync: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub last_synced_at: Option<DateTime<Utc>>,
}

/// A synced record as read inside a unit of work.
enum Synced {
    Cooperative(cooperative::Model),
    Union(cooperative_union::Model),
}

impl Synced {
    async fn load(w: &WriteTxn, kind: EntityKind, id: i64) -> Result<Option<Synced>, ServiceError> {
        Ok(match kind {
            EntityKind::Cooperative => records::cooperative_for_write(w, id).await?.map(Synced::Cooperative),
            EntityKind::CooperativeUnion => records::union_for_write(w, id).await?.map(Synced::Union),
            EntityKind::CooperativeGroup | EntityKind::Target | EntityKind::Person => None,
        })
    }

    fn ward_id(&self) -> i32 {
        match self {
            Synced::Cooperative(m) => m.ward_id,
            Synced::Union(m) => m.ward_id,
        }
    }
}

async fn columns(state: &AppState, kind: EntityKind, id: i64) -> Result<Option<SyncColumns>, ServiceError> {
    macro_rules! cols {
        ($m:expr) => {
            $m.map(|m| SyncColumns {
                tax_sync: m.tax_sync,
                registry_sync: m.registry_sync,
                attempts: m.sync_attempts,
                last_error: m.sync_last_error,
                last_synced_at: m.last_synced_at,
            })
        };
    }
    Ok(match kind {
        EntityKind::Cooperative => cols!(records::cooperative(&state.db, id).await?),
        EntityKind::CooperativeUnion => cols!(records::union(&state.db, id).await?),
        EntityKind::CooperativeGroup | EntityKind::Target | EntityKind::Person => None,
    })
}

/// Puts a record's FAILED and REJECTED deliveries back in the queue, with
/// content bodies rebuilt from the record as it is now (after someone fixed
/// it). Officers of the record's province and national admins may.
///
/// A row keeps its idempotency key for ever: an unchanged request is sent
/// again under the same keys (a lost answer is replayed, never applied
/// twice). A changed request gets the next revision of the row's step keys
/// (`Progress::revised`), keeping what the national side already has — the
/// registration and its tax code; the worker asks the tax system what the
/// old key made before it registers anything.
pub async fn retry(
    state: &AppState,
    actor: &Actor,
    record: Option<(EntityKind, i64)>,
) -> Result<Outcome<SyncColumns>, ServiceError> {
    const OP: &str = "retrySync";
    let mut uow = UnitOfWork::open_keyless(state, actor, OP).await?;
    let found = match record {
        Some((kind, id)) => Synced::load(uow.txn(), kind, id).await?,
        None => None,
    };
    let (Some((kind, id)), Some(found)) = (record, found) else {
        return uow.refuse_one(&["id"], ProblemKind::NotFound, Msg::NoSuchCooperativeOrUnion).await;
    };
    let decision = auth::may_write(&actor.principal, &state.gazetteer.province_code(found.ward_id()));
    uow = uow.authorize(decision, Some((kind, id))).await?;
    let rows = outbox::given_up(uow.txn(), kind, id).await?;
    if rows.is_empty() {
        return uow.refuse_one(&["id"], ProblemKind::Invalid, Msg::NothingToRetry).await;
    }
    let g = uow.gazetteer();
    let content = match &found {
        Synced::Cooperative(m) => national::cooperative_content_now(uow.txn(), g, m).await?,
        Synced::Union(m) => national::union_content_now(uow.txn(), g, m).await?,
    };
    for r in &rows {
        let body = match &r.operation {
            Ok(Operation::Register) => Some(Delivery::Register(content.clone())),
            Ok(Operation::Update) => Some(Delivery::Update(content.clone())),
            Ok(Operation::Status | Operation::AnnualReport | Operation::Reorganisation) | Err(_) => None,
        };
        let body = body.filter(|b| b.to_stored() != r.body);
        let progress = body.as_ref().map(|_| Progress::from_stored(r.progress.as_deref()).revised().to_stored());
        outbox::requeue(uow.txn(), r.id, body.as_ref(), progress).await?;
    }
    let mark = SyncMark {
        registry: Some(SyncState::Pending),
        attempts: Some(0),
        last_error: Some(None),
        ..Default::default()
    };
    records::mark_sync(uow.txn(), kind, id, mark).await?;
    uow.audit((kind, id), None::<&()>, None::<&()>, Some(format!("{} deliveries re-queued", rows.len())));
    uow.commit(None).await?;
    columns(state, kind, id).await?.map(Ok).ok_or_else(|| ServiceError::Corrupt("record vanished".into()))
}

/// The sync queue by operation and state (national admins only).
pub async fn queue(state: &AppState, actor: &super::write::Actor) -> Result<Vec<QueueFigure>, ServiceError> {
    if let Err(d) = auth::may_read_audit(&actor.principal) {
        // A refused read of the queue is audited (DENIED).
        return Err(super::uow::deny_outside(state, actor, "syncQueue", None, d).await);
    }
    Ok(outbox::figures(&state.db).await?)
}
