//! The managers' boards: the `boards` table, one row per entry, written
//! by a customer's commit.

use super::{corrupt, db, row_time, three_texts, Cached, SqliteStore};
use crate::adapters::time_text;
use crate::domain::boards::{Board, BoardChanges};
use crate::domain::ids::CustomerId;
use crate::ports::{BoardEntry, Boards, StoreError};
use async_trait::async_trait;
use rusqlite::{params, Transaction};

/// Applies a commit's changes to the boards, inside its transaction.
pub(super) fn apply(
    tx: &Transaction<'_>,
    customer: &CustomerId,
    changes: &BoardChanges,
) -> Result<(), StoreError> {
    for l in &changes.put {
        tx.run(
            "INSERT INTO boards (board, item, customer, at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(board, item) DO UPDATE SET customer = excluded.customer, at = excluded.at",
            params![
                l.board.to_string(),
                l.item,
                customer.as_str(),
                time_text(l.at)
            ],
        )
        .map_err(db)?;
    }
    for (board, item) in &changes.removed {
        tx.run(
            "DELETE FROM boards WHERE board = ?1 AND item = ?2",
            params![board.to_string(), item],
        )
        .map_err(db)?;
    }
    Ok(())
}

#[async_trait]
impl Boards for SqliteStore {
    async fn board(&self, board: Board) -> Result<Vec<BoardEntry>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(
                "SELECT item, customer, at FROM boards WHERE board = ?1 ORDER BY at, item",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map([board.to_string()], three_texts)
            .map_err(db)?;
        let mut out = Vec::new();
        for row in rows {
            let (item, customer, at) = row.map_err(db)?;
            out.push(BoardEntry {
                item,
                customer: CustomerId::parse(&customer).map_err(corrupt("board customer"))?,
                at: row_time(at)?,
            });
        }
        Ok(out)
    }
}
