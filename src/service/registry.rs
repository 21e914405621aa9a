//! Reading the registry: listings with filters and pagination, look-ups by
//! code, administrative units and statistics.

use super::page::{encode_cursor, Page, PageRequest};
use super::ServiceError;
use crate::domain::Msg;
use crate::domain::{
    text, AdministrativeLevel, Gazetteer, LegacyUnitCode, ProvinceCode, Rating, RegistrationStatus, Sector, TaxCode,
    Unit, WardCode,
};
use crate::storage::organisations::{self, OrgFilter, OrgKind, OrgRow, OrgTable};
use crate::storage::statistics::{self, RegistryFigures, Territory};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::DatabaseConnection;

/// Longest `nameContains` accepted.
pub const MAX_NAME_FILTER: usize = 200;

/// A client's organisation filter, codes still as text.
#[derive(Debug, Clone, Default)]
pub struct OrganizationQuery {
    /// A 2025 province.
    pub province_code: Option<String>,
    /// A former province or district.
    pub legacy_unit_code: Option<String>,
    /// A 2025 ward.
    pub ward_code: Option<String>,
    /// Statuses to keep.
    pub statuses: Option<Vec<RegistrationStatus>>,
    /// Sectors to keep.
    pub sectors: Option<Vec<Sector>>,
    /// Ratings to keep.
    pub ratings: Option<Vec<Rating>>,
    /// Year of `ratings`.
    pub rating_year: Option<i32>,
    /// High-tech flag.
    pub high_tech: Option<bool>,
    /// Value-chain flag.
    pub value_chain_linked: Option<bool>,
    /// Accent- and case-insensitive name fragment.
    pub name_contains: Option<String>,
    /// Registered on or after.
    pub registered_from: Option<NaiveDate>,
    /// Registered on or before.
    pub registered_to: Option<NaiveDate>,
    /// Changed at or after.
    pub updated_since: Option<DateTime<Utc>>,
    /// Must report on this year and has not.
    pub report_missing_for_year: Option<i32>,
    /// Below the legal minimum of official members (cooperatives).
    pub below_legal_minimum: Option<bool>,
}

/// Resolves a legacy province or district code to its unit.
fn legacy_unit<'g>(g: &'g Gazetteer, argument: &str, code: &str) -> Result<Option<&'g Unit>, ServiceError> {
    let code = LegacyUnitCode::parse(code).map_err(|e| ServiceError::invalid(argument, e))?;
    Ok(match &code {
        LegacyUnitCode::Province(c) => g.former(AdministrativeLevel::Province, c),
        LegacyUnitCode::District(c) => g.former(AdministrativeLevel::District, c),
    })
}

/// Resolves the location part of a filter to a territory; `None` when a code
/// is well-formed but names no unit (nothing can match).
pub fn resolve_territory(
    g: &Gazetteer,
    arg_prefix: &str,
    province_code: Option<&str>,
    legacy_unit_code: Option<&str>,
    ward_code: Option<&str>,
) -> Result<Option<Territory>, ServiceError> {
    let mut t = Territory::default();
    if let Some(code) = province_code {
        let code =
            ProvinceCode::parse(code).map_err(|e| ServiceError::invalid(format!("{arg_prefix}provinceCode"), e))?;
        match g.in_force(AdministrativeLevel::Province, code.as_str()) {
            Some(p) => t.province_id = Some(p.id),
            None => return Ok(None),
        }
    }
    let mut wards: Option<Vec<i32>> = None;
    if let Some(code) = legacy_unit_code {
        match legacy_unit(g, &format!("{arg_prefix}legacyUnitCode"), code)? {
            Some(u) => wards = Some(g.territory_in_force(u.id)),
            None => return Ok(None),
        }
    }
    if let Some(code) = ward_code {
        let code = WardCode::parse(code).map_err(|e| ServiceError::invalid(format!("{arg_prefix}wardCode"), e))?;
        let Some(w) = g.in_force(AdministrativeLevel::Ward, code.as_str()) else { return Ok(None) };
        wards = Some(match wards {
            Some(ws) if !ws.contains(&w.id) => Vec::new(),
            _ => vec![w.id],
        });
    }
    if let Some(ws) = &wards {
        if ws.is_empty() {
            return Ok(None);
        }
    }
    t.ward_ids = wards;
    Ok(Some(t))
}

