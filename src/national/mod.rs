//! The national systems (the tax registration system and NCRS, the
//! National Information System on Cooperative Registration) as the registry
//! sees them: the typed deliveries a record's changes become, the events of
//! the national change feed, and the client that speaks their HTTP API.
//! Serde lives here only: bodies are structs, read and written as JSON at
//! this edge (and stored as that JSON in the outbox, so every retry sends
//! the same body).
//!
//! Adding an operation: a variant of [`Delivery`] (and of [`Operation`]),
//! its body struct, and its arm in `sync::worker::Worker::perform`; the
//! compiler finds every `match` that needs it.

pub mod client;
pub mod exchange;
pub mod feed;

use serde::{Deserialize, Serialize};

/// What a queued delivery asks of the national systems (its stored name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// Tax registration, then NCRS registration.
    Register,
    /// Changed registered content (tax details and NCRS record).
    Update,
    /// Status change (NCRS and tax).
    Status,
    /// An annual report (NCRS).
    AnnualReport,
    /// A reorganisation: one NCRS operation naming the sources and the
    /// successors, then the tax status of each source that ends.
    Reorganisation,
}

impl Operation {
    /// Every operation.
    pub const ALL: [Operation; 5] =
        [Operation::Register, Operation::Update, Operation::Status, Operation::AnnualReport, Operation::Reorganisation];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Register => "REGISTER",
            Operation::Update => "UPDATE",
            Operation::Status => "STATUS",
            Operation::AnnualReport => "ANNUAL_REPORT",
            Operation::Reorganisation => "REORGANISATION",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// What kind of taxpayer / NCRS record an organisation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RecordKind {
    /// A cooperative (hợp tác xã).
    Cooperative,
    /// A cooperative union (liên hiệp hợp tác xã).
    Union,
}

/// The legal representative as the national forms name them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Representative {
    /// Full name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// Identity number (căn cước).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_number: Option<String>,
}

/// The registered content as the tax system takes it (đăng ký thuế).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaxpayerBody {
    /// Registered name.
    pub name: String,
    /// Cooperative or union.
    pub kind: RecordKind,
    /// The 2025 ward of the head office.
    pub ward_code: String,
    /// Its province.
    pub province_code: String,
    /// The legal representative.
    pub legal_representative: Representative,
    /// VSIC level-4 classes.
    pub business_lines: Vec<String>,
    /// Charter capital, a decimal string in đồng.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charter_capital: Option<String>,
}

/// The registered content as NCRS takes it: the tax content, members and street.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordBody {
    /// What the tax system is told too.
    #[serde(flatten)]
    pub taxpayer: TaxpayerBody,
    /// Members (official and associate, or member cooperatives of a union).
    pub members: i64,
    /// A union's member cooperatives by code, as the national form lists
    /// them (those with a code; empty, and absent, for a cooperative).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub member_cooperatives: Vec<String>,
    /// Street address below the ward.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// A record's registered content, for each system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Content {
    /// For the tax system.
    pub tax: TaxpayerBody,
    /// For NCRS.
    pub ncrs: RecordBody,
}

/// A taxpayer status as the tax system names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaxpayerStatus {
    /// Operating.
    Active,
    /// Suspended.
    Suspended,
    /// Closed (dissolved or revoked).
    Closed,
}

/// One system's status-change body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusBody<S> {
    /// The new status.
    pub status: S,
    /// When it takes effect.
    pub effective_on: chrono::NaiveDate,
    /// Why.
    pub reason: String,
    /// NCRS only, and no longer sent: the reorganisation (MERGER,
    /// CONSOLIDATION, SPLIT) that ended the record, as rows queued before
    /// reorganisations became one NCRS operation ([`ReorganisationBody`])
    /// still carry it. Absent for every other change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reorganisation: Option<String>,
    /// NCRS only: the day a suspension (tạm ngừng kinh doanh) ends; present
    /// for SUSPENDED only. Absent in rows queued before NCRS took the term.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<chrono::NaiveDate>,
    /// NCRS only: VOLUNTARY or COMPULSORY (giải thể tự nguyện / bắt buộc),
    /// for IN_DISSOLUTION and DISSOLVED only. Absent in rows queued before
    /// NCRS took the kind, and in a reorganisation's old form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dissolution_kind: Option<String>,
}

