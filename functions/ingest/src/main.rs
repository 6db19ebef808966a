//! Ingests one EventBridge event. A rejected event fails the invocation, so
//! Lambda's retries end in the on-failure dead-letter queue with the reason.

use aftercare_shared::adapters::aws::AwsContext;
use aftercare_shared::domain::event::parse_envelope_value;
use aftercare_shared::services::care::Ingested;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

async fn handle(ctx: &AwsContext, event: LambdaEvent<Value>) -> Result<Value, Error> {
    let parsed = parse_envelope_value(&event.payload, &event.context.request_id)?;
    let outcome = ctx.care().ingest(&parsed.event, chrono::Utc::now()).await?;
    tracing::info!(event = %parsed.envelope_id, kind = parsed.event.kind(), duplicate = outcome == Ingested::Duplicate, "ingested");
    Ok(json!({ "duplicate": outcome == Ingested::Duplicate }))
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
