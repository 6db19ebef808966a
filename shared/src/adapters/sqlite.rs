//! The embedded store: one SQLite file, every change in one transaction, so
//! a killed process loses nothing and counts nothing twice.

use super::{parse_time_text, time_text};
use crate::domain::history::History;
use crate::domain::ids::{AgentId, CustomerId, EmailAddress};
use crate::domain::keys::{AttemptKey, Job, MessageId, SurveyKey};
use crate::domain::kpi::{DayCounters, Metric};
use crate::ports::{
    AgentCalendar, BookResult, Booking, Commit, Counters, Due, DueIndex, Histories, JobSchedule,
    Message, Outbox, Parked, Queued, StoreError, Suppression, Suppressions,
};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

pub struct SqliteStore {
    conn: Mutex<Connection>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS customers (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL, history TEXT NOT NULL, next_due TEXT,
    due_failures INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS customers_next_due ON customers(next_due) WHERE next_due IS NOT NULL;
CREATE TABLE IF NOT EXISTS claims (subject TEXT PRIMARY KEY, customer TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counters (
    day TEXT NOT NULL, metric TEXT NOT NULL, value INTEGER NOT NULL, PRIMARY KEY (day, metric));
CREATE TABLE IF NOT EXISTS bookings (
    agent TEXT NOT NULL, slot TEXT NOT NULL, call_key TEXT NOT NULL UNIQUE, customer TEXT NOT NULL,
    PRIMARY KEY (agent, slot));
CREATE TABLE IF NOT EXISTS agent_days (
    agent TEXT NOT NULL, day TEXT NOT NULL, calls INTEGER NOT NULL, PRIMARY KEY (agent, day));
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, message TEXT NOT NULL,
    delivered INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0, retry_at TEXT,
    reason TEXT, parked_at TEXT);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox(delivered, seq);
CREATE INDEX IF NOT EXISTS outbox_parked ON outbox(parked_at) WHERE parked_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS suppressions (address TEXT PRIMARY KEY, reason TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (name TEXT PRIMARY KEY, next_at TEXT NOT NULL);
";

fn db(e: rusqlite::Error) -> StoreError {
    StoreError::unavailable(e)
}

impl SqliteStore {
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let conn = Connection::open(path).map_err(db)?;
        Self::init(conn)
    }

    pub fn in_memory() -> Result<SqliteStore, StoreError> {
        Self::init(Connection::open_in_memory().map_err(db)?)
    }

    fn init(conn: Connection) -> Result<SqliteStore, StoreError> {
        // WAL + NORMAL: a committed transaction survives a killed process;
        // only an OS crash may lose the last commits, never half of one.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(db)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(db)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(db)?;
        migrate(&conn)?;
        conn.execute_batch(SCHEMA).map_err(db)?;
        Ok(SqliteStore {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half-done
        // transaction behind (SQLite rolls it back), so poison is harmless.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Columns added since the first release, added to older files in place
/// (their defaults mean "as before").
const ADDED_COLUMNS: &[(&str, &str, &str)] = &[
    ("customers", "due_failures", "INTEGER NOT NULL DEFAULT 0"),
    ("outbox", "attempts", "INTEGER NOT NULL DEFAULT 0"),
    ("outbox", "retry_at", "TEXT"),
    ("outbox", "reason", "TEXT"),
    ("outbox", "parked_at", "TEXT"),
];

fn migrate(conn: &Connection) -> Result<(), StoreError> {
    for (table, column, decl) in ADDED_COLUMNS {
        let exists: bool = conn
            .query_row(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
                [table],
                |_| Ok(()),
            )
            .optional()
            .map_err(db)?
            .is_some();
        if !exists {
            continue; // a new file: the schema creates it whole
        }
        let has: bool = conn
            .query_row(
                &format!("SELECT 1 FROM pragma_table_info('{table}') WHERE name = ?1"),
                [column],
                |_| Ok(()),
            )
            .optional()
            .map_err(db)?
            .is_some();
        if !has {
            conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {decl}"))
                .map_err(db)?;
        }
    }
    Ok(())
}

fn corrupt(what: &str) -> impl Fn(crate::domain::ids::InvalidValue) -> StoreError + '_ {
    move |e| StoreError::Corrupt(format!("{what}: {}", e.0))
}

fn decode_history(text: &str) -> Result<History, StoreError> {
    serde_json::from_str(text).map_err(|e| super::corrupt_json("customer history", &e))
}

fn row_time(s: String) -> Result<DateTime<Utc>, StoreError> {
    parse_time_text(&s).ok_or_else(|| StoreError::Corrupt(format!("bad time {s:?}")))
}

#[async_trait]
impl Histories for SqliteStore {
    async fn load(&self, customer: &CustomerId) -> Result<Option<History>, StoreError> {
        let conn = self.conn();
        let text: Option<String> = conn
            .query_row(
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
            .query_row("SELECT version FROM customers WHERE id = ?1", [id], |r| {
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
                .query_row(
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
                    tx.execute(
                        "INSERT INTO claims (subject, customer) VALUES (?1, ?2)",
                        params![subject_text, id],
                    )
                    .map_err(db)?;
                }
            }
        }
        let text =
            serde_json::to_string(&c.history).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        tx.execute(
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
            for (day, metric, value) in c.delta.iter() {
                add.execute(params![day.to_string(), metric.name(), value])
                    .map_err(db)?;
            }
            let mut put = tx
                .prepare_cached("INSERT OR IGNORE INTO outbox (id, message) VALUES (?1, ?2)")
                .map_err(db)?;
            for m in &c.messages {
                let text =
                    serde_json::to_string(m).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                put.execute(params![m.id.to_string(), text]).map_err(db)?;
            }
        }
        tx.commit().map_err(db)
    }

    async fn owner(&self, subject: &SurveyKey) -> Result<Option<CustomerId>, StoreError> {
        let conn = self.conn();
        let owner: Option<String> = conn
            .query_row(
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
            .execute(
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
            .query_row(
                "SELECT MIN(next_due) FROM customers WHERE next_due IS NOT NULL",
                [],
                |r| r.get(0),
            )
            .map_err(db)?;
        t.map(row_time).transpose()
    }
}

#[async_trait]
impl Counters for SqliteStore {
    async fn day(&self, date: NaiveDate) -> Result<DayCounters, StoreError> {
        let conn = self.conn();
        let mut out = DayCounters::default();
        let day = date.to_string();
        let mut stmt = conn
            .prepare_cached("SELECT metric, value FROM counters WHERE day = ?1")
            .map_err(db)?;
        let rows = stmt
            .query_map([&day], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })
            .map_err(db)?;
        for row in rows {
            let (name, value) = row.map_err(db)?;
            if let Some(m) = Metric::from_name(&name).filter(|m| !m.is_delta()) {
                out.set(m, value);
            }
        }
        for m in Metric::ALL.iter().filter(|m| m.is_delta()) {
            let total: i64 = conn
                .query_row(
                    "SELECT COALESCE(SUM(value), 0) FROM counters WHERE metric = ?1 AND day <= ?2",
                    params![m.name(), day],
                    |r| r.get(0),
                )
                .map_err(db)?;
            out.set(*m, total);
        }
        Ok(out)
    }
}

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
            let (slot, attempt, customer) = r.map_err(db)?;
            Ok(Booking {
                agent: agent.clone(),
                slot: row_time(slot)?,
                attempt: attempt.parse().map_err(corrupt("booking attempt"))?,
                customer: CustomerId::parse(&customer).map_err(corrupt("booking customer"))?,
            })
        })
        .collect()
    }

    async fn booking_for(&self, attempt: &AttemptKey) -> Result<Option<Booking>, StoreError> {
        let conn = self.conn();
        let row: Option<(String, String, String)> = conn
            .query_row(
                "SELECT agent, slot, customer FROM bookings WHERE call_key = ?1",
                [attempt.to_string()],
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
            })
        })
        .transpose()
    }

