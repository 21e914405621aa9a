//! The registry's enumerations, stored as their upper-case names.

macro_rules! stored_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// Parses a stored name.
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

stored_enum!(
    /// Registration status of a cooperative or union (tình trạng đăng ký).
    RegistrationStatus {
        /// Applied for; not yet registered nationally.
        Pending = "PENDING",
        /// Registered and operating.
        Active = "ACTIVE",
        /// Temporarily suspended (tạm ngừng kinh doanh).
        Suspended = "SUSPENDED",
        /// Dissolved (giải thể).
        Dissolved = "DISSOLVED",
        /// Certificate revoked (thu hồi giấy chứng nhận).
        Revoked = "REVOKED",
        /// Dissolving: decided, not yet completed (đang làm thủ tục giải thể).
        InDissolution = "IN_DISSOLUTION",
        /// Declared bankrupt by a court (phá sản).
        Bankrupt = "BANKRUPT",
        /// An application withdrawn before registration (rút hồ sơ).
        Withdrawn = "WITHDRAWN",
    }
);

stored_enum!(
    /// How a dissolution came about (giải thể tự nguyện / bắt buộc).
    DissolutionKind {
        /// Decided by the general assembly (tự nguyện).
        Voluntary = "VOLUNTARY",
        /// Imposed by the state (bắt buộc), e.g. after revocation.
        Compulsory = "COMPULSORY",
    }
);

stored_enum!(
    /// Who made a status change.
    ChangeOrigin {
        /// The provincial registration office, through this registry.
        Province = "PROVINCE",
        /// The national systems (registration, compulsory changes on their side).
        National = "NATIONAL",
    }
);

stored_enum!(
    /// A reorganisation of cooperatives (tổ chức lại).
    ReorganisationKind {
        /// Sáp nhập: the sources end, absorbed into an existing cooperative.
        Merger = "MERGER",
        /// Hợp nhất: the sources end, forming one new cooperative.
        Consolidation = "CONSOLIDATION",
        /// Chia: the source ends, divided into several new cooperatives.
        Split = "SPLIT",
        /// Tách: the source continues; new cooperatives split off.
        Separation = "SEPARATION",
    }
);

stored_enum!(
    /// Statistical sector (lĩnh vực).
    Sector {
        /// Nông nghiệp.
        Agriculture = "AGRICULTURE",
        /// Công nghiệp – tiểu thủ công nghiệp.
        IndustryHandicraft = "INDUSTRY_HANDICRAFT",
        /// Xây dựng.
        Construction = "CONSTRUCTION",
        /// Thương mại – dịch vụ.
        TradeServices = "TRADE_SERVICES",
        /// Vận tải.
        Transport = "TRANSPORT",
        /// Quỹ tín dụng nhân dân.
        Credit = "CREDIT",
        /// Môi trường.
        Environment = "ENVIRONMENT",
        /// Khác.
        Other = "OTHER",
    }
);

stored_enum!(
    /// Yearly classification (xếp loại).
    Rating {
        /// Tốt.
        Good = "GOOD",
        /// Khá.
        Fair = "FAIR",
        /// Trung bình.
        Average = "AVERAGE",
        /// Yếu.
        Weak = "WEAK",
    }
);

stored_enum!(
    /// Gender (giới tính).
    Gender {
        /// Nữ.
        Female = "FEMALE",
        /// Nam.
        Male = "MALE",
        /// Khác.
        Other = "OTHER",
    }
);

stored_enum!(
    /// Status of a cooperative group.
    GroupStatus {
        /// Operating.
        Active = "ACTIVE",
        /// Disbanded (chấm dứt).
        Disbanded = "DISBANDED",
    }
);

stored_enum!(
    /// Level of an administrative unit (cấp hành chính).
    AdministrativeLevel {
        /// Tỉnh / thành phố.
        Province = "PROVINCE",
        /// Huyện / quận / thị xã (abolished 2025-07-01).
        District = "DISTRICT",
        /// Xã / phường / đặc khu.
        Ward = "WARD",
    }
);

stored_enum!(
    /// State of a record's sync with one national system.
    SyncState {
        /// The record needs no sync (e.g. imported with an existing code).
        NotRequired = "NOT_REQUIRED",
        /// Waiting to be sent.
        Pending = "PENDING",
        /// Being sent.
        InProgress = "IN_PROGRESS",
        /// The national system holds the current version.
        Synced = "SYNCED",
        /// The national system refused it; needs a fix and a retry.
        Rejected = "REJECTED",
        /// Gave up after repeated transient failures.
        Failed = "FAILED",
    }
);

stored_enum!(
    /// What happened to an entity, as the change feed says it.
    ChangeKind {
        /// Registered or recorded.
        Created = "CREATED",
        /// Content changed.
        Updated = "UPDATED",
        /// Status changed.
        StatusChanged = "STATUS_CHANGED",
        /// An annual report was submitted.
        AnnualReport = "ANNUAL_REPORT",
        /// The national systems answered (code issued, registered).
        Synced = "SYNCED",
        /// Removed.
        Deleted = "DELETED",
    }
);

stored_enum!(
    /// The kinds of entity the feed and the audit trail name.
    EntityKind {
        /// A cooperative.
        Cooperative = "COOPERATIVE",
        /// A cooperative union.
        CooperativeUnion = "COOPERATIVE_UNION",
        /// A cooperative group.
        CooperativeGroup = "COOPERATIVE_GROUP",
        /// A target.
        Target = "TARGET",
        /// A person's personal data.
        Person = "PERSON",
    }
);

impl RegistrationStatus {
    /// Counted as operating in statistics: ACTIVE or SUSPENDED.
    pub fn is_operating(self) -> bool {
        matches!(self, Self::Active | Self::Suspended)
    }

    /// The legal entity no longer exists (or never came to): DISSOLVED,
    /// BANKRUPT or WITHDRAWN. Such a record is no union's member.
    pub fn has_ended(self) -> bool {
        matches!(self, Self::Dissolved | Self::Bankrupt | Self::Withdrawn)
    }
}

impl GroupStatus {
    /// The group status a registration-status filter means for groups:
    /// ACTIVE is ACTIVE, DISSOLVED and REVOKED mean DISBANDED, the others
    /// match no group.
    pub fn from_registration(status: RegistrationStatus) -> Option<Self> {
        match status {
            RegistrationStatus::Active => Some(Self::Active),
            RegistrationStatus::Dissolved | RegistrationStatus::Revoked => Some(Self::Disbanded),
            RegistrationStatus::Pending
            | RegistrationStatus::Suspended
            | RegistrationStatus::InDissolution
            | RegistrationStatus::Bankrupt
            | RegistrationStatus::Withdrawn => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_round_trip() {
        for s in Sector::ALL {
            assert_eq!(Sector::parse(s.as_str()), Some(*s));
        }
        assert_eq!(RegistrationStatus::parse("ACTIVE"), Some(RegistrationStatus::Active));
        assert_eq!(RegistrationStatus::parse("active"), None);
    }
}
