//! The store, split by capability. A use case asks only for what it uses;
//! [`Store`] is the sum that the adapters implement.

use super::mail::Message;
use crate::domain::boards::{Board, BoardChanges};
use crate::domain::history::History;
use crate::domain::ids::{AgentId, CustomerId, EmailAddress};
use crate::domain::keys::{AttemptKey, CallId, Job, MessageId, SurveyKey};
use crate::domain::kpi::{Contributions, DayCounters};
use crate::domain::roster::Agent;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another writer changed the customer first: reload and try again.
    #[error("customer {0} was changed concurrently")]
    Conflict(CustomerId),
    /// The order or ticket already belongs to another customer.
    #[error("{subject} already belongs to another customer")]
    ClaimedByOther { subject: SurveyKey },
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// (The cause is in the text, not the error's source: a chain printed
    /// whole would say it twice.)
    #[error("store unavailable: {0}")]
    Unavailable(Box<dyn std::error::Error + Send + Sync>),
    /// The store itself is not there (a table never created, a wrong
    /// name or region): a configuration to fix, not a fault to retry.
    #[error("{0}")]
    Missing(String),
    /// Another change touched one of the same items at the same moment
    /// (a DynamoDB transaction conflict) and nothing was written: worth
    /// trying again after a pause.
    #[error("contended: {0}")]
    Contended(String),
    /// The store asked for fewer requests (throttling) and nothing was
    /// written: worth trying again after a longer pause.
    #[error("throttled: {0}")]
    Throttled(String),
    /// A change would make an item larger than the store takes: it can
    /// never be stored as it is.
    #[error("too large to store: {0}")]
    TooLarge(String),
}

impl StoreError {
    /// Whether the same request may succeed after a pause, nothing having
    /// been written.
    pub fn is_transient(&self) -> bool {
        matches!(self, StoreError::Contended(_) | StoreError::Throttled(_))
    }
}

impl StoreError {
    pub fn unavailable(e: impl std::error::Error + Send + Sync + 'static) -> StoreError {
        StoreError::Unavailable(Box::new(e))
    }
}

/// One atomic change to one customer, with everything that must move with it.
#[derive(Debug, Clone)]
pub struct Commit {
    /// The new history; its `version` must be `expected_version + 1`.
    pub history: History,
    /// The version read (0: the customer must not exist yet).
    pub expected_version: u64,
    /// Added to the shared daily counters, atomically with the history.
    pub delta: Contributions,
    /// Orders and tickets (by survey key) claimed by this customer.
    pub claims: Vec<SurveyKey>,
    /// When this customer next has due work.
    pub next_due: Option<DateTime<Utc>>,
    /// Mail to deliver once the commit has landed (the outbox).
    pub messages: Vec<Message>,
    /// When the change is made (orders the queued mail).
    pub at: DateTime<Utc>,
    /// Changes to the [`Escalations`] index, atomically with the history.
    pub escalations: EscalationChanges,
    /// Changes to the managers' [`Boards`], atomically with the history.
    pub boards: BoardChanges,
    /// The new history lets go of personal data the stored one may hold
    /// (retention's redaction, or any commit of a forgotten customer): the
    /// store keeps no copy of it after the commit, not even in what an
    /// earlier write that never landed left behind.
    pub erases_personal_data: bool,
}

/// An escalation a manager has not resolved yet, as the index lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenEscalation {
    pub call: CallId,
    pub opened_at: DateTime<Utc>,
}

/// What one commit changes in the escalation index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EscalationChanges {
    /// Listed (or listed again with a corrected time).
    pub open: Vec<OpenEscalation>,
    /// No longer open: resolved, or no longer an escalation.
    pub closed: Vec<CallId>,
}

