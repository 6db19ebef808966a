//! What every aftercare Lambda shares: the composition root that builds
//! the one [`Aftercare`] service from the environment at cold start
//! (`setup`), a cold start's failure posted where Lambda shows it
//! (`init`), the errors a handler returns (`errors`), and the CloudWatch
//! metrics each invocation publishes (`metrics`).
//!
//! A function's `main.rs` is `init_logging`, `cold_start` of what it
//! needs, then the runtime around its `handler.rs`.

mod errors;
mod init;
mod metrics;
mod setup;
#[cfg(feature = "testing")]
pub mod testing;

pub use errors::{decode, HandlerError};
pub use init::cold_start;
pub use metrics::{measured, publish};
pub use setup::{event_sources, service_from_env, Needs, SetupError};

use aftercare_shared::services::Budget;
use lambda_runtime::Context;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Logging once, honouring the Lambda log level (`AWS_LAMBDA_LOG_LEVEL`,
/// else `RUST_LOG`, else info) and format (JSON, with the invocation's
/// span and so its request id, when the function's log format is JSON).
/// A level, not `RUST_LOG`'s directives: the filter's regular expressions
/// would cost a tenth of a function's binary.
///
/// Other crates log at most at debug: at trace, `lambda_runtime` logs each
/// invocation's raw payload (a customer's address, comment, call notes),
/// and our logs carry no personal data at any level (SPEC 12).
pub fn init_logging() {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .ok()
        .and_then(|l| l.trim().parse::<LevelFilter>().ok())
        .unwrap_or(LevelFilter::INFO);
    let ours_only_at_trace = Targets::new()
        .with_default(level.min(LevelFilter::DEBUG))
        .with_target("aftercare", level);
    let logs = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_target(false)
        .without_time();
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    // Another subscriber already set (a test) is kept.
    let _ = if json {
        logs.json().finish().with(ours_only_at_trace).try_init()
    } else {
        logs.finish().with(ours_only_at_trace).try_init()
    };
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

/// The input of a scheduled function: EventBridge Scheduler's payload,
/// which may name the instant to run for (`{"now": "2026-11-20T08:00:00Z"}`,
/// for catching up or replaying a day); otherwise the wall clock.
pub fn scheduled_now(
    payload: &serde_json::Value,
) -> Result<chrono::DateTime<chrono::Utc>, HandlerError> {
    match payload.get("now") {
        None | Some(serde_json::Value::Null) => Ok(chrono::Utc::now()),
        Some(serde_json::Value::String(s)) => chrono::DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&chrono::Utc))
            .map_err(|_| HandlerError::rejected(format!("now: {s:?} is not an RFC 3339 time"))),
        Some(_) => Err(HandlerError::rejected(
            "now: must be an RFC 3339 time string",
        )),
    }
}
