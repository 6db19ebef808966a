//! Running due customer work: each due customer is settled on its own. A
//! customer that fails (a corrupt history, a bug) is logged by id, counted,
//! and its due time backed off; the others go on. The run stops when its
//! time budget (a Lambda's remaining time) runs out, leaving the rest due.

use super::delivery::Delivered;
use super::{Aftercare, ServiceError};
use crate::domain::ids::CustomerId;
use crate::ports::{Due, StoreError};
use chrono::{DateTime, Duration, Utc};
use std::collections::HashSet;
use std::time::Instant;

/// How long the run may take.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    deadline: Option<Instant>,
}

impl Budget {
    pub fn unlimited() -> Budget {
        Budget { deadline: None }
    }
    /// Until `deadline` (for a Lambda: its deadline less a safety margin).
    pub fn until(deadline: Instant) -> Budget {
        Budget {
            deadline: Some(deadline),
        }
    }
    pub fn expired(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d)
    }
    /// The time left (`None`: no limit).
    pub fn remaining(&self) -> Option<std::time::Duration> {
        self.deadline
            .map(|d| d.saturating_duration_since(Instant::now()))
    }
}

/// What a due-work run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DueRun {
    pub settled: usize,
    /// Customers whose work failed and was postponed.
    pub failed: usize,
    pub mail: Delivered,
    /// The budget ran out with work still due.
    pub out_of_time: bool,
}

/// The wait after a customer's `failures`-th failure in a row: one
/// minute, doubling, at most a day.
pub fn settle_backoff(failures: u32) -> Duration {
    let minutes = 1i64 << failures.min(11);
    Duration::minutes(minutes.min(24 * 60))
}

/// A store that fails this many customers in a row is down: the run stops
/// (and is retried) instead of postponing everyone.
const MAX_STORE_FAILURES_IN_A_ROW: usize = 5;

impl Aftercare {
    /// Delivers the mail that is due, then runs every customer's work due
    /// at or before `now`, while the budget lasts.
    pub async fn run_due(
        &self,
        now: DateTime<Utc>,
        budget: Budget,
    ) -> Result<DueRun, ServiceError> {
        let (mail, out_of_time) = self.deliver_pending(now, budget).await?;
        let mut run = DueRun {
            mail,
            out_of_time,
            ..DueRun::default()
        };
        if out_of_time {
            return Ok(run);
        }
        let mut store_failures = 0;
        // Each customer once a run: an index that still lists one already
        // settled (it lags, or nothing changed and so nothing was written)
        // must not keep the run busy.
        let mut seen: HashSet<CustomerId> = HashSet::new();
        for _ in 0..10_000 {
            let due = self.store.due(now, 256).await?;
            let fresh: Vec<&Due> = due.iter().filter(|d| !seen.contains(&d.customer)).collect();
            if fresh.is_empty() {
                break;
            }
            for d in fresh {
                seen.insert(d.customer.clone());
                if budget.expired() {
                    run.out_of_time = true;
                    return Ok(run);
                }
                match self.settle(&d.customer, d.failures > 0, now).await {
                    Ok(()) => {
                        run.settled += 1;
                        store_failures = 0;
                    }
                    Err(e) => {
                        let outage = matches!(e, ServiceError::Store(StoreError::Unavailable(_)));
                        store_failures = if outage { store_failures + 1 } else { 0 };
                        if store_failures >= MAX_STORE_FAILURES_IN_A_ROW {
                            return Err(e);
                        }
                        let until = now + settle_backoff(d.failures);
                        tracing::warn!(customer = %d.customer, error = %e, failures = d.failures + 1, retry_at = %until, "customer's due work failed; postponed");
                        self.store.postpone(&d.customer, until).await?;
                        run.failed += 1;
                    }
                }
            }
        }
        Ok(run)
    }
}
