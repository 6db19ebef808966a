//! The agents' calendar: the `bookings` and `agent_days` tables.

use super::{corrupt, db, row_time, Cached, SqliteStore};
use crate::adapters::time_text;
use crate::domain::ids::{AgentId, CustomerId};
use crate::domain::keys::AttemptKey;
use crate::ports::{AgentCalendar, BookResult, Booking, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{params, OptionalExtension, TransactionBehavior};
use std::collections::BTreeMap;

#[async_trait]
impl AgentCalendar for SqliteStore {
    async fn bookings(
        &self,
        agent: &AgentId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Booking>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached("SELECT slot, call_key, customer FROM bookings WHERE agent = ?1 AND slot >= ?2 AND slot < ?3 ORDER BY slot")
            .map_err(db)?;
        let rows = stmt
            .query_map(
                params![agent.as_str(), time_text(from), time_text(to)],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                },
            )
            .map_err(db)?;
        rows.map(|r| {
            let (slot, key, customer) = r.map_err(db)?;
            let (attempt, round) = Booking::parse_key_text(&key)
                .ok_or_else(|| StoreError::Corrupt(format!("booking key {key:?}")))?;
            Ok(Booking {
                agent: agent.clone(),
                slot: row_time(slot)?,
                attempt,
                customer: CustomerId::parse(&customer).map_err(corrupt("booking customer"))?,
                round,
            })
        })
        .collect()
    }

    async fn booked_slots(
        &self,
        agent: &AgentId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<DateTime<Utc>>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached("SELECT slot FROM bookings WHERE agent = ?1 AND slot >= ?2 AND slot < ?3 ORDER BY slot")
            .map_err(db)?;
        let slots = stmt
            .query_map(
                params![agent.as_str(), time_text(from), time_text(to)],
                |r| r.get::<_, String>(0),
            )
            .map_err(db)?;
        slots.map(|s| row_time(s.map_err(db)?)).collect()
    }

    async fn booking_for(
        &self,
        attempt: &AttemptKey,
        round: u32,
    ) -> Result<Option<Booking>, StoreError> {
        let conn = self.conn();
        let row: Option<(String, String, String)> = conn
            .row(
                "SELECT agent, slot, customer FROM bookings WHERE call_key = ?1",
                [Booking::key_text(attempt, round)],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(db)?;
        row.map(|(agent, slot, customer)| {
            Ok(Booking {
                agent: AgentId::parse(&agent).map_err(corrupt("booking agent"))?,
                slot: row_time(slot)?,
                attempt: attempt.clone(),
                customer: CustomerId::parse(&customer).map_err(corrupt("booking customer"))?,
                round,
            })
        })
        .transpose()
    }

    async fn book(
        &self,
        b: &Booking,
        agent_day: NaiveDate,
        capacity: u32,
    ) -> Result<BookResult, StoreError> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        let load: i64 = tx
            .row(
                "SELECT calls FROM agent_days WHERE agent = ?1 AND day = ?2",
                params![b.agent.as_str(), agent_day.to_string()],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)?
            .unwrap_or(0);
        let already: Option<i64> = tx
            .row(
                "SELECT 1 FROM bookings WHERE call_key = ?1",
                [Booking::key_text(&b.attempt, b.round)],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)?;
        if already.is_some() {
            return Ok(BookResult::SlotTaken);
        }
        if load >= i64::from(capacity) {
            return Ok(BookResult::DayFull);
        }
        let n = tx
            .run(
                "INSERT OR IGNORE INTO bookings (agent, slot, call_key, customer) VALUES (?1, ?2, ?3, ?4)",
                params![b.agent.as_str(), time_text(b.slot), Booking::key_text(&b.attempt, b.round), b.customer.as_str()],
            )
            .map_err(db)?;
        if n == 0 {
            return Ok(BookResult::SlotTaken);
        }
        tx.run(
            "INSERT INTO agent_days (agent, day, calls) VALUES (?1, ?2, 1)
             ON CONFLICT(agent, day) DO UPDATE SET calls = calls + 1",
            params![b.agent.as_str(), agent_day.to_string()],
        )
        .map_err(db)?;
        tx.commit().map_err(db)?;
        Ok(BookResult::Booked)
    }

    async fn agent_loads(
        &self,
        agent: &AgentId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<BTreeMap<NaiveDate, u32>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(
                "SELECT day, calls FROM agent_days WHERE agent = ?1 AND day >= ?2 AND day <= ?3",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map(
                params![agent.as_str(), from.to_string(), to.to_string()],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)),
            )
            .map_err(db)?;
        rows.map(|r| {
            let (day, calls) = r.map_err(db)?;
            let day = day
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("bad day {day:?}")))?;
            Ok((day, u32::try_from(calls).unwrap_or(0)))
        })
        .collect()
    }
}
