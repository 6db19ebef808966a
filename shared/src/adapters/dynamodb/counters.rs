//! The day counters' reads: each day's shard items in `BatchGetItem`s,
//! and the levels from each shard's month totals and the current month's
//! day deltas: two queries a shard, whatever the data's age.

use super::items::{self, get_s, key, Item};
use super::keys::{self, DAY_SHARDS, LEVEL_SHARDS};
use super::{build, sdk, DynamoStore};
use crate::domain::kpi::{assemble_days, month_start, Counter, DayCounters};
use crate::ports::{Counters, StoreError};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::KeysAndAttributes;
use chrono::{Days, NaiveDate};
use std::collections::{BTreeMap, HashMap};

/// `BatchGetItem` takes at most this many keys.
const BATCH_KEYS: usize = 100;

#[async_trait]
impl Counters for DynamoStore {
    async fn days(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<DayCounters>, StoreError> {
        if to < from {
            return Ok(Vec::new());
        }
        let plain = self.plain_days(from, to).await?;
        let first = month_start(from);
        let mut levels_before: BTreeMap<Counter, i64> = BTreeMap::new();
        let mut level_days: BTreeMap<NaiveDate, BTreeMap<Counter, i64>> = BTreeMap::new();
        for shard in 0..LEVEL_SHARDS {
            if let Some(last_month) = first.checked_sub_days(Days::new(1)) {
                let months = self
                    .query_partition(
                        keys::kpi_levels(shard),
                        "sk BETWEEN :a AND :b",
                        "M#".into(),
                        Some(keys::level_month(last_month)),
                    )
                    .await?;
                for item in months {
                    let mut c = DayCounters::default();
                    items::add_counters(&mut c, &item, Counter::is_delta);
                    for (counter, v) in c.into_counters() {
                        *levels_before.entry(counter).or_insert(0) += v;
                    }
                }
            }
            let days = self
                .query_partition(
                    keys::kpi_levels(shard),
                    "sk BETWEEN :a AND :b",
                    keys::level_day(first),
                    Some(keys::level_day(to)),
                )
                .await?;
            for item in days {
                let sk = get_s(&item, "sk")?;
                let day: NaiveDate = sk
                    .strip_prefix("D#")
                    .and_then(|d| d.parse().ok())
                    .ok_or_else(|| StoreError::Corrupt(format!("bad level item {sk:?}")))?;
                let mut c = DayCounters::default();
                items::add_counters(&mut c, &item, Counter::is_delta);
                let entry = level_days.entry(day).or_default();
                for (counter, v) in c.into_counters() {
                    *entry.entry(counter).or_insert(0) += v;
                }
            }
        }
        Ok(assemble_days(from, to, plain, levels_before, &level_days))
    }
}

impl DynamoStore {
    /// Every shard item of every day in the range, summed per day.
    async fn plain_days(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<BTreeMap<NaiveDate, DayCounters>, StoreError> {
        let mut day_of: HashMap<String, NaiveDate> = HashMap::new();
        let mut wanted: Vec<Item> = Vec::new();
        for day in from.iter_days().take_while(|d| *d <= to) {
            for shard in 0..DAY_SHARDS {
                let k = keys::kpi_day(day, shard);
                day_of.insert(k.0.clone(), day);
                wanted.push(key(k));
            }
        }
        let mut out: BTreeMap<NaiveDate, DayCounters> = BTreeMap::new();
        for chunk in wanted.chunks(BATCH_KEYS) {
            let mut request = Some(build(
                KeysAndAttributes::builder()
                    .consistent_read(true)
                    .set_keys(Some(chunk.to_vec()))
                    .build(),
            )?);
            while let Some(k) = request.take() {
                let resp = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, k)
                    .send()
                    .await
                    .map_err(sdk)?;
                for item in resp
                    .responses
                    .and_then(|mut r| r.remove(&self.table))
                    .unwrap_or_default()
                {
                    let pk = get_s(&item, "pk")?;
                    let day = *day_of
                        .get(pk)
                        .ok_or_else(|| StoreError::Corrupt(format!("unasked item {pk:?}")))?;
                    items::add_counters(out.entry(day).or_default(), &item, |c| !c.is_delta());
                }
                request = resp
                    .unprocessed_keys
                    .and_then(|mut u| u.remove(&self.table))
                    .filter(|k| !k.keys.is_empty());
            }
        }
        Ok(out)
    }
}
