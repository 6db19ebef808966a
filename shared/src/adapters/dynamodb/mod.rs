//! The DynamoDB store: one table, keys shaped for the access paths.
//!
//! | item | pk | sk | notes |
//! |---|---|---|---|
//! | customer history | `CUST#{id}` | `H` | `version`, `history` (JSON); `due_pk`/`due_at`/`due_failures` while work is due |
//! | order/ticket claim | `CLAIM#{subject}` | `C` | `customer` |
//! | day counters | `KPI#{date}#{shard}` | `D` | one number attribute per metric, `ADD`ed |
//! | level deltas | `KPIDELTA#{shard}` | `{date}` | backlog / open-escalation deltas |
//! | agent slot | `AGENT#{agent}` | `{slot}` | `call_key`, `customer` |
//! | agent day load | `AGENT#{agent}` | `DAY#{date}` | calls booked that agent-local day |
//! | attempt booking | `BOOKING#{attempt}` | `B` | `agent`, `slot` |
//! | outbox message | `OUTBOX#{id}` | `M` | `message`, `attempts`; `due_pk = OUTBOX` until delivered (then a TTL), `PARKED` when refused |
//! | suppression | `SUPPRESS#{address}` | `S` | `reason`, `at` |
//! | job | `JOB#{name}` | `J` | `next_at` |
//!
//! The sparse GSI `due` (`due_pk`, `due_at`, projecting `due_failures`)
//! lists customers with due work (spread over [`keys::DUE_SHARDS`]
//! partitions), undelivered mail and parked mail. Counters are spread over
//! [`keys::KPI_SHARDS`] items per day by customer, so a hot day never hits
//! one partition's write limit; reading a day is one `BatchGetItem` of
//! those items whatever the volume.
//!
//! `keys` builds every key, `items` maps attributes, `commit` writes one
//! customer's change; this file answers the ports.

mod commit;
mod items;
pub mod keys;

use super::time_text;
use crate::domain::history::History;
use crate::domain::ids::{AgentId, CustomerId, EmailAddress};
use crate::domain::keys::{AttemptKey, Job, MessageId, SurveyKey};
use crate::domain::kpi::{DayCounters, Metric};
use crate::ports::{
    AgentCalendar, BookResult, Booking, Commit, Counters, Due, DueIndex, Histories, JobSchedule,
    Message, Outbox, Parked, Queued, StoreError, Suppression, Suppressions,
};
use async_trait::async_trait;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeyType,
    KeysAndAttributes, Projection, ProjectionType, ScalarAttributeType,
};
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use items::{get_n, get_parsed, get_s, get_time, key, n, s, Item};
use keys::{DUE_INDEX, DUE_SHARDS, KPI_SHARDS, OUTBOX_DUE, PARKED_DUE};
use std::collections::{BTreeMap, HashMap};

pub struct DynamoStore {
    client: Client,
    table: String,
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

/// A `put_item` refused by its condition is not an error for callers that
/// only want "at most once".
fn ignore_condition<E, R>(
    r: Result<impl Sized, SdkError<E, R>>,
    is_condition: impl Fn(&E) -> bool,
) -> Result<bool, StoreError>
where
    E: std::error::Error + Send + Sync + 'static,
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
                            .projection_type(ProjectionType::Include)
                            .non_key_attributes("due_failures")
                            .build(),
                    )
                    .build(),
            )?)
            .send()
            .await
            .map_err(sdk)?;
        Ok(())
    }

    fn outbox_item(m: &Message, now: DateTime<Utc>) -> Result<Item, StoreError> {
        let mut item = key(keys::outbox(&m.id));
        item.insert("message".into(), items::to_json(m)?);
        item.insert("due_pk".into(), s(OUTBOX_DUE));
        item.insert("due_at".into(), s(items::fresh_due_at(now, &m.id)));
        Ok(item)
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

    /// Updates an outbox message that is still queued.
    async fn update_queued(
        &self,
        id: &MessageId,
        expression: &str,
        values: HashMap<String, AttributeValue>,
    ) -> Result<(), StoreError> {
        let r = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::outbox(id))))
            .update_expression(expression)
            .condition_expression("due_pk = :queued")
            .set_expression_attribute_values(Some(
                values
                    .into_iter()
                    .chain([(":queued".to_string(), s(OUTBOX_DUE))])
                    .collect(),
            ))
            .send()
            .await;
        ignore_condition(r, |e| e.is_conditional_check_failed_exception()).map(drop)
    }
}

