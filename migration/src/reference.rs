//! The administrative-unit reference data compiled into the binary (see
//! `migration/data/SOURCE.md`), parsed into rows with stable ids.
//!
//! Ids are assigned in file order: 2025 provinces, 2025 wards, then legacy
//! provinces, districts and wards. A later reorganisation appends units with
//! ids above these in its own migration.

use chrono::NaiveDate;
use std::collections::HashMap;

const UNITS_2025: &str = include_str!("../data/admin_units_2025.csv");
const UNITS_LEGACY: &str = include_str!("../data/admin_units_legacy.csv");
const WARD_SUCCESSION: &str = include_str!("../data/ward_succession_2025.csv");
const DISTRICT_SUCCESSION: &str = include_str!("../data/district_succession_2025.csv");

/// Level names as stored in `administrative_unit.level`.
pub const PROVINCE: &str = "PROVINCE";
/// District level (abolished on 2025-07-01).
pub const DISTRICT: &str = "DISTRICT";
/// Ward, commune or special zone.
pub const WARD: &str = "WARD";

/// The day the 2025 reorganisation took effect.
pub fn reorganisation_2025() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 7, 1).unwrap_or_default()
}

/// The last day the legacy units were in force.
pub fn legacy_last_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 30).unwrap_or_default()
}

/// A reference-data file that does not parse.
#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    /// The CSV itself is malformed.
    #[error("reference data {file}: {source}")]
    Csv { file: &'static str, source: csv::Error },
    /// A row names a unit that the files do not define.
    #[error("reference data {file}: unknown {what} code {code}")]
    UnknownCode { file: &'static str, what: &'static str, code: String },
}

/// One administrative unit to insert.
#[derive(Debug, Clone)]
pub struct UnitRow {
    pub id: i32,
    pub code: String,
    pub level: &'static str,
    pub name: String,
    pub unit_type: String,
    pub parent_id: Option<i32>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

/// One succession row to insert.
#[derive(Debug, Clone)]
pub struct SuccessionRow {
    pub predecessor_id: i32,
    pub successor_id: i32,
    pub is_primary: bool,
}

/// Everything the reference migration inserts.
#[derive(Debug, Default)]
pub struct ReferenceData {
    pub units: Vec<UnitRow>,
    pub successions: Vec<SuccessionRow>,
}

#[derive(serde::Deserialize)]
struct Unit2025 {
    province_code: String,
    province_name: String,
    ward_code: String,
    ward_name: String,
    ward_type: String,
}

#[derive(serde::Deserialize)]
struct UnitLegacy {
    province_code: String,
    province_name: String,
    district_code: String,
    district_name: String,
    district_type: String,
    ward_code: String,
    ward_name: String,
    ward_type: String,
}

#[derive(serde::Deserialize)]
struct WardSuccession {
    legacy_ward_code: String,
    ward_code: String,
    is_primary: u8,
}

#[derive(serde::Deserialize)]
struct DistrictSuccession {
    legacy_district_code: String,
    ward_code: String,
    is_primary: u8,
}

fn rows<T: serde::de::DeserializeOwned>(file: &'static str, text: &str) -> Result<Vec<T>, ReferenceError> {
    csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .collect::<Result<Vec<T>, _>>()
        .map_err(|source| ReferenceError::Csv { file, source })
}

/// "Thành phố Hà Nội" → "Thành phố"; "Tỉnh Nghệ An" → "Tỉnh".
fn province_type(name: &str) -> &'static str {
    if name.starts_with("Thành phố") {
        "Thành phố"
    } else {
        "Tỉnh"
    }
}

