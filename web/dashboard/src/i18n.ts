// Labels in Vietnamese (the default) and English.

/** The two languages of the page. */
export type Lang = 'vi' | 'en';

type Entry = { vi: string; en: string };
const e = (vi: string, en: string): Entry => ({ vi, en });

const UI = {
  title: e('Theo dõi chỉ tiêu kinh tế tập thể', 'Collective economy targets'),
  subtitle: e('Hợp tác xã, liên hiệp hợp tác xã và tổ hợp tác theo các kế hoạch của tỉnh', 'Cooperatives, unions and groups against the provincial plans'),
  viewUnit: e('Tỉnh / đơn vị', 'Province / unit'),
  viewNational: e('Toàn quốc', 'National'),
  kindProvince: e('Tỉnh, thành phố (từ 2025)', 'Province (2025)'),
  kindLegacy: e('Đơn vị cũ (trước 2025)', 'Former unit (before 2025)'),
  pickUnit: e('Chọn đơn vị', 'Unit'),
  targetsCount: e('chỉ tiêu', 'targets'),
  targets: e('Chỉ tiêu', 'Targets'),
  horizon: e('Năm', 'Year'),
  noTargets: e('Đơn vị này chưa có chỉ tiêu nào trong hệ thống.', 'No targets are recorded for this unit.'),
  attained: e('Đạt', 'Attained'),
  notYet: e('Chưa đạt', 'Not yet'),
  unknown: e('Chưa rõ', 'Unknown'),
  actual: e('Hiện nay', 'Now'),
  target: e('Mục tiêu', 'Target'),
  computed: e('Tính từ sổ đăng ký', 'Computed from the registry'),
  reported: e('Số liệu báo cáo ngày', 'Reported figure of'),
  unavailable: e('Chưa có số liệu', 'No figure yet'),
  source: e('Văn bản', 'Plan'),
  formerUnit: e('đơn vị cũ', 'former unit'),
  ofWhich: e('trong số tổ chức đạt: ', 'among those meeting: '),
  registry: e('Sổ đăng ký', 'Registry'),
  cooperatives: e('Hợp tác xã', 'Cooperatives'),
  cooperativeMembers: e('Thành viên HTX', 'Cooperative members'),
  groups: e('Tổ hợp tác', 'Cooperative groups'),
  groupMembers: e('Thành viên THT', 'Group members'),
  unions: e('Liên hiệp HTX', 'Cooperative unions'),
  unionMemberCooperatives: e('HTX thành viên liên hiệp', 'Union member cooperatives'),
  highTechCooperatives: e('HTX ứng dụng công nghệ cao', 'High-tech cooperatives'),
  membersPerCooperative: e('Thành viên bình quân / HTX', 'Members per cooperative'),
  highTechShare: e('Tỷ lệ HTX ứng dụng công nghệ cao', 'Share of high-tech cooperatives'),
  byStatus: e('Hợp tác xã theo trạng thái', 'Cooperatives by status'),
  byRating: e('HTX đang hoạt động theo xếp loại', 'Operating cooperatives by rating'),
  bySector: e('HTX đang hoạt động theo lĩnh vực', 'Operating cooperatives by sector'),
  noData: e('Không có', 'None'),
  compare: e('So sánh các tỉnh, thành phố', 'Provinces compared'),
  indicator: e('Chỉ số', 'Indicator'),
  country: e('Cả nước', 'Whole country'),
  selected: e('đơn vị đang chọn', 'selected unit'),
  reporting: e('Báo cáo năm', 'Annual reports'),
  reportingYear: e('Năm báo cáo', 'Report year'),
  expected: e('Phải nộp', 'Due'),
  submitted: e('Đã nộp', 'Submitted'),
  onTime: e('Đúng hạn', 'On time'),
  late: e('Nộp muộn', 'Late'),
  missing: e('Chưa nộp', 'Missing'),
  dueOn: e('Hạn nộp', 'Due on'),
  overdue: e('Quá hạn', 'Overdue'),
  state: e('Tình trạng', 'Status'),
  allIn: e('Đã nộp đủ', 'All submitted'),
  notDue: e('Chưa đến hạn', 'Not due yet'),
  nothingDue: e('Không có tổ chức phải nộp', 'Nobody has to report'),
  reportsPerProvince: e('Báo cáo năm theo tỉnh, thành phố', 'Annual reports by province'),
  province: e('Tỉnh, thành phố', 'Province'),
  submittedShare: e('Tỷ lệ đã nộp', 'Share submitted'),
  reportsSubmittedShare: e('Tỷ lệ đã nộp báo cáo năm', 'Share of annual reports submitted'),
  reportsMissing: e('Báo cáo năm chưa nộp', 'Annual reports missing'),
  belowMinimum: e('Dưới mức tối thiểu luật định', 'Below the legal minimum'),
  belowCoops: e('HTX dưới 5 thành viên chính thức', 'Cooperatives under 5 official members'),
  belowUnions: e('Liên hiệp dưới 3 HTX thành viên', 'Unions under 3 member cooperatives'),
  belowNote: e('Đang hoạt động hoặc tạm ngừng; Luật Hợp tác xã 2023, điều 6.', 'Operating or suspended; Law on Cooperatives 2023, art. 6.'),
  since: e('từ', 'since'),
  members: e('thành viên', 'members'),
  andMore: e('và còn', 'and'),
  more: e('tổ chức khác', 'more'),
  trend: e('Xu hướng theo năm', 'Counts by year'),
  trendNote: e('Số cuối năm theo lịch sử trạng thái; báo cáo theo năm báo cáo.', 'Year-end counts from the status history; reports by the year they are on.'),
  year: e('Năm', 'Year'),
  registered: e('Đăng ký mới', 'Registered'),
  ceased: e('Ngừng hoạt động', 'Ceased'),
  annualReports: e('Báo cáo năm', 'Annual reports'),
  reportedMembers: e('Thành viên theo báo cáo', 'Members reported'),
  coopsYearEnd: e('HTX hoạt động cuối năm', 'Cooperatives operating at year end'),
  token: e('Mã truy cập (token)', 'Access token'),
  tokenHelp: e('Dán mã truy cập để xem theo quyền của bạn; mã chỉ lưu trong thẻ trình duyệt này. Không có mã: xem dữ liệu công khai.', 'Paste a token to see what your role may see; it is kept in this browser tab only. Without one you see public data.'),
  tokenDev: e('Môi trường dev: coopgate token --role national_admin', 'Dev profile: coopgate token --role national_admin'),
  save: e('Lưu', 'Use'),
  clear: e('Xoá', 'Clear'),
  signedAs: e('Quyền', 'Role'),
  loading: e('Đang tải…', 'Loading…'),
  error: e('Không tải được dữ liệu', 'Could not load data'),
  asOf: e('Số liệu lúc', 'Figures as of'),
  summary: e('Tổng hợp', 'Summary'),
  language: e('Ngôn ngữ', 'Language'),
  rank: e('Hạng', 'Rank'),
  unknownUnit: e('Không có đơn vị mã', 'No unit has the code'),
} satisfies Record<string, Entry>;

