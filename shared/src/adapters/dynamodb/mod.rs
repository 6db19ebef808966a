//! The DynamoDB store: one table, keys shaped for the access paths.
//!
//! | item | pk | sk | notes |
//! |---|---|---|---|
//! | customer history | `CUST#{id}` | `H` | `version`; a small history whole in `history_z` (its JSON, deflated; `history`, plain, in items from before), a large one as `history_prefix` and `history_parts` (the keys of its parts); `loose` while parts no head names may remain; `due_pk`/`due_at`/`due_failures` while work is due |
//! | history part | `CUST#{id}` | `P#{64 random bits, hex}` | `part_z`: a stretch of a large history's JSON, deflated (see `parts`) |
//! | order/ticket claim | `CLAIM#{subject}` | `C` | `customer` |
//! | day counters | `KPI#{date}#{shard}` | `D` | one number attribute per metric, `ADD`ed |
//! | level deltas | `KPILEVEL#{shard}` | `D#{date}` | a day's backlog / open-escalation deltas |
//! | level month totals | `KPILEVEL#{shard}` | `M#{yyyy-mm}` | the sum of the month's deltas |
//! | agent slot | `AGENT#{agent}` | `{slot}` | `call_key`, `customer` |
//! | agent day load | `AGENT#{agent}` | `DAY#{date}` | calls booked that agent-local day |
//! | attempt booking | `BOOKING#{attempt}` | `B` | `agent`, `slot` |
//! | outbox message | `OUTBOX#{id}` | `M` | `message_z` (its JSON, deflated; dropped once sent), `attempts`, `claimed_until` while a sender has it; `due_pk = OUTBOX` until delivered (then a TTL), `PARKED` when refused |
//! | suppression | `SUPPRESS#{address}` | `S` | `reason`, `at` |
//! | job | `JOBS` | `J#{name}` | `next_at`: the whole schedule is one query (items from before 2026-12-07, `JOB#{name}`/`J`, are adopted on first read) |
//! | lease | `LEASE#{name}` | `L` | `holder`, `until`: one runner of the scheduled work at a time |
//! | job memo | `JOBMEMO#{name}` | `M` | `memo`: what the morning email showed, for its revised-days line |
//! | listed on a sheet | `SHEETLOG#{agent}#{day}` | `K#{booking key}` | what that day's sheet and updates listed |
//! | deployment | `DEPLOYMENT` | `D` | `report_time_zone` (pinned by the first start), `settings` (the functions' settings variables, JSON), `started_at` |
//! | agent roster | `ROSTER` | `R` | `agents` (JSON rows), `updated_at`; replaced whole by `aftercare agents import` |
//! | board entry | `BOARD#{board}` | `I#{item}` | `customer`, `at`: an at-risk call (`at-risk`) or a day's detractor comment (`detractors-{date}`) |
//! | open escalation | `ESCALATIONS` | `CALL#{call id}` | `call`, `opened_at`; written with the customer's commit, deleted when resolved |
//!
//! The sparse GSI `due` (`due_pk`, `due_at`, projecting `due_failures`)
//! lists customers with due work (spread over [`keys::DUE_SHARDS`]
//! partitions), undelivered mail and parked mail. A day's counters are
//! spread over [`keys::DAY_SHARDS`] items by customer, so a hot day never
//! hits one partition's write limit and concurrent commits rarely meet on
//! one item; reading a day is one `BatchGetItem` of those items and two
//! queries per level shard ([`keys::LEVEL_SHARDS`]: the month totals
//! before it, the month's days up to it), whatever the volume and age.
//!
//! `keys` builds every key, `items` maps attributes, `commit` writes one
//! customer's change; `histories` (with the due index and the counters),
//! `calendar`, `outbox`, `suppressions`, `jobs` and `escalations` answer the ports. This
//! file defines the table and the reads they share.

