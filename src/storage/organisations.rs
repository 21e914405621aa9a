//! Queries over the three organisation tables (cooperatives, unions, groups):
//! filtering, keyset pagination and batched look-ups for the DataLoaders.
//!
//! The tables share column names, so one filter and one ordering serve all
//! three; [`OrgKind`] supplies what differs.

use super::StorageError;
use crate::domain::UnitId;
use chrono::{DateTime, NaiveDate, Utc};
use entity::decode::DecodeAt;
use entity::{annual_report, cooperative, cooperative_group, cooperative_union, person};
use sea_orm::sea_query::{Alias, Condition, Expr, Func, LikeExpr, Query, SimpleExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, Order, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Value,
};
use std::collections::HashMap;

/// Which organisation table a query reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OrgKind {
    /// `cooperative`
    Cooperative,
    /// `cooperative_union`
    Union,
    /// `cooperative_group`
    Group,
}

impl OrgKind {
    /// The table's name.
    pub fn table(self) -> &'static str {
        match self {
            OrgKind::Cooperative => "cooperative",
            OrgKind::Union => "cooperative_union",
            OrgKind::Group => "cooperative_group",
        }
    }

    /// The column of `annual_report` that points at this table.
    pub fn report_column(self) -> &'static str {
        match self {
            OrgKind::Cooperative => "cooperative_id",
            OrgKind::Union => "union_id",
            OrgKind::Group => "group_id",
        }
    }

    /// The date column `registeredFrom/To` and REGISTERED_ON use.
    fn date_column(self) -> &'static str {
        match self {
            OrgKind::Group => "established_on",
            _ => "registered_on",
        }
    }

    /// What MEMBERS orders by.
    fn members_expr(self) -> SimpleExpr {
        match self {
            OrgKind::Cooperative => Expr::cust("cooperative.official_members + cooperative.associate_members"),
            OrgKind::Group => Expr::cust("cooperative_group.members"),
            OrgKind::Union => {
                Expr::cust("(SELECT COUNT(*) FROM cooperative m WHERE m.union_id = cooperative_union.id)")
            }
        }
    }

    fn col(self, name: &str) -> Expr {
        Expr::col((Alias::new(self.table()), Alias::new(name)))
    }
}

/// A yes/no fact both an organisation's record and its annual reports
/// state (`domain::targets::counted_flag` says which wins).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportedFlag {
    /// `high_tech`: applies high technology.
    HighTech,
    /// `value_chain_linked`: linked in a value chain.
    ValueChainLinked,
}

impl ReportedFlag {
    /// The column, of the same name in the organisation tables and in `annual_report`.
    pub fn column(self) -> &'static str {
        match self {
            ReportedFlag::HighTech => "high_tech",
            ReportedFlag::ValueChainLinked => "value_chain_linked",
        }
    }
}

/// `domain::targets::counted_flag` in SQL, given `report` an alias of the
/// row's latest report (`annual_report` joined on the row and its
/// `latest_report_year`, NULL when none): the report's flag, the record's
/// only when there is no report.
pub fn counted_flag_joined(kind: OrgKind, report: &str, flag: ReportedFlag) -> String {
    let (t, f) = (kind.table(), flag.column());
    format!("COALESCE({report}.{f}, {t}.{f})")
}

/// `domain::targets::counted_flag` in SQL for a row of `kind`'s table, with
/// the latest report read by a subquery (at most one row by the unique
/// (organisation, year) index): what the `highTech` / `valueChainLinked`
/// filters match and the fields show.
pub fn counted_flag_sql(kind: OrgKind, flag: ReportedFlag) -> String {
    let (t, f, r) = (kind.table(), flag.column(), kind.report_column());
    format!(
        "COALESCE((SELECT lr.{f} FROM annual_report lr WHERE lr.{r} = {t}.id AND lr.year = {t}.latest_report_year), {t}.{f})"
    )
}

