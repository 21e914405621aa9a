//! GraphQL enums, mirroring the domain's enumerations one to one.

use crate::domain;

macro_rules! mirror_enum {
    ($(#[$doc:meta])* $name:ident => $domain:path { $($(#[$vdoc:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl From<$domain> for $name {
            fn from(d: $domain) -> Self {
                use $domain as D;
                match d {
                    $(D::$variant => $name::$variant),+
                }
            }
        }

        impl From<$name> for $domain {
            fn from(g: $name) -> Self {
                use $domain as D;
                match g {
                    $($name::$variant => D::$variant),+
                }
            }
        }
    };
}

mirror_enum!(
    /// Registration status (tình trạng đăng ký).
    RegistrationStatus => domain::RegistrationStatus {
        /// Applied for; not yet registered nationally.
        Pending,
        /// Registered and operating (đang hoạt động).
        Active,
        /// Temporarily suspended (tạm ngừng kinh doanh).
        Suspended,
        /// Dissolved (giải thể).
        Dissolved,
        /// Certificate revoked (thu hồi giấy chứng nhận).
        Revoked,
        /// Dissolving: decided, not yet completed (đang giải thể).
        InDissolution,
        /// Declared bankrupt by a court (phá sản).
        Bankrupt,
        /// An application withdrawn before registration (rút hồ sơ).
        Withdrawn,
    }
);

mirror_enum!(
    /// How a dissolution came about (giải thể tự nguyện / bắt buộc).
    DissolutionKind => domain::DissolutionKind {
        /// Decided by the general assembly (giải thể tự nguyện).
        Voluntary,
        /// Imposed by the state, e.g. after revocation (giải thể bắt buộc).
        Compulsory,
    }
);

mirror_enum!(
    /// Who made a status change.
    ChangeOrigin => domain::ChangeOrigin {
        /// The provincial registration office, through this registry.
        Province,
        /// The national systems (registration, compulsory changes on their side).
        National,
    }
);

mirror_enum!(
    /// A reorganisation of cooperatives (tổ chức lại hợp tác xã).
    ReorganisationKind => domain::ReorganisationKind {
        /// Sáp nhập: the sources end, absorbed into an existing cooperative (`intoId`).
        Merger,
        /// Hợp nhất: the sources end, forming one new cooperative.
        Consolidation,
        /// Chia: the source ends, divided into several new cooperatives.
        Split,
        /// Tách: the source continues; new cooperatives split off from it.
        Separation,
    }
);

mirror_enum!(
    /// Yearly classification (xếp loại).
    Rating => domain::Rating {
        /// Good (tốt).
        Good,
        /// Fair (khá).
        Fair,
        /// Average (trung bình).
        Average,
        /// Weak (yếu).
        Weak,
    }
);

mirror_enum!(
    /// Statistical sector (lĩnh vực).
    Sector => domain::Sector {
        /// Agriculture (nông nghiệp).
        Agriculture,
        /// Industry and handicraft (công nghiệp – tiểu thủ công nghiệp).
        IndustryHandicraft,
        /// Construction (xây dựng).
        Construction,
        /// Trade and services (thương mại – dịch vụ).
        TradeServices,
        /// Transport (vận tải).
        Transport,
        /// People's credit fund (quỹ tín dụng nhân dân).
        Credit,
        /// Environment (môi trường).
        Environment,
        /// Other (khác).
        Other,
    }
);

mirror_enum!(
    /// Gender (giới tính).
    Gender => domain::Gender {
        /// Female (nữ).
        Female,
        /// Male (nam).
        Male,
        /// Other (khác).
        Other,
    }
);

mirror_enum!(
    /// Status of a cooperative group.
    GroupStatus => domain::GroupStatus {
        /// Operating.
        Active,
        /// Disbanded.
        Disbanded,
    }
);

mirror_enum!(
    /// Level of an administrative unit (cấp hành chính).
    AdministrativeLevel => domain::AdministrativeLevel {
        /// Province or centrally-governed city (tỉnh, thành phố).
        Province,
        /// District (huyện, quận, thị xã); abolished on 2025-07-01.
        District,
        /// Ward, commune or special zone (phường, xã, đặc khu).
        Ward,
    }
);

mirror_enum!(
    /// State of a record's sync with one national system.
    SyncState => domain::SyncState {
        /// No sync needed.
        NotRequired,
        /// Waiting to be sent.
        Pending,
        /// Being sent.
        InProgress,
        /// The national system holds the current version.
        Synced,
        /// Refused by the national system; fix and retry.
        Rejected,
        /// Gave up after repeated transient failures.
        Failed,
    }
);

mirror_enum!(
    /// A caller's role.
    Role => crate::auth::Role {
        /// Ministry-level administrator.
        NationalAdmin,
        /// Officer of one province.
        ProvincialOfficer,
        /// Third-party portal.
        PortalReader,
        /// The sync engine.
        SyncService,
        /// No credentials.
        Anonymous,
    }
);

mirror_enum!(
    /// What happened to an entity.
    ChangeKind => domain::ChangeKind {
        /// Registered or recorded.
        Created,
        /// Content changed.
        Updated,
        /// Status changed.
        StatusChanged,
        /// An annual report was submitted.
        AnnualReport,
        /// The national systems answered.
        Synced,
        /// Removed.
        Deleted,
    }
);