/// A status change, for each system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    /// For NCRS: the registration status's stored name.
    pub ncrs: StatusBody<String>,
    /// For the tax system.
    pub tax: StatusBody<TaxpayerStatus>,
}

impl StatusChange {
    /// The bodies for a change to `status`.
    pub fn new(status: crate::domain::RegistrationStatus, effective_on: chrono::NaiveDate, reason: &str) -> Self {
        use crate::domain::RegistrationStatus as R;
        let tax = match status {
            R::Active => TaxpayerStatus::Active,
            // A dissolving taxpayer stops trading while its tax affairs are settled.
            R::Suspended | R::InDissolution => TaxpayerStatus::Suspended,
            R::Pending | R::Dissolved | R::Revoked | R::Bankrupt | R::Withdrawn => TaxpayerStatus::Closed,
        };
        StatusChange {
            ncrs: StatusBody {
                status: status.as_str().to_owned(),
                effective_on,
                reason: reason.to_owned(),
                reorganisation: None,
                until: None,
                dissolution_kind: None,
            },
            tax: StatusBody {
                status: tax,
                effective_on,
                reason: reason.to_owned(),
                reorganisation: None,
                until: None,
                dissolution_kind: None,
            },
        }
    }

    /// The same change with the terms NCRS records: a suspension's end and a
    /// dissolution's kind (the tax system models neither).
    pub fn with_terms(
        mut self,
        until: Option<chrono::NaiveDate>,
        dissolution_kind: Option<crate::domain::DissolutionKind>,
    ) -> Self {
        self.ncrs.until = until;
        self.ncrs.dissolution_kind = dissolution_kind.map(|k| k.as_str().to_owned());
        self
    }
}

/// A reorganisation as NCRS takes it (`POST /ncrs/v1/reorganisations`):
/// one operation naming the sources and the successors by code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReorganisationBody {
    /// MERGER, CONSOLIDATION, SPLIT or SEPARATION.
    pub kind: String,
    /// When it takes effect.
    pub effective_on: chrono::NaiveDate,
    /// Why (the members' resolution).
    pub reason: String,
    /// The sources' cooperative codes.
    pub sources: Vec<String>,
    /// The successors' cooperative codes.
    pub successors: Vec<String>,
}

/// A reorganisation's delivery as queued (tổ chức lại): the cooperatives by
/// row id, since new successors have no code until their registrations are
/// delivered; the worker reads the codes then, once every record named has
/// no earlier delivery open. The NCRS body is fixed but for the codes, which
/// never change once issued, so every retry sends the same request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReorganisationDelivery {
    /// MERGER, CONSOLIDATION, SPLIT or SEPARATION.
    pub kind: String,
    /// When it takes effect.
    pub effective_on: chrono::NaiveDate,
    /// Why, as NCRS is told.
    pub reason: String,
    /// The sources' cooperative ids, in the request's order.
    pub sources: Vec<i64>,
    /// The successors' cooperative ids.
    pub successors: Vec<i64>,
    /// The tax status each source that ends gets (CLOSED); none for a
    /// separation, whose source continues.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax: Option<StatusBody<TaxpayerStatus>>,
}

impl ReorganisationDelivery {
    /// The delivery of a reorganisation of `kind`.
    pub fn new(
        kind: crate::domain::ReorganisationKind,
        effective_on: chrono::NaiveDate,
        reason: &str,
        sources: Vec<i64>,
        successors: Vec<i64>,
    ) -> Self {
        let ends = kind != crate::domain::ReorganisationKind::Separation;
        let tax = ends.then(|| StatusBody {
            status: TaxpayerStatus::Closed,
            effective_on,
            reason: reason.to_owned(),
            reorganisation: None,
            until: None,
            dissolution_kind: None,
        });
        ReorganisationDelivery {
            kind: kind.as_str().to_owned(),
            effective_on,
            reason: reason.to_owned(),
            sources,
            successors,
            tax,
        }
    }

    /// The NCRS body once the codes are known (in the order of the ids).
    pub fn body(&self, sources: Vec<String>, successors: Vec<String>) -> ReorganisationBody {
        ReorganisationBody {
            kind: self.kind.clone(),
            effective_on: self.effective_on,
            reason: self.reason.clone(),
            sources,
            successors,
        }
    }
}

