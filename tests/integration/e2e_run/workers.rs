//! The same events through `aftercare run` on SQLite with one worker and
//! on DynamoDB Local with 1, 4 and 16 concurrent workers (`run --table
//! --workers N`): every event delivered twice, and one guest customer
//! shared by many events. Every day's KPIs are the same (every field), the
//! same emails go out exactly once each (as `DIR/mail.log` counts the
//! mailer's sends), and every customer has the same calls (deadlines,
//! attempts, outcomes; which of an agent's free slots a call gets may
//! differ with the order concurrent customers book in).
//!
//! `AFTERCARE_WORKERS_CUSTOMERS` sets the data set's size (default 40 in
//! the test command, which runs the three DynamoDB runs at once; the
//! capacity measurements in docs/capacity.md use more).

use super::{assert_active_identity, s, seed};
use crate::dataset;
use crate::helpers::{aftercare_bin, dynamo_table, local_aws_env, stdout_of};
use aftercare_shared::adapters::sqlite::SqliteStore;
use aftercare_shared::config::Settings;
use aftercare_shared::domain::derive::derive;
use aftercare_shared::domain::ids::CustomerId;
use aftercare_shared::ports::Store;
use chrono::Duration;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

fn customers() -> usize {
    std::env::var("AFTERCARE_WORKERS_CUSTOMERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(40)
}

/// One agent for every language, round the clock, with room for every
/// call of a day: every call is booked, none at risk.
const SETTINGS: &str = r#"
[business]
report_time_zone = "Asia/Seoul"
churn_days = 7

[[agents]]
id = "a-1"
name = "Lee"
email = "lee@example.com"
languages = ["en", "ko", "vi", "zh"]
time_zone = "UTC"
hours = "00:00-24:00"
days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
capacity = 5000
"#;

/// The data set, every event twice (the second copy under another
/// envelope id), with a guest customer who buys every day.
fn events() -> Vec<Value> {
    let mut out = dataset::generate(seed(), customers());
    for day in 0..20 {
        let at = dataset::start() + Duration::days(day) + Duration::hours(3);
        out.push(aftercare_shared::testing::envelope(
            "PurchaseCompleted",
            &format!("guest-{day}"),
            json!({"order_id": format!("guest-order-{day}"),
                   "occurred_at": at.to_rfc3339(),
                   "customer": {"id": "guest", "email": "guest@example.com", "phone": "+15550009999"}}),
        ));
    }
    let again: Vec<Value> = out
        .iter()
        .map(|e| {
            let mut copy = e.clone();
            copy["id"] = json!(format!("{}-again", e["id"].as_str().unwrap_or("")));
            copy
        })
        .collect();
    out.extend(again);
    out
}

/// The message ids the run's mailer sent, with how often.
fn sends(data: &Path) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for id in std::fs::read_to_string(data.join("mail.log"))
        .unwrap_or_default()
        .lines()
    {
        *out.entry(id.to_string()).or_insert(0) += 1;
    }
    out
}

