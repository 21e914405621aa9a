//! The transactional outbox: what a change must tell the national systems,
//! written in the same transaction as the change. Request bodies are fixed
//! here, so every retry of a row sends the same body under the same
//! idempotency key.

use crate::domain::{money, EntityKind, Gazetteer};
use crate::service::ServiceError;
use crate::storage::StorageError;
use chrono::Utc;
use entity::{cooperative, cooperative_union, person, sync_outbox};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::{json, Map, Value};

/// What a row asks of the national systems.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Tax registration, then NCRS registration.
    Register,
    /// Changed registered content (tax details and NCRS record).
    Update,
    /// Status change (NCRS and tax).
    Status,
    /// An annual report (NCRS).
    AnnualReport,
}

impl Operation {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Register => "REGISTER",
            Operation::Update => "UPDATE",
            Operation::Status => "STATUS",
            Operation::AnnualReport => "ANNUAL_REPORT",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "REGISTER" => Some(Operation::Register),
            "UPDATE" => Some(Operation::Update),
            "STATUS" => Some(Operation::Status),
            "ANNUAL_REPORT" => Some(Operation::AnnualReport),
            _ => None,
        }
    }
}

/// Row states.
pub mod state {
    /// Waiting (possibly for its next attempt).
    pub const PENDING: &str = "PENDING";
    /// Claimed by a worker until its lease ends.
    pub const IN_FLIGHT: &str = "IN_FLIGHT";
    /// Done.
    pub const DELIVERED: &str = "DELIVERED";
    /// Gave up after the configured attempts.
    pub const FAILED: &str = "FAILED";
    /// Refused by the national system (422); waits for a fix and `retrySync`.
    pub const REJECTED: &str = "REJECTED";
}

fn money_text(minor: Option<i64>) -> Option<String> {
    minor.map(|m| money::from_minor_units(m).to_string())
}

/// VSIC level-4 classes of business lines (a 5-digit subclass counts as its class).
fn classes<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = lines.filter(|l| l.len() >= 4).map(|l| l[..4].to_owned()).collect();
    out.sort();
    out.dedup();
    out
}

fn representative(p: Option<&person::Model>) -> Value {
    let mut m = Map::new();
    if let Some(p) = p {
        m.insert("fullName".into(), json!(p.full_name));
        if let Some(id) = &p.id_number {
            m.insert("idNumber".into(), json!(id));
        }
    }
    Value::Object(m)
}

async fn person_of<C: ConnectionTrait>(c: &C, id: Option<i64>) -> Result<Option<person::Model>, ServiceError> {
    let Some(id) = id else { return Ok(None) };
    Ok(person::Entity::find_by_id(id).one(c).await.map_err(StorageError::from)?)
}

fn codes(g: &Gazetteer, ward_id: i32) -> (String, String) {
    let ward = g.unit(ward_id).map(|u| u.code.clone()).unwrap_or_default();
    let province = g.province_of(ward_id).map(|u| u.code.clone()).unwrap_or_default();
    (ward, province)
}

