//! Adapters: the ports implemented for real systems.

#[cfg(feature = "aws")]
pub mod dynamodb;
pub mod outbox;
pub mod retrying;
#[cfg(feature = "aws")]
pub mod secrets;
#[cfg(feature = "aws")]
pub mod ses;
#[cfg(feature = "sqlite")]
pub mod sqlite;
pub mod void;

use chrono::{DateTime, SecondsFormat, Utc};

/// Fixed-width UTC text, so that times sort as strings in every store.
pub(crate) fn time_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

pub(crate) fn parse_time_text(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// An AWS SDK error that is not the service's own answer (no connection,
/// a timeout, a credentials problem) in one line: the innermost causes,
/// without the SDK's type names.
#[cfg(feature = "aws")]
pub(crate) fn short_sdk_error<E, R>(e: &aws_sdk_dynamodb::error::SdkError<E, R>) -> String
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    use aws_sdk_dynamodb::error::SdkError;
    let what = match e {
        SdkError::ConstructionFailure(_) => "the request could not be built",
        SdkError::TimeoutError(_) => "no answer in time",
        SdkError::DispatchFailure(_) => "could not be reached",
        SdkError::ResponseError(_) => "gave an answer that could not be read",
        SdkError::ServiceError(_) => "refused the request",
        _ => "failed",
    };
    // The deepest cause says what happened (connection refused, dns
    // error, no credentials); the layers above it name SDK types.
    let mut cause: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    let mut last = None;
    while let Some(c) = cause {
        last = Some(c.to_string());
        cause = c.source();
    }
    match last {
        Some(why) => format!("{what}: {why}"),
        None => what.to_string(),
    }
}

/// A stored JSON value that does not decode, described without its
/// content: serde's own message may quote a stored string (a name, a
/// comment), and this text reaches the logs.
pub(crate) fn corrupt_json(what: &str, e: &serde_json::Error) -> crate::ports::StoreError {
    crate::ports::StoreError::Corrupt(format!(
        "{what}: {:?} error at line {} column {}",
        e.classify(),
        e.line(),
        e.column()
    ))
}