    async fn book(&self, b: &Booking, agent_day: NaiveDate) -> Result<BookResult, StoreError> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        let n = tx
            .execute(
                "INSERT OR IGNORE INTO bookings (agent, slot, call_key, customer) VALUES (?1, ?2, ?3, ?4)",
                params![b.agent.as_str(), time_text(b.slot), b.attempt.to_string(), b.customer.as_str()],
            )
            .map_err(db)?;
        if n == 0 {
            return Ok(BookResult::SlotTaken);
        }
        tx.execute(
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

fn decode_message(text: &str) -> Result<Message, StoreError> {
    serde_json::from_str(text).map_err(|e| super::corrupt_json("outbox message", &e))
}

#[async_trait]
impl Outbox for SqliteStore {
    async fn enqueue(&self, messages: &[Message]) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(db)?;
        for m in messages {
            let text = serde_json::to_string(m).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            tx.execute(
                "INSERT OR IGNORE INTO outbox (id, message) VALUES (?1, ?2)",
                params![m.id.to_string(), text],
            )
            .map_err(db)?;
        }
        tx.commit().map_err(db)
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

    async fn mark_delivered(&self, id: &MessageId) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "UPDATE outbox SET delivered = 1, retry_at = NULL WHERE id = ?1",
                [id.to_string()],
            )
            .map_err(db)?;
        Ok(())
    }

