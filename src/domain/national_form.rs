//! What the national registration form always requires (hồ sơ đăng ký hợp
//! tác xã, Decree 92/2024/NĐ-CP and its forms), checked before the gateway
//! accepts a registration or a change that it will send to the national
//! systems.
//!
//! The form of a cooperative (hợp tác xã) or a union (liên hiệp hợp tác xã)
//! carries the name, the kind, the head-office ward, the business lines
//! (VSIC), the charter capital (vốn điều lệ) and the legal representative
//! (người đại diện theo pháp luật) with full name and identity number (căn
//! cước, 12 digits, or 9 of an old card); a union also lists its member
//! cooperatives by code. The national systems accept names and addresses of
//! at most [`MAX_NATIONAL_TEXT`] characters. An application without these is
//! refused every time, so the gateway refuses it at once, as user errors
//! naming the input field. What only the national side can know (a code it
//! never issued, a final status it holds) is left to it: those refusals still
//! arrive as REJECTED.
//!
//! This is the gateway's own rule; the national-systems simulator keeps its
//! own validation, as an outside system would.

use super::messages::Msg;
use super::rules::{ProblemKind, Problems};

/// Longest name or street address the national systems take, in characters.
pub const MAX_NATIONAL_TEXT: usize = 255;

/// Which registration form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    /// A cooperative (hợp tác xã).
    Cooperative,
    /// A cooperative union (liên hiệp hợp tác xã).
    Union,
}

/// The legal representative as the form names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Representative<'a> {
    /// Full name (họ và tên).
    pub full_name: &'a str,
    /// Identity number (số định danh cá nhân), if recorded.
    pub id_number: Option<&'a str>,
}

/// A member cooperative of a union as the form lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member<'a> {
    /// Its position in the input list.
    pub at: usize,
    /// Its name, for the message.
    pub name: &'a str,
    /// Its cooperative code (mã số hợp tác xã), once issued.
    pub code: Option<&'a str>,
}

/// A registration application as the national systems would receive it:
/// the record after the local rules ran (values already normalised).
#[derive(Debug, Clone, Copy)]
pub struct Application<'a> {
    /// Cooperative or union.
    pub kind: FormKind,
    /// Name (tên).
    pub name: &'a str,
    /// Street address within the ward (địa chỉ), if any.
    pub street: Option<&'a str>,
    /// Business lines (ngành, nghề kinh doanh) of a cooperative; a union's
    /// are its members' and are not checked here.
    pub business_lines: &'a [String],
    /// Charter capital in minor units (vốn điều lệ).
    pub charter_capital: Option<i64>,
    /// The legal representative, if any.
    pub legal_representative: Option<Representative<'a>>,
    /// A union's member cooperatives (those found; `at` is their input position).
    pub members: &'a [Member<'a>],
}

/// The field of the registration input each requirement concerns.
const NAME: &[&str] = &["input", "name"];
const STREET: &[&str] = &["input", "address", "street"];
const BUSINESS_LINES: &[&str] = &["input", "businessLines"];
const CHARTER_CAPITAL: &[&str] = &["input", "charterCapital"];
const REPRESENTATIVE_NAME: &[&str] = &["input", "legalRepresentative", "fullName"];
const REPRESENTATIVE_ID: &[&str] = &["input", "legalRepresentative", "idNumber"];
const MEMBERS: &str = "memberCooperativeIds";

