//! Cooperatives, unions, groups and what hangs off them. Every edge that
//! leaves a row goes through a DataLoader or the in-memory gazetteer.

use super::connection::{connection, Total};
use super::enums::{stored, Gender, GroupStatus, Rating, RegistrationStatus, Sector, SyncState};
use super::unit::AdministrativeUnit;
use crate::auth::{may_read_personal_data, may_read_sync_detail, Principal};
use crate::domain::{self, money, UnitId};
use crate::graphql::error::internal;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::loaders::MemberPage;
use crate::graphql::scalars::{Date, DateTime, Decimal};
use crate::service::page::{self, PageRequest};
use crate::state::AppState;
use crate::storage::organisations::{OrderField, Ordering, OrgKind, OrgRow};
use async_graphql::{Context, Object, Result, ID};
use entity::{annual_report, cooperative, cooperative_group, cooperative_union, person};
use std::sync::Arc;

fn loaders<'c>(ctx: &Context<'c>) -> Result<crate::graphql::loaders::LoadersRef<'c>> {
    crate::graphql::loaders::of(ctx)
}

fn decimal(minor: Option<i64>) -> Option<Decimal> {
    minor.map(|m| Decimal(money::from_minor_units(m)))
}

/// The head-office address of a row.
fn address(street: &Option<String>, ward_id: UnitId) -> Address {
    Address { street: street.clone(), ward_id }
}

async fn person(ctx: &Context<'_>, id: Option<i64>, province_id: UnitId) -> Result<Option<Person>> {
    let Some(id) = id else { return Ok(None) };
    let p = loaders(ctx)?.persons.load_one(id).await.map_err(|e| internal(&e))?;
    Ok(p.map(|model| Person { model, province_id }))
}

async fn reports(ctx: &Context<'_>, kind: OrgKind, id: i64) -> Result<Arc<Vec<annual_report::Model>>> {
    Ok(loaders(ctx)?.reports.load_one((kind, id)).await.map_err(|e| internal(&e))?.unwrap_or_default())
}

/// The rating of `year`, or of the latest report when `year` is omitted.
async fn rating(
    ctx: &Context<'_>,
    kind: OrgKind,
    id: i64,
    latest: &Option<String>,
    year: Option<i32>,
) -> Result<Option<Rating>> {
    let stored_rating = match year {
        None => latest.clone(),
        Some(y) => reports(ctx, kind, id).await?.iter().find(|r| r.year == y).and_then(|r| r.rating.clone()),
    };
    stored_rating.map(|r| stored("rating", &r, domain::Rating::parse)).transpose()
}

/// A yes/no fact both the record and the annual reports state, as
/// `domain::targets::counted_flag` reads it (the one rule targets,
/// statistics and the list filters follow): the flag of the report of
/// `latest_year`, the record's `declared` one only when it never reported.
async fn counted(
    ctx: &Context<'_>,
    kind: OrgKind,
    id: i64,
    latest_year: Option<i32>,
    declared: bool,
    flag: fn(&annual_report::Model) -> bool,
) -> Result<bool> {
    let latest = match latest_year {
        None => None,
        Some(y) => reports(ctx, kind, id).await?.iter().find(|r| r.year == y).map(flag),
    };
    Ok(domain::targets::counted_flag(declared, latest))
}

async fn annual_reports(ctx: &Context<'_>, kind: OrgKind, id: i64) -> Result<Vec<AnnualReport>> {
    Ok(reports(ctx, kind, id).await?.iter().cloned().map(AnnualReport).collect())
}

fn status(s: &str) -> Result<RegistrationStatus> {
    stored("status", s, domain::RegistrationStatus::parse)
}

fn sector(s: &str) -> Result<Sector> {
    stored("sector", s, domain::Sector::parse)
}

