//! Recording cooperative groups (tổ hợp tác).

use super::cooperatives::{insert_person, province_code};
use super::write::{self, Actor, AuditEntry, AuditOutcome, Outcome, Receipt};
use super::ServiceError;
use crate::domain::rules::{self, PersonDraft, Problems};
use crate::domain::{text, ChangeKind, EntityKind, GroupStatus, Sector};
use crate::state::AppState;
use crate::storage::StorageError;
use chrono::{NaiveDate, Utc};
use entity::cooperative_group;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};

/// A group as a client records it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NewGroup {
    pub name: String,
    pub sector: Sector,
    pub street: Option<String>,
    pub ward_code: String,
    pub established_on: NaiveDate,
    pub members: i32,
    pub representative: PersonDraft,
    pub high_tech: Option<bool>,
    /// Idempotency key; not part of the input digest.
    #[serde(skip)]
    pub client_mutation_id: Option<String>,
}

const REGISTER: &str = "registerCooperativeGroup";

/// Records a cooperative group (ACTIVE from the start: groups are not
/// registered nationally).
pub async fn register(
    state: &AppState,
    actor: &Actor,
    input: NewGroup,
) -> Result<Outcome<cooperative_group::Model>, ServiceError> {
    let g = &state.gazetteer;
    let input_digest = write::digest(&input);
    let key = input.client_mutation_id.as_deref();
    match write::receipt(&state.db, actor, key, REGISTER, &input_digest).await? {
        Receipt::Replay(id) => {
            let found = cooperative_group::Entity::find_by_id(id).one(&state.db).await.map_err(StorageError::from)?;
            return found.map(Ok).ok_or_else(|| ServiceError::Corrupt(format!("receipt names missing group {id}")));
        }
        Receipt::Conflict => return Ok(Err(write::key_reused())),
        Receipt::New => {}
    }
    let mut p = Problems::default();
    let ward = write::registration_ward(state, actor, REGISTER, &mut p, &input.ward_code).await?;
    let name = rules::name(&mut p, &["input", "name"], &input.name, rules::MAX_NAME);
    let street =
        rules::optional_text(&mut p, &["input", "address", "street"], input.street.as_deref(), rules::MAX_STREET);
    rules::not_future(&mut p, &["input", "establishedOn"], input.established_on, write::today());
    rules::count_at_least(&mut p, &["input", "members"], input.members, rules::MIN_GROUP_MEMBERS);
    let rep = rules::person(&mut p, &["input", "representative"], &input.representative);
    let (Some(ward), true) = (ward, p.is_empty()) else {
        let problems = p.into_vec();
        write::audit_rejected(&state.db, actor, REGISTER, None, &problems).await?;
        return Ok(Err(problems));
    };
    let now = Utc::now();
    let w = write::begin(state).await?;
    let rep_id = insert_person(&w.txn, &rep).await?;
    let model = cooperative_group::ActiveModel {
        name_search: Set(text::fold(&name)),
        name: Set(name),
        status: Set(GroupStatus::Active.as_str().to_owned()),
        sector: Set(input.sector.as_str().to_owned()),
        street: Set(street),
        ward_id: Set(ward.id),
        province_id: Set(g.province_of(ward.id).map(|u| u.id).unwrap_or_default()),
        established_on: Set(input.established_on),
        members: Set(input.members),
        representative_id: Set(Some(rep_id)),
        high_tech: Set(input.high_tech.unwrap_or(false)),
        value_chain_linked: Set(false),
        latest_rating: Set(None),
        latest_report_year: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&w.txn)
    .await
    .map_err(StorageError::from)?;
    write::store_receipt(&w, actor, key, REGISTER, &input_digest, (EntityKind::CooperativeGroup, model.id)).await?;
    write::audit(
        &w.txn,
        actor,
        AuditEntry {
            operation: REGISTER,
            entity: Some((EntityKind::CooperativeGroup, model.id)),
            outcome: AuditOutcome::Success,
            before: None,
            after: Some(write::digest(&model)),
            detail: None,
        },
    )
    .await?;
    let province = province_code(g, model.ward_id);
    write::record_change(&w, ChangeKind::Created, EntityKind::CooperativeGroup, model.id, &province, Some(1), now)
        .await?;
    w.commit().await?;
    state.feed.committed();
    Ok(Ok(model))
}