/** A UI string's key. */
export type Key = keyof typeof UI;

/** The UI string `key` in `lang`. */
export function t(lang: Lang, key: Key): string {
  return UI[key][lang];
}

const INDICATORS: Record<string, Entry> = {
  AGRICULTURE_COOPERATIVE_SHARE: e('Tỷ lệ HTX nông nghiệp', 'Share of agricultural cooperatives'),
  AVERAGE_MEMBERS_PER_COOPERATIVE: e('Thành viên bình quân mỗi HTX', 'Average members per cooperative'),
  AVERAGE_MEMBER_INCOME: e('Thu nhập bình quân của thành viên', 'Average member income'),
  COOPERATIVE_COUNT: e('Số hợp tác xã', 'Cooperatives'),
  COOPERATIVE_MEMBERS: e('Thành viên hợp tác xã', 'Cooperative members'),
  EFFECTIVE_SHARE: e('Tỷ lệ hoạt động hiệu quả (tốt, khá)', 'Share operating effectively (good, fair)'),
  FARM_HOUSEHOLD_PARTICIPATION_SHARE: e('Tỷ lệ hộ nông dân tham gia kinh tế tập thể', 'Farm households in collective organisations'),
  FEMALE_DIRECTOR_SHARE: e('Tỷ lệ nữ giám đốc', 'Share of female directors'),
  GROUP_COUNT: e('Số tổ hợp tác', 'Cooperative groups'),
  GROUP_MEMBERS: e('Thành viên tổ hợp tác', 'Group members'),
  HIGH_TECH_COOPERATIVE_COUNT: e('HTX ứng dụng công nghệ cao', 'High-tech cooperatives'),
  HIGH_TECH_COOPERATIVE_SHARE: e('Tỷ lệ HTX ứng dụng công nghệ cao', 'Share of high-tech cooperatives'),
  HIGH_TECH_GROUP_COUNT: e('Tổ hợp tác ứng dụng công nghệ cao', 'High-tech groups'),
  NEW_GROUPS_PER_YEAR: e('Tổ hợp tác thành lập mới trong năm', 'Groups established this year'),
  POPULATION_PARTICIPATION_SHARE: e('Tỷ lệ dân số tham gia kinh tế tập thể', 'Population in collective organisations'),
  TOP_100_COUNT: e('HTX trong 100 HTX điển hình cả nước', 'Cooperatives among the national top 100'),
  UNION_COUNT: e('Số liên hiệp HTX', 'Cooperative unions'),
  UNION_MEMBER_COOPERATIVES: e('HTX thành viên của liên hiệp', 'Member cooperatives of unions'),
  VALUE_CHAIN_SHARE: e('Tỷ lệ tham gia liên kết chuỗi giá trị', 'Share linked in value chains'),
  WEAK_COOPERATIVE_COUNT: e('HTX xếp loại yếu', 'Cooperatives rated weak'),
};

