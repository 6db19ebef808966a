//! Histories and the due index: the items one commit writes (see
//! `commit`) and the reads of them.

use super::items::{self, get_n, get_s, key, n, s};
use super::keys::{self, DUE_SHARDS};
use super::{ignore_condition, DynamoStore};
use crate::adapters::time_text;
use crate::domain::history::History;
use crate::domain::ids::CustomerId;
use crate::domain::keys::SurveyKey;
use crate::ports::{Commit, Due, DueIndex, Histories, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[async_trait]
impl Histories for DynamoStore {
    async fn load(&self, customer: &CustomerId) -> Result<Option<History>, StoreError> {
        self.load_history(customer).await
    }

    async fn commit(&self, c: &Commit) -> Result<(), StoreError> {
        self.commit_change(c).await
    }

    async fn owner(&self, subject: &SurveyKey) -> Result<Option<CustomerId>, StoreError> {
        let Some(item) = self.get(keys::claim(subject)).await? else {
            return Ok(None);
        };
        CustomerId::parse(get_s(&item, "customer")?)
            .map(Some)
            .map_err(|e| StoreError::Corrupt(e.0))
    }
}

#[async_trait]
impl DueIndex for DynamoStore {
    async fn due(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<Due>, StoreError> {
        // `due_at` is `{time}#{customer}`; "~" sorts after every "#…" suffix.
        let upper = format!("{}~", time_text(now));
        let mut found = Vec::new();
        for shard in 0..DUE_SHARDS {
            for item in self
                .query_due(&format!("DUE#{shard}"), Some(upper.clone()), limit)
                .await?
            {
                let sort = get_s(&item, "due_at")?.to_string();
                let id = get_s(&item, "pk")?.trim_start_matches("CUST#").to_string();
                let due = Due {
                    customer: CustomerId::parse(&id).map_err(|e| StoreError::Corrupt(e.0))?,
                    at: items::due_time(&item)?,
                    failures: u32::try_from(get_n(&item, "due_failures")).unwrap_or(0),
                };
                found.push((sort, due));
            }
        }
        found.sort_by(|a, b| a.0.cmp(&b.0));
        found.truncate(limit);
        Ok(found.into_iter().map(|(_, d)| d).collect())
    }

    async fn next_due(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let mut best: Option<DateTime<Utc>> = None;
        for shard in 0..DUE_SHARDS {
            if let Some(item) = self
                .query_due(&format!("DUE#{shard}"), None, 1)
                .await?
                .first()
            {
                let t = items::due_time(item)?;
                best = Some(best.map_or(t, |b| b.min(t)));
            }
        }
        Ok(best)
    }

    async fn postpone(
        &self,
        customer: &CustomerId,
        until: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let r = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::customer(customer))))
            .update_expression("SET due_at = :at ADD due_failures :one")
            .condition_expression("attribute_exists(due_pk)")
            .expression_attribute_values(":at", s(items::due_at(until, customer)))
            .expression_attribute_values(":one", n(1))
            .send()
            .await;
        ignore_condition(r, |e| e.is_conditional_check_failed_exception()).map(drop)
    }
}