/// Sync state columns shared by cooperatives and unions.
pub(crate) fn sync_status(
    tax: &str,
    registry: &str,
    attempts: i32,
    last_error: &Option<String>,
    last_synced_at: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<SyncStatus> {
    Ok(SyncStatus {
        tax_registration: stored("sync state", tax, domain::SyncState::parse)?,
        national_registry: stored("sync state", registry, domain::SyncState::parse)?,
        attempts,
        last_error: last_error.clone(),
        last_synced_at: last_synced_at.map(DateTime),
    })
}

/// A record's sync detail text for callers who may read it
/// ([`may_read_sync_detail`]); `None` for everyone else.
fn sync_detail(ctx: &Context<'_>, ward_id: UnitId, text: &Option<String>) -> Result<Option<String>> {
    if text.is_none() {
        return Ok(None);
    }
    let state = ctx.data::<AppState>()?;
    let province = state.gazetteer.province_of(ward_id).map(|p| p.code.as_str());
    let anonymous = Principal::anonymous();
    let who = ctx.data_opt::<Principal>().unwrap_or(&anonymous);
    Ok(if may_read_sync_detail(who, province) { text.clone() } else { None })
}

/// A cooperative (hợp tác xã).
#[derive(Clone)]
pub struct Cooperative(pub Arc<cooperative::Model>);

/// A cooperative (hợp tác xã).
#[Object]
impl Cooperative {
    /// Global opaque id.
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::Cooperative, self.0.id)
    }

    /// Cooperative code = tax code (mã số hợp tác xã / mã số thuế); null until issued.
    async fn code(&self) -> Option<&str> {
        self.0.code.as_deref()
    }

    /// Registered Vietnamese name (tên hợp tác xã).
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Name in a foreign language (tên bằng tiếng nước ngoài).
    async fn foreign_name(&self) -> Option<&str> {
        self.0.foreign_name.as_deref()
    }

    /// Abbreviated name (tên viết tắt).
    async fn abbreviation(&self) -> Option<&str> {
        self.0.abbreviation.as_deref()
    }

    /// Registration status.
    async fn status(&self) -> Result<RegistrationStatus> {
        status(&self.0.status)
    }

    /// Statistical sector.
    async fn sector(&self) -> Result<Sector> {
        sector(&self.0.sector)
    }

    /// Business lines as VSIC codes (ngành nghề kinh doanh).
    async fn business_lines(&self) -> Vec<&str> {
        self.0.business_lines.split(',').filter(|s| !s.is_empty()).collect()
    }

    /// Head office (trụ sở chính).
    async fn address(&self) -> Address {
        address(&self.0.street, self.0.ward_id)
    }

    /// Date of first registration (ngày đăng ký lần đầu).
    async fn registered_on(&self) -> Option<Date> {
        self.0.registered_on.map(Date)
    }

    /// Charter capital in đồng (vốn điều lệ).
    async fn charter_capital(&self) -> Option<Decimal> {
        decimal(self.0.charter_capital)
    }

    /// Official members (thành viên chính thức).
    async fn official_members(&self) -> i32 {
        self.0.official_members
    }

    /// Associate members (thành viên liên kết).
    async fn associate_members(&self) -> i32 {
        self.0.associate_members
    }

    /// Director (giám đốc).
    async fn director(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        person(ctx, self.0.director_id, self.0.province_id).await
    }

    /// Legal representative (người đại diện theo pháp luật).
    async fn legal_representative(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        person(ctx, self.0.legal_representative_id, self.0.province_id).await
    }

    /// Applies high technology (ứng dụng công nghệ cao): as its latest
    /// annual report states, or as declared on the record when it never
    /// reported. Targets, statistics and the `highTech` filter read it so.
    async fn high_tech(&self, ctx: &Context<'_>) -> Result<bool> {
        let m = &self.0;
        counted(ctx, OrgKind::Cooperative, m.id, m.latest_report_year, m.high_tech, |r| r.high_tech).await
    }

    /// Linked with enterprises in a value chain (liên kết chuỗi giá trị):
    /// as its latest annual report states, or as declared on the record
    /// when it never reported. Targets and the `valueChainLinked` filter
    /// read it so.
    async fn value_chain_linked(&self, ctx: &Context<'_>) -> Result<bool> {
        let m = &self.0;
        counted(ctx, OrgKind::Cooperative, m.id, m.latest_report_year, m.value_chain_linked, |r| r.value_chain_linked)
            .await
    }

    /// The union it is a member cooperative of (liên hiệp hợp tác xã).
    async fn union(&self, ctx: &Context<'_>) -> Result<Option<CooperativeUnion>> {
        let Some(id) = self.0.union_id else { return Ok(None) };
        let u = loaders(ctx)?.unions.load_one(id).await.map_err(|e| internal(&e))?;
        Ok(u.map(CooperativeUnion))
    }

    /// Rating of `year`; the latest rating when `year` is omitted (xếp loại).
    async fn rating(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Year of the annual report; the latest report when omitted.")] year: Option<i32>,
    ) -> Result<Option<Rating>> {
        rating(ctx, OrgKind::Cooperative, self.0.id, &self.0.latest_rating, year).await
    }

    /// Annual reports, oldest first.
    async fn annual_reports(&self, ctx: &Context<'_>) -> Result<Vec<AnnualReport>> {
        annual_reports(ctx, OrgKind::Cooperative, self.0.id).await
    }

    /// Sync with the national systems; the error text only for national
    /// admins and officers of its province.
    async fn sync(&self, ctx: &Context<'_>) -> Result<SyncStatus> {
        let m = &self.0;
        let last_error = sync_detail(ctx, m.ward_id, &m.sync_last_error)?;
        sync_status(&m.tax_sync, &m.registry_sync, m.sync_attempts, &last_error, m.last_synced_at)
    }

    /// Optimistic-concurrency version; pass it as `expectedVersion` when updating.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// Last change.
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }

    /// Since when its official members have been below the legal minimum of
    /// 5 (Law on Cooperatives 2023, art. 6); null while it has enough. The
    /// registry records the situation rather than refusing it.
    async fn below_legal_minimum_since(&self) -> Option<Date> {
        self.0.below_legal_minimum_since.map(Date)
    }

    /// Its member register (danh sách thành viên), by order of entry. Once
    /// the register holds an entry, `officialMembers` and `associateMembers`
    /// are its current members' counts. `idNumber` inside is restricted.
    async fn members(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many members to return: 20 when omitted, at most 100 (more is BAD_USER_INPUT).")]
        first: Option<i32>,
        #[graphql(desc = "Return the members after this cursor (an edge's `cursor`); from the start when omitted.")]
        after: Option<String>,
        #[graphql(
            default_with = "Some(true)",
            desc = "Only current members (joined, not left, today); false lists past members too."
        )]
        current: Option<bool>,
    ) -> Result<super::members::MemberConnection> {
        let current = current.unwrap_or(true);
        super::members::page(ctx, self.0.id, self.0.province_id, first, after.as_deref(), current).await
    }

    /// Every status it has had, oldest first, the registration included (docs/lifecycle.md).
    async fn status_history(&self, ctx: &Context<'_>) -> Result<Vec<super::lifecycle::StatusChange>> {
        super::lifecycle::status_history(ctx, domain::EntityKind::Cooperative, self.0.id).await
    }

    /// Cooperatives this one was formed from or absorbed (reorganisation).
    async fn predecessors(&self, ctx: &Context<'_>) -> Result<Vec<Cooperative>> {
        super::lifecycle::linked(ctx, crate::storage::lifecycle::LinkSide::Predecessors, self.0.id).await
    }

    /// Cooperatives this one became part of or split into (reorganisation).
    async fn successors(&self, ctx: &Context<'_>) -> Result<Vec<Cooperative>> {
        super::lifecycle::linked(ctx, crate::storage::lifecycle::LinkSide::Successors, self.0.id).await
    }
}

