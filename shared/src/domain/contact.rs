//! Weekly hours in a local time zone: customers' contact hours and agents'
//! working hours. Half-open: `[start, end)` on the listed weekdays.

use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Timelike, Utc, Weekday,
};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeeklyHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub days: Vec<Weekday>,
}

impl WeeklyHours {
    pub fn new(start: NaiveTime, end: NaiveTime, days: Vec<Weekday>) -> Self {
        Self { start, end, days }
    }

    fn is_open_day(&self, d: NaiveDate) -> bool {
        self.days.contains(&d.weekday())
    }

    /// Whether `t` falls inside the hours, judged in `tz`.
    pub fn contains(&self, tz: Tz, t: DateTime<Utc>) -> bool {
        let local = t.with_timezone(&tz);
        self.is_open_day(local.date_naive())
            && local.time() >= self.start
            && local.time() < self.end
    }

    /// The first instant at or after `t` inside the hours; `None` when the
    /// hours are empty (no days, or start >= end).
    pub fn next_open(&self, tz: Tz, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.days.is_empty() || self.start >= self.end {
            return None;
        }
        if self.contains(tz, t) {
            return Some(t);
        }
        let local = t.with_timezone(&tz);
        let mut day = local.date_naive();
        if local.time() >= self.start {
            day = day.succ_opt()?;
        }
        for _ in 0..15 {
            if self.is_open_day(day) {
                let candidate = local_to_utc(tz, day, self.start);
                if candidate >= t {
                    return Some(candidate);
                }
            }
            day = day.succ_opt()?;
        }
        None
    }

    /// The first start of the hours (a working day's opening) at or after `t`.
    pub fn next_start(&self, tz: Tz, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let mut day = t.with_timezone(&tz).date_naive();
        for _ in 0..15 {
            if self.is_open_day(day) {
                let start = local_to_utc(tz, day, self.start);
                if start >= t {
                    return Some(start);
                }
            }
            day = day.succ_opt()?;
        }
        None
    }

    /// The end of the open stretch that contains `t` (which must be open).
    pub fn close_of(&self, tz: Tz, t: DateTime<Utc>) -> DateTime<Utc> {
        local_to_utc(tz, t.with_timezone(&tz).date_naive(), self.end)
    }
}

/// A local wall-clock time on a date, as UTC. A time skipped by a DST jump
/// moves forward to the first existing minute; an ambiguous one takes the
/// earlier instant.
pub fn local_to_utc(tz: Tz, day: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let mut naive = day.and_time(time);
    for _ in 0..180 {
        if let Some(t) = tz.from_local_datetime(&naive).earliest() {
            return t.with_timezone(&Utc);
        }
        naive += Duration::minutes(1);
    }
    Utc.from_utc_datetime(&naive)
}

/// The start of the local day after `t`'s local day.
pub fn start_of_next_local_day(tz: Tz, t: DateTime<Utc>) -> DateTime<Utc> {
    let next = t
        .with_timezone(&tz)
        .date_naive()
        .succ_opt()
        .unwrap_or(NaiveDate::MAX);
    local_to_utc(tz, next, NaiveTime::MIN)
}

/// `t` rounded up to the next multiple of `minutes` in local wall-clock time
/// (slots sit on :00, :15, … of the local hour).
pub fn round_up_to_slot(tz: Tz, t: DateTime<Utc>, minutes: u32) -> DateTime<Utc> {
    let minutes = minutes.max(1);
    let local = t.with_timezone(&tz);
    let since_midnight = local.time().num_seconds_from_midnight() as i64;
    let step = i64::from(minutes) * 60;
    let rem = since_midnight % step;
    if rem == 0 && local.nanosecond() == 0 {
        return t;
    }
    let truncated =
        t - Duration::seconds(rem) - Duration::nanoseconds(i64::from(local.nanosecond()));
    truncated + Duration::seconds(step)
}

/// The local calendar day of `t` in `tz`.
pub fn local_day(tz: Tz, t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&tz).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::utc;
    use chrono_tz::{America, Asia};

    fn hours() -> WeeklyHours {
        use Weekday::*;
        WeeklyHours::new(
            NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            NaiveTime::from_hms_opt(20, 0, 0).unwrap(),
            vec![Mon, Tue, Wed, Thu, Fri, Sat],
        )
    }

    #[test]
    fn a_time_inside_the_hours_is_kept() {
        // Fri 2026-11-20 14:00 in Seoul.
        let t = utc("2026-11-20T05:00:00Z");
        assert_eq!(hours().next_open(Asia::Seoul, t), Some(t));
    }

    #[test]
    fn the_end_is_exclusive_and_moves_to_the_next_open_day() {
        // Sat 2026-11-21 20:00 Seoul is closed; Sunday is not a contact day.
        let t = utc("2026-11-21T11:00:00Z");
        assert_eq!(
            hours().next_open(Asia::Seoul, t),
            Some(utc("2026-11-23T00:00:00Z"))
        );
    }

    #[test]
    fn early_morning_moves_to_the_same_days_start() {
        // Tue 2026-11-24 03:00 in Seoul = Mon 18:00 UTC.
        let t = utc("2026-11-23T18:00:00Z");
        assert_eq!(
            hours().next_open(Asia::Seoul, t),
            Some(utc("2026-11-24T00:00:00Z"))
        );
    }

    #[test]
    fn a_dst_gap_start_moves_to_the_first_existing_minute() {
        // New York springs forward at 02:00 on 2026-03-08.
        let t = local_to_utc(
            America::New_York,
            NaiveDate::from_ymd_opt(2026, 3, 8).unwrap(),
            NaiveTime::from_hms_opt(2, 30, 0).unwrap(),
        );
        assert_eq!(t, utc("2026-03-08T07:00:00Z"));
    }

    #[test]
    fn the_next_start_is_a_working_days_opening_never_a_time_inside_the_hours() {
        // Fri 14:00 Seoul -> Mon 09:00 Seoul (Sunday is closed, Saturday is open).
        let t = utc("2026-11-20T05:00:00Z");
        assert_eq!(
            hours().next_start(Asia::Seoul, t),
            Some(utc("2026-11-21T00:00:00Z"))
        );
        assert_eq!(
            hours().next_start(Asia::Seoul, utc("2026-11-21T00:00:00Z")),
            Some(utc("2026-11-21T00:00:00Z"))
        );
    }

    #[test]
    fn slots_round_up_on_the_local_quarter_hour() {
        // India is UTC+5:30: 10:07 local rounds to 10:15 local.
        let t = utc("2026-11-20T04:37:00Z");
        assert_eq!(
            round_up_to_slot(chrono_tz::Asia::Kolkata, t, 15),
            utc("2026-11-20T04:45:00Z")
        );
        assert_eq!(
            round_up_to_slot(chrono_tz::Asia::Kolkata, utc("2026-11-20T04:45:00Z"), 15),
            utc("2026-11-20T04:45:00Z")
        );
    }

    #[test]
    fn the_next_local_day_starts_at_local_midnight() {
        // 23:30 Seoul on the 20th -> midnight Seoul on the 21st.
        let t = utc("2026-11-20T14:30:00Z");
        assert_eq!(
            start_of_next_local_day(Asia::Seoul, t),
            utc("2026-11-20T15:00:00Z")
        );
    }
}
