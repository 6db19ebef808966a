//! The pure heart of aftercare: from a customer's history, derive their
//! surveys, calls, KPI contributions and the work that is due.
//!
//! Because everything is a function of the (deduplicated, time-sorted)
//! history, the order and multiplicity in which events arrive cannot change
//! the result: a duplicate adds nothing, a late event lands in its place.

use super::calls::{self, Call, CallFold, CallState, ReasonFate};
use super::contact::{local_day, start_of_next_local_day};
use super::event::{Event, Outcome, Satisfaction, Score, SurveyKind};
use super::history::{History, SendOutcome};
use super::keys::{AlertKey, CallId, SurveyKey};
use super::kpi::{AgentMetric, Contributions, Metric};
use super::policy::Policy;
use super::recovery::add_recovery;
use super::retention::add_retention;
use super::surveys::{self, Answers, PlannedSurvey};
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;

/// Work the history calls for, due at `at`.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    pub at: DateTime<Utc>,
    pub kind: ActionKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ActionKind {
    /// Decide (send, throttle or suppress) the survey with this key.
    SendSurvey(SurveyKey),
    SendReminder(SurveyKey),
    /// Alert the managers to a low score.
    LowScoreAlert(SurveyKey),
    /// Alert the managers to an unsatisfied reached customer.
    EscalationAlert(CallId),
    /// Book a slot for attempt `attempt` of call number `call` (an index
    /// into [`Derived::calls`]), not before `earliest`.
    Book {
        call: usize,
        attempt: u32,
        earliest: DateTime<Utc>,
        /// 0 the first time; more when its booked slot passed without an
        /// outcome and it is booked again.
        round: u32,
    },
    /// Reject the outcome with this natural key: it has waited the grace
    /// window for a call that never came (or that an earlier outcome
    /// closed), and counts nothing.
    DropPendingOutcome(String),
    /// Remove the personal data older than the retention period.
    RedactPersonalData,
}

#[derive(Debug, Clone)]
pub struct Derived {
    pub surveys: Vec<PlannedSurvey>,
    pub answers: BTreeMap<SurveyKey, Answers>,
    pub calls: CallFold,
    pub contributions: Contributions,
    /// Pending work, earliest first.
    pub actions: Vec<Action>,
}

impl Derived {
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        self.actions.first().map(|a| a.at)
    }
    pub fn survey(&self, key: &SurveyKey) -> Option<&PlannedSurvey> {
        self.surveys.iter().find(|s| &s.key == key)
    }
    pub fn call(&self, id: &CallId) -> Option<&Call> {
        self.calls.calls.iter().find(|c| &c.id == id)
    }
    /// The customer's open call now (the last call, if still open).
    pub fn open_call(&self) -> Option<&Call> {
        self.calls.calls.last().filter(|c| c.is_open())
    }
}

/// A booked attempt with no outcome this long after its slot is booked
/// again (the agent may call a little late; not a whole day late).
pub const REBOOK_AFTER_HOURS: i64 = 2;
/// At most this many re-bookings of one attempt: after a week of missed
/// slots the call stays open, at risk, in the managers' lists.
pub const MAX_REBOOKINGS: u32 = 6;

pub fn derive(history: &History, policy: &Policy) -> Derived {
    let surveys = surveys::plan(history, policy);
    let answers = surveys::answers(history, policy);
    let reasons = calls::reasons(history, &answers, policy);
    let calls = calls::fold(history, reasons, policy);
    let contributions = contributions(history, &surveys, &answers, &calls, policy);
    let actions = actions(history, &surveys, &answers, &calls, policy);
    Derived {
        surveys,
        answers,
        calls,
        contributions,
        actions,
    }
}

