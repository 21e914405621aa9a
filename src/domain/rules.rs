//! The Law on Cooperatives' rules for what may be recorded, as pure
//! functions: every problem is collected with the input path it concerns, so
//! a client learns of all of them at once.

use super::codes::{TaxCode, WardCode};
use super::enums::{Gender, RegistrationStatus};
use super::gazetteer::{Gazetteer, Unit};
use super::messages::Msg;
use super::money::{self, MoneyError};
use super::text;
use super::AdministrativeLevel;
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// Longest organisation name (characters).
pub const MAX_NAME: usize = 300;
/// Longest person name (characters).
pub const MAX_PERSON_NAME: usize = 200;
/// Longest street line (characters).
pub const MAX_STREET: usize = 300;
/// Longest status-change reason (characters).
pub const MAX_REASON: usize = 2000;
/// Most business lines on one record.
pub const MAX_BUSINESS_LINES: usize = 50;
/// Fewest official members of a cooperative (Law on Cooperatives 2023, art. 4 cl. 7).
pub const MIN_COOPERATIVE_MEMBERS: i32 = 5;
/// Fewest active member cooperatives of a union.
pub const MIN_UNION_MEMBERS: usize = 3;
/// Fewest members of a cooperative group.
pub const MIN_GROUP_MEMBERS: i32 = 2;

/// Which rule a problem breaks, as the API reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// Malformed or out of range.
    Invalid,
    /// Already exists.
    Duplicate,
    /// Names something that does not exist.
    NotFound,
    /// Status change the law does not allow.
    InvalidTransition,
    /// The record changed since the client read it.
    VersionConflict,
}

/// One problem with one input field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Path of the field, e.g. `["input", "address", "wardCode"]`.
    pub field: Vec<String>,
    /// What is wrong, in plain words (a key of the catalogue).
    pub message: Msg,
    /// Which rule.
    pub kind: ProblemKind,
}

/// Collects problems while a draft is checked.
#[derive(Debug, Default)]
pub struct Problems(Vec<Problem>);

impl Problems {
    /// Records a problem at `path`.
    pub fn add(&mut self, path: &[&str], kind: ProblemKind, message: impl Into<Msg>) {
        self.0.push(Problem { field: path.iter().map(|s| (*s).to_owned()).collect(), message: message.into(), kind });
    }

    /// Records an invalid field.
    pub fn invalid(&mut self, path: &[&str], message: impl Into<Msg>) {
        self.add(path, ProblemKind::Invalid, message);
    }

    /// Whether a problem was already recorded at `path` or inside it.
    pub fn concerns(&self, path: &[&str]) -> bool {
        self.0.iter().any(|x| x.field.len() >= path.len() && x.field.iter().zip(path).all(|(a, b)| a == b))
    }

    /// Whether nothing is wrong.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The problems found.
    pub fn into_vec(self) -> Vec<Problem> {
        self.0
    }

    /// `Ok(value)` when nothing is wrong.
    pub fn finish<T>(self, value: T) -> Result<T, Vec<Problem>> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self.0)
        }
    }
}

/// A required name: trimmed, NFC, non-empty, at most `max` characters.
pub fn name(p: &mut Problems, path: &[&str], s: &str, max: usize) -> String {
    let n = text::normalise(s);
    if n.is_empty() {
        p.invalid(path, Msg::NotEmpty);
    } else if n.chars().count() > max {
        p.invalid(path, Msg::AtMostChars { max });
    } else if n.chars().any(char::is_control) {
        p.invalid(path, Msg::NoControlChars);
    }
    n
}

/// An optional text: `None` or empty stays `None`.
pub fn optional_text(p: &mut Problems, path: &[&str], s: Option<&str>, max: usize) -> Option<String> {
    let s = s.map(text::normalise).filter(|s| !s.is_empty())?;
    if s.chars().count() > max {
        p.invalid(path, Msg::AtMostChars { max });
    }
    Some(s)
}

/// A count that must be at least `min`.
pub fn count_at_least(p: &mut Problems, path: &[&str], n: i32, min: i32) {
    if n < min {
        if min == 0 {
            p.invalid(path, Msg::NotNegative);
        } else {
            p.invalid(path, Msg::AtLeast { min: min.into() });
        }
    }
}

/// A date that must not be in the future.
pub fn not_future(p: &mut Problems, path: &[&str], d: NaiveDate, today: NaiveDate) {
    if d > today {
        p.invalid(path, Msg::InTheFuture { date: d.to_string() });
    }
}

