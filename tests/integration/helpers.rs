//! Test helpers: real local services (started by `scripts/test.sh`), the
//! `aftercare` binary, and small builders.

use aftercare_shared::adapters::dynamodb::DynamoStore;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

/// An endpoint the test command exported. Missing means the tests were not
/// started by `./scripts/test.sh`: that is a failure, never a skip.
pub fn endpoint(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| {
        panic!("{var} is not set: run the tests with ./scripts/test.sh, which starts DynamoDB Local and moto on 127.0.0.1")
    })
}

async fn aws_config(endpoint_var: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint(endpoint_var))
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "test", "test", None, None, "tests",
        ))
        .load()
        .await
}

pub async fn dynamodb_client() -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(&aws_config("AFTERCARE_DYNAMODB_ENDPOINT").await)
}

pub async fn ses_client() -> aws_sdk_sesv2::Client {
    aws_sdk_sesv2::Client::new(&aws_config("AFTERCARE_SES_ENDPOINT").await)
}

static TABLES: AtomicU32 = AtomicU32::new(0);

/// A DynamoDB store on a fresh table of its own.
pub async fn dynamo_store() -> DynamoStore {
    dynamo_table().await.0
}

/// A fresh table, as a store and by name (for the `aftercare` command).
pub async fn dynamo_table() -> (DynamoStore, String) {
    let name = format!(
        "aftercare-test-{}-{}",
        std::process::id(),
        TABLES.fetch_add(1, Ordering::SeqCst)
    );
    let store = DynamoStore::new(dynamodb_client().await, name.clone());
    store
        .create_table()
        .await
        .expect("creating a table on DynamoDB Local");
    (store, name)
}

/// The `aftercare` binary, built once per test run.
pub fn aftercare_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let out = std::process::Command::new(env!("CARGO"))
            .args([
                "build",
                "-p",
                "aftercare-cli",
                "--bin",
                "aftercare",
                "--message-format=json",
            ])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("running cargo build");
        assert!(
            out.status.success(),
            "building aftercare failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["reason"] == "compiler-artifact" && v["target"]["name"] == "aftercare")
            .find_map(|v| v["executable"].as_str().map(PathBuf::from))
            .expect("cargo did not report the aftercare executable")
    })
    .clone()
}

/// The standard output of a command that must have succeeded; on failure,
/// its status and both outputs.
pub fn stdout_of(out: std::process::Output, args: &[&str]) -> String {
    assert!(
        out.status.success(),
        "aftercare {args:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}
