//! Reading request bodies: every field is checked and every refusal is
//! collected, so one 422 names all bad fields at once. Codes are checked with
//! the registry's own domain types.

use super::model::{
    Corrections, EntityDetails, EntityKind, FieldError, LegalRepresentative, NationalChangeKind, RecordStatus,
    ReorganisationKind, TaxpayerStatus,
};
use crate::domain::{self, CodeError, ProvinceCode, TaxCode, WardCode};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::{Map, Value};
use std::str::FromStr;

/// Longest name, reason or address accepted, in characters.
const MAX_TEXT: usize = 255;

/// Refusals collected while reading one request.
#[derive(Debug, Default)]
pub(crate) struct Errors(Vec<FieldError>);

impl Errors {
    /// Refuses a field.
    pub(crate) fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError { field: Some(field.into()), message: message.into() });
    }

    /// Refuses the request as a whole.
    pub(crate) fn add_general(&mut self, message: impl Into<String>) {
        self.0.push(FieldError { field: None, message: message.into() });
    }

    /// Nothing refused so far.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The refusals.
    pub(crate) fn into_vec(self) -> Vec<FieldError> {
        self.0
    }

    /// `Ok` when nothing was refused.
    pub(crate) fn into_result(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}

/// JSON type names for messages.
fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A JSON object being read: remembers the fields it was asked for, so that
/// `finish` can refuse the others.
pub(crate) struct Obj<'v> {
    map: &'v Map<String, Value>,
    prefix: String,
    known: Vec<&'static str>,
}

impl<'v> Obj<'v> {
    /// The request body, which must be an object.
    pub(crate) fn root(v: &'v Value, e: &mut Errors) -> Option<Self> {
        match v {
            Value::Object(map) => Some(Self { map, prefix: String::new(), known: Vec::new() }),
            other => {
                e.add_general(format!("the body must be a JSON object, got {}", type_name(other)));
                None
            }
        }
    }

