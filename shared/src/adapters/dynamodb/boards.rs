//! The managers' boards: one partition per board (`BOARD#at-risk`,
//! `BOARD#detractors-{date}`), one item per entry, written in the
//! customer's commit transaction. A board holds what is open now or one
//! day's detractor comments, so one partition is never hot.

use super::items::{get_s, get_time, key, s, Item};
use super::{keys, DynamoStore};
use crate::adapters::time_text;
use crate::domain::boards::{Board, BoardChanges};
use crate::domain::ids::CustomerId;
use crate::ports::{BoardEntry, Boards, StoreError};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Delete, TransactWriteItem};

fn entry_key(board: Board, item: &str) -> Item {
    let (pk, sk) = keys::board_entry(board, item);
    key((pk, &sk))
}

impl DynamoStore {
    /// The commit's writes to the boards: a put per entry listed, a delete
    /// per entry gone.
    pub(super) fn board_writes(
        &self,
        customer: &CustomerId,
        changes: &BoardChanges,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let mut out = Vec::new();
        for l in &changes.put {
            let mut item = entry_key(l.board, &l.item);
            item.insert("item".into(), s(l.item.clone()));
            item.insert("customer".into(), s(customer.as_str()));
            item.insert("at".into(), s(time_text(l.at)));
            out.push(self.put(item, None)?);
        }
        for (board, item) in &changes.removed {
            let delete = Delete::builder()
                .table_name(&self.table)
                .set_key(Some(entry_key(*board, item)));
            out.push(
                TransactWriteItem::builder()
                    .delete(super::build(delete.build())?)
                    .build(),
            );
        }
        Ok(out)
    }
}

#[async_trait]
impl Boards for DynamoStore {
    async fn board(&self, board: Board) -> Result<Vec<BoardEntry>, StoreError> {
        let (pk, _) = keys::board_entry(board, "");
        let items = self
            .query_partition(pk, "begins_with(sk, :a)", "I#".to_string(), None)
            .await?;
        let mut out = items
            .iter()
            .map(|item| {
                Ok(BoardEntry {
                    item: get_s(item, "item")?.to_string(),
                    customer: CustomerId::parse(get_s(item, "customer")?)
                        .map_err(|e| StoreError::Corrupt(format!("board customer: {}", e.0)))?,
                    at: get_time(item, "at")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        out.sort_by(|a, b| (a.at, &a.item).cmp(&(b.at, &b.item)));
        Ok(out)
    }
}
