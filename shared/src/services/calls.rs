//! What agents do with calls: the day's calls an agent has (their call
//! sheet), the outcome form of one attempt, and recording its outcome.

use super::{Aftercare, Ingested, Rejection, ServiceError};
use crate::domain::calls::{Call, CallState};
use crate::domain::case::{reason_details, ReasonDetail};
use crate::domain::contact::local_to_utc;
use crate::domain::derive::{derive, Derived};
use crate::domain::event::{CallOutcomeRecorded, Event, Outcome, Satisfaction};
use crate::domain::history::History;
use crate::domain::ids::{CustomerId, Locale};
use crate::domain::keys::AttemptKey;
use crate::domain::roster::Agent;
pub use crate::domain::sheet::ScheduledCall;
use crate::domain::token::{LinkSubject, Purpose, TokenError};
use crate::ports::Booking;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;

/// The longest note kept.
pub(super) const MAX_NOTE_CHARS: usize = 5000;

/// Where one attempt stands, as its outcome form shows it.
#[derive(Debug, Clone, PartialEq)]
pub enum AttemptStatus {
    /// The attempt to record now.
    ToRecord,
    /// Its outcome is in; `call` says what became of the call.
    Recorded {
        outcome: Outcome,
        at: DateTime<Utc>,
        call: CallStatus,
    },
    /// The call closed before this attempt was made.
    CallClosed(CallStatus),
}

/// What became of a call.
#[derive(Debug, Clone, PartialEq)]
pub enum CallStatus {
    /// Still open: another attempt, booked for this slot when known.
    Retry {
        slot: Option<DateTime<Utc>>,
    },
    Reached(Satisfaction),
    Unreached,
    /// Closed when a new reason came after its deadline.
    Missed,
}

/// The outcome form of one attempt (SPEC 6, `GET /c/{token}`).
#[derive(Debug, Clone)]
pub struct OutcomePage {
    pub attempt: AttemptKey,
    /// The agent's language and time zone (the business's when the call
    /// has no agent).
    pub locale: Locale,
    pub time_zone: Tz,
    pub business: String,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub customer_locale: Locale,
    pub customer_tz: Tz,
    pub reasons: Vec<ReasonDetail>,
    pub slot: Option<DateTime<Utc>>,
    pub deadline: DateTime<Utc>,
    pub at_risk: bool,
    pub max_attempts: u32,
    pub status: AttemptStatus,
}

/// An outcome as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeReceipt {
    pub attempt: AttemptKey,
    pub duplicate: bool,
}

/// What an agent sent from the outcome form.
#[derive(Debug, Clone, Copy)]
pub struct OutcomeForm<'a> {
    pub outcome: Outcome,
    pub satisfaction: Option<Satisfaction>,
    pub notes: Option<&'a str>,
}

pub(super) fn malformed() -> Rejection {
    Rejection::Link(TokenError::Malformed)
}

/// A note as kept: trimmed, at most [`MAX_NOTE_CHARS`], none when empty.
pub(super) fn kept_note(note: Option<&str>) -> Option<String> {
    note.map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| n.chars().take(MAX_NOTE_CHARS).collect())
}

fn call_status(call: &Call, h: &History) -> CallStatus {
    match call.state {
        CallState::Open => CallStatus::Retry {
            slot: h
                .facts
                .booking_of(&call.attempt_key(call.next_attempt_number()))
                .map(|a| a.slot),
        },
        CallState::Reached { satisfaction, .. } => CallStatus::Reached(satisfaction),
        CallState::Unreached { .. } => CallStatus::Unreached,
        CallState::Missed { .. } => CallStatus::Missed,
    }
}

/// Whether `attempt` is the one to record on `call` now.
fn check_attempt(call: &Call, attempt: &AttemptKey) -> Result<(), Rejection> {
    if call.next_attempt_number() > attempt.n {
        Err(Rejection::AttemptRecorded)
    } else if !call.is_open() {
        Err(Rejection::CallClosed)
    } else {
        Ok(())
    }
}

