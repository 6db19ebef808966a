//! The care service: one customer's unit of work. Load the history, change
//! it (an event, due work, a web answer), derive, apply only the difference
//! to the counters, commit guarded by the customer's version, then deliver
//! the mail the commit queued.

use super::booking::{self, CallRequest};
use crate::config::Settings;
use crate::domain::derive::{derive, ActionKind, Derived};
use crate::domain::event::{Event, SurveyFor};
use crate::domain::history::{History, SendOutcome, SurveyDecision};
use crate::domain::ids::{CustomerId, EmailAddress};
use crate::domain::surveys::{self, check_answer};
use crate::domain::token::TokenKey;
use crate::mail::render::{self, LowScore, SurveyMail};
use crate::ports::{Commit, Mailer, Message, Store, StoreError};
use chrono::{DateTime, Utc};

/// How often a unit of work is retried after losing a race.
const MAX_RETRIES: usize = 16;
/// A bound on actions run in one unit of work (a safety net, never reached
/// by a healthy history).
const MAX_ACTIONS: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ingested {
    Accepted,
    Duplicate,
}

#[derive(Debug, thiserror::Error)]
pub enum CareError {
    /// The event is well-formed but cannot apply; it is kept for inspection.
    #[error("{0}")]
    Rejected(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("customer {0}: gave up after {MAX_RETRIES} concurrent changes")]
    Contended(String),
}

pub struct Care<'a> {
    pub store: &'a dyn Store,
    pub mailer: &'a dyn Mailer,
    pub settings: &'a Settings,
    pub key: &'a TokenKey,
}

