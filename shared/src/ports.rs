//! Ports: the small traits the services need from the outside world.
//! Adapters in [`crate::adapters`] implement them; every store passes the
//! one conformance suite in `tests/integration/store_conformance.rs`.

use crate::domain::history::History;
use crate::domain::ids::{AgentId, CustomerId};
use crate::domain::kpi::{Contributions, DayCounters};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another writer changed the customer first: reload and try again.
    #[error("customer {0} was changed concurrently")]
    Conflict(String),
    /// The order or ticket already belongs to another customer.
    #[error("{subject} already belongs to another customer")]
    ClaimedByOther { subject: String },
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("store unavailable: {0}")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
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
    /// Orders/tickets (survey keys such as `nps:o-1`) claimed by this customer.
    pub claims: Vec<String>,
    /// When this customer next has due work.
    pub next_due: Option<DateTime<Utc>>,
    /// Mail to deliver once the commit has landed (the outbox).
    pub messages: Vec<Message>,
}

/// A rendered email, kept in the outbox until delivered.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Deterministic: the same message always gets the same id.
    pub id: String,
    pub from: String,
    pub to: Vec<String>,
    /// Full MIME text (RFC 5322), CRLF line ends.
    pub raw: String,
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Message({}, {} recipients)", self.id, self.to.len())
    }
}

/// An agent's slot booked for one attempt of one call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Booking {
    pub agent: AgentId,
    pub slot: DateTime<Utc>,
    /// `call id#attempt`.
    pub call_key: String,
    pub customer: CustomerId,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BookResult {
    Booked,
    /// The agent already has a call in that slot.
    SlotTaken,
}

#[async_trait]
pub trait Store: Send + Sync {
    /// The customer's history, or `None` if never stored.
    async fn load(&self, customer: &CustomerId) -> Result<Option<History>, StoreError>;

    /// Applies a [`Commit`] atomically: all of it or none of it. Fails with
    /// [`StoreError::Conflict`] if the stored version is not
    /// `expected_version`, and with [`StoreError::ClaimedByOther`] if a claim
    /// is held by another customer.
    async fn commit(&self, commit: &Commit) -> Result<(), StoreError>;

    /// Who claimed an order or ticket (by survey key, `nps:o-1` / `csat:t-1`).
    async fn owner(&self, subject: &str) -> Result<Option<CustomerId>, StoreError>;

    /// Customers with due work at or before `now`, earliest first.
    async fn due(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<CustomerId>, StoreError>;

    /// The earliest due time of any customer.
    async fn next_due(&self) -> Result<Option<DateTime<Utc>>, StoreError>;

    /// A day's counters: plain metrics for that day, delta metrics summed
    /// over every day up to and including it.
    async fn day(&self, date: NaiveDate) -> Result<DayCounters, StoreError>;

    /// An agent's bookings with `from <= slot < to`.
    async fn bookings(
        &self,
        agent: &AgentId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Booking>, StoreError>;

    /// The booking already made for a call attempt, if any.
    async fn booking_for(&self, call_key: &str) -> Result<Option<Booking>, StoreError>;

    /// Books a slot unless the agent already has one then, or the attempt
    /// is already booked (then the earlier booking stands: `SlotTaken`).
    /// `agent_day` is the slot's day in the agent's time zone: a booking
    /// counts towards that day's load, atomically with the booking.
    async fn book(&self, booking: &Booking, agent_day: NaiveDate)
        -> Result<BookResult, StoreError>;

    /// How many calls an agent has booked on each of their local days in
    /// `from..=to` (days without bookings are absent).
    async fn agent_loads(
        &self,
        agent: &AgentId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<BTreeMap<NaiveDate, u32>, StoreError>;

    /// Queues messages that belong to no customer (reports, call sheets).
    async fn enqueue(&self, messages: &[Message]) -> Result<(), StoreError>;

    /// Messages committed but not yet delivered, oldest first.
    async fn undelivered(&self, limit: usize) -> Result<Vec<Message>, StoreError>;

    async fn mark_delivered(&self, message_id: &str) -> Result<(), StoreError>;

    /// Whether an address is on the suppression list (bounce, complaint,
    /// unsubscribe). Addresses compare case-insensitively.
    async fn is_suppressed(&self, address: &str) -> Result<bool, StoreError>;

    async fn suppress(
        &self,
        address: &str,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// When a scheduled job (daily report, an agent's call sheet) next runs.
    async fn job_next_run(&self, job: &str) -> Result<Option<DateTime<Utc>>, StoreError>;

    /// Moves a job on, only if it still is at `expected` (so two runners
    /// never both run it): returns false when another runner moved it.
    async fn advance_job(
        &self,
        job: &str,
        expected: Option<DateTime<Utc>>,
        next: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("the message {id} was refused: {reason}")]
    Refused { id: String, reason: String },
    #[error("mail transport unavailable: {0}")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

#[async_trait]
pub trait Mailer: Send + Sync {
    /// Delivers one message. Sending the same message id twice must not
    /// produce two emails where the transport allows it (the outbox
    /// directory overwrites its file; SES cannot promise it).
    async fn send(&self, message: &Message) -> Result<(), MailError>;
}

/// The time source. Services take `now` as an argument; the clock lives at
/// the edges (Lambda handlers, the local runner's simulated clock).
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
