//! The query root: thin resolvers that validate arguments through the
//! service layer and wrap what it returns.

use super::error::{bad_user_input, internal, ApiResult};
use super::ids::{self, NodeKind};
use super::prefetch;
use super::types::enums::AdministrativeLevel;
use super::types::feed::{AuditEvent, AuditEventConnection, AuditEventEdge, Change, ChangeConnection, ChangeEdge};
use super::types::filter::{OrganizationFilter, OrganizationOrder};
use super::types::principal::Principal;
use super::types::statistics::RegistryStatistics;
use super::types::targets::{Target, TargetConnection, TargetEdge, TargetFilter};
use super::types::*;
use crate::auth;
use crate::service::page::{self, PageRequest};
use crate::service::registry::{self, OrganizationQuery};
use crate::service::{feed, write};
use crate::state::AppState;
use crate::storage::organisations::{self, Ordering, OrgKind};
use async_graphql::{Context, Object, Result, ID};
use entity::{cooperative, cooperative_group, cooperative_union};
use std::sync::Arc;

/// Most ids `nodes` takes at once.
pub const MAX_NODE_IDS: usize = 100;

/// Which audit entries to list.
#[derive(async_graphql::InputObject, Default)]
pub struct AuditEventFilter {
    /// Token subject of the caller.
    pub subject: Option<String>,
    /// Operation, e.g. `registerCooperative`, `readPersonalData`.
    pub operation: Option<String>,
    /// SUCCESS, DENIED, REJECTED or READ.
    pub outcome: Option<String>,
    /// Global id of the entity.
    pub entity_id: Option<ID>,
}

/// Read access to the registry.
#[derive(Default)]
pub struct QueryRoot;

fn state<'c>(ctx: &Context<'c>) -> Result<&'c AppState> {
    ctx.data::<AppState>()
}

async fn load_node(ctx: &Context<'_>, kind: NodeKind, id: i64) -> Result<Option<Node>> {
    let l = crate::graphql::loaders::of(ctx)?;
    Ok(match kind {
        NodeKind::Cooperative => {
            l.cooperatives.load_one(id).await.map_err(|e| internal(&e))?.map(|m| Node::Cooperative(Cooperative(m)))
        }
        NodeKind::CooperativeUnion => {
            l.unions.load_one(id).await.map_err(|e| internal(&e))?.map(|m| Node::CooperativeUnion(CooperativeUnion(m)))
        }
        NodeKind::CooperativeGroup => {
            l.groups.load_one(id).await.map_err(|e| internal(&e))?.map(|m| Node::CooperativeGroup(CooperativeGroup(m)))
        }
        NodeKind::Target => l.targets.load_one(id).await.map_err(|e| internal(&e))?.map(|m| Node::Target(Target(m))),
        NodeKind::Member => crate::graphql::types::members::load(ctx, id).await?.map(Node::Member),
        NodeKind::ExportJob => export_job(ctx, id).await?,
    })
}

/// An export job, to the caller who started it only (anyone else: null).
async fn export_job(ctx: &Context<'_>, id: i64) -> Result<Option<Node>> {
    let who = ctx.data_opt::<auth::Principal>().cloned().unwrap_or_else(auth::Principal::anonymous);
    if who.role == auth::Role::Anonymous {
        return Ok(None);
    }
    let job = crate::service::export::job_for(state(ctx)?, &who, id).await.api()?;
    Ok(job.map(|j| Node::ExportJob(super::types::export::ExportJob(Arc::new(j)))))
}

/// Resolves a filter for one table; `None` inside when it matches nothing.
fn filter(
    ctx: &Context<'_>,
    kind: OrgKind,
    f: Option<OrganizationFilter>,
) -> Result<Option<Arc<organisations::OrgFilter>>> {
    let q: OrganizationQuery = f.map(Into::into).unwrap_or_default();
    Ok(registry::resolve_filter(&state(ctx)?.gazetteer, kind, &q).api()?.map(Arc::new))
}