/// A filter with every code already resolved to unit ids. `None` fields do
/// not filter; an empty list matches nothing.
#[derive(Debug, Clone, Default)]
pub struct OrgFilter {
    /// Head office in this province.
    pub province_id: Option<UnitId>,
    /// Head office in one of these wards.
    pub ward_ids: Option<Vec<UnitId>>,
    /// Stored status names.
    pub statuses: Option<Vec<&'static str>>,
    /// Stored sector names.
    pub sectors: Option<Vec<&'static str>>,
    /// Stored rating names, of `rating_year` or of the latest report.
    pub ratings: Option<Vec<&'static str>>,
    /// The year `ratings` refers to.
    pub rating_year: Option<i32>,
    /// Applies high technology, as `domain::targets::counted_flag` reads
    /// the latest report and the record ([`counted_flag_sql`]).
    pub high_tech: Option<bool>,
    /// Linked in a value chain, read as `high_tech` is.
    pub value_chain_linked: Option<bool>,
    /// Folded text the folded name must contain.
    pub name_folded: Option<String>,
    /// Registered (groups: established) on or after.
    pub registered_from: Option<NaiveDate>,
    /// Registered (groups: established) on or before.
    pub registered_to: Option<NaiveDate>,
    /// Changed at or after.
    pub updated_since: Option<DateTime<Utc>>,
    /// Must report on this year (see `storage::reporting`) and has no annual report for it.
    pub report_missing_for_year: Option<i32>,
    /// Flagged below the legal minimum: cooperatives of official members,
    /// unions of operating member cooperatives (groups: `true` matches nothing).
    pub below_legal_minimum: Option<bool>,
}

/// Escapes LIKE wildcards in user text.
fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn condition(kind: OrgKind, f: &OrgFilter) -> Condition {
    let mut c = Condition::all();
    if let Some(p) = f.province_id {
        c = c.add(kind.col("province_id").eq(p));
    }
    if let Some(w) = &f.ward_ids {
        c = c.add(kind.col("ward_id").is_in(w.iter().copied()));
    }
    if let Some(s) = &f.statuses {
        c = c.add(kind.col("status").is_in(s.iter().copied()));
    }
    if let Some(s) = &f.sectors {
        c = c.add(kind.col("sector").is_in(s.iter().copied()));
    }
    if let Some(r) = &f.ratings {
        match f.rating_year {
            None => c = c.add(kind.col("latest_rating").is_in(r.iter().copied())),
            Some(year) => {
                let report = Alias::new("annual_report");
                let sub = Query::select()
                    .expr(Expr::val(1))
                    .from(report.clone())
                    .and_where(
                        Expr::col((report.clone(), Alias::new(kind.report_column())))
                            .equals((Alias::new(kind.table()), Alias::new("id"))),
                    )
                    .and_where(Expr::col((report.clone(), Alias::new("year"))).eq(year))
                    .and_where(Expr::col((report, Alias::new("rating"))).is_in(r.iter().copied()))
                    .to_owned();
                c = c.add(Expr::exists(sub));
            }
        }
    }
    if let Some(h) = f.high_tech {
        c = c.add(Expr::cust(counted_flag_sql(kind, ReportedFlag::HighTech)).eq(h));
    }
    match (kind, f.below_legal_minimum) {
        (_, None) | (OrgKind::Group, Some(false)) => {}
        (OrgKind::Cooperative, Some(true)) => c = c.add(kind.col("below_legal_minimum_since").is_not_null()),
        (OrgKind::Cooperative, Some(false)) => c = c.add(kind.col("below_legal_minimum_since").is_null()),
        (OrgKind::Union, Some(true)) => c = c.add(kind.col("below_minimum_since").is_not_null()),
        (OrgKind::Union, Some(false)) => c = c.add(kind.col("below_minimum_since").is_null()),
        (OrgKind::Group, Some(true)) => c = c.add(Expr::val(1).eq(0)),
    }
    if let Some(v) = f.value_chain_linked {
        c = c.add(Expr::cust(counted_flag_sql(kind, ReportedFlag::ValueChainLinked)).eq(v));
    }
    if let Some(n) = &f.name_folded {
        let pattern = format!("%{}%", like_escape(n));
        c = c.add(kind.col("name_search").like(LikeExpr::new(pattern).escape('\\')));
    }
    if let Some(d) = f.registered_from {
        c = c.add(kind.col(kind.date_column()).gte(d));
    }
    if let Some(d) = f.registered_to {
        c = c.add(kind.col(kind.date_column()).lte(d));
    }
    if let Some(t) = f.updated_since {
        c = c.add(kind.col("updated_at").gte(t));
    }
    if let Some(year) = f.report_missing_for_year {
        c = match crate::domain::calendar::year_end(year) {
            Some(end) => c
                .add(super::reporting::expected_condition(kind, end))
                .add(Expr::exists(super::reporting::reported_condition(kind, year)).not()),
            None => c.add(Expr::val(1).eq(0)),
        };
    }
    c
}

