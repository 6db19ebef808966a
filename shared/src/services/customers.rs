//! What customers do from their emails: answer a survey, change the
//! answer, unsubscribe; and what feeds the suppression list.

use super::{Aftercare, Ingested, Rejection, ServiceError};
use crate::domain::event::{Event, Score, SurveyAnswered};
use crate::domain::feedback::MailFeedback;
use crate::domain::ids::Locale;
use crate::domain::ids::{CustomerId, EmailAddress};
use crate::domain::keys::SurveyKey;
use crate::domain::surveys::{answers, check_answer, AnswerRejection};
use crate::domain::token::{LinkSubject, Purpose, TokenError};
use crate::ports::{StoreError, Suppression};
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

/// The customer and survey a verified survey link names.
fn survey_link(subject: LinkSubject) -> Result<(CustomerId, SurveyKey), Rejection> {
    match subject {
        LinkSubject::Survey { customer, survey } => Ok((customer, survey)),
        _ => Err(Rejection::Link(TokenError::Malformed)),
    }
}

/// What the survey page shows for a link (read only: opening a link never
/// records anything).
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyPage {
    pub survey: SurveyKey,
    pub locale: Locale,
    pub business: String,
    /// The customer's name, when the shop gave one.
    pub name: Option<String>,
    /// The recorded answer (latest score and comment), if any.
    pub answer: Option<(u8, Option<String>)>,
    /// Why an answer cannot be recorded now, if it cannot.
    pub closed: Option<AnswerRejection>,
}

/// What the unsubscribe page shows for a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsubscribePage {
    pub locale: Locale,
    pub business: String,
    /// The address, partly masked (`m•••@example.com`): enough for the
    /// customer to recognize, not enough to harvest.
    pub masked_address: Option<String>,
    pub already: bool,
}

/// `minji@example.com` → `m•••@example.com`.
fn mask(address: &EmailAddress) -> String {
    let (local, domain) = address.as_str().split_once('@').unwrap_or(("", ""));
    let first: String = local.chars().take(1).collect();
    format!("{first}\u{2022}\u{2022}\u{2022}@{domain}")
}

/// What forgetting a customer did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forgotten {
    /// Addresses now kept only as digests on the suppression list.
    pub addresses: usize,
    /// Messages to or about them that were waiting, discarded.
    pub messages_discarded: usize,
}

