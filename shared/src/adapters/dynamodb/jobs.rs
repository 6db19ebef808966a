//! The job schedule: one item per job, advanced by a conditional put, all
//! in one partition so that reading the whole schedule (every scheduled
//! run does, and every clock asking when work is next due) is one query.

use super::items::{get_s, get_time, key, s, Item};
use super::{ignore_condition, keys, DynamoStore};
use crate::adapters::time_text;
use crate::domain::keys::Job;
use crate::ports::{JobSchedule, Lease, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::atomic::Ordering;

impl DynamoStore {
    /// The schedule items of `jobs` still kept where they were before
    /// the schedule moved to one partition: each is written to its new
    /// place (unless a runner already wrote one there) and its old item
    /// deleted. Returns the adopted items by their new sort key. A job
    /// never scheduled (a new agent's) is simply not found.
    async fn adopt_legacy_jobs(&self, jobs: &[&Job]) -> Result<HashMap<String, Item>, StoreError> {
        let old_keys: Vec<(String, &'static str)> =
            jobs.iter().map(|job| keys::legacy_job(job)).collect();
        let old = self.get_many(&old_keys).await?;
        let mut adopted = HashMap::new();
        for (job, old_key) in jobs.iter().zip(old_keys) {
            let Some(old_item) = old.get(&old_key.0) else {
                continue;
            };
            let (pk, sk) = keys::job(job);
            let mut item = key((pk, &sk));
            item.insert("next_at".into(), s(get_s(old_item, "next_at")?));
            // A runner that got there first keeps its time: read it back.
            if !self.put_new(item.clone()).await? {
                match self.get((keys::JOBS.to_string(), &sk)).await? {
                    Some(theirs) => item = theirs,
                    None => continue,
                }
            }
            self.delete(key(old_key)).await?;
            adopted.insert(sk, item);
        }
        Ok(adopted)
    }
}

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
        let (pk, sk) = keys::job(job);
        self.get((pk, &sk))
            .await?
            .map(|item| get_time(&item, "next_at"))
            .transpose()
    }

    async fn job_next_runs(&self, jobs: &[Job]) -> Result<Vec<Option<DateTime<Utc>>>, StoreError> {
        let mut found: HashMap<String, Item> = self
            .query_partition(
                keys::JOBS.to_string(),
                "begins_with(sk, :a)",
                keys::JOB_SK_PREFIX.to_string(),
                None,
            )
            .await?
            .into_iter()
            .filter_map(|item| Some((get_s(&item, "sk").ok()?.to_string(), item)))
            .collect();
        let missing: Vec<&Job> = jobs
            .iter()
            .filter(|job| !found.contains_key(&keys::job(job).1))
            .collect();
        // Once a process (a job missing now is almost always a new
        // agent's, never scheduled): a table written before the schedule
        // moved, or one whose adoption a dying process left half done.
        if !missing.is_empty() && !self.legacy_jobs_looked_for.load(Ordering::Relaxed) {
            found.extend(self.adopt_legacy_jobs(&missing).await?);
            self.legacy_jobs_looked_for.store(true, Ordering::Relaxed);
        }
        jobs.iter()
            .map(|job| {
                found
                    .get(&keys::job(job).1)
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
        let (pk, sk) = keys::job(job);
        let mut item = key((pk, &sk));
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
