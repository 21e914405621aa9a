//! `registryTrend`: a territory's registry counts by year.

use async_graphql::SimpleObject;

fn int(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// One year of a territory's registry (xu hướng theo năm): organisations
/// operating at the end of the year, from their status history, and the
/// annual reports on the year.
#[derive(SimpleObject)]
pub struct RegistryYear {
    /// The year.
    pub year: i32,
    /// Cooperatives operating (ACTIVE or SUSPENDED) at the end of the year, by their status history.
    pub cooperatives: i32,
    /// Cooperatives registered during the year (đăng ký mới).
    pub cooperatives_registered: i32,
    /// Cooperatives that stopped operating during the year (dissolution begun, revoked, dissolved, bankrupt).
    pub cooperatives_ceased: i32,
    /// Unions operating (ACTIVE or SUSPENDED) at the end of the year, by their status history.
    pub unions: i32,
    /// Groups established by the end of the year and not disbanded by then.
    pub groups: i32,
    /// Annual reports on the year by cooperatives, unions and groups of the territory.
    pub annual_reports: i32,
    /// Official + associate members the cooperatives' reports on the year state.
    pub reported_cooperative_members: i32,
}

impl From<crate::domain::trend::YearFigures> for RegistryYear {
    fn from(y: crate::domain::trend::YearFigures) -> Self {
        RegistryYear {
            year: y.year,
            cooperatives: int(y.cooperatives),
            cooperatives_registered: int(y.cooperatives_registered),
            cooperatives_ceased: int(y.cooperatives_ceased),
            unions: int(y.unions),
            groups: int(y.groups),
            annual_reports: int(y.annual_reports),
            reported_cooperative_members: int(y.reported_cooperative_members),
        }
    }
}