    fn path(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.prefix)
        }
    }

    /// The value of `key`, `None` when absent or null.
    fn get(&mut self, key: &'static str) -> Option<&'v Value> {
        self.known.push(key);
        self.map.get(key).filter(|v| !v.is_null())
    }

    /// Refuses every field that was never asked for.
    pub(crate) fn finish(self, e: &mut Errors) {
        for key in self.map.keys() {
            if !self.known.contains(&key.as_str()) {
                let mut known = self.known.clone();
                known.sort_unstable();
                e.add(self.path(key), format!("is not a field here (expected one of: {})", known.join(", ")));
            }
        }
    }

    fn required(&mut self, e: &mut Errors, key: &'static str) -> Option<&'v Value> {
        let v = self.get(key);
        if v.is_none() {
            e.add(self.path(key), "is required");
        }
        v
    }

    fn as_str(&self, e: &mut Errors, key: &str, v: &'v Value) -> Option<&'v str> {
        match v {
            Value::String(s) => Some(s),
            other => {
                e.add(self.path(key), format!("must be a string, got {}", type_name(other)));
                None
            }
        }
    }

    fn check_text(&self, e: &mut Errors, key: &str, s: &str) -> Option<String> {
        let t = domain::text::normalise(s);
        if t.is_empty() {
            e.add(self.path(key), "must not be empty");
            None
        } else if t.chars().count() > MAX_TEXT {
            e.add(self.path(key), format!("must be at most {MAX_TEXT} characters"));
            None
        } else if t.chars().any(char::is_control) {
            e.add(self.path(key), "must not contain control characters");
            None
        } else {
            Some(t)
        }
    }

    /// A required, non-empty text (trimmed, NFC-normalised).
    pub(crate) fn text(&mut self, e: &mut Errors, key: &'static str) -> Option<String> {
        let v = self.required(e, key)?;
        let s = self.as_str(e, key, v)?;
        self.check_text(e, key, s)
    }

    /// An optional text; `Ok(None)` when absent.
    pub(crate) fn opt_text(&mut self, e: &mut Errors, key: &'static str) -> Result<Option<String>, ()> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => {
                let s = self.as_str(e, key, v).ok_or(())?;
                self.check_text(e, key, s).map(Some).ok_or(())
            }
        }
    }

    /// A required code, checked by the domain's parser.
    pub(crate) fn code<T>(
        &mut self,
        e: &mut Errors,
        key: &'static str,
        parse: fn(&str) -> Result<T, CodeError>,
    ) -> Option<T> {
        let v = self.required(e, key)?;
        let s = self.as_str(e, key, v)?;
        parse_code(e, self.path(key), s, parse)
    }

    /// A required value from a fixed list.
    pub(crate) fn one_of<T>(
        &mut self,
        e: &mut Errors,
        key: &'static str,
        names: &[&str],
        parse: fn(&str) -> Option<T>,
    ) -> Option<T> {
        let v = self.required(e, key)?;
        let s = self.as_str(e, key, v)?;
        let parsed = parse(s);
        if parsed.is_none() {
            e.add(self.path(key), format!("must be one of {}, got {s:?}", names.join(", ")));
        }
        parsed
    }

    /// A required amount in đồng as a decimal string with at most 2 decimals.
    pub(crate) fn amount(&mut self, e: &mut Errors, key: &'static str, may_be_negative: bool) -> Option<String> {
        let v = self.required(e, key)?;
        self.check_amount(e, key, v, may_be_negative)
    }

    /// An optional amount; `Ok(None)` when absent.
    pub(crate) fn opt_amount(
        &mut self,
        e: &mut Errors,
        key: &'static str,
        may_be_negative: bool,
    ) -> Result<Option<String>, ()> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => self.check_amount(e, key, v, may_be_negative).map(Some).ok_or(()),
        }
    }

    fn check_amount(&self, e: &mut Errors, key: &str, v: &Value, may_be_negative: bool) -> Option<String> {
        let Value::String(s) = v else {
            e.add(
                self.path(key),
                format!("must be a decimal string in đồng, e.g. \"1500000000\", got {}", type_name(v)),
            );
            return None;
        };
        let t = s.trim();
        let well_formed = !t.is_empty()
            && t.trim_start_matches('-').bytes().all(|b| b.is_ascii_digit() || b == b'.')
            && t.bytes().filter(|b| *b == b'.').count() <= 1;
        let d = match Decimal::from_str(t) {
            Ok(d) if well_formed => d,
            _ => {
                e.add(self.path(key), format!("must be a decimal number of đồng, e.g. \"1500000000\", got {s:?}"));
                return None;
            }
        };
        if d.is_sign_negative() && !d.is_zero() && !may_be_negative {
            e.add(self.path(key), format!("must not be negative, got {s:?}"));
            return None;
        }
        if let Err(why) = domain::money::to_minor_units(d) {
            e.add(self.path(key), format!("{why}, got {s:?}"));
            return None;
        }
        Some(d.normalize().to_string())
    }

    /// A required whole number from `min` to `max`.
    pub(crate) fn count(&mut self, e: &mut Errors, key: &'static str, min: u32, max: u32) -> Option<u32> {
        let v = self.required(e, key)?;
        match v.as_u64().and_then(|n| u32::try_from(n).ok()).filter(|n| (min..=max).contains(n)) {
            Some(n) => Some(n),
            None => {
                e.add(self.path(key), format!("must be a whole number from {min} to {max}, got {v}"));
                None
            }
        }
    }

    /// A required calendar date, `YYYY-MM-DD`.
    pub(crate) fn date(&mut self, e: &mut Errors, key: &'static str) -> Option<NaiveDate> {
        let v = self.required(e, key)?;
        self.check_date(e, key, v)
    }

    /// An optional calendar date; `Ok(None)` when absent.
    pub(crate) fn opt_date(&mut self, e: &mut Errors, key: &'static str) -> Result<Option<NaiveDate>, ()> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => self.check_date(e, key, v).map(Some).ok_or(()),
        }
    }

    fn check_date(&self, e: &mut Errors, key: &str, v: &'v Value) -> Option<NaiveDate> {
        let s = self.as_str(e, key, v)?;
        let parsed = (s.len() == 10).then(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()).flatten();
        if parsed.is_none() {
            e.add(self.path(key), format!("must be a date YYYY-MM-DD, got {s:?}"));
        }
        parsed
    }

    /// An optional code; `Ok(None)` when absent.
    pub(crate) fn opt_code<T>(
        &mut self,
        e: &mut Errors,
        key: &'static str,
        parse: fn(&str) -> Result<T, CodeError>,
    ) -> Result<Option<T>, ()> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => {
                let s = self.as_str(e, key, v).ok_or(())?;
                parse_code(e, self.path(key), s, parse).map(Some).ok_or(())
            }
        }
    }

    /// A required object.
    pub(crate) fn object(&mut self, e: &mut Errors, key: &'static str) -> Option<Obj<'v>> {
        let path = self.path(key);
        match self.required(e, key)? {
            Value::Object(map) => Some(Obj { map, prefix: path, known: Vec::new() }),
            other => {
                e.add(path, format!("must be an object, got {}", type_name(other)));
                None
            }
        }
    }

    /// A required array.
    pub(crate) fn array(&mut self, e: &mut Errors, key: &'static str) -> Option<&'v Vec<Value>> {
        match self.required(e, key)? {
            Value::Array(items) => Some(items),
            other => {
                e.add(self.path(key), format!("must be an array, got {}", type_name(other)));
                None
            }
        }
    }

    /// An optional share from 0 to 1.
    pub(crate) fn opt_share(&mut self, e: &mut Errors, key: &'static str) -> Option<f64> {
        let v = self.get(key)?;
        match v.as_f64().filter(|x| (0.0..=1.0).contains(x)) {
            Some(x) => Some(x),
            None => {
                e.add(self.path(key), format!("must be a number from 0 to 1, got {v}"));
                None
            }
        }
    }

    /// An optional whole number up to `max`.
    pub(crate) fn opt_u64(&mut self, e: &mut Errors, key: &'static str, max: u64) -> Option<u64> {
        let v = self.get(key)?;
        match v.as_u64().filter(|n| *n <= max) {
            Some(n) => Some(n),
            None => {
                e.add(self.path(key), format!("must be a whole number from 0 to {max}, got {v}"));
                None
            }
        }
    }

    /// An optional boolean.
    pub(crate) fn opt_bool(&mut self, e: &mut Errors, key: &'static str) -> Option<bool> {
        let v = self.get(key)?;
        match v.as_bool() {
            Some(b) => Some(b),
            None => {
                e.add(self.path(key), format!("must be true or false, got {v}"));
                None
            }
        }
    }
}

/// Parses a code with a domain parser, refusing it under `field`.
pub(crate) fn parse_code<T>(
    e: &mut Errors,
    field: String,
    s: &str,
    parse: fn(&str) -> Result<T, CodeError>,
) -> Option<T> {
    match parse(s) {
        Ok(c) => Some(c),
        Err(why) => {
            e.add(field, why.to_string());
            None
        }
    }
}

/// A VSIC business-line code at level 4: four digits.
fn is_vsic4(s: &str) -> bool {
    s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Reads the registered content both systems share (fields of `o`).
fn entity_fields(o: &mut Obj<'_>, e: &mut Errors) -> Option<EntityDetails> {
    let name = o.text(e, "name");
    let kind = o.one_of(e, "kind", EntityKind::NAMES, EntityKind::parse);
    let ward = o.code(e, "wardCode", WardCode::parse);
    let province = o.code(e, "provinceCode", ProvinceCode::parse);
    let representative = o.object(e, "legalRepresentative").and_then(|mut r| {
        let full_name = r.text(e, "fullName");
        let id_number = r.required(e, "idNumber").and_then(|v| r.as_str(e, "idNumber", v)).and_then(|s| {
            let ok = (s.len() == 12 || s.len() == 9) && s.bytes().all(|b| b.is_ascii_digit());
            if !ok {
                e.add(r.path("idNumber"), format!("must be a 12-digit personal identification number, got {s:?}"));
            }
            ok.then(|| s.to_owned())
        });
        r.finish(e);
        Some(LegalRepresentative { full_name: full_name?, id_number: id_number? })
    });
    let lines = o.array(e, "businessLines").and_then(|items| {
        if items.is_empty() {
            e.add(o.path("businessLines"), "must list at least one VSIC code");
            return None;
        }
        let mut lines: Vec<String> = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            let field = format!("{}[{i}]", o.path("businessLines"));
            match item.as_str() {
                Some(s) if is_vsic4(s) && lines.iter().any(|l| l == s) => {
                    e.add(field, format!("{s:?} is listed twice"));
                    ok = false;
                }
                Some(s) if is_vsic4(s) => lines.push(s.to_owned()),
                Some(s) => {
                    e.add(field, format!("must be a 4-digit VSIC code, got {s:?}"));
                    ok = false;
                }
                None => {
                    e.add(field, format!("must be a 4-digit VSIC code as a string, got {}", type_name(item)));
                    ok = false;
                }
            }
        }
        ok.then_some(lines)
    });
    let capital = o.amount(e, "charterCapital", false);
    Some(EntityDetails {
        name: name?,
        kind: kind?,
        ward_code: ward?.to_string(),
        province_code: province?.to_string(),
        legal_representative: representative?,
        business_lines: lines?,
        charter_capital: capital?,
    })
}

/// `POST /tax/v1/registrations` and `PUT /tax/v1/taxpayers/{taxCode}`.
pub(crate) fn tax_details(body: &Value) -> Result<EntityDetails, Vec<FieldError>> {
    let mut e = Errors::default();
    let Some(mut o) = Obj::root(body, &mut e) else {
        return Err(e.into_vec());
    };
    let details = entity_fields(&mut o, &mut e);
    o.finish(&mut e);
    e.into_result()?;
    details.ok_or_else(|| vec![FieldError { field: None, message: "invalid registration".into() }])
}

/// The body of an NCRS record (`PUT /ncrs/v1/records/{code}`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RecordContent {
    pub details: EntityDetails,
    pub address: Option<String>,
    pub members: u32,
    /// A union's member cooperatives by code (the form lists them).
    pub member_cooperatives: Vec<String>,
}

