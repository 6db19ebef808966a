//! Delivering committed mail. Each message is tried on its own: a
//! transport that is throttled or down defers that message with backoff
//! and the rest go on; a refusal for good parks the message with its
//! reason (listed by `aftercare outbox --parked`, put back by
//! `aftercare outbox --requeue`), never retried forever.
//!
//! A sender claims a message before sending it (see `Outbox::claim`), so
//! two senders (the delivery after a commit and a due-work run, or two
//! overlapping runs) never both send it. What remains is the window
//! between the transport accepting a message and its mark landing: a
//! sender that dies there leaves its claim to expire ([`CLAIM`]), and the
//! next sender sends the message again. That is the one way a message
//! can go out twice; SES cannot deduplicate it.

use super::due::Budget;
use super::tally::bump;
use super::{Aftercare, ServiceError};
use crate::ports::{MailError, Message};
use chrono::{DateTime, Duration, Utc};

/// How long a sender holds a message it claimed: longer than one send
/// with the SDK's own retries, short enough that a message whose sender
/// died goes out with the next run.
pub const CLAIM: Duration = Duration::minutes(2);

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
    /// Sends one message that has failed `attempts` times before, and
    /// records what happened to it; false when another sender has it (or
    /// it is already delivered).
    async fn send_one(
        &self,
        m: &Message,
        attempts: u32,
        now: DateTime<Utc>,
        done: &mut Delivered,
    ) -> Result<bool, ServiceError> {
        let wall = self.wall.now();
        if !self.store.claim(&m.id, wall, wall + CLAIM).await? {
            return Ok(false);
        }
        match self.mailer.send(m).await {
            Ok(()) => {
                tracing::debug!(message = %m.id, "sent");
                done.sent += 1;
                bump(&self.counts.mail_sent, 1);
                if let Err(e) = self.store.mark_delivered(&m.id, now).await {
                    tracing::warn!(message = %m.id, error = %e, "delivered but not marked; it may be sent again once its claim expires");
                }
            }
            Err(MailError::Refused { reason, .. }) => {
                tracing::warn!(message = %m.id, %reason, "refused by the transport; parked");
                self.store.park(&m.id, &reason, now).await?;
                done.parked += 1;
                bump(&self.counts.mail_parked, 1);
            }
            Err(e @ MailError::Unavailable(_)) => {
                let reason = e.to_string();
                if attempts + 1 >= MAX_DELIVERY_ATTEMPTS {
                    tracing::warn!(message = %m.id, %reason, attempts = attempts + 1, "delivery keeps failing; parked");
                    let why = format!("gave up after {} attempts: {reason}", attempts + 1);
                    self.store.park(&m.id, &why, now).await?;
                    done.parked += 1;
                    bump(&self.counts.mail_parked, 1);
                } else {
                    let until = now + delivery_backoff(attempts);
                    tracing::warn!(message = %m.id, %reason, retry_at = %until, "delivery failed; will retry");
                    self.store.defer(&m.id, until, &reason).await?;
                    done.deferred += 1;
                    bump(&self.counts.mail_deferred, 1);
                }
            }
        }
        Ok(true)
    }

    /// Delivers freshly committed messages; a failure leaves them in the
    /// outbox, deferred or parked.
    pub(super) async fn deliver(
        &self,
        messages: &[Message],
        now: DateTime<Utc>,
    ) -> Result<Delivered, ServiceError> {
        let mut done = Delivered::default();
        if !self.deliver_inline {
            return Ok(done);
        }
        for m in messages {
            self.send_one(m, 0, now, &mut done).await?;
        }
        Ok(done)
    }

    /// Delivers whatever the outbox holds that is due at `now` (mail a
    /// killed run committed but did not send, retries whose wait is over),
    /// while `budget` lasts; what is left is the next run's. Returns what
    /// was done, and whether the budget ran out first.
    pub async fn deliver_pending(
        &self,
        now: DateTime<Utc>,
        budget: Budget,
    ) -> Result<(Delivered, bool), ServiceError> {
        const PAGE: usize = 100;
        let mut done = Delivered::default();
        // Each page's messages are marked, deferred or parked, so they do
        // not come back; a page that another sender holds whole ends the
        // pass (that sender is delivering it).
        loop {
            let pending = self.store.undelivered(now, PAGE).await?;
            let mut mine = 0;
            for q in &pending {
                if budget.expired() {
                    return Ok((done, true));
                }
                if self
                    .send_one(&q.message, q.attempts, now, &mut done)
                    .await?
                {
                    mine += 1;
                }
            }
            if pending.len() < PAGE || mine == 0 {
                return Ok((done, false));
            }
        }
    }
}
