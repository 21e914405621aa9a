//! The records both national systems hold, as the simulator stores them and
//! shows them on the wire (JSON, camelCase).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Declares a wire enumeration: upper-case JSON names, the list of names for
/// error messages and a parser.
macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every wire name, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            /// The wire name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// Parses a wire name (exact, upper case).
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum!(
    /// Kind of registered organisation (loại hình tổ chức).
    EntityKind {
        /// Hợp tác xã.
        Cooperative = "COOPERATIVE",
        /// Liên hiệp hợp tác xã.
        Union = "UNION",
    }
);

wire_enum!(
    /// Where a tax registration stands (tình trạng cấp mã số thuế).
    IssueStatus {
        /// Accepted; the tax code is not issued yet.
        Pending = "PENDING",
        /// The tax code is issued.
        Issued = "ISSUED",
    }
);

wire_enum!(
    /// Status of a taxpayer in the tax registration system (trạng thái mã số thuế).
    TaxpayerStatus {
        /// Đang hoạt động.
        Active = "ACTIVE",
        /// Tạm ngừng kinh doanh.
        Suspended = "SUSPENDED",
        /// Chấm dứt hiệu lực mã số thuế: final.
        Closed = "CLOSED",
    }
);

wire_enum!(
    /// Status of a record in NCRS (tình trạng pháp lý); the registry's
    /// `RegistrationStatus` without PENDING, which NCRS never holds.
    RecordStatus {
        /// Đang hoạt động.
        Active = "ACTIVE",
        /// Tạm ngừng kinh doanh.
        Suspended = "SUSPENDED",
        /// Giải thể: final.
        Dissolved = "DISSOLVED",
        /// Thu hồi giấy chứng nhận: leads to (compulsory) dissolution.
        Revoked = "REVOKED",
        /// Đang làm thủ tục giải thể.
        InDissolution = "IN_DISSOLUTION",
        /// Phá sản: final.
        Bankrupt = "BANKRUPT",
        /// Hồ sơ đã rút (an application withdrawn after NCRS recorded it): final.
        Withdrawn = "WITHDRAWN",
    }
);

wire_enum!(
    /// What a change-feed entry records.
    ChangeKind {
        /// The record was created (đăng ký mới).
        Created = "CREATED",
        /// Its registered content was replaced (thay đổi nội dung đăng ký).
        Replaced = "REPLACED",
        /// Its status changed.
        StatusChanged = "STATUS_CHANGED",
        /// An annual report was filed or refiled (báo cáo hằng năm).
        AnnualReportFiled = "ANNUAL_REPORT_FILED",
        /// The national side corrected name or address (hiệu đính).
        Corrected = "CORRECTED",
        /// The record was named in a reorganisation (tổ chức lại): as a
        /// source (ended, `status` DISSOLVED, unless it continues after a
        /// separation) or as a successor; `reorganisationId` names it.
        Reorganised = "REORGANISED",
    }
);

wire_enum!(
    /// A reorganisation of cooperatives (tổ chức lại hợp tác xã).
    ReorganisationKind {
        /// Sáp nhập: one or more sources end, absorbed into one existing successor.
        Merger = "MERGER",
        /// Hợp nhất: two or more sources end, forming one new successor.
        Consolidation = "CONSOLIDATION",
        /// Chia: one source ends, divided into two or more new successors.
        Split = "SPLIT",
        /// Tách: one source continues; one or more new successors split off.
        Separation = "SEPARATION",
    }
);

wire_enum!(
    /// Who made a change.
    Origin {
        /// A province, through the API.
        Province = "PROVINCE",
        /// The national side (injected with `POST /_sim/national-changes`).
        National = "NATIONAL",
    }
);

wire_enum!(
    /// A national-side change that `POST /_sim/national-changes` injects.
    NationalChangeKind {
        /// Correction of name and/or address (hiệu đính thông tin).
        Correction = "CORRECTION",
        /// Compulsory dissolution (giải thể bắt buộc).
        CompulsoryDissolution = "COMPULSORY_DISSOLUTION",
        /// Revocation of the registration certificate (thu hồi giấy chứng nhận).
        Revocation = "REVOCATION",
    }
);