/// What a listing is ordered by; ties are broken by id in the same direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderField {
    /// Insertion order.
    Id,
    /// Folded name.
    Name,
    /// Registration (groups: establishment) date; records without one last.
    RegisteredOn,
    /// Last change.
    UpdatedAt,
    /// Official + associate members (groups: members; unions: member cooperatives).
    Members,
}

/// An ordering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ordering {
    /// The sort key.
    pub field: OrderField,
    /// Descending instead of ascending.
    pub descending: bool,
}

/// The value of a row's sort key, as a cursor carries it.
#[derive(Debug, Clone, PartialEq)]
pub enum SortKey {
    /// Id or members.
    Int(i64),
    /// Folded name.
    Text(String),
    /// Registration date (the sentinel for none).
    Date(NaiveDate),
    /// Last change.
    Time(DateTime<Utc>),
}

impl From<SortKey> for Value {
    fn from(k: SortKey) -> Value {
        match k {
            SortKey::Int(i) => i.into(),
            SortKey::Text(s) => s.into(),
            SortKey::Date(d) => d.into(),
            SortKey::Time(t) => t.into(),
        }
    }
}

/// A position in an ordered listing: continue after the row with this key and id.
#[derive(Debug, Clone, PartialEq)]
pub struct Position {
    /// The row's sort key.
    pub key: SortKey,
    /// The row's id.
    pub id: i64,
}

/// Stands in for a missing registration date so such rows sort last. A
/// four-digit year, because SQLite compares dates as text.
pub fn no_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or_default()
}

fn sort_expr(kind: OrgKind, field: OrderField) -> SimpleExpr {
    match field {
        OrderField::Id => kind.col("id").into(),
        OrderField::Name => kind.col("name_search").into(),
        OrderField::UpdatedAt => kind.col("updated_at").into(),
        OrderField::Members => kind.members_expr(),
        OrderField::RegisteredOn => {
            Func::coalesce([kind.col(kind.date_column()).into(), Expr::val(no_date()).into()]).into()
        }
    }
}

/// One of the three organisation tables (cooperatives, unions, groups), as
/// the listing functions take it.
pub trait OrgTable: EntityTrait<Model: OrgRow + Sync + DecodeAt> {}

impl OrgTable for cooperative::Entity {}
impl OrgTable for cooperative_union::Entity {}
impl OrgTable for cooperative_group::Entity {}

/// The keyset condition "strictly beyond `p`" in the direction `descending`.
fn beyond(key: &SimpleExpr, id: &SimpleExpr, p: &Position, descending: bool) -> Condition {
    let v: Value = p.key.clone().into();
    let (past, id_past) = if descending {
        (Expr::expr(key.clone()).lt(v.clone()), Expr::expr(id.clone()).lt(p.id))
    } else {
        (Expr::expr(key.clone()).gt(v.clone()), Expr::expr(id.clone()).gt(p.id))
    };
    Condition::any().add(past).add(Condition::all().add(Expr::expr(key.clone()).eq(v)).add(id_past))
}

/// The bounds and end of one page of a keyset listing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Window<'a> {
    /// Only rows after this position.
    pub after: Option<&'a Position>,
    /// Only rows before this position.
    pub before: Option<&'a Position>,
    /// Take the rows at the end of the window (nearest `before`), returned
    /// in reverse order; otherwise those at its start.
    pub from_end: bool,
}

/// Rows of one organisation table, filtered, ordered and cut to `limit`
/// within `window` (from its end, in reverse order, when `window.from_end`).
pub async fn page<E>(
    db: &DatabaseConnection,
    kind: OrgKind,
    filter: &OrgFilter,
    order: Ordering,
    window: Window<'_>,
    limit: u64,
) -> Result<Vec<E::Model>, StorageError>
where
    E: EntityTrait<Model: DecodeAt>,
{
    let key = sort_expr(kind, order.field);
    let id: SimpleExpr = kind.col("id").into();
    let mut cond = condition(kind, filter);
    if let Some(p) = window.after {
        cond = cond.add(beyond(&key, &id, p, order.descending));
    }
    if let Some(p) = window.before {
        cond = cond.add(beyond(&key, &id, p, !order.descending));
    }
    let dir = if order.descending != window.from_end { Order::Desc } else { Order::Asc };
    let mut q = E::find().filter(cond);
    if order.field != OrderField::Id {
        q = q.order_by(key, dir.clone());
    }
    let statement = sea_orm::QueryTrait::build(&q.order_by(id, dir).limit(limit), db.get_database_backend());
    decode_rows(&db.query_all(statement).await?)
}

