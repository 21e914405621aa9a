//! What the two systems hold and every operation on it, without I/O: an
//! operation takes a request already read and returns the answer to send.
//! The HTTP edge holds the lock, remembers answers for idempotency and
//! persists.

use super::input::{self, Errors, NationalChange, RecordContent, ReorganisationRequest, ReportContent, StatusChange};
use super::model::{
    AnnualReport, AppliedWrite, Change, ChangeKind, ChangePage, EntityDetails, ErrorBody, FieldError, IssueStatus,
    NationalChangeApplied, NationalChangeKind, NcrsEntry, NcrsRecord, NcrsRecords, Origin, RecordLink, RecordStatus,
    RecordVersion, RegistrationState, Reorganisation, ReorganisationKind, SimRecords, TaxRecords, Taxpayer,
    TaxpayerEntry, TaxpayerStatus, WriteOperation,
};
use crate::domain::TaxCode;
use chrono::{DateTime, Datelike, Utc};
use rand::rngs::StdRng;
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

/// Version of the state file's layout.
const STATE_FORMAT: u32 = 1;
/// First reporting year accepted.
const FIRST_REPORT_YEAR: i32 = 1990;

/// An answer: status, JSON body and extra headers (`Location`, `ETag`, …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Answer {
    pub status: u16,
    pub body: Value,
    pub headers: Vec<(String, String)>,
}

impl Answer {
    /// An answer with a serialised body.
    pub(crate) fn json<T: Serialize>(status: u16, body: &T) -> Self {
        match serde_json::to_value(body) {
            Ok(body) => Self { status, body, headers: Vec::new() },
            Err(e) => Self::message(500, format!("cannot serialise the answer: {e}")),
        }
    }

    /// An error answer listing `errors`.
    pub(crate) fn errors(status: u16, errors: Vec<FieldError>) -> Self {
        Self::json(status, &ErrorBody { errors })
    }

    /// An error answer with one message about the whole request.
    pub(crate) fn message(status: u16, message: impl Into<String>) -> Self {
        let body = ErrorBody { errors: vec![FieldError { field: None, message: message.into() }] };
        Self { status, body: serde_json::to_value(body).unwrap_or(Value::Null), headers: Vec::new() }
    }

    /// A 400 about one query parameter.
    pub(crate) fn invalid_query(field: &str, message: &str) -> Self {
        Self::errors(400, vec![FieldError { field: Some(field.to_owned()), message: message.to_owned() }])
    }

    /// A 422 about one field.
    fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::errors(422, vec![FieldError { field: Some(field.to_owned()), message: message.into() }])
    }

    /// Adds a header.
    pub(crate) fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// 2xx.
    pub(crate) fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// The strong `ETag` of a version.
pub(crate) fn etag(version: u64) -> String {
    format!("\"{version}\"")
}

/// FNV-1a 64 of a request's path and canonical JSON body (serde_json keeps
/// object keys sorted), as 16 hex digits: identifies a distinct write.
pub(crate) fn digest(path: &str, body: &Value) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in path.bytes().chain([b'\n']).chain(body.to_string().into_bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// A write being applied: who sent it and what it is.
#[derive(Debug, Clone)]
pub(crate) struct Write {
    /// Its idempotency key (none for injected national changes).
    pub key: Option<String>,
    pub method: String,
    pub path: String,
    /// See [`digest`].
    pub digest: String,
}

impl Write {
    /// Counts this write, as `operation`, in a record's write log.
    fn log_into(&self, operation: WriteOperation, writes: &mut Vec<AppliedWrite>) {
        match writes.iter_mut().find(|w| w.operation == operation && w.path == self.path && w.digest == self.digest) {
            Some(w) => {
                w.applied += 1;
                w.idempotency_keys.extend(self.key.clone());
            }
            None => writes.push(AppliedWrite {
                operation,
                method: self.method.clone(),
                path: self.path.clone(),
                digest: self.digest.clone(),
                applied: 1,
                idempotency_keys: self.key.iter().cloned().collect(),
            }),
        }
    }
}

/// An answer remembered under an idempotency key, with the request it answered.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Remembered {
    method: String,
    path: String,
    body: Value,
    answer: Answer,
}

/// What an idempotency key says about a request.
pub(crate) enum Lookup {
    /// Never seen: apply it.
    New,
    /// Seen with the same request: send this answer again.
    Replay(Answer),
    /// Seen with another request.
    Conflict,
}

/// One system's idempotency records: answers of applied writes, by key.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Idempotency(BTreeMap<String, Remembered>);

impl Idempotency {
    /// Looks a key up; requests are the same when method, path and parsed body are.
    pub(crate) fn lookup(&self, key: &str, method: &str, path: &str, body: &Value) -> Lookup {
        match self.0.get(key) {
            None => Lookup::New,
            Some(r) if r.method == method && r.path == path && r.body == *body => Lookup::Replay(r.answer.clone()),
            Some(_) => Lookup::Conflict,
        }
    }

