//! Runs the work that has come due: survey emails and reminders, alerts,
//! call bookings, and the agents' call sheets. Invoked by a schedule.

use aftercare_shared::adapters::aws::AwsContext;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

async fn handle(ctx: &AwsContext, _event: LambdaEvent<Value>) -> Result<Value, Error> {
    let now = chrono::Utc::now();
    let customers = ctx.care().run_due(now).await?;
    let sheets = ctx.jobs().run_sheets_if_due(now).await?;
    tracing::info!(customers, sheets, "due work done");
    Ok(json!({ "customers": customers, "call_sheets": sheets }))
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
