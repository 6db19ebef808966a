//! Builds the service once and starts the Lambda runtime; the work is in
//! `handler.rs`.

mod handler;

use lambda_runtime::{run, service_fn, Error};

#[tokio::main]
async fn main() -> Result<(), Error> {
    aftercare_lambda::init_logging();
    let service = aftercare_lambda::service_from_env().await?;
    run(service_fn(|event| handler::handle(&service, event))).await
}
