//! Deterministic demo and benchmark data (`coopgate seed --demo --scale N`).
//!
//! Scale 1 is about 1,000 cooperatives, 3,300 groups and 5,000 annual
//! reports, spread over real 2025 wards in all 34 provinces; scale 30 is
//! national size. The same scale always yields the same registry, so demos,
//! tests and benchmarks can name rows.

mod names;

use crate::domain::{text, Gazetteer, Rating, RegistrationStatus, Sector, TaxCode, Unit, UnitId};
use crate::storage::{self, StorageError};
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use entity::{annual_report, cooperative, cooperative_group, cooperative_union, person, status_change};
use indicatif::{ProgressBar, ProgressStyle};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, IntoActiveModel, PaginatorTrait, TransactionTrait};
use std::collections::HashMap;

/// Cooperatives per unit of scale.
pub const COOPERATIVES_PER_SCALE: usize = 1_000;
/// Groups per unit of scale.
pub const GROUPS_PER_SCALE: usize = 3_333;
/// Unions per unit of scale.
pub const UNIONS_PER_SCALE: usize = 4;

/// Why seeding failed.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The registry already has data; seeding only fills an empty one.
    #[error("the registry already holds {0} cooperatives; demo data is only seeded into an empty registry")]
    NotEmpty(u64),
    /// The administrative units are missing (migrations not applied).
    #[error("no administrative units loaded: run `coopgate migrate` first")]
    NoUnits,
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The plans' targets could not be imported.
    #[error("importing the plans' targets: {0}")]
    Targets(String),
    /// The reset was refused (profile, role) or emptying the registry failed.
    #[error("reset: {0}")]
    Reset(crate::service::ServiceError),
    /// Queuing a pending application for national registration failed.
    #[error("queuing national registration: {0}")]
    Sync(String),
}

impl From<sea_orm::DbErr> for SeedError {
    fn from(e: sea_orm::DbErr) -> Self {
        SeedError::Storage(StorageError::Db(e))
    }
}

/// What a seeding run inserted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeedSummary {
    /// Persons.
    pub persons: usize,
    /// Cooperatives.
    pub cooperatives: usize,
    /// Unions.
    pub unions: usize,
    /// Groups.
    pub groups: usize,
    /// Annual reports.
    pub annual_reports: usize,
}

/// Whether the registry holds no organisation at all.
pub async fn registry_is_empty(db: &DatabaseConnection) -> Result<bool, SeedError> {
    Ok(cooperative::Entity::find().count(db).await? == 0
        && cooperative_union::Entity::find().count(db).await? == 0
        && cooperative_group::Entity::find().count(db).await? == 0)
}

/// The generated registry, before insertion.
#[derive(Default)]
struct Registry {
    persons: Vec<person::Model>,
    unions: Vec<cooperative_union::Model>,
    cooperatives: Vec<cooperative::Model>,
    groups: Vec<cooperative_group::Model>,
    reports: Vec<annual_report::Model>,
}

struct Generator<'g> {
    rng: ChaCha8Rng,
    wards: Vec<&'g Unit>,
    province_of: HashMap<UnitId, UnitId>,
    province_code: HashMap<UnitId, String>,
    out: Registry,
    next_tax_seq: u32,
    name_uses: HashMap<String, u32>,
    base: DateTime<Utc>,
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

const SECTOR_WEIGHTS: [(Sector, u32); 8] = [
    (Sector::Agriculture, 62),
    (Sector::IndustryHandicraft, 8),
    (Sector::Construction, 3),
    (Sector::TradeServices, 10),
    (Sector::Transport, 5),
    (Sector::Credit, 7),
    (Sector::Environment, 3),
    (Sector::Other, 2),
];

