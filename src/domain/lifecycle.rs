//! The lifecycle of a cooperative or union under the Law on Cooperatives
//! 17/2023/QH15, as a state machine of plain functions: which status a
//! province may record after which, and what each change needs (a
//! suspension's term, a dissolution's kind). See `docs/lifecycle.md`.
//!
//! ```text
//! PENDING ──national registration──▶ ACTIVE ⇄ SUSPENDED (until)
//!    └──withdrawApplication──▶ WITHDRAWN
//! ACTIVE | SUSPENDED ──▶ IN_DISSOLUTION (kind) ──▶ DISSOLVED
//! ACTIVE | SUSPENDED ──▶ REVOKED ──▶ IN_DISSOLUTION | DISSOLVED (compulsory)
//! ACTIVE | SUSPENDED | IN_DISSOLUTION | REVOKED ──court──▶ BANKRUPT
//! DISSOLVED, BANKRUPT, WITHDRAWN: final
//! ```

use super::enums::{DissolutionKind, GroupStatus, RegistrationStatus};
use super::messages::Msg;
use super::rules::{ProblemKind, Problems};
use chrono::NaiveDate;

use RegistrationStatus::*;

/// The statuses a province may record after `from` through a status change
/// (PENDING → ACTIVE is the national registration's, PENDING → WITHDRAWN
/// is `withdrawApplication`'s).
pub fn province_targets(from: RegistrationStatus) -> &'static [RegistrationStatus] {
    match from {
        Active => &[Suspended, InDissolution, Revoked, Bankrupt],
        Suspended => &[Active, InDissolution, Revoked, Bankrupt],
        InDissolution => &[Dissolved, Bankrupt],
        Revoked => &[InDissolution, Dissolved, Bankrupt],
        Pending | Dissolved | Bankrupt | Withdrawn => &[],
    }
}

/// Whether a status is final: nothing follows it.
pub fn is_final(s: RegistrationStatus) -> bool {
    matches!(s, Dissolved | Bankrupt | Withdrawn)
}

/// Whether a record in this status may still have its content changed
/// (an application until it is withdrawn, a registered record until it
/// dissolves, goes bankrupt or loses its certificate).
pub fn content_may_change(s: RegistrationStatus) -> bool {
    matches!(s, Pending | Active | Suspended | InDissolution)
}

/// The message naming what may follow `from`.
pub fn refusal(from: RegistrationStatus, to: RegistrationStatus) -> Msg {
    let allowed = province_targets(from);
    if from == to && !allowed.is_empty() {
        let names: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
        return Msg::AlreadyStatusMay { to: to.to_string(), allowed: names.join(", ") };
    }
    if from == to && from != Pending {
        return Msg::AlreadyFinal { to: to.to_string() };
    }
    match from {
        Pending => Msg::PendingCannotBecome { to: to.to_string() },
        _ if allowed.is_empty() => Msg::StatusFinal { from: from.to_string() },
        _ => {
            let names: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
            Msg::CannotBecomeMay { from: from.to_string(), to: to.to_string(), allowed: names.join(", ") }
        }
    }
}

/// A status change as a province asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusRequest {
    /// The new status.
    pub to: RegistrationStatus,
    /// The day it takes effect.
    pub effective_on: NaiveDate,
    /// End of a suspension term (SUSPENDED only, required there).
    pub until: Option<NaiveDate>,
    /// Voluntary or compulsory (IN_DISSOLUTION and DISSOLVED only).
    pub dissolution_kind: Option<DissolutionKind>,
}

/// What a checked change records besides its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decided {
    /// The suspension term.
    pub until: Option<NaiveDate>,
    /// The dissolution's kind.
    pub dissolution_kind: Option<DissolutionKind>,
}

