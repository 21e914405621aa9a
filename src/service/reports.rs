//! Annual reports (báo cáo năm): one per organisation and year, only for
//! years the organisation existed in (`domain::annual_reports`); a newer
//! submission for the same year replaces the older one (a correction) when
//! it names the version it replaces.

use super::national;
use super::uow::UnitOfWork;
use super::write::{self, Actor, Outcome};
use super::ServiceError;
use crate::auth;
use crate::domain::annual_reports::{self, Existence};
use crate::domain::rules::{self, ProblemKind, Problems};
use crate::domain::Msg;
use crate::domain::{ChangeKind, EntityKind, Rating, RegistrationStatus};
use crate::national::Delivery;
use crate::state::AppState;
use crate::storage::lifecycle;
use crate::storage::organisations::OrgKind;
use crate::storage::records::{self, RegisteredRow};
use crate::storage::WriteTxn;
use chrono::{DateTime, Utc};
use entity::{annual_report, cooperative, cooperative_group, cooperative_union};
use rust_decimal::Decimal;

/// An annual report as a client submits it.
#[derive(Debug, Clone)]
pub struct ReportDraft {
    pub year: i32,
    pub official_members: i32,
    pub associate_members: Option<i32>,
    pub employees: Option<i32>,
    pub revenue: Option<Decimal>,
    pub profit: Option<Decimal>,
    pub average_member_income: Option<Decimal>,
    pub rating: Option<Rating>,
    pub high_tech: Option<bool>,
    pub value_chain_linked: Option<bool>,
    pub ocop_products: Option<i32>,
    /// The version of the year's report this one replaces; required when
    /// the year already has a report, absent otherwise.
    pub expected_version: Option<i32>,
}

const SUBMIT: &str = "submitAnnualReport";

/// The organisation a report is about, as read inside the unit of work.
enum Owner {
    Cooperative(cooperative::Model),
    Union(cooperative_union::Model),
    Group(cooperative_group::Model),
}

impl Owner {
    async fn load(w: &WriteTxn, org: Option<(OrgKind, i64)>) -> Result<Option<Owner>, ServiceError> {
        let Some((kind, id)) = org else { return Ok(None) };
        Ok(match kind {
            OrgKind::Cooperative => records::cooperative_for_write(w, id).await?.map(Owner::Cooperative),
            OrgKind::Union => records::union_for_write(w, id).await?.map(Owner::Union),
            OrgKind::Group => records::group_for_write(w, id).await?.map(Owner::Group),
        })
    }

    fn kind(&self) -> OrgKind {
        match self {
            Owner::Cooperative(_) => OrgKind::Cooperative,
            Owner::Union(_) => OrgKind::Union,
            Owner::Group(_) => OrgKind::Group,
        }
    }

    fn entity(&self) -> (EntityKind, i64) {
        match self {
            Owner::Cooperative(m) => (EntityKind::Cooperative, m.id),
            Owner::Union(m) => (EntityKind::CooperativeUnion, m.id),
            Owner::Group(m) => (EntityKind::CooperativeGroup, m.id),
        }
    }

    fn ward_id(&self) -> i32 {
        match self {
            Owner::Cooperative(m) => m.ward_id,
            Owner::Union(m) => m.ward_id,
            Owner::Group(m) => m.ward_id,
        }
    }

    /// Takes part in national sync (groups never do).
    fn syncs(&self) -> bool {
        match self {
            Owner::Cooperative(m) => m.syncs(),
            Owner::Union(m) => m.syncs(),
            Owner::Group(_) => false,
        }
    }

    /// Bumps the version (and, for the latest report, the latest rating)
    /// by compare-and-swap; the version after it, or `None` if another
    /// write won.
    async fn bump(
        &self,
        w: &WriteTxn,
        latest: Option<(Option<String>, i32)>,
        now: DateTime<Utc>,
    ) -> Result<Option<i32>, ServiceError> {
        macro_rules! bump {
            ($m:expr, $swap:path) => {{
                let mut next = $m.clone();
                next.version = $m.version + 1;
                next.updated_at = now;
                if let Some((rating, year)) = latest {
                    next.latest_rating = rating;
                    next.latest_report_year = Some(year);
                }
                Ok($swap(w, &next, $m.version).await?.then_some(next.version))
            }};
        }
        match self {
            Owner::Cooperative(m) => bump!(m, records::swap_cooperative),
            Owner::Union(m) => bump!(m, records::swap_union),
            Owner::Group(m) => bump!(m, records::swap_group),
        }
    }

    /// The organisation's life as the reporting rule reads it. A record
    /// that was never registered (PENDING, or WITHDRAWN before
    /// registration) has no reporting years. A cooperative or union that
    /// ended (DISSOLVED, BANKRUPT) ended on the effective date of that
    /// status in its history (`status_change`), read inside the unit of
    /// work; a group on its `disbandedOn`. A record that ended without a
    /// history row (imported so) is bounded by its start only.
    async fn existence(&self, w: &WriteTxn) -> Result<Existence, ServiceError> {
        async fn ended(
            w: &WriteTxn,
            kind: EntityKind,
            id: i64,
            status: RegistrationStatus,
        ) -> Result<Option<chrono::NaiveDate>, ServiceError> {
            if !status.has_ended() {
                return Ok(None);
            }
            let latest = lifecycle::latest_status(w, kind, id).await?;
            Ok(latest.filter(|l| l.status == status.as_str()).map(|l| l.effective_on))
        }
        let registered =
            |s: RegistrationStatus| !matches!(s, RegistrationStatus::Pending | RegistrationStatus::Withdrawn);
        Ok(match self {
            Owner::Cooperative(m) => {
                let status = m.registration_status()?;
                Existence {
                    registered: registered(status),
                    began: m.registered_on,
                    ended: ended(w, EntityKind::Cooperative, m.id, status).await?,
                }
            }
            Owner::Union(m) => {
                let status = m.registration_status()?;
                Existence {
                    registered: registered(status),
                    began: m.registered_on,
                    ended: ended(w, EntityKind::CooperativeUnion, m.id, status).await?,
                }
            }
            Owner::Group(m) => Existence { registered: true, began: Some(m.established_on), ended: m.disbanded_on },
        })
    }

