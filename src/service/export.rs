//! Bulk exports for mirrors and analysts (xuất dữ liệu): every cooperative,
//! union and group of the country or of one 2025 province, as JSON lines or
//! CSV, read in one snapshot in pages of [`PAGE`] rows and written as they
//! are read (memory does not grow with the registry), personal data only
//! where the caller may see it, ending with the change-feed sequence the
//! export is consistent with: a mirror that loads it and then follows
//! `changes(after: consistentWithSequence)` equals the registry.
//!
//! `startExport` records a job; a background task of any replica claims it
//! (a conditional update, so one replica runs it), writes the file into the
//! database in chunks, and the caller who started it downloads it from
//! `/exports/{id}` until it expires.

use super::ServiceError;
use crate::auth::{self, Principal, Role};
use crate::domain::Msg;
use crate::domain::{Gazetteer, ProvinceCode};
use crate::state::AppState;
use crate::storage::export::{self as store, NewJob, Outcome, Snapshot};
use crate::storage::organisations::OrgKind;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Utc;
use entity::{cooperative, cooperative_group, cooperative_union, export_job, person};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;

/// The latest annual report's (high technology, value chain) flags of a
/// page's organisations, by id.
type Flags = HashMap<i64, (bool, bool)>;

/// An organisation's flags as every public reading gives them
/// (`domain::targets::counted_flag`): its latest report's, its record's
/// only when it never reported.
fn counted(flags: &Flags, id: i64, high_tech: bool, value_chain_linked: bool) -> (bool, bool) {
    let latest = flags.get(&id);
    (
        crate::domain::targets::counted_flag(high_tech, latest.map(|f| f.0)),
        crate::domain::targets::counted_flag(value_chain_linked, latest.map(|f| f.1)),
    )
}

/// Organisations read per statement.
pub const PAGE: u64 = 500;
/// Bytes per stored chunk of a job's file.
pub const CHUNK_BYTES: usize = 256 * 1024;
/// How long a replica holds a running job without writing a chunk.
pub const LEASE: Duration = Duration::from_secs(60);

/// The file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line; the last line is `{"consistentWithSequence": "…", "rows": …}`.
    Jsonl,
    /// A header and one row per organisation; the last line is `#consistentWithSequence=…,rows=…`.
    Csv,
}

impl Format {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Jsonl => "JSONL",
            Format::Csv => "CSV",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "JSONL" => Some(Format::Jsonl),
            "CSV" => Some(Format::Csv),
            _ => None,
        }
    }

    /// The media type of the file.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Jsonl => "application/x-ndjson; charset=utf-8",
            Format::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// The CSV columns, in order (persons: director, and legal representative or a group's representative).
pub const CSV_COLUMNS: [&str; 27] = [
    "kind",
    "id",
    "rowId",
    "code",
    "name",
    "status",
    "sector",
    "provinceCode",
    "wardCode",
    "street",
    "registeredOn",
    "members",
    "officialMembers",
    "associateMembers",
    "charterCapital",
    "highTech",
    "valueChainLinked",
    "latestRating",
    "latestReportYear",
    "unionId",
    "version",
    "updatedAt",
    "directorName",
    "directorIdNumber",
    "directorPhone",
    "representativeName",
    "representativeIdNumber",
];

/// The global id (as `node(id:)` takes it) of a row of a GraphQL type.
pub fn global_id(type_name: &str, id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{type_name}:{id}"))
}

fn money(minor: Option<i64>) -> Value {
    minor.map_or(Value::Null, |m| Value::String(crate::domain::money::from_minor_units(m).to_string()))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Header,
    Cooperatives,
    Unions,
    Groups,
    Trailer,
    Done,
}

/// An export in progress: [`Exporter::next`] hands out the file piece by piece.
pub struct Exporter {
    snapshot: Option<Snapshot>,
    sequence: i64,
    gazetteer: std::sync::Arc<Gazetteer>,
    who: Principal,
    province_id: Option<i32>,
    format: Format,
    phase: Phase,
    after: i64,
    rows: i64,
}

/// What a finished export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Organisations.
    pub rows: i64,
    /// The change-feed sequence it is consistent with.
    pub sequence: i64,
}

