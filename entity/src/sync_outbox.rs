//! A change to deliver to the national systems (transactional outbox).

use sea_orm::entity::prelude::*;

/// One row of `sync_outbox`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sync_outbox")]
pub struct Model {
    /// Order of writing; a record's rows are delivered in this order.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// COOPERATIVE or COOPERATIVE_UNION.
    pub entity_kind: String,
    /// The record's id.
    pub entity_id: i64,
    /// REGISTER, UPDATE, STATUS or ANNUAL_REPORT.
    pub operation: String,
    /// The request body, fixed when the row is written so retries are identical.
    pub payload: String,
    /// Sent (with a step suffix) as `Idempotency-Key` on every attempt.
    pub idempotency_key: String,
    /// PENDING, IN_FLIGHT, DELIVERED, FAILED, REJECTED or SUPERSEDED.
    pub state: String,
    /// Attempts made.
    pub attempts: i32,
    /// Not before.
    pub next_attempt_at: DateTimeUtc,
    /// A worker holds the row until then.
    pub lease_until: Option<DateTimeUtc>,
    /// Which worker holds it.
    pub lease_owner: Option<String>,
    /// Steps done so far (JSON), e.g. the issued tax code.
    pub progress: Option<String>,
    /// The last failure.
    pub last_error: Option<String>,
    /// Written.
    pub created_at: DateTimeUtc,
    /// Delivered.
    pub delivered_at: Option<DateTimeUtc>,
    /// The fencing token of the current claim: progress saves and the
    /// settlement only take effect with it.
    pub lease_token: Option<String>,
}

/// Relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
