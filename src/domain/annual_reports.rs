//! Which years an organisation may report on (báo cáo năm), and when a
//! year's report is due, as pure functions of the organisation's life.
//!
//! The rule takes the organisation's life as dates ([`Existence`]), not its
//! status, so the lifecycle's statuses plug in by saying when a record
//! began and ended (registration date, establishment date of a group,
//! effective date of a dissolution, bankruptcy or disbanding).

use chrono::{Datelike, NaiveDate};

/// The first year a report may be about, whatever else is known.
pub const FIRST_REPORT_YEAR: i32 = 1990;

/// The day of December by which a year's report is expected (the plans ask
/// provinces to report "before 15 December every year").
pub const DUE_DAY_OF_DECEMBER: u32 = 15;

/// An organisation's life as far as reporting is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Existence {
    /// Whether it was ever registered (a PENDING application, or one
    /// withdrawn before registration, never existed as an organisation).
    /// Groups are recorded, not registered, and always count as existing.
    pub registered: bool,
    /// When it began: date of registration (cooperatives, unions) or of
    /// establishment (groups); `None` when the record does not say.
    pub began: Option<NaiveDate>,
    /// When it ended (dissolution, bankruptcy, disbanding took effect);
    /// `None` while it exists or when the end date is not recorded.
    pub ended: Option<NaiveDate>,
}

/// Why a report's year is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportYearError {
    /// The organisation was never registered.
    #[error("an application that has not been registered has no annual report; report once it is registered")]
    NotRegistered,
    /// Before the organisation began.
    #[error("{year} is before the organisation was registered or established ({began}); the first year it may report on is {}", began.year())]
    BeforeItBegan {
        /// The year asked.
        year: i32,
        /// When it began.
        began: NaiveDate,
    },
    /// After the organisation ended.
    #[error("{year} is after the organisation ended ({ended}); it may report on the years up to {}", ended.year())]
    AfterItEnded {
        /// The year asked.
        year: i32,
        /// When it ended.
        ended: NaiveDate,
    },
    /// A year that has not begun.
    #[error("{year} has not begun; the latest year that may be reported on is {this_year} (due by {DUE_DAY_OF_DECEMBER} December {this_year})")]
    Future {
        /// The year asked.
        year: i32,
        /// The current year.
        this_year: i32,
    },
    /// Before any year the registry takes.
    #[error("{year} is before {FIRST_REPORT_YEAR}, the first year the registry takes reports for")]
    TooEarly {
        /// The year asked.
        year: i32,
    },
}

/// Whether an organisation may report on `year` on `today`: a year that has
/// begun (the current year's report is allowed: it is expected by
/// 15 December of that year), from the year it began, up to the year it
/// ended (a dissolved organisation may still report the years it operated),
/// and never for one that was not registered.
pub fn report_year(year: i32, life: &Existence, today: NaiveDate) -> Result<(), ReportYearError> {
    if !life.registered {
        return Err(ReportYearError::NotRegistered);
    }
    if year > today.year() {
        return Err(ReportYearError::Future { year, this_year: today.year() });
    }
    if year < FIRST_REPORT_YEAR {
        return Err(ReportYearError::TooEarly { year });
    }
    if let Some(began) = life.began {
        if year < began.year() {
            return Err(ReportYearError::BeforeItBegan { year, began });
        }
    }
    if let Some(ended) = life.ended {
        if year > ended.year() {
            return Err(ReportYearError::AfterItEnded { year, ended });
        }
    }
    Ok(())
}

/// The day a year's report is expected by: 15 December of that year.
pub fn due_on(year: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, 12, DUE_DAY_OF_DECEMBER)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    const TODAY: (i32, u32, u32) = (2026, 6, 1);

    fn check(year: i32, life: Existence) -> Result<(), ReportYearError> {
        report_year(year, &life, d(TODAY.0, TODAY.1, TODAY.2))
    }

    #[test]
    fn a_registered_cooperative_reports_from_its_registration_year_to_this_year() {
        let life = Existence { registered: true, began: Some(d(2024, 9, 30)), ended: None };
        assert_eq!(check(2024, life), Ok(()), "the registration year, though it began late in it");
        assert_eq!(check(2026, life), Ok(()), "the current year, due by 15 December");
        assert_eq!(check(1995, life), Err(ReportYearError::BeforeItBegan { year: 1995, began: d(2024, 9, 30) }));
        assert_eq!(check(2027, life), Err(ReportYearError::Future { year: 2027, this_year: 2026 }));
        assert!(check(2023, life)
            .expect_err("before registration")
            .to_string()
            .contains("first year it may report on is 2024"));
    }

    #[test]
    fn a_dissolved_one_reports_only_the_years_it_operated() {
        let life = Existence { registered: true, began: Some(d(2015, 1, 1)), ended: Some(d(2025, 3, 1)) };
        assert_eq!(check(2025, life), Ok(()), "the year it ended in, it operated");
        assert_eq!(check(2015, life), Ok(()));
        assert_eq!(check(2026, life), Err(ReportYearError::AfterItEnded { year: 2026, ended: d(2025, 3, 1) }));
    }

    #[test]
    fn a_pending_application_reports_nothing() {
        let life = Existence { registered: false, began: None, ended: None };
        assert_eq!(check(2026, life), Err(ReportYearError::NotRegistered));
    }

    #[test]
    fn without_a_start_date_only_the_registry_floor_applies() {
        let life = Existence { registered: true, began: None, ended: None };
        assert_eq!(check(FIRST_REPORT_YEAR, life), Ok(()));
        assert_eq!(check(1989, life), Err(ReportYearError::TooEarly { year: 1989 }));
    }

    #[test]
    fn reports_are_due_on_15_december() {
        assert_eq!(due_on(2026), Some(d(2026, 12, 15)));
    }
}
