//! Targets (chỉ tiêu) and their progress.

use super::connection::PageInfo;
use super::enums::{stored, AdministrativeLevel, Comparator, Indicator, OrganizationScope, ProgressSource, TargetUnit};
use super::unit::AdministrativeUnit;
use super::write::UserError;
use crate::domain;
use crate::graphql::error::{internal, ApiResult};
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::scalars::{Date, DateTime};
use crate::service::targets::{self as service, TargetDraft};
use crate::state::AppState;
use async_graphql::{Context, InputObject, Object, Result, SimpleObject, ID};
use entity::target;
use std::sync::Arc;

/// A numeric target a plan sets for a jurisdiction and horizon year.
#[derive(Clone)]
pub struct Target(pub Arc<target::Model>);

/// How far a target is.
#[derive(SimpleObject)]
pub struct TargetProgress {
    /// The figure now (or as reported); null when unknown (e.g. a share of no organisation).
    pub actual: Option<f64>,
    /// Computed from the registry, reported, or unavailable.
    pub source: ProgressSource,
    /// Whether `actual` meets the target (ABOUT: within ±10% of `value`); null when `actual` is null.
    pub attained: Option<bool>,
    /// When the figure was true.
    pub as_of: Option<DateTime>,
}

/// A numeric target (chỉ tiêu) a plan sets for a jurisdiction and horizon year.
#[Object]
impl Target {
    /// Global opaque id.
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::Target, self.0.id)
    }
    /// The jurisdiction: a 2025 province, a legacy province or a legacy district.
    async fn jurisdiction(&self, ctx: &Context<'_>) -> Result<AdministrativeUnit> {
        let g = &ctx.data::<AppState>()?.gazetteer;
        g.unit(self.0.jurisdiction_id)
            .map(AdministrativeUnit::of)
            .ok_or_else(|| internal(&format!("target {} names no unit", self.0.id)))
    }
    /// Horizon year.
    async fn year(&self) -> i32 {
        self.0.year
    }
    /// What is measured.
    async fn indicator(&self) -> Result<Indicator> {
        stored("indicator", &self.0.indicator, domain::targets::Indicator::parse)
    }
    /// Which organisations count.
    async fn scope(&self) -> Result<OrganizationScope> {
        stored("scope", &self.0.scope, domain::targets::OrganizationScope::parse)
    }
    /// How the figure is compared.
    async fn comparator(&self) -> Result<Comparator> {
        stored("comparator", &self.0.comparator, domain::targets::Comparator::parse)
    }
    /// The figure, for EXACTLY, ABOUT, AT_LEAST, MORE_THAN, AT_MOST.
    async fn value(&self) -> Option<f64> {
        self.0.value
    }
    /// Lower bound, for BETWEEN.
    async fn min(&self) -> Option<f64> {
        self.0.min
    }
    /// Upper bound, for BETWEEN.
    async fn max(&self) -> Option<f64> {
        self.0.max
    }
    /// Unit of the figures.
    async fn unit(&self) -> Result<TargetUnit> {
        stored("unit", &self.0.unit, domain::targets::TargetUnit::parse)
    }
    /// "…of which": the share is measured among organisations that meet this indicator.
    async fn within_indicator(&self) -> Option<Indicator> {
        domain::targets::Indicator::parse(&self.0.within_indicator).map(Into::into)
    }
    /// The plan, e.g. "147/KH-UBND 2023-05-05".
    async fn source_document(&self) -> &str {
        &self.0.source_document
    }
    /// The original wording.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// Optimistic-concurrency version.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// Last change.
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
    /// Where the target stands, computed on read from the live registry for
    /// the organisations located in the jurisdiction (for a legacy unit: in
    /// the 2025 wards that succeeded its wards), or the latest reported figure.
    async fn progress(&self, ctx: &Context<'_>) -> Result<TargetProgress> {
        let loaders = crate::graphql::loaders::of(ctx)?;
        // Every target of a page: one statement for the facts of all their
        // jurisdictions, one for the latest figures of the reported ones.
        let (facts, latest) = if service::is_reported_target(&self.0) {
            (Default::default(), loaders.latest_reports.load_one(self.0.id).await.map_err(|e| internal(&e))?.flatten())
        } else {
            (loaders.facts.load_one(self.0.jurisdiction_id).await.map_err(|e| internal(&e))?.unwrap_or_default(), None)
        };
        let p = service::progress_of(&self.0, &facts, latest.as_deref()).api()?;
        Ok(TargetProgress {
            actual: p.actual,
            source: p.source.into(),
            attained: p.attained,
            as_of: p.as_of.map(DateTime),
        })
    }
}

