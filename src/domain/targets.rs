//! Targets (chỉ tiêu) and their progress, as pure functions: what a valid
//! target is, and how far the registry's organisations are from it.
//!
//! Reading the plans: "phấn đấu N", "đạt N" and a bare figure in a plan's
//! list of objectives (mục tiêu) are floors, so `AT_LEAST`; `EXACTLY` is for
//! a figure that must not be exceeded either, which none of the five plans
//! sets. Figures are compared with the tolerance of [`tolerance`]: shares to
//! one decimal place of a percentage point, averages to the precision they
//! are published in, counts exactly. What the facts hold, and which of an
//! organisation's records wins when they disagree, is stated on [`OrgFact`]
//! and [`counted_flag`].

use super::enums::{Rating, Sector};
use super::fact_counts::FactSums;
use super::messages::Msg;
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
        /// Equal, within [`tolerance`]: a figure that must be neither
        /// missed nor exceeded (no plan's "phấn đấu N" is one).
        Exactly = "EXACTLY",
        /// Within ±10% of the value ("khoảng").
        About = "ABOUT",
        /// At least ("ít nhất", "tối thiểu", "từ … trở lên", and the floors
        /// "phấn đấu N", "đạt N").
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
    /// Applies high technology, as [`counted_flag`] reads the latest report
    /// and the record.
    pub high_tech: bool,
    /// Linked in a value chain, as [`counted_flag`] reads the latest report
    /// and the record.
    pub value_chain: bool,
    /// Official + associate members (groups: members).
    pub members: i64,
    /// The director (giám đốc) is female: cooperatives' and unions'
    /// directors; `None` when no director or no gender is recorded (a group
    /// has a representative, not a director).
    pub female_director: Option<bool>,
    /// Average member income (đồng per month) of the latest report and that
    /// report's members, for the member-weighted mean.
    pub latest_income: Option<(f64, i64)>,
    /// Year established (groups).
    pub established_year: Option<i32>,
    /// Member cooperatives (unions).
    pub member_cooperatives: i64,
}

/// The precedence rule for a yes/no fact (high technology, value-chain
/// link) that both an organisation's record and its annual reports state:
/// the latest annual report (the highest year reported; a correction of that
/// year replaces it) wins, whatever the record says; only an organisation
/// that has never reported is judged by the flag declared on its record
/// (at registration or by an update). A report is the organisation's own
/// statement for a year, checked by the registration office, while the
/// record's flag is whatever was declared when the record was last edited;
/// and `rating`, which only reports carry, already follows the latest
/// report, so both kinds of fact describe the same year. A report that
/// leaves a flag out carries the flag declared on the record when it was
/// submitted (`service::reports`); to change what is counted after a
/// report, correct that report. Every public reading follows this one
/// rule: the facts targets and the kept counters count
/// (`storage::targets::facts_where`), the `highTech` / `valueChainLinked`
/// fields of cooperatives and groups, the list filters of those names and
/// `statistics.highTechCooperatives` (the last two in SQL:
/// `storage::organisations::counted_flag_sql`).
pub fn counted_flag(declared: bool, latest_report: Option<bool>) -> bool {
    latest_report.unwrap_or(declared)
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
        p.invalid(&at("year"), Msg::YearBetween2000And2100);
    }
    if unit != unit_of(indicator) {
        p.invalid(
            &at("unit"),
            Msg::MeasuredIn { indicator: indicator.to_string(), unit: unit_of(indicator).to_string() },
        );
    }
    if let Some(w) = within {
        if !is_share(indicator) || !is_share(w) || w == indicator {
            p.invalid(&at("withinIndicator"), Msg::OnlyShareWithin);
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
        p.invalid(&at("scope"), Msg::DoesNotApply { indicator: indicator.to_string(), scope: scope.to_string() });
    }
    let check_number = |p: &mut Problems, field: &'static str, v: f64| {
        if !v.is_finite() {
            p.invalid(&at(field), Msg::MustBeNumber);
        } else if v < 0.0 {
            p.invalid(&at(field), Msg::NotNegative);
        } else if unit == TargetUnit::Percent && v > 100.0 {
            p.invalid(&at(field), Msg::PercentAtMost100);
        } else if unit == TargetUnit::Count && v.fract() != 0.0 {
            p.invalid(&at(field), Msg::CountWhole);
        }
    };
    match f.comparator {
        Comparator::Between => {
            if f.value.is_some() {
                p.invalid(&at("value"), Msg::BetweenNoValue);
            }
            match (f.min, f.max) {
                (Some(lo), Some(hi)) => {
                    check_number(p, "min", lo);
                    check_number(p, "max", hi);
                    if lo > hi {
                        p.invalid(&at("min"), Msg::MinAboveMax);
                    }
                }
                _ => {
                    if f.min.is_none() {
                        p.invalid(&at("min"), Msg::BetweenNeeds { bound: "min".into() });
                    }
                    if f.max.is_none() {
                        p.invalid(&at("max"), Msg::BetweenNeeds { bound: "max".into() });
                    }
                }
            }
        }
        c => {
            if f.min.is_some() {
                p.invalid(&at("min"), Msg::TakesValueNot { comparator: c.to_string(), bound: "min".into() });
            }
            if f.max.is_some() {
                p.invalid(&at("max"), Msg::TakesValueNot { comparator: c.to_string(), bound: "max".into() });
            }
            match f.value {
                Some(v) => check_number(p, "value", v),
                None => p.add(&at("value"), ProblemKind::Invalid, Msg::NeedsValue { comparator: c.to_string() }),
            }
        }
    }
}

