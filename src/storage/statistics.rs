//! Aggregates over the registry for `statistics`: a handful of statements
//! whatever the size of the territory.

use super::organisations::{counted_flag_joined, OrgKind, ReportedFlag};
use super::StorageError;
use crate::domain::UnitId;
use sea_orm::sea_query::{Alias, Condition, Expr, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DatabaseConnection, FromQueryResult};

/// Where the counted organisations are located; `None` counts the country.
#[derive(Debug, Clone, Default)]
pub struct Territory {
    /// Head office in this province.
    pub province_id: Option<UnitId>,
    /// Head office in one of these wards.
    pub ward_ids: Option<Vec<UnitId>>,
}

impl Territory {
    fn condition(&self, table: &str) -> Condition {
        let mut c = Condition::all();
        if let Some(p) = self.province_id {
            c = c.add(Expr::col((Alias::new(table), Alias::new("province_id"))).eq(p));
        }
        if let Some(w) = &self.ward_ids {
            c = c.add(Expr::col((Alias::new(table), Alias::new("ward_id"))).is_in(w.iter().copied()));
        }
        c
    }
}

/// The registry's headline figures for a territory.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RegistryFigures {
    /// ACTIVE and SUSPENDED cooperatives.
    pub cooperatives: i64,
    /// Their official + associate members.
    pub cooperative_members: i64,
    /// Of them, applying high technology.
    pub high_tech_cooperatives: i64,
    /// ACTIVE and SUSPENDED unions.
    pub unions: i64,
    /// Member cooperatives of those unions.
    pub union_member_cooperatives: i64,
    /// ACTIVE groups.
    pub groups: i64,
    /// Their members.
    pub group_members: i64,
    /// Operating cooperatives by stored rating name (rating of the year asked, or latest).
    pub by_rating: Vec<(String, i64)>,
    /// Operating cooperatives by stored sector name.
    pub by_sector: Vec<(String, i64)>,
}

#[derive(FromQueryResult)]
struct Totals {
    n: i64,
    members: i64,
    high_tech: i64,
}

#[derive(FromQueryResult)]
struct SectorTotals {
    k: Option<String>,
    n: i64,
    members: i64,
    high_tech: i64,
}

#[derive(FromQueryResult)]
struct Bucket {
    k: Option<String>,
    n: i64,
}

const OPERATING: [&str; 2] = ["ACTIVE", "SUSPENDED"];

async fn one<T: FromQueryResult>(db: &DatabaseConnection, q: &SelectStatement) -> Result<Option<T>, StorageError> {
    Ok(T::find_by_statement(db.get_database_backend().build(q)).one(db).await?)
}

async fn all<T: FromQueryResult>(db: &DatabaseConnection, q: &SelectStatement) -> Result<Vec<T>, StorageError> {
    Ok(T::find_by_statement(db.get_database_backend().build(q)).all(db).await?)
}

fn totals_query(table: &str, members: &str, status_in: &[&'static str], territory: &Territory) -> SelectStatement {
    Query::select()
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .expr_as(Expr::cust(format!("COALESCE(SUM({members}), 0)")), Alias::new("members"))
        .expr_as(
            Expr::cust(format!("COALESCE(SUM(CASE WHEN {table}.high_tech THEN 1 ELSE 0 END), 0)")),
            Alias::new("high_tech"),
        )
        .from(Alias::new(table))
        .cond_where(
            territory
                .condition(table)
                .add(Expr::col((Alias::new(table), Alias::new("status"))).is_in(status_in.iter().copied())),
        )
        .to_owned()
}

/// Which figures a caller asks for: each group is one statement, and only
/// the groups asked for run (the others are left at zero / empty).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wanted {
    /// `cooperatives`, `cooperative_members`, `high_tech_cooperatives`.
    pub cooperatives: bool,
    /// `unions`.
    pub unions: bool,
    /// `union_member_cooperatives`.
    pub union_members: bool,
    /// `groups`, `group_members`.
    pub groups: bool,
    /// `by_rating`.
    pub by_rating: bool,
    /// `by_sector`.
    pub by_sector: bool,
}

impl Wanted {
    /// Every figure.
    pub const ALL: Wanted = Wanted {
        cooperatives: true,
        unions: true,
        union_members: true,
        groups: true,
        by_rating: true,
        by_sector: true,
    };
}

async fn one_if<T: FromQueryResult>(
    wanted: bool,
    db: &DatabaseConnection,
    q: &SelectStatement,
) -> Result<Option<T>, StorageError> {
    if wanted {
        one(db, q).await
    } else {
        Ok(None)
    }
}

async fn all_if<T: FromQueryResult>(
    wanted: bool,
    db: &DatabaseConnection,
    q: &SelectStatement,
) -> Result<Vec<T>, StorageError> {
    if wanted {
        all(db, q).await
    } else {
        Ok(Vec::new())
    }
}

/// Computes the figures; `rating_year` picks the year `by_rating` counts
/// (the latest report's rating when `None`).
pub async fn registry_figures(
    db: &DatabaseConnection,
    territory: &Territory,
    rating_year: Option<i32>,
) -> Result<RegistryFigures, StorageError> {
    registry_figures_of(db, territory, rating_year, Wanted::ALL).await
}

