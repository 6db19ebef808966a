//! One customer's unit of work, which every change goes through: load the
//! history, change it (an event, due work, a web answer), derive, apply
//! only the difference to the counters, commit guarded by the customer's
//! version, then deliver the mail the commit queued.

use super::booking::{self, CallRequest};
use super::tally::bump;
use super::{Aftercare, Rejection, ServiceError, MAX_RETRIES};
use crate::domain::boards::{self, BoardChanges};
use crate::domain::case;
use crate::domain::derive::{derive, ActionKind, Derived};
use crate::domain::event::{Event, SurveyFor};
use crate::domain::history::{History, SendOutcome, SurveyDecision};
use crate::domain::ids::{CustomerId, EmailAddress};
use crate::domain::keys::{AlertKey, SurveyKey};
use crate::domain::surveys::{self, check_answer};
use crate::mail::render::{self, SurveyMail};
use crate::ports::{Commit, EscalationChanges, Message, StoreError};
use chrono::{DateTime, Utc};

/// A bound on actions run in one unit of work (a safety net, never reached
/// by a healthy history).
const MAX_ACTIONS: usize = 500;

/// The pause before trying a unit of work again after a transient store
/// failure (a conflict with a commit at the same moment, throttling):
/// exponential from 20 ms to at most a second, with full jitter so that
/// the writers that met do not meet again.
async fn pause_before_retry(attempt: usize) {
    let ceiling_ms: u64 = (20u64 << attempt.min(6)).min(1_000);
    let ms = rand::random::<u64>() % (ceiling_ms + 1);
    tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
}

/// How often a unit of work is run again after the store was unavailable
/// (a timeout, a dropped connection): enough to ride out a blip, few
/// enough that a store that is down fails the unit in seconds.
const MAX_OUTAGE_RETRIES: usize = 4;

/// How a unit of work that failed goes on.
enum Retry {
    /// Lost a race (another commit moved the version): again, at once.
    Now,
    /// Contended, throttled or unavailable: again, after a pause.
    AfterPause,
    /// Anything else, or unavailable too often: the caller's to handle.
    No,
}

/// Whether a unit of work that failed with `e` runs again. Running it
/// again from a fresh load is safe whatever the store did: a commit that
/// landed before its answer was lost is seen in the history (the version
/// check makes a repeat a no-op, and an event found there a duplicate).
fn retry(e: &ServiceError, outages: &mut usize) -> Retry {
    match e {
        ServiceError::Store(StoreError::Conflict(_)) => Retry::Now,
        ServiceError::Store(StoreError::Unavailable(_)) => {
            *outages += 1;
            if *outages <= MAX_OUTAGE_RETRIES {
                Retry::AfterPause
            } else {
                Retry::No
            }
        }
        ServiceError::Store(e) if e.is_transient() => Retry::AfterPause,
        _ => Retry::No,
    }
}

/// The value of `$result`, or (on an error worth it, see [`retry`]) the
/// next round of the loop labelled `$unit`; else the error returns.
macro_rules! or_retry {
    ($unit:lifetime, $result:expr, $attempt:expr, $outages:expr) => {
        match $result {
            Ok(v) => v,
            Err(e) => {
                let e: ServiceError = e.into();
                match retry(&e, &mut $outages) {
                    Retry::No => return Err(e),
                    Retry::Now => continue $unit,
                    Retry::AfterPause => {
                        pause_before_retry($attempt).await;
                        continue $unit;
                    }
                }
            }
        }
    };
}

/// Bookings made in one unit of work (counted once it commits).
#[derive(Debug, Default)]
struct Booked {
    calls: u64,
    at_risk: u64,
}

/// Where an action's results go: its mail, its bookings, and outcomes
/// rejected after their grace window.
struct ActionOut<'a> {
    messages: &'a mut Vec<Message>,
    booked: &'a mut Booked,
    rejected: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ingested {
    Accepted,
    /// Seen before (by natural key): nothing changed.
    Duplicate,
}

fn describe(s: &SurveyFor) -> String {
    match s {
        SurveyFor::Order(o) => format!("order {o}"),
        SurveyFor::Ticket(t) => format!("ticket {t}"),
    }
}

