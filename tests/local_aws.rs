//! The local stand-ins for a deployment's AWS side, started by the test
//! command (`scripts/services.sh`): DynamoDB Local, and moto for SES, SQS
//! and Secrets Manager; and a deployment on them, a "stack": a fresh table,
//! the link keys in Secrets Manager, a verified sender, and the environment
//! the template gives every function. The five functions' release binaries
//! are built here too, as `sam build` builds them. Shared by the
//! integration tests and the Lambda benchmark.

use crate::runtime_api::Function;
use aftercare_shared::adapters::dynamodb::DynamoStore;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};

/// An endpoint the test command exported. Missing means the tests were not
/// started by `./scripts/test.sh`: that is a failure, never a skip.
pub fn endpoint(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| {
        panic!("{var} is not set: run the tests with ./scripts/test.sh, which starts DynamoDB Local and moto on 127.0.0.1")
    })
}

pub async fn aws_config(endpoint_var: &str) -> aws_config::SdkConfig {
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

pub async fn secrets_client() -> aws_sdk_secretsmanager::Client {
    aws_sdk_secretsmanager::Client::new(&aws_config("AFTERCARE_SES_ENDPOINT").await)
}

pub async fn sqs_client() -> aws_sdk_sqs::Client {
    aws_sdk_sqs::Client::new(&aws_config("AFTERCARE_SES_ENDPOINT").await)
}

static TABLES: AtomicU32 = AtomicU32::new(0);

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

/// The functions, by binary name.
pub const FUNCTIONS: [&str; 5] = [
    "aftercare-ingest",
    "aftercare-due-work",
    "aftercare-rollup",
    "aftercare-http",
    "aftercare-feedback",
];

use crate::workspace::root as workspace;

/// `cargo lambda` from the tools the test command installs.
fn cargo_lambda_path() -> String {
    let tools = workspace().join(".tools/deploy-venv/bin");
    assert!(
        tools.join("cargo-lambda").exists(),
        "cargo-lambda is not installed in {}: run the tests with ./scripts/test.sh, which installs it",
        tools.display()
    );
    format!(
        "{}:{}",
        tools.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// The release binary of a package's Lambda function, built as `sam
/// build` builds it (`cargo lambda build --release`, one package at a
/// time, so each gets the features of its own dependencies); once per
/// process.
pub fn binary(package: &str) -> PathBuf {
    static BUILT: Mutex<BTreeMap<String, PathBuf>> = Mutex::new(BTreeMap::new());
    let mut built = BUILT.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(path) = built.get(package) {
        return path.clone();
    }
    // The workspace's lambda metadata chooses cargo over zig (as sam build
    // does); --x86-64: this machine's architecture.
    let status = std::process::Command::new(env!("CARGO"))
        .args(["lambda", "build", "--release", "--x86-64", "-p", package])
        .env("PATH", cargo_lambda_path())
        .current_dir(workspace())
        .status()
        .expect("running cargo lambda build");
    assert!(status.success(), "cargo lambda build of {package} failed");
    let path = workspace()
        .join("target/lambda")
        .join(package)
        .join("bootstrap");
    assert!(path.exists(), "{} was not built", path.display());
    built.insert(package.to_string(), path.clone());
    path
}

/// The five functions' binaries, by name.
pub fn binaries() -> &'static BTreeMap<&'static str, PathBuf> {
    static ALL: OnceLock<BTreeMap<&'static str, PathBuf>> = OnceLock::new();
    ALL.get_or_init(|| FUNCTIONS.iter().map(|f| (*f, binary(f))).collect())
}

/// A deployment's AWS side on the local services: a fresh table, the link
/// keys in (moto's) Secrets Manager, a verified sender in (moto's) SES.
pub struct Stack {
    pub store: DynamoStore,
    pub table: String,
    /// The managers' address, the stack's own (moto keeps every test's mail).
    pub manager: String,
    /// The environment every function starts with (the template's).
    pub env: Vec<(String, String)>,
}

pub const SENDER: &str = "care@acme.example";

/// The rules a test deployment runs by: contact hours round the clock,
/// so that what is due is due whatever the hour the test runs.
pub const SETTINGS: &str = r#"
[contact_hours]
start = "00:00"
end = "24:00"
days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
"#;

impl Stack {
    pub async fn new(report_hour: u32) -> Stack {
        let (store, table) = dynamo_table().await;
        let manager = format!("boss.{table}@acme.example");
        let secret_name = format!("{table}-links");
        let secret = secrets_client()
            .await
            .create_secret()
            .name(&secret_name)
            .secret_string(r#"{"current": "k1", "k1": "test-link-key-0123456789abcdef"}"#)
            .send()
            .await
            .expect("creating the link key secret on moto");
        let secret_arn = secret.arn().expect("the secret's ARN").to_string();
        ses_client()
            .await
            .create_email_identity()
            .email_identity(SENDER)
            .send()
            .await
            .expect("verifying the sender on moto");
        let moto = endpoint("AFTERCARE_SES_ENDPOINT");
        let env = [
            ("TABLE_NAME", table.as_str()),
            ("DEPLOYMENT_NAME", "aftercare-test"),
            ("BUSINESS_NAME", "Acme Care"),
            ("SENDER", SENDER),
            ("MANAGERS", manager.as_str()),
            ("MANAGER_LOCALE", "en"),
            ("REPORT_TIME_ZONE", "UTC"),
            ("BASE_URL", "https://pages.acme.example"),
            ("AFTERCARE_SETTINGS", SETTINGS),
            ("LINK_SECRET_ARN", secret_arn.as_str()),
            ("SHOP_SOURCE", "acme.shop"),
            ("HELPDESK_SOURCE", "acme.helpdesk"),
            ("TELEPHONY_SOURCE", "acme.phones"),
            ("SURVEY_SOURCE", "acme.surveys"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            // The most verbose: no personal data at any level (SPEC 12).
            ("AWS_LAMBDA_LOG_LEVEL", "trace"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .chain([
            ("REPORT_HOUR".to_string(), report_hour.to_string()),
            (
                "AWS_ENDPOINT_URL_DYNAMODB".to_string(),
                endpoint("AFTERCARE_DYNAMODB_ENDPOINT"),
            ),
            ("AWS_ENDPOINT_URL_SESV2".to_string(), moto.clone()),
            ("AWS_ENDPOINT_URL_SECRETS_MANAGER".to_string(), moto),
        ])
        .collect();
        Stack {
            store,
            table,
            manager,
            env,
        }
    }

    /// Another store on the same table (for a test's own writes).
    pub async fn store_handle(&self) -> DynamoStore {
        DynamoStore::new(dynamodb_client().await, self.table.clone())
    }

    /// The environment with `changes` on top (`None` removes a variable).
    pub fn env_with(&self, changes: &[(&str, Option<&str>)]) -> Vec<(String, String)> {
        let mut env: BTreeMap<String, String> = self.env.iter().cloned().collect();
        for (k, v) in changes {
            match v {
                Some(v) => env.insert(k.to_string(), v.to_string()),
                None => env.remove(*k),
            };
        }
        env.into_iter().collect()
    }

    /// Starts a function of this stack and waits until it is ready.
    pub async fn start(&self, name: &str) -> Function {
        let mut f = Function::start(&binaries()[name], name, &self.env).await;
        let ready = f.ready(std::time::Duration::from_secs(30)).await;
        assert!(
            ready.is_some(),
            "{name} did not start: {:?}\n{}",
            f.api.init_error(),
            f.logs()
        );
        f
    }
}

/// An EventBridge event as a rule delivers it to SQS.
pub fn bridge_event(id: &str, source: &str, detail_type: &str, detail: Value) -> Value {
    json!({
        "version": "0", "id": id, "detail-type": detail_type, "source": source,
        "account": "123456789012", "time": "2026-12-06T00:00:00Z", "region": "us-east-1",
        "resources": [], "detail": detail,
    })
}