impl Aftercare {
    pub(super) async fn history_of(&self, customer: &CustomerId) -> Result<History, ServiceError> {
        self.store
            .load(customer)
            .await?
            .ok_or(ServiceError::Rejected(Rejection::NoSuchCall))
    }

    /// The attempt a call-form token names.
    fn attempt_of(&self, token: &str, now: DateTime<Utc>) -> Result<AttemptKey, ServiceError> {
        match self.key.verify_link(token, Purpose::Call, now)? {
            LinkSubject::Call(attempt) => Ok(attempt),
            _ => Err(malformed().into()),
        }
    }

    /// The signed token of an attempt's outcome form. It stays usable for
    /// a week after the later of the slot and the deadline (a late call is
    /// better than none).
    fn outcome_token(
        &self,
        attempt: &AttemptKey,
        slot: DateTime<Utc>,
        deadline: DateTime<Utc>,
    ) -> String {
        let expires = deadline.max(slot) + Duration::days(7);
        self.key
            .sign_link(&LinkSubject::Call(attempt.clone()), expires)
    }

    /// The attempts `agent` is booked for on their local `day` that are
    /// still to be made (the call open and this attempt the next), by slot.
    pub async fn agent_calls(
        &self,
        agent: &Agent,
        day: NaiveDate,
    ) -> Result<Vec<ScheduledCall>, ServiceError> {
        self.agent_calls_where(agent, day, |_| true).await
    }

    /// [`Aftercare::agent_calls`] among the bookings `wanted` keeps, read
    /// before any customer's history is (a sheet update wants only what no
    /// sheet listed yet, and so reads only those histories).
    pub(super) async fn agent_calls_where(
        &self,
        agent: &Agent,
        day: NaiveDate,
        wanted: impl Fn(&Booking) -> bool,
    ) -> Result<Vec<ScheduledCall>, ServiceError> {
        let tz = agent.time_zone;
        let from = local_to_utc(tz, day, NaiveTime::MIN);
        let to = local_to_utc(tz, day.succ_opt().unwrap_or(day), NaiveTime::MIN);
        let mut out = Vec::new();
        for b in self.store.bookings(&agent.id, from, to).await? {
            if !wanted(&b) {
                continue;
            }
            let Some(h) = self.store.load(&b.customer).await? else {
                continue;
            };
            let d = derive(&h, &self.settings.policy);
            let Some(call) = d.call(&b.attempt.call) else {
                continue;
            };
            // Only the attempt to make now, in its current booking (a
            // re-booked attempt's earlier slot is not on a later sheet).
            let current = h.facts.booking_of(&b.attempt);
            if check_attempt(call, &b.attempt).is_err() || current.map(|a| a.round) != Some(b.round)
            {
                continue;
            }
            let profile = h.profile_at(call.created_at);
            let flagged = current.is_some_and(|a| a.at_risk);
            out.push(ScheduledCall {
                slot: b.slot,
                outcome_token: self.outcome_token(&b.attempt, b.slot, call.deadline),
                attempt: b.attempt.clone(),
                round: b.round,
                customer: b.customer.clone(),
                name: profile.and_then(|p| p.name.clone()),
                phone: profile.and_then(|p| p.phone.as_ref().map(|x| x.as_str().to_string())),
                locale: call.locale(),
                customer_tz: call.tz(),
                reasons: reason_details(call, &h, &d),
                deadline: call.deadline,
                at_risk: flagged || b.slot >= call.deadline,
            });
        }
        Ok(out)
    }

