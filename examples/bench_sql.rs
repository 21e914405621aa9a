//! The benchmark's hand-written-SQL peer (bench/README.md): the answers of
//! Q1–Q5 served over HTTP with no GraphQL layer, one hand-written PostgreSQL
//! statement per request that builds the JSON itself (Q4's computes every
//! target's progress from the registry, as coopgate's answer has it). Not part of the
//! coopgate service; it only shows what the same data costs served as
//! directly as it can be.
//!
//! `DATABASE_URL=postgres://… BIND=127.0.0.1:5690 cargo run --release --example bench_sql`
//!
//! Every endpoint takes a JSON object of parameters by POST:
//! `/q1 {"province": "01", "n": 50}`, `/q2 {"code": "0100000001"}`,
//! `/q3 {"province": "01"}`, `/q4 {"province": "56"}`, `/q5 {}`.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use chrono::Datelike;
use sea_orm::sqlx::postgres::PgPoolOptions;
use sea_orm::sqlx::{self, PgPool};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// The first 50 cooperatives of a province with ward, province and union names.
const Q1: &str = "SELECT COALESCE(json_agg(json_build_object(
    'code', c.code, 'name', c.name, 'rating', c.latest_rating,
    'officialMembers', c.official_members, 'associateMembers', c.associate_members,
    'ward', w.name, 'province', p.name, 'union', u.name) ORDER BY c.id), '[]')::text
  FROM (SELECT * FROM cooperative WHERE province_id = (SELECT id FROM administrative_unit
          WHERE code = $1 AND level = 'PROVINCE' AND valid_to IS NULL) ORDER BY id LIMIT $2) c
  JOIN administrative_unit w ON w.id = c.ward_id
  JOIN administrative_unit p ON p.id = c.province_id
  LEFT JOIN cooperative_union u ON u.id = c.union_id";

/// One cooperative by code, its reports and its union's member count.
const Q2: &str = "SELECT json_build_object('code', c.code, 'name', c.name, 'status', c.status,
    'officialMembers', c.official_members,
    'annualReports', (SELECT COALESCE(json_agg(json_build_object('year', r.year, 'rating', r.rating,
        'revenue', r.revenue, 'officialMembers', r.official_members) ORDER BY r.year), '[]')
      FROM annual_report r WHERE r.cooperative_id = c.id),
    'union', (SELECT json_build_object('code', u.code, 'name', u.name,
        'members', (SELECT count(*) FROM cooperative m WHERE m.union_id = u.id))
      FROM cooperative_union u WHERE u.id = c.union_id))::text
  FROM cooperative c WHERE c.code = $1";

/// A province's operating cooperatives, their members and counts by sector.
const Q3: &str =
    "WITH p AS (SELECT id FROM administrative_unit WHERE code = $1 AND level = 'PROVINCE' AND valid_to IS NULL),
  s AS (SELECT sector, count(*) AS n, sum(official_members + associate_members) AS m FROM cooperative
        WHERE province_id = (SELECT id FROM p) AND status IN ('ACTIVE', 'SUSPENDED') GROUP BY sector)
  SELECT json_build_object('cooperatives', COALESCE((SELECT sum(n) FROM s), 0),
    'cooperativeMembers', COALESCE((SELECT sum(m) FROM s), 0),
    'bySector', COALESCE((SELECT json_object_agg(sector, n ORDER BY sector) FROM s), '{}'))::text";

