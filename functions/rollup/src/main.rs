//! Builds the service once and starts the Lambda runtime; the work is in
//! `handler.rs`.

mod handler;

use aftercare_lambda::{cold_start, measured, service_from_env, Needs};
use lambda_runtime::{run, service_fn, Error};

#[tokio::main]
async fn main() -> Result<(), Error> {
    aftercare_lambda::init_logging();
    let service = cold_start(service_from_env(Needs::ALL)).await?;
    run(service_fn(|event| {
        measured(&service, handler::handle(&service, event))
    }))
    .await
}
