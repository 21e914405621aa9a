//! The catalogue of user-facing messages (thông báo) in Vietnamese and
//! English: every text a client reads in an error `message` or a
//! `userErrors` entry is a [`Msg`], turned into words once at the edge in the
//! [`Language`] the request asked for (`Accept-Language`).
//!
//! `Display` of a [`Msg`] is its English text: logs, the CLI and the audit
//! trail stay English. Codes (`extensions.code`, `userErrors.code`), field and
//! argument names, enumeration names (`ACTIVE`, `VOLUNTARY`) and codes of
//! units stay verbatim in both languages: clients search for them.

use std::fmt;

/// A language the API answers in (ngôn ngữ).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Language {
    /// Tiếng Việt.
    #[default]
    Vi,
    /// English.
    En,
}

/// Longest `Accept-Language` header read; a longer one is ignored (the default applies).
pub const MAX_ACCEPT_LANGUAGE: usize = 512;
/// At most this many entries of an `Accept-Language` header are looked at.
const MAX_RANGES: usize = 16;

impl Language {
    /// The language tag, as in `Content-Language` (`vi`, `en`).
    pub fn tag(self) -> &'static str {
        match self {
            Language::Vi => "vi",
            Language::En => "en",
        }
    }

    /// Parses a setting value: `vi` or `en` (case-insensitive).
    pub fn parse_setting(s: &str) -> Option<Language> {
        match s.trim().to_ascii_lowercase().as_str() {
            "vi" => Some(Language::Vi),
            "en" => Some(Language::En),
            _ => None,
        }
    }

    /// The language of a language range (`vi`, `vi-VN`, `en-US`, `*`);
    /// `None` for a language the API does not speak. `*` is `default`.
    fn of_range(range: &str, default: Language) -> Option<Language> {
        let primary = range.split('-').next().unwrap_or_default();
        if primary == "*" {
            Some(default)
        } else if primary.eq_ignore_ascii_case("vi") {
            Some(Language::Vi)
        } else if primary.eq_ignore_ascii_case("en") {
            Some(Language::En)
        } else {
            None
        }
    }

    /// The language to answer in for an `Accept-Language` header (RFC 9110
    /// §12.5.4): the spoken language of highest weight (`q`), the first one
    /// listed among equals; `q=0` refuses a language. Without a header, with
    /// a header longer than [`MAX_ACCEPT_LANGUAGE`] bytes, or naming only
    /// languages the API does not speak, `default`.
    pub fn negotiate(header: Option<&str>, default: Language) -> Language {
        let Some(h) = header.filter(|h| h.len() <= MAX_ACCEPT_LANGUAGE) else { return default };
        let mut best: Option<(u16, Language)> = None;
        for entry in h.split(',').take(MAX_RANGES) {
            let mut parts = entry.split(';');
            let range = parts.next().unwrap_or_default().trim();
            let mut q = 1000u16;
            for param in parts {
                if let Some((k, v)) = param.split_once('=') {
                    if k.trim().eq_ignore_ascii_case("q") {
                        q = parse_qvalue(v.trim()).unwrap_or_default();
                    }
                }
            }
            if q == 0 {
                continue;
            }
            if let Some(l) = Language::of_range(range, default) {
                if best.is_none_or(|(bq, _)| q > bq) {
                    best = Some((q, l));
                }
            }
        }
        best.map_or(default, |(_, l)| l)
    }
}

/// Parses the `COOPGATE_DEFAULT_LANGUAGE` setting: `vi` or `en`.
pub fn parse_language(s: &str) -> Result<Language, String> {
    Language::parse_setting(s).ok_or_else(|| "must be vi or en".to_owned())
}

