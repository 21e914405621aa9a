//! The kept facts (`org_fact`, `ward_fact`, `fact_state`; see
//! `service::aggregates`): maintained inside the unit of work's transaction
//! from the rule of the facts (`storage::targets::facts_where`), and read
//! as counters per ward.

use super::statistics::Territory;
use super::targets::{facts_where, FactsOf, LocatedFact};
use super::write::WriteTxn;
use super::StorageError;
use crate::domain::fact_counts::{self, FactSums};
use crate::domain::targets::OrgKindFact;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, FromQueryResult, Statement, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Rows per multi-row INSERT (10 values each: within both engines' limits).
const CHUNK: usize = 400;

/// One statement's text and values, with placeholders of its engine.
struct Sql {
    backend: DbBackend,
    text: String,
    values: Vec<Value>,
}

impl Sql {
    fn new(backend: DbBackend) -> Self {
        Sql { backend, text: String::new(), values: Vec::new() }
    }

    /// Appends a placeholder bound to `v`.
    fn bind(&mut self, v: impl Into<Value>) {
        self.values.push(v.into());
        match self.backend {
            DbBackend::Postgres => self.text.push_str(&format!("${}", self.values.len())),
            _ => self.text.push('?'),
        }
    }

    fn push(&mut self, s: &str) {
        self.text.push_str(s);
    }

    /// `IN (…)` of `ids` (never empty: callers skip empty lists).
    fn list<T: Into<Value> + Copy>(&mut self, ids: &[T]) {
        self.push("(");
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(*id);
        }
        self.push(")");
    }

    fn statement(self) -> Statement {
        Statement::from_sql_and_values(self.backend, self.text, self.values)
    }
}

fn kind_code(k: OrgKindFact) -> i32 {
    match k {
        OrgKindFact::Cooperative => 0,
        OrgKindFact::Union => 1,
        OrgKindFact::Group => 2,
    }
}

/// Whether the kept facts were built (`fact_state` has its row).
pub async fn is_built(db: &DatabaseConnection) -> Result<bool, StorageError> {
    built_on(db).await
}

async fn built_on<C: ConnectionTrait>(c: &C) -> Result<bool, StorageError> {
    let st = Statement::from_string(c.get_database_backend(), "SELECT id FROM fact_state WHERE id = 1");
    Ok(c.query_one(st).await?.is_some())
}

/// Marks the kept facts as not built: the next read rebuilds them. For bulk
/// loads that write outside the unit of work (the seed generator).
pub async fn forget(db: &DatabaseConnection) -> Result<(), StorageError> {
    db.execute_unprepared("DELETE FROM fact_state").await?;
    Ok(())
}

/// Builds the kept facts from the whole registry, inside a write
/// transaction, unless they were built meanwhile; `true` if it built them.
pub async fn build(w: &WriteTxn, now: chrono::DateTime<chrono::Utc>) -> Result<bool, StorageError> {
    let c = &w.txn;
    if built_on(c).await? {
        return Ok(false);
    }
    c.execute_unprepared("DELETE FROM org_fact").await?;
    c.execute_unprepared("DELETE FROM ward_fact").await?;
    let all = facts_where(c, FactsOf::Territory(&Territory::default())).await?;
    let mut wards: BTreeMap<(i32, i32, String), FactSums> = BTreeMap::new();
    for f in &all {
        wards.entry((f.ward_id, f.province_id, fact_counts::key(&f.fact))).or_default().add(&FactSums::of(&f.fact), 1);
    }
    insert_orgs(w, &all).await?;
    let rows: Vec<_> = wards.into_iter().collect();
    for chunk in rows.chunks(CHUNK) {
        let mut q = Sql::new(w.backend());
        q.push("INSERT INTO ward_fact (ward_id, province_id, fact_key, n, members, member_cooperatives, income_weight, income_members) VALUES ");
        for (i, ((ward, province, key), s)) in chunk.iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" });
            ward_values(&mut q, *ward, *province, key, s);
            q.push(")");
        }
        c.execute(q.statement()).await?;
    }
    let mut q = Sql::new(w.backend());
    q.push("INSERT INTO fact_state (id, built_at) VALUES (1, ");
    q.bind(now);
    q.push(")");
    c.execute(q.statement()).await?;
    Ok(true)
}

fn ward_values(q: &mut Sql, ward: i32, province: i32, key: &str, s: &FactSums) {
    q.bind(ward);
    q.push(", ");
    q.bind(province);
    q.push(", ");
    q.bind(key.to_owned());
    for v in [s.n, s.members, s.member_cooperatives, s.income_weight, s.income_members] {
        q.push(", ");
        q.bind(v);
    }
}

async fn insert_orgs(w: &WriteTxn, facts: &[LocatedFact]) -> Result<(), StorageError> {
    for chunk in facts.chunks(CHUNK) {
        let mut q = Sql::new(w.backend());
        orgs_insert(&mut q, chunk);
        w.txn.execute(q.statement()).await?;
    }
    Ok(())
}

