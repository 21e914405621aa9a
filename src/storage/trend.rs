//! The per-year changes a territory's trend is computed from
//! (`domain::trend`): a handful of grouped statements whatever the size of
//! the territory, each answering one row per year.
//!
//! - cooperatives and unions: their status history (`status_change`), each
//!   row compared with the one before it of the same record (`LAG`): a row
//!   that makes the record operating (ACTIVE or SUSPENDED) starts it, one
//!   that makes it stop (IN_DISSOLUTION, REVOKED, DISSOLVED, BANKRUPT)
//!   stops it;
//! - groups: their establishment and disbanding days;
//! - annual reports: by the year they are on.
//!
//! The year of a date is written per dialect (`strftime` in SQLite,
//! `EXTRACT` in PostgreSQL); the last year, an `i32`, is written into the
//! text of those custom expressions (placeholders differ per dialect there).

use super::organisations::OrgKind;
use super::statistics::Territory;
use super::StorageError;
use crate::domain::trend::{YearChanges, YearReports};
use sea_orm::sea_query::{Alias, Condition, Expr, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, FromQueryResult};

/// The stored statuses of an operating cooperative or union.
const OPERATING: &str = "('ACTIVE', 'SUSPENDED')";

fn year_of(backend: DbBackend, column: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("CAST(EXTRACT(YEAR FROM {column}) AS INTEGER)"),
        _ => format!("CAST(strftime('%Y', {column}) AS INTEGER)"),
    }
}

fn in_territory(table: &str, t: &Territory) -> Condition {
    let col = |name: &str| Expr::col((Alias::new(table), Alias::new(name)));
    let mut c = Condition::all();
    if let Some(p) = t.province_id {
        c = c.add(col("province_id").eq(p));
    }
    if let Some(w) = &t.ward_ids {
        c = c.add(col("ward_id").is_in(w.iter().copied()));
    }
    c
}

#[derive(FromQueryResult)]
struct ChangeRow {
    y: Option<i32>,
    started: i64,
    stopped: i64,
}

#[derive(FromQueryResult)]
struct ReportRow {
    y: i32,
    reports: i64,
    members: i64,
}

async fn changes(db: &DatabaseConnection, q: &SelectStatement) -> Result<Vec<YearChanges>, StorageError> {
    let rows = ChangeRow::find_by_statement(db.get_database_backend().build(q)).all(db).await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| r.y.map(|year| YearChanges { year, started: r.started, stopped: r.stopped }))
        .collect())
}

/// Starts and stops per year of the cooperatives (or unions) in the
/// territory, up to `to`, from their status history.
fn history_query(backend: DbBackend, kind: OrgKind, territory: &Territory, to: i32) -> SelectStatement {
    let table = kind.table();
    let entity_kind = match kind {
        OrgKind::Union => "COOPERATIVE_UNION",
        _ => "COOPERATIVE",
    };
    let inner = Query::select()
        .expr_as(Expr::cust(year_of(backend, "status_change.effective_on")), Alias::new("y"))
        .expr_as(
            Expr::cust(format!(
                "CASE WHEN status_change.status IN {OPERATING} THEN 1 ELSE 0 END - CASE WHEN \
                 LAG(status_change.status) OVER (PARTITION BY status_change.entity_id ORDER BY status_change.id) \
                 IN {OPERATING} THEN 1 ELSE 0 END"
            )),
            Alias::new("d"),
        )
        .from(Alias::new("status_change"))
        .inner_join(
            Alias::new(table),
            Expr::col((Alias::new(table), Alias::new("id")))
                .equals((Alias::new("status_change"), Alias::new("entity_id"))),
        )
        .cond_where(
            in_territory(table, territory)
                .add(Expr::col((Alias::new("status_change"), Alias::new("entity_kind"))).eq(entity_kind)),
        )
        .to_owned();
    Query::select()
        .expr_as(Expr::cust("t.y"), Alias::new("y"))
        .expr_as(Expr::cust("CAST(SUM(CASE WHEN t.d > 0 THEN 1 ELSE 0 END) AS BIGINT)"), Alias::new("started"))
        .expr_as(Expr::cust("CAST(SUM(CASE WHEN t.d < 0 THEN 1 ELSE 0 END) AS BIGINT)"), Alias::new("stopped"))
        .from_subquery(inner, Alias::new("t"))
        .and_where(Expr::cust("t.d <> 0"))
        .and_where(Expr::cust(format!("t.y <= {to}")))
        .add_group_by([Expr::cust("t.y")])
        .to_owned()
}

