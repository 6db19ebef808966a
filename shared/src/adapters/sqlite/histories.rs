//! Histories, the due index and the day counters: the `customers`,
//! `claims` and `counters` tables (and the month totals of `counters`),
//! which one commit writes together.

use super::{corrupt, db, row_time, Cached, SqliteStore};
use crate::adapters::{corrupt_json, time_text};
use crate::domain::history::History;
use crate::domain::ids::CustomerId;
use crate::domain::keys::SurveyKey;
use crate::ports::{Commit, Due, DueIndex, Histories, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, TransactionBehavior};

fn decode_history(text: &str) -> Result<History, StoreError> {
    serde_json::from_str(text).map_err(|e| corrupt_json("customer history", &e))
}

#[async_trait]
impl Histories for SqliteStore {
    async fn load(&self, customer: &CustomerId) -> Result<Option<History>, StoreError> {
        let conn = self.conn();
        let text: Option<String> = conn
            .row(
                "SELECT history FROM customers WHERE id = ?1",
                [customer.as_str()],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)?;
        text.map(|t| decode_history(&t)).transpose()
    }

    async fn commit(&self, c: &Commit) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        let id = c.history.customer_id.as_str();
        let stored: Option<i64> = tx
            .row("SELECT version FROM customers WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()
            .map_err(db)?;
        if stored.unwrap_or(0) as u64 != c.expected_version {
            return Err(StoreError::Conflict(c.history.customer_id.clone()));
        }
        for subject in &c.claims {
            let subject_text = subject.to_string();
            let owner: Option<String> = tx
                .row(
                    "SELECT customer FROM claims WHERE subject = ?1",
                    [&subject_text],
                    |r| r.get(0),
                )
                .optional()
                .map_err(db)?;
            match owner {
                Some(o) if o != id => {
                    return Err(StoreError::ClaimedByOther {
                        subject: subject.clone(),
                    })
                }
                Some(_) => {}
                None => {
                    tx.run(
                        "INSERT INTO claims (subject, customer) VALUES (?1, ?2)",
                        params![subject_text, id],
                    )
                    .map_err(db)?;
                }
            }
        }
        let text =
            serde_json::to_string(&c.history).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        tx.run(
            "INSERT INTO customers (id, version, history, next_due, due_failures) VALUES (?1, ?2, ?3, ?4, 0)
             ON CONFLICT(id) DO UPDATE SET version = excluded.version, history = excluded.history,
                 next_due = excluded.next_due, due_failures = 0",
            params![id, c.history.version as i64, text, c.next_due.map(time_text)],
        )
        .map_err(db)?;
        {
            let mut add = tx
                .prepare_cached(
                    "INSERT INTO counters (day, metric, value) VALUES (?1, ?2, ?3)
                     ON CONFLICT(day, metric) DO UPDATE SET value = value + excluded.value",
                )
                .map_err(db)?;
            for (day, counter, value) in c.delta.iter() {
                add.execute(params![day.to_string(), counter.name(), value])
                    .map_err(db)?;
            }
            super::counters::add_month_totals(&tx, &c.delta)?;
            let mut put = tx
                .prepare_cached("INSERT OR IGNORE INTO outbox (id, message) VALUES (?1, ?2)")
                .map_err(db)?;
            for m in &c.messages {
                let text =
                    serde_json::to_string(m).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                put.execute(params![m.id.to_string(), text]).map_err(db)?;
            }
        }
        super::escalations::apply(&tx, &c.escalations)?;
        super::boards::apply(&tx, &c.history.customer_id, &c.boards)?;
        tx.commit().map_err(db)?;
        if c.erases_personal_data {
            // The row's old bytes are overwritten (`secure_delete`), but
            // the write-ahead log still holds the pages as they were until
            // it is checkpointed and cut. Erasures are rare (a forget, a
            // retention pass): the checkpoint costs a few milliseconds.
            // One that readers hold up finishes at the next.
            if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())) {
                tracing::warn!(error = %e, "write-ahead log not cut after an erasure; the next checkpoint cuts it");
            }
        }
        Ok(())
    }

    async fn owner(&self, subject: &SurveyKey) -> Result<Option<CustomerId>, StoreError> {
        let conn = self.conn();
        let owner: Option<String> = conn
            .row(
                "SELECT customer FROM claims WHERE subject = ?1",
                [subject.to_string()],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)?;
        owner
            .map(|o| CustomerId::parse(&o).map_err(corrupt("claim owner")))
            .transpose()
    }
}

#[async_trait]
impl DueIndex for SqliteStore {
    async fn due(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<Due>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached("SELECT id, next_due, due_failures FROM customers WHERE next_due IS NOT NULL AND next_due <= ?1 ORDER BY next_due, id LIMIT ?2")
            .map_err(db)?;
        let rows = stmt
            .query_map(params![time_text(now), limit as i64], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })
            .map_err(db)?;
        rows.map(|r| {
            let (id, at, failures) = r.map_err(db)?;
            Ok(Due {
                customer: CustomerId::parse(&id).map_err(corrupt("due customer"))?,
                at: row_time(at)?,
                failures: u32::try_from(failures).unwrap_or(u32::MAX),
            })
        })
        .collect()
    }

    async fn postpone(
        &self,
        customer: &CustomerId,
        until: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn()
            .run(
                "UPDATE customers SET next_due = ?2, due_failures = due_failures + 1
                 WHERE id = ?1 AND next_due IS NOT NULL",
                params![customer.as_str(), time_text(until)],
            )
            .map_err(db)?;
        Ok(())
    }

    async fn next_due(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let conn = self.conn();
        let t: Option<String> = conn
            .row(
                "SELECT MIN(next_due) FROM customers WHERE next_due IS NOT NULL",
                [],
                |r| r.get(0),
            )
            .map_err(db)?;
        t.map(row_time).transpose()
    }
}
