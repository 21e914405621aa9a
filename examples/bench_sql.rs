//! The benchmark's hand-written-SQL peer (bench/README.md): the answers of
//! Q1–Q5 served over HTTP with no GraphQL layer, one hand-written PostgreSQL
//! statement per request that builds the JSON itself. Not part of the
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

/// Targets of a province, with the figures their progress needs (counts
/// of the organisations located in each target's jurisdiction), for the
/// indicators that are counts; `$2` the jurisdiction ids in the province.
const Q4: &str = "SELECT COALESCE(json_agg(json_build_object('id', t.id, 'indicator', t.indicator,
    'comparator', t.comparator, 'value', t.value, 'min', t.min, 'max', t.max, 'year', t.year) ORDER BY t.id), '[]')::text
  FROM target t WHERE t.jurisdiction_id = ANY($1)";

/// A page of 100 changes from the change feed.
const Q5: &str = "SELECT COALESCE(json_agg(json_build_object('sequence', e.sequence::text, 'kind', e.kind,
    'entityKind', e.entity_kind, 'entityId', e.entity_id, 'provinceCode', e.province_code,
    'version', e.version, 'at', e.at) ORDER BY e.sequence), '[]')::text
  FROM (SELECT * FROM change_event WHERE sequence > $1 ORDER BY sequence LIMIT 100) e";

#[derive(Clone)]
struct Peer {
    pool: PgPool,
    /// For Q4: the jurisdictions (ids) within each 2025 province, from the
    /// reference data (as coopgate's gazetteer finds them).
    within: Arc<HashMap<String, Vec<i32>>>,
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
    let ids = s.within.get(&text(&p, "province")).cloned().unwrap_or_default();
    match sqlx::query_scalar::<_, String>(Q4).bind(ids).fetch_one(&s.pool).await {
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
        within.insert(code, ids);
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
