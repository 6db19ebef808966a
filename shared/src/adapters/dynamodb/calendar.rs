//! The agents' calendar: slot, day-load and attempt-booking items.

use super::items::{get_n, get_s, get_time, key, n, s, Item};
use super::{keys, sdk, DynamoStore};
use crate::adapters::time_text;
use crate::domain::ids::{AgentId, CustomerId};
use crate::domain::keys::AttemptKey;
use crate::domain::kpi::Metric;
use crate::ports::{AgentCalendar, BookResult, Booking, StoreError};
use async_trait::async_trait;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{TransactWriteItem, Update};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::{BTreeMap, HashMap};

fn booking_of(item: &Item, agent: AgentId, slot: DateTime<Utc>) -> Result<Booking, StoreError> {
    let key = get_s(item, "call_key")?;
    let (attempt, round) = Booking::parse_key_text(key)
        .ok_or_else(|| StoreError::Corrupt(format!("booking key {key:?}")))?;
    Ok(Booking {
        agent,
        slot,
        attempt,
        customer: CustomerId::parse(get_s(item, "customer")?)
            .map_err(|e| StoreError::Corrupt(e.0))?,
        round,
    })
}

impl DynamoStore {
    /// Counts one more call on an agent's day, only while it holds fewer
    /// than `capacity`: the daily capacity holds in the write.
    fn count_if_room(
        &self,
        item_key: (String, &str),
        capacity: u32,
    ) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(item_key)))
            .update_expression("ADD #c :one")
            .condition_expression("attribute_not_exists(#c) OR #c < :cap")
            .expression_attribute_names("#c", Metric::CallsScheduled.name())
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":cap", n(i64::from(capacity)))
            .build();
        Ok(TransactWriteItem::builder()
            .update(super::build(update)?)
            .build())
    }
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

    async fn booking_for(
        &self,
        attempt: &AttemptKey,
        round: u32,
    ) -> Result<Option<Booking>, StoreError> {
        let Some(item) = self.get(keys::booking(attempt, round)).await? else {
            return Ok(None);
        };
        Ok(Some(Booking {
            agent: AgentId::parse(get_s(&item, "agent")?).map_err(|e| StoreError::Corrupt(e.0))?,
            slot: get_time(&item, "slot")?,
            attempt: attempt.clone(),
            customer: CustomerId::parse(get_s(&item, "customer")?)
                .map_err(|e| StoreError::Corrupt(e.0))?,
            round,
        }))
    }

    async fn book(
        &self,
        b: &Booking,
        agent_day: NaiveDate,
        capacity: u32,
    ) -> Result<BookResult, StoreError> {
        let slot_text = time_text(b.slot);
        let mut slot = key((keys::agent(&b.agent), &slot_text));
        slot.insert("call_key".into(), s(Booking::key_text(&b.attempt, b.round)));
        slot.insert("customer".into(), s(b.customer.as_str()));
        let mut attempt = key(keys::booking(&b.attempt, b.round));
        attempt.insert("agent".into(), s(b.agent.as_str()));
        attempt.insert("slot".into(), s(slot_text.clone()));
        attempt.insert("customer".into(), s(b.customer.as_str()));
        let day = keys::agent_day(agent_day);
        let writes = vec![
            self.put(slot, Some(("attribute_not_exists(pk)", HashMap::new())))?,
            self.put(attempt, Some(("attribute_not_exists(pk)", HashMap::new())))?,
            self.count_if_room((keys::agent(&b.agent), &day), capacity)?,
        ];
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(writes))
            .send()
            .await
        {
            Ok(_) => Ok(BookResult::Booked),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                TransactWriteItemsError::TransactionCanceledException(t) => {
                    // By position: the slot, the attempt, the day's load.
                    let failed: Vec<usize> = t
                        .cancellation_reasons()
                        .iter()
                        .enumerate()
                        .filter(|(_, r)| r.code() == Some("ConditionalCheckFailed"))
                        .map(|(i, _)| i)
                        .collect();
                    Ok(match failed.as_slice() {
                        [] => BookResult::Contended,
                        [2] => BookResult::DayFull,
                        _ => BookResult::SlotTaken,
                    })
                }
                TransactWriteItemsError::ProvisionedThroughputExceededException(_)
                | TransactWriteItemsError::ThrottlingException(_)
                | TransactWriteItemsError::TransactionInProgressException(_) => {
                    Ok(BookResult::Contended)
                }
                other => Err(StoreError::unavailable(other)),
            },
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