    async fn defer(
        &self,
        id: &MessageId,
        until: DateTime<Utc>,
        reason: &str,
    ) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "UPDATE outbox SET attempts = attempts + 1, retry_at = ?2, reason = ?3
                 WHERE id = ?1 AND delivered = 0",
                params![id.to_string(), time_text(until), reason],
            )
            .map_err(db)?;
        Ok(())
    }

    async fn park(
        &self,
        id: &MessageId,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "UPDATE outbox SET attempts = attempts + 1, parked_at = ?2, reason = ?3
                 WHERE id = ?1 AND delivered = 0",
                params![id.to_string(), time_text(at), reason],
            )
            .map_err(db)?;
        Ok(())
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

#[async_trait]
impl Suppressions for SqliteStore {
    async fn is_suppressed(&self, address: &EmailAddress) -> Result<bool, StoreError> {
        let conn = self.conn();
        let found: Option<i64> = conn
            .query_row(
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
            .execute(
                "INSERT OR IGNORE INTO suppressions (address, reason, at) VALUES (?1, ?2, ?3)",
                params![address.normalized(), reason, time_text(at)],
            )
            .map_err(db)?;
        Ok(())
    }

    async fn unsuppress(&self, address: &EmailAddress) -> Result<bool, StoreError> {
        let removed = self
            .conn()
            .execute(
                "DELETE FROM suppressions WHERE address = ?1",
                [address.normalized()],
            )
            .map_err(db)?;
        Ok(removed > 0)
    }

    async fn suppressions(&self, limit: usize) -> Result<Vec<Suppression>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT address, reason, at FROM suppressions ORDER BY address LIMIT ?1")
            .map_err(db)?;
        let rows = stmt
            .query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
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

#[async_trait]
impl JobSchedule for SqliteStore {
    async fn job_next_run(&self, job: &Job) -> Result<Option<DateTime<Utc>>, StoreError> {
        let conn = self.conn();
        let t: Option<String> = conn
            .query_row(
                "SELECT next_at FROM jobs WHERE name = ?1",
                [job.to_string()],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)?;
        t.map(row_time).transpose()
    }

    async fn advance_job(
        &self,
        job: &Job,
        expected: Option<DateTime<Utc>>,
        next: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let conn = self.conn();
        let job = job.to_string();
        let n = match expected {
            None => conn
                .execute(
                    "INSERT OR IGNORE INTO jobs (name, next_at) VALUES (?1, ?2)",
                    params![job, time_text(next)],
                )
                .map_err(db)?,
            Some(e) => conn
                .execute(
                    "UPDATE jobs SET next_at = ?3 WHERE name = ?1 AND next_at = ?2",
                    params![job, time_text(e), time_text(next)],
                )
                .map_err(db)?,
        };
        Ok(n == 1)
    }
}
