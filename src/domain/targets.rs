//! Targets (chỉ tiêu) and their progress, as pure functions: what a valid
//! target is, and how far the registry's organisations are from it.

use super::enums::{Rating, Sector};
use super::rules::{ProblemKind, Problems};

stored_enum!(
    /// What a target measures.
    Indicator {
        CooperativeCount = "COOPERATIVE_COUNT",
        CooperativeMembers = "COOPERATIVE_MEMBERS",
        UnionCount = "UNION_COUNT",
        UnionMemberCooperatives = "UNION_MEMBER_COOPERATIVES",
        GroupCount = "GROUP_COUNT",
        GroupMembers = "GROUP_MEMBERS",
        NewGroupsPerYear = "NEW_GROUPS_PER_YEAR",
        EffectiveShare = "EFFECTIVE_SHARE",
        WeakCooperativeCount = "WEAK_COOPERATIVE_COUNT",
        ValueChainShare = "VALUE_CHAIN_SHARE",
        HighTechCooperativeCount = "HIGH_TECH_COOPERATIVE_COUNT",
        HighTechGroupCount = "HIGH_TECH_GROUP_COUNT",
        HighTechCooperativeShare = "HIGH_TECH_COOPERATIVE_SHARE",
        AgricultureCooperativeShare = "AGRICULTURE_COOPERATIVE_SHARE",
        AverageMemberIncome = "AVERAGE_MEMBER_INCOME",
        AverageMembersPerCooperative = "AVERAGE_MEMBERS_PER_COOPERATIVE",
        FemaleDirectorShare = "FEMALE_DIRECTOR_SHARE",
        Top100Count = "TOP_100_COUNT",
        PopulationParticipationShare = "POPULATION_PARTICIPATION_SHARE",
        FarmHouseholdParticipationShare = "FARM_HOUSEHOLD_PARTICIPATION_SHARE",
    }
);

stored_enum!(
    /// How the actual figure is compared with the target.
    Comparator {
        /// Equal.
        Exactly = "EXACTLY",
        /// Within ±10% of the value ("khoảng").
        About = "ABOUT",
        /// At least ("ít nhất", "tối thiểu").
        AtLeast = "AT_LEAST",
        /// Strictly more ("trên").
        MoreThan = "MORE_THAN",
        /// At most ("không quá"; "không còn" = at most 0).
        AtMost = "AT_MOST",
        /// Between min and max inclusive.
        Between = "BETWEEN",
    }
);

stored_enum!(
    /// Unit of a target's figures.
    TargetUnit {
        /// A number of organisations or people.
        Count = "COUNT",
        /// A percentage, 0–100.
        Percent = "PERCENT",
        /// Đồng per member per month.
        VndPerMonth = "VND_PER_MONTH",
    }
);

stored_enum!(
    /// Which organisations a target counts.
    OrganizationScope {
        /// Cooperatives, unions and groups.
        AllCollective = "ALL_COLLECTIVE",
        /// Cooperatives.
        Cooperatives = "COOPERATIVES",
        /// Cooperative unions.
        Unions = "UNIONS",
        /// Cooperative groups.
        Groups = "GROUPS",
        /// Agricultural cooperatives.
        AgricultureCooperatives = "AGRICULTURE_COOPERATIVES",
    }
);

/// Where a progress figure comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressSource {
    /// Computed from the registry.
    Computed,
    /// Reported by an officer (outside figures).
    Reported,
    /// Not known.
    Unavailable,
}

/// Kinds of organisation in the facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgKindFact {
    /// Hợp tác xã.
    Cooperative,
    /// Liên hiệp hợp tác xã.
    Union,
    /// Tổ hợp tác.
    Group,
}

