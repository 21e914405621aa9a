//! Mutation inputs, payloads and `UserError`.

use super::enums::{Gender, Rating, RegistrationStatus, Sector};
use super::organisation::{AnnualReport, Cooperative, CooperativeGroup, CooperativeUnion};
use crate::domain::rules::{PersonDraft, Problem, ProblemKind};
use crate::domain::{Language, Msg};
use crate::graphql::scalars::{Date, Decimal};
use async_graphql::{ComplexObject, Context, Enum, InputObject, SimpleObject, ID};

/// What kind of business failure a `UserError` is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserErrorCode {
    /// Malformed or out of range.
    Invalid,
    /// Already exists (or an idempotency key reused with other input).
    Duplicate,
    /// Names something that does not exist.
    NotFound,
    /// The record changed since the client read it.
    VersionConflict,
    /// A status change the law does not allow.
    InvalidTransition,
}

/// An expected business failure of a mutation; nothing was written.
#[derive(SimpleObject, Debug, Clone)]
#[graphql(complex)]
pub struct UserError {
    /// Input path of the field, e.g. ["input", "address", "wardCode"].
    pub field: Option<Vec<String>>,
    /// What is wrong (written in the request's language by `message`).
    #[graphql(skip)]
    pub message: Msg,
    /// Which rule.
    pub code: UserErrorCode,
}

#[ComplexObject]
impl UserError {
    /// What is wrong.
    async fn message(&self, ctx: &Context<'_>) -> String {
        self.message.text(ctx.data_opt::<Language>().copied().unwrap_or(Language::En))
    }
}

impl From<Problem> for UserError {
    fn from(p: Problem) -> Self {
        UserError {
            field: Some(p.field),
            message: p.message,
            code: match p.kind {
                ProblemKind::Invalid => UserErrorCode::Invalid,
                ProblemKind::Duplicate => UserErrorCode::Duplicate,
                ProblemKind::NotFound => UserErrorCode::NotFound,
                ProblemKind::VersionConflict => UserErrorCode::VersionConflict,
                ProblemKind::InvalidTransition => UserErrorCode::InvalidTransition,
            },
        }
    }
}

/// A person named on a record.
#[derive(InputObject, Debug, Clone)]
pub struct PersonInput {
    /// Full name (họ và tên).
    pub full_name: String,
    /// Gender.
    pub gender: Option<Gender>,
    /// Citizen identity number: 12 digits (9 for an old identity card).
    pub id_number: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
}

impl From<PersonInput> for PersonDraft {
    fn from(p: PersonInput) -> Self {
        PersonDraft { full_name: p.full_name, gender: p.gender.map(Into::into), id_number: p.id_number, phone: p.phone }
    }
}

/// An address: a 2025 ward and an optional street line.
#[derive(InputObject, Debug, Clone)]
pub struct AddressInput {
    /// House number and street.
    pub street: Option<String>,
    /// A 2025 ward code (5 digits).
    pub ward_code: String,
}

/// Registering a cooperative (đăng ký thành lập hợp tác xã).
#[derive(InputObject, Debug, Clone)]
pub struct RegisterCooperativeInput {
    /// Official name in Vietnamese (tên), e.g. "Hợp tác xã Nông nghiệp Thành Vinh".
    pub name: String,
    /// Name in a foreign language (tên bằng tiếng nước ngoài).
    pub foreign_name: Option<String>,
    /// Abbreviated name (tên viết tắt).
    pub abbreviation: Option<String>,
    /// Main sector of activity (lĩnh vực).
    pub sector: Sector,
    /// VSIC codes (4 or 5 digits), at least one.
    pub business_lines: Vec<String>,
    /// Head-office address (địa chỉ trụ sở chính).
    pub address: AddressInput,
    /// Charter capital in VND (vốn điều lệ).
    pub charter_capital: Option<Decimal>,
    /// At least 5.
    pub official_members: i32,
    /// Associate members (thành viên liên kết).
    pub associate_members: Option<i32>,
    /// The director (giám đốc).
    pub director: PersonInput,
    /// The legal representative (người đại diện theo pháp luật).
    pub legal_representative: PersonInput,
    /// Whether it applies high technology (ứng dụng công nghệ cao).
    pub high_tech: Option<bool>,
    /// Whether it is linked into a value chain (liên kết chuỗi giá trị).
    pub value_chain_linked: Option<bool>,
    /// Only for records that already hold a tax code (migrating existing
    /// cooperatives); validated by check digit. Such records are ACTIVE at once.
    pub code: Option<String>,
    /// Likewise, the original registration date.
    pub registered_on: Option<Date>,
    /// Idempotency key: the same key and input returns the first result.
    pub client_mutation_id: Option<String>,
}

