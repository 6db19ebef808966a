//! A store around another that repeats, with backoff, the calls a
//! passing fault failed (issue 18): a throttled or contended request, which
//! wrote nothing, always; an unavailable store (a timeout, a dropped
//! connection, which may have written) only for the calls that are safe to
//! repeat whatever happened: reads, and writes that land the same twice.
//! Not after an outage: the conditional writes (a versioned commit, a
//! booking, a claim on a message, moving a job on), which would answer a
//! repeat of a write that landed with "taken"; the writes that count
//! (a deferral or postponement adds a failed attempt, parking one more),
//! which would count twice; and the writes that answer whether they
//! changed anything (discard, requeue, unsuppress), which would answer no.
//! Those are their caller's to retry, from what the store holds then.
//!
//! The service builds every store into one ([`crate::services::Aftercare::new`]),
//! so every entry point gets the same behaviour.

use crate::domain::boards::Board;
use crate::domain::history::History;
use crate::domain::ids::{AgentId, CustomerId, EmailAddress};
use crate::domain::keys::{AttemptKey, Job, MessageId, SurveyKey};
use crate::domain::kpi::DayCounters;
use crate::domain::roster::Agent;
use crate::ports::*;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Repeats after the first failure, at most.
const MAX_REPEATS: u32 = 4;

/// Which failures a call may be repeated after.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Repeat {
    /// Any that may pass: the call lands the same twice.
    Always,
    /// Only those that wrote nothing (throttled, contended).
    IfNothingWritten,
}

fn worth_repeating(e: &StoreError, repeat: Repeat) -> bool {
    match e {
        StoreError::Unavailable(_) => repeat == Repeat::Always,
        e => e.is_transient(),
    }
}

/// A pause with full jitter, from 10 ms doubling: about 150 ms over the
/// four repeats at most, short enough for a page's request.
async fn pause(repeats: u32) {
    let ceiling_ms: u64 = 10u64 << repeats.min(6);
    let ms = rand::random::<u64>() % (ceiling_ms + 1);
    tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
}

/// Runs `call` (an expression making the call's future, evaluated again
/// for each repeat) until it succeeds, fails for good, or runs out.
macro_rules! repeated {
    ($repeat:expr, $call:expr) => {{
        let mut repeats = 0;
        loop {
            match $call.await {
                Err(e) if repeats < MAX_REPEATS && worth_repeating(&e, $repeat) => {
                    pause(repeats).await;
                    repeats += 1;
                }
                done => break done,
            }
        }
    }};
}

pub struct RetryingStore {
    inner: Arc<dyn Store>,
}

impl RetryingStore {
    pub fn new(inner: Arc<dyn Store>) -> RetryingStore {
        RetryingStore { inner }
    }
}

#[async_trait]
impl Histories for RetryingStore {
    async fn load(&self, c: &CustomerId) -> Result<Option<History>, StoreError> {
        repeated!(Repeat::Always, self.inner.load(c))
    }
    async fn commit(&self, c: &Commit) -> Result<(), StoreError> {
        repeated!(Repeat::IfNothingWritten, self.inner.commit(c))
    }
    async fn owner(&self, s: &SurveyKey) -> Result<Option<CustomerId>, StoreError> {
        repeated!(Repeat::Always, self.inner.owner(s))
    }
}