/// A `qvalue` (`0`, `0.5`, `1.000`) in thousandths; `None` if malformed.
fn parse_qvalue(v: &str) -> Option<u16> {
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = format!("{frac:0<3}").parse::<u16>().ok()?;
    match int {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// The Vietnamese name of a kind of thing named in a message (`cooperative`,
/// `ward`...); other words unchanged.
pub fn noun_vi(what: &str) -> &str {
    match what {
        "cooperative" => "hợp tác xã",
        "union" => "liên hiệp hợp tác xã",
        "group" => "tổ hợp tác",
        "member" => "thành viên",
        "target" => "chỉ tiêu",
        "province" => "tỉnh",
        "district" => "huyện",
        "ward" => "phường/xã",
        "application" => "hồ sơ",
        _ => what,
    }
}

/// The Vietnamese text of a shape a code must have (`CodeError::Malformed`'s `expected`).
pub fn shape_vi(expected: &str) -> &str {
    match expected {
        "a 2-digit province code" => "mã tỉnh gồm 2 chữ số",
        "a 5-digit ward code" => "mã phường/xã gồm 5 chữ số",
        "a 2-digit province or 3-digit district code" => "mã tỉnh 2 chữ số hoặc mã huyện 3 chữ số",
        "a 10-digit tax code, optionally followed by -NNN" => "mã số thuế 10 chữ số, có thể kèm đuôi -NNN",
        "a 3-digit district code" => "mã huyện gồm 3 chữ số",
        _ => expected,
    }
}

/// The Vietnamese name of a measure of a document ([`Msg::OverLimit`]).
pub fn measure_vi(what: &str) -> &str {
    match what {
        "query cost" => "chi phí truy vấn",
        "query depth" => "độ sâu truy vấn",
        "number of fields" => "số trường",
        "document size in bytes" => "kích thước tài liệu (byte)",
        "bracket nesting" => "độ lồng dấu ngoặc",
        "number of variable definitions" => "số khai báo biến",
        "number of arguments" => "số đối số",
        "directives on one selection" => "số chỉ thị trên một lựa chọn",
        "fragment depth" => "độ sâu fragment",
        "number of aliases" => "số bí danh (alias)",
        "number of root fields" => "số trường gốc",
        _ => what,
    }
}

/// A GraphQL library suggestion (` Did you mean "a", "b"?`) in Vietnamese.
fn suggestion_vi(s: &str) -> String {
    match s.strip_prefix(" Did you mean ") {
        Some(rest) => format!(" Có phải ý bạn là {rest}"),
        None => s.to_owned(),
    }
}

/// Defines [`Msg`] with its English and Vietnamese texts side by side. Each
/// entry: `Name { field: Type, .. } => "English {field}", "Tiếng Việt {field}"`,
/// optionally `with (name = expr, ..)` for values both texts may use. The
/// texts are `format!` strings over the fields. The same list builds the
/// test samples, so no message can lack a language.
macro_rules! catalogue {
    ($(
        $name:ident $({ $($field:ident : $ty:ty),* $(,)? })?
        => $en:literal, $vi:literal $(with ($($bind:ident = $val:expr),* $(,)?))? ;
    )*) => {
        /// A user-facing message: a key of the catalogue with its parameters.
        /// The doc of each variant is its English text.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum Msg {
            $(
                #[doc = $en]
                $name $({ $(
                    #[doc = "A parameter of the message."]
                    $field: $ty
                ),* })?,
            )*
        }

        impl Msg {
            /// The English text.
            #[allow(unused_variables, clippy::useless_format)]
            pub fn en(&self) -> String {
                match self {
                    $( Msg::$name $({ $($field),* })? => {
                        $($(let $bind = $val;)*)?
                        format!($en)
                    } )*
                }
            }

            /// The Vietnamese text.
            #[allow(unused_variables, clippy::useless_format)]
            pub fn vi(&self) -> String {
                match self {
                    $( Msg::$name $({ $($field),* })? => {
                        $($(let $bind = $val;)*)?
                        format!($vi)
                    } )*
                }
            }

            /// The key: the variant's name, as in docs/errors.md.
            pub fn key(&self) -> &'static str {
                match self {
                    $( Msg::$name $({ $($field: _),* })? => stringify!($name), )*
                }
            }

            /// One message of every key, with default parameters (tests).
            #[cfg(test)]
            pub(crate) fn samples() -> Vec<Msg> {
                vec![ $( Msg::$name $({ $($field: Default::default()),* })? ),* ]
            }
        }
    };
}