/// What the registry knows of one organisation in a jurisdiction.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgFact {
    /// Kind.
    pub kind: OrgKindFact,
    /// ACTIVE or SUSPENDED (cooperatives, unions); ACTIVE (groups).
    pub active: bool,
    /// Sector.
    pub sector: Sector,
    /// Rating of the latest annual report.
    pub rating: Option<Rating>,
    /// Applies high technology.
    pub high_tech: bool,
    /// Linked in a value chain.
    pub value_chain: bool,
    /// Official + associate members (groups: members).
    pub members: i64,
    /// The director (unions: legal representative) is female; `None` if unknown.
    pub female_director: Option<bool>,
    /// Average member income (đồng per month) of the latest report and that
    /// report's members, for the member-weighted mean.
    pub latest_income: Option<(f64, i64)>,
    /// Year established (groups).
    pub established_year: Option<i32>,
    /// Member cooperatives (unions).
    pub member_cooperatives: i64,
}

/// Which indicators are figures from outside the registry.
pub fn is_reported(i: Indicator) -> bool {
    matches!(
        i,
        Indicator::Top100Count | Indicator::PopulationParticipationShare | Indicator::FarmHouseholdParticipationShare
    )
}

/// Share indicators, which may be measured "within" another share.
pub fn is_share(i: Indicator) -> bool {
    matches!(
        i,
        Indicator::EffectiveShare
            | Indicator::ValueChainShare
            | Indicator::HighTechCooperativeShare
            | Indicator::AgricultureCooperativeShare
            | Indicator::FemaleDirectorShare
    )
}

/// The unit an indicator is measured in.
pub fn unit_of(i: Indicator) -> TargetUnit {
    match i {
        Indicator::AverageMemberIncome => TargetUnit::VndPerMonth,
        i if is_share(i)
            || matches!(i, Indicator::PopulationParticipationShare | Indicator::FarmHouseholdParticipationShare) =>
        {
            TargetUnit::Percent
        }
        _ => TargetUnit::Count,
    }
}

/// The scope an indicator takes when none is given.
pub fn default_scope(i: Indicator) -> OrganizationScope {
    use Indicator::*;
    match i {
        CooperativeCount
        | CooperativeMembers
        | WeakCooperativeCount
        | HighTechCooperativeCount
        | HighTechCooperativeShare
        | AverageMemberIncome
        | AverageMembersPerCooperative
        | Top100Count => OrganizationScope::Cooperatives,
        UnionCount | UnionMemberCooperatives => OrganizationScope::Unions,
        GroupCount | GroupMembers | NewGroupsPerYear | HighTechGroupCount => OrganizationScope::Groups,
        AgricultureCooperativeShare => OrganizationScope::Cooperatives,
        _ => OrganizationScope::AllCollective,
    }
}

/// A target's figure as a client states it.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// How to compare.
    pub comparator: Comparator,
    /// The value (all but BETWEEN).
    pub value: Option<f64>,
    /// Lower bound (BETWEEN).
    pub min: Option<f64>,
    /// Upper bound (BETWEEN).
    pub max: Option<f64>,
}

/// What a target states, apart from where it applies.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetSpec {
    /// What is measured.
    pub indicator: Indicator,
    /// Which organisations count.
    pub scope: OrganizationScope,
    /// "…of which": the share's denominator.
    pub within: Option<Indicator>,
    /// Unit of the figures.
    pub unit: TargetUnit,
    /// The figure.
    pub figure: Figure,
    /// Horizon year.
    pub year: i32,
}

