//! The job schedule: the `jobs` table.

use super::{db, row_time, Cached, SqliteStore};
use crate::adapters::time_text;
use crate::domain::keys::Job;
use crate::ports::{JobSchedule, Lease, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

#[async_trait]
impl JobSchedule for SqliteStore {
    async fn take_lease(
        &self,
        lease: Lease,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        // In memory, as the outbox's claims, and for the same process: the
        // one holding the file's sender lock.
        if !self.sends_mail()? {
            return Ok(false);
        }
        let mut leases = self.leases();
        let name = lease.to_string();
        match leases.get(&name) {
            Some((other, expires)) if other != holder && *expires > now => Ok(false),
            _ => {
                leases.insert(name, (holder.to_string(), until));
                Ok(true)
            }
        }
    }

    async fn release_lease(&self, lease: Lease, holder: &str) -> Result<(), StoreError> {
        let mut leases = self.leases();
        let name = lease.to_string();
        if leases.get(&name).is_some_and(|(h, _)| h == holder) {
            leases.remove(&name);
        }
        Ok(())
    }

    async fn job_next_run(&self, job: &Job) -> Result<Option<DateTime<Utc>>, StoreError> {
        let conn = self.conn();
        let t: Option<String> = conn
            .row(
                "SELECT next_at FROM jobs WHERE name = ?1",
                [job.to_string()],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)?;
        t.map(row_time).transpose()
    }

    /// The whole table in one read: a few rows (a job per agent, and the
    /// morning email), asked for at every due instant of a run.
    async fn job_next_runs(&self, jobs: &[Job]) -> Result<Vec<Option<DateTime<Utc>>>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached("SELECT name, next_at FROM jobs")
            .map_err(db)?;
        let mut all = std::collections::HashMap::new();
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(db)?;
        for row in rows {
            let (name, next) = row.map_err(db)?;
            all.insert(name, next);
        }
        jobs.iter()
            .map(|job| all.get(&job.to_string()).cloned().map(row_time).transpose())
            .collect()
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
                .run(
                    "INSERT OR IGNORE INTO jobs (name, next_at) VALUES (?1, ?2)",
                    params![job, time_text(next)],
                )
                .map_err(db)?,
            Some(e) => conn
                .run(
                    "UPDATE jobs SET next_at = ?3 WHERE name = ?1 AND next_at = ?2",
                    params![job, time_text(e), time_text(next)],
                )
                .map_err(db)?,
        };
        Ok(n == 1)
    }

    async fn job_memo(&self, job: &Job) -> Result<Option<String>, StoreError> {
        self.conn()
            .row(
                "SELECT memo FROM job_memos WHERE name = ?1",
                [job.to_string()],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)
    }

    async fn set_job_memo(&self, job: &Job, memo: &str) -> Result<(), StoreError> {
        self.conn()
            .run(
                "INSERT INTO job_memos (name, memo) VALUES (?1, ?2)
                 ON CONFLICT(name) DO UPDATE SET memo = excluded.memo",
                params![job.to_string(), memo],
            )
            .map_err(db)?;
        Ok(())
    }
}