impl Aftercare {
    /// The survey page behind `token`, for a GET: the question's kind, the
    /// customer's language, the answer so far, and whether it is still
    /// open. A bad token is a [`Rejection::Link`].
    pub async fn survey_page(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<SurveyPage, ServiceError> {
        let (customer, survey) = survey_link(self.key.verify_link(token, Purpose::Survey, now)?)?;
        let history = self.store.load(&customer).await?;
        let profile = history.as_ref().and_then(|h| h.latest_profile());
        let decision = history
            .as_ref()
            .and_then(|h| h.facts.surveys.get(&survey).copied());
        let closed = check_answer(
            decision.as_ref(),
            now,
            self.settings.policy.surveys.link_valid,
        )
        .err();
        let answer = history.as_ref().and_then(|h| {
            answers(h, &self.settings.policy)
                .remove(&survey)
                .map(|a| (a.current.value(), a.current_comment))
        });
        Ok(SurveyPage {
            survey,
            locale: profile.map(|p| p.locale).unwrap_or_default(),
            business: self.settings.business.name.clone(),
            name: profile.and_then(|p| p.name.clone()),
            answer,
            closed,
        })
    }

    /// The language of the customer a link of any purpose belongs to, for
    /// pages that refuse a request: `None` when the link cannot be read.
    pub async fn link_locale(&self, token: &str, now: DateTime<Utc>) -> Option<Locale> {
        let link = [Purpose::Survey, Purpose::Unsubscribe]
            .into_iter()
            .find_map(|p| self.key.verify_link(token, p, now).ok())?;
        let history = self.store.load(link.customer()).await.ok()??;
        history.latest_profile().map(|p| p.locale)
    }

    /// Records a score (and comment) given on the survey page behind
    /// `token`. A later answer before the link expires updates the
    /// survey; the KPIs follow. Why it cannot apply is a typed
    /// [`Rejection::Answer`].
    pub async fn record_answer(
        &self,
        token: &str,
        score: i64,
        comment: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<AnswerReceipt, ServiceError> {
        let (customer, survey) = survey_link(self.key.verify_link(token, Purpose::Survey, now)?)?;
        let score = Score::parse(survey.kind(), score)
            .map_err(|e| Rejection::Invalid(format!("score: {}", e.0)))?;
        let comment = comment
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|c| c.chars().take(MAX_COMMENT_CHARS).collect());
        let event = Event::SurveyAnswered(SurveyAnswered {
            survey_for: survey.subject().clone(),
            score,
            comment,
            occurred_at: now,
        });
        // The unit of work checks the answer against the survey as it is
        // committed (one load, no gap between check and write).
        let outcome = self.apply(&customer, &event, now).await?;
        Ok(AnswerReceipt {
            customer,
            survey,
            score: score.value(),
            duplicate: outcome == Ingested::Duplicate,
        })
    }

    /// The unsubscribe page behind `token`, for a GET (changes nothing).
    pub async fn unsubscribe_page(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<UnsubscribePage, ServiceError> {
        let link = self.key.verify_link(token, Purpose::Unsubscribe, now)?;
        let customer = link.customer().clone();
        let history = self.store.load(&customer).await?;
        let profile = history.as_ref().and_then(|h| h.latest_profile());
        let email = profile.and_then(|p| p.email.as_ref());
        let already = match email {
            Some(e) => self.store.is_suppressed(e).await?,
            None => history
                .as_ref()
                .is_some_and(|h| h.facts.unsubscribed_at.is_some()),
        };
        Ok(UnsubscribePage {
            locale: profile.map(|p| p.locale).unwrap_or_default(),
            business: self.settings.business.name.clone(),
            masked_address: email.map(mask),
            already,
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
                let link = self.key.verify_link(token, Purpose::Unsubscribe, now)?;
                let customer = link.customer().clone();
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

    /// Applies a transport's feedback about sent mail: a permanent bounce
    /// or a complaint suppresses every recipient it names (idempotently:
    /// the transport may deliver a notification more than once); anything
    /// else changes nothing. Returns how many addresses it suppressed.
    pub async fn mail_feedback(
        &self,
        feedback: &MailFeedback,
        now: DateTime<Utc>,
    ) -> Result<usize, ServiceError> {
        let Some(reason) = feedback.suppression_reason() else {
            return Ok(0);
        };
        for address in &feedback.recipients {
            self.suppress(address, &reason, now).await?;
        }
        Ok(feedback.recipients.len())
    }

    /// Erases a customer's personal data (SPEC 7's KPIs stay exactly as
    /// they were): every event's names, addresses, numbers, comments and
    /// notes are removed from the history, mail still waiting for or about
    /// them is discarded, and their addresses stay on the suppression list
    /// only as digests, so no survey reaches them again. What remains is
    /// ids, times, scores and outcomes. Forgetting twice changes nothing.
    pub async fn forget(
        &self,
        customer: &CustomerId,
        now: DateTime<Utc>,
    ) -> Result<Forgotten, ServiceError> {
        let Some(before) = self.store.load(customer).await? else {
            return Err(Rejection::Invalid(format!("there is no customer {customer}")).into());
        };
        // The addresses are suppressed as digests before the history lets
        // go of them: a forget cut short is run again with them still
        // there, and the digest is written before the plain entry goes
        // (so an address suppressed for a bounce stays suppressed).
        let mut addresses = before.emails();
        for a in &addresses {
            self.keep_only_its_digest(a, now).await?;
        }
        let mut late = Vec::new();
        self.change(customer, now, |h| {
            // An address an event added since the read above.
            late = h
                .emails()
                .into_iter()
                .filter(|a| !addresses.contains(a))
                .collect();
            h.redact_before(None);
            h.facts.forgotten_at.get_or_insert(now);
            Ok(())
        })
        .await?;
        for a in &late {
            self.keep_only_its_digest(a, now).await?;
        }
        addresses.extend(late);
        // Mail not yet sent to or about them (a sent message keeps no
        // content). A call sheet waiting to go lists many customers: it
        // goes, and keeps nothing once sent.
        let mut discarded = 0;
        let far = now + chrono::Duration::days(3_650);
        let mut waiting: Vec<crate::domain::keys::MessageId> = self
            .store
            .undelivered(far, 10_000)
            .await?
            .into_iter()
            .map(|q| q.message.id)
            .collect();
        waiting.extend(self.store.parked(10_000).await?.into_iter().map(|p| p.id));
        for id in waiting.iter().filter(|id| id.customer() == Some(customer)) {
            if self.store.discard(id).await? {
                discarded += 1;
            }
        }
        Ok(Forgotten {
            addresses: addresses.len(),
            messages_discarded: discarded,
        })
    }

    /// A forgotten address stays on the suppression list as its digest
    /// only: the digest first, so it is never off the list in between.
    async fn keep_only_its_digest(
        &self,
        a: &EmailAddress,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.store
            .suppress(&a.forgotten(), "forgotten", now)
            .await?;
        self.store.unsuppress(a).await.map(drop)
    }

    /// Whether survey mail to `address` is stopped.
    pub async fn is_suppressed(&self, address: &EmailAddress) -> Result<bool, ServiceError> {
        Ok(self.store.is_suppressed(address).await?)
    }

    /// Takes an address off the suppression list (an operator's decision,
    /// e.g. a bounce that was the receiving server's mistake).
    pub async fn unsuppress(&self, address: &EmailAddress) -> Result<bool, ServiceError> {
        Ok(self.store.unsuppress(address).await?)
    }

    /// The suppression list in address order.
    pub async fn suppressions(&self, limit: usize) -> Result<Vec<Suppression>, ServiceError> {
        Ok(self.store.suppressions(limit).await?)
    }
}