/// Checks a status change against the state machine. `dissolving` is the
/// kind recorded when the record entered IN_DISSOLUTION (if it did);
/// `since` the day its current status took effect. Problems go to `p`
/// (a refused transition as INVALID_TRANSITION naming the allowed ones).
pub fn check(
    p: &mut Problems,
    from: RegistrationStatus,
    since: Option<NaiveDate>,
    dissolving: Option<DissolutionKind>,
    req: &StatusRequest,
) -> Decided {
    let to = req.to;
    if !province_targets(from).contains(&to) {
        p.add(&["input", "status"], ProblemKind::InvalidTransition, refusal(from, to));
        return Decided { until: None, dissolution_kind: None };
    }
    if let Some(s) = since {
        if req.effective_on < s {
            p.invalid(
                &["input", "effectiveOn"],
                Msg::StatusSince { from: from.to_string(), since: s.to_string(), on: req.effective_on.to_string() },
            );
        }
    }
    let until = match (to, req.until) {
        (Suspended, None) => {
            p.invalid(&["input", "until"], Msg::SuspensionNeedsTerm);
            None
        }
        (Suspended, Some(u)) if u <= req.effective_on => {
            p.invalid(&["input", "until"], Msg::TermEndsAfter { on: req.effective_on.to_string() });
            None
        }
        (Suspended, Some(u)) => Some(u),
        (_, Some(_)) => {
            p.invalid(&["input", "until"], Msg::OnlySuspensionTerm);
            None
        }
        (_, None) => None,
    };
    let kind = match to {
        InDissolution => match (from, req.dissolution_kind) {
            (_, None) => {
                p.invalid(&["input", "dissolutionKind"], Msg::DissolutionKindNeeded);
                None
            }
            (Revoked, Some(DissolutionKind::Voluntary)) => {
                p.invalid(&["input", "dissolutionKind"], Msg::RevokedCompulsory);
                None
            }
            (_, k) => k,
        },
        Dissolved => {
            let implied = if from == Revoked { Some(DissolutionKind::Compulsory) } else { dissolving };
            match (implied, req.dissolution_kind) {
                (Some(i), Some(k)) if i != k => {
                    p.invalid(
                        &["input", "dissolutionKind"],
                        Msg::DissolutionIs { is: i.to_string(), not: k.to_string() },
                    );
                    None
                }
                (Some(i), _) => Some(i),
                (None, Some(k)) => Some(k),
                (None, None) => {
                    p.invalid(&["input", "dissolutionKind"], Msg::DissolutionKindNeeded);
                    None
                }
            }
        }
        _ => {
            if req.dissolution_kind.is_some() {
                p.invalid(&["input", "dissolutionKind"], Msg::OnlyDissolutionKind);
            }
            None
        }
    };
    Decided { until, dissolution_kind: kind }
}

/// Whether the national side may impose `to` on a record in `from`: the
/// registration (PENDING → ACTIVE), compulsory dissolution and revocation
/// from any status that is not final, and what a province may do.
pub fn national_may_impose(from: RegistrationStatus, to: RegistrationStatus) -> bool {
    match (from, to) {
        (Pending, Active) => true,
        (Pending | Active | Suspended | InDissolution | Revoked, Dissolved) => true,
        (Pending | Active | Suspended, Revoked) => true,
        _ => province_targets(from).contains(&to),
    }
}

