//! The suppression list: one item per address.

use super::items::{get_s, get_time, key, s};
use super::{keys, sdk, DynamoStore};
use crate::adapters::time_text;
use crate::domain::ids::EmailAddress;
use crate::ports::{StoreError, Suppression, Suppressions};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[async_trait]
impl Suppressions for DynamoStore {
    async fn is_suppressed(&self, address: &EmailAddress) -> Result<bool, StoreError> {
        Ok(self.get(keys::suppression(address)).await?.is_some())
    }

    async fn suppress(
        &self,
        address: &EmailAddress,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut item = key(keys::suppression(address));
        item.insert("reason".into(), s(reason));
        item.insert("at".into(), s(time_text(at)));
        // The first reason stays.
        self.put_new(item).await.map(drop)
    }

    async fn unsuppress(&self, address: &EmailAddress) -> Result<bool, StoreError> {
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::suppression(address))))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
            .send()
            .await
            .map_err(sdk)?;
        Ok(out.attributes.is_some_and(|a| !a.is_empty()))
    }

    async fn suppressions(&self, limit: usize) -> Result<Vec<Suppression>, StoreError> {
        // An operator's listing: a filtered scan of the table, paginated.
        let mut out = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .client
                .scan()
                .table_name(&self.table)
                .filter_expression("begins_with(pk, :p) AND sk = :s")
                .expression_attribute_values(":p", s(keys::SUPPRESSION_PREFIX))
                .expression_attribute_values(":s", s("S"))
                .set_exclusive_start_key(start)
                .consistent_read(true)
                .send()
                .await
                .map_err(sdk)?;
            for item in page.items.unwrap_or_default() {
                let pk = get_s(&item, "pk")?;
                let address = pk.trim_start_matches(keys::SUPPRESSION_PREFIX).to_string();
                out.push(Suppression {
                    address: EmailAddress::try_from(address).map_err(|e| {
                        StoreError::Corrupt(format!("suppression address: {}", e.0))
                    })?,
                    reason: get_s(&item, "reason")?.to_string(),
                    at: get_time(&item, "at")?,
                });
            }
            start = page.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
        out.sort_by(|a, b| a.address.as_str().cmp(b.address.as_str()));
        out.truncate(limit);
        Ok(out)
    }
}