/// Changing a cooperative's registered content; omitted fields keep their value.
#[derive(InputObject, Debug, Clone)]
pub struct UpdateCooperativeInput {
    /// Global id of the cooperative.
    pub id: ID,
    /// The `version` the client read; a different stored version is a VERSION_CONFLICT.
    pub expected_version: i32,
    /// New official name (tên).
    pub name: Option<String>,
    /// Name in a foreign language (tên bằng tiếng nước ngoài).
    pub foreign_name: Option<String>,
    /// Abbreviated name (tên viết tắt).
    pub abbreviation: Option<String>,
    /// Main sector of activity (lĩnh vực).
    pub sector: Option<Sector>,
    /// New VSIC codes (4 or 5 digits), at least one; they replace the old list.
    pub business_lines: Option<Vec<String>>,
    /// A new address; another province's ward needs a national admin.
    pub address: Option<AddressInput>,
    /// Charter capital in VND (vốn điều lệ).
    pub charter_capital: Option<Decimal>,
    /// Official members (thành viên chính thức), at least 5.
    pub official_members: Option<i32>,
    /// Associate members (thành viên liên kết).
    pub associate_members: Option<i32>,
    /// The director (giám đốc).
    pub director: Option<PersonInput>,
    /// The legal representative (người đại diện theo pháp luật).
    pub legal_representative: Option<PersonInput>,
    /// Whether it applies high technology (ứng dụng công nghệ cao), as
    /// declared on the record: shown and counted only until its first
    /// annual report; after that the latest report's flag wins (correct
    /// that report to change it).
    pub high_tech: Option<bool>,
    /// Whether it is linked into a value chain (liên kết chuỗi giá trị), as
    /// declared on the record: like `highTech`, the latest annual report's
    /// flag wins once there is one.
    pub value_chain_linked: Option<bool>,
}

/// Changing a cooperative's or union's status (docs/lifecycle.md).
#[derive(InputObject, Debug, Clone)]
pub struct ChangeStatusInput {
    /// Global id of the cooperative or union.
    pub id: ID,
    /// The `version` the client read; a different stored version is a VERSION_CONFLICT.
    pub expected_version: i32,
    /// ACTIVE ⇄ SUSPENDED; ACTIVE/SUSPENDED → IN_DISSOLUTION → DISSOLVED;
    /// ACTIVE/SUSPENDED → REVOKED → IN_DISSOLUTION/DISSOLVED; → BANKRUPT after a court decision.
    pub status: RegistrationStatus,
    /// When it takes effect; not in the future, not before the current status took effect.
    pub effective_on: Date,
    /// Why (lý do): the decision and its number.
    pub reason: String,
    /// Voluntary or compulsory: required for IN_DISSOLUTION (and for DISSOLVED when not implied).
    pub dissolution_kind: Option<super::enums::DissolutionKind>,
    /// End of the suspension term (thời hạn tạm ngừng): required for SUSPENDED, after `effectiveOn`.
    pub until: Option<Date>,
}

impl ChangeStatusInput {
    /// The service's view of it.
    pub fn to_service(&self) -> crate::service::lifecycle::StatusInput {
        crate::service::lifecycle::StatusInput {
            status: self.status.into(),
            effective_on: self.effective_on.0,
            reason: self.reason.clone(),
            until: self.until.map(|d| d.0),
            dissolution_kind: self.dissolution_kind.map(Into::into),
        }
    }
}

/// An annual report of a cooperative, union or group.
#[derive(InputObject, Debug, Clone)]
pub struct AnnualReportInput {
    /// Global id of the cooperative, union or group that reports.
    pub organization_id: ID,
    /// The year reported on; not in the future.
    pub year: i32,
    /// Official members at the end of the year (thành viên chính thức).
    pub official_members: i32,
    /// Associate members at the end of the year (thành viên liên kết).
    pub associate_members: Option<i32>,
    /// Employees (người lao động).
    pub employees: Option<i32>,
    /// Revenue of the year in VND (doanh thu).
    pub revenue: Option<Decimal>,
    /// May be negative (a loss).
    pub profit: Option<Decimal>,
    /// Average income of a member in the year, VND (thu nhập bình quân).
    pub average_member_income: Option<Decimal>,
    /// The year's classification (xếp loại).
    pub rating: Option<Rating>,
    /// Whether it applies high technology (ứng dụng công nghệ cao) that
    /// year; omitted: as declared on the record. The latest report's flag is
    /// the one the record shows and targets, statistics and filters count.
    pub high_tech: Option<bool>,
    /// Whether it is linked into a value chain (liên kết chuỗi giá trị) that
    /// year; omitted: as declared on the record. The latest report's flag is
    /// the one the record shows and targets and filters count.
    pub value_chain_linked: Option<bool>,
    /// Products certified under the One Commune One Product programme (sản phẩm OCOP).
    pub ocop_products: Option<i32>,
    /// To replace the year's existing report: the `version` of that report
    /// (refused with VERSION_CONFLICT when it has changed). Leave out for a
    /// year without a report.
    pub expected_version: Option<i32>,
}

