//! Who is calling, and what they may see. Every personal-data decision goes
//! through [`may_read_personal_data`], so scoping lives in one place.

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