/// A cooperative union (liên hiệp hợp tác xã).
#[derive(Clone)]
pub struct CooperativeUnion(pub Arc<cooperative_union::Model>);

/// A cooperative union (liên hiệp hợp tác xã).
#[Object]
impl CooperativeUnion {
    /// Global opaque id.
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::CooperativeUnion, self.0.id)
    }

    /// Union code = tax code; null until issued.
    async fn code(&self) -> Option<&str> {
        self.0.code.as_deref()
    }

    /// Registered name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Registration status.
    async fn status(&self) -> Result<RegistrationStatus> {
        status(&self.0.status)
    }

    /// Statistical sector.
    async fn sector(&self) -> Result<Sector> {
        sector(&self.0.sector)
    }

    /// Head office.
    async fn address(&self) -> Address {
        address(&self.0.street, self.0.ward_id)
    }

    /// Date of first registration.
    async fn registered_on(&self) -> Option<Date> {
        self.0.registered_on.map(Date)
    }

    /// Charter capital in đồng.
    async fn charter_capital(&self) -> Option<Decimal> {
        decimal(self.0.charter_capital)
    }

    /// Legal representative.
    async fn legal_representative(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        person(ctx, self.0.legal_representative_id, self.0.province_id).await
    }

    /// Member cooperatives (hợp tác xã thành viên), by id.
    async fn member_cooperatives(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many nodes to return: 20 when omitted, at most 100 (more is BAD_USER_INPUT).")]
        first: Option<i32>,
        #[graphql(
            desc = "Return the nodes after this cursor (an edge's `cursor` or `pageInfo.endCursor`); from the start when omitted."
        )]
        after: Option<String>,
        #[graphql(desc = "The last `last` members (before `before`, if given); not with `first`. At most 100.")]
        last: Option<i32>,
        #[graphql(desc = "Only members before this cursor (page backward with `last`).")] before: Option<String>,
    ) -> Result<CooperativeConnection> {
        use crate::graphql::error::ApiResult;
        let ordering = Ordering { field: OrderField::Id, descending: false };
        let req = PageRequest::window(first, after.as_deref(), last, before.as_deref(), ordering).api()?;
        // A selection of `totalCount` alone loads no page.
        let look = ctx.look_ahead();
        let page_selected = look.field("edges").exists() || look.field("pageInfo").exists();
        let rows = if req.first == 0 || !page_selected {
            Arc::new(Vec::new())
        } else {
            loaders(ctx)?
                .members
                .load_one(MemberPage::of(self.0.id, &req))
                .await
                .map_err(|e| internal(&e))?
                .unwrap_or_default()
        };
        // Rows come in id order: a backward page drops the extra row at its start.
        let more = rows.len() as u64 > req.first;
        let skip = if req.from_end && more { 1 } else { 0 };
        let (has_previous_page, has_next_page) =
            if req.from_end { (more, req.before.is_some()) } else { (req.after.is_some(), more) };
        let items = rows
            .iter()
            .skip(skip)
            .take(req.first as usize)
            .map(|c| (page::encode_cursor(ordering, &c.as_ref().position(OrderField::Id)), c.clone()))
            .collect();
        Ok(CooperativeConnection::new(
            page::Page { items, has_next_page, has_previous_page },
            Total::UnionMembers(self.0.id),
        ))
    }

    /// Rating of `year`; the latest when omitted.
    async fn rating(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Year of the annual report; the latest report when omitted.")] year: Option<i32>,
    ) -> Result<Option<Rating>> {
        rating(ctx, OrgKind::Union, self.0.id, &self.0.latest_rating, year).await
    }

    /// Annual reports, oldest first.
    async fn annual_reports(&self, ctx: &Context<'_>) -> Result<Vec<AnnualReport>> {
        annual_reports(ctx, OrgKind::Union, self.0.id).await
    }

    /// Sync with the national systems; the error text only for national
    /// admins and officers of its province.
    async fn sync(&self, ctx: &Context<'_>) -> Result<SyncStatus> {
        let m = &self.0;
        let last_error = sync_detail(ctx, m.ward_id, &m.sync_last_error)?;
        sync_status(&m.tax_sync, &m.registry_sync, m.sync_attempts, &last_error, m.last_synced_at)
    }

    /// Optimistic-concurrency version.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// Last change.
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }

    /// Every status it has had, oldest first, the registration included (docs/lifecycle.md).
    async fn status_history(&self, ctx: &Context<'_>) -> Result<Vec<super::lifecycle::StatusChange>> {
        super::lifecycle::status_history(ctx, domain::EntityKind::CooperativeUnion, self.0.id).await
    }

    /// Director (giám đốc).
    async fn director(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        person(ctx, self.0.director_id, self.0.province_id).await
    }

    /// Operating member cooperatives (ACTIVE or SUSPENDED) below the legal
    /// minimum of three since this day; null while it has three or more.
    async fn below_legal_minimum_since(&self) -> Option<Date> {
        self.0.below_minimum_since.map(Date)
    }
}

