//! What each agent's day's sheets listed: one item per listed booking in
//! the partition `SHEETLOG#{agent}#{day}`.

use super::items::{get_s, key};
use super::{keys, sdk, DynamoStore};
use crate::domain::ids::AgentId;
use crate::ports::{SheetLog, StoreError};
use async_trait::async_trait;
use chrono::NaiveDate;
use std::collections::BTreeSet;

#[async_trait]
impl SheetLog for DynamoStore {
    async fn listed(
        &self,
        agent: &AgentId,
        day: NaiveDate,
    ) -> Result<BTreeSet<String>, StoreError> {
        let items = self
            .query_partition(
                keys::sheet_log(agent, day),
                "begins_with(sk, :a)",
                keys::SHEET_LOG_SK_PREFIX.to_string(),
                None,
            )
            .await?;
        items
            .iter()
            .map(|item| {
                get_s(item, "sk")
                    .map(|sk| sk.trim_start_matches(keys::SHEET_LOG_SK_PREFIX).to_string())
            })
            .collect()
    }

    async fn mark_listed(
        &self,
        agent: &AgentId,
        day: NaiveDate,
        keys_listed: &[String],
    ) -> Result<(), StoreError> {
        // Few keys a day (an agent's calls): one idempotent put each.
        for k in keys_listed {
            let sk = format!("{}{k}", keys::SHEET_LOG_SK_PREFIX);
            self.client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(key((keys::sheet_log(agent, day), &sk))))
                .send()
                .await
                .map_err(sdk)?;
        }
        Ok(())
    }
}