/// `{"tax": …, "ncrs": …}`: the registered content as each system takes it.
pub async fn content<C: ConnectionTrait>(
    c: &C,
    g: &Gazetteer,
    kind: EntityKind,
    id: i64,
) -> Result<Value, ServiceError> {
    let (name, ward_id, street, capital, rep, lines, members, kind_name) = match kind {
        EntityKind::Cooperative => {
            let m = cooperative::Entity::find_by_id(id).one(c).await.map_err(StorageError::from)?;
            let m = m.ok_or_else(|| ServiceError::Corrupt(format!("no cooperative {id}")))?;
            let rep = person_of(c, m.legal_representative_id).await?;
            let lines = classes(m.business_lines.split(','));
            let members = i64::from(m.official_members) + i64::from(m.associate_members);
            (m.name, m.ward_id, m.street, m.charter_capital, rep, lines, members, "COOPERATIVE")
        }
        EntityKind::CooperativeUnion => {
            let m = cooperative_union::Entity::find_by_id(id).one(c).await.map_err(StorageError::from)?;
            let m = m.ok_or_else(|| ServiceError::Corrupt(format!("no union {id}")))?;
            let rep = person_of(c, m.legal_representative_id).await?;
            let members: Vec<cooperative::Model> = cooperative::Entity::find()
                .filter(cooperative::Column::UnionId.eq(id))
                .all(c)
                .await
                .map_err(StorageError::from)?;
            // A union's business is its member cooperatives' business.
            let lines = classes(members.iter().flat_map(|m| m.business_lines.split(',')));
            (m.name, m.ward_id, m.street, m.charter_capital, rep, lines, members.len() as i64, "UNION")
        }
        _ => return Err(ServiceError::Corrupt(format!("{kind} is not synced"))),
    };
    let (ward, province) = codes(g, ward_id);
    let mut tax = json!({
        "name": name, "kind": kind_name, "wardCode": ward, "provinceCode": province,
        "legalRepresentative": representative(rep.as_ref()), "businessLines": lines,
    });
    if let Some(cap) = money_text(capital) {
        tax["charterCapital"] = json!(cap);
    }
    let mut ncrs = tax.clone();
    ncrs["members"] = json!(members);
    if let Some(s) = street {
        ncrs["address"] = json!(s);
    }
    Ok(json!({"tax": tax, "ncrs": ncrs}))
}

/// The status-change bodies.
pub fn status_payload(status: &str, effective_on: chrono::NaiveDate, reason: &str) -> Value {
    let tax_status = match status {
        "ACTIVE" => "ACTIVE",
        "SUSPENDED" => "SUSPENDED",
        _ => "CLOSED",
    };
    json!({
        "ncrs": {"status": status, "effectiveOn": effective_on.to_string(), "reason": reason},
        "tax": {"status": tax_status, "effectiveOn": effective_on.to_string(), "reason": reason},
    })
}

/// The annual-report body (fields the local report lacks are left out; the
/// national system says which it needs).
pub fn report_payload(r: &entity::annual_report::Model) -> Value {
    let mut report = json!({"members": i64::from(r.official_members) + i64::from(r.associate_members)});
    if let Some(e) = r.employees {
        report["employees"] = json!(e);
    }
    for (k, v) in [("revenue", r.revenue), ("profit", r.profit), ("averageMemberIncome", r.average_member_income)] {
        if let Some(t) = money_text(v) {
            report[k] = json!(t);
        }
    }
    if let Some(rating) = &r.rating {
        report["rating"] = json!(rating);
    }
    json!({"year": r.year, "report": report})
}

/// Whether a record takes part in sync (records imported with an existing
/// code, NOT_REQUIRED, do not).
pub fn syncs(registry_sync: &str) -> bool {
    registry_sync != "NOT_REQUIRED"
}

/// Appends a row in the caller's transaction and marks the record's sync PENDING.
pub async fn enqueue<C: ConnectionTrait>(
    c: &C,
    kind: EntityKind,
    entity_id: i64,
    op: Operation,
    payload: Value,
) -> Result<(), ServiceError> {
    let now = Utc::now();
    sync_outbox::ActiveModel {
        entity_kind: Set(kind.as_str().to_owned()),
        entity_id: Set(entity_id),
        operation: Set(op.as_str().to_owned()),
        payload: Set(payload.to_string()),
        idempotency_key: Set(uuid::Uuid::new_v4().to_string()),
        state: Set(state::PENDING.to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        lease_until: Set(None),
        lease_owner: Set(None),
        progress: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        delivered_at: Set(None),
        ..Default::default()
    }
    .insert(c)
    .await
    .map_err(StorageError::from)?;
    let table = match kind {
        EntityKind::CooperativeUnion => "cooperative_union",
        _ => "cooperative",
    };
    let sql = format!("UPDATE {table} SET registry_sync = 'PENDING', sync_attempts = 0 WHERE id = {entity_id}");
    c.execute_unprepared(&sql).await.map_err(StorageError::from)?;
    Ok(())
}
