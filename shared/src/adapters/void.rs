//! The mailer of an entry point that must not send mail (the SES feedback
//! function, an operator's command on a deployment's table): every message
//! is refused rather than sent from the wrong place. Entry points that
//! commit mail without sending it build the facade without inline
//! delivery, so the deployment's due work sends it.

use crate::ports::{MailError, Mailer, Message};
use async_trait::async_trait;

pub struct VoidMailer;

#[async_trait]
impl Mailer for VoidMailer {
    async fn send(&self, message: &Message) -> Result<(), MailError> {
        Err(MailError::Refused {
            id: message.id.clone(),
            reason: "this entry point sends no mail".into(),
        })
    }
}