/// A cooperative group (tổ hợp tác).
#[derive(Clone)]
pub struct CooperativeGroup(pub Arc<cooperative_group::Model>);

/// A cooperative group (tổ hợp tác).
#[Object]
impl CooperativeGroup {
    /// Global opaque id.
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::CooperativeGroup, self.0.id)
    }

    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Status.
    async fn status(&self) -> Result<GroupStatus> {
        stored("group status", &self.0.status, domain::GroupStatus::parse)
    }

    /// Statistical sector.
    async fn sector(&self) -> Result<Sector> {
        sector(&self.0.sector)
    }

    /// Where it is recorded.
    async fn address(&self) -> Address {
        address(&self.0.street, self.0.ward_id)
    }

    /// Date of the cooperation contract (ngày thành lập).
    async fn established_on(&self) -> Date {
        Date(self.0.established_on)
    }

    /// Number of members (thành viên).
    async fn members(&self) -> i32 {
        self.0.members
    }

    /// Representative (người đại diện).
    async fn representative(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        person(ctx, self.0.representative_id, self.0.province_id).await
    }

    /// Applies high technology (ứng dụng công nghệ cao): as its latest
    /// annual report states, or as declared on the record when it never
    /// reported. Targets and the `highTech` filter read it so.
    async fn high_tech(&self, ctx: &Context<'_>) -> Result<bool> {
        let m = &self.0;
        counted(ctx, OrgKind::Group, m.id, m.latest_report_year, m.high_tech, |r| r.high_tech).await
    }

    /// Linked with enterprises in a value chain (liên kết chuỗi giá trị):
    /// as its latest annual report states, or as declared on the record
    /// when it never reported. Targets and the `valueChainLinked` filter
    /// read it so.
    async fn value_chain_linked(&self, ctx: &Context<'_>) -> Result<bool> {
        let m = &self.0;
        counted(ctx, OrgKind::Group, m.id, m.latest_report_year, m.value_chain_linked, |r| r.value_chain_linked).await
    }

    /// The day it was disbanded (chấm dứt); null while ACTIVE.
    async fn disbanded_on(&self) -> Option<Date> {
        self.0.disbanded_on.map(Date)
    }

    /// Rating of `year`; the latest when omitted.
    async fn rating(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Year of the annual report; the latest report when omitted.")] year: Option<i32>,
    ) -> Result<Option<Rating>> {
        rating(ctx, OrgKind::Group, self.0.id, &self.0.latest_rating, year).await
    }

    /// Annual reports, oldest first.
    async fn annual_reports(&self, ctx: &Context<'_>) -> Result<Vec<AnnualReport>> {
        annual_reports(ctx, OrgKind::Group, self.0.id).await
    }

    /// Optimistic-concurrency version.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// Last change.
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
}