    /// The outcome form behind a token: the call's customer, reasons and
    /// deadline, and whether this attempt can still be recorded.
    pub async fn outcome_page(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<OutcomePage, ServiceError> {
        let attempt = self.attempt_of(token, now)?;
        let h = self.history_of(attempt.call.customer()).await?;
        let d = derive(&h, &self.settings.policy);
        let agents = self.agents().await?;
        Ok(self.outcome_page_of(attempt, &h, &d, &agents)?)
    }

    fn outcome_page_of(
        &self,
        attempt: AttemptKey,
        h: &History,
        d: &Derived,
        agents: &[Agent],
    ) -> Result<OutcomePage, Rejection> {
        let call = d.call(&attempt.call).ok_or(Rejection::NoSuchCall)?;
        let assignment = h.facts.booking_of(&attempt);
        let agent = assignment
            .and_then(|a| a.agent.as_ref())
            .and_then(|id| agents.iter().find(|a| &a.id == id));
        let status = match check_attempt(call, &attempt) {
            Ok(()) => AttemptStatus::ToRecord,
            Err(Rejection::AttemptRecorded) => {
                let index = usize::try_from(attempt.n - 1).unwrap_or(usize::MAX);
                match call.attempts.get(index) {
                    Some(a) => AttemptStatus::Recorded {
                        outcome: a.outcome,
                        at: a.at,
                        call: call_status(call, h),
                    },
                    // Closed (missed) before this attempt was made.
                    None => AttemptStatus::CallClosed(call_status(call, h)),
                }
            }
            Err(_) => AttemptStatus::CallClosed(call_status(call, h)),
        };
        let profile = h.profile_at(call.created_at);
        Ok(OutcomePage {
            locale: agent
                .and_then(|a| a.languages.first().copied())
                .unwrap_or(self.settings.business.locale),
            time_zone: agent.map_or(self.settings.policy.report_time_zone, |a| a.time_zone),
            business: self.settings.business.name.clone(),
            name: profile.and_then(|p| p.name.clone()),
            phone: profile.and_then(|p| p.phone.as_ref().map(|x| x.as_str().to_string())),
            customer_locale: call.locale(),
            customer_tz: call.tz(),
            reasons: reason_details(call, h, d),
            slot: assignment.map(|a| a.slot),
            deadline: call.deadline,
            at_risk: assignment.is_some_and(|a| a.at_risk || a.slot >= call.deadline),
            max_attempts: self.settings.policy.callbacks.max_attempts,
            status,
            attempt,
        })
    }

    /// Records the outcome of the attempt behind an outcome-form token,
    /// with the same effects as a `CallOutcomeRecorded` event: attempts,
    /// retries, escalations, KPIs. The check that this attempt is still
    /// the one to record holds in the same unit of work, so a second POST
    /// (or two at once) never counts twice.
    pub async fn record_outcome(
        &self,
        token: &str,
        form: OutcomeForm<'_>,
        now: DateTime<Utc>,
    ) -> Result<OutcomeReceipt, ServiceError> {
        let attempt = self.attempt_of(token, now)?;
        if form.outcome == Outcome::Reached && form.satisfaction.is_none() {
            return Err(Rejection::Invalid(
                "satisfaction: is required when the customer was reached".into(),
            )
            .into());
        }
        let customer = attempt.call.customer().clone();
        let h = self.history_of(&customer).await?;
        let agent = h.facts.booking_of(&attempt).and_then(|a| a.agent.clone());
        let event = Event::CallOutcomeRecorded(CallOutcomeRecorded {
            customer_id: customer.clone(),
            outcome: form.outcome,
            satisfaction: form
                .satisfaction
                .filter(|_| form.outcome == Outcome::Reached),
            notes: kept_note(form.notes),
            agent_id: agent,
            occurred_at: now,
        });
        let policy = &self.settings.policy;
        let result = self
            .apply_if(&customer, &event, now, |fresh| {
                let d = derive(fresh, policy);
                let call = d.call(&attempt.call).ok_or(Rejection::NoSuchCall)?;
                Ok(check_attempt(call, &attempt)?)
            })
            .await?;
        Ok(OutcomeReceipt {
            attempt,
            duplicate: result == Ingested::Duplicate,
        })
    }
}
