//! A bulk export a caller started (`startExport`) or that ran from the CLI.

use sea_orm::entity::prelude::*;

/// One row of `export_job`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "export_job")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Token subject of the caller; only they may download it.
    pub subject: String,
    /// The caller's role when it started (NATIONAL_ADMIN, PROVINCIAL_OFFICER).
    pub role: String,
    /// The caller's own province (officers).
    pub caller_province: Option<String>,
    /// The 2025 province exported; `None`: the country.
    pub province_code: Option<String>,
    /// JSONL or CSV.
    pub format: String,
    /// QUEUED, RUNNING, DONE, FAILED.
    pub state: String,
    /// Organisations written.
    pub rows: Option<i64>,
    /// The change-log sequence the export is consistent with.
    pub consistent_with_sequence: Option<i64>,
    /// Size of the file.
    pub bytes: Option<i64>,
    /// Until when the replica running it holds it.
    pub lease_until: Option<DateTimeUtc>,
    /// When it was started.
    pub created_at: DateTimeUtc,
    /// When it finished.
    pub finished_at: Option<DateTimeUtc>,
    /// When its file is deleted.
    pub expires_at: Option<DateTimeUtc>,
}

/// Relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
