//! The operator's commands on a deployment's table (SPEC 10): the same
//! report as a local run of the same events, suppressions and escalations
//! handled from a terminal, and one-line errors naming a missing table or
//! an endpoint that cannot be reached.

use crate::helpers::{aftercare_bin, aftercare_on_aws, dynamo_table, stdout_of};
use std::process::{Command, Output};

fn one_line_error(out: &Output) -> String {
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(said.trim_end().lines().count(), 1, "one line: {said}");
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