/// Every customer's calls without their slots: (call, deadline, reasons,
/// attempts' outcomes and times, whether it is open).
async fn calls(store: &dyn Store, ids: &BTreeSet<String>, settings: &Settings) -> Vec<String> {
    let mut out = Vec::new();
    for id in ids {
        let Some(h) = store.load(&CustomerId::parse(id).unwrap()).await.unwrap() else {
            continue;
        };
        for c in derive(&h, &settings.policy).calls.calls {
            let attempts: Vec<String> = c
                .attempts
                .iter()
                .map(|a| format!("{:?}@{}", a.outcome, a.at))
                .collect();
            out.push(format!(
                "{} deadline {} reasons {} attempts {:?} open {}",
                c.id,
                c.deadline,
                c.reasons.len(),
                attempts,
                c.is_open()
            ));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_worker_on_sqlite_and_sixteen_on_dynamodb_end_the_same() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("aftercare.toml");
    std::fs::write(&config, SETTINGS).unwrap();
    let settings = Settings::from_toml(SETTINGS).unwrap();
    let events = events();
    let file = tmp.path().join("events.jsonl");
    let lines: Vec<String> = events.iter().map(Value::to_string).collect();
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let customers: BTreeSet<String> = events
        .iter()
        .filter_map(|e| e["detail"]["customer"]["id"].as_str().map(String::from))
        .collect();
    let until = (dataset::start() + Duration::days(30)).to_rfc3339();
    let run = |data: &Path, table: Option<&str>, workers: &str| -> String {
        let mut args = vec![
            "--config",
            s(&config),
            "run",
            "--data",
            s(data),
            "--events",
            s(&file),
            "--until",
            &until,
            "--quiet",
            "--workers",
            workers,
        ];
        if let Some(t) = table {
            args.extend(["--table", t]);
        }
        let out = Command::new(aftercare_bin())
            .args(&args)
            .envs(local_aws_env())
            .output()
            .unwrap();
        stdout_of(out, &args)
    };
    let days: Vec<String> = (0..31)
        .map(|d| {
            (dataset::start() + Duration::days(d))
                .date_naive()
                .to_string()
        })
        .collect();
    let report = |place: &str, at: &str, day: &str| -> Value {
        let args = [
            "--config",
            s(&config),
            "report",
            place,
            at,
            "--date",
            day,
            "--format",
            "json",
        ];
        let out = Command::new(aftercare_bin())
            .args(args)
            .envs(local_aws_env())
            .output()
            .unwrap();
        serde_json::from_str(&stdout_of(out, &args)).unwrap()
    };

    // The baseline: one worker on SQLite.
    let base = tmp.path().join("sqlite-1");
    let base_counts = run(&base, None, "1");
    let base_sends = sends(&base);
    assert!(!base_sends.is_empty());
    assert!(
        base_sends.values().all(|n| *n == 1),
        "the SQLite run sent a message twice"
    );
    let base_days: Vec<Value> = days.iter().map(|d| report("--data", s(&base), d)).collect();
    // Every field of every day is compared below, so the identity holds on
    // DynamoDB when it holds here.
    assert_active_identity(&base_days);
    let sqlite = SqliteStore::open(&base.join("aftercare.sqlite")).unwrap();
    let base_calls = calls(&sqlite, &customers, &settings).await;
    assert!(
        base_calls.len() > 20,
        "the data set books calls: {}",
        base_calls.len()
    );

    // The three DynamoDB runs at once (each on its own table).
    let mut runs = Vec::new();
    for workers in ["1", "4", "16"] {
        let (store, table) = dynamo_table().await;
        let data = tmp.path().join(format!("dynamodb-{workers}"));
        runs.push((workers, store, table, data));
    }
    let counts: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = runs
            .iter()
            .map(|(workers, _, table, data)| {
                let run = &run;
                scope.spawn(move || run(data, Some(table.as_str()), workers))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a run's thread"))
            .collect()
    });
    for ((workers, store, table, data), counts) in runs.iter().zip(counts) {
        assert_eq!(
            counts, base_counts,
            "{workers} workers: accepted, duplicate, rejected"
        );
        for (day, expected) in days.iter().zip(&base_days) {
            assert_eq!(
                &report("--table", table, day),
                expected,
                "{workers} workers on DynamoDB: the KPIs of {day}"
            );
        }
        let sent = sends(data);
        assert_eq!(
            sent.keys().collect::<Vec<_>>(),
            base_sends.keys().collect::<Vec<_>>(),
            "{workers} workers: the same emails"
        );
        let twice: Vec<_> = sent.iter().filter(|(_, n)| **n > 1).collect();
        assert!(
            twice.is_empty(),
            "{workers} workers sent these more than once: {twice:?}"
        );
        assert_eq!(
            calls(store, &customers, &settings).await,
            base_calls,
            "{workers} workers: the same calls"
        );
    }
}
