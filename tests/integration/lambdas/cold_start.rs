//! A function that cannot start says why where Lambda shows it: a missing
//! setting, an unreadable secret, a table kept in another time zone are
//! each posted to `/runtime/init/error` with the thing named, and the
//! process exits before taking any request. A payload of the wrong shape
//! fails its invocation with our own error type, never the runtime's.

use super::{binaries, Stack};
use aftercare_tests::runtime_api::{Function, Outcome};
use serde_json::json;
use std::time::Duration;

/// Starts `name` with `changes` to the stack's environment and returns
/// the init error it posted (it must exit without serving).
async fn failed_start(
    stack: &Stack,
    name: &str,
    changes: &[(&str, Option<&str>)],
) -> (String, String) {
    let mut f = Function::start(&binaries()[name], name, &stack.env_with(changes)).await;
    let code = f.exited(Duration::from_secs(30)).await;
    assert!(
        matches!(code, Some(c) if c != 0),
        "{name} should exit after a failed start: {code:?}\n{}",
        f.logs()
    );
    assert!(
        f.api.ready_at().is_none(),
        "{name} asked for work after failing to start"
    );
    let e = f
        .api
        .init_error()
        .unwrap_or_else(|| panic!("{name} posted no init error:\n{}", f.logs()));
    (e.error_type, e.message)
}

#[tokio::test]
async fn a_cold_start_without_a_required_setting_fails_naming_it() {
    let stack = Stack::new(8).await;
    for (function, missing) in [
        ("aftercare-ingest", "TABLE_NAME"),
        ("aftercare-ingest", "SHOP_SOURCE"),
        ("aftercare-due-work", "BUSINESS_NAME"),
        ("aftercare-http", "LINK_SECRET_ARN"),
        ("aftercare-rollup", "MANAGERS"),
        ("aftercare-feedback", "SENDER"),
        ("aftercare-due-work", "BASE_URL"),
    ] {
        let (kind, message) = failed_start(&stack, function, &[(missing, None)]).await;
        assert_eq!(kind, "Rejected", "{function} without {missing}: {message}");
        assert!(
            message.contains(missing),
            "{function} without {missing}: {message}"
        );
    }
}

#[tokio::test]
async fn a_secret_that_cannot_be_read_fails_the_cold_start_never_a_request() {
    let stack = Stack::new(8).await;
    let missing = "arn:aws:secretsmanager:us-east-1:123456789012:secret:no-such-keys-AbCdEf";
    let (kind, message) = failed_start(
        &stack,
        "aftercare-due-work",
        &[("LINK_SECRET_ARN", Some(missing))],
    )
    .await;
    assert_eq!(kind, "Rejected", "{message}");
    assert!(
        message.contains(missing) && message.contains("ResourceNotFoundException"),
        "{message}"
    );

    // A secret whose keys are too short to sign with: named, never shown.
    let weak = super::secrets_client()
        .await
        .create_secret()
        .name(format!("{}-weak", stack.table))
        .secret_string(r#"{"current": "k1", "k1": "short"}"#)
        .send()
        .await
        .unwrap();
    let (_, message) = failed_start(
        &stack,
        "aftercare-http",
        &[("LINK_SECRET_ARN", Some(weak.arn().unwrap()))],
    )
    .await;
    assert!(
        message.contains("k1") && message.contains("shorter than 16 bytes"),
        "{message}"
    );
    assert!(
        !message.contains("\"short\""),
        "the secret itself is never shown: {message}"
    );
}

#[tokio::test]
async fn a_deployment_cannot_change_the_report_time_zone_or_churn_days_of_its_table() {
    let stack = Stack::new(8).await;
    let first = stack.start("aftercare-due-work").await;
    drop(first);
    let (kind, message) = failed_start(
        &stack,
        "aftercare-ingest",
        &[("REPORT_TIME_ZONE", Some("Asia/Seoul"))],
    )
    .await;
    assert_eq!(kind, "Rejected");
    assert!(
        message.contains("Asia/Seoul") && message.contains("UTC") && message.contains(&stack.table),
        "{message}"
    );
    // Nor the churn_days its active customers are counted with.
    let (kind, message) = failed_start(
        &stack,
        "aftercare-ingest",
        &[("AFTERCARE_SETTINGS", Some("[business]\nchurn_days = 30\n"))],
    )
    .await;
    assert_eq!(kind, "Rejected");
    assert!(
        message.contains("churn_days 30") && message.contains("churn_days 90"),
        "{message}"
    );
    // The same zone starts as before.
    stack.start("aftercare-ingest").await;
}

#[tokio::test]
async fn a_payload_of_the_wrong_shape_fails_with_our_own_error_type() {
    let stack = Stack::new(8).await;
    for (function, payload) in [
        ("aftercare-ingest", json!({"Records": 5})),
        ("aftercare-feedback", json!({"Records": [{"Sns": 1}]})),
        ("aftercare-http", json!({"hello": "world"})),
        ("aftercare-due-work", json!({"now": "yesterday"})),
        ("aftercare-rollup", json!({"now": 8})),
    ] {
        let f = stack.start(function).await;
        match f.invoke(payload).await {
            Outcome::Error {
                error_type,
                message,
            } => {
                assert_eq!(error_type, "Rejected", "{function}: {message}")
            }
            other => panic!("{function} accepted a payload of the wrong shape: {other:?}"),
        }
    }
}
