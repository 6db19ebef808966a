//! Hello world on `lambda_runtime`: the floor a function's cold start and
//! memory are measured against (`cargo bench -p aftercare-tests --bench
//! lambdas`). It answers every event with the event.

use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    run(service_fn(|event: LambdaEvent<Value>| async move {
        Ok::<Value, Error>(event.payload)
    }))
    .await
}