/// Checks that `who` may export `province` (None: the country): national
/// admins anything, officers their own province (theirs when omitted).
/// Returns the province to export.
pub fn scope(who: &Principal, province: Option<&str>) -> Result<Option<String>, ServiceError> {
    let province = province
        .map(|p| ProvinceCode::parse(p).map(|c| c.as_str().to_owned()))
        .transpose()
        .map_err(|e| ServiceError::invalid("input.provinceCode", e))?;
    match who.role {
        Role::NationalAdmin => Ok(province),
        Role::ProvincialOfficer => {
            let own = who.province.as_ref().map(|p| p.as_str().to_owned());
            match (province, own) {
                (None, Some(own)) => Ok(Some(own)),
                (Some(p), Some(own)) if p == own => Ok(Some(p)),
                (Some(p), _) => Err(ServiceError::Forbidden(Msg::ExportOwnProvince { province: p.to_string() })),
                (None, None) => Err(ServiceError::Forbidden(Msg::ExportNoProvince)),
            }
        }
        Role::Anonymous => Err(ServiceError::Unauthenticated),
        Role::PortalReader | Role::SyncService => Err(ServiceError::Forbidden(Msg::ExportRoles)),
    }
}

impl Exporter {
    /// Opens the snapshot of an export of `province` (a 2025 code; None: the
    /// country) for `who`, whose scope must already be checked ([`scope`]).
    pub async fn open(
        state: &AppState,
        who: Principal,
        province: Option<&str>,
        format: Format,
    ) -> Result<Exporter, ServiceError> {
        let province_id = match province {
            None => None,
            Some(code) => match state.gazetteer.in_force(crate::domain::AdministrativeLevel::Province, code) {
                Some(p) => Some(p.id),
                None => {
                    return Err(ServiceError::invalid(
                        "provinceCode",
                        Msg::NoProvinceWithCode { code: code.to_string() },
                    ))
                }
            },
        };
        let (snapshot, sequence) = store::snapshot(&state.db).await?;
        Ok(Exporter {
            snapshot: Some(snapshot),
            sequence,
            gazetteer: state.gazetteer.clone(),
            who,
            province_id,
            format,
            phase: Phase::Header,
            after: 0,
            rows: 0,
        })
    }

    /// The sequence the export is consistent with.
    pub fn sequence(&self) -> i64 {
        self.sequence
    }

    /// The next piece of the file; `None` at the end (the snapshot is closed then).
    pub async fn next(&mut self) -> Result<Option<Vec<u8>>, ServiceError> {
        loop {
            let Some(snap) = &self.snapshot else { return Ok(None) };
            let out = match self.phase {
                Phase::Header => {
                    self.phase = Phase::Cooperatives;
                    match self.format {
                        Format::Csv => Some(self.csv(&CSV_COLUMNS.map(|c| Value::String(c.into())))?),
                        Format::Jsonl => None,
                    }
                }
                Phase::Cooperatives => {
                    let page = snap.cooperatives(self.province_id, self.after, PAGE).await?;
                    let people = self
                        .persons(snap, page.iter().flat_map(|c| [c.director_id, c.legal_representative_id]))
                        .await?;
                    let flags = self
                        .flags(snap, OrgKind::Cooperative, page.iter().map(|c| (c.id, c.latest_report_year)))
                        .await?;
                    let records: Vec<Value> = page.iter().map(|c| self.cooperative(c, &people, &flags)).collect();
                    self.advance(page.last().map(|c| c.id), Phase::Unions);
                    Some(self.encode(records)?)
                }
                Phase::Unions => {
                    let page = snap.unions(self.province_id, self.after, PAGE).await?;
                    let people = self.persons(snap, page.iter().map(|u| u.legal_representative_id)).await?;
                    let flags =
                        self.flags(snap, OrgKind::Union, page.iter().map(|u| (u.id, u.latest_report_year))).await?;
                    let records: Vec<Value> = page.iter().map(|u| self.union(u, &people, &flags)).collect();
                    self.advance(page.last().map(|u| u.id), Phase::Groups);
                    Some(self.encode(records)?)
                }
                Phase::Groups => {
                    let page = snap.groups(self.province_id, self.after, PAGE).await?;
                    let people = self.persons(snap, page.iter().map(|g| g.representative_id)).await?;
                    let flags =
                        self.flags(snap, OrgKind::Group, page.iter().map(|g| (g.id, g.latest_report_year))).await?;
                    let records: Vec<Value> = page.iter().map(|g| self.group(g, &people, &flags)).collect();
                    self.advance(page.last().map(|g| g.id), Phase::Trailer);
                    Some(self.encode(records)?)
                }
                Phase::Trailer => {
                    self.phase = Phase::Done;
                    Some(match self.format {
                        Format::Jsonl => {
                            let mut line = serde_json::to_vec(
                                &json!({"consistentWithSequence": self.sequence.to_string(), "rows": self.rows}),
                            )
                            .map_err(|e| ServiceError::Corrupt(e.to_string()))?;
                            line.push(b'\n');
                            line
                        }
                        Format::Csv => {
                            format!("#consistentWithSequence={},rows={}\n", self.sequence, self.rows).into_bytes()
                        }
                    })
                }
                Phase::Done => {
                    if let Some(s) = self.snapshot.take() {
                        s.close().await?;
                    }
                    return Ok(None);
                }
            };
            match out {
                Some(bytes) if !bytes.is_empty() => return Ok(Some(bytes)),
                _ => continue,
            }
        }
    }