/// A non-negative amount of đồng, as stored minor units.
pub fn amount(p: &mut Problems, path: &[&str], d: Option<Decimal>, allow_negative: bool) -> Option<i64> {
    let d = d?;
    if d.is_sign_negative() && !d.is_zero() && !allow_negative {
        p.invalid(path, Msg::NotNegative);
        return None;
    }
    match money::to_minor_units(d) {
        Ok(v) => Some(v),
        Err(MoneyError::TooPrecise) => {
            p.invalid(path, Msg::TooPrecise);
            None
        }
        Err(MoneyError::TooLarge) => {
            p.invalid(path, Msg::TooLarge);
            None
        }
    }
}

/// VSIC business-line codes: 4 or 5 digits each (class or subclass), no
/// repeats, at least one.
pub fn business_lines(p: &mut Problems, path: &[&str], codes: &[String]) -> Vec<String> {
    if codes.is_empty() {
        p.invalid(path, Msg::BusinessLineRequired);
    }
    if codes.len() > MAX_BUSINESS_LINES {
        p.invalid(path, Msg::TooManyBusinessLines { max: MAX_BUSINESS_LINES });
    }
    let mut out: Vec<String> = Vec::new();
    for (i, c) in codes.iter().enumerate() {
        let c = c.trim();
        let idx = i.to_string();
        let mut at: Vec<&str> = path.to_vec();
        at.push(&idx);
        if !(c.len() == 4 || c.len() == 5) || !c.bytes().all(|b| b.is_ascii_digit()) {
            p.invalid(&at, Msg::NotVsic { code: c.to_string() });
        } else if out.iter().any(|o| o == c) {
            p.invalid(&at, Msg::ListedTwiceCode { code: c.to_string() });
        } else {
            out.push(c.to_owned());
        }
    }
    out
}

/// A ward code that must name a ward in force.
pub fn ward_in_force<'g>(p: &mut Problems, path: &[&str], g: &'g Gazetteer, code: &str) -> Option<&'g Unit> {
    match WardCode::parse(code) {
        Err(e) => {
            p.invalid(path, &e);
            None
        }
        Ok(w) => match g.in_force(AdministrativeLevel::Ward, w.as_str()) {
            Some(u) => Some(u),
            None => {
                let msg = if g.former(AdministrativeLevel::Ward, w.as_str()).is_some() {
                    Msg::WardAbolished { code: w.to_string() }
                } else {
                    Msg::NoWardInForce { code: w.to_string() }
                };
                p.add(path, ProblemKind::NotFound, msg);
                None
            }
        },
    }
}

/// A person as entered on a record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PersonDraft {
    /// Full name.
    pub full_name: String,
    /// Gender.
    pub gender: Option<Gender>,
    /// Citizen identity number (9 or 12 digits).
    pub id_number: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
}

/// A person checked and normalised.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PersonRecord {
    /// Full name, NFC.
    pub full_name: String,
    /// Gender.
    pub gender: Option<Gender>,
    /// Identity number, digits only.
    pub id_number: Option<String>,
    /// Phone, digits with a leading 0 (or + for foreign numbers).
    pub phone: Option<String>,
}

/// Checks a person; identity numbers are 12 digits (căn cước) or 9 (old CMND).
pub fn person(p: &mut Problems, path: &[&str], d: &PersonDraft) -> PersonRecord {
    let at = |f: &'static str| -> Vec<&str> {
        let mut v = path.to_vec();
        v.push(f);
        v
    };
    let full_name = name(p, &at("fullName"), &d.full_name, MAX_PERSON_NAME);
    let id_number = d.id_number.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    if let Some(id) = &id_number {
        if !(id.len() == 12 || id.len() == 9) || !id.bytes().all(|b| b.is_ascii_digit()) {
            p.invalid(&at("idNumber"), Msg::IdentityDigits);
        }
    }
    let phone = d.phone.as_deref().map(|s| s.chars().filter(|c| !matches!(c, ' ' | '.' | '-')).collect::<String>());
    let phone = phone.filter(|s| !s.is_empty());
    if let Some(ph) = &phone {
        let digits = ph.strip_prefix('+').unwrap_or(ph);
        if digits.len() < 9 || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            p.invalid(&at("phone"), Msg::PhoneDigits);
        }
    }
    PersonRecord { full_name, gender: d.gender, id_number, phone }
}

/// A tax code given as an existing organisation's own code: a dependent
/// unit's (branch) code is refused.
pub fn tax_code(p: &mut Problems, path: &[&str], code: Option<&str>) -> Option<TaxCode> {
    match TaxCode::parse_own(code?) {
        Ok(c) => Some(c),
        Err(e) => {
            p.invalid(path, &e);
            None
        }
    }
}