/// Reads an NCRS record; `extra` adds refusals that depend on state (e.g.
/// an unknown code), so the 422 lists them together.
///
/// The legal minimum of members binds the registration (`creating`); a
/// replacement may carry fewer, as the registry records a cooperative or
/// union that fell below it (the law sanctions the situation, it does not
/// make it unrecordable).
pub(crate) fn record_content(
    body: &Value,
    extra: Vec<FieldError>,
    creating: bool,
) -> Result<RecordContent, Vec<FieldError>> {
    let mut e = Errors(extra);
    let Some(mut o) = Obj::root(body, &mut e) else {
        return Err(e.into_vec());
    };
    let details = entity_fields(&mut o, &mut e);
    let address = o.opt_text(&mut e, "address");
    let members = o.count(&mut e, "members", 0, 1_000_000);
    let kind = body.get("kind").and_then(Value::as_str).and_then(EntityKind::parse);
    let member_cooperatives = if o.map.get("memberCooperatives").is_some_and(|v| !v.is_null()) {
        if kind == Some(EntityKind::Cooperative) {
            o.get("memberCooperatives");
            e.add("memberCooperatives", "applies to a UNION only: a cooperative's members are counted, not listed");
            Some(Vec::new())
        } else {
            code_list(&mut o, &mut e, "memberCooperatives")
        }
    } else {
        o.get("memberCooperatives");
        Some(Vec::new())
    };
    // The kind alone decides the least membership, so check it even when
    // other fields are refused.
    if let (true, Some(kind), Some(m)) = (creating, kind, members) {
        let least = match kind {
            EntityKind::Cooperative => 5,
            EntityKind::Union => 3,
        };
        if m < least {
            let who = match kind {
                EntityKind::Cooperative => "a cooperative needs at least 5 members",
                EntityKind::Union => "a union needs at least 3 member cooperatives",
            };
            e.add("members", format!("{who} (Law on Cooperatives 17/2023/QH15), got {m}"));
        }
    }
    o.finish(&mut e);
    e.into_result()?;
    match (details, address, members, member_cooperatives) {
        (Some(details), Ok(address), Some(members), Some(member_cooperatives)) => {
            Ok(RecordContent { details, address, members, member_cooperatives })
        }
        _ => Err(vec![FieldError { field: None, message: "invalid record".into() }]),
    }
}