fn actions(
    history: &History,
    surveys: &[PlannedSurvey],
    answers: &BTreeMap<SurveyKey, Answers>,
    fold: &CallFold,
    policy: &Policy,
) -> Vec<Action> {
    let facts = &history.facts;
    let mut out = Vec::new();
    for s in surveys {
        match facts.surveys.get(&s.key) {
            None => out.push(Action {
                at: s.due_at,
                kind: ActionKind::SendSurvey(s.key.clone()),
            }),
            Some(d)
                if d.outcome == SendOutcome::Sent
                    && !answers.contains_key(&s.key)
                    && !facts.reminders.contains_key(&s.key) =>
            {
                let at = surveys::out_of_quiet_time(
                    &policy.contact_hours,
                    s.tz,
                    d.at + policy.surveys.reminder_after,
                );
                if at <= d.at + policy.surveys.link_valid {
                    out.push(Action {
                        at,
                        kind: ActionKind::SendReminder(s.key.clone()),
                    });
                }
            }
            Some(_) => {}
        }
    }
    for (i, call) in fold.calls.iter().enumerate() {
        if let CallState::Reached {
            at,
            satisfaction: Satisfaction::Unsatisfied,
        } = call.state
        {
            if !facts
                .alerts
                .contains_key(&AlertKey::Escalation(call.id.clone()))
            {
                out.push(Action {
                    at,
                    kind: ActionKind::EscalationAlert(call.id.clone()),
                });
            }
        }
        if let Some((n, earliest)) = call.next_attempt(policy) {
            match facts.booking_of(&call.attempt_key(n)) {
                None => {
                    let at = call
                        .attempts
                        .last()
                        .map(|a| a.at)
                        .unwrap_or(call.created_at);
                    out.push(Action {
                        at,
                        kind: ActionKind::Book {
                            call: i,
                            attempt: n,
                            earliest,
                            round: 0,
                        },
                    });
                }
                // A merged low score made the deadline earlier than the one
                // this booking was judged for, and the slot is after it:
                // booked again at once, as early as the priority call may
                // be, and judged again (at risk or not) for the new deadline.
                Some(booked)
                    if booked.round < MAX_REBOOKINGS
                        && booked.slot > call.deadline
                        && booked.judged_for.is_some_and(|d| call.deadline < d) =>
                {
                    let merged_at = call
                        .reasons
                        .iter()
                        .map(|r| r.at)
                        .max()
                        .unwrap_or(call.created_at);
                    out.push(Action {
                        at: merged_at,
                        kind: ActionKind::Book {
                            call: i,
                            attempt: n,
                            earliest,
                            round: booked.round + 1,
                        },
                    });
                }
                // The slot passed with no outcome: the call is still open,
                // so it must be on some sheet. Booked again from the
                // customer's next day (today's sheet has gone out).
                Some(booked) if booked.round < MAX_REBOOKINGS => {
                    let at = booked.slot + Duration::hours(REBOOK_AFTER_HOURS);
                    let tz = call.tz();
                    out.push(Action {
                        at,
                        kind: ActionKind::Book {
                            call: i,
                            attempt: n,
                            earliest: calls::first_slot(
                                &policy.contact_hours,
                                tz,
                                start_of_next_local_day(tz, at),
                                policy.callbacks.slot_minutes,
                            ),
                            round: booked.round + 1,
                        },
                    });
                }
                Some(_) => {}
            }
        }
    }
    // After the bookings: a low score's priority call is booked before
    // its alert goes out, so the alert can name the agent and the slot.
    for (key, a) in answers {
        if let Some(at) = a.became_low_at {
            if !facts.alerts.contains_key(&AlertKey::LowScore(key.clone())) {
                out.push(Action {
                    at,
                    kind: ActionKind::LowScoreAlert(key.clone()),
                });
            }
        }
    }
    for key in &fold.orphan_outcomes {
        let at = history
            .events
            .iter()
            .find(|e| &e.natural_key() == key)
            .map(Event::occurred_at);
        if let Some(at) = at {
            out.push(Action {
                at: at + policy.callbacks.outcome_grace,
                kind: ActionKind::DropPendingOutcome(key.clone()),
            });
        }
    }
    if let Some(oldest) = history.oldest_personal_data() {
        out.push(Action {
            at: oldest + policy.retention,
            kind: ActionKind::RedactPersonalData,
        });
    }
    out.sort_by_key(|a| a.at);
    out
}

