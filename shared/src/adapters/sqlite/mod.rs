//! The embedded store: one SQLite file, every change in one transaction, so
//! a killed process loses nothing and counts nothing twice.
//!
//! This module opens the file and keeps its schema and migrations; the
//! ports are answered beside their SQL: `histories` (with the due index
//! and the day counters a commit writes), `calendar`, `outbox`,
//! `suppressions`, `jobs` and `escalations`.

mod boards;
mod calendar;
mod counters;
mod escalations;
mod histories;
mod jobs;
mod outbox;
mod roster;
mod sender;
mod sheet_log;
mod suppressions;

use super::parse_time_text;
use crate::domain::keys::MessageId;
use crate::ports::StoreError;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

pub struct SqliteStore {
    conn: Mutex<Connection>,
    /// Outbox messages claimed by a sender of this process, until when
    /// (see `Outbox::claim`).
    claims: Mutex<HashMap<MessageId, DateTime<Utc>>>,
    /// Leases held in this process (see `JobSchedule::take_lease`): who,
    /// until when.
    leases: Mutex<HashMap<String, (String, DateTime<Utc>)>>,
    /// Whether this process sends the file's mail (see `sender`): claims
    /// and leases are granted only to the process that holds it.
    sender: sender::SenderLock,
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
CREATE TABLE IF NOT EXISTS job_memos (name TEXT PRIMARY KEY, memo TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS escalations (call TEXT PRIMARY KEY, opened_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS escalations_by_age ON escalations(opened_at, call);
CREATE TABLE IF NOT EXISTS sheet_log (agent TEXT NOT NULL, day TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (agent, day, key));
CREATE TABLE IF NOT EXISTS level_months (
    month TEXT NOT NULL, metric TEXT NOT NULL, value INTEGER NOT NULL, PRIMARY KEY (month, metric));
CREATE TABLE IF NOT EXISTS boards (
    board TEXT NOT NULL, item TEXT NOT NULL, customer TEXT NOT NULL, at TEXT NOT NULL,
    PRIMARY KEY (board, item));
CREATE INDEX IF NOT EXISTS boards_by_time ON boards(board, at, item);
CREATE TABLE IF NOT EXISTS roster (id INTEGER PRIMARY KEY CHECK (id = 1), agents TEXT NOT NULL, updated_at TEXT NOT NULL);
";

fn db(e: rusqlite::Error) -> StoreError {
    StoreError::unavailable(e)
}

/// Every statement through the connection's cache of prepared statements:
/// SQLite parses each text once per open, not once per call (parsing was
/// an eighth of a local run's time).
trait Cached {
    fn run(&self, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<usize>;
    fn row<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        f: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T>;
}

impl Cached for Connection {
    fn run(&self, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    fn row<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        f: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        self.prepare_cached(sql)?.query_row(params, f)
    }
}

impl SqliteStore {
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let conn = Connection::open(path).map_err(db)?;
        let store = Self::init(conn)?;
        Ok(SqliteStore {
            sender: sender::SenderLock::beside(path)?,
            ..store
        })
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
        // Room for every statement text the adapter runs (about 50).
        conn.set_prepared_statement_cache_capacity(128);
        // Deleted and rewritten content is overwritten, not left in free
        // pages: a forgotten customer's data leaves the file.
        conn.pragma_update(None, "secure_delete", "ON")
            .map_err(db)?;
        // The schema and its migrations in one write transaction: a first
        // open killed halfway, or two processes opening an older file at
        // once, leave the month totals either absent (filled next time)
        // or whole, never half or twice.
        conn.execute_batch("BEGIN IMMEDIATE").map_err(db)?;
        let upgraded = (|| {
            migrate(&conn)?;
            let had_counters = table_exists(&conn, "counters")?;
            let had_months = table_exists(&conn, "level_months")?;
            conn.execute_batch(SCHEMA).map_err(db)?;
            if had_counters && !had_months {
                counters::fill_month_totals(&conn)?;
            }
            Ok(())
        })();
        match upgraded {
            Ok(()) => conn.execute_batch("COMMIT").map_err(db)?,
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(e);
            }
        }
        Ok(SqliteStore {
            conn: Mutex::new(conn),
            claims: Mutex::new(HashMap::new()),
            leases: Mutex::new(HashMap::new()),
            sender: sender::SenderLock::in_memory(),
        })
    }

    /// Whether this process sends the file's mail: no other process on
    /// the file holds its sender lock (taken here when free). A process
    /// that does not send still commits; its mail waits in the outbox for
    /// the one that does.
    pub fn sends_mail(&self) -> Result<bool, StoreError> {
        self.sender.held()
    }

    /// The process that sends the file's mail, as it names itself ("pid
    /// 1234"), when it is another.
    pub fn mail_sent_by_another(&self) -> Option<String> {
        self.sender.holder()
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half-done
        // transaction behind (SQLite rolls it back), so poison is harmless.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn claims(&self) -> MutexGuard<'_, HashMap<MessageId, DateTime<Utc>>> {
        self.claims.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn leases(&self) -> MutexGuard<'_, HashMap<String, (String, DateTime<Utc>)>> {
        self.leases.lock().unwrap_or_else(|p| p.into_inner())
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

fn table_exists(conn: &Connection, table: &str) -> Result<bool, StoreError> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [table],
            |_| Ok(()),
        )
        .optional()
        .map_err(db)?
        .is_some())
}

fn migrate(conn: &Connection) -> Result<(), StoreError> {
    for (table, column, decl) in ADDED_COLUMNS {
        if !table_exists(conn, table)? {
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

/// A row's first three columns as text.
fn three_texts(r: &rusqlite::Row<'_>) -> rusqlite::Result<(String, String, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
}

fn row_time(s: String) -> Result<DateTime<Utc>, StoreError> {
    parse_time_text(&s).ok_or_else(|| StoreError::Corrupt(format!("bad time {s:?}")))
}