/// Registering a cooperative union.
#[derive(InputObject, Debug, Clone)]
pub struct RegisterCooperativeUnionInput {
    /// Official name in Vietnamese (tên liên hiệp hợp tác xã).
    pub name: String,
    /// Main sector of activity (lĩnh vực).
    pub sector: Sector,
    /// Head-office address (địa chỉ trụ sở chính).
    pub address: AddressInput,
    /// Charter capital in VND (vốn điều lệ).
    pub charter_capital: Option<Decimal>,
    /// The legal representative (người đại diện theo pháp luật).
    pub legal_representative: PersonInput,
    /// At least 3 ACTIVE cooperatives (any province) in no other union.
    pub member_cooperative_ids: Vec<ID>,
    /// Idempotency key: the same key and input returns the first result.
    pub client_mutation_id: Option<String>,
}

/// A union and one cooperative.
#[derive(InputObject, Debug, Clone)]
pub struct UnionMembershipInput {
    /// Global id of the cooperative union.
    pub union_id: ID,
    /// Global id of the member cooperative.
    pub cooperative_id: ID,
}

/// Recording a cooperative group.
#[derive(InputObject, Debug, Clone)]
pub struct RegisterCooperativeGroupInput {
    /// Name of the group (tên tổ hợp tác).
    pub name: String,
    /// Main sector of activity (lĩnh vực).
    pub sector: Sector,
    /// Address of the group (địa chỉ).
    pub address: AddressInput,
    /// Date of the cooperation contract; not in the future.
    pub established_on: Date,
    /// At least 2.
    pub members: i32,
    /// The representative of the group (người đại diện).
    pub representative: PersonInput,
    /// Whether it applies high technology (ứng dụng công nghệ cao).
    pub high_tech: Option<bool>,
    /// Idempotency key: the same key and input returns the first result.
    pub client_mutation_id: Option<String>,
}

/// Result of a cooperative mutation.
#[derive(SimpleObject)]
pub struct CooperativePayload {
    /// The cooperative; null when `userErrors` is not empty.
    pub cooperative: Option<Cooperative>,
    /// Business failures; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Result of a union mutation.
#[derive(SimpleObject)]
pub struct CooperativeUnionPayload {
    /// The union; null when `userErrors` is not empty.
    pub cooperative_union: Option<CooperativeUnion>,
    /// Business failures; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Result of a group mutation.
#[derive(SimpleObject)]
pub struct CooperativeGroupPayload {
    /// The group; null when `userErrors` is not empty.
    pub cooperative_group: Option<CooperativeGroup>,
    /// Business failures; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Result of submitting an annual report.
#[derive(SimpleObject)]
pub struct AnnualReportPayload {
    /// The report; null when `userErrors` is not empty.
    pub annual_report: Option<AnnualReport>,
    /// Business failures; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Result of `retrySync`.
#[derive(SimpleObject)]
pub struct SyncPayload {
    /// The record's sync status after re-queuing; null when `userErrors` is not empty.
    pub sync: Option<super::organisation::SyncStatus>,
    /// Business failures.
    pub user_errors: Vec<UserError>,
}

/// Rows of the sync queue of one operation in one state.
#[derive(SimpleObject)]
pub struct SyncQueueFigure {
    /// REGISTER (tax then NCRS registration), UPDATE, STATUS, ANNUAL_REPORT or
    /// REORGANISATION (one NCRS operation naming sources and successors).
    pub operation: String,
    /// PENDING, IN_FLIGHT, DELIVERED, FAILED or REJECTED.
    pub state: String,
    /// How many rows.
    pub rows: i32,
    /// Age in seconds of the oldest such row (e.g. the oldest pending one).
    pub oldest_age_seconds: Option<i64>,
}

/// Splits a service outcome into (object, userErrors).
pub fn split<T, G>(outcome: Result<T, Vec<Problem>>, wrap: impl FnOnce(T) -> G) -> (Option<G>, Vec<UserError>) {
    match outcome {
        Ok(t) => (Some(wrap(t)), Vec::new()),
        Err(problems) => (None, problems.into_iter().map(UserError::from).collect()),
    }
}