    /// Remembers the answer of an applied write.
    pub(crate) fn remember(&mut self, key: String, method: String, path: String, body: Value, answer: Answer) {
        self.0.insert(key, Remembered { method, path, body, answer });
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    /// The request and answer remembered under a key.
    fn get(&self, key: &str) -> Option<&Remembered> {
        self.0.get(key)
    }
}

/// Which system a request is for; each keeps its own idempotency records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum System {
    Tax,
    Ncrs,
}

/// A registration in the tax system.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Registration {
    entry: TaxpayerEntry,
    /// Polls of its status resource answered so far.
    polls: u32,
    /// When a PENDING registration may be issued (at its second poll or later).
    issue_after: DateTime<Utc>,
}

/// The tax registration system.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct TaxState {
    next_registration: u64,
    registrations: BTreeMap<String, Registration>,
    /// Tax code → registration id; rebuilt on load.
    #[serde(skip)]
    by_code: HashMap<String, String>,
    idempotency: Idempotency,
}

/// An NCRS record with its reports and write log.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Slot {
    record: NcrsRecord,
    annual_reports: BTreeMap<i32, AnnualReport>,
    writes: Vec<AppliedWrite>,
}

/// NCRS.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct NcrsState {
    records: BTreeMap<String, Slot>,
    changes: Vec<Change>,
    idempotency: Idempotency,
    /// Reorganisations, in the order recorded (absent from older state files).
    #[serde(default)]
    reorganisations: Vec<Reorganisation>,
}

/// Both systems.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct State {
    format: u32,
    tax: TaxState,
    ncrs: NcrsState,
}

impl Default for State {
    fn default() -> Self {
        Self { format: STATE_FORMAT, tax: TaxState::default(), ncrs: NcrsState::default() }
    }
}

/// The precondition headers of an NCRS write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Precondition {
    /// Neither header.
    None,
    /// `If-None-Match: *`: create only.
    Absent,
    /// `If-Match`: only when the record is at one of these versions.
    Version(Vec<u64>),
}

/// The 412 when `If-Match` names other versions than the record's, else `None`.
fn version_mismatch(code: &str, version: u64, precondition: &Precondition) -> Option<Answer> {
    match precondition {
        Precondition::Version(wanted) if !wanted.contains(&version) => Some(
            Answer::message(
                412,
                format!(
                    "record {code} is at version {version}, not {}: read it again and reapply the change",
                    wanted.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(" or ")
                ),
            )
            .header("ETag", etag(version)),
        ),
        _ => None,
    }
}

fn no_free_code(province: &str) -> Answer {
    Answer::message(503, format!("no free tax code left for province {province}"))
}

fn not_found_record(code: &str) -> Answer {
    Answer::message(404, format!("no NCRS record with code {code:?}"))
}

fn not_found_taxpayer(code: &str) -> Answer {
    Answer::message(404, format!("no taxpayer with tax code {code:?}"))
}

impl State {
    /// Rebuilds what is not stored, after loading; refuses unknown layouts.
    pub(crate) fn after_load(&mut self) -> Result<(), String> {
        if self.format != STATE_FORMAT {
            return Err(format!("state format {} is not supported (expected {STATE_FORMAT})", self.format));
        }
        self.tax.by_code = self
            .tax
            .registrations
            .iter()
            .filter_map(|(id, r)| r.entry.taxpayer.tax_code.clone().map(|c| (c, id.clone())))
            .collect();
        Ok(())
    }

    /// One system's idempotency records.
    pub(crate) fn idempotency(&mut self, system: System) -> &mut Idempotency {
        match system {
            System::Tax => &mut self.tax.idempotency,
            System::Ncrs => &mut self.ncrs.idempotency,
        }
    }

    /// Everything, both systems.
    pub(crate) fn snapshot(&self) -> SimRecords {
        SimRecords {
            tax: TaxRecords {
                taxpayers: self.tax.registrations.values().map(|r| r.entry.clone()).collect(),
                idempotency_keys: self.tax.idempotency.len(),
            },
            ncrs: NcrsRecords {
                records: self
                    .ncrs
                    .records
                    .values()
                    .map(|s| NcrsEntry {
                        record: s.record.clone(),
                        annual_reports: s.annual_reports.values().cloned().collect(),
                        writes: s.writes.clone(),
                    })
                    .collect(),
                reorganisations: self.ncrs.reorganisations.clone(),
                last_sequence: self.last_sequence(),
                idempotency_keys: self.ncrs.idempotency.len(),
            },
        }
    }

    fn last_sequence(&self) -> u64 {
        self.ncrs.changes.last().map_or(0, |c| c.sequence)
    }

    // ---- tax registration system ----