/// An annual report's figures as NCRS takes them (those the local report
/// lacks are left out; the national system says which it needs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportFigures {
    /// Members (official and associate).
    pub members: i64,
    /// Employees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employees: Option<i32>,
    /// Revenue, decimal string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revenue: Option<String>,
    /// Profit, decimal string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profit: Option<String>,
    /// Average member income, decimal string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average_member_income: Option<String>,
    /// Rating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<String>,
}

/// An annual report for a year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnualReportBody {
    /// The year.
    pub year: i32,
    /// The figures.
    pub report: ReportFigures,
}

/// One delivery to the national systems, with its request bodies fixed
/// when the change was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Register a new record: tax registration, then NCRS.
    Register(Content),
    /// Changed registered content.
    Update(Content),
    /// A status change.
    Status(StatusChange),
    /// An annual report.
    AnnualReport(AnnualReportBody),
    /// A reorganisation (queued on its first source).
    Reorganisation(ReorganisationDelivery),
}

/// A stored delivery body that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("the stored {operation} body is not readable: {detail}")]
pub struct BodyError {
    /// Of which operation.
    pub operation: &'static str,
    /// What is wrong.
    pub detail: String,
}

impl Delivery {
    /// Its operation.
    pub fn operation(&self) -> Operation {
        match self {
            Delivery::Register(_) => Operation::Register,
            Delivery::Update(_) => Operation::Update,
            Delivery::Status(_) => Operation::Status,
            Delivery::AnnualReport(_) => Operation::AnnualReport,
            Delivery::Reorganisation(_) => Operation::Reorganisation,
        }
    }

    /// The body as stored in the outbox (JSON).
    pub fn to_stored(&self) -> String {
        let v = match self {
            Delivery::Register(c) | Delivery::Update(c) => serde_json::to_string(c),
            Delivery::Status(s) => serde_json::to_string(s),
            Delivery::AnnualReport(r) => serde_json::to_string(r),
            Delivery::Reorganisation(r) => serde_json::to_string(r),
        };
        v.unwrap_or_default()
    }

    /// Reads a stored body.
    pub fn from_stored(op: Operation, body: &str) -> Result<Self, BodyError> {
        let err = |e: serde_json::Error| BodyError { operation: op.as_str(), detail: e.to_string() };
        Ok(match op {
            Operation::Register => Delivery::Register(serde_json::from_str(body).map_err(err)?),
            Operation::Update => Delivery::Update(serde_json::from_str(body).map_err(err)?),
            Operation::Status => Delivery::Status(serde_json::from_str(body).map_err(err)?),
            Operation::AnnualReport => Delivery::AnnualReport(serde_json::from_str(body).map_err(err)?),
            Operation::Reorganisation => Delivery::Reorganisation(serde_json::from_str(body).map_err(err)?),
        })
    }
}

/// The steps of a delivery done so far, kept on its outbox row so a retry
/// (a later attempt, a re-claimed lease, `retrySync`) resumes after them
/// (stored as JSON in `progress`). Every operation saves its steps: a
/// registration its registration id and code, an update or status change
/// the system it has reached.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// The tax system's registration id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_id: Option<String>,
    /// The issued tax code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_code: Option<String>,
    /// The tax system has this delivery's content (an update's taxpayer
    /// details, a status change's taxpayer status, a registration's details
    /// after a refresh).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tax_done: bool,
    /// NCRS has this delivery's change (a status change's NCRS step).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ncrs_done: bool,
    /// The NCRS version after the NCRS step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ncrs_version: Option<i32>,
    /// How often the request bodies were rebuilt (`retrySync` after a fix):
    /// the idempotency keys of a changed request carry it, so the same
    /// request keeps its keys for ever and only a changed one gets new ones.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub revision: u32,
    /// A registration met its earlier, different request at the tax system
    /// (or was rebuilt after its registration): the taxpayer's details are
    /// to be replaced with this delivery's before NCRS.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tax_refresh: bool,
    /// A reorganisation: the sources (cooperative ids) whose taxpayer the
    /// tax system has CLOSED.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tax_closed: Vec<i64>,
    /// The row's attempt count when the last step was done: the attempt
    /// budget counts attempts without progress.
    #[serde(default, skip_serializing_if = "is_zero_i32")]
    pub since_attempt: i32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

fn is_zero_i32(n: &i32) -> bool {
    *n == 0
}

impl Progress {
    /// Reads stored progress (unreadable progress counts as none).
    pub fn from_stored(s: Option<&str>) -> Self {
        s.and_then(|p| serde_json::from_str(p).ok()).unwrap_or_default()
    }