fn contributions(
    history: &History,
    surveys: &[PlannedSurvey],
    answers: &BTreeMap<SurveyKey, Answers>,
    fold: &CallFold,
    policy: &Policy,
) -> Contributions {
    let tz = policy.report_time_zone;
    let day = |t: DateTime<Utc>| local_day(tz, t);
    let mut c = Contributions::default();

    // Purchases: a customer is a repeat customer on a day when one of that
    // day's orders has an earlier order (any day).
    let orders: Vec<DateTime<Utc>> = history
        .events
        .iter()
        .filter(|e| matches!(e, Event::PurchaseCompleted(_)))
        .map(Event::occurred_at)
        .collect();
    let mut by_day: BTreeMap<_, Vec<DateTime<Utc>>> = BTreeMap::new();
    for t in &orders {
        by_day.entry(day(*t)).or_default().push(*t);
    }
    let first_order = orders.iter().min();
    for (d, times) in &by_day {
        c.add(*d, Metric::Purchases, times.len() as i64);
        c.add(*d, Metric::PurchaseCustomers, 1);
        if times.iter().any(|t| first_order.is_some_and(|f| f < t)) {
            c.add(*d, Metric::RepeatCustomers, 1);
        }
    }

    // Tickets.
    let mut opened_at: BTreeMap<&str, DateTime<Utc>> = BTreeMap::new();
    let mut closes: BTreeMap<&str, Vec<&super::event::TicketClosed>> = BTreeMap::new();
    for e in &history.events {
        match e {
            Event::TicketOpened(o) => {
                opened_at
                    .entry(o.ticket_id.as_str())
                    .or_insert(o.occurred_at);
            }
            Event::TicketClosed(cl) => closes.entry(cl.ticket_id.as_str()).or_default().push(cl),
            _ => {}
        }
    }
    for (ticket, list) in &closes {
        opened_at.entry(ticket).or_insert(list[0].opened_at);
    }
    for (ticket, open) in &opened_at {
        let open_day = day(*open);
        c.add(open_day, Metric::TicketsOpened, 1);
        c.add(open_day, Metric::BacklogDelta, 1);
        let Some(list) = closes.get(ticket) else {
            continue;
        };
        let first = list[0];
        let d = day(first.occurred_at);
        c.add(d.max(open_day), Metric::BacklogDelta, -1);
        c.add(d, Metric::TicketsClosed, 1);
        c.add(
            d,
            Metric::ResolutionMicros,
            micros(first.occurred_at - first.opened_at),
        );
        if first.resolved {
            c.add(d, Metric::TicketsResolved, 1);
            if first.customer_contacts <= 1 {
                c.add(d, Metric::ResolvedFirstContact, 1);
            }
        }
        if let Some(fr) = first.first_response_at {
            c.add(d, Metric::FirstResponses, 1);
            c.add(d, Metric::FirstResponseMicros, micros(fr - first.opened_at));
        }
        for later in &list[1..] {
            c.add(day(later.occurred_at), Metric::TicketsReopened, 1);
        }
    }

    // Callbacks.
    for (reason, fate) in &fold.fates {
        let d = day(reason.at);
        match fate {
            ReasonFate::Scheduled(n) => {
                c.add(d, Metric::CallsScheduled, 1);
                let call = &fold.calls[*n];
                if history
                    .facts
                    .assignments
                    .get(&call.attempt_key(1))
                    .is_some_and(|a| a.at_risk)
                {
                    c.add(d, Metric::CallsAtRisk, 1);
                }
            }
            ReasonFate::Merged => c.add(d, Metric::CallsMerged, 1),
            ReasonFate::Skipped => c.add(d, Metric::CallsSkipped, 1),
        }
    }
    for call in &fold.calls {
        // The agent of attempt n: who the outcome says made it, else who
        // it was booked with.
        let booked = |n: u32| {
            history
                .facts
                .booking_of(&call.attempt_key(n))
                .and_then(|b| b.agent.as_ref())
        };
        let mut last_agent = booked(1);
        for (i, a) in call.attempts.iter().enumerate() {
            let n = u32::try_from(i).unwrap_or(u32::MAX - 1) + 1;
            let agent = a.agent.as_ref().or_else(|| booked(n));
            last_agent = agent;
            let d = day(a.at);
            c.add(d, Metric::CallAttempts, 1);
            c.add_agent(d, AgentMetric::Calls, agent, 1);
            if let (Outcome::Reached, CallState::Reached { satisfaction, .. }) =
                (a.outcome, &call.state)
            {
                c.add_agent(d, AgentMetric::Reached, agent, 1);
                if *satisfaction == Satisfaction::Satisfied {
                    c.add_agent(d, AgentMetric::Satisfied, agent, 1);
                }
            }
        }
        if call.is_open() {
            last_agent = booked(call.next_attempt_number());
        }
        if let CallState::Reached { at, satisfaction } = call.state {
            let d = day(at);
            c.add(d, Metric::CallsReached, 1);
            let bucket = match satisfaction {
                Satisfaction::Satisfied => Metric::CallsSatisfied,
                Satisfaction::Neutral => Metric::CallsNeutral,
                Satisfaction::Unsatisfied => Metric::CallsUnsatisfied,
            };
            c.add(d, bucket, 1);
            if satisfaction == Satisfaction::Unsatisfied {
                c.add(d, Metric::EscalationsOpened, 1);
                c.add(d, Metric::EscalationsOpenDelta, 1);
                if let Some(resolved) = history.facts.escalations_resolved.get(&call.id) {
                    c.add(day(resolved.at).max(d), Metric::EscalationsOpenDelta, -1);
                }
            }
        }
        let due_day = day(call.deadline);
        c.add(due_day, Metric::CallsDue, 1);
        c.add_agent(due_day, AgentMetric::Due, last_agent, 1);
        if call.reached_at().is_some_and(|t| t <= call.deadline) {
            c.add(due_day, Metric::CallsOnTime, 1);
            c.add_agent(due_day, AgentMetric::OnTime, last_agent, 1);
        }
    }

    // Surveys.
    for s in surveys {
        let Some(decision) = history.facts.surveys.get(&s.key) else {
            continue;
        };
        let d = day(decision.at);
        let (sent, throttled, suppressed, answered) = match s.kind() {
            SurveyKind::Csat => (
                Metric::CsatSent,
                Metric::CsatThrottled,
                Metric::CsatSuppressed,
                Metric::CsatAnsweredOfSent,
            ),
            SurveyKind::Nps => (
                Metric::NpsSent,
                Metric::NpsThrottled,
                Metric::NpsSuppressed,
                Metric::NpsAnsweredOfSent,
            ),
        };
        match decision.outcome {
            SendOutcome::Sent => c.add(d, sent, 1),
            SendOutcome::Throttled => c.add(d, throttled, 1),
            SendOutcome::Suppressed => c.add(d, suppressed, 1),
        }
        let Some(a) = answers.get(&s.key) else {
            continue;
        };
        c.add(d, answered, 1);
        let first = day(a.first_at);
        match a.current {
            Score::Csat(score) => {
                c.add(first, Metric::CsatResponses, 1);
                c.add(first, Metric::CsatScoreSum, score.value().into());
                if score.is_satisfied() {
                    c.add(first, Metric::CsatSatisfied, 1);
                }
            }
            Score::Nps(score) => {
                c.add(first, Metric::NpsResponses, 1);
                let bucket = match score.value() {
                    9..=10 => Metric::NpsPromoters,
                    7..=8 => Metric::NpsPassives,
                    _ => Metric::NpsDetractors,
                };
                c.add(first, bucket, 1);
            }
        }
    }
    if let Some(t) = history.facts.unsubscribed_at {
        c.add(day(t), Metric::Unsubscribes, 1);
    }
    add_recovery(&mut c, history, answers, fold, policy);
    add_retention(&mut c, history, policy);
    c
}

/// Durations are summed in microseconds: full precision for RFC 3339 times
/// down to the microsecond, and no overflow for any realistic day.
fn micros(d: chrono::Duration) -> i64 {
    d.num_microseconds().unwrap_or(i64::MAX)
}