/// A status change: the new status, when it takes effect, why.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StatusChange<S> {
    pub status: S,
    pub effective_on: NaiveDate,
    pub reason: String,
    /// NCRS: the reorganisation that ends the record (MERGER, CONSOLIDATION, SPLIT).
    pub reorganisation: Option<domain::ReorganisationKind>,
    /// NCRS: the day a suspension ends (SUSPENDED only, after `effective_on`).
    pub until: Option<NaiveDate>,
    /// NCRS: VOLUNTARY or COMPULSORY (IN_DISSOLUTION and DISSOLVED only).
    pub dissolution_kind: Option<domain::DissolutionKind>,
}

/// What NCRS's status body adds to the tax system's: which names of its
/// statuses take a term (`until`) and which a dissolution kind.
struct NcrsTerms {
    suspended: &'static str,
    dissolving: [&'static str; 2],
}

fn status_change<S>(
    body: &Value,
    names: &[&str],
    parse: fn(&str) -> Option<S>,
    ncrs: Option<NcrsTerms>,
) -> Result<StatusChange<S>, Vec<FieldError>> {
    let with_reorganisation = ncrs.is_some();
    let mut e = Errors::default();
    let Some(mut o) = Obj::root(body, &mut e) else {
        return Err(e.into_vec());
    };
    let status = o.one_of(&mut e, "status", names, parse);
    let effective_on = o.date(&mut e, "effectiveOn");
    let reason = o.text(&mut e, "reason");
    let reorganisation = if with_reorganisation {
        let ending = [
            domain::ReorganisationKind::Merger,
            domain::ReorganisationKind::Consolidation,
            domain::ReorganisationKind::Split,
        ];
        let names: Vec<&str> = ending.iter().map(|k| k.as_str()).collect();
        match o.opt_text(&mut e, "reorganisation") {
            Ok(Some(k)) => {
                let parsed = ending.iter().copied().find(|x| x.as_str() == k);
                if parsed.is_none() {
                    e.add(o.path("reorganisation"), format!("must be one of {}, got {k:?}", names.join(", ")));
                }
                parsed
            }
            _ => None,
        }
    } else {
        None
    };
    let (mut until, mut dissolution_kind) = (None, None);
    if let Some(terms) = &ncrs {
        let named = body.get("status").and_then(Value::as_str).unwrap_or_default();
        if let Ok(Some(u)) = o.opt_date(&mut e, "until") {
            if named != terms.suspended {
                e.add(o.path("until"), format!("only a {} record has a term, not {named:?}", terms.suspended));
            } else if effective_on.is_some_and(|from| u <= from) {
                e.add(o.path("until"), format!("the term must end after effectiveOn, got {u}"));
            } else {
                until = Some(u);
            }
        }
        let kinds: Vec<&str> = domain::DissolutionKind::ALL.iter().map(|k| k.as_str()).collect();
        if let Ok(Some(k)) = o.opt_text(&mut e, "dissolutionKind") {
            match domain::DissolutionKind::parse(&k) {
                None => e.add(o.path("dissolutionKind"), format!("must be one of {}, got {k:?}", kinds.join(", "))),
                Some(_) if !terms.dissolving.contains(&named) => e.add(
                    o.path("dissolutionKind"),
                    format!("only a {} record has a dissolution kind", terms.dissolving.join(" or ")),
                ),
                Some(_) if reorganisation.is_some() => {
                    e.add(o.path("dissolutionKind"), "a reorganisation ends a record without dissolution")
                }
                kind => dissolution_kind = kind,
            }
        }
    }
    o.finish(&mut e);
    e.into_result()?;
    match (status, effective_on, reason) {
        (Some(status), Some(effective_on), Some(reason)) => {
            Ok(StatusChange { status, effective_on, reason, reorganisation, until, dissolution_kind })
        }
        _ => Err(vec![FieldError { field: None, message: "invalid status change".into() }]),
    }
}

/// `POST /tax/v1/taxpayers/{taxCode}/status`.
pub(crate) fn taxpayer_status(body: &Value) -> Result<StatusChange<TaxpayerStatus>, Vec<FieldError>> {
    status_change(body, TaxpayerStatus::NAMES, TaxpayerStatus::parse, None)
}

/// `POST /ncrs/v1/records/{code}/status`.
pub(crate) fn record_status(body: &Value) -> Result<StatusChange<RecordStatus>, Vec<FieldError>> {
    let terms = NcrsTerms {
        suspended: RecordStatus::Suspended.as_str(),
        dissolving: [RecordStatus::InDissolution.as_str(), RecordStatus::Dissolved.as_str()],
    };
    status_change(body, RecordStatus::NAMES, RecordStatus::parse, Some(terms))
}

/// The body of an annual report.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ReportContent {
    pub members: u32,
    pub employees: u32,
    pub revenue: String,
    pub profit: String,
    pub average_member_income: Option<String>,
    pub rating: String,
}