    /// As stored.
    pub fn to_stored(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The progress of a delivery whose bodies were rebuilt: the steps that
    /// sent the old content are to be done again (under new keys, see
    /// [`Progress::key`]); a registration keeps its registration id and code
    /// (never a second taxpayer) and refreshes the taxpayer's details.
    pub fn revised(&self) -> Self {
        let registered = self.registration_id.is_some() || self.tax_code.is_some();
        Progress {
            registration_id: self.registration_id.clone(),
            tax_code: self.tax_code.clone(),
            revision: self.revision.saturating_add(1),
            tax_refresh: registered,
            ..Default::default()
        }
    }

    /// The idempotency key of a step (`tax`, `ncrs`, …) of the row keyed
    /// `key`: `key-step` for the first request, `key-step-rN` once the
    /// bodies were rebuilt N times.
    pub fn key(&self, key: &str, step: &str) -> String {
        match self.revision {
            0 => format!("{key}-{step}"),
            n => format!("{key}-{step}-r{n}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn content() -> Content {
        let tax = TaxpayerBody {
            name: "HTX Sen Vàng".into(),
            kind: RecordKind::Cooperative,
            ward_code: "16681".into(),
            province_code: "40".into(),
            legal_representative: Representative { full_name: Some("Nguyễn Thị Hoa".into()), id_number: None },
            business_lines: vec!["0111".into()],
            charter_capital: Some("1500000000".into()),
        };
        Content {
            ncrs: RecordBody { taxpayer: tax.clone(), members: 9, address: None, member_cooperatives: vec![] },
            tax,
        }
    }

    #[test]
    fn stored_bodies_keep_the_outbox_json_shape() {
        let stored = Delivery::Register(content()).to_stored();
        let v: serde_json::Value = serde_json::from_str(&stored).expect("json");
        let tax = json!({"name": "HTX Sen Vàng", "kind": "COOPERATIVE", "wardCode": "16681", "provinceCode": "40",
            "legalRepresentative": {"fullName": "Nguyễn Thị Hoa"}, "businessLines": ["0111"],
            "charterCapital": "1500000000"});
        let mut ncrs = tax.clone();
        ncrs["members"] = json!(9);
        assert_eq!(v, json!({"tax": tax, "ncrs": ncrs}));
        assert_eq!(Delivery::from_stored(Operation::Register, &stored).expect("read"), Delivery::Register(content()));
    }

    #[test]
    fn a_status_body_carries_the_terms_to_ncrs_only_and_old_rows_still_read() {
        use crate::domain::{DissolutionKind, RegistrationStatus};
        let on = chrono::NaiveDate::from_ymd_opt(2026, 1, 2).expect("date");
        let until = chrono::NaiveDate::from_ymd_opt(2026, 6, 30);
        let change = StatusChange::new(RegistrationStatus::Suspended, on, "r").with_terms(until, None);
        let v = serde_json::to_value(&change).expect("json");
        assert_eq!(
            v["ncrs"],
            json!({"status": "SUSPENDED", "effectiveOn": "2026-01-02", "reason": "r", "until": "2026-06-30"})
        );
        assert_eq!(v["tax"], json!({"status": "SUSPENDED", "effectiveOn": "2026-01-02", "reason": "r"}));
        let dissolving = StatusChange::new(RegistrationStatus::InDissolution, on, "r")
            .with_terms(None, Some(DissolutionKind::Voluntary));
        assert_eq!(serde_json::to_value(&dissolving).expect("json")["ncrs"]["dissolutionKind"], "VOLUNTARY");
        let old = r#"{"ncrs":{"status":"SUSPENDED","effectiveOn":"2026-01-02","reason":"r"},
                      "tax":{"status":"SUSPENDED","effectiveOn":"2026-01-02","reason":"r"}}"#;
        let Delivery::Status(read) = Delivery::from_stored(Operation::Status, old).expect("an old row reads") else {
            panic!("a status");
        };
        assert_eq!(read.ncrs.until, None);
    }

    #[test]
    fn an_unreadable_body_is_an_error() {
        assert!(Delivery::from_stored(Operation::Status, "{\"ncrs\": 1}").is_err());
        assert_eq!(Operation::parse("SOMETHING"), None);
        for op in Operation::ALL {
            assert_eq!(Operation::parse(op.as_str()), Some(op));
        }
    }
}
