//! Targets and the facts their progress is computed from.

use super::statistics::Territory;
use super::write::WriteTxn;
use super::StorageError;
use crate::domain::targets::{counted_flag, OrgFact, OrgKindFact};
use crate::domain::{Rating, Sector};
use chrono::{Datelike, NaiveDate};
use entity::{target, target_progress_report};
use sea_orm::sea_query::{Alias, Condition, Expr, JoinType, Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    FromQueryResult, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};

#[derive(FromQueryResult)]
struct FactRow {
    id: i64,
    ward_id: i32,
    province_id: i32,
    union_id: Option<i64>,
    status: String,
    sector: String,
    latest_rating: Option<String>,
    high_tech: bool,
    value_chain_linked: bool,
    report_high_tech: Option<bool>,
    report_value_chain_linked: Option<bool>,
    members: i64,
    gender: Option<String>,
    income: Option<i64>,
    report_members: Option<i64>,
    established_on: Option<NaiveDate>,
    member_cooperatives: i64,
    kind: i64,
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

/// The columns every kind shares, plus its director's gender and its latest
/// report (the report of `latest_report_year`: its flags, income and
/// members, all NULL when the organisation has never reported).
fn facts_query(
    table: &str,
    person_col: &str,
    report_col: &str,
    members: &str,
    extra: &[(&str, &str)],
) -> SelectStatement {
    let mut q = Query::select();
    q.from(a(table))
        .expr_as(Expr::col((a(table), a("id"))), a("id"))
        .expr_as(Expr::col((a(table), a("ward_id"))), a("ward_id"))
        .expr_as(Expr::col((a(table), a("province_id"))), a("province_id"))
        .expr_as(Expr::col((a(table), a("status"))), a("status"))
        .expr_as(Expr::col((a(table), a("sector"))), a("sector"))
        .expr_as(Expr::col((a(table), a("latest_rating"))), a("latest_rating"))
        .expr_as(Expr::col((a(table), a("high_tech"))), a("high_tech"))
        .expr_as(Expr::col((a(table), a("value_chain_linked"))), a("value_chain_linked"))
        .expr_as(Expr::col((a("r"), a("high_tech"))), a("report_high_tech"))
        .expr_as(Expr::col((a("r"), a("value_chain_linked"))), a("report_value_chain_linked"))
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

/// Which organisations [`facts_where`] derives the facts of.
#[derive(Debug, Clone, Copy)]
pub enum FactsOf<'a> {
    /// Every organisation located in a territory (`Territory::default()`: all).
    Territory(&'a Territory),
    /// These cooperatives, unions and groups (by id).
    Ids {
        /// Cooperative ids.
        cooperatives: &'a [i64],
        /// Union ids.
        unions: &'a [i64],
        /// Group ids.
        groups: &'a [i64],
    },
}

/// An organisation's facts with where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct LocatedFact {
    /// Its id (in the table of its kind).
    pub id: i64,
    /// Its head office's ward.
    pub ward_id: i32,
    /// That ward's province.
    pub province_id: i32,
    /// The union a cooperative belongs to (its facts count it).
    pub union_id: Option<i64>,
    /// The facts (`fact.kind` is its kind).
    pub fact: OrgFact,
}

/// Every cooperative, union and group located in a territory, as facts: a
/// cooperative's and a union's director (a group's representative, who is
/// no director and is not counted as one); high technology and value-chain
/// links as `domain::targets::counted_flag` reads the latest report and the
/// record.
pub async fn facts(db: &DatabaseConnection, territory: &Territory) -> Result<Vec<OrgFact>, StorageError> {
    Ok(facts_where(db, FactsOf::Territory(territory)).await?.into_iter().map(|f| f.fact).collect())
}

/// **The rule of the facts**: what the registry knows of each organisation
/// `which` names, derived from its record, its latest annual report and its
/// director (one statement). Target progress and the kept counters
/// (`storage::facts`) both come from here, so a change of rule is made here
/// only. Counters kept under an earlier rule are rebuilt when `fact_state`'s
/// row is deleted (a migration that changes the rule deletes it): the next
/// read rebuilds them.
pub async fn facts_where<C: ConnectionTrait>(db: &C, which: FactsOf<'_>) -> Result<Vec<LocatedFact>, StorageError> {
    // (kind, table, person column, report column, members, extra columns)
    type Spec<'a> = (OrgKindFact, &'a str, &'a str, &'a str, &'a str, [(&'a str, &'a str); 3]);
    let specs: [Spec; 3] = [
        (
            OrgKindFact::Cooperative,
            "cooperative",
            "director_id",
            "cooperative_id",
            "cooperative.official_members + cooperative.associate_members",
            [
                ("CAST(NULL AS DATE)", "established_on"),
                ("CAST(0 AS BIGINT)", "member_cooperatives"),
                ("cooperative.union_id", "union_id"),
            ],
        ),
        (
            OrgKindFact::Union,
            "cooperative_union",
            "director_id",
            "union_id",
            "0",
            [
                ("CAST(NULL AS DATE)", "established_on"),
                (
                    "(SELECT CAST(COUNT(*) AS BIGINT) FROM cooperative m WHERE m.union_id = cooperative_union.id)",
                    "member_cooperatives",
                ),
                ("CAST(NULL AS BIGINT)", "union_id"),
            ],
        ),
        (
            OrgKindFact::Group,
            "cooperative_group",
            "representative_id",
            "group_id",
            "cooperative_group.members",
            [
                ("cooperative_group.established_on", "established_on"),
                ("CAST(0 AS BIGINT)", "member_cooperatives"),
                ("CAST(NULL AS BIGINT)", "union_id"),
            ],
        ),
    ];
    // The kinds asked for in one statement (UNION ALL), told apart by `kind`.
    let kinds = [OrgKindFact::Cooperative, OrgKindFact::Union, OrgKindFact::Group];
    let mut union: Option<SelectStatement> = None;
    for (i, (kind, table, person_col, report_col, members, extra)) in specs.into_iter().enumerate() {
        let cond = match which {
            FactsOf::Territory(t) => within(t, table),
            FactsOf::Ids { cooperatives, unions, groups } => {
                let ids = match kind {
                    OrgKindFact::Cooperative => cooperatives,
                    OrgKindFact::Union => unions,
                    OrgKindFact::Group => groups,
                };
                if ids.is_empty() {
                    continue;
                }
                Condition::all().add(Expr::col((a(table), a("id"))).is_in(ids.iter().copied()))
            }
        };
        let mut q = facts_query(table, person_col, report_col, members, &extra);
        q.expr_as(Expr::cust(format!("CAST({i} AS BIGINT)")), a("kind"));
        q.cond_where(cond);
        match &mut union {
            None => union = Some(q),
            Some(u) => {
                u.union(sea_orm::sea_query::UnionType::All, q);
            }
        }
    }
    let mut out = Vec::new();
    let Some(q) = union else { return Ok(out) };
    for row in FactRow::find_by_statement(db.get_database_backend().build(&q)).all(db).await? {
        let Some(kind) = usize::try_from(row.kind).ok().and_then(|k| kinds.get(k)).copied() else {
            return Err(StorageError::Corrupt(format!("fact of unknown kind {}", row.kind)));
        };
        let active = match kind {
            OrgKindFact::Group => row.status == "ACTIVE",
            _ => row.status == "ACTIVE" || row.status == "SUSPENDED",
        };
        out.push(LocatedFact {
            id: row.id,
            ward_id: row.ward_id,
            province_id: row.province_id,
            union_id: row.union_id,
            fact: OrgFact {
                kind,
                active,
                sector: Sector::parse(&row.sector).unwrap_or(Sector::Other),
                rating: row.latest_rating.as_deref().and_then(Rating::parse),
                high_tech: counted_flag(row.high_tech, row.report_high_tech),
                value_chain: counted_flag(row.value_chain_linked, row.report_value_chain_linked),
                members: row.members,
                female_director: match kind {
                    OrgKindFact::Group => None,
                    _ => row.gender.as_deref().map(|g| g == "FEMALE"),
                },
                latest_income: match (row.income, row.report_members) {
                    // Stored in hundredths of a đồng.
                    (Some(i), Some(m)) => Some((i as f64 / 100.0, m)),
                    _ => None,
                },
                established_year: row.established_on.map(|d| d.year()),
                member_cooperatives: row.member_cooperatives,
            },
        });
    }
    Ok(out)
}

/// Targets by id.
pub async fn by_id(db: &DatabaseConnection, ids: &[i64]) -> Result<Vec<entity::target::Model>, StorageError> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    Ok(entity::target::Entity::find().filter(entity::target::Column::Id.is_in(ids.iter().copied())).all(db).await?)
}

