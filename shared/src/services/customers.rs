//! What customers do from their emails: answer a survey, change the
//! answer, unsubscribe; and what feeds the suppression list.

use super::{Aftercare, Ingested, Rejection, ServiceError};
use crate::domain::event::{Event, Score, SurveyAnswered};
use crate::domain::ids::{CustomerId, EmailAddress};
use crate::domain::keys::SurveyKey;
use crate::domain::token::Purpose;
use chrono::{DateTime, Utc};

/// The longest comment kept (the rest is cut, as for events).
const MAX_COMMENT_CHARS: usize = 5000;

/// An answer as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerReceipt {
    pub customer: CustomerId,
    pub survey: SurveyKey,
    pub score: u8,
    /// The same answer (same instant) was already recorded.
    pub duplicate: bool,
}

/// Who unsubscribes: the customer behind a link, or an address an
/// operator names.
pub enum UnsubscribeBy<'a> {
    Token(&'a str),
    Address(&'a EmailAddress),
}

/// A survey link's subject: `{customer}\n{survey key}`.
fn survey_link(subject: &str) -> Result<(CustomerId, SurveyKey), Rejection> {
    let bad = || Rejection::Link(crate::domain::token::TokenError::Malformed);
    let (customer, survey) = subject.split_once('\n').ok_or_else(bad)?;
    Ok((
        CustomerId::parse(customer).map_err(|_| bad())?,
        survey.parse().map_err(|_| bad())?,
    ))
}

impl Aftercare {
    /// Records a score (and comment) given on the survey page behind
    /// `token`. A later answer before the link expires updates the
    /// survey; the KPIs follow.
    pub async fn record_answer(
        &self,
        token: &str,
        score: i64,
        comment: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<AnswerReceipt, ServiceError> {
        let claims = self.key.verify(token, Purpose::Survey, now)?;
        let (customer, survey) = survey_link(&claims.subject)?;
        let score = Score::parse(survey.kind(), score)
            .map_err(|e| Rejection::Invalid(format!("score: {}", e.0)))?;
        let comment = comment
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|c| c.chars().take(MAX_COMMENT_CHARS).collect());
        let history = self.store.load(&customer).await?;
        let decision = history
            .as_ref()
            .and_then(|h| h.facts.surveys.get(&survey).copied());
        crate::domain::surveys::check_answer(
            decision.as_ref(),
            now,
            self.settings.policy.surveys.link_valid,
        )
        .map_err(Rejection::Answer)?;
        let event = Event::SurveyAnswered(SurveyAnswered {
            survey_for: survey.subject().clone(),
            score,
            comment,
            occurred_at: now,
        });
        let outcome = self.apply(&customer, &event, now).await?;
        Ok(AnswerReceipt {
            customer,
            survey,
            score: score.value(),
            duplicate: outcome == Ingested::Duplicate,
        })
    }

    /// Unsubscribes: the address gets no survey mail from now on, and a
    /// customer who used their link counts as an unsubscribe on this day.
    /// Doing it again changes nothing.
    pub async fn unsubscribe(
        &self,
        by: UnsubscribeBy<'_>,
        now: DateTime<Utc>,
    ) -> Result<(), ServiceError> {
        match by {
            UnsubscribeBy::Address(address) => self.suppress(address, "unsubscribe", now).await,
            UnsubscribeBy::Token(token) => {
                let claims = self.key.verify(token, Purpose::Unsubscribe, now)?;
                let customer = CustomerId::parse(&claims.subject)
                    .map_err(|_| Rejection::Link(crate::domain::token::TokenError::Malformed))?;
                let history = self.store.load(&customer).await?;
                if let Some(email) = history
                    .as_ref()
                    .and_then(|h| h.latest_profile())
                    .and_then(|p| p.email.clone())
                {
                    self.suppress(&email, "unsubscribe", now).await?;
                }
                self.change(&customer, now, |h| {
                    h.facts.unsubscribed_at.get_or_insert(now);
                    Ok(())
                })
                .await
            }
        }
    }

    /// Puts an address on the suppression list (a bounce, a complaint, an
    /// unsubscribe): no survey mail reaches it again; sends are counted as
    /// suppressed.
    pub async fn suppress(
        &self,
        address: &EmailAddress,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), ServiceError> {
        Ok(self.store.suppress(address, reason, now).await?)
    }
}
