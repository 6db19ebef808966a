//! The functions' cold starts against a hello-world `lambda_runtime`
//! binary built with the same profile, measured in the same run: binary
//! size, init time (process start to its first request for work), first
//! invocation (process start to the first answer), peak memory. Each
//! function starts as on AWS against a runtime API on 127.0.0.1, with
//! DynamoDB Local and moto standing in for DynamoDB, SES and Secrets
//! Manager; the median of nine cold starts, at the template's default
//! log level. Beside them, the start's own requests (the table's, and the
//! secret's at once) made from here with fresh clients: the part of a
//! start that a hello world does not make and the spec requires.
//!
//! Run with the services started: `./scripts/bench.sh` (or
//! `eval "$(scripts/services.sh start)"; cargo bench -p aftercare-tests --bench lambdas`).

use aftercare_shared::adapters::dynamodb::{DynamoStore, ZoneCheck};
use aftercare_shared::adapters::secrets::link_keys;
use aftercare_shared::config::Settings;
use aftercare_shared::testing::{api_gateway_request, sqs_batch};
use aftercare_tests::figures::{record, Figure};
use aftercare_tests::local_aws::{
    binary, bridge_event, dynamodb_client, secrets_client, Stack, FUNCTIONS,
};
use aftercare_tests::runtime_api::Function;
use serde_json::{json, Value};
use std::time::Duration;

/// Cold starts per function under `cargo bench`; `cargo test` (which runs
/// benches too) makes one, to keep the benchmark working.
fn runs() -> usize {
    if std::env::args().any(|a| a == "--bench") {
        9
    } else {
        1
    }
}

/// A cheap, representative first event for each function.
fn payload(function: &str) -> Value {
    match function {
        "aftercare-ingest" => {
            let event = bridge_event(
                "bench-1",
                "acme.helpdesk",
                "TicketOpened",
                json!({"ticket_id": "t-bench", "occurred_at": "2026-12-06T09:00:00Z",
                       "customer": {"id": "c-bench"}}),
            );
            sqs_batch(&[("m-1", &event.to_string())])
        }
        "aftercare-http" => api_gateway_request("GET", "/s/0.bad.link", "", None),
        "aftercare-rollup" => json!({"now": "2026-12-06T08:00:00Z"}),
        "aftercare-feedback" => json!({"Records": []}),
        _ => json!({}),
    }
}

/// The peak resident memory of a live process, in KiB.
fn peak_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

struct Sample {
    init: Duration,
    first: Duration,
    peak_kib: u64,
}

async fn cold_start(stack: &Stack, name: &str, path: &std::path::Path) -> Sample {
    // At the template's default log level (INFO), not the tests' TRACE:
    // a start that logs every SDK step is not the start a deployment has.
    let env = stack.env_with(&[("AWS_LAMBDA_LOG_LEVEL", Some("INFO"))]);
    let mut f = Function::start(path, name, &env).await;
    let init = f.ready(Duration::from_secs(30)).await.unwrap_or_else(|| {
        panic!(
            "{name} did not start: {:?}\n{}",
            f.api.init_error(),
            f.logs()
        )
    });
    let outcome = f.invoke(payload(name)).await;
    let first = f.started.elapsed();
    if let aftercare_tests::runtime_api::Outcome::Error {
        error_type,
        message,
    } = &outcome
    {
        panic!("{name}: {error_type}: {message}");
    }
    let peak_kib = f.pid().map(peak_kib).unwrap_or(0);
    Sample {
        init,
        first,
        peak_kib,
    }
}

