//! An entry of a cooperative's member register (danh sách thành viên).

use sea_orm::entity::prelude::*;

/// One row of `member`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "member")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The cooperative whose register it is in.
    pub cooperative_id: i64,
    /// INDIVIDUAL, HOUSEHOLD or LEGAL_ENTITY.
    pub kind: String,
    /// OFFICIAL, ASSOCIATE_CONTRIBUTING or ASSOCIATE_NON_CONTRIBUTING.
    pub member_type: String,
    /// Full name, or a legal entity's registered name; NFC.
    pub name: String,
    /// `FEMALE`, `MALE` or `OTHER` (persons only).
    pub gender: Option<String>,
    /// CCCD, or a legal entity's tax code (restricted personal data).
    pub id_number: Option<String>,
    /// Capital contributed (vốn góp), hundredths of a đồng.
    pub capital_contribution: Option<i64>,
    /// When membership began.
    pub joined_on: Date,
    /// When membership ended.
    pub left_on: Option<Date>,
    /// Why it ended.
    pub left_reason: Option<String>,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// When the row was created.
    pub created_at: DateTimeUtc,
    /// When the row last changed.
    pub updated_at: DateTimeUtc,
}

/// Relations of a member.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