impl EscalationChanges {
    /// The changes that take the index from `listed` to `now_open`.
    pub fn between(
        listed: &BTreeMap<CallId, DateTime<Utc>>,
        now_open: &BTreeMap<CallId, DateTime<Utc>>,
    ) -> EscalationChanges {
        EscalationChanges {
            open: now_open
                .iter()
                .filter(|(call, at)| listed.get(*call) != Some(*at))
                .map(|(call, at)| OpenEscalation {
                    call: call.clone(),
                    opened_at: *at,
                })
                .collect(),
            closed: listed
                .keys()
                .filter(|call| !now_open.contains_key(*call))
                .cloned()
                .collect(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.open.is_empty() && self.closed.is_empty()
    }
}

/// The escalations still open across all customers: what the managers'
/// list and morning email show without reading every history.
#[async_trait]
pub trait Escalations: Send + Sync {
    /// The open escalations, oldest first (ties by call id), at most
    /// `limit`. It reads only the index: a constant cost per entry.
    async fn open_escalations(&self, limit: usize) -> Result<Vec<OpenEscalation>, StoreError>;
}

/// One entry on a board, as the store lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardEntry {
    /// The call's or the survey's key, as text.
    pub item: String,
    pub customer: CustomerId,
    pub at: DateTime<Utc>,
}

/// The managers' boards (at-risk calls, a day's detractor comments), kept
/// by the customers' commits.
#[async_trait]
pub trait Boards: Send + Sync {
    /// Every entry of the board, by time then item. A board holds what is
    /// open or one day's worth, so it is read whole.
    async fn board(&self, board: Board) -> Result<Vec<BoardEntry>, StoreError>;
}

/// Customers' histories and who owns each order and ticket.
#[async_trait]
pub trait Histories: Send + Sync {
    /// The customer's history, or `None` if never stored.
    async fn load(&self, customer: &CustomerId) -> Result<Option<History>, StoreError>;

    /// Applies a [`Commit`] atomically: all of it or none of it. Fails with
    /// [`StoreError::Conflict`] if the stored version is not
    /// `expected_version`, and with [`StoreError::ClaimedByOther`] if a claim
    /// is held by another customer. Messages join the [`Outbox`] under its
    /// rule: a message id already there (delivered or not) is kept as it
    /// is and the re-committed copy is dropped. The commit clears the
    /// customer's due failures ([`DueIndex::postpone`]).
    async fn commit(&self, commit: &Commit) -> Result<(), StoreError>;

    /// Who claimed an order or ticket.
    async fn owner(&self, subject: &SurveyKey) -> Result<Option<CustomerId>, StoreError>;
}

/// A customer with due work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub customer: CustomerId,
    pub at: DateTime<Utc>,
    /// Settling this customer failed this many times in a row.
    pub failures: u32,
}

/// Which customers have work due, and when.
#[async_trait]
pub trait DueIndex: Send + Sync {
    /// Customers with due work at or before `now`, earliest first (ties by
    /// customer id), at most `limit`.
    async fn due(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<Due>, StoreError>;

    /// The earliest due time of any customer.
    async fn next_due(&self) -> Result<Option<DateTime<Utc>>, StoreError>;

    /// After a failed attempt to settle a customer: moves its due time to
    /// `until` and counts one more failure, without touching its history.
    /// Does nothing for a customer with no due work.
    async fn postpone(&self, customer: &CustomerId, until: DateTime<Utc>)
        -> Result<(), StoreError>;
}

/// The daily KPI counters.
#[async_trait]
pub trait Counters: Send + Sync {
    /// The counters of each day from `from` to `to` inclusive, in order
    /// (empty when `to < from`): plain counters for the day, delta metrics
    /// summed over every day up to and including it. The number of reads
    /// depends only on the length of the range, never on the volume of
    /// data or its age (the levels come from monthly running totals).
    async fn days(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<DayCounters>, StoreError>;

    /// One day's counters (`days(date, date)`).
    async fn day(&self, date: NaiveDate) -> Result<DayCounters, StoreError> {
        Ok(self.days(date, date).await?.pop().unwrap_or_default())
    }
}

/// An agent's slot booked for one attempt of one call. An attempt whose
/// slot passed without an outcome is booked again: `round` 1, 2, … (the
/// first booking is round 0); each round is its own booking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Booking {
    pub agent: AgentId,
    pub slot: DateTime<Utc>,
    pub attempt: AttemptKey,
    pub customer: CustomerId,
    #[serde(default)]
    pub round: u32,
}

impl Booking {
    /// The booking's key as the stores write it: `c-1/order:o-1#2` for
    /// round 0 (as before rounds existed), `c-1/order:o-1#2+1` after.
    pub fn key_text(attempt: &AttemptKey, round: u32) -> String {
        if round == 0 {
            attempt.to_string()
        } else {
            format!("{attempt}+{round}")
        }
    }

