//! Who is calling, and what they may see and change. Every authorization
//! decision is one of the functions here, so scoping lives in one place.

pub mod jwt;

use crate::domain::Msg;
use crate::domain::ProvinceCode;

/// A caller's role (vai trò).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Ministry-level administrator: everything.
    NationalAdmin,
    /// Officer of one province's registration office.
    ProvincialOfficer,
    /// A third-party portal: public data.
    PortalReader,
    /// The sync engine.
    SyncService,
    /// No credentials: public data only.
    Anonymous,
}

/// An authenticated (or anonymous) caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Token subject; "anonymous" without a token.
    pub subject: String,
    /// Role.
    pub role: Role,
    /// Province of a provincial officer.
    pub province: Option<ProvinceCode>,
}

impl Principal {
    /// The caller without credentials.
    pub fn anonymous() -> Self {
        Principal { subject: "anonymous".into(), role: Role::Anonymous, province: None }
    }
}

/// The id of the request being served (`x-request-id`), for the audit trail.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Why an action is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denial {
    /// The caller has no credentials.
    #[error("authentication required")]
    Unauthenticated,
    /// The caller may not do this.
    #[error("{0}")]
    Forbidden(crate::domain::Msg),
}

/// Whether `who` may change records located in `province` (a 2025 code):
/// national admins anywhere, provincial officers in their own province.
pub fn may_write(who: &Principal, province: &str) -> Result<(), Denial> {
    match who.role {
        Role::NationalAdmin => Ok(()),
        Role::ProvincialOfficer if who.province.as_ref().is_some_and(|p| p.as_str() == province) => Ok(()),
        Role::ProvincialOfficer => Err(Denial::Forbidden(Msg::OwnProvinceOnly { province: province.to_string() })),
        Role::Anonymous => Err(Denial::Unauthenticated),
        Role::PortalReader | Role::SyncService => Err(Denial::Forbidden(Msg::RoleMayNotChange)),
    }
}

/// Whether `who` may change records anywhere at all (checked before the
/// input is looked at): admins and officers may, others not.
pub fn may_write_somewhere(who: &Principal) -> Result<(), Denial> {
    match who.role {
        Role::NationalAdmin | Role::ProvincialOfficer => Ok(()),
        Role::Anonymous => Err(Denial::Unauthenticated),
        Role::PortalReader | Role::SyncService => Err(Denial::Forbidden(Msg::RoleMayNotChange)),
    }
}

/// Whether `who` may move a record from one province to another: national
/// admins only.
pub fn may_move(who: &Principal, from: &str, to: &str) -> Result<(), Denial> {
    if from == to {
        return may_write(who, to);
    }
    match who.role {
        Role::NationalAdmin => Ok(()),
        Role::Anonymous => Err(Denial::Unauthenticated),
        _ => Err(Denial::Forbidden(Msg::MoveNeedsAdmin { from: from.to_string(), to: to.to_string() })),
    }
}

/// Whether `who` may read the audit trail: national admins only.
pub fn may_read_audit(who: &Principal) -> Result<(), Denial> {
    match who.role {
        Role::NationalAdmin => Ok(()),
        Role::Anonymous => Err(Denial::Unauthenticated),
        _ => Err(Denial::Forbidden(Msg::AuditAdminsOnly)),
    }
}

/// Whether `who` may read restricted personal fields (identity number, phone)
/// of a record located in `record_province`: national admins always, officers
/// only for their own province, nobody else.
pub fn may_read_personal_data(who: &Principal, record_province: Option<&str>) -> bool {
    match who.role {
        Role::NationalAdmin => true,
        Role::ProvincialOfficer => {
            matches!((&who.province, record_province), (Some(p), Some(r)) if p.as_str() == r)
        }
        Role::PortalReader | Role::SyncService | Role::Anonymous => false,
    }
}

/// Whether `who` may read the text of a record's national sync details
/// (`sync.lastError`: the national system's field errors, which may quote
/// personal data, or a local failure) for a record located in
/// `record_province`: national admins and officers of that province. Others
/// see the sync states only.
pub fn may_read_sync_detail(who: &Principal, record_province: Option<&str>) -> bool {
    match who.role {
        Role::NationalAdmin => true,
        Role::ProvincialOfficer => {
            matches!((&who.province, record_province), (Some(p), Some(r)) if p.as_str() == r)
        }
        Role::PortalReader | Role::SyncService | Role::Anonymous => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_are_scoped_to_the_officers_province() {
        assert_eq!(may_write(&officer("40"), "40"), Ok(()));
        assert!(matches!(may_write(&officer("40"), "56"), Err(Denial::Forbidden(_))));
        assert_eq!(may_write(&Principal::anonymous(), "40"), Err(Denial::Unauthenticated));
        let reader = Principal { subject: "p".into(), role: Role::PortalReader, province: None };
        assert!(matches!(may_write(&reader, "40"), Err(Denial::Forbidden(_))));
        assert!(matches!(may_move(&officer("40"), "40", "56"), Err(Denial::Forbidden(_))));
        let admin = Principal { subject: "a".into(), role: Role::NationalAdmin, province: None };
        assert_eq!(may_move(&admin, "40", "56"), Ok(()));
    }

    fn officer(p: &str) -> Principal {
        Principal { subject: "o".into(), role: Role::ProvincialOfficer, province: ProvinceCode::parse(p).ok() }
    }

    #[test]
    fn personal_data_is_for_admins_and_own_province_officers() {
        assert!(!may_read_personal_data(&Principal::anonymous(), Some("40")));
        assert!(may_read_personal_data(&officer("40"), Some("40")));
        assert!(!may_read_personal_data(&officer("40"), Some("56")));
        let admin = Principal { subject: "a".into(), role: Role::NationalAdmin, province: None };
        assert!(may_read_personal_data(&admin, None));
    }

    #[test]
    fn sync_details_are_for_admins_and_own_province_officers() {
        let admin = Principal { subject: "a".into(), role: Role::NationalAdmin, province: None };
        assert!(may_read_sync_detail(&admin, Some("40")));
        assert!(may_read_sync_detail(&officer("40"), Some("40")));
        assert!(!may_read_sync_detail(&officer("40"), Some("56")));
        assert!(!may_read_sync_detail(&officer("40"), None));
        assert!(!may_read_sync_detail(&Principal::anonymous(), Some("40")));
        for role in [Role::PortalReader, Role::SyncService] {
            let who = Principal { subject: "x".into(), role, province: ProvinceCode::parse("40").ok() };
            assert!(!may_read_sync_detail(&who, Some("40")), "{role:?}");
        }
    }
}
