//! The imported roster: one item (`ROSTER`, `R`), its agents as JSON, so
//! an import replaces it in one write (a roster is small: hundreds of
//! agents are far below the 400 KB item limit).

use super::items::{get_s, key, s};
use super::{keys, DynamoStore};
use crate::adapters::time_text;
use crate::config::{roster_from_json, roster_to_json};
use crate::domain::roster::Agent;
use crate::ports::{RosterStore, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[async_trait]
impl RosterStore for DynamoStore {
    async fn roster(&self) -> Result<Option<Vec<Agent>>, StoreError> {
        let Some(item) = self.get(keys::roster()).await? else {
            return Ok(None);
        };
        roster_from_json(get_s(&item, "agents")?)
            .map(Some)
            .map_err(|e| StoreError::Corrupt(e.to_string()))
    }

    async fn replace_roster(&self, agents: &[Agent], at: DateTime<Utc>) -> Result<(), StoreError> {
        let mut item = key(keys::roster());
        item.insert("agents".into(), s(roster_to_json(agents)));
        item.insert("updated_at".into(), s(time_text(at)));
        self.put_whole(item).await
    }
}
