//! Properties of the scheduler over random rosters, time zones and loads
//! (SPEC 4): never in a customer's quiet time or outside an agent's hours
//! and days, never two calls at once for an agent, capacity held, language
//! matched, the deadline met whenever a brute-force search over every
//! slot finds one, and the same input booked the same way twice.

use super::booking::{assign, CallRequest};
use crate::adapters::sqlite::SqliteStore;
use crate::config::Settings;
use crate::domain::contact::{local_day, WeeklyHours};
use crate::domain::history::Assignment;
use crate::domain::ids::{AgentId, CustomerId, EmailAddress, Locale};
use crate::domain::keys::AttemptKey;
use crate::domain::policy::Policy;
use crate::domain::roster::Agent;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

const ZONES: [Tz; 5] = [
    chrono_tz::Asia::Seoul,
    chrono_tz::America::New_York,
    chrono_tz::Asia::Kolkata,
    chrono_tz::UTC,
    chrono_tz::Asia::Ho_Chi_Minh,
];
const LOCALES: [Locale; 3] = [Locale::En, Locale::Ko, Locale::Vi];
const WEEK: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

#[derive(Debug, Clone)]
struct AgentSpec {
    languages: Vec<usize>,
    zone: usize,
    start_hour: u32,
    hours: u32,
    days: Vec<usize>,
    capacity: u32,
}

#[derive(Debug, Clone)]
struct CallSpec {
    zone: usize,
    locale: usize,
    earliest_hours: i64,
    window_hours: i64,
}

fn agent_spec() -> impl Strategy<Value = AgentSpec> {
    (
        proptest::sample::subsequence(vec![0usize, 1, 2], 1..=3),
        0..ZONES.len(),
        6u32..13,
        3u32..10,
        proptest::sample::subsequence(vec![0usize, 1, 2, 3, 4, 5, 6], 1..=7),
        1u32..4,
    )
        .prop_map(
            |(languages, zone, start_hour, hours, days, capacity)| AgentSpec {
                languages,
                zone,
                start_hour,
                hours,
                days,
                capacity,
            },
        )
}

fn call_spec() -> impl Strategy<Value = CallSpec> {
    (0..ZONES.len(), 0..LOCALES.len(), 0i64..72, 0i64..96).prop_map(
        |(zone, locale, earliest_hours, window_hours)| CallSpec {
            zone,
            locale,
            earliest_hours,
            window_hours,
        },
    )
}

fn agent(i: usize, a: &AgentSpec) -> Agent {
    let start = NaiveTime::from_hms_opt(a.start_hour, 0, 0).unwrap_or(NaiveTime::MIN);
    let end = NaiveTime::from_hms_opt((a.start_hour + a.hours).min(23), 0, 0).unwrap_or(start);
    Agent {
        id: AgentId::parse(&format!("a-{i}")).unwrap(),
        name: format!("Agent {i}"),
        email: EmailAddress::parse(&format!("a{i}@shop.example")).unwrap(),
        languages: a.languages.iter().map(|l| LOCALES[*l]).collect(),
        time_zone: ZONES[a.zone],
        hours: WeeklyHours::new(start, end, a.days.iter().map(|d| WEEK[*d]).collect()),
        capacity: a.capacity,
    }
}

/// Inside `hours` for a whole slot.
fn fits(hours: &WeeklyHours, tz: Tz, slot: DateTime<Utc>, minutes: i64) -> bool {
    hours.contains(tz, slot) && slot + Duration::minutes(minutes) <= hours.close_of(tz, slot)
}

/// The bookings so far, as the test keeps them.
#[derive(Default)]
struct Model {
    taken: BTreeSet<(AgentId, DateTime<Utc>)>,
    loads: BTreeMap<(AgentId, NaiveDate), u32>,
}

