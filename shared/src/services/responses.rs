//! Every answer, exported (`aftercare responses`): one row per survey
//! whose first answer falls in a range of report days, with its current
//! score and comment, who answered, and the call that followed.
//!
//! The rows come from the answers boards of the days asked for (each
//! customer's commit keeps them) and one history read per customer in
//! them: the cost follows the rows returned, not the data kept.

use super::{Aftercare, ServiceError};
use crate::domain::boards::Board;
use crate::domain::derive::{derive, Derived};
use crate::domain::event::{Outcome, Satisfaction, SurveyFor, SurveyKind};
use crate::domain::history::History;
use crate::domain::ids::CustomerId;
use crate::domain::keys::SurveyKey;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// One answered survey. Its `Debug` leaves the comment out: it is the
/// customer's own words.
#[derive(Clone, PartialEq, Serialize)]
pub struct ResponseRow {
    pub survey: SurveyKind,
    pub order_id: Option<String>,
    pub ticket_id: Option<String>,
    /// The current score (the latest answer's).
    pub score: u8,
    pub first_answered_at: DateTime<Utc>,
    pub latest_answered_at: DateTime<Utc>,
    /// The latest answer's comment (none after the retention period).
    pub comment: Option<String>,
    pub customer_id: String,
    /// The survey's language (`en`, `ko`, `vi`, `zh`).
    pub language: String,
    /// The first call attempt at or after the first answer and within the
    /// callback deadline (72 h) of it: who made it (or was booked for it),
    /// when, and how it ended.
    pub call_agent: Option<String>,
    pub call_at: Option<DateTime<Utc>>,
    pub call_outcome: Option<Outcome>,
    pub call_satisfaction: Option<Satisfaction>,
}

impl std::fmt::Debug for ResponseRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseRow")
            .field("survey", &self.survey)
            .field("order_id", &self.order_id)
            .field("ticket_id", &self.ticket_id)
            .field("score", &self.score)
            .field("first_answered_at", &self.first_answered_at)
            .field("customer_id", &self.customer_id)
            .field("comment", &self.comment.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

impl Aftercare {
    /// The surveys first answered on the report days `from..=to`, in the
    /// order of their first answers.
    pub async fn responses(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<ResponseRow>, ServiceError> {
        let mut by_customer: BTreeMap<CustomerId, Vec<SurveyKey>> = BTreeMap::new();
        for day in from.iter_days().take_while(|d| *d <= to) {
            for entry in self.store.board(Board::Answers(day)).await? {
                // An entry is a survey key written by our own commit.
                if let Ok(key) = entry.item.parse::<SurveyKey>() {
                    by_customer.entry(entry.customer).or_default().push(key);
                }
            }
        }
        let mut rows = Vec::new();
        for (customer, keys) in by_customer {
            let Some(history) = self.store.load(&customer).await? else {
                continue;
            };
            let derived = derive(&history, &self.settings.policy);
            let window = self.settings.policy.callbacks.deadline;
            rows.extend(
                keys.iter()
                    .filter_map(|k| row(&history, &derived, k, window)),
            );
        }
        rows.sort_by(|a, b| {
            (a.first_answered_at, &a.customer_id, a.survey).cmp(&(
                b.first_answered_at,
                &b.customer_id,
                b.survey,
            ))
        });
        Ok(rows)
    }
}

fn row(
    history: &History,
    derived: &Derived,
    key: &SurveyKey,
    window: chrono::Duration,
) -> Option<ResponseRow> {
    let answers = derived.answers.get(key)?;
    let (order_id, ticket_id) = match key.subject() {
        SurveyFor::Order(o) => (Some(o.to_string()), None),
        SurveyFor::Ticket(t) => (None, Some(t.to_string())),
    };
    // The first attempt at or after the answer and within the callback
    // deadline of it, on any of the customer's calls (a low score's
    // priority call, or the call already open): a call weeks later is
    // about something else.
    let followed = derived
        .calls
        .calls
        .iter()
        .flat_map(|call| {
            call.attempts.iter().enumerate().map(move |(i, a)| {
                let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
                let booked = || {
                    history
                        .facts
                        .booking_of(&call.attempt_key(n))
                        .and_then(|b| b.agent.clone())
                };
                let satisfaction = match call.state {
                    crate::domain::calls::CallState::Reached { satisfaction, .. }
                        if a.outcome == Outcome::Reached =>
                    {
                        Some(satisfaction)
                    }
                    _ => None,
                };
                (
                    a.at,
                    a.agent.clone().or_else(booked),
                    a.outcome,
                    satisfaction,
                )
            })
        })
        .filter(|(at, ..)| *at >= answers.first_at && *at <= answers.first_at + window)
        .min_by_key(|(at, ..)| *at);
    Some(ResponseRow {
        survey: key.subject().kind(),
        order_id,
        ticket_id,
        score: answers.current.value(),
        first_answered_at: answers.first_at,
        latest_answered_at: answers.current_at,
        comment: answers.current_comment.clone().filter(|c| !c.is_empty()),
        customer_id: history.customer_id.to_string(),
        language: derived
            .survey(key)
            .map(|s| s.locale.code().to_string())
            .unwrap_or_default(),
        call_agent: followed
            .as_ref()
            .and_then(|f| f.1.as_ref().map(|a| a.to_string())),
        call_at: followed.as_ref().map(|f| f.0),
        call_outcome: followed.as_ref().map(|f| f.2),
        call_satisfaction: followed.and_then(|f| f.3),
    })
}
