//! The member register of a cooperative (danh sách thành viên), as pure
//! rules: who a member may be, how an identity is checked, what the
//! register counts, and when a cooperative is below the legal minimum.
//!
//! Law on Cooperatives 17/2023/QH15: members are official members
//! (thành viên chính thức) or associate members (thành viên liên kết), who
//! contribute capital (góp vốn) or do not; a member is an individual, a
//! household (hộ gia đình, represented by its head) or a legal entity
//! (pháp nhân); a cooperative has at least 5 official members.

use super::codes::TaxCode;
use super::enums::Gender;
use super::messages::Msg;
use super::rules::{self, Problems};
use chrono::NaiveDate;

stored_enum!(
    /// A member's standing in the cooperative.
    MemberType {
        /// Thành viên chính thức: votes, contributes capital.
        Official = "OFFICIAL",
        /// Thành viên liên kết góp vốn: contributes capital, does not vote.
        AssociateContributing = "ASSOCIATE_CONTRIBUTING",
        /// Thành viên liên kết không góp vốn: uses the services only.
        AssociateNonContributing = "ASSOCIATE_NON_CONTRIBUTING",
    }
);

stored_enum!(
    /// Who the member is.
    MemberKind {
        /// Cá nhân: a Vietnamese citizen (or a foreigner resident in Vietnam).
        Individual = "INDIVIDUAL",
        /// Hộ gia đình: a household, represented by its head.
        Household = "HOUSEHOLD",
        /// Pháp nhân: an enterprise or other legal entity.
        LegalEntity = "LEGAL_ENTITY",
    }
);

/// Longest member name (characters).
pub const MAX_MEMBER_NAME: usize = 300;

/// A member as entered.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MemberDraft {
    /// Who.
    pub kind: MemberKind,
    /// Standing.
    pub member_type: MemberType,
    /// Full name, or the legal entity's registered name.
    pub name: String,
    /// Gender (individuals, a household's head).
    pub gender: Option<Gender>,
    /// CCCD of an individual or a household's head; tax code of a legal entity.
    pub id_number: Option<String>,
    /// Capital contributed, in hundredths of a đồng.
    pub capital_contribution: Option<i64>,
    /// When membership began.
    pub joined_on: NaiveDate,
}

/// A member checked and normalised (name NFC, identity digits only).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MemberRecord {
    /// Who.
    pub kind: MemberKind,
    /// Standing.
    pub member_type: MemberType,
    /// Name, NFC.
    pub name: String,
    /// Gender.
    pub gender: Option<Gender>,
    /// Identity or enterprise code.
    pub id_number: Option<String>,
    /// Capital contributed, hundredths of a đồng.
    pub capital_contribution: Option<i64>,
    /// When membership began.
    pub joined_on: NaiveDate,
}

/// Checks a citizen identity number (căn cước, 12 digits): its first three
/// digits are the code of the province where the birth was registered
/// (0 and a 2-digit province code), which
/// `is_province` judges against the gazetteer's provinces (before or after
/// 2025); the fourth is the century-and-gender digit.
pub fn cccd(id: &str, is_province: impl Fn(&str) -> bool) -> Result<(), Msg> {
    if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Msg::CitizenIdDigits);
    }
    let (prefix, code) = (&id[..1], &id[1..3]);
    if prefix != "0" || !is_province(code) {
        return Err(Msg::CitizenIdProvince { got: id[..3].to_owned() });
    }
    Ok(())
}

/// Checks a member: its name, its identity (CCCD for an individual or a
/// household's head, the tax code with its check digit for a legal
/// entity; a branch's code is not an entity's own), a gender only for
/// persons, and a capital contribution only for members who contribute.
pub fn member(
    p: &mut Problems,
    path: &[&str],
    d: &MemberDraft,
    today: NaiveDate,
    is_province: impl Fn(&str) -> bool,
) -> MemberRecord {
    let at = |f: &'static str| -> Vec<&str> {
        let mut v = path.to_vec();
        v.push(f);
        v
    };
    let name = rules::name(p, &at("name"), &d.name, MAX_MEMBER_NAME);
    let id_number = d.id_number.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    match (d.kind, &id_number) {
        (MemberKind::LegalEntity, None) => p.invalid(&at("idNumber"), Msg::LegalEntityNeedsCode),
        (MemberKind::LegalEntity, Some(code)) => {
            if let Err(e) = TaxCode::parse_own(code) {
                p.invalid(&at("idNumber"), Msg::LegalEntityCode { reason: Box::new(Msg::from(&e)) });
            }
        }
        (MemberKind::Individual | MemberKind::Household, Some(id)) => {
            if let Err(e) = cccd(id, &is_province) {
                p.invalid(&at("idNumber"), e);
            }
        }
        (MemberKind::Individual | MemberKind::Household, None) => {}
    }
    if d.kind == MemberKind::LegalEntity && d.gender.is_some() {
        p.invalid(&at("gender"), Msg::LegalEntityNoGender);
    }
    match (d.member_type, d.capital_contribution) {
        (_, Some(c)) if c < 0 => p.invalid(&at("capitalContribution"), Msg::NotNegative),
        (MemberType::AssociateNonContributing, Some(c)) if c > 0 => {
            p.invalid(&at("capitalContribution"), Msg::AssociateNoCapital)
        }
        (MemberType::AssociateContributing, None | Some(0)) => {
            p.invalid(&at("capitalContribution"), Msg::AssociateNeedsCapital)
        }
        _ => {}
    }
    rules::not_future(p, &at("joinedOn"), d.joined_on, today);
    MemberRecord {
        kind: d.kind,
        member_type: d.member_type,
        name,
        gender: d.gender,
        id_number,
        capital_contribution: d.capital_contribution,
        joined_on: d.joined_on,
    }
}

