//! Scheduled jobs that belong to no single customer: the managers' morning
//! email and each agent's call sheet at the start of their working day.

use super::care::deliver;
use super::read_report;
use crate::config::{Agent, Settings};
use crate::domain::calls::CallState;
use crate::domain::contact::{local_day, local_to_utc};
use crate::domain::derive::derive;
use crate::domain::token::{Purpose, TokenKey};
use crate::mail::render::{self, SheetEntry};
use crate::ports::{Mailer, Store, StoreError};
use chrono::{DateTime, Duration, NaiveTime, Utc};

pub const REPORT_JOB: &str = "daily-report";
/// At most this many missed occurrences of one job are caught up at once.
const MAX_CATCH_UP: usize = 62;

fn sheet_job(agent: &Agent) -> String {
    format!("call-sheet:{}", agent.id)
}

pub struct Jobs<'a> {
    pub store: &'a dyn Store,
    pub mailer: &'a dyn Mailer,
    pub settings: &'a Settings,
    pub key: &'a TokenKey,
}

impl Jobs<'_> {
    fn names(&self) -> Vec<String> {
        let mut names = vec![REPORT_JOB.to_string()];
        names.extend(self.settings.agents.iter().map(sheet_job));
        names
    }

    /// The first run of `job` at or after `t`.
    fn next_run(&self, job: &str, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if job == REPORT_JOB {
            let tz = self.settings.report_time_zone;
            let at = NaiveTime::from_hms_opt(self.settings.report_hour, 0, 0)?;
            let today = local_to_utc(tz, local_day(tz, t), at);
            return Some(if today >= t {
                today
            } else {
                local_to_utc(tz, local_day(tz, t).succ_opt()?, at)
            });
        }
        let agent = self.settings.agents.iter().find(|a| sheet_job(a) == job)?;
        agent.hours.next_start(agent.time_zone, t)
    }

    /// Schedules jobs never scheduled before from `now` on.
    pub async fn ensure_scheduled(&self, now: DateTime<Utc>) -> Result<(), StoreError> {
        for job in self.names() {
            if self.store.job_next_run(&job).await?.is_none() {
                if let Some(next) = self.next_run(&job, now) {
                    self.store.advance_job(&job, None, next).await?;
                }
            }
        }
        Ok(())
    }

    /// The earliest time any job is due.
    pub async fn next_due(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let mut best: Option<DateTime<Utc>> = None;
        for job in self.names() {
            if let Some(t) = self.store.job_next_run(&job).await? {
                best = Some(best.map_or(t, |b| b.min(t)));
            }
        }
        Ok(best)
    }

    /// Runs every job due at or before `now`, each once per occurrence.
    pub async fn run_due(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        self.run_due_matching(now, |_| true).await
    }

    /// Runs the daily report if due (the rollup function's work).
    pub async fn run_report_if_due(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        self.run_due_matching(now, |job| job == REPORT_JOB).await
    }

    /// Runs the agents' call sheets that are due (with the other due work).
    pub async fn run_sheets_if_due(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        self.run_due_matching(now, |job| job != REPORT_JOB).await
    }

    async fn run_due_matching(
        &self,
        now: DateTime<Utc>,
        wanted: impl Fn(&str) -> bool,
    ) -> Result<usize, StoreError> {
        self.ensure_scheduled(now).await?;
        let mut ran = 0;
        for job in self.names().into_iter().filter(|j| wanted(j)) {
            // Occurrences missed (a late or failed invocation) are caught up
            // one by one, each for its own day, as the simulated clock does.
            for _ in 0..MAX_CATCH_UP {
                let Some(at) = self.store.job_next_run(&job).await?.filter(|at| *at <= now) else {
                    break;
                };
                let Some(next) = self.next_run(&job, at + Duration::seconds(1)) else {
                    break;
                };
                // Message ids are per occurrence, so running an occurrence
                // twice queues nothing twice; moving the job on last makes it
                // at least once.
                let messages = self.messages_for(&job, at, now).await?;
                self.store.enqueue(&messages).await?;
                if !self.store.advance_job(&job, Some(at), next).await? {
                    break; // another runner has it
                }
                deliver(self.store, self.mailer, &messages).await;
                ran += 1;
            }
        }
        Ok(ran)
    }

    async fn messages_for(
        &self,
        job: &str,
        at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<crate::ports::Message>, StoreError> {
        if job == REPORT_JOB {
            let date = local_day(self.settings.report_time_zone, at) - Duration::days(1);
            let report = read_report(self.store, self.settings, date).await?;
            return Ok(vec![render::daily_report(self.settings, &report, now)]);
        }
        Ok(
            match self.settings.agents.iter().find(|a| sheet_job(a) == job) {
                // No calls that day: no sheet (an empty email is noise).
                Some(agent) => self.call_sheet(agent, at, now).await?.into_iter().collect(),
                None => Vec::new(),
            },
        )
    }

    async fn call_sheet(
        &self,
        agent: &Agent,
        at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Option<crate::ports::Message>, StoreError> {
        let day = local_day(agent.time_zone, at);
        let from = local_to_utc(agent.time_zone, day, NaiveTime::MIN);
        let to = local_to_utc(
            agent.time_zone,
            day.succ_opt().unwrap_or(day),
            NaiveTime::MIN,
        );
        let mut entries = Vec::new();
        for b in self.store.bookings(&agent.id, from, to).await? {
            let Some(h) = self.store.load(&b.customer).await? else {
                continue;
            };
            let d = derive(&h, self.settings);
            // Only attempts still to be made: the call open and this attempt next.
            let Some(call) = d
                .calls
                .calls
                .iter()
                .find(|c| b.call_key.starts_with(&format!("{}#", c.id)))
            else {
                continue;
            };
            if call.state != CallState::Open
                || call.attempt_key(call.attempts.len() + 1) != b.call_key
            {
                continue;
            }
            let profile = h.profile_at(call.created_at);
            let reason = call
                .reasons
                .iter()
                .map(|r| r.key())
                .collect::<Vec<_>>()
                .join(", ");
            let token = self.key.sign(
                Purpose::Call,
                &b.call_key,
                call.deadline.max(b.slot) + Duration::days(7),
            );
            entries.push(SheetEntry {
                slot: b.slot,
                customer: b.customer.clone(),
                name: profile.and_then(|p| p.name.clone()),
                phone: profile.and_then(|p| p.phone.as_ref().map(|x| x.as_str().to_string())),
                locale: call.locale(),
                reason: if call.priority() {
                    format!("PRIORITY {reason}")
                } else {
                    reason
                },
                outcome_url: format!("{}/c/{}", self.settings.base_url, token),
            });
        }
        Ok((!entries.is_empty())
            .then(|| render::call_sheet(self.settings, agent, day, &entries, now)))
    }
}
