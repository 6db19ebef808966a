//! The suppression list: the `suppressions` table.

use super::{corrupt, db, row_time, three_texts, Cached, SqliteStore};
use crate::adapters::time_text;
use crate::domain::ids::EmailAddress;
use crate::ports::{StoreError, Suppression, Suppressions};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

#[async_trait]
impl Suppressions for SqliteStore {
    async fn is_suppressed(&self, address: &EmailAddress) -> Result<bool, StoreError> {
        let conn = self.conn();
        let found: Option<i64> = conn
            .row(
                "SELECT 1 FROM suppressions WHERE address = ?1",
                [address.normalized()],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)?;
        Ok(found.is_some())
    }

    async fn suppress(
        &self,
        address: &EmailAddress,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn()
            .run(
                "INSERT OR IGNORE INTO suppressions (address, reason, at) VALUES (?1, ?2, ?3)",
                params![address.normalized(), reason, time_text(at)],
            )
            .map_err(db)?;
        Ok(())
    }

    async fn unsuppress(&self, address: &EmailAddress) -> Result<bool, StoreError> {
        let removed = self
            .conn()
            .run(
                "DELETE FROM suppressions WHERE address = ?1",
                [address.normalized()],
            )
            .map_err(db)?;
        Ok(removed > 0)
    }

    async fn suppressions(&self, limit: usize) -> Result<Vec<Suppression>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(
                "SELECT address, reason, at FROM suppressions ORDER BY address LIMIT ?1",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map([i64::try_from(limit).unwrap_or(i64::MAX)], three_texts)
            .map_err(db)?;
        let mut out = Vec::new();
        for row in rows {
            let (address, reason, at) = row.map_err(db)?;
            out.push(Suppression {
                address: EmailAddress::try_from(address).map_err(corrupt("suppression address"))?,
                reason,
                at: row_time(at)?,
            });
        }
        Ok(out)
    }
}
