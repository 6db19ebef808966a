//! Test helpers: real local services (started by `scripts/test.sh`), the
//! `aftercare` binary, and small builders.

use aws_sdk_dynamodb::types::AttributeValue;
use std::path::PathBuf;
use std::sync::OnceLock;

pub use aftercare_tests::local_aws::{dynamo_table, dynamodb_client, endpoint, ses_client};

/// A DynamoDB store on a fresh table of its own.
pub async fn dynamo_store() -> aftercare_shared::adapters::dynamodb::DynamoStore {
    dynamo_table().await.0
}

/// Writes a history part (`P#…`, `json` deflated) of `customer` that no
/// head names: what a process that died mid-commit leaves behind.
pub async fn stray_part(table: &str, customer: &str, nonce: u64, json: &[u8]) {
    use std::io::Write;
    let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(json).unwrap();
    dynamodb_client()
        .await
        .put_item()
        .table_name(table)
        .item("pk", AttributeValue::S(format!("CUST#{customer}")))
        .item("sk", AttributeValue::S(format!("P#{nonce:016x}")))
        .item("part_z", AttributeValue::B(z.finish().unwrap().into()))
        .send()
        .await
        .unwrap();
}

/// The `aftercare` binary, built once per test run.
pub fn aftercare_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| aftercare_tests::workspace::aftercare(false))
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

/// The environment an operator's terminal has for `--table` commands: the
/// local services' endpoints (every service's, as the AWS SDK reads them)
/// and test credentials.
pub fn local_aws_env() -> Vec<(String, String)> {
    vec![
        (
            "AWS_ENDPOINT_URL".into(),
            endpoint("AFTERCARE_DYNAMODB_ENDPOINT"),
        ),
        (
            "AWS_ENDPOINT_URL_DYNAMODB".into(),
            endpoint("AFTERCARE_DYNAMODB_ENDPOINT"),
        ),
        (
            "AWS_ENDPOINT_URL_SESV2".into(),
            endpoint("AFTERCARE_SES_ENDPOINT"),
        ),
        (
            "AWS_ENDPOINT_URL_SECRETS_MANAGER".into(),
            endpoint("AFTERCARE_SES_ENDPOINT"),
        ),
        ("AWS_REGION".into(), "us-east-1".into()),
        ("AWS_ACCESS_KEY_ID".into(), "test".into()),
        ("AWS_SECRET_ACCESS_KEY".into(), "test".into()),
        ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
    ]
}

/// `aftercare` with `args`, run as an operator's terminal would for a
/// `--table` command.
pub fn aftercare_on_aws(args: &[&str]) -> std::process::Output {
    std::process::Command::new(aftercare_bin())
        .args(args)
        .envs(local_aws_env())
        .output()
        .expect("running aftercare")
}

/// `aftercare` with `args` (a local data directory's command).
pub fn aftercare(args: &[&str]) -> std::process::Output {
    std::process::Command::new(aftercare_bin())
        .args(args)
        .output()
        .expect("running aftercare")
}

/// The link key the tests sign with (long enough to be accepted).
pub fn test_key() -> aftercare_shared::domain::token::TokenKey {
    aftercare_shared::domain::token::TokenKey::new(b"aftercare-integration-tests-key")
        .expect("a 16-byte key")
}

/// The facade as most tests build it: over `store`, every email written
/// to `outbox` as an `.eml` file, these settings, [`test_key`].
pub fn service_over(
    store: std::sync::Arc<dyn aftercare_shared::ports::Store>,
    outbox: impl AsRef<std::path::Path>,
    settings: aftercare_shared::config::Settings,
) -> aftercare_shared::services::Aftercare {
    let mailer = aftercare_shared::adapters::outbox::OutboxMailer::new(outbox.as_ref())
        .expect("an outbox directory");
    aftercare_shared::services::Aftercare::new(
        store,
        std::sync::Arc::new(mailer),
        settings,
        test_key(),
    )
}

/// `text` against the reviewed file `tests/golden/{name}`, line by line
/// for a readable failure. `AFTERCARE_UPDATE_GOLDEN=1` rewrites the file
/// instead (then read the diff before committing it).
pub fn assert_golden(name: &str, text: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("golden")
        .join(name);
    if std::env::var_os("AFTERCARE_UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().expect("tests/golden")).expect("tests/golden");
        std::fs::write(&path, text).expect("writing a golden file");
        return;
    }
    let golden = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; write it with AFTERCARE_UPDATE_GOLDEN=1 and review it",
            path.display()
        )
    });
    if golden != text {
        let first = golden
            .lines()
            .zip(text.lines())
            .enumerate()
            .find(|(_, (g, t))| g != t)
            .map(|(i, (g, t))| format!("line {}:\n  golden: {g}\n  now:    {t}", i + 1))
            .unwrap_or_else(|| "one is a prefix of the other".into());
        panic!(
            "{name} differs from {} ({first})\n\nnow:\n{text}",
            path.display()
        );
    }
}
