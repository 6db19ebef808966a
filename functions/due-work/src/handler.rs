//! Runs the scheduled work that has come due (survey emails and
//! reminders, alerts, call bookings, mail retries, the agents' call sheets,
//! the morning email) within the invocation's time, under the lease that
//! keeps two runs from overlapping. Invoked by a schedule every few minutes.

use aftercare_lambda::{budget, scheduled_now, HandlerError};
use aftercare_shared::services::{Aftercare, ScheduledRun};
use lambda_runtime::LambdaEvent;
use serde_json::{json, Value};

pub async fn handle(service: &Aftercare, event: LambdaEvent<Value>) -> Result<Value, HandlerError> {
    let now = scheduled_now(&event.payload)?;
    let run = service
        .run_scheduled(now, budget(&event.context), &event.context.request_id)
        .await?;
    tracing::info!(?run, "due work done");
    Ok(summary(&run))
}

/// What a scheduled run did, as the function answers it.
pub fn summary(run: &ScheduledRun) -> Value {
    match run {
        ScheduledRun::Busy => json!({"busy": true}),
        ScheduledRun::Ran {
            due,
            jobs,
            out_of_time,
        } => json!({
            "customers": due.settled,
            "failed": due.failed,
            "jobs": jobs,
            "out_of_time": out_of_time,
        }),
    }
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
        assert_eq!(service.tally().mail_sent, 1);
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
