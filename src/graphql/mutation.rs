//! The mutation root: converts inputs, calls the service, and returns the
//! contract's payloads. Business failures are `userErrors`; authentication
//! and authorization failures are top-level errors with their codes.

use super::error::ApiResult;
use super::ids::{self, NodeKind};
use super::types::organisation::{AnnualReport, Cooperative, CooperativeGroup, CooperativeUnion};
use super::types::targets::{ImportTargetsPayload, Target, TargetInput, TargetPayload, TargetProgressInput};
use super::types::write::*;
use crate::auth::{Principal, RequestId};
use crate::service::cooperatives::{self, CooperativePatch, NewCooperative};
use crate::service::groups::{self, NewGroup};
use crate::service::reports::{self, ReportDraft};
use crate::service::targets;
use crate::service::unions::{self, Membership, NewUnion};
use crate::service::write::Actor;
use crate::state::AppState;
use crate::storage::organisations::OrgKind;
use async_graphql::{Context, Object, Result, ID};
use std::sync::Arc;

/// Writes to the registry.
#[derive(Default)]
pub struct MutationRoot;

fn actor(ctx: &Context<'_>) -> Actor {
    Actor {
        principal: ctx.data_opt::<Principal>().cloned().unwrap_or_else(Principal::anonymous),
        request_id: ctx.data_opt::<RequestId>().map(|r| r.0.clone()).unwrap_or_else(|| "-".into()),
    }
}

fn state<'c>(ctx: &Context<'c>) -> Result<&'c AppState> {
    ctx.data::<AppState>()
}

/// The row id behind a global id of the wanted kind; `None` for anything else.
fn row_of(kind: NodeKind, id: &ID) -> Option<i64> {
    ids::decode("id", id).ok().filter(|(k, _)| *k == kind).map(|(_, row)| row)
}

fn organisation_of(id: &ID) -> Option<(OrgKind, i64)> {
    ids::decode("organizationId", id).ok().and_then(|(k, row)| match k {
        NodeKind::Cooperative => Some((OrgKind::Cooperative, row)),
        NodeKind::CooperativeUnion => Some((OrgKind::Union, row)),
        NodeKind::CooperativeGroup => Some((OrgKind::Group, row)),
        NodeKind::Target | NodeKind::Member | NodeKind::ExportJob => None,
    })
}

fn coop_payload(outcome: Result<entity::cooperative::Model, Vec<crate::domain::rules::Problem>>) -> CooperativePayload {
    let (cooperative, user_errors) = split(outcome, |m| Cooperative(Arc::new(m)));
    CooperativePayload { cooperative, user_errors }
}

fn union_payload(
    outcome: Result<entity::cooperative_union::Model, Vec<crate::domain::rules::Problem>>,
) -> CooperativeUnionPayload {
    let (cooperative_union, user_errors) = split(outcome, |m| CooperativeUnion(Arc::new(m)));
    CooperativeUnionPayload { cooperative_union, user_errors }
}

fn missing(field: &str, what: &str) -> Vec<crate::domain::rules::Problem> {
    vec![crate::domain::rules::Problem {
        field: vec!["input".into(), field.into()],
        message: crate::domain::Msg::NoSuch { what: what.to_owned() },
        kind: crate::domain::rules::ProblemKind::NotFound,
    }]
}

/// Writes to the registry.
#[Object(name = "Mutation")]
impl MutationRoot {
    /// Registers a cooperative: PENDING until the national systems issue its
    /// code, or ACTIVE at once when imported with an existing `code`.
    async fn register_cooperative(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The cooperative to register (đăng ký thành lập hợp tác xã).")]
        input: RegisterCooperativeInput,
    ) -> Result<CooperativePayload> {
        let draft = NewCooperative {
            name: input.name,
            foreign_name: input.foreign_name,
            abbreviation: input.abbreviation,
            sector: input.sector.into(),
            business_lines: input.business_lines,
            street: input.address.street,
            ward_code: input.address.ward_code,
            charter_capital: input.charter_capital.map(|d| d.0),
            official_members: input.official_members,
            associate_members: input.associate_members,
            director: input.director.into(),
            legal_representative: input.legal_representative.into(),
            high_tech: input.high_tech,
            value_chain_linked: input.value_chain_linked,
            code: input.code,
            registered_on: input.registered_on.map(|d| d.0),
            client_mutation_id: input.client_mutation_id,
        };
        Ok(coop_payload(cooperatives::register(state(ctx)?, &actor(ctx), draft).await.api()?))
    }

