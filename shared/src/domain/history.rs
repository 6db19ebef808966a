//! A customer's history: the events accepted for them and the facts the
//! system itself produced (a survey decided, a reminder sent, a call slot
//! booked). Everything else — calls, surveys, KPI contributions, due work —
//! is derived from it by [`crate::domain::derive`].

use super::event::{Customer, Event};
use super::ids::{AgentId, CustomerId};
use super::keys::{AlertKey, AttemptKey, CallId, SurveyKey};
use super::kpi::Contributions;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct History {
    pub customer_id: CustomerId,
    /// Optimistic-concurrency version: 0 for a customer never stored.
    pub version: u64,
    /// Accepted events, sorted by (`occurred_at`, natural key).
    pub events: Vec<Event>,
    #[serde(default)]
    pub facts: Facts,
    /// The KPI contributions already applied to the shared counters.
    #[serde(default)]
    pub applied: Contributions,
    /// The open escalations already listed in the store's escalation
    /// index (call → opened at): the index moves by the difference, like
    /// the counters.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub listed_escalations: BTreeMap<CallId, DateTime<Utc>>,
    /// The entries this customer has on the managers' boards (what the
    /// last commit wrote).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub listed: Vec<super::listing::Listing>,
    /// When this customer next has due work, as the last commit stored it
    /// (so a settle can tell it changed nothing, not even that).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_due: Option<DateTime<Utc>>,
    /// The natural keys of survey answers dropped because a later one
    /// superseded them (see [`History::insert`]): still duplicates if
    /// they come again.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub superseded: BTreeSet<String>,
}

/// What the system did, with when it did it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Facts {
    /// Survey key → what happened when it came due.
    #[serde(default)]
    pub surveys: BTreeMap<SurveyKey, SurveyDecision>,
    /// Survey key → when its reminder went out.
    #[serde(default)]
    pub reminders: BTreeMap<SurveyKey, DateTime<Utc>>,
    /// Alert → when the managers were alerted.
    #[serde(default)]
    pub alerts: BTreeMap<AlertKey, DateTime<Utc>>,
    /// Call attempt → the slot booked for it.
    #[serde(default)]
    pub assignments: BTreeMap<AttemptKey, Assignment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsubscribed_at: Option<DateTime<Utc>>,
    /// Call attempt → its latest booking after its first slot passed with
    /// no outcome (`assignments` keeps the first, which the KPIs judge).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rebookings: BTreeMap<AttemptKey, Assignment>,
    /// Escalated call → how a manager resolved it.
    #[serde(default)]
    pub escalations_resolved: BTreeMap<CallId, Resolution>,
    /// Escalated call → the manager who took it (the latest to take it).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub escalations_taken: BTreeMap<CallId, Taken>,
    /// When the customer asked to be forgotten: their personal data was
    /// erased then, and no survey goes to them after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forgotten_at: Option<DateTime<Utc>>,
}

/// A manager closing an escalation.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    pub at: DateTime<Utc>,
    /// Who resolved it, as they gave it (personal data: never logged).
    pub by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A manager taking an escalation: it is theirs to resolve.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Taken {
    pub at: DateTime<Utc>,
    /// Who took it, as they gave it (personal data: never logged).
    pub by: String,
}

impl std::fmt::Debug for Taken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Taken({}, <redacted>)", self.at)
    }
}

impl std::fmt::Debug for Resolution {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Resolution({}, <redacted>)", self.at)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SendOutcome {
    Sent,
    Throttled,
    Suppressed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyDecision {
    pub at: DateTime<Utc>,
    pub outcome: SendOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    /// `None`: no agent speaks the customer's language.
    pub agent: Option<AgentId>,
    pub slot: DateTime<Utc>,
    /// No slot could be found before the call's deadline.
    pub at_risk: bool,
    /// 0 for the first booking, then one more each time it is booked again.
    #[serde(default)]
    pub round: u32,
    /// The call's deadline when this booking was judged (`None` in
    /// bookings stored before it was kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub judged_for: Option<DateTime<Utc>>,
}

impl Facts {
    /// The attempt's current booking: its latest re-booking, else its first.
    pub fn booking_of(&self, attempt: &AttemptKey) -> Option<&Assignment> {
        self.rebookings
            .get(attempt)
            .or_else(|| self.assignments.get(attempt))
    }
}

impl History {
    pub fn new(customer_id: CustomerId) -> History {
        History {
            customer_id,
            version: 0,
            events: Vec::new(),
            facts: Facts::default(),
            applied: Contributions::default(),
            listed_escalations: BTreeMap::new(),
            listed: Vec::new(),
            next_due: None,
            superseded: BTreeSet::new(),
        }
    }