    /// A fresh tax code for a province: the province code, seven random
    /// digits and the check digit; never one issued before.
    fn new_tax_code(&self, province_code: &str, rng: &mut StdRng) -> Option<String> {
        let prefix: Vec<u8> = province_code.bytes().map(|b| b.wrapping_sub(b'0')).collect();
        for _ in 0..10_000 {
            let mut nine = [0u8; 9];
            for (i, d) in nine.iter_mut().enumerate() {
                *d = prefix.get(i).copied().unwrap_or_else(|| rng.random_range(0..10));
            }
            if let Some(code) = TaxCode::from_first_nine(nine) {
                if !self.tax.by_code.contains_key(code.as_str()) {
                    return Some(code.to_string());
                }
            }
        }
        None
    }

    /// Issues the tax code of a pending registration.
    fn issue(&mut self, id: &str, now: DateTime<Utc>, rng: &mut StdRng) -> Result<String, Answer> {
        let province = match self.tax.registrations.get(id) {
            Some(r) => r.entry.taxpayer.details.province_code.clone(),
            None => return Err(Answer::message(404, format!("no registration {id:?}"))),
        };
        let code = self.new_tax_code(&province, rng).ok_or_else(|| no_free_code(&province))?;
        if let Some(r) = self.tax.registrations.get_mut(id) {
            let t = &mut r.entry.taxpayer;
            t.tax_code = Some(code.clone());
            t.registration_status = IssueStatus::Issued;
            t.issued_at = Some(now);
            t.updated_at = now;
        }
        self.tax.by_code.insert(code.clone(), id.to_owned());
        Ok(code)
    }

    /// `POST /tax/v1/registrations`: 201 with the tax code, or 202 when
    /// `pending` says the code comes later (after at least one poll and
    /// that long).
    pub(crate) fn register(
        &mut self,
        w: &Write,
        details: EntityDetails,
        pending: Option<Duration>,
        now: DateTime<Utc>,
        rng: &mut StdRng,
    ) -> Answer {
        let code = match pending {
            Some(_) => None,
            None => match self.new_tax_code(&details.province_code, rng) {
                Some(code) => Some(code),
                None => return no_free_code(&details.province_code),
            },
        };
        self.tax.next_registration += 1;
        let id = format!("REG-{:08}", self.tax.next_registration);
        // The same body registered before under other keys: count them all.
        let same: Vec<String> = self
            .tax
            .registrations
            .iter()
            .filter(|(_, r)| r.entry.writes.first().is_some_and(|first| first.digest == w.digest))
            .map(|(id, _)| id.clone())
            .collect();
        let mut writes = Vec::new();
        w.log_into(WriteOperation::Register, &mut writes);
        let applied = u32::try_from(same.len()).unwrap_or(u32::MAX).saturating_add(1);
        for other in &same {
            if let Some(first) = self.tax.registrations.get_mut(other).and_then(|r| r.entry.writes.first_mut()) {
                first.applied = applied;
            }
        }
        if let Some(first) = writes.first_mut() {
            first.applied = applied;
        }
        let status = if code.is_some() { IssueStatus::Issued } else { IssueStatus::Pending };
        let taxpayer = Taxpayer {
            registration_id: id.clone(),
            registration_status: status,
            tax_code: code.clone(),
            details,
            status: TaxpayerStatus::Active,
            status_effective_on: None,
            status_reason: None,
            accepted_at: now,
            issued_at: code.as_ref().map(|_| now),
            updated_at: now,
        };
        let issue_after = now + pending.unwrap_or_default();
        self.tax
            .registrations
            .insert(id.clone(), Registration { entry: TaxpayerEntry { taxpayer, writes }, polls: 0, issue_after });
        if let Some(code) = &code {
            self.tax.by_code.insert(code.clone(), id.clone());
        }
        let location = format!("/tax/v1/registrations/{id}");
        let body = RegistrationState { registration_id: id, status, tax_code: code };
        Answer::json(if pending.is_some() { 202 } else { 201 }, &body).header("Location", location)
    }

    /// `GET /tax/v1/registrations/{id}`: PENDING at the first poll and until
    /// its time has come, then ISSUED. The flag says whether this poll issued
    /// the code (a change to persist).
    pub(crate) fn poll_registration(&mut self, id: &str, now: DateTime<Utc>, rng: &mut StdRng) -> (Answer, bool) {
        let Some(r) = self.tax.registrations.get_mut(id) else {
            return (Answer::message(404, format!("no registration {id:?}")), false);
        };
        r.polls = r.polls.saturating_add(1);
        let due = r.entry.taxpayer.registration_status == IssueStatus::Pending && r.polls > 1 && now >= r.issue_after;
        let mut issued = false;
        if due {
            if let Err(answer) = self.issue(id, now, rng) {
                return (answer, false);
            }
            issued = true;
        }
        let Some(r) = self.tax.registrations.get(id) else {
            return (Answer::message(404, format!("no registration {id:?}")), false);
        };
        let t = &r.entry.taxpayer;
        let body = RegistrationState {
            registration_id: id.to_owned(),
            status: t.registration_status,
            tax_code: t.tax_code.clone(),
        };
        (Answer::json(200, &body), issued)
    }

