//! The member register (danh sách thành viên) in the API: members, their
//! page, and the inputs and payload of `addMember` / `endMembership`.

use super::enums::{stored, Gender, MemberKind, MemberType};
use super::write::UserError;
use crate::auth::{may_read_personal_data, Principal};
use crate::domain::{self, members, money, UnitId};
use crate::graphql::error::internal;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::scalars::{Date, Decimal};
use crate::state::AppState;
use crate::storage::members::{self as register, RegisterSelection};
use async_graphql::{Context, InputObject, Object, Result, SimpleObject, ID};
use entity::member;
use std::collections::BTreeSet;
use std::sync::Mutex;

/// Members whose identity numbers a request revealed, as (cooperative,
/// member) pairs: each is recorded in the audit trail when the request ends.
#[derive(Default)]
pub struct MemberReads(Mutex<BTreeSet<(i64, i64)>>);

impl MemberReads {
    /// Notes that a member's identity number was revealed.
    pub fn note(&self, cooperative_id: i64, member_id: i64) {
        if let Ok(mut s) = self.0.lock() {
            s.insert((cooperative_id, member_id));
        }
    }

    /// The reads noted so far, emptied.
    pub fn take(&self) -> Vec<(i64, i64)> {
        self.0.lock().map(|mut s| std::mem::take(&mut *s).into_iter().collect()).unwrap_or_default()
    }
}

/// A register entry, with the province of its cooperative (who may read
/// the identity number depends on it).
#[derive(Clone)]
pub struct Member {
    /// The row.
    pub model: std::sync::Arc<member::Model>,
    /// The cooperative's province.
    pub province_id: UnitId,
}

/// A member of a cooperative's register (thành viên).
#[Object]
impl Member {
    /// Global opaque id.
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::Member, self.model.id)
    }

    /// Individual, household or legal entity.
    async fn kind(&self) -> Result<MemberKind> {
        stored("kind", &self.model.kind, members::MemberKind::parse)
    }

    /// Official, or associate contributing capital or not.
    #[graphql(name = "type")]
    async fn member_type(&self) -> Result<MemberType> {
        stored("type", &self.model.member_type, members::MemberType::parse)
    }

    /// Full name, or a legal entity's registered name.
    async fn name(&self) -> &str {
        &self.model.name
    }

    /// Gender of an individual or a household's head.
    async fn gender(&self) -> Result<Option<Gender>> {
        self.model.gender.as_deref().map(|g| stored("gender", g, domain::Gender::parse)).transpose()
    }

    /// Citizen identity number (căn cước), or a legal entity's enterprise
    /// (tax) code. Restricted like a person's `idNumber`: null unless the
    /// caller is a national admin or an officer of the cooperative's
    /// province; every read is recorded in the audit trail.
    async fn id_number(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        let Some(value) = self.model.id_number.as_deref() else { return Ok(None) };
        let state = ctx.data::<AppState>()?;
        let province = state.gazetteer.province_of(self.province_id).map(|p| p.code.as_str());
        let anonymous = Principal::anonymous();
        let who = ctx.data_opt::<Principal>().unwrap_or(&anonymous);
        if !may_read_personal_data(who, province) {
            return Ok(None);
        }
        match ctx.data_opt::<std::sync::Arc<MemberReads>>() {
            Some(reads) => reads.note(self.model.cooperative_id, self.model.id),
            // No place to record the read: do not reveal it.
            None => return Ok(None),
        }
        Ok(Some(value))
    }

    /// Capital contributed (vốn góp), VND.
    async fn capital_contribution(&self) -> Option<Decimal> {
        self.model.capital_contribution.map(|m| Decimal(money::from_minor_units(m)))
    }

    /// When the membership began.
    async fn joined_on(&self) -> Date {
        Date(self.model.joined_on)
    }

    /// When it ended; null for a current member.
    async fn left_on(&self) -> Option<Date> {
        self.model.left_on.map(Date)
    }
}

/// A member by row id, with its cooperative's province; `None` when
/// either is gone.
pub async fn load(ctx: &Context<'_>, id: i64) -> Result<Option<Member>> {
    let db = &ctx.data::<AppState>()?.db;
    let Some(model) = register::by_id(db, id).await.map_err(|e| internal(&e))? else { return Ok(None) };
    let loaders = crate::graphql::loaders::of(ctx)?;
    let coop = loaders.cooperatives.load_one(model.cooperative_id).await.map_err(|e| internal(&e))?;
    Ok(coop.map(|c| Member { province_id: c.province_id, model: std::sync::Arc::new(model) }))
}