    /// What was written, once [`Exporter::next`] returned `None`.
    pub fn summary(&self) -> Summary {
        Summary { rows: self.rows, sequence: self.sequence }
    }

    fn advance(&mut self, last: Option<i64>, next: Phase) {
        match last {
            Some(id) => self.after = id,
            None => {
                self.after = 0;
                self.phase = next;
            }
        }
    }

    async fn persons(
        &self,
        snap: &Snapshot,
        ids: impl Iterator<Item = Option<i64>>,
    ) -> Result<HashMap<i64, person::Model>, ServiceError> {
        let mut ids: Vec<i64> = ids.flatten().collect();
        ids.sort_unstable();
        ids.dedup();
        Ok(snap.persons(&ids).await?.into_iter().map(|p| (p.id, p)).collect())
    }

    /// The latest reports' flags of a page (see [`counted`]).
    async fn flags(
        &self,
        snap: &Snapshot,
        kind: OrgKind,
        rows: impl Iterator<Item = (i64, Option<i32>)>,
    ) -> Result<Flags, ServiceError> {
        let latest: Vec<(i64, i32)> = rows.filter_map(|(id, y)| y.map(|y| (id, y))).collect();
        Ok(snap.latest_report_flags(kind, &latest).await?)
    }

    fn person(&self, id: Option<i64>, people: &HashMap<i64, person::Model>, province: &str) -> Value {
        let Some(p) = id.and_then(|i| people.get(&i)) else { return Value::Null };
        let personal = auth::may_read_personal_data(&self.who, Some(province));
        json!({
            "name": p.full_name,
            "gender": p.gender,
            "idNumber": if personal { json!(p.id_number) } else { Value::Null },
            "phone": if personal { json!(p.phone) } else { Value::Null },
        })
    }

    fn place(&self, ward_id: i32) -> (String, Value) {
        let province = self.gazetteer.province_code(ward_id);
        let ward = self.gazetteer.unit(ward_id).map_or(Value::Null, |w| Value::String(w.code.clone()));
        (province, ward)
    }

    fn cooperative(&self, c: &cooperative::Model, people: &HashMap<i64, person::Model>, flags: &Flags) -> Value {
        let (high_tech, value_chain_linked) = counted(flags, c.id, c.high_tech, c.value_chain_linked);
        let (province, ward) = self.place(c.ward_id);
        json!({
            "kind": "COOPERATIVE", "id": global_id("Cooperative", c.id), "rowId": c.id, "code": c.code,
            "name": c.name, "status": c.status, "sector": c.sector, "provinceCode": province, "wardCode": ward,
            "street": c.street, "registeredOn": c.registered_on.map(|d| d.to_string()),
            "members": c.official_members + c.associate_members, "officialMembers": c.official_members,
            "associateMembers": c.associate_members, "charterCapital": money(c.charter_capital),
            "highTech": high_tech, "valueChainLinked": value_chain_linked, "latestRating": c.latest_rating,
            "latestReportYear": c.latest_report_year,
            "unionId": c.union_id.map(|u| global_id("CooperativeUnion", u)), "version": c.version,
            "updatedAt": c.updated_at.to_rfc3339(),
            "director": self.person(c.director_id, people, &province),
            "representative": self.person(c.legal_representative_id, people, &province),
        })
    }