/// Checks a target's indicator, scope, within-indicator, unit and figure;
/// problems are reported under `path` (e.g. `["input"]` or `["targets", "3"]`).
pub fn check(p: &mut Problems, path: &[&str], spec: &TargetSpec) {
    let TargetSpec { indicator, scope, within, unit, figure: f, year } = spec;
    let (indicator, scope, within, unit, year) = (*indicator, *scope, *within, *unit, *year);
    let at = |field: &'static str| -> Vec<&str> {
        let mut v = path.to_vec();
        v.push(field);
        v
    };
    if !(2000..=2100).contains(&year) {
        p.invalid(&at("year"), "must be a year between 2000 and 2100");
    }
    if unit != unit_of(indicator) {
        p.invalid(&at("unit"), format!("{indicator} is measured in {}", unit_of(indicator)));
    }
    if let Some(w) = within {
        if !is_share(indicator) || !is_share(w) || w == indicator {
            p.invalid(&at("withinIndicator"), "only a share can be measured within another share");
        }
    }
    let kinds_ok = match indicator {
        Indicator::CooperativeCount
        | Indicator::CooperativeMembers
        | Indicator::WeakCooperativeCount
        | Indicator::HighTechCooperativeCount
        | Indicator::HighTechCooperativeShare
        | Indicator::AverageMembersPerCooperative => {
            matches!(scope, OrganizationScope::Cooperatives | OrganizationScope::AgricultureCooperatives)
        }
        Indicator::UnionCount | Indicator::UnionMemberCooperatives => scope == OrganizationScope::Unions,
        Indicator::GroupCount
        | Indicator::GroupMembers
        | Indicator::NewGroupsPerYear
        | Indicator::HighTechGroupCount => scope == OrganizationScope::Groups,
        Indicator::FemaleDirectorShare => scope != OrganizationScope::Groups,
        _ => true,
    };
    if !kinds_ok {
        p.invalid(&at("scope"), format!("{indicator} does not apply to {scope}"));
    }
    let check_number = |p: &mut Problems, field: &'static str, v: f64| {
        if !v.is_finite() {
            p.invalid(&at(field), "must be a number");
        } else if v < 0.0 {
            p.invalid(&at(field), "must not be negative");
        } else if unit == TargetUnit::Percent && v > 100.0 {
            p.invalid(&at(field), "a percentage is at most 100");
        } else if unit == TargetUnit::Count && v.fract() != 0.0 {
            p.invalid(&at(field), "a count is a whole number");
        }
    };
    match f.comparator {
        Comparator::Between => {
            if f.value.is_some() {
                p.invalid(&at("value"), "BETWEEN takes min and max, not value");
            }
            match (f.min, f.max) {
                (Some(lo), Some(hi)) => {
                    check_number(p, "min", lo);
                    check_number(p, "max", hi);
                    if lo > hi {
                        p.invalid(&at("min"), "must not be greater than max");
                    }
                }
                _ => {
                    if f.min.is_none() {
                        p.invalid(&at("min"), "BETWEEN needs min");
                    }
                    if f.max.is_none() {
                        p.invalid(&at("max"), "BETWEEN needs max");
                    }
                }
            }
        }
        c => {
            if f.min.is_some() {
                p.invalid(&at("min"), format!("{c} takes value, not min"));
            }
            if f.max.is_some() {
                p.invalid(&at("max"), format!("{c} takes value, not max"));
            }
            match f.value {
                Some(v) => check_number(p, "value", v),
                None => p.add(&at("value"), ProblemKind::Invalid, format!("{c} needs value")),
            }
        }
    }
}

/// Whether `actual` meets the figure. ABOUT means within ±10% of `value`.
pub fn attained(f: &Figure, actual: f64) -> Option<bool> {
    const EPS: f64 = 1e-9;
    Some(match f.comparator {
        Comparator::Exactly => (actual - f.value?).abs() < EPS,
        Comparator::About => (actual - f.value?).abs() <= f.value?.abs() * 0.10 + EPS,
        Comparator::AtLeast => actual >= f.value? - EPS,
        Comparator::MoreThan => actual > f.value? + EPS,
        Comparator::AtMost => actual <= f.value? + EPS,
        Comparator::Between => actual >= f.min? - EPS && actual <= f.max? + EPS,
    })
}

fn in_scope(o: &OrgFact, scope: OrganizationScope) -> bool {
    match scope {
        OrganizationScope::AllCollective => true,
        OrganizationScope::Cooperatives => o.kind == OrgKindFact::Cooperative,
        OrganizationScope::Unions => o.kind == OrgKindFact::Union,
        OrganizationScope::Groups => o.kind == OrgKindFact::Group,
        OrganizationScope::AgricultureCooperatives => {
            o.kind == OrgKindFact::Cooperative && o.sector == Sector::Agriculture
        }
    }
}