    /// The high-technology and value-chain flags declared on the record,
    /// which a report that leaves them out carries for its year.
    fn declared_flags(&self) -> (bool, bool) {
        match self {
            Owner::Cooperative(m) => (m.high_tech, m.value_chain_linked),
            Owner::Union(m) => (m.high_tech, m.value_chain_linked),
            Owner::Group(m) => (m.high_tech, m.value_chain_linked),
        }
    }

    fn latest_year(&self) -> Option<i32> {
        match self {
            Owner::Cooperative(m) => m.latest_report_year,
            Owner::Union(m) => m.latest_report_year,
            Owner::Group(m) => m.latest_report_year,
        }
    }
}

/// Submits (or corrects) an organisation's report for a year; the
/// organisation's latest rating follows its latest report. The organisation
/// is read inside the write transaction and its version bumped by
/// compare-and-swap.
pub async fn submit(
    state: &AppState,
    actor: &Actor,
    org: Option<(OrgKind, i64)>,
    d: ReportDraft,
) -> Result<Outcome<annual_report::Model>, ServiceError> {
    let uow = UnitOfWork::open_keyless(state, actor, SUBMIT).await?;
    let Some(o) = Owner::load(uow.txn(), org).await? else {
        return uow.refuse_one(&["input", "organizationId"], ProblemKind::NotFound, Msg::NoSuchOrganisation).await;
    };
    let province = uow.gazetteer().province_code(o.ward_id());
    let mut uow = uow.authorize(auth::may_write(&actor.principal, &province), Some(o.entity())).await?;
    let mut p = Problems::default();
    if let Err(e) = annual_reports::report_year(d.year, &o.existence(uow.txn()).await?, write::today()) {
        p.invalid(&["input", "year"], &e);
    }
    rules::count_at_least(&mut p, &["input", "officialMembers"], d.official_members, 0);
    let associates = d.associate_members.unwrap_or(0);
    rules::count_at_least(&mut p, &["input", "associateMembers"], associates, 0);
    if let Some(e) = d.employees {
        rules::count_at_least(&mut p, &["input", "employees"], e, 0);
    }
    let ocop = d.ocop_products.unwrap_or(0);
    rules::count_at_least(&mut p, &["input", "ocopProducts"], ocop, 0);
    let revenue = rules::amount(&mut p, &["input", "revenue"], d.revenue, false);
    let profit = rules::amount(&mut p, &["input", "profit"], d.profit, true);
    let income = rules::amount(&mut p, &["input", "averageMemberIncome"], d.average_member_income, false);
    let kind = o.kind();
    let (entity, id) = o.entity();
    let existing = records::report_of_year(uow.txn(), kind, id, d.year).await?;
    match (&existing, d.expected_version) {
        (None, Some(_)) => p.invalid(&["input", "expectedVersion"], Msg::NoReportToReplace { year: d.year }),
        (Some(r), None) => p.add(
            &["input", "expectedVersion"],
            ProblemKind::VersionConflict,
            Msg::ReportExists { year: d.year, version: r.version.into() },
        ),
        _ => {}
    }
    if !p.is_empty() {
        return uow.reject(Some(o.entity()), p.into_vec()).await;
    }
    if let (Some(r), Some(v)) = (&existing, d.expected_version) {
        if r.version != v {
            return uow.conflict(v, r.version).await;
        }
    }
    let now = uow.now();
    let rating = d.rating.map(|r| r.as_str().to_owned());
    let row = annual_report::Model {
        id: existing.as_ref().map_or(0, |r| r.id),
        cooperative_id: (kind == OrgKind::Cooperative).then_some(id),
        union_id: (kind == OrgKind::Union).then_some(id),
        group_id: (kind == OrgKind::Group).then_some(id),
        year: d.year,
        official_members: d.official_members,
        associate_members: associates,
        employees: d.employees,
        revenue,
        profit,
        average_member_income: income,
        rating: rating.clone(),
        // A flag the report leaves out is the record's declared one: the
        // report states no change (`domain::targets::counted_flag`).
        high_tech: d.high_tech.unwrap_or(o.declared_flags().0),
        value_chain_linked: d.value_chain_linked.unwrap_or(o.declared_flags().1),
        ocop_products: ocop,
        submitted_at: now,
        version: existing.as_ref().map_or(1, |r| r.version + 1),
    };
    let report = records::save_report(uow.txn(), row).await?;
    // The organisation's latest rating follows its latest report.
    let is_latest = o.latest_year().is_none_or(|y| d.year >= y);
    let Some(version) = o.bump(uow.txn(), is_latest.then_some((rating, d.year)), now).await? else {
        return Err(ServiceError::Corrupt(format!("{entity} {id} changed inside its write transaction")));
    };
    uow.audit((entity, id), existing.as_ref(), Some(&report), Some(format!("year {}", d.year)));
    uow.change(ChangeKind::AnnualReport, entity, id, province, version);
    if o.syncs() {
        uow.deliver(entity, id, Delivery::AnnualReport(national::report_body(&report)));
    }
    uow.commit(None).await?;
    Ok(Ok(report))
}
