//! What the DynamoDB store costs, counted at the adapter from the consumed
//! capacity DynamoDB Local reports: requests, read and write units per
//! event kind and per due-work settle; emails per customer; write units
//! per event as one customer's history grows; the `run --table --workers
//! N` rehearsal at 1, 4 and 16 workers (events a second, transaction
//! cancellations per 1,000 events); and from those counts and public
//! prices, the AWS cost per 1,000 customers followed up.
//!
//! `cargo bench -p aftercare-tests --bench capacity` (services started:
//! `eval "$(scripts/services.sh start)"`, or `./scripts/bench.sh`).
//! `cargo test` runs it small, in process only, to keep it working.

use aftercare_shared::config::Settings;
use aftercare_shared::domain::event::Event;
use aftercare_shared::domain::token::TokenKey;
use aftercare_shared::inbound::eventbridge::parse_envelope;
use aftercare_shared::ports::{MailError, Mailer, Message};
use aftercare_shared::services::{Aftercare, Budget};
use aftercare_tests::figures::{record, Figure};
use aftercare_tests::local_aws::dynamo_table;
use aftercare_tests::workspace::{aftercare, root as workspace, under_cargo_bench};
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// Public on-demand prices, us-east-1 (AWS's price pages as of 2026-12;
/// DynamoDB's after its November 2024 reduction).
mod price {
    /// DynamoDB on-demand, per write request unit.
    pub const WRITE_UNIT: f64 = 0.625 / 1e6;
    /// DynamoDB on-demand, per read request unit.
    pub const READ_UNIT: f64 = 0.125 / 1e6;
    /// Lambda, per request.
    pub const LAMBDA_REQUEST: f64 = 0.20 / 1e6;
    /// Lambda arm64, per GB-second.
    pub const LAMBDA_GB_SECOND: f64 = 0.000_013_333_4;
    /// SQS standard, per request (a receive, a delete; batches of 10).
    pub const SQS_REQUEST: f64 = 0.40 / 1e6;
    /// EventBridge, per custom event published.
    pub const EVENT: f64 = 1.00 / 1e6;
    /// SES, per email.
    pub const EMAIL: f64 = 0.10 / 1e3;
}

fn full() -> bool {
    under_cargo_bench()
}

#[derive(Default)]
struct CountingMailer(AtomicU64);

