//! Filter and ordering inputs.

use super::enums::{OrderDirection, OrganizationOrderField, Rating, RegistrationStatus, Sector};
use crate::graphql::scalars::{Date, DateTime};
use crate::service::registry::OrganizationQuery;
use crate::storage::organisations::{OrderField, Ordering};
use async_graphql::InputObject;

/// Which organisations to list. Every field narrows the result; omitted
/// fields do not filter.
#[derive(InputObject, Default)]
pub struct OrganizationFilter {
    /// A 2025 province code (2 digits).
    pub province_code: Option<String>,
    /// A legacy province (2 digits) or district (3 digits): records located in
    /// its former territory, through the 2025 ward succession.
    pub legacy_unit_code: Option<String>,
    /// A 2025 ward code (5 digits).
    pub ward_code: Option<String>,
    /// Any of these statuses. For groups ACTIVE means active and DISSOLVED or
    /// REVOKED mean disbanded.
    pub status: Option<Vec<RegistrationStatus>>,
    /// Any of these sectors.
    pub sector: Option<Vec<Sector>>,
    /// Any of these ratings (of `ratingYear`, or of the latest report).
    pub rating: Option<Vec<Rating>>,
    /// Which year `rating` refers to; the latest when omitted.
    pub rating_year: Option<i32>,
    /// Applies high technology, as the `highTech` field reads it: by the
    /// latest annual report, by the record when it never reported.
    pub high_tech: Option<bool>,
    /// Linked in a value chain, as the `valueChainLinked` field reads it: by
    /// the latest annual report, by the record when it never reported.
    pub value_chain_linked: Option<bool>,
    /// Case- and Vietnamese-accent-insensitive: "thuan nam" finds "Thuận Nam".
    pub name_contains: Option<String>,
    /// Registered (groups: established) on or after.
    pub registered_from: Option<Date>,
    /// Registered (groups: established) on or before.
    pub registered_to: Option<Date>,
    /// Changed at or after.
    pub updated_since: Option<DateTime>,
    /// ACTIVE/SUSPENDED organisations (groups: ACTIVE) registered by the end
    /// of this year with no annual report on it: the missing reports of the
    /// reporting calendar.
    pub report_missing_for_year: Option<i32>,
    /// Organisations below the legal minimum (`belowLegalMinimumSince` set)
    /// when true, those at or above it when false: cooperatives with fewer
    /// than 5 official members, unions with fewer than 3 operating member
    /// cooperatives. Groups are not flagged: true matches none, false all.
    pub below_legal_minimum: Option<bool>,
}

impl From<OrganizationFilter> for OrganizationQuery {
    fn from(f: OrganizationFilter) -> Self {
        fn map<G: Copy, D: From<G>>(v: Option<Vec<G>>) -> Option<Vec<D>> {
            v.map(|v| v.into_iter().map(D::from).collect())
        }
        OrganizationQuery {
            province_code: f.province_code,
            legacy_unit_code: f.legacy_unit_code,
            ward_code: f.ward_code,
            statuses: map(f.status),
            sectors: map(f.sector),
            ratings: map(f.rating),
            rating_year: f.rating_year,
            high_tech: f.high_tech,
            value_chain_linked: f.value_chain_linked,
            name_contains: f.name_contains,
            registered_from: f.registered_from.map(|d| d.0),
            registered_to: f.registered_to.map(|d| d.0),
            updated_since: f.updated_since.map(|t| t.0),
            report_missing_for_year: f.report_missing_for_year,
            below_legal_minimum: f.below_legal_minimum,
        }
    }
}

/// How to order organisations.
#[derive(InputObject, Clone, Copy)]
pub struct OrganizationOrder {
    /// The sort key.
    pub field: OrganizationOrderField,
    /// The direction.
    pub direction: OrderDirection,
}

impl From<Option<OrganizationOrder>> for Ordering {
    fn from(o: Option<OrganizationOrder>) -> Self {
        match o {
            None => Ordering { field: OrderField::Id, descending: false },
            Some(o) => Ordering {
                field: match o.field {
                    OrganizationOrderField::Name => OrderField::Name,
                    OrganizationOrderField::RegisteredOn => OrderField::RegisteredOn,
                    OrganizationOrderField::UpdatedAt => OrderField::UpdatedAt,
                    OrganizationOrderField::Members => OrderField::Members,
                },
                descending: o.direction == OrderDirection::Desc,
            },
        }
    }
}