fn rejected(text: String) -> ServiceError {
    ServiceError::Rejected(Rejection::Event(text))
}

impl Aftercare {
    /// Applies one event exactly once. Duplicates (by natural key) change
    /// nothing; an event that cannot apply is a [`Rejection::Event`].
    pub async fn ingest(
        &self,
        event: &Event,
        now: DateTime<Utc>,
    ) -> Result<Ingested, ServiceError> {
        let result = self.ingest_once(event, now).await;
        // Kinds, ids and reasons only: an event's contents stay out of logs.
        // (Fields are evaluated only when debug is on: no key is formatted
        // for nothing on the hot path.)
        match &result {
            Ok(done) => {
                tracing::debug!(kind = event.kind(), event = %event.natural_key(), outcome = ?done, "event")
            }
            Err(e) => {
                tracing::debug!(kind = event.kind(), event = %event.natural_key(), error = %e, "event not applied")
            }
        }
        let counter = match &result {
            Ok(Ingested::Accepted) => &self.counts.events_accepted,
            Ok(Ingested::Duplicate) => &self.counts.events_duplicate,
            Err(e) if e.is_rejection() => &self.counts.events_rejected,
            Err(_) => return result,
        };
        bump(counter, 1);
        result
    }

    /// The customer an event is about: the one it names, or for an answer
    /// the owner of its order or ticket (`None`: nobody yet).
    pub async fn customer_of(&self, event: &Event) -> Result<Option<CustomerId>, ServiceError> {
        Ok(match (event.customer_id(), event) {
            (Some(id), _) => Some(id.clone()),
            (None, Event::SurveyAnswered(a)) => self.store.owner(&a.survey_for.key()).await?,
            (None, _) => None,
        })
    }

    /// Runs one customer's due work at its own due times, up to and
    /// including `t`: what a clock passing `t` would have done for this
    /// customer (the other customers' work is theirs).
    pub async fn catch_up(
        &self,
        customer: &CustomerId,
        t: DateTime<Utc>,
    ) -> Result<(), ServiceError> {
        for _ in 0..MAX_ACTIONS {
            let Some(history) = self.store.load(customer).await? else {
                return Ok(());
            };
            let next = derive(&history, &self.settings.policy).next_due();
            match next {
                Some(at) if at <= t => self.settle(customer, false, at).await?,
                _ => return Ok(()),
            }
        }
        Ok(())
    }

    async fn ingest_once(
        &self,
        event: &Event,
        now: DateTime<Utc>,
    ) -> Result<Ingested, ServiceError> {
        crate::domain::policy::plausible_time(event.occurred_at(), now)
            .map_err(|why| rejected(format!("{}: {why}", event.kind())))?;
        let customer = match (event.customer_id(), event) {
            (Some(id), _) => id.clone(),
            (None, Event::SurveyAnswered(a)) => self
                .store
                .owner(&a.survey_for.key())
                .await?
                .ok_or_else(|| {
                    rejected(format!(
                        "{}: there is no survey for {}",
                        event.kind(),
                        describe(&a.survey_for)
                    ))
                })?,
            (None, _) => return Err(rejected(format!("{}: names no customer", event.kind()))),
        };
        self.apply(&customer, event, now)
            .await
            .map_err(|e| match (e, event) {
                // An event's rejection names the event (it is kept with it).
                (ServiceError::Rejected(Rejection::Answer(why)), Event::SurveyAnswered(a)) => {
                    rejected(format!(
                        "SurveyAnswered for {}: {why}",
                        describe(&a.survey_for)
                    ))
                }
                (e, _) => e,
            })
    }

    /// Adds `event` to `customer`'s history (the one path for events,
    /// web answers and recorded outcomes).
    pub(super) async fn apply(
        &self,
        customer: &CustomerId,
        event: &Event,
        now: DateTime<Utc>,
    ) -> Result<Ingested, ServiceError> {
        self.apply_if(customer, event, now, |_| Ok(())).await
    }

