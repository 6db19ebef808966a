//! Builds the service once and starts the Lambda runtime; the work is in
//! `handler.rs`.

mod handler;

use aftercare_lambda::{cold_start, event_sources, measured, service_from_env, Needs};
use lambda_runtime::{run, service_fn, Error};

#[tokio::main]
async fn main() -> Result<(), Error> {
    aftercare_lambda::init_logging();
    let (service, sources) =
        cold_start(async { Ok((service_from_env(Needs::ALL).await?, event_sources()?)) }).await?;
    let ingest = handler::Ingest { service, sources };
    run(service_fn(|event| {
        measured(&ingest.service, handler::handle(&ingest, event))
    }))
    .await
}