/// The two round trips every signing function makes before it may take
/// work (the deployment issue: the start recorded in the table, which
/// checks the report time zone; the link keys from Secrets Manager), made
/// at once from here with fresh clients, as a start makes them: what a
/// start costs that a hello world's does not. Returns the table's alone,
/// and both at once.
async fn start_requests(stack: &Stack) -> (Duration, Duration) {
    let var = |k: &str| {
        stack
            .env
            .iter()
            .find(|(name, _)| name == k)
            .map(|(_, v)| v.clone())
    };
    let settings = Settings::from_env(var).expect("the stack's settings");
    let secret = var("LINK_SECRET_ARN").expect("the stack's secret");
    let store = DynamoStore::new(dynamodb_client().await, stack.table.clone());
    let secrets = secrets_client().await;
    let zone = settings.policy.report_time_zone.name().to_string();
    let started = std::time::Instant::now();
    let ((check, table), key) = tokio::join!(
        async {
            let check = store
                .record_start(&zone, settings.policy.churn_days, "{}", chrono::Utc::now())
                .await;
            (check, started.elapsed())
        },
        link_keys(&secrets, &secret),
    );
    let both = started.elapsed();
    assert!(matches!(check, Ok(ZoneCheck::Agrees)), "{check:?}");
    assert!(key.is_ok(), "the link keys");
    (table, both)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[tokio::main]
async fn main() {
    let mut names: Vec<&str> = vec!["hello-lambda"];
    names.extend(FUNCTIONS);
    let paths: Vec<_> = names.iter().map(|n| binary(n)).collect();
    let stack = Stack::new(8).await;
    let mut rows = Vec::new();
    for (name, path) in names.iter().zip(&paths) {
        // Interleaved would be fairer to a noisy machine; one function's
        // runs back to back keep the table's and moto's caches warm alike.
        let mut samples = Vec::new();
        for _ in 0..runs() {
            samples.push(cold_start(&stack, name, path).await);
        }
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        rows.push((
            *name,
            size,
            median(samples.iter().map(|s| s.init).collect()),
            median(samples.iter().map(|s| s.first).collect()),
            samples.iter().map(|s| s.peak_kib).max().unwrap_or(0),
        ));
    }
    let mut requests = Vec::new();
    for _ in 0..runs() {
        requests.push(start_requests(&stack).await);
    }
    let table_only = median(requests.iter().map(|r| r.0).collect());
    let requests = median(requests.iter().map(|r| r.1).collect());
    let (_, _, hello_init, hello_first, _) = rows[0];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    // What a start waits for before it may take work; feedback signs no
    // link, so its start makes the table's request only.
    let before_work = |name: &str| match name {
        "hello-lambda" => Duration::ZERO,
        "aftercare-feedback" => table_only,
        _ => requests,
    };
    println!(
        "the start's requests, fresh clients: the table's {:.2} ms, with the secret's at once {:.2} ms",
        ms(table_only),
        ms(requests)
    );
    println!(
        "{:<20}{:>10}{:>10}{:>9}{:>14}{:>12}{:>9}{:>10}",
        "function",
        "size MB",
        "init ms",
        "vs hw",
        "less req, vs",
        "1st call ms",
        "vs hw",
        "peak MiB"
    );
    let mut figures = Vec::new();
    for (name, size, init, _, peak) in rows.iter().skip(1) {
        for (what, value, unit, target) in [
            (
                "start-up (init) vs hello world",
                ms(*init) / ms(hello_init),
                "ratio",
                Some(("≤", 1.5)),
            ),
            (
                "start-up less the start's own requests vs hello world",
                (ms(*init) - ms(before_work(name))).max(0.0) / ms(hello_init),
                "ratio",
                None,
            ),
            ("peak memory", *peak as f64 / 1024.0, "MiB", None),
            ("binary size", *size as f64 / 1e6, "MB", Some(("<", 10.0))),
        ] {
            figures.push(Figure {
                section: "Lambda functions",
                figure: format!("{name}: {what}"),
                value,
                unit,
                target,
            });
        }
    }
    if runs() > 1 {
        record(&figures);
    }
    for (name, size, init, first, peak) in &rows {
        println!(
            "{:<20}{:>10.2}{:>10.2}{:>9.2}{:>14.2}{:>12.2}{:>9.2}{:>10.1}",
            name,
            *size as f64 / 1e6,
            ms(*init),
            ms(*init) / ms(hello_init),
            (ms(*init) - ms(before_work(name))).max(0.0) / ms(hello_init),
            ms(*first),
            ms(*first) / ms(hello_first),
            *peak as f64 / 1024.0
        );
    }
}