/// Whether an organisation has the property a share indicator measures;
/// `None` when it cannot be judged (no rating, unknown director).
fn has(o: &OrgFact, i: Indicator) -> Option<bool> {
    match i {
        Indicator::EffectiveShare => o.rating.map(|r| matches!(r, Rating::Good | Rating::Fair)),
        Indicator::ValueChainShare => Some(o.value_chain),
        Indicator::HighTechCooperativeShare => Some(o.high_tech),
        Indicator::AgricultureCooperativeShare => Some(o.sector == Sector::Agriculture),
        Indicator::FemaleDirectorShare => Some(o.female_director.unwrap_or(false)),
        _ => None,
    }
}

fn share(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

/// The registry's figure for an indicator over the organisations of a
/// jurisdiction; `None` when it cannot be computed (a share of nothing, an
/// outside figure). `this_year` is the calendar year NEW_GROUPS_PER_YEAR counts.
pub fn compute(
    indicator: Indicator,
    scope: OrganizationScope,
    within: Option<Indicator>,
    facts: &[OrgFact],
    this_year: i32,
) -> Option<f64> {
    use Indicator::*;
    let active: Vec<&OrgFact> = facts.iter().filter(|o| o.active && in_scope(o, scope)).collect();
    let of = |k: OrgKindFact| active.iter().copied().filter(move |o| o.kind == k);
    let count = |it: &mut dyn Iterator<Item = &OrgFact>| it.count() as f64;
    Some(match indicator {
        CooperativeCount => count(&mut of(OrgKindFact::Cooperative)),
        UnionCount => count(&mut of(OrgKindFact::Union)),
        GroupCount => count(&mut of(OrgKindFact::Group)),
        CooperativeMembers => of(OrgKindFact::Cooperative).map(|o| o.members).sum::<i64>() as f64,
        GroupMembers => of(OrgKindFact::Group).map(|o| o.members).sum::<i64>() as f64,
        UnionMemberCooperatives => of(OrgKindFact::Union).map(|o| o.member_cooperatives).sum::<i64>() as f64,
        NewGroupsPerYear => facts
            .iter()
            .filter(|o| o.kind == OrgKindFact::Group && in_scope(o, scope) && o.established_year == Some(this_year))
            .count() as f64,
        WeakCooperativeCount => count(&mut of(OrgKindFact::Cooperative).filter(|o| o.rating == Some(Rating::Weak))),
        HighTechCooperativeCount => count(&mut of(OrgKindFact::Cooperative).filter(|o| o.high_tech)),
        HighTechGroupCount => count(&mut of(OrgKindFact::Group).filter(|o| o.high_tech)),
        AverageMembersPerCooperative => {
            let coops: Vec<&OrgFact> = of(OrgKindFact::Cooperative).collect();
            if coops.is_empty() {
                return None;
            }
            coops.iter().map(|o| o.members).sum::<i64>() as f64 / coops.len() as f64
        }
        AverageMemberIncome => {
            let (sum, weight) = active
                .iter()
                .filter_map(|o| o.latest_income)
                .fold((0.0, 0i64), |(s, w), (income, members)| (s + income * members as f64, w + members));
            if weight == 0 {
                return None;
            }
            sum / weight as f64
        }
        FemaleDirectorShare
        | EffectiveShare
        | ValueChainShare
        | HighTechCooperativeShare
        | AgricultureCooperativeShare => {
            let base: Vec<&OrgFact> = active
                .iter()
                .copied()
                .filter(|o| indicator != FemaleDirectorShare || o.kind != OrgKindFact::Group)
                .filter(|o| within.is_none_or(|w| has(o, w) == Some(true)))
                .collect();
            let judged: Vec<bool> = base.iter().filter_map(|o| has(o, indicator)).collect();
            share(judged.iter().filter(|b| **b).count(), judged.len())?
        }
        Top100Count | PopulationParticipationShare | FarmHouseholdParticipationShare => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(kind: OrgKindFact) -> OrgFact {
        OrgFact {
            kind,
            active: true,
            sector: Sector::Agriculture,
            rating: None,
            high_tech: false,
            value_chain: false,
            members: 10,
            female_director: Some(false),
            latest_income: None,
            established_year: Some(2020),
            member_cooperatives: 0,
        }
    }

    fn fig(c: Comparator, v: f64) -> Figure {
        Figure { comparator: c, value: Some(v), min: None, max: None }
    }

    #[test]
    fn comparators() {
        assert_eq!(attained(&fig(Comparator::Exactly, 5.0), 5.0), Some(true));
        assert_eq!(attained(&fig(Comparator::Exactly, 5.0), 6.0), Some(false));
        assert_eq!(attained(&fig(Comparator::About, 100.0), 110.0), Some(true));
        assert_eq!(attained(&fig(Comparator::About, 100.0), 89.0), Some(false));
        assert_eq!(attained(&fig(Comparator::AtLeast, 60.0), 60.0), Some(true));
        assert_eq!(attained(&fig(Comparator::MoreThan, 60.0), 60.0), Some(false));
        assert_eq!(attained(&fig(Comparator::AtMost, 0.0), 0.0), Some(true));
        let between = Figure { comparator: Comparator::Between, value: None, min: Some(1.0), max: Some(3.0) };
        assert_eq!(attained(&between, 3.0), Some(true));
        assert_eq!(attained(&between, 3.5), Some(false));
    }

    #[test]
    fn shares_within_another_share_use_its_organisations_as_denominator() {
        let mut a = fact(OrgKindFact::Cooperative);
        a.rating = Some(Rating::Good);
        a.value_chain = true;
        let mut b = fact(OrgKindFact::Cooperative);
        b.rating = Some(Rating::Fair);
        let mut c = fact(OrgKindFact::Cooperative);
        c.rating = Some(Rating::Weak);
        c.value_chain = true;
        let d = fact(OrgKindFact::Cooperative);
        let facts = [a, b, c, d];
        let s = OrganizationScope::Cooperatives;
        // Effective: of the three rated, two are good or fair.
        assert_eq!(
            compute(Indicator::EffectiveShare, s, None, &facts, 2026).map(|x| (x * 100.0).round()),
            Some(6667.0)
        );
        // Value chain: two of four.
        assert_eq!(compute(Indicator::ValueChainShare, s, None, &facts, 2026), Some(50.0));
        // Value chain within effective: one of the two effective ones.
        assert_eq!(compute(Indicator::ValueChainShare, s, Some(Indicator::EffectiveShare), &facts, 2026), Some(50.0));
        assert_eq!(compute(Indicator::WeakCooperativeCount, s, None, &facts, 2026), Some(1.0));
        assert_eq!(compute(Indicator::EffectiveShare, s, None, &[], 2026), None, "a share of nothing is unknown");
    }

    #[test]
    fn validation_of_figures() {
        let mut p = Problems::default();
        let spec =
            |indicator, scope, within, unit, figure, year| TargetSpec { indicator, scope, within, unit, figure, year };
        let f = Figure { comparator: Comparator::Between, value: Some(1.0), min: Some(5.0), max: Some(3.0) };
        check(
            &mut p,
            &["input"],
            &spec(Indicator::GroupCount, OrganizationScope::Groups, None, TargetUnit::Count, f, 2030),
        );
        let fields: Vec<String> = p.into_vec().into_iter().map(|x| x.field.join(".")).collect();
        assert_eq!(fields, ["input.value", "input.min"]);
        let mut p = Problems::default();
        check(
            &mut p,
            &["t"],
            &spec(
                Indicator::EffectiveShare,
                OrganizationScope::AllCollective,
                None,
                TargetUnit::Percent,
                fig(Comparator::AtLeast, 101.0),
                2030,
            ),
        );
        check(
            &mut p,
            &["u"],
            &spec(
                Indicator::CooperativeCount,
                OrganizationScope::Groups,
                None,
                TargetUnit::Count,
                fig(Comparator::Exactly, 1.5),
                2030,
            ),
        );
        check(
            &mut p,
            &["v"],
            &spec(
                Indicator::GroupCount,
                OrganizationScope::Groups,
                Some(Indicator::EffectiveShare),
                TargetUnit::Percent,
                fig(Comparator::Exactly, 1.0),
                1999,
            ),
        );
        let fields: Vec<String> = p.into_vec().into_iter().map(|x| x.field.join(".")).collect();
        assert_eq!(fields, ["t.value", "u.scope", "u.value", "v.year", "v.unit", "v.withinIndicator"]);
    }
}
