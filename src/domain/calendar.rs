//! The reporting calendar (lịch báo cáo): annual reports are due by a fixed
//! day of the year they report on (15 December in Bình Phước's plan
//! 147/KH-UBND: "trước ngày 15 tháng 12 hằng năm"). Days are Vietnam's
//! (UTC+7): a report submitted at any time of the due day is on time.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Offset, TimeZone, Utc};

/// Vietnam's time zone (giờ Đông Dương), UTC+7, no daylight saving.
pub fn vietnam() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).unwrap_or_else(|| Utc.fix())
}

/// The day of the year annual reports are due, e.g. 15 December.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueDay {
    month: u32,
    day: u32,
}

/// Why a due day cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be MM-DD, a day that every year has (e.g. 12-15), got {0:?}")]
pub struct DueDayError(String);

impl Default for DueDay {
    /// 15 December.
    fn default() -> Self {
        DueDay { month: 12, day: 15 }
    }
}

impl DueDay {
    /// Parses `MM-DD`; 29 February is refused (not every year has it).
    pub fn parse(s: &str) -> Result<Self, DueDayError> {
        let bad = || DueDayError(s.chars().take(20).collect());
        let (m, d) = s.trim().split_once('-').ok_or_else(bad)?;
        if m.len() != 2 || d.len() != 2 {
            return Err(bad());
        }
        let month: u32 = m.parse().map_err(|_| bad())?;
        let day: u32 = d.parse().map_err(|_| bad())?;
        // 2023 is not a leap year: a day it has, every year has.
        NaiveDate::from_ymd_opt(2023, month, day).ok_or_else(bad)?;
        Ok(DueDay { month, day })
    }

    /// The due date of the reports on `year`; `None` outside chrono's range.
    pub fn due_on(self, year: i32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(year, self.month, self.day)
    }
}

impl std::fmt::Display for DueDay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}-{:02}", self.month, self.day)
    }
}

/// The first instant after the due day, in Vietnam: a report submitted
/// before it is on time.
pub fn deadline(due_on: NaiveDate) -> Option<DateTime<Utc>> {
    let next = due_on.succ_opt()?.and_hms_opt(0, 0, 0)?;
    vietnam().from_local_datetime(&next).single().map(|t| t.with_timezone(&Utc))
}

/// Today in Vietnam.
pub fn today_in_vietnam(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&vietnam()).date_naive()
}

/// The last day of `year` (an organisation registered by then must report on it).
pub fn year_end(year: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, 12, 31)
}

/// Figures of one year's reporting in a territory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReportingCounts {
    /// Organisations that must report.
    pub expected: i64,
    /// Of them, those whose report was submitted by the due day.
    pub on_time: i64,
    /// Of them, those whose report came after the due day.
    pub late: i64,
}

impl ReportingCounts {
    /// Reports submitted, on time or late.
    pub fn submitted(self) -> i64 {
        self.on_time + self.late
    }

    /// Organisations that have not reported.
    pub fn missing(self) -> i64 {
        (self.expected - self.submitted()).max(0)
    }

    /// Overdue: the due day has passed and some report is missing.
    pub fn overdue(self, due_on: NaiveDate, today: NaiveDate) -> bool {
        today > due_on && self.missing() > 0
    }
}

/// Whether a year can be asked about: from 1990 (before any registry) to
/// ten years ahead of `today`.
pub fn reportable_year(year: i32, today: NaiveDate) -> bool {
    (1990..=today.year() + 10).contains(&year)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_day_parses_month_and_day_of_every_year() {
        assert_eq!(DueDay::parse("12-15"), Ok(DueDay::default()));
        assert_eq!(DueDay::parse("03-31").map(|d| d.to_string()).as_deref(), Ok("03-31"));
        for bad in ["12/15", "1215", "13-01", "02-29", "12-32", "1-15", "", "ab-cd"] {
            assert!(DueDay::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_whole_due_day_counts_in_vietnam() {
        let due = DueDay::default().due_on(2025).expect("date");
        let d = deadline(due).expect("deadline");
        assert_eq!(d.to_rfc3339(), "2025-12-15T17:00:00+00:00");
        assert_eq!(today_in_vietnam(d), NaiveDate::from_ymd_opt(2025, 12, 16).expect("date"));
    }

    #[test]
    fn missing_and_overdue_follow_from_the_counts() {
        let c = ReportingCounts { expected: 5, on_time: 2, late: 1 };
        assert_eq!((c.submitted(), c.missing()), (3, 2));
        let due = NaiveDate::from_ymd_opt(2025, 12, 15).expect("date");
        assert!(!c.overdue(due, due));
        assert!(c.overdue(due, due.succ_opt().expect("date")));
        let all = ReportingCounts { expected: 3, on_time: 3, late: 0 };
        assert!(!all.overdue(due, due.succ_opt().expect("date")));
    }
}