#[async_trait]
impl DueIndex for RetryingStore {
    async fn due(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<Due>, StoreError> {
        repeated!(Repeat::Always, self.inner.due(now, limit))
    }
    async fn next_due(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        repeated!(Repeat::Always, self.inner.next_due())
    }
    async fn postpone(&self, c: &CustomerId, until: DateTime<Utc>) -> Result<(), StoreError> {
        repeated!(Repeat::IfNothingWritten, self.inner.postpone(c, until))
    }
}

#[async_trait]
impl Counters for RetryingStore {
    async fn days(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<DayCounters>, StoreError> {
        repeated!(Repeat::Always, self.inner.days(from, to))
    }
}

#[async_trait]
impl AgentCalendar for RetryingStore {
    async fn bookings(
        &self,
        agent: &AgentId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Booking>, StoreError> {
        repeated!(Repeat::Always, self.inner.bookings(agent, from, to))
    }
    async fn booked_slots(
        &self,
        agent: &AgentId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<DateTime<Utc>>, StoreError> {
        repeated!(Repeat::Always, self.inner.booked_slots(agent, from, to))
    }
    async fn booking_for(&self, a: &AttemptKey, round: u32) -> Result<Option<Booking>, StoreError> {
        repeated!(Repeat::Always, self.inner.booking_for(a, round))
    }
    async fn book(
        &self,
        b: &Booking,
        day: NaiveDate,
        capacity: u32,
    ) -> Result<BookResult, StoreError> {
        repeated!(Repeat::IfNothingWritten, self.inner.book(b, day, capacity))
    }
    async fn agent_loads(
        &self,
        agent: &AgentId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<BTreeMap<NaiveDate, u32>, StoreError> {
        repeated!(Repeat::Always, self.inner.agent_loads(agent, from, to))
    }
}

#[async_trait]
impl Outbox for RetryingStore {
    async fn enqueue(
        &self,
        m: &[Message],
        now: DateTime<Utc>,
    ) -> Result<Vec<MessageId>, StoreError> {
        repeated!(Repeat::Always, self.inner.enqueue(m, now))
    }
    async fn undelivered(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Queued>, StoreError> {
        repeated!(Repeat::Always, self.inner.undelivered(now, limit))
    }
    async fn claim(
        &self,
        id: &MessageId,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        repeated!(Repeat::IfNothingWritten, self.inner.claim(id, now, until))
    }
    async fn mark_delivered(&self, id: &MessageId, now: DateTime<Utc>) -> Result<(), StoreError> {
        repeated!(Repeat::Always, self.inner.mark_delivered(id, now))
    }
    async fn discard(&self, id: &MessageId) -> Result<bool, StoreError> {
        repeated!(Repeat::IfNothingWritten, self.inner.discard(id))
    }
    async fn defer(
        &self,
        id: &MessageId,
        until: DateTime<Utc>,
        reason: &str,
    ) -> Result<(), StoreError> {
        repeated!(
            Repeat::IfNothingWritten,
            self.inner.defer(id, until, reason)
        )
    }
    async fn park(
        &self,
        id: &MessageId,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        repeated!(Repeat::IfNothingWritten, self.inner.park(id, reason, at))
    }
    async fn parked(&self, limit: usize) -> Result<Vec<Parked>, StoreError> {
        repeated!(Repeat::Always, self.inner.parked(limit))
    }
    async fn requeue(&self, id: &MessageId, now: DateTime<Utc>) -> Result<bool, StoreError> {
        repeated!(Repeat::IfNothingWritten, self.inner.requeue(id, now))
    }
}

#[async_trait]
impl Suppressions for RetryingStore {
    async fn is_suppressed(&self, a: &EmailAddress) -> Result<bool, StoreError> {
        repeated!(Repeat::Always, self.inner.is_suppressed(a))
    }
    async fn suppress(
        &self,
        a: &EmailAddress,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        repeated!(Repeat::Always, self.inner.suppress(a, reason, at))
    }
    async fn unsuppress(&self, a: &EmailAddress) -> Result<bool, StoreError> {
        repeated!(Repeat::IfNothingWritten, self.inner.unsuppress(a))
    }
    async fn suppressions(&self, limit: usize) -> Result<Vec<Suppression>, StoreError> {
        repeated!(Repeat::Always, self.inner.suppressions(limit))
    }
}

#[async_trait]
impl JobSchedule for RetryingStore {
    async fn take_lease(
        &self,
        lease: Lease,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        repeated!(
            Repeat::Always,
            self.inner.take_lease(lease, holder, now, until)
        )
    }
    async fn release_lease(&self, lease: Lease, holder: &str) -> Result<(), StoreError> {
        repeated!(Repeat::Always, self.inner.release_lease(lease, holder))
    }
    async fn job_next_runs(&self, jobs: &[Job]) -> Result<Vec<Option<DateTime<Utc>>>, StoreError> {
        repeated!(Repeat::Always, self.inner.job_next_runs(jobs))
    }
    async fn job_next_run(&self, job: &Job) -> Result<Option<DateTime<Utc>>, StoreError> {
        repeated!(Repeat::Always, self.inner.job_next_run(job))
    }
    async fn advance_job(
        &self,
        job: &Job,
        expected: Option<DateTime<Utc>>,
        next: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        repeated!(
            Repeat::IfNothingWritten,
            self.inner.advance_job(job, expected, next)
        )
    }
    async fn job_memo(&self, job: &Job) -> Result<Option<String>, StoreError> {
        repeated!(Repeat::Always, self.inner.job_memo(job))
    }
    async fn set_job_memo(&self, job: &Job, memo: &str) -> Result<(), StoreError> {
        repeated!(Repeat::Always, self.inner.set_job_memo(job, memo))
    }
}

#[async_trait]
impl Escalations for RetryingStore {
    async fn open_escalations(&self, limit: usize) -> Result<Vec<OpenEscalation>, StoreError> {
        repeated!(Repeat::Always, self.inner.open_escalations(limit))
    }
}

#[async_trait]
impl Boards for RetryingStore {
    async fn board(&self, board: Board) -> Result<Vec<BoardEntry>, StoreError> {
        repeated!(Repeat::Always, self.inner.board(board))
    }
}

#[async_trait]
impl RosterStore for RetryingStore {
    async fn roster(&self) -> Result<Option<Vec<Agent>>, StoreError> {
        repeated!(Repeat::Always, self.inner.roster())
    }
    async fn replace_roster(&self, agents: &[Agent], at: DateTime<Utc>) -> Result<(), StoreError> {
        repeated!(Repeat::Always, self.inner.replace_roster(agents, at))
    }
}

#[async_trait]
impl SheetLog for RetryingStore {
    async fn listed(
        &self,
        agent: &AgentId,
        day: NaiveDate,
    ) -> Result<BTreeSet<String>, StoreError> {
        repeated!(Repeat::Always, self.inner.listed(agent, day))
    }
    async fn mark_listed(
        &self,
        agent: &AgentId,
        day: NaiveDate,
        keys: &[String],
    ) -> Result<(), StoreError> {
        repeated!(Repeat::Always, self.inner.mark_listed(agent, day, keys))
    }
}