/// `PUT /ncrs/v1/records/{code}/annual-reports/{year}`; `extra` as for [`record_content`].
pub(crate) fn annual_report(body: &Value, extra: Vec<FieldError>) -> Result<ReportContent, Vec<FieldError>> {
    let mut e = Errors(extra);
    let Some(mut o) = Obj::root(body, &mut e) else {
        return Err(e.into_vec());
    };
    let members = o.count(&mut e, "members", 0, 1_000_000);
    let employees = o.count(&mut e, "employees", 0, 10_000_000);
    let revenue = o.amount(&mut e, "revenue", false);
    let profit = o.amount(&mut e, "profit", true);
    let income = o.opt_amount(&mut e, "averageMemberIncome", false);
    let names: Vec<&str> = domain::Rating::ALL.iter().map(|r| r.as_str()).collect();
    let rating = o.one_of(&mut e, "rating", &names, domain::Rating::parse);
    o.finish(&mut e);
    e.into_result()?;
    match (members, employees, revenue, profit, income, rating) {
        (Some(members), Some(employees), Some(revenue), Some(profit), Ok(average_member_income), Some(rating)) => {
            Ok(ReportContent {
                members,
                employees,
                revenue,
                profit,
                average_member_income,
                rating: rating.as_str().to_owned(),
            })
        }
        _ => Err(vec![FieldError { field: None, message: "invalid annual report".into() }]),
    }
}

/// The body of `POST /ncrs/v1/reorganisations`, read and its shape checked
/// (what needs the records, NCRS's state, is checked by the state).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ReorganisationRequest {
    pub kind: ReorganisationKind,
    pub effective_on: NaiveDate,
    pub reason: String,
    pub sources: Vec<String>,
    pub successors: Vec<String>,
}