/// Why a status change is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a {from} record cannot become {to}")]
pub struct TransitionError {
    /// Current status.
    pub from: RegistrationStatus,
    /// Requested status.
    pub to: RegistrationStatus,
}

/// The status changes a province may ask for (the state machine of
/// [`super::lifecycle`]).
pub fn transition(from: RegistrationStatus, to: RegistrationStatus) -> Result<(), TransitionError> {
    if super::lifecycle::province_targets(from).contains(&to) {
        Ok(())
    } else {
        Err(TransitionError { from, to })
    }
}

/// Whether the national side may impose `to` ([`super::lifecycle::national_may_impose`]).
pub fn national_transition(from: RegistrationStatus, to: RegistrationStatus) -> Result<(), TransitionError> {
    if super::lifecycle::national_may_impose(from, to) {
        Ok(())
    } else {
        Err(TransitionError { from, to })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions_follow_the_lifecycle() {
        for from in RegistrationStatus::ALL {
            for to in RegistrationStatus::ALL {
                let allowed = crate::domain::lifecycle::province_targets(*from).contains(to);
                assert_eq!(transition(*from, *to).is_ok(), allowed, "{from} → {to}");
            }
        }
    }

    #[test]
    fn names_are_trimmed_normalised_and_bounded() {
        let mut p = Problems::default();
        assert_eq!(name(&mut p, &["n"], "  Hợp tác xã  ", 300), "Hợp tác xã");
        assert!(p.is_empty());
        name(&mut p, &["a"], "   ", 300);
        name(&mut p, &["b"], &"x".repeat(301), 300);
        name(&mut p, &["c"], "bad\u{0007}", 300);
        let fields: Vec<String> = p.into_vec().into_iter().map(|x| x.field.join(".")).collect();
        assert_eq!(fields, ["a", "b", "c"]);
    }

    #[test]
    fn business_lines_are_vsic_codes() {
        let mut p = Problems::default();
        let codes = business_lines(
            &mut p,
            &["input", "businessLines"],
            &["0111".into(), "01110".into(), "011".into(), "0111".into(), "A111".into()],
        );
        assert_eq!(codes, ["0111", "01110"]);
        let fields: Vec<String> = p.into_vec().into_iter().map(|x| x.field.join(".")).collect();
        assert_eq!(fields, ["input.businessLines.2", "input.businessLines.3", "input.businessLines.4"]);
        let mut p = Problems::default();
        business_lines(&mut p, &["l"], &[]);
        assert!(!p.is_empty());
    }

    #[test]
    fn money_is_non_negative_with_two_decimals() {
        let mut p = Problems::default();
        assert_eq!(amount(&mut p, &["m"], Some(Decimal::new(12345, 2)), false), Some(12345));
        assert_eq!(amount(&mut p, &["m"], Some(Decimal::new(-1, 0)), false), None);
        assert_eq!(amount(&mut p, &["m"], Some(Decimal::new(-1, 0)), true), Some(-100));
        assert_eq!(amount(&mut p, &["m"], Some(Decimal::new(1, 3)), false), None);
        assert_eq!(p.into_vec().len(), 2);
    }

    #[test]
    fn persons_need_a_name_and_well_formed_numbers() {
        let mut p = Problems::default();
        let d = PersonDraft {
            full_name: " ".into(),
            gender: None,
            id_number: Some("12345".into()),
            phone: Some("09x".into()),
        };
        person(&mut p, &["input", "director"], &d);
        let fields: Vec<String> = p.into_vec().into_iter().map(|x| x.field.join(".")).collect();
        assert_eq!(fields, ["input.director.fullName", "input.director.idNumber", "input.director.phone"]);
        let mut p = Problems::default();
        let ok = PersonDraft {
            full_name: "Lê Văn A".into(),
            gender: Some(Gender::Male),
            id_number: Some("040090000001".into()),
            phone: Some("0912 345 678".into()),
        };
        assert_eq!(person(&mut p, &["d"], &ok).phone.as_deref(), Some("0912345678"));
        assert!(p.is_empty());
    }

    #[test]
    fn dates_and_counts() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).expect("date");
        let mut p = Problems::default();
        not_future(&mut p, &["d"], today, today);
        count_at_least(&mut p, &["n"], 5, MIN_COOPERATIVE_MEMBERS);
        assert!(p.is_empty());
        not_future(&mut p, &["d"], today.succ_opt().expect("tomorrow"), today);
        count_at_least(&mut p, &["n"], 4, MIN_COOPERATIVE_MEMBERS);
        count_at_least(&mut p, &["m"], -1, 0);
        assert_eq!(p.into_vec().len(), 3);
    }
}