/// Models decoded by position from rows that hold their columns first
/// (as `Entity::find()` selects them).
pub(crate) fn decode_rows<M: DecodeAt>(rows: &[sea_orm::QueryResult]) -> Result<Vec<M>, StorageError> {
    Ok(rows.iter().map(|r| M::decode_at(r, 0)).collect::<Result<_, _>>()?)
}

/// How many rows of one organisation table match a filter.
pub async fn count<E>(db: &DatabaseConnection, kind: OrgKind, filter: &OrgFilter) -> Result<u64, StorageError>
where
    E: EntityTrait,
    E::Model: Sync,
{
    Ok(E::find().filter(condition(kind, filter)).count(db).await?)
}

/// Cooperatives by id.
pub async fn cooperatives_by_id(db: &DatabaseConnection, ids: &[i64]) -> Result<Vec<cooperative::Model>, StorageError> {
    by_id::<cooperative::Entity>(db, "cooperatives-by-id", cooperative::Column::Id, ids).await
}

/// The rows of `E` whose `column` is one of `ids`, in one statement whose
/// text is kept per number of ids ([`super::texts`]).
pub(crate) async fn by_id<E: EntityTrait<Model: DecodeAt>>(
    db: &DatabaseConnection,
    shape: &'static str,
    column: E::Column,
    ids: &[i64],
) -> Result<Vec<E::Model>, StorageError> {
    use sea_orm::QueryTrait;
    let statement = super::texts::by_ids(db.get_database_backend(), shape, ids, || {
        E::find().filter(column.is_in(ids.iter().copied())).into_query()
    });
    decode_rows(&db.query_all(statement).await?)
}

/// What to read together with a cooperative ([`cooperative_by_code_with`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WithCooperative {
    /// Its union.
    pub union: bool,
    /// The union's number of member cooperatives (with `union`).
    pub union_members: bool,
    /// Its annual reports, by year.
    pub reports: bool,
}

impl WithCooperative {
    fn variant(self) -> u32 {
        u32::from(self.union) | u32::from(self.union && self.union_members) << 1 | u32::from(self.reports) << 2
    }
}

/// A cooperative with what was read together with it.
#[derive(Debug, Clone)]
pub struct CooperativeRead {
    /// The cooperative.
    pub cooperative: cooperative::Model,
    /// Its union, if it belongs to one (when asked for).
    pub union: Option<cooperative_union::Model>,
    /// How many member cooperatives that union has, when asked for.
    pub union_members: Option<i64>,
    /// Its annual reports by year, when asked for.
    pub reports: Option<Vec<annual_report::Model>>,
}

