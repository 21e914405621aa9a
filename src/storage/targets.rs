//! Targets and the facts their progress is computed from.

use super::statistics::Territory;
use super::StorageError;
use crate::domain::targets::{OrgFact, OrgKindFact};
use crate::domain::{Rating, Sector};
use chrono::{Datelike, NaiveDate};
use sea_orm::sea_query::{Alias, Condition, Expr, JoinType, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DatabaseConnection, FromQueryResult};

#[derive(FromQueryResult)]
struct FactRow {
    status: String,
    sector: String,
    latest_rating: Option<String>,
    high_tech: bool,
    value_chain_linked: bool,
    members: i64,
    gender: Option<String>,
    income: Option<i64>,
    report_members: Option<i64>,
    established_on: Option<NaiveDate>,
    member_cooperatives: i64,
}

fn a(s: &str) -> Alias {
    Alias::new(s)
}

fn within(territory: &Territory, table: &str) -> Condition {
    let mut c = Condition::all();
    if let Some(p) = territory.province_id {
        c = c.add(Expr::col((a(table), a("province_id"))).eq(p));
    }
    if let Some(w) = &territory.ward_ids {
        c = c.add(Expr::col((a(table), a("ward_id"))).is_in(w.iter().copied()));
    }
    c
}

/// The columns every kind shares, plus its director's gender and its latest report.
fn facts_query(
    table: &str,
    person_col: &str,
    report_col: &str,
    members: &str,
    extra: &[(&str, &str)],
) -> SelectStatement {
    let mut q = Query::select();
    q.from(a(table))
        .expr_as(Expr::col((a(table), a("status"))), a("status"))
        .expr_as(Expr::col((a(table), a("sector"))), a("sector"))
        .expr_as(Expr::col((a(table), a("latest_rating"))), a("latest_rating"))
        .expr_as(Expr::col((a(table), a("high_tech"))), a("high_tech"))
        .expr_as(Expr::col((a(table), a("value_chain_linked"))), a("value_chain_linked"))
        .expr_as(Expr::cust(format!("CAST({members} AS BIGINT)")), a("members"))
        .expr_as(Expr::col((a("r"), a("average_member_income"))), a("income"))
        .expr_as(Expr::cust("CAST(r.official_members + r.associate_members AS BIGINT)"), a("report_members"))
        .expr_as(Expr::col((a("p"), a("gender"))), a("gender"))
        .join_as(
            JoinType::LeftJoin,
            a("annual_report"),
            a("r"),
            Condition::all()
                .add(Expr::col((a("r"), a(report_col))).equals((a(table), a("id"))))
                .add(Expr::col((a("r"), a("year"))).equals((a(table), a("latest_report_year")))),
        )
        .join_as(
            JoinType::LeftJoin,
            a("person"),
            a("p"),
            Expr::col((a("p"), a("id"))).equals((a(table), a(person_col))),
        );
    for (expr, name) in extra {
        q.expr_as(Expr::cust(*expr), a(name));
    }
    q
}

/// Every cooperative, union and group located in a territory, as facts.
pub async fn facts(db: &DatabaseConnection, territory: &Territory) -> Result<Vec<OrgFact>, StorageError> {
    // (kind, table, person column, report column, members, extra columns)
    type Spec<'a> = (OrgKindFact, &'a str, &'a str, &'a str, &'a str, [(&'a str, &'a str); 2]);
    let specs: [Spec; 3] = [
        (
            OrgKindFact::Cooperative,
            "cooperative",
            "director_id",
            "cooperative_id",
            "cooperative.official_members + cooperative.associate_members",
            [("CAST(NULL AS DATE)", "established_on"), ("CAST(0 AS BIGINT)", "member_cooperatives")],
        ),
        (
            OrgKindFact::Union,
            "cooperative_union",
            "legal_representative_id",
            "union_id",
            "0",
            [
                ("CAST(NULL AS DATE)", "established_on"),
                (
                    "(SELECT CAST(COUNT(*) AS BIGINT) FROM cooperative m WHERE m.union_id = cooperative_union.id)",
                    "member_cooperatives",
                ),
            ],
        ),
        (
            OrgKindFact::Group,
            "cooperative_group",
            "representative_id",
            "group_id",
            "cooperative_group.members",
            [("cooperative_group.established_on", "established_on"), ("CAST(0 AS BIGINT)", "member_cooperatives")],
        ),
    ];
    let mut out = Vec::new();
    for (kind, table, person_col, report_col, members, extra) in specs {
        let mut q = facts_query(table, person_col, report_col, members, &extra);
        q.cond_where(within(territory, table));
        for row in FactRow::find_by_statement(db.get_database_backend().build(&q)).all(db).await? {
            let active = match kind {
                OrgKindFact::Group => row.status == "ACTIVE",
                _ => row.status == "ACTIVE" || row.status == "SUSPENDED",
            };
            out.push(OrgFact {
                kind,
                active,
                sector: Sector::parse(&row.sector).unwrap_or(Sector::Other),
                rating: row.latest_rating.as_deref().and_then(Rating::parse),
                high_tech: row.high_tech,
                value_chain: row.value_chain_linked,
                members: row.members,
                female_director: row.gender.as_deref().map(|g| g == "FEMALE"),
                latest_income: match (row.income, row.report_members) {
                    // Stored in hundredths of a đồng.
                    (Some(i), Some(m)) => Some((i as f64 / 100.0, m)),
                    _ => None,
                },
                established_year: row.established_on.map(|d| d.year()),
                member_cooperatives: row.member_cooperatives,
            });
        }
    }
    Ok(out)
}

/// Targets by id.
pub async fn by_id(db: &DatabaseConnection, ids: &[i64]) -> Result<Vec<entity::target::Model>, StorageError> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    Ok(entity::target::Entity::find().filter(entity::target::Column::Id.is_in(ids.iter().copied())).all(db).await?)
}
