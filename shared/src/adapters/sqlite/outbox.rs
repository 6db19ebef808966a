//! The outbox: the `outbox` table.

use super::{db, row_time, Cached, SqliteStore};
use crate::adapters::{corrupt_json, time_text};
use crate::domain::keys::MessageId;
use crate::ports::{Message, Outbox, Parked, Queued, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

fn decode_message(text: &str) -> Result<Message, StoreError> {
    serde_json::from_str(text).map_err(|e| corrupt_json("outbox message", &e))
}

#[async_trait]
impl Outbox for SqliteStore {
    async fn enqueue(
        &self,
        messages: &[Message],
        _now: DateTime<Utc>,
    ) -> Result<Vec<MessageId>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(db)?;
        let mut fresh = Vec::new();
        for m in messages {
            let text = serde_json::to_string(m).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let inserted = tx
                .run(
                    "INSERT OR IGNORE INTO outbox (id, message) VALUES (?1, ?2)",
                    params![m.id.to_string(), text],
                )
                .map_err(db)?;
            if inserted == 1 {
                fresh.push(m.id.clone());
            }
        }
        tx.commit().map_err(db)?;
        Ok(fresh)
    }

    async fn undelivered(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Queued>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(
                "SELECT message, attempts FROM outbox
                 WHERE delivered = 0 AND parked_at IS NULL AND (retry_at IS NULL OR retry_at <= ?1)
                 ORDER BY seq LIMIT ?2",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map(params![time_text(now), limit as i64], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })
            .map_err(db)?;
        rows.map(|r| {
            let (text, attempts) = r.map_err(db)?;
            Ok(Queued {
                message: decode_message(&text)?,
                attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
            })
        })
        .collect()
    }

    async fn claim(
        &self,
        id: &MessageId,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        // Claims live in memory beside the connection, so a killed run
        // leaves none behind to wait out; only the process holding the
        // file's sender lock claims, so two processes never both send.
        if !self.sends_mail()? {
            return Ok(false);
        }
        let conn = self.conn();
        let queued = conn
            .row(
                "SELECT 1 FROM outbox WHERE id = ?1 AND delivered = 0 AND parked_at IS NULL",
                [id.to_string()],
                |_| Ok(()),
            )
            .optional()
            .map_err(db)?
            .is_some();
        if !queued {
            return Ok(false);
        }
        let mut claims = self.claims();
        claims.retain(|_, expires| *expires > now);
        if claims.contains_key(id) {
            return Ok(false);
        }
        claims.insert(id.clone(), until);
        Ok(true)
    }

    async fn mark_delivered(&self, id: &MessageId, _now: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn()
            .run(
                "UPDATE outbox SET delivered = 1, retry_at = NULL, message = '' WHERE id = ?1",
                [id.to_string()],
            )
            .map_err(db)?;
        self.claims().remove(id);
        Ok(())
    }

    async fn discard(&self, id: &MessageId) -> Result<bool, StoreError> {
        let n = self
            .conn()
            .run(
                "DELETE FROM outbox WHERE id = ?1 AND delivered = 0",
                [id.to_string()],
            )
            .map_err(db)?;
        self.claims().remove(id);
        Ok(n == 1)
    }

    async fn defer(
        &self,
        id: &MessageId,
        until: DateTime<Utc>,
        reason: &str,
    ) -> Result<(), StoreError> {
        self.conn()
            .run(
                "UPDATE outbox SET attempts = attempts + 1, retry_at = ?2, reason = ?3
                 WHERE id = ?1 AND delivered = 0",
                params![id.to_string(), time_text(until), reason],
            )
            .map_err(db)?;
        self.claims().remove(id);
        Ok(())
    }

    async fn park(
        &self,
        id: &MessageId,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn()
            .run(
                "UPDATE outbox SET attempts = attempts + 1, parked_at = ?2, reason = ?3
                 WHERE id = ?1 AND delivered = 0 AND parked_at IS NULL",
                params![id.to_string(), time_text(at), reason],
            )
            .map_err(db)?;
        self.claims().remove(id);
        Ok(())
    }

    async fn requeue(&self, id: &MessageId, _now: DateTime<Utc>) -> Result<bool, StoreError> {
        let n = self
            .conn()
            .run(
                "UPDATE outbox SET attempts = 0, retry_at = NULL, reason = NULL, parked_at = NULL
                 WHERE id = ?1 AND parked_at IS NOT NULL AND delivered = 0",
                [id.to_string()],
            )
            .map_err(db)?;
        Ok(n == 1)
    }

    async fn parked(&self, limit: usize) -> Result<Vec<Parked>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(
                "SELECT message, attempts, reason, parked_at FROM outbox
                 WHERE parked_at IS NOT NULL ORDER BY parked_at, seq LIMIT ?1",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })
            .map_err(db)?;
        rows.map(|r| {
            let (text, attempts, reason, at) = r.map_err(db)?;
            let m = decode_message(&text)?;
            Ok(Parked {
                id: m.id,
                recipients: m.to.len(),
                reason: reason.unwrap_or_default(),
                attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                at: row_time(at)?,
            })
        })
        .collect()
    }
}