    pub fn contains(&self, natural_key: &str) -> bool {
        self.superseded.contains(natural_key)
            || self.events.iter().any(|e| e.natural_key() == natural_key)
    }

    /// Adds an event in time order; returns false (and changes nothing) when
    /// an event with the same natural key is already there.
    pub fn insert(&mut self, event: Event) -> bool {
        let key = event.natural_key();
        if self.contains(&key) {
            return false;
        }
        let at = event.occurred_at();
        let answered = match &event {
            Event::SurveyAnswered(a) => Some(a.survey_for.key()),
            _ => None,
        };
        let pos = self
            .events
            .partition_point(|e| (e.occurred_at(), e.natural_key()) <= (at, key.clone()));
        self.events.insert(pos, event);
        if let Some(survey) = answered {
            self.drop_superseded_answers(&survey);
        }
        true
    }

    /// Of a survey's answers, what anything reads is the first (its day
    /// and its response), the first low one (the alert, the priority
    /// call, recovery) and the latest (the current score and comment):
    /// the others are dropped, their keys kept as seen. A customer who
    /// edits an answer two hundred times keeps three.
    fn drop_superseded_answers(&mut self, survey: &SurveyKey) {
        let answers: Vec<(usize, bool)> = self
            .events
            .iter()
            .enumerate()
            .filter_map(|(i, e)| match e {
                Event::SurveyAnswered(a) if &a.survey_for.key() == survey => {
                    Some((i, a.score.is_low()))
                }
                _ => None,
            })
            .collect();
        if answers.len() <= 3 {
            return;
        }
        let first_low = answers.iter().find(|(_, low)| *low).map(|(i, _)| *i);
        let keep = [answers[0].0, answers[answers.len() - 1].0];
        let drop: BTreeSet<usize> = answers
            .iter()
            .map(|(i, _)| *i)
            .filter(|i| !keep.contains(i) && Some(*i) != first_low)
            .collect();
        for i in drop.iter().rev() {
            let gone = self.events.remove(*i);
            self.superseded.insert(gone.natural_key());
        }
    }

    /// The customer as last described at or before `t` (or, failing that,
    /// the first description at all).
    pub fn profile_at(&self, t: DateTime<Utc>) -> Option<&Customer> {
        let mut best = None;
        for e in &self.events {
            if let Some(c) = e.customer() {
                if e.occurred_at() <= t || best.is_none() {
                    best = Some(c);
                } else {
                    break;
                }
            }
        }
        best
    }

    /// The latest description of the customer.
    pub fn latest_profile(&self) -> Option<&Customer> {
        self.events.iter().rev().find_map(Event::customer)
    }

    /// When the oldest personal data still held was given (an event's
    /// time, or a resolution's).
    pub fn oldest_personal_data(&self) -> Option<DateTime<Utc>> {
        let events = self
            .events
            .iter()
            .filter(|e| e.has_personal_data())
            .map(Event::occurred_at)
            .min();
        let notes = self
            .facts
            .escalations_resolved
            .values()
            .filter(|r| !r.by.is_empty() || r.note.is_some())
            .map(|r| r.at)
            .min();
        let takers = self
            .facts
            .escalations_taken
            .values()
            .filter(|t| !t.by.is_empty())
            .map(|t| t.at)
            .min();
        events.into_iter().chain(notes).chain(takers).min()
    }

    /// Removes the personal data given at or before `before` (every
    /// event's and resolution's; all of it with `None`), keeping what the
    /// KPIs and calls derive from ([`Event::redact`]).
    pub fn redact_before(&mut self, before: Option<DateTime<Utc>>) {
        let old = |t: DateTime<Utc>| before.is_none_or(|b| t <= b);
        for e in self.events.iter_mut().filter(|e| old(e.occurred_at())) {
            e.redact();
        }
        for r in self.facts.escalations_resolved.values_mut() {
            if old(r.at) {
                r.by.clear();
                r.note = None;
            }
        }
        for t in self.facts.escalations_taken.values_mut() {
            if old(t.at) {
                t.by.clear();
            }
        }
    }

    /// Every email address the events give for the customer.
    pub fn emails(&self) -> Vec<super::ids::EmailAddress> {
        let mut out: Vec<super::ids::EmailAddress> = Vec::new();
        for e in &self.events {
            if let Some(a) = e.customer().and_then(|c| c.email.as_ref()) {
                if !a.is_redacted() && !out.iter().any(|o| o.normalized() == a.normalized()) {
                    out.push(a.clone());
                }
            }
        }
        out
    }
}
