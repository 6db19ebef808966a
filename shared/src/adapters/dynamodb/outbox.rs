//! The outbox: message items, listed through the `due` index while
//! queued (`OUTBOX`) or parked (`PARKED`).

use super::items::{self, get_n, get_s, key, n, s, Item};
use super::keys::{self, OUTBOX_DUE, PARKED_DUE};
use super::{ignore_condition, sdk, DynamoStore};
use crate::adapters::time_text;
use crate::domain::keys::MessageId;
use crate::ports::{Message, Outbox, Parked, Queued, StoreError};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;

impl DynamoStore {
    pub(super) fn outbox_item(m: &Message, now: DateTime<Utc>) -> Result<Item, StoreError> {
        let mut item = key(keys::outbox(&m.id));
        item.insert("message_z".into(), items::message_blob(m)?);
        item.insert("due_pk".into(), s(OUTBOX_DUE));
        item.insert("due_at".into(), s(items::fresh_due_at(now, &m.id)));
        Ok(item)
    }

    /// Updates an outbox message if it is in the `state` partition of the
    /// index (queued or parked) and `extra` holds: false when it is not.
    async fn update_if(
        &self,
        id: &MessageId,
        state: &str,
        extra: Option<&str>,
        expression: &str,
        values: HashMap<String, AttributeValue>,
    ) -> Result<bool, StoreError> {
        let condition = match extra {
            Some(extra) => format!("due_pk = :state AND ({extra})"),
            None => "due_pk = :state".to_string(),
        };
        let r = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::outbox(id))))
            .update_expression(expression)
            .condition_expression(condition)
            .set_expression_attribute_values(Some(
                values
                    .into_iter()
                    .chain([(":state".to_string(), s(state))])
                    .collect(),
            ))
            .send()
            .await;
        ignore_condition(r, |e| e.is_conditional_check_failed_exception())
    }
}

#[async_trait]
impl Outbox for DynamoStore {
    async fn enqueue(
        &self,
        messages: &[Message],
        now: DateTime<Utc>,
    ) -> Result<Vec<MessageId>, StoreError> {
        let mut fresh = Vec::new();
        for m in messages {
            // A message already queued (or delivered) stays as it is.
            if self.put_new(Self::outbox_item(m, now)?).await? {
                fresh.push(m.id.clone());
            }
        }
        Ok(fresh)
    }

    async fn undelivered(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Queued>, StoreError> {
        // Fresh messages sort first (`0#…`), deferred ones by their retry time.
        let upper = format!("{}~", time_text(now));
        let mut out = Vec::new();
        for k in self
            .query_due(OUTBOX_DUE, Some(upper.clone()), limit)
            .await?
        {
            let pk = get_s(&k, "pk")?.to_string();
            // The index lags the table: what it still lists may be
            // delivered or parked by now (the claim would refuse it anyway).
            let Some(item) = self.get((pk, "M")).await? else {
                continue;
            };
            if get_s(&item, "due_pk").ok() != Some(OUTBOX_DUE) {
                continue;
            }
            // Deferred since the index listed it: its retry waits (the
            // index's old `due_at` would skip the backoff).
            if get_s(&item, "due_at").is_ok_and(|at| at > upper.as_str()) {
                continue;
            }
            out.push(Queued {
                message: items::message(&item)?,
                attempts: u32::try_from(get_n(&item, "attempts")).unwrap_or(0),
            });
        }
        Ok(out)
    }

    async fn claim(
        &self,
        id: &MessageId,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let values = HashMap::from([
            (":now".to_string(), s(time_text(now))),
            (":until".to_string(), s(time_text(until))),
        ]);
        self.update_if(
            id,
            OUTBOX_DUE,
            Some("attribute_not_exists(claimed_until) OR claimed_until < :now"),
            "SET claimed_until = :until",
            values,
        )
        .await
    }

    async fn mark_delivered(&self, id: &MessageId, now: DateTime<Utc>) -> Result<(), StoreError> {
        // Kept a month after delivery, so that a message committed again
        // (a replayed event) is still known as sent; then TTL removes it.
        // A month from the work's `now` (no adapter reads the clock): a
        // replay of a day more than a month old leaves markers TTL removes
        // within days, so replaying that day again would send its mail
        // again (docs/design.md, "The store at scale").
        let expires = (now + Duration::days(30)).timestamp();
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::outbox(id))))
            .update_expression(
                "REMOVE due_pk, due_at, claimed_until, message, message_z SET delivered = :t, expires_at = :e",
            )
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
        self.update_if(
            id,
            OUTBOX_DUE,
            None,
            "SET due_at = :at, reason = :r REMOVE claimed_until ADD attempts :one",
            values,
        )
        .await
        .map(drop)
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
        self.update_if(
            id,
            OUTBOX_DUE,
            None,
            "SET due_pk = :parked, due_at = :at, reason = :r REMOVE claimed_until ADD attempts :one",
            values,
        )
        .await
        .map(drop)
    }

    async fn discard(&self, id: &MessageId) -> Result<bool, StoreError> {
        let r = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::outbox(id))))
            .condition_expression("attribute_exists(due_pk)")
            .send()
            .await;
        ignore_condition(r, |e| e.is_conditional_check_failed_exception())
    }

    async fn requeue(&self, id: &MessageId, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let values = HashMap::from([
            (":queued".to_string(), s(OUTBOX_DUE)),
            (":at".to_string(), s(items::fresh_due_at(now, id))),
            (":zero".to_string(), n(0)),
        ]);
        self.update_if(
            id,
            PARKED_DUE,
            None,
            "SET due_pk = :queued, due_at = :at, attempts = :zero REMOVE reason, claimed_until",
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
