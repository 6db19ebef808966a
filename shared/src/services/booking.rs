//! Assigning call attempts to agents (SPEC 4): only in the agent's working
//! hours and the customer's contact hours, only in a language the agent
//! speaks, never two calls at one time, within the agent's daily capacity.
//! Among agents free on the earliest possible day, the one with the fewest
//! calls that day wins; ties go to the earlier slot, then the agent id.

use crate::domain::calls::first_slot;
use crate::domain::contact::{local_day, local_to_utc};
use crate::domain::history::Assignment;
use crate::domain::ids::{CustomerId, Locale};
use crate::domain::keys::AttemptKey;
use crate::domain::policy::Policy;
use crate::domain::roster::Agent;
use crate::ports::{AgentCalendar, BookResult, Booking, StoreError};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use std::collections::{BTreeMap, BTreeSet};

/// How far ahead a slot is searched for before giving up.
const HORIZON_DAYS: i64 = 21;

pub struct CallRequest<'a> {
    pub customer: &'a CustomerId,
    pub attempt: &'a AttemptKey,
    pub locale: Locale,
    pub tz: Tz,
    pub earliest: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    /// 0 for the attempt's first booking, then 1, 2, … for re-bookings.
    pub round: u32,
}

/// One agent's calendar as far as this search needs it: the booked-call
/// count per agent-local day (one query), and the taken slots of the days
/// that still have room (one query per such day, loaded on demand). A day
/// at capacity is skipped without reading its bookings, so the cost of a
/// search does not grow with the number of calls already booked.
struct AgentPlan<'a> {
    agent: &'a Agent,
    loads: BTreeMap<NaiveDate, u32>,
    taken: BTreeMap<NaiveDate, BTreeSet<DateTime<Utc>>>,
}