    fn union(&self, u: &cooperative_union::Model, people: &HashMap<i64, person::Model>, flags: &Flags) -> Value {
        let (high_tech, value_chain_linked) = counted(flags, u.id, u.high_tech, u.value_chain_linked);
        let (province, ward) = self.place(u.ward_id);
        json!({
            "kind": "COOPERATIVE_UNION", "id": global_id("CooperativeUnion", u.id), "rowId": u.id, "code": u.code,
            "name": u.name, "status": u.status, "sector": u.sector, "provinceCode": province, "wardCode": ward,
            "street": u.street, "registeredOn": u.registered_on.map(|d| d.to_string()),
            "members": null, "officialMembers": null, "associateMembers": null,
            "charterCapital": money(u.charter_capital), "highTech": high_tech,
            "valueChainLinked": value_chain_linked, "latestRating": u.latest_rating,
            "latestReportYear": u.latest_report_year, "unionId": null, "version": u.version,
            "updatedAt": u.updated_at.to_rfc3339(), "director": null,
            "representative": self.person(u.legal_representative_id, people, &province),
        })
    }

    fn group(&self, g: &cooperative_group::Model, people: &HashMap<i64, person::Model>, flags: &Flags) -> Value {
        let (high_tech, value_chain_linked) = counted(flags, g.id, g.high_tech, g.value_chain_linked);
        let (province, ward) = self.place(g.ward_id);
        json!({
            "kind": "COOPERATIVE_GROUP", "id": global_id("CooperativeGroup", g.id), "rowId": g.id, "code": null,
            "name": g.name, "status": g.status, "sector": g.sector, "provinceCode": province, "wardCode": ward,
            "street": g.street, "registeredOn": g.established_on.to_string(), "members": g.members,
            "officialMembers": null, "associateMembers": null, "charterCapital": null, "highTech": high_tech,
            "valueChainLinked": value_chain_linked, "latestRating": g.latest_rating,
            "latestReportYear": g.latest_report_year, "unionId": null, "version": g.version,
            "updatedAt": g.updated_at.to_rfc3339(), "director": null,
            "representative": self.person(g.representative_id, people, &province),
        })
    }

    fn encode(&mut self, records: Vec<Value>) -> Result<Vec<u8>, ServiceError> {
        self.rows += records.len() as i64;
        let mut out = Vec::new();
        for r in records {
            match self.format {
                Format::Jsonl => {
                    serde_json::to_writer(&mut out, &r).map_err(|e| ServiceError::Corrupt(e.to_string()))?;
                    out.push(b'\n');
                }
                Format::Csv => {
                    let person = |k: &str, f: &str| r[k][f].clone();
                    let mut cells: Vec<Value> = CSV_COLUMNS[..22].iter().map(|c| r[*c].clone()).collect();
                    cells.extend([
                        person("director", "name"),
                        person("director", "idNumber"),
                        person("director", "phone"),
                        person("representative", "name"),
                        person("representative", "idNumber"),
                    ]);
                    out.extend(self.csv(&cells)?);
                }
            }
        }
        Ok(out)
    }

    fn csv(&self, cells: &[Value]) -> Result<Vec<u8>, ServiceError> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let text: Vec<String> = cells
            .iter()
            .map(|v| match v {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect();
        w.write_record(&text).map_err(|e| ServiceError::Corrupt(e.to_string()))?;
        w.into_inner().map_err(|e| ServiceError::Corrupt(e.to_string()))
    }
}

/// Starts an export job for `who` (see [`scope`]) and runs it in the
/// background on this replica; any replica takes over a job whose replica
/// stopped ([`run_pending`]).
pub async fn start(
    state: &AppState,
    who: &Principal,
    format: Format,
    province: Option<&str>,
) -> Result<export_job::Model, ServiceError> {
    let province = scope(who, province)?;
    if let Some(code) = &province {
        if state.gazetteer.in_force(crate::domain::AdministrativeLevel::Province, code).is_none() {
            return Err(ServiceError::invalid(
                "input.provinceCode",
                Msg::NoProvinceWithCode { code: code.to_string() },
            ));
        }
    }
    let job = store::insert_job(
        &state.db,
        &state.write_gate,
        NewJob {
            subject: who.subject.chars().take(200).collect(),
            role: role_name(who.role).into(),
            caller_province: who.province.as_ref().map(|p| p.as_str().to_owned()),
            province_code: province,
            format: format.as_str(),
        },
    )
    .await?;
    let (s, id) = (state.clone(), job.id);
    tokio::spawn(async move {
        if let Err(e) = run(&s, id).await {
            tracing::error!(job = id, error = %e, "export failed");
        }
    });
    Ok(job)
}

fn role_name(r: Role) -> &'static str {
    match r {
        Role::NationalAdmin => "NATIONAL_ADMIN",
        Role::ProvincialOfficer => "PROVINCIAL_OFFICER",
        Role::PortalReader => "PORTAL_READER",
        Role::SyncService => "SYNC_SERVICE",
        Role::Anonymous => "ANONYMOUS",
    }
}

