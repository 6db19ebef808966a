//! `aftercare run`: a JSON Lines file through the whole pipeline on a
//! simulated clock. Events are processed at their own `occurred_at`, in time
//! order; due work runs at its due time exactly, before an event at the same
//! instant.

use aftercare_shared::config::Settings;
use aftercare_shared::domain::event::Event;
use aftercare_shared::inbound::eventbridge::parse_envelope;
use aftercare_shared::services::{Aftercare, Budget, Ingested, Rejection, ServiceError};
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use std::collections::HashSet;
use std::fmt;
use std::io::Write;
use std::path::Path;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub accepted: u64,
    pub duplicate: u64,
    pub rejected: u64,
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "accepted {}, duplicate {}, rejected {}",
            self.accepted, self.duplicate, self.rejected
        )
    }
}

/// The simulated clock over one service.
pub struct Driver<'a> {
    pub service: &'a Aftercare,
}

impl Driver<'_> {
    /// Runs every piece of due work up to and including `t`, each at its own time.
    pub async fn advance_to(&self, t: DateTime<Utc>) -> Result<()> {
        while let Some(next) = self.service.next_due().await? {
            if next > t {
                return Ok(());
            }
            self.run_at(next).await?;
        }
        Ok(())
    }

    /// Everything due at `now`: customers' work and mail, then the jobs.
    async fn run_at(&self, now: DateTime<Utc>) -> Result<()> {
        let s = self.service;
        s.run_due(now, Budget::unlimited()).await?;
        s.call_sheets(now).await?;
        s.morning_report(now).await?;
        Ok(())
    }

    /// Processes one event at its own time; returns why it was rejected.
    pub async fn ingest(&self, event: &Event, counts: &mut Counts) -> Result<Option<String>> {
        let t = event.occurred_at();
        self.advance_to(t).await?;
        match self.service.ingest(event, t).await {
            Ok(Ingested::Accepted) => counts.accepted += 1,
            Ok(Ingested::Duplicate) => counts.duplicate += 1,
            Err(ServiceError::Rejected(Rejection::Event(why))) => {
                counts.rejected += 1;
                return Ok(Some(why));
            }
            Err(e) => return Err(e).context("processing an event"),
        }
        Ok(None)
    }
}

/// `DIR/rejected.jsonl`: one line per rejected input line, with the reason.
/// A line already kept there is not written again (a rerun adds nothing).
pub struct Rejects {
    file: std::fs::File,
    seen: HashSet<String>,
}

impl Rejects {
    pub fn open(dir: &Path) -> Result<Rejects> {
        let path = dir.join("rejected.jsonl");
        let mut seen = HashSet::new();
        if let Ok(text) = std::fs::read_to_string(&path) {
            for line in text.lines() {
                if let Ok(v) = serde_json::from_str::<serde_json::Value>(line) {
                    if let Some(raw) = v.get("raw").and_then(|r| r.as_str()) {
                        seen.insert(raw.to_string());
                    }
                }
            }
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .with_context(|| format!("opening {}", path.display()))?;
        Ok(Rejects { file, seen })
    }

    pub fn add(&mut self, line: usize, raw: &str, reason: &str) -> Result<()> {
        if !self.seen.insert(raw.to_string()) {
            return Ok(());
        }
        let entry = json!({ "line": line, "reason": reason, "raw": raw });
        writeln!(self.file, "{entry}").context("writing rejected.jsonl")
    }
}

/// The settings of a run over events in time order: an outcome's call is
/// never still to come, so an outcome without one is rejected at once
/// instead of waiting (`callbacks.outcome_grace`, for AWS's arrival order).
pub fn in_time_order(settings: &Settings) -> Settings {
    let mut s = settings.clone();
    s.policy.callbacks.outcome_grace = chrono::Duration::zero();
    s
}

pub async fn run_file(
    settings: &Settings,
    data: &Path,
    events: &Path,
    until: Option<DateTime<Utc>>,
    progress: bool,
) -> Result<Counts> {
    let service = crate::local::open(data, &in_time_order(settings), |m| m)?;
    let text = std::fs::read_to_string(events)
        .with_context(|| format!("reading events from {}", events.display()))?;
    let mut rejects = Rejects::open(data)?;
    let mut counts = Counts::default();
    let mut parsed = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match parse_envelope(line, &format!("line {}", i + 1)) {
            Ok(p) => parsed.push((p.event, i + 1, line)),
            Err(e) => {
                counts.rejected += 1;
                rejects.add(i + 1, line, &e.to_string())?;
            }
        }
    }
    // Stable: events at the same instant keep their file order.
    parsed.sort_by_key(|(e, _, _)| e.occurred_at());
    let driver = Driver { service: &service };
    if let Some((first, _, _)) = parsed.first() {
        // Mail a killed earlier run committed but did not get to deliver.
        service
            .deliver_pending(first.occurred_at(), Budget::unlimited())
            .await?;
        service.schedule_jobs(first.occurred_at()).await?;
    }
    let bar = if progress {
        ProgressBar::new(parsed.len() as u64)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} events {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut last = None;
    for (event, line, raw) in &parsed {
        if let Some(why) = driver.ingest(event, &mut counts).await? {
            rejects.add(*line, raw, &why)?;
        }
        last = Some(event.occurred_at());
        bar.inc(1);
    }
    bar.finish_and_clear();
    if let Some(end) = until.or(last) {
        driver.advance_to(end).await?;
    }
    Ok(counts)
}