mod boards;
mod calendar;
mod commit;
mod counters;
mod deployment;
mod escalations;
mod histories;
mod items;
mod jobs;
pub mod keys;
pub use deployment::ZoneCheck;
mod outbox;
mod parts;
mod roster;
mod sheet_log;
mod stored_history;
mod suppressions;
mod usage;
pub use usage::Usage;

use crate::ports::StoreError;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeyType, Projection, ProjectionType,
    ScalarAttributeType, TimeToLiveSpecification,
};
use aws_sdk_dynamodb::Client;
use items::{key, s, Item};
use keys::DUE_INDEX;
use std::sync::Arc;

pub struct DynamoStore {
    client: Client,
    table: String,
    meter: Arc<usage::Meter>,
    layouts: stored_history::Layouts,
    /// Whether this process has looked for job schedule items kept where
    /// tables before 2026-12-07 kept them (once a process: see `jobs`).
    legacy_jobs_looked_for: std::sync::atomic::AtomicBool,
}

/// An SDK error as the store's, in one line that names the problem: the
/// service's code and message, or what kept the request from an answer
/// (no connection, a timeout), never a stack of SDK types.
fn sdk<E, R>(e: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let text = match (e.code(), e.message()) {
        (Some("ResourceNotFoundException"), _) => {
            return StoreError::Missing(
                "the table does not exist (at this endpoint and region)".into(),
            )
        }
        (Some(code), Some(message)) => format!("DynamoDB {code}: {message}"),
        (Some(code), None) => format!("DynamoDB {code}"),
        _ => format!("DynamoDB {}", crate::adapters::short_sdk_error(&e)),
    };
    StoreError::Unavailable(Box::new(std::io::Error::other(text)))
}

fn build<T, E: std::fmt::Display>(r: Result<T, E>) -> Result<T, StoreError> {
    r.map_err(|e| StoreError::Corrupt(format!("request: {e}")))
}

