//! Bulk exports: `startExport` and the job it returns.

use crate::graphql::ids::{self, NodeKind};
use crate::graphql::scalars::DateTime;
use crate::service::export::Format;
use async_graphql::{Enum, InputObject, Object, SimpleObject, ID};
use entity::export_job;

/// The file format of an export.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// One JSON object per organisation per line; the last line is `{"consistentWithSequence": "…", "rows": …}`.
    Jsonl,
    /// A header row and one row per organisation; the last line is `#consistentWithSequence=…,rows=…`.
    Csv,
}

impl From<ExportFormat> for Format {
    fn from(f: ExportFormat) -> Self {
        match f {
            ExportFormat::Jsonl => Format::Jsonl,
            ExportFormat::Csv => Format::Csv,
        }
    }
}

/// Where an export job is.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum ExportState {
    /// Waiting for a replica to run it.
    Queued,
    /// Being written.
    Running,
    /// Written: `downloadUrl` serves it until it expires.
    Done,
    /// Stopped by an error (details in the server log).
    Failed,
}

/// What to export.
#[derive(InputObject)]
pub struct StartExportInput {
    /// The file format.
    pub format: ExportFormat,
    /// Only organisations located in this 2025 province (mã tỉnh); the country when omitted (national admins). Officers export their own province.
    pub province_code: Option<String>,
}

/// A bulk export of the registry (xuất dữ liệu), started by `startExport`.
pub struct ExportJob(pub std::sync::Arc<export_job::Model>);

/// A bulk export of the registry (xuất dữ liệu), started by `startExport`;
/// visible and downloadable only to the caller who started it.
#[Object]
impl ExportJob {
    /// Global opaque id; `node(id:)` returns the job to the caller who started it.
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::ExportJob, self.0.id)
    }

    /// Where the job is.
    async fn state(&self) -> ExportState {
        match self.0.state.as_str() {
            "QUEUED" => ExportState::Queued,
            "RUNNING" => ExportState::Running,
            "DONE" => ExportState::Done,
            _ => ExportState::Failed,
        }
    }

    /// The file format.
    async fn format(&self) -> ExportFormat {
        match Format::parse(&self.0.format) {
            Some(Format::Csv) => ExportFormat::Csv,
            _ => ExportFormat::Jsonl,
        }
    }

    /// The 2025 province exported; null: the country.
    async fn province_code(&self) -> Option<&str> {
        self.0.province_code.as_deref()
    }

    /// Organisations written (once DONE).
    async fn rows(&self) -> Option<i32> {
        self.0.rows.map(|r| i32::try_from(r).unwrap_or(i32::MAX))
    }

    /// Path on this gateway (GET with the same bearer token) that serves the file while DONE and not expired; null otherwise.
    async fn download_url(&self) -> Option<String> {
        crate::service::export::downloadable(&self.0).then(|| format!("/exports/{}", self.0.id))
    }

    /// The change-feed sequence the export is consistent with: follow `changes(after:)` from it.
    async fn consistent_with_sequence(&self) -> Option<String> {
        self.0.consistent_with_sequence.map(|s| s.to_string())
    }

    /// When it was started.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }

    /// When it finished.
    async fn finished_at(&self) -> Option<DateTime> {
        self.0.finished_at.map(DateTime)
    }
}

/// The result of `startExport`.
#[derive(SimpleObject)]
pub struct ExportJobPayload {
    /// The job, QUEUED or already further.
    pub export_job: Option<ExportJob>,
    /// Problems with the input (refusals are errors with a code).
    pub user_errors: Vec<super::write::UserError>,
}
