//! Recording cooperative groups (tổ hợp tác).

use super::cooperatives::registration_ward;
use super::uow::{Idempotency, Opened, UnitOfWork};
use super::write::{self, Actor, Outcome};
use super::ServiceError;
use crate::domain::rules::{self, PersonDraft, Problems};
use crate::domain::{text, ChangeKind, EntityKind, GroupStatus, Sector};
use crate::state::AppState;
use crate::storage::records;
use chrono::NaiveDate;
use entity::cooperative_group;

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
    let receipt = Idempotency::of(input.client_mutation_id.as_deref(), &input);
    let uow = match UnitOfWork::open(state, actor, REGISTER, receipt).await? {
        Opened::Open(u) => u,
        Opened::Replay(id) => {
            let found = records::group(&state.db, id).await?;
            return found.map(Ok).ok_or_else(|| ServiceError::Corrupt(format!("receipt names missing group {id}")));
        }
        Opened::KeyReused => return Ok(Err(write::key_reused())),
    };
    let mut p = Problems::default();
    let (mut uow, ward) = registration_ward(uow, &mut p, &input.ward_code).await?;
    let g = uow.gazetteer();
    let name = rules::name(&mut p, &["input", "name"], &input.name, rules::MAX_NAME);
    let street =
        rules::optional_text(&mut p, &["input", "address", "street"], input.street.as_deref(), rules::MAX_STREET);
    rules::not_future(&mut p, &["input", "establishedOn"], input.established_on, write::today());
    rules::count_at_least(&mut p, &["input", "members"], input.members, rules::MIN_GROUP_MEMBERS);
    let rep = rules::person(&mut p, &["input", "representative"], &input.representative);
    let (Some(ward), true) = (ward, p.is_empty()) else {
        return uow.reject(None, p.into_vec()).await;
    };
    let now = uow.now();
    let rep_id = records::insert_person(uow.txn(), &rep).await?;
    let row = cooperative_group::Model {
        id: 0,
        name_search: text::fold(&name),
        name,
        status: GroupStatus::Active.as_str().to_owned(),
        sector: input.sector.as_str().to_owned(),
        street,
        ward_id: ward.id,
        province_id: g.province_id(ward.id),
        established_on: input.established_on,
        members: input.members,
        representative_id: Some(rep_id),
        high_tech: input.high_tech.unwrap_or(false),
        value_chain_linked: false,
        latest_rating: None,
        latest_report_year: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let model = records::insert_group(uow.txn(), row).await?;
    let entity = (EntityKind::CooperativeGroup, model.id);
    uow.audit(entity, None::<&()>, Some(&model), None);
    uow.change(ChangeKind::Created, EntityKind::CooperativeGroup, model.id, g.province_code(model.ward_id), 1);
    uow.commit(Some(entity)).await?;
    Ok(Ok(model))
}