    /// [`Aftercare::apply`], if `guard` accepts the freshly loaded history:
    /// a page's check (this attempt is still the one to record) holds in
    /// the same unit of work as the change, so two racing requests cannot
    /// both pass it.
    pub(super) async fn apply_if(
        &self,
        customer: &CustomerId,
        event: &Event,
        now: DateTime<Utc>,
        guard: impl Fn(&History) -> Result<(), ServiceError>,
    ) -> Result<Ingested, ServiceError> {
        let natural_key = event.natural_key();
        let claims: Vec<SurveyKey> = event
            .claimed_subject()
            .map(|s| s.key())
            .into_iter()
            .collect();
        let mut outages = 0;
        'unit: for attempt in 0..MAX_RETRIES {
            let mut history = or_retry!('unit, self.store.load(customer).await, attempt, outages)
                .unwrap_or_else(|| History::new(customer.clone()));
            if history.contains(&natural_key) {
                return Ok(Ingested::Duplicate);
            }
            guard(&history)?;
            for subject in &claims {
                let owner = or_retry!('unit, self.store.owner(subject).await, attempt, outages);
                if owner.is_some_and(|o| &o != customer) {
                    return Err(rejected(format!(
                        "{}: {subject} already belongs to another customer",
                        event.kind()
                    )));
                }
            }
            if let Event::SurveyAnswered(a) = event {
                check_answer(
                    history.facts.surveys.get(&a.survey_for.key()),
                    a.occurred_at,
                    self.settings.policy.surveys.link_valid,
                )
                .map_err(Rejection::Answer)?;
            }
            let expected = history.version;
            history.insert(event.clone());
            // An outcome with no open call at its time waits the grace
            // window for its (late) call; past it, it is rejected.
            if let Event::CallOutcomeRecorded(o) = event {
                let grace = self.settings.policy.callbacks.outcome_grace;
                if now >= o.occurred_at + grace
                    && derive(&history, &self.settings.policy)
                        .calls
                        .orphan_outcomes
                        .contains(&natural_key)
                {
                    return Err(rejected(format!(
                        "CallOutcomeRecorded: customer {} has no open call at {}",
                        o.customer_id,
                        o.occurred_at.to_rfc3339()
                    )));
                }
            }
            let committed: Result<(), ServiceError> = match self
                .settle_and_commit(history, expected, claims.clone(), now, None)
                .await
            {
                Ok(()) => return Ok(Ingested::Accepted),
                Err(ServiceError::Store(StoreError::TooLarge(why))) => {
                    return Err(rejected(format!(
                        "{}: customer {customer}'s history cannot take it ({why})",
                        event.kind()
                    )))
                }
                Err(ServiceError::Store(StoreError::ClaimedByOther { subject })) => {
                    return Err(rejected(format!(
                        "{}: {subject} already belongs to another customer",
                        event.kind()
                    )))
                }
                Err(e) => Err(e),
            };
            or_retry!('unit, committed, attempt, outages);
        }
        Err(ServiceError::Contended(customer.clone()))
    }

    /// Runs a customer's work due at or before `now`.
    /// Runs a customer's work due at or before `now`. When nothing was due
    /// after all (the index lagged, or another run did the work) nothing is
    /// written, unless the index's entry was `postponed` after a failure:
    /// then the commit puts the index back in step with the history.
    pub(super) async fn settle(
        &self,
        customer: &CustomerId,
        postponed: bool,
        now: DateTime<Utc>,
    ) -> Result<(), ServiceError> {
        self.change_unless_unchanged(customer, now, !postponed, |_| Ok(()))
            .await
    }

    /// A change to a customer made by the system or a web page (an
    /// unsubscribe, a resolved escalation), with due work settled after it.
    /// `edit` sees the freshly loaded history on every retry.
    pub(super) async fn change(
        &self,
        customer: &CustomerId,
        now: DateTime<Utc>,
        edit: impl FnMut(&mut History) -> Result<(), ServiceError>,
    ) -> Result<(), ServiceError> {
        self.change_unless_unchanged(customer, now, true, edit)
            .await
    }

    /// [`Aftercare::change`]; with `skip_no_op`, a unit of work that
    /// changed nothing writes nothing.
    async fn change_unless_unchanged(
        &self,
        customer: &CustomerId,
        now: DateTime<Utc>,
        skip_no_op: bool,
        mut edit: impl FnMut(&mut History) -> Result<(), ServiceError>,
    ) -> Result<(), ServiceError> {
        let mut outages = 0;
        'unit: for attempt in 0..MAX_RETRIES {
            let Some(mut history) =
                or_retry!('unit, self.store.load(customer).await, attempt, outages)
            else {
                return Ok(());
            };
            let expected = history.version;
            let loaded = skip_no_op.then(|| history.clone());
            edit(&mut history)?;
            let committed = self
                .settle_and_commit(history, expected, Vec::new(), now, loaded.as_ref())
                .await;
            or_retry!('unit, committed, attempt, outages);
            return Ok(());
        }
        Err(ServiceError::Contended(customer.clone()))
    }

    /// Settles what is due and commits the change. With `loaded` (the
    /// history as read, before any edit), a unit of work that changed
    /// nothing at all writes nothing: a due run that found the customer by
    /// a lagging index, or met another run's work already done.
    async fn settle_and_commit(
        &self,
        mut history: History,
        expected: u64,
        claims: Vec<SurveyKey>,
        now: DateTime<Utc>,
        loaded: Option<&History>,
    ) -> Result<(), ServiceError> {
        let policy = &self.settings.policy;
        let mut messages = Vec::new();
        let mut booked = Booked::default();
        let mut rejected = 0;
        let mut erases_personal_data = history.facts.forgotten_at.is_some();
        let mut derived = derive(&history, policy);
        for _ in 0..MAX_ACTIONS {
            let Some(action) = derived.actions.iter().find(|a| a.at <= now).cloned() else {
                break;
            };
            let mut out = ActionOut {
                messages: &mut messages,
                booked: &mut booked,
                rejected: 0,
            };
            self.run_action(&mut history, &derived, &action.kind, now, &mut out)
                .await?;
            erases_personal_data |= matches!(action.kind, ActionKind::RedactPersonalData);
            rejected += out.rejected;
            derived = derive(&history, policy);
        }
        let delta = derived.contributions.minus(&history.applied);
        history.applied = derived.contributions.clone();
        let open = case::open_escalations(&history, &derived);
        let escalations = EscalationChanges::between(&history.listed_escalations, &open);
        history.listed_escalations = open;
        let listed = boards::listings(&history, &derived, policy.report_time_zone);
        let boards = BoardChanges::between(&history.listed, &listed);
        history.listed = listed;
        history.next_due = derived.next_due();
        let nothing_to_write = loaded.is_some_and(|before| &history == before)
            && delta.is_empty()
            && escalations.is_empty()
            && boards.is_empty()
            && messages.is_empty()
            && claims.is_empty();
        if nothing_to_write {
            return Ok(());
        }
        history.version = expected + 1;
        let next_due = history.next_due;
        let commit = Commit {
            history,
            expected_version: expected,
            delta,
            claims,
            next_due,
            messages,
            at: now,
            escalations,
            boards,
            erases_personal_data,
        };
        self.store.commit(&commit).await?;
        tracing::trace!(
            customer = %commit.history.customer_id,
            version = commit.history.version,
            messages = commit.messages.len(),
            calls = booked.calls,
            "committed"
        );
        bump(&self.counts.calls_booked, booked.calls);
        bump(&self.counts.calls_at_risk, booked.at_risk);
        bump(&self.counts.events_rejected, rejected);
        // The commit has landed and its mail is safe in the outbox: a
        // failure to send it now is due work's to retry, not this unit's
        // (failing it would redeliver an applied event, show an error page
        // for a saved answer, or postpone a customer just settled).
        if let Err(e) = self.deliver(&commit.messages, now).await {
            tracing::warn!(
                customer = %commit.history.customer_id,
                error = %e,
                "mail committed but not sent now; due work sends it"
            );
        }
        Ok(())
    }

    /// Unsubscribed and forgotten customers, and suppressed addresses
    /// (a forgotten one is kept as its digest), get no survey mail.
    async fn suppressed(&self, h: &History, email: &EmailAddress) -> Result<bool, StoreError> {
        Ok(h.facts.unsubscribed_at.is_some()
            || h.facts.forgotten_at.is_some()
            || email.is_redacted()
            || self.store.is_suppressed(email).await?
            || self.store.is_suppressed(&email.forgotten()).await?)
    }

    async fn run_action(
        &self,
        h: &mut History,
        d: &Derived,
        action: &ActionKind,
        now: DateTime<Utc>,
        out: &mut ActionOut<'_>,
    ) -> Result<(), ServiceError> {
        let name = h.latest_profile().and_then(|c| c.name.clone());
        match action {
            ActionKind::SendSurvey(key) => {
                let Some(s) = d.survey(key) else {
                    return Ok(());
                };
                let suppressed = self.suppressed(h, &s.email).await?;
                let outcome =
                    surveys::decide(s.kind(), now, &h.facts, suppressed, &self.settings.policy);
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
                    out.messages
                        .push(render::survey_email(&self.settings, &self.key, &mail, now)?);
                }
            }
            ActionKind::SendReminder(key) => {
                h.facts.reminders.insert(key.clone(), now);
                let (Some(s), Some(first)) = (d.survey(key), h.facts.surveys.get(key)) else {
                    return Ok(());
                };
                if !self.suppressed(h, &s.email).await? {
                    let mail = SurveyMail {
                        customer: &h.customer_id,
                        name: name.as_deref(),
                        survey: s,
                        first_sent: first.at,
                        reminder: true,
                    };
                    out.messages
                        .push(render::survey_email(&self.settings, &self.key, &mail, now)?);
                }
            }
            ActionKind::LowScoreAlert(key) => {
                h.facts.alerts.insert(AlertKey::LowScore(key.clone()), now);
                let case = match self.case_of(h, d, key).await {
                    Ok(case) => case,
                    Err(ServiceError::Rejected(_)) => return Ok(()),
                    Err(e) => return Err(e),
                };
                let url = self.low_score_url(&h.customer_id, key, now);
                out.messages
                    .push(render::low_score_alert(&self.settings, &case, &url, now)?);
            }
            ActionKind::EscalationAlert(call) => {
                h.facts
                    .alerts
                    .insert(AlertKey::Escalation(call.clone()), now);
                let notes = h.events.iter().rev().find_map(|e| match e {
                    Event::CallOutcomeRecorded(o) => o.notes.clone(),
                    _ => None,
                });
                let alert = render::EscalationAlert {
                    call,
                    name: name.as_deref(),
                    notes: notes.as_deref(),
                    url: &self.escalation_url(call, now),
                };
                out.messages
                    .push(render::escalation_alert(&self.settings, &alert, now)?);
            }
            ActionKind::RedactPersonalData => {
                h.redact_before(Some(now - self.settings.policy.retention));
            }
            ActionKind::DropPendingOutcome(key) => {
                h.events.retain(|e| &e.natural_key() != key);
                out.rejected += 1;
                tracing::warn!(customer = %h.customer_id, "CallOutcomeRecorded rejected: no open call at its time, after waiting {} hours for one", self.settings.policy.callbacks.outcome_grace.num_hours());
            }
            ActionKind::Book {
                call,
                attempt,
                earliest,
                round,
            } => {
                let c = &d.calls.calls[*call];
                let key = c.attempt_key(*attempt);
                let req = CallRequest {
                    customer: &h.customer_id,
                    attempt: &key,
                    locale: c.locale(),
                    tz: c.tz(),
                    earliest: *earliest,
                    deadline: c.deadline,
                    round: *round,
                };
                let assignment = booking::assign(
                    self.store.as_ref(),
                    &self.settings.policy,
                    &self.agents().await?,
                    &req,
                    now,
                )
                .await?;
                out.booked.calls += 1;
                if assignment.at_risk {
                    out.booked.at_risk += 1;
                }
                if *round == 0 {
                    h.facts.assignments.insert(key, assignment);
                } else {
                    h.facts.rebookings.insert(key, assignment);
                }
            }
        }
        Ok(())
    }
}