/// A cooperative by code with, as `with` asks, its union (and the union's
/// member count) and its annual reports: one statement, whatever is asked.
/// The reports are joined to the one cooperative row (a row per report),
/// which is read in a derived table first, so that the member count is
/// counted once, not once per report.
pub async fn cooperative_by_code_with(
    db: &DatabaseConnection,
    code: &str,
    with: WithCooperative,
) -> Result<Option<CooperativeRead>, StorageError> {
    use sea_orm::{Iterable, JoinType, QueryTrait};
    let backend = db.get_database_backend();
    let build = || {
        let by_code = cooperative::Entity::find().filter(cooperative::Column::Code.eq(code));
        let mut q = if with.union {
            let to_union: sea_orm::RelationDef = cooperative::Entity::belongs_to(cooperative_union::Entity)
                .from(cooperative::Column::UnionId)
                .to(cooperative_union::Column::Id)
                .into();
            by_code.select_also(cooperative_union::Entity).join(JoinType::LeftJoin, to_union).into_query()
        } else {
            by_code.into_query()
        };
        if with.union && with.union_members {
            q.expr_as(
                Expr::cust("(SELECT COUNT(*) FROM cooperative m WHERE m.union_id = cooperative_union.id)"),
                Alias::new("union_members"),
            );
        }
        if !with.reports {
            return q;
        }
        // One row at most (codes are unique); the limit also keeps
        // PostgreSQL from pulling the derived table up and counting the
        // members once per report.
        q.limit(1);
        let mut outer = Query::select();
        outer.column((Alias::new("x"), sea_orm::sea_query::Asterisk));
        for c in annual_report::Column::iter() {
            let name = sea_orm::IdenStatic::as_str(&c);
            outer.expr_as(Expr::col((Alias::new("r"), Alias::new(name))), Alias::new(format!("C_{name}")));
        }
        outer
            .from_subquery(q, Alias::new("x"))
            .join_as(
                JoinType::LeftJoin,
                annual_report::Entity,
                Alias::new("r"),
                Expr::col((Alias::new("r"), annual_report::Column::CooperativeId))
                    .equals((Alias::new("x"), Alias::new(if with.union { "A_id" } else { "id" }))),
            )
            .order_by((Alias::new("r"), annual_report::Column::Year), Order::Asc);
        outer
    };
    let mut values: Vec<Value> = vec![code.into()];
    if with.reports {
        values.push(1u64.into());
    }
    let statement = super::texts::statement(backend, "cooperative-by-code", with.variant(), values, build);
    let rows = db.query_all(statement).await?;
    let Some(first) = rows.first() else { return Ok(None) };
    // By position: the cooperative, then the union and its count, then a report.
    let cooperative = cooperative::Model::decode_at(first, 0)?;
    let mut at = cooperative::Model::WIDTH;
    let mut union = None;
    if with.union {
        // A cooperative in no union has a row of nulls here.
        if first.try_get_by_index::<Option<i64>>(at)?.is_some() {
            union = Some(cooperative_union::Model::decode_at(first, at)?);
        }
        at += cooperative_union::Model::WIDTH;
    }
    let mut union_members = None;
    if with.union && with.union_members {
        union_members = first.try_get_by_index::<Option<i64>>(at)?.filter(|_| union.is_some());
        at += 1;
    }
    let reports = if with.reports {
        let mut reports = Vec::with_capacity(rows.len());
        for row in &rows {
            if row.try_get_by_index::<Option<i64>>(at)?.is_some() {
                reports.push(annual_report::Model::decode_at(row, at)?);
            }
        }
        Some(reports)
    } else {
        None
    };
    Ok(Some(CooperativeRead { cooperative, union, union_members, reports }))
}

/// Unions by id.
pub async fn unions_by_id(db: &DatabaseConnection, ids: &[i64]) -> Result<Vec<cooperative_union::Model>, StorageError> {
    by_id::<cooperative_union::Entity>(db, "unions-by-id", cooperative_union::Column::Id, ids).await
}

/// A union by code.
pub async fn union_by_code(
    db: &DatabaseConnection,
    code: &str,
) -> Result<Option<cooperative_union::Model>, StorageError> {
    Ok(cooperative_union::Entity::find().filter(cooperative_union::Column::Code.eq(code)).one(db).await?)
}

/// Groups by id.
pub async fn groups_by_id(db: &DatabaseConnection, ids: &[i64]) -> Result<Vec<cooperative_group::Model>, StorageError> {
    by_id::<cooperative_group::Entity>(db, "groups-by-id", cooperative_group::Column::Id, ids).await
}

/// Persons by id.
pub async fn persons_by_id(db: &DatabaseConnection, ids: &[i64]) -> Result<Vec<person::Model>, StorageError> {
    by_id::<person::Entity>(db, "persons-by-id", person::Column::Id, ids).await
}