    /// `GET /tax/v1/registrations?idempotencyKey=…`: the registration made
    /// by the request applied under that key (its current state; not a
    /// poll), or 404 when no registration was applied under it — so a
    /// client can ask what it already has before it sends a changed request.
    pub(crate) fn registration_by_key(&self, key: &str) -> Answer {
        let id = self
            .tax
            .idempotency
            .get(key)
            .filter(|r| r.method == "POST" && r.path == "/tax/v1/registrations")
            .and_then(|r| r.answer.body.get("registrationId"))
            .and_then(Value::as_str);
        let Some((id, r)) = id.and_then(|id| self.tax.registrations.get(id).map(|r| (id, r))) else {
            return Answer::message(404, format!("no registration was made under Idempotency-Key {key:?}"));
        };
        let t = &r.entry.taxpayer;
        let body = RegistrationState {
            registration_id: id.to_owned(),
            status: t.registration_status,
            tax_code: t.tax_code.clone(),
        };
        Answer::json(200, &body).header("Location", format!("/tax/v1/registrations/{id}"))
    }

    fn taxpayer_mut(&mut self, code: &str) -> Option<&mut Registration> {
        let id = self.tax.by_code.get(code)?;
        self.tax.registrations.get_mut(id)
    }

    /// Whether the tax system issued this code.
    fn is_issued(&self, code: &str) -> bool {
        self.tax.by_code.contains_key(code)
    }

    /// `GET /tax/v1/taxpayers/{taxCode}`.
    pub(crate) fn taxpayer(&self, code: &str) -> Answer {
        match self.tax.by_code.get(code).and_then(|id| self.tax.registrations.get(id)) {
            Some(r) => Answer::json(200, &r.entry.taxpayer),
            None => not_found_taxpayer(code),
        }
    }

    /// `PUT /tax/v1/taxpayers/{taxCode}`: replaces the registered details.
    pub(crate) fn update_taxpayer(&mut self, w: &Write, code: &str, body: &Value, now: DateTime<Utc>) -> Answer {
        let Some(r) = self.taxpayer_mut(code) else {
            return not_found_taxpayer(code);
        };
        let t = &mut r.entry.taxpayer;
        if t.status == TaxpayerStatus::Closed {
            return Answer::message(422, format!("tax code {code} is CLOSED: its details can no longer change"));
        }
        let details = match input::tax_details(body) {
            Ok(d) => d,
            Err(errors) => return Answer::errors(422, errors),
        };
        if details.kind != t.details.kind {
            return Answer::invalid("kind", format!("cannot change: registered as {}", t.details.kind));
        }
        t.details = details;
        t.updated_at = now;
        w.log_into(WriteOperation::UpdateDetails, &mut r.entry.writes);
        Answer::json(200, &r.entry.taxpayer)
    }

    /// `POST /tax/v1/taxpayers/{taxCode}/status`.
    pub(crate) fn change_taxpayer_status(
        &mut self,
        w: &Write,
        code: &str,
        change: StatusChange<TaxpayerStatus>,
        now: DateTime<Utc>,
    ) -> Answer {
        let Some(r) = self.taxpayer_mut(code) else {
            return not_found_taxpayer(code);
        };
        let t = &mut r.entry.taxpayer;
        if t.status == TaxpayerStatus::Closed {
            return Answer::invalid("status", format!("tax code {code} is CLOSED: its status can no longer change"));
        }
        if t.status == change.status {
            return Answer::invalid("status", format!("tax code {code} is already {}", change.status));
        }
        t.status = change.status;
        t.status_effective_on = Some(change.effective_on);
        t.status_reason = Some(change.reason);
        t.updated_at = now;
        w.log_into(WriteOperation::ChangeStatus, &mut r.entry.writes);
        Answer::json(200, &r.entry.taxpayer)
    }

    // ---- NCRS ----

    fn append_change(&mut self, mut change: Change) -> Change {
        change.sequence = self.last_sequence() + 1;
        self.ncrs.changes.push(change.clone());
        change
    }

    fn change_of(record: &NcrsRecord, kind: ChangeKind, origin: Origin, now: DateTime<Utc>) -> Change {
        Change {
            sequence: 0,
            code: record.code.clone(),
            province_code: record.details.province_code.clone(),
            kind,
            origin,
            version: record.version,
            at: now,
            status: None,
            effective_on: None,
            reason: None,
            year: None,
            corrections: None,
            reorganisation_id: None,
        }
    }

    fn record_answer(status: u16, record: &NcrsRecord) -> Answer {
        Answer::json(status, record).header("ETag", etag(record.version))
    }