    /// Changes a cooperative's registered content (optimistic concurrency on `expectedVersion`).
    async fn update_cooperative(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new content and the `version` the client read.")] input: UpdateCooperativeInput,
    ) -> Result<CooperativePayload> {
        let Some(id) = row_of(NodeKind::Cooperative, &input.id) else {
            return Ok(coop_payload(Err(missing("id", "cooperative"))));
        };
        let patch = CooperativePatch {
            name: input.name,
            foreign_name: input.foreign_name,
            abbreviation: input.abbreviation,
            sector: input.sector.map(Into::into),
            business_lines: input.business_lines,
            address: input.address.map(|a| (a.street, a.ward_code)),
            charter_capital: input.charter_capital.map(|d| d.0),
            official_members: input.official_members,
            associate_members: input.associate_members,
            director: input.director.map(Into::into),
            legal_representative: input.legal_representative.map(Into::into),
            high_tech: input.high_tech,
            value_chain_linked: input.value_chain_linked,
        };
        let outcome = cooperatives::update(state(ctx)?, &actor(ctx), id, input.expected_version, patch).await.api()?;
        Ok(coop_payload(outcome))
    }

    /// Changes a cooperative's status as the Law on Cooperatives allows.
    async fn change_cooperative_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new status, the day it takes effect and the reason.")] input: ChangeStatusInput,
    ) -> Result<CooperativePayload> {
        let Some(id) = row_of(NodeKind::Cooperative, &input.id) else {
            return Ok(coop_payload(Err(missing("id", "cooperative"))));
        };
        let outcome = crate::service::lifecycle::change_cooperative_status(
            state(ctx)?,
            &actor(ctx),
            id,
            input.expected_version,
            input.to_service(),
        )
        .await
        .api()?;
        Ok(coop_payload(outcome))
    }

    /// Submits an organisation's annual report for a year it existed in (from
    /// its registration year to the current one, never for a PENDING
    /// application); a newer report for the same year replaces the older one
    /// when it names that report's version.
    async fn submit_annual_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "One organisation's report (báo cáo năm) for one year.")] input: AnnualReportInput,
    ) -> Result<AnnualReportPayload> {
        let org = organisation_of(&input.organization_id);
        let draft = ReportDraft {
            year: input.year,
            official_members: input.official_members,
            associate_members: input.associate_members,
            employees: input.employees,
            revenue: input.revenue.map(|d| d.0),
            profit: input.profit.map(|d| d.0),
            average_member_income: input.average_member_income.map(|d| d.0),
            rating: input.rating.map(Into::into),
            high_tech: input.high_tech,
            value_chain_linked: input.value_chain_linked,
            ocop_products: input.ocop_products,
            expected_version: input.expected_version,
        };
        let outcome = reports::submit(state(ctx)?, &actor(ctx), org, draft).await.api()?;
        let (annual_report, user_errors) = split(outcome, AnnualReport);
        Ok(AnnualReportPayload { annual_report, user_errors })
    }

    /// Registers a cooperative union of at least three ACTIVE cooperatives.
    async fn register_cooperative_union(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The union (liên hiệp hợp tác xã) to register, with its member cooperatives.")]
        input: RegisterCooperativeUnionInput,
    ) -> Result<CooperativeUnionPayload> {
        let draft = NewUnion {
            name: input.name,
            sector: input.sector.into(),
            street: input.address.street,
            ward_code: input.address.ward_code,
            charter_capital: input.charter_capital.map(|d| d.0),
            legal_representative: input.legal_representative.into(),
            member_ids: input.member_cooperative_ids.iter().map(|id| row_of(NodeKind::Cooperative, id)).collect(),
            client_mutation_id: input.client_mutation_id,
        };
        Ok(union_payload(unions::register(state(ctx)?, &actor(ctx), draft).await.api()?))
    }

    /// Adds an ACTIVE cooperative that belongs to no union to a union.
    async fn add_union_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The union and the cooperative that joins it.")] input: UnionMembershipInput,
    ) -> Result<CooperativeUnionPayload> {
        let union = row_of(NodeKind::CooperativeUnion, &input.union_id);
        let coop = row_of(NodeKind::Cooperative, &input.cooperative_id);
        let outcome = unions::change_membership(state(ctx)?, &actor(ctx), union, coop, Membership::Add).await.api()?;
        Ok(union_payload(outcome))
    }

    /// Removes a member cooperative; a union keeps at least three ACTIVE members.
    async fn remove_union_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The union and the cooperative that leaves it.")] input: UnionMembershipInput,
    ) -> Result<CooperativeUnionPayload> {
        let union = row_of(NodeKind::CooperativeUnion, &input.union_id);
        let coop = row_of(NodeKind::Cooperative, &input.cooperative_id);
        let outcome =
            unions::change_membership(state(ctx)?, &actor(ctx), union, coop, Membership::Remove).await.api()?;
        Ok(union_payload(outcome))
    }

    /// Sets a target for a jurisdiction (a 2025 province, a legacy province
    /// or district) and year.
    async fn set_target(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The target (chỉ tiêu): jurisdiction, year, indicator and value.")] input: TargetInput,
    ) -> Result<TargetPayload> {
        let outcome = targets::set(state(ctx)?, &actor(ctx), input.into()).await.api()?;
        let (target, user_errors) = split(outcome, |m| Target(Arc::new(m)));
        Ok(TargetPayload { target, user_errors })
    }

    /// Imports targets, all or nothing: every bad entry is reported with its index.
    async fn import_targets(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The targets to import, all or nothing.")] targets: Vec<TargetInput>,
    ) -> Result<ImportTargetsPayload> {
        let drafts = targets.into_iter().map(Into::into).collect();
        Ok(match self::targets::import(state(ctx)?, &actor(ctx), drafts, &[]).await.api()? {
            Ok(rows) => ImportTargetsPayload {
                imported: i32::try_from(rows.len()).unwrap_or(i32::MAX),
                targets: rows.into_iter().map(|m| Target(Arc::new(m))).collect(),
                user_errors: Vec::new(),
            },
            Err(problems) => ImportTargetsPayload {
                imported: 0,
                targets: Vec::new(),
                user_errors: problems.into_iter().map(UserError::from).collect(),
            },
        })
    }

    /// Reports an outside figure (population share, top 100) for a target.
    async fn report_target_progress(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The target and the figure reported for it.")] input: TargetProgressInput,
    ) -> Result<TargetPayload> {
        let id = row_of(NodeKind::Target, &input.target_id);
        let outcome = targets::report_progress(state(ctx)?, &actor(ctx), id, input.actual, input.as_of.0, input.note)
            .await
            .api()?;
        let (target, user_errors) = split(outcome, |m| Target(Arc::new(m)));
        Ok(TargetPayload { target, user_errors })
    }

    /// Re-queues a cooperative's or union's FAILED or REJECTED national sync
    /// (after the record was fixed); officers of its province and national admins.
    async fn retry_sync(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the cooperative or union whose sync is FAILED or REJECTED.")] id: ID,
    ) -> Result<SyncPayload> {
        let record = ids::decode("id", &id).ok().and_then(|(k, row)| match k {
            NodeKind::Cooperative => Some((crate::domain::EntityKind::Cooperative, row)),
            NodeKind::CooperativeUnion => Some((crate::domain::EntityKind::CooperativeUnion, row)),
            _ => None,
        });
        let outcome = crate::service::sync::retry(state(ctx)?, &actor(ctx), record).await.api()?;
        Ok(match outcome {
            Ok(c) => SyncPayload {
                sync: Some(super::types::organisation::sync_status(
                    &c.tax_sync,
                    &c.registry_sync,
                    c.attempts,
                    &c.last_error,
                    c.last_synced_at,
                )?),
                user_errors: Vec::new(),
            },
            Err(problems) => {
                SyncPayload { sync: None, user_errors: problems.into_iter().map(UserError::from).collect() }
            }
        })
    }

    /// Records a cooperative group (at least two members).
    async fn register_cooperative_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The cooperative group (tổ hợp tác) to record.")] input: RegisterCooperativeGroupInput,
    ) -> Result<CooperativeGroupPayload> {
        let draft = NewGroup {
            name: input.name,
            sector: input.sector.into(),
            street: input.address.street,
            ward_code: input.address.ward_code,
            established_on: input.established_on.0,
            members: input.members,
            representative: input.representative.into(),
            high_tech: input.high_tech,
            client_mutation_id: input.client_mutation_id,
        };
        let outcome = groups::register(state(ctx)?, &actor(ctx), draft).await.api()?;
        let (cooperative_group, user_errors) = split(outcome, |m| CooperativeGroup(Arc::new(m)));
        Ok(CooperativeGroupPayload { cooperative_group, user_errors })
    }

    /// Adds a member to a cooperative's register (danh sách thành viên):
    /// identity checked (CCCD, or a legal entity's tax code); the
    /// cooperative's member counts become the register's, and it is flagged
    /// below the legal minimum while it has fewer than 5 official members.
    async fn add_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The member and the cooperative whose register it joins.")]
        input: super::types::members::MemberInput,
    ) -> Result<super::types::members::MemberPayload> {
        let cooperative = row_of(NodeKind::Cooperative, &input.organization_id);
        let mut problems = crate::domain::rules::Problems::default();
        let capital = crate::domain::rules::amount(
            &mut problems,
            &["input", "capitalContribution"],
            input.capital_contribution.map(|d| d.0),
            false,
        );
        let outcome = if problems.is_empty() {
            let draft = crate::domain::members::MemberDraft {
                kind: input.kind.into(),
                member_type: input.member_type.into(),
                name: input.name,
                gender: input.gender.map(Into::into),
                id_number: input.id_number,
                capital_contribution: capital,
                joined_on: input.joined_on.0,
            };
            crate::service::members::add(state(ctx)?, &actor(ctx), cooperative, draft).await.api()?
        } else {
            Err(problems.into_vec())
        };
        member_payload(ctx, outcome).await
    }

    /// Ends a membership on `leftOn`; the entry stays in the register as a
    /// past member and the cooperative's counts and flag follow.
    async fn end_membership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The member, when and why the membership ended.")]
        input: super::types::members::EndMembershipInput,
    ) -> Result<super::types::members::MemberPayload> {
        let member = row_of(NodeKind::Member, &input.member_id);
        let outcome = crate::service::members::end(state(ctx)?, &actor(ctx), member, input.left_on.0, &input.reason)
            .await
            .api()?;
        member_payload(ctx, outcome).await
    }

    /// Starts a bulk export (xuất dữ liệu) in the background: national admins
    /// the country or one province, officers their own province. Poll the job
    /// with `node(id:)`; when DONE, GET its `downloadUrl` with the same token.
    async fn start_export(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to export.")] input: super::types::export::StartExportInput,
    ) -> Result<super::types::export::ExportJobPayload> {
        let who = actor(ctx).principal;
        let job = crate::service::export::start(state(ctx)?, &who, input.format.into(), input.province_code.as_deref())
            .await
            .api()?;
        Ok(super::types::export::ExportJobPayload {
            export_job: Some(super::types::export::ExportJob(Arc::new(job))),
            user_errors: Vec::new(),
        })
    }

    /// Changes a union's registered content, legal representative or director
    /// (optimistic concurrency on `expectedVersion`); fixes a REJECTED union before `retrySync`.
    async fn update_cooperative_union(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new content and the `version` the client read.")]
        input: super::types::lifecycle::UpdateCooperativeUnionInput,
    ) -> Result<CooperativeUnionPayload> {
        let Some(id) = row_of(NodeKind::CooperativeUnion, &input.id) else {
            return Ok(union_payload(Err(missing("id", "union"))));
        };
        let patch = unions::UnionPatch {
            name: input.name,
            sector: input.sector.map(Into::into),
            address: input.address.map(|a| (a.street, a.ward_code)),
            charter_capital: input.charter_capital.map(|d| d.0),
            legal_representative: input.legal_representative.map(Into::into),
            director: input.director.map(Into::into),
        };
        let outcome = unions::update(state(ctx)?, &actor(ctx), id, input.expected_version, patch).await.api()?;
        Ok(union_payload(outcome))
    }

    /// Changes a union's status as the Law on Cooperatives allows (docs/lifecycle.md).
    async fn change_cooperative_union_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new status, the day it takes effect and the reason.")] input: ChangeStatusInput,
    ) -> Result<CooperativeUnionPayload> {
        let Some(id) = row_of(NodeKind::CooperativeUnion, &input.id) else {
            return Ok(union_payload(Err(missing("id", "union"))));
        };
        let outcome = crate::service::lifecycle::change_union_status(
            state(ctx)?,
            &actor(ctx),
            id,
            input.expected_version,
            input.to_service(),
        )
        .await
        .api()?;
        Ok(union_payload(outcome))
    }

    /// Changes an ACTIVE cooperative group's record.
    async fn update_cooperative_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new content and the `version` the client read.")]
        input: super::types::lifecycle::UpdateCooperativeGroupInput,
    ) -> Result<CooperativeGroupPayload> {
        let Some(id) = row_of(NodeKind::CooperativeGroup, &input.id) else {
            return Ok(group_payload(Err(missing("id", "group"))));
        };
        let patch = groups::GroupPatch {
            name: input.name,
            sector: input.sector.map(Into::into),
            address: input.address.map(|a| (a.street, a.ward_code)),
            members: input.members,
            representative: input.representative.map(Into::into),
            high_tech: input.high_tech,
            value_chain_linked: input.value_chain_linked,
        };
        let outcome = groups::update(state(ctx)?, &actor(ctx), id, input.expected_version, patch).await.api()?;
        Ok(group_payload(outcome))
    }

    /// Disbands an ACTIVE cooperative group (DISBANDED is final).
    async fn disband_cooperative_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group, the day its cooperation contract ended and why.")]
        input: super::types::lifecycle::DisbandGroupInput,
    ) -> Result<CooperativeGroupPayload> {
        let Some(id) = row_of(NodeKind::CooperativeGroup, &input.id) else {
            return Ok(group_payload(Err(missing("id", "group"))));
        };
        let outcome =
            groups::disband(state(ctx)?, &actor(ctx), id, input.expected_version, input.effective_on.0, &input.reason)
                .await
                .api()?;
        Ok(group_payload(outcome))
    }

    /// Withdraws a PENDING cooperative's or union's application (WITHDRAWN,
    /// final): unsent national deliveries are cancelled, or the withdrawal is
    /// sent when the national systems may already hold the application.
    async fn withdraw_application(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The PENDING cooperative or union, the `version` the client read, and why.")]
        input: super::types::lifecycle::WithdrawApplicationInput,
    ) -> Result<SyncPayload> {
        use crate::service::lifecycle::Applicant;
        let who = ids::decode("id", &input.id).ok().and_then(|(k, row)| match k {
            NodeKind::Cooperative => Some(Applicant::Cooperative(row)),
            NodeKind::CooperativeUnion => Some(Applicant::Union(row)),
            _ => None,
        });
        let outcome =
            crate::service::lifecycle::withdraw(state(ctx)?, &actor(ctx), who, input.expected_version, &input.reason)
                .await
                .api()?;
        Ok(match outcome {
            Ok(c) => SyncPayload {
                sync: Some(super::types::organisation::sync_status(
                    &c.tax_sync,
                    &c.registry_sync,
                    c.attempts,
                    &c.last_error,
                    c.last_synced_at,
                )?),
                user_errors: Vec::new(),
            },
            Err(problems) => {
                SyncPayload { sync: None, user_errors: problems.into_iter().map(UserError::from).collect() }
            }
        })
    }

    /// Reorganises cooperatives, all or nothing: MERGER (sáp nhập), CONSOLIDATION
    /// (hợp nhất), SPLIT (chia) or SEPARATION (tách) — docs/lifecycle.md.
    async fn reorganise_cooperatives(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The reorganisation: its kind, the sources, the absorbing or new cooperatives.")]
        input: super::types::lifecycle::ReorganiseInput,
    ) -> Result<super::types::lifecycle::ReorganisationPayload> {
        use super::types::lifecycle::{new_cooperative, ReorganisationPayload};
        let draft = crate::service::reorganisation::Reorganisation {
            kind: input.kind.into(),
            source_ids: input.source_ids.iter().map(|id| row_of(NodeKind::Cooperative, id)).collect(),
            into_id: input.into_id.as_ref().map(|id| row_of(NodeKind::Cooperative, id)),
            successors: input.successors.unwrap_or_default().into_iter().map(new_cooperative).collect(),
            effective_on: input.effective_on.0,
            reason: input.reason,
            client_mutation_id: input.client_mutation_id,
        };
        let outcome = crate::service::reorganisation::reorganise(state(ctx)?, &actor(ctx), draft).await.api()?;
        let wrap = |v: Vec<entity::cooperative::Model>| v.into_iter().map(|m| Cooperative(Arc::new(m))).collect();
        Ok(match outcome {
            Ok(r) => ReorganisationPayload {
                sources: Some(wrap(r.sources)),
                successors: Some(wrap(r.successors)),
                user_errors: Vec::new(),
            },
            Err(problems) => ReorganisationPayload {
                sources: None,
                successors: None,
                user_errors: problems.into_iter().map(UserError::from).collect(),
            },
        })
    }
}

async fn member_payload(
    ctx: &Context<'_>,
    outcome: Result<entity::member::Model, Vec<crate::domain::rules::Problem>>,
) -> Result<super::types::members::MemberPayload> {
    let (member, user_errors) = match outcome {
        Ok(m) => (super::types::members::load(ctx, m.id).await?, Vec::new()),
        Err(problems) => (None, problems.into_iter().map(UserError::from).collect()),
    };
    Ok(super::types::members::MemberPayload { member, user_errors })
}

fn group_payload(
    outcome: Result<entity::cooperative_group::Model, Vec<crate::domain::rules::Problem>>,
) -> CooperativeGroupPayload {
    let (cooperative_group, user_errors) = split(outcome, |m| CooperativeGroup(Arc::new(m)));
    CooperativeGroupPayload { cooperative_group, user_errors }
}
