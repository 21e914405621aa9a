//! Counted facts: organisations grouped by what their facts say, so that a
//! territory's facts are a few counters instead of one row per
//! organisation (see `service::aggregates`).
//!
//! An [`OrgFact`] splits into its *key* — every field that is compared, not
//! summed (kind, operating, sector, rating, high technology, value chain,
//! director, year established, whether it reported an income) — and its
//! [`FactSums`] — the fields that only ever add up (members, member
//! cooperatives, the member-weighted income). Organisations with the same
//! key are counted together; adding and subtracting sums is exact (whole
//! numbers), so counters kept by increments equal a recount.
//!
//! A field added to [`OrgFact`] goes in [`key`] and [`decode`] (or, if it
//! is only summed, in [`FactSums`], and in `targets::compute_counted`).

use super::enums::{Rating, Sector};
use super::targets::{OrgFact, OrgKindFact};

/// What the organisations of one key add up to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FactSums {
    /// How many organisations.
    pub n: i64,
    /// Their members (official + associate; groups: members).
    pub members: i64,
    /// Their member cooperatives (unions).
    pub member_cooperatives: i64,
    /// Σ latest average member income (hundredths of a đồng) × that report's members.
    pub income_weight: i64,
    /// Σ that report's members.
    pub income_members: i64,
}

impl FactSums {
    /// The sums of one organisation.
    pub fn of(o: &OrgFact) -> Self {
        let (income_weight, income_members) = match o.latest_income {
            Some((income, m)) => ((income * 100.0).round() as i64 * m, m),
            None => (0, 0),
        };
        FactSums { n: 1, members: o.members, member_cooperatives: o.member_cooperatives, income_weight, income_members }
    }

    /// Adds `other` (`sign` 1) or takes it away (`sign` -1).
    pub fn add(&mut self, other: &FactSums, sign: i64) {
        self.n += sign * other.n;
        self.members += sign * other.members;
        self.member_cooperatives += sign * other.member_cooperatives;
        self.income_weight += sign * other.income_weight;
        self.income_members += sign * other.income_members;
    }

    /// Nothing counted.
    pub fn is_zero(&self) -> bool {
        *self == FactSums::default()
    }
}

fn flag(b: bool) -> &'static str {
    if b {
        "1"
    } else {
        "0"
    }
}

/// The key of an organisation's facts (at most ~60 characters).
pub fn key(o: &OrgFact) -> String {
    let kind = match o.kind {
        OrgKindFact::Cooperative => "c",
        OrgKindFact::Union => "u",
        OrgKindFact::Group => "g",
    };
    let director = match o.female_director {
        Some(true) => "F",
        Some(false) => "M",
        None => "-",
    };
    format!(
        "{kind}|{}|{}|{}|{}|{}|{director}|{}|{}",
        flag(o.active),
        o.sector.as_str(),
        o.rating.map_or("-", |r| r.as_str()),
        flag(o.high_tech),
        flag(o.value_chain),
        o.established_year.map_or("-".to_owned(), |y| y.to_string()),
        flag(o.latest_income.is_some()),
    )
}

/// One organisation with the facts of `key` and no sums (the facts a counter's
/// organisations share, read with its `FactSums`). `None` for a key [`key`] cannot have made.
pub fn decode(key: &str) -> Option<OrgFact> {
    let p: Vec<&str> = key.split('|').collect();
    let [kind, active, sector, rating, high_tech, value_chain, director, year, income] = p.as_slice() else {
        return None;
    };
    let bit = |s: &str| match s {
        "1" => Some(true),
        "0" => Some(false),
        _ => None,
    };
    Some(OrgFact {
        kind: match *kind {
            "c" => OrgKindFact::Cooperative,
            "u" => OrgKindFact::Union,
            "g" => OrgKindFact::Group,
            _ => return None,
        },
        active: bit(active)?,
        sector: Sector::parse(sector)?,
        rating: match *rating {
            "-" => None,
            r => Some(Rating::parse(r)?),
        },
        high_tech: bit(high_tech)?,
        value_chain: bit(value_chain)?,
        members: 0,
        female_director: match *director {
            "F" => Some(true),
            "M" => Some(false),
            "-" => None,
            _ => return None,
        },
        latest_income: bit(income)?.then_some((0.0, 0)),
        established_year: match *year {
            "-" => None,
            y => Some(y.parse().ok()?),
        },
        member_cooperatives: 0,
    })
}

/// A territory's counters with their keys decoded: the facts each key
/// stands for (no sums: [`decode`]'s) and the sums of its organisations, as
/// [`super::targets::compute_counted`] takes them.
pub type CountedFacts = Vec<(OrgFact, FactSums)>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::targets::{compute, compute_counted, Indicator, OrganizationScope};

    fn fact(members: i64, income: Option<(f64, i64)>, rating: Option<Rating>) -> OrgFact {
        OrgFact {
            kind: OrgKindFact::Cooperative,
            active: true,
            sector: Sector::Agriculture,
            rating,
            high_tech: true,
            value_chain: false,
            members,
            female_director: Some(true),
            latest_income: income,
            established_year: None,
            member_cooperatives: 0,
        }
    }

    #[test]
    fn a_key_decodes_to_the_facts_it_was_made_of() {
        let o = fact(0, None, Some(Rating::Good));
        assert_eq!(decode(&key(&o)), Some(o));
        let g = OrgFact {
            kind: OrgKindFact::Group,
            established_year: Some(2026),
            female_director: None,
            ..fact(0, None, None)
        };
        assert_eq!(decode(&key(&g)), Some(g));
        assert_eq!(decode("x|1"), None);
    }

    #[test]
    fn counted_facts_compute_what_the_organisations_facts_compute() {
        let orgs = [
            fact(10, Some((6_000_000.0, 12)), Some(Rating::Good)),
            fact(20, Some((3_000_000.5, 20)), Some(Rating::Good)),
            fact(7, None, Some(Rating::Good)),
        ];
        let mut counted: std::collections::BTreeMap<String, FactSums> = Default::default();
        for o in &orgs {
            counted.entry(key(o)).or_default().add(&FactSums::of(o), 1);
        }
        let decoded: CountedFacts = counted.iter().map(|(k, s)| (decode(k).expect("key"), *s)).collect();
        assert_eq!(decoded.len(), 2, "two of the three organisations share a key");
        let s = OrganizationScope::Cooperatives;
        for i in [
            Indicator::CooperativeCount,
            Indicator::CooperativeMembers,
            Indicator::AverageMembersPerCooperative,
            Indicator::AverageMemberIncome,
            Indicator::FemaleDirectorShare,
            Indicator::EffectiveShare,
        ] {
            let b = compute_counted(i, s, None, decoded.iter().map(|(o, s)| (o, *s)), 2026);
            let a = compute(i, s, None, &orgs, 2026);
            assert!(
                a.zip(b).is_some_and(|(a, b)| (a - b).abs() <= a.abs() * 1e-12),
                "{i}: {a:?} from the organisations, {b:?} from the counters"
            );
        }
        // Taking an organisation away restores the counters exactly.
        let mut c = counted.clone();
        let extra = fact(5, Some((1.0, 5)), None);
        c.entry(key(&extra)).or_default().add(&FactSums::of(&extra), 1);
        c.entry(key(&extra)).or_default().add(&FactSums::of(&extra), -1);
        c.retain(|_, s| !s.is_zero());
        assert_eq!(c, counted);
    }
}
