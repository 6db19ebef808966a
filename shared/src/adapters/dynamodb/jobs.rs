//! The job schedule: one item per job, advanced by a conditional put.

use super::items::{get_s, get_time, key, s};
use super::{ignore_condition, keys, DynamoStore};
use crate::adapters::time_text;
use crate::domain::keys::Job;
use crate::ports::{JobSchedule, Lease, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[async_trait]
impl JobSchedule for DynamoStore {
    async fn take_lease(
        &self,
        lease: Lease,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut item = key(keys::lease(lease));
        item.insert("holder".into(), s(holder));
        item.insert("until".into(), s(time_text(until)));
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk) OR #u < :now OR holder = :me")
            .expression_attribute_names("#u", "until")
            .expression_attribute_values(":now", s(time_text(now)))
            .expression_attribute_values(":me", s(holder))
            .send()
            .await;
        ignore_condition(put, |e| e.is_conditional_check_failed_exception())
    }

    async fn release_lease(&self, lease: Lease, holder: &str) -> Result<(), StoreError> {
        let delete = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::lease(lease))))
            .condition_expression("holder = :me")
            .expression_attribute_values(":me", s(holder))
            .send()
            .await;
        ignore_condition(delete, |e| e.is_conditional_check_failed_exception()).map(drop)
    }

    async fn job_next_run(&self, job: &Job) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.get(keys::job(job))
            .await?
            .map(|item| get_time(&item, "next_at"))
            .transpose()
    }

    async fn job_next_runs(&self, jobs: &[Job]) -> Result<Vec<Option<DateTime<Utc>>>, StoreError> {
        let keys: Vec<(String, &'static str)> = jobs.iter().map(keys::job).collect();
        let found = self.get_many(&keys).await?;
        keys.iter()
            .map(|k| {
                found
                    .get(&k.0)
                    .map(|item| get_time(item, "next_at"))
                    .transpose()
            })
            .collect()
    }

    async fn advance_job(
        &self,
        job: &Job,
        expected: Option<DateTime<Utc>>,
        next: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut item = key(keys::job(job));
        item.insert("next_at".into(), s(time_text(next)));
        let mut put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item));
        put = match expected {
            None => put.condition_expression("attribute_not_exists(pk)"),
            Some(e) => put
                .condition_expression("next_at = :e")
                .expression_attribute_values(":e", s(time_text(e))),
        };
        ignore_condition(put.send().await, |e| {
            e.is_conditional_check_failed_exception()
        })
    }

    async fn job_memo(&self, job: &Job) -> Result<Option<String>, StoreError> {
        self.get(keys::job_memo(job))
            .await?
            .map(|item| get_s(&item, "memo").map(str::to_string))
            .transpose()
    }

    async fn set_job_memo(&self, job: &Job, memo: &str) -> Result<(), StoreError> {
        let mut item = key(keys::job_memo(job));
        item.insert("memo".into(), s(memo));
        self.put_whole(item).await
    }
}