impl<'a> AgentPlan<'a> {
    async fn load(
        store: &dyn AgentCalendar,
        agent: &'a Agent,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<AgentPlan<'a>, StoreError> {
        let first = local_day(agent.time_zone, from);
        let last = local_day(agent.time_zone, until);
        let loads = store.agent_loads(&agent.id, first, last).await?;
        Ok(AgentPlan {
            agent,
            loads,
            taken: BTreeMap::new(),
        })
    }

    fn load_on(&self, day: NaiveDate) -> u32 {
        self.loads.get(&day).copied().unwrap_or(0)
    }

    async fn taken_on(
        &mut self,
        store: &dyn AgentCalendar,
        day: NaiveDate,
    ) -> Result<&BTreeSet<DateTime<Utc>>, StoreError> {
        if !self.taken.contains_key(&day) {
            let tz = self.agent.time_zone;
            let from = local_to_utc(tz, day, NaiveTime::MIN);
            let to = local_to_utc(tz, day.succ_opt().unwrap_or(day), NaiveTime::MIN);
            let slots = store
                .booked_slots(&self.agent.id, from, to)
                .await?
                .into_iter()
                .collect();
            self.taken.insert(day, slots);
        }
        Ok(&self.taken[&day])
    }

    /// The agent's first free slot at or after `from` that also lies in the
    /// customer's contact hours.
    async fn first_free(
        &mut self,
        store: &dyn AgentCalendar,
        policy: &Policy,
        tz: Tz,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let minutes = policy.callbacks.slot_minutes;
        let slot = Duration::minutes(minutes.into());
        let (hours, agent_tz) = (&self.agent.hours, self.agent.time_zone);
        let mut t = from;
        while t < until {
            let c = first_slot(&policy.contact_hours, tz, t, minutes);
            let s = first_slot(hours, agent_tz, c, minutes);
            if s != c {
                t = s;
                continue;
            }
            // Both grids are local quarter-hours; a customer slot must also fit.
            if !(policy.contact_hours.contains(tz, s)
                && s + slot <= policy.contact_hours.close_of(tz, s))
            {
                t = s + slot;
                continue;
            }
            let day = local_day(agent_tz, s);
            if self.load_on(day) >= self.agent.capacity {
                let Some(next) = day.succ_opt() else {
                    return Ok(None);
                };
                t = local_to_utc(agent_tz, next, NaiveTime::MIN);
                continue;
            }
            if self.taken_on(store, day).await?.contains(&s) {
                t = s + slot;
                continue;
            }
            return Ok(Some(s));
        }
        Ok(None)
    }
}

/// Finds and books a slot for one call attempt. Idempotent per `call_key`.
pub async fn assign(
    store: &dyn AgentCalendar,
    policy: &Policy,
    agents: &[Agent],
    req: &CallRequest<'_>,
    now: DateTime<Utc>,
) -> Result<Assignment, StoreError> {
    if let Some(b) = store.booking_for(req.attempt, req.round).await? {
        return Ok(Assignment {
            round: req.round,
            judged_for: Some(req.deadline),
            at_risk: b.slot >= req.deadline,
            agent: Some(b.agent),
            slot: b.slot,
        });
    }
    let start = if req.earliest >= now {
        req.earliest
    } else {
        first_slot(
            &policy.contact_hours,
            req.tz,
            now,
            policy.callbacks.slot_minutes,
        )
    };
    let until = start + Duration::days(HORIZON_DAYS);
    let eligible: Vec<&Agent> = agents.iter().filter(|a| a.speaks(req.locale)).collect();
    let mut contended = 0u32;
    for _ in 0..MAX_TRIES {
        // A slot before the deadline beats any later one: a call is at risk
        // only when no eligible agent has one.
        let mut best: Option<(bool, NaiveDate, u32, DateTime<Utc>, &Agent)> = None;
        for agent in &eligible {
            let mut plan = AgentPlan::load(store, agent, start, until).await?;
            let Some(slot) = plan.first_free(store, policy, req.tz, start, until).await? else {
                continue;
            };
            let customer_day = local_day(req.tz, slot);
            let load = plan.load_on(local_day(agent.time_zone, slot));
            let late = slot >= req.deadline;
            let better = match &best {
                None => true,
                Some((r, d, l, s, a)) => {
                    (late, customer_day, load, slot, agent.id.as_str())
                        < (*r, *d, *l, *s, a.id.as_str())
                }
            };
            if better {
                best = Some((late, customer_day, load, slot, *agent));
            }
        }
        let Some((_, _, _, slot, agent)) = best else {
            return Ok(Assignment {
                round: req.round,
                judged_for: Some(req.deadline),
                agent: None,
                slot: start,
                at_risk: true,
            });
        };
        let booking = Booking {
            agent: agent.id.clone(),
            slot,
            attempt: req.attempt.clone(),
            customer: req.customer.clone(),
            round: req.round,
        };
        match store
            .book(&booking, local_day(agent.time_zone, slot), agent.capacity)
            .await?
        {
            BookResult::Booked => {
                return Ok(Assignment {
                    round: req.round,
                    judged_for: Some(req.deadline),
                    agent: Some(agent.id.clone()),
                    slot,
                    at_risk: slot >= req.deadline,
                })
            }
            // Someone else took the slot (or this attempt) meanwhile: look again.
            BookResult::SlotTaken => {
                if let Some(b) = store.booking_for(req.attempt, req.round).await? {
                    return Ok(Assignment {
                        round: req.round,
                        judged_for: Some(req.deadline),
                        at_risk: b.slot >= req.deadline,
                        agent: Some(b.agent),
                        slot: b.slot,
                    });
                }
            }
            // The day filled up meanwhile: the next search skips it.
            BookResult::DayFull => {}
            // A racing transaction or a throttle: the same search again,
            // after a pause that grows (with jitter, so racers spread out).
            BookResult::Contended => {
                contended += 1;
                tokio::time::sleep(contention_backoff(contended, req.attempt)).await;
            }
        }
    }
    // Still losing after every try: an error, so the unit of work is
    // retried later as a whole. A lost race is never stored as "unassigned".
    Err(StoreError::Unavailable(
        format!(
            "booking {}: still contended after {MAX_TRIES} tries",
            req.attempt
        )
        .into(),
    ))
}

/// How often one attempt's booking is tried before the unit of work gives up.
const MAX_TRIES: u32 = 12;

/// 20 ms doubling per contended try, at most 1.3 s, plus up to half again
/// of jitter derived from the attempt (deterministic, so tests replay).
fn contention_backoff(tries: u32, attempt: &AttemptKey) -> std::time::Duration {
    let base = 20u64 << tries.min(6);
    let spread = crate::domain::keys::stable_hash(&attempt.to_string()) % (base / 2 + 1);
    std::time::Duration::from_millis(base + spread)
}

#[cfg(all(test, feature = "sqlite"))]
mod tests {
    use super::*;
    use crate::adapters::sqlite::SqliteStore;
    use crate::config::Settings;
    use crate::testing::utc;

    fn settings() -> Settings {
        Settings::from_toml(
            r#"
[[agents]]
id = "a-2"
name = "B"
email = "b@example.com"
languages = ["ko"]
time_zone = "Asia/Seoul"
hours = "09:00-18:00"
capacity = 1

[[agents]]
id = "a-1"
name = "A"
email = "a@example.com"
languages = ["ko", "en"]
time_zone = "Asia/Seoul"
hours = "09:00-18:00"
capacity = 1
"#,
        )
        .unwrap()
    }

