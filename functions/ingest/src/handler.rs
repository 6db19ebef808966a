//! One EventBridge event in. A rejected event fails the invocation as
//! `Rejected`, so Lambda's retries end in the on-failure dead-letter queue
//! with the reason; a store outage fails it as `Retryable`.

use aftercare_lambda::HandlerError;
use aftercare_shared::inbound::eventbridge::parse_envelope_value;
use aftercare_shared::services::{Aftercare, Ingested};
use lambda_runtime::LambdaEvent;
use serde_json::{json, Value};

pub async fn handle(service: &Aftercare, event: LambdaEvent<Value>) -> Result<Value, HandlerError> {
    let parsed = parse_envelope_value(&event.payload, &event.context.request_id)?;
    let outcome = service.ingest(&parsed.event, chrono::Utc::now()).await?;
    let duplicate = outcome == Ingested::Duplicate;
    tracing::info!(event = %parsed.envelope_id, kind = parsed.event.kind(), duplicate, "ingested");
    Ok(json!({ "duplicate": duplicate }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aftercare_lambda::testing::{local_service, outbox_files};
    use aftercare_shared::config::Settings;
    use aftercare_shared::testing::envelope;
    use lambda_runtime::{Context, Diagnostic};

    fn purchase(envelope_id: &str) -> Value {
        let at = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
        envelope(
            "PurchaseCompleted",
            envelope_id,
            json!({"order_id": "o-1", "occurred_at": at,
                   "customer": {"id": "c-1", "email": "c1@example.com", "phone": "+15550000001"}}),
        )
    }

    #[tokio::test]
    async fn a_good_event_is_accepted_and_its_duplicate_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let service = local_service(dir.path(), Settings::default());
        let first = handle(
            &service,
            LambdaEvent::new(purchase("ev-1"), Context::default()),
        )
        .await
        .unwrap();
        assert_eq!(first, json!({"duplicate": false}));
        let again = handle(
            &service,
            LambdaEvent::new(purchase("ev-2"), Context::default()),
        )
        .await
        .unwrap();
        assert_eq!(again, json!({"duplicate": true}));
        let report = service
            .report(chrono::Utc::now().date_naive())
            .await
            .unwrap();
        let day_before = service
            .report(chrono::Utc::now().date_naive() - chrono::Duration::days(1))
            .await
            .unwrap();
        assert_eq!(report.purchases.count + day_before.purchases.count, 1);
        assert!(outbox_files(dir.path()).is_empty(), "nothing is due yet");
    }

    #[tokio::test]
    async fn a_malformed_event_is_rejected_naming_its_field() {
        let dir = tempfile::tempdir().unwrap();
        let service = local_service(dir.path(), Settings::default());
        let mut bad = purchase("ev-3");
        bad["detail"]["occurred_at"] = json!("yesterday");
        let err = handle(&service, LambdaEvent::new(bad, Context::default()))
            .await
            .unwrap_err();
        let d = Diagnostic::from(err);
        assert_eq!(d.error_type, "Rejected");
        assert!(
            d.error_message.contains("detail.occurred_at"),
            "{}",
            d.error_message
        );
    }
}