/// Parses the shipped files into rows with ids.
pub fn load() -> Result<ReferenceData, ReferenceError> {
    let mut data = ReferenceData::default();
    let mut next_id = 1;
    let mut id = || {
        let v = next_id;
        next_id += 1;
        v
    };
    let new_from = Some(reorganisation_2025());
    let old_to = Some(legacy_last_day());

    let mut province_2025: HashMap<String, i32> = HashMap::new();
    let mut ward_2025: HashMap<String, i32> = HashMap::new();
    for r in rows::<Unit2025>("admin_units_2025.csv", UNITS_2025)? {
        let province_id = match province_2025.get(&r.province_code) {
            Some(&p) => p,
            None => {
                let p = id();
                province_2025.insert(r.province_code.clone(), p);
                data.units.push(UnitRow {
                    id: p,
                    code: r.province_code.clone(),
                    level: PROVINCE,
                    unit_type: province_type(&r.province_name).into(),
                    name: r.province_name.clone(),
                    parent_id: None,
                    valid_from: new_from,
                    valid_to: None,
                });
                p
            }
        };
        let w = id();
        ward_2025.insert(r.ward_code.clone(), w);
        data.units.push(UnitRow {
            id: w,
            code: r.ward_code,
            level: WARD,
            name: r.ward_name,
            unit_type: r.ward_type,
            parent_id: Some(province_id),
            valid_from: new_from,
            valid_to: None,
        });
    }

    let mut province_old: HashMap<String, i32> = HashMap::new();
    let mut district_old: HashMap<String, i32> = HashMap::new();
    let mut ward_old: HashMap<String, i32> = HashMap::new();
    for r in rows::<UnitLegacy>("admin_units_legacy.csv", UNITS_LEGACY)? {
        let province_id = match province_old.get(&r.province_code) {
            Some(&p) => p,
            None => {
                let p = id();
                province_old.insert(r.province_code.clone(), p);
                data.units.push(UnitRow {
                    id: p,
                    code: r.province_code.clone(),
                    level: PROVINCE,
                    unit_type: province_type(&r.province_name).into(),
                    name: r.province_name.clone(),
                    parent_id: None,
                    valid_from: None,
                    valid_to: old_to,
                });
                p
            }
        };
        let district_id = match district_old.get(&r.district_code) {
            Some(&d) => d,
            None => {
                let d = id();
                district_old.insert(r.district_code.clone(), d);
                data.units.push(UnitRow {
                    id: d,
                    code: r.district_code.clone(),
                    level: DISTRICT,
                    name: r.district_name.clone(),
                    unit_type: r.district_type.clone(),
                    parent_id: Some(province_id),
                    valid_from: None,
                    valid_to: old_to,
                });
                d
            }
        };
        if r.ward_code.is_empty() {
            continue; // an island district with no wards
        }
        let w = id();
        ward_old.insert(r.ward_code.clone(), w);
        data.units.push(UnitRow {
            id: w,
            code: r.ward_code,
            level: WARD,
            name: r.ward_name,
            unit_type: r.ward_type,
            parent_id: Some(district_id),
            valid_from: None,
            valid_to: old_to,
        });
    }

    let lookup = |file: &'static str, what: &'static str, map: &HashMap<String, i32>, code: &str| {
        map.get(code).copied().ok_or_else(|| ReferenceError::UnknownCode { file, what, code: code.into() })
    };
    for r in rows::<WardSuccession>("ward_succession_2025.csv", WARD_SUCCESSION)? {
        data.successions.push(SuccessionRow {
            predecessor_id: lookup("ward_succession_2025.csv", "legacy ward", &ward_old, &r.legacy_ward_code)?,
            successor_id: lookup("ward_succession_2025.csv", "2025 ward", &ward_2025, &r.ward_code)?,
            is_primary: r.is_primary == 1,
        });
    }
    for r in rows::<DistrictSuccession>("district_succession_2025.csv", DISTRICT_SUCCESSION)? {
        data.successions.push(SuccessionRow {
            predecessor_id: lookup(
                "district_succession_2025.csv",
                "legacy district",
                &district_old,
                &r.legacy_district_code,
            )?,
            successor_id: lookup("district_succession_2025.csv", "2025 ward", &ward_2025, &r.ward_code)?,
            is_primary: r.is_primary == 1,
        });
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_files_hold_the_official_counts() {
        let data = load().expect("reference data parses");
        let count = |level: &str, legacy: bool| {
            data.units.iter().filter(|u| u.level == level && u.valid_to.is_some() == legacy).count()
        };
        assert_eq!(count(PROVINCE, false), 34);
        assert_eq!(count(WARD, false), 3321);
        assert_eq!(count(PROVINCE, true), 63);
        assert_eq!(count(DISTRICT, true), 696);
        assert_eq!(count(WARD, true), 10035);
        assert_eq!(data.successions.len(), 10597 + 5);
    }
}
