//! The reporting calendar (lịch báo cáo năm): for a year and a territory
//! (the country, a 2025 province or a former unit), how many organisations
//! had to report, how many did by the due day or after it, how many are
//! missing, and whether that is overdue.

use super::registry::resolve_territory;
use super::ServiceError;
use crate::domain::calendar::{self, DueDay, ReportingCounts};
use crate::domain::Gazetteer;
use crate::domain::Msg;
use crate::storage::reporting;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::DatabaseConnection;

/// One year's reporting in a territory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportingStatus {
    /// The year reported on.
    pub year: i32,
    /// When its reports are due.
    pub due_on: NaiveDate,
    /// Expected, on time, late.
    pub counts: ReportingCounts,
    /// The due day has passed (in Vietnam) and reports are missing.
    pub overdue: bool,
}

/// The due date and deadline instant of `year`, or an error naming `argument`.
fn due(due: DueDay, year: i32, now: DateTime<Utc>) -> Result<(NaiveDate, NaiveDate, DateTime<Utc>), ServiceError> {
    let bad = || ServiceError::invalid("year", Msg::NoAnnualReportsOnYear { year });
    if !calendar::reportable_year(year, calendar::today_in_vietnam(now)) {
        return Err(bad());
    }
    let due_on = due.due_on(year).ok_or_else(bad)?;
    let deadline = calendar::deadline(due_on).ok_or_else(bad)?;
    let year_end = calendar::year_end(year).ok_or_else(bad)?;
    Ok((due_on, year_end, deadline))
}

/// The reporting status of `year` in the country, a 2025 province or the
/// former territory of a legacy province or district, judged at `now`.
pub async fn status(
    db: &DatabaseConnection,
    g: &Gazetteer,
    due_day: DueDay,
    year: i32,
    province_code: Option<&str>,
    legacy_unit_code: Option<&str>,
    now: DateTime<Utc>,
) -> Result<ReportingStatus, ServiceError> {
    let (due_on, year_end, deadline) = due(due_day, year, now)?;
    let counts = match resolve_territory(g, "", province_code, legacy_unit_code, None)? {
        None => ReportingCounts::default(),
        Some(t) => reporting::counts(db, &t, year, year_end, deadline).await?,
    };
    let overdue = counts.overdue(due_on, calendar::today_in_vietnam(now));
    Ok(ReportingStatus { year, due_on, counts, overdue })
}

/// Every 2025 province's reporting figures of `year` (code, counts), the
/// provinces with nothing to report included with zeros: what a
/// per-province "missing reports" metric exports.
pub async fn by_province(
    db: &DatabaseConnection,
    g: &Gazetteer,
    due_day: DueDay,
    year: i32,
    now: DateTime<Utc>,
) -> Result<Vec<(String, ReportingCounts)>, ServiceError> {
    let (_, year_end, deadline) = due(due_day, year, now)?;
    let rows: std::collections::HashMap<i32, ReportingCounts> =
        reporting::counts_by_province(db, year, year_end, deadline).await?.into_iter().collect();
    Ok(g.provinces(false).into_iter().map(|p| (p.code.clone(), rows.get(&p.id).copied().unwrap_or_default())).collect())
}