impl<'g> Generator<'g> {
    fn new(g: &'g Gazetteer) -> Result<Self, SeedError> {
        let provinces = g.provinces(false);
        let mut wards = Vec::new();
        let mut province_of = HashMap::new();
        let mut province_code = HashMap::new();
        for p in &provinces {
            for w in g.wards_in_force(p.id) {
                province_of.insert(w.id, p.id);
                province_code.insert(w.id, p.code.clone());
                wards.push(w);
            }
        }
        if wards.is_empty() {
            return Err(SeedError::NoUnits);
        }
        Ok(Generator {
            rng: ChaCha8Rng::seed_from_u64(0x2025_0701),
            wards,
            province_of,
            province_code,
            out: Registry::default(),
            next_tax_seq: 1,
            name_uses: HashMap::new(),
            base: Utc.with_ymd_and_hms(2026, 1, 1, 8, 0, 0).single().unwrap_or_default(),
        })
    }

    fn sector(&mut self) -> Sector {
        let total: u32 = SECTOR_WEIGHTS.iter().map(|(_, w)| w).sum();
        let mut roll = self.rng.random_range(0..total);
        for (s, w) in SECTOR_WEIGHTS {
            if roll < w {
                return s;
            }
            roll -= w;
        }
        Sector::Other
    }