catalogue! {
    // --- text and numbers (domain::rules) ---
    NotEmpty => "must not be empty", "không được để trống";
    AtMostChars { max: usize } => "must be at most {max} characters", "tối đa {max} ký tự";
    NoControlChars => "must not contain control characters", "không được chứa ký tự điều khiển";
    NotNegative => "must not be negative", "không được là số âm";
    AtLeast { min: i64 } => "must be at least {min}", "phải từ {min} trở lên";
    InTheFuture { date: String } => "{date} is in the future", "ngày {date} ở tương lai";
    TooPrecise => "at most 2 decimal places", "tối đa 2 chữ số thập phân";
    TooLarge => "too large", "giá trị quá lớn";
    AmountTooLarge => "amount too large", "số tiền quá lớn";
    BusinessLineRequired => "at least one VSIC business line is required", "cần ít nhất một ngành, nghề kinh doanh theo mã VSIC";
    TooManyBusinessLines { max: usize } => "at most {max} business lines", "tối đa {max} ngành, nghề kinh doanh";
    NotVsic { code: String } => "{code:?} is not a VSIC code (4 or 5 digits)", "{code:?} không phải mã ngành VSIC (4 hoặc 5 chữ số)";
    ListedTwiceCode { code: String } => "{code} is listed twice", "{code} bị kê khai hai lần";
    ListedTwice => "listed twice", "bị kê khai hai lần";
    WardAbolished { code: String } => "ward {code} was abolished; use the 2025 ward that succeeded it", "phường/xã {code} đã bị bãi bỏ; hãy dùng phường/xã năm 2025 kế thừa";
    NoWardInForce { code: String } => "no ward {code} is in force", "không có phường/xã {code} đang có hiệu lực";
    IdentityDigits => "must be 12 digits (or 9 for an old identity card)", "phải gồm 12 chữ số (hoặc 9 chữ số đối với chứng minh nhân dân cũ)";
    PhoneDigits => "must be a phone number of 9 to 15 digits", "phải là số điện thoại từ 9 đến 15 chữ số";
    CannotBecome { from: String, to: String } => "a {from} record cannot become {to}", "hồ sơ ở trạng thái {from} không thể chuyển sang {to}";

    // --- codes (domain::codes) ---
    Malformed { expected: String, got: String } => "must be {expected}, got {got:?}", "phải là {v}, nhận được {got:?}" with (v = shape_vi(expected));
    CheckDigit { code: String } => "check digit of tax code {code:?} does not match", "chữ số kiểm tra của mã số thuế {code:?} không khớp";
    BranchCode { code: String, parent: String } =>
        "{code:?} is the code of a dependent unit (branch, representative office) of {parent}; an organisation's own code is its 10-digit tax code",
        "{code:?} là mã của đơn vị phụ thuộc (chi nhánh, văn phòng đại diện) của {parent}; mã của tổ chức là mã số thuế 10 chữ số";
    ZeroSuffix { code: String } =>
        "{code:?} ends in -000, which is never issued: dependent units are numbered 001 to 999, and an organisation's own code is its 10 digits without a suffix",
        "{code:?} có đuôi -000, đuôi này không bao giờ được cấp: đơn vị phụ thuộc được đánh số từ 001 đến 999, còn mã của tổ chức là 10 chữ số không có đuôi";

    // --- trends (domain::trend) ---
    YearOutside { year: i32, earliest: i32, latest: i32 } => "{year} is outside {earliest}..={latest}", "năm {year} nằm ngoài khoảng {earliest}..={latest}";
    YearsReversed { from: i32, to: i32 } => "fromYear {from} is after toYear {to}", "fromYear {from} sau toYear {to}";
    TooManyYears { max: i32, got: i32 } => "at most {max} years, got {got}", "tối đa {max} năm, nhận được {got}";

    // --- members (domain::members) ---
    CitizenIdDigits => "a citizen identity number (căn cước) is 12 digits", "số định danh cá nhân (căn cước) gồm 12 chữ số";
    CitizenIdProvince { got: String } =>
        "a citizen identity number begins with the code of a province (0 and 2 digits), got {got:?}",
        "số định danh cá nhân bắt đầu bằng mã tỉnh (0 và 2 chữ số), nhận được {got:?}";
    LegalEntityNeedsCode => "a legal entity is identified by its enterprise (tax) code", "pháp nhân được xác định bằng mã số doanh nghiệp (mã số thuế)";
    LegalEntityCode { reason: Box<Msg> } => "a legal entity's enterprise code: {r}", "mã số doanh nghiệp của pháp nhân: {rv}" with (r = reason.en(), rv = reason.vi());
    LegalEntityNoGender => "a legal entity has no gender", "pháp nhân không có giới tính";
    AssociateNoCapital => "an associate member who does not contribute capital has no capital contribution", "thành viên liên kết không góp vốn thì không có phần vốn góp";
    AssociateNeedsCapital => "an associate member who contributes capital needs the amount contributed", "thành viên liên kết góp vốn phải có số vốn góp";

    // --- national form (domain::national_form) ---
    RequiredByNationalForm => "is required by the national registration form (Decree 92/2024/NĐ-CP)", "là thông tin bắt buộc của mẫu đăng ký quốc gia (Nghị định 92/2024/NĐ-CP)";
    BusinessLineRequiredByNationalForm =>
        "at least one VSIC business line is required by the national registration form (Decree 92/2024/NĐ-CP)",
        "cần ít nhất một ngành, nghề kinh doanh theo mã VSIC: thông tin bắt buộc của mẫu đăng ký quốc gia (Nghị định 92/2024/NĐ-CP)";
    AtMostCharsNational { max: usize } => "must be at most {max} characters for the national systems", "tối đa {max} ký tự đối với hệ thống quốc gia";
    MemberWithoutCode { name: String } => "{name} has no cooperative code yet; the national form lists members by code", "{name} chưa có mã số hợp tác xã; mẫu quốc gia kê khai thành viên theo mã số";

    // --- annual reports (domain::annual_reports, service::reports) ---
    ReportNotRegistered => "an application that has not been registered has no annual report; report once it is registered", "hồ sơ chưa được đăng ký thì không có báo cáo năm; hãy báo cáo sau khi được đăng ký";
    ReportBeforeBegan { year: i32, began: String, first: i32 } =>
        "{year} is before the organisation was registered or established ({began}); the first year it may report on is {first}",
        "năm {year} trước khi tổ chức được đăng ký hoặc thành lập ({began}); năm đầu tiên được báo cáo là {first}";
    ReportAfterEnded { year: i32, ended: String, last: i32 } =>
        "{year} is after the organisation ended ({ended}); it may report on the years up to {last}",
        "năm {year} sau khi tổ chức chấm dứt hoạt động ({ended}); chỉ được báo cáo đến năm {last}";
    ReportFuture { year: i32, this_year: i32, due_day: u32 } =>
        "{year} has not begun; the latest year that may be reported on is {this_year} (due by {due_day} December {this_year})",
        "năm {year} chưa bắt đầu; năm gần nhất được báo cáo là {this_year} (hạn nộp ngày {due_day} tháng 12 năm {this_year})";
    ReportBeforeFirst { year: i32, first: i32 } =>
        "{year} is before {first}, the first year the registry takes reports for",
        "năm {year} trước {first}, năm đầu tiên hệ thống nhận báo cáo";
    NoReportToReplace { year: i32 } => "there is no report for {year} to replace; leave expectedVersion out", "chưa có báo cáo năm {year} để thay thế; hãy bỏ expectedVersion";
    ReportExists { year: i32, version: i64 } =>
        "{year} already has a report (version {version}); to replace it, submit with expectedVersion {version}",
        "năm {year} đã có báo cáo (phiên bản {version}); để thay thế, hãy gửi kèm expectedVersion {version}";
    NoReportsOnYear { year: i32 } => "no reports on year {year}", "không có báo cáo năm {year}";
    NoAnnualReportsOnYear { year: i32 } => "no annual reports on year {year}", "không có báo cáo năm nào cho năm {year}";

    // --- status changes (domain::lifecycle) ---
    AlreadyStatusMay { to: String, allowed: String } =>
        "the record is already {to}; it may become {allowed}",
        "hồ sơ đã ở trạng thái {to}; chỉ có thể chuyển sang {allowed}";
    AlreadyFinal { to: String } => "the record is already {to}, which is final", "hồ sơ đã ở trạng thái {to}, là trạng thái cuối";
    PendingCannotBecome { to: String } =>
        "a PENDING application cannot become {to}: it becomes ACTIVE when the national systems register it, or WITHDRAWN through withdrawApplication",
        "hồ sơ PENDING không thể chuyển sang {to}: hồ sơ chuyển sang ACTIVE khi hệ thống quốc gia đăng ký, hoặc WITHDRAWN qua withdrawApplication";
    StatusFinal { from: String } => "a {from} record is final: its status can no longer change", "hồ sơ {from} là trạng thái cuối: không thể thay đổi trạng thái nữa";
    CannotBecomeMay { from: String, to: String, allowed: String } =>
        "a {from} record cannot become {to}; it may become {allowed}",
        "hồ sơ {from} không thể chuyển sang {to}; chỉ có thể chuyển sang {allowed}";
    StatusSince { from: String, since: String, on: String } =>
        "the current status {from} took effect on {since}, later than {on}",
        "trạng thái hiện tại {from} có hiệu lực từ {since}, muộn hơn {on}";
    SuspensionNeedsTerm => "a suspension needs its term: the day it ends", "tạm ngừng hoạt động phải có thời hạn: ngày kết thúc";
    TermEndsAfter { on: String } => "the term must end after {on}", "thời hạn phải kết thúc sau {on}";
    OnlySuspensionTerm => "only a suspension has a term", "chỉ tạm ngừng hoạt động mới có thời hạn";
    DissolutionKindNeeded => "say whether the dissolution is VOLUNTARY or COMPULSORY", "hãy nêu rõ giải thể là VOLUNTARY (tự nguyện) hay COMPULSORY (bắt buộc)";
    RevokedCompulsory => "a record whose certificate was revoked dissolves compulsorily", "hồ sơ bị thu hồi giấy chứng nhận thì giải thể bắt buộc";
    DissolutionIs { is: String, not: String } => "this dissolution is {is}, not {not}", "việc giải thể này là {is}, không phải {not}";
    OnlyDissolutionKind => "only a dissolution has a kind", "chỉ giải thể mới có hình thức";
    OnlyPendingWithdrawn { what: String, from: String, allowed: String } =>
        "only a PENDING application can be withdrawn; this {what} is {from}{a}",
        "chỉ hồ sơ PENDING mới được rút; {w} này đang ở trạng thái {from}{v}"
        with (w = noun_vi(what), a = if allowed.is_empty() { String::new() } else { format!(" (use a status change: it may become {allowed})") },
              v = if allowed.is_empty() { String::new() } else { format!(" (hãy dùng thay đổi trạng thái: có thể chuyển sang {allowed})") });

    // --- targets (domain::targets, service::targets) ---
    YearBetween2000And2100 => "must be a year between 2000 and 2100", "phải là năm trong khoảng 2000 đến 2100";
    MeasuredIn { indicator: String, unit: String } => "{indicator} is measured in {unit}", "{indicator} được đo bằng {unit}";
    OnlyShareWithin => "only a share can be measured within another share", "chỉ chỉ tiêu tỷ lệ mới có thể tính trong một tỷ lệ khác";
    DoesNotApply { indicator: String, scope: String } => "{indicator} does not apply to {scope}", "{indicator} không áp dụng cho {scope}";
    MustBeNumber => "must be a number", "phải là một số";
    PercentAtMost100 => "a percentage is at most 100", "tỷ lệ phần trăm tối đa là 100";
    CountWhole => "a count is a whole number", "số lượng phải là số nguyên";
    BetweenNoValue => "BETWEEN takes min and max, not value", "BETWEEN dùng min và max, không dùng value";
    MinAboveMax => "must not be greater than max", "không được lớn hơn max";
    BetweenNeeds { bound: String } => "BETWEEN needs {bound}", "BETWEEN cần {bound}";
    TakesValueNot { comparator: String, bound: String } => "{comparator} takes value, not {bound}", "{comparator} dùng value, không dùng {bound}";
    NeedsValue { comparator: String } => "{comparator} needs value", "{comparator} cần value";
    UnknownValue { got: String } => "unknown value {got:?}", "giá trị không xác định {got:?}";
    DistrictIsLegacy { code: String } =>
        "districts were abolished on 2025-07-01: district {code:?} is a legacy unit (legacy: true)",
        "cấp huyện đã bị bãi bỏ từ 2025-07-01: huyện {code:?} là đơn vị cũ (legacy: true)";
    NoLegacyUnit { what: String, code: String } =>
        "no legacy {what} (abolished on 2025-07-01) with code {code:?}",
        "không có {w} cũ (bãi bỏ từ 2025-07-01) mang mã {code:?}" with (w = noun_vi(what));
    NoUnitInForce { what: String, code: String } => "no {what} in force with code {code:?}", "không có {w} đang có hiệu lực mang mã {code:?}" with (w = noun_vi(what));
    NoUnit { what: String, code: String } => "no {what} with code {code:?}", "không có {w} mang mã {code:?}" with (w = noun_vi(what));
    TargetExists =>
        "a target with this jurisdiction, year, indicator, scope and withinIndicator exists; update it instead",
        "đã có chỉ tiêu cùng địa bàn, năm, chỉ số, phạm vi và withinIndicator; hãy cập nhật chỉ tiêu đó";
    IndicatorComputed { indicator: String } => "{indicator} is computed from the registry; it cannot be reported", "{indicator} được tính từ sổ đăng ký; không thể báo cáo";
    OutOfUnitRange => "out of range for the target's unit", "nằm ngoài phạm vi của đơn vị tính của chỉ tiêu";
    NotInProvince { name: String, province: String } => "{name} does not lie in province {province}", "{name} không thuộc tỉnh {province}";
    RoleMayNotSetTargets => "this role may not set targets", "vai trò này không được đặt chỉ tiêu";

    // --- writes (service) ---
    NoSuch { what: String } => "no such {what}", "không tìm thấy {w}" with (w = noun_vi(what));
    NoSuchOrganisation => "no such cooperative, union or group", "không tìm thấy hợp tác xã, liên hiệp hợp tác xã hay tổ hợp tác";
    NoSuchCooperativeOrUnion => "no such cooperative or union", "không tìm thấy hợp tác xã hay liên hiệp hợp tác xã";
    NothingToRetry => "nothing to retry: no delivery of this record failed or was rejected", "không có gì để gửi lại: không lần gửi nào của hồ sơ này bị lỗi hay bị từ chối";
    RegistrationDateOnlyImported => "only records imported with an existing code carry a registration date", "chỉ hồ sơ nhập với mã số đã có mới mang ngày đăng ký";
    CodeRegistered { code: String } => "a cooperative with code {code} is already registered", "hợp tác xã có mã số {code} đã được đăng ký";
    CooperativeCannotChange { status: String } => "a {status} cooperative cannot be changed", "hợp tác xã ở trạng thái {status} không thể thay đổi";
    CountsFromRegister =>
        "this cooperative keeps a member register, whose current members are its counts: change them with addMember and endMembership",
        "hợp tác xã này có sổ đăng ký thành viên, số thành viên hiện tại được tính từ sổ: hãy thay đổi bằng addMember và endMembership";
    ClientMutationIdReused => "this clientMutationId was already used with different input", "clientMutationId này đã được dùng với dữ liệu khác";
    VersionConflict { actual: i64, expected: i64 } =>
        "the record is at version {actual}, not {expected}: reload and retry",
        "hồ sơ đang ở phiên bản {actual}, không phải {expected}: hãy tải lại và thử lại";
    RegisterCannotChange { status: String } => "a {status} cooperative's member register cannot change", "sổ thành viên của hợp tác xã ở trạng thái {status} không thể thay đổi";
    NoSuchCooperativeForRegister =>
        "no such cooperative: a member register is kept by cooperatives (a union's members are its member cooperatives)",
        "không tìm thấy hợp tác xã: sổ thành viên do hợp tác xã lập (thành viên của liên hiệp là các hợp tác xã thành viên)";
    MembershipEnded { on: String } => "the membership already ended on {on}", "tư cách thành viên đã chấm dứt ngày {on}";
    BeforeJoined { joined: String } => "must not be before the member joined ({joined})", "không được trước ngày thành viên gia nhập ({joined})";
    GroupFinal { status: String } => "a {status} group is final: it can no longer change", "tổ hợp tác ở trạng thái {status} là trạng thái cuối: không thể thay đổi nữa";
    GroupEstablishedOn { on: String } => "the group was established on {on}", "tổ hợp tác được thành lập ngày {on}";
    NotActive { name: String, status: String } => "{name} is {status}, not ACTIVE", "{name} đang ở trạng thái {status}, không phải ACTIVE";
    AlreadyInUnion { name: String } => "{name} already belongs to a union", "{name} đã thuộc một liên hiệp hợp tác xã";
    UnionNeedsMembers { min: usize } => "a union needs at least {min} ACTIVE member cooperatives", "liên hiệp hợp tác xã cần ít nhất {min} hợp tác xã thành viên ACTIVE";
    AlreadyMember { name: String } => "{name} is already a member", "{name} đã là thành viên";
    InAnotherUnion { name: String } => "{name} belongs to another union", "{name} thuộc một liên hiệp hợp tác xã khác";
    NotUnionMember { name: String } => "{name} is not a member of this union", "{name} không phải thành viên của liên hiệp này";
    UnionKeepsMembers { min: usize } => "a union keeps at least {min} ACTIVE member cooperatives", "liên hiệp hợp tác xã phải duy trì ít nhất {min} hợp tác xã thành viên ACTIVE";
    UnionCannotChange { status: String } => "a {status} union cannot be changed", "liên hiệp hợp tác xã ở trạng thái {status} không thể thay đổi";

    // --- reorganisation (service::reorganisation) ---
    MergerNeedsSources => "a merger names at least one cooperative that is absorbed", "sáp nhập phải nêu ít nhất một hợp tác xã bị sáp nhập";
    MergerNeedsInto => "a merger names the cooperative that absorbs the sources", "sáp nhập phải nêu hợp tác xã nhận sáp nhập";
    MergerNoSuccessors => "a merger creates no new cooperative: name it in intoId", "sáp nhập không tạo hợp tác xã mới: hãy nêu hợp tác xã nhận sáp nhập ở intoId";
    OnlyMergerInto => "only a merger absorbs into an existing cooperative", "chỉ sáp nhập mới nhập vào một hợp tác xã đã có";
    ConsolidationShape => "a consolidation forms one new cooperative from two or more", "hợp nhất tạo một hợp tác xã mới từ hai hợp tác xã trở lên";
    SplitShape => "a split divides one cooperative into two or more new ones", "chia tách một hợp tác xã thành hai hợp tác xã mới trở lên";
    SeparationShape => "a separation splits one or more new cooperatives off one that continues", "tách một hoặc nhiều hợp tác xã mới ra khỏi một hợp tác xã vẫn tiếp tục hoạt động";
    NamedTwice { name: String } => "{name} is named twice", "{name} được nêu hai lần";
    CannotReorganise { name: String, status: String } =>
        "{name} is {status}: only an ACTIVE or SUSPENDED cooperative reorganises",
        "{name} đang ở trạng thái {status}: chỉ hợp tác xã ACTIVE hoặc SUSPENDED mới được tổ chức lại";
    SuccessorRegisteredNationally =>
        "a new cooperative of a reorganisation is registered nationally: no code or registration date",
        "hợp tác xã mới hình thành do tổ chức lại được đăng ký ở hệ thống quốc gia: không nhập mã số hay ngày đăng ký";

    // --- arguments of queries (service) ---
    PageAtMost { max: u64, got: i64 } => "must be at most {max}, got {got}", "tối đa {max}, nhận được {got}";
    FirstAndLast =>
        "first and last cannot be used together: page forward with first/after, or backward with last/before",
        "không được dùng first và last cùng lúc: phân trang tiến với first/after, hoặc lùi với last/before";
    MalformedCursor => "malformed cursor", "con trỏ phân trang không hợp lệ";
    CursorOtherOrdering => "cursor belongs to another ordering", "con trỏ phân trang thuộc một cách sắp xếp khác";
    AtMostCharsShort { max: usize } => "at most {max} characters", "tối đa {max} ký tự";
    AfterRegisteredTo => "is after registeredTo", "sau registeredTo";
    CodeDigits { level: String, expected: usize, got: String } =>
        "a {level} code has {expected} digits, got {got:?}",
        "mã {l} gồm {expected} chữ số, nhận được {got:?}" with (l = noun_vi(level));
    NoProvinceWithCode { code: String } => "no province in force has code {code}", "không có tỉnh đang có hiệu lực mang mã {code}";
    JurisdictionCode => "a 2-digit province or 3-digit district code", "mã tỉnh 2 chữ số hoặc mã huyện 3 chữ số";
    IdentityNumberLength => "must be an identity number of 1 to 32 characters", "phải là số định danh từ 1 đến 32 ký tự";
    NotCoopgateId => "not a coopgate id", "không phải mã định danh coopgate";
    TooManyIds { max: usize, got: usize } => "at most {max} ids, got {got}", "tối đa {max} mã định danh, nhận được {got}";
    MemberAuditedUnderCooperative =>
        "a member's changes are audited under its cooperative: pass the cooperative's id",
        "thay đổi của thành viên được ghi nhật ký theo hợp tác xã của thành viên đó: hãy truyền mã định danh của hợp tác xã";
    NotRegistryRecord => "not a registry record", "không phải hồ sơ của sổ đăng ký";

    // --- access (auth, service) ---
    AuthenticationRequired => "authentication required", "cần xác thực";
    InvalidToken => "invalid or expired token", "mã thông báo (token) không hợp lệ hoặc đã hết hạn";
    InternalError => "internal error", "lỗi nội bộ";
    OwnProvinceOnly { province: String } =>
        "officers may only change records of their own province, not {province}",
        "cán bộ chỉ được thay đổi hồ sơ của tỉnh mình, không phải tỉnh {province}";
    RoleMayNotChange => "this role may not change the registry", "vai trò này không được thay đổi sổ đăng ký";
    MoveNeedsAdmin { from: String, to: String } =>
        "moving a record from province {from} to {to} needs a national admin",
        "chuyển hồ sơ từ tỉnh {from} sang tỉnh {to} cần quản trị viên quốc gia";
    AuditAdminsOnly => "only national admins may read the audit trail", "chỉ quản trị viên quốc gia được đọc nhật ký kiểm toán";
    ExportOwnProvince { province: String } => "officers may only export their own province, not {province}", "cán bộ chỉ được xuất dữ liệu của tỉnh mình, không phải tỉnh {province}";
    ExportNoProvince => "an officer without a province may not export", "cán bộ chưa được gán tỉnh không được xuất dữ liệu";
    ExportRoles => "only national admins and provincial officers may export", "chỉ quản trị viên quốc gia và cán bộ cấp tỉnh được xuất dữ liệu";
    OfficerWithoutProvince => "an officer without a province", "cán bộ chưa được gán tỉnh";
    PersonalDataReadsRoles =>
        "only national admins and provincial officers may ask who read personal data",
        "chỉ quản trị viên quốc gia và cán bộ cấp tỉnh được tra cứu ai đã đọc dữ liệu cá nhân";
    ResetDevOnly =>
        "the registry is reset only in the dev profile; this is the production profile (pass --force to `coopgate seed --demo --reset` if you really mean to empty it)",
        "sổ đăng ký chỉ được đặt lại ở cấu hình dev; đây là cấu hình production (thêm --force cho `coopgate seed --demo --reset` nếu thực sự muốn xoá trắng)";
    ResetAdminOnly => "only a national admin may reset the sandbox", "chỉ quản trị viên quốc gia được đặt lại môi trường thử nghiệm";

    // --- documents (graphql::limits, graphql::error, the GraphQL library's validation) ---
    OverLimit { what: String, actual: u64, limit: u64 } => "{what} is {actual}, over the limit of {limit}", "{w} là {actual}, vượt giới hạn {limit}" with (w = measure_vi(what));
    FragmentSpreadsItself { name: String } => "fragment {name} spreads itself", "fragment {name} tự lồng chính nó";
    UnknownFragment { name: String } => "unknown fragment {name}", "không có fragment {name}";
    NoOperation => "the document has no operation", "tài liệu không có thao tác nào";
    UnknownOperation { name: String } => "unknown operation named {name:?}", "không có thao tác nào tên {name:?}";
    IntrospectionDisabled => "introspection is disabled on this server", "máy chủ này đã tắt introspection";
    SyntaxAt { line: usize, column: usize, what: String } => "Syntax error at line {line}, column {column}: {what}", "Lỗi cú pháp tại dòng {line}, cột {column}: {what}";
    Syntax { what: String } => "Syntax error: {what}", "Lỗi cú pháp: {what}";
    UnknownField { field: String, ty: String, suggestion: String } =>
        "Unknown field \"{field}\" on type \"{ty}\".{suggestion}",
        "Kiểu \"{ty}\" không có trường \"{field}\".{s}" with (s = suggestion_vi(suggestion));
    UnknownArgument { argument: String, field: String, ty: String, suggestion: String } =>
        "Unknown argument \"{argument}\" on field \"{field}\" of type \"{ty}\".{suggestion}",
        "Trường \"{field}\" của kiểu \"{ty}\" không có đối số \"{argument}\".{s}" with (s = suggestion_vi(suggestion));
    MissingArgument { field: String, argument: String, ty: String } =>
        "Field \"{field}\" argument \"{argument}\" of type \"{ty}\" is required but not provided",
        "Trường \"{field}\" thiếu đối số bắt buộc \"{argument}\" kiểu \"{ty}\"";
    NeedsSubfields { field: String, ty: String } =>
        "Field \"{field}\" of type \"{ty}\" must have a selection of subfields",
        "Trường \"{field}\" kiểu \"{ty}\" phải chọn các trường con";
    RateLimited { seconds: u64 } => "rate limit exceeded; retry after {seconds} s", "vượt giới hạn tần suất; hãy thử lại sau {seconds} giây";

    // --- command line (service::evidence; reached only through the CLI) ---
    ToBeforeFrom { from: i64, head: i64 } => "must be at least --from ({from}); the head is at {head}", "phải từ --from ({from}) trở lên; đầu chuỗi đang ở {head}";
    NothingAnchors { from: i64 } => "nothing anchors the chain before sequence {from}", "không có điểm neo nào của chuỗi trước số thứ tự {from}";
    CannotWrite { path: String, reason: String } => "cannot write {path}: {reason}", "không ghi được {path}: {reason}";
}