/// Whether a register entry is a current member on `day`: joined by then
/// and not left by then.
pub fn is_current(joined_on: NaiveDate, left_on: Option<NaiveDate>, day: NaiveDate) -> bool {
    joined_on <= day && left_on.is_none_or(|l| l > day)
}

/// What a register counts: official members, and associate members
/// (contributing or not), of the members current on `day`. Once a register
/// holds any entry these are the cooperative's `officialMembers` and
/// `associateMembers`; before that, the figures it declared.
pub fn counts<'a>(
    entries: impl IntoIterator<Item = (MemberType, NaiveDate, Option<NaiveDate>)> + 'a,
    day: NaiveDate,
) -> (i32, i32) {
    entries.into_iter().filter(|(_, joined, left)| is_current(*joined, *left, day)).fold(
        (0, 0),
        |(official, associate), (t, _, _)| match t {
            MemberType::Official => (official + 1, associate),
            MemberType::AssociateContributing | MemberType::AssociateNonContributing => (official, associate + 1),
        },
    )
}

/// Since when a cooperative is below the legal minimum of official
/// members (Law on Cooperatives 2023, art. 4 cl. 7: at least 5), after a change
/// that leaves it with `official` official members on `on`: the earlier
/// date is kept while it stays below, a new one starts when it falls
/// below, and the flag clears when it is back at 5 or more.
pub fn below_minimum_since(previous: Option<NaiveDate>, official: i32, on: NaiveDate) -> Option<NaiveDate> {
    if official >= rules::MIN_COOPERATIVE_MEMBERS {
        None
    } else {
        Some(previous.map_or(on, |p| p.min(on)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    fn province(code: &str) -> bool {
        matches!(code, "01" | "40" | "58" | "79")
    }

    fn draft(kind: MemberKind, t: MemberType, id: Option<&str>, capital: Option<i64>) -> MemberDraft {
        MemberDraft {
            kind,
            member_type: t,
            name: "Nguyễn Văn Bình".into(),
            gender: None,
            id_number: id.map(Into::into),
            capital_contribution: capital,
            joined_on: d(2025, 1, 1),
        }
    }

    fn problems(dr: &MemberDraft) -> Vec<String> {
        let mut p = Problems::default();
        member(&mut p, &["input"], dr, d(2026, 6, 1), province);
        p.into_vec().into_iter().map(|x| x.field.join(".")).collect()
    }

    #[test]
    fn identity_numbers_are_checked_by_kind() {
        use MemberKind::*;
        use MemberType::*;
        assert!(problems(&draft(Individual, Official, Some("040090000123"), Some(100))).is_empty());
        assert_eq!(problems(&draft(Individual, Official, Some("04009000012"), None)), ["input.idNumber"]);
        assert_eq!(problems(&draft(Individual, Official, Some("140090000123"), None)), ["input.idNumber"]);
        assert_eq!(
            problems(&draft(Household, Official, Some("099090000123"), None)),
            ["input.idNumber"],
            "no province 99"
        );
        assert!(problems(&draft(LegalEntity, Official, Some("0100109106"), Some(1))).is_empty());
        assert_eq!(problems(&draft(LegalEntity, Official, Some("0100109107"), None)), ["input.idNumber"]);
        assert_eq!(problems(&draft(LegalEntity, Official, Some("0100109106-001"), None)), ["input.idNumber"]);
        assert_eq!(problems(&draft(LegalEntity, Official, None, None)), ["input.idNumber"]);
        let mut with_gender = draft(LegalEntity, Official, Some("0100109106"), None);
        with_gender.gender = Some(Gender::Female);
        assert_eq!(problems(&with_gender), ["input.gender"]);
    }

    #[test]
    fn capital_follows_the_members_type() {
        use MemberKind::*;
        use MemberType::*;
        assert_eq!(
            problems(&draft(Individual, AssociateNonContributing, None, Some(5))),
            ["input.capitalContribution"]
        );
        assert_eq!(problems(&draft(Individual, AssociateContributing, None, None)), ["input.capitalContribution"]);
        assert_eq!(problems(&draft(Individual, Official, None, Some(-1))), ["input.capitalContribution"]);
        assert!(problems(&draft(Individual, AssociateNonContributing, None, None)).is_empty());
    }

    #[test]
    fn the_register_counts_current_members() {
        use MemberType::*;
        let day = d(2026, 6, 1);
        let entries = [
            (Official, d(2020, 1, 1), None),
            (Official, d(2020, 1, 1), Some(d(2026, 5, 1))),
            (Official, d(2026, 7, 1), None),
            (AssociateContributing, d(2021, 1, 1), None),
            (AssociateNonContributing, d(2021, 1, 1), Some(d(2026, 6, 2))),
        ];
        assert_eq!(counts(entries, day), (1, 2));
    }

    #[test]
    fn below_the_minimum_keeps_its_first_date_and_clears_at_five() {
        assert_eq!(below_minimum_since(None, 4, d(2026, 3, 1)), Some(d(2026, 3, 1)));
        assert_eq!(below_minimum_since(Some(d(2026, 3, 1)), 3, d(2026, 4, 1)), Some(d(2026, 3, 1)));
        assert_eq!(below_minimum_since(Some(d(2026, 3, 1)), 5, d(2026, 4, 1)), None);
        assert_eq!(below_minimum_since(None, 5, d(2026, 4, 1)), None);
    }
}
