//! The link keys from AWS Secrets Manager, read once through the SDK (a
//! function's cold start, an operator's command on a deployment's table),
//! never put in an environment variable, which the console and
//! `GetFunctionConfiguration` would show. The secret's text is read by
//! [`crate::config::link_keys`].

use crate::config;
use crate::domain::token::TokenKey;
use aws_sdk_secretsmanager::error::ProvideErrorMetadata;
use aws_sdk_secretsmanager::Client;

/// Why the keys could not be had; names the problem, never a secret.
#[derive(Debug, thiserror::Error)]
#[error("the link key secret {secret}: {problem}")]
pub struct SecretError {
    pub secret: String,
    pub problem: String,
    /// A dependency's failure that may pass (a throttle, a timeout), as
    /// opposed to one the deployment must fix (permissions, a wrong name).
    pub retryable: bool,
}

/// Reads and parses the link keys in `secret` (a name or ARN).
pub async fn link_keys(client: &Client, secret: &str) -> Result<TokenKey, SecretError> {
    let failed = |problem: String, retryable: bool| SecretError {
        secret: secret.to_string(),
        problem,
        retryable,
    };
    let out = client
        .get_secret_value()
        .secret_id(secret)
        .send()
        .await
        .map_err(|e| {
            let code = e.code().unwrap_or("").to_string();
            let for_good = [
                "AccessDeniedException",
                "ResourceNotFoundException",
                "DecryptionFailure",
                "InvalidRequestException",
                "InvalidParameterException",
            ]
            .contains(&code.as_str());
            let text = match (code.as_str(), e.message()) {
                ("", _) => super::short_sdk_error(&e),
                (code, Some(m)) => format!("{code}: {m}"),
                (code, None) => code.to_string(),
            };
            failed(format!("cannot be read: {text}"), !for_good)
        })?;
    let text = out
        .secret_string()
        .ok_or_else(|| failed("has no text value (SecretString)".into(), false))?;
    config::link_keys(text).map_err(|e| failed(e.to_string(), false))
}
