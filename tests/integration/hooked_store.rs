//! A store around another, with hooks on its calls: what the tests use to
//! make a real store misbehave as a real deployment's can (an index that
//! lags, a request that fails before or after it took effect). Every call
//! goes to the inner store; a hook sees the operation's name before it
//! and its result after it, and may fail it or change what a listing
//! returns.

use aftercare_shared::domain::boards::Board;
use aftercare_shared::domain::history::History;
use aftercare_shared::domain::ids::{AgentId, CustomerId, EmailAddress};
use aftercare_shared::domain::keys::{AttemptKey, Job, MessageId, SurveyKey};
use aftercare_shared::domain::kpi::DayCounters;
use aftercare_shared::domain::roster::Agent;
use aftercare_shared::ports::*;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// What a test changes about a store's behaviour. Every method has a
/// default that changes nothing.
pub trait Hooks: Send + Sync {
    /// Before `operation` reaches the store: an error fails it unapplied.
    fn before(&self, _operation: &'static str) -> Result<(), StoreError> {
        Ok(())
    }
    /// After `operation` took effect: an error fails it applied (the
    /// caller cannot tell it happened).
    fn after(&self, _operation: &'static str) -> Result<(), StoreError> {
        Ok(())
    }
    /// What a due listing returns.
    fn due(&self, listed: Vec<Due>) -> Vec<Due> {
        listed
    }
    /// What an outbox listing returns.
    fn undelivered(&self, listed: Vec<Queued>) -> Vec<Queued> {
        listed
    }
}

pub struct Hooked {
    pub inner: Arc<dyn Store>,
    pub hooks: Arc<dyn Hooks>,
}

impl Hooked {
    pub fn new(inner: Arc<dyn Store>, hooks: Arc<dyn Hooks>) -> Hooked {
        Hooked { inner, hooks }
    }
}

/// Runs `call` on the inner store between the hooks.
macro_rules! hooked {
    ($self:ident, $op:literal, $call:expr) => {{
        $self.hooks.before($op)?;
        let out = $call.await?;
        $self.hooks.after($op)?;
        Ok(out)
    }};
}

#[async_trait]
impl Histories for Hooked {
    async fn load(&self, c: &CustomerId) -> Result<Option<History>, StoreError> {
        hooked!(self, "load", self.inner.load(c))
    }
    async fn commit(&self, c: &Commit) -> Result<(), StoreError> {
        hooked!(self, "commit", self.inner.commit(c))
    }
    async fn owner(&self, s: &SurveyKey) -> Result<Option<CustomerId>, StoreError> {
        hooked!(self, "owner", self.inner.owner(s))
    }
}

