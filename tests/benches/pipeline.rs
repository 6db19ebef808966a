//! The local pipeline against its floor (issue 18), measured in the same
//! run on the same generated data:
//! - the floor: each line parsed as an envelope, then one SQLite insert in
//!   its own transaction (WAL, synchronous NORMAL), as the embedded store
//!   runs; nothing else;
//! - `aftercare run` (release) over the same file: every event through the
//!   history, the derivation, the commit, and every survey, reminder,
//!   alert, call sheet and morning report written to the outbox on the
//!   simulated clock.
//!
//! At 1x (1,500 demo customers, 30 days) and 10x; per-event cost at 10x as
//! a ratio to 1x. `cargo bench -p aftercare-tests --bench pipeline`
//! (`scripts/bench.sh` runs it with the other benches); under `cargo test`
//! it runs once at 30 customers with the debug build and checks that both
//! took every event.

use aftercare_shared::inbound::eventbridge::parse_envelope_bytes;
use aftercare_tests::figures::{record, Figure};
use aftercare_tests::workspace::{aftercare, root as workspace, under_cargo_bench};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

fn full() -> bool {
    under_cargo_bench()
}

/// Parse, then one insert in its own transaction; events per second.
fn floor(events: &Path, db: &Path) -> (usize, f64) {
    let bytes = std::fs::read(events).expect("the events");
    let conn = rusqlite::Connection::open(db).expect("a SQLite file");
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("WAL");
    conn.pragma_update(None, "synchronous", "NORMAL")
        .expect("synchronous");
    conn.execute_batch("CREATE TABLE events (id TEXT PRIMARY KEY, kind TEXT NOT NULL, at TEXT NOT NULL, body BLOB NOT NULL)")
        .expect("the table");
    let started = Instant::now();
    let mut n = 0;
    for line in bytes.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        let parsed = parse_envelope_bytes(line, "floor").expect("a demo event parses");
        let tx = conn.unchecked_transaction().expect("begin");
        tx.prepare_cached("INSERT INTO events (id, kind, at, body) VALUES (?1, ?2, ?3, ?4)")
            .and_then(|mut s| {
                s.execute(rusqlite::params![
                    parsed.envelope_id,
                    parsed.event.kind(),
                    parsed.event.occurred_at().to_rfc3339(),
                    line
                ])
            })
            .expect("insert");
        tx.commit().expect("commit");
        n += 1;
    }
    (n, n as f64 / started.elapsed().as_secs_f64())
}

/// `aftercare run` over the file; (accepted events, events per second).
fn pipeline(bin: &Path, events: &Path, data: &Path) -> (usize, f64) {
    let started = Instant::now();
    let out = Command::new(bin)
        .arg("--config")
        .arg(workspace().join("cli/demo-settings.toml"))
        .args(["run", "--quiet", "--data"])
        .arg(data)
        .arg("--events")
        .arg(events)
        .output()
        .expect("aftercare run");
    let secs = started.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // "accepted N, duplicate D, rejected R"
    let said = String::from_utf8_lossy(&out.stdout);
    let accepted: usize = said
        .split("accepted ")
        .nth(1)
        .and_then(|t| t.split(',').next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("aftercare run did not count its events: {said}"));
    (accepted, accepted as f64 / secs)
}

fn main() {
    let bin = aftercare(full());
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let scales: &[u32] = if full() { &[1, 10] } else { &[1] };
    let base = if full() { 1_500 } else { 30 };
    println!(
        "{:<8}{:>8}{:>14}{:>16}{:>8}{:>12}{:>10}",
        "data", "events", "floor ev/s", "pipeline ev/s", "ratio", "µs/event", "vs 1x"
    );
    let mut per_event_1x = None;
    let mut figures = Vec::new();
    for &scale in scales {
        let customers = base * scale;
        let events = tmp.path().join(format!("events-{scale}.jsonl"));
        let status = Command::new(&bin)
            .args([
                "demo",
                "--customers",
                &customers.to_string(),
                "--events-only",
            ])
            .arg(&events)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("aftercare demo");
        assert!(status.success());
        let (lines, floor_rate) = floor(&events, &tmp.path().join(format!("floor-{scale}.db")));
        let (accepted, rate) = pipeline(&bin, &events, &tmp.path().join(format!("data-{scale}")));
        assert_eq!(accepted, lines, "the run takes every demo event");
        let micros = 1e6 / rate;
        let vs = micros / *per_event_1x.get_or_insert(micros);
        println!(
            "{:<8}{lines:>8}{floor_rate:>14.0}{rate:>16.0}{:>8.3}{micros:>12.0}{vs:>10.2}",
            format!("{scale}x"),
            rate / floor_rate
        );
        figures.push(Figure {
            section: "local pipeline",
            figure: format!("aftercare run, {scale}x ({customers} customers), events/s"),
            value: rate,
            unit: "events/s",
            target: None,
        });
        figures.push(Figure {
            section: "local pipeline",
            figure: format!(
                "floor (parse + one SQLite insert per transaction), {scale}x, events/s"
            ),
            value: floor_rate,
            unit: "events/s",
            target: None,
        });
        figures.push(Figure {
            section: "local pipeline",
            figure: format!("pipeline / floor, {scale}x"),
            value: rate / floor_rate,
            unit: "ratio",
            target: Some(("≥", 0.25)),
        });
        if scale > 1 {
            figures.push(Figure {
                section: "local pipeline",
                figure: format!("per-event cost, {scale}x vs 1x"),
                value: vs,
                unit: "ratio",
                target: Some(("≤", 1.1)),
            });
        }
    }
    if full() {
        record(&figures);
    }
}
