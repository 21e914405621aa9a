// Shapes of the GraphQL answers the dashboard reads.

/** An administrative unit. */
export interface Unit {
  code: string;
  name: string;
  legacy: boolean;
  level: string;
}

/** A target's progress. */
export interface Progress {
  actual: number | null;
  asOf: string | null;
  attained: boolean | null;
  source: 'COMPUTED' | 'REPORTED' | 'UNAVAILABLE';
}

/** A target (chỉ tiêu) with where it stands. */
export interface Target {
  id: string;
  year: number;
  indicator: string;
  comparator: string;
  value: number | null;
  min: number | null;
  max: number | null;
  unit: string;
  scope: string;
  withinIndicator: string | null;
  note: string | null;
  sourceDocument: string;
  jurisdiction: Unit;
  progress: Progress;
}

/** Headline figures. */
export interface Figures {
  cooperatives: number;
  cooperativeMembers: number;
  groups: number;
  groupMembers: number;
  unions: number;
  unionMemberCooperatives: number;
  highTechCooperatives: number;
}

/** The registry answer. */
export interface Registry {
  statistics: Figures & {
    byRating: { rating: string; count: number }[];
    bySector: { sector: string; count: number }[];
  };
  active: { totalCount: number };
  suspended: { totalCount: number };
  pending: { totalCount: number };
  revoked: { totalCount: number };
  dissolved: { totalCount: number };
}

/** One page of a connection. */
export interface Page<N> {
  totalCount?: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: { node: N }[];
}

/** The reporting calendar of a year in a territory. */
export interface Reporting {
  year: number;
  dueOn: string;
  expected: number;
  submitted: number;
  missing: number;
  overdue: boolean;
  onTime: number;
  late: number;
}

/** An organisation below the legal minimum. */
export interface BelowMinimum {
  id: string;
  name: string;
  code: string | null;
  officialMembers?: number;
  belowLegalMinimumSince: string | null;
}

/** One year of a territory's registry. */
export interface TrendYear {
  year: number;
  cooperatives: number;
  cooperativesRegistered: number;
  cooperativesCeased: number;
  unions: number;
  groups: number;
  annualReports: number;
  reportedCooperativeMembers: number;
}

/** The monitoring answer of a unit. */
export interface Monitor {
  reportingStatus: Reporting;
  belowCooperatives: Page<BelowMinimum> & { totalCount: number };
  belowUnions: Page<BelowMinimum> & { totalCount: number };
  registryTrend: TrendYear[];
}
