//! Adapters: the ports implemented for real systems.

#[cfg(feature = "aws")]
pub mod dynamodb;
pub mod outbox;
#[cfg(feature = "aws")]
pub mod ses;
pub mod sqlite;

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
