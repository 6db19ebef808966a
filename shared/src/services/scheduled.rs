//! The scheduled work as one run under one lease: due mail and customers,
//! the agents' call sheets and the managers' morning email. On AWS two
//! schedules invoke it (due work every few minutes, the morning email at
//! the report hour) and Lambda retries a failed invocation, so runs can
//! overlap; the lease in the store lets one of them work at a time. A
//! lease rather than reserved concurrency: it also holds across the two
//! functions and a retry, and reserving concurrency is refused in the
//! accounts new businesses start with (their limit leaves none to reserve).
//!
//! Everything runs inside the run's time budget; what is left is the next
//! run's. The lease lasts the budget, so a runner that dies (a timeout)
//! frees it when its invocation would have ended anyway.

use super::due::{Budget, DueRun};
use super::{Aftercare, ServiceError};
use crate::domain::keys::Job;
use crate::ports::Lease;
use chrono::{DateTime, Duration, Utc};

/// How long the lease lasts when the run has no time limit (a local
/// runner): longer than any run, short enough to recover from a crash.
const UNLIMITED_LEASE: Duration = Duration::minutes(15);
/// A margin past the budget, for the release and the response.
const LEASE_MARGIN: Duration = Duration::seconds(30);
/// How often a run that waits for the lease asks again.
const WAIT_STEP: std::time::Duration = std::time::Duration::from_secs(2);

/// What a scheduled run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduledRun {
    /// Another run holds the lease: this one did nothing.
    Busy,
    Ran {
        due: DueRun,
        /// Job occurrences run (call sheets, updates, morning emails).
        jobs: usize,
        /// The budget ran out with work left for the next run.
        out_of_time: bool,
    },
}

impl Aftercare {
    /// Everything scheduled that is due at `now`, if no other run is at
    /// it; `holder` names this run (a Lambda request id).
    pub async fn run_scheduled(
        &self,
        now: DateTime<Utc>,
        budget: Budget,
        holder: &str,
    ) -> Result<ScheduledRun, ServiceError> {
        self.under_lease(budget, holder, false, || async {
            let due = self.run_due(now, budget).await?;
            if due.out_of_time {
                return Ok(ScheduledRun::Ran {
                    due,
                    jobs: 0,
                    out_of_time: true,
                });
            }
            let (jobs, out_of_time) = self.run_jobs(now, budget, |_| true).await?;
            Ok(ScheduledRun::Ran {
                due,
                jobs,
                out_of_time,
            })
        })
        .await
    }

    /// The morning email when it is due, under the same lease, waiting for
    /// a run in progress while the budget lasts (the email must not wait
    /// for the next schedule); `Busy` if the budget runs out first.
    pub async fn run_morning(
        &self,
        now: DateTime<Utc>,
        budget: Budget,
        holder: &str,
    ) -> Result<ScheduledRun, ServiceError> {
        self.under_lease(budget, holder, true, || async {
            let (jobs, out_of_time) = self
                .run_jobs(now, budget, |job| *job == Job::DailyReport)
                .await?;
            Ok(ScheduledRun::Ran {
                due: DueRun::default(),
                jobs,
                out_of_time,
            })
        })
        .await
    }

    async fn under_lease<F, Fut>(
        &self,
        budget: Budget,
        holder: &str,
        wait: bool,
        work: F,
    ) -> Result<ScheduledRun, ServiceError>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<ScheduledRun, ServiceError>>,
    {
        loop {
            let wall = self.wall.now();
            let length = budget
                .remaining()
                .and_then(|d| Duration::from_std(d).ok())
                .map_or(UNLIMITED_LEASE, |d| d + LEASE_MARGIN);
            if self
                .store
                .take_lease(Lease::ScheduledWork, holder, wall, wall + length)
                .await?
            {
                break;
            }
            if !wait || budget.remaining().is_some_and(|left| left <= WAIT_STEP) {
                tracing::info!("another run holds the scheduled work's lease; nothing done");
                return Ok(ScheduledRun::Busy);
            }
            tokio::time::sleep(WAIT_STEP).await;
        }
        let result = work().await;
        // A failed release only delays the next run until the lease expires.
        if let Err(e) = self.store.release_lease(Lease::ScheduledWork, holder).await {
            tracing::warn!(error = %e, "could not release the scheduled work's lease");
        }
        result
    }
}
