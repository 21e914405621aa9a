//! The change feed and the audit trail as GraphQL shows them.

use super::connection::PageInfo;
use super::enums::{ChangeKind, EntityKind};
use super::organisation::{Cooperative, CooperativeGroup, CooperativeUnion};
use super::Node;
use crate::domain;
use crate::graphql::error::internal;
use crate::graphql::ids;
use crate::graphql::scalars::DateTime;
use async_graphql::{Context, Object, Result, SimpleObject, ID};
use entity::{audit_event, change_event};
use std::sync::Arc;

/// One committed change of the registry (thay đổi), in feed order.
#[derive(Clone)]
pub struct Change(pub Arc<change_event::Model>);

/// The global id of an entity named by the feed or the audit trail.
fn entity_id(kind: &str, id: i64) -> ID {
    let name = match domain::EntityKind::parse(kind) {
        Some(domain::EntityKind::Cooperative) => "Cooperative",
        Some(domain::EntityKind::CooperativeUnion) => "CooperativeUnion",
        Some(domain::EntityKind::CooperativeGroup) => "CooperativeGroup",
        Some(domain::EntityKind::Target) => "Target",
        Some(domain::EntityKind::Person) | None => "Person",
    };
    ids::encode_named(name, id)
}

/// One committed change of the registry (thay đổi), in feed order.
#[Object]
impl Change {
    /// Position in the feed (a decimal number as text); resume after it.
    async fn sequence(&self) -> String {
        self.0.sequence.to_string()
    }

    /// What happened.
    async fn kind(&self) -> Result<ChangeKind> {
        super::enums::stored("change kind", &self.0.kind, domain::ChangeKind::parse)
    }

    /// What kind of entity changed.
    async fn entity_kind(&self) -> Result<EntityKind> {
        super::enums::stored("entity kind", &self.0.entity_kind, domain::EntityKind::parse)
    }

    /// Global id of the entity (use it with `node`).
    async fn entity_id(&self) -> ID {
        entity_id(&self.0.entity_kind, self.0.entity_id)
    }

    /// The entity's 2025 province.
    async fn province_code(&self) -> &str {
        &self.0.province_code
    }

    /// When it was committed.
    async fn at(&self) -> DateTime {
        DateTime(self.0.at)
    }

    /// The entity's version after the change.
    async fn version(&self) -> Option<i32> {
        self.0.version
    }

    /// The entity as it is now (not as it was at this change); null when gone.
    async fn entity(&self, ctx: &Context<'_>) -> Result<Option<Node>> {
        let id = self.0.entity_id;
        // Over a subscription these are the loaders shared by every
        // subscriber of this event, so the entity is read once for all.
        let l = crate::graphql::loaders::of(ctx)?;
        Ok(match domain::EntityKind::parse(&self.0.entity_kind) {
            Some(domain::EntityKind::Cooperative) => {
                l.cooperatives.load_one(id).await.map_err(|e| internal(&e))?.map(|m| Node::Cooperative(Cooperative(m)))
            }
            Some(domain::EntityKind::CooperativeUnion) => l
                .unions
                .load_one(id)
                .await
                .map_err(|e| internal(&e))?
                .map(|m| Node::CooperativeUnion(CooperativeUnion(m))),
            Some(domain::EntityKind::CooperativeGroup) => l
                .groups
                .load_one(id)
                .await
                .map_err(|e| internal(&e))?
                .map(|m| Node::CooperativeGroup(CooperativeGroup(m))),
            Some(domain::EntityKind::Target) => {
                l.targets.load_one(id).await.map_err(|e| internal(&e))?.map(|m| Node::Target(super::targets::Target(m)))
            }
            _ => None,
        })
    }
}

/// An edge of the change feed.
#[derive(SimpleObject, Clone)]
pub struct ChangeEdge {
    /// Opaque cursor; pass it as `after` to resume after this change.
    pub cursor: String,
    /// The change.
    pub node: Change,
}

/// A page of the change feed, in order.
#[derive(SimpleObject)]
pub struct ChangeConnection {
    /// The changes.
    pub edges: Vec<ChangeEdge>,
    /// Where the page lies; `hasNextPage` is false at the current end of the feed.
    pub page_info: PageInfo,
}

/// One audit entry (nhật ký): who did what, when, with what outcome.
pub struct AuditEvent(pub audit_event::Model);

/// One audit entry (nhật ký): who did what, when, with what outcome.
#[Object]
impl AuditEvent {
    /// Position in the trail.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// When.
    async fn at(&self) -> DateTime {
        DateTime(self.0.at)
    }
    /// Token subject of the caller.
    async fn subject(&self) -> &str {
        &self.0.subject
    }
    /// Caller's role claim.
    async fn role(&self) -> &str {
        &self.0.role
    }
    /// Caller's province (officers).
    async fn province_code(&self) -> Option<&str> {
        self.0.province.as_deref()
    }
    /// The request's id (`x-request-id`).
    async fn request_id(&self) -> &str {
        &self.0.request_id
    }
    /// The operation, e.g. `registerCooperative` or `readPersonalData`.
    async fn operation(&self) -> &str {
        &self.0.operation
    }
    /// Global id of the entity concerned.
    async fn entity_id(&self) -> Option<ID> {
        match (&self.0.entity_kind, self.0.entity_id) {
            // Exchange rows name an outbox row (in `detail`), not a node.
            (Some(k), Some(id)) if domain::EntityKind::parse(k).is_some() => Some(entity_id(k, id)),
            _ => None,
        }
    }
    /// SUCCESS, DENIED, REJECTED, READ, or EXCHANGE (a call to a national
    /// system, described in `detail`).
    async fn outcome(&self) -> &str {
        &self.0.outcome
    }
    /// SHA-256 of the entity before the change.
    async fn before_digest(&self) -> Option<&str> {
        self.0.before_digest.as_deref()
    }
    /// SHA-256 of the entity after the change.
    async fn after_digest(&self) -> Option<&str> {
        self.0.after_digest.as_deref()
    }
    /// Reason, errors or other detail.
    async fn detail(&self) -> Option<&str> {
        self.0.detail.as_deref()
    }
    /// SHA-256 over the previous event's hash and this event's canonical
    /// form (hex): the audit trail's hash chain (docs/evidence.md).
    async fn hash(&self) -> &str {
        &self.0.hash
    }
}

/// An edge of the audit trail.
#[derive(SimpleObject)]
pub struct AuditEventEdge {
    /// Opaque cursor.
    pub cursor: String,
    /// The entry.
    pub node: AuditEvent,
}

/// A page of the audit trail, oldest first.
#[derive(SimpleObject)]
pub struct AuditEventConnection {
    /// The entries.
    pub edges: Vec<AuditEventEdge>,
    /// Where the page lies.
    pub page_info: PageInfo,
}