/// How far apart a figure and a target's value may be and still compare as
/// equal (the margin every comparator allows, in the indicator's unit):
/// - shares (PERCENT): 0.05 percentage point, i.e. compared to one decimal
///   place, the precision plans and reports publish shares in ("71,4%"):
///   59.96% meets "đạt 60%", and "trên 60%" needs more than 60.05%;
/// - average member income (VND_PER_MONTH): half a đồng, i.e. whole đồng;
/// - average members per cooperative: 0.05 member, i.e. one decimal place;
/// - counts: exact (a float rounding error only).
pub fn tolerance(i: Indicator) -> f64 {
    const EXACT: f64 = 1e-9;
    match (unit_of(i), i) {
        (TargetUnit::Percent, _) => 0.05,
        (TargetUnit::VndPerMonth, _) => 0.5,
        (TargetUnit::Count, Indicator::AverageMembersPerCooperative) => 0.05,
        (TargetUnit::Count, _) => EXACT,
    }
}

/// Whether `actual` meets the figure of a target on `indicator`, within
/// [`tolerance`]. ABOUT ("khoảng") means within ±10% of `value`; MORE_THAN
/// ("trên") means beyond the tolerance.
pub fn attained(indicator: Indicator, f: &Figure, actual: f64) -> Option<bool> {
    let tol = tolerance(indicator);
    Some(match f.comparator {
        Comparator::Exactly => (actual - f.value?).abs() <= tol,
        Comparator::About => (actual - f.value?).abs() <= f.value?.abs() * 0.10 + tol,
        Comparator::AtLeast => actual >= f.value? - tol,
        Comparator::MoreThan => actual > f.value? + tol,
        Comparator::AtMost => actual <= f.value? + tol,
        Comparator::Between => actual >= f.min? - tol && actual <= f.max? + tol,
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
        Indicator::FemaleDirectorShare => o.female_director,
        _ => None,
    }
}

fn share(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

/// The registry's figure for an indicator over the organisations of a
/// jurisdiction; `None` when it cannot be computed (a share of nothing, an
/// outside figure). `this_year` is the calendar year NEW_GROUPS_PER_YEAR counts.
/// Each organisation counts as itself ([`compute_counted`] with its own sums).
pub fn compute(
    indicator: Indicator,
    scope: OrganizationScope,
    within: Option<Indicator>,
    facts: &[OrgFact],
    this_year: i32,
) -> Option<f64> {
    compute_counted(indicator, scope, within, facts.iter().map(|o| (o, FactSums::of(o))), this_year)
}

/// The figure [`compute`] gives, over organisations counted together
/// (`super::fact_counts`): each item is the facts a number of organisations
/// share — the fields that are compared; the summed ones (members, member
/// cooperatives, income) are read from the item's [`FactSums`] — with those
/// organisations' sums. Every indicator counts organisations or adds sums
/// up, so a territory's counters give what its organisations' own facts
/// give, in one pass over the counters whatever the number of organisations.
pub fn compute_counted<'a>(
    indicator: Indicator,
    scope: OrganizationScope,
    within: Option<Indicator>,
    counted: impl IntoIterator<Item = (&'a OrgFact, FactSums)>,
    this_year: i32,
) -> Option<f64> {
    use Indicator::*;
    use OrgKindFact::{Cooperative, Group, Union};
    // What the indicator adds up: a count or sum (`part`), and for averages
    // and shares what it is divided by (`whole`).
    let (mut part, mut whole) = (0i64, 0i64);
    for (o, s) in counted {
        if !in_scope(o, scope) {
            continue;
        }
        // New groups are counted whatever their status now.
        if indicator == NewGroupsPerYear {
            if o.kind == Group && o.established_year == Some(this_year) {
                part += s.n;
            }
            continue;
        }
        if !o.active {
            continue;
        }
        match indicator {
            CooperativeCount if o.kind == Cooperative => part += s.n,
            UnionCount if o.kind == Union => part += s.n,
            GroupCount if o.kind == Group => part += s.n,
            CooperativeMembers if o.kind == Cooperative => part += s.members,
            GroupMembers if o.kind == Group => part += s.members,
            UnionMemberCooperatives if o.kind == Union => part += s.member_cooperatives,
            WeakCooperativeCount if o.kind == Cooperative && o.rating == Some(Rating::Weak) => part += s.n,
            HighTechCooperativeCount if o.kind == Cooperative && o.high_tech => part += s.n,
            HighTechGroupCount if o.kind == Group && o.high_tech => part += s.n,
            AverageMembersPerCooperative if o.kind == Cooperative => {
                part += s.members;
                whole += s.n;
            }
            // The member-weighted mean of the latest reports' incomes (kept
            // in hundredths of a đồng × members: whole numbers).
            AverageMemberIncome if o.latest_income.is_some() => {
                part += s.income_weight;
                whole += s.income_members;
            }
            // FEMALE_DIRECTOR_SHARE counts directors: those of the cooperatives
            // and unions in scope ("hợp tác xã, liên hiệp hợp tác xã" is
            // ALL_COLLECTIVE); groups have none and are left out.
            FemaleDirectorShare
            | EffectiveShare
            | ValueChainShare
            | HighTechCooperativeShare
            | AgricultureCooperativeShare => {
                if (indicator == FemaleDirectorShare && o.kind == Group)
                    || within.is_some_and(|w| has(o, w) != Some(true))
                {
                    continue;
                }
                if let Some(b) = has(o, indicator) {
                    whole += s.n;
                    if b {
                        part += s.n;
                    }
                }
            }
            _ => {}
        }
    }
    Some(match indicator {
        AverageMembersPerCooperative => {
            if whole == 0 {
                return None;
            }
            part as f64 / whole as f64
        }
        AverageMemberIncome => {
            if whole == 0 {
                return None;
            }
            part as f64 / 100.0 / whole as f64
        }
        FemaleDirectorShare
        | EffectiveShare
        | ValueChainShare
        | HighTechCooperativeShare
        | AgricultureCooperativeShare => share(part, whole)?,
        Top100Count | PopulationParticipationShare | FarmHouseholdParticipationShare => return None,
        _ => part as f64,
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
        let n = Indicator::CooperativeCount;
        assert_eq!(attained(n, &fig(Comparator::Exactly, 5.0), 5.0), Some(true));
        assert_eq!(attained(n, &fig(Comparator::Exactly, 5.0), 6.0), Some(false));
        assert_eq!(attained(n, &fig(Comparator::About, 100.0), 110.0), Some(true));
        assert_eq!(attained(n, &fig(Comparator::About, 100.0), 89.0), Some(false));
        assert_eq!(attained(n, &fig(Comparator::AtLeast, 60.0), 60.0), Some(true));
        assert_eq!(attained(n, &fig(Comparator::MoreThan, 60.0), 60.0), Some(false));
        assert_eq!(attained(n, &fig(Comparator::AtMost, 0.0), 0.0), Some(true));
        let between = Figure { comparator: Comparator::Between, value: None, min: Some(1.0), max: Some(3.0) };
        assert_eq!(attained(n, &between, 3.0), Some(true));
        assert_eq!(attained(n, &between, 3.5), Some(false));
    }

    #[test]
    fn a_floor_is_met_by_any_figure_above_it_and_an_exact_figure_is_not() {
        let n = Indicator::CooperativeCount;
        // "phấn đấu 400 hợp tác xã": 450 cooperatives meet it.
        assert_eq!(attained(n, &fig(Comparator::AtLeast, 400.0), 450.0), Some(true));
        assert_eq!(attained(n, &fig(Comparator::AtLeast, 400.0), 399.0), Some(false));
        assert_eq!(attained(n, &fig(Comparator::Exactly, 400.0), 450.0), Some(false));
    }

    #[test]
    fn shares_compare_to_one_decimal_place_of_a_percentage_point() {
        let share = Indicator::EffectiveShare;
        assert_eq!(tolerance(share), 0.05);
        // 59.96% is published as 60.0%: it meets "đạt 60%" ...
        assert_eq!(attained(share, &fig(Comparator::AtLeast, 60.0), 59.96), Some(true));
        assert_eq!(attained(share, &fig(Comparator::AtLeast, 60.0), 59.94), Some(false));
        // ... and 60.04% is not "trên 60%"; 60.06% (60.1%) is.
        assert_eq!(attained(share, &fig(Comparator::MoreThan, 60.0), 60.04), Some(false));
        assert_eq!(attained(share, &fig(Comparator::MoreThan, 60.0), 60.06), Some(true));
        // Two of three is 66.7%, which is "66.7%" exactly as a plan would write it.
        assert_eq!(attained(share, &fig(Comparator::Exactly, 66.7), 200.0 / 3.0), Some(true));
        assert_eq!(attained(share, &fig(Comparator::AtMost, 66.6), 200.0 / 3.0), Some(false));
        let reported = Indicator::PopulationParticipationShare;
        assert_eq!(attained(reported, &fig(Comparator::AtLeast, 20.0), 19.95), Some(true));
    }

    #[test]
    fn averages_compare_to_their_published_precision_and_counts_exactly() {
        let income = Indicator::AverageMemberIncome;
        assert_eq!(tolerance(income), 0.5);
        assert_eq!(attained(income, &fig(Comparator::AtLeast, 6_000_000.0), 5_999_999.6), Some(true));
        assert_eq!(attained(income, &fig(Comparator::AtLeast, 6_000_000.0), 5_999_999.4), Some(false));
        let per = Indicator::AverageMembersPerCooperative;
        assert_eq!(attained(per, &fig(Comparator::AtLeast, 15.0), 14.96), Some(true));
        assert_eq!(attained(per, &fig(Comparator::AtLeast, 15.0), 14.9), Some(false));
        let count = Indicator::GroupCount;
        assert!(tolerance(count) < 1e-6);
        assert_eq!(attained(count, &fig(Comparator::AtLeast, 1430.0), 1429.0), Some(false));
        for i in Indicator::ALL {
            assert!(tolerance(*i) >= 0.0 && tolerance(*i) <= 0.5, "{i}: a tolerance is a rounding margin");
        }
    }

    #[test]
    fn the_latest_report_decides_a_flag_and_the_record_only_without_one() {
        assert!(counted_flag(false, Some(true)), "a linked report counts although the record says no");
        assert!(!counted_flag(true, Some(false)), "a report that says no wins over the record");
        assert!(counted_flag(true, None), "no report: the declared flag");
        assert!(!counted_flag(false, None));
    }

    #[test]
    fn a_good_linked_group_raises_the_value_chain_share_of_the_effective() {
        // Hải Hậu: four effective organisations, one linked (25%).
        let mut facts: Vec<OrgFact> = (0..4)
            .map(|i| {
                let mut c = fact(OrgKindFact::Cooperative);
                c.rating = Some(Rating::Good);
                c.value_chain = i == 0;
                c
            })
            .collect();
        let s = OrganizationScope::AllCollective;
        let within = Some(Indicator::EffectiveShare);
        assert_eq!(compute(Indicator::ValueChainShare, s, within, &facts, 2026), Some(25.0));
        // A group whose latest report says GOOD and linked, declared unlinked.
        let mut g = fact(OrgKindFact::Group);
        g.rating = Some(Rating::Good);
        g.value_chain = counted_flag(false, Some(true));
        facts.push(g);
        assert_eq!(compute(Indicator::ValueChainShare, s, within, &facts, 2026), Some(40.0));
    }

    #[test]
    fn the_female_director_share_counts_cooperatives_and_unions_and_judges_only_known_directors() {
        let mut a = fact(OrgKindFact::Cooperative);
        a.female_director = Some(true);
        let b = fact(OrgKindFact::Cooperative);
        let mut u = fact(OrgKindFact::Union);
        u.female_director = Some(true);
        let mut unknown = fact(OrgKindFact::Union);
        unknown.female_director = None;
        let mut g = fact(OrgKindFact::Group);
        g.female_director = Some(true);
        let facts = [a, b, u, unknown, g];
        let i = Indicator::FemaleDirectorShare;
        assert_eq!(default_scope(i), OrganizationScope::AllCollective);
        // "hợp tác xã, liên hiệp hợp tác xã": two of the three known directors;
        // the group (no director) and the union with none recorded are left out.
        let all = compute(i, OrganizationScope::AllCollective, None, &facts, 2026).map(|x| (x * 100.0).round());
        assert_eq!(all, Some(6667.0));
        assert_eq!(compute(i, OrganizationScope::Cooperatives, None, &facts, 2026), Some(50.0));
        assert_eq!(compute(i, OrganizationScope::Unions, None, &facts, 2026), Some(100.0));
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
