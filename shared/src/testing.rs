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

/// An API Gateway HTTP API request (payload format 2.0), as Lambda
/// delivers it to the pages' function.
pub fn api_gateway_request(method: &str, path: &str, query: &str, body: Option<&str>) -> Value {
    json!({
        "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": query,
        "headers": {"content-type": "application/x-www-form-urlencoded", "accept-language": "vi-VN,vi;q=0.9,en;q=0.5",
                    "host": "pages.example.com"},
        "requestContext": {"accountId": "123456789012", "apiId": "api", "domainName": "pages.example.com",
            "domainPrefix": "pages", "requestId": "r-1", "routeKey": "$default", "stage": "$default",
            "time": "02/Dec/2026:10:00:00 +0000", "timeEpoch": 1_796_205_600_000_i64,
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1", "userAgent": "test"}},
        "body": body, "isBase64Encoded": false
    })
}

/// An SQS batch as Lambda's event source mapping delivers it: one record
/// per (message id, body).
pub fn sqs_batch(messages: &[(&str, &str)]) -> Value {
    let records: Vec<Value> = messages
        .iter()
        .map(|(id, body)| {
            json!({"messageId": id, "receiptHandle": format!("receipt-{id}"), "body": body,
                "attributes": {}, "messageAttributes": {}, "md5OfBody": "",
                "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:events",
                "awsRegion": "us-east-1"})
        })
        .collect();
    json!({ "Records": records })
}

/// An SNS delivery as Lambda receives it, one record per message (an SES
/// notification's JSON text).
pub fn sns_delivery(messages: &[&str]) -> Value {
    let records: Vec<Value> = messages
        .iter()
        .enumerate()
        .map(|(i, m)| {
            json!({"EventSource": "aws:sns", "EventVersion": "1.0",
              "EventSubscriptionArn": "arn:aws:sns:us-east-1:123456789012:aftercare-feedback:1",
              "Sns": {"Type": "Notification", "MessageId": format!("msg-{i}"),
                "TopicArn": "arn:aws:sns:us-east-1:123456789012:aftercare-feedback",
                "Subject": null, "Message": m, "Timestamp": "2026-11-20T10:00:00.000Z",
                "SignatureVersion": "1", "Signature": "x", "SigningCertUrl": "https://sns.example/cert.pem",
                "UnsubscribeUrl": "https://sns.example/unsub", "MessageAttributes": {}}})
        })
        .collect();
    json!({ "Records": records })
}
