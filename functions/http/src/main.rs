//! Builds the service once and serves the pages' router; the routes and
//! the decoding are in `handler.rs`.

mod handler;

use aftercare_lambda::{cold_start, measured, service_from_env, Needs};
use lambda_runtime::{run, service_fn, Error};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Error> {
    aftercare_lambda::init_logging();
    let service = Arc::new(cold_start(service_from_env(Needs::ALL)).await?);
    let app = handler::app(service.clone());
    run(service_fn(|event| {
        measured(&service, handler::handle(&app, event))
    }))
    .await
}
