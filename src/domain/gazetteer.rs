//! The gazetteer (danh mục đơn vị hành chính): every administrative unit that
//! has been in force, with parents and succession, held in memory. It is built
//! from the reference tables at start-up and answers, without I/O, the
//! questions the registry asks: which unit a code names, which province a
//! ward is in, and which wards in force cover a former unit's territory.

use super::enums::AdministrativeLevel;
use chrono::NaiveDate;
use std::collections::{HashMap, HashSet};

/// Identifier of an administrative unit (administrative_unit.id).
pub type UnitId = i32;

/// One administrative unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// Surrogate id.
    pub id: UnitId,
    /// Official code with leading zeros.
    pub code: String,
    /// Province, district or ward.
    pub level: AdministrativeLevel,
    /// Official name, e.g. "Tỉnh Nghệ An".
    pub name: String,
    /// Type word, e.g. "Tỉnh", "Phường".
    pub unit_type: String,
    /// Parent unit.
    pub parent_id: Option<UnitId>,
    /// First day in force.
    pub valid_from: Option<NaiveDate>,
    /// Last day in force.
    pub valid_to: Option<NaiveDate>,
}

impl Unit {
    /// Whether the unit is in force on `day`.
    pub fn in_force_on(&self, day: NaiveDate) -> bool {
        self.valid_from.is_none_or(|f| f <= day) && self.valid_to.is_none_or(|t| day <= t)
    }
}

/// All administrative units with their hierarchy and succession.
#[derive(Debug, Default)]
pub struct Gazetteer {
    units: HashMap<UnitId, std::sync::Arc<Unit>>,
    by_code: HashMap<(AdministrativeLevel, String), Vec<UnitId>>,
    children: HashMap<UnitId, Vec<UnitId>>,
    successors: HashMap<UnitId, Vec<UnitId>>,
    today: NaiveDate,
}

impl Gazetteer {
    /// Builds the gazetteer from units and `(predecessor, successor)` pairs,
    /// judging what is in force on `today`.
    pub fn new(units: Vec<Unit>, successions: Vec<(UnitId, UnitId)>, today: NaiveDate) -> Self {
        let mut g = Gazetteer { today, ..Default::default() };
        for u in units {
            g.by_code.entry((u.level, u.code.clone())).or_default().push(u.id);
            if let Some(p) = u.parent_id {
                g.children.entry(p).or_default().push(u.id);
            }
            g.units.insert(u.id, std::sync::Arc::new(u));
        }
        for ids in g.by_code.values_mut() {
            ids.sort_by_key(|id| g.units.get(id).and_then(|u| u.valid_from));
        }
        for ids in g.children.values_mut() {
            ids.sort_by(|a, b| g.units[a].code.cmp(&g.units[b].code));
        }
        for (p, s) in successions {
            g.successors.entry(p).or_default().push(s);
        }
        g
    }

    /// The day "in force" is judged on.
    pub fn today(&self) -> NaiveDate {
        self.today
    }

    /// How many units the gazetteer holds.
    pub fn len(&self) -> usize {
        self.units.len()
    }