    /// [`Booking::key_text`] read back.
    pub fn parse_key_text(text: &str) -> Option<(AttemptKey, u32)> {
        let (attempt, round) = match text.rsplit_once('+') {
            Some((a, r)) if !r.is_empty() && r.bytes().all(|b| b.is_ascii_digit()) => {
                (a, r.parse().ok()?)
            }
            _ => (text, 0),
        };
        Some((attempt.parse().ok()?, round))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BookResult {
    Booked,
    /// The agent already has a call in that slot, or the attempt is
    /// already booked.
    SlotTaken,
    /// The agent's day already holds `capacity` calls.
    DayFull,
    /// A racing write or a throttle cancelled it; nothing was written.
    /// Worth trying again after a pause, not a reason to look elsewhere.
    Contended,
}

/// The agents' booked slots.
#[async_trait]
pub trait AgentCalendar: Send + Sync {
    /// An agent's bookings with `from <= slot < to`, by slot.
    async fn bookings(
        &self,
        agent: &AgentId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Booking>, StoreError>;

    /// Only the slots of [`AgentCalendar::bookings`]: what the scheduler
    /// needs to find a free one (a store may read less for it).
    async fn booked_slots(
        &self,
        agent: &AgentId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<DateTime<Utc>>, StoreError> {
        Ok(self
            .bookings(agent, from, to)
            .await?
            .into_iter()
            .map(|b| b.slot)
            .collect())
    }

    /// The booking already made for a round of a call attempt, if any.
    async fn booking_for(
        &self,
        attempt: &AttemptKey,
        round: u32,
    ) -> Result<Option<Booking>, StoreError>;

    /// Books a slot unless the agent already has one then, or the attempt
    /// is already booked (then the earlier booking stands: `SlotTaken`),
    /// or the agent's day already holds `capacity` calls (`DayFull`: the
    /// capacity holds in the write, whatever a racing reader saw).
    /// `agent_day` is the slot's day in the agent's time zone: a booking
    /// counts towards that day's load, atomically with the booking.
    async fn book(
        &self,
        booking: &Booking,
        agent_day: NaiveDate,
        capacity: u32,
    ) -> Result<BookResult, StoreError>;

    /// How many calls an agent has booked on each of their local days in
    /// `from..=to` (days without bookings are absent).
    async fn agent_loads(
        &self,
        agent: &AgentId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<BTreeMap<NaiveDate, u32>, StoreError>;
}

/// A message waiting for delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    pub message: Message,
    /// Failed deliveries so far.
    pub attempts: u32,
}

/// A message the transport refused for good, kept for a person to look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parked {
    pub id: MessageId,
    pub recipients: usize,
    pub reason: String,
    pub attempts: u32,
    pub at: DateTime<Utc>,
}

/// Mail committed but not yet delivered.
#[async_trait]
pub trait Outbox: Send + Sync {
    /// Queues messages that belong to no customer (reports, call sheets).
    /// The same rule as [`Histories::commit`]: an id already queued or
    /// delivered is kept as it is. Returns the ids newly queued, in order:
    /// only those are the caller's to deliver (an earlier copy is the
    /// outbox's, sent by [`Outbox::undelivered`]'s reader if it is not yet).
    /// `now` orders what is queued at once (fresh mail goes first).
    async fn enqueue(
        &self,
        messages: &[Message],
        now: DateTime<Utc>,
    ) -> Result<Vec<MessageId>, StoreError>;

    /// Messages to try now: neither delivered nor parked, and not deferred
    /// past `now`; fresh ones in the order they were committed.
    async fn undelivered(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Queued>, StoreError>;

    /// Takes a queued message for one sender until `until`, so that two
    /// senders (an overlapping run, the delivery after a commit) never
    /// both send it: false when it is delivered, parked, unknown, or
    /// claimed by another sender whose claim has not expired at `now`.
    /// Only the claimant sends; a claim that expires (a sender that died)
    /// lets the next sender take it. Read with strong consistency: an
    /// index that still lists a delivered message cannot get it sent.
    async fn claim(
        &self,
        id: &MessageId,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// The message was sent: it leaves the queue for good. Its id is kept
    /// a while (so that a message committed again is known as sent; `now`
    /// dates that); its content, names and addresses in it, is not.
    async fn mark_delivered(&self, id: &MessageId, now: DateTime<Utc>) -> Result<(), StoreError>;

    /// Removes a message that is queued or parked (a forgotten customer's):
    /// false when there is none such (never sent ones only).
    async fn discard(&self, id: &MessageId) -> Result<bool, StoreError>;

    /// A failed delivery that may work later: counts the attempt and keeps
    /// the message out of [`Outbox::undelivered`] until `until`.
    async fn defer(
        &self,
        id: &MessageId,
        until: DateTime<Utc>,
        reason: &str,
    ) -> Result<(), StoreError>;

    /// A refusal for good: the message leaves the queue with its reason.
    async fn park(&self, id: &MessageId, reason: &str, at: DateTime<Utc>)
        -> Result<(), StoreError>;

    /// Parked messages, oldest first.
    async fn parked(&self, limit: usize) -> Result<Vec<Parked>, StoreError>;

    /// Puts a parked message back in the queue, due at once with its
    /// attempts cleared (an operator's decision once the cause is fixed,
    /// such as a sandbox lifted or an address verified): false when it is
    /// not parked.
    async fn requeue(&self, id: &MessageId, now: DateTime<Utc>) -> Result<bool, StoreError>;
}

/// Addresses that must never get survey mail.
#[async_trait]
pub trait Suppressions: Send + Sync {
    /// Whether an address is on the list (bounce, complaint, unsubscribe).
    /// Addresses compare case-insensitively.
    async fn is_suppressed(&self, address: &EmailAddress) -> Result<bool, StoreError>;

    /// Adds an address; one already there keeps its first reason.
    async fn suppress(
        &self,
        address: &EmailAddress,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Takes an address off the list (an operator's decision); false when
    /// it was not on it.
    async fn unsuppress(&self, address: &EmailAddress) -> Result<bool, StoreError>;

    /// The list in address order, at most `limit` entries. An operator's
    /// view: it may read the whole list (a scan on DynamoDB).
    async fn suppressions(&self, limit: usize) -> Result<Vec<Suppression>, StoreError>;
}

/// One suppressed address, with why and since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// Lower-cased, as addresses compare.
    pub address: EmailAddress,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// A lease on work that must not run twice at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lease {
    /// Due work and the morning email: one runner at a time.
    ScheduledWork,
}

impl std::fmt::Display for Lease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Lease::ScheduledWork => "scheduled-work",
        })
    }
}

/// When each scheduled job next runs.
#[async_trait]
pub trait JobSchedule: Send + Sync {
    /// Takes `lease` for `holder` until `until` when it is free: never
    /// taken, released, expired at `now`, or already `holder`'s. False when
    /// another holder has it. A holder that dies leaves it to expire.
    async fn take_lease(
        &self,
        lease: Lease,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Gives the lease back if `holder` still has it.
    async fn release_lease(&self, lease: Lease, holder: &str) -> Result<(), StoreError>;

    async fn job_next_run(&self, job: &Job) -> Result<Option<DateTime<Utc>>, StoreError>;

    /// [`JobSchedule::job_next_run`] of each job, in order (a store may
    /// read them at once: every scheduled run asks for all of them).
    async fn job_next_runs(&self, jobs: &[Job]) -> Result<Vec<Option<DateTime<Utc>>>, StoreError> {
        let mut out = Vec::with_capacity(jobs.len());
        for job in jobs {
            out.push(self.job_next_run(job).await?);
        }
        Ok(out)
    }

    /// Moves a job on, only if it still is at `expected` (`None`: not yet
    /// scheduled), so two runners never both run it: false when another
    /// runner moved it first.
    async fn advance_job(
        &self,
        job: &Job,
        expected: Option<DateTime<Utc>>,
        next: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// What a job keeps between its runs (the morning email: the days it
    /// showed), `None` before the first.
    async fn job_memo(&self, job: &Job) -> Result<Option<String>, StoreError>;

    /// Replaces the job's memo.
    async fn set_job_memo(&self, job: &Job, memo: &str) -> Result<(), StoreError>;
}

/// The agent roster on AWS (SPEC 11: it lives in the table), replaced
/// whole by `aftercare agents import`. Locally the roster is the
/// settings' `[[agents]]`.
#[async_trait]
pub trait RosterStore: Send + Sync {
    /// The roster last imported; `None` when none ever was.
    async fn roster(&self) -> Result<Option<Vec<Agent>>, StoreError>;

    /// Replaces the whole roster in one write: readers see the old one or
    /// the new one, never a mix.
    async fn replace_roster(&self, agents: &[Agent], at: DateTime<Utc>) -> Result<(), StoreError>;
}

/// Which bookings an agent's day's sheets have listed, so a later update
/// lists only what changed.
#[async_trait]
pub trait SheetLog: Send + Sync {
    /// The booking keys ([`Booking::key_text`]) listed for the agent's day.
    async fn listed(&self, agent: &AgentId, day: NaiveDate)
        -> Result<BTreeSet<String>, StoreError>;

    /// Adds keys to the day's list (keys already there stay).
    async fn mark_listed(
        &self,
        agent: &AgentId,
        day: NaiveDate,
        keys: &[String],
    ) -> Result<(), StoreError>;
}

/// Everything a store offers.
pub trait Store:
    Histories
    + DueIndex
    + Counters
    + AgentCalendar
    + Outbox
    + Suppressions
    + JobSchedule
    + Escalations
    + Boards
    + RosterStore
    + SheetLog
{
}

impl<T> Store for T where
    T: Histories
        + DueIndex
        + Counters
        + AgentCalendar
        + Outbox
        + Suppressions
        + JobSchedule
        + Escalations
        + Boards
        + RosterStore
        + SheetLog
{
}
