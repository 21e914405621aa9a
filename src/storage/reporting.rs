//! The reporting calendar's figures: who had to report on a year, who did,
//! on time or late, per territory and per province. One statement per
//! organisation table.

use super::organisations::OrgKind;
use super::statistics::Territory;
use super::StorageError;
use crate::domain::calendar::ReportingCounts;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Condition, Expr, Func, Query, SelectStatement, SimpleExpr};
use sea_orm::{ConnectionTrait, DatabaseConnection, FromQueryResult};

/// The stored statuses of organisations that must report on a year: a
/// cooperative or union ACTIVE or SUSPENDED, a group ACTIVE.
pub fn reporting_statuses(kind: OrgKind) -> &'static [&'static str] {
    match kind {
        OrgKind::Group => &["ACTIVE"],
        _ => &["ACTIVE", "SUSPENDED"],
    }
}

fn col(kind: OrgKind, name: &str) -> Expr {
    Expr::col((Alias::new(kind.table()), Alias::new(name)))
}

/// The condition "must report on the year": operating now, and registered
/// (groups: established) by the end of the year or without a date.
pub fn expected_condition(kind: OrgKind, year_end: NaiveDate) -> Condition {
    let date = match kind {
        OrgKind::Group => "established_on",
        _ => "registered_on",
    };
    Condition::all()
        .add(col(kind, "status").is_in(reporting_statuses(kind).iter().copied()))
        .add(Condition::any().add(col(kind, date).is_null()).add(col(kind, date).lte(year_end)))
}

/// The condition "has an annual report on `year`".
pub fn reported_condition(kind: OrgKind, year: i32) -> SelectStatement {
    let report = Alias::new("annual_report");
    Query::select()
        .expr(Expr::val(1))
        .from(report.clone())
        .and_where(
            Expr::col((report.clone(), Alias::new(kind.report_column())))
                .equals((Alias::new(kind.table()), Alias::new("id"))),
        )
        .and_where(Expr::col((report, Alias::new("year"))).eq(year))
        .to_owned()
}

fn in_territory(kind: OrgKind, t: &Territory) -> Condition {
    let mut c = Condition::all();
    if let Some(p) = t.province_id {
        c = c.add(col(kind, "province_id").eq(p));
    }
    if let Some(w) = &t.ward_ids {
        c = c.add(col(kind, "ward_id").is_in(w.iter().copied()));
    }
    c
}

#[derive(FromQueryResult)]
struct Row {
    province_id: Option<i32>,
    expected: i64,
    on_time: i64,
    late: i64,
}

fn counts_query(
    kind: OrgKind,
    territory: &Territory,
    year: i32,
    year_end: NaiveDate,
    deadline: DateTime<Utc>,
    by_province: bool,
) -> SelectStatement {
    let t = Alias::new(kind.table());
    let r = Alias::new("annual_report");
    let submitted = Expr::col((r.clone(), Alias::new("submitted_at")));
    let mut q = Query::select();
    if by_province {
        q.expr_as(col(kind, "province_id"), Alias::new("province_id"))
            .group_by_col((t.clone(), Alias::new("province_id")));
    } else {
        q.expr_as(Expr::cust("CAST(NULL AS INTEGER)"), Alias::new("province_id"));
    }
    q.expr_as(Expr::cust("COUNT(*)"), Alias::new("expected"))
        .expr_as(
            Func::count(Into::<SimpleExpr>::into(Expr::case(submitted.clone().lt(deadline), Expr::val(1i64)))),
            Alias::new("on_time"),
        )
        .expr_as(
            Func::count(Into::<SimpleExpr>::into(Expr::case(submitted.gte(deadline), Expr::val(1i64)))),
            Alias::new("late"),
        )
        .from(t.clone())
        .left_join(
            r.clone(),
            Condition::all()
                .add(Expr::col((r.clone(), Alias::new(kind.report_column()))).equals((t.clone(), Alias::new("id"))))
                .add(Expr::col((r, Alias::new("year"))).eq(year)),
        )
        .cond_where(in_territory(kind, territory).add(expected_condition(kind, year_end)));
    q.to_owned()
}

async fn rows(db: &DatabaseConnection, q: &SelectStatement) -> Result<Vec<Row>, StorageError> {
    Ok(Row::find_by_statement(db.get_database_backend().build(q)).all(db).await?)
}

const KINDS: [OrgKind; 3] = [OrgKind::Cooperative, OrgKind::Union, OrgKind::Group];

/// The reporting figures of `year` in a territory: organisations that must
/// report, and how many did before `deadline` (the first instant after the
/// due day) or after it.
pub async fn counts(
    db: &DatabaseConnection,
    territory: &Territory,
    year: i32,
    year_end: NaiveDate,
    deadline: DateTime<Utc>,
) -> Result<ReportingCounts, StorageError> {
    let qs: Vec<_> = KINDS.iter().map(|k| counts_query(*k, territory, year, year_end, deadline, false)).collect();
    let (a, b, c) = tokio::try_join!(rows(db, &qs[0]), rows(db, &qs[1]), rows(db, &qs[2]))?;
    let mut total = ReportingCounts::default();
    for r in a.into_iter().chain(b).chain(c) {
        total.expected += r.expected;
        total.on_time += r.on_time;
        total.late += r.late;
    }
    Ok(total)
}

/// The reporting figures of `year` per province (administrative_unit id),
/// for every province with an organisation that must report (the metric of
/// each province's missing reports).
pub async fn counts_by_province(
    db: &DatabaseConnection,
    year: i32,
    year_end: NaiveDate,
    deadline: DateTime<Utc>,
) -> Result<Vec<(i32, ReportingCounts)>, StorageError> {
    let all = Territory::default();
    let qs: Vec<_> = KINDS.iter().map(|k| counts_query(*k, &all, year, year_end, deadline, true)).collect();
    let (a, b, c) = tokio::try_join!(rows(db, &qs[0]), rows(db, &qs[1]), rows(db, &qs[2]))?;
    let mut by: std::collections::BTreeMap<i32, ReportingCounts> = Default::default();
    for r in a.into_iter().chain(b).chain(c) {
        let Some(p) = r.province_id else { continue };
        let e = by.entry(p).or_default();
        e.expected += r.expected;
        e.on_time += r.on_time;
        e.late += r.late;
    }
    Ok(by.into_iter().collect())
}
