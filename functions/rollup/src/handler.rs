//! The morning rollup: yesterday's KPIs to the managers, once per day
//! however often it is invoked. Invoked daily at the report hour in the
//! report time zone; it waits for a due-work run in progress (they share
//! one lease), and if the wait outlasts it the next due-work run sends the
//! email instead.

use aftercare_lambda::{budget, scheduled_now, HandlerError};
use aftercare_shared::services::{Aftercare, ScheduledRun};
use lambda_runtime::LambdaEvent;
use serde_json::{json, Value};

pub async fn handle(service: &Aftercare, event: LambdaEvent<Value>) -> Result<Value, HandlerError> {
    let now = scheduled_now(&event.payload)?;
    let run = service
        .run_morning(now, budget(&event.context), &event.context.request_id)
        .await?;
    tracing::info!(?run, "rollup done");
    Ok(match run {
        ScheduledRun::Busy => json!({"busy": true}),
        ScheduledRun::Ran { jobs, .. } => json!({ "reports_sent": jobs }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aftercare_lambda::testing::{local_service, outbox_files};
    use aftercare_shared::config::Settings;
    use aftercare_shared::testing::utc;
    use lambda_runtime::{Context, Diagnostic};

    #[tokio::test]
    async fn the_morning_report_goes_out_once_per_day() {
        let dir = tempfile::tempdir().unwrap();
        let service = local_service(dir.path(), Settings::from_toml("agents = []").unwrap());
        service
            .schedule_jobs(utc("2026-11-20T07:00:00Z"))
            .await
            .unwrap();
        let tick = json!({"now": "2026-11-20T08:00:00Z"});
        let out = handle(&service, LambdaEvent::new(tick.clone(), Context::default()))
            .await
            .unwrap();
        assert_eq!(out, json!({"reports_sent": 1}));
        let again = handle(&service, LambdaEvent::new(tick, Context::default()))
            .await
            .unwrap();
        assert_eq!(again, json!({"reports_sent": 0}));
        assert_eq!(outbox_files(dir.path()), vec!["report-2026-11-19.eml"]);
    }

    #[tokio::test]
    async fn a_malformed_schedule_input_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let service = local_service(dir.path(), Settings::default());
        let err = handle(
            &service,
            LambdaEvent::new(json!({"now": 8}), Context::default()),
        )
        .await
        .unwrap_err();
        assert_eq!(Diagnostic::from(err).error_type, "Rejected");
    }
}
