//! `aftercare run` end to end against an independent recomputation of the
//! KPIs (oracle.rs), on a seeded data set (dataset.rs): agreement, reruns,
//! duplicated and shuffled delivery, malformed lines; and the hand-made
//! boundary cases of dataset.rs, alone against the run and against numbers
//! worked out by hand (a check of the oracle itself).
//!
//! `AFTERCARE_E2E_SEED` and `AFTERCARE_E2E_CUSTOMERS` change the data set.
//!
//! Settings: no agents (every call unassigned and at risk), report days in
//! Asia/Seoul, defaults otherwise.

use crate::dataset;
use crate::helpers::aftercare_bin;
use crate::oracle::{self, Expected};
use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, Utc};
use chrono_tz::Tz;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

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
            "agents = []\n\n[business]\nreport_time_zone = \"Asia/Seoul\"\n",
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
        assert!(
            out.status.success(),
            "aftercare {args:?} failed ({}):\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 output")
    }

    /// `aftercare run`; returns (accepted, duplicate, rejected) as printed.
    fn run(&self, data: &Path, events: &Path, until: DateTime<Utc>) -> (usize, usize, usize) {
        let until = until.to_rfc3339_opts(SecondsFormat::Secs, true);
        let out = self.aftercare(&[
            "run",
            "--data",
            s(data),
            "--events",
            s(events),
            "--until",
            &until,
            "--quiet",
        ]);
        counts(&out)
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

#[test]
fn run_agrees_with_an_independent_recomputation() {
    let setup = Setup::new();
    let clean = clean_run(&setup, seed(), customers());
    let e = &clean.expected;
    eprintln!("cases: {:#?}", e.cases);
    let problems = disagreements(&clean);
    fail_with("aftercare run disagrees with the oracle", &problems);

    // The data set exercises what it is meant to.
    let total = |section: &str, field: &str| {
        e.days
            .values()
            .map(|v| v[section][field].as_u64().unwrap())
            .sum::<u64>()
    };
    for (section, field) in [
        ("purchases", "repeat_customers"),
        ("tickets", "reopened"),
        ("callbacks", "merged"),
        ("callbacks", "skipped"),
        ("callbacks", "reached"),
        ("callbacks", "completed_on_time"),
        ("callbacks", "escalations_opened"),
        ("csat", "responses"),
        ("csat", "throttled"),
        ("nps", "responses"),
        ("nps", "throttled"),
    ] {
        assert!(
            total(section, field) > 0,
            "the data set has no {section}.{field}"
        );
    }
    for name in [
        "survey moved out of quiet time",
        "survey throttled",
        "answer updated",
        "answer for no survey",
        "answer for a throttled survey",
        "answer before the send",
        "answer after the link expired",
        "low score by an update",
        "merge moved a deadline earlier",
        "open call missed: a new reason after its deadline",
        "outcome with no open call",
        "outcome after the deadline",
        "call closed after the last failed attempt",
        "ticket never closed",
        "ticket closed without a seen open",
        "ticket reopened",
    ] {
        assert!(
            e.cases.contains_key(name),
            "the data set has no case of {name:?}: {:?}",
            e.cases
        );
    }
}

#[test]
fn running_the_same_file_twice_changes_nothing() {
    let setup = Setup::new();
    let clean = clean_run(&setup, seed(), customers());
    let rejects_before = std::fs::read(clean.data.join("rejected.jsonl")).unwrap();
    let outbox_before = outbox(&clean.data);
    assert!(!outbox_before.is_empty(), "the first run wrote no email");

    let (accepted, _, _) = setup.run(&clean.data, &setup.path("events.jsonl"), clean.until);
    assert_eq!(accepted, 0, "the second run accepted events again");
    let again = setup.reports(&clean.data, clean.reports.keys().copied());
    fail_with(
        "reports changed on the second run",
        &first_differences(&clean.reports, &again),
    );
    assert!(
        std::fs::read(clean.data.join("rejected.jsonl")).unwrap() == rejects_before,
        "rejected.jsonl changed on the second run"
    );
    let outbox_after = outbox(&clean.data);
    assert_eq!(
        outbox_after
            .symmetric_difference(&outbox_before)
            .collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "the outbox changed on the second run"
    );
}

#[test]
fn duplicated_and_shuffled_delivery_gives_the_same_kpis_and_emails() {
    let setup = Setup::new();
    let clean = clean_run(&setup, seed(), customers());
    let mut rng = SmallRng::seed_from_u64(seed() ^ 0x5eed);
    // Every envelope twice (the copy with its own id), each line moved by
    // less than an hour.
    let mut delivered: Vec<(DateTime<Utc>, String)> = Vec::new();
    for e in &clean.events {
        let mut copy = e.clone();
        copy["id"] = Value::String(format!("{}-again", e["id"].as_str().unwrap()));
        for v in [e, &copy] {
            let shift = Duration::milliseconds(rng.gen_range(0..3_600_000));
            delivered.push((occurred_at(v) + shift, v.to_string()));
        }
    }
    delivered.sort();
    let file = setup.path("twice-shuffled.jsonl");
    write_lines(
        &file,
        &delivered.into_iter().map(|(_, l)| l).collect::<Vec<_>>(),
    );
    let data = setup.path("twice");
    let (accepted, _, _) = setup.run(&data, &file, clean.until);
    assert_eq!(
        accepted, clean.counts.0,
        "accepted events: the clean run {}, duplicated and shuffled {accepted}",
        clean.counts.0
    );
    let reports = setup.reports(&data, clean.reports.keys().copied());
    fail_with(
        "duplicated and shuffled delivery changed the reports",
        &first_differences(&clean.reports, &reports),
    );
    let (a, b) = (outbox(&clean.data), outbox(&data));
    let only_clean: Vec<&String> = a.difference(&b).collect();
    let only_twice: Vec<&String> = b.difference(&a).collect();
    assert!(
        only_clean.is_empty() && only_twice.is_empty(),
        "emails only in the clean run: {only_clean:?}; only in the duplicated run: {only_twice:?}"
    );
}

#[test]
fn malformed_lines_are_rejected_with_their_reason_and_change_nothing_else() {
    let setup = Setup::new();
    let clean = clean_run(&setup, seed(), customers());
    let some_ticket = clean
        .events
        .iter()
        .find(|e| e["detail-type"] == "TicketClosed")
        .map(|e| e["detail"]["ticket_id"].as_str().unwrap().to_string())
        .expect("a closed ticket");
    let at = "2026-10-25T10:00:00+09:00";
    let customer = r#"{"id":"c-bad","email":"bad@example.com","phone":"+821099999999"}"#;
    let envelope = |detail_type: &str, id: &str, detail: String| {
        format!(
            r#"{{"version":"0","id":"{id}","detail-type":"{detail_type}","source":"test","detail":{detail}}}"#
        )
    };
    // (line, the field its reason must name; None for bad JSON)
    let bad: Vec<(String, Option<&str>)> = vec![
        (r#"{"version":"0","id":"bad-json","detail-type":"PurchaseCompleted","detail":{"order_id":"o-bad-1""#.to_string(), None),
        (envelope("PurchaseCompleted", "bad-no-time", format!(r#"{{"order_id":"o-bad-2","customer":{customer}}}"#)), Some("detail.occurred_at")),
        (
            envelope("SurveyAnswered", "bad-score", format!(r#"{{"survey_for":{{"ticket_id":"{some_ticket}"}},"score":9,"occurred_at":"2026-10-30T10:00:00Z"}}"#)),
            Some("detail.score"),
        ),
        (envelope("RefundIssued", "bad-type", format!(r#"{{"order_id":"o-bad-3","occurred_at":"{at}","customer":{customer}}}"#)), Some("detail-type")),
        (
            envelope("PurchaseCompleted", "bad-time", format!(r#"{{"order_id":"o-bad-4","occurred_at":"25/10/2026 10:00","customer":{customer}}}"#)),
            Some("detail.occurred_at"),
        ),
        (
            envelope("TicketOpened", "bad-customer", format!(r#"{{"ticket_id":"t-bad-5","occurred_at":"{at}","customer":{{"email":"bad@example.com"}}}}"#)),
            Some("detail.customer.id"),
        ),
    ];
    // Spread them through the clean file.
    let mut lines = clean.lines.clone();
    let mut rng = SmallRng::seed_from_u64(seed() ^ 0xbad);
    for (line, _) in &bad {
        let at = rng.gen_range(0..=lines.len());
        lines.insert(at, line.clone());
    }
    let file = setup.path("with-bad-lines.jsonl");
    write_lines(&file, &lines);
    let data = setup.path("bad");
    let (accepted, _, rejected_count) = setup.run(&data, &file, clean.until);
    assert_eq!(accepted, clean.counts.0, "accepted events");
    assert_eq!(
        rejected_count,
        clean.counts.2 + bad.len(),
        "rejected events: the clean run's and the malformed lines"
    );

    let clean_raws: BTreeSet<String> = rejected(&clean.data)
        .iter()
        .map(|r| r["raw"].as_str().unwrap().to_string())
        .collect();
    let mut injected: BTreeMap<String, (u64, String)> = BTreeMap::new();
    for r in rejected(&data) {
        let raw = r["raw"].as_str().expect("raw").to_string();
        if !clean_raws.contains(&raw) {
            injected.insert(
                raw,
                (
                    r["line"].as_u64().expect("line"),
                    r["reason"].as_str().expect("reason").to_string(),
                ),
            );
        }
    }
    let bad_lines: BTreeSet<&String> = bad.iter().map(|(l, _)| l).collect();
    let kept: BTreeSet<&String> = injected.keys().collect();
    assert_eq!(
        kept, bad_lines,
        "rejected.jsonl beyond the clean run's rejects should hold exactly the malformed lines"
    );
    for (line, field) in &bad {
        let (number, reason) = &injected[line];
        let position = lines.iter().position(|l| l == line).unwrap() as u64 + 1;
        assert_eq!(*number, position, "line number of {line}");
        if let Some(field) = field {
            assert!(
                reason.contains(field),
                "the reason for {line} should name {field}: {reason:?}"
            );
        }
    }

    let reports = setup.reports(&data, clean.reports.keys().copied());
    fail_with(
        "malformed lines changed the reports",
        &first_differences(&clean.reports, &reports),
    );
}

#[test]
fn boundary_cases_alone_agree_with_the_independent_recomputation() {
    // No random customers: only the hand-made `e-…` ones of dataset.rs.
    let setup = Setup::new();
    let clean = clean_run(&setup, seed(), 0);
    fail_with(
        "aftercare run disagrees with the oracle on the boundary cases",
        &disagreements(&clean),
    );
}

/// The oracle itself, on the hand-made cases, against numbers worked out by
/// hand from the spec and the readings.
#[test]
fn the_oracle_decides_the_boundary_cases_as_the_readings_say() {
    let events = dataset::generate(1, 0);
    let e = oracle::recompute(&events, REPORT_TZ, until(&events));
    let rejected: BTreeSet<String> = events
        .iter()
        .filter(|v| e.rejected_ids.contains(v["id"].as_str().unwrap()))
        .map(|v| {
            let d = &v["detail"];
            format!(
                "{} {} {}",
                v["detail-type"].as_str().unwrap(),
                d.get("customer_id").or(d.get("survey_for")).unwrap(),
                d["occurred_at"].as_str().unwrap()
            )
        })
        .collect();
    let want: BTreeSet<String> = [
        r#"SurveyAnswered {"order_id":"o-e1"} 2026-11-25T10:00:01+09:00"#,
        r#"SurveyAnswered {"ticket_id":"t-e2-c"} 2026-11-03T10:00:00+09:00"#,
        r#"CallOutcomeRecorded "e-3" 2026-11-04T15:00:00+09:00"#,
        r#"SurveyAnswered {"ticket_id":"t-e-7"} 2026-10-26T12:59:59Z"#,
        r#"SurveyAnswered {"ticket_id":"t-e-8"} 2026-10-26T08:59:59Z"#,
        r#"SurveyAnswered {"ticket_id":"t-e-9"} 2026-10-21T01:59:59Z"#,
        r#"SurveyAnswered {"ticket_id":"t-e-10"} 2026-11-09T13:59:59Z"#,
        r#"SurveyAnswered {"order_id":"o-e11-a"} 2026-11-08T10:00:00+09:00"#,
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(rejected, want);
    assert_eq!(
        e.duplicate, 2,
        "o-e3-a again, and t-e6's close written in UTC"
    );

    let day = |d: &str| &e.days[&d.parse::<NaiveDate>().unwrap()];
    let at = |d: &str, path: &str| path.split('.').fold(day(d), |v, k| &v[k]).clone();
    let check = |d: &str, path: &str, want: Value| {
        let mut diffs = Vec::new();
        oracle::differences(&format!("{d}.{path}"), &want, &at(d, path), &mut diffs);
        assert!(diffs.is_empty(), "the oracle's {diffs:?}");
    };
    // e-1: NPS sent Oct 28 10:00 KST, answered then (9), updated to 5 on
    // Nov 25 10:00 KST (low; no phone: skipped).
    check("2026-10-28", "nps.sent", json!(1));
    check("2026-10-28", "nps.responses", json!(1));
    check("2026-10-28", "nps.detractors", json!(1));
    check("2026-10-28", "nps.response_rate", json!(1.0));
    check("2026-11-25", "callbacks.skipped", json!(1));
    // e-2: CSATs sent Oct 19 and Oct 26 (exactly 7 days later), the third
    // throttled on Nov 2. e-3's and e-5's purchases have no email.
    check("2026-10-19", "csat.sent", json!(1));
    check("2026-10-26", "csat.sent", json!(3)); // e-2, e-7 (13:00Z = 22:00 KST), e-8 (18:00 KST)
    check("2026-11-02", "csat.throttled", json!(1));
    check("2026-10-27", "csat.responses", json!(1));
    check("2026-10-27", "csat.satisfied", json!(1));
    // e-3: call 1 (Oct 20, deadline Oct 23 10:00) merges o-e3-b at exactly
    // its deadline and is reached at that instant: on time.
    check("2026-10-20", "callbacks.scheduled", json!(1));
    check("2026-10-21", "callbacks.skipped", json!(2)); // e-1's purchase, e-6's close: no phone
    check("2026-10-20", "callbacks.skipped", json!(2)); // e-4's purchase, e-9's close: no phone
    check("2026-10-23", "callbacks.merged", json!(1));
    check("2026-10-23", "callbacks.due", json!(1));
    check("2026-10-23", "callbacks.completed_on_time", json!(1));
    check("2026-10-23", "callbacks.on_time_rate", json!(1.0));
    // call 2 (Oct 30, deadline Nov 2 10:00) missed by o-e3-d 1 ms later:
    // call 3, deadline Nov 5 10:00.001, closed unreached by the third
    // failed attempt on Nov 4.
    check("2026-10-30", "callbacks.scheduled", json!(2)); // and e-4's low score
    check("2026-11-02", "callbacks.scheduled", json!(1));
    check("2026-11-02", "callbacks.due", json!(1));
    check("2026-11-02", "callbacks.completed_on_time", json!(0));
    check("2026-11-03", "callbacks.attempts", json!(2));
    check("2026-11-04", "callbacks.attempts", json!(1));
    check("2026-11-04", "callbacks.reached", json!(0));
    // e-4: NPS answered 2 on Oct 30, a phone by then: a new call, due Oct 31.
    check("2026-10-30", "nps.responses", json!(1));
    check("2026-10-30", "nps.detractors", json!(1));
    check("2026-10-31", "callbacks.due", json!(1));
    // e-5: two orders at one instant: not a repeat customer; one call.
    check("2026-10-22", "purchases.count", json!(2));
    check("2026-10-22", "purchases.repeat_customers", json!(0));
    check("2026-10-22", "callbacks.scheduled", json!(1));
    check("2026-10-22", "callbacks.merged", json!(1));
    // e-6: opened on Oct 20 (TicketOpened), closed Oct 21: resolution from
    // the close's opened_at (14 h 50 min); not a first-contact resolution.
    // e-9's ticket opens and closes at 20:00 KST on Oct 20.
    check("2026-10-20", "tickets.opened", json!(2));
    check("2026-10-20", "tickets.closed", json!(1));
    check("2026-10-20", "tickets.backlog", json!(1));
    check("2026-10-21", "tickets.closed", json!(1));
    check(
        "2026-10-21",
        "tickets.first_contact_resolution_rate",
        json!(0.0),
    );
    check(
        "2026-10-21",
        "tickets.avg_first_response_minutes",
        Value::Null,
    );
    check(
        "2026-10-21",
        "tickets.avg_resolution_hours",
        json!(890.0 / 60.0),
    );
    check("2026-10-21", "tickets.backlog", json!(0));
    // e-12: fractions of a second count.
    check(
        "2026-10-22",
        "tickets.avg_first_response_minutes",
        json!(59.75 / 60.0),
    );
    check(
        "2026-10-22",
        "tickets.avg_resolution_hours",
        json!(3599.5 / 3600.0),
    );
    // e-7..e-10: the answers at the moved send time count (e-6's and
    // e-9's CSATs go out on Oct 21 KST, e-7's and e-8's on Oct 26).
    check("2026-10-21", "csat.sent", json!(2));
    check("2026-10-21", "csat.responses", json!(1));
    check("2026-10-26", "csat.responses", json!(2));
    check("2026-10-26", "csat.satisfied", json!(0));
    check("2026-11-09", "csat.sent", json!(1));
    check("2026-11-09", "csat.responses", json!(1));
    // e-5's NPS surveys are planned for one instant: one sent, one throttled.
    check("2026-10-29", "nps.sent", json!(1));
    check("2026-10-29", "nps.throttled", json!(1));
    // e-11: the same, from purchases at different times: the earlier
    // purchase's survey (o-e11-b) is sent and answered.
    check("2026-11-07", "nps.sent", json!(1));
    check("2026-11-07", "nps.throttled", json!(1));
    check("2026-11-08", "nps.responses", json!(1));
}

/// `kill -9` in the middle of a run, then the same run again: the store,
/// the outbox and the rejects end exactly as after one clean run.
///
/// The kill is timed by the run's own progress (mail in its outbox), not
/// by the wall clock, so a slow or busy machine still kills mid-run.
#[test]
fn a_killed_run_resumes_with_nothing_lost_or_doubled() {
    let setup = Setup::new();
    let clean = clean_run(&setup, seed(), customers());
    let mails = outbox(&clean.data).len();
    assert!(
        mails > 20,
        "the dataset sends too little mail to kill mid-run"
    );
    let file = setup.path("events.jsonl");
    let until = clean.until.to_rfc3339_opts(SecondsFormat::Secs, true);
    let mut interrupted = 0;
    for (n, fraction) in [0.1, 0.35, 0.6].into_iter().enumerate() {
        let data = setup.path(&format!("killed-{n}"));
        let mut child = Command::new(aftercare_bin())
            .arg("--config")
            .arg(&setup.config)
            .args([
                "run",
                "--data",
                s(&data),
                "--events",
                s(&file),
                "--until",
                &until,
                "--quiet",
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("starting aftercare run");
        let target = (mails as f64 * fraction).ceil() as usize;
        while outbox(&data).len() < target && child.try_wait().expect("polling the run").is_none() {
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        let _ = child.kill();
        if child
            .wait()
            .expect("waiting for the killed run")
            .code()
            .is_none()
        {
            interrupted += 1;
        }
        let (accepted, duplicate, refused) = setup.run(&data, &file, clean.until);
        assert_eq!(
            accepted + duplicate + refused,
            clean.counts.0 + clean.counts.1 + clean.counts.2
        );
        assert_eq!(
            setup.reports(&data, clean.expected.days.keys().copied()),
            clean.reports,
            "KPIs after a kill at {fraction} of the run"
        );
        assert_eq!(
            outbox(&data),
            outbox(&clean.data),
            "emails after a kill at {fraction} of the run"
        );
        let raw = |v: Vec<Value>| {
            v.into_iter()
                .map(|r| r["raw"].to_string())
                .collect::<BTreeSet<_>>()
        };
        assert_eq!(raw(rejected(&data)), raw(rejected(&clean.data)));
    }
    assert_eq!(
        interrupted, 3,
        "a run ended before it was killed: the test did not test a kill"
    );
}
