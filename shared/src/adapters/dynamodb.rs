//! The DynamoDB store: one table, keys shaped for the access paths.
//!
//! | item | pk | sk | notes |
//! |---|---|---|---|
//! | customer history | `CUST#{id}` | `H` | `version`, `history` (JSON); `due_pk`/`due_at` while work is due |
//! | order/ticket claim | `CLAIM#{subject}` | `C` | `customer` |
//! | day counters | `KPI#{date}#{shard}` | `D` | one number attribute per metric, `ADD`ed |
//! | level deltas | `KPIDELTA#{shard}` | `{date}` | backlog / open-escalation deltas |
//! | agent slot | `AGENT#{agent}` | `{slot}` | `call_key`, `customer` |
//! | agent day load | `AGENT#{agent}` | `DAY#{date}` | calls booked that agent-local day |
//! | attempt booking | `BOOKING#{call_key}` | `B` | `agent`, `slot` |
//! | outbox message | `OUTBOX#{id}` | `M` | `message`; `due_pk = OUTBOX` until delivered, then a TTL |
//! | suppression | `SUPPRESS#{address}` | `S` | `reason`, `at` |
//! | job | `JOB#{name}` | `J` | `next_at` |
//!
//! The sparse GSI `due` (`due_pk`, `due_at`) lists customers with due work
//! (spread over [`DUE_SHARDS`] partitions) and undelivered mail. Counters
//! are spread over [`KPI_SHARDS`] items per day by customer, so a hot day
//! never hits one partition's write limit; reading a day is one
//! `BatchGetItem` of those items whatever the volume.

use super::{parse_time_text, time_text};
use crate::domain::history::History;
use crate::domain::ids::{AgentId, CustomerId};
use crate::domain::kpi::{Contributions, DayCounters, Metric};
use crate::ports::{BookResult, Booking, Commit, Message, Store, StoreError};
use async_trait::async_trait;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeyType,
    KeysAndAttributes, Projection, ProjectionType, Put, ScalarAttributeType, TransactWriteItem,
    Update,
};
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use std::collections::{BTreeMap, HashMap};

pub const KPI_SHARDS: u64 = 8;
pub const DUE_SHARDS: u64 = 4;
const DUE_INDEX: &str = "due";

pub struct DynamoStore {
    client: Client,
    table: String,
}

type Item = HashMap<String, AttributeValue>;

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}
fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn sdk<E: std::error::Error + Send + Sync + 'static, R: std::fmt::Debug + Send + Sync + 'static>(
    e: SdkError<E, R>,
) -> StoreError {
    let text = aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string();
    StoreError::Unavailable(Box::new(std::io::Error::other(text)))
}

fn build<T, E: std::fmt::Display>(r: Result<T, E>) -> Result<T, StoreError> {
    r.map_err(|e| StoreError::Corrupt(format!("request: {e}")))
}

/// FNV-1a: a stable hash (the std hasher may change between releases).
fn stable_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn get_s<'a>(item: &'a Item, name: &str) -> Result<&'a str, StoreError> {
    match item.get(name) {
        Some(AttributeValue::S(v)) => Ok(v),
        _ => Err(StoreError::Corrupt(format!(
            "item lacks string attribute {name}"
        ))),
    }
}

fn get_time(item: &Item, name: &str) -> Result<DateTime<Utc>, StoreError> {
    let t = get_s(item, name)?;
    parse_time_text(t).ok_or_else(|| StoreError::Corrupt(format!("bad time {t:?}")))
}

