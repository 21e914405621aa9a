// Every GraphQL document the dashboard sends. They are fixed texts (values
// travel as variables), so a deployment that turns on the persisted-operation
// allow-list can list them: the build writes dist/persisted-operations.json
// (SHA-256 of each text → text). Each one fits the default limits of
// docs/hardening.md; its cost is noted beside it.

/** Who the caller is, the units to pick from and where targets exist (cost ≈ 1,300 per page of 100 targets). */
export const META = `query DashboardMeta($after: String) {
  me { role provinceCode subject }
  provinces(includeLegacy: true) { code name legacy level }
  targets(first: 100, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { jurisdiction { code name level legacy successors { code } } } }
  }
}`;

/** The targets of a unit and of the former units within it, with progress (cost ≈ 400 per page). */
export const TARGETS = `query DashboardTargets($code: String!, $after: String) {
  targets(first: 100, after: $after, filter: { jurisdictionCode: $code }) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      node {
        id year indicator comparator value min max unit scope withinIndicator note sourceDocument
        jurisdiction { code name legacy level }
        progress { actual asOf attained source }
      }
    }
  }
}`;

/** Registry counts of the country, a 2025 province or a former unit (cost ≈ 30). */
export const REGISTRY = `query DashboardRegistry($province: String, $legacy: String) {
  statistics(provinceCode: $province, legacyUnitCode: $legacy) {
    cooperatives cooperativeMembers groups groupMembers unions unionMemberCooperatives highTechCooperatives
    byRating { rating count }
    bySector { sector count }
  }
  active: cooperatives(filter: { provinceCode: $province, legacyUnitCode: $legacy, status: [ACTIVE] }) { totalCount }
  suspended: cooperatives(filter: { provinceCode: $province, legacyUnitCode: $legacy, status: [SUSPENDED] }) { totalCount }
  pending: cooperatives(filter: { provinceCode: $province, legacyUnitCode: $legacy, status: [PENDING] }) { totalCount }
  revoked: cooperatives(filter: { provinceCode: $province, legacyUnitCode: $legacy, status: [REVOKED] }) { totalCount }
  dissolved: cooperatives(filter: { provinceCode: $province, legacyUnitCode: $legacy, status: [DISSOLVED] }) { totalCount }
}`;

/** One province's headline figures and reporting calendar, for the national comparison (cost ≈ 600; sent once per province). */
export const PROVINCE_FIGURES = `query DashboardProvinceFigures($province: String!, $year: Int!) {
  statistics(provinceCode: $province) {
    cooperatives cooperativeMembers groups groupMembers unions unionMemberCooperatives highTechCooperatives
  }
  reportingStatus(year: $year, provinceCode: $province) { year dueOn expected submitted missing overdue onTime late }
}`;

/**
 * The plans' own monitoring of a unit: the reporting calendar of a year,
 * the operating organisations below the legal minimum, and the counts by
 * year (cost ≈ 1,040).
 */
export const MONITOR = `query DashboardMonitor($province: String, $legacy: String, $year: Int!) {
  reportingStatus(year: $year, provinceCode: $province, legacyUnitCode: $legacy) {
    year dueOn expected submitted missing overdue onTime late
  }
  belowCooperatives: cooperatives(first: 10, filter: { provinceCode: $province, legacyUnitCode: $legacy, belowLegalMinimum: true, status: [ACTIVE, SUSPENDED] }) {
    totalCount
    edges { node { id name code officialMembers belowLegalMinimumSince } }
  }
  belowUnions: cooperativeUnions(first: 10, filter: { provinceCode: $province, legacyUnitCode: $legacy, belowLegalMinimum: true, status: [ACTIVE, SUSPENDED] }) {
    totalCount
    edges { node { id name code belowLegalMinimumSince } }
  }
  registryTrend(provinceCode: $province, legacyUnitCode: $legacy) {
    year cooperatives cooperativesRegistered cooperativesCeased unions groups annualReports reportedCooperativeMembers
  }
}`;

/** All documents, by operation name. */
export const ALL: Record<string, string> = {
  DashboardMeta: META,
  DashboardTargets: TARGETS,
  DashboardRegistry: REGISTRY,
  DashboardProvinceFigures: PROVINCE_FIGURES,
  DashboardMonitor: MONITOR,
};
