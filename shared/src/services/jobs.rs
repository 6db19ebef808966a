//! Scheduled jobs that belong to no single customer: the managers'
//! morning email, each agent's call sheet at the start of their working
//! day, and every half hour of that day an update with the calls booked
//! since (a same-day retry, a priority call). Each occurrence runs once,
//! even with two runners.

use super::calls::ScheduledCall;
use super::due::Budget;
use super::{Aftercare, ServiceError};
use crate::domain::calls::first_slot;
use crate::domain::contact::{local_day, local_to_utc};
use crate::domain::ids::AgentId;
use crate::domain::keys::{stable_hash, Job};
use crate::domain::roster::Agent;
use crate::mail::render;
use crate::ports::{Booking, Message};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use std::collections::BTreeMap;

/// At most this many missed occurrences of one job are caught up at once.
const MAX_CATCH_UP: usize = 62;
/// How often, in an agent's working hours, new calls are looked for.
const UPDATE_EVERY_MINUTES: u32 = 30;
/// A missed update occurrence older than this is skipped, not sent: its
/// calls are on a later update or the next sheet.
const UPDATE_STALE_AFTER_MINUTES: i64 = 60;

/// A job occurrence's mail, and the bookings it lists (marked as listed
/// once the mail is queued).
struct JobMail {
    messages: Vec<Message>,
    listed: Option<(AgentId, NaiveDate, Vec<String>)>,
    /// The job's memo to keep once the mail is queued.
    memo: Option<String>,
}

impl JobMail {
    fn none() -> JobMail {
        JobMail {
            messages: Vec::new(),
            listed: None,
            memo: None,
        }
    }
}

impl Aftercare {
    async fn jobs(&self) -> Result<Vec<Job>, ServiceError> {
        let mut jobs = vec![Job::DailyReport];
        for a in self.agents().await?.iter() {
            jobs.push(Job::CallSheet(a.id.clone()));
            jobs.push(Job::SheetUpdates(a.id.clone()));
        }
        Ok(jobs)
    }

    async fn agent(&self, id: &crate::domain::ids::AgentId) -> Result<Option<Agent>, ServiceError> {
        Ok(self.agents().await?.iter().find(|a| &a.id == id).cloned())
    }