    /// `GET /ncrs/v1/records/{code}`.
    pub(crate) fn record(&self, code: &str) -> Answer {
        match self.ncrs.records.get(code) {
            Some(s) => Self::record_answer(200, &s.record),
            None => not_found_record(code),
        }
    }

    /// `PUT /ncrs/v1/records/{code}`: creates (`If-None-Match: *`) or
    /// replaces (`If-Match`) a record's registered content.
    pub(crate) fn put_record(
        &mut self,
        w: &Write,
        code: &str,
        precondition: &Precondition,
        body: &Value,
        now: DateTime<Utc>,
    ) -> Answer {
        let current = self.ncrs.records.get(code).map(|s| s.record.version);
        match (precondition, current) {
            (Precondition::None, _) => Answer::message(
                428,
                "send If-Match with the record's current version to replace it, or If-None-Match: * to create it",
            ),
            (Precondition::Absent, Some(version)) => Answer::message(
                412,
                format!("record {code} already exists (version {version}): replace it with If-Match"),
            )
            .header("ETag", etag(version)),
            (Precondition::Absent, None) => self.create_record(w, code, body, now),
            (Precondition::Version(_), None) => {
                Answer::message(412, format!("no record {code:?} to replace: create it with If-None-Match: *"))
            }
            (Precondition::Version(_), Some(version)) => match version_mismatch(code, version, precondition) {
                Some(answer) => answer,
                None => self.replace_record(w, code, body, now),
            },
        }
    }

    fn create_record(&mut self, w: &Write, code: &str, body: &Value, now: DateTime<Utc>) -> Answer {
        let mut e = Errors::default();
        if code.contains('-') {
            e.add("code", format!("must be a 10-digit cooperative code, not a dependent unit's code, got {code:?}"));
        } else if let Some(c) = input::parse_code(&mut e, "code".into(), code, TaxCode::parse) {
            if c.as_str() != code {
                e.add("code", format!("must be exactly 10 digits, without spaces, got {code:?}"));
            } else if !self.is_issued(c.as_str()) {
                e.add("code", format!("no taxpayer with tax code {c} in the tax registration system"));
            }
        }
        let RecordContent { details, address, members, member_cooperatives } =
            match input::record_content(body, e.into_vec(), true) {
                Ok(content) => content,
                Err(errors) => return Answer::errors(422, errors),
            };
        let record = NcrsRecord {
            code: code.to_owned(),
            details,
            address,
            members,
            member_cooperatives,
            status: RecordStatus::Active,
            status_effective_on: None,
            status_reason: None,
            status_until: None,
            dissolution_kind: None,
            version: 1,
            predecessors: Vec::new(),
            successors: Vec::new(),
            registered_at: now,
            updated_at: now,
        };
        let mut writes = Vec::new();
        w.log_into(WriteOperation::Create, &mut writes);
        self.append_change(Self::change_of(&record, ChangeKind::Created, Origin::Province, now));
        let answer = Self::record_answer(201, &record).header("Location", format!("/ncrs/v1/records/{code}"));
        self.ncrs.records.insert(code.to_owned(), Slot { record, annual_reports: BTreeMap::new(), writes });
        answer
    }

    fn replace_record(&mut self, w: &Write, code: &str, body: &Value, now: DateTime<Utc>) -> Answer {
        let Some(slot) = self.ncrs.records.get_mut(code) else {
            return not_found_record(code);
        };
        let r = &mut slot.record;
        if r.status.content_locked() {
            return Answer::message(422, format!("record {code} is {}: its content can no longer change", r.status));
        }
        let RecordContent { details, address, members, member_cooperatives } =
            match input::record_content(body, Vec::new(), false) {
                Ok(content) => content,
                Err(errors) => return Answer::errors(422, errors),
            };
        if details.kind != r.details.kind {
            return Answer::invalid("kind", format!("cannot change: registered as {}", r.details.kind));
        }
        r.details = details;
        r.address = address;
        r.members = members;
        r.member_cooperatives = member_cooperatives;
        r.version += 1;
        r.updated_at = now;
        w.log_into(WriteOperation::Replace, &mut slot.writes);
        let record = slot.record.clone();
        self.append_change(Self::change_of(&record, ChangeKind::Replaced, Origin::Province, now));
        Self::record_answer(200, &record)
    }

