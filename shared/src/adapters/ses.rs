//! The AWS mailer: SES v2 `SendEmail` with the raw MIME message, so the
//! `List-Unsubscribe` headers travel as written.

use crate::mail::redact_addresses;
use crate::ports::{MailError, Mailer, Message};
use async_trait::async_trait;
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
            .map_err(|e| {
                let e = aws_sdk_sesv2::error::DisplayErrorContext(e);
                MailError::Unavailable(redact_addresses(&e.to_string()).into())
            })?;
        Ok(())
    }
}
