//! The escalation index: the `escalations` table, one row per open
//! escalation, written by a customer's commit.

use super::{corrupt, db, row_time, Cached, SqliteStore};
use crate::adapters::time_text;
use crate::domain::keys::CallId;
use crate::ports::{EscalationChanges, Escalations, OpenEscalation, StoreError};
use async_trait::async_trait;
use rusqlite::{params, Transaction};

/// Applies a commit's changes to the index, inside its transaction.
pub(super) fn apply(tx: &Transaction<'_>, changes: &EscalationChanges) -> Result<(), StoreError> {
    for e in &changes.open {
        tx.run(
            "INSERT INTO escalations (call, opened_at) VALUES (?1, ?2)
             ON CONFLICT(call) DO UPDATE SET opened_at = excluded.opened_at",
            params![e.call.to_string(), time_text(e.opened_at)],
        )
        .map_err(db)?;
    }
    for call in &changes.closed {
        tx.run(
            "DELETE FROM escalations WHERE call = ?1",
            [call.to_string()],
        )
        .map_err(db)?;
    }
    Ok(())
}

#[async_trait]
impl Escalations for SqliteStore {
    async fn open_escalations(&self, limit: usize) -> Result<Vec<OpenEscalation>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(
                "SELECT call, opened_at FROM escalations ORDER BY opened_at, call LIMIT ?1",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(db)?;
        let mut out = Vec::new();
        for row in rows {
            let (call, at) = row.map_err(db)?;
            out.push(OpenEscalation {
                call: call.parse::<CallId>().map_err(corrupt("escalation call"))?,
                opened_at: row_time(at)?,
            });
        }
        Ok(out)
    }
}
