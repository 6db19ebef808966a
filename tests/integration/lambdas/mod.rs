//! The real release binaries of the five functions, each run as Lambda
//! runs it: a process against a runtime API on 127.0.0.1
//! (`aftercare_tests::runtime_api`), with DynamoDB Local for the table and
//! moto for SES, SQS and Secrets Manager. The binaries are the ones `sam
//! build` packages: `cargo lambda build --release`, built once per run.

mod cold_start;
mod overlap;
mod pipeline;

pub use aftercare_tests::local_aws::{
    binaries, bridge_event, secrets_client, sqs_client, Stack, SETTINGS,
};
use serde_json::Value;

/// Every raw message moto's SES has accepted so far.
pub async fn sent_mail() -> Vec<String> {
    crate::aws_pipeline::raw_messages().await
}

/// The lines of a function's logs that are JSON objects.
pub fn json_lines(logs: &str) -> Vec<Value> {
    logs.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(Value::is_object)
        .collect()
}