/// Read access to the registry.
#[Object(name = "Query")]
impl QueryRoot {
    /// Any object by its global id; null when it does not exist.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global id, as an object's `id` field returns it.")] id: ID,
    ) -> Result<Option<Node>> {
        let (kind, row) = ids::decode("id", &id).api()?;
        load_node(ctx, kind, row).await
    }

    /// Objects by global id, in the same order; null where not found. At most 100 ids.
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ids, at most 100; the answer keeps their order.")] ids: Vec<ID>,
    ) -> Result<Vec<Option<Node>>> {
        if ids.len() > MAX_NODE_IDS {
            return Err(bad_user_input("ids", crate::domain::Msg::TooManyIds { max: MAX_NODE_IDS, got: ids.len() }));
        }
        let decoded = ids
            .iter()
            .enumerate()
            .map(|(i, id)| ids::decode(&format!("ids[{i}]"), id))
            .collect::<Result<Vec<_>, _>>()
            .api()?;
        let l = crate::graphql::loaders::of(ctx)?;
        let of =
            |k: NodeKind| decoded.iter().filter(move |(kind, _)| *kind == k).map(|(_, id)| *id).collect::<Vec<_>>();
        let mut registered = std::collections::HashMap::new();
        for id in of(NodeKind::Member) {
            if let Some(m) = crate::graphql::types::members::load(ctx, id).await? {
                registered.insert(id, m);
            }
        }
        let (c, u, g, t) = futures_util::try_join!(
            l.cooperatives.load_many(of(NodeKind::Cooperative)),
            l.unions.load_many(of(NodeKind::CooperativeUnion)),
            l.groups.load_many(of(NodeKind::CooperativeGroup)),
            l.targets.load_many(of(NodeKind::Target)),
        )
        .map_err(|e| internal(&e))?;
        let mut jobs = std::collections::HashMap::new();
        for id in of(NodeKind::ExportJob) {
            jobs.insert(id, export_job(ctx, id).await?);
        }
        Ok(decoded
            .iter()
            .map(|(kind, id)| match kind {
                NodeKind::Cooperative => c.get(id).cloned().map(|m| Node::Cooperative(Cooperative(m))),
                NodeKind::CooperativeUnion => u.get(id).cloned().map(|m| Node::CooperativeUnion(CooperativeUnion(m))),
                NodeKind::CooperativeGroup => g.get(id).cloned().map(|m| Node::CooperativeGroup(CooperativeGroup(m))),
                NodeKind::Target => t.get(id).cloned().map(|m| Node::Target(Target(m))),
                NodeKind::Member => registered.get(id).cloned().map(Node::Member),
                NodeKind::ExportJob => jobs.remove(id).flatten(),
            })
            .collect())
    }

    /// The caller.
    async fn me(&self, ctx: &Context<'_>) -> Principal {
        Principal(ctx.data_opt::<auth::Principal>().cloned().unwrap_or_else(auth::Principal::anonymous))
    }

    /// A cooperative by its code (tax code); null when none has it.
    async fn cooperative(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The cooperative's code (mã số hợp tác xã): the tax code the national tax registration system issued."
        )]
        code: String,
    ) -> Result<Option<Cooperative>> {
        let code = registry::parse_code("code", &code).api()?;
        let db = &state(ctx)?.db;
        let look = ctx.look_ahead();
        // The union (and its member count) and the reports, when asked, in
        // the same statement.
        let union = look.field("union");
        let with = organisations::WithCooperative {
            union: union.exists(),
            union_members: union.field("memberCooperatives").field("totalCount").exists(),
            reports: prefetch::needs_reports(&look),
        };
        let found = organisations::cooperative_by_code_with(db, code.as_str(), with).await.map_err(|e| internal(&e))?;
        let Some(found) = found else { return Ok(None) };
        if let Some(u) = found.union {
            prefetch::union_read_with(ctx, u, found.union_members).await?;
        }
        if let Some(reports) = found.reports {
            prefetch::reports_read_with(ctx, OrgKind::Cooperative, found.cooperative.id, reports).await?;
        }
        Ok(Some(Cooperative(Arc::new(found.cooperative))))
    }

    /// A cooperative union by its code; null when none has it.
    async fn cooperative_union(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The union's code (mã số liên hiệp hợp tác xã): its tax code.")] code: String,
    ) -> Result<Option<CooperativeUnion>> {
        let code = registry::parse_code("code", &code).api()?;
        let found = organisations::union_by_code(&state(ctx)?.db, code.as_str()).await.map_err(|e| internal(&e))?;
        Ok(found.map(|m| CooperativeUnion(Arc::new(m))))
    }

    /// Cooperatives, filtered and ordered (by id when `orderBy` is omitted).
    /// `first` defaults to 20 and may be at most 100.
    #[allow(clippy::too_many_arguments)] // one per GraphQL argument
    async fn cooperatives(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which organisations: every condition given must hold; all when omitted.")] filter: Option<
            OrganizationFilter,
        >,
        #[graphql(desc = "Order of the pages; by id, ascending, when omitted.")] order_by: Option<OrganizationOrder>,
        #[graphql(desc = "How many nodes to return: 20 when omitted, at most 100 (more is BAD_USER_INPUT).")]
        first: Option<i32>,
        #[graphql(
            desc = "Return the nodes after this cursor (an edge's `cursor` or `pageInfo.endCursor`); from the start when omitted."
        )]
        after: Option<String>,
        #[graphql(desc = "The last `last` items (before `before`, if given); not with `first`. At most 100.")]
        last: Option<i32>,
        #[graphql(desc = "Only items before this cursor (page backward with `last`).")] before: Option<String>,
    ) -> Result<CooperativeConnection> {
        let req =
            PageRequest::window(first, after.as_deref(), last, before.as_deref(), Ordering::from(order_by)).api()?;
        let f = self::filter(ctx, OrgKind::Cooperative, filter)?;
        let page = registry::list::<cooperative::Entity>(&state(ctx)?.db, OrgKind::Cooperative, f.as_deref(), &req)
            .await
            .api()?
            .map(Arc::new);
        let rows = page.items.iter().map(|(_, m)| m.clone()).collect();
        prefetch::cooperatives(ctx, ctx.look_ahead().field("edges").field("node"), rows).await?;
        Ok(CooperativeConnection::new(page, Total::Filtered(OrgKind::Cooperative, f)))
    }

    /// Cooperative unions, filtered, by id.
    async fn cooperative_unions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which organisations: every condition given must hold; all when omitted.")] filter: Option<
            OrganizationFilter,
        >,
        #[graphql(desc = "How many nodes to return: 20 when omitted, at most 100 (more is BAD_USER_INPUT).")]
        first: Option<i32>,
        #[graphql(
            desc = "Return the nodes after this cursor (an edge's `cursor` or `pageInfo.endCursor`); from the start when omitted."
        )]
        after: Option<String>,
        #[graphql(desc = "The last `last` items (before `before`, if given); not with `first`. At most 100.")]
        last: Option<i32>,
        #[graphql(desc = "Only items before this cursor (page backward with `last`).")] before: Option<String>,
    ) -> Result<CooperativeUnionConnection> {
        let req = PageRequest::window(first, after.as_deref(), last, before.as_deref(), Ordering::from(None)).api()?;
        let f = self::filter(ctx, OrgKind::Union, filter)?;
        let page = registry::list::<cooperative_union::Entity>(&state(ctx)?.db, OrgKind::Union, f.as_deref(), &req)
            .await
            .api()?
            .map(Arc::new);
        let rows = page.items.iter().map(|(_, m)| m.clone()).collect();
        prefetch::unions(ctx, ctx.look_ahead().field("edges").field("node"), rows).await?;
        Ok(CooperativeUnionConnection::new(page, Total::Filtered(OrgKind::Union, f)))
    }

    /// Cooperative groups, filtered, by id.
    async fn cooperative_groups(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which organisations: every condition given must hold; all when omitted.")] filter: Option<
            OrganizationFilter,
        >,
        #[graphql(desc = "How many nodes to return: 20 when omitted, at most 100 (more is BAD_USER_INPUT).")]
        first: Option<i32>,
        #[graphql(
            desc = "Return the nodes after this cursor (an edge's `cursor` or `pageInfo.endCursor`); from the start when omitted."
        )]
        after: Option<String>,
        #[graphql(desc = "The last `last` items (before `before`, if given); not with `first`. At most 100.")]
        last: Option<i32>,
        #[graphql(desc = "Only items before this cursor (page backward with `last`).")] before: Option<String>,
    ) -> Result<CooperativeGroupConnection> {
        let req = PageRequest::window(first, after.as_deref(), last, before.as_deref(), Ordering::from(None)).api()?;
        let f = self::filter(ctx, OrgKind::Group, filter)?;
        let page = registry::list::<cooperative_group::Entity>(&state(ctx)?.db, OrgKind::Group, f.as_deref(), &req)
            .await
            .api()?
            .map(Arc::new);
        let rows: Vec<_> = page.items.iter().map(|(_, m)| m.clone()).collect();
        prefetch::groups(ctx, ctx.look_ahead().field("edges").field("node"), &rows).await?;
        Ok(CooperativeGroupConnection::new(page, Total::Filtered(OrgKind::Group, f)))
    }

    /// An administrative unit by code and level: the one in force, else the
    /// most recent former unit with that code.
    async fn administrative_unit(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Official code with leading zeros (mã đơn vị hành chính), e.g. \"40\" (a province) or \"16681\" (a ward)."
        )]
        code: String,
        #[graphql(desc = "The unit's level; a code names one unit only within its level.")] level: AdministrativeLevel,
    ) -> Result<Option<AdministrativeUnit>> {
        let g = &state(ctx)?.gazetteer;
        Ok(registry::find_unit(g, &code, level.into()).api()?.map(AdministrativeUnit::of))
    }

    /// Provinces in force, by code; with `includeLegacy` the 63 former provinces follow.
    async fn provinces(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            default_with = "Some(false)",
            desc = "Also list the 63 provinces abolished on 2025-07-01 (tỉnh cũ), after those in force."
        )]
        include_legacy: Option<bool>,
    ) -> Result<Vec<AdministrativeUnit>> {
        let g = &state(ctx)?.gazetteer;
        Ok(g.provinces(include_legacy.unwrap_or(false)).into_iter().map(AdministrativeUnit::of).collect())
    }

    /// Targets (chỉ tiêu) by id; `jurisdictionCode` also finds the targets of
    /// former units whose territory lies within the named unit, so a 2025
    /// province sees the targets its predecessors set.
    async fn targets(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which targets (chỉ tiêu): every condition given must hold; all when omitted.")]
        filter: Option<TargetFilter>,
        #[graphql(desc = "How many nodes to return: 20 when omitted, at most 100 (more is BAD_USER_INPUT).")]
        first: Option<i32>,
        #[graphql(
            desc = "Return the nodes after this cursor (an edge's `cursor` or `pageInfo.endCursor`); from the start when omitted."
        )]
        after: Option<String>,
        #[graphql(desc = "The last `last` nodes (before `before`, if given); not with `first`. At most 100.")]
        last: Option<i32>,
        #[graphql(desc = "Only nodes before this cursor (page backward with `last`).")] before: Option<String>,
    ) -> Result<TargetConnection> {
        let window = page::SequenceWindow::new("target", after.as_deref(), first, before.as_deref(), last).api()?;
        let f = filter.unwrap_or_default();
        let q = crate::service::targets::TargetQuery {
            jurisdiction_code: f.jurisdiction_code,
            year: f.year,
            indicators: f.indicator.map(|v| v.into_iter().map(Into::into).collect()),
            source_document: f.source_document,
        };
        let with_total = ctx.look_ahead().field("totalCount").exists();
        let (rows, has_previous, has_next, total) =
            crate::service::targets::list(state(ctx)?, &q, window, with_total).await.api()?;
        prefetch::targets(ctx, ctx.look_ahead().field("edges").field("node"), &rows).await?;
        let edges: Vec<TargetEdge> = rows
            .into_iter()
            .map(|t| TargetEdge { cursor: page::encode_sequence("target", t.id), node: Target(Arc::new(t)) })
            .collect();
        Ok(TargetConnection {
            page_info: PageInfo::of(edges.iter().map(|e| &e.cursor), has_next, has_previous),
            edges,
            total,
        })
    }

    /// The ordered change feed: every committed change after `after` (a cursor
    /// or a `Change.sequence`), optionally of one province. A mirror that
    /// replays it from the start, fetching each entity, reproduces the registry.
    async fn changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Resume after this cursor or `Change.sequence`; from the first change when omitted.")]
        after: Option<String>,
        #[graphql(desc = "How many nodes to return: 20 when omitted, at most 100 (more is BAD_USER_INPUT).")]
        first: Option<i32>,
        #[graphql(
            desc = "Only changes of records located in this 2025 province (mã tỉnh); every province when omitted."
        )]
        province_code: Option<String>,
        #[graphql(desc = "The last `last` changes (before `before`, if given); not with `first`. At most 100.")]
        last: Option<i32>,
        #[graphql(desc = "Only changes before this cursor (page backward with `last`).")] before: Option<String>,
    ) -> Result<ChangeConnection> {
        let db = &state(ctx)?.db;
        let page =
            feed::page(db, after.as_deref(), first, before.as_deref(), last, province_code.as_deref()).await.api()?;
        let (has_previous, has_next) = (page.has_previous_page, page.has_next_page);
        let edges: Vec<ChangeEdge> = page
            .rows
            .into_iter()
            .map(|r| ChangeEdge {
                cursor: page::encode_sequence(feed::CURSOR_PREFIX, r.sequence),
                node: Change(Arc::new(r)),
            })
            .collect();
        Ok(ChangeConnection { page_info: PageInfo::of(edges.iter().map(|e| &e.cursor), has_next, has_previous), edges })
    }

    /// The national sync queue by operation and state, with the age of the
    /// oldest row of each (national admins only).
    async fn sync_queue(&self, ctx: &Context<'_>) -> Result<Vec<super::types::write::SyncQueueFigure>> {
        let actor = super::types::evidence::actor(ctx);
        let now = chrono::Utc::now();
        Ok(crate::service::sync::queue(state(ctx)?, &actor)
            .await
            .api()?
            .into_iter()
            .map(|f| super::types::write::SyncQueueFigure {
                operation: f.operation,
                state: f.state,
                rows: i32::try_from(f.rows).unwrap_or(i32::MAX),
                oldest_age_seconds: f.oldest.map(|t| (now - t).num_seconds()),
            })
            .collect())
    }

    /// The audit trail, oldest first (national admins only).
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which audit entries: every condition given must hold; all when omitted.")] filter: Option<
            AuditEventFilter,
        >,
        #[graphql(desc = "How many nodes to return: 20 when omitted, at most 100 (more is BAD_USER_INPUT).")]
        first: Option<i32>,
        #[graphql(
            desc = "Return the nodes after this cursor (an edge's `cursor` or `pageInfo.endCursor`); from the start when omitted."
        )]
        after: Option<String>,
        #[graphql(desc = "The last `last` nodes (before `before`, if given); not with `first`. At most 100.")]
        last: Option<i32>,
        #[graphql(desc = "Only nodes before this cursor (page backward with `last`).")] before: Option<String>,
    ) -> Result<AuditEventConnection> {
        let AuditEventFilter { subject, operation, outcome, entity_id } = filter.unwrap_or_default();
        let entity = match &entity_id {
            None => None,
            Some(id) => {
                let (kind, row) = ids::decode("entityId", id).api()?;
                Some((
                    match kind {
                        NodeKind::Cooperative => crate::domain::EntityKind::Cooperative,
                        NodeKind::CooperativeUnion => crate::domain::EntityKind::CooperativeUnion,
                        NodeKind::CooperativeGroup => crate::domain::EntityKind::CooperativeGroup,
                        NodeKind::Target => crate::domain::EntityKind::Target,
                        NodeKind::Member => {
                            return Err(bad_user_input("entityId", crate::domain::Msg::MemberAuditedUnderCooperative))
                        }
                        NodeKind::ExportJob => {
                            return Err(bad_user_input("filter.entityId", crate::domain::Msg::NotRegistryRecord))
                        }
                    },
                    row,
                ))
            }
        };
        let filter = write::AuditFilter { subject, operation, outcome, entity };
        let window = page::SequenceWindow::new("audit", after.as_deref(), first, before.as_deref(), last).api()?;
        let actor = super::types::evidence::actor(ctx);
        let (rows, has_previous, has_next) = write::audit_page(state(ctx)?, &actor, window, filter).await.api()?;
        let edges: Vec<AuditEventEdge> = rows
            .into_iter()
            .map(|r| AuditEventEdge { cursor: page::encode_sequence("audit", r.id), node: AuditEvent(r) })
            .collect();
        Ok(AuditEventConnection {
            page_info: PageInfo::of(edges.iter().map(|e| &e.cursor), has_next, has_previous),
            edges,
        })
    }

    /// Headline figures for the country, a 2025 province (`provinceCode`) or
    /// the territory of a former province or district (`legacyUnitCode`).
    async fn statistics(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Count only records located in this 2025 province (mã tỉnh).")] province_code: Option<String>,
        #[graphql(
            desc = "Count only records whose ward succeeded a ward of this former province or district (đơn vị hành chính cũ)."
        )]
        legacy_unit_code: Option<String>,
        #[graphql(
            desc = "Year of the annual reports the ratings come from; the latest report of each organisation when omitted."
        )]
        year: Option<i32>,
    ) -> Result<RegistryStatistics> {
        let s = state(ctx)?;
        // Only the figures selected are computed (one statement per group).
        let look = ctx.look_ahead();
        let asked = |f: &str| look.field(f).exists();
        let wanted = crate::storage::statistics::Wanted {
            cooperatives: asked("cooperatives") || asked("cooperativeMembers") || asked("highTechCooperatives"),
            unions: asked("unions"),
            union_members: asked("unionMemberCooperatives"),
            groups: asked("groups") || asked("groupMembers"),
            by_rating: asked("byRating"),
            by_sector: asked("bySector"),
        };
        let figures = crate::service::aggregates::statistics(
            s,
            province_code.as_deref(),
            legacy_unit_code.as_deref(),
            year,
            wanted,
        )
        .await
        .api()?;
        Ok(crate::storage::statistics::RegistryFigures::clone(&figures).into())
    }
    /// The reporting calendar of `year` (lịch báo cáo năm) for the country, a
    /// 2025 province (`provinceCode`) or the former territory of a legacy
    /// province or district (`legacyUnitCode`): expected, submitted (on time
    /// or late) and missing annual reports, and whether they are overdue.
    async fn reporting_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The year the annual reports are on, e.g. 2025.")] year: i32,
        #[graphql(desc = "Count only organisations located in this 2025 province (mã tỉnh).")] province_code: Option<
            String,
        >,
        #[graphql(
            desc = "Count only organisations whose ward succeeded a ward of this former province or district (đơn vị hành chính cũ)."
        )]
        legacy_unit_code: Option<String>,
    ) -> Result<super::types::reporting::ReportingStatus> {
        let s = state(ctx)?;
        let status = crate::service::reporting::status(
            &s.db,
            &s.gazetteer,
            s.reporting.report_due,
            year,
            province_code.as_deref(),
            legacy_unit_code.as_deref(),
            chrono::Utc::now(),
        )
        .await
        .api()?;
        Ok(status.into())
    }

    /// A territory's registry by year (xu hướng theo năm), oldest first: the
    /// cooperatives and unions operating at the end of each year (from their
    /// status history), cooperatives registered and ceasing in it, the groups
    /// existing, and the annual reports on it; for the country, a 2025
    /// province (`provinceCode`) or a former unit (`legacyUnitCode`). At most
    /// 30 years; costs like `statistics`.
    async fn registry_trend(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Count only organisations located in this 2025 province (mã tỉnh).")] province_code: Option<
            String,
        >,
        #[graphql(
            desc = "Count only organisations whose ward succeeded a ward of this former province or district (đơn vị hành chính cũ)."
        )]
        legacy_unit_code: Option<String>,
        #[graphql(desc = "First year (from 1990); ten years ending at `toYear` when omitted.")] from_year: Option<i32>,
        #[graphql(desc = "Last year, not after the current year (the default, in Vietnam time).")] to_year: Option<i32>,
    ) -> Result<Vec<super::types::trend::RegistryYear>> {
        let s = state(ctx)?;
        let years = crate::service::trend::by_year(
            &s.db,
            &s.gazetteer,
            province_code.as_deref(),
            legacy_unit_code.as_deref(),
            from_year,
            to_year,
            chrono::Utc::now(),
        )
        .await
        .api()?;
        Ok(years.into_iter().map(Into::into).collect())
    }

    /// Recomputes the audit trail's hash chain and checks its signed
    /// checkpoints (national admins only; a refusal is audited).
    async fn verify_audit_trail(&self, ctx: &Context<'_>) -> Result<super::types::evidence::AuditVerification> {
        let actor = super::types::evidence::actor(ctx);
        Ok(crate::service::evidence::verify_for(state(ctx)?, &actor).await.api()?.into())
    }

    /// "Who read my data": every read of restricted fields of the person
    /// holding this identity number (who, when, role, province, request id,
    /// operation), oldest first. National admins see every read; officers
    /// the reads made on records of their province. The trail stores a
    /// keyed hash of the number, never the number.
    async fn personal_data_reads(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The citizen identity number (số định danh cá nhân) as registered.")] id_number: String,
        #[graphql(desc = "How many nodes to return: 20 when omitted, at most 100 (more is BAD_USER_INPUT).")]
        first: Option<i32>,
        #[graphql(desc = "Return the nodes after this cursor (an edge's `cursor`); from the start when omitted.")]
        after: Option<String>,
    ) -> Result<AuditEventConnection> {
        let actor = super::types::evidence::actor(ctx);
        let window = page::SequenceWindow::new("audit", after.as_deref(), first, None, None).api()?;
        let (rows, has_previous, has_next) =
            crate::service::evidence::personal_data_reads(state(ctx)?, &actor, &id_number, window).await.api()?;
        let edges: Vec<AuditEventEdge> = rows
            .into_iter()
            .map(|r| AuditEventEdge { cursor: page::encode_sequence("audit", r.id), node: AuditEvent(r) })
            .collect();
        Ok(AuditEventConnection {
            page_info: PageInfo::of(edges.iter().map(|e| &e.cursor), has_next, has_previous),
            edges,
        })
    }
}
