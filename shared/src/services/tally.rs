//! What the service has done since it was built: events accepted,
//! duplicate and rejected, mail sent, deferred and parked, calls booked and
//! at risk. The Lambdas publish the difference each invocation makes as
//! CloudWatch metrics, which the deployment's alarms watch. Counted only
//! once a change has committed, so a retried unit of work counts once.

use std::sync::atomic::{AtomicU64, Ordering};

/// A snapshot of the counts.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub events_accepted: u64,
    pub events_duplicate: u64,
    pub events_rejected: u64,
    pub mail_sent: u64,
    pub mail_deferred: u64,
    pub mail_parked: u64,
    pub calls_booked: u64,
    pub calls_at_risk: u64,
}

impl Tally {
    /// The counts as (metric name, value), in a fixed order.
    pub fn metrics(&self) -> [(&'static str, u64); 8] {
        [
            ("EventsAccepted", self.events_accepted),
            ("EventsDuplicate", self.events_duplicate),
            ("EventsRejected", self.events_rejected),
            ("MailSent", self.mail_sent),
            ("MailDeferred", self.mail_deferred),
            ("MailParked", self.mail_parked),
            ("CallsBooked", self.calls_booked),
            ("CallsAtRisk", self.calls_at_risk),
        ]
    }

    /// What happened between `before` and `self`.
    pub fn since(&self, before: &Tally) -> Tally {
        Tally {
            events_accepted: self.events_accepted.saturating_sub(before.events_accepted),
            events_duplicate: self
                .events_duplicate
                .saturating_sub(before.events_duplicate),
            events_rejected: self.events_rejected.saturating_sub(before.events_rejected),
            mail_sent: self.mail_sent.saturating_sub(before.mail_sent),
            mail_deferred: self.mail_deferred.saturating_sub(before.mail_deferred),
            mail_parked: self.mail_parked.saturating_sub(before.mail_parked),
            calls_booked: self.calls_booked.saturating_sub(before.calls_booked),
            calls_at_risk: self.calls_at_risk.saturating_sub(before.calls_at_risk),
        }
    }
}

/// One counter per field of [`Tally`], shared by concurrent use cases.
#[derive(Debug, Default)]
pub(super) struct Counts {
    pub events_accepted: AtomicU64,
    pub events_duplicate: AtomicU64,
    pub events_rejected: AtomicU64,
    pub mail_sent: AtomicU64,
    pub mail_deferred: AtomicU64,
    pub mail_parked: AtomicU64,
    pub calls_booked: AtomicU64,
    pub calls_at_risk: AtomicU64,
}

/// Adds `n` to a counter (relaxed: they are independent tallies).
pub(super) fn bump(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Ordering::Relaxed);
}

impl Counts {
    pub fn snapshot(&self) -> Tally {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Tally {
            events_accepted: get(&self.events_accepted),
            events_duplicate: get(&self.events_duplicate),
            events_rejected: get(&self.events_rejected),
            mail_sent: get(&self.mail_sent),
            mail_deferred: get(&self.mail_deferred),
            mail_parked: get(&self.mail_parked),
            calls_booked: get(&self.calls_booked),
            calls_at_risk: get(&self.calls_at_risk),
        }
    }
}
