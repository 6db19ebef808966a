//! The day counters' reads, and the month totals of the levels (backlog,
//! open escalations) that a commit keeps beside the day rows so that a
//! day's level is read from at most one row per month, not one per day.

use super::{db, SqliteStore};
use crate::domain::kpi::{assemble_days, month_start, Contributions, Counter, DayCounters};
use crate::ports::{Counters, StoreError};
use async_trait::async_trait;
use chrono::NaiveDate;
use rusqlite::{params, Connection, Transaction};
use std::collections::BTreeMap;

fn month(day: NaiveDate) -> String {
    day.format("%Y-%m").to_string()
}

/// Adds a commit's level deltas to their months (in the commit's transaction).
pub(super) fn add_month_totals(
    tx: &Transaction<'_>,
    delta: &Contributions,
) -> Result<(), StoreError> {
    let mut add = tx
        .prepare_cached(
            "INSERT INTO level_months (month, metric, value) VALUES (?1, ?2, ?3)
             ON CONFLICT(month, metric) DO UPDATE SET value = value + excluded.value",
        )
        .map_err(db)?;
    for (day, counter, value) in delta.iter().filter(|(_, c, _)| c.is_delta()) {
        add.execute(params![month(day), counter.name(), value])
            .map_err(db)?;
    }
    Ok(())
}

/// Fills the month totals of a file written before they were kept.
pub(super) fn fill_month_totals(conn: &Connection) -> Result<(), StoreError> {
    let deltas: Vec<String> = crate::domain::kpi::Metric::ALL
        .iter()
        .filter(|m| m.is_delta())
        .map(|m| format!("'{}'", m.name()))
        .collect();
    conn.execute_batch(&format!(
        "INSERT INTO level_months (month, metric, value)
         SELECT substr(day, 1, 7), metric, SUM(value) FROM counters
         WHERE metric IN ({}) GROUP BY substr(day, 1, 7), metric",
        deltas.join(", ")
    ))
    .map_err(db)
}

#[async_trait]
impl Counters for SqliteStore {
    async fn days(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<DayCounters>, StoreError> {
        if to < from {
            return Ok(Vec::new());
        }
        let conn = self.conn();
        let first = month_start(from);
        let mut plain: BTreeMap<NaiveDate, DayCounters> = BTreeMap::new();
        let mut level_days: BTreeMap<NaiveDate, BTreeMap<Counter, i64>> = BTreeMap::new();
        let mut rows = conn
            .prepare_cached("SELECT day, metric, value FROM counters WHERE day BETWEEN ?1 AND ?2")
            .map_err(db)?;
        let rows = rows
            .query_map(params![first.to_string(), to.to_string()], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })
            .map_err(db)?;
        for row in rows {
            let (day, name, value) = row.map_err(db)?;
            let (Ok(day), Some(counter)) = (day.parse::<NaiveDate>(), Counter::from_name(&name))
            else {
                continue; // a counter this version does not know
            };
            if counter.is_delta() {
                *level_days
                    .entry(day)
                    .or_default()
                    .entry(counter)
                    .or_insert(0) += value;
            } else if day >= from {
                plain.entry(day).or_default().add_counter(counter, value);
            }
        }
        let mut before = BTreeMap::new();
        let mut months = conn
            .prepare_cached(
                "SELECT metric, SUM(value) FROM level_months WHERE month < ?1 GROUP BY metric",
            )
            .map_err(db)?;
        let months = months
            .query_map([month(first)], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })
            .map_err(db)?;
        for row in months {
            let (name, value) = row.map_err(db)?;
            if let Some(counter) = Counter::from_name(&name) {
                before.insert(counter, value);
            }
        }
        Ok(assemble_days(from, to, plain, before, &level_days))
    }
}
