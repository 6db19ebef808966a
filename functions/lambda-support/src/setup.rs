//! The composition root: the one [`Aftercare`] service of a function,
//! built once at cold start from the environment (docs/configuration.md
//! lists every variable). Everything a function needs is read and checked
//! here, so that a missing setting, an unreadable secret or a table kept in
//! another time zone fails the start with its name, never a request.

use aftercare_shared::adapters::dynamodb::{DynamoStore, ZoneCheck};
use aftercare_shared::adapters::secrets::{self, SecretError};
use aftercare_shared::adapters::ses::SesMailer;
use aftercare_shared::adapters::void::VoidMailer;
use aftercare_shared::config::{ConfigError, Settings, AWS_VARIABLES};
use aftercare_shared::domain::token::TokenKey;
use aftercare_shared::inbound::sources::SourcePolicy;
use aftercare_shared::ports::{Mailer, StoreError};
use aftercare_shared::services::Aftercare;
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Settings(#[from] ConfigError),
    #[error("settings: {variable} is not set ({meaning})")]
    Missing {
        variable: &'static str,
        meaning: &'static str,
    },
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error("table {table}: {source}")]
    Table {
        table: String,
        #[source]
        source: StoreError,
    },
    #[error("the settings say {configured}, but table {table} has kept its days with {pinned} since its first start; one table's days cannot change zone or churn_days (set them back, or deploy a new stack with a new table)")]
    ZoneChanged {
        table: String,
        configured: String,
        pinned: String,
    },
}

impl SetupError {
    /// The error type Lambda shows: `Retryable` when a dependency failed
    /// (the next start may work), else `Rejected` (the deployment's
    /// configuration must change).
    pub fn kind(&self) -> &'static str {
        let retryable = match self {
            SetupError::Secret(e) => e.retryable,
            SetupError::Table { source, .. } => matches!(source, StoreError::Unavailable(_)),
            _ => false,
        };
        if retryable {
            "Retryable"
        } else {
            "Rejected"
        }
    }
}

/// What a function needs besides the table and the settings.
#[derive(Debug, Clone, Copy)]
pub struct Needs {
    /// Signs and verifies links (the key from Secrets Manager).
    pub link_key: bool,
    /// Sends mail through SES.
    pub mail: bool,
}

impl Needs {
    /// Ingest, due work, the morning email and the pages.
    pub const ALL: Needs = Needs {
        link_key: true,
        mail: true,
    };
    /// The SES feedback function: it only writes the suppression list.
    pub const STORE_ONLY: Needs = Needs {
        link_key: false,
        mail: false,
    };
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn required(variable: &'static str, meaning: &'static str) -> Result<String, SetupError> {
    var(variable).ok_or(SetupError::Missing { variable, meaning })
}

/// Builds the service once, at cold start: the settings, the table (where
/// the start is recorded and the report time zone checked), the link key
/// from Secrets Manager and SES, as `needs` says.
pub async fn service_from_env(needs: Needs) -> Result<Aftercare, SetupError> {
    let settings = Settings::from_env(var)?;
    let table = required(
        "TABLE_NAME",
        "the DynamoDB table that holds aftercare's data",
    )?;
    let secret = if needs.link_key {
        Some(required(
            "LINK_SECRET_ARN",
            "the Secrets Manager secret holding the link keys",
        )?)
    } else {
        None
    };
    let config = sdk_config().await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&config), table.clone());
    let zone = settings.policy.report_time_zone.name().to_string();
    let churn_days = settings.policy.churn_days;
    // The settings, and where the link keys are, for the operator's
    // commands on this table (none of it is secret).
    let recorded: BTreeMap<&str, String> = AWS_VARIABLES
        .iter()
        .chain(&["LINK_SECRET_ARN"])
        .filter_map(|k| var(k).map(|v| (*k, v)))
        .collect();
    let recorded = serde_json::to_string(&recorded).unwrap_or_default();
    // The two round trips of a start, at once.
    let (check, key) = tokio::join!(
        store.record_start(&zone, churn_days, &recorded, chrono::Utc::now()),
        link_key(&config, secret.as_deref()),
    );
    match check.map_err(|source| SetupError::Table {
        table: table.clone(),
        source,
    })? {
        ZoneCheck::Agrees => {}
        ZoneCheck::Differs { pinned } => {
            return Err(SetupError::ZoneChanged {
                table,
                configured: format!("report time zone {zone}, churn_days {churn_days}"),
                pinned,
            })
        }
    }
    let mailer: Arc<dyn Mailer> = if needs.mail {
        Arc::new(SesMailer::new(
            aws_sdk_sesv2::Client::new(&config),
            var("SES_CONFIGURATION_SET"),
        ))
    } else {
        Arc::new(VoidMailer)
    };
    // The roster is the table's (`aftercare agents import`), never the
    // settings' and never a default: none imported, no agents.
    Ok(Aftercare::new(Arc::new(store), mailer, settings, key?).with_stored_roster())
}