    /// The first run of `job` at or after `t`.
    async fn next_run(
        &self,
        job: &Job,
        t: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, ServiceError> {
        Ok(match job {
            Job::CallSheet(id) => self
                .agent(id)
                .await?
                .and_then(|agent| agent.hours.next_start(agent.time_zone, t)),
            Job::SheetUpdates(id) => self.agent(id).await?.and_then(|agent| {
                // The next half hour of the working day, after its start
                // (the start is the sheet's own time).
                let tz = agent.time_zone;
                let mut at = first_slot(&agent.hours, tz, t, UPDATE_EVERY_MINUTES);
                if agent.hours.next_start(tz, at) == Some(at) {
                    at = first_slot(
                        &agent.hours,
                        tz,
                        at + Duration::seconds(1),
                        UPDATE_EVERY_MINUTES,
                    );
                }
                agent.hours.contains(tz, at).then_some(at)
            }),
            Job::DailyReport => self.next_report(t),
        })
    }

    fn next_report(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let tz = self.settings.policy.report_time_zone;
        let at = NaiveTime::from_hms_opt(self.settings.business.report_hour, 0, 0)?;
        let today = local_to_utc(tz, local_day(tz, t), at);
        Some(if today >= t {
            today
        } else {
            local_to_utc(tz, local_day(tz, t).succ_opt()?, at)
        })
    }

    /// Schedules the jobs never scheduled before from `now` on (a new
    /// store, a new agent). Running jobs does this too.
    pub async fn schedule_jobs(&self, now: DateTime<Utc>) -> Result<(), ServiceError> {
        self.schedule(now).await.map(drop)
    }

    /// Every job with its next run, scheduling from `now` those never
    /// scheduled (one read of the whole schedule).
    async fn schedule(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<(Job, Option<DateTime<Utc>>)>, ServiceError> {
        let jobs = self.jobs().await?;
        let next = self.store.job_next_runs(&jobs).await?;
        let mut out = Vec::with_capacity(jobs.len());
        for (job, at) in jobs.into_iter().zip(next) {
            let at = match at {
                Some(at) => Some(at),
                None => match self.next_run(&job, now).await? {
                    Some(first) if self.store.advance_job(&job, None, first).await? => Some(first),
                    // Another runner scheduled it first: its time is theirs.
                    Some(_) => self.store.job_next_run(&job).await?,
                    None => None,
                },
            };
            out.push((job, at));
        }
        Ok(out)
    }

    /// The earliest time any job is due.
    pub(super) async fn jobs_next_due(&self) -> Result<Option<DateTime<Utc>>, ServiceError> {
        let jobs = self.jobs().await?;
        let next = self.store.job_next_runs(&jobs).await?;
        Ok(next.into_iter().flatten().min())
    }

    /// Sends the agents' call sheets and sheet updates that are due;
    /// returns how many occurrences ran.
    pub async fn call_sheets(&self, now: DateTime<Utc>) -> Result<usize, ServiceError> {
        let (ran, _) = self
            .run_jobs(now, Budget::unlimited(), |job| {
                matches!(job, Job::CallSheet(_) | Job::SheetUpdates(_))
            })
            .await?;
        Ok(ran)
    }

    /// Sends the managers' morning email if it is due (the report of the
    /// day before, in the report time zone).
    pub async fn morning_report(&self, now: DateTime<Utc>) -> Result<usize, ServiceError> {
        let (ran, _) = self
            .run_jobs(now, Budget::unlimited(), |job| *job == Job::DailyReport)
            .await?;
        Ok(ran)
    }

    /// Runs the occurrences of the `wanted` jobs due at `now` while the
    /// budget lasts: how many ran, and whether the budget ran out first.
    pub(super) async fn run_jobs(
        &self,
        now: DateTime<Utc>,
        budget: Budget,
        wanted: impl Fn(&Job) -> bool,
    ) -> Result<(usize, bool), ServiceError> {
        let mut ran = 0;
        for (job, first) in self.schedule(now).await? {
            if !wanted(&job) {
                continue;
            }
            // Occurrences missed (a late or failed invocation) are caught up
            // one by one, each for its own day, as the simulated clock does.
            let mut due = first;
            for _ in 0..MAX_CATCH_UP {
                if budget.expired() {
                    return Ok((ran, true));
                }
                let Some(at) = due.filter(|at| *at <= now) else {
                    break;
                };
                let Some(next) = self.next_run(&job, at + Duration::seconds(1)).await? else {
                    break;
                };
                // Message ids are per occurrence, so running an occurrence
                // twice queues nothing twice; moving the job on last makes it
                // at least once.
                let mail = self.mail_for(&job, at, now).await?;
                let fresh = self.store.enqueue(&mail.messages, now).await?;
                // After queueing: a crash before this lists the same calls
                // again next time, under the same message id (sent once).
                if let Some((agent, day, keys)) = &mail.listed {
                    self.store.mark_listed(agent, *day, keys).await?;
                }
                // The memo of what the queued email shows; a rebuilt copy
                // (a rerun after a crash) was not queued and changes nothing.
                if let Some(memo) = mail.memo.as_ref().filter(|_| !fresh.is_empty()) {
                    self.store.set_job_memo(&job, memo).await?;
                }
                if !self.store.advance_job(&job, Some(at), next).await? {
                    break; // another runner has it
                }
                due = Some(next);
                // Only what this run queued: a copy queued before is the
                // outbox's to send (deliver_pending), and may be sent already.
                let queued: Vec<Message> = mail
                    .messages
                    .into_iter()
                    .filter(|m| fresh.contains(&m.id))
                    .collect();
                self.deliver(&queued, now).await?;
                ran += 1;
            }
        }
        Ok((ran, false))
    }

    async fn mail_for(
        &self,
        job: &Job,
        at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<JobMail, ServiceError> {
        match job {
            Job::DailyReport => {
                let tz = self.settings.policy.report_time_zone;
                let day = local_day(tz, at) - Duration::days(1);
                // What the last email showed, to name the days revised since.
                let shown: BTreeMap<NaiveDate, u64> = self
                    .store
                    .job_memo(job)
                    .await?
                    .and_then(|m| serde_json::from_str(&m).ok())
                    .unwrap_or_default();
                let brief = self.manager_brief(day, now, &shown).await?;
                let memo = serde_json::to_string(&super::day_fingerprints(&brief.days)).ok();
                Ok(JobMail {
                    messages: vec![render::manager_email(&self.settings, &brief, now)?],
                    listed: None,
                    memo,
                })
            }
            Job::CallSheet(id) => {
                let Some(agent) = self.agent(id).await? else {
                    return Ok(JobMail::none());
                };
                let day = local_day(agent.time_zone, at);
                let calls = self.agent_calls(&agent, day).await?;
                // No calls that day: no sheet (an empty email is noise).
                if calls.is_empty() {
                    return Ok(JobMail::none());
                }
                let keys = calls
                    .iter()
                    .map(|c| Booking::key_text(&c.attempt, c.round))
                    .collect();
                Ok(JobMail {
                    messages: vec![render::call_sheet(
                        &self.settings,
                        &agent,
                        day,
                        &calls,
                        now,
                    )?],
                    listed: Some((agent.id.clone(), day, keys)),
                    memo: None,
                })
            }
            Job::SheetUpdates(id) => {
                let Some(agent) = self.agent(id).await? else {
                    return Ok(JobMail::none());
                };
                if now - at > Duration::minutes(UPDATE_STALE_AFTER_MINUTES) {
                    return Ok(JobMail::none());
                }
                let day = local_day(agent.time_zone, at);
                let listed = self.store.listed(&agent.id, day).await?;
                let fresh: Vec<ScheduledCall> = self
                    .agent_calls_where(&agent, day, |b| {
                        b.slot >= at && !listed.contains(&Booking::key_text(&b.attempt, b.round))
                    })
                    .await?;
                if fresh.is_empty() {
                    return Ok(JobMail::none());
                }
                let keys: Vec<String> = fresh
                    .iter()
                    .map(|c| Booking::key_text(&c.attempt, c.round))
                    .collect();
                let calls = stable_hash(&keys.join("\n"));
                Ok(JobMail {
                    messages: vec![render::sheet_update(
                        &self.settings,
                        &agent,
                        day,
                        &fresh,
                        calls,
                        now,
                    )?],
                    listed: Some((agent.id.clone(), day, keys)),
                    memo: None,
                })
            }
        }
    }
}