    /// Whether it holds no unit (reference data not loaded).
    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }

    /// Every unit, in no particular order.
    pub fn units(&self) -> impl Iterator<Item = &Unit> {
        self.units.values().map(|u| &**u)
    }

    /// A unit by id.
    pub fn unit(&self, id: UnitId) -> Option<&Unit> {
        self.units.get(&id).map(|u| &**u)
    }

    /// A unit by id, shared (a GraphQL answer holds it without copying it).
    pub fn shared(&self, id: UnitId) -> Option<std::sync::Arc<Unit>> {
        self.units.get(&id).cloned()
    }

    /// Whether the unit is abolished (no longer in force today).
    pub fn is_legacy(&self, unit: &Unit) -> bool {
        unit.valid_to.is_some_and(|t| t < self.today)
    }

    fn versions(&self, level: AdministrativeLevel, code: &str) -> impl Iterator<Item = &Unit> {
        self.by_code.get(&(level, code.to_owned())).into_iter().flatten().filter_map(|id| self.unit(*id))
    }

    /// The unit in force today with this level and code.
    pub fn in_force(&self, level: AdministrativeLevel, code: &str) -> Option<&Unit> {
        self.versions(level, code).find(|u| u.in_force_on(self.today))
    }

    /// The most recent abolished unit with this level and code.
    pub fn former(&self, level: AdministrativeLevel, code: &str) -> Option<&Unit> {
        self.versions(level, code).filter(|u| self.is_legacy(u)).last()
    }

    /// The unit in force with this code, or else the most recent former one.
    pub fn lookup(&self, level: AdministrativeLevel, code: &str) -> Option<&Unit> {
        self.in_force(level, code).or_else(|| self.former(level, code))
    }

    /// Provinces in force, by code; with `include_legacy` the former ones follow.
    pub fn provinces(&self, include_legacy: bool) -> Vec<&Unit> {
        let mut current: Vec<&Unit> =
            self.units().filter(|u| u.level == AdministrativeLevel::Province && u.in_force_on(self.today)).collect();
        current.sort_by(|a, b| a.code.cmp(&b.code));
        if include_legacy {
            let mut former: Vec<&Unit> =
                self.units().filter(|u| u.level == AdministrativeLevel::Province && self.is_legacy(u)).collect();
            former.sort_by(|a, b| a.code.cmp(&b.code).then(a.valid_to.cmp(&b.valid_to)));
            current.extend(former);
        }
        current
    }

    /// The direct children of a unit, by code.
    pub fn children(&self, id: UnitId) -> impl Iterator<Item = &Unit> {
        self.children.get(&id).into_iter().flatten().filter_map(|c| self.unit(*c))
    }

    /// The province a unit lies in (itself for a province).
    pub fn province_of(&self, id: UnitId) -> Option<&Unit> {
        let mut unit = self.unit(id)?;
        for _ in 0..4 {
            if unit.level == AdministrativeLevel::Province {
                return Some(unit);
            }
            unit = self.unit(unit.parent_id?)?;
        }
        None
    }

    /// The code of the province a unit lies in ("" for a unit the gazetteer
    /// does not hold).
    pub fn province_code(&self, id: UnitId) -> String {
        self.province_of(id).map(|p| p.code.clone()).unwrap_or_default()
    }

    /// The id of the province a unit lies in (0 for a unit the gazetteer
    /// does not hold).
    pub fn province_id(&self, id: UnitId) -> UnitId {
        self.province_of(id).map(|p| p.id).unwrap_or_default()
    }

    /// The wards in force in a province in force, by code.
    pub fn wards_in_force(&self, province: UnitId) -> Vec<&Unit> {
        let mut out = Vec::new();
        let mut stack = vec![province];
        while let Some(id) = stack.pop() {
            for c in self.children(id) {
                if c.level == AdministrativeLevel::Ward {
                    if c.in_force_on(self.today) {
                        out.push(c);
                    }
                } else {
                    stack.push(c.id);
                }
            }
        }
        out.sort_by(|a, b| a.code.cmp(&b.code));
        out
    }

    /// The wards in force today that cover (part of) a unit's territory: its
    /// own wards where they are still in force, and otherwise the wards that
    /// succeeded them, followed through every later reorganisation.
    pub fn territory_in_force(&self, id: UnitId) -> Vec<UnitId> {
        let mut leaves = Vec::new();
        let mut stack = vec![id];
        while let Some(u) = stack.pop() {
            let kids = self.children.get(&u).map(Vec::as_slice).unwrap_or_default();
            if kids.is_empty() {
                leaves.push(u);
            } else {
                stack.extend_from_slice(kids);
            }
        }
        let mut seen: HashSet<UnitId> = HashSet::new();
        let mut out: Vec<UnitId> = Vec::new();
        while let Some(u) = leaves.pop() {
            if !seen.insert(u) {
                continue;
            }
            let Some(unit) = self.unit(u) else { continue };
            if unit.level == AdministrativeLevel::Ward && unit.in_force_on(self.today) {
                out.push(u);
            } else if let Some(next) = self.successors.get(&u) {
                leaves.extend_from_slice(next);
            }
        }
        out.sort_unstable();
        out
    }

    /// The units in force that a former unit became part of: for a ward, the
    /// wards that succeeded it; for a province or district, the provinces in
    /// force that hold its territory. Empty for a unit still in force.
    pub fn successors(&self, id: UnitId) -> Vec<&Unit> {
        let Some(unit) = self.unit(id) else { return Vec::new() };
        if !self.is_legacy(unit) {
            return Vec::new();
        }
        let mut out: Vec<&Unit> = if unit.level == AdministrativeLevel::Ward {
            self.territory_in_force(id).into_iter().filter_map(|w| self.unit(w)).collect()
        } else {
            let mut ids: Vec<UnitId> =
                self.territory_in_force(id).into_iter().filter_map(|w| self.province_of(w).map(|p| p.id)).collect();
            ids.sort_unstable();
            ids.dedup();
            ids.into_iter().filter_map(|p| self.unit(p)).collect()
        };
        out.sort_by(|a, b| a.code.cmp(&b.code));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    fn unit(id: UnitId, code: &str, level: AdministrativeLevel, parent: Option<UnitId>, legacy: bool) -> Unit {
        Unit {
            id,
            code: code.into(),
            level,
            name: format!("Unit {code}"),
            unit_type: String::new(),
            parent_id: parent,
            valid_from: (!legacy).then(|| day(2025, 7, 1)),
            valid_to: legacy.then(|| day(2025, 6, 30)),
        }
    }

    /// Two legacy provinces (58 with one district, 56) merged into province 56;
    /// legacy ward 1 → new ward 10, legacy ward 2 → new wards 10 and 11,
    /// legacy ward 3 (of old 56) → new ward 12.
    fn sample() -> Gazetteer {
        use AdministrativeLevel::*;
        let units = vec![
            unit(1, "56", Province, None, false),
            unit(10, "22000", Ward, Some(1), false),
            unit(11, "22001", Ward, Some(1), false),
            unit(12, "22002", Ward, Some(1), false),
            unit(20, "58", Province, None, true),
            unit(21, "582", District, Some(20), true),
            unit(22, "22500", Ward, Some(21), true),
            unit(23, "22501", Ward, Some(21), true),
            unit(30, "56", Province, None, true),
            unit(31, "568", District, Some(30), true),
            unit(32, "22100", Ward, Some(31), true),
        ];
        Gazetteer::new(units, vec![(22, 10), (23, 10), (23, 11), (32, 12)], day(2026, 1, 1))
    }

    #[test]
    fn same_code_resolves_to_the_unit_in_force_or_the_former_one() {
        let g = sample();
        assert_eq!(g.in_force(AdministrativeLevel::Province, "56").map(|u| u.id), Some(1));
        assert_eq!(g.former(AdministrativeLevel::Province, "56").map(|u| u.id), Some(30));
        assert_eq!(g.lookup(AdministrativeLevel::Province, "58").map(|u| u.id), Some(20));
        assert!(g.in_force(AdministrativeLevel::Province, "58").is_none());
    }

    #[test]
    fn a_former_province_covers_the_wards_that_succeeded_its_wards() {
        let g = sample();
        assert_eq!(g.territory_in_force(20), vec![10, 11]);
        assert_eq!(g.territory_in_force(30), vec![12]);
        assert_eq!(g.territory_in_force(21), vec![10, 11]);
    }

    #[test]
    fn successors_of_a_former_province_are_provinces_in_force() {
        let g = sample();
        let names: Vec<UnitId> = g.successors(20).iter().map(|u| u.id).collect();
        assert_eq!(names, vec![1]);
        let wards: Vec<UnitId> = g.successors(23).iter().map(|u| u.id).collect();
        assert_eq!(wards, vec![10, 11]);
        assert!(g.successors(1).is_empty());
    }

    #[test]
    fn provinces_lists_current_then_legacy() {
        let g = sample();
        let ids: Vec<UnitId> = g.provinces(true).iter().map(|u| u.id).collect();
        assert_eq!(ids, vec![1, 30, 20]);
        assert_eq!(g.provinces(false).len(), 1);
        assert_eq!(g.province_of(11).map(|u| u.id), Some(1));
    }
}