/// The key that makes a target unique: jurisdiction, year, indicator,
/// scope and "within" indicator (stored names; "" for no "within").
#[derive(Debug, Clone, Copy)]
pub struct TargetKey<'a> {
    /// The jurisdiction's unit id.
    pub jurisdiction: i32,
    /// The year.
    pub year: i32,
    /// The indicator.
    pub indicator: &'a str,
    /// The organisation scope.
    pub scope: &'a str,
    /// The "within" indicator, "" for none.
    pub within: &'a str,
}

/// The target with a key, read inside a unit of work.
pub async fn target_with_key(w: &WriteTxn, k: TargetKey<'_>) -> Result<Option<target::Model>, StorageError> {
    Ok(target::Entity::find()
        .filter(target::Column::JurisdictionId.eq(k.jurisdiction))
        .filter(target::Column::Year.eq(k.year))
        .filter(target::Column::Indicator.eq(k.indicator))
        .filter(target::Column::Scope.eq(k.scope))
        .filter(target::Column::WithinIndicator.eq(k.within))
        .one(&w.txn)
        .await?)
}

/// A target, read inside a unit of work.
pub async fn target_for_write(w: &WriteTxn, id: i64) -> Result<Option<target::Model>, StorageError> {
    Ok(target::Entity::find_by_id(id).one(&w.txn).await?)
}