/// An edge of a target listing.
#[derive(SimpleObject, Clone)]
pub struct TargetEdge {
    /// Opaque cursor.
    pub cursor: String,
    /// The target.
    pub node: Target,
}

/// A page of targets.
pub struct TargetConnection {
    /// The page's edges.
    pub edges: Vec<TargetEdge>,
    /// Where the page lies.
    pub page_info: PageInfo,
    /// How many match in all pages (counted only when selected).
    pub total: Option<u64>,
}

/// A page of targets.
#[Object]
impl TargetConnection {
    /// The page's edges.
    async fn edges(&self) -> &[TargetEdge] {
        &self.edges
    }
    /// Where the page lies.
    async fn page_info(&self) -> &PageInfo {
        &self.page_info
    }
    /// How many targets match in all pages.
    async fn total_count(&self) -> i32 {
        i32::try_from(self.total.unwrap_or_default()).unwrap_or(i32::MAX)
    }
}

/// Which targets to list.
#[derive(InputObject, Default)]
pub struct TargetFilter {
    /// A province or district code: targets of that unit and of the (legacy)
    /// units whose territory lies within it.
    pub jurisdiction_code: Option<String>,
    /// Horizon year.
    pub year: Option<i32>,
    /// Any of these indicators.
    pub indicator: Option<Vec<Indicator>>,
    /// The plan, exactly as recorded.
    pub source_document: Option<String>,
}

/// A target as a client sets it.
#[derive(InputObject, Clone)]
pub struct TargetInput {
    /// Official code of the jurisdiction.
    pub jurisdiction_code: String,
    /// PROVINCE (2025 or legacy) or DISTRICT (legacy).
    pub jurisdiction_level: AdministrativeLevel,
    /// Horizon year.
    pub year: i32,
    /// What is measured.
    pub indicator: Indicator,
    /// Which organisations count; the indicator's natural scope when omitted.
    pub scope: Option<OrganizationScope>,
    /// How the figure is compared.
    pub comparator: Comparator,
    /// The figure (all comparators but BETWEEN).
    pub value: Option<f64>,
    /// Lower bound (BETWEEN).
    pub min: Option<f64>,
    /// Upper bound (BETWEEN).
    pub max: Option<f64>,
    /// COUNT, PERCENT or VND_PER_MONTH, as the indicator is measured.
    pub unit: TargetUnit,
    /// "…of which": measure the share among organisations meeting this indicator.
    pub within_indicator: Option<Indicator>,
    /// The plan, e.g. "147/KH-UBND 2023-05-05".
    pub source_document: String,
    /// The original wording.
    pub note: Option<String>,
    /// For a province code the 2025 reorganisation reused (19, 37, 56, 75,
    /// …): `true` names the province abolished on 2025-07-01, measured over
    /// its former territory; `false` the province in force. Omitted: the
    /// unit in force, or else the former one (58, 70; districts).
    pub legacy: Option<bool>,
}

impl From<TargetInput> for TargetDraft {
    fn from(t: TargetInput) -> Self {
        let name = |i: Indicator| domain::targets::Indicator::from(i).as_str().to_owned();
        TargetDraft {
            jurisdiction_code: t.jurisdiction_code,
            jurisdiction_level: domain::AdministrativeLevel::from(t.jurisdiction_level).as_str().to_owned(),
            year: t.year,
            indicator: name(t.indicator),
            scope: t.scope.map(|s| domain::targets::OrganizationScope::from(s).as_str().to_owned()),
            comparator: domain::targets::Comparator::from(t.comparator).as_str().to_owned(),
            value: t.value,
            min: t.min,
            max: t.max,
            unit: domain::targets::TargetUnit::from(t.unit).as_str().to_owned(),
            within_indicator: t.within_indicator.map(name),
            source_document: t.source_document,
            note: t.note,
            legacy: t.legacy,
        }
    }
}

/// A reported progress figure.
#[derive(InputObject)]
pub struct TargetProgressInput {
    /// The target (an indicator the registry cannot compute).
    pub target_id: ID,
    /// The figure.
    pub actual: f64,
    /// The day it describes.
    pub as_of: Date,
    /// Its source.
    pub note: Option<String>,
}

/// Result of setting or reporting on a target.
#[derive(SimpleObject)]
pub struct TargetPayload {
    /// The target; null when `userErrors` is not empty.
    pub target: Option<Target>,
    /// Business failures.
    pub user_errors: Vec<UserError>,
}

/// Result of an import: all or nothing.
#[derive(SimpleObject)]
pub struct ImportTargetsPayload {
    /// How many were imported (0 when `userErrors` is not empty).
    pub imported: i32,
    /// The imported targets.
    pub targets: Vec<Target>,
    /// Every bad entry, with its index in `field`.
    pub user_errors: Vec<UserError>,
}