/// The principal a job runs as: the one who started it, as they were then.
fn principal_of(job: &export_job::Model) -> Principal {
    let role = match job.role.as_str() {
        "NATIONAL_ADMIN" => Role::NationalAdmin,
        "PROVINCIAL_OFFICER" => Role::ProvincialOfficer,
        _ => Role::Anonymous,
    };
    Principal {
        subject: job.subject.clone(),
        role,
        province: job.caller_province.as_deref().and_then(|p| ProvinceCode::parse(p).ok()),
    }
}

/// Claims and runs one job; `Ok(false)` when another replica has it.
pub async fn run(state: &AppState, id: i64) -> Result<bool, ServiceError> {
    let now = Utc::now();
    let lease = || Utc::now() + chrono::Duration::from_std(LEASE).unwrap_or_default();
    if !store::claim(&state.db, &state.write_gate, id, now, lease()).await? {
        return Ok(false);
    }
    let Some(job) = store::job(&state.db, id).await? else { return Ok(false) };
    let result = async {
        let format =
            Format::parse(&job.format).ok_or_else(|| ServiceError::Corrupt(format!("export format {}", job.format)))?;
        let mut ex = Exporter::open(state, principal_of(&job), job.province_code.as_deref(), format).await?;
        let (mut buf, mut seq, mut bytes) = (Vec::with_capacity(CHUNK_BYTES), 0i32, 0i64);
        while let Some(piece) = ex.next().await? {
            buf.extend_from_slice(&piece);
            if buf.len() >= CHUNK_BYTES {
                bytes += buf.len() as i64;
                store::append_chunk(&state.db, &state.write_gate, id, seq, std::mem::take(&mut buf), lease()).await?;
                seq += 1;
            }
        }
        if !buf.is_empty() {
            bytes += buf.len() as i64;
            store::append_chunk(&state.db, &state.write_gate, id, seq, buf, lease()).await?;
        }
        Ok::<_, ServiceError>((ex.summary(), bytes))
    }
    .await;
    let outcome = match &result {
        Ok((summary, bytes)) => Outcome {
            state: "DONE",
            rows: Some(summary.rows),
            sequence: Some(summary.sequence),
            bytes: Some(*bytes),
            expires_at: Some(Utc::now() + chrono::Duration::from_std(state.reporting.export_ttl).unwrap_or_default()),
        },
        Err(_) => Outcome { state: "FAILED", rows: None, sequence: None, bytes: None, expires_at: None },
    };
    store::finish(&state.db, &state.write_gate, id, outcome).await?;
    result.map(|_| true)
}

/// Runs the jobs no replica is running (queued while every replica was
/// busy or down, or left by a replica that stopped) and deletes expired
/// files: what the background task of `serve` does every few seconds.
pub async fn run_pending(state: &AppState) -> Result<(), ServiceError> {
    store::delete_expired(&state.db, &state.write_gate, Utc::now()).await?;
    for id in store::runnable(&state.db, Utc::now(), 10).await? {
        run(state, id).await?;
    }
    Ok(())
}

/// A job as its owner may see it; `None` when it does not exist or belongs
/// to someone else (the same answer, so ids cannot be probed).
pub async fn job_for(state: &AppState, who: &Principal, id: i64) -> Result<Option<export_job::Model>, ServiceError> {
    if who.role == Role::Anonymous {
        return Err(ServiceError::Unauthenticated);
    }
    Ok(store::job(&state.db, id).await?.filter(|j| j.subject == who.subject))
}

/// Whether a job's file can be downloaded now.
pub fn downloadable(job: &export_job::Model) -> bool {
    job.state == "DONE" && job.expires_at.is_some_and(|t| t > Utc::now())
}

/// Chunk `seq` of a job's file.
pub async fn chunk(state: &AppState, id: i64, seq: i32) -> Result<Option<Vec<u8>>, ServiceError> {
    Ok(store::chunk(&state.db, id, seq).await?)
}