/// A page of a cooperative's register: `first` (20 by default, at most
/// 100) entries after the cursor `after`, current members only unless
/// `current` is false.
pub async fn page(
    ctx: &Context<'_>,
    cooperative_id: i64,
    province_id: UnitId,
    first: Option<i32>,
    after: Option<&str>,
    current: bool,
) -> Result<MemberConnection> {
    use crate::graphql::error::ApiResult;
    let size = crate::service::page::page_size(first).api()?;
    let after_id = match after {
        Some(c) => crate::service::page::decode_sequence("after", CURSOR, c).api()?,
        None => 0,
    };
    let selection = RegisterSelection { cooperative_id, current_on: current.then(crate::service::write::today) };
    let mut rows: Vec<member::Model> = if size == 0 {
        Vec::new()
    } else {
        let key = crate::graphql::lifecycle_loaders::RegisterPage {
            cooperative_id,
            current_on: selection.current_on,
            after_id,
            limit: size + 1,
        };
        let loaders = crate::graphql::loaders::of(ctx)?;
        let page = loaders.register_pages.load_one(key).await.map_err(|e| internal(&e))?;
        page.map(|p| p.as_ref().clone()).unwrap_or_default()
    };
    let has_next_page = rows.len() as u64 > size;
    rows.truncate(usize::try_from(size).unwrap_or(usize::MAX));
    let edges = rows
        .into_iter()
        .map(|model| MemberEdge {
            cursor: crate::service::page::encode_sequence(CURSOR, model.id),
            node: Member { model: std::sync::Arc::new(model), province_id },
        })
        .collect();
    Ok(MemberConnection { edges, has_next_page, has_previous_page: after.is_some(), selection })
}

const CURSOR: &str = "member";

/// An edge: a member and its cursor.
#[derive(SimpleObject, Clone)]
pub struct MemberEdge {
    /// Opaque cursor; pass it as `after` to continue after this member.
    pub cursor: String,
    /// The member.
    pub node: Member,
}

/// A page of a member register, by id (order of entry).
pub struct MemberConnection {
    /// The edges.
    pub edges: Vec<MemberEdge>,
    /// Whether more follow.
    pub has_next_page: bool,
    /// Whether the page started after a cursor.
    pub has_previous_page: bool,
    /// What `totalCount` counts.
    pub selection: RegisterSelection,
}

/// A page of a cooperative's member register.
#[Object]
impl MemberConnection {
    /// The members of this page.
    async fn edges(&self) -> &[MemberEdge] {
        &self.edges
    }

    /// Page information.
    async fn page_info(&self) -> super::PageInfo {
        super::PageInfo::of(self.edges.iter().map(|e| &e.cursor), self.has_next_page, self.has_previous_page)
    }

    /// Members matching (current ones unless `current: false`), counted when selected.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let loaders = crate::graphql::loaders::of(ctx)?;
        let key = (self.selection.cooperative_id, self.selection.current_on);
        let n = loaders.register_counts.load_one(key).await.map_err(|e| internal(&e))?.unwrap_or(0);
        Ok(i32::try_from(n).unwrap_or(i32::MAX))
    }
}

/// Adding a member to a cooperative's register.
#[derive(InputObject, Debug, Clone)]
pub struct MemberInput {
    /// Global id of the cooperative.
    pub organization_id: ID,
    /// Individual, household or legal entity.
    pub kind: MemberKind,
    /// Official, or associate contributing capital or not.
    #[graphql(name = "type")]
    pub member_type: MemberType,
    /// Full name, or a legal entity's registered name.
    pub name: String,
    /// Gender of an individual or a household's head; not for a legal entity.
    pub gender: Option<Gender>,
    /// CCCD (12 digits beginning with a province code) of an individual or a
    /// household's head; a legal entity's 10-digit tax code (required, check
    /// digit verified, a branch's code refused).
    pub id_number: Option<String>,
    /// Capital contributed (vốn góp), VND: required for an associate member
    /// who contributes capital, absent for one who does not.
    pub capital_contribution: Option<Decimal>,
    /// When the membership began; not in the future.
    pub joined_on: Date,
}

/// Ending a membership.
#[derive(InputObject, Debug, Clone)]
pub struct EndMembershipInput {
    /// Global id of the member.
    pub member_id: ID,
    /// When it ended; not in the future, not before it began.
    pub left_on: Date,
    /// Why (withdrawal, expulsion, death, dissolution of a member entity).
    pub reason: String,
}

/// The result of `addMember` / `endMembership`.
#[derive(SimpleObject)]
pub struct MemberPayload {
    /// The member as stored; null when refused.
    pub member: Option<Member>,
    /// Why it was refused.
    pub user_errors: Vec<UserError>,
}