impl fmt::Display for Msg {
    /// The English text (logs, CLI, audit).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.en())
    }
}

impl Msg {
    /// The text in `lang`.
    pub fn text(&self, lang: Language) -> String {
        match lang {
            Language::Vi => self.vi(),
            Language::En => self.en(),
        }
    }
}

impl From<&super::CodeError> for Msg {
    fn from(e: &super::CodeError) -> Self {
        use super::CodeError as E;
        match e {
            E::Malformed { expected, got } => Msg::Malformed { expected: (*expected).to_owned(), got: got.clone() },
            E::CheckDigit(c) => Msg::CheckDigit { code: c.clone() },
            E::BranchCode { code, parent } => Msg::BranchCode { code: code.clone(), parent: parent.clone() },
            E::ZeroSuffix(c) => Msg::ZeroSuffix { code: c.clone() },
        }
    }
}

impl From<super::CodeError> for Msg {
    fn from(e: super::CodeError) -> Self {
        Msg::from(&e)
    }
}

impl From<super::money::MoneyError> for Msg {
    fn from(e: super::money::MoneyError) -> Self {
        match e {
            super::money::MoneyError::TooPrecise => Msg::TooPrecise,
            super::money::MoneyError::TooLarge => Msg::AmountTooLarge,
        }
    }
}