/// The statuses a cooperative group (tổ hợp tác) may take after `from`:
/// an ACTIVE group is disbanded (`disbandCooperativeGroup`, chấm dứt hợp
/// đồng hợp tác); DISBANDED is final, and only an ACTIVE group's record may
/// change (`updateCooperativeGroup`). Groups are not registered nationally.
pub fn group_targets(from: GroupStatus) -> &'static [GroupStatus] {
    match from {
        GroupStatus::Active => &[GroupStatus::Disbanded],
        GroupStatus::Disbanded => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn req(to: RegistrationStatus) -> StatusRequest {
        StatusRequest { to, effective_on: day("2026-01-02"), until: None, dissolution_kind: None }
    }

    #[test]
    fn every_pair_of_statuses_is_allowed_or_refused_as_the_table_says() {
        let allowed = [
            (Active, Suspended),
            (Active, InDissolution),
            (Active, Revoked),
            (Active, Bankrupt),
            (Suspended, Active),
            (Suspended, InDissolution),
            (Suspended, Revoked),
            (Suspended, Bankrupt),
            (InDissolution, Dissolved),
            (InDissolution, Bankrupt),
            (Revoked, InDissolution),
            (Revoked, Dissolved),
            (Revoked, Bankrupt),
        ];
        for from in RegistrationStatus::ALL {
            for to in RegistrationStatus::ALL {
                assert_eq!(province_targets(*from).contains(to), allowed.contains(&(*from, *to)), "{from} → {to}");
                let mut p = Problems::default();
                let mut r = req(*to);
                r.until = (*to == Suspended).then(|| day("2026-06-30"));
                r.dissolution_kind = matches!(to, InDissolution | Dissolved).then_some(DissolutionKind::Compulsory);
                check(&mut p, *from, None, Some(DissolutionKind::Compulsory), &r);
                let refused = p.into_vec().iter().any(|x| x.kind == ProblemKind::InvalidTransition);
                assert_eq!(refused, !allowed.contains(&(*from, *to)), "{from} → {to}");
            }
        }
    }

    #[test]
    fn a_group_is_disbanded_once_and_then_final() {
        assert_eq!(group_targets(GroupStatus::Active), [GroupStatus::Disbanded]);
        assert!(group_targets(GroupStatus::Disbanded).is_empty());
    }

    #[test]
    fn a_refusal_names_the_allowed_statuses() {
        assert_eq!(
            refusal(Active, Dissolved).en(),
            "a ACTIVE record cannot become DISSOLVED; it may become SUSPENDED, IN_DISSOLUTION, REVOKED, BANKRUPT"
        );
        assert!(refusal(Pending, Active).en().contains("withdrawApplication"));
        assert!(refusal(Bankrupt, Active).en().contains("final"));
        // Asking for the status it already has names the way on as well.
        assert_eq!(
            refusal(Suspended, Suspended).en(),
            "the record is already SUSPENDED; it may become ACTIVE, IN_DISSOLUTION, REVOKED, BANKRUPT"
        );
        assert!(refusal(Pending, Pending).en().contains("withdrawApplication"));
        assert!(refusal(Dissolved, Dissolved).en().contains("final"));
    }

    #[test]
    fn a_suspension_needs_a_term_after_its_start() {
        let mut p = Problems::default();
        check(&mut p, Active, None, None, &req(Suspended));
        let mut r = req(Suspended);
        r.until = Some(day("2026-01-01"));
        check(&mut p, Active, None, None, &r);
        let mut r = req(InDissolution);
        r.until = Some(day("2026-09-01"));
        r.dissolution_kind = Some(DissolutionKind::Voluntary);
        check(&mut p, Active, None, None, &r);
        let fields: Vec<String> = p.into_vec().into_iter().map(|x| x.field.join(".")).collect();
        assert_eq!(fields, ["input.until", "input.until", "input.until"]);
        let mut p = Problems::default();
        let mut r = req(Suspended);
        r.until = Some(day("2026-12-31"));
        assert_eq!(check(&mut p, Active, None, None, &r).until, Some(day("2026-12-31")));
        assert!(p.is_empty());
    }

    #[test]
    fn a_dissolution_keeps_its_kind() {
        let mut p = Problems::default();
        check(&mut p, Active, None, None, &req(InDissolution));
        let mut r = req(InDissolution);
        r.dissolution_kind = Some(DissolutionKind::Voluntary);
        check(&mut p, Revoked, None, None, &r);
        let mut r = req(Dissolved);
        r.dissolution_kind = Some(DissolutionKind::Compulsory);
        check(&mut p, InDissolution, None, Some(DissolutionKind::Voluntary), &r);
        assert_eq!(p.into_vec().len(), 3);
        let mut p = Problems::default();
        let d = check(&mut p, InDissolution, None, Some(DissolutionKind::Voluntary), &req(Dissolved));
        assert_eq!(d.dissolution_kind, Some(DissolutionKind::Voluntary));
        let d = check(&mut p, Revoked, None, None, &req(Dissolved));
        assert_eq!(d.dissolution_kind, Some(DissolutionKind::Compulsory));
        assert!(p.is_empty());
    }

    #[test]
    fn a_change_cannot_take_effect_before_the_current_status() {
        let mut p = Problems::default();
        let mut r = req(Bankrupt);
        r.effective_on = day("2025-01-01");
        check(&mut p, Active, Some(day("2025-06-01")), None, &r);
        assert_eq!(p.into_vec()[0].field, ["input", "effectiveOn"]);
    }

    #[test]
    fn the_national_side_registers_and_imposes_compulsory_changes() {
        assert!(national_may_impose(Pending, Active));
        assert!(national_may_impose(Active, Dissolved));
        assert!(national_may_impose(Revoked, Dissolved));
        assert!(!national_may_impose(Dissolved, Active));
        assert!(!national_may_impose(Withdrawn, Active));
    }
}
