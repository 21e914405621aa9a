//! Builds the national registration application of a record being
//! registered or changed and checks it with [`crate::domain::national_form`],
//! so a registration the national systems will always refuse is refused at
//! once, as user errors, and nothing is written.

use super::ServiceError;
use crate::domain::national_form::{self, Application, FormKind, Member, Representative};
use crate::domain::rules::{PersonRecord, Problems};
use crate::state::AppState;
use entity::cooperative;

fn representative(p: &PersonRecord) -> Representative<'_> {
    Representative { full_name: &p.full_name, id_number: p.id_number.as_deref() }
}

/// Checks a cooperative's registration (values as the local rules left them).
pub fn cooperative(
    p: &mut Problems,
    name: &str,
    street: Option<&str>,
    lines: &[String],
    capital: Option<i64>,
    legal: &PersonRecord,
) {
    national_form::check(
        p,
        &Application {
            kind: FormKind::Cooperative,
            name,
            street,
            business_lines: lines,
            charter_capital: capital,
            legal_representative: Some(representative(legal)),
            members: &[],
        },
    );
}

/// Checks a cooperative as an update would leave it: its new legal
/// representative, or the stored one.
pub async fn cooperative_update(
    state: &AppState,
    p: &mut Problems,
    next: &cooperative::Model,
    new_legal: Option<&PersonRecord>,
) -> Result<(), ServiceError> {
    let stored = match (new_legal, next.legal_representative_id) {
        (None, Some(id)) => crate::storage::organisations::persons_by_id(&state.db, &[id]).await?.pop(),
        _ => None,
    };
    let legal = match (new_legal, &stored) {
        (Some(l), _) => Some(representative(l)),
        (None, Some(m)) => Some(Representative { full_name: &m.full_name, id_number: m.id_number.as_deref() }),
        (None, None) => None,
    };
    let lines: Vec<String> = next.business_lines.split(',').filter(|l| !l.is_empty()).map(str::to_owned).collect();
    national_form::check(
        p,
        &Application {
            kind: FormKind::Cooperative,
            name: &next.name,
            street: next.street.as_deref(),
            business_lines: &lines,
            charter_capital: next.charter_capital,
            legal_representative: legal,
            members: &[],
        },
    );
    Ok(())
}

/// Checks a union's registration; `members` are the member cooperatives
/// found among the input's `member_ids`.
pub fn union(
    p: &mut Problems,
    name: &str,
    street: Option<&str>,
    capital: Option<i64>,
    legal: &PersonRecord,
    member_ids: &[Option<i64>],
    members: &[cooperative::Model],
) {
    let members: Vec<Member<'_>> = members
        .iter()
        .map(|m| Member {
            at: member_ids.iter().position(|id| *id == Some(m.id)).unwrap_or_default(),
            name: &m.name,
            code: m.code.as_deref(),
        })
        .collect();
    national_form::check(
        p,
        &Application {
            kind: FormKind::Union,
            name,
            street,
            business_lines: &[],
            charter_capital: capital,
            legal_representative: Some(representative(legal)),
            members: &members,
        },
    );
}