wire_enum!(
    /// What a write did, in [`AppliedWrite`].
    WriteOperation {
        /// Tax registration (đăng ký thuế).
        Register = "REGISTER",
        /// Taxpayer details replaced.
        UpdateDetails = "UPDATE_DETAILS",
        /// Status changed by the province.
        ChangeStatus = "CHANGE_STATUS",
        /// NCRS record created.
        Create = "CREATE",
        /// NCRS record content replaced.
        Replace = "REPLACE",
        /// Annual report filed or refiled.
        FileAnnualReport = "FILE_ANNUAL_REPORT",
        /// National correction.
        Correction = "CORRECTION",
        /// National compulsory dissolution.
        CompulsoryDissolution = "COMPULSORY_DISSOLUTION",
        /// National revocation.
        Revocation = "REVOCATION",
        /// Named in a reorganisation (as a source or a successor).
        Reorganise = "REORGANISE",
    }
);

impl RecordStatus {
    /// The registry's status of the same name.
    pub fn as_registration_status(self) -> crate::domain::RegistrationStatus {
        use crate::domain::RegistrationStatus as R;
        match self {
            Self::Active => R::Active,
            Self::Suspended => R::Suspended,
            Self::Dissolved => R::Dissolved,
            Self::Revoked => R::Revoked,
            Self::InDissolution => R::InDissolution,
            Self::Bankrupt => R::Bankrupt,
            Self::Withdrawn => R::Withdrawn,
        }
    }

    /// Dissolved, bankrupt and withdrawn records never change again.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Dissolved | Self::Bankrupt | Self::Withdrawn)
    }

    /// Whether the registered content may still be replaced (not once the
    /// certificate is revoked or the record ended).
    pub fn content_locked(self) -> bool {
        self.is_final() || self == Self::Revoked
    }

    /// Whether a province may move a record from this status to `to`: the
    /// registry's lifecycle (docs/lifecycle.md), plus the withdrawal of an
    /// application NCRS had already recorded (ACTIVE → WITHDRAWN).
    pub fn may_become(self, to: RecordStatus) -> bool {
        (self == Self::Active && to == Self::Withdrawn)
            || crate::domain::lifecycle::province_targets(self.as_registration_status())
                .contains(&to.as_registration_status())
    }
}

/// The legal representative (người đại diện theo pháp luật).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LegalRepresentative {
    /// Họ và tên.
    pub full_name: String,
    /// Personal identification number (số định danh cá nhân): 12 digits, or 9 for an old ID card.
    pub id_number: String,
}

/// Registered content both systems hold (nội dung đăng ký).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntityDetails {
    /// Name (tên), NFC-normalised.
    pub name: String,
    /// Cooperative or union.
    pub kind: EntityKind,
    /// 2025 ward or commune of the head office (mã xã), 5 digits.
    pub ward_code: String,
    /// Province (mã tỉnh), 2 digits.
    pub province_code: String,
    /// Legal representative.
    pub legal_representative: LegalRepresentative,
    /// Business lines (ngành nghề kinh doanh), VSIC 4-digit codes.
    pub business_lines: Vec<String>,
    /// Charter capital (vốn điều lệ) in đồng, a decimal string.
    pub charter_capital: String,
}

/// The answer about a tax registration: 201, 202 and its status resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationState {
    /// Registration id, from the `Location` of the status resource.
    pub registration_id: String,
    /// PENDING or ISSUED.
    pub status: IssueStatus,
    /// The tax code, once ISSUED.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_code: Option<String>,
}

/// An access token (`POST /oauth/token`, RFC 6749 §5.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessToken {
    /// The bearer token.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until it expires.
    pub expires_in: u64,
}

/// The answer to an injected national change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NationalChangeApplied {
    /// The feed entry it appended.
    pub change: Change,
    /// The record after it.
    pub record: NcrsRecord,
}

/// One page of the change feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangePage {
    /// Changes after `after`, in sequence order.
    pub changes: Vec<Change>,
    /// Pass as `after` to read on; equal to `after` when nothing is new.
    pub next_after: u64,
}