/// Computes the figures `wanted` asks for, as [`registry_figures`] does.
pub async fn registry_figures_of(
    db: &DatabaseConnection,
    territory: &Territory,
    rating_year: Option<i32>,
    wanted: Wanted,
) -> Result<RegistryFigures, StorageError> {
    let unions = totals_query("cooperative_union", "0", &OPERATING, territory);
    let groups = totals_query("cooperative_group", "cooperative_group.members", &["ACTIVE"], territory);
    let union_members = Query::select()
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .expr_as(Expr::cust("CAST(0 AS BIGINT)"), Alias::new("members"))
        .expr_as(Expr::cust("CAST(0 AS BIGINT)"), Alias::new("high_tech"))
        .from(Alias::new("cooperative"))
        .inner_join(
            Alias::new("cooperative_union"),
            Expr::col((Alias::new("cooperative_union"), Alias::new("id")))
                .equals((Alias::new("cooperative"), Alias::new("union_id"))),
        )
        .cond_where(
            territory
                .condition("cooperative_union")
                .add(Expr::col((Alias::new("cooperative_union"), Alias::new("status"))).is_in(OPERATING)),
        )
        .to_owned();
    let operating_coops = territory
        .condition("cooperative")
        .add(Expr::col((Alias::new("cooperative"), Alias::new("status"))).is_in(OPERATING));
    let mut by_rating = Query::select();
    by_rating.expr_as(Expr::cust("COUNT(*)"), Alias::new("n")).from(Alias::new("cooperative"));
    match rating_year {
        None => {
            by_rating
                .expr_as(Expr::col((Alias::new("cooperative"), Alias::new("latest_rating"))), Alias::new("k"))
                .cond_where(operating_coops.clone())
                .group_by_col((Alias::new("cooperative"), Alias::new("latest_rating")));
        }
        Some(year) => {
            by_rating
                .expr_as(Expr::col((Alias::new("annual_report"), Alias::new("rating"))), Alias::new("k"))
                .inner_join(
                    Alias::new("annual_report"),
                    Expr::col((Alias::new("annual_report"), Alias::new("cooperative_id")))
                        .equals((Alias::new("cooperative"), Alias::new("id"))),
                )
                .cond_where(
                    operating_coops.clone().add(Expr::col((Alias::new("annual_report"), Alias::new("year"))).eq(year)),
                )
                .group_by_col((Alias::new("annual_report"), Alias::new("rating")));
        }
    }
    // Per sector, with the operating cooperatives' totals (summed below):
    // one statement gives `cooperatives`, `cooperative_members`,
    // `high_tech_cooperatives` and `by_sector`. High technology is counted
    // as targets count it (`domain::targets::counted_flag`): the latest
    // report's flag (`lr`, at most one row by the unique (cooperative, year)
    // index), the record's only when the cooperative never reported.
    let by_sector = Query::select()
        .expr_as(Expr::col((Alias::new("cooperative"), Alias::new("sector"))), Alias::new("k"))
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .expr_as(
            Expr::cust("COALESCE(SUM(cooperative.official_members + cooperative.associate_members), 0)"),
            Alias::new("members"),
        )
        .expr_as(
            Expr::cust(format!(
                "COALESCE(SUM(CASE WHEN {} THEN 1 ELSE 0 END), 0)",
                counted_flag_joined(OrgKind::Cooperative, "lr", ReportedFlag::HighTech)
            )),
            Alias::new("high_tech"),
        )
        .from(Alias::new("cooperative"))
        .join_as(
            sea_orm::sea_query::JoinType::LeftJoin,
            Alias::new("annual_report"),
            Alias::new("lr"),
            Condition::all()
                .add(
                    Expr::col((Alias::new("lr"), Alias::new("cooperative_id")))
                        .equals((Alias::new("cooperative"), Alias::new("id"))),
                )
                .add(
                    Expr::col((Alias::new("lr"), Alias::new("year")))
                        .equals((Alias::new("cooperative"), Alias::new("latest_report_year"))),
                ),
        )
        .cond_where(operating_coops)
        .group_by_col((Alias::new("cooperative"), Alias::new("sector")))
        .to_owned();

    let (u, g, um, r, s) = tokio::try_join!(
        one_if::<Totals>(wanted.unions, db, &unions),
        one_if::<Totals>(wanted.groups, db, &groups),
        one_if::<Totals>(wanted.union_members, db, &union_members),
        all_if::<Bucket>(wanted.by_rating, db, &by_rating),
        all_if::<SectorTotals>(wanted.by_sector || wanted.cooperatives, db, &by_sector),
    )?;
    let c = s.iter().fold(Totals { n: 0, members: 0, high_tech: 0 }, |t, b| Totals {
        n: t.n + b.n,
        members: t.members + b.members,
        high_tech: t.high_tech + b.high_tech,
    });
    let s: Vec<Bucket> = s.into_iter().map(|b| Bucket { k: b.k, n: b.n }).collect();
    let buckets = |v: Vec<Bucket>| v.into_iter().filter_map(|b| Some((b.k?, b.n))).collect::<Vec<_>>();
    Ok(RegistryFigures {
        cooperatives: c.n,
        cooperative_members: c.members,
        high_tech_cooperatives: c.high_tech,
        unions: u.map_or(0, |t| t.n),
        union_member_cooperatives: um.map_or(0, |t| t.n),
        groups: g.as_ref().map_or(0, |t| t.n),
        group_members: g.map_or(0, |t| t.members),
        by_rating: buckets(r),
        by_sector: buckets(s),
    })
}