/// Inserts a target (its `id` is assigned).
pub async fn insert_target(w: &WriteTxn, row: target::Model) -> Result<target::Model, StorageError> {
    let mut am = row.into_active_model();
    am.id = NotSet;
    Ok(am.insert(&w.txn).await?)
}

/// Bumps a target's version by compare-and-swap; `false` if another write won.
pub async fn bump_target(w: &WriteTxn, next: &target::Model, expected: i32) -> Result<bool, StorageError> {
    let res = target::Entity::update_many()
        .col_expr(target::Column::Version, Expr::value(next.version))
        .col_expr(target::Column::UpdatedAt, Expr::value(next.updated_at))
        .filter(target::Column::Id.eq(next.id))
        .filter(target::Column::Version.eq(expected))
        .exec(&w.txn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Records an outside figure for a target.
pub async fn insert_progress_report(
    w: &WriteTxn,
    row: target_progress_report::Model,
) -> Result<target_progress_report::Model, StorageError> {
    let mut am = row.into_active_model();
    am.id = NotSet;
    Ok(am.insert(&w.txn).await?)
}

/// The latest reported figure of a target.
pub async fn latest_progress_report(
    db: &DatabaseConnection,
    target_id: i64,
) -> Result<Option<target_progress_report::Model>, StorageError> {
    Ok(target_progress_report::Entity::find()
        .filter(target_progress_report::Column::TargetId.eq(target_id))
        .order_by_desc(target_progress_report::Column::AsOf)
        .order_by_desc(target_progress_report::Column::Id)
        .one(db)
        .await?)
}

/// The latest reported figure of each of `ids` that has one (one statement).
pub async fn latest_progress_reports(
    db: &DatabaseConnection,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, target_progress_report::Model>, StorageError> {
    let mut out = std::collections::HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let rows = target_progress_report::Entity::find()
        .filter(target_progress_report::Column::TargetId.is_in(ids.iter().copied()))
        .order_by_desc(target_progress_report::Column::AsOf)
        .order_by_desc(target_progress_report::Column::Id)
        .all(db)
        .await?;
    for r in rows {
        out.entry(r.target_id).or_insert(r);
    }
    Ok(out)
}

/// Every jurisdiction that has targets.
pub async fn jurisdictions(db: &DatabaseConnection) -> Result<Vec<i32>, StorageError> {
    Ok(target::Entity::find()
        .select_only()
        .column(target::Column::JurisdictionId)
        .distinct()
        .into_tuple::<i32>()
        .all(db)
        .await?)
}

/// Which targets a listing selects.
#[derive(Debug, Clone, Default)]
pub struct TargetSelection {
    /// Of these jurisdictions.
    pub jurisdictions: Option<Vec<i32>>,
    /// Of this year.
    pub year: Option<i32>,
    /// Of these indicators (stored names).
    pub indicators: Option<Vec<&'static str>>,
    /// From this source document.
    pub source_document: Option<String>,
}

fn selection(s: &TargetSelection) -> sea_orm::Select<target::Entity> {
    let mut sel = target::Entity::find();
    if let Some(ids) = &s.jurisdictions {
        sel = sel.filter(target::Column::JurisdictionId.is_in(ids.iter().copied()));
    }
    if let Some(y) = s.year {
        sel = sel.filter(target::Column::Year.eq(y));
    }
    if let Some(is) = &s.indicators {
        sel = sel.filter(target::Column::Indicator.is_in(is.iter().copied()));
    }
    if let Some(d) = &s.source_document {
        sel = sel.filter(target::Column::SourceDocument.eq(d.as_str()));
    }
    sel
}

/// Up to `limit` selected targets with ids strictly between `after_id` and
/// `before_id`: those nearest `after_id` by ascending id, or, `from_end`,
/// those nearest `before_id` by descending id.
pub async fn targets_between(
    db: &DatabaseConnection,
    s: &TargetSelection,
    after_id: i64,
    before_id: Option<i64>,
    limit: u64,
    from_end: bool,
) -> Result<Vec<target::Model>, StorageError> {
    let mut q = selection(s).filter(target::Column::Id.gt(after_id));
    if let Some(b) = before_id {
        q = q.filter(target::Column::Id.lt(b));
    }
    let q = if from_end { q.order_by_desc(target::Column::Id) } else { q.order_by_asc(target::Column::Id) };
    Ok(q.limit(limit).all(db).await?)
}

/// The first `limit` selected targets (by ascending id, or descending
/// `from_end`) and how many are selected in all, in one statement.
pub async fn first_targets_counted(
    db: &DatabaseConnection,
    s: &TargetSelection,
    limit: u64,
    from_end: bool,
) -> Result<(Vec<target::Model>, u64), StorageError> {
    let q = selection(s).column_as(Expr::cust("COUNT(*) OVER ()"), "total_selected");
    let q = if from_end { q.order_by_desc(target::Column::Id) } else { q.order_by_asc(target::Column::Id) };
    let stmt = q.limit(limit).build(db.get_database_backend());
    let mut total = 0;
    let mut out = Vec::new();
    for r in db.query_all(stmt).await? {
        total = r.try_get::<i64>("", "total_selected")?;
        out.push(target::Model::from_query_result(&r, "")?);
    }
    Ok((out, u64::try_from(total).unwrap_or(0)))
}

/// How many targets a selection holds.
pub async fn count_targets(db: &DatabaseConnection, s: &TargetSelection) -> Result<u64, StorageError> {
    Ok(selection(s).count(db).await?)
}