/// The AWS SDK's configuration as a function has it: the region and the
/// role's credentials from the environment Lambda sets. Only those
/// sources: the default chain's others (profile files, SSO, instance
/// metadata, web identity through STS) never apply to a function, and
/// would add a tenth to its binary.
async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::environment::EnvironmentVariableRegionProvider::new())
        .credentials_provider(
            aws_config::environment::EnvironmentVariableCredentialsProvider::new(),
        )
        .http_client(https_client())
        .load()
        .await
}

/// The root certificates AWS's service endpoints chain to (Amazon Root CA
/// 1 to 4, and the Starfield root that cross-signs them), as AWS
/// documents them for clients that pin their trust.
const AWS_ROOTS: [&[u8]; 5] = [
    include_bytes!("../roots/Amazon_Root_CA_1.pem"),
    include_bytes!("../roots/Amazon_Root_CA_2.pem"),
    include_bytes!("../roots/Amazon_Root_CA_3.pem"),
    include_bytes!("../roots/Amazon_Root_CA_4.pem"),
    include_bytes!("../roots/Starfield_Services_Root_Certificate_Authority_-_G2.pem"),
];

/// HTTPS that trusts AWS's roots only. The SDK's default reads the
/// system's whole certificate store at start (every file of a
/// certificate directory on some systems): most of a cold start, to talk
/// to nothing but AWS endpoints.
fn https_client() -> aws_sdk_dynamodb::config::SharedHttpClient {
    use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode, TlsContext, TrustStore};
    let trust = AWS_ROOTS
        .iter()
        .fold(TrustStore::empty(), |t, pem| t.with_pem_certificate(*pem));
    let builder = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc));
    match TlsContext::builder().with_trust_store(trust).build() {
        Ok(context) => builder.tls_context(context).build_https(),
        // Building a context only collects what it is given; were it to
        // fail, the system's store still connects.
        Err(_) => builder.build_https(),
    }
}

/// The link keys (see `adapters::secrets`). A function that signs
/// nothing gets a random key of its own.
async fn link_key(
    config: &aws_config::SdkConfig,
    secret: Option<&str>,
) -> Result<TokenKey, SetupError> {
    let Some(secret) = secret else {
        let random: [u8; 32] = rand::random();
        match TokenKey::new(&random) {
            Some(key) => return Ok(key),
            None => unreachable!("32 bytes is long enough"),
        }
    };
    let client = aws_sdk_secretsmanager::Client::new(config);
    Ok(secrets::link_keys(&client, secret).await?)
}

/// Which source may send which event (ingest only).
pub fn event_sources() -> Result<SourcePolicy, SetupError> {
    Ok(SourcePolicy {
        shop: required(
            "SHOP_SOURCE",
            "the source of the shop's PurchaseCompleted events",
        )?,
        help_desk: required(
            "HELPDESK_SOURCE",
            "the source of the help desk's TicketOpened and TicketClosed events",
        )?,
        telephony: required(
            "TELEPHONY_SOURCE",
            "the source of the telephony system's CallOutcomeRecorded events",
        )?,
        surveys: required(
            "SURVEY_SOURCE",
            "the source of SurveyAnswered events from another survey tool",
        )?,
    })
}