mirror_enum!(
    /// Kinds of entity in the change feed.
    EntityKind => domain::EntityKind {
        /// A cooperative.
        Cooperative,
        /// A cooperative union.
        CooperativeUnion,
        /// A cooperative group.
        CooperativeGroup,
        /// A target.
        Target,
        /// A person (audit entries about personal data).
        Person,
    }
);

mirror_enum!(
    /// What a target measures (chỉ tiêu).
    Indicator => domain::targets::Indicator {
        /// Active cooperatives (ACTIVE or SUSPENDED).
        CooperativeCount,
        /// Official + associate members of active cooperatives.
        CooperativeMembers,
        /// Active unions.
        UnionCount,
        /// Member cooperatives of active unions.
        UnionMemberCooperatives,
        /// Active groups.
        GroupCount,
        /// Members of active groups.
        GroupMembers,
        /// Groups established in the current calendar year.
        NewGroupsPerYear,
        /// % of rated active organisations rated GOOD or FAIR (hoạt động hiệu quả).
        EffectiveShare,
        /// Active cooperatives rated WEAK.
        WeakCooperativeCount,
        /// % of active organisations linked in a value chain.
        ValueChainShare,
        /// Active cooperatives applying high technology.
        HighTechCooperativeCount,
        /// Active groups applying high technology.
        HighTechGroupCount,
        /// % of active cooperatives applying high technology.
        HighTechCooperativeShare,
        /// % of active cooperatives in agriculture.
        AgricultureCooperativeShare,
        /// Member-weighted mean of the latest reports' average member income, đồng per month.
        AverageMemberIncome,
        /// Members ÷ active cooperatives.
        AverageMembersPerCooperative,
        /// % of active cooperatives and unions whose director (unions: legal representative) is female.
        FemaleDirectorShare,
        /// Cooperatives among the country's 100 typical ones (reported).
        #[graphql(name = "TOP_100_COUNT")]
        Top100Count,
        /// % of the population in collective organisations (reported).
        PopulationParticipationShare,
        /// % of farm households in collective organisations (reported).
        FarmHouseholdParticipationShare,
    }
);

mirror_enum!(
    /// How the actual figure is compared with the target.
    Comparator => domain::targets::Comparator {
        /// Equal.
        Exactly,
        /// Within ±10% of `value` ("khoảng").
        About,
        /// At least `value`.
        AtLeast,
        /// Strictly more than `value`.
        MoreThan,
        /// At most `value` ("không còn" = at most 0).
        AtMost,
        /// Between `min` and `max`, inclusive.
        Between,
    }
);

mirror_enum!(
    /// Unit of a target's figures.
    TargetUnit => domain::targets::TargetUnit {
        /// A number.
        Count,
        /// A percentage, 0–100.
        Percent,
        /// Đồng per member per month.
        VndPerMonth,
    }
);

mirror_enum!(
    /// Which organisations a target counts.
    OrganizationScope => domain::targets::OrganizationScope {
        /// Cooperatives, unions and groups.
        AllCollective,
        /// Cooperatives.
        Cooperatives,
        /// Unions.
        Unions,
        /// Groups.
        Groups,
        /// Agricultural cooperatives.
        AgricultureCooperatives,
    }
);

mirror_enum!(
    /// Where a progress figure comes from.
    ProgressSource => domain::targets::ProgressSource {
        /// Computed from the live registry.
        Computed,
        /// Reported with `reportTargetProgress` (outside figures).
        Reported,
        /// Not known.
        Unavailable,
    }
);

/// What organisations are ordered by.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrganizationOrderField {
    /// Name, accent-insensitive.
    Name,
    /// Registration date; records without one come last.
    RegisteredOn,
    /// Last change.
    UpdatedAt,
    /// Official + associate members.
    Members,
}

/// Sort direction.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderDirection {
    /// Ascending.
    Asc,
    /// Descending.
    Desc,
}

mirror_enum!(
    /// A member's standing (Law on Cooperatives 2023).
    MemberType => crate::domain::members::MemberType {
        /// Official member (thành viên chính thức).
        Official,
        /// Associate member who contributes capital (thành viên liên kết góp vốn).
        AssociateContributing,
        /// Associate member who does not contribute capital (thành viên liên kết không góp vốn).
        AssociateNonContributing,
    }
);

mirror_enum!(
    /// Who a member is.
    MemberKind => crate::domain::members::MemberKind {
        /// An individual (cá nhân).
        Individual,
        /// A household (hộ gia đình), represented by its head.
        Household,
        /// A legal entity (pháp nhân), e.g. an enterprise.
        LegalEntity,
    }
);

/// Parses a stored enumeration name; a name the code does not know is corrupt data.
pub fn stored<D, G: From<D>>(what: &str, s: &str, parse: fn(&str) -> Option<D>) -> async_graphql::Result<G> {
    parse(s).map(G::from).ok_or_else(|| crate::graphql::error::internal(&format!("unknown stored {what} {s:?}")))
}
