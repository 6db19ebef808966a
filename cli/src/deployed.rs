//! A deployment's table from a terminal (`--table NAME`): the DynamoDB
//! store, with the AWS region, credentials and endpoint from the
//! environment (`AWS_ENDPOINT_URL` reaches DynamoDB Local), and the
//! settings the deployment's functions recorded at their start, so that a
//! terminal reads the table as they do (`--config` wins). A terminal never
//! sends the deployment's mail: what a change queues waits in the table's
//! outbox for the deployment's due work.

use aftercare_shared::adapters::dynamodb::DynamoStore;
use aftercare_shared::adapters::secrets;
use aftercare_shared::adapters::void::VoidMailer;
use aftercare_shared::config::Settings;
use aftercare_shared::domain::token::TokenKey;
use aftercare_shared::services::Aftercare;
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await
}

/// The table's store.
pub async fn store(table: &str) -> DynamoStore {
    DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk_config().await), table)
}

/// The service over the table, and the settings it reads it with.
pub async fn open(table: &str, config: Option<&Path>) -> Result<(Aftercare, Settings)> {
    let sdk = sdk_config().await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), table);
    let recorded = store
        .recorded_settings()
        .await
        .with_context(|| format!("table {table}"))?;
    let vars: BTreeMap<String, String> = match &recorded {
        Some(text) => serde_json::from_str(text)
            .with_context(|| format!("table {table}: the recorded settings are not valid JSON"))?,
        None => BTreeMap::new(),
    };
    let settings = match (config, &recorded) {
        (Some(path), _) => Settings::load(Some(path)).context("reading settings")?,
        (None, Some(_)) => Settings::from_env(|k| vars.get(k).cloned())
            .with_context(|| format!("table {table}: the recorded settings"))?,
        (None, None) => {
            eprintln!("note: no function of table {table}'s deployment has started yet, so it records no settings: using the defaults (give --config to choose)");
            Settings::default()
        }
    };
    let key = match vars.get("LINK_SECRET_ARN") {
        Some(secret) => {
            let client = aws_sdk_secretsmanager::Client::new(&sdk);
            secrets::link_keys(&client, secret).await?
        }
        // Links printed with this key would not open: none are.
        None => TokenKey::new(&rand::random::<[u8; 32]>()).context("a throwaway link key")?,
    };
    let service = Aftercare::new(Arc::new(store), Arc::new(VoidMailer), settings.clone(), key)
        .with_stored_roster()
        .without_delivery();
    Ok((service, settings))
}
