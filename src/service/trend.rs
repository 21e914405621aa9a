//! The registry's counts by year in a territory (xu hướng theo năm): the
//! plans' own monitoring of how a province's cooperatives, unions and groups
//! and their annual reports changed, from the status history and the
//! reports (`domain::trend`). Bounded to [`crate::domain::trend::MAX_YEARS`]
//! years; a few grouped statements whatever the territory's size.

use super::registry::resolve_territory;
use super::ServiceError;
use crate::domain::calendar::today_in_vietnam;
use crate::domain::trend::{self, YearFigures};
use crate::domain::Gazetteer;
use chrono::{DateTime, Datelike, Utc};
use sea_orm::DatabaseConnection;

/// The figures of every year from `from_year` (default: ten years ending
/// at `to_year`) to `to_year` (default: the current year in Vietnam),
/// oldest first, for the country, a 2025 province or the former territory
/// of a legacy province or district.
pub async fn by_year(
    db: &DatabaseConnection,
    g: &Gazetteer,
    province_code: Option<&str>,
    legacy_unit_code: Option<&str>,
    from_year: Option<i32>,
    to_year: Option<i32>,
    now: DateTime<Utc>,
) -> Result<Vec<YearFigures>, ServiceError> {
    let (from, to) = trend::years(from_year, to_year, today_in_vietnam(now).year())
        .map_err(|(is_from, e)| ServiceError::invalid(if is_from { "fromYear" } else { "toYear" }, e))?;
    let Some(territory) = resolve_territory(g, "", province_code, legacy_unit_code, None)? else {
        return Ok(trend::accumulate(from, to, &[], &[], &[], &[]));
    };
    let c = crate::storage::trend::changes_of(db, &territory, from, to).await?;
    Ok(trend::accumulate(from, to, &c.cooperatives, &c.unions, &c.groups, &c.reports))
}
