//! The service facade: [`Aftercare`], built once from a store, a mailer,
//! the settings and the link key, and its named use cases. Every entry
//! point (the CLI, each Lambda, the web pages, the demo) calls these and
//! nothing else; nothing outside this module edits a customer's history.
//!
//! | use case | file |
//! |---|---|
//! | [`Aftercare::ingest`] (an event) | `care.rs`, with the unit of work every change goes through |
//! | [`Aftercare::run_due`] (due customer work, then mail) | `due.rs` |
//! | delivery of committed mail, parking refusals | `delivery.rs` |
//! | [`Aftercare::record_answer`], [`Aftercare::unsubscribe`], [`Aftercare::suppress`] | `customers.rs` |
//! | [`Aftercare::agent_calls`], [`Aftercare::outcome_page`], [`Aftercare::record_outcome`] | `calls.rs` |
//! | [`Aftercare::open_escalations`], [`Aftercare::escalation_page`], [`Aftercare::resolve_escalation`] | `escalations.rs` |
//! | [`Aftercare::call_sheets`], [`Aftercare::morning_report`] | `jobs.rs` |
//! | [`Aftercare::report`], [`Aftercare::reports`], [`Aftercare::manager_brief`] | `brief.rs` |
//! | [`Aftercare::responses`] (every answer of a range of days) | `responses.rs` |
//! | slot search and booking | `booking.rs` |

/// Slot search and booking (public for the scheduling benchmark; entry
/// points book through the use cases).
pub mod booking;
#[cfg(all(test, feature = "sqlite"))]
mod booking_props;
mod brief;
mod calls;
mod care;
mod cases;
mod customers;
mod delivery;
mod due;
mod escalations;
mod jobs;
mod responses;
mod scheduled;
mod tally;

pub use brief::{
    day_fingerprints, revised_days, AgentRow, AtRiskItem, Capped, DetractorItem, EscalationCounts,
    EscalationItem, ManagerBrief, TREND_DAYS,
};
pub use calls::{
    AttemptStatus, CallStatus, OutcomeForm, OutcomePage, OutcomeReceipt, ScheduledCall,
};
pub use care::Ingested;
pub use cases::{LowScoreCase, PriorityCall, CASE_LINK_DAYS};
pub use customers::{AnswerReceipt, Forgotten, SurveyPage, UnsubscribeBy, UnsubscribePage};
pub use delivery::Delivered;
pub use due::{Budget, DueRun};
pub use escalations::{
    EscalationPage, EscalationRef, EscalationSummary, ResolveForm, ESCALATION_LINK_DAYS,
};
pub use responses::ResponseRow;
pub use scheduled::ScheduledRun;
pub use tally::Tally;

use crate::adapters::retrying::RetryingStore;
use crate::config::Settings;
use crate::domain::ids::CustomerId;
use crate::domain::keys::MessageId;
use crate::domain::report::DailyReport;
use crate::domain::roster::Agent;
use crate::domain::surveys::AnswerRejection;
use crate::domain::token::{TokenError, TokenKey};
use crate::mail::render::RenderError;
use crate::ports::{Clock, Mailer, Parked, Store, StoreError, SystemClock};
use chrono::{DateTime, NaiveDate, Utc};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// How often a unit of work is retried after losing a race.
const MAX_RETRIES: usize = 16;