/// Adds to `p` every requirement of the national form that `a` misses, at
/// the input field it concerns. A field that already has a problem in `p`
/// (a local rule refused it) is not reported twice.
pub fn check(p: &mut Problems, a: &Application<'_>) {
    let refuse = |p: &mut Problems, path: &[&str], message: Msg| {
        if !p.concerns(path) {
            p.add(path, ProblemKind::Invalid, message);
        }
    };
    if a.name.trim().is_empty() {
        refuse(p, NAME, Msg::RequiredByNationalForm);
    } else if a.name.chars().count() > MAX_NATIONAL_TEXT {
        refuse(p, NAME, Msg::AtMostCharsNational { max: MAX_NATIONAL_TEXT });
    }
    if a.street.is_some_and(|s| s.chars().count() > MAX_NATIONAL_TEXT) {
        refuse(p, STREET, Msg::AtMostCharsNational { max: MAX_NATIONAL_TEXT });
    }
    if a.kind == FormKind::Cooperative && a.business_lines.is_empty() {
        refuse(p, BUSINESS_LINES, Msg::BusinessLineRequiredByNationalForm);
    }
    if a.charter_capital.is_none() {
        refuse(p, CHARTER_CAPITAL, Msg::RequiredByNationalForm);
    }
    match a.legal_representative {
        None => {
            refuse(p, REPRESENTATIVE_NAME, Msg::RequiredByNationalForm);
            refuse(p, REPRESENTATIVE_ID, Msg::RequiredByNationalForm);
        }
        Some(r) => {
            if r.full_name.trim().is_empty() {
                refuse(p, REPRESENTATIVE_NAME, Msg::RequiredByNationalForm);
            }
            if r.id_number.is_none_or(|id| id.trim().is_empty()) {
                refuse(p, REPRESENTATIVE_ID, Msg::RequiredByNationalForm);
            }
        }
    }
    if a.kind == FormKind::Union {
        for m in a.members {
            if m.code.is_none_or(str::is_empty) {
                let idx = m.at.to_string();
                refuse(p, &["input", MEMBERS, idx.as_str()], Msg::MemberWithoutCode { name: m.name.to_owned() });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines() -> Vec<String> {
        vec!["0111".to_owned()]
    }

    fn complete(kind: FormKind, lines: &[String]) -> Application<'_> {
        Application {
            kind,
            name: "Hợp tác xã Nông nghiệp Sen Vàng",
            street: Some("Xóm 3"),
            business_lines: lines,
            charter_capital: Some(150_000_000_000),
            legal_representative: Some(Representative {
                full_name: "Nguyễn Thị Hoa", id_number: Some("040190000123")
            }),
            members: &[],
        }
    }

    fn fields(p: Problems) -> Vec<String> {
        p.into_vec().into_iter().map(|x| x.field.join(".")).collect()
    }

    #[test]
    fn a_complete_application_passes() {
        let l = lines();
        let mut p = Problems::default();
        check(&mut p, &complete(FormKind::Cooperative, &l));
        assert!(p.is_empty());
        let mut p = Problems::default();
        check(&mut p, &complete(FormKind::Union, &[]));
        assert!(p.is_empty(), "a union's business lines are its members'");
    }

    #[test]
    fn charter_capital_is_required() {
        let l = lines();
        let mut p = Problems::default();
        check(&mut p, &Application { charter_capital: None, ..complete(FormKind::Cooperative, &l) });
        assert_eq!(fields(p), ["input.charterCapital"]);
        let mut p = Problems::default();
        check(&mut p, &Application { charter_capital: Some(0), ..complete(FormKind::Union, &l) });
        assert!(p.is_empty(), "zero is a charter capital");
    }

    #[test]
    fn the_legal_representatives_identity_number_is_required() {
        let l = lines();
        for id in [None, Some(""), Some("  ")] {
            let mut p = Problems::default();
            let rep = Representative { full_name: "Nguyễn Thị Hoa", id_number: id };
            check(&mut p, &Application { legal_representative: Some(rep), ..complete(FormKind::Union, &l) });
            assert_eq!(fields(p), ["input.legalRepresentative.idNumber"], "{id:?}");
        }
        let mut p = Problems::default();
        check(&mut p, &Application { legal_representative: None, ..complete(FormKind::Cooperative, &l) });
        assert_eq!(fields(p), ["input.legalRepresentative.fullName", "input.legalRepresentative.idNumber"]);
    }

    #[test]
    fn a_cooperative_needs_a_business_line() {
        let mut p = Problems::default();
        check(&mut p, &complete(FormKind::Cooperative, &[]));
        assert_eq!(fields(p), ["input.businessLines"]);
    }

    #[test]
    fn names_and_streets_fit_the_national_systems() {
        let l = lines();
        let long = "x".repeat(MAX_NATIONAL_TEXT + 1);
        let fits = "x".repeat(MAX_NATIONAL_TEXT);
        let mut p = Problems::default();
        check(&mut p, &Application { name: &fits, street: Some(&fits), ..complete(FormKind::Cooperative, &l) });
        assert!(p.is_empty());
        check(&mut p, &Application { name: &long, street: Some(&long), ..complete(FormKind::Cooperative, &l) });
        assert_eq!(fields(p), ["input.name", "input.address.street"]);
        let mut p = Problems::default();
        check(&mut p, &Application { name: " ", ..complete(FormKind::Cooperative, &l) });
        assert_eq!(fields(p), ["input.name"]);
    }

    #[test]
    fn a_union_lists_its_members_by_code() {
        let members = [
            Member { at: 0, name: "HTX A", code: Some("0100109106") },
            Member { at: 2, name: "HTX B", code: None },
            Member { at: 3, name: "HTX C", code: Some("") },
        ];
        let mut p = Problems::default();
        check(&mut p, &Application { members: &members, ..complete(FormKind::Union, &[]) });
        assert_eq!(fields(p), ["input.memberCooperativeIds.2", "input.memberCooperativeIds.3"]);
    }

    #[test]
    fn a_field_a_local_rule_refused_is_not_reported_twice() {
        let mut p = Problems::default();
        p.invalid(&["input", "legalRepresentative", "idNumber"], Msg::IdentityDigits);
        p.invalid(&["input", "businessLines", "0"], Msg::NotVsic { code: "1".into() });
        let rep = Representative { full_name: "Nguyễn Thị Hoa", id_number: None };
        check(&mut p, &Application { legal_representative: Some(rep), ..complete(FormKind::Cooperative, &[]) });
        assert_eq!(fields(p), ["input.legalRepresentative.idNumber", "input.businessLines.0"]);
    }
}