/// Reads a list of cooperative codes at `key`, refusing each bad one at `key[i]`.
fn code_list(o: &mut Obj<'_>, e: &mut Errors, key: &'static str) -> Option<Vec<String>> {
    let items = o.array(e, key)?;
    let mut out = Vec::new();
    let mut ok = true;
    for (i, v) in items.iter().enumerate() {
        let field = format!("{}[{i}]", o.path(key));
        let Some(s) = v.as_str() else {
            e.add(field, format!("must be a cooperative code (a string), got {}", type_name(v)));
            ok = false;
            continue;
        };
        match parse_code(e, field.clone(), s, TaxCode::parse) {
            Some(c) if c.as_str() == s && !s.contains('-') => {
                if out.iter().any(|x: &String| x == s) {
                    e.add(field, format!("{s} is named twice"));
                    ok = false;
                } else {
                    out.push(s.to_owned());
                }
            }
            Some(_) => {
                e.add(field, format!("must be exactly the 10 digits of a cooperative code, got {s:?}"));
                ok = false;
            }
            None => ok = false,
        }
    }
    ok.then_some(out)
}

/// Reads `POST /ncrs/v1/reorganisations`: kind, effective date, reason, the
/// sources' and successors' codes, and each kind's cardinality (MERGER: one
/// or more sources into exactly one successor; CONSOLIDATION: two or more
/// into one; SPLIT: one into two or more; SEPARATION: one that continues,
/// and one or more).
pub(crate) fn reorganisation(body: &Value) -> Result<ReorganisationRequest, Vec<FieldError>> {
    let mut e = Errors::default();
    let Some(mut o) = Obj::root(body, &mut e) else {
        return Err(e.into_vec());
    };
    let kind = o.one_of(&mut e, "kind", ReorganisationKind::NAMES, ReorganisationKind::parse);
    let effective_on = o.date(&mut e, "effectiveOn");
    let reason = o.text(&mut e, "reason");
    let sources = code_list(&mut o, &mut e, "sources");
    let successors = code_list(&mut o, &mut e, "successors");
    if let (Some(kind), Some(sources), Some(successors)) = (kind, &sources, &successors) {
        use ReorganisationKind::*;
        let (min_sources, max_sources, min_successors, max_successors, rule) = match kind {
            Merger => (1, usize::MAX, 1, 1, "a MERGER names one or more sources and exactly one (existing) successor"),
            Consolidation => {
                (2, usize::MAX, 1, 1, "a CONSOLIDATION names two or more sources and exactly one new successor")
            }
            Split => (1, 1, 2, usize::MAX, "a SPLIT names exactly one source and two or more new successors"),
            Separation => (
                1,
                1,
                1,
                usize::MAX,
                "a SEPARATION names exactly one (continuing) source and one or more new successors",
            ),
        };
        if !(min_sources..=max_sources).contains(&sources.len()) {
            e.add("sources", rule);
        }
        if !(min_successors..=max_successors).contains(&successors.len()) {
            e.add("successors", rule);
        }
        for (i, c) in successors.iter().enumerate() {
            if sources.contains(c) {
                e.add(format!("successors[{i}]"), format!("{c} is named as a source too"));
            }
        }
    }
    o.finish(&mut e);
    e.into_result()?;
    match (kind, effective_on, reason, sources, successors) {
        (Some(kind), Some(effective_on), Some(reason), Some(sources), Some(successors)) => {
            Ok(ReorganisationRequest { kind, effective_on, reason, sources, successors })
        }
        _ => Err(vec![FieldError { field: None, message: "invalid reorganisation".into() }]),
    }
}

/// A national-side change to inject (`POST /_sim/national-changes`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NationalChange {
    pub code: String,
    pub kind: NationalChangeKind,
    pub corrections: Corrections,
    pub effective_on: Option<NaiveDate>,
    pub reason: String,
}