impl Care<'_> {
    /// Applies one event exactly once. Duplicates (by natural key) change nothing.
    pub async fn ingest(&self, event: &Event, now: DateTime<Utc>) -> Result<Ingested, CareError> {
        let customer = match (event.customer_id(), event) {
            (Some(id), _) => id.clone(),
            (None, Event::SurveyAnswered(a)) => self
                .store
                .owner(&a.survey_for.key())
                .await?
                .ok_or_else(|| {
                    CareError::Rejected(format!(
                        "{}: there is no survey for {}",
                        event.kind(),
                        describe(&a.survey_for)
                    ))
                })?,
            (None, _) => {
                return Err(CareError::Rejected(format!(
                    "{}: names no customer",
                    event.kind()
                )))
            }
        };
        let natural_key = event.natural_key();
        let claims: Vec<String> = event
            .claimed_subject()
            .map(|s| s.key())
            .into_iter()
            .collect();
        for _ in 0..MAX_RETRIES {
            let mut history = self
                .store
                .load(&customer)
                .await?
                .unwrap_or_else(|| History::new(customer.clone()));
            if history.contains(&natural_key) {
                return Ok(Ingested::Duplicate);
            }
            for subject in &claims {
                if self
                    .store
                    .owner(subject)
                    .await?
                    .is_some_and(|o| o != customer)
                {
                    return Err(CareError::Rejected(format!(
                        "{}: {subject} already belongs to another customer",
                        event.kind()
                    )));
                }
            }
            if let Event::SurveyAnswered(a) = event {
                check_answer(
                    history.facts.surveys.get(&a.survey_for.key()),
                    a.occurred_at,
                    self.settings.surveys.link_valid,
                )
                .map_err(|why| {
                    CareError::Rejected(format!(
                        "SurveyAnswered for {}: {why}",
                        describe(&a.survey_for)
                    ))
                })?;
            }
            let expected = history.version;
            history.insert(event.clone());
            if let Event::CallOutcomeRecorded(o) = event {
                if derive(&history, self.settings)
                    .calls
                    .orphan_outcomes
                    .contains(&natural_key)
                {
                    return Err(CareError::Rejected(format!(
                        "CallOutcomeRecorded: customer {} has no open call at {}",
                        o.customer_id,
                        o.occurred_at.to_rfc3339()
                    )));
                }
            }
            match self
                .settle_and_commit(history, expected, claims.clone(), now)
                .await
            {
                Ok(()) => return Ok(Ingested::Accepted),
                Err(CareError::Store(StoreError::Conflict(_))) => continue,
                Err(CareError::Store(StoreError::ClaimedByOther { subject })) => {
                    return Err(CareError::Rejected(format!(
                        "{}: {subject} already belongs to another customer",
                        event.kind()
                    )))
                }
                Err(e) => return Err(e),
            }
        }
        Err(CareError::Contended(customer.to_string()))
    }

    /// Runs a customer's work due at or before `now`.
    pub async fn settle(&self, customer: &CustomerId, now: DateTime<Utc>) -> Result<(), CareError> {
        self.change(customer, now, |_| Ok(())).await
    }

    /// A change to a customer made by the system or a web page (an
    /// unsubscribe, a resolved escalation), with due work settled after it.
    pub async fn change(
        &self,
        customer: &CustomerId,
        now: DateTime<Utc>,
        mut edit: impl FnMut(&mut History) -> Result<(), CareError>,
    ) -> Result<(), CareError> {
        for _ in 0..MAX_RETRIES {
            let Some(mut history) = self.store.load(customer).await? else {
                return Ok(());
            };
            let expected = history.version;
            edit(&mut history)?;
            match self
                .settle_and_commit(history, expected, Vec::new(), now)
                .await
            {
                Err(CareError::Store(StoreError::Conflict(_))) => continue,
                other => return other,
            }
        }
        Err(CareError::Contended(customer.to_string()))
    }

    async fn settle_and_commit(
        &self,
        mut history: History,
        expected: u64,
        claims: Vec<String>,
        now: DateTime<Utc>,
    ) -> Result<(), CareError> {
        let mut messages = Vec::new();
        let mut derived = derive(&history, self.settings);
        for _ in 0..MAX_ACTIONS {
            let Some(action) = derived.actions.iter().find(|a| a.at <= now).cloned() else {
                break;
            };
            self.run_action(&mut history, &derived, &action.kind, now, &mut messages)
                .await?;
            derived = derive(&history, self.settings);
        }
        let delta = derived.contributions.minus(&history.applied);
        history.applied = derived.contributions.clone();
        history.version = expected + 1;
        let commit = Commit {
            history,
            expected_version: expected,
            delta,
            claims,
            next_due: derived.next_due(),
            messages,
        };
        self.store.commit(&commit).await?;
        deliver(self.store, self.mailer, &commit.messages).await;
        Ok(())
    }

    /// Unsubscribed customers and suppressed addresses get no survey mail.
    async fn suppressed(&self, h: &History, email: &EmailAddress) -> Result<bool, StoreError> {
        Ok(h.facts.unsubscribed_at.is_some() || self.store.is_suppressed(email.as_str()).await?)
    }

    async fn run_action(
        &self,
        h: &mut History,
        d: &Derived,
        action: &ActionKind,
        now: DateTime<Utc>,
        out: &mut Vec<Message>,
    ) -> Result<(), CareError> {
        let name = h.latest_profile().and_then(|c| c.name.clone());
        match action {
            ActionKind::SendSurvey(key) => {
                let Some(s) = d.survey(key) else {
                    return Ok(());
                };
                let suppressed = self.suppressed(h, &s.email).await?;
                let outcome = surveys::decide(s.kind(), now, &h.facts, suppressed, self.settings);
                h.facts
                    .surveys
                    .insert(key.clone(), SurveyDecision { at: now, outcome });
                if outcome == SendOutcome::Sent {
                    let mail = SurveyMail {
                        customer: &h.customer_id,
                        name: name.as_deref(),
                        survey: s,
                        first_sent: now,
                        reminder: false,
                    };
                    out.push(render::survey_email(self.settings, self.key, &mail, now));
                }
            }
            ActionKind::SendReminder(key) => {
                h.facts.reminders.insert(key.clone(), now);
                let (Some(s), Some(first)) = (d.survey(key), h.facts.surveys.get(key)) else {
                    return Ok(());
                };
                let suppressed = self.suppressed(h, &s.email).await?;
                if !suppressed {
                    let mail = SurveyMail {
                        customer: &h.customer_id,
                        name: name.as_deref(),
                        survey: s,
                        first_sent: first.at,
                        reminder: true,
                    };
                    out.push(render::survey_email(self.settings, self.key, &mail, now));
                }
            }
            ActionKind::LowScoreAlert(key) => {
                h.facts.alerts.insert(format!("low:{key}"), now);
                let Some(a) = d.answers.get(key) else {
                    return Ok(());
                };
                let deadline = d
                    .calls
                    .calls
                    .iter()
                    .find(|c| c.reasons.iter().any(|r| r.key() == format!("low:{key}")))
                    .map(|c| c.deadline);
                let low = LowScore {
                    customer: &h.customer_id,
                    name: name.as_deref(),
                    survey_key: key,
                    score: a.current,
                    comment: a.current_comment.as_deref(),
                    call_deadline: deadline,
                };
                out.push(render::low_score_alert(self.settings, &low, now));
            }
            ActionKind::EscalationAlert(call_id) => {
                h.facts.alerts.insert(format!("esc:{call_id}"), now);
                let notes = h.events.iter().rev().find_map(|e| match e {
                    Event::CallOutcomeRecorded(o) => o.notes.clone(),
                    _ => None,
                });
                out.push(render::escalation_alert(
                    self.settings,
                    &h.customer_id,
                    name.as_deref(),
                    call_id,
                    notes.as_deref(),
                    now,
                ));
            }
            ActionKind::Book {
                call,
                attempt,
                earliest,
            } => {
                let c = &d.calls.calls[*call];
                let key = c.attempt_key(*attempt);
                let req = CallRequest {
                    customer: &h.customer_id,
                    call_key: &key,
                    locale: c.locale(),
                    tz: c.tz(),
                    earliest: *earliest,
                    deadline: c.deadline,
                };
                let assignment = booking::assign(self.store, self.settings, &req, now).await?;
                h.facts.assignments.insert(key, assignment);
            }
        }
        Ok(())
    }

    /// Runs all customers' work due at or before `now`; returns how many
    /// customers were settled.
    pub async fn run_due(&self, now: DateTime<Utc>) -> Result<usize, CareError> {
        deliver_pending(self.store, self.mailer).await?;
        let mut settled = 0;
        for _ in 0..10_000 {
            let due = self.store.due(now, 256).await?;
            if due.is_empty() {
                break;
            }
            for customer in &due {
                self.settle(customer, now).await?;
                settled += 1;
            }
        }
        Ok(settled)
    }
}