#[async_trait]
impl DueIndex for Hooked {
    async fn due(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<Due>, StoreError> {
        let listed: Vec<Due> = hooked!(self, "due", self.inner.due(now, limit))?;
        Ok(self.hooks.due(listed))
    }
    async fn next_due(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        hooked!(self, "next_due", self.inner.next_due())
    }
    async fn postpone(&self, c: &CustomerId, until: DateTime<Utc>) -> Result<(), StoreError> {
        hooked!(self, "postpone", self.inner.postpone(c, until))
    }
}

#[async_trait]
impl Counters for Hooked {
    async fn days(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<DayCounters>, StoreError> {
        hooked!(self, "days", self.inner.days(from, to))
    }
}

#[async_trait]
impl AgentCalendar for Hooked {
    async fn bookings(
        &self,
        agent: &AgentId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Booking>, StoreError> {
        hooked!(self, "bookings", self.inner.bookings(agent, from, to))
    }
    async fn booked_slots(
        &self,
        agent: &AgentId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<DateTime<Utc>>, StoreError> {
        hooked!(self, "bookings", self.inner.booked_slots(agent, from, to))
    }
    async fn booking_for(&self, a: &AttemptKey, round: u32) -> Result<Option<Booking>, StoreError> {
        hooked!(self, "booking_for", self.inner.booking_for(a, round))
    }
    async fn book(
        &self,
        b: &Booking,
        day: NaiveDate,
        capacity: u32,
    ) -> Result<BookResult, StoreError> {
        hooked!(self, "book", self.inner.book(b, day, capacity))
    }
    async fn agent_loads(
        &self,
        agent: &AgentId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<BTreeMap<NaiveDate, u32>, StoreError> {
        hooked!(self, "agent_loads", self.inner.agent_loads(agent, from, to))
    }
}

#[async_trait]
impl Outbox for Hooked {
    async fn enqueue(
        &self,
        m: &[Message],
        now: DateTime<Utc>,
    ) -> Result<Vec<MessageId>, StoreError> {
        hooked!(self, "enqueue", self.inner.enqueue(m, now))
    }
    async fn undelivered(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Queued>, StoreError> {
        let listed: Vec<Queued> = hooked!(self, "undelivered", self.inner.undelivered(now, limit))?;
        Ok(self.hooks.undelivered(listed))
    }
    async fn claim(
        &self,
        id: &MessageId,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        hooked!(self, "claim", self.inner.claim(id, now, until))
    }
    async fn mark_delivered(&self, id: &MessageId, now: DateTime<Utc>) -> Result<(), StoreError> {
        hooked!(self, "mark_delivered", self.inner.mark_delivered(id, now))
    }
    async fn discard(&self, id: &MessageId) -> Result<bool, StoreError> {
        hooked!(self, "discard", self.inner.discard(id))
    }
    async fn defer(
        &self,
        id: &MessageId,
        until: DateTime<Utc>,
        reason: &str,
    ) -> Result<(), StoreError> {
        hooked!(self, "defer", self.inner.defer(id, until, reason))
    }
    async fn park(
        &self,
        id: &MessageId,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        hooked!(self, "park", self.inner.park(id, reason, at))
    }
    async fn parked(&self, limit: usize) -> Result<Vec<Parked>, StoreError> {
        hooked!(self, "parked", self.inner.parked(limit))
    }
    async fn requeue(&self, id: &MessageId, now: DateTime<Utc>) -> Result<bool, StoreError> {
        hooked!(self, "requeue", self.inner.requeue(id, now))
    }
}

#[async_trait]
impl Suppressions for Hooked {
    async fn is_suppressed(&self, a: &EmailAddress) -> Result<bool, StoreError> {
        hooked!(self, "is_suppressed", self.inner.is_suppressed(a))
    }
    async fn suppress(
        &self,
        a: &EmailAddress,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        hooked!(self, "suppress", self.inner.suppress(a, reason, at))
    }
    async fn unsuppress(&self, a: &EmailAddress) -> Result<bool, StoreError> {
        hooked!(self, "unsuppress", self.inner.unsuppress(a))
    }
    async fn suppressions(&self, limit: usize) -> Result<Vec<Suppression>, StoreError> {
        hooked!(self, "suppressions", self.inner.suppressions(limit))
    }
}

#[async_trait]
impl JobSchedule for Hooked {
    async fn take_lease(
        &self,
        lease: Lease,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        hooked!(
            self,
            "take_lease",
            self.inner.take_lease(lease, holder, now, until)
        )
    }
    async fn release_lease(&self, lease: Lease, holder: &str) -> Result<(), StoreError> {
        hooked!(
            self,
            "release_lease",
            self.inner.release_lease(lease, holder)
        )
    }
    async fn job_next_runs(&self, jobs: &[Job]) -> Result<Vec<Option<DateTime<Utc>>>, StoreError> {
        hooked!(self, "job_next_runs", self.inner.job_next_runs(jobs))
    }
    async fn job_next_run(&self, job: &Job) -> Result<Option<DateTime<Utc>>, StoreError> {
        hooked!(self, "job_next_run", self.inner.job_next_run(job))
    }
    async fn advance_job(
        &self,
        job: &Job,
        expected: Option<DateTime<Utc>>,
        next: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        hooked!(
            self,
            "advance_job",
            self.inner.advance_job(job, expected, next)
        )
    }
    async fn job_memo(&self, job: &Job) -> Result<Option<String>, StoreError> {
        hooked!(self, "job_memo", self.inner.job_memo(job))
    }
    async fn set_job_memo(&self, job: &Job, memo: &str) -> Result<(), StoreError> {
        hooked!(self, "set_job_memo", self.inner.set_job_memo(job, memo))
    }
}

#[async_trait]
impl Escalations for Hooked {
    async fn open_escalations(&self, limit: usize) -> Result<Vec<OpenEscalation>, StoreError> {
        hooked!(self, "open_escalations", self.inner.open_escalations(limit))
    }
}

#[async_trait]
impl Boards for Hooked {
    async fn board(&self, board: Board) -> Result<Vec<BoardEntry>, StoreError> {
        hooked!(self, "board", self.inner.board(board))
    }
}

#[async_trait]
impl RosterStore for Hooked {
    async fn roster(&self) -> Result<Option<Vec<Agent>>, StoreError> {
        hooked!(self, "roster", self.inner.roster())
    }
    async fn replace_roster(&self, agents: &[Agent], at: DateTime<Utc>) -> Result<(), StoreError> {
        hooked!(
            self,
            "replace_roster",
            self.inner.replace_roster(agents, at)
        )
    }
}

#[async_trait]
impl SheetLog for Hooked {
    async fn listed(
        &self,
        agent: &AgentId,
        day: NaiveDate,
    ) -> Result<BTreeSet<String>, StoreError> {
        hooked!(self, "listed", self.inner.listed(agent, day))
    }
    async fn mark_listed(
        &self,
        agent: &AgentId,
        day: NaiveDate,
        keys: &[String],
    ) -> Result<(), StoreError> {
        hooked!(
            self,
            "mark_listed",
            self.inner.mark_listed(agent, day, keys)
        )
    }
}
