//! An independent recomputation of the daily KPIs (SPEC 3, 4, 5, 7), written
//! from the specification alone and used as a test oracle for `aftercare run`.
//!
//! It models a run with the default settings, no agents (every new call is
//! at risk) and no suppressions. Obviously correct over fast: sort, dedupe,
//! simple loops, and every day's numbers recounted from the full lists.
//!
//! The readings it follows where the spec is open:
//! - events are processed in `occurred_at` order; a survey is sent exactly at
//!   its planned time, before an event at the same instant;
//! - planned send = trigger + delay, moved to the next contact-hours start
//!   when outside [09:00, 20:00) Mon–Sat in the customer's time zone;
//! - throttling is judged at the planned send time against earlier *sent*
//!   surveys of the same kind to the same customer (exactly the throttle
//!   period apart is not throttled);
//! - an answer counts if sent <= answer <= sent + 28 days, else it is rejected;
//! - reasons before outcomes at the same instant; a reason merges into the
//!   open call when its time is <= the call's deadline, else it closes the
//!   open call as missed and opens a new one.
//! - two surveys of one kind for one customer planned for the same instant:
//!   the one with the earlier trigger goes first (then by kind and id); this
//!   one is the oracle's own reading: neither the spec nor the project's
//!   readings decide it;
//! - durations (first response, resolution) keep fractions of a second
//!   ("JSON carries full precision");
//! - recovery: a survey's low score is its first valid answer that is low;
//!   the customer's reached outcomes are the accepted ones (attempts of a
//!   call), and the first in [answer, answer + 24 h] decides.

mod calls;
mod compare;
mod days;
mod input;
mod surveys;

pub use compare::differences;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use input::{Customer, SurveyKind};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The settings the oracle models (the defaults of SPEC 10).
struct Rules {
    contact_start: NaiveTime,
    contact_end: NaiveTime,
    contact_days: [Weekday; 6],
    csat_delay: Duration,
    nps_delay: Duration,
    csat_throttle: Duration,
    nps_throttle: Duration,
    link_valid: Duration,
    deadline: Duration,
    priority_deadline: Duration,
    max_attempts: u32,
    churn_days: i64,
}

/// The `churn_days` the end-to-end runs' settings give (short, so that
/// three weeks of data see customers churn and come back).
pub const CHURN_DAYS: i64 = 7;

fn rules() -> Rules {
    Rules {
        contact_start: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
        contact_end: NaiveTime::from_hms_opt(20, 0, 0).unwrap(),
        contact_days: [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
            Weekday::Sat,
        ],
        csat_delay: Duration::hours(2),
        nps_delay: Duration::days(7),
        csat_throttle: Duration::days(7),
        nps_throttle: Duration::days(90),
        link_valid: Duration::days(28),
        deadline: Duration::hours(72),
        priority_deadline: Duration::hours(24),
        max_attempts: 3,
        churn_days: CHURN_DAYS,
    }
}

/// What the oracle expects of one run.
pub struct Expected {
    /// Every day from the first event's day to `until`'s day: the SPEC 7 JSON.
    pub days: BTreeMap<NaiveDate, Value>,
    pub accepted: usize,
    pub duplicate: usize,
    pub rejected: usize,
    /// Envelope ids of the events rejected for what they say (not malformed).
    pub rejected_ids: BTreeSet<String>,
    /// How often each interesting case occurred, to check that a data set
    /// exercises what it is meant to.
    pub cases: BTreeMap<&'static str, usize>,
    /// Every answered survey: what `aftercare responses` must list.
    pub answered: Vec<Answered>,
}

/// One answered survey as the oracle counts it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Answered {
    pub first: DateTime<Utc>,
    pub customer: String,
    /// `csat` or `nps`.
    pub survey: &'static str,
    pub subject: String,
    pub score: i64,
    pub latest: DateTime<Utc>,
}

/// What makes a survey due: (trigger time, kind, subject, customer).
type Trigger = (DateTime<Utc>, SurveyKind, String, Customer);

/// A reason to call: (time, deadline, tie key, customer object).
type Reason = (DateTime<Utc>, DateTime<Utc>, String, Customer);

/// One function per phase, each on the full lists of the ones before.
pub fn recompute(envelopes: &[Value], report_tz: Tz, until: DateTime<Utc>) -> Expected {
    let r = rules();

    // 1. Parse, sort by occurred_at (stable), drop duplicates by natural key.
    let (unique, duplicate) = input::unique_events(envelopes, report_tz);
    let mut rejected_ids = BTreeSet::new();
    let mut cases: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut case = |name: &'static str| *cases.entry(name).or_default() += 1;

    // 2. Orders, tickets, customer objects.
    let mut facts = input::facts(&r, &unique);

    // 3. Surveys: planned time, then throttling per customer and kind in
    //    send-time order. Only what the clock reached by `until` happened.
    let mut surveys = surveys::plan(&r, &facts.triggers, until, &mut case);

    // 4. Answers, in time order.
    surveys::answers(&r, &unique, &mut surveys, &mut rejected_ids, &mut case);

    // 5. Low scores are reasons to call (once per survey).
    surveys::low_scores(&r, &surveys, &facts.objects, &mut facts.reasons, &mut case);

    // 6. Calls, per customer, reasons before outcomes at the same instant.
    let calls = calls::timeline(&r, &unique, &facts.reasons, &mut rejected_ids, &mut case);

    for t in facts.tickets.values() {
        match (t.opened_event, t.closes.len()) {
            (_, 0) => case("ticket never closed"),
            (None, _) => case("ticket closed without a seen open"),
            (_, n) if n > 1 => case("ticket reopened"),
            _ => {}
        }
    }

    // 7. The days.
    let days = days::days(&r, report_tz, until, &unique, &facts, &surveys, &calls);
    let rejected = rejected_ids.len();
    let mut answered: Vec<Answered> = surveys
        .iter()
        .filter_map(|s| {
            Some(Answered {
                first: s.first_answer()?,
                customer: s.customer.id.clone(),
                survey: match s.kind {
                    SurveyKind::Csat => "csat",
                    SurveyKind::Nps => "nps",
                },
                subject: s.subject.clone(),
                score: s.current()?,
                latest: s.answers.last()?.0,
            })
        })
        .collect();
    answered.sort();
    Expected {
        answered,
        days,
        accepted: unique.len() - rejected,
        duplicate,
        rejected,
        rejected_ids,
        cases,
    }
}
