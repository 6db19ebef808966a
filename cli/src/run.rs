//! `aftercare run`: a JSON Lines file through the whole pipeline on a
//! simulated clock. Events are processed at their own `occurred_at`, in time
//! order; due work runs at its due time exactly, before an event at the same
//! instant.

use aftercare_shared::config::Settings;
use aftercare_shared::domain::event::Event;
use aftercare_shared::inbound::eventbridge::{parse_envelope_bytes, MAX_EVENT_BYTES};
use aftercare_shared::services::{Aftercare, Budget, Ingested, Rejection, ServiceError};
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};

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

    /// Processes one event at its own time, after the due work before it.
    pub async fn ingest(&self, event: &Event) -> Result<Fate> {
        self.advance_to(event.occurred_at()).await?;
        fate(self.service, event).await
    }
}

/// What became of one event: applied, a duplicate, or rejected with why.
pub type Fate = std::result::Result<Ingested, String>;

impl Counts {
    pub fn add(&mut self, fate: &Fate) {
        match fate {
            Ok(Ingested::Accepted) => self.accepted += 1,
            Ok(Ingested::Duplicate) => self.duplicate += 1,
            Err(_) => self.rejected += 1,
        }
    }
}

/// Applies one event at its own time.
async fn fate(service: &Aftercare, event: &Event) -> Result<Fate> {
    match service.ingest(event, event.occurred_at()).await {
        Ok(i) => Ok(Ok(i)),
        Err(ServiceError::Rejected(Rejection::Event(why))) => Ok(Err(why)),
        Err(e) => Err(e).context("processing an event"),
    }
}

