//! `statistics`: headline figures of the registry.

use super::enums::{Rating, Sector};
use crate::domain;
use crate::storage::statistics::RegistryFigures;
use async_graphql::SimpleObject;

/// Organisations with one rating.
#[derive(SimpleObject)]
pub struct RatingCount {
    /// The rating.
    pub rating: Rating,
    /// How many.
    pub count: i32,
}

/// Organisations in one sector.
#[derive(SimpleObject)]
pub struct SectorCount {
    /// The sector.
    pub sector: Sector,
    /// How many.
    pub count: i32,
}

/// Headline figures of the registry for a territory (thống kê).
#[derive(SimpleObject)]
pub struct RegistryStatistics {
    /// ACTIVE and SUSPENDED cooperatives.
    pub cooperatives: i32,
    /// Official + associate members of those.
    pub cooperative_members: i32,
    /// ACTIVE and SUSPENDED unions.
    pub unions: i32,
    /// Member cooperatives of those unions.
    pub union_member_cooperatives: i32,
    /// ACTIVE groups.
    pub groups: i32,
    /// Members of those groups.
    pub group_members: i32,
    /// Operating cooperatives applying high technology: by their latest
    /// annual report, or by the record for one that never reported (as
    /// targets count them).
    pub high_tech_cooperatives: i32,
    /// Operating cooperatives by rating of the year asked (latest when omitted).
    pub by_rating: Vec<RatingCount>,
    /// Operating cooperatives by sector.
    pub by_sector: Vec<SectorCount>,
}

fn int(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl From<RegistryFigures> for RegistryStatistics {
    fn from(f: RegistryFigures) -> Self {
        let mut by_rating: Vec<RatingCount> = f
            .by_rating
            .iter()
            .filter_map(|(k, n)| Some(RatingCount { rating: domain::Rating::parse(k)?.into(), count: int(*n) }))
            .collect();
        by_rating.sort_by_key(|r| domain::Rating::from(r.rating));
        let mut by_sector: Vec<SectorCount> = f
            .by_sector
            .iter()
            .filter_map(|(k, n)| Some(SectorCount { sector: domain::Sector::parse(k)?.into(), count: int(*n) }))
            .collect();
        by_sector.sort_by_key(|s| domain::Sector::from(s.sector));
        RegistryStatistics {
            cooperatives: int(f.cooperatives),
            cooperative_members: int(f.cooperative_members),
            unions: int(f.unions),
            union_member_cooperatives: int(f.union_member_cooperatives),
            groups: int(f.groups),
            group_members: int(f.group_members),
            high_tech_cooperatives: int(f.high_tech_cooperatives),
            by_rating,
            by_sector,
        }
    }
}