/// Reads `POST /_sim/national-changes`.
pub(crate) fn national_change(body: &Value) -> Result<NationalChange, Vec<FieldError>> {
    let mut e = Errors::default();
    let Some(mut o) = Obj::root(body, &mut e) else {
        return Err(e.into_vec());
    };
    let code = o.code(&mut e, "code", TaxCode::parse);
    let kind = o.one_of(&mut e, "kind", NationalChangeKind::NAMES, NationalChangeKind::parse);
    let reason = o.text(&mut e, "reason");
    let name = o.opt_text(&mut e, "name");
    let address = o.opt_text(&mut e, "address");
    let ward = o.opt_code(&mut e, "wardCode", WardCode::parse).map(|w| w.map(|w| w.to_string()));
    let effective_on = o.opt_date(&mut e, "effectiveOn");
    match kind {
        Some(NationalChangeKind::Correction) => {
            if matches!(effective_on, Ok(Some(_))) {
                e.add("effectiveOn", "applies to COMPULSORY_DISSOLUTION and REVOCATION only");
            }
            if matches!((&name, &address, &ward), (Ok(None), Ok(None), Ok(None))) {
                e.add_general("a CORRECTION must change at least one of name, wardCode, address");
            }
        }
        Some(_) => {
            if matches!(effective_on, Ok(None)) {
                e.add("effectiveOn", "is required for COMPULSORY_DISSOLUTION and REVOCATION");
            }
            for (field, given) in [
                ("name", matches!(name, Ok(Some(_)))),
                ("address", matches!(address, Ok(Some(_)))),
                ("wardCode", matches!(ward, Ok(Some(_)))),
            ] {
                if given {
                    e.add(field, "applies to CORRECTION only");
                }
            }
        }
        None => {}
    }
    o.finish(&mut e);
    e.into_result()?;
    match (code, kind, reason, name, address, ward, effective_on) {
        (Some(code), Some(kind), Some(reason), Ok(name), Ok(address), Ok(ward_code), Ok(effective_on)) => {
            Ok(NationalChange {
                code: code.to_string(),
                kind,
                corrections: Corrections { name, ward_code, address },
                effective_on,
                reason,
            })
        }
        _ => Err(vec![FieldError { field: None, message: "invalid national change".into() }]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().filter_map(|e| e.field.as_deref()).collect()
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let body = json!({
            "name": " ", "kind": "GROUP", "wardCode": "123", "provinceCode": "40",
            "legalRepresentative": {"idNumber": "12"},
            "businessLines": ["0111", "01A1", 7, "0111"],
            "charterCapital": "-5", "colour": "red"
        });
        let errors = tax_details(&body).expect_err("refused");
        assert_eq!(
            fields(&errors),
            [
                "name",
                "kind",
                "wardCode",
                "legalRepresentative.fullName",
                "legalRepresentative.idNumber",
                "businessLines[1]",
                "businessLines[2]",
                "businessLines[3]",
                "charterCapital",
                "colour"
            ]
        );
    }

    #[test]
    fn amounts_are_decimal_strings_with_two_places_at_most() {
        let base = json!({
            "name": "HTX A", "kind": "COOPERATIVE", "wardCode": "16681", "provinceCode": "40",
            "legalRepresentative": {"fullName": "Nguyễn Văn A", "idNumber": "001090000001"},
            "businessLines": ["0111"], "charterCapital": "1500000000.50"
        });
        assert_eq!(tax_details(&base).expect("valid").charter_capital, "1500000000.5");
        for bad in [json!("1.005"), json!(100), json!("1e3"), json!(""), json!("--1"), json!("1.2.3")] {
            let mut b = base.clone();
            b["charterCapital"] = bad.clone();
            assert_eq!(fields(&tax_details(&b).expect_err("refused")), ["charterCapital"], "{bad}");
        }
    }

    #[test]
    fn a_suspension_term_and_a_dissolution_kind_are_ncrs_fields_the_tax_system_refuses() {
        let body = json!({"status": "SUSPENDED", "effectiveOn": "2026-01-02", "reason": "r", "until": "2026-06-30"});
        assert_eq!(record_status(&body).expect("valid").until, NaiveDate::from_ymd_opt(2026, 6, 30));
        let old = json!({"status": "SUSPENDED", "effectiveOn": "2026-01-02", "reason": "r"});
        assert_eq!(record_status(&old).expect("a row queued before the term still lands").until, None);
        let tax = json!({"status": "SUSPENDED", "effectiveOn": "2026-01-02", "reason": "r", "until": "2026-06-30"});
        assert_eq!(fields(&taxpayer_status(&tax).expect_err("not a tax field")), ["until"]);
        let merged = json!({"status": "DISSOLVED", "effectiveOn": "2026-01-02", "reason": "r",
                            "reorganisation": "MERGER", "dissolutionKind": "VOLUNTARY"});
        assert_eq!(fields(&record_status(&merged).expect_err("no dissolution")), ["dissolutionKind"]);
    }

    #[test]
    fn a_record_status_may_name_the_reorganisation_that_ends_it_and_a_tax_status_may_not() {
        let body = json!({"status": "DISSOLVED", "effectiveOn": "2026-01-02", "reason": "sáp nhập", "reorganisation": "MERGER"});
        assert_eq!(record_status(&body).expect("valid").reorganisation, Some(domain::ReorganisationKind::Merger));
        let mut separation = body.clone();
        separation["reorganisation"] = json!("SEPARATION");
        assert_eq!(fields(&record_status(&separation).expect_err("a separated source continues")), ["reorganisation"]);
        let tax = json!({"status": "CLOSED", "effectiveOn": "2026-01-02", "reason": "r", "reorganisation": "MERGER"});
        assert_eq!(fields(&taxpayer_status(&tax).expect_err("not a tax field")), ["reorganisation"]);
    }

    #[test]
    fn the_legal_minimum_of_members_binds_the_registration_not_a_replacement() {
        let body = json!({
            "name": "HTX A", "kind": "COOPERATIVE", "wardCode": "16681", "provinceCode": "40",
            "legalRepresentative": {"fullName": "Nguyễn Văn A", "idNumber": "001090000001"},
            "businessLines": ["0111"], "charterCapital": "1500000000", "members": 3
        });
        assert_eq!(fields(&record_content(&body, Vec::new(), true).expect_err("refused")), ["members"]);
        assert_eq!(record_content(&body, Vec::new(), false).expect("recorded below the minimum").members, 3);
    }

    #[test]
    fn a_reorganisation_names_valid_codes_in_its_kinds_numbers() {
        let code = |n: u8| TaxCode::from_first_nine([0, 1, 0, 0, 0, 0, 0, 1, n]).expect("a code").to_string();
        let (a, b, c) = (code(1), code(2), code(3));
        let (a, b, c) = (a.as_str(), b.as_str(), c.as_str());
        let ok =
            json!({"kind": "MERGER", "effectiveOn": "2026-01-02", "reason": "r", "sources": [a, b], "successors": [c]});
        assert_eq!(reorganisation(&ok).expect("valid").sources, [a, b]);
        let bad = |body: Value| {
            fields(&reorganisation(&body).expect_err("refused")).iter().map(|s| s.to_string()).collect::<Vec<_>>()
        };
        assert_eq!(
            bad(
                json!({"kind": "SPLIT", "effectiveOn": "2026-01-02", "reason": "r", "sources": [a], "successors": [c]})
            ),
            ["successors"]
        );
        assert_eq!(
            bad(
                json!({"kind": "CONSOLIDATION", "effectiveOn": "2026-01-02", "reason": "r", "sources": [a], "successors": [c, b]})
            ),
            ["sources", "successors"]
        );
        assert_eq!(
            bad(
                json!({"kind": "SEPARATION", "effectiveOn": "2026-01-02", "reason": "r", "sources": [a], "successors": [a, "12", 5]})
            ),
            ["successors[1]", "successors[2]"]
        );
        assert_eq!(
            bad(
                json!({"kind": "MERGER", "effectiveOn": "2026-01-02", "reason": "r", "sources": [a, a], "successors": [c]})
            ),
            ["sources[1]"]
        );
    }

    #[test]
    fn a_union_record_lists_its_member_cooperatives_by_code_and_a_cooperative_does_not() {
        let mut union = json!({
            "name": "LH HTX A", "kind": "UNION", "wardCode": "16681", "provinceCode": "40",
            "legalRepresentative": {"fullName": "Nguyễn Văn A", "idNumber": "001090000001"},
            "businessLines": ["0111"], "charterCapital": "1500000000", "members": 3,
            "memberCooperatives": ["0100109106"]
        });
        let read = record_content(&union, Vec::new(), true).expect("valid");
        assert_eq!(read.member_cooperatives, ["0100109106"]);
        union["memberCooperatives"] = json!(["0100109106", "12"]);
        assert_eq!(fields(&record_content(&union, Vec::new(), true).expect_err("refused")), ["memberCooperatives[1]"]);
        union["kind"] = json!("COOPERATIVE");
        union["members"] = json!(7);
        union["memberCooperatives"] = json!(["0100109106"]);
        assert_eq!(fields(&record_content(&union, Vec::new(), true).expect_err("refused")), ["memberCooperatives"]);
        union.as_object_mut().expect("body").remove("memberCooperatives");
        assert!(record_content(&union, Vec::new(), true).expect("valid").member_cooperatives.is_empty());
    }

    #[test]
    fn national_changes_need_what_their_kind_needs() {
        assert!(national_change(&json!({"code": "0100109106", "kind": "CORRECTION", "reason": "r"})).is_err());
        let errors = national_change(&json!({"code": "0100109106", "kind": "REVOCATION", "reason": "r", "name": "X"}))
            .expect_err("refused");
        assert_eq!(fields(&errors), ["effectiveOn", "name"]);
        let ok =
            national_change(&json!({"code": "0100109106", "kind": "CORRECTION", "reason": "r", "wardCode": "16681"}))
                .expect("valid");
        assert_eq!(ok.corrections.ward_code.as_deref(), Some("16681"));
    }
}