/// An address: street, 2025 ward and province (địa chỉ).
pub struct Address {
    street: Option<String>,
    ward_id: UnitId,
}

/// An address: street, 2025 ward and province (địa chỉ).
#[Object]
impl Address {
    /// House number and street (số nhà, đường).
    async fn street(&self) -> Option<&str> {
        self.street.as_deref()
    }

    /// The 2025 ward, commune or special zone.
    async fn ward(&self, ctx: &Context<'_>) -> Result<AdministrativeUnit> {
        let g = &ctx.data::<AppState>()?.gazetteer;
        g.shared(self.ward_id)
            .map(AdministrativeUnit::shared)
            .ok_or_else(|| internal(&format!("ward {} not in the gazetteer", self.ward_id)))
    }

    /// The 2025 province.
    async fn province(&self, ctx: &Context<'_>) -> Result<AdministrativeUnit> {
        let g = &ctx.data::<AppState>()?.gazetteer;
        g.province_of(self.ward_id)
            .and_then(|p| g.shared(p.id))
            .map(AdministrativeUnit::shared)
            .ok_or_else(|| internal(&format!("ward {} has no province", self.ward_id)))
    }
}

/// A person named on a record.
pub struct Person {
    model: Arc<person::Model>,
    province_id: UnitId,
}

impl Person {
    /// Whether the caller may see this person's restricted fields.
    fn may_read(&self, ctx: &Context<'_>) -> Result<bool> {
        let state = ctx.data::<AppState>()?;
        let province = state.gazetteer.province_of(self.province_id).map(|p| p.code.as_str());
        let anonymous = Principal::anonymous();
        let who = ctx.data_opt::<Principal>().unwrap_or(&anonymous);
        Ok(may_read_personal_data(who, province))
    }

