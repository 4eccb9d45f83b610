//! Time: the wall clock in Unix seconds and calendar arithmetic for billing intervals.
//!
//! Each account reads time through its own offset (see `account.rs`) so the control plane
//! and test clocks can advance it; the arithmetic here is pure so it is easy to test.

use std::time::{SystemTime, UNIX_EPOCH};

/// The wall clock in Unix seconds.
pub fn wall_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A Stripe recurring interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interval {
    /// `day`
    Day,
    /// `week`
    Week,
    /// `month`
    Month,
    /// `year`
    Year,
}

impl Interval {
    /// Parses Stripe's interval names.
    pub(crate) fn parse(s: &str) -> Option<Interval> {
        match s {
            "day" => Some(Interval::Day),
            "week" => Some(Interval::Week),
            "month" => Some(Interval::Month),
            "year" => Some(Interval::Year),
            _ => None,
        }
    }
}

/// Adds `count` intervals to `ts`. Months and years keep the day of month, clamped to the
/// last day of a shorter month (Jan 31 + 1 month = Feb 28/29), as Stripe's billing does.
pub fn add_interval(ts: i64, interval: Interval, count: i64) -> i64 {
    match interval {
        Interval::Day => ts + 86_400 * count,
        Interval::Week => ts + 7 * 86_400 * count,
        Interval::Month => add_months(ts, count),
        Interval::Year => add_months(ts, 12 * count),
    }
}

fn add_months(ts: i64, months: i64) -> i64 {
    let days = ts.div_euclid(86_400);
    let secs = ts.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let total = y * 12 + (m as i64 - 1) + months;
    let ny = total.div_euclid(12);
    let nm = (total.rem_euclid(12) + 1) as u32;
    let nd = d.min(days_in_month(ny, nm));
    days_from_civil(ny, nm, nd) * 86_400 + secs
}

/// The calendar year of a Unix timestamp (UTC).
pub(crate) fn year_of(ts: i64) -> i64 {
    civil_from_days(ts.div_euclid(86_400)).0
}

/// The UTC calendar date of a Unix timestamp as `YYYY-MM-DD`.
pub(crate) fn date_of(ts: i64) -> String {
    let (y, m, d) = civil_from_days(ts.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

// Howard Hinnant's civil calendar algorithms.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-01-31T12:00:00Z
    const JAN31: i64 = 1_769_860_800;

    #[test]
    fn month_clamps_to_end_of_month() {
        // 2026-02-28T12:00:00Z
        assert_eq!(add_interval(JAN31, Interval::Month, 1), 1_772_280_000);
        // 2026-03-31T12:00:00Z
        assert_eq!(add_interval(JAN31, Interval::Month, 2), 1_774_958_400);
    }

    #[test]
    fn year_day_week() {
        // 2027-01-31T12:00:00Z
        assert_eq!(add_interval(JAN31, Interval::Year, 1), 1_801_396_800);
        assert_eq!(add_interval(JAN31, Interval::Day, 2), JAN31 + 2 * 86_400);
        assert_eq!(add_interval(JAN31, Interval::Week, 1), JAN31 + 7 * 86_400);
        assert_eq!(year_of(JAN31), 2026);
        assert_eq!(date_of(JAN31), "2026-01-31");
    }

    #[test]
    fn civil_round_trip() {
        for days in [-1000, 0, 59, 60, 11_016, 20_000, 50_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(Interval::parse("month"), Some(Interval::Month));
        assert_eq!(Interval::parse("fortnight"), None);
    }
}