    /// Applies a status change to a record (a province's or the national side's).
    fn set_record_status(
        &mut self,
        w: &Write,
        operation: WriteOperation,
        code: &str,
        change: StatusChange<RecordStatus>,
        origin: Origin,
        now: DateTime<Utc>,
    ) -> Result<Change, Answer> {
        let Some(slot) = self.ncrs.records.get_mut(code) else {
            return Err(not_found_record(code));
        };
        let r = &mut slot.record;
        if r.status.is_final() {
            return Err(Answer::invalid("status", format!("record {code} is {}: its status is final", r.status)));
        }
        if r.status == change.status {
            return Err(Answer::invalid("status", format!("record {code} is already {}", change.status)));
        }
        // A reorganisation ends its sources without dissolution proceedings.
        let ended_by_reorganisation = change.reorganisation.is_some()
            && change.status == RecordStatus::Dissolved
            && matches!(r.status, RecordStatus::Active | RecordStatus::Suspended);
        if change.reorganisation.is_some() && !ended_by_reorganisation {
            let message = format!(
                "record {code} is {}: a reorganisation ends an ACTIVE or SUSPENDED record as DISSOLVED only",
                r.status
            );
            return Err(Answer::invalid("reorganisation", message));
        }
        let allowed = match origin {
            Origin::Province => ended_by_reorganisation || r.status.may_become(change.status),
            Origin::National => crate::domain::lifecycle::national_may_impose(
                r.status.as_registration_status(),
                change.status.as_registration_status(),
            ),
        };
        if !allowed {
            let message = format!("record {code} is {}: it cannot become {}", r.status, change.status);
            return Err(Answer::invalid("status", message));
        }
        // A dissolution keeps the kind its proceedings began with.
        let kind = match change.status {
            RecordStatus::InDissolution | RecordStatus::Dissolved => {
                change.dissolution_kind.map(|k| k.as_str().to_owned()).or_else(|| r.dissolution_kind.take())
            }
            _ => None,
        };
        r.status = change.status;
        r.status_effective_on = Some(change.effective_on);
        r.status_reason = Some(change.reason.clone());
        r.status_until = change.until;
        r.dissolution_kind = kind;
        r.version += 1;
        r.updated_at = now;
        w.log_into(operation, &mut slot.writes);
        let mut entry = Self::change_of(&slot.record, ChangeKind::StatusChanged, origin, now);
        entry.status = Some(change.status);
        entry.effective_on = Some(change.effective_on);
        entry.reason = Some(change.reason);
        Ok(self.append_change(entry))
    }

    /// `POST /ncrs/v1/records/{code}/status`; `If-Match` optional.
    pub(crate) fn change_record_status(
        &mut self,
        w: &Write,
        code: &str,
        precondition: &Precondition,
        body: &Value,
        now: DateTime<Utc>,
    ) -> Answer {
        let Some(slot) = self.ncrs.records.get(code) else {
            return not_found_record(code);
        };
        if let Some(answer) = version_mismatch(code, slot.record.version, precondition) {
            return answer;
        }
        let change = match input::record_status(body) {
            Ok(c) => c,
            Err(errors) => return Answer::errors(422, errors),
        };
        match self.set_record_status(w, WriteOperation::ChangeStatus, code, change, Origin::Province, now) {
            Ok(_) => self.record(code),
            Err(answer) => answer,
        }
    }

    /// A reporting year from the path, or the 422 refusing it.
    fn report_year(year: &str, now: DateTime<Utc>) -> Result<i32, FieldError> {
        let this_year = now.year();
        match year.parse::<i32>() {
            Ok(y) if year.len() == 4 && (FIRST_REPORT_YEAR..=this_year).contains(&y) => Ok(y),
            _ => Err(FieldError {
                field: Some("year".into()),
                message: format!("must be a year from {FIRST_REPORT_YEAR} to {this_year}, got {year:?}"),
            }),
        }
    }

    /// `GET /ncrs/v1/records/{code}/annual-reports/{year}`.
    pub(crate) fn annual_report(&self, code: &str, year: &str) -> Answer {
        let Some(slot) = self.ncrs.records.get(code) else {
            return not_found_record(code);
        };
        let report =
            year.parse::<i32>().ok().filter(|y| y.to_string() == year).and_then(|y| slot.annual_reports.get(&y));
        match report {
            Some(report) => Answer::json(200, report).header("ETag", etag(slot.record.version)),
            None => Answer::message(404, format!("record {code} has no annual report for {year:?}")),
        }
    }