/// `INSERT INTO org_fact … VALUES …` of `facts` (not empty).
fn orgs_insert(q: &mut Sql, facts: &[LocatedFact]) {
    q.push("INSERT INTO org_fact (kind, org_id, ward_id, province_id, union_id, fact_key, members, member_cooperatives, income_weight, income_members) VALUES ");
    for (i, f) in facts.iter().enumerate() {
        let s = FactSums::of(&f.fact);
        q.push(if i == 0 { "(" } else { ", (" });
        q.bind(kind_code(f.fact.kind));
        q.push(", ");
        q.bind(f.id);
        q.push(", ");
        q.bind(f.ward_id);
        q.push(", ");
        q.bind(f.province_id);
        q.push(", ");
        q.bind(f.union_id);
        q.push(", ");
        q.bind(fact_counts::key(&f.fact));
        for v in [s.members, s.member_cooperatives, s.income_weight, s.income_members] {
            q.push(", ");
            q.bind(v);
        }
        q.push(")");
    }
}

/// The ward counters of `moved` (not empty), moved by their differences.
fn wards_upsert(q: &mut Sql, moved: &[((i32, i32, String), FactSums)]) {
    q.push("INSERT INTO ward_fact (ward_id, province_id, fact_key, n, members, member_cooperatives, income_weight, income_members) VALUES ");
    for (i, ((ward, province, key), s)) in moved.iter().enumerate() {
        q.push(if i == 0 { "(" } else { ", (" });
        ward_values(q, *ward, *province, key, s);
        q.push(")");
    }
    q.push(
        " ON CONFLICT (ward_id, fact_key) DO UPDATE SET n = ward_fact.n + excluded.n, \
         members = ward_fact.members + excluded.members, \
         member_cooperatives = ward_fact.member_cooperatives + excluded.member_cooperatives, \
         income_weight = ward_fact.income_weight + excluded.income_weight, \
         income_members = ward_fact.income_members + excluded.income_members",
    );
}

#[derive(FromQueryResult)]
struct KeptOrg {
    kind: i32,
    ward_id: i32,
    province_id: i32,
    union_id: Option<i64>,
    fact_key: String,
    members: i64,
    member_cooperatives: i64,
    income_weight: i64,
    income_members: i64,
}

/// Which organisations of each kind: cooperatives, unions, groups.
type Ids = [BTreeSet<i64>; 3];

/// Deletes the kept rows of the organisations `ids` names and returns them
/// (one statement: `DELETE … RETURNING`, on both engines).
async fn take_kept(w: &WriteTxn, ids: &Ids) -> Result<Vec<KeptOrg>, StorageError> {
    let mut q = Sql::new(w.backend());
    q.push("DELETE FROM org_fact WHERE ");
    let mut first = true;
    for (k, set) in ids.iter().enumerate() {
        if set.is_empty() {
            continue;
        }
        q.push(if first { "(kind = " } else { " OR (kind = " });
        first = false;
        q.push(&k.to_string());
        q.push(" AND org_id IN ");
        q.list(&set.iter().copied().collect::<Vec<_>>());
        q.push(")");
    }
    if first {
        return Ok(Vec::new());
    }
    q.push(" RETURNING kind, ward_id, province_id, union_id, fact_key, members, member_cooperatives, income_weight, income_members");
    Ok(KeptOrg::find_by_statement(q.statement()).all(&w.txn).await?)
}

