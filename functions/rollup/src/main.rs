//! The morning rollup: yesterday's KPIs to the managers. Invoked daily at
//! the report hour in the report time zone.

use aftercare_shared::adapters::aws::AwsContext;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

async fn handle(ctx: &AwsContext, _event: LambdaEvent<Value>) -> Result<Value, Error> {
    let sent = ctx.jobs().run_report_if_due(chrono::Utc::now()).await?;
    tracing::info!(sent, "rollup done");
    Ok(json!({ "reports_sent": sent }))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt()
        .json()
        .with_target(false)
        .without_time()
        .init();
    let ctx = AwsContext::from_env().await?;
    run(service_fn(|event| handle(&ctx, event))).await
}