/// A batch of events that no due work falls between, applied by `workers`
/// concurrent workers: each customer's events in time order by one worker
/// (with that customer's own due work between them, at its due times), the
/// customers at once. The fates come back in the batch's order.
async fn concurrently(
    service: &Arc<Aftercare>,
    batch: &[Line<'_>],
    workers: usize,
) -> Result<Vec<Fate>> {
    // Events of one customer go together; an answer whose order or ticket
    // nobody owns yet goes with the other events about that survey.
    let mut groups: BTreeMap<String, Vec<(usize, Event)>> = BTreeMap::new();
    for (i, l) in batch.iter().enumerate() {
        let key = match service.customer_of(&l.event).await? {
            Some(c) => format!("c:{c}"),
            None => format!("e:{}", l.event.natural_key()),
        };
        groups.entry(key).or_default().push((i, l.event.clone()));
    }
    let queue = Arc::new(Mutex::new(groups.into_values().collect::<Vec<_>>()));
    let fates: Arc<Mutex<Vec<Option<Fate>>>> = Arc::new(Mutex::new(vec![None; batch.len()]));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..workers {
        let (service, queue, fates) = (service.clone(), queue.clone(), fates.clone());
        tasks.spawn(async move {
            loop {
                let Some(group) = queue.lock().unwrap_or_else(|p| p.into_inner()).pop() else {
                    return Ok::<(), anyhow::Error>(());
                };
                for (i, event) in group {
                    if let Some(customer) = event.customer_id() {
                        service.catch_up(customer, event.occurred_at()).await?;
                    }
                    let f = fate(&service, &event).await?;
                    fates.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(f);
                }
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.context("a worker stopped")??;
    }
    let fates = std::mem::take(&mut *fates.lock().unwrap_or_else(|p| p.into_inner()));
    fates
        .into_iter()
        .map(|f| f.context("an event no worker took"))
        .collect()
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

/// Events at most this far outside the span where the file's middle 90%
/// fall are kept; farther ones are rejected, naming the span.
const SPAN_MARGIN_DAYS: i64 = aftercare_shared::domain::policy::EVENT_MAX_AGE_DAYS;

/// Keeps the events whose times are plausible for this file (sorted by
/// time); rejects the others, with why.
fn within_the_files_span<'a>(
    parsed: Vec<Line<'a>>,
    counts: &mut Counts,
    rejects: &mut Rejects,
) -> Result<Vec<Line<'a>>> {
    if parsed.len() < 2 {
        return Ok(parsed);
    }
    let n = parsed.len();
    let (low, high) = (
        parsed[n * 5 / 100].event.occurred_at(),
        parsed[(n * 95 / 100).min(n - 1)].event.occurred_at(),
    );
    let margin = chrono::Duration::days(SPAN_MARGIN_DAYS);
    let mut kept = Vec::with_capacity(n);
    for l in parsed {
        let t = l.event.occurred_at();
        if t < low - margin || t > high + margin {
            counts.rejected += 1;
            rejects.add(
                l.number,
                &String::from_utf8_lossy(l.raw),
                &format!(
                    "line {}: occurred_at {} is more than {SPAN_MARGIN_DAYS} days outside the file's span (90% of its events fall from {} to {})",
                    l.number,
                    t.to_rfc3339(),
                    low.to_rfc3339(),
                    high.to_rfc3339()
                ),
            )?;
        } else {
            kept.push(l);
        }
    }
    Ok(kept)
}

/// Where a run keeps its data: the store of a data directory, or a
/// deployment's (staging) table with the directory keeping the rest
/// (settings, rejected lines, the outbox: a rehearsal never sends mail).
pub enum Store<'a> {
    Directory,
    Table(&'a str),
}

/// One input line, parsed.
struct Line<'a> {
    event: Event,
    number: usize,
    raw: &'a [u8],
}

pub async fn run_file(
    settings: &Settings,
    data: &Path,
    store: Store<'_>,
    events: &Path,
    until: Option<DateTime<Utc>>,
    progress: bool,
    workers: usize,
) -> Result<Counts> {
    let settings = in_time_order(settings);
    let table = match store {
        Store::Directory => None,
        Store::Table(name) => Some(table_store(name).await?),
    };
    let service = Arc::new(match &table {
        None => crate::local::open(data, &settings, |m| m)?,
        Some(t) => crate::local::open_with_store(data, t.clone(), &settings)?,
    });
    // Bytes, not text: one line that is not UTF-8 is that line's problem.
    let bytes = std::fs::read(events)
        .with_context(|| format!("reading events from {}", events.display()))?;
    let mut rejects = Rejects::open(data)?;
    let mut counts = Counts::default();
    let mut parsed = Vec::new();
    for (i, raw) in bytes.split(|b| *b == b'\n').enumerate() {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.trim_ascii().is_empty() {
            continue;
        }
        let number = i + 1;
        match parse_envelope_bytes(raw, &format!("line {number}")) {
            Ok(p) => parsed.push(Line {
                event: p.event,
                number,
                raw,
            }),
            Err(why) => {
                counts.rejected += 1;
                // A runaway line is named, not copied.
                let kept = if raw.len() > MAX_EVENT_BYTES {
                    "(too long to keep)".into()
                } else {
                    String::from_utf8_lossy(raw)
                };
                rejects.add(number, &kept, &why.to_string())?;
            }
        }
    }
    // Stable: events at the same instant keep their file order.
    parsed.sort_by_key(|l| l.event.occurred_at());
    // The file's own span: an event far outside where nearly all the
    // others fall would drive the clock through months or centuries.
    let parsed = within_the_files_span(parsed, &mut counts, &mut rejects)?;
    let driver = Driver { service: &service };
    if let Some(first) = parsed.first() {
        // Mail a killed earlier run committed but did not get to deliver.
        let t = first.event.occurred_at();
        service.deliver_pending(t, Budget::unlimited()).await?;
        service.schedule_jobs(t).await?;
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
    let mut rest: &[Line] = &parsed;
    while let Some(first) = rest.first() {
        // Due work at an event's instant runs first; the events before the
        // next piece of due work are a batch.
        driver.advance_to(first.event.occurred_at()).await?;
        let next = service.next_due().await?;
        let n = rest
            .iter()
            .take_while(|l| next.is_none_or(|t| l.event.occurred_at() < t))
            .count()
            .max(1);
        let (batch, later) = rest.split_at(n);
        let fates = if workers <= 1 {
            let mut out = Vec::new();
            for l in batch {
                out.push(driver.ingest(&l.event).await?);
            }
            out
        } else {
            concurrently(&service, batch, workers).await?
        };
        // In the file's order, whatever order the workers finished in.
        for (l, f) in batch.iter().zip(&fates) {
            counts.add(f);
            if let Err(why) = f {
                rejects.add(l.number, &String::from_utf8_lossy(l.raw), why)?;
            }
            bar.inc(1);
        }
        rest = later;
    }
    bar.finish_and_clear();
    if let Some(end) = until.or(parsed.last().map(|l| l.event.occurred_at())) {
        driver.advance_to(end).await?;
        // Mail queued while another process was this directory's sender,
        // if it has since stopped (else it is that process's to send).
        service.deliver_pending(end, Budget::unlimited()).await?;
    }
    if let Some(t) = &table {
        // What the rehearsal cost the table: a load's capacity, measured.
        eprintln!("{}", usage_of(t));
    }
    Ok(counts)
}

#[cfg(feature = "aws")]
type TableStore = Arc<aftercare_shared::adapters::dynamodb::DynamoStore>;
#[cfg(not(feature = "aws"))]
type TableStore = Arc<dyn aftercare_shared::ports::Store>;

#[cfg(feature = "aws")]
async fn table_store(name: &str) -> Result<TableStore> {
    Ok(Arc::new(crate::deployed::store(name).await))
}

#[cfg(not(feature = "aws"))]
async fn table_store(_name: &str) -> Result<TableStore> {
    anyhow::bail!("this aftercare was built without the `aws` feature: rebuild with --features aws")
}

#[cfg(feature = "aws")]
fn usage_of(t: &TableStore) -> String {
    t.usage().to_string()
}

#[cfg(not(feature = "aws"))]
fn usage_of(_t: &TableStore) -> String {
    String::new()
}