/// Why a request cannot apply: the caller's input, never our fault. It is
/// shown to whoever asked (a page says why; a rejected event is kept with
/// this text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// An event that is well-formed but cannot apply (names the event).
    #[error("{0}")]
    Event(String),
    #[error(transparent)]
    Link(#[from] TokenError),
    #[error(transparent)]
    Answer(#[from] AnswerRejection),
    /// A form value out of range or missing (names the field).
    #[error("{0}")]
    Invalid(String),
    #[error("the call is already closed")]
    CallClosed,
    #[error("this attempt's outcome is already recorded")]
    AttemptRecorded,
    #[error("there is no such call")]
    NoSuchCall,
    #[error("there is no open escalation for this call")]
    NoSuchEscalation,
    #[error("there is no such answer")]
    NoSuchCase,
    #[error("the escalation was already resolved")]
    AlreadyResolved,
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Rejected(#[from] Rejection),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error(transparent)]
    Report(#[from] crate::mail::render::ReportError),
    #[error("customer {0}: gave up after {MAX_RETRIES} concurrent changes")]
    Contended(CustomerId),
}

impl ServiceError {
    /// The caller's fault: retrying the same request cannot help.
    pub fn is_rejection(&self) -> bool {
        matches!(self, ServiceError::Rejected(_))
    }
}

impl From<TokenError> for ServiceError {
    fn from(e: TokenError) -> ServiceError {
        ServiceError::Rejected(Rejection::Link(e))
    }
}

/// How long the Lambdas keep a roster read from the table before reading
/// it again: an import reaches every warm function within a minute.
const ROSTER_TTL: std::time::Duration = std::time::Duration::from_secs(60);

/// Where the agents come from.
enum RosterSource {
    /// The settings' `[[agents]]` (the local runner).
    Settings(Arc<Vec<Agent>>),
    /// The table's imported roster, cached for [`ROSTER_TTL`] (AWS). None
    /// imported: no agents (every call unassigned, at risk), never a default.
    Stored(Mutex<Option<(Instant, Arc<Vec<Agent>>)>>),
}

/// aftercare's use cases over one store and one mailer.
pub struct Aftercare {
    store: Arc<dyn Store>,
    mailer: Arc<dyn Mailer>,
    settings: Settings,
    key: TokenKey,
    roster: RosterSource,
    /// The real clock, for what guards real concurrency (a sender's claim
    /// on a message, the scheduled work's lease), whatever `now` the use
    /// cases are given: a simulated run's senders still race in real time.
    wall: Arc<dyn Clock>,
    counts: tally::Counts,
    /// Whether mail a change queues is sent right after its commit (else
    /// it waits in the outbox for the due work of whoever runs it).
    deliver_inline: bool,
}

impl Aftercare {
    pub fn new(
        store: Arc<dyn Store>,
        mailer: Arc<dyn Mailer>,
        settings: Settings,
        key: TokenKey,
    ) -> Aftercare {
        let roster = RosterSource::Settings(Arc::new(settings.agents.clone()));
        Aftercare {
            store: Arc::new(RetryingStore::new(store)),
            mailer,
            settings,
            key,
            roster,
            wall: Arc::new(SystemClock),
            counts: tally::Counts::default(),
            deliver_inline: true,
        }
    }

    /// The same, leaving the mail its changes queue in the outbox: an
    /// operator's command on a deployment's table, whose due work sends it
    /// (a terminal never sends a deployment's mail).
    pub fn without_delivery(mut self) -> Aftercare {
        self.deliver_inline = false;
        self
    }

    /// The same, with another real clock for claims and leases (tests
    /// that let a claim expire).
    pub fn with_wall_clock(mut self, clock: Arc<dyn Clock>) -> Aftercare {
        self.wall = clock;
        self
    }

    /// What this service has done since it was built (see [`Tally`]).
    pub fn tally(&self) -> Tally {
        self.counts.snapshot()
    }

    /// Counts an event refused before it reached [`Aftercare::ingest`]
    /// (malformed, or from a source not allowed for its kind), so the
    /// rejected count covers every event that did not apply.
    pub fn note_rejected_event(&self) {
        tally::bump(&self.counts.events_rejected, 1);
    }

    /// The same, with the roster read from the store (as imported by
    /// `aftercare agents import`) instead of the settings: the Lambdas.
    pub fn with_stored_roster(mut self) -> Aftercare {
        self.roster = RosterSource::Stored(Mutex::new(None));
        self
    }

    /// The agents calls are booked to.
    pub async fn agents(&self) -> Result<Arc<Vec<Agent>>, ServiceError> {
        let cache = match &self.roster {
            RosterSource::Settings(agents) => return Ok(agents.clone()),
            RosterSource::Stored(cache) => cache,
        };
        if let Some((at, agents)) = cache.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            if at.elapsed() < ROSTER_TTL {
                return Ok(agents.clone());
            }
        }
        let agents = Arc::new(self.store.roster().await?.unwrap_or_default());
        *cache.lock().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), agents.clone()));
        Ok(agents)
    }

    /// Replaces the stored roster (a validated file, whole) and uses it
    /// from now on.
    pub async fn import_roster(
        &self,
        agents: Vec<Agent>,
        now: DateTime<Utc>,
    ) -> Result<(), ServiceError> {
        self.store.replace_roster(&agents, now).await?;
        if let RosterSource::Stored(cache) = &self.roster {
            *cache.lock().unwrap_or_else(|p| p.into_inner()) =
                Some((Instant::now(), Arc::new(agents)));
        }
        Ok(())
    }

    /// The roster in the store, if one was imported (what `aftercare
    /// agents list --table` shows, whatever this facade books with).
    pub async fn stored_roster(&self) -> Result<Option<Vec<Agent>>, ServiceError> {
        Ok(self.store.roster().await?)
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// One day's KPIs (SPEC 7): a constant number of store reads, whatever
    /// the volume behind it.
    pub async fn report(&self, date: NaiveDate) -> Result<DailyReport, ServiceError> {
        let counters = self.store.day(date).await?;
        Ok(DailyReport::from_counters(
            date,
            self.settings.policy.report_time_zone.name(),
            &counters,
        ))
    }

    /// Mail the transport refused for good, oldest first.
    pub async fn parked_mail(&self, limit: usize) -> Result<Vec<Parked>, ServiceError> {
        Ok(self.store.parked(limit).await?)
    }

    /// Puts a parked message back in the queue (its cause fixed: the SES
    /// sandbox left, an identity verified); false when it is not parked.
    pub async fn requeue_parked(
        &self,
        id: &MessageId,
        now: DateTime<Utc>,
    ) -> Result<bool, ServiceError> {
        Ok(self.store.requeue(id, now).await?)
    }

    /// Every parked message back in the queue; how many.
    pub async fn requeue_all_parked(&self, now: DateTime<Utc>) -> Result<usize, ServiceError> {
        let mut n = 0;
        loop {
            let page = self.store.parked(100).await?;
            let mut moved = 0;
            for p in &page {
                if self.store.requeue(&p.id, now).await? {
                    moved += 1;
                }
            }
            n += moved;
            if page.len() < 100 || moved == 0 {
                return Ok(n);
            }
        }
    }

    /// When the next piece of scheduled work (a customer's, or a job's)
    /// is due: what a clock driving aftercare waits for.
    pub async fn next_due(&self) -> Result<Option<DateTime<Utc>>, ServiceError> {
        let customers = self.store.next_due().await?;
        let jobs = self.jobs_next_due().await?;
        Ok(match (customers, jobs) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        })
    }
}
