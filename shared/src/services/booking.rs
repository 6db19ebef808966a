//! Assigning call attempts to agents (SPEC 4): only in the agent's working
//! hours and the customer's contact hours, only in a language the agent
//! speaks, never two calls at one time, within the agent's daily capacity.
//! Among agents free on the earliest possible day, the one with the fewest
//! calls that day wins; ties go to the earlier slot, then the agent id.

use crate::config::{Agent, Settings};
use crate::domain::calls::first_slot;
use crate::domain::contact::{local_day, local_to_utc};
use crate::domain::history::Assignment;
use crate::domain::ids::{CustomerId, Locale};
use crate::ports::{BookResult, Booking, Store, StoreError};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use std::collections::{BTreeMap, BTreeSet};

/// How far ahead a slot is searched for before giving up.
const HORIZON_DAYS: i64 = 21;

pub struct CallRequest<'a> {
    pub customer: &'a CustomerId,
    pub call_key: &'a str,
    pub locale: Locale,
    pub tz: Tz,
    pub earliest: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
}

struct AgentPlan<'a> {
    agent: &'a Agent,
    taken: BTreeSet<DateTime<Utc>>,
    per_day: BTreeMap<NaiveDate, u32>,
}

impl AgentPlan<'_> {
    /// The agent's first free slot at or after `from` that also lies in the
    /// customer's contact hours.
    fn first_free(
        &self,
        settings: &Settings,
        tz: Tz,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let slot = Duration::minutes(settings.callbacks.slot_minutes.into());
        let a = self.agent;
        let mut t = from;
        while t < until {
            let c = first_slot(
                &settings.contact_hours,
                tz,
                t,
                settings.callbacks.slot_minutes,
            );
            let s = first_slot(&a.hours, a.time_zone, c, settings.callbacks.slot_minutes);
            if s != c {
                t = s;
                continue;
            }
            // Both grids are local quarter-hours; a customer slot must also fit.
            if !(settings.contact_hours.contains(tz, s)
                && s + slot <= settings.contact_hours.close_of(tz, s))
            {
                t = s + slot;
                continue;
            }
            let day = local_day(a.time_zone, s);
            if self.per_day.get(&day).copied().unwrap_or(0) >= a.capacity {
                let next = day.succ_opt()?;
                t = local_to_utc(a.time_zone, next, NaiveTime::MIN);
                continue;
            }
            if self.taken.contains(&s) {
                t = s + slot;
                continue;
            }
            return Some(s);
        }
        None
    }
}

/// Finds and books a slot for one call attempt. Idempotent per `call_key`.
pub async fn assign(
    store: &dyn Store,
    settings: &Settings,
    req: &CallRequest<'_>,
    now: DateTime<Utc>,
) -> Result<Assignment, StoreError> {
    if let Some(b) = store.booking_for(req.call_key).await? {
        return Ok(Assignment {
            at_risk: b.slot >= req.deadline,
            agent: Some(b.agent),
            slot: b.slot,
        });
    }
    let start = if req.earliest >= now {
        req.earliest
    } else {
        first_slot(
            &settings.contact_hours,
            req.tz,
            now,
            settings.callbacks.slot_minutes,
        )
    };
    let until = start + Duration::days(HORIZON_DAYS);
    let eligible: Vec<&Agent> = settings
        .agents
        .iter()
        .filter(|a| a.languages.contains(&req.locale))
        .collect();
    for _ in 0..8 {
        let mut best: Option<(NaiveDate, u32, DateTime<Utc>, &Agent)> = None;
        for agent in &eligible {
            let booked = store
                .bookings(
                    &agent.id,
                    start - Duration::days(1),
                    until + Duration::days(1),
                )
                .await?;
            let mut plan = AgentPlan {
                agent,
                taken: BTreeSet::new(),
                per_day: BTreeMap::new(),
            };
            for b in booked {
                *plan
                    .per_day
                    .entry(local_day(agent.time_zone, b.slot))
                    .or_insert(0) += 1;
                plan.taken.insert(b.slot);
            }
            let Some(slot) = plan.first_free(settings, req.tz, start, until) else {
                continue;
            };
            let customer_day = local_day(req.tz, slot);
            let load = plan
                .per_day
                .get(&local_day(agent.time_zone, slot))
                .copied()
                .unwrap_or(0);
            let candidate = (customer_day, load, slot, *agent);
            let better = match &best {
                None => true,
                Some((d, l, s, a)) => {
                    (customer_day, load, slot, agent.id.as_str()) < (*d, *l, *s, a.id.as_str())
                }
            };
            if better {
                best = Some(candidate);
            }
        }
        let Some((_, _, slot, agent)) = best else {
            return Ok(Assignment {
                agent: None,
                slot: start,
                at_risk: true,
            });
        };
        let booking = Booking {
            agent: agent.id.clone(),
            slot,
            call_key: req.call_key.to_string(),
            customer: req.customer.clone(),
        };
        match store.book(&booking).await? {
            BookResult::Booked => {
                return Ok(Assignment {
                    agent: Some(agent.id.clone()),
                    slot,
                    at_risk: slot >= req.deadline,
                })
            }
            // Someone else took the slot (or this attempt) meanwhile: look again.
            BookResult::SlotTaken => {
                if let Some(b) = store.booking_for(req.call_key).await? {
                    return Ok(Assignment {
                        at_risk: b.slot >= req.deadline,
                        agent: Some(b.agent),
                        slot: b.slot,
                    });
                }
            }
        }
    }
    Ok(Assignment {
        agent: None,
        slot: start,
        at_risk: true,
    })
}
