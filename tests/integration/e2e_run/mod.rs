//! `aftercare run` end to end against an independent recomputation of the
//! KPIs (`oracle`), on a seeded data set (`dataset`): agreement, reruns,
//! duplicated and shuffled delivery, malformed lines; and the hand-made
//! boundary cases of the data set, alone against the run and against
//! numbers worked out by hand (a check of the oracle itself).
//!
//! `AFTERCARE_E2E_SEED` and `AFTERCARE_E2E_CUSTOMERS` change the data set.
//!
//! Settings: no agents (every call unassigned and at risk), report days in
//! Asia/Seoul, a short `churn_days` ([`oracle::CHURN_DAYS`]), defaults
//! otherwise.

mod agreement;
mod boundaries;
mod logs;
mod rejects;
mod replay;
mod workers;

use crate::dataset;
use crate::helpers::{aftercare_bin, stdout_of};
use crate::oracle::{self, Expected};
use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, Utc};
use chrono_tz::Tz;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

const REPORT_TZ: Tz = chrono_tz::Asia::Seoul;

fn customers() -> usize {
    std::env::var("AFTERCARE_E2E_CUSTOMERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300)
}

fn seed() -> u64 {
    std::env::var("AFTERCARE_E2E_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20261120)
}

/// A temp dir with the settings file.
struct Setup {
    tmp: tempfile::TempDir,
    config: PathBuf,
}

impl Setup {
    fn new() -> Setup {
        let tmp = tempfile::tempdir().expect("a temp dir");
        let config = tmp.path().join("aftercare.toml");
        // `agents` before any table: a top-level key.
        std::fs::write(
            &config,
            format!(
                "agents = []\n\n[business]\nreport_time_zone = \"Asia/Seoul\"\nchurn_days = {}\n",
                oracle::CHURN_DAYS
            ),
        )
        .unwrap();
        Setup { tmp, config }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    fn aftercare(&self, args: &[&str]) -> String {
        let out = Command::new(aftercare_bin())
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .output()
            .expect("running aftercare");
        stdout_of(out, args)
    }

    /// `aftercare run`; returns (accepted, duplicate, rejected) as printed.
    fn run(&self, data: &Path, events: &Path, until: DateTime<Utc>) -> (usize, usize, usize) {
        let until = until.to_rfc3339_opts(SecondsFormat::Secs, true);
        let out = self.aftercare(&run_args(data, events, &until));
        counts(&out)
    }

    /// The same `aftercare run` as [`Setup::run`], started and left running
    /// (its output discarded), for a test to kill.
    fn spawn_run(&self, data: &Path, events: &Path, until: DateTime<Utc>) -> Child {
        let until = until.to_rfc3339_opts(SecondsFormat::Secs, true);
        Command::new(aftercare_bin())
            .arg("--config")
            .arg(&self.config)
            .args(run_args(data, events, &until))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting aftercare run")
    }

    /// The JSON report of every day, as printed.
    fn reports(
        &self,
        data: &Path,
        days: impl Iterator<Item = NaiveDate>,
    ) -> BTreeMap<NaiveDate, String> {
        days.map(|d| {
            (
                d,
                self.aftercare(&[
                    "report",
                    "--data",
                    s(data),
                    "--date",
                    &d.to_string(),
                    "--format",
                    "json",
                ]),
            )
        })
        .collect()
    }
}

/// The arguments of a quiet `aftercare run` up to `until` (RFC 3339).
fn run_args<'a>(data: &'a Path, events: &'a Path, until: &'a str) -> [&'a str; 8] {
    [
        "run",
        "--data",
        s(data),
        "--events",
        s(events),
        "--until",
        until,
        "--quiet",
    ]
}

fn s(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temp path")
}

fn counts(out: &str) -> (usize, usize, usize) {
    let line = out.lines().last().unwrap_or_default();
    let mut found = BTreeMap::new();
    for part in line.split(", ") {
        let mut words = part.split_whitespace();
        if let (Some(k), Some(v)) = (words.next(), words.next()) {
            found.insert(
                k.to_string(),
                v.parse::<usize>()
                    .unwrap_or_else(|_| panic!("not a count in {line:?}")),
            );
        }
    }
    let get = |k: &str| {
        *found
            .get(k)
            .unwrap_or_else(|| panic!("no {k} count in the run's output {out:?}"))
    };
    (get("accepted"), get("duplicate"), get("rejected"))
}

fn write_lines(path: &Path, lines: &[String]) {
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(path, text).unwrap();
}

fn occurred_at(e: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(e["detail"]["occurred_at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

/// The clock runs on 30 days after the last event.
fn until(events: &[Value]) -> DateTime<Utc> {
    events.iter().map(occurred_at).max().unwrap() + Duration::days(30)
}

fn outbox(data: &Path) -> BTreeSet<String> {
    std::fs::read_dir(data.join("outbox"))
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn rejected(data: &Path) -> Vec<Value> {
    std::fs::read_to_string(data.join("rejected.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("rejected.jsonl line {l:?}: {e}"))
        })
        .collect()
}

/// The generated data set, written out and run once into `DIR/clean`.
struct Clean {
    events: Vec<Value>,
    lines: Vec<String>,
    until: DateTime<Utc>,
    expected: Expected,
    data: PathBuf,
    counts: (usize, usize, usize),
    reports: BTreeMap<NaiveDate, String>,
}

fn clean_run(setup: &Setup, seed: u64, customers: usize) -> Clean {
    let events = dataset::generate(seed, customers);
    let lines: Vec<String> = events.iter().map(|e| e.to_string()).collect();
    let until = until(&events);
    let expected = oracle::recompute(&events, REPORT_TZ, until);
    let file = setup.path("events.jsonl");
    write_lines(&file, &lines);
    let data = setup.path("clean");
    let counts = setup.run(&data, &file, until);
    let reports = setup.reports(&data, expected.days.keys().copied());
    Clean {
        events,
        lines,
        until,
        expected,
        data,
        counts,
        reports,
    }
}

fn first_differences(
    reports: &BTreeMap<NaiveDate, String>,
    other: &BTreeMap<NaiveDate, String>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (d, text) in reports {
        let a: Value = serde_json::from_str(text).unwrap();
        let b: Value = serde_json::from_str(&other[d]).unwrap();
        if text != &other[d] {
            let mut diffs = Vec::new();
            oracle::differences(&d.to_string(), &a, &b, &mut diffs);
            if diffs.is_empty() {
                diffs.push(format!("{d}: same values, different text"));
            }
            out.extend(diffs);
        }
    }
    out
}

fn fail_with(what: &str, problems: &[String]) {
    if !problems.is_empty() {
        let shown: Vec<&str> = problems.iter().take(80).map(String::as_str).collect();
        panic!(
            "{what}: {} differences (first {}):\n{}",
            problems.len(),
            shown.len(),
            shown.join("\n")
        );
    }
}

/// Everything that differs between the oracle and what the run printed,
/// wrote to rejected.jsonl and reports.
fn disagreements(clean: &Clean) -> Vec<String> {
    let e = &clean.expected;
    let mut problems = Vec::new();

    let want = (e.accepted, e.duplicate, e.rejected);
    if clean.counts != want {
        problems.push(format!(
            "run counts (accepted, duplicate, rejected): expected {want:?}, actual {:?}",
            clean.counts
        ));
    }

    // The rejected events: exactly those the oracle rejects.
    let by_id: BTreeMap<String, &Value> = clean
        .events
        .iter()
        .map(|v| (v["id"].as_str().unwrap().to_string(), v))
        .collect();
    let mut got = BTreeMap::new();
    for r in rejected(&clean.data) {
        let raw: Value = serde_json::from_str(r["raw"].as_str().unwrap()).unwrap();
        got.insert(
            raw["id"].as_str().unwrap().to_string(),
            r["reason"].as_str().unwrap_or_default().to_string(),
        );
    }
    for id in e.rejected_ids.iter().filter(|id| !got.contains_key(*id)) {
        problems.push(format!("expected rejected, but accepted: {}", by_id[id]));
    }
    for (id, reason) in got.iter().filter(|(id, _)| !e.rejected_ids.contains(*id)) {
        problems.push(format!(
            "rejected ({reason}), but expected accepted: {}",
            by_id[id]
        ));
    }

    // Every day, field by field.
    for (d, want) in &e.days {
        let actual: Value = serde_json::from_str(&clean.reports[d])
            .unwrap_or_else(|err| panic!("report {d}: {err}"));
        oracle::differences(&d.to_string(), want, &actual, &mut problems);
    }
    problems
}

/// active(D) = active(D − 1) + new + won_back − churned, day after day
/// (SPEC 7), and the days see customers churn and come back.
fn assert_active_identity(days: &[Value]) {
    let n = |v: &Value, f: &str| {
        v["customers"][f]
            .as_i64()
            .unwrap_or_else(|| panic!("customers.{f} in {v}"))
    };
    for pair in days.windows(2) {
        let (before, day) = (&pair[0], &pair[1]);
        assert_eq!(
            n(day, "active"),
            n(before, "active") + n(day, "new") + n(day, "won_back") - n(day, "churned"),
            "the active identity on {}",
            day["date"]
        );
    }
    for f in ["new", "won_back", "churned"] {
        assert!(
            days.iter().map(|d| n(d, f)).sum::<i64>() > 0,
            "no customers.{f} in these days"
        );
    }
}