/// Validates a filter and resolves its codes; `Ok(None)` when it can match
/// nothing (a well-formed code naming no unit).
pub fn resolve_filter(g: &Gazetteer, kind: OrgKind, q: &OrganizationQuery) -> Result<Option<OrgFilter>, ServiceError> {
    let Some(territory) = resolve_territory(
        g,
        "filter.",
        q.province_code.as_deref(),
        q.legacy_unit_code.as_deref(),
        q.ward_code.as_deref(),
    )?
    else {
        return Ok(None);
    };
    let statuses = q.statuses.as_ref().map(|s| match kind {
        OrgKind::Group => {
            s.iter().filter_map(|st| crate::domain::GroupStatus::from_registration(*st)).map(|g| g.as_str()).collect()
        }
        _ => s.iter().map(|st| st.as_str()).collect::<Vec<_>>(),
    });
    let name_folded = match &q.name_contains {
        Some(n) if n.chars().count() > MAX_NAME_FILTER => {
            return Err(ServiceError::invalid("filter.nameContains", Msg::AtMostCharsShort { max: MAX_NAME_FILTER }))
        }
        Some(n) => Some(text::fold(n)).filter(|f| !f.is_empty()),
        None => None,
    };
    if let (Some(from), Some(to)) = (q.registered_from, q.registered_to) {
        if from > to {
            return Err(ServiceError::invalid("filter.registeredFrom", Msg::AfterRegisteredTo));
        }
    }
    Ok(Some(OrgFilter {
        province_id: territory.province_id,
        ward_ids: territory.ward_ids,
        statuses,
        sectors: q.sectors.as_ref().map(|s| s.iter().map(|x| x.as_str()).collect()),
        ratings: q.ratings.as_ref().map(|s| s.iter().map(|x| x.as_str()).collect()),
        rating_year: q.rating_year,
        high_tech: q.high_tech,
        value_chain_linked: q.value_chain_linked,
        name_folded,
        registered_from: q.registered_from,
        registered_to: q.registered_to,
        updated_since: q.updated_since,
        report_missing_for_year: match q.report_missing_for_year {
            Some(y) if !crate::domain::calendar::reportable_year(y, Utc::now().date_naive()) => {
                return Err(ServiceError::invalid("filter.reportMissingForYear", Msg::NoReportsOnYear { year: y }))
            }
            y => y,
        },
        below_legal_minimum: q.below_legal_minimum,
    }))
}

/// One page of an organisation listing; `filter` `None` yields an empty page.
pub async fn list<E>(
    db: &DatabaseConnection,
    kind: OrgKind,
    filter: Option<&OrgFilter>,
    req: &PageRequest,
) -> Result<Page<E::Model>, ServiceError>
where
    E: OrgTable,
{
    // The side the page starts from is known to have more only when a
    // cursor bounds it; the other side is probed with one extra row.
    let (bounded_before, bounded_after) = (req.before.is_some(), req.after.is_some());
    let Some(filter) = filter.filter(|_| req.first > 0) else {
        let (has_previous_page, has_next_page) =
            if req.from_end { (false, bounded_before) } else { (bounded_after, false) };
        return Ok(Page { items: Vec::new(), has_next_page, has_previous_page });
    };
    let window =
        organisations::Window { after: req.after.as_ref(), before: req.before.as_ref(), from_end: req.from_end };
    let mut rows = organisations::page::<E>(db, kind, filter, req.ordering, window, req.first + 1).await?;
    let more = rows.len() as u64 > req.first;
    rows.truncate(req.first as usize);
    let (has_previous_page, has_next_page) = if req.from_end {
        rows.reverse();
        (more, bounded_before)
    } else {
        (bounded_after, more)
    };
    let items = rows.into_iter().map(|r| (encode_cursor(req.ordering, &r.position(req.ordering.field)), r)).collect();
    Ok(Page { items, has_next_page, has_previous_page })
}

/// How many rows match; 0 for a filter that matches nothing.
pub async fn count<E>(db: &DatabaseConnection, kind: OrgKind, filter: Option<&OrgFilter>) -> Result<u64, ServiceError>
where
    E: OrgTable,
{
    match filter {
        None => Ok(0),
        Some(f) => Ok(organisations::count::<E>(db, kind, f).await?),
    }
}

/// Validates a cooperative or union code given as an argument: an
/// organisation's own code, never a branch's.
pub fn parse_code(argument: &str, code: &str) -> Result<TaxCode, ServiceError> {
    TaxCode::parse_own(code).map_err(|e| ServiceError::invalid(argument, e))
}

/// A unit by code and level: the one in force, else the most recent former one.
pub fn find_unit<'g>(
    g: &'g Gazetteer,
    code: &str,
    level: AdministrativeLevel,
) -> Result<Option<&'g Unit>, ServiceError> {
    let expected = match level {
        AdministrativeLevel::Province => 2,
        AdministrativeLevel::District => 3,
        AdministrativeLevel::Ward => 5,
    };
    let t = code.trim();
    if t.len() != expected || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ServiceError::invalid(
            "code",
            Msg::CodeDigits { level: level.as_str().to_lowercase(), expected, got: code.to_owned() },
        ));
    }
    Ok(g.lookup(level, t))
}

/// Headline figures for the country, a 2025 province or a former unit.
pub async fn statistics(
    db: &DatabaseConnection,
    g: &Gazetteer,
    province_code: Option<&str>,
    legacy_unit_code: Option<&str>,
    year: Option<i32>,
) -> Result<RegistryFigures, ServiceError> {
    statistics_of(db, g, province_code, legacy_unit_code, year, statistics::Wanted::ALL).await
}

/// The figures `wanted` asks for, as [`statistics`] computes them.
pub async fn statistics_of(
    db: &DatabaseConnection,
    g: &Gazetteer,
    province_code: Option<&str>,
    legacy_unit_code: Option<&str>,
    year: Option<i32>,
    wanted: statistics::Wanted,
) -> Result<RegistryFigures, ServiceError> {
    match resolve_territory(g, "", province_code, legacy_unit_code, None)? {
        None => Ok(RegistryFigures::default()),
        Some(t) => Ok(statistics::registry_figures_of(db, &t, year, wanted).await?),
    }
}
