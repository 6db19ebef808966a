//! Scheduling cost (not a test: numbers for docs/performance.md). Books
//! N new calls, one after another as the ingest path does, over A agents
//! on the embedded store, the calls' earliest slots spread over three
//! days, and prints the time per call as a ratio to the smallest run
//! measured in the same process (the machine is shared and noisy).
//!
//!     cargo bench -p aftercare-shared --bench scheduling

use aftercare_shared::adapters::sqlite::SqliteStore;
use aftercare_shared::config::Settings;
use aftercare_shared::domain::ids::{CustomerId, Locale};
use aftercare_shared::domain::keys::AttemptKey;
use aftercare_shared::services::booking::{assign, CallRequest};
use chrono::{Duration, TimeZone, Utc};
use std::time::Instant;

const LANGS: [&str; 4] = ["en", "ko", "vi", "zh"];

fn roster(agents: usize) -> Settings {
    let mut toml = String::new();
    for i in 0..agents {
        // Every agent speaks English and one other language.
        let other = LANGS[i % 4];
        toml.push_str(&format!(
            "[[agents]]\nid = \"a-{i:03}\"\nname = \"Agent {i}\"\nemail = \"a{i}@shop.example\"\nlanguages = [\"{other}\", \"en\"]\ntime_zone = \"Asia/Seoul\"\nhours = \"09:00-18:00\"\ndays = [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\", \"Sat\"]\ncapacity = 32\n"
        ));
    }
    Settings::from_toml(&toml).unwrap_or_else(|e| panic!("roster: {e}"))
}

/// Seconds to book `calls` calls over `agents` agents, and how many were at risk.
fn run(agents: usize, calls: usize) -> (f64, usize) {
    let settings = roster(agents);
    let store = SqliteStore::in_memory().unwrap_or_else(|e| panic!("sqlite: {e}"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"));
    let now = Utc.with_ymd_and_hms(2026, 11, 16, 0, 0, 0).unwrap();
    let began = Instant::now();
    let mut at_risk = 0;
    for i in 0..calls {
        let customer = CustomerId::parse(&format!("c-{i}")).unwrap();
        let attempt: AttemptKey = format!("c-{i}/order:o-{i}#1").parse().unwrap();
        // Earliest slots spread over three days of demand.
        let earliest = now + Duration::minutes((i * 3 * 24 * 60 / calls) as i64);
        let req = CallRequest {
            customer: &customer,
            attempt: &attempt,
            locale: Locale::from_tag(LANGS[i % 4]),
            tz: chrono_tz::Asia::Seoul,
            earliest,
            deadline: earliest + Duration::hours(72),
            round: 0,
        };
        let a = runtime
            .block_on(assign(
                &store,
                &settings.policy,
                &settings.agents,
                &req,
                now,
            ))
            .unwrap_or_else(|e| panic!("booking: {e}"));
        at_risk += usize::from(a.at_risk);
    }
    (began.elapsed().as_secs_f64(), at_risk)
}

fn main() {
    let cases = [
        (10, 1_000),
        (10, 2_500),
        (10, 5_000),
        (10, 10_000),
        (25, 10_000),
        (50, 1_000),
        (50, 2_500),
        (50, 5_000),
        (50, 10_000),
    ];
    println!(
        "{:>7}{:>8}{:>10}{:>12}{:>14}{:>9}",
        "agents", "calls", "seconds", "µs/call", "vs 10 x 1000", "at risk"
    );
    let mut baseline = None;
    for (agents, calls) in cases {
        let (secs, risk) = run(agents, calls);
        let per = secs / calls as f64 * 1e6;
        let base = *baseline.get_or_insert(per);
        println!(
            "{agents:>7}{calls:>8}{secs:>10.2}{per:>12.1}{:>14.2}{risk:>9}",
            per / base
        );
    }
}