/// Derives again the facts of the organisations `changed` names (and of the
/// unions a changed cooperative left or joined), replaces their kept rows
/// and moves the ward counters by the difference. Runs inside the write
/// transaction that changed them.
pub async fn refresh(w: &WriteTxn, changed: &[(OrgKindFact, i64)]) -> Result<(), StorageError> {
    let mut ids: Ids = Default::default();
    for (k, id) in changed {
        ids[kind_code(*k) as usize].insert(*id);
    }
    if ids.iter().all(BTreeSet::is_empty) {
        return Ok(());
    }
    // The kept rows of the organisations: taken out (and replaced below).
    let mut old = take_kept(w, &ids).await?;
    let mut new = derive(w, &ids).await?;
    // A cooperative's union counts it: the unions it left or joined change too.
    let unions: BTreeSet<i64> = old
        .iter()
        .filter(|o| o.kind == 0)
        .filter_map(|o| o.union_id)
        .chain(new.iter().filter(|f| f.fact.kind == OrgKindFact::Cooperative).filter_map(|f| f.union_id))
        .filter(|u| !ids[1].contains(u))
        .collect();
    if !unions.is_empty() {
        let more: Ids = [BTreeSet::new(), unions.clone(), BTreeSet::new()];
        old.extend(take_kept(w, &more).await?);
        new.extend(derive(w, &more).await?);
    }
    let mut delta: HashMap<(i32, i32, String), FactSums> = HashMap::new();
    for o in &old {
        let s = FactSums {
            n: 1,
            members: o.members,
            member_cooperatives: o.member_cooperatives,
            income_weight: o.income_weight,
            income_members: o.income_members,
        };
        delta.entry((o.ward_id, o.province_id, o.fact_key.clone())).or_default().add(&s, -1);
    }
    for f in &new {
        delta.entry((f.ward_id, f.province_id, fact_counts::key(&f.fact))).or_default().add(&FactSums::of(&f.fact), 1);
    }
    // The new kept rows, and the ward counters moved by the difference (on
    // PostgreSQL in one statement when both fit: a data-modifying WITH).
    let moved: Vec<_> = delta.into_iter().filter(|(_, s)| !s.is_zero()).collect();
    let small = (1..=CHUNK).contains(&new.len()) && (1..=CHUNK).contains(&moved.len());
    if w.backend() == DbBackend::Postgres && small {
        let mut q = Sql::new(DbBackend::Postgres);
        q.push("WITH kept AS (");
        orgs_insert(&mut q, &new);
        q.push(") ");
        wards_upsert(&mut q, &moved);
        w.txn.execute(q.statement()).await?;
    } else {
        insert_orgs(w, &new).await?;
        for chunk in moved.chunks(CHUNK) {
            let mut q = Sql::new(w.backend());
            wards_upsert(&mut q, chunk);
            w.txn.execute(q.statement()).await?;
        }
    }
    // Only a counter that went down can have reached zero.
    let wards: Vec<i32> =
        moved.iter().filter(|(_, s)| s.n < 0).map(|((w, _, _), _)| *w).collect::<BTreeSet<_>>().into_iter().collect();
    if wards.is_empty() {
        return Ok(());
    }
    let mut q = Sql::new(w.backend());
    q.push("DELETE FROM ward_fact WHERE n = 0 AND ward_id IN ");
    q.list(&wards);
    w.txn.execute(q.statement()).await?;
    Ok(())
}

async fn derive(w: &WriteTxn, ids: &Ids) -> Result<Vec<LocatedFact>, StorageError> {
    let v = |i: usize| ids[i].iter().copied().collect::<Vec<_>>();
    let (c, u, g) = (v(0), v(1), v(2));
    facts_where(&w.txn, FactsOf::Ids { cooperatives: &c, unions: &u, groups: &g }).await
}

#[derive(FromQueryResult)]
struct Counter {
    j: i32,
    fact_key: String,
    n: i64,
    members: i64,
    member_cooperatives: i64,
    income_weight: i64,
    income_members: i64,
}

/// What [`counters`] read: the change log's latest sequence, and the
/// counters (tag, fact key, sums) of the territories whose kept figures
/// were not computed at that sequence.
pub type Counters = (i64, Vec<(i32, String, FactSums)>);

/// The fact counters of each territory (`(tag, territory, kept)`: `kept`
/// is the sequence its figures were kept at, -1 for none), summed over
/// its wards, and the change log's latest sequence — in one statement, so
/// that the counters are those of that sequence. A territory whose `kept`
/// equals the sequence read has no counters in the answer (its kept
/// figures are current).
pub async fn counters(
    db: &DatabaseConnection,
    territories: &[(i32, Territory, i64)],
) -> Result<Counters, StorageError> {
    const LATEST: &str = "(SELECT COALESCE(MAX(sequence), 0) FROM change_event)";
    let mut q = Sql::new(db.get_database_backend());
    q.push(&format!(
        "SELECT CAST(-1 AS INTEGER) AS j, '' AS fact_key, CAST({LATEST} AS BIGINT) AS n, CAST(0 AS BIGINT) AS members, \
         CAST(0 AS BIGINT) AS member_cooperatives, CAST(0 AS BIGINT) AS income_weight, CAST(0 AS BIGINT) AS income_members"
    ));
    for (tag, t, kept) in territories {
        q.push(&format!(
            " UNION ALL SELECT CAST({tag} AS INTEGER), fact_key, CAST(SUM(n) AS BIGINT), CAST(SUM(members) AS BIGINT), \
             CAST(SUM(member_cooperatives) AS BIGINT), CAST(SUM(income_weight) AS BIGINT), CAST(SUM(income_members) AS BIGINT) \
             FROM ward_fact WHERE {LATEST} <> "
        ));
        q.bind(*kept);
        if let Some(p) = t.province_id {
            q.push(" AND province_id = ");
            q.bind(p);
        }
        if let Some(w) = &t.ward_ids {
            if w.is_empty() {
                q.push(" AND 1 = 0");
            } else {
                q.push(" AND ward_id IN ");
                q.list(w);
            }
        }
        q.push(" GROUP BY fact_key");
    }
    let mut latest = 0;
    let mut out = Vec::new();
    for r in Counter::find_by_statement(q.statement()).all(db).await? {
        if r.j == -1 {
            latest = r.n;
            continue;
        }
        let s = FactSums {
            n: r.n,
            members: r.members,
            member_cooperatives: r.member_cooperatives,
            income_weight: r.income_weight,
            income_members: r.income_members,
        };
        out.push((r.j, r.fact_key, s));
    }
    Ok((latest, out))
}