/// A taxpayer (người nộp thuế) in the tax registration system, from its
/// registration on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Taxpayer {
    /// The registration that created it.
    pub registration_id: String,
    /// PENDING until the tax code is issued.
    pub registration_status: IssueStatus,
    /// The tax code (mã số thuế), once issued.
    pub tax_code: Option<String>,
    /// Registered details.
    #[serde(flatten)]
    pub details: EntityDetails,
    /// Taxpayer status.
    pub status: TaxpayerStatus,
    /// When the last status change took effect.
    pub status_effective_on: Option<NaiveDate>,
    /// Why the status last changed.
    pub status_reason: Option<String>,
    /// When the registration was accepted.
    pub accepted_at: DateTime<Utc>,
    /// When the tax code was issued.
    pub issued_at: Option<DateTime<Utc>>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A record in NCRS (hồ sơ đăng ký hợp tác xã), keyed by its cooperative
/// code, which is its tax code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NcrsRecord {
    /// Cooperative code (mã số hợp tác xã) = tax code.
    pub code: String,
    /// Registered content.
    #[serde(flatten)]
    pub details: EntityDetails,
    /// Street address of the head office within the ward (địa chỉ trụ sở).
    pub address: Option<String>,
    /// Members (thành viên): persons for a cooperative, member cooperatives for a union.
    pub members: u32,
    /// A union's member cooperatives by code, as its form lists them
    /// (absent for a cooperative, whose members are only counted).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub member_cooperatives: Vec<String>,
    /// Legal status.
    pub status: RecordStatus,
    /// When the last status change took effect.
    pub status_effective_on: Option<NaiveDate>,
    /// Why the status last changed.
    pub status_reason: Option<String>,
    /// The day a suspension (tạm ngừng kinh doanh) ends, while SUSPENDED
    /// (null for a suspension sent without its term, the older form).
    #[serde(default)]
    pub status_until: Option<NaiveDate>,
    /// VOLUNTARY or COMPULSORY (giải thể tự nguyện / bắt buộc), while
    /// IN_DISSOLUTION or DISSOLVED (null when not told).
    #[serde(default)]
    pub dissolution_kind: Option<String>,
    /// Version, 1 on creation, +1 on every change of content or status; the
    /// `ETag`. A reorganisation's links are not content: they change no version.
    pub version: u64,
    /// The records it continues (tiền thân) by reorganisation, with the
    /// reorganisation that linked them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub predecessors: Vec<RecordLink>,
    /// The records that continue it (kế thừa) by reorganisation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub successors: Vec<RecordLink>,
    /// When the record was created.
    pub registered_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A link between two records made by a reorganisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordLink {
    /// The other record's code.
    pub code: String,
    /// Which reorganisation.
    pub reorganisation_id: String,
    /// Its kind.
    pub kind: ReorganisationKind,
}

/// A reorganisation as NCRS recorded it (`POST /ncrs/v1/reorganisations`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reorganisation {
    /// Its id, `REORG-` and 8 digits.
    pub id: String,
    /// Merger, consolidation, split or separation.
    pub kind: ReorganisationKind,
    /// When it takes effect.
    pub effective_on: NaiveDate,
    /// Why (the members' resolution).
    pub reason: String,
    /// The sources' codes, as sent.
    pub sources: Vec<String>,
    /// The successors' codes, as sent.
    pub successors: Vec<String>,
    /// Every record named, with its version after the reorganisation.
    pub versions: Vec<RecordVersion>,
    /// When NCRS recorded it.
    pub recorded_at: DateTime<Utc>,
    /// The idempotency keys it was applied under (one, unless a client
    /// sent the same reorganisation twice under two keys).
    pub idempotency_keys: Vec<String>,
}

/// A record's version after a write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordVersion {
    /// The record's code.
    pub code: String,
    /// Its version (the `ETag` a later write sends in `If-Match`).
    pub version: u64,
    /// Its status after the reorganisation.
    pub status: RecordStatus,
}

