//! The lifecycle in the API: a record's status history, reorganisation
//! links, and the inputs and payloads of the lifecycle mutations.

use super::enums::{stored, ChangeOrigin, DissolutionKind, RegistrationStatus, ReorganisationKind, Sector};
use super::organisation::Cooperative;
use super::write::{AddressInput, PersonInput, RegisterCooperativeInput, UserError};
use crate::domain::{self, EntityKind};
use crate::graphql::error::internal;
use crate::graphql::loaders::Loaders;
use crate::graphql::scalars::{Date, DateTime};
use crate::storage::lifecycle::LinkSide;
use async_graphql::{Context, InputObject, Object, Result, SimpleObject, ID};
use entity::status_change;
use std::sync::Arc;

/// One status a record had (tình trạng pháp lý), with the day it took effect.
pub struct StatusChange(pub status_change::Model);

/// One status a record had (tình trạng pháp lý), with the day it took effect.
#[Object]
impl StatusChange {
    /// The status.
    async fn status(&self) -> Result<RegistrationStatus> {
        stored("status", &self.0.status, domain::RegistrationStatus::parse)
    }

    /// The day it took effect (ngày có hiệu lực).
    async fn effective_on(&self) -> Date {
        Date(self.0.effective_on)
    }

    /// Why: the decision, court judgment or application behind it.
    async fn reason(&self) -> &str {
        &self.0.reason
    }

    /// Voluntary or compulsory, for IN_DISSOLUTION and DISSOLVED.
    async fn dissolution_kind(&self) -> Result<Option<DissolutionKind>> {
        self.0
            .dissolution_kind
            .as_deref()
            .map(|k| stored("dissolution kind", k, domain::DissolutionKind::parse))
            .transpose()
    }

    /// End of a suspension term (thời hạn tạm ngừng).
    async fn until(&self) -> Option<Date> {
        self.0.until.map(Date)
    }

    /// Who made it: the province (this registry) or the national systems.
    async fn origin(&self) -> Result<ChangeOrigin> {
        stored("origin", &self.0.origin, domain::ChangeOrigin::parse)
    }

    /// When the registry recorded it.
    async fn recorded_at(&self) -> DateTime {
        DateTime(self.0.recorded_at)
    }
}

fn loaders<'c>(ctx: &Context<'c>) -> Result<&'c Loaders> {
    ctx.data::<Loaders>()
}

/// A record's status history, oldest first.
pub async fn status_history(ctx: &Context<'_>, kind: EntityKind, id: i64) -> Result<Vec<StatusChange>> {
    let rows = loaders(ctx)?.status_histories.load_one((kind, id)).await.map_err(|e| internal(&e))?;
    Ok(rows.map(|r| r.iter().cloned().map(StatusChange).collect()).unwrap_or_default())
}

/// The cooperatives on one side of a cooperative's reorganisation links.
pub async fn linked(ctx: &Context<'_>, side: LinkSide, id: i64) -> Result<Vec<Cooperative>> {
    let l = loaders(ctx)?;
    let ids = l.links.load_one((side, id)).await.map_err(|e| internal(&e))?.unwrap_or_default();
    let found = l.cooperatives.load_many(ids.iter().copied()).await.map_err(|e| internal(&e))?;
    Ok(ids.iter().filter_map(|i| found.get(i)).map(|m| Cooperative(Arc::clone(m))).collect())
}

/// Changing a union's registered content (đăng ký thay đổi nội dung).
#[derive(InputObject, Debug, Clone)]
pub struct UpdateCooperativeUnionInput {
    /// Global id of the union.
    pub id: ID,
    /// The `version` the client read.
    pub expected_version: i32,
    /// New registered name.
    pub name: Option<String>,
    /// New statistical sector.
    pub sector: Option<Sector>,
    /// New head office.
    pub address: Option<AddressInput>,
    /// New charter capital in đồng.
    pub charter_capital: Option<crate::graphql::scalars::Decimal>,
    /// New legal representative (người đại diện theo pháp luật).
    pub legal_representative: Option<PersonInput>,
    /// New director (giám đốc).
    pub director: Option<PersonInput>,
}