    /// A ward: the `i`-th province's first ward for the first 34 picks (so
    /// every province has data), then uniformly over all wards.
    fn ward(&mut self, i: usize, by_province: &[Vec<usize>]) -> &'g Unit {
        if i < by_province.len() {
            let list = &by_province[i];
            return self.wards[list[self.rng.random_range(0..list.len())]];
        }
        self.wards[self.rng.random_range(0..self.wards.len())]
    }

    fn place_name(ward: &Unit) -> &str {
        let t = ward.unit_type.as_str();
        ward.name.strip_prefix(t).map(str::trim).filter(|s| !s.is_empty()).unwrap_or(&ward.name)
    }

    fn unique_name(&mut self, base: String) -> String {
        let n = self.name_uses.entry(base.clone()).or_insert(0);
        *n += 1;
        if *n == 1 {
            base
        } else {
            format!("{base} {}", *n)
        }
    }

    fn person(&mut self, female_share: f64, province_code: &str) -> i64 {
        let female = self.rng.random_bool(female_share);
        let family = *pick(&mut self.rng, names::FAMILY_NAMES);
        let (middle, given) = if female {
            (*pick(&mut self.rng, names::FEMALE_MIDDLE), *pick(&mut self.rng, names::FEMALE_GIVEN))
        } else {
            (*pick(&mut self.rng, names::MALE_MIDDLE), *pick(&mut self.rng, names::MALE_GIVEN))
        };
        let id = self.out.persons.len() as i64 + 1;
        let birth_year: u32 = self.rng.random_range(1955..2000);
        let gender_digit = if female { 1 } else { 0 } + if birth_year >= 2000 { 2 } else { 0 };
        let id_number = format!(
            "0{}{}{:02}{:06}",
            province_code,
            gender_digit,
            birth_year % 100,
            self.rng.random_range(0..1_000_000u32)
        );
        let phone = format!("09{:08}", self.rng.random_range(0..100_000_000u32));
        self.out.persons.push(person::Model {
            id,
            full_name: format!("{family} {middle} {given}"),
            gender: Some(if female { "FEMALE" } else { "MALE" }.to_owned()),
            id_number: Some(id_number),
            phone: Some(phone),
        });
        id
    }

    fn tax_code(&mut self, province_code: &str) -> String {
        loop {
            let seq = self.next_tax_seq;
            self.next_tax_seq += 1;
            let text = format!("{province_code}{seq:07}");
            let mut nine = [0u8; 9];
            for (d, b) in nine.iter_mut().zip(text.bytes()) {
                *d = b - b'0';
            }
            if let Some(code) = TaxCode::from_first_nine(nine) {
                return code.as_str().to_owned();
            }
        }
    }

    fn date_between(&mut self, from: NaiveDate, to: NaiveDate) -> NaiveDate {
        let span = (to - from).num_days().max(1);
        from + Duration::days(self.rng.random_range(0..span))
    }

    fn updated_at(&mut self, not_before: NaiveDate) -> DateTime<Utc> {
        let days_back = (self.base.date_naive() - not_before).num_days().max(1);
        self.base
            - Duration::days(self.rng.random_range(0..days_back.min(700)))
            - Duration::seconds(self.rng.random_range(0..86_400))
    }

    fn status(&mut self) -> RegistrationStatus {
        match self.rng.random_range(0..100) {
            0..80 => RegistrationStatus::Active,
            80..87 => RegistrationStatus::Suspended,
            87..93 => RegistrationStatus::Dissolved,
            93..95 => RegistrationStatus::Revoked,
            _ => RegistrationStatus::Pending,
        }
    }

    fn rating(&mut self) -> Rating {
        match self.rng.random_range(0..100) {
            0..22 => Rating::Good,
            22..58 => Rating::Fair,
            58..86 => Rating::Average,
            _ => Rating::Weak,
        }
    }

    fn money(&mut self, min_million: i64, max_million: i64) -> i64 {
        self.rng.random_range(min_million..max_million) * 1_000_000 * 100
    }

    fn cooperative(&mut self, i: usize, by_province: &[Vec<usize>]) {
        let ward = self.ward(i, by_province);
        let province_id = self.province_of[&ward.id];
        let province_code = self.province_code[&ward.id].clone();
        let sector = self.sector();
        let status = self.status();
        let stem = *pick(&mut self.rng, names::cooperative_stems(sector));
        let name = if sector == Sector::Credit {
            self.unique_name(format!("{stem} {}", Self::place_name(ward)))
        } else {
            self.unique_name(format!("Hợp tác xã {stem} {}", Self::place_name(ward)))
        };
        let registered_on = (status != RegistrationStatus::Pending).then(|| {
            let from = NaiveDate::from_ymd_opt(1997, 1, 1).unwrap_or_default();
            let to = NaiveDate::from_ymd_opt(2025, 12, 31).unwrap_or_default();
            self.date_between(from, to)
        });
        let code = registered_on.map(|_| self.tax_code(&province_code));
        let director = self.person(0.18, &province_code);
        let legal = if self.rng.random_bool(0.7) { director } else { self.person(0.2, &province_code) };
        let lines = names::business_lines(sector);
        let n_lines = self.rng.random_range(1..=lines.len().min(4));
        let start = self.rng.random_range(0..lines.len());
        let mut business: Vec<&str> = (0..n_lines).map(|k| lines[(start + k) % lines.len()]).collect();
        business.sort_unstable();
        let official = 5 + (self.rng.random::<f64>().powi(3) * 400.0) as i32;
        let agri = sector == Sector::Agriculture;
        // Records with a code are imported (not synced); pending ones go
        // through national registration like any new application.
        let synced = if code.is_some() { "NOT_REQUIRED" } else { "PENDING" };
        let created = registered_on.unwrap_or_else(|| self.base.date_naive() - Duration::days(20));
        let updated_at = self.updated_at(created);
        let id = self.out.cooperatives.len() as i64 + 1;
        let street = Some((*pick(&mut self.rng, names::STREETS)).to_owned());
        let charter_capital = Some(self.money(100, 20_000));
        let associate_members = self.rng.random_range(0..official.max(1) / 3 + 1);
        let high_tech = agri && self.rng.random_bool(0.09);
        let value_chain_linked = agri && self.rng.random_bool(0.3);
        self.out.cooperatives.push(cooperative::Model {
            id,
            code,
            name_search: text::fold(&name),
            name,
            foreign_name: None,
            abbreviation: None,
            status: status.as_str().to_owned(),
            sector: sector.as_str().to_owned(),
            business_lines: business.join(","),
            street,
            ward_id: ward.id,
            province_id,
            registered_on,
            charter_capital,
            official_members: official,
            associate_members,
            director_id: Some(director),
            legal_representative_id: Some(legal),
            high_tech,
            value_chain_linked,
            union_id: None,
            latest_rating: None,
            latest_report_year: None,
            tax_sync: synced.into(),
            registry_sync: synced.into(),
            sync_attempts: 0,
            sync_last_error: None,
            last_synced_at: None,
            national_version: None,
            version: 1,
            created_at: Utc.from_utc_datetime(&created.and_hms_opt(8, 0, 0).unwrap_or_default()),
            updated_at,
            below_legal_minimum_since: None,
        });
    }

    /// Reports for 2021–2025 from the registration year on.
    fn reports_for(
        &mut self,
        owner: (Option<i64>, Option<i64>, Option<i64>),
        since: NaiveDate,
        members: i32,
        every_year: bool,
    ) -> Option<(String, i32)> {
        let mut latest = None;
        for year in since.year().max(2021)..=2025 {
            if !every_year && year != 2025 {
                continue;
            }
            let rating = self.rating();
            let revenue = self.money(200, 30_000);
            let id = self.out.reports.len() as i64 + 1;
            let submitted = Utc
                .with_ymd_and_hms(year + 1, 3, 1 + self.rng.random_range(0..27), 9, 0, 0)
                .single()
                .unwrap_or(self.base);
            self.out.reports.push(annual_report::Model {
                id,
                cooperative_id: owner.0,
                union_id: owner.1,
                group_id: owner.2,
                year,
                official_members: members,
                associate_members: self.rng.random_range(0..members / 4 + 1),
                employees: Some(self.rng.random_range(2..60)),
                revenue: Some(revenue),
                profit: Some(revenue / 100 * self.rng.random_range(-5..15)),
                average_member_income: Some(self.rng.random_range(3_000..9_000) * 1_000 * 100),
                rating: Some(rating.as_str().to_owned()),
                high_tech: self.rng.random_bool(0.1),
                value_chain_linked: self.rng.random_bool(0.3),
                ocop_products: if self.rng.random_bool(0.15) { self.rng.random_range(1..4) } else { 0 },
                submitted_at: submitted.min(self.base),
                version: 1,
            });
            latest = Some((rating.as_str().to_owned(), year));
        }
        latest
    }

    fn union(&mut self, province_members: &[usize]) {
        let first = &self.out.cooperatives[province_members[0]];
        let (ward_id, province_id) = (first.ward_id, first.province_id);
        let ward = self.wards.iter().find(|w| w.id == ward_id).copied();
        let province_code = self.province_code.get(&ward_id).cloned().unwrap_or_default();
        let place = ward.map(Self::place_name).unwrap_or_default().to_owned();
        let stem = *pick(&mut self.rng, names::UNION_STEMS);
        let name = self.unique_name(format!("Liên hiệp hợp tác xã {stem} {place}"));
        let id = self.out.unions.len() as i64 + 1;
        let registered_on = self.date_between(
            NaiveDate::from_ymd_opt(2005, 1, 1).unwrap_or_default(),
            NaiveDate::from_ymd_opt(2025, 6, 30).unwrap_or_default(),
        );
        let legal = self.person(0.2, &province_code);
        let code = self.tax_code(&province_code);
        let updated_at = self.updated_at(registered_on);
        for &m in province_members {
            self.out.cooperatives[m].union_id = Some(id);
        }
        let latest = self.reports_for((None, Some(id), None), registered_on, province_members.len() as i32, true);
        let street = Some((*pick(&mut self.rng, names::STREETS)).to_owned());
        let charter_capital = Some(self.money(1_000, 50_000));
        self.out.unions.push(cooperative_union::Model {
            id,
            code: Some(code),
            name_search: text::fold(&name),
            name,
            status: "ACTIVE".into(),
            sector: "AGRICULTURE".into(),
            street,
            ward_id,
            province_id,
            registered_on: Some(registered_on),
            charter_capital,
            legal_representative_id: Some(legal),
            director_id: None,
            below_minimum_since: None,
            high_tech: false,
            value_chain_linked: true,
            latest_rating: latest.as_ref().map(|l| l.0.clone()),
            latest_report_year: latest.map(|l| l.1),
            tax_sync: "NOT_REQUIRED".into(),
            registry_sync: "NOT_REQUIRED".into(),
            sync_attempts: 0,
            sync_last_error: None,
            last_synced_at: None,
            national_version: None,
            version: 1,
            created_at: Utc.from_utc_datetime(&registered_on.and_hms_opt(8, 0, 0).unwrap_or_default()),
            updated_at,
        });
    }

    fn group(&mut self, i: usize, by_province: &[Vec<usize>]) {
        let ward = self.ward(i, by_province);
        let province_code = self.province_code[&ward.id].clone();
        let sector = if self.rng.random_bool(0.8) { Sector::Agriculture } else { self.sector() };
        let stem = *pick(&mut self.rng, names::GROUP_STEMS);
        let name = self.unique_name(format!("Tổ hợp tác {stem} {}", Self::place_name(ward)));
        let established_on = self.date_between(
            NaiveDate::from_ymd_opt(2010, 1, 1).unwrap_or_default(),
            NaiveDate::from_ymd_opt(2025, 12, 31).unwrap_or_default(),
        );
        let members = 2 + (self.rng.random::<f64>().powi(2) * 40.0) as i32;
        let rep = self.person(0.3, &province_code);
        let id = self.out.groups.len() as i64 + 1;
        let latest = if self.rng.random_bool(0.2) {
            self.reports_for((None, None, Some(id)), established_on, members, false)
        } else {
            None
        };
        let updated_at = self.updated_at(established_on);
        let status = if self.rng.random_bool(0.9) { "ACTIVE" } else { "DISBANDED" };
        let street = Some((*pick(&mut self.rng, names::STREETS)).to_owned());
        let high_tech = self.rng.random_bool(0.04);
        let value_chain_linked = self.rng.random_bool(0.15);
        self.out.groups.push(cooperative_group::Model {
            id,
            name_search: text::fold(&name),
            name,
            status: status.into(),
            sector: sector.as_str().to_owned(),
            street,
            ward_id: ward.id,
            province_id: self.province_of[&ward.id],
            established_on,
            members,
            representative_id: Some(rep),
            high_tech,
            value_chain_linked,
            latest_rating: latest.as_ref().map(|l| l.0.clone()),
            latest_report_year: latest.map(|l| l.1),
            disbanded_on: (status == "DISBANDED").then(|| updated_at.date_naive()),
            version: 1,
            created_at: Utc.from_utc_datetime(&established_on.and_hms_opt(8, 0, 0).unwrap_or_default()),
            updated_at,
        });
    }

    fn generate(mut self, scale: usize) -> Registry {
        let mut by_province: HashMap<UnitId, Vec<usize>> = HashMap::new();
        for (i, w) in self.wards.iter().enumerate() {
            by_province.entry(self.province_of[&w.id]).or_default().push(i);
        }
        let mut by_province: Vec<(UnitId, Vec<usize>)> = by_province.into_iter().collect();
        by_province.sort_by_key(|(p, _)| *p);
        let by_province: Vec<Vec<usize>> = by_province.into_iter().map(|(_, v)| v).collect();

        for i in 0..scale * COOPERATIVES_PER_SCALE {
            self.cooperative(i, &by_province);
        }
        // Unions: in the provinces with the most active cooperatives, each
        // formed by 3–8 active cooperatives of its province.
        let mut active_by_province: HashMap<UnitId, Vec<usize>> = HashMap::new();
        for (i, c) in self.out.cooperatives.iter().enumerate() {
            if c.status == "ACTIVE" {
                active_by_province.entry(c.province_id).or_default().push(i);
            }
        }
        let mut pool: Vec<(UnitId, Vec<usize>)> = active_by_province.into_iter().collect();
        pool.sort_by_key(|(p, v)| (std::cmp::Reverse(v.len()), *p));
        let wanted = scale * UNIONS_PER_SCALE;
        let mut made = 0;
        'outer: for round in 0.. {
            let mut progressed = false;
            for (_, members) in pool.iter_mut() {
                if made == wanted {
                    break 'outer;
                }
                let size = 3 + (round + made) % 6;
                if members.len() >= size {
                    let chosen: Vec<usize> = members.drain(..size).collect();
                    self.union(&chosen);
                    made += 1;
                    progressed = true;
                }
            }
            if !progressed {
                break;
            }
        }
        // Cooperative reports, and the latest rating kept on the row.
        for i in 0..self.out.cooperatives.len() {
            let c = &self.out.cooperatives[i];
            let Some(since) = c.registered_on else { continue };
            let (id, members) = (c.id, c.official_members);
            if let Some((rating, year)) = self.reports_for((Some(id), None, None), since, members, true) {
                let c = &mut self.out.cooperatives[i];
                c.latest_rating = Some(rating);
                c.latest_report_year = Some(year);
            }
        }
        for i in 0..scale * GROUPS_PER_SCALE {
            self.group(i, &by_province);
        }
        self.out
    }
}

