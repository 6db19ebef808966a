//! Follow-up calls (SPEC 4): reasons to call, the one-open-call rule with
//! merging, missed and unreached calls, attempts and retries.
//!
//! "Open" is judged at the events' own times: reasons and outcomes are
//! folded in `occurred_at` order, whatever order they arrived in.

use super::contact::{round_up_to_slot, start_of_next_local_day, WeeklyHours};
use super::event::{CallOutcomeRecorded, Event, Outcome, Satisfaction};
use super::history::History;
use super::ids::{AgentId, Locale};
use super::keys::{AttemptKey, CallId, ReasonKey, SurveyKey};
use super::policy::Policy;
use super::surveys::Answers;
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use std::collections::{BTreeMap, BTreeSet};

/// A reason to call the customer.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    pub kind: ReasonKey,
    pub at: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    /// The earliest moment a call for this reason may be placed.
    pub earliest: DateTime<Utc>,
    pub has_phone: bool,
    pub locale: Locale,
    pub tz: Tz,
}

impl Reason {
    /// The reason's text key (`order:o-1`): reasons at one instant fold in its order.
    pub fn key(&self) -> String {
        self.kind.to_string()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum CallState {
    Open,
    Reached {
        at: DateTime<Utc>,
        satisfaction: Satisfaction,
    },
    /// Closed without reaching the customer (wrong number, declined, or out of attempts).
    Unreached {
        at: DateTime<Utc>,
    },
    /// Closed because a new reason came after its deadline.
    Missed {
        at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub at: DateTime<Utc>,
    pub outcome: Outcome,
    /// Who made it, when the outcome says so.
    pub agent: Option<AgentId>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub id: CallId,
    pub created_at: DateTime<Utc>,
    pub reasons: Vec<Reason>,
    /// The earliest deadline of its reasons.
    pub deadline: DateTime<Utc>,
    pub earliest: DateTime<Utc>,
    pub state: CallState,
    pub attempts: Vec<Attempt>,
}

impl Call {
    pub fn is_open(&self) -> bool {
        self.state == CallState::Open
    }
    pub fn priority(&self) -> bool {
        self.reasons
            .iter()
            .any(|r| matches!(r.kind, ReasonKey::LowScore(_)))
    }
    pub fn locale(&self) -> Locale {
        self.reasons[0].locale
    }
    pub fn tz(&self) -> Tz {
        self.reasons[0].tz
    }
    pub fn reached_at(&self) -> Option<DateTime<Utc>> {
        match self.state {
            CallState::Reached { at, .. } => Some(at),
            _ => None,
        }
    }
    /// The key under which attempt `n` (1-based) is booked.
    pub fn attempt_key(&self, n: u32) -> AttemptKey {
        self.id.attempt(n)
    }
    /// The number of the attempt to place next.
    pub fn next_attempt_number(&self) -> u32 {
        u32::try_from(self.attempts.len()).unwrap_or(u32::MAX - 1) + 1
    }
    /// Whether this call was opened for a low score of this survey.
    pub fn is_for_low_score(&self, survey: &SurveyKey) -> bool {
        self.reasons
            .iter()
            .any(|r| matches!(&r.kind, ReasonKey::LowScore(s) if s == survey))
    }
    /// The next attempt to place, if the call is still open.
    pub fn next_attempt(&self, policy: &Policy) -> Option<(u32, DateTime<Utc>)> {
        if !self.is_open() {
            return None;
        }
        let n = self.next_attempt_number();
        match self.attempts.last() {
            None => Some((n, self.earliest)),
            Some(last) => Some((
                n,
                first_slot(
                    &policy.contact_hours,
                    self.tz(),
                    last.at + policy.callbacks.retry_after,
                    policy.callbacks.slot_minutes,
                ),
            )),
        }
    }
}

/// The first slot start at or after `t` inside `hours`, on the slot grid,
/// leaving room for a whole slot before the hours end.
pub fn first_slot(
    hours: &WeeklyHours,
    tz: Tz,
    t: DateTime<Utc>,
    slot_minutes: u32,
) -> DateTime<Utc> {
    let slot = Duration::minutes(slot_minutes.into());
    let mut t = t;
    for _ in 0..30 {
        let Some(open) = hours.next_open(tz, t) else {
            return t;
        };
        let start = round_up_to_slot(tz, open, slot_minutes);
        if hours.contains(tz, start) && start + slot <= hours.close_of(tz, start) {
            return start;
        }
        t = hours.close_of(tz, open).max(start);
    }
    t
}

/// Every reason to call in the history, in time order: each purchase, each
/// ticket's first close, and each survey's first low score.
pub fn reasons(
    history: &History,
    answers: &BTreeMap<SurveyKey, Answers>,
    policy: &Policy,
) -> Vec<Reason> {
    let cb = &policy.callbacks;
    let mut out = Vec::new();
    let mut closed = BTreeSet::new();
    for e in &history.events {
        let (kind, customer) = match e {
            Event::PurchaseCompleted(p) => (ReasonKey::Order(p.order_id.clone()), &p.customer),
            Event::TicketClosed(c) if closed.insert(c.ticket_id.clone()) => {
                (ReasonKey::Ticket(c.ticket_id.clone()), &c.customer)
            }
            _ => continue,
        };
        let at = e.occurred_at();
        let tz = policy.zone_or_default(customer.time_zone);
        // The next-day revisit: the customer's next local day, in contact hours.
        let earliest = first_slot(
            &policy.contact_hours,
            tz,
            start_of_next_local_day(tz, at),
            cb.slot_minutes,
        );
        out.push(Reason {
            kind,
            at,
            deadline: at + cb.deadline,
            earliest,
            has_phone: customer.phone.is_some(),
            locale: customer.locale,
            tz,
        });
    }
    for (key, a) in answers {
        let Some(at) = a.became_low_at else { continue };
        let profile = history.profile_at(at);
        let tz = policy.zone_or_default(profile.and_then(|c| c.time_zone));
        out.push(Reason {
            kind: ReasonKey::LowScore(key.clone()),
            at,
            deadline: at + cb.priority_deadline,
            earliest: first_slot(&policy.contact_hours, tz, at, cb.slot_minutes),
            has_phone: profile.is_some_and(|c| c.phone.is_some()),
            locale: profile.map(|c| c.locale).unwrap_or_default(),
            tz,
        });
    }
    out.sort_by_key(|r| (r.at, r.key()));
    out
}

/// What became of each reason, for the KPIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReasonFate {
    /// It created call number `n` (index into [`CallFold::calls`]).
    Scheduled(usize),
    Merged,
    /// No phone: no call.
    Skipped,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallFold {
    pub calls: Vec<Call>,
    /// Each reason with its fate, in time order.
    pub fates: Vec<(Reason, ReasonFate)>,
    /// Outcomes with no open call at their time (natural keys).
    pub orphan_outcomes: Vec<String>,
}

enum Step<'a> {
    Reason(Reason),
    Outcome(&'a CallOutcomeRecorded),
}

/// Folds reasons and outcomes in time order (reasons before outcomes at the
/// same instant, so an outcome can apply to a call created at that instant).
pub fn fold(history: &History, reasons: Vec<Reason>, policy: &Policy) -> CallFold {
    let mut steps: Vec<(DateTime<Utc>, u8, String, Step)> = reasons
        .into_iter()
        .map(|r| (r.at, 0, r.key(), Step::Reason(r)))
        .collect();
    for e in &history.events {
        if let Event::CallOutcomeRecorded(o) = e {
            steps.push((o.occurred_at, 1, e.natural_key(), Step::Outcome(o)));
        }
    }
    steps.sort_by(|a, b| (a.0, a.1, &a.2).cmp(&(b.0, b.1, &b.2)));

    let mut out = CallFold::default();
    let mut open: Option<usize> = None;
    for (_, _, key, step) in steps {
        match step {
            Step::Reason(r) => {
                if !r.has_phone {
                    out.fates.push((r, ReasonFate::Skipped));
                    continue;
                }
                if let Some(i) = open {
                    let call = &mut out.calls[i];
                    if r.at <= call.deadline {
                        call.deadline = call.deadline.min(r.deadline);
                        call.earliest = call.earliest.min(r.earliest.max(r.at));
                        call.reasons.push(r.clone());
                        out.fates.push((r, ReasonFate::Merged));
                        continue;
                    }
                    call.state = CallState::Missed { at: r.at };
                }
                let n = out.calls.len();
                out.calls.push(Call {
                    id: CallId::new(history.customer_id.clone(), r.kind.clone()),
                    created_at: r.at,
                    reasons: vec![r.clone()],
                    deadline: r.deadline,
                    earliest: r.earliest,
                    state: CallState::Open,
                    attempts: Vec::new(),
                });
                out.fates.push((r, ReasonFate::Scheduled(n)));
                open = Some(n);
            }
            Step::Outcome(o) => {
                let Some(i) = open else {
                    out.orphan_outcomes.push(key);
                    continue;
                };
                let call = &mut out.calls[i];
                call.attempts.push(Attempt {
                    at: o.occurred_at,
                    outcome: o.outcome,
                    agent: o.agent_id.clone(),
                });
                let closed = match (o.outcome, o.satisfaction) {
                    (Outcome::Reached, Some(s)) => Some(CallState::Reached {
                        at: o.occurred_at,
                        satisfaction: s,
                    }),
                    (Outcome::Reached, None) => Some(CallState::Reached {
                        at: o.occurred_at,
                        satisfaction: Satisfaction::Neutral,
                    }),
                    (Outcome::WrongNumber | Outcome::Declined, _) => {
                        Some(CallState::Unreached { at: o.occurred_at })
                    }
                    (Outcome::NoAnswer | Outcome::Busy, _)
                        if call.attempts.len() as u32 >= policy.callbacks.max_attempts =>
                    {
                        Some(CallState::Unreached { at: o.occurred_at })
                    }
                    _ => None,
                };
                if let Some(state) = closed {
                    call.state = state;
                    open = None;
                }
            }
        }
    }
    out
}