/// Every target of a province (its predecessors' included) with its
/// progress, computed here from the registry the way coopgate's rule of the
/// facts (`storage::targets::facts_where`) and `domain::targets::compute`
/// count (see bench/NOTES.md, "Q3/Q4, session 5"): the organisations located
/// in each target's jurisdiction (`$1`/`$2`: jurisdictions counted by
/// province, with that province; `$3`/`$4`: jurisdictions counted by ward,
/// one row per ward), with their latest report's flags, income and members
/// and their director's gender; one figure per target by its indicator and
/// scope, the latest reported figure for the outside indicators, and whether
/// it is attained within the indicator's tolerance. `$5` the targets'
/// jurisdictions, `$6` the year NEW_GROUPS_PER_YEAR counts.
const Q4: &str = "WITH jp AS (SELECT * FROM unnest($1::int[], $2::int[]) AS x(j, province)),
jw AS (SELECT * FROM unnest($3::int[], $4::int[]) AS x(j, ward)),
t AS (SELECT * FROM target WHERE jurisdiction_id = ANY($5::int[])),
org AS (
  SELECT x.j, 0 AS kind, x.status IN ('ACTIVE', 'SUSPENDED') AS active, x.sector, x.latest_rating AS rating,
    COALESCE(r.high_tech, x.high_tech) AS ht, COALESCE(r.value_chain_linked, x.value_chain_linked) AS vc,
    (x.official_members + x.associate_members)::bigint AS members, p.gender = 'FEMALE' AS female,
    r.average_member_income AS income, (r.official_members + r.associate_members)::bigint AS rm,
    NULL::int AS est_year, 0::bigint AS mc
  FROM (SELECT jp.j, c.* FROM jp JOIN cooperative c ON c.province_id = jp.province
        UNION ALL SELECT jw.j, c.* FROM jw JOIN cooperative c ON c.ward_id = jw.ward) x
  LEFT JOIN annual_report r ON r.cooperative_id = x.id AND r.year = x.latest_report_year
  LEFT JOIN person p ON p.id = x.director_id
  UNION ALL
  SELECT x.j, 1, x.status IN ('ACTIVE', 'SUSPENDED'), x.sector, x.latest_rating,
    COALESCE(r.high_tech, x.high_tech), COALESCE(r.value_chain_linked, x.value_chain_linked),
    0::bigint, p.gender = 'FEMALE', r.average_member_income, (r.official_members + r.associate_members)::bigint,
    NULL::int, (SELECT count(*) FROM cooperative m WHERE m.union_id = x.id)
  FROM (SELECT jp.j, u.* FROM jp JOIN cooperative_union u ON u.province_id = jp.province
        UNION ALL SELECT jw.j, u.* FROM jw JOIN cooperative_union u ON u.ward_id = jw.ward) x
  LEFT JOIN annual_report r ON r.union_id = x.id AND r.year = x.latest_report_year
  LEFT JOIN person p ON p.id = x.director_id
  UNION ALL
  SELECT x.j, 2, x.status = 'ACTIVE', x.sector, x.latest_rating,
    COALESCE(r.high_tech, x.high_tech), COALESCE(r.value_chain_linked, x.value_chain_linked),
    x.members::bigint, NULL::boolean, r.average_member_income, (r.official_members + r.associate_members)::bigint,
    EXTRACT(YEAR FROM x.established_on)::int, 0::bigint
  FROM (SELECT jp.j, g.* FROM jp JOIN cooperative_group g ON g.province_id = jp.province
        UNION ALL SELECT jw.j, g.* FROM jw JOIN cooperative_group g ON g.ward_id = jw.ward) x
  LEFT JOIN annual_report r ON r.group_id = x.id AND r.year = x.latest_report_year
),
pair AS (
  SELECT t.id, t.indicator, o.kind, o.active, o.rating, o.ht, o.members, o.mc, o.income, o.rm, o.est_year,
    CASE t.scope WHEN 'ALL_COLLECTIVE' THEN true WHEN 'COOPERATIVES' THEN o.kind = 0 WHEN 'UNIONS' THEN o.kind = 1
      WHEN 'GROUPS' THEN o.kind = 2 WHEN 'AGRICULTURE_COOPERATIVES' THEN o.kind = 0 AND o.sector = 'AGRICULTURE' END AS sc,
    CASE t.indicator WHEN 'EFFECTIVE_SHARE' THEN o.rating IN ('GOOD', 'FAIR') WHEN 'VALUE_CHAIN_SHARE' THEN o.vc
      WHEN 'HIGH_TECH_COOPERATIVE_SHARE' THEN o.ht WHEN 'AGRICULTURE_COOPERATIVE_SHARE' THEN o.sector = 'AGRICULTURE'
      WHEN 'FEMALE_DIRECTOR_SHARE' THEN o.female END AS h,
    t.within_indicator = '' OR CASE t.within_indicator WHEN 'EFFECTIVE_SHARE' THEN o.rating IN ('GOOD', 'FAIR')
      WHEN 'VALUE_CHAIN_SHARE' THEN o.vc WHEN 'HIGH_TECH_COOPERATIVE_SHARE' THEN o.ht
      WHEN 'AGRICULTURE_COOPERATIVE_SHARE' THEN o.sector = 'AGRICULTURE' WHEN 'FEMALE_DIRECTOR_SHARE' THEN o.female
      END IS TRUE AS w
  FROM t JOIN org o ON o.j = t.jurisdiction_id
),
agg AS (
  SELECT id,
    sum(CASE WHEN NOT (active AND sc) AND indicator <> 'NEW_GROUPS_PER_YEAR' THEN 0 ELSE CASE indicator
      WHEN 'COOPERATIVE_COUNT' THEN CASE WHEN kind = 0 THEN 1 ELSE 0 END
      WHEN 'UNION_COUNT' THEN CASE WHEN kind = 1 THEN 1 ELSE 0 END
      WHEN 'GROUP_COUNT' THEN CASE WHEN kind = 2 THEN 1 ELSE 0 END
      WHEN 'COOPERATIVE_MEMBERS' THEN CASE WHEN kind = 0 THEN members ELSE 0 END
      WHEN 'GROUP_MEMBERS' THEN CASE WHEN kind = 2 THEN members ELSE 0 END
      WHEN 'UNION_MEMBER_COOPERATIVES' THEN CASE WHEN kind = 1 THEN mc ELSE 0 END
      WHEN 'NEW_GROUPS_PER_YEAR' THEN CASE WHEN sc AND kind = 2 AND est_year = $6 THEN 1 ELSE 0 END
      WHEN 'WEAK_COOPERATIVE_COUNT' THEN CASE WHEN kind = 0 AND rating = 'WEAK' THEN 1 ELSE 0 END
      WHEN 'HIGH_TECH_COOPERATIVE_COUNT' THEN CASE WHEN kind = 0 AND ht THEN 1 ELSE 0 END
      WHEN 'HIGH_TECH_GROUP_COUNT' THEN CASE WHEN kind = 2 AND ht THEN 1 ELSE 0 END
      WHEN 'AVERAGE_MEMBERS_PER_COOPERATIVE' THEN CASE WHEN kind = 0 THEN members ELSE 0 END
      WHEN 'AVERAGE_MEMBER_INCOME' THEN CASE WHEN income IS NOT NULL AND rm IS NOT NULL THEN income::numeric * rm ELSE 0 END
      ELSE CASE WHEN w AND (indicator <> 'FEMALE_DIRECTOR_SHARE' OR kind <> 2) AND h THEN 1 ELSE 0 END
    END END) AS num,
    sum(CASE WHEN NOT (active AND sc) THEN 0 ELSE CASE indicator
      WHEN 'AVERAGE_MEMBERS_PER_COOPERATIVE' THEN CASE WHEN kind = 0 THEN 1 ELSE 0 END
      WHEN 'AVERAGE_MEMBER_INCOME' THEN CASE WHEN income IS NOT NULL AND rm IS NOT NULL THEN rm ELSE 0 END
      ELSE CASE WHEN w AND (indicator <> 'FEMALE_DIRECTOR_SHARE' OR kind <> 2) AND h IS NOT NULL THEN 1 ELSE 0 END
    END END) AS den
  FROM pair GROUP BY id
),
v AS (
  SELECT t.*, CASE
      WHEN t.indicator IN ('TOP_100_COUNT', 'POPULATION_PARTICIPATION_SHARE', 'FARM_HOUSEHOLD_PARTICIPATION_SHARE') THEN
        (SELECT r.actual FROM target_progress_report r WHERE r.target_id = t.id ORDER BY r.as_of DESC, r.id DESC LIMIT 1)
      WHEN t.indicator = 'AVERAGE_MEMBER_INCOME' THEN (a.num / 100)::float8 / NULLIF(a.den, 0)::float8
      WHEN t.indicator = 'AVERAGE_MEMBERS_PER_COOPERATIVE' THEN a.num::float8 / NULLIF(a.den, 0)::float8
      WHEN t.indicator IN ('EFFECTIVE_SHARE', 'VALUE_CHAIN_SHARE', 'HIGH_TECH_COOPERATIVE_SHARE',
          'AGRICULTURE_COOPERATIVE_SHARE', 'FEMALE_DIRECTOR_SHARE') THEN a.num::float8 * 100::float8 / NULLIF(a.den, 0)::float8
      ELSE COALESCE(a.num, 0)::float8 END AS actual,
    CASE WHEN t.indicator IN ('EFFECTIVE_SHARE', 'VALUE_CHAIN_SHARE', 'HIGH_TECH_COOPERATIVE_SHARE',
          'AGRICULTURE_COOPERATIVE_SHARE', 'FEMALE_DIRECTOR_SHARE', 'POPULATION_PARTICIPATION_SHARE',
          'FARM_HOUSEHOLD_PARTICIPATION_SHARE') THEN 0.05::float8
      WHEN t.indicator = 'AVERAGE_MEMBER_INCOME' THEN 0.5::float8
      WHEN t.indicator = 'AVERAGE_MEMBERS_PER_COOPERATIVE' THEN 0.05::float8
      ELSE 1e-9::float8 END AS tol,
    t.indicator IN ('TOP_100_COUNT', 'POPULATION_PARTICIPATION_SHARE', 'FARM_HOUSEHOLD_PARTICIPATION_SHARE') AS reported
  FROM t LEFT JOIN agg a ON a.id = t.id
)
SELECT COALESCE(json_agg(json_build_object('id', v.id, 'indicator', v.indicator, 'comparator', v.comparator,
    'value', v.value, 'min', v.min, 'max', v.max, 'year', v.year, 'progress', json_build_object(
      'actual', v.actual,
      'attained', CASE v.comparator
        WHEN 'EXACTLY' THEN abs(v.actual - v.value) <= v.tol
        WHEN 'ABOUT' THEN abs(v.actual - v.value) <= abs(v.value) * 0.10::float8 + v.tol
        WHEN 'AT_LEAST' THEN v.actual >= v.value - v.tol
        WHEN 'MORE_THAN' THEN v.actual > v.value + v.tol
        WHEN 'AT_MOST' THEN v.actual <= v.value + v.tol
        WHEN 'BETWEEN' THEN v.actual >= v.min - v.tol AND v.actual <= v.max + v.tol END,
      'source', CASE WHEN NOT v.reported THEN 'COMPUTED' WHEN v.actual IS NULL THEN 'UNAVAILABLE' ELSE 'REPORTED' END))
  ORDER BY v.id), '[]')::text