/// The first `limit` member cooperatives (by id, after `after_id`, before
/// `before_id`) of each of several unions, in one statement; with
/// `from_end`, the last `limit` of that window. Always in id order.
pub async fn member_cooperatives(
    db: &DatabaseConnection,
    union_ids: &[i64],
    after_id: Option<i64>,
    before_id: Option<i64>,
    from_end: bool,
    limit: u64,
) -> Result<Vec<cooperative::Model>, StorageError> {
    let c = Alias::new("cooperative");
    let mut inner = Query::select();
    let number = if from_end {
        "ROW_NUMBER() OVER (PARTITION BY cooperative.union_id ORDER BY cooperative.id DESC)"
    } else {
        "ROW_NUMBER() OVER (PARTITION BY cooperative.union_id ORDER BY cooperative.id)"
    };
    inner
        .column((c.clone(), sea_orm::sea_query::Asterisk))
        .expr_as(Expr::cust(number), Alias::new("rn"))
        .from(c.clone())
        .and_where(Expr::col((c.clone(), Alias::new("union_id"))).is_in(union_ids.iter().copied()));
    if let Some(a) = after_id {
        inner.and_where(Expr::col((c.clone(), Alias::new("id"))).gt(a));
    }
    if let Some(b) = before_id {
        inner.and_where(Expr::col((c.clone(), Alias::new("id"))).lt(b));
    }
    let t = Alias::new("t");
    let outer = Query::select()
        .column((t.clone(), sea_orm::sea_query::Asterisk))
        .from_subquery(inner.to_owned(), t.clone())
        .and_where(Expr::col((t.clone(), Alias::new("rn"))).lte(limit))
        .order_by((t.clone(), Alias::new("union_id")), Order::Asc)
        .order_by((t, Alias::new("id")), Order::Asc)
        .to_owned();
    let stmt = db.get_database_backend().build(&outer);
    Ok(cooperative::Entity::find().from_raw_sql(stmt).all(db).await?)
}

#[derive(FromQueryResult)]
struct UnionCount {
    union_id: i64,
    n: i64,
}

/// How many member cooperatives each of several unions has.
pub async fn member_counts(db: &DatabaseConnection, union_ids: &[i64]) -> Result<HashMap<i64, i64>, StorageError> {
    let rows = UnionCount::find_by_statement(
        db.get_database_backend().build(
            Query::select()
                .column(Alias::new("union_id"))
                .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
                .from(Alias::new("cooperative"))
                .and_where(Expr::col(Alias::new("union_id")).is_in(union_ids.iter().copied()))
                .group_by_col(Alias::new("union_id")),
        ),
    )
    .all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.union_id, r.n)).collect())
}

/// A row of an organisation table: its id and sort keys.
pub trait OrgRow {
    /// The row's id.
    fn row_id(&self) -> i64;
    /// The row's value of a sort key, as [`page`] compares it.
    fn sort_key(&self, field: OrderField) -> SortKey;
    /// The row's position in an ordering.
    fn position(&self, field: OrderField) -> Position {
        Position { key: self.sort_key(field), id: self.row_id() }
    }
}

impl OrgRow for cooperative::Model {
    fn row_id(&self) -> i64 {
        self.id
    }
    fn sort_key(&self, field: OrderField) -> SortKey {
        match field {
            OrderField::Id => SortKey::Int(self.id),
            OrderField::Name => SortKey::Text(self.name_search.clone()),
            OrderField::RegisteredOn => SortKey::Date(self.registered_on.unwrap_or_else(no_date)),
            OrderField::UpdatedAt => SortKey::Time(self.updated_at),
            OrderField::Members => SortKey::Int(i64::from(self.official_members) + i64::from(self.associate_members)),
        }
    }
}

impl OrgRow for cooperative_union::Model {
    fn row_id(&self) -> i64 {
        self.id
    }
    fn sort_key(&self, field: OrderField) -> SortKey {
        match field {
            OrderField::Id | OrderField::Members => SortKey::Int(self.id),
            OrderField::Name => SortKey::Text(self.name_search.clone()),
            OrderField::RegisteredOn => SortKey::Date(self.registered_on.unwrap_or_else(no_date)),
            OrderField::UpdatedAt => SortKey::Time(self.updated_at),
        }
    }
}

impl OrgRow for cooperative_group::Model {
    fn row_id(&self) -> i64 {
        self.id
    }
    fn sort_key(&self, field: OrderField) -> SortKey {
        match field {
            OrderField::Id => SortKey::Int(self.id),
            OrderField::Name => SortKey::Text(self.name_search.clone()),
            OrderField::RegisteredOn => SortKey::Date(self.established_on),
            OrderField::UpdatedAt => SortKey::Time(self.updated_at),
            OrderField::Members => SortKey::Int(i64::from(self.members)),
        }
    }
}