    /// `PUT /ncrs/v1/records/{code}/annual-reports/{year}`: files (201) or
    /// refiles (200) a year's report; `If-Match` optional.
    pub(crate) fn put_annual_report(
        &mut self,
        w: &Write,
        code: &str,
        year: &str,
        precondition: &Precondition,
        body: &Value,
        now: DateTime<Utc>,
    ) -> Answer {
        let Some(slot) = self.ncrs.records.get_mut(code) else {
            return not_found_record(code);
        };
        if let Some(answer) = version_mismatch(code, slot.record.version, precondition) {
            return answer;
        }
        let year = Self::report_year(year, now);
        let content = input::annual_report(body, year.as_ref().err().cloned().into_iter().collect());
        let (year, content) = match (year, content) {
            (Ok(year), Ok(content)) => (year, content),
            (_, Err(errors)) => return Answer::errors(422, errors),
            (Err(error), Ok(_)) => return Answer::errors(422, vec![error]),
        };
        let ReportContent { members, employees, revenue, profit, average_member_income, rating } = content;
        slot.record.version += 1;
        slot.record.updated_at = now;
        let report = AnnualReport {
            code: code.to_owned(),
            year,
            members,
            employees,
            revenue,
            profit,
            average_member_income,
            rating,
            record_version: slot.record.version,
            filed_at: now,
        };
        let status = if slot.annual_reports.insert(year, report.clone()).is_some() { 200 } else { 201 };
        w.log_into(WriteOperation::FileAnnualReport, &mut slot.writes);
        let mut entry = Self::change_of(&slot.record, ChangeKind::AnnualReportFiled, Origin::Province, now);
        entry.year = Some(year);
        self.append_change(entry);
        Answer::json(status, &report).header("ETag", etag(report.record_version))
    }

    /// `GET /ncrs/v1/changes`: up to `limit` changes after `after`, of one
    /// province or all. When the page is not full, `nextAfter` is the feed's
    /// last sequence, so a filtered reader skips what it does not want.
    pub(crate) fn changes(&self, after: u64, limit: usize, province: Option<&str>) -> Answer {
        let start = usize::try_from(after).unwrap_or(usize::MAX).min(self.ncrs.changes.len());
        let mut page = Vec::new();
        for c in &self.ncrs.changes[start..] {
            if province.is_none_or(|p| c.province_code == p) {
                page.push(c.clone());
                if page.len() == limit {
                    break;
                }
            }
        }
        let next_after = if page.len() == limit {
            page.last().map_or(after, |c| c.sequence)
        } else {
            after.max(self.last_sequence())
        };
        Answer::json(200, &ChangePage { changes: page, next_after })
    }

    /// `POST /ncrs/v1/reorganisations`: records a reorganisation, all or
    /// nothing. Refused with field errors (422) for what NCRS knows: a code
    /// without a record; a source that is not ACTIVE or SUSPENDED (already
    /// ended, revoked, in dissolution); a successor that is not registered
    /// yet or not operating; a new successor (of a consolidation, split or
    /// separation) that was formed by another reorganisation already. Then
    /// every source but a separation's ends (DISSOLVED, +1 version), each
    /// source is linked to each successor both ways (no version change),
    /// and each record named gets one REORGANISED feed entry.
    pub(crate) fn reorganise(&mut self, w: &Write, r: ReorganisationRequest, now: DateTime<Utc>) -> Answer {
        let mut e = Errors::default();
        for (i, code) in r.sources.iter().enumerate() {
            let field = format!("sources[{i}]");
            match self.ncrs.records.get(code).map(|s| &s.record) {
                None => e.add(field, format!("no NCRS record with code {code}")),
                Some(rec) if !matches!(rec.status, RecordStatus::Active | RecordStatus::Suspended) => e.add(
                    field,
                    format!("record {code} is {}: only an ACTIVE or SUSPENDED record is reorganised", rec.status),
                ),
                Some(_) => {}
            }
        }
        let new_successors = r.kind != ReorganisationKind::Merger;
        for (i, code) in r.successors.iter().enumerate() {
            let field = format!("successors[{i}]");
            match self.ncrs.records.get(code).map(|s| &s.record) {
                None => e.add(
                    field,
                    format!("no NCRS record with code {code}: a successor is registered (created) before the reorganisation names it"),
                ),
                Some(rec) if !matches!(rec.status, RecordStatus::Active | RecordStatus::Suspended) => {
                    e.add(field, format!("record {code} is {}: a successor must be ACTIVE or SUSPENDED", rec.status))
                }
                Some(rec) if new_successors && !rec.predecessors.is_empty() => e.add(
                    field,
                    format!(
                        "record {code} was formed by reorganisation {} already: a {} forms new records",
                        rec.predecessors.first().map(|l| l.reorganisation_id.as_str()).unwrap_or_default(),
                        r.kind
                    ),
                ),
                Some(_) => {}
            }
        }
        if let Err(errors) = e.into_result() {
            return Answer::errors(422, errors);
        }
        let id = format!("REORG-{:08}", self.ncrs.reorganisations.len() + 1);
        let ends = r.kind != ReorganisationKind::Separation;
        let link = |code: &str| RecordLink { code: code.to_owned(), reorganisation_id: id.clone(), kind: r.kind };
        let mut entries = Vec::new();
        let named: Vec<(&String, bool)> =
            r.sources.iter().map(|c| (c, true)).chain(r.successors.iter().map(|c| (c, false))).collect();
        for (code, is_source) in &named {
            let Some(slot) = self.ncrs.records.get_mut(*code) else {
                return not_found_record(code);
            };
            let rec = &mut slot.record;
            if *is_source {
                rec.successors.extend(r.successors.iter().map(|c| link(c)));
                if ends {
                    rec.status = RecordStatus::Dissolved;
                    rec.status_effective_on = Some(r.effective_on);
                    rec.status_reason = Some(r.reason.clone());
                    rec.status_until = None;
                    rec.dissolution_kind = None;
                    rec.version += 1;
                }
            } else {
                rec.predecessors.extend(r.sources.iter().map(|c| link(c)));
            }
            rec.updated_at = now;
            w.log_into(WriteOperation::Reorganise, &mut slot.writes);
            let mut entry = Self::change_of(&slot.record, ChangeKind::Reorganised, Origin::Province, now);
            if *is_source && ends {
                entry.status = Some(RecordStatus::Dissolved);
                entry.effective_on = Some(r.effective_on);
            }
            entry.reason = Some(r.reason.clone());
            entry.reorganisation_id = Some(id.clone());
            entries.push(entry);
        }
        for entry in entries {
            self.append_change(entry);
        }
        let versions = named
            .iter()
            .filter_map(|(code, _)| self.ncrs.records.get(*code))
            .map(|s| RecordVersion { code: s.record.code.clone(), version: s.record.version, status: s.record.status })
            .collect();
        let recorded = Reorganisation {
            id: id.clone(),
            kind: r.kind,
            effective_on: r.effective_on,
            reason: r.reason,
            sources: r.sources,
            successors: r.successors,
            versions,
            recorded_at: now,
            idempotency_keys: w.key.iter().cloned().collect(),
        };
        self.ncrs.reorganisations.push(recorded.clone());
        Answer::json(201, &recorded).header("Location", format!("/ncrs/v1/reorganisations/{id}"))
    }