impl Model {
    /// Whether any agent has a free, allowed slot in `[from, until)`:
    /// every 15 minutes tried, no cleverness.
    fn feasible(
        &self,
        agents: &[Agent],
        policy: &Policy,
        req: (&Tz, Locale),
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> bool {
        let minutes = i64::from(policy.callbacks.slot_minutes);
        let mut t = Utc
            .timestamp_opt(from.timestamp().div_euclid(900) * 900, 0)
            .unwrap();
        while t < until {
            if t >= from && fits(&policy.contact_hours, *req.0, t, minutes) {
                for a in agents.iter().filter(|a| a.speaks(req.1)) {
                    let day = local_day(a.time_zone, t);
                    let load = self.loads.get(&(a.id.clone(), day)).copied().unwrap_or(0);
                    if fits(&a.hours, a.time_zone, t, minutes)
                        && load < a.capacity
                        && !self.taken.contains(&(a.id.clone(), t))
                    {
                        return true;
                    }
                }
            }
            t += Duration::minutes(15);
        }
        false
    }
}

fn book_all(
    agents: &[Agent],
    calls: &[CallSpec],
    now: DateTime<Utc>,
) -> Result<Vec<Assignment>, TestCaseError> {
    let settings =
        Settings::from_toml("agents = []\n").map_err(|e| TestCaseError::fail(e.to_string()))?;
    let policy = &settings.policy;
    let minutes = i64::from(policy.callbacks.slot_minutes);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let store = SqliteStore::in_memory().map_err(|e| TestCaseError::fail(e.to_string()))?;
    let mut model = Model::default();
    let mut out = Vec::new();
    for (i, c) in calls.iter().enumerate() {
        let tz = ZONES[c.zone];
        let locale = LOCALES[c.locale];
        let customer = CustomerId::parse(&format!("c-{i}")).unwrap();
        let attempt: AttemptKey = format!("c-{i}/order:o-{i}#1").parse().unwrap();
        let earliest = now + Duration::hours(c.earliest_hours);
        let deadline = earliest + Duration::hours(c.window_hours);
        let req = CallRequest {
            customer: &customer,
            attempt: &attempt,
            locale,
            tz,
            earliest,
            deadline,
            round: 0,
        };
        let feasible = model.feasible(agents, policy, (&tz, locale), earliest, deadline);
        let a = runtime
            .block_on(assign(&store, policy, agents, &req, now))
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        match &a.agent {
            Some(id) => {
                let agent = agents.iter().find(|x| &x.id == id).unwrap();
                prop_assert!(agent.speaks(locale), "language: {a:?}");
                prop_assert!(
                    fits(&agent.hours, agent.time_zone, a.slot, minutes),
                    "agent hours: {a:?} {agent:?}"
                );
                prop_assert!(
                    fits(&policy.contact_hours, tz, a.slot, minutes),
                    "quiet time of {tz}: {a:?}"
                );
                prop_assert!(a.slot >= earliest, "before the earliest slot: {a:?}");
                prop_assert!(
                    model.taken.insert((id.clone(), a.slot)),
                    "two calls at once: {a:?}"
                );
                let load = model
                    .loads
                    .entry((id.clone(), local_day(agent.time_zone, a.slot)))
                    .or_default();
                *load += 1;
                prop_assert!(*load <= agent.capacity, "over capacity: {a:?}");
            }
            None => prop_assert!(a.at_risk, "unassigned but not at risk: {a:?}"),
        }
        if feasible {
            prop_assert!(
                !a.at_risk && a.slot < deadline,
                "a slot before the deadline existed: {a:?}"
            );
        } else {
            prop_assert!(
                a.at_risk,
                "no slot before the deadline, yet not at risk: {a:?}"
            );
        }
        out.push(a);
    }
    Ok(out)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn the_scheduler_keeps_every_rule_and_meets_every_feasible_deadline(
        specs in proptest::collection::vec(agent_spec(), 1..4),
        calls in proptest::collection::vec(call_spec(), 1..14),
        // Around the end of US daylight saving time (2026-11-01).
        start_hours in 0i64..120,
    ) {
        let agents: Vec<Agent> = specs.iter().enumerate().map(|(i, a)| agent(i, a)).collect();
        let now = Utc.with_ymd_and_hms(2026, 10, 29, 0, 0, 0).unwrap() + Duration::hours(start_hours);
        let first = book_all(&agents, &calls, now)?;
        let again = book_all(&agents, &calls, now)?;
        prop_assert_eq!(first, again, "the same input, the same assignment");
    }
}
