//! The imported roster: one row of the `roster` table, its agents as JSON.

use super::{db, Cached, SqliteStore};
use crate::adapters::time_text;
use crate::config::{roster_from_json, roster_to_json};
use crate::domain::roster::Agent;
use crate::ports::{RosterStore, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

#[async_trait]
impl RosterStore for SqliteStore {
    async fn roster(&self) -> Result<Option<Vec<Agent>>, StoreError> {
        let text: Option<String> = self
            .conn()
            .row("SELECT agents FROM roster WHERE id = 1", [], |r| r.get(0))
            .optional()
            .map_err(db)?;
        text.map(|t| roster_from_json(&t).map_err(|e| StoreError::Corrupt(e.to_string())))
            .transpose()
    }

    async fn replace_roster(&self, agents: &[Agent], at: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn()
            .run(
                "INSERT INTO roster (id, agents, updated_at) VALUES (1, ?1, ?2)
                 ON CONFLICT(id) DO UPDATE SET agents = excluded.agents, updated_at = excluded.updated_at",
                params![roster_to_json(agents), time_text(at)],
            )
            .map_err(db)?;
        Ok(())
    }
}
