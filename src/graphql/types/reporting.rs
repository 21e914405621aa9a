//! `reportingStatus`: the reporting calendar of a year in a territory.

use crate::graphql::scalars::Date;
use async_graphql::SimpleObject;

fn int(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// One year's annual reports (báo cáo năm) in a territory: who had to
/// report, who did, and whether the due day has passed with reports missing.
#[derive(SimpleObject)]
pub struct ReportingStatus {
    /// The year reported on.
    pub year: i32,
    /// The due day of the year's reports (15 December unless `COOPGATE_REPORT_DUE` says otherwise), in Vietnam time.
    pub due_on: Date,
    /// Organisations that must report: ACTIVE or SUSPENDED cooperatives and unions and ACTIVE groups registered (established) by the end of the year.
    pub expected: i32,
    /// Of those, organisations with a report on the year.
    pub submitted: i32,
    /// Of those, organisations without a report on the year (`reportMissingForYear` lists them).
    pub missing: i32,
    /// Today (in Vietnam) is after `dueOn` and `missing` is above 0.
    pub overdue: bool,
    /// Reports submitted on or before `dueOn`.
    pub on_time: i32,
    /// Reports submitted after `dueOn`.
    pub late: i32,
}

impl From<crate::service::reporting::ReportingStatus> for ReportingStatus {
    fn from(s: crate::service::reporting::ReportingStatus) -> Self {
        ReportingStatus {
            year: s.year,
            due_on: Date(s.due_on),
            expected: int(s.counts.expected),
            submitted: int(s.counts.submitted()),
            missing: int(s.counts.missing()),
            overdue: s.overdue,
            on_time: int(s.counts.on_time),
            late: int(s.counts.late),
        }
    }
}
