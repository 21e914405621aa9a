//! Administrative units as GraphQL shows them.

use super::enums::AdministrativeLevel;
use crate::domain::{Gazetteer, Unit};
use crate::graphql::scalars::Date;
use crate::state::AppState;
use async_graphql::{Context, Object, Result};

/// An administrative unit (đơn vị hành chính): province, district or ward.
pub struct AdministrativeUnit(pub std::sync::Arc<Unit>);

impl AdministrativeUnit {
    /// Wraps a copy of a gazetteer unit.
    pub fn of(u: &Unit) -> Self {
        AdministrativeUnit(std::sync::Arc::new(u.clone()))
    }

    /// Wraps a gazetteer unit without copying it.
    pub fn shared(u: std::sync::Arc<Unit>) -> Self {
        AdministrativeUnit(u)
    }
}

fn gazetteer<'c>(ctx: &Context<'c>) -> Result<&'c Gazetteer> {
    Ok(&ctx.data::<AppState>()?.gazetteer)
}

/// An administrative unit (đơn vị hành chính): province, district or ward.
#[Object]
impl AdministrativeUnit {
    /// Official statistical code with leading zeros (mã đơn vị hành chính).
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// Official name, e.g. "Tỉnh Nghệ An".
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Level.
    async fn level(&self) -> AdministrativeLevel {
        self.0.level.into()
    }

    /// True for units abolished or merged (e.g. on 2025-07-01).
    async fn legacy(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(gazetteer(ctx)?.is_legacy(&self.0))
    }

    /// Type word of the unit, e.g. "Tỉnh", "Phường", "Xã", "Đặc khu".
    async fn unit_type(&self) -> &str {
        &self.0.unit_type
    }

    /// First day in force, when known.
    async fn valid_from(&self) -> Option<Date> {
        self.0.valid_from.map(Date)
    }

    /// Last day in force; null while in force.
    async fn valid_to(&self) -> Option<Date> {
        self.0.valid_to.map(Date)
    }

    /// The unit it belongs to.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<AdministrativeUnit>> {
        let g = gazetteer(ctx)?;
        Ok(self.0.parent_id.and_then(|p| g.unit(p)).map(AdministrativeUnit::of))
    }

    /// Units in force that a legacy unit became part of: wards for a ward,
    /// provinces for a province or district. Empty for units in force.
    async fn successors(&self, ctx: &Context<'_>) -> Result<Vec<AdministrativeUnit>> {
        Ok(gazetteer(ctx)?.successors(self.0.id).into_iter().map(AdministrativeUnit::of).collect())
    }
}
