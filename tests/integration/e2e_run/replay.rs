//! Delivering again: the same file twice, every event twice and out of
//! order, and a run killed midway and started again.

use super::{
    clean_run, customers, fail_with, first_differences, occurred_at, outbox, rejected, seed,
    write_lines, Setup,
};
use chrono::{DateTime, Duration, Utc};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use std::collections::BTreeSet;

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
    let mut interrupted = 0;
    for (n, fraction) in [0.1, 0.35, 0.6].into_iter().enumerate() {
        let data = setup.path(&format!("killed-{n}"));
        let mut child = setup.spawn_run(&data, &file, clean.until);
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
