//! The AWS mailer: SES v2 `SendEmail` with the raw MIME message, so the
//! `List-Unsubscribe` headers travel as written.
//!
//! SES's answers are sorted into the two kinds the outbox acts on: a
//! refusal that will never change (`MessageRejected`, a suspended account,
//! an unverified MAIL FROM domain, a bad request such as an address SES
//! cannot take) parks the message; throttling, paused sending, timeouts and
//! outages are retried with backoff.

use crate::mail::redact_addresses;
use crate::ports::{MailError, Mailer, Message};
use async_trait::async_trait;
use aws_sdk_sesv2::error::SdkError;
use aws_sdk_sesv2::operation::send_email::SendEmailError;
use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{Destination, EmailContent, RawMessage};
use aws_sdk_sesv2::Client;

pub struct SesMailer {
    client: Client,
    configuration_set: Option<String>,
}

impl SesMailer {
    pub fn new(client: Client, configuration_set: Option<String>) -> SesMailer {
        SesMailer {
            client,
            configuration_set,
        }
    }
}

#[async_trait]
impl Mailer for SesMailer {
    async fn send(&self, m: &Message) -> Result<(), MailError> {
        let raw = RawMessage::builder()
            .data(Blob::new(m.raw.as_bytes()))
            .build()
            .map_err(|e| MailError::Refused {
                id: m.id.clone(),
                reason: e.to_string(),
            })?;
        let destination = Destination::builder()
            .set_to_addresses(Some(m.to.clone()))
            .build();
        self.client
            .send_email()
            .from_email_address(&m.from)
            .destination(destination)
            .content(EmailContent::builder().raw(raw).build())
            .set_configuration_set_name(self.configuration_set.clone())
            .send()
            .await
            .map_err(|e| classify(m, e))?;
        Ok(())
    }
}

fn classify<R: std::fmt::Debug + Send + Sync + 'static>(
    m: &Message,
    e: SdkError<SendEmailError, R>,
) -> MailError {
    let permanent = matches!(
        &e,
        SdkError::ServiceError(s) if matches!(
            s.err(),
            SendEmailError::MessageRejected(_)
                | SendEmailError::AccountSuspendedException(_)
                | SendEmailError::MailFromDomainNotVerifiedException(_)
                | SendEmailError::BadRequestException(_)
                | SendEmailError::NotFoundException(_)
        )
    );
    // SES names refused identities in its text: never let one reach a log.
    let text = redact_addresses(&aws_sdk_sesv2::error::DisplayErrorContext(e).to_string());
    if permanent {
        MailError::Refused {
            id: m.id.clone(),
            reason: text,
        }
    } else {
        MailError::Unavailable(text.into())
    }
}