#[async_trait]
impl Histories for DynamoStore {
    async fn load(&self, customer: &CustomerId) -> Result<Option<History>, StoreError> {
        let Some(item) = self.get(keys::customer(customer)).await? else {
            return Ok(None);
        };
        serde_json::from_str(get_s(&item, "history")?)
            .map(Some)
            .map_err(|e| super::corrupt_json("customer history", &e))
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

#[async_trait]
impl Counters for DynamoStore {
    async fn day(&self, date: NaiveDate) -> Result<DayCounters, StoreError> {
        let mut out = DayCounters::default();
        let mut keys_and = KeysAndAttributes::builder().consistent_read(true);
        for shard in 0..KPI_SHARDS {
            keys_and = keys_and.keys(key(keys::kpi_day(date, shard)));
        }
        let mut request = Some(build(keys_and.build())?);
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
                items::add_metrics(&mut out, &item, |m| !m.is_delta());
            }
            request = resp
                .unprocessed_keys
                .and_then(|mut u| u.remove(&self.table))
                .filter(|k| !k.keys.is_empty());
        }
        for shard in 0..KPI_SHARDS {
            for item in self
                .query_partition(keys::kpi_deltas(shard), "sk <= :a", date.to_string(), None)
                .await?
            {
                items::add_metrics(&mut out, &item, Metric::is_delta);
            }
        }
        Ok(out)
    }
}

fn booking_of(item: &Item, agent: AgentId, slot: DateTime<Utc>) -> Result<Booking, StoreError> {
    Ok(Booking {
        agent,
        slot,
        attempt: get_parsed(item, "call_key")?,
        customer: CustomerId::parse(get_s(item, "customer")?)
            .map_err(|e| StoreError::Corrupt(e.0))?,
    })
}

#[async_trait]
impl AgentCalendar for DynamoStore {
    async fn bookings(
        &self,
        agent: &AgentId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Booking>, StoreError> {
        let items = self
            .query_partition(
                keys::agent(agent),
                "sk BETWEEN :a AND :b",
                time_text(from),
                Some(time_text(to)),
            )
            .await?;
        let mut out = Vec::new();
        for item in items {
            let slot = get_time(&item, "sk")?;
            if slot < to {
                out.push(booking_of(&item, agent.clone(), slot)?);
            }
        }
        Ok(out)
    }

    async fn booking_for(&self, attempt: &AttemptKey) -> Result<Option<Booking>, StoreError> {
        let Some(item) = self.get(keys::booking(attempt)).await? else {
            return Ok(None);
        };
        Ok(Some(Booking {
            agent: AgentId::parse(get_s(&item, "agent")?).map_err(|e| StoreError::Corrupt(e.0))?,
            slot: get_time(&item, "slot")?,
            attempt: attempt.clone(),
            customer: CustomerId::parse(get_s(&item, "customer")?)
                .map_err(|e| StoreError::Corrupt(e.0))?,
        }))
    }

    async fn book(&self, b: &Booking, agent_day: NaiveDate) -> Result<BookResult, StoreError> {
        let slot_text = time_text(b.slot);
        let mut slot = key((keys::agent(&b.agent), &slot_text));
        slot.insert("call_key".into(), s(b.attempt.to_string()));
        slot.insert("customer".into(), s(b.customer.as_str()));
        let mut attempt = key(keys::booking(&b.attempt));
        attempt.insert("agent".into(), s(b.agent.as_str()));
        attempt.insert("slot".into(), s(slot_text.clone()));
        attempt.insert("customer".into(), s(b.customer.as_str()));
        let day = keys::agent_day(agent_day);
        let writes = vec![
            self.put(slot, Some(("attribute_not_exists(pk)", HashMap::new())))?,
            self.put(attempt, Some(("attribute_not_exists(pk)", HashMap::new())))?,
            self.add_counters(
                (keys::agent(&b.agent), &day),
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
                keys::agent(agent),
                "sk BETWEEN :a AND :b",
                keys::agent_day(from),
                Some(keys::agent_day(to)),
            )
            .await?;
        let mut out = BTreeMap::new();
        for item in items {
            let day = get_s(&item, "sk")?.trim_start_matches("DAY#");
            let day: NaiveDate = day
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("bad day {day:?}")))?;
            let calls = get_n(&item, Metric::CallsScheduled.name());
            out.insert(day, u32::try_from(calls).unwrap_or(0));
        }
        Ok(out)
    }
}