/// Groups established (or, with `disbanded`, disbanded) per year up to `to`.
fn group_query(backend: DbBackend, territory: &Territory, to: i32, disbanded: bool) -> SelectStatement {
    let column = if disbanded { "cooperative_group.disbanded_on" } else { "cooperative_group.established_on" };
    let year = year_of(backend, column);
    let (started, stopped) = if disbanded { ("0", "COUNT(*)") } else { ("COUNT(*)", "0") };
    let mut q = Query::select();
    q.expr_as(Expr::cust(year.clone()), Alias::new("y"))
        .expr_as(Expr::cust(format!("CAST({started} AS BIGINT)")), Alias::new("started"))
        .expr_as(Expr::cust(format!("CAST({stopped} AS BIGINT)")), Alias::new("stopped"))
        .from(Alias::new("cooperative_group"))
        .cond_where(in_territory("cooperative_group", territory))
        .and_where(Expr::cust(format!("{year} <= {to}")))
        .add_group_by([Expr::cust(year)]);
    if disbanded {
        q.and_where(Expr::cust(format!("{column} IS NOT NULL")));
    }
    q.to_owned()
}

/// Reports on the years `from..=to` of the organisations of one kind in the territory.
fn report_query(kind: OrgKind, territory: &Territory, from: i32, to: i32) -> SelectStatement {
    let table = kind.table();
    let report = Alias::new("annual_report");
    let year = Expr::col((report.clone(), Alias::new("year")));
    Query::select()
        .expr_as(year.clone(), Alias::new("y"))
        .expr_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), Alias::new("reports"))
        .expr_as(
            Expr::cust(
                "CAST(COALESCE(SUM(annual_report.official_members + annual_report.associate_members), 0) AS BIGINT)",
            ),
            Alias::new("members"),
        )
        .from(report.clone())
        .inner_join(
            Alias::new(table),
            Expr::col((Alias::new(table), Alias::new("id"))).equals((report.clone(), Alias::new(kind.report_column()))),
        )
        .cond_where(in_territory(table, territory).add(year.clone().gte(from)).add(year.lte(to)))
        .group_by_col((report, Alias::new("year")))
        .to_owned()
}

async fn reports(
    db: &DatabaseConnection,
    kind: OrgKind,
    q: &SelectStatement,
) -> Result<Vec<YearReports>, StorageError> {
    let rows = ReportRow::find_by_statement(db.get_database_backend().build(q)).all(db).await?;
    Ok(rows
        .into_iter()
        .map(|r| YearReports {
            year: r.y,
            reports: r.reports,
            cooperative_members: if kind == OrgKind::Cooperative { r.members } else { 0 },
        })
        .collect())
}

/// What a territory's trend is computed from, every year up to `to`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrendChanges {
    /// Cooperatives' starts and stops per year.
    pub cooperatives: Vec<YearChanges>,
    /// Unions' starts and stops per year.
    pub unions: Vec<YearChanges>,
    /// Groups established and disbanded per year.
    pub groups: Vec<YearChanges>,
    /// Reports on each year of `from..=to`.
    pub reports: Vec<YearReports>,
}

/// The per-year changes of a territory (seven grouped statements, run together).
pub async fn changes_of(
    db: &DatabaseConnection,
    territory: &Territory,
    from: i32,
    to: i32,
) -> Result<TrendChanges, StorageError> {
    let b = db.get_database_backend();
    let coops = history_query(b, OrgKind::Cooperative, territory, to);
    let unions = history_query(b, OrgKind::Union, territory, to);
    let established = group_query(b, territory, to, false);
    let disbanded = group_query(b, territory, to, true);
    let [rc, ru, rg] =
        [OrgKind::Cooperative, OrgKind::Union, OrgKind::Group].map(|k| report_query(k, territory, from, to));
    let (cooperatives, unions, mut groups, gone, a, u, g) = tokio::try_join!(
        changes(db, &coops),
        changes(db, &unions),
        changes(db, &established),
        changes(db, &disbanded),
        reports(db, OrgKind::Cooperative, &rc),
        reports(db, OrgKind::Union, &ru),
        reports(db, OrgKind::Group, &rg),
    )?;
    groups.extend(gone);
    Ok(TrendChanges { cooperatives, unions, groups, reports: a.into_iter().chain(u).chain(g).collect() })
}