FROM v";

/// A page of 100 changes from the change feed.
const Q5: &str = "SELECT COALESCE(json_agg(json_build_object('sequence', e.sequence::text, 'kind', e.kind,
    'entityKind', e.entity_kind, 'entityId', e.entity_id, 'provinceCode', e.province_code,
    'version', e.version, 'at', e.at) ORDER BY e.sequence), '[]')::text
  FROM (SELECT * FROM change_event WHERE sequence > $1 ORDER BY sequence LIMIT 100) e";

/// Q4's parameters for one province: its jurisdictions, and the territory
/// of each as two pairs of arrays (jurisdiction, province) and
/// (jurisdiction, ward).
#[derive(Default, Clone)]
struct Within {
    ids: Vec<i32>,
    by_province: (Vec<i32>, Vec<i32>),
    by_ward: (Vec<i32>, Vec<i32>),
}

#[derive(Clone)]
struct Peer {
    pool: PgPool,
    /// For Q4: the jurisdictions within each 2025 province and where the
    /// organisations each counts are located, from the reference data (as
    /// coopgate's gazetteer finds them).
    within: Arc<HashMap<String, Within>>,
}

fn json_text(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn failed(e: sqlx::Error) -> Response {
    eprintln!("bench_sql: {e}");
    (StatusCode::INTERNAL_SERVER_ERROR, "database error").into_response()
}

fn text(p: &Value, k: &str) -> String {
    p.get(k).and_then(Value::as_str).unwrap_or_default().to_owned()
}

async fn q1(State(s): State<Peer>, Json(p): Json<Value>) -> Response {
    let n = p.get("n").and_then(Value::as_i64).unwrap_or(50).clamp(1, 100);
    match sqlx::query_scalar::<_, String>(Q1).bind(text(&p, "province")).bind(n).fetch_one(&s.pool).await {
        Ok(b) => json_text(b),
        Err(e) => failed(e),
    }
}

async fn q2(State(s): State<Peer>, Json(p): Json<Value>) -> Response {
    match sqlx::query_scalar::<_, String>(Q2).bind(text(&p, "code")).fetch_optional(&s.pool).await {
        Ok(b) => json_text(b.unwrap_or_else(|| "null".into())),
        Err(e) => failed(e),
    }
}

async fn q3(State(s): State<Peer>, Json(p): Json<Value>) -> Response {
    match sqlx::query_scalar::<_, String>(Q3).bind(text(&p, "province")).fetch_one(&s.pool).await {
        Ok(b) => json_text(b),
        Err(e) => failed(e),
    }
}

async fn q4(State(s): State<Peer>, Json(p): Json<Value>) -> Response {
    let w = s.within.get(&text(&p, "province")).cloned().unwrap_or_default();
    // The year NEW_GROUPS_PER_YEAR counts: the calendar year in Vietnam (UTC+7).
    let year = (chrono::Utc::now() + chrono::Duration::hours(7)).year();
    match sqlx::query_scalar::<_, String>(Q4)
        .bind(&w.by_province.0)
        .bind(&w.by_province.1)
        .bind(&w.by_ward.0)
        .bind(&w.by_ward.1)
        .bind(&w.ids)
        .bind(year)
        .fetch_one(&s.pool)
        .await
    {
        Ok(b) => json_text(b),
        Err(e) => failed(e),
    }
}

async fn q5(State(s): State<Peer>, Json(p): Json<Value>) -> Response {
    let after = p.get("after").and_then(Value::as_i64).unwrap_or(0);
    match sqlx::query_scalar::<_, String>(Q5).bind(after).fetch_one(&s.pool).await {
        Ok(b) => json_text(b),
        Err(e) => failed(e),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("DATABASE_URL").map_err(|_| "DATABASE_URL: required")?;
    let bind = std::env::var("BIND").unwrap_or_else(|_| "127.0.0.1:5690".into());
    if !bind.starts_with("127.") {
        return Err("BIND: loopback only".into());
    }
    let max: u32 = std::env::var("POOL_MAX").ok().and_then(|v| v.parse().ok()).unwrap_or(10);
    let pool = PgPoolOptions::new().max_connections(max).connect(&url).await?;
    // The jurisdictions within each province, from the reference data the
    // way coopgate's gazetteer reads it (a one-off at start).
    let (db, _) = coopgate::storage::connect(&url, &Default::default()).await?;
    let g = coopgate::startup::load_gazetteer(&db).await?;
    let jurisdictions: Vec<i32> =
        sqlx::query_scalar("SELECT DISTINCT jurisdiction_id FROM target").fetch_all(&pool).await?;
    let provinces: Vec<(i32, String)> =
        sqlx::query_as("SELECT id, code FROM administrative_unit WHERE level = 'PROVINCE' AND valid_to IS NULL")
            .fetch_all(&pool)
            .await?;
    let mut within = HashMap::new();
    for (id, code) in provinces {
        let area: std::collections::HashSet<i32> = g.territory_in_force(id).into_iter().collect();
        let ids: Vec<i32> = jurisdictions
            .iter()
            .copied()
            .filter(|j| {
                let t = g.territory_in_force(*j);
                !t.is_empty() && t.iter().all(|w| area.contains(w))
            })
            .collect();
        let mut w = Within { ids, ..Default::default() };
        for j in &w.ids {
            let Some(unit) = g.unit(*j) else { continue };
            let t = coopgate::service::targets::territory(&g, unit);
            if let Some(p) = t.province_id {
                w.by_province.0.push(*j);
                w.by_province.1.push(p);
            }
            for ward in t.ward_ids.unwrap_or_default() {
                w.by_ward.0.push(*j);
                w.by_ward.1.push(ward);
            }
        }
        within.insert(code, w);
    }
    let peer = Peer { pool, within: Arc::new(within) };
    let app = Router::new()
        .route("/q1", post(q1))
        .route("/q2", post(q2))
        .route("/q3", post(q3))
        .route("/q4", post(q4))
        .route("/q5", post(q5))
        .with_state(peer);
    let listener = tokio::net::TcpListener::bind(&bind).await?;
    eprintln!("bench_sql listening on {bind}");
    axum::serve(listener, app).await?;
    Ok(())
}
