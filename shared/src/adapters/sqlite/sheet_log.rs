//! What each agent's day's sheets listed: the `sheet_log` table.

use super::{db, Cached, SqliteStore};
use crate::domain::ids::AgentId;
use crate::ports::{SheetLog, StoreError};
use async_trait::async_trait;
use chrono::NaiveDate;
use rusqlite::params;
use std::collections::BTreeSet;

#[async_trait]
impl SheetLog for SqliteStore {
    async fn listed(
        &self,
        agent: &AgentId,
        day: NaiveDate,
    ) -> Result<BTreeSet<String>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached("SELECT key FROM sheet_log WHERE agent = ?1 AND day = ?2")
            .map_err(db)?;
        let rows = stmt
            .query_map(params![agent.as_str(), day.to_string()], |r| {
                r.get::<_, String>(0)
            })
            .map_err(db)?;
        rows.map(|r| r.map_err(db)).collect()
    }

    async fn mark_listed(
        &self,
        agent: &AgentId,
        day: NaiveDate,
        keys: &[String],
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(db)?;
        for key in keys {
            tx.run(
                "INSERT OR IGNORE INTO sheet_log (agent, day, key) VALUES (?1, ?2, ?3)",
                params![agent.as_str(), day.to_string(), key],
            )
            .map_err(db)?;
        }
        tx.commit().map_err(db)
    }
}