/// Rows per INSERT: under SQLite's and PostgreSQL's bound-parameter limits.
const BATCH: usize = 500;

async fn insert_all<A, M>(txn: &sea_orm::DatabaseTransaction, rows: Vec<M>, bar: &ProgressBar) -> Result<(), SeedError>
where
    M: IntoActiveModel<A>,
    A: ActiveModelTrait + Send,
    <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<A> = rows.by_ref().take(BATCH).map(IntoActiveModel::into_active_model).collect();
        let n = batch.len();
        A::Entity::insert_many(batch).exec_without_returning(txn).await?;
        bar.inc(n as u64);
    }
    Ok(())
}

/// The five plans' targets (`fixtures/targets/plans.json`), shipped inside
/// the binary so that demo data has them wherever it runs.
pub const PLAN_TARGETS: &str = include_str!("../../fixtures/targets/plans.json");

/// Imports the plans' targets (chỉ tiêu) into a freshly seeded demo
/// registry through the targets use case, as the seeding national admin
/// (audited like any import). Returns how many were imported.
pub async fn demo_targets(state: &crate::state::AppState) -> Result<usize, SeedError> {
    use crate::service::{targets, write::Actor};
    let drafts = targets::parse_json(PLAN_TARGETS, "fixtures/targets/plans.json").map_err(SeedError::Targets)?;
    let actor = Actor {
        principal: crate::auth::Principal {
            subject: "seed:demo".into(),
            role: crate::auth::Role::NationalAdmin,
            province: None,
        },
        request_id: "seed".into(),
    };
    match targets::import(state, &actor, drafts, &[]).await {
        Ok(Ok(rows)) => Ok(rows.len()),
        Ok(Err(problems)) => Err(SeedError::Targets(
            problems.iter().map(|p| format!("{}: {}", p.field.join("."), p.message)).collect::<Vec<_>>().join("; "),
        )),
        Err(e) => Err(SeedError::Targets(e.to_string())),
    }
}

