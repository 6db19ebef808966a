//! A batch of EventBridge events from the SQS queue the rule feeds. Each
//! record is applied on its own: one that is malformed, from a source not
//! allowed for its kind, or rejected by the rules, or one that fails on a
//! store outage, is reported as a batch item failure (SQS delivers it
//! again, and after `maxReceiveCount` moves the original event to the
//! dead-letter queue), and the rest of the batch is applied.

use aftercare_lambda::{decode, HandlerError};
use aftercare_shared::inbound::eventbridge::parse_envelope;
use aftercare_shared::inbound::sources::SourcePolicy;
use aftercare_shared::services::{Aftercare, Ingested};
use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use lambda_runtime::LambdaEvent;
use serde_json::Value;

/// What the function is built with.
pub struct Ingest {
    pub service: Aftercare,
    pub sources: SourcePolicy,
}

pub async fn handle(
    ingest: &Ingest,
    event: LambdaEvent<Value>,
) -> Result<SqsBatchResponse, HandlerError> {
    let batch: SqsEvent = decode("an SQS batch", event.payload)?;
    let mut response = SqsBatchResponse::default();
    for record in &batch.records {
        let id = record.message_id.clone().unwrap_or_default();
        if let Err(e) = one(ingest, record, &id).await {
            tracing::warn!(message = %id, error_type = e.kind(), error = %e.message, "event not applied");
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            response.batch_item_failures.push(failure);
        }
    }
    Ok(response)
}

async fn one(ingest: &Ingest, record: &SqsMessage, id: &str) -> Result<(), HandlerError> {
    let body = record.body.as_deref().unwrap_or_default();
    let parsed = parse_envelope(body, &format!("message {id}"))
        .and_then(|parsed| ingest.sources.check(&parsed).map(|()| parsed))
        .inspect_err(|_| ingest.service.note_rejected_event())?;
    let outcome = ingest
        .service
        .ingest(&parsed.event, chrono::Utc::now())
        .await?;
    let duplicate = outcome == Ingested::Duplicate;
    tracing::info!(event = %parsed.envelope_id, kind = parsed.event.kind(), duplicate, "ingested");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aftercare_lambda::testing::{local_service, outbox_files};
    use aftercare_shared::config::Settings;
    use aftercare_shared::testing::{envelope, sqs_batch};
    use lambda_runtime::{Context, Diagnostic};
    use serde_json::json;

    fn sources() -> SourcePolicy {
        SourcePolicy {
            shop: "acme.shop".into(),
            help_desk: "acme.helpdesk".into(),
            telephony: "acme.phones".into(),
            surveys: "aftercare.surveys".into(),
        }
    }

    fn purchase(envelope_id: &str, source: &str) -> Value {
        let at = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
        let mut e = envelope(
            "PurchaseCompleted",
            envelope_id,
            json!({"order_id": "o-1", "occurred_at": at,
                   "customer": {"id": "c-1", "email": "c1@example.com", "phone": "+15550000001"}}),
        );
        e["source"] = json!(source);
        e
    }

    /// An SQS batch of these bodies (message ids `m-0`, `m-1`, ...).
    fn batch(bodies: &[String]) -> LambdaEvent<Value> {
        let ids: Vec<String> = (0..bodies.len()).map(|i| format!("m-{i}")).collect();
        let messages: Vec<(&str, &str)> = ids
            .iter()
            .zip(bodies)
            .map(|(i, b)| (i.as_str(), b.as_str()))
            .collect();
        LambdaEvent::new(sqs_batch(&messages), Context::default())
    }

    fn failed(r: &SqsBatchResponse) -> Vec<&str> {
        r.batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect()
    }

    #[tokio::test]
    async fn good_events_apply_and_bad_ones_come_back_as_batch_item_failures() {
        let dir = tempfile::tempdir().unwrap();
        let ingest = Ingest {
            service: local_service(dir.path(), Settings::default()),
            sources: sources(),
        };
        let mut malformed = purchase("ev-3", "acme.shop");
        malformed["detail"]["occurred_at"] = json!("yesterday");
        let bodies = [
            purchase("ev-1", "acme.shop").to_string(),
            purchase("ev-2", "acme.shop").to_string(), // the same order again: a duplicate
            malformed.to_string(),
            purchase("ev-4", "anything.else").to_string(),
            "{not json".to_string(),
        ];
        let response = handle(&ingest, batch(&bodies)).await.unwrap();
        assert_eq!(failed(&response), ["m-2", "m-3", "m-4"]);
        let tally = ingest.service.tally();
        assert_eq!(
            (
                tally.events_accepted,
                tally.events_duplicate,
                tally.events_rejected
            ),
            (1, 1, 3)
        );
        let today = chrono::Utc::now().date_naive();
        let mut purchases = 0;
        for day in [today - chrono::Duration::days(1), today] {
            purchases += ingest.service.report(day).await.unwrap().purchases.count;
        }
        assert_eq!(purchases, 1);
        assert!(outbox_files(dir.path()).is_empty(), "nothing is due yet");
    }

    #[tokio::test]
    async fn a_payload_that_is_not_an_sqs_batch_is_rejected_by_our_own_error_type() {
        let dir = tempfile::tempdir().unwrap();
        let ingest = Ingest {
            service: local_service(dir.path(), Settings::default()),
            sources: sources(),
        };
        let err = handle(
            &ingest,
            LambdaEvent::new(json!({"Records": "nope"}), Context::default()),
        )
        .await
        .unwrap_err();
        let d = Diagnostic::from(err);
        assert_eq!(d.error_type, "Rejected");
        assert!(d.error_message.contains("Records"), "{}", d.error_message);
    }
}