#[async_trait]
impl Mailer for CountingMailer {
    async fn send(&self, _m: &Message) -> Result<(), MailError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// The demo shop's events for `customers` customers over 30 days.
fn demo_events(bin: &Path, customers: u32, out: &Path) -> Vec<Event> {
    let status = Command::new(bin)
        .args([
            "demo",
            "--customers",
            &customers.to_string(),
            "--events-only",
        ])
        .arg(out)
        .status()
        .expect("aftercare demo");
    assert!(status.success());
    let text = std::fs::read_to_string(out).unwrap();
    let mut events: Vec<Event> = text
        .lines()
        .filter_map(|l| parse_envelope(l, "bench").ok())
        .map(|p| p.event)
        .collect();
    events.sort_by_key(Event::occurred_at);
    events
}

fn demo_settings() -> Settings {
    let text = std::fs::read_to_string(workspace().join("cli/demo-settings.toml")).unwrap();
    let mut s = Settings::from_toml(&text).unwrap();
    if !full() {
        // Small under `cargo test`: no agents, so no half-hourly sheet
        // updates over the month to run through.
        s.agents.clear();
    }
    // A run in time order: nothing waits for a late call (as `aftercare run`).
    s.policy.callbacks.outcome_grace = chrono::Duration::zero();
    s
}

/// (count, requests, read units, write units) per kind of work.
type Costs = BTreeMap<String, (u64, u64, f64, f64)>;

fn add(costs: &mut Costs, kind: &str, u: aftercare_shared::adapters::dynamodb::Usage) {
    let e = costs.entry(kind.to_string()).or_default();
    e.0 += 1;
    e.1 += u.requests;
    e.2 += u.read_units;
    e.3 += u.write_units;
}

#[tokio::main]
async fn main() {
    let customers: u32 = if full() { 1_000 } else { 10 };
    let tmp = tempfile::tempdir().unwrap();
    // Release for the figures; under `cargo test` the debug build the tests use.
    let bin = aftercare(full());
    let events_file = tmp.path().join("events.jsonl");
    let events = demo_events(&bin, customers, &events_file);

    // Per event kind, and per due-work settle, in process.
    let (store, _) = dynamo_table().await;
    let store = Arc::new(store);
    let mailer = Arc::new(CountingMailer::default());
    let service = Aftercare::new(
        store.clone(),
        mailer.clone(),
        demo_settings(),
        TokenKey::new(b"capacity-bench-key-0123").unwrap(),
    );
    let mut costs = Costs::new();
    let total_before = store.usage();
    service
        .schedule_jobs(events[0].occurred_at())
        .await
        .unwrap();
    let until = events.last().unwrap().occurred_at() + chrono::Duration::days(10);
    // Due work up to `t`, each piece at its time: customers' settles (their
    // cost shared among the customers settled), and the jobs (call sheets,
    // their half-hourly updates, the morning email) per run.
    let due_work = |t| {
        let service = &service;
        let store = &store;
        async move {
            let mut costs = Costs::new();
            while let Some(next) = service.next_due().await.unwrap() {
                if next > t {
                    break;
                }
                let before = store.usage();
                let run = service.run_due(next, Budget::unlimited()).await.unwrap();
                let settles = store.usage().since(&before);
                let n = run.settled.max(1) as u64;
                for _ in 0..run.settled {
                    add(
                        &mut costs,
                        "due work: a customer settled",
                        aftercare_shared::adapters::dynamodb::Usage {
                            requests: settles.requests / n,
                            read_units: settles.read_units / n as f64,
                            write_units: settles.write_units / n as f64,
                            cancellations: 0,
                        },
                    );
                }
                let before = store.usage();
                service.call_sheets(next).await.unwrap();
                service.morning_report(next).await.unwrap();
                add(
                    &mut costs,
                    "scheduled run: the jobs",
                    store.usage().since(&before),
                );
            }
            costs
        }
    };
    for e in &events {
        for (k, v) in due_work(e.occurred_at()).await {
            let c = costs.entry(k).or_default();
            c.0 += v.0;
            c.1 += v.1;
            c.2 += v.2;
            c.3 += v.3;
        }
        let before = store.usage();
        let _ = service.ingest(e, e.occurred_at()).await;
        add(&mut costs, e.kind(), store.usage().since(&before));
    }
    for (k, v) in due_work(until).await {
        let c = costs.entry(k).or_default();
        c.0 += v.0;
        c.1 += v.1;
        c.2 += v.2;
        c.3 += v.3;
    }
    let total = store.usage().since(&total_before);
    let emails = mailer.0.load(Ordering::Relaxed);

    println!(
        "DynamoDB per unit of work ({customers} demo customers, {} events, 30 days):",
        events.len()
    );
    println!(
        "{:<34}{:>8}{:>12}{:>12}{:>12}",
        "work", "count", "requests", "read units", "write units"
    );
    for (kind, (n, req, r, w)) in &costs {
        let n = (*n).max(1) as f64;
        println!(
            "{kind:<34}{:>8}{:>12.1}{:>12.1}{:>12.1}",
            n as u64,
            *req as f64 / n,
            r / n,
            w / n
        );
    }
    println!(
        "emails: {emails} ({:.2} per customer)",
        emails as f64 / f64::from(customers)
    );
    let mut figures = Vec::new();
    for (kind, (n, req, r, w)) in &costs {
        let n = (*n).max(1) as f64;
        for (what, value, unit) in [
            ("requests", *req as f64 / n, "requests"),
            ("read units", r / n, "RU"),
            ("write units", w / n, "WU"),
        ] {
            figures.push(Figure {
                section: "DynamoDB per unit of work",
                figure: format!("{kind}: {what}"),
                value,
                unit,
                target: None,
            });
        }
    }
    figures.push(Figure {
        section: "mail",
        figure: "emails per customer (30 days)".into(),
        value: emails as f64 / f64::from(customers),
        unit: "emails",
        target: None,
    });

    // Write units per event as one customer's history grows.
    println!("\nwrite units of one more event, by the customer's history length:");
    let (grow, _) = dynamo_table().await;
    let grow = Arc::new(grow);
    let one = Aftercare::new(
        grow.clone(),
        Arc::new(CountingMailer::default()),
        Settings::from_toml("agents = []").unwrap(),
        TokenKey::new(b"capacity-bench-key-0456").unwrap(),
    );
    let marks: &[usize] = if full() {
        &[1, 10, 100, 1_000, 2_000, 5_000]
    } else {
        &[1, 10, 100]
    };
    let start = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
        .unwrap()
        .to_utc();
    let mut n = 0;
    let mut at_marks = Vec::new();
    for &mark in marks {
        let mut last = 0.0;
        while n < mark {
            let at = start + chrono::Duration::minutes(n as i64 * 90);
            let e = aftercare_shared::testing::envelope(
                "TicketOpened",
                &format!("g-{n}"),
                serde_json::json!({"ticket_id": format!("g-{n}"), "occurred_at": at.to_rfc3339(),
                                   "customer": {"id": "guest"}}),
            );
            let e = aftercare_shared::inbound::eventbridge::parse_envelope_value(&e, "g")
                .unwrap()
                .event;
            let before = grow.usage();
            one.ingest(&e, at).await.unwrap();
            last = grow.usage().since(&before).write_units;
            n += 1;
        }
        println!("{mark:>8} events: {last:>6.1} write units");
        at_marks.push(last);
    }
    // Bounded: five times the history (or, in test mode, from one event)
    // costs an event at most twice as much. Kept whole, 1,000 to 5,000
    // events went from 14 to 58 units.
    let last = marks.len() - 1;
    let base = marks
        .iter()
        .position(|&m| m * 5 == marks[last])
        .unwrap_or(0);
    figures.push(Figure {
        section: "DynamoDB per unit of work",
        figure: format!(
            "one more event at {} events vs at {} (write units)",
            marks[last], marks[base]
        ),
        value: at_marks[last] / at_marks[base],
        unit: "ratio",
        target: Some(("≤", 2.0)),
    });

    // The rehearsal at 1, 4 and 16 workers.
    if full() {
        // A smaller shop for the rehearsals: each runs the month's due work
        // too, which DynamoDB Local takes its time over.
        let small = tmp.path().join("small.jsonl");
        let small_events = demo_events(&bin, 300, &small);
        let (events, events_file) = (small_events, small);
        println!(
            "\nrun --table --workers N (300 customers, {} events, with the month's due work):",
            events.len()
        );
        println!(
            "{:>8}{:>10}{:>12}{:>22}",
            "workers", "seconds", "events/s", "cancelled per 1,000"
        );
        for workers in [1, 4, 16] {
            let (_, table) = dynamo_table().await;
            let data = tmp.path().join(format!("run-{workers}"));
            let began = Instant::now();
            let out = Command::new(&bin)
                .args(["--config"])
                .arg(workspace().join("cli/demo-settings.toml"))
                .args([
                    "run",
                    "--quiet",
                    "--table",
                    &table,
                    "--workers",
                    &workers.to_string(),
                    "--data",
                ])
                .arg(&data)
                .arg("--events")
                .arg(&events_file)
                .env(
                    "AWS_ENDPOINT_URL",
                    aftercare_tests::local_aws::endpoint("AFTERCARE_DYNAMODB_ENDPOINT"),
                )
                .output()
                .unwrap();
            let secs = began.elapsed().as_secs_f64();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let said = String::from_utf8_lossy(&out.stderr);
            // "DynamoDB: R requests, … write units, C transactions cancelled"
            let cancelled: f64 = said
                .lines()
                .find(|l| l.starts_with("DynamoDB:"))
                .and_then(|l| l.rsplit(", ").next())
                .and_then(|t| t.split_whitespace().next())
                .and_then(|n| n.parse().ok())
                .expect("the run prints what it cost the table");
            let per = cancelled / events.len() as f64 * 1000.0;
            println!(
                "{workers:>8}{secs:>10.1}{:>12.0}{per:>22.2}",
                events.len() as f64 / secs
            );
        }
    }

    // The AWS cost per 1,000 customers followed up.
    let per = 1_000.0 / f64::from(customers);
    let dynamo =
        (total.write_units * price::WRITE_UNIT + total.read_units * price::READ_UNIT) * per;
    let n_events = events.len() as f64 * per;
    // One ingest invocation per batch of ten, due work every 5 minutes for
    // 30 days, a morning email a day; 256 MB for 20 ms (ingest) and 200 ms
    // (scheduled) on average.
    let invocations = n_events / 10.0;
    let scheduled = 30.0 * 24.0 * 12.0 + 30.0;
    let lambda = (invocations + scheduled) * price::LAMBDA_REQUEST
        + (invocations * 0.02 + scheduled * 0.2) * 0.25 * price::LAMBDA_GB_SECOND;
    let sqs = invocations * 3.0 * price::SQS_REQUEST;
    let bridge = n_events * price::EVENT;
    let ses = emails as f64 * per * price::EMAIL;
    let rest = dynamo + lambda + sqs + bridge;
    println!("\nAWS cost per 1,000 customers followed up (30 days, us-east-1 on-demand prices):");
    println!(
        "  DynamoDB ${dynamo:.4}, Lambda ${lambda:.4}, SQS ${sqs:.4}, EventBridge ${bridge:.4}"
    );
    println!(
        "  everything but email ${rest:.4}; SES email ${ses:.4} ({:.0}% of the email cost)",
        rest / ses * 100.0
    );
    for (what, value) in [
        ("DynamoDB", dynamo),
        ("Lambda", lambda),
        ("SQS", sqs),
        ("EventBridge", bridge),
        ("everything but email", rest),
        ("SES email (the floor: $0.10 per 1,000)", ses),
    ] {
        figures.push(Figure {
            section: "AWS cost per 1,000 customers (30 days)",
            figure: what.into(),
            value,
            unit: "USD",
            target: None,
        });
    }
    figures.push(Figure {
        section: "AWS cost per 1,000 customers (30 days)",
        figure: "everything but email / email".into(),
        value: rest / ses,
        unit: "ratio",
        target: Some(("≤", 0.10)),
    });
    if full() {
        record(&figures);
    }
}
