//! Annual reports (báo cáo năm): one per organisation and year; a second
//! submission for the same year replaces the first (a correction).

use super::cooperatives::province_code;
use super::write::{self, reject, Actor, AuditEntry, AuditOutcome, Outcome};
use super::ServiceError;
use crate::auth;
use crate::domain::rules::{self, ProblemKind, Problems};
use crate::domain::{ChangeKind, EntityKind, Rating};
use crate::state::AppState;
use crate::storage::organisations::OrgKind;
use crate::storage::StorageError;
use crate::sync::outbox::{self, Operation};
use chrono::{Datelike, Utc};
use entity::{annual_report, cooperative, cooperative_group, cooperative_union};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

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
}

/// The first year a report may be about.
pub const FIRST_REPORT_YEAR: i32 = 1990;

const SUBMIT: &str = "submitAnnualReport";

/// The parts of an organisation a report touches.
struct Owner {
    /// Takes part in national sync.
    syncs: bool,
    kind: OrgKind,
    entity: EntityKind,
    id: i64,
    ward_id: i32,
    version: i32,
    latest_year: Option<i32>,
}

async fn owner(state: &AppState, org: Option<(OrgKind, i64)>) -> Result<Option<Owner>, ServiceError> {
    let Some((kind, id)) = org else { return Ok(None) };
    let db = &state.db;
    Ok(match kind {
        OrgKind::Cooperative => {
            cooperative::Entity::find_by_id(id).one(db).await.map_err(StorageError::from)?.map(|m| Owner {
                syncs: outbox::syncs(&m.registry_sync),
                kind,
                entity: EntityKind::Cooperative,
                id,
                ward_id: m.ward_id,
                version: m.version,
                latest_year: m.latest_report_year,
            })
        }
        OrgKind::Union => {
            cooperative_union::Entity::find_by_id(id).one(db).await.map_err(StorageError::from)?.map(|m| Owner {
                syncs: outbox::syncs(&m.registry_sync),
                kind,
                entity: EntityKind::CooperativeUnion,
                id,
                ward_id: m.ward_id,
                version: m.version,
                latest_year: m.latest_report_year,
            })
        }
        OrgKind::Group => {
            cooperative_group::Entity::find_by_id(id).one(db).await.map_err(StorageError::from)?.map(|m| Owner {
                syncs: false,
                kind,
                entity: EntityKind::CooperativeGroup,
                id,
                ward_id: m.ward_id,
                version: m.version,
                latest_year: m.latest_report_year,
            })
        }
    })
}

/// Submits (or corrects) an organisation's report for a year; the
/// organisation's latest rating follows its latest report.
pub async fn submit(
    state: &AppState,
    actor: &Actor,
    org: Option<(OrgKind, i64)>,
    d: ReportDraft,
) -> Result<Outcome<annual_report::Model>, ServiceError> {
    if let Err(den) = auth::may_write_somewhere(&actor.principal) {
        return Err(write::deny(&state.db, actor, SUBMIT, None, den).await);
    }
    let Some(o) = owner(state, org).await? else {
        return reject(&["input", "organizationId"], ProblemKind::NotFound, "no such cooperative, union or group");
    };
    let province = province_code(&state.gazetteer, o.ward_id);
    if let Err(den) = auth::may_write(&actor.principal, &province) {
        return Err(write::deny(&state.db, actor, SUBMIT, Some((o.entity, o.id)), den).await);
    }
    let mut p = Problems::default();
    let this_year = write::today().year();
    if d.year < FIRST_REPORT_YEAR || d.year > this_year {
        p.invalid(&["input", "year"], format!("must be between {FIRST_REPORT_YEAR} and {this_year}"));
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
    if !p.is_empty() {
        let problems = p.into_vec();
        write::audit_rejected(&state.db, actor, SUBMIT, Some((o.entity, o.id)), &problems).await?;
        return Ok(Err(problems));
    }
    let now = Utc::now();
    let w = write::begin(state).await?;
    let owner_col = match o.kind {
        OrgKind::Cooperative => annual_report::Column::CooperativeId,
        OrgKind::Union => annual_report::Column::UnionId,
        OrgKind::Group => annual_report::Column::GroupId,
    };
    let existing = annual_report::Entity::find()
        .filter(owner_col.eq(o.id))
        .filter(annual_report::Column::Year.eq(d.year))
        .one(&w.txn)
        .await
        .map_err(StorageError::from)?;
    let rating = d.rating.map(|r| r.as_str().to_owned());
    let mut am = annual_report::ActiveModel {
        cooperative_id: Set((o.kind == OrgKind::Cooperative).then_some(o.id)),
        union_id: Set((o.kind == OrgKind::Union).then_some(o.id)),
        group_id: Set((o.kind == OrgKind::Group).then_some(o.id)),
        year: Set(d.year),
        official_members: Set(d.official_members),
        associate_members: Set(associates),
        employees: Set(d.employees),
        revenue: Set(revenue),
        profit: Set(profit),
        average_member_income: Set(income),
        rating: Set(rating.clone()),
        high_tech: Set(d.high_tech.unwrap_or(false)),
        value_chain_linked: Set(d.value_chain_linked.unwrap_or(false)),
        ocop_products: Set(ocop),
        submitted_at: Set(now),
        ..Default::default()
    };
    let before = existing.as_ref().map(write::digest);
    let report = match existing {
        Some(old) => {
            am.id = Set(old.id);
            am.update(&w.txn).await.map_err(StorageError::from)?
        }
        None => am.insert(&w.txn).await.map_err(StorageError::from)?,
    };
    // The organisation's latest rating follows its latest report.
    let is_latest = o.latest_year.is_none_or(|y| d.year >= y);
    let version = o.version + 1;
    macro_rules! bump {
        ($entity:ident) => {{
            let mut q = $entity::Entity::update_many()
                .col_expr($entity::Column::Version, Expr::value(version))
                .col_expr($entity::Column::UpdatedAt, Expr::value(now));
            if is_latest {
                q = q
                    .col_expr($entity::Column::LatestRating, Expr::value(rating.clone()))
                    .col_expr($entity::Column::LatestReportYear, Expr::value(d.year));
            }
            q.filter($entity::Column::Id.eq(o.id)).exec(&w.txn).await.map_err(StorageError::from)?;
        }};
    }
    match o.kind {
        OrgKind::Cooperative => bump!(cooperative),
        OrgKind::Union => bump!(cooperative_union),
        OrgKind::Group => bump!(cooperative_group),
    }
    write::audit(
        &w.txn,
        actor,
        AuditEntry {
            operation: SUBMIT,
            entity: Some((o.entity, o.id)),
            outcome: AuditOutcome::Success,
            before,
            after: Some(write::digest(&report)),
            detail: Some(format!("year {}", d.year)),
        },
    )
    .await?;
    write::record_change(&w, ChangeKind::AnnualReport, o.entity, o.id, &province, Some(version), now).await?;
    if o.syncs {
        outbox::enqueue(&w.txn, o.entity, o.id, Operation::AnnualReport, outbox::report_payload(&report)).await?;
    }
    w.commit().await?;
    state.feed.committed();
    Ok(Ok(report))
}