    /// A restricted value for callers who may see it (the read is noted for
    /// the audit trail), else null.
    fn restricted<'a>(&self, ctx: &Context<'_>, value: Option<&'a str>) -> Result<Option<&'a str>> {
        if value.is_none() || !self.may_read(ctx)? {
            return Ok(None);
        }
        let state = ctx.data::<AppState>()?;
        let province = state.gazetteer.province_of(self.province_id).map(|p| p.code.as_str());
        match ctx.data_opt::<std::sync::Arc<crate::graphql::PersonalReads>>() {
            Some(reads) => reads.note(self.model.id, self.model.id_number.as_deref(), province),
            // No place to record the read: do not reveal it.
            None => return Ok(None),
        }
        Ok(value)
    }
}

/// A person named on a record: a director (giám đốc), legal representative
/// (người đại diện theo pháp luật) or group representative.
#[Object]
impl Person {
    /// Full name (họ và tên).
    async fn full_name(&self) -> &str {
        &self.model.full_name
    }

    /// Gender.
    async fn gender(&self) -> Result<Option<Gender>> {
        self.model.gender.as_deref().map(|g| stored("gender", g, domain::Gender::parse)).transpose()
    }

    /// Citizen identity number (số định danh cá nhân). Restricted: null unless
    /// the caller is a national admin or an officer of the record's province;
    /// every read is recorded in the audit trail.
    async fn id_number(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        self.restricted(ctx, self.model.id_number.as_deref())
    }

    /// Phone number. Restricted like `idNumber`.
    async fn phone(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        self.restricted(ctx, self.model.phone.as_deref())
    }
}

/// An annual report (báo cáo năm).
pub struct AnnualReport(pub annual_report::Model);

/// An annual report (báo cáo năm).
#[Object]
impl AnnualReport {
    /// The year reported on.
    async fn year(&self) -> i32 {
        self.0.year
    }

    /// Official members at year end.
    async fn official_members(&self) -> i32 {
        self.0.official_members
    }

    /// Associate members at year end.
    async fn associate_members(&self) -> i32 {
        self.0.associate_members
    }

    /// Employees (lao động).
    async fn employees(&self) -> Option<i32> {
        self.0.employees
    }

    /// Revenue in đồng (doanh thu).
    async fn revenue(&self) -> Option<Decimal> {
        decimal(self.0.revenue)
    }

    /// Profit in đồng (lợi nhuận).
    async fn profit(&self) -> Option<Decimal> {
        decimal(self.0.profit)
    }

    /// Average member income, đồng per member per month (thu nhập bình quân).
    async fn average_member_income(&self) -> Option<Decimal> {
        decimal(self.0.average_member_income)
    }

    /// Classification of the year.
    async fn rating(&self) -> Result<Option<Rating>> {
        self.0.rating.as_deref().map(|r| stored("rating", r, domain::Rating::parse)).transpose()
    }

    /// Applied high technology that year.
    async fn high_tech(&self) -> bool {
        self.0.high_tech
    }

    /// Linked in a value chain that year.
    async fn value_chain_linked(&self) -> bool {
        self.0.value_chain_linked
    }

    /// OCOP products held.
    async fn ocop_products(&self) -> i32 {
        self.0.ocop_products
    }

    /// When it was submitted.
    async fn submitted_at(&self) -> DateTime {
        DateTime(self.0.submitted_at)
    }

    /// Version of this year's report: 1 for the first submission, one more
    /// for each replacement. A replacement names it as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// A record's sync with the national systems.
#[derive(async_graphql::SimpleObject)]
pub struct SyncStatus {
    /// With the tax registration system (hệ thống đăng ký thuế).
    pub tax_registration: SyncState,
    /// With the National Information System on Cooperative Registration.
    pub national_registry: SyncState,
    /// Delivery attempts for the current change.
    pub attempts: i32,
    /// The last error, as the national system said it. Only national admins
    /// and officers of the record's province see it; null for everyone else.
    pub last_error: Option<String>,
    /// When the record was last in step.
    pub last_synced_at: Option<DateTime>,
}

connection!(
    /// A page of cooperatives.
    CooperativeConnection, CooperativeEdge, Cooperative, cooperative::Model
);
connection!(
    /// A page of cooperative unions.
    CooperativeUnionConnection, CooperativeUnionEdge, CooperativeUnion, cooperative_union::Model
);
connection!(
    /// A page of cooperative groups.
    CooperativeGroupConnection, CooperativeGroupEdge, CooperativeGroup, cooperative_group::Model
);
