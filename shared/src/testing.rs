//! Builders for tests: times, EventBridge envelopes and the events they
//! parse to, a customer object.
//!
//! Compiled for this crate's own tests and, through the `testing` feature,
//! for the tests of the crates that depend on it (enabled in their
//! `[dev-dependencies]` only, never in a build that ships). Everything here
//! panics on bad input, naming it: a test's input is the test's own fault.

use crate::domain::event::Event;
use crate::inbound::eventbridge::parse_envelope_value;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

/// An RFC 3339 time as UTC: `utc("2026-11-20T10:00:00+09:00")`.
pub fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .unwrap_or_else(|e| panic!("utc({s:?}): not an RFC 3339 time: {e}"))
        .with_timezone(&Utc)
}

/// An EventBridge envelope (SPEC 3) with every field a real one has:
/// `{"version":"0","id":id,"detail-type":detail_type,"source":"test","detail":detail}`.
pub fn envelope(detail_type: &str, id: &str, detail: Value) -> Value {
    json!({
        "version": "0",
        "id": id,
        "detail-type": detail_type,
        "source": "test",
        "detail": detail,
    })
}

/// The event a valid envelope parses to; panics with the parser's reason.
pub fn event(envelope: &Value) -> Event {
    parse_envelope_value(envelope, "test")
        .unwrap_or_else(|e| panic!("not a valid envelope: {e}\n{envelope}"))
        .event
}

/// A customer object with every contact detail: a Korean speaker in Seoul
/// with a Korean mobile number (`+821012345678`) and this email.
pub fn seoul_customer(id: &str, email: &str) -> Value {
    json!({
        "id": id,
        "email": email,
        "phone": "+821012345678",
        "locale": "ko",
        "time_zone": "Asia/Seoul",
    })
}

/// The settings a deployment's functions start with: every required
/// variable of [`crate::config::Settings::from_env`] given (an example
/// business) and nothing else, so no roster.
pub fn deployment_settings() -> crate::config::Settings {
    crate::config::Settings::from_env(|k| {
        let v = match k {
            "BUSINESS_NAME" => "Acme Care",
            "SENDER" => "care@example.com",
            "MANAGERS" => "manager@example.com",
            "BASE_URL" => "http://127.0.0.1:8080",
            "REPORT_TIME_ZONE" => "UTC",
            _ => return None,
        };
        Some(v.to_string())
    })
    .unwrap_or_else(|e| panic!("deployment settings: {e}"))
}
