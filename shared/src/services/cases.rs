//! The case of a low answer, for the managers: who the customer is and
//! how to reach them, what they answered, the priority call booked for
//! it (agent, slot, deadline) and the case so far. The low-score alert
//! carries these and links to the case page (`/l/{token}`), which shows
//! the same as an escalation's page does, read-only: the priority call is
//! the agents' to make.

use super::{Aftercare, Rejection, ServiceError};
use crate::domain::case::case_history;
pub use crate::domain::case::{LowScoreCase, PriorityCall};
use crate::domain::derive::{derive, Derived};
use crate::domain::history::History;
use crate::domain::ids::CustomerId;
use crate::domain::keys::SurveyKey;
use crate::domain::token::{LinkSubject, Purpose};
use chrono::{DateTime, Duration, Utc};

/// How long a low-score alert's case link works (as an escalation's).
pub const CASE_LINK_DAYS: i64 = 90;

impl Aftercare {
    /// The signed link to a low answer's case page.
    pub(super) fn low_score_url(
        &self,
        customer: &CustomerId,
        survey: &SurveyKey,
        now: DateTime<Utc>,
    ) -> String {
        let subject = LinkSubject::LowScore {
            customer: customer.clone(),
            survey: survey.clone(),
        };
        let token = self
            .key
            .sign_link(&subject, now + Duration::days(CASE_LINK_DAYS));
        format!("{}/l/{token}", self.settings.business.base_url)
    }

    /// The case of the low answer a case link names (the managers' page).
    pub async fn low_score_case(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<LowScoreCase, ServiceError> {
        let LinkSubject::LowScore { customer, survey } =
            self.key.verify_link(token, Purpose::LowScore, now)?
        else {
            return Err(Rejection::Link(crate::domain::token::TokenError::Malformed).into());
        };
        let h = self
            .store
            .load(&customer)
            .await?
            .ok_or(Rejection::NoSuchCase)?;
        let d = derive(&h, &self.settings.policy);
        self.case_of(&h, &d, &survey).await
    }

    /// The case of `survey`'s answer in this history, if it has one.
    pub(super) async fn case_of(
        &self,
        h: &History,
        d: &Derived,
        survey: &SurveyKey,
    ) -> Result<LowScoreCase, ServiceError> {
        let answer = d.answers.get(survey).ok_or(Rejection::NoSuchCase)?;
        let agents = self.agents().await?;
        let call = d
            .calls
            .calls
            .iter()
            .find(|c| c.is_for_low_score(survey))
            .map(|c| {
                // The latest attempt that has a booking: the next one of an
                // open call, else the one that closed it.
                let booking = (1..=c.next_attempt_number())
                    .rev()
                    .find_map(|n| h.facts.booking_of(&c.attempt_key(n)));
                let agent = booking.and_then(|b| b.agent.as_ref()).map(|id| {
                    agents
                        .iter()
                        .find(|a| &a.id == id)
                        .map_or_else(|| id.to_string(), |a| a.name.clone())
                });
                PriorityCall {
                    agent,
                    slot: booking.map(|b| b.slot),
                    deadline: c.deadline,
                    at_risk: booking.is_some_and(|b| b.at_risk || b.agent.is_none()),
                }
            });
        let profile = h.latest_profile();
        Ok(LowScoreCase {
            locale: self.settings.business.locale,
            time_zone: self.settings.policy.report_time_zone,
            business: self.settings.business.name.clone(),
            customer: h.customer_id.clone(),
            name: profile.and_then(|p| p.name.clone()),
            phone: profile.and_then(|p| p.phone.as_ref().map(|x| x.as_str().to_string())),
            email: profile.and_then(|p| p.email.as_ref().map(|x| x.as_str().to_string())),
            survey: survey.clone(),
            score: answer.current,
            comment: answer.current_comment.clone(),
            answered_at: answer.current_at,
            call,
            history: case_history(h),
        })
    }
}
