//! Delivering committed mail. Each message is tried on its own: a
//! transport that is throttled or down defers that message with backoff
//! and the rest go on; a refusal for good parks the message with its
//! reason (listed by `aftercare outbox --parked`), never retried forever.

use super::{Aftercare, ServiceError};
use crate::ports::{MailError, Message};
use chrono::{DateTime, Duration, Utc};

/// After this many failed tries a message is parked, whatever the failure.
pub const MAX_DELIVERY_ATTEMPTS: u32 = 12;

/// How long to wait after `attempts` failures: one minute, doubling, at
/// most six hours (twelve attempts span about a day and a half).
pub fn delivery_backoff(attempts: u32) -> Duration {
    let minutes = 1i64 << attempts.min(9);
    Duration::minutes(minutes.min(6 * 60))
}

/// What a delivery pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    pub sent: usize,
    pub deferred: usize,
    pub parked: usize,
}

impl Delivered {
    pub fn add(&mut self, other: Delivered) {
        self.sent += other.sent;
        self.deferred += other.deferred;
        self.parked += other.parked;
    }
}

impl Aftercare {
    /// Sends one message that has failed `attempts` times before, and
    /// records what happened to it.
    async fn send_one(
        &self,
        m: &Message,
        attempts: u32,
        now: DateTime<Utc>,
        done: &mut Delivered,
    ) -> Result<(), ServiceError> {
        match self.mailer.send(m).await {
            Ok(()) => {
                done.sent += 1;
                if let Err(e) = self.store.mark_delivered(&m.id).await {
                    tracing::warn!(message = %m.id, error = %e, "delivered but not marked; it may be sent again");
                }
            }
            Err(MailError::Refused { reason, .. }) => {
                tracing::warn!(message = %m.id, %reason, "refused by the transport; parked");
                self.store.park(&m.id, &reason, now).await?;
                done.parked += 1;
            }
            Err(e @ MailError::Unavailable(_)) => {
                let reason = e.to_string();
                if attempts + 1 >= MAX_DELIVERY_ATTEMPTS {
                    tracing::warn!(message = %m.id, %reason, attempts = attempts + 1, "delivery keeps failing; parked");
                    let why = format!("gave up after {} attempts: {reason}", attempts + 1);
                    self.store.park(&m.id, &why, now).await?;
                    done.parked += 1;
                } else {
                    let until = now + delivery_backoff(attempts);
                    tracing::warn!(message = %m.id, %reason, retry_at = %until, "delivery failed; will retry");
                    self.store.defer(&m.id, until, &reason).await?;
                    done.deferred += 1;
                }
            }
        }
        Ok(())
    }

    /// Delivers freshly committed messages; a failure leaves them in the
    /// outbox, deferred or parked.
    pub(super) async fn deliver(
        &self,
        messages: &[Message],
        now: DateTime<Utc>,
    ) -> Result<Delivered, ServiceError> {
        let mut done = Delivered::default();
        for m in messages {
            self.send_one(m, 0, now, &mut done).await?;
        }
        Ok(done)
    }

    /// Delivers whatever the outbox holds that is due at `now` (mail a
    /// killed run committed but did not send, retries whose wait is over).
    pub async fn deliver_pending(&self, now: DateTime<Utc>) -> Result<Delivered, ServiceError> {
        const PAGE: usize = 100;
        let mut done = Delivered::default();
        // Each pass marks, defers or parks every message it read, so none
        // comes back in the next page; the bound is a safety net.
        for _ in 0..10_000 {
            let pending = self.store.undelivered(now, PAGE).await?;
            for q in &pending {
                self.send_one(&q.message, q.attempts, now, &mut done)
                    .await?;
            }
            if pending.len() < PAGE {
                break;
            }
        }
        Ok(done)
    }
}
