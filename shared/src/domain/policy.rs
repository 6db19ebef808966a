//! The rules the domain applies (SPEC 4, 5, 7): report days, contact hours,
//! survey and callback policy. Validated values only: reading them from a
//! file or the environment is `crate::config`'s job, never the domain's.

use super::contact::WeeklyHours;
use chrono::{Duration, NaiveTime, Weekday};
use chrono_tz::Tz;

#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Days of SPEC 7 are calendar days in this zone.
    pub report_time_zone: Tz,
    /// The customers' contact hours, in each customer's own zone.
    pub contact_hours: WeeklyHours,
    pub surveys: SurveyPolicy,
    pub callbacks: CallbackPolicy,
    /// Personal data (names, addresses, numbers, comments, notes) older
    /// than this is removed by due work; the KPIs stay as they were.
    pub retention: Duration,
    /// A customer is active on a day with an order on one of the
    /// `churn_days` days ending with it (SPEC 7, `customers`).
    pub churn_days: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SurveyPolicy {
    pub csat_delay: Duration,
    pub nps_delay: Duration,
    pub csat_throttle: Duration,
    pub nps_throttle: Duration,
    pub reminder_after: Duration,
    pub link_valid: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CallbackPolicy {
    pub deadline: Duration,
    pub priority_deadline: Duration,
    pub retry_after: Duration,
    pub max_attempts: u32,
    pub slot_minutes: u32,
    /// How long an outcome with no open call at its time waits for the
    /// (late) event that creates its call before it is rejected. Events
    /// can arrive out of order only on AWS; a local run, in time order,
    /// waits for nothing (zero).
    pub outcome_grace: Duration,
    /// How soon a manager should resolve an escalation; older ones are
    /// overdue and lead the morning email's list.
    pub escalation_target: Duration,
}

/// How far an event's time may be from the clock that receives it: a late
/// event up to this old is judged at its time (SQS and the shop may hold
/// it back a while); older is a mistake, or a replay that belongs in a
/// fresh run.
pub const EVENT_MAX_AGE_DAYS: i64 = 400;
/// An event from the future beyond this (a sender's clock far off, a
/// typo in the year) is refused rather than let drive the clock.
pub const EVENT_MAX_AHEAD_HOURS: i64 = 24;

/// Whether an event at `t` is plausible for a clock at `now`; why not.
pub fn plausible_time(
    t: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), String> {
    if t > now + Duration::hours(EVENT_MAX_AHEAD_HOURS) {
        return Err(format!(
            "occurred_at {} is more than {EVENT_MAX_AHEAD_HOURS} hours ahead of the clock ({})",
            t.to_rfc3339(),
            now.to_rfc3339()
        ));
    }
    if t < now - Duration::days(EVENT_MAX_AGE_DAYS) {
        return Err(format!(
            "occurred_at {} is more than {EVENT_MAX_AGE_DAYS} days before the clock ({})",
            t.to_rfc3339(),
            now.to_rfc3339()
        ));
    }
    Ok(())
}

impl Policy {
    /// A customer's time zone, or the business's when the customer has none.
    pub fn zone_or_default(&self, tz: Option<Tz>) -> Tz {
        tz.unwrap_or(self.report_time_zone)
    }
}

/// The defaults SPEC 10 lists.
impl Default for Policy {
    fn default() -> Self {
        use Weekday::*;
        let at = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap_or(NaiveTime::MIN);
        Policy {
            report_time_zone: chrono_tz::UTC,
            contact_hours: WeeklyHours::new(at(9), at(20), vec![Mon, Tue, Wed, Thu, Fri, Sat]),
            surveys: SurveyPolicy {
                csat_delay: Duration::hours(2),
                nps_delay: Duration::days(7),
                csat_throttle: Duration::days(7),
                nps_throttle: Duration::days(90),
                reminder_after: Duration::days(3),
                link_valid: Duration::days(28),
            },
            callbacks: CallbackPolicy {
                deadline: Duration::hours(72),
                priority_deadline: Duration::hours(24),
                retry_after: Duration::hours(3),
                max_attempts: 3,
                slot_minutes: 15,
                outcome_grace: Duration::hours(24),
                escalation_target: Duration::hours(48),
            },
            retention: Duration::days(730),
            churn_days: 90,
        }
    }
}
