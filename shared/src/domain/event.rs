//! Input events (SPEC 3) as validated domain values. Reading them from
//! the wire is [`crate::inbound`]'s job.

use super::ids::{
    AgentId, CsatScore, CustomerId, EmailAddress, InvalidValue, Locale, NpsScore, OrderId,
    PhoneNumber, TicketId,
};
/// What a survey is for and of which kind: identities, kept with the
/// keys (re-exported here, where events carry them).
pub use super::keys::{SurveyFor, SurveyKind};
use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// The customer object carried by events (SPEC 3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    pub id: CustomerId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<EmailAddress>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<PhoneNumber>,
    #[serde(default)]
    pub locale: Locale,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<Tz>,
}

/// A validated survey score; the variant matches the survey kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Score {
    Csat(CsatScore),
    Nps(NpsScore),
}

impl Score {
    pub fn parse(kind: SurveyKind, v: i64) -> Result<Score, InvalidValue> {
        match kind {
            SurveyKind::Csat => CsatScore::new(v).map(Score::Csat),
            SurveyKind::Nps => NpsScore::new(v).map(Score::Nps),
        }
    }
    pub fn value(self) -> u8 {
        match self {
            Score::Csat(s) => s.value(),
            Score::Nps(s) => s.value(),
        }
    }
    /// Low enough to close the loop with a priority call (SPEC 5).
    pub fn is_low(self) -> bool {
        match self {
            Score::Csat(s) => s.is_low(),
            Score::Nps(s) => s.is_low(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Reached,
    NoAnswer,
    Busy,
    WrongNumber,
    Declined,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Satisfaction {
    Satisfied,
    Neutral,
    Unsatisfied,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Purchase {
    pub order_id: OrderId,
    pub occurred_at: DateTime<Utc>,
    pub customer: Customer,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketOpened {
    pub ticket_id: TicketId,
    pub occurred_at: DateTime<Utc>,
    pub customer: Customer,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketClosed {
    pub ticket_id: TicketId,
    /// The close time.
    pub occurred_at: DateTime<Utc>,
    pub customer: Customer,
    pub opened_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    pub resolved: bool,
    pub customer_contacts: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveyAnswered {
    pub survey_for: SurveyFor,
    pub score: Score,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub occurred_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallOutcomeRecorded {
    pub customer_id: CustomerId,
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub satisfaction: Option<Satisfaction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<AgentId>,
    pub occurred_at: DateTime<Utc>,
}

/// A parsed, validated event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Event {
    PurchaseCompleted(Purchase),
    TicketOpened(TicketOpened),
    TicketClosed(TicketClosed),
    SurveyAnswered(SurveyAnswered),
    CallOutcomeRecorded(CallOutcomeRecorded),
}

pub fn time_key(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

impl Event {
    pub fn occurred_at(&self) -> DateTime<Utc> {
        match self {
            Event::PurchaseCompleted(e) => e.occurred_at,
            Event::TicketOpened(e) => e.occurred_at,
            Event::TicketClosed(e) => e.occurred_at,
            Event::SurveyAnswered(e) => e.occurred_at,
            Event::CallOutcomeRecorded(e) => e.occurred_at,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Event::PurchaseCompleted(_) => "PurchaseCompleted",
            Event::TicketOpened(_) => "TicketOpened",
            Event::TicketClosed(_) => "TicketClosed",
            Event::SurveyAnswered(_) => "SurveyAnswered",
            Event::CallOutcomeRecorded(_) => "CallOutcomeRecorded",
        }
    }

    /// The natural key of SPEC 3: two events with one key are one event.
    pub fn natural_key(&self) -> String {
        match self {
            Event::PurchaseCompleted(e) => format!("purchase:{}", e.order_id),
            Event::TicketOpened(e) => format!("ticket-opened:{}", e.ticket_id),
            Event::TicketClosed(e) => {
                format!("ticket-closed:{}@{}", e.ticket_id, time_key(e.occurred_at))
            }
            Event::SurveyAnswered(e) => {
                format!("answer:{}@{}", e.survey_for.key(), time_key(e.occurred_at))
            }
            Event::CallOutcomeRecorded(e) => {
                format!("outcome:{}@{}", e.customer_id, time_key(e.occurred_at))
            }
        }
    }

    /// The customer the event names, when it names one directly.
    pub fn customer_id(&self) -> Option<&CustomerId> {
        self.customer().map(|c| &c.id).or(match self {
            Event::CallOutcomeRecorded(e) => Some(&e.customer_id),
            _ => None,
        })
    }

    /// Whether the event still carries personal data (a name, an address,
    /// a number, a comment, notes).
    pub fn has_personal_data(&self) -> bool {
        let customer = self.customer().is_some_and(|c| {
            c.name.is_some()
                || c.email.as_ref().is_some_and(|e| !e.is_redacted())
                || c.phone
                    .as_ref()
                    .is_some_and(|p| *p != PhoneNumber::redacted())
        });
        customer
            || match self {
                Event::SurveyAnswered(a) => a.comment.is_some(),
                Event::CallOutcomeRecorded(o) => o.notes.is_some(),
                _ => false,
            }
    }

    /// Removes the event's personal data and keeps everything the KPIs and
    /// the calls are derived from: that an address or a number was given
    /// stays (as a placeholder that reaches nobody), with every id, time,
    /// score and outcome.
    pub fn redact(&mut self) {
        let customer = match self {
            Event::PurchaseCompleted(p) => Some(&mut p.customer),
            Event::TicketOpened(t) => Some(&mut t.customer),
            Event::TicketClosed(t) => Some(&mut t.customer),
            Event::SurveyAnswered(a) => {
                a.comment = None;
                None
            }
            Event::CallOutcomeRecorded(o) => {
                o.notes = None;
                None
            }
        };
        if let Some(c) = customer {
            c.name = None;
            if c.email.is_some() {
                c.email = Some(EmailAddress::redacted());
            }
            if c.phone.is_some() {
                c.phone = Some(PhoneNumber::redacted());
            }
        }
    }

    pub fn customer(&self) -> Option<&Customer> {
        match self {
            Event::PurchaseCompleted(e) => Some(&e.customer),
            Event::TicketOpened(e) => Some(&e.customer),
            Event::TicketClosed(e) => Some(&e.customer),
            _ => None,
        }
    }

    /// The order or ticket this event claims for its customer, if any.
    pub fn claimed_subject(&self) -> Option<SurveyFor> {
        match self {
            Event::PurchaseCompleted(e) => Some(SurveyFor::Order(e.order_id.clone())),
            Event::TicketOpened(e) => Some(SurveyFor::Ticket(e.ticket_id.clone())),
            Event::TicketClosed(e) => Some(SurveyFor::Ticket(e.ticket_id.clone())),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_surveys_scale_is_exactly_the_scores_it_accepts() {
        for kind in [SurveyKind::Csat, SurveyKind::Nps] {
            for v in -2..=12_i64 {
                let in_scale = u8::try_from(v).is_ok_and(|v| kind.scale().contains(&v));
                assert_eq!(Score::parse(kind, v).is_ok(), in_scale, "{kind:?} {v}");
            }
        }
    }
}
