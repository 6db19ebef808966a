//! The escalation index: one item per open escalation in partition
//! `ESCALATIONS` (sort key `CALL#{call id}`), written in the customer's
//! commit transaction. Escalations are rare (an unsatisfied customer on
//! a call), so one partition holds them all.

use super::items::{get_parsed, get_time, key, s};
use super::{keys, DynamoStore};
use crate::adapters::time_text;
use crate::ports::{EscalationChanges, Escalations, OpenEscalation, StoreError};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Delete, TransactWriteItem};

impl DynamoStore {
    /// The commit's writes to the index: a put per opened, a delete per closed.
    pub(super) fn escalation_writes(
        &self,
        changes: &EscalationChanges,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let mut out = Vec::new();
        for e in &changes.open {
            let (pk, sk) = keys::escalation(&e.call);
            let mut item = key((pk, &sk));
            item.insert("call".into(), s(e.call.to_string()));
            item.insert("opened_at".into(), s(time_text(e.opened_at)));
            out.push(self.put(item, None)?);
        }
        for call in &changes.closed {
            let delete = Delete::builder()
                .table_name(&self.table)
                .set_key(Some(escalation_key(call)));
            out.push(
                TransactWriteItem::builder()
                    .delete(super::build(delete.build())?)
                    .build(),
            );
        }
        Ok(out)
    }
}

fn escalation_key(call: &crate::domain::keys::CallId) -> super::items::Item {
    let (pk, sk) = keys::escalation(call);
    key((pk, &sk))
}

#[async_trait]
impl Escalations for DynamoStore {
    async fn open_escalations(&self, limit: usize) -> Result<Vec<OpenEscalation>, StoreError> {
        let items = self
            .query_partition(
                keys::ESCALATIONS.to_string(),
                "begins_with(sk, :a)",
                keys::ESCALATION_SK_PREFIX.to_string(),
                None,
            )
            .await?;
        let mut out = items
            .iter()
            .map(|item| {
                Ok(OpenEscalation {
                    call: get_parsed(item, "call")?,
                    opened_at: get_time(item, "opened_at")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        out.sort_by(|a, b| (a.opened_at, &a.call).cmp(&(b.opened_at, &b.call)));
        out.truncate(limit);
        Ok(out)
    }
}
