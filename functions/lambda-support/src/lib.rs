//! What every aftercare Lambda shares: the composition root that builds
//! the one [`Aftercare`] service from the environment (settings, the
//! DynamoDB store, the SES mailer, the link key), and the mapping of
//! errors to a Lambda [`Diagnostic`] that says whether retrying can help.

use aftercare_shared::adapters::dynamodb::DynamoStore;
use aftercare_shared::adapters::ses::SesMailer;
use aftercare_shared::config::{ConfigError, Settings};
use aftercare_shared::domain::token::TokenKey;
use aftercare_shared::inbound::eventbridge::EventError;
use aftercare_shared::services::{Aftercare, Budget, ServiceError};
use lambda_runtime::{Context, Diagnostic};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error(transparent)]
    Settings(#[from] ConfigError),
    #[error("AFTERCARE_SECRET must be at least 16 bytes")]
    WeakSecret,
}

/// Builds the service once, at cold start.
pub async fn service_from_env() -> Result<Aftercare, SetupError> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let settings = Settings::from_env(var)?;
    let table = var("TABLE_NAME").ok_or(SetupError::Missing("TABLE_NAME"))?;
    // The template resolves the secret from Secrets Manager at deploy time.
    let secret = var("AFTERCARE_SECRET").ok_or(SetupError::Missing("AFTERCARE_SECRET"))?;
    let key = TokenKey::new(secret.as_bytes()).ok_or(SetupError::WeakSecret)?;
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&config), table);
    let mailer = SesMailer::new(
        aws_sdk_sesv2::Client::new(&config),
        var("SES_CONFIGURATION_SET"),
    );
    // The roster is the table's (`aftercare agents import`), never the
    // settings' and never a default: none imported, no agents.
    Ok(Aftercare::new(Arc::new(store), Arc::new(mailer), settings, key).with_stored_roster())
}

/// Logging once, honouring the Lambda log level and format (JSON or text).
pub fn init_logging() {
    lambda_runtime::tracing::init_default_subscriber();
}

/// The time a handler may spend: the invocation's deadline less a margin
/// for the response (or no limit when the context carries no deadline,
/// as in tests).
pub fn budget(context: &Context) -> Budget {
    const MARGIN: Duration = Duration::from_secs(5);
    if context.deadline == 0 {
        return Budget::unlimited();
    }
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let left = Duration::from_millis(context.deadline.saturating_sub(now_ms));
    Budget::until(Instant::now() + left.saturating_sub(MARGIN))
}

/// A failed invocation, as Lambda reports it: `Rejected` (the input is at
/// fault; retrying cannot help, the event belongs in the dead-letter
/// queue) or `Retryable` (ours or a dependency's; try again).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct HandlerError {
    pub retryable: bool,
    pub message: String,
}

impl From<ServiceError> for HandlerError {
    fn from(e: ServiceError) -> HandlerError {
        HandlerError {
            retryable: !e.is_rejection(),
            message: e.to_string(),
        }
    }
}

impl From<EventError> for HandlerError {
    fn from(e: EventError) -> HandlerError {
        HandlerError {
            retryable: false,
            message: e.to_string(),
        }
    }
}

impl From<HandlerError> for Diagnostic {
    fn from(e: HandlerError) -> Diagnostic {
        Diagnostic {
            error_type: if e.retryable { "Retryable" } else { "Rejected" }.into(),
            error_message: e.message,
        }
    }
}

/// The input of a scheduled function: EventBridge Scheduler's payload,
/// which may name the instant to run for (`{"now": "2026-11-20T08:00:00Z"}`,
/// for catching up or replaying a day); otherwise the wall clock.
pub fn scheduled_now(
    payload: &serde_json::Value,
) -> Result<chrono::DateTime<chrono::Utc>, HandlerError> {
    let rejected = |message: String| HandlerError {
        retryable: false,
        message,
    };
    match payload.get("now") {
        None | Some(serde_json::Value::Null) => Ok(chrono::Utc::now()),
        Some(serde_json::Value::String(s)) => chrono::DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&chrono::Utc))
            .map_err(|_| rejected(format!("now: {s:?} is not an RFC 3339 time"))),
        Some(_) => Err(rejected("now: must be an RFC 3339 time string".into())),
    }
}

/// A service over an in-memory SQLite store and an outbox directory: what
/// the handlers' tests run against (the same use cases as on AWS).
pub mod testing {
    use super::*;
    use aftercare_shared::adapters::outbox::OutboxMailer;
    use aftercare_shared::adapters::sqlite::SqliteStore;

    pub fn local_service(outbox: &std::path::Path, settings: Settings) -> Aftercare {
        let store = SqliteStore::in_memory().unwrap_or_else(|e| panic!("sqlite: {e}"));
        let mailer = OutboxMailer::new(outbox).unwrap_or_else(|e| panic!("outbox: {e}"));
        let key = TokenKey::new(b"handler-test-key-0123456789")
            .unwrap_or_else(|| unreachable!("a long enough key"));
        Aftercare::new(Arc::new(store), Arc::new(mailer), settings, key)
    }

    /// The names of the files in the outbox.
    pub fn outbox_files(outbox: &std::path::Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(outbox)
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }
}
