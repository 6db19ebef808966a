//! What the mail transport tells us about delivered mail (SES bounce and
//! complaint notifications), and which of it stops the mail to an
//! address.

use crate::domain::ids::EmailAddress;

/// One notification about one sent message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailFeedback {
    pub kind: FeedbackKind,
    pub recipients: Vec<EmailAddress>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedbackKind {
    /// The address can never receive mail (`Permanent` bounce); the
    /// subtype says why (`General`, `NoEmail`, `Suppressed`, ...).
    PermanentBounce { sub_type: String },
    /// A full mailbox, a greylisting server, an undetermined failure: the
    /// next mail may arrive, so nothing is suppressed.
    TransientBounce { sub_type: String },
    /// The recipient marked the mail as spam.
    Complaint { feedback_type: Option<String> },
    /// Another event type (a delivery, a send, an open): nothing to do.
    Other(String),
}

impl MailFeedback {
    /// The reason to suppress the recipients, or `None` when this
    /// feedback must not stop the mail (SPEC 5: bounced or complained
    /// addresses get no survey; a transient bounce is neither).
    pub fn suppression_reason(&self) -> Option<String> {
        match &self.kind {
            FeedbackKind::PermanentBounce { sub_type } => {
                Some(format!("bounce: permanent ({sub_type})"))
            }
            FeedbackKind::Complaint { feedback_type } => Some(match feedback_type {
                Some(t) => format!("complaint ({t})"),
                None => "complaint".to_string(),
            }),
            FeedbackKind::TransientBounce { .. } | FeedbackKind::Other(_) => None,
        }
    }
}
