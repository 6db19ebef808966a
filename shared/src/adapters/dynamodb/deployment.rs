//! What a deployment records in its table when a function starts: the
//! report time zone and `churn_days`, pinned by the first start (the
//! table's counters are kept by its days and its active customers by
//! `churn_days`, so a later start with others is refused rather than
//! mixing them), and the settings it starts with, which the
//! operator's commands (`aftercare report --table`, ...) read back so that
//! a terminal sees the deployment as its functions do.

use super::items::{get_n, get_s, key, n, s};
use super::{keys, sdk, DynamoStore};
use crate::adapters::time_text;
use crate::ports::StoreError;
use aws_sdk_dynamodb::error::SdkError;
use chrono::{DateTime, Utc};

/// How a start's report time zone and `churn_days` compare with the
/// table's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZoneCheck {
    /// The same (or this start pinned them).
    Agrees,
    /// The table's days (or active customers) are kept otherwise since its
    /// first start: `pinned` says how ("Asia/Seoul, churn_days 90").
    Differs { pinned: String },
}

impl DynamoStore {
    /// Records a start: pins `zone` if the table has none yet, and keeps
    /// `settings` (the deployment's settings variables, as JSON) unless
    /// the zone differs. One request when the zone agrees.
    pub async fn record_start(
        &self,
        zone: &str,
        churn_days: u32,
        settings: &str,
        at: DateTime<Utc>,
    ) -> Result<ZoneCheck, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::deployment())))
            .update_expression(
                "SET settings = :s, started_at = :t, report_time_zone = if_not_exists(report_time_zone, :z), churn_days = if_not_exists(churn_days, :c)",
            )
            .condition_expression(
                "(attribute_not_exists(report_time_zone) OR report_time_zone = :z) AND (attribute_not_exists(churn_days) OR churn_days = :c)",
            )
            .expression_attribute_values(":s", s(settings))
            .expression_attribute_values(":t", s(time_text(at)))
            .expression_attribute_values(":z", s(zone))
            .expression_attribute_values(":c", n(churn_days.into()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(ZoneCheck::Agrees),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                let item = self.get(keys::deployment()).await?.unwrap_or_default();
                Ok(ZoneCheck::Differs {
                    pinned: format!(
                        "report time zone {}, churn_days {}",
                        get_s(&item, "report_time_zone")?,
                        get_n(&item, "churn_days")
                    ),
                })
            }
            Err(e) => Err(sdk(e)),
        }
    }

    /// The settings the deployment's functions last started with (JSON),
    /// if any started yet.
    pub async fn recorded_settings(&self) -> Result<Option<String>, StoreError> {
        self.get(keys::deployment())
            .await?
            .map(|item| get_s(&item, "settings").map(str::to_string))
            .transpose()
    }
}