#[async_trait]
impl Outbox for DynamoStore {
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
            ignore_condition(put, |e| e.is_conditional_check_failed_exception())?;
        }
        Ok(())
    }

    async fn undelivered(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Queued>, StoreError> {
        // Fresh messages sort first (`0#…`), deferred ones by their retry time.
        let upper = format!("{}~", time_text(now));
        let mut out = Vec::new();
        for k in self.query_due(OUTBOX_DUE, Some(upper), limit).await? {
            let pk = get_s(&k, "pk")?.to_string();
            let Some(item) = self.get((pk, "M")).await? else {
                continue;
            };
            out.push(Queued {
                message: items::message(&item)?,
                attempts: u32::try_from(get_n(&item, "attempts")).unwrap_or(0),
            });
        }
        Ok(out)
    }

    async fn mark_delivered(&self, id: &MessageId) -> Result<(), StoreError> {
        let expires = (Utc::now() + Duration::days(30)).timestamp();
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::outbox(id))))
            .update_expression("REMOVE due_pk, due_at SET delivered = :t, expires_at = :e")
            .expression_attribute_values(":t", AttributeValue::Bool(true))
            .expression_attribute_values(":e", n(expires))
            .send()
            .await
            .map_err(sdk)?;
        Ok(())
    }

    async fn defer(
        &self,
        id: &MessageId,
        until: DateTime<Utc>,
        reason: &str,
    ) -> Result<(), StoreError> {
        let values = HashMap::from([
            (":at".to_string(), s(items::due_at(until, id))),
            (":one".to_string(), n(1)),
            (":r".to_string(), s(reason)),
        ]);
        self.update_queued(
            id,
            "SET due_at = :at, reason = :r ADD attempts :one",
            values,
        )
        .await
    }

    async fn park(
        &self,
        id: &MessageId,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let values = HashMap::from([
            (":parked".to_string(), s(PARKED_DUE)),
            (":at".to_string(), s(items::due_at(at, id))),
            (":one".to_string(), n(1)),
            (":r".to_string(), s(reason)),
        ]);
        self.update_queued(
            id,
            "SET due_pk = :parked, due_at = :at, reason = :r ADD attempts :one",
            values,
        )
        .await
    }

    async fn parked(&self, limit: usize) -> Result<Vec<Parked>, StoreError> {
        let mut out = Vec::new();
        for k in self.query_due(PARKED_DUE, None, limit).await? {
            let pk = get_s(&k, "pk")?.to_string();
            let Some(item) = self.get((pk, "M")).await? else {
                continue;
            };
            let m = items::message(&item)?;
            out.push(Parked {
                id: m.id,
                recipients: m.to.len(),
                reason: get_s(&item, "reason").unwrap_or_default().to_string(),
                attempts: u32::try_from(get_n(&item, "attempts")).unwrap_or(0),
                at: items::due_time(&item)?,
            });
        }
        Ok(out)
    }
}

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
        let r = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        ignore_condition(r, |e| e.is_conditional_check_failed_exception()).map(drop)
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

#[async_trait]
impl JobSchedule for DynamoStore {
    async fn job_next_run(&self, job: &Job) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.get(keys::job(job))
            .await?
            .map(|item| get_time(&item, "next_at"))
            .transpose()
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
}
