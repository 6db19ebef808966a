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
        item.insert("message".into(), items::to_json(m)?);
        item.insert("due_pk".into(), s(OUTBOX_DUE));
        item.insert("due_at".into(), s(items::fresh_due_at(now, &m.id)));
        Ok(item)
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
impl Outbox for DynamoStore {
    async fn enqueue(&self, messages: &[Message]) -> Result<Vec<MessageId>, StoreError> {
        let now = Utc::now();
        let mut fresh = Vec::new();
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
            if ignore_condition(put, |e| e.is_conditional_check_failed_exception())? {
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
