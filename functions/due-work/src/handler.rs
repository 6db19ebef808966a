//! Runs the work that has come due (survey emails and reminders, alerts,
//! call bookings, mail retries, the agents' call sheets) within the
//! invocation's remaining time. Invoked by a schedule.

use aftercare_lambda::{budget, scheduled_now, HandlerError};
use aftercare_shared::services::Aftercare;
use lambda_runtime::LambdaEvent;
use serde_json::{json, Value};

pub async fn handle(service: &Aftercare, event: LambdaEvent<Value>) -> Result<Value, HandlerError> {
    let now = scheduled_now(&event.payload)?;
    let run = service.run_due(now, budget(&event.context)).await?;
    let sheets = service.call_sheets(now).await?;
    tracing::info!(
        settled = run.settled,
        failed = run.failed,
        sent = run.mail.sent,
        deferred = run.mail.deferred,
        parked = run.mail.parked,
        out_of_time = run.out_of_time,
        sheets,
        "due work done"
    );
    Ok(json!({
        "customers": run.settled,
        "failed": run.failed,
        "out_of_time": run.out_of_time,
        "call_sheets": sheets,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aftercare_lambda::testing::{local_service, outbox_files};
    use aftercare_shared::config::Settings;
    use aftercare_shared::testing::{envelope, event, utc};
    use lambda_runtime::{Context, Diagnostic};

    #[tokio::test]
    async fn due_surveys_go_out_once_however_often_the_schedule_fires() {
        let dir = tempfile::tempdir().unwrap();
        let service = local_service(dir.path(), Settings::from_toml("agents = []").unwrap());
        let closed = envelope(
            "TicketClosed",
            "ev-1",
            json!({"ticket_id": "t-1", "occurred_at": "2026-11-20T10:00:00Z", "opened_at": "2026-11-20T09:00:00Z",
                   "resolved": true, "customer": {"id": "c-1", "email": "c1@example.com"}}),
        );
        service
            .ingest(&event(&closed), utc("2026-11-20T10:00:00Z"))
            .await
            .unwrap();
        // The CSAT is due at 12:00 (UTC contact hours, a Friday).
        let tick = json!({"now": "2026-11-20T12:00:00Z"});
        let out = handle(&service, LambdaEvent::new(tick.clone(), Context::default()))
            .await
            .unwrap();
        assert_eq!(out["customers"], 1);
        assert_eq!(outbox_files(dir.path()), vec!["survey-c-1-csat_t-1.eml"]);
        let again = handle(&service, LambdaEvent::new(tick, Context::default()))
            .await
            .unwrap();
        assert_eq!(again["customers"], 0);
        assert_eq!(outbox_files(dir.path()).len(), 1);
    }

    #[tokio::test]
    async fn a_malformed_schedule_input_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let service = local_service(dir.path(), Settings::default());
        let err = handle(
            &service,
            LambdaEvent::new(json!({"now": "yesterday"}), Context::default()),
        )
        .await
        .unwrap_err();
        assert_eq!(Diagnostic::from(err).error_type, "Rejected");
    }
}
