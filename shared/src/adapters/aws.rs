//! Everything a Lambda function needs, built once at cold start from the
//! environment: settings, the DynamoDB store, the SES mailer, the link key.

use super::dynamodb::DynamoStore;
use super::ses::SesMailer;
use crate::config::Settings;
use crate::domain::token::TokenKey;
use crate::services::care::Care;
use crate::services::jobs::Jobs;

#[derive(Debug, thiserror::Error)]
pub enum AwsSetupError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error(transparent)]
    Settings(#[from] crate::config::ConfigError),
    #[error("AFTERCARE_SECRET must be at least 16 bytes")]
    WeakSecret,
}

pub struct AwsContext {
    pub settings: Settings,
    pub store: DynamoStore,
    pub mailer: SesMailer,
    pub key: TokenKey,
}

impl AwsContext {
    pub fn care(&self) -> Care<'_> {
        Care {
            store: &self.store,
            mailer: &self.mailer,
            settings: &self.settings,
            key: &self.key,
        }
    }

    pub fn jobs(&self) -> Jobs<'_> {
        Jobs {
            store: &self.store,
            mailer: &self.mailer,
            settings: &self.settings,
            key: &self.key,
        }
    }

    pub async fn from_env() -> Result<AwsContext, AwsSetupError> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let settings = Settings::from_env(var)?;
        let table = var("TABLE_NAME").ok_or(AwsSetupError::Missing("TABLE_NAME"))?;
        // The template resolves the secret from Secrets Manager at deploy time.
        let secret = var("AFTERCARE_SECRET").ok_or(AwsSetupError::Missing("AFTERCARE_SECRET"))?;
        let key = TokenKey::new(secret.as_bytes()).ok_or(AwsSetupError::WeakSecret)?;
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        Ok(AwsContext {
            settings,
            store: DynamoStore::new(aws_sdk_dynamodb::Client::new(&config), table),
            mailer: SesMailer::new(
                aws_sdk_sesv2::Client::new(&config),
                var("SES_CONFIGURATION_SET"),
            ),
            key,
        })
    }
}
