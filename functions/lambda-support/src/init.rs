//! A cold start that fails is reported to Lambda's `/runtime/init/error`
//! with our own error type and a message naming what is wrong (a missing
//! setting, an unreadable secret, a table in another time zone), so the
//! console and the logs say why the function cannot start.
//! `lambda_runtime` reports only the failures of its own start, and a
//! process that simply exits shows as an unexplained `Runtime.ExitError`.

use crate::setup::SetupError;
use lambda_runtime_api_client::body::Body;
use lambda_runtime_api_client::{build_request, Client};

/// Runs a function's setup; on failure logs it, posts it as the init
/// error, and returns it (the process then exits).
pub async fn cold_start<T>(
    setup: impl std::future::Future<Output = Result<T, SetupError>>,
) -> Result<T, lambda_runtime::Error> {
    match setup.await {
        Ok(t) => Ok(t),
        Err(e) => {
            tracing::error!(error_type = e.kind(), error = %e, "cold start failed");
            post_init_error(e.kind(), &e.to_string()).await;
            Err(e.into())
        }
    }
}

async fn post_init_error(error_type: &str, message: &str) {
    // Outside Lambda (a test, a shell) there is nothing to post to.
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_none() {
        return;
    }
    let body = serde_json::json!({ "errorType": error_type, "errorMessage": message });
    let request = build_request()
        .method("POST")
        .uri("/2018-06-01/runtime/init/error")
        .header("lambda-runtime-function-error-type", error_type)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()));
    let sent = match (request, Client::builder().build()) {
        (Ok(request), Ok(client)) => client.call(request).await.map(drop),
        (Err(e), _) => Err(e.into()),
        (_, Err(e)) => Err(e.into()),
    };
    if let Err(e) = sent {
        tracing::error!(error = %e, "could not post the init error to the runtime API");
    }
}
