//! The registry's counts by year (xu hướng theo năm) for the plans' own
//! monitoring: how many cooperatives and unions operated at the end of each
//! year (from their status history), how many groups existed (from their
//! establishment and disbanding days), and what the annual reports on each
//! year say. Plain arithmetic over the per-year changes storage returns.

/// The earliest year a trend may start: the first Law on Cooperatives took
/// effect in 1997; earlier years are accepted back to 1990 like the
/// reporting calendar's.
pub const EARLIEST_YEAR: i32 = 1990;
/// The most years one trend may span (bounds the answer and its work).
pub const MAX_YEARS: i32 = 30;
/// Years a trend spans when the caller names no start.
pub const DEFAULT_YEARS: i32 = 10;

/// The changes of one year for one kind of organisation: how many began to
/// operate (registration; groups: establishment) and how many stopped
/// (dissolution begun, revocation, bankruptcy; groups: disbanding).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct YearChanges {
    /// The year the changes took effect.
    pub year: i32,
    /// Began operating that year.
    pub started: i64,
    /// Stopped operating that year.
    pub stopped: i64,
}

/// The annual reports on one year in a territory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct YearReports {
    /// The year reported on.
    pub year: i32,
    /// Reports of cooperatives, unions and groups on that year.
    pub reports: i64,
    /// Official + associate members the cooperatives' reports state.
    pub cooperative_members: i64,
}

/// One year of the trend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct YearFigures {
    /// The year.
    pub year: i32,
    /// Cooperatives operating (ACTIVE or SUSPENDED) at the end of the year.
    pub cooperatives: i64,
    /// Cooperatives registered during the year.
    pub cooperatives_registered: i64,
    /// Cooperatives that stopped operating during the year.
    pub cooperatives_ceased: i64,
    /// Unions operating at the end of the year.
    pub unions: i64,
    /// Groups existing at the end of the year.
    pub groups: i64,
    /// Annual reports on the year (cooperatives, unions and groups).
    pub annual_reports: i64,
    /// Members stated in the cooperatives' reports on the year.
    pub reported_cooperative_members: i64,
}

/// Why a range of years is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrendRangeError {
    /// A year before [`EARLIEST_YEAR`] or after the current year.
    #[error("{0} is outside {EARLIEST_YEAR}..={1}")]
    OutOfRange(i32, i32),
    /// The start is after the end.
    #[error("fromYear {0} is after toYear {1}")]
    Reversed(i32, i32),
    /// More than [`MAX_YEARS`] years.
    #[error("at most {MAX_YEARS} years, got {0}")]
    TooLong(i32),
}

/// The years a trend covers: `to` defaults to `current_year`, `from` to
/// [`DEFAULT_YEARS`] years ending at `to` (not before [`EARLIEST_YEAR`]).
/// Each error names which of the two arguments is wrong (`true`: `from`).
pub fn years(from: Option<i32>, to: Option<i32>, current_year: i32) -> Result<(i32, i32), (bool, TrendRangeError)> {
    let in_range = |y: i32| (EARLIEST_YEAR..=current_year).contains(&y);
    let to = to.unwrap_or(current_year);
    if !in_range(to) {
        return Err((false, TrendRangeError::OutOfRange(to, current_year)));
    }
    let from = from.unwrap_or_else(|| (to - DEFAULT_YEARS + 1).max(EARLIEST_YEAR));
    if !in_range(from) {
        return Err((true, TrendRangeError::OutOfRange(from, current_year)));
    }
    if from > to {
        return Err((true, TrendRangeError::Reversed(from, to)));
    }
    if to - from + 1 > MAX_YEARS {
        return Err((true, TrendRangeError::TooLong(to - from + 1)));
    }
    Ok((from, to))
}

/// Operating at the end of `year`: everything that started by then minus
/// everything that stopped by then.
fn standing(changes: &[YearChanges], year: i32) -> i64 {
    changes.iter().filter(|c| c.year <= year).map(|c| c.started - c.stopped).sum()
}

fn of_year(changes: &[YearChanges], year: i32) -> YearChanges {
    changes.iter().filter(|c| c.year == year).fold(YearChanges { year, ..Default::default() }, |a, c| YearChanges {
        year,
        started: a.started + c.started,
        stopped: a.stopped + c.stopped,
    })
}

/// The figures of every year from `from` to `to`, oldest first, from the
/// changes of every year (those before `from` included: they make the
/// standing counts) and the reports.
pub fn accumulate(
    from: i32,
    to: i32,
    cooperatives: &[YearChanges],
    unions: &[YearChanges],
    groups: &[YearChanges],
    reports: &[YearReports],
) -> Vec<YearFigures> {
    (from..=to)
        .map(|year| {
            let c = of_year(cooperatives, year);
            let r = reports
                .iter()
                .filter(|r| r.year == year)
                .fold((0, 0), |(n, m), r| (n + r.reports, m + r.cooperative_members));
            YearFigures {
                year,
                cooperatives: standing(cooperatives, year),
                cooperatives_registered: c.started,
                cooperatives_ceased: c.stopped,
                unions: standing(unions, year),
                groups: standing(groups, year),
                annual_reports: r.0,
                reported_cooperative_members: r.1,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ch(year: i32, started: i64, stopped: i64) -> YearChanges {
        YearChanges { year, started, stopped }
    }

    #[test]
    fn a_year_counts_what_started_by_its_end_minus_what_stopped() {
        let coops = [ch(2018, 3, 0), ch(2021, 2, 1), ch(2023, 0, 2)];
        let out = accumulate(2020, 2023, &coops, &[], &[ch(2022, 1, 0)], &[]);
        let counts: Vec<_> = out.iter().map(|y| (y.year, y.cooperatives, y.groups)).collect();
        assert_eq!(counts, [(2020, 3, 0), (2021, 4, 0), (2022, 4, 1), (2023, 2, 1)]);
        assert_eq!((out[1].cooperatives_registered, out[1].cooperatives_ceased), (2, 1));
        assert_eq!((out[0].cooperatives_registered, out[0].cooperatives_ceased), (0, 0));
    }

    #[test]
    fn reports_are_counted_in_the_year_they_are_on() {
        let reports = [YearReports { year: 2024, reports: 3, cooperative_members: 40 }];
        let out = accumulate(2024, 2025, &[], &[], &[], &reports);
        assert_eq!((out[0].annual_reports, out[0].reported_cooperative_members), (3, 40));
        assert_eq!((out[1].annual_reports, out[1].reported_cooperative_members), (0, 0));
    }

    #[test]
    fn the_range_defaults_to_the_last_ten_years_and_is_bounded() {
        assert_eq!(years(None, None, 2026), Ok((2017, 2026)));
        assert_eq!(years(Some(2020), None, 2026), Ok((2020, 2026)));
        assert_eq!(years(None, Some(1995), 2026), Ok((1990, 1995)));
        assert_eq!(years(None, Some(2027), 2026), Err((false, TrendRangeError::OutOfRange(2027, 2026))));
        assert_eq!(years(Some(1989), None, 2026), Err((true, TrendRangeError::OutOfRange(1989, 2026))));
        assert_eq!(years(Some(2025), Some(2024), 2026), Err((true, TrendRangeError::Reversed(2025, 2024))));
        assert_eq!(years(Some(1990), Some(2020), 2026), Err((true, TrendRangeError::TooLong(31))));
        assert_eq!(years(Some(1991), Some(2020), 2026), Ok((1991, 2020)));
    }
}