/// Changing a cooperative group's record.
#[derive(InputObject, Debug, Clone)]
pub struct UpdateCooperativeGroupInput {
    /// Global id of the group.
    pub id: ID,
    /// The `version` the client read.
    pub expected_version: i32,
    /// New name.
    pub name: Option<String>,
    /// New statistical sector.
    pub sector: Option<Sector>,
    /// New place of record.
    pub address: Option<AddressInput>,
    /// Number of members (at least 2).
    pub members: Option<i32>,
    /// New representative (người đại diện).
    pub representative: Option<PersonInput>,
    /// Applies high technology, as declared on the record: shown and
    /// counted only until its first annual report; after that the latest
    /// report's flag wins (correct that report to change it).
    pub high_tech: Option<bool>,
    /// Linked with enterprises in a value chain (liên kết chuỗi giá trị), as
    /// declared on the record; the latest annual report's flag wins once
    /// there is one.
    pub value_chain_linked: Option<bool>,
}

/// Disbanding a cooperative group (chấm dứt hợp đồng hợp tác).
#[derive(InputObject, Debug, Clone)]
pub struct DisbandGroupInput {
    /// Global id of the group.
    pub id: ID,
    /// The `version` the client read.
    pub expected_version: i32,
    /// The day the cooperation contract ended; not in the future, not before the group was established.
    pub effective_on: Date,
    /// Why.
    pub reason: String,
}

/// Withdrawing an application (rút hồ sơ đăng ký) before registration.
#[derive(InputObject, Debug, Clone)]
pub struct WithdrawApplicationInput {
    /// Global id of a PENDING cooperative or union.
    pub id: ID,
    /// The `version` the client read.
    pub expected_version: i32,
    /// Why the applicants withdraw.
    pub reason: String,
}

/// A reorganisation of cooperatives (tổ chức lại): merger, consolidation, split, separation.
#[derive(InputObject, Debug, Clone)]
pub struct ReorganiseInput {
    /// Which reorganisation.
    pub kind: ReorganisationKind,
    /// The cooperatives that reorganise: two or more for MERGER and CONSOLIDATION, one for SPLIT and SEPARATION.
    pub source_ids: Vec<ID>,
    /// MERGER: the existing cooperative that absorbs the sources.
    pub into_id: Option<ID>,
    /// CONSOLIDATION (one), SPLIT (two or more), SEPARATION (one or more): the new cooperatives.
    pub successors: Option<Vec<RegisterCooperativeInput>>,
    /// The day it takes effect; not in the future.
    pub effective_on: Date,
    /// Why: the general assemblies' resolutions.
    pub reason: String,
    /// Idempotency key: the same key and input returns the first result.
    pub client_mutation_id: Option<String>,
}

/// The result of `reorganiseCooperatives`.
#[derive(SimpleObject)]
pub struct ReorganisationPayload {
    /// The cooperatives that reorganised, as they are now.
    pub sources: Option<Vec<Cooperative>>,
    /// The cooperatives they became (part of): the absorbing one, or the new ones.
    pub successors: Option<Vec<Cooperative>>,
    /// Business failures; empty on success.
    pub user_errors: Vec<UserError>,
}

/// The service's draft of a registration input.
pub fn new_cooperative(input: RegisterCooperativeInput) -> crate::service::cooperatives::NewCooperative {
    crate::service::cooperatives::NewCooperative {
        name: input.name,
        foreign_name: input.foreign_name,
        abbreviation: input.abbreviation,
        sector: input.sector.into(),
        business_lines: input.business_lines,
        street: input.address.street,
        ward_code: input.address.ward_code,
        charter_capital: input.charter_capital.map(|d| d.0),
        official_members: input.official_members,
        associate_members: input.associate_members,
        director: input.director.into(),
        legal_representative: input.legal_representative.into(),
        high_tech: input.high_tech,
        value_chain_linked: input.value_chain_linked,
        code: input.code,
        registered_on: input.registered_on.map(|d| d.0),
        client_mutation_id: input.client_mutation_id,
    }
}
