//! SNS → the suppression list: each record's message is an SES bounce or
//! complaint notification; permanent bounces and complaints suppress
//! their recipients. Every record is applied before any failure is
//! reported, so one bad notification never holds back the others.

use aftercare_lambda::{decode, HandlerError};
use aftercare_shared::inbound::ses_feedback::parse_notification;
use aftercare_shared::services::Aftercare;
use aws_lambda_events::sns::SnsEvent;
use lambda_runtime::LambdaEvent;
use serde_json::Value;

pub async fn handle(service: &Aftercare, event: LambdaEvent<Value>) -> Result<usize, HandlerError> {
    let delivery: SnsEvent = decode("an SNS delivery", event.payload)?;
    let now = chrono::Utc::now();
    let mut suppressed = 0;
    let mut failure: Option<HandlerError> = None;
    for record in &delivery.records {
        let applied = match parse_notification(&record.sns.message) {
            Ok(feedback) => service
                .mail_feedback(&feedback, now)
                .await
                .map_err(HandlerError::from),
            Err(e) => Err(HandlerError::rejected(e.to_string())),
        };
        match applied {
            Ok(n) => suppressed += n,
            Err(e) => {
                tracing::warn!(message_id = %record.sns.message_id, error = %e.message, "an SES notification was not applied");
                // A retryable failure wins: SNS retries the whole delivery.
                if failure.as_ref().is_none_or(|f| !f.retryable) {
                    failure = Some(e);
                }
            }
        }
    }
    tracing::info!(
        records = delivery.records.len(),
        suppressed,
        "SES feedback applied"
    );
    match failure {
        Some(e) => Err(e),
        None => Ok(suppressed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aftercare_lambda::testing::local_service;
    use aftercare_shared::config::Settings;
    use aftercare_shared::domain::ids::EmailAddress;
    use aftercare_shared::testing::sns_delivery;
    use lambda_runtime::{Context, Diagnostic};
    use serde_json::json;

    #[tokio::test]
    async fn a_payload_that_is_not_an_sns_delivery_is_rejected_by_our_own_error_type() {
        let dir = tempfile::tempdir().unwrap();
        let service = local_service(dir.path(), Settings::default());
        let err = handle(
            &service,
            LambdaEvent::new(json!([1, 2]), Context::default()),
        )
        .await
        .unwrap_err();
        assert_eq!(Diagnostic::from(err).error_type, "Rejected");
    }

    fn sns(messages: &[&str]) -> LambdaEvent<Value> {
        LambdaEvent::new(sns_delivery(messages), Context::default())
    }

    const PERMANENT: &str = r#"{"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bounceSubType":"NoEmail","bouncedRecipients":[{"emailAddress":"gone@example.com","action":"failed","status":"5.1.1"}],"timestamp":"2026-11-20T10:00:00.000Z","feedbackId":"f-1"},"mail":{"messageId":"m-1","destination":["gone@example.com"]}}"#;
    const TRANSIENT: &str = r#"{"eventType":"Bounce","bounce":{"bounceType":"Transient","bounceSubType":"MailboxFull","bouncedRecipients":[{"emailAddress":"full@example.com"}],"timestamp":"2026-11-20T10:00:00.000Z","feedbackId":"f-2"},"mail":{"messageId":"m-2"}}"#;
    const COMPLAINT: &str = r#"{"eventType":"Complaint","complaint":{"complainedRecipients":[{"emailAddress":"angry@example.com"}],"timestamp":"2026-11-20T10:00:00.000Z","feedbackId":"f-3","complaintFeedbackType":"abuse"},"mail":{"messageId":"m-3"}}"#;

    fn address(a: &str) -> EmailAddress {
        EmailAddress::parse(a).unwrap_or_else(|e| panic!("{a}: {e}"))
    }

    #[tokio::test]
    async fn permanent_bounces_and_complaints_suppress_transient_bounces_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let service = local_service(dir.path(), Settings::default());
        let n = handle(&service, sns(&[PERMANENT, TRANSIENT, COMPLAINT]))
            .await
            .unwrap();
        assert_eq!(n, 2);
        let listed = service.suppressions(100).await.unwrap();
        let addresses: Vec<&str> = listed.iter().map(|s| s.address.as_str()).collect();
        assert_eq!(addresses, ["angry@example.com", "gone@example.com"]);
        assert_eq!(listed[1].reason, "bounce: permanent (NoEmail)");
        assert!(service
            .is_suppressed(&address("gone@example.com"))
            .await
            .unwrap());
        assert!(!service
            .is_suppressed(&address("full@example.com"))
            .await
            .unwrap());
    }

    #[tokio::test]
    async fn a_notification_delivered_twice_suppresses_once() {
        let dir = tempfile::tempdir().unwrap();
        let service = local_service(dir.path(), Settings::default());
        handle(&service, sns(&[PERMANENT])).await.unwrap();
        handle(&service, sns(&[PERMANENT])).await.unwrap();
        assert_eq!(service.suppressions(100).await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn a_malformed_notification_is_rejected_and_the_rest_still_apply() {
        let dir = tempfile::tempdir().unwrap();
        let service = local_service(dir.path(), Settings::default());
        let bad = r#"{"eventType":"Bounce","bounce":{"bouncedRecipients":[]}}"#;
        let err = handle(&service, sns(&[bad, COMPLAINT])).await.unwrap_err();
        let diagnostic = Diagnostic::from(err);
        assert_eq!(diagnostic.error_type, "Rejected");
        assert!(diagnostic.error_message.contains("bounce.bounceType"));
        assert!(service
            .is_suppressed(&address("angry@example.com"))
            .await
            .unwrap());
    }
}
