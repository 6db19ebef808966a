//! Where a command's data is: a local data directory (`--data DIR`) or a
//! deployment's DynamoDB table (`--table NAME`); the same use cases on
//! either (SPEC 10).

use aftercare_shared::config::Settings;
use aftercare_shared::services::Aftercare;
use anyhow::Result;
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args, Clone)]
#[group(required = true, multiple = false)]
pub struct Place {
    /// A local data directory (as `aftercare run` or `demo` wrote it).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// A deployment's DynamoDB table; the AWS region, credentials and
    /// endpoint come from the environment (AWS_ENDPOINT_URL reaches
    /// DynamoDB Local).
    #[arg(long)]
    pub table: Option<String>,
}

impl Place {
    /// The service over data that must exist already (a report, a list),
    /// and the settings it reads them with.
    pub async fn open_existing(&self, config: Option<&Path>) -> Result<(Aftercare, Settings)> {
        self.open_with(config, true).await
    }

    /// The service over the place (a change: suppress, resolve).
    pub async fn open(&self, config: Option<&Path>) -> Result<(Aftercare, Settings)> {
        self.open_with(config, false).await
    }

    async fn open_with(
        &self,
        config: Option<&Path>,
        existing: bool,
    ) -> Result<(Aftercare, Settings)> {
        match (&self.data, &self.table) {
            (Some(dir), _) => {
                let settings = crate::local::settings_for(dir, config)?;
                let service = if existing {
                    crate::local::open_existing(dir, &settings)?
                } else {
                    crate::local::open(dir, &settings, |m| m)?
                };
                Ok((service, settings))
            }
            (None, Some(table)) => table_service(table, config).await,
            (None, None) => anyhow::bail!("say where the data is: --data DIR or --table NAME"),
        }
    }
}

#[cfg(feature = "aws")]
async fn table_service(table: &str, config: Option<&Path>) -> Result<(Aftercare, Settings)> {
    crate::deployed::open(table, config).await
}

#[cfg(not(feature = "aws"))]
async fn table_service(_table: &str, _config: Option<&Path>) -> Result<(Aftercare, Settings)> {
    anyhow::bail!("this aftercare was built without the `aws` feature: rebuild with --features aws")
}