/// Seeds the demo registry at `scale` into an empty database, in one
/// transaction, with a progress bar when `progress` is set.
/// The status history the generated records imply: a PENDING application
/// from its creation day; a registered record ACTIVE from its registration
/// day (origin NATIONAL) and, when it is in another status now, that status
/// from its last change.
fn status_history(coops: &[cooperative::Model], unions: &[cooperative_union::Model]) -> Vec<status_change::Model> {
    let mut out = Vec::new();
    let mut push = |kind: &str, id: i64, status: &str, on: NaiveDate, reason: &str, origin: &str, at: DateTime<Utc>| {
        out.push(status_change::Model {
            id: out.len() as i64 + 1,
            entity_kind: kind.to_owned(),
            entity_id: id,
            status: status.to_owned(),
            effective_on: on,
            reason: reason.to_owned(),
            dissolution_kind: (status == "DISSOLVED").then(|| "VOLUNTARY".to_owned()),
            until: None,
            origin: origin.to_owned(),
            recorded_at: at,
        });
    };
    let rows = coops
        .iter()
        .map(|c| ("COOPERATIVE", c.id, c.status.as_str(), c.registered_on, c.created_at, c.updated_at))
        .chain(
            unions
                .iter()
                .map(|u| ("COOPERATIVE_UNION", u.id, u.status.as_str(), u.registered_on, u.created_at, u.updated_at)),
        );
    for (kind, id, status, registered_on, created_at, updated_at) in rows {
        match registered_on {
            None => push(kind, id, "PENDING", created_at.date_naive(), "application submitted", "PROVINCE", created_at),
            Some(on) => {
                push(kind, id, "ACTIVE", on, "registered", "NATIONAL", created_at);
                if status != "ACTIVE" {
                    push(
                        kind,
                        id,
                        status,
                        updated_at.date_naive().max(on),
                        "recorded by the province",
                        "PROVINCE",
                        updated_at,
                    );
                }
            }
        }
    }
    out
}

