//! The operator's commands on a deployment's table (SPEC 10): the same
//! report as a local run of the same events, suppressions and escalations
//! handled from a terminal, and one-line errors naming a missing table or
//! an endpoint that cannot be reached.

use crate::helpers::{aftercare_bin, aftercare_on_aws, dynamo_table, service_over, stdout_of};
use std::process::{Command, Output};

fn one_line_error(out: &Output) -> String {
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    let errors: Vec<&str> = said.lines().filter(|l| !l.starts_with("note:")).collect();
    assert_eq!(errors.len(), 1, "one line: {said}");
    assert!(errors[0].starts_with("error: "), "{said}");
    assert!(
        !said.contains("SdkError") && !said.contains("DispatchFailure"),
        "no SDK types: {said}"
    );
    said
}

#[tokio::test]
async fn a_missing_table_and_an_unreachable_endpoint_are_named_in_one_line() {
    let said = one_line_error(&aftercare_on_aws(&[
        "report",
        "--table",
        "no-such-table",
        "--date",
        "2026-11-20",
    ]));
    assert!(
        said.contains("no-such-table") && said.contains("does not exist"),
        "{said}"
    );
    let out = Command::new(aftercare_bin())
        .args(["suppress", "--table", "anything", "list"])
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_MAX_ATTEMPTS", "1")
        .output()
        .unwrap();
    let said = one_line_error(&out);
    assert!(said.contains("could not be reached"), "{said}");
    let both = Command::new(aftercare_bin())
        .args([
            "report",
            "--table",
            "t",
            "--data",
            "d",
            "--date",
            "2026-11-20",
        ])
        .output()
        .unwrap();
    assert!(
        !both.status.success(),
        "--data and --table together are refused"
    );
}

#[tokio::test]
async fn suppressions_round_trip_on_a_table() {
    let (_, table) = dynamo_table().await;
    let add = [
        "suppress",
        "--table",
        &table,
        "add",
        "Gone@Example.com",
        "--reason",
        "asked by phone",
    ];
    stdout_of(aftercare_on_aws(&add), &add);
    let list = ["suppress", "--table", &table, "list"];
    let listed = stdout_of(aftercare_on_aws(&list), &list);
    assert!(
        listed.contains("gone@example.com") && listed.contains("asked by phone"),
        "{listed}"
    );
    let remove = ["suppress", "--table", &table, "remove", "gone@example.com"];
    assert!(stdout_of(aftercare_on_aws(&remove), &remove).contains("removed"));
    assert!(stdout_of(aftercare_on_aws(&list), &list).contains("no suppressed addresses"));
}

#[tokio::test]
async fn escalations_are_listed_taken_and_resolved_from_a_terminal_on_a_table() {
    use aftercare_shared::testing::{envelope, event, utc};
    use serde_json::json;
    use std::sync::Arc;

    let (store, table) = dynamo_table().await;
    let outbox = tempfile::tempdir().unwrap();
    let service = service_over(
        Arc::new(store),
        outbox.path(),
        aftercare_shared::testing::deployment_settings(),
    );
    // A purchase, and the agent's outcome: reached, unsatisfied.
    let purchase = envelope(
        "PurchaseCompleted",
        "ev-1",
        json!({"order_id": "o-1", "occurred_at": "2026-11-20T01:00:00Z",
               "customer": {"id": "c-1", "name": "Jane Roe", "phone": "+15550000001"}}),
    );
    service
        .ingest(&event(&purchase), utc("2026-11-20T01:00:00Z"))
        .await
        .unwrap();
    let outcome = envelope(
        "CallOutcomeRecorded",
        "ev-2",
        json!({"customer_id": "c-1", "outcome": "reached", "satisfaction": "unsatisfied",
               "notes": "wants a call back", "occurred_at": "2026-11-21T02:00:00Z"}),
    );
    service
        .ingest(&event(&outcome), utc("2026-11-21T02:00:00Z"))
        .await
        .unwrap();

    let list = ["escalations", "--table", &table, "list"];
    let listed = stdout_of(aftercare_on_aws(&list), &list);
    assert!(
        listed.contains("c-1/") && listed.contains("Jane Roe"),
        "{listed}"
    );
    let call = listed.split_whitespace().next().unwrap().to_string();
    assert!(listed.contains("not taken"), "{listed}");
    let take = [
        "escalations",
        "--table",
        &table,
        "take",
        &call,
        "--by",
        "Mina",
        "--at",
        "2026-11-21T09:00:00Z",
    ];
    assert!(stdout_of(aftercare_on_aws(&take), &take).contains("is yours"));
    let listed = stdout_of(aftercare_on_aws(&list), &list);
    assert!(listed.contains("taken by Mina"), "{listed}");
    let resolve = [
        "escalations",
        "--table",
        &table,
        "resolve",
        &call,
        "--by",
        "Ops",
        "--note",
        "called back",
        "--at",
        "2026-11-22T00:00:00Z",
    ];
    assert!(stdout_of(aftercare_on_aws(&resolve), &resolve).contains("resolved"));
    assert!(stdout_of(aftercare_on_aws(&list), &list).contains("no open escalations"));
    let again = aftercare_on_aws(&resolve);
    let said = one_line_error(&again);
    assert!(said.contains("already resolved"), "{said}");
}
