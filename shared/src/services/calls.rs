//! What agents and managers do with calls: the day's calls an agent has,
//! recording an attempt's outcome, resolving an escalation.

use super::{Aftercare, Ingested, Rejection, ServiceError};
use crate::domain::calls::{Call, CallState};
use crate::domain::contact::local_to_utc;
use crate::domain::derive::derive;
use crate::domain::event::{CallOutcomeRecorded, Event, Outcome, Satisfaction};
use crate::domain::history::{History, Resolution};
use crate::domain::ids::{CustomerId, Locale};
use crate::domain::keys::{AttemptKey, CallId};
use crate::domain::roster::Agent;
use crate::domain::token::{Purpose, TokenError};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};

/// The longest note kept.
const MAX_NOTE_CHARS: usize = 5000;

/// An attempt an agent is booked to make, as their call sheet shows it.
#[derive(Debug, Clone)]
pub struct ScheduledCall {
    pub slot: DateTime<Utc>,
    pub attempt: AttemptKey,
    pub customer: CustomerId,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub locale: Locale,
    /// The reasons in words (`PRIORITY low:nps:o-1, order:o-1`).
    pub reason: String,
    /// The signed token of the outcome form for this attempt.
    pub outcome_token: String,
}

/// An outcome as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeReceipt {
    pub attempt: AttemptKey,
    pub duplicate: bool,
}

/// Which escalation: the manager's signed link, or its call's id.
pub enum EscalationRef<'a> {
    Token(&'a str),
    Call(&'a CallId),
}

fn malformed() -> Rejection {
    Rejection::Link(TokenError::Malformed)
}

fn describe_reasons(call: &Call) -> String {
    let reasons = call
        .reasons
        .iter()
        .map(|r| r.kind.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    if call.priority() {
        format!("PRIORITY {reasons}")
    } else {
        reasons
    }
}

impl Aftercare {
    async fn history_of(&self, customer: &CustomerId) -> Result<History, ServiceError> {
        self.store
            .load(customer)
            .await?
            .ok_or(ServiceError::Rejected(Rejection::NoSuchCall))
    }

    /// The attempts `agent` is booked for on their local `day` that are
    /// still to be made (the call open and this attempt the next), by slot.
    pub async fn agent_calls(
        &self,
        agent: &Agent,
        day: NaiveDate,
    ) -> Result<Vec<ScheduledCall>, ServiceError> {
        let tz = agent.time_zone;
        let from = local_to_utc(tz, day, NaiveTime::MIN);
        let to = local_to_utc(tz, day.succ_opt().unwrap_or(day), NaiveTime::MIN);
        let mut out = Vec::new();
        for b in self.store.bookings(&agent.id, from, to).await? {
            let Some(h) = self.store.load(&b.customer).await? else {
                continue;
            };
            let d = derive(&h, &self.settings.policy);
            let Some(call) = d.call(&b.attempt.call) else {
                continue;
            };
            if call.state != CallState::Open || call.next_attempt_number() != b.attempt.n {
                continue;
            }
            let profile = h.profile_at(call.created_at);
            // The form stays usable for a week after the later of the slot
            // and the deadline (a late call is better than none).
            let expires = call.deadline.max(b.slot) + Duration::days(7);
            out.push(ScheduledCall {
                slot: b.slot,
                outcome_token: self
                    .key
                    .sign(Purpose::Call, &b.attempt.to_string(), expires),
                attempt: b.attempt.clone(),
                customer: b.customer.clone(),
                name: profile.and_then(|p| p.name.clone()),
                phone: profile.and_then(|p| p.phone.as_ref().map(|x| x.as_str().to_string())),
                locale: call.locale(),
                reason: describe_reasons(call),
            });
        }
        Ok(out)
    }

    /// Records the outcome of the attempt behind an outcome-form token,
    /// with the same effects as a `CallOutcomeRecorded` event: attempts,
    /// retries, escalations, KPIs. The same attempt is never counted twice.
    pub async fn record_outcome(
        &self,
        token: &str,
        outcome: Outcome,
        satisfaction: Option<Satisfaction>,
        notes: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<OutcomeReceipt, ServiceError> {
        let claims = self.key.verify(token, Purpose::Call, now)?;
        let attempt: AttemptKey = claims.subject.parse().map_err(|_| malformed())?;
        if outcome == Outcome::Reached && satisfaction.is_none() {
            return Err(Rejection::Invalid(
                "satisfaction: is required when the customer was reached".into(),
            )
            .into());
        }
        let customer = attempt.call.customer().clone();
        let h = self.history_of(&customer).await?;
        let d = derive(&h, &self.settings.policy);
        let call = d.call(&attempt.call).ok_or(Rejection::NoSuchCall)?;
        if call.next_attempt_number() > attempt.n {
            return Err(Rejection::AttemptRecorded.into());
        }
        if call.state != CallState::Open {
            return Err(Rejection::CallClosed.into());
        }
        let agent = h
            .facts
            .assignments
            .get(&attempt)
            .and_then(|a| a.agent.clone());
        let event = Event::CallOutcomeRecorded(CallOutcomeRecorded {
            customer_id: customer.clone(),
            outcome,
            satisfaction: satisfaction.filter(|_| outcome == Outcome::Reached),
            notes: notes
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(|n| n.chars().take(MAX_NOTE_CHARS).collect()),
            agent_id: agent,
            occurred_at: now,
        });
        let result = self.apply(&customer, &event, now).await?;
        Ok(OutcomeReceipt {
            attempt,
            duplicate: result == Ingested::Duplicate,
        })
    }

    /// A manager closes an escalation: it leaves `escalations_open` from
    /// the end of this day on.
    pub async fn resolve_escalation(
        &self,
        which: EscalationRef<'_>,
        by: &str,
        note: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), ServiceError> {
        let call: CallId = match which {
            EscalationRef::Call(c) => c.clone(),
            EscalationRef::Token(t) => {
                let claims = self.key.verify(t, Purpose::Escalation, now)?;
                claims.subject.parse().map_err(|_| malformed())?
            }
        };
        let by = by.trim();
        if by.is_empty() {
            return Err(Rejection::Invalid("by: who resolved it is required".into()).into());
        }
        let customer = call.customer().clone();
        let h = self.history_of(&customer).await?;
        let d = derive(&h, &self.settings.policy);
        let escalated = d.call(&call).is_some_and(|c| {
            matches!(
                c.state,
                CallState::Reached {
                    satisfaction: Satisfaction::Unsatisfied,
                    ..
                }
            )
        });
        if !escalated {
            return Err(Rejection::NoSuchEscalation.into());
        }
        let resolution = Resolution {
            at: now,
            by: by.chars().take(200).collect(),
            note: note
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(|n| n.chars().take(MAX_NOTE_CHARS).collect()),
        };
        self.change(&customer, now, |h| {
            if h.facts.escalations_resolved.contains_key(&call) {
                return Err(Rejection::AlreadyResolved.into());
            }
            h.facts
                .escalations_resolved
                .insert(call.clone(), resolution.clone());
            Ok(())
        })
        .await
    }
}