impl From<super::trend::TrendRangeError> for Msg {
    fn from(e: super::trend::TrendRangeError) -> Self {
        use super::trend::{TrendRangeError as E, EARLIEST_YEAR, MAX_YEARS};
        match e {
            E::OutOfRange(year, latest) => Msg::YearOutside { year, earliest: EARLIEST_YEAR, latest },
            E::Reversed(from, to) => Msg::YearsReversed { from, to },
            E::TooLong(got) => Msg::TooManyYears { max: MAX_YEARS, got },
        }
    }
}

impl From<super::rules::TransitionError> for Msg {
    fn from(e: super::rules::TransitionError) -> Self {
        Msg::CannotBecome { from: e.from.to_string(), to: e.to.to_string() }
    }
}

impl From<&super::annual_reports::ReportYearError> for Msg {
    fn from(e: &super::annual_reports::ReportYearError) -> Self {
        use super::annual_reports::{ReportYearError as E, DUE_DAY_OF_DECEMBER, FIRST_REPORT_YEAR};
        use chrono::Datelike;
        match *e {
            E::NotRegistered => Msg::ReportNotRegistered,
            E::BeforeItBegan { year, began } => {
                Msg::ReportBeforeBegan { year, began: began.to_string(), first: began.year() }
            }
            E::AfterItEnded { year, ended } => {
                Msg::ReportAfterEnded { year, ended: ended.to_string(), last: ended.year() }
            }
            E::Future { year, this_year } => Msg::ReportFuture { year, this_year, due_day: DUE_DAY_OF_DECEMBER },
            E::TooEarly { year } => Msg::ReportBeforeFirst { year, first: FIRST_REPORT_YEAR },
        }
    }
}

