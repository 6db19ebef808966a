//! A customer's case as people read it: why a call exists, in facts a
//! page or a sheet can put into words ("order O-1", "ticket T-3, not
//! resolved", "low CSAT 1: …"), and the case's history in time order for
//! the manager who resolves an escalation. Pure: the words themselves are
//! the renderer's (`i18n::words`).

use super::calls::Call;
use super::derive::Derived;
use super::event::{Event, Outcome, Satisfaction, Score, SurveyKind};
use super::history::{History, SendOutcome};
use super::ids::{CustomerId, Locale, OrderId, TicketId};
use super::keys::{CallId, ReasonKey, SurveyKey};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use std::collections::BTreeMap;

/// One reason a call exists, with what a person needs to know about it.
#[derive(Debug, Clone, PartialEq)]
pub enum ReasonDetail {
    Order {
        id: OrderId,
        at: DateTime<Utc>,
    },
    Ticket {
        id: TicketId,
        at: DateTime<Utc>,
        resolved: bool,
    },
    /// A survey answered with a low score (its current score and comment).
    LowScore {
        kind: SurveyKind,
        score: u8,
        comment: Option<String>,
        at: DateTime<Utc>,
    },
}

impl ReasonDetail {
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            ReasonDetail::Order { at, .. }
            | ReasonDetail::Ticket { at, .. }
            | ReasonDetail::LowScore { at, .. } => *at,
        }
    }
}

/// The call's reasons, most urgent first: low scores, then the rest in
/// the order they came.
pub fn reason_details(call: &Call, history: &History, derived: &Derived) -> Vec<ReasonDetail> {
    let mut out: Vec<ReasonDetail> = call
        .reasons
        .iter()
        .map(|r| match &r.kind {
            ReasonKey::Order(id) => ReasonDetail::Order {
                id: id.clone(),
                at: r.at,
            },
            ReasonKey::Ticket(id) => ReasonDetail::Ticket {
                id: id.clone(),
                at: r.at,
                resolved: first_close_resolved(history, id),
            },
            ReasonKey::LowScore(survey) => {
                let answer = derived.answers.get(survey);
                ReasonDetail::LowScore {
                    kind: survey.kind(),
                    score: answer.map_or(0, |a| a.current.value()),
                    comment: answer.and_then(|a| a.current_comment.clone()),
                    at: r.at,
                }
            }
        })
        .collect();
    out.sort_by_key(|d| !matches!(d, ReasonDetail::LowScore { .. }));
    out
}

fn first_close_resolved(history: &History, ticket: &TicketId) -> bool {
    history.events.iter().find_map(|e| match e {
        Event::TicketClosed(c) if &c.ticket_id == ticket => Some(c.resolved),
        _ => None,
    }) == Some(true)
}

/// One thing that happened in a customer's case.
#[derive(Debug, Clone, PartialEq)]
pub enum CaseStep {
    Purchase {
        order: OrderId,
    },
    TicketOpened {
        ticket: TicketId,
    },
    TicketClosed {
        ticket: TicketId,
        resolved: bool,
    },
    SurveySent {
        kind: SurveyKind,
    },
    SurveyAnswered {
        kind: SurveyKind,
        score: u8,
        comment: Option<String>,
    },
    CallAttempt {
        outcome: Outcome,
        satisfaction: Option<Satisfaction>,
        notes: Option<String>,
    },
    EscalationResolved {
        by: String,
        note: Option<String>,
    },
}

/// The customer's case in time order (events and the surveys sent).
pub fn case_history(history: &History) -> Vec<(DateTime<Utc>, CaseStep)> {
    let mut out: Vec<(DateTime<Utc>, CaseStep)> = history
        .events
        .iter()
        .map(|e| {
            let step = match e {
                Event::PurchaseCompleted(p) => CaseStep::Purchase {
                    order: p.order_id.clone(),
                },
                Event::TicketOpened(t) => CaseStep::TicketOpened {
                    ticket: t.ticket_id.clone(),
                },
                Event::TicketClosed(c) => CaseStep::TicketClosed {
                    ticket: c.ticket_id.clone(),
                    resolved: c.resolved,
                },
                Event::SurveyAnswered(a) => CaseStep::SurveyAnswered {
                    kind: a.survey_for.kind(),
                    score: a.score.value(),
                    comment: a.comment.clone(),
                },
                Event::CallOutcomeRecorded(o) => CaseStep::CallAttempt {
                    outcome: o.outcome,
                    satisfaction: o.satisfaction,
                    notes: o.notes.clone(),
                },
            };
            (e.occurred_at(), step)
        })
        .collect();
    for (key, decision) in &history.facts.surveys {
        if decision.outcome == SendOutcome::Sent {
            out.push((decision.at, CaseStep::SurveySent { kind: key.kind() }));
        }
    }
    for r in history.facts.escalations_resolved.values() {
        out.push((
            r.at,
            CaseStep::EscalationResolved {
                by: r.by.clone(),
                note: r.note.clone(),
            },
        ));
    }
    // Stable: at one instant, events keep their order and facts follow.
    out.sort_by_key(|(at, _)| *at);
    out
}

/// The customer's escalations still open (reached and unsatisfied, not
/// resolved), with when each was opened: what the escalation index lists.
pub fn open_escalations(history: &History, derived: &Derived) -> BTreeMap<CallId, DateTime<Utc>> {
    derived
        .calls
        .calls
        .iter()
        .filter_map(|c| match c.state {
            super::calls::CallState::Reached {
                at,
                satisfaction: Satisfaction::Unsatisfied,
            } if !history.facts.escalations_resolved.contains_key(&c.id) => {
                Some((c.id.clone(), at))
            }
            _ => None,
        })
        .collect()
}

/// The priority call of a low answer, as booked.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorityCall {
    /// The agent's name; `None`: no agent could take it (at risk).
    pub agent: Option<String>,
    /// The slot of its latest booked attempt; `None`: not booked yet.
    pub slot: Option<DateTime<Utc>>,
    pub deadline: DateTime<Utc>,
    pub at_risk: bool,
}

/// A low answer's case, as the alert and the case page show it.
#[derive(Clone)]
pub struct LowScoreCase {
    /// The managers' language, and the report time zone.
    pub locale: Locale,
    pub time_zone: Tz,
    pub business: String,
    pub customer: CustomerId,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub survey: SurveyKey,
    pub score: Score,
    pub comment: Option<String>,
    pub answered_at: DateTime<Utc>,
    /// `None`: no call is possible (no phone number).
    pub call: Option<PriorityCall>,
    pub history: Vec<(DateTime<Utc>, CaseStep)>,
}

/// Names, numbers, addresses and comments stay out of logs.
impl std::fmt::Debug for LowScoreCase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LowScoreCase")
            .field("customer", &self.customer)
            .field("survey", &self.survey)
            .field("score", &self.score)
            .field("call", &self.call)
            .finish_non_exhaustive()
    }
}
