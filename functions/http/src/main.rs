//! Builds the service once and serves the pages' router through
//! `lambda_http`; the routes are in `handler.rs`.

mod handler;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    aftercare_lambda::init_logging();
    let service = aftercare_lambda::service_from_env().await?;
    lambda_http::run(handler::app(service)).await
}