/// A yearly report (báo cáo tình hình hoạt động hằng năm).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnnualReport {
    /// Cooperative code.
    pub code: String,
    /// Reporting year.
    pub year: i32,
    /// Members at year end.
    pub members: u32,
    /// Employees (người lao động).
    pub employees: u32,
    /// Revenue (doanh thu) in đồng, decimal string.
    pub revenue: String,
    /// Profit (lợi nhuận) in đồng, decimal string, may be negative.
    pub profit: String,
    /// Average income per member (thu nhập bình quân), đồng per year.
    pub average_member_income: Option<String>,
    /// Classification (xếp loại): GOOD, FAIR, AVERAGE or WEAK.
    pub rating: String,
    /// The record's version after this report was filed.
    pub record_version: u64,
    /// When filed (last time).
    pub filed_at: DateTime<Utc>,
}

/// Fields a national correction changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Corrections {
    /// New name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New ward.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ward_code: Option<String>,
    /// New street address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// One entry of the NCRS change feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    /// Position in the feed: 1, 2, 3, … with no gaps.
    pub sequence: u64,
    /// Cooperative code.
    pub code: String,
    /// The record's province.
    pub province_code: String,
    /// What happened.
    pub kind: ChangeKind,
    /// Who did it.
    pub origin: Origin,
    /// The record's version after the change.
    pub version: u64,
    /// When.
    pub at: DateTime<Utc>,
    /// STATUS_CHANGED: the new status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<RecordStatus>,
    /// STATUS_CHANGED: when it takes effect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_on: Option<NaiveDate>,
    /// STATUS_CHANGED, CORRECTED: why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// ANNUAL_REPORT_FILED: the year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    /// CORRECTED: the corrected fields and their new values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corrections: Option<Corrections>,
    /// REORGANISED: the reorganisation's id (`GET /ncrs/v1/reorganisations/{id}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reorganisation_id: Option<String>,
}

/// One distinct write applied to a record, and how many times it was
/// applied: a write is its operation, path and body; more than 1 means the
/// same change was applied again under another idempotency key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppliedWrite {
    /// What it did.
    pub operation: WriteOperation,
    /// HTTP method.
    pub method: String,
    /// Request path.
    pub path: String,
    /// FNV-1a 64 of the canonical JSON body (sorted keys), hex.
    pub digest: String,
    /// Times applied.
    pub applied: u32,
    /// The idempotency keys it was applied under (none for injected national changes).
    pub idempotency_keys: Vec<String>,
}

/// A taxpayer with its write log, as `GET /_sim/records` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaxpayerEntry {
    /// The taxpayer.
    #[serde(flatten)]
    pub taxpayer: Taxpayer,
    /// Every distinct write applied to it. For the registration, `applied`
    /// counts every taxpayer created from the same body.
    pub writes: Vec<AppliedWrite>,
}

/// An NCRS record with its reports and write log, as `GET /_sim/records` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NcrsEntry {
    /// The record.
    #[serde(flatten)]
    pub record: NcrsRecord,
    /// Its annual reports, by year.
    pub annual_reports: Vec<AnnualReport>,
    /// Every distinct write applied to it.
    pub writes: Vec<AppliedWrite>,
}

/// The tax registration system's side of [`SimRecords`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaxRecords {
    /// Every registration, pending or issued, in registration order.
    pub taxpayers: Vec<TaxpayerEntry>,
    /// Idempotency keys remembered.
    pub idempotency_keys: usize,
}

/// NCRS's side of [`SimRecords`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NcrsRecords {
    /// Every record, by code.
    pub records: Vec<NcrsEntry>,
    /// Every reorganisation recorded, in order.
    pub reorganisations: Vec<Reorganisation>,
    /// The change feed's last sequence (0 when empty).
    pub last_sequence: u64,
    /// Idempotency keys remembered.
    pub idempotency_keys: usize,
}

/// Everything the simulator holds, both systems: `GET /_sim/records`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SimRecords {
    /// The tax registration system.
    pub tax: TaxRecords,
    /// NCRS.
    pub ncrs: NcrsRecords,
}

/// One refused field (or, without `field`, the request as a whole).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// Path of the field, e.g. `legalRepresentative.fullName` or `businessLines[2]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What is wrong, in plain words.
    pub message: String,
}

/// The body of every error answer except `/oauth/token`'s.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// One entry per problem; a 422 lists every refused field.
    pub errors: Vec<FieldError>,
}