/// A `put_item` refused by its condition is not an error for callers that
/// only want "at most once".
fn ignore_condition<E, R>(
    r: Result<impl Sized, SdkError<E, R>>,
    is_condition: impl Fn(&E) -> bool,
) -> Result<bool, StoreError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match r {
        Ok(_) => Ok(true),
        Err(SdkError::ServiceError(e)) if is_condition(e.err()) => Ok(false),
        Err(e) => Err(sdk(e)),
    }
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> DynamoStore {
        let meter = Arc::new(usage::Meter::default());
        let config = client
            .config()
            .to_builder()
            .interceptor(usage::Metered(meter.clone()))
            .build();
        DynamoStore {
            client: Client::from_conf(config),
            table: table.into(),
            meter,
            layouts: stored_history::Layouts::default(),
            legacy_jobs_looked_for: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Requests sent to DynamoDB by this store so far.
    pub fn requests_sent(&self) -> u64 {
        self.meter.usage().requests
    }

    /// Requests and capacity units used by this store so far.
    pub fn usage(&self) -> Usage {
        self.meter.usage()
    }

    /// Creates the table as `infra/template.yaml` does (for local servers and tests).
    pub async fn create_table(&self) -> Result<(), StoreError> {
        let attr = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
        };
        let key_el = |name: &str, t: KeyType| {
            aws_sdk_dynamodb::types::KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(t)
                .build()
        };
        self.client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .set_attribute_definitions(Some(vec![
                build(attr("pk"))?,
                build(attr("sk"))?,
                build(attr("due_pk"))?,
                build(attr("due_at"))?,
            ]))
            .key_schema(build(key_el("pk", KeyType::Hash))?)
            .key_schema(build(key_el("sk", KeyType::Range))?)
            .global_secondary_indexes(build(
                GlobalSecondaryIndex::builder()
                    .index_name(DUE_INDEX)
                    .key_schema(build(key_el("due_pk", KeyType::Hash))?)
                    .key_schema(build(key_el("due_at", KeyType::Range))?)
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::Include)
                            .non_key_attributes("due_failures")
                            .build(),
                    )
                    .build(),
            )?)
            .send()
            .await
            .map_err(sdk)?;
        // Delivered mail and other short-lived markers carry `expires_at`.
        self.client
            .update_time_to_live()
            .table_name(&self.table)
            .time_to_live_specification(build(
                TimeToLiveSpecification::builder()
                    .attribute_name("expires_at")
                    .enabled(true)
                    .build(),
            )?)
            .send()
            .await
            .map_err(sdk)?;
        Ok(())
    }

    async fn get(&self, item_key: (String, &str)) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(item_key)))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk)?;
        Ok(out.item)
    }

    /// The items of these keys (at most 100 a request, strongly
    /// consistent), by partition key; absent ones are left out.
    async fn get_many(
        &self,
        item_keys: &[(String, &str)],
    ) -> Result<std::collections::HashMap<String, Item>, StoreError> {
        let mut out = std::collections::HashMap::new();
        // BatchGetItem refuses a request that names one key twice.
        let mut seen = std::collections::HashSet::new();
        let item_keys: Vec<(String, &str)> = item_keys
            .iter()
            .filter(|k| seen.insert((*k).clone()))
            .cloned()
            .collect();
        for chunk in item_keys.chunks(100) {
            let mut request = Some(build(
                aws_sdk_dynamodb::types::KeysAndAttributes::builder()
                    .consistent_read(true)
                    .set_keys(Some(chunk.iter().map(|k| key(k.clone())).collect()))
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
                    let pk = items::get_s(&item, "pk")?.to_string();
                    out.insert(pk, item);
                }
                request = resp
                    .unprocessed_keys
                    .and_then(|mut u| u.remove(&self.table))
                    .filter(|k| !k.keys.is_empty());
            }
        }
        Ok(out)
    }

    /// Writes `item` whole, replacing what its key held.
    async fn put_whole(&self, item: Item) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(sdk)?;
        Ok(())
    }

    /// Writes `item` only where no item is; `false` when one already was.
    async fn put_new(&self, item: Item) -> Result<bool, StoreError> {
        let r = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        ignore_condition(r, |e| e.is_conditional_check_failed_exception())
    }

    /// Deletes one item (absent already is fine).
    async fn delete(&self, item_key: Item) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(item_key))
            .send()
            .await
            .map_err(sdk)?;
        Ok(())
    }

    /// Every item of partition `pk` whose sort key satisfies `sk_condition`
    /// (written with `:a` and, for BETWEEN, `:b`), following pagination.
    async fn query_partition(
        &self,
        pk: String,
        sk_condition: &str,
        a: String,
        b: Option<String>,
    ) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let resp = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression(format!("pk = :p AND {sk_condition}"))
                .expression_attribute_values(":p", s(pk.clone()))
                .expression_attribute_values(":a", s(a.clone()))
                .set_exclusive_start_key(start)
                .consistent_read(true);
            let resp = match &b {
                Some(b) => resp.expression_attribute_values(":b", s(b.clone())),
                None => resp,
            };
            let resp = resp.send().await.map_err(sdk)?;
            items.extend(resp.items.unwrap_or_default());
            start = resp.last_evaluated_key;
            if start.is_none() {
                return Ok(items);
            }
        }
    }

    /// One page of the `due` index: partition `due_pk`, `due_at <= upper`.
    async fn query_due(
        &self,
        due_pk: &str,
        upper: Option<String>,
        limit: usize,
    ) -> Result<Vec<Item>, StoreError> {
        let mut q = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(DUE_INDEX)
            .limit(limit.clamp(1, 1000) as i32);
        q = match upper {
            Some(u) => q
                .key_condition_expression("due_pk = :p AND due_at <= :u")
                .expression_attribute_values(":p", s(due_pk))
                .expression_attribute_values(":u", s(u)),
            None => q
                .key_condition_expression("due_pk = :p")
                .expression_attribute_values(":p", s(due_pk)),
        };
        Ok(q.send().await.map_err(sdk)?.items.unwrap_or_default())
    }
}