    /// `GET /ncrs/v1/reorganisations/{id}`.
    pub(crate) fn reorganisation(&self, id: &str) -> Answer {
        match self.ncrs.reorganisations.iter().find(|r| r.id == id) {
            Some(r) => Answer::json(200, r),
            None => Answer::message(404, format!("no reorganisation {id:?}")),
        }
    }

    /// `POST /_sim/national-changes`: applies a national-side change.
    pub(crate) fn national_change(&mut self, w: &Write, change: NationalChange, now: DateTime<Utc>) -> Answer {
        let code = change.code.clone();
        let Some(slot) = self.ncrs.records.get_mut(&code) else {
            return not_found_record(&code);
        };
        let status = match change.kind {
            NationalChangeKind::Correction => None,
            NationalChangeKind::CompulsoryDissolution => {
                Some((RecordStatus::Dissolved, WriteOperation::CompulsoryDissolution))
            }
            NationalChangeKind::Revocation => Some((RecordStatus::Revoked, WriteOperation::Revocation)),
        };
        let entry = match (status, change.effective_on) {
            (Some((status, operation)), Some(effective_on)) => {
                let sc = StatusChange {
                    status,
                    effective_on,
                    reason: change.reason,
                    reorganisation: None,
                    until: None,
                    // The national side dissolves compulsorily.
                    dissolution_kind: (status == RecordStatus::Dissolved)
                        .then_some(crate::domain::DissolutionKind::Compulsory),
                };
                match self.set_record_status(w, operation, &code, sc, Origin::National, now) {
                    Ok(entry) => entry,
                    Err(answer) => return answer,
                }
            }
            (Some(_), None) => return Answer::invalid("effectiveOn", "is required"),
            (None, _) => {
                let r = &mut slot.record;
                if r.status.is_final() {
                    return Answer::message(422, format!("record {code} is {}: it can no longer change", r.status));
                }
                let mut c = change.corrections;
                c.name = c.name.filter(|n| *n != r.details.name);
                c.ward_code = c.ward_code.filter(|n| *n != r.details.ward_code);
                c.address = c.address.filter(|a| Some(a) != r.address.as_ref());
                if c.name.is_none() && c.ward_code.is_none() && c.address.is_none() {
                    return Answer::message(422, format!("record {code} already has these values: nothing to correct"));
                }
                if let Some(name) = &c.name {
                    r.details.name = name.clone();
                }
                if let Some(ward) = &c.ward_code {
                    r.details.ward_code = ward.clone();
                }
                if let Some(address) = &c.address {
                    r.address = Some(address.clone());
                }
                r.version += 1;
                r.updated_at = now;
                w.log_into(WriteOperation::Correction, &mut slot.writes);
                let mut entry = Self::change_of(&slot.record, ChangeKind::Corrected, Origin::National, now);
                entry.reason = Some(change.reason);
                entry.corrections = Some(c);
                self.append_change(entry)
            }
        };
        match self.ncrs.records.get(&code) {
            Some(slot) => Answer::json(200, &NationalChangeApplied { change: entry, record: slot.record.clone() }),
            None => not_found_record(&code),
        }
    }
}