fn key(pk: String, sk: &str) -> Item {
    HashMap::from([("pk".to_string(), s(pk)), ("sk".to_string(), s(sk))])
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> DynamoStore {
        DynamoStore {
            client,
            table: table.into(),
        }
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
                            .projection_type(ProjectionType::KeysOnly)
                            .build(),
                    )
                    .build(),
            )?)
            .send()
            .await
            .map_err(sdk)?;
        Ok(())
    }

    fn put(
        &self,
        item: Item,
        condition: Option<(&str, Item)>,
    ) -> Result<TransactWriteItem, StoreError> {
        let mut put = Put::builder().table_name(&self.table).set_item(Some(item));
        if let Some((expr, values)) = condition {
            put = put.condition_expression(expr);
            if !values.is_empty() {
                put = put.set_expression_attribute_values(Some(values));
            }
        }
        Ok(TransactWriteItem::builder()
            .put(build(put.build())?)
            .build())
    }

    fn add_counters(
        &self,
        pk: String,
        sk: &str,
        metrics: &BTreeMap<Metric, i64>,
    ) -> Result<TransactWriteItem, StoreError> {
        let mut names = HashMap::new();
        let mut values = HashMap::new();
        let mut parts = Vec::new();
        for (i, (m, v)) in metrics.iter().enumerate() {
            names.insert(format!("#m{i}"), m.name().to_string());
            values.insert(format!(":v{i}"), n(*v));
            parts.push(format!("#m{i} :v{i}"));
        }
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .update_expression(format!("ADD {}", parts.join(", ")))
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .build();
        Ok(TransactWriteItem::builder().update(build(update)?).build())
    }

    fn counter_writes(
        &self,
        customer: &CustomerId,
        delta: &Contributions,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let shard = stable_hash(customer.as_str()) % KPI_SHARDS;
        let mut out = Vec::new();
        for (day, metrics) in delta.days() {
            let (levels, plain): (BTreeMap<Metric, i64>, BTreeMap<Metric, i64>) = metrics
                .iter()
                .map(|(m, v)| (*m, *v))
                .partition(|(m, _)| m.is_delta());
            if !plain.is_empty() {
                out.push(self.add_counters(format!("KPI#{day}#{shard}"), "D", &plain)?);
            }
            if !levels.is_empty() {
                out.push(self.add_counters(
                    format!("KPIDELTA#{shard}"),
                    &day.to_string(),
                    &levels,
                )?);
            }
        }
        Ok(out)
    }

    fn outbox_item(m: &Message, now: DateTime<Utc>) -> Result<Item, StoreError> {
        let text = serde_json::to_string(m).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut item = key(format!("OUTBOX#{}", m.id), "M");
        item.insert("message".into(), s(text));
        item.insert("due_pk".into(), s("OUTBOX"));
        item.insert("due_at".into(), s(format!("{}#{}", time_text(now), m.id)));
        Ok(item)
    }

    async fn get(&self, pk: String, sk: &str) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk)?;
        Ok(out.item)
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
            .limit(limit.min(1000) as i32);
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

#[async_trait]
impl Store for DynamoStore {
    async fn load(&self, customer: &CustomerId) -> Result<Option<History>, StoreError> {
        let Some(item) = self.get(format!("CUST#{customer}"), "H").await? else {
            return Ok(None);
        };
        serde_json::from_str(get_s(&item, "history")?)
            .map(Some)
            .map_err(|e| StoreError::Corrupt(format!("customer history: {e}")))
    }

