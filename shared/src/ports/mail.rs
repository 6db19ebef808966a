//! Sending mail.

use crate::domain::keys::MessageId;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// A rendered email, kept in the outbox until delivered.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Deterministic: the same message always gets the same id.
    pub id: MessageId,
    pub from: String,
    pub to: Vec<String>,
    /// Full MIME text (RFC 5322), CRLF line ends.
    pub raw: String,
}

/// Addresses are personal data: only the id and the count are shown.
impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Message({}, {} recipients)", self.id, self.to.len())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The transport will never take this message (a rejected message, a
    /// suspended account, an address it cannot deliver to): it is parked
    /// with the reason, never retried.
    #[error("the message {id} was refused: {reason}")]
    Refused { id: MessageId, reason: String },
    /// Throttled, timed out or down: retried later with backoff.
    #[error("mail transport unavailable: {0}")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

#[async_trait]
pub trait Mailer: Send + Sync {
    /// Delivers one message. Sending the same message id twice must not
    /// produce two emails where the transport allows it (the outbox
    /// directory overwrites its file; SES cannot promise it). Reasons in
    /// errors carry no email address.
    async fn send(&self, message: &Message) -> Result<(), MailError>;
}