fn describe(s: &SurveyFor) -> String {
    match s {
        SurveyFor::Order(o) => format!("order {o}"),
        SurveyFor::Ticket(t) => format!("ticket {t}"),
    }
}

/// Delivers freshly committed messages; a failure leaves them in the outbox
/// for the next [`deliver_pending`].
pub async fn deliver(store: &dyn Store, mailer: &dyn Mailer, messages: &[Message]) {
    for m in messages {
        match mailer.send(m).await {
            Ok(()) => {
                if let Err(e) = store.mark_delivered(&m.id).await {
                    tracing::warn!(message = %m.id, error = %e, "delivered but not marked; it may be sent again");
                }
            }
            Err(e) => {
                tracing::warn!(message = %m.id, error = %e, "delivery failed; kept in the outbox")
            }
        }
    }
}

/// Delivers whatever the outbox still holds.
pub async fn deliver_pending(store: &dyn Store, mailer: &dyn Mailer) -> Result<(), StoreError> {
    loop {
        let pending = store.undelivered(100).await?;
        if pending.is_empty() {
            return Ok(());
        }
        let before = pending.len();
        for m in &pending {
            if mailer.send(m).await.is_err() {
                tracing::warn!(message = %m.id, "delivery failed; will retry later");
                return Ok(());
            }
            store.mark_delivered(&m.id).await?;
        }
        if before < 100 {
            return Ok(());
        }
    }
}