    async fn commit(&self, c: &Commit) -> Result<(), StoreError> {
        let id = &c.history.customer_id;
        let mut writes = Vec::new();
        let mut item = key(format!("CUST#{id}"), "H");
        item.insert("version".into(), n(c.history.version as i64));
        item.insert(
            "history".into(),
            s(
                serde_json::to_string(&c.history)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            ),
        );
        if let Some(due) = c.next_due {
            item.insert(
                "due_pk".into(),
                s(format!("DUE#{}", stable_hash(id.as_str()) % DUE_SHARDS)),
            );
            item.insert("due_at".into(), s(format!("{}#{id}", time_text(due))));
        }
        writes.push(if c.expected_version == 0 {
            self.put(item, Some(("attribute_not_exists(pk)", HashMap::new())))?
        } else {
            self.put(
                item,
                Some((
                    "version = :v",
                    HashMap::from([(":v".to_string(), n(c.expected_version as i64))]),
                )),
            )?
        });
        for subject in &c.claims {
            let mut claim = key(format!("CLAIM#{subject}"), "C");
            claim.insert("customer".into(), s(id.as_str()));
            writes.push(self.put(
                claim,
                Some((
                    "attribute_not_exists(pk) OR customer = :me",
                    HashMap::from([(":me".to_string(), s(id.as_str()))]),
                )),
            )?);
        }
        writes.extend(self.counter_writes(id, &c.delta)?);
        let now = Utc::now();
        for m in &c.messages {
            writes.push(self.put(Self::outbox_item(m, now)?, None)?);
        }
        if writes.len() > 100 {
            return Err(StoreError::Corrupt(format!(
                "customer {id}: one change touches {} items, over DynamoDB's 100",
                writes.len()
            )));
        }
        let claims = c.claims.len();
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(writes))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e))
                if matches!(
                    e.err(),
                    TransactWriteItemsError::TransactionCanceledException(_)
                ) =>
            {
                let TransactWriteItemsError::TransactionCanceledException(t) = e.err() else {
                    unreachable!()
                };
                let failed: Vec<usize> = t
                    .cancellation_reasons()
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.code() == Some("ConditionalCheckFailed"))
                    .map(|(i, _)| i)
                    .collect();
                if let Some(i) = failed.iter().find(|i| (1..=claims).contains(*i)) {
                    return Err(StoreError::ClaimedByOther {
                        subject: c.claims[i - 1].clone(),
                    });
                }
                // A lost version race, or a racing writer's transaction
                // (TransactionConflict): both mean reload and retry.
                Err(StoreError::Conflict(id.to_string()))
            }
            Err(e) => Err(sdk(e)),
        }
    }

    async fn owner(&self, subject: &str) -> Result<Option<CustomerId>, StoreError> {
        let Some(item) = self.get(format!("CLAIM#{subject}"), "C").await? else {
            return Ok(None);
        };
        CustomerId::parse(get_s(&item, "customer")?)
            .map(Some)
            .map_err(|e| StoreError::Corrupt(e.0))
    }

    async fn due(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<CustomerId>, StoreError> {
        // `due_at` is `{time}#{customer}`; "~" sorts after every "#…" suffix.
        let upper = format!("{}~", time_text(now));
        let mut found = Vec::new();
        for shard in 0..DUE_SHARDS {
            for item in self
                .query_due(&format!("DUE#{shard}"), Some(upper.clone()), limit)
                .await?
            {
                let at = get_s(&item, "due_at")?.to_string();
                let id = get_s(&item, "pk")?.trim_start_matches("CUST#").to_string();
                found.push((at, id));
            }
        }
        found.sort();
        found.truncate(limit);
        found
            .into_iter()
            .map(|(_, id)| CustomerId::parse(&id).map_err(|e| StoreError::Corrupt(e.0)))
            .collect()
    }

    async fn next_due(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let mut best: Option<DateTime<Utc>> = None;
        for shard in 0..DUE_SHARDS {
            if let Some(item) = self
                .query_due(&format!("DUE#{shard}"), None, 1)
                .await?
                .first()
            {
                let text = get_s(item, "due_at")?;
                let t = parse_time_text(text.split('#').next().unwrap_or(text))
                    .ok_or_else(|| StoreError::Corrupt(format!("bad due_at {text:?}")))?;
                best = Some(best.map_or(t, |b| b.min(t)));
            }
        }
        Ok(best)
    }

    async fn day(&self, date: NaiveDate) -> Result<DayCounters, StoreError> {
        let mut out = DayCounters::default();
        let mut keys = KeysAndAttributes::builder().consistent_read(true);
        for shard in 0..KPI_SHARDS {
            keys = keys.keys(key(format!("KPI#{date}#{shard}"), "D"));
        }
        let mut request = Some(build(keys.build())?);
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
                add_metrics(&mut out, &item, |m| !m.is_delta());
            }
            request = resp
                .unprocessed_keys
                .and_then(|mut u| u.remove(&self.table))
                .filter(|k| !k.keys.is_empty());
        }
        for shard in 0..KPI_SHARDS {
            for item in self
                .query_partition(
                    format!("KPIDELTA#{shard}"),
                    "sk <= :a",
                    date.to_string(),
                    None,
                )
                .await?
            {
                add_metrics(&mut out, &item, Metric::is_delta);
            }
        }
        Ok(out)
    }

    async fn bookings(
        &self,
        agent: &AgentId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Booking>, StoreError> {
        let items = self
            .query_partition(
                format!("AGENT#{agent}"),
                "sk BETWEEN :a AND :b",
                time_text(from),
                Some(time_text(to)),
            )
            .await?;
        let mut out = Vec::new();
        for item in items {
            let slot = get_time(&item, "sk")?;
            if slot < to {
                out.push(Booking {
                    agent: agent.clone(),
                    slot,
                    call_key: get_s(&item, "call_key")?.to_string(),
                    customer: CustomerId::parse(get_s(&item, "customer")?)
                        .map_err(|e| StoreError::Corrupt(e.0))?,
                });
            }
        }
        Ok(out)
    }

    async fn booking_for(&self, call_key: &str) -> Result<Option<Booking>, StoreError> {
        let Some(item) = self.get(format!("BOOKING#{call_key}"), "B").await? else {
            return Ok(None);
        };
        Ok(Some(Booking {
            agent: AgentId::parse(get_s(&item, "agent")?).map_err(|e| StoreError::Corrupt(e.0))?,
            slot: get_time(&item, "slot")?,
            call_key: call_key.to_string(),
            customer: CustomerId::parse(get_s(&item, "customer")?)
                .map_err(|e| StoreError::Corrupt(e.0))?,
        }))
    }

    async fn book(&self, b: &Booking, agent_day: NaiveDate) -> Result<BookResult, StoreError> {
        let mut slot = key(format!("AGENT#{}", b.agent), &time_text(b.slot));
        slot.insert("call_key".into(), s(&b.call_key));
        slot.insert("customer".into(), s(b.customer.as_str()));
        let mut attempt = key(format!("BOOKING#{}", b.call_key), "B");
        attempt.insert("agent".into(), s(b.agent.as_str()));
        attempt.insert("slot".into(), s(time_text(b.slot)));
        attempt.insert("customer".into(), s(b.customer.as_str()));
        let writes = vec![
            self.put(slot, Some(("attribute_not_exists(pk)", HashMap::new())))?,
            self.put(attempt, Some(("attribute_not_exists(pk)", HashMap::new())))?,
            self.add_counters(
                format!("AGENT#{}", b.agent),
                &format!("DAY#{agent_day}"),
                &BTreeMap::from([(Metric::CallsScheduled, 1)]),
            )?,
        ];
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(writes))
            .send()
            .await
        {
            Ok(_) => Ok(BookResult::Booked),
            Err(SdkError::ServiceError(e))
                if matches!(
                    e.err(),
                    TransactWriteItemsError::TransactionCanceledException(_)
                ) =>
            {
                Ok(BookResult::SlotTaken)
            }
            Err(e) => Err(sdk(e)),
        }
    }

    async fn agent_loads(
        &self,
        agent: &AgentId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<BTreeMap<NaiveDate, u32>, StoreError> {
        let items = self
            .query_partition(
                format!("AGENT#{agent}"),
                "sk BETWEEN :a AND :b",
                format!("DAY#{from}"),
                Some(format!("DAY#{to}")),
            )
            .await?;
        let mut out = BTreeMap::new();
        for item in items {
            let day = get_s(&item, "sk")?.trim_start_matches("DAY#");
            let day: NaiveDate = day
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("bad day {day:?}")))?;
            let calls = match item.get(Metric::CallsScheduled.name()) {
                Some(AttributeValue::N(v)) => v.parse().unwrap_or(0),
                _ => 0,
            };
            out.insert(day, calls);
        }
        Ok(out)
    }

    async fn enqueue(&self, messages: &[Message]) -> Result<(), StoreError> {
        let now = Utc::now();
        for m in messages {
            // Conditional: a message already queued (or delivered) stays as it is.
            let put = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(Self::outbox_item(m, now)?))
                .condition_expression("attribute_not_exists(pk)")
                .send()
                .await;
            match put {
                Ok(_) => {}
                Err(SdkError::ServiceError(e))
                    if e.err().is_conditional_check_failed_exception() => {}
                Err(e) => return Err(sdk(e)),
            }
        }
        Ok(())
    }

    async fn undelivered(&self, limit: usize) -> Result<Vec<Message>, StoreError> {
        let mut out = Vec::new();
        for k in self.query_due("OUTBOX", None, limit).await? {
            let Some(item) = self.get(get_s(&k, "pk")?.to_string(), "M").await? else {
                continue;
            };
            out.push(
                serde_json::from_str(get_s(&item, "message")?)
                    .map_err(|e| StoreError::Corrupt(format!("outbox message: {e}")))?,
            );
        }
        Ok(out)
    }

    async fn mark_delivered(&self, message_id: &str) -> Result<(), StoreError> {
        let expires = (Utc::now() + Duration::days(30)).timestamp();
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(format!("OUTBOX#{message_id}"), "M")))
            .update_expression("REMOVE due_pk, due_at SET delivered = :t, expires_at = :e")
            .expression_attribute_values(":t", AttributeValue::Bool(true))
            .expression_attribute_values(":e", n(expires))
            .send()
            .await
            .map_err(sdk)?;
        Ok(())
    }

    async fn is_suppressed(&self, address: &str) -> Result<bool, StoreError> {
        Ok(self
            .get(format!("SUPPRESS#{}", address.to_lowercase()), "S")
            .await?
            .is_some())
    }

    async fn suppress(
        &self,
        address: &str,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut item = key(format!("SUPPRESS#{}", address.to_lowercase()), "S");
        item.insert("reason".into(), s(reason));
        item.insert("at".into(), s(time_text(at)));
        let r = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match r {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                Ok(())
            }
            Err(e) => Err(sdk(e)),
        }
    }

    async fn job_next_run(&self, job: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.get(format!("JOB#{job}"), "J")
            .await?
            .map(|item| get_time(&item, "next_at"))
            .transpose()
    }

    async fn advance_job(
        &self,
        job: &str,
        expected: Option<DateTime<Utc>>,
        next: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut item = key(format!("JOB#{job}"), "J");
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
        match put.send().await {
            Ok(_) => Ok(true),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                Ok(false)
            }
            Err(e) => Err(sdk(e)),
        }
    }
}

fn add_metrics(out: &mut DayCounters, item: &Item, keep: impl Fn(Metric) -> bool) {
    for (name, value) in item {
        if let (Some(m), AttributeValue::N(v)) = (Metric::from_name(name), value) {
            if keep(m) {
                out.add(m, v.parse().unwrap_or(0));
            }
        }
    }
}
