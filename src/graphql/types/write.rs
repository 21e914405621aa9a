//! Mutation inputs, payloads and `UserError`.

use super::enums::{Gender, Rating, RegistrationStatus, Sector};
use super::organisation::{AnnualReport, Cooperative, CooperativeGroup, CooperativeUnion};
use crate::domain::rules::{PersonDraft, Problem, ProblemKind};
use crate::graphql::scalars::{Date, Decimal};
use async_graphql::{Enum, InputObject, SimpleObject, ID};

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
pub struct UserError {
    /// Input path of the field, e.g. ["input", "address", "wardCode"].
    pub field: Option<Vec<String>>,
    /// What is wrong.
    pub message: String,
    /// Which rule.
    pub code: UserErrorCode,
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
    pub name: String,
    pub foreign_name: Option<String>,
    pub abbreviation: Option<String>,
    pub sector: Sector,
    /// VSIC codes (4 or 5 digits), at least one.
    pub business_lines: Vec<String>,
    pub address: AddressInput,
    pub charter_capital: Option<Decimal>,
    /// At least 5.
    pub official_members: i32,
    pub associate_members: Option<i32>,
    pub director: PersonInput,
    pub legal_representative: PersonInput,
    pub high_tech: Option<bool>,
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
    pub id: ID,
    /// The `version` the client read; a different stored version is a VERSION_CONFLICT.
    pub expected_version: i32,
    pub name: Option<String>,
    pub foreign_name: Option<String>,
    pub abbreviation: Option<String>,
    pub sector: Option<Sector>,
    pub business_lines: Option<Vec<String>>,
    /// A new address; another province's ward needs a national admin.
    pub address: Option<AddressInput>,
    pub charter_capital: Option<Decimal>,
    pub official_members: Option<i32>,
    pub associate_members: Option<i32>,
    pub director: Option<PersonInput>,
    pub legal_representative: Option<PersonInput>,
    pub high_tech: Option<bool>,
    pub value_chain_linked: Option<bool>,
}

/// Changing a cooperative's status.
#[derive(InputObject, Debug, Clone)]
pub struct ChangeStatusInput {
    pub id: ID,
    pub expected_version: i32,
    /// ACTIVE ⇄ SUSPENDED; ACTIVE/SUSPENDED → DISSOLVED or REVOKED.
    pub status: RegistrationStatus,
    /// When it takes effect; not in the future.
    pub effective_on: Date,
    /// Why (lý do).
    pub reason: String,
}

/// An annual report of a cooperative, union or group.
#[derive(InputObject, Debug, Clone)]
pub struct AnnualReportInput {
    pub organization_id: ID,
    pub year: i32,
    pub official_members: i32,
    pub associate_members: Option<i32>,
    pub employees: Option<i32>,
    pub revenue: Option<Decimal>,
    /// May be negative (a loss).
    pub profit: Option<Decimal>,
    pub average_member_income: Option<Decimal>,
    pub rating: Option<Rating>,
    pub high_tech: Option<bool>,
    pub value_chain_linked: Option<bool>,
    pub ocop_products: Option<i32>,
}

/// Registering a cooperative union.
#[derive(InputObject, Debug, Clone)]
pub struct RegisterCooperativeUnionInput {
    pub name: String,
    pub sector: Sector,
    pub address: AddressInput,
    pub charter_capital: Option<Decimal>,
    pub legal_representative: PersonInput,
    /// At least 3 ACTIVE cooperatives (any province) in no other union.
    pub member_cooperative_ids: Vec<ID>,
    pub client_mutation_id: Option<String>,
}

/// A union and one cooperative.
#[derive(InputObject, Debug, Clone)]
pub struct UnionMembershipInput {
    pub union_id: ID,
    pub cooperative_id: ID,
}

/// Recording a cooperative group.
#[derive(InputObject, Debug, Clone)]
pub struct RegisterCooperativeGroupInput {
    pub name: String,
    pub sector: Sector,
    pub address: AddressInput,
    /// Date of the cooperation contract; not in the future.
    pub established_on: Date,
    /// At least 2.
    pub members: i32,
    pub representative: PersonInput,
    pub high_tech: Option<bool>,
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
    /// REGISTER (tax then NCRS registration), UPDATE, STATUS or ANNUAL_REPORT.
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