    fn request<'a>(
        customer: &'a CustomerId,
        key: &'a AttemptKey,
        locale: Locale,
        deadline: &str,
    ) -> CallRequest<'a> {
        // Mon 2026-11-23 09:00 Seoul.
        CallRequest {
            customer,
            attempt: key,
            locale,
            tz: chrono_tz::Asia::Seoul,
            earliest: utc("2026-11-23T00:00:00Z"),
            deadline: utc(deadline),
            round: 0,
        }
    }

    /// Books attempt `key` for customer c-1 as seen on Fri 2026-11-20.
    async fn book(
        store: &SqliteStore,
        settings: &Settings,
        key: &str,
        locale: Locale,
        deadline: &str,
    ) -> Assignment {
        let c = CustomerId::parse("c-1").unwrap();
        let key: AttemptKey = key.parse().unwrap();
        assign(
            store,
            &settings.policy,
            &settings.agents,
            &request(&c, &key, locale, deadline),
            utc("2026-11-20T00:00:00Z"),
        )
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn calls_spread_over_agents_by_load_then_id_and_respect_capacity() {
        let store = SqliteStore::in_memory().unwrap();
        let s = settings();
        // Both free at 09:00 with no calls: the tie goes to the lower id.
        let first = book(
            &store,
            &s,
            "c-1/order:x#1",
            Locale::Ko,
            "2026-11-25T00:00:00Z",
        )
        .await;
        assert_eq!(
            (
                first.agent.as_ref().map(|a| a.as_str()),
                first.slot,
                first.at_risk
            ),
            (Some("a-1"), utc("2026-11-23T00:00:00Z"), false)
        );
        // a-1 is at capacity (1) on Monday: a-2 takes the next call, same slot.
        let second = book(
            &store,
            &s,
            "c-2/order:x#1",
            Locale::Ko,
            "2026-11-25T00:00:00Z",
        )
        .await;
        assert_eq!(
            (second.agent.as_ref().map(|a| a.as_str()), second.slot),
            (Some("a-2"), utc("2026-11-23T00:00:00Z"))
        );
        // Both full on Monday: Tuesday 09:00, past a Monday-noon deadline: at risk.
        let third = book(
            &store,
            &s,
            "c-3/order:x#1",
            Locale::Ko,
            "2026-11-23T03:00:00Z",
        )
        .await;
        assert_eq!(
            (third.slot, third.at_risk),
            (utc("2026-11-24T00:00:00Z"), true)
        );
        // Asking again for the same attempt returns the same booking.
        let again = book(
            &store,
            &s,
            "c-3/order:x#1",
            Locale::Ko,
            "2026-11-23T03:00:00Z",
        )
        .await;
        assert_eq!(again, third);
    }

    #[tokio::test]
    async fn a_language_no_agent_speaks_leaves_the_call_unassigned_and_at_risk() {
        let store = SqliteStore::in_memory().unwrap();
        let a = book(
            &store,
            &settings(),
            "c-1/order:x#1",
            Locale::Vi,
            "2026-11-25T00:00:00Z",
        )
        .await;
        assert_eq!((a.agent, a.at_risk), (None, true));
    }

    #[tokio::test]
    async fn a_busier_agent_with_a_slot_before_the_deadline_beats_an_idle_one_after_it() {
        let store = SqliteStore::in_memory().unwrap();
        let s = Settings::from_toml(
            r#"
[[agents]]
id = "a-1"
name = "Afternoons"
email = "a@example.com"
languages = ["ko"]
time_zone = "Asia/Seoul"
hours = "14:00-18:00"

[[agents]]
id = "a-2"
name = "Mornings"
email = "b@example.com"
languages = ["ko"]
time_zone = "Asia/Seoul"
hours = "09:00-10:00"
"#,
        )
        .unwrap();
        // Only a-2 works at 09:00 Seoul: it takes the first call.
        let first = book(
            &store,
            &s,
            "c-1/order:x#1",
            Locale::Ko,
            "2026-11-23T00:30:00Z",
        )
        .await;
        assert_eq!(first.agent.as_ref().map(|a| a.as_str()), Some("a-2"));
        // Deadline 10:00 Seoul: a-1 has fewer calls but only from 14:00, so
        // the busier a-2 takes it at 09:15 and the call is not at risk.
        let second = book(
            &store,
            &s,
            "c-2/order:x#1",
            Locale::Ko,
            "2026-11-23T01:00:00Z",
        )
        .await;
        assert_eq!(
            (
                second.agent.as_ref().map(|a| a.as_str()),
                second.slot,
                second.at_risk
            ),
            (Some("a-2"), utc("2026-11-23T00:15:00Z"), false)
        );
    }
}