pub async fn demo(
    db: &DatabaseConnection,
    g: &Gazetteer,
    scale: u32,
    progress: bool,
) -> Result<SeedSummary, SeedError> {
    let existing = cooperative::Entity::find().count(db).await?;
    if !registry_is_empty(db).await? {
        return Err(SeedError::NotEmpty(existing));
    }
    let registry = Generator::new(g)?.generate(scale.max(1) as usize);
    let pending: Vec<i64> = registry.cooperatives.iter().filter(|c| c.code.is_none()).map(|c| c.id).collect();
    let summary = SeedSummary {
        persons: registry.persons.len(),
        cooperatives: registry.cooperatives.len(),
        unions: registry.unions.len(),
        groups: registry.groups.len(),
        annual_reports: registry.reports.len(),
    };
    let total = summary.persons + summary.cooperatives + summary.unions + summary.groups + summary.annual_reports;
    let bar = if progress { ProgressBar::new(total as u64) } else { ProgressBar::hidden() };
    bar.set_style(
        ProgressStyle::with_template("{spinner} seeding [{bar:40}] {pos}/{len} rows ({per_sec}, {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let history = status_history(&registry.cooperatives, &registry.unions);
    let txn = db.begin().await?;
    insert_all(&txn, registry.persons, &bar).await?;
    insert_all(&txn, registry.unions, &bar).await?;
    insert_all(&txn, registry.cooperatives, &bar).await?;
    insert_all(&txn, registry.groups, &bar).await?;
    insert_all(&txn, registry.reports, &bar).await?;
    insert_all(&txn, history, &bar).await?;
    // Pending applications wait for national registration.
    for id in pending {
        let coop = storage::records::cooperative(&txn, id)
            .await?
            .ok_or_else(|| SeedError::Sync(format!("cooperative {id} was not inserted")))?;
        let rep = match coop.legal_representative_id {
            Some(p) => storage::records::person(&txn, p).await?,
            None => None,
        };
        let content = crate::service::national::cooperative_content(g, &coop, rep.as_ref());
        let delivery = crate::national::Delivery::Register(content);
        storage::outbox::enqueue_on(&txn, crate::domain::EntityKind::Cooperative, id, &delivery).await?;
    }
    txn.commit().await?;
    storage::reset_sequences(
        db,
        &["person", "cooperative_union", "cooperative", "cooperative_group", "annual_report", "status_change"],
    )
    .await?;
    storage::analyze(db).await?;
    // Loaded outside the unit of work: the kept facts are built again.
    storage::facts::forget(db).await?;
    bar.finish_and_clear();
    Ok(summary)
}

/// What a reset restored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResetSummary {
    /// The demo registry seeded again.
    pub seeded: SeedSummary,
    /// The plans' targets imported again.
    pub targets: usize,
}

/// The partner sandbox's reset (`coopgate seed --demo --reset`,
/// `POST /sandbox/reset`): empties the registry with the reset recorded in
/// the audit trail (`service::sandbox::wipe`: a national admin, the dev
/// profile unless `forced`), then seeds the same demo registry at `scale`
/// and the plans' targets again, so every record has the ids, codes and
/// content it had after the first seed.
pub async fn reset_demo(
    state: &crate::state::AppState,
    actor: &crate::service::write::Actor,
    scale: u32,
    forced: bool,
    progress: bool,
) -> Result<ResetSummary, SeedError> {
    crate::service::sandbox::wipe(state, actor, scale, forced).await.map_err(SeedError::Reset)?;
    let seeded = demo(&state.db, &state.gazetteer, scale, progress).await?;
    let targets = demo_targets(state).await?;
    Ok(ResetSummary { seeded, targets })
}
