//! One customer's change in one `TransactWriteItems`: the history guarded
//! by its version, the claims, the counter deltas and the outbox messages.

use super::items::{self, key, n, s, Item};
use super::stored_history::HistoryWrite;
use super::{keys, DynamoStore};
use crate::domain::ids::CustomerId;
use crate::domain::kpi::{Contributions, Counter};
use crate::ports::{Commit, StoreError};
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};
use std::collections::{BTreeMap, HashMap};

/// DynamoDB's limit on the items of one transaction.
const MAX_TRANSACTION_ITEMS: usize = 100;

/// What a transaction's position stands for, to read its cancellation.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Part {
    History,
    Claim(usize),
    Counter,
    Message(usize),
    Escalation,
    Board,
}

impl DynamoStore {
    pub(super) fn put(
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
            .put(super::build(put.build())?)
            .build())
    }

    pub(super) fn add_counters(
        &self,
        item_key: (String, &str),
        counters: &BTreeMap<Counter, i64>,
    ) -> Result<TransactWriteItem, StoreError> {
        let mut names = HashMap::new();
        let mut values = HashMap::new();
        let mut parts = Vec::new();
        for (i, (m, v)) in counters.iter().enumerate() {
            names.insert(format!("#m{i}"), m.name().to_string());
            values.insert(format!(":v{i}"), n(*v));
            parts.push(format!("#m{i} :v{i}"));
        }
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(item_key)))
            .update_expression(format!("ADD {}", parts.join(", ")))
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .build();
        Ok(TransactWriteItem::builder()
            .update(super::build(update)?)
            .build())
    }

    /// A day's plain counters go to the day's shard item. A level's delta
    /// goes to its day and to its month (one item per month, however many
    /// of the month's days the commit touches), the running totals that
    /// let a day's level be read in two queries whatever the data's age.
    fn counter_writes(
        &self,
        customer: &CustomerId,
        delta: &Contributions,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let (shard, level_shard) = (keys::day_shard(customer), keys::level_shard(customer));
        let mut out = Vec::new();
        let mut months: BTreeMap<String, BTreeMap<Counter, i64>> = BTreeMap::new();
        for (day, counters) in delta.days() {
            let (levels, plain): (BTreeMap<Counter, i64>, BTreeMap<Counter, i64>) = counters
                .iter()
                .map(|(c, v)| (c.clone(), *v))
                .partition(|(c, _)| c.is_delta());
            if !plain.is_empty() {
                out.push(self.add_counters(keys::kpi_day(day, shard), &plain)?);
            }
            if !levels.is_empty() {
                let sk = keys::level_day(day);
                out.push(self.add_counters((keys::kpi_levels(level_shard), &sk), &levels)?);
                let month = months.entry(keys::level_month(day)).or_default();
                for (c, v) in levels {
                    *month.entry(c).or_insert(0) += v;
                }
            }
        }
        for (sk, mut levels) in months {
            levels.retain(|_, v| *v != 0);
            if !levels.is_empty() {
                out.push(self.add_counters((keys::kpi_levels(level_shard), &sk), &levels)?);
            }
        }
        Ok(out)
    }

    fn history_item(c: &Commit, layout: &HistoryWrite) -> Result<Item, StoreError> {
        let id = &c.history.customer_id;
        let mut item = key(keys::customer(id));
        item.insert("version".into(), n(c.history.version as i64));
        for (name, value) in &layout.head {
            item.insert((*name).into(), value.clone());
        }
        if let Some(due) = c.next_due {
            item.insert("due_pk".into(), s(keys::due_shard(id)));
            item.insert("due_at".into(), s(items::due_at(due, id)));
        }
        Ok(item)
    }

    /// Applies the commit. A message id already in the outbox fails its
    /// condition; the transaction is then tried again without it (the
    /// stored copy is kept: the outbox rule of the `Histories` port). Every
    /// other cancellation is decoded into its own error: the version moved
    /// (`Conflict`), a claim held by another customer, a conflict with a
    /// transaction at the same moment (`Contended`), throttling, an item
    /// too large.
    pub(super) async fn commit_change(&self, c: &Commit) -> Result<(), StoreError> {
        let layout = self.plan_history(c).await?;
        let mut skip: Vec<usize> = Vec::new();
        loop {
            let failed = match self.try_commit(c, &layout, &skip).await {
                Ok(None) => {
                    self.after_commit(c, layout).await;
                    return Ok(());
                }
                Ok(Some(already_queued)) if !already_queued.is_empty() => {
                    skip.extend(already_queued);
                    continue;
                }
                Ok(Some(_)) => StoreError::Conflict(c.history.customer_id.clone()),
                Err(e) => e,
            };
            self.commit_failed(c, &layout, &failed).await;
            return Err(failed);
        }
    }

    /// `Ok(None)` when committed; `Ok(Some(messages))` when cancelled, with
    /// the messages that were already queued (empty: the version moved).
    async fn try_commit(
        &self,
        c: &Commit,
        layout: &HistoryWrite,
        skip: &[usize],
    ) -> Result<Option<Vec<usize>>, StoreError> {
        let id = &c.history.customer_id;
        let mut writes = Vec::new();
        let mut parts = Vec::new();
        let history = Self::history_item(c, layout)?;
        writes.push(if c.expected_version == 0 {
            self.put(history, Some(("attribute_not_exists(pk)", HashMap::new())))?
        } else {
            let v = HashMap::from([(":v".to_string(), n(c.expected_version as i64))]);
            self.put(history, Some(("version = :v", v)))?
        });
        parts.push(Part::History);
        for (i, subject) in c.claims.iter().enumerate() {
            let mut claim = key(keys::claim(subject));
            claim.insert("customer".into(), s(id.as_str()));
            let me = HashMap::from([(":me".to_string(), s(id.as_str()))]);
            writes.push(self.put(
                claim,
                Some(("attribute_not_exists(pk) OR customer = :me", me)),
            )?);
            parts.push(Part::Claim(i));
        }
        for w in self.counter_writes(id, &c.delta)? {
            writes.push(w);
            parts.push(Part::Counter);
        }
        for w in self.escalation_writes(&c.escalations)? {
            writes.push(w);
            parts.push(Part::Escalation);
        }
        for w in self.board_writes(id, &c.boards)? {
            writes.push(w);
            parts.push(Part::Board);
        }
        for (i, m) in c.messages.iter().enumerate() {
            if skip.contains(&i) {
                continue;
            }
            let item = Self::outbox_item(m, c.at)?;
            writes.push(self.put(item, Some(("attribute_not_exists(pk)", HashMap::new())))?);
            parts.push(Part::Message(i));
        }
        if writes.len() > MAX_TRANSACTION_ITEMS {
            return Err(StoreError::TooLarge(format!(
                "customer {id}: one change touches {} items, over DynamoDB's {MAX_TRANSACTION_ITEMS}",
                writes.len()
            )));
        }
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(writes))
            .send()
            .await;
        let cancelled = match result {
            Ok(_) => return Ok(None),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                TransactWriteItemsError::TransactionCanceledException(t) => {
                    self.meter.cancelled();
                    t
                }
                TransactWriteItemsError::ProvisionedThroughputExceededException(t) => {
                    return Err(StoreError::Throttled(t.to_string()))
                }
                TransactWriteItemsError::RequestLimitExceeded(t) => {
                    return Err(StoreError::Throttled(t.to_string()))
                }
                TransactWriteItemsError::ThrottlingException(t) => {
                    return Err(StoreError::Throttled(t.to_string()))
                }
                TransactWriteItemsError::TransactionInProgressException(t) => {
                    return Err(StoreError::Contended(t.to_string()))
                }
                other => {
                    let text = other.to_string();
                    if says_too_large(&text) {
                        return Err(StoreError::TooLarge(format!("customer {id}: {text}")));
                    }
                    return Err(StoreError::unavailable(other));
                }
            },
            Err(e) => return Err(super::sdk(e)),
        };
        // Each item's reason, by what it stands for.
        let reasons: Vec<(Part, &str, &str)> = cancelled
            .cancellation_reasons()
            .iter()
            .zip(&parts)
            .filter_map(|(r, p)| {
                r.code()
                    .filter(|c| *c != "None")
                    .map(|c| (*p, c, r.message().unwrap_or_default()))
            })
            .collect();
        for (part, code, message) in &reasons {
            match *code {
                "ThrottlingError" | "ProvisionedThroughputExceeded" | "RequestLimitExceeded" => {
                    return Err(StoreError::Throttled(format!(
                        "customer {id}: {code} on a {part:?} item"
                    )))
                }
                "ItemCollectionSizeLimitExceeded" => {
                    return Err(StoreError::TooLarge(format!(
                        "customer {id}: {code} on its {part:?} item"
                    )))
                }
                // Only an item over DynamoDB's size is the event's own
                // doing; any other invalid item is ours to fix, and the
                // event is retried (and kept) until it is fixed.
                "ValidationError" if says_too_large(message) => {
                    return Err(StoreError::TooLarge(format!(
                        "customer {id}: {code} on its {part:?} item (over DynamoDB's item size)"
                    )))
                }
                "ValidationError" => {
                    return Err(StoreError::Unavailable(
                        // (Not DynamoDB's message: it may quote a value.)
                        format!("customer {id}: {code} on its {part:?} item").into(),
                    ));
                }
                _ => {}
            }
        }
        if reasons.iter().any(|(_, c, _)| *c == "TransactionConflict")
            && !reasons
                .iter()
                .any(|(_, c, _)| *c == "ConditionalCheckFailed")
        {
            return Err(StoreError::Contended(format!(
                "customer {id}: a commit at the same moment touched one of its items"
            )));
        }
        let failed: Vec<Part> = reasons
            .iter()
            .filter(|(_, c, _)| *c == "ConditionalCheckFailed")
            .map(|(p, _, _)| *p)
            .collect();
        if let Some(Part::Claim(i)) = failed.iter().find(|p| matches!(p, Part::Claim(_))) {
            return Err(StoreError::ClaimedByOther {
                subject: c.claims[*i].clone(),
            });
        }
        if failed.contains(&Part::History) {
            return Ok(Some(Vec::new()));
        }
        // Only messages failed: retry without them.
        let queued: Vec<usize> = failed
            .iter()
            .filter_map(|p| match p {
                Part::Message(i) => Some(*i),
                _ => None,
            })
            .collect();
        Ok(Some(queued))
    }
}

/// Whether DynamoDB's message says an item is over its size limit ("Item
/// size has exceeded the maximum allowed size", "Item size to update has
/// exceeded ...").
fn says_too_large(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("item size") || m.contains("maximum allowed size")
}