const STATUSES: Record<string, Entry> = {
  ACTIVE: e('Đang hoạt động', 'Active'),
  SUSPENDED: e('Tạm ngừng', 'Suspended'),
  PENDING: e('Chờ đăng ký', 'Pending'),
  REVOKED: e('Bị thu hồi', 'Revoked'),
  DISSOLVED: e('Giải thể', 'Dissolved'),
};

const RATINGS: Record<string, Entry> = {
  GOOD: e('Tốt', 'Good'),
  FAIR: e('Khá', 'Fair'),
  AVERAGE: e('Trung bình', 'Average'),
  WEAK: e('Yếu', 'Weak'),
};

const SECTORS: Record<string, Entry> = {
  AGRICULTURE: e('Nông nghiệp', 'Agriculture'),
  INDUSTRY_HANDICRAFT: e('Công nghiệp – TTCN', 'Industry, handicraft'),
  TRADE_SERVICES: e('Thương mại – dịch vụ', 'Trade, services'),
  CREDIT: e('Quỹ tín dụng nhân dân', "People's credit funds"),
  TRANSPORT: e('Vận tải', 'Transport'),
  CONSTRUCTION: e('Xây dựng', 'Construction'),
  ENVIRONMENT: e('Môi trường', 'Environment'),
  OTHER: e('Khác', 'Other'),
};

const ROLES: Record<string, Entry> = {
  ANONYMOUS: e('Công khai (không đăng nhập)', 'Public (anonymous)'),
  NATIONAL_ADMIN: e('Quản trị quốc gia', 'National admin'),
  PROVINCIAL_OFFICER: e('Cán bộ tỉnh', 'Provincial officer'),
  PORTAL_READER: e('Cổng thông tin', 'Portal reader'),
  SYNC_SERVICE: e('Dịch vụ đồng bộ', 'Sync service'),
};

function label(table: Record<string, Entry>, key: string, lang: Lang): string {
  return table[key]?.[lang] ?? key;
}

/** An indicator's name. */
export const indicatorName = (k: string, l: Lang) => label(INDICATORS, k, l);
/** A registration status's name. */
export const statusName = (k: string, l: Lang) => label(STATUSES, k, l);
/** A rating's name. */
export const ratingName = (k: string, l: Lang) => label(RATINGS, k, l);
/** A sector's name. */
export const sectorName = (k: string, l: Lang) => label(SECTORS, k, l);
/** A role's name. */
export const roleName = (k: string, l: Lang) => label(ROLES, k, l);

/** Statuses in the order the chart shows them. */
export const STATUS_ORDER = ['ACTIVE', 'SUSPENDED', 'PENDING', 'REVOKED', 'DISSOLVED'];
/** Ratings, best first. */
export const RATING_ORDER = ['GOOD', 'FAIR', 'AVERAGE', 'WEAK'];