/// Test samples need a default parameter for the message a message wraps.
#[cfg(test)]
impl Default for Msg {
    fn default() -> Self {
        Msg::InternalError
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_has_an_english_and_a_vietnamese_text_that_differ() {
        let samples = Msg::samples();
        assert!(samples.len() > 100, "{}", samples.len());
        let mut keys = std::collections::HashSet::new();
        for m in &samples {
            assert!(keys.insert(m.key()), "{} twice", m.key());
            let (en, vi) = (m.en(), m.vi());
            assert!(!en.trim().is_empty(), "{}: no English text", m.key());
            assert!(!vi.trim().is_empty(), "{}: no Vietnamese text", m.key());
            assert_ne!(en, vi, "{}: the Vietnamese text is the English one", m.key());
            assert_eq!(m.to_string(), en);
        }
    }

    #[test]
    fn vietnamese_texts_keep_enum_and_argument_names_verbatim() {
        let m = Msg::ReportExists { year: 2024, version: 3 };
        assert!(m.vi().contains("expectedVersion 3"), "{}", m.vi());
        let m = Msg::CannotBecome { from: "ACTIVE".into(), to: "PENDING".into() };
        assert!(m.vi().contains("ACTIVE") && m.vi().contains("PENDING"));
        assert!(Msg::DissolutionKindNeeded.vi().contains("VOLUNTARY"));
        let m = Msg::NoSuch { what: "cooperative".into() };
        assert_eq!(m.vi(), "không tìm thấy hợp tác xã");
    }

    #[test]
    fn domain_errors_give_the_message_their_display_says() {
        use crate::domain::{ProvinceCode, TaxCode, WardCode};
        let errors = [
            ProvinceCode::parse("4").expect_err("refused"),
            WardCode::parse("x").expect_err("refused"),
            TaxCode::parse_own("0100109106-002").expect_err("refused"),
            TaxCode::parse_own("0100109106-000").expect_err("refused"),
            TaxCode::parse_own("0100109107").expect_err("refused"),
        ];
        for e in errors {
            assert_eq!(Msg::from(&e).en(), e.to_string());
            assert_ne!(Msg::from(&e).vi(), e.to_string());
        }
        for e in [super::super::money::MoneyError::TooPrecise, super::super::money::MoneyError::TooLarge] {
            assert_eq!(Msg::from(e.clone()).en(), e.to_string());
        }
        use super::super::trend::TrendRangeError as T;
        for e in [T::OutOfRange(1990, 2026), T::Reversed(2024, 2020), T::TooLong(40)] {
            assert_eq!(Msg::from(e.clone()).en(), e.to_string());
        }
    }

    #[test]
    fn accept_language_picks_the_spoken_language_of_highest_weight() {
        use Language::{En, Vi};
        let n = |h: &str, d| Language::negotiate(Some(h), d);
        assert_eq!(Language::negotiate(None, Vi), Vi);
        assert_eq!(Language::negotiate(None, En), En);
        assert_eq!(n("vi", En), Vi);
        assert_eq!(n("vi-VN", En), Vi);
        assert_eq!(n("en", Vi), En);
        assert_eq!(n("en-US,en;q=0.9", Vi), En);
        assert_eq!(n("fr-FR, en;q=0.5, vi;q=0.8", En), Vi);
        assert_eq!(n("vi;q=0.2, en;q=0.3", Vi), En);
        assert_eq!(n("en, vi", Vi), En, "the first listed among equals");
        assert_eq!(n("vi;q=0, en;q=0.1", Vi), En);
        assert_eq!(n("en;q=0", Vi), Vi, "refused only: the default");
        assert_eq!(n("fr, de", En), En, "unknown languages: the default");
        assert_eq!(n("*", Vi), Vi);
        assert_eq!(n("fr, *;q=0.5", En), En);
        assert_eq!(n("VI-vn", En), Vi);
        assert_eq!(n("en;q=1.5", Vi), Vi, "a malformed weight refuses");
        assert_eq!(n("", En), En);
        let long = format!("{}vi", "x-y, ".repeat(200));
        assert_eq!(n(&long, En), En, "an over-long header is ignored");
    }

    #[test]
    fn settings_name_the_two_languages() {
        assert_eq!(Language::parse_setting("vi"), Some(Language::Vi));
        assert_eq!(Language::parse_setting(" EN "), Some(Language::En));
        assert_eq!(Language::parse_setting("fr"), None);
        assert_eq!(Language::Vi.tag(), "vi");
    }
}
